// pfnbench_info says what this machine can do, in words and as JSON.
#include <gtest/gtest.h>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "platform/placement.h"
#include "run_program.h"

TEST(Info, JsonNamesTheBackendAndWhyEachCandidateWasOrWasNotChosen)
{
	ProgramRun run = run_program(PFN_INFO, {"--json"});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	nlohmann::json doc = nlohmann::json::parse(run.out);
	for (const char *key : {"system", "placement", "device", "backend", "copy_kernels", "counters"})
		EXPECT_TRUE(doc.contains(key)) << key;
	EXPECT_TRUE(doc["device"].contains("available"));
	const auto &b = doc["backend"];
	if (!b["name"].is_null()) {
		EXPECT_FALSE(b["probes"].empty());
		int chosen = 0;
		for (const auto &p : b["probes"]) {
			EXPECT_FALSE(p["result"].get<std::string>().empty());
			chosen += p["chosen"].get<bool>();
		}
		EXPECT_EQ(chosen, 1);
	}
	EXPECT_NE(std::find(doc["copy_kernels"].begin(), doc["copy_kernels"].end(), "libc"),
		  doc["copy_kernels"].end());
}

TEST(Info, JsonGivesThePlacementItsCachesAndEveryBackendPair)
{
	ProgramRun run = run_program(PFN_INFO, {"--json"});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	nlohmann::json doc = nlohmann::json::parse(run.out);
	// What pfnbench reproduce pins every program to and marks on the sweep plot.
	const auto &place = doc["placement"];
	pfn::Placement expect = pfn::resolve_placement(std::nullopt, std::nullopt);
	EXPECT_EQ(place["cpu"], expect.cpu);
	EXPECT_EQ(place["node"], expect.node);
	auto caches = pfn::cpu_caches(expect.cpu);
	ASSERT_EQ(place["caches"].size(), caches.size());
	for (const auto &c : caches) {
		EXPECT_EQ(place["caches"][c.name], c.bytes) << c.name;
		EXPECT_GT(c.bytes, 0u);
	}
	// The candidates, best first, each with its pair and label.
	ASSERT_EQ(doc["backends"].size(), 4u);
	EXPECT_EQ(doc["backends"][0]["name"], "device-remap");
	EXPECT_EQ(doc["backends"][0]["without"], "device-pte");
	EXPECT_EQ(doc["backends"][2]["label"], "thp vs 4k (process memory)");
	if (!doc["backend"]["name"].is_null()) {
		EXPECT_FALSE(doc["backend"]["label"].get<std::string>().empty());
	}
}

TEST(Info, BackendCanBeNamedAndUnknownNamesAreRefused)
{
	ProgramRun run = run_program(PFN_INFO, {"--json", "--backend", "thp"});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	const auto b = nlohmann::json::parse(run.out)["backend"];
	if (!b["name"].is_null()) {
		EXPECT_EQ(b["name"], "thp");
		EXPECT_EQ(b["probes"].size(), 1u);
	} else {
		EXPECT_NE(b["reason"].get<std::string>().find("thp: "), std::string::npos);
	}
	ProgramRun bad = run_program(PFN_INFO, {"--json", "--backend", "nope"});
	EXPECT_NE(bad.exit_code, 0);
	EXPECT_EQ(bad.out, "");
	EXPECT_EQ(lines_of(bad.err).size(), 1u) << bad.err;
	EXPECT_NE(bad.err.find("nope"), std::string::npos) << bad.err;
}

TEST(Info, TextSaysWhatTheDriverAndBackendAre)
{
	ProgramRun run = run_program(PFN_INFO, {});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	EXPECT_NE(run.out.find("kdriver:   "), std::string::npos);
	EXPECT_NE(run.out.find("backend:   "), std::string::npos);
}

TEST(Info, BadNodeIsOneLine)
{
	ProgramRun run = run_program(PFN_INFO, {"--node", "77"});
	EXPECT_EQ(run.exit_code, 1);
	EXPECT_EQ(lines_of(run.err).size(), 1u) << run.err;
}

TEST(Info, NumaLayoutSaysEachNodesTotalAndFreeMemory)
{
	std::vector<pfn::NumaNode> nodes = {{0, "0-1", 13958643712, 6012954214},
					    {1, "2-3", 16ull << 30, 512ull << 20}};
	EXPECT_EQ(pfn::numa_layout(nodes), "node 0: CPUs 0-1, 13 GiB total, 5.6 GiB free; "
					   "node 1: CPUs 2-3, 16 GiB total, 512 MiB free");

	// What the programs record: the same reading as numbers and as the printed line.
	ProgramRun run = run_program(PFN_INFO, {"--json"});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	const auto system = nlohmann::json::parse(run.out)["system"];
	ASSERT_FALSE(system["numa_nodes"].empty());
	std::vector<pfn::NumaNode> read;
	for (const auto &n : system["numa_nodes"]) {
		read.push_back({n["node"], n["cpus"], n["total_bytes"], n["free_bytes"]});
		EXPECT_GT(read.back().total_bytes, 0u);
		EXPECT_LE(read.back().free_bytes, read.back().total_bytes);
	}
	EXPECT_EQ(system["numa_layout"], pfn::numa_layout(read));
}

TEST(Info, LayoutOfAProcessIsItsOwnMode)
{
	// This test's own process: its mappings, as JSON, and nothing of the machine.
	ProgramRun run = run_program(PFN_INFO, {"--layout-of", std::to_string(getpid()), "--json"});
	if (run.exit_code == 3)
		GTEST_SKIP() << "frames hidden here: " << run.err;
	ASSERT_EQ(run.exit_code, 0) << run.err;
	nlohmann::json doc = nlohmann::json::parse(run.out);
	EXPECT_EQ(doc.at("pid"), getpid());
	EXPECT_TRUE(doc.at("mappings").is_array());
	EXPECT_FALSE(doc.contains("system"));
	for (const auto &m : doc["mappings"]) {
		EXPECT_GE(m.at("bytes").get<uint64_t>(), 1u << 20);
		EXPECT_EQ(m.at("layout").at("unavailable"), "");
	}
}

TEST(Info, LayoutOfABadPidSaysSoInOneLine)
{
	for (const char *pid : {"0", "-5", "x"}) {
		ProgramRun run = run_program(PFN_INFO, {"--layout-of", pid});
		EXPECT_EQ(run.exit_code, 2) << pid;
		EXPECT_EQ(run.out, "");
		EXPECT_EQ(lines_of(run.err).size(), 1u) << run.err;
	}
	ProgramRun gone = run_program(PFN_INFO, {"--layout-of", "1073741823"});
	EXPECT_EQ(gone.exit_code, 1);
	EXPECT_EQ(lines_of(gone.err).size(), 1u) << gone.err;
	EXPECT_NE(gone.err.find("no process 1073741823"), std::string::npos) << gone.err;
}
