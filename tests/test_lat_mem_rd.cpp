// The real lat_mem_rd, run as a user would, on small sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/size.h"
#include "gib_pages.h"
#include "output/report.h"
#include "run/program.h"
#include "run_program.h"

namespace {

const std::vector<std::string> quick = {"-N", "2", "--sample-ms", "0.05"};

ProgramRun lat_mem_rd(std::vector<std::string> args, std::vector<std::string> env = {})
{
	return run_program(PFN_LAT_MEM_RD, args, env);
}

std::vector<std::string> with_quick(std::vector<std::string> args)
{
	args.insert(args.begin(), quick.begin(), quick.end());
	return args;
}

std::string temp_path(const std::string &name)
{
	return (std::filesystem::temp_directory_path() /
		(name + "-" + std::to_string(getpid()))).string();
}

} // namespace

TEST(LatMemRd, PrintsLmbenchFormatOnStderr)
{
	ProgramRun run = lat_mem_rd(with_quick({"1M"}));
	ASSERT_EQ(run.exit_code, 0) << run.err;
	auto lines = lines_of(run.err);
	ASSERT_FALSE(lines.empty());
	EXPECT_EQ(lines[0], "\"stride=64");
	std::regex point(R"(^\d+\.\d{5} \d+\.\d{3}$)");
	auto sizes = pfn::lmbench_sizes(pfn::MiB, 64);
	ASSERT_EQ(lines.size(), sizes.size() + 1);
	for (size_t i = 0; i < sizes.size(); i++) {
		EXPECT_TRUE(std::regex_match(lines[i + 1], point)) << lines[i + 1];
		EXPECT_DOUBLE_EQ(std::stod(lines[i + 1]),
				 std::stod(pfn::lmbench_line(sizes[i], 0).substr(0, 10)));
		EXPECT_GT(std::stod(lines[i + 1].substr(lines[i + 1].find(' ') + 1)), 0.0);
	}
}

TEST(LatMemRd, SaysWhichMappingItMeasuredOnStdout)
{
	ProgramRun run = lat_mem_rd(with_quick({"-t", "--mapping", "thp", "4M"}));
	ASSERT_EQ(run.exit_code, 0) << run.err;
	EXPECT_NE(run.out.find("4 MiB of thp memory: 100.0% 2M"), std::string::npos) << run.out;
}

TEST(LatMemRd, ExplicitStridesEachGetAHeaderAndAnEmptyLine)
{
	ProgramRun run = lat_mem_rd(with_quick({"1", "64", "128"}));
	ASSERT_EQ(run.exit_code, 0) << run.err;
	auto lines = lines_of(run.err);
	EXPECT_EQ(std::count(lines.begin(), lines.end(), "\"stride=64"), 1);
	EXPECT_EQ(std::count(lines.begin(), lines.end(), "\"stride=128"), 1);
	EXPECT_EQ(std::count(lines.begin(), lines.end(), ""), 2);
}

TEST(LatMemRd, ComparePrintsTheCoverLetterTableAndJson)
{
	std::string json = temp_path("lat.json"), table = temp_path("lat.txt");
	ProgramRun run = lat_mem_rd(with_quick({"--compare", "--sizes", "4M,8M", "--json", json,
						"--table", table}));
	ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
	auto lines = lines_of(run.out);
	ASSERT_GE(lines.size(), 4u);
	EXPECT_EQ(lines[0], "Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement");
	EXPECT_EQ(lines[1], "---------------- ----------------- -------------- -----------");
	std::regex row(R"(^\d+\.\d{2} \d+\.\d{3} ns \d+\.\d{3} ns -?\d+\.\d%$)");
	EXPECT_TRUE(std::regex_match(lines[2], row)) << lines[2];
	EXPECT_TRUE(std::regex_match(lines[3], row)) << lines[3];
	EXPECT_EQ(lines[2].substr(0, 5), "4.00 ");
	EXPECT_EQ(lines[3].substr(0, 5), "8.00 ");

	std::ifstream tf(table);
	std::string first;
	std::getline(tf, first);
	EXPECT_EQ(first, lines[0]);

	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	EXPECT_EQ(doc["schema"], "pfnbench-results/1");
	EXPECT_EQ(doc["tool"], "lat_mem_rd");
	EXPECT_TRUE(doc["system"].contains("kernel"));
	EXPECT_TRUE(doc["system"].contains("thp_enabled"));
	ASSERT_EQ(doc["latency"].size(), 4u);
	for (const auto &p : doc["latency"]) {
		EXPECT_EQ(p["chain"], "thrash");
		EXPECT_EQ(p["samples_ns"].size(), 2u);
		EXPECT_FALSE(p["report"]["method"].get<std::string>().empty());
	}
	int small = 0, huge = 0;
	for (const auto &p : doc["latency"]) {
		if (p["mapping"] == "4k") {
			small++;
			EXPECT_EQ(p["report"]["bytes_2m"], 0);
		} else {
			huge++;
			EXPECT_EQ(p["mapping"], "thp");
			EXPECT_GE(p["report"]["fraction_huge"].get<double>(), 0.99);
		}
	}
	EXPECT_EQ(small, 2);
	EXPECT_EQ(huge, 2);
	ASSERT_EQ(doc["tables"]["latency"].size(), 2u);
	EXPECT_EQ(doc["tables"]["latency"][0]["mismatch"], "");
	std::filesystem::remove(json);
	std::filesystem::remove(table);
}

// The compare table says which region its rows lived in and what physical layout each
// column ran on; with --first-touch chain the pages were touched in the chain's order,
// and only the chain's own 4 KiB pages were touched (THP populates its huge pages whole).
TEST(LatMemRd, CompareSaysItsRegionFirstTouchAndPhysicalLayout)
{
	std::string json = temp_path("touch.json");
	ProgramRun run = lat_mem_rd(with_quick({"--compare", "--without", "4k", "--with", "thp",
						"--sizes", "2M,4M", "--first-touch", "chain",
						"--json", json}));
	ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
	EXPECT_NE(run.out.find("Every row was measured inside one 4.00 MiB region per mapping, "
			       "as lmbench -t 4M measures"),
		  std::string::npos)
		<< run.out;
	EXPECT_NE(run.out.find("pages first touched in chain order"), std::string::npos);
	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	ASSERT_EQ(doc["latency"].size(), 4u);
	for (const auto &p : doc["latency"]) {
		EXPECT_EQ(p["first_touch"], "chain");
		EXPECT_EQ(p["region_bytes"], 4 * pfn::MiB);
		const bool small = p["mapping"] == "4k";
		const uint64_t range = p["range_bytes"];
		EXPECT_EQ(p["report"]["bytes_unmapped"], small ? 4 * pfn::MiB - range : 0)
			<< p["mapping"] << " " << range;
		const auto &layout = p["report"]["layout"];
		if (layout["unavailable"] != "") {
			// Only where frame numbers are hidden, and then it says so in the table too.
			EXPECT_NE(run.out.find("physical layout unavailable"), std::string::npos);
			continue;
		}
		EXPECT_NE(run.out.find("of neighbouring pages contiguous"), std::string::npos);
		EXPECT_EQ(layout["pages"], (small ? range : 4 * pfn::MiB) / 4096);
		// Every load of a thrash chain moves to another page.
		EXPECT_GT(layout["chain_hops"].get<uint64_t>(), 0u);
		EXPECT_LE(layout["chain_hops_next"], layout["chain_hops"]);
	}
	std::filesystem::remove(json);
}

// In chain order a sweep maps its region empty, says so, and reads each working set's
// pages back instead: only the chain's pages are there, every one of them 4 KiB.
TEST(LatMemRd, ChainOrderSweepSaysTheRegionIsMappedEmptyAndReadsEachSizeBack)
{
	std::string json = temp_path("sweep-chain.json");
	ProgramRun run = lat_mem_rd(with_quick({"-t", "--first-touch", "chain", "--sizes",
						"1M,2M", "--json", json, "4M"}));
	ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
	EXPECT_NE(run.out.find("4 MiB of 4k memory: mapped empty"), std::string::npos)
		<< run.out;
	EXPECT_EQ(run.out.find("warning"), std::string::npos) << run.out;
	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	ASSERT_EQ(doc["latency"].size(), 2u);
	for (const auto &p : doc["latency"]) {
		const uint64_t range = p["range_bytes"];
		EXPECT_EQ(p["report"]["bytes_4k"], range);
		EXPECT_EQ(p["report"]["bytes_unmapped"], 4 * pfn::MiB - range);
	}
	std::filesystem::remove(json);
}

TEST(LatMemRd, CompareFlagsAColumnThatDidNotGetItsMapping)
{
	ProgramRun run = lat_mem_rd(with_quick({"--compare", "--sizes", "4M", "--with", "4k"}));
	EXPECT_NE(run.exit_code, 0);
	EXPECT_NE(run.out.find("[!]"), std::string::npos) << run.out;
	EXPECT_NE(run.out.find("With Huge Mapping read back as 100.0% 4K"), std::string::npos);
	EXPECT_NE(run.err.find("did not get the mapping"), std::string::npos) << run.err;
}

TEST(LatMemRd, CompareWithAOneGibColumnPrintsThreeVerifiedColumnsOrSaysWhyNot)
{
	std::string json = temp_path("lat3.json");
	ProgramRun run = lat_mem_rd(with_quick({"--compare", "--sizes", "4M,8M", "--with",
						"thp,hugetlb-1g", "--json", json}));
	if (free_gib_pages_here() == 0) {
		// No 1 GiB page here: one "unavailable" line, before anything was measured.
		EXPECT_TRUE(stopped_unavailable(run, "lat_mem_rd", "1 GiB", json));
		return;
	}
	ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
	auto lines = lines_of(run.out);
	ASSERT_GE(lines.size(), 4u);
	EXPECT_EQ(lines[0], "Memory Size (MB) Without Huge Mapping With 2 MiB Mapping Improvement "
			    "With 1 GiB Mapping Improvement");
	std::regex row(R"(^\d+\.\d{2} \d+\.\d{3} ns \d+\.\d{3} ns -?\d+\.\d% \d+\.\d{3} ns -?\d+\.\d%$)");
	EXPECT_TRUE(std::regex_match(lines[2], row)) << lines[2];
	EXPECT_TRUE(std::regex_match(lines[3], row)) << lines[3];
	EXPECT_NE(run.out.find("without = 4k, with = thp, with 1G = hugetlb-1g"), std::string::npos)
		<< run.out;
	const std::string pct_ci = R"(-?\d+\.\d% \[-?\d+\.\d%, -?\d+\.\d%\]( not significant)?)";
	std::regex interval("^\\d+\\.\\d{2} with 2M: " + pct_ci + "; with 1G: " + pct_ci + "$");
	size_t block = 0;
	while (block < lines.size() && lines[block].rfind("Improvement and its 95%", 0) != 0)
		block++;
	ASSERT_LT(block + 2, lines.size()) << run.out;
	EXPECT_TRUE(std::regex_match(lines[block + 1], interval)) << lines[block + 1];
	EXPECT_TRUE(std::regex_match(lines[block + 2], interval)) << lines[block + 2];
	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	ASSERT_EQ(doc["tables"]["latency"].size(), 2u);
	for (const auto &r : doc["tables"]["latency"]) {
		EXPECT_EQ(r["mismatch"], "");
		EXPECT_EQ(r["with_1g_report"]["bytes_1g"], r["with_1g_report"]["bytes"]);
		EXPECT_EQ(r["with_report"]["bytes_2m"], r["with_report"]["bytes"]);
		EXPECT_GT(r["with_1g"].get<double>(), 0.0);
		EXPECT_EQ(r["with_1g_mapping"], "hugetlb-1g");
		const auto &ci = r["improvement_1g_ci"];
		EXPECT_LE(ci["low_pct"].get<double>(), ci["high_pct"].get<double>());
		EXPECT_EQ(ci["seed"], r["improvement_ci"]["seed"]);
		EXPECT_EQ(ci["resamples"], r["improvement_ci"]["resamples"]);
	}
	EXPECT_EQ(doc["backend"]["with_1g"], "hugetlb-1g");
	EXPECT_EQ(doc["latency"].size(), 6u);
	std::filesystem::remove(json);
}

TEST(LatMemRd, ParallelChasesRunOnePerCpu)
{
	if (std::thread::hardware_concurrency() < 2)
		GTEST_SKIP() << "needs two CPUs";
	std::string json = temp_path("par.json");
	ProgramRun run = lat_mem_rd(with_quick({"-P", "2", "--sizes", "64K,1M", "2M", "--json",
						json}));
	ASSERT_EQ(run.exit_code, 0) << run.err;
	auto lines = lines_of(run.err);
	ASSERT_EQ(lines.size(), 3u) << run.err;
	EXPECT_EQ(lines[1].rfind("0.06250 ", 0), 0u);
	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	// Both regions count: the 64 KiB each chain touches, twice.
	EXPECT_EQ(doc["latency"][0]["report"]["bytes"], 2 * 64 * 1024);
	std::filesystem::remove(json);
}

// lat_mem_rd -P 2 -N 3 1M with counters: each chase thread counts itself and every point
// prints one line per thread ("..., CPU n: ..."), and what cannot be counted is said once.
// Run as is and with libpfm told the CPU is an Intel Ice Lake server (libpfm's
// LIBPFM_FORCE_PMU), which turns PAPI's perf_event component on where libpfm does not know
// the CPU: the configuration whose workers crashed in PAPI_event_name_to_code.
class LatMemRdParallelCounters : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(LatMemRdParallelCounters, EachThreadCountsOrSaysWhyNot)
{
	if (std::thread::hardware_concurrency() < 2)
		GTEST_SKIP() << "needs two CPUs";
	std::string json = temp_path("parcnt.json");
	const std::vector<std::string> events = {"PAPI_TLB_DM", "DTLB_LOAD_MISSES:WALK_COMPLETED",
						 "perf::PAGE-FAULTS"};
	std::string list;
	for (const auto &e : events)
		list += (list.empty() ? "" : ",") + e;
	ProgramRun run = lat_mem_rd({"-P", "2", "-N", "3", "--sample-ms", "0.05", "--counters",
				     list, "--json", json, "1M"},
				    GetParam());
	ASSERT_EQ(run.exit_code, 0) << run.err;
	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	ASSERT_FALSE(doc["latency"].empty());
	auto lines = lines_of(run.out);
	auto printed = [&](const std::string &text) {
		return std::ranges::any_of(lines, [&](const std::string &l) {
			return l.find(text) != std::string::npos;
		});
	};
	for (const auto &p : doc["latency"]) {
		ASSERT_EQ(p["thread_counters"].size(), 2u) << p.dump();
		EXPECT_NE(p["thread_counters"][0]["cpu"], p["thread_counters"][1]["cpu"]);
		std::string label = pfn::format_size(p["range_bytes"].get<size_t>()) + " 4k stride, CPU ";
		for (const auto &t : p["thread_counters"]) {
			const auto &c = t["counters"];
			EXPECT_GT(t["loads"].get<uint64_t>(), 0u);
			for (const auto &e : events) {
				bool counted = c["values"].contains(e);
				bool explained = c["unavailable"].contains(e);
				EXPECT_NE(counted, explained) << e << ": " << c.dump();
			}
			if (!c["values"].empty()) {
				std::string mine = label + std::to_string(t["cpu"].get<int>()) + ": ";
				EXPECT_TRUE(printed(mine)) << mine << "\n" << run.out;
			}
		}
		// Per load of both threads: the point's sums over all the threads' loads.
		double loads = 0;
		for (const auto &t : p["thread_counters"])
			loads += t["loads"].get<double>();
		for (const auto &[event, count] : p["counters"]["values"].items())
			EXPECT_DOUBLE_EQ(p["counters_per_load"][event].get<double>(),
					 count.get<double>() / loads) << event;
	}
	// Every event not counted is named once on the one "counters unavailable:" line.
	const auto &first = doc["latency"][0]["thread_counters"][0]["counters"];
	std::vector<std::string> missing;
	for (const auto &[event, why] : first["unavailable"].items())
		missing.push_back(event);
	if (!missing.empty()) {
		ASSERT_TRUE(printed("counters unavailable: ")) << run.out;
		std::string line = *std::ranges::find_if(lines, [](const std::string &l) {
			return l.rfind("counters unavailable: ", 0) == 0;
		});
		for (const auto &e : missing) {
			// "a, b: reason": an event is followed by ", " or ": ".
			bool named = line.find(e + ": ") != std::string::npos ||
				     line.find(e + ", ") != std::string::npos;
			EXPECT_TRUE(named) << e << " in " << line;
		}
	}
	std::filesystem::remove(json);
}

INSTANTIATE_TEST_SUITE_P(Cpus, LatMemRdParallelCounters,
			 ::testing::Values(std::vector<std::string>{},
					   std::vector<std::string>{"LIBPFM_FORCE_PMU=icx"}),
			 [](const auto &param) { return param.param.empty() ? "AsIs" : "IntelPmuTables"; });

TEST(LatMemRd, CompareWithTlbCostTimesBothOrdersPerSizeAndMapping)
{
	std::string json = temp_path("tlb.json");
	ProgramRun run = lat_mem_rd(with_quick({"--compare", "--tlb-cost", "--sizes", "4M",
						"--json", json}));
	ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
	EXPECT_NE(run.out.find("TLB cost per load"), std::string::npos) << run.out;
	EXPECT_NE(run.out.find("Page walks per load (4k cost minus thp cost"), std::string::npos);
	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	ASSERT_EQ(doc["tlb_cost"].size(), 2u);
	EXPECT_EQ(doc["tlb_cost"][0]["mapping"], "4k");
	EXPECT_EQ(doc["tlb_cost"][1]["mapping"], "thp");
	// The page-walk estimate the note prints is a field: 4k's cost minus thp's.
	ASSERT_EQ(doc["page_walk"].size(), 1u);
	const auto &walk = doc["page_walk"][0];
	EXPECT_EQ(walk["range"], 4 * pfn::MiB);
	EXPECT_EQ(walk["without"], "4k");
	EXPECT_EQ(walk["with"], "thp");
	EXPECT_DOUBLE_EQ(walk["ns_per_load"].get<double>(),
			 doc["tlb_cost"][0]["tlb_cost_ns_per_load"].get<double>() -
				 doc["tlb_cost"][1]["tlb_cost_ns_per_load"].get<double>());
	EXPECT_NE(run.out.find(fmt::format("4.00 {:.3f} ns\n", walk["ns_per_load"].get<double>())),
		  std::string::npos)
		<< run.out;
	EXPECT_EQ(doc["backend"]["label"], "thp vs 4k (process memory)");
	std::filesystem::remove(json);
}

TEST(LatMemRd, CountersAreCountedOrSayWhyNot)
{
	std::string json = temp_path("cnt.json");
	ProgramRun run = lat_mem_rd(with_quick({"--sizes", "1M", "--counters",
						"perf::PAGE-FAULTS,PAPI_TOT_CYC", "--json", json,
						"2M"}));
	ASSERT_EQ(run.exit_code, 0) << run.err;
	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	const auto &c = doc["latency"][0]["counters"];
	// Every asked event is either counted or carries a reason.
	for (std::string event : {"perf::PAGE-FAULTS", "PAPI_TOT_CYC"}) {
		bool counted = c["values"].contains(event);
		bool explained = c["unavailable"].contains(event);
		EXPECT_TRUE(counted != explained) << event << ": " << c.dump();
		if (explained) {
			EXPECT_NE(run.out.find("counters unavailable: "), std::string::npos);
		}
	}
	// Each count per timed load, over every sample (plots/ draws this record).
	const auto &p = doc["latency"][0];
	double loads = p["loads_per_sample"].get<double>() * double(p["samples_ns"].size());
	EXPECT_EQ(p.contains("counters_per_load"), !c["values"].empty());
	for (const auto &[event, count] : c["values"].items())
		EXPECT_DOUBLE_EQ(p["counters_per_load"][event].get<double>(),
				 count.get<double>() / loads) << event;
	std::filesystem::remove(json);
}

struct BadInput {
	std::vector<std::string> args;
	std::string expect; // in the one line on stderr
};

class LatMemRdBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(LatMemRdBadInput, OneClearLineAndANonZeroExit)
{
	std::string json = temp_path("bad.json");
	auto args = GetParam().args;
	args.push_back("--json");
	args.push_back(json);
	ProgramRun run = lat_mem_rd(args);
	EXPECT_NE(run.exit_code, 0);
	EXPECT_LT(run.exit_code, 128) << "crashed";
	auto lines = lines_of(run.err);
	ASSERT_EQ(lines.size(), 1u) << run.err;
	EXPECT_EQ(lines[0].rfind("lat_mem_rd: ", 0), 0u) << lines[0];
	EXPECT_NE(lines[0].find(GetParam().expect), std::string::npos) << lines[0];
	EXPECT_FALSE(std::filesystem::exists(json)) << "half-written result left behind";
}

INSTANTIATE_TEST_SUITE_P(
	Cases, LatMemRdBadInput,
	::testing::Values(BadInput{{"0"}, "greater than zero"},
			  BadInput{{"lots"}, "invalid size 'lots'"},
			  BadInput{{"12Q"}, "unknown unit"},
			  BadInput{{"100000G"}, "available"},
			  BadInput{{}, "missing SIZE"},
			  BadInput{{"1M", "12"}, "stride 12"},
			  BadInput{{"--cpu", "999", "1M"}, "CPU 999 does not exist"},
			  BadInput{{"--node", "999", "1M"}, "NUMA node 999 does not exist"},
			  BadInput{{"-P", "64", "1M"}, "64 parallel chases need 64 CPUs"},
			  BadInput{{"-P", "0", "1M"}, "-P"},
			  BadInput{{"-P", "2", "--compare"}, "cannot be combined"},
			  BadInput{{"--mapping", "bogus", "1M"}, "bogus not in {4k,thp,"},
			  BadInput{{"--chain", "spiral", "1M"}, "spiral not in {stride,"},
			  BadInput{{"--bogus-flag", "1M"}, "bogus-flag"},
			  BadInput{{"--sizes", "64M,x", "--compare"}, "--sizes: invalid size 'x'"},
			  BadInput{{"--mapping", "hugetlb-1g", "1024G"}, "nr_hugepages"},
			  BadInput{{"--compare", "--with", "thp,thp"}, "takes 1 GiB leaves"},
			  BadInput{{"--compare", "--with", "thp,hugetlb-1g,4k"}, "at most two"},
			  BadInput{{"--compare", "--with", "thp,bogus"}, "1 GiB leaves: hugetlb-1g or device-fault-1g, not bogus"},
			  BadInput{{"--compare", "--with", "bogus,hugetlb-1g"}, "bogus not in {4k,"},
			  BadInput{{"--compare", "--backend", "bogus"}, "bogus not in {device-remap,"},
			  BadInput{{"--tlb-cost", "1M"}, "--tlb-cost requires --compare"},
			  BadInput{{"--with", "thp", "1M"}, "--with requires --compare"},
			  BadInput{{"--first-touch", "bogus", "1M"}, "bogus not in {address,chain}"},
			  BadInput{{"--first-touch", "chain", "--mapping", "hugetlb", "1M"},
				   "reserved pool"},
			  BadInput{{"--first-touch", "chain", "--chain", "random", "1M"},
				   "random chain"},
			  BadInput{{"--first-touch", "chain", "--compare", "--with",
				    "thp,hugetlb-1g"},
				   "hugetlb-1g: its huge pages"},
			  BadInput{{"--first-touch", "chain", "--compare", "--without",
				    "device-pte", "--with", "device-remap"},
				   "driver's buffer"}),
	[](const ::testing::TestParamInfo<BadInput> &param) {
		std::string name = std::to_string(param.index) + "_";
		for (char ch : param.param.expect)
			name.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
		return name;
	});

// Keeps ctest's test names readable instead of a byte dump of the parameter.
void PrintTo(const BadInput &b, std::ostream *os)
{
	*os << "expect '" << b.expect << "'";
}

// --counters is split by the core (split_counter_list), not by CLI11, and its syntax is
// checked while parsing too: refused before anything is mapped or measured.
TEST(LatMemRd, EmptyCounterNameIsAUsageError)
{
	for (const std::string bad : {"a,,b", ",a", "a,"}) {
		ProgramRun run = lat_mem_rd(with_quick({"--counters", bad, "--sizes", "1M", "1M"}));
		EXPECT_EQ(run.exit_code, pfn::exit_usage) << bad;
		EXPECT_EQ(run.out, "") << bad;
		auto lines = lines_of(run.err);
		ASSERT_EQ(lines.size(), 1u) << run.err;
		EXPECT_EQ(lines[0].rfind("lat_mem_rd: error: --counters: empty event name in counter "
					 "list", 0), 0u) << lines[0];
	}
}

TEST(LatMemRd, EmptyListItemIsAUsageError)
{
	// CLI11 would drop the empty item and run the sizes (or columns) that remain: small
	// and quick ones, should it ever do so again.
	for (const auto &[flag, bad] : std::vector<std::pair<std::string, std::string>>{
		     {"--sizes", "1M,,2M"},
		     {"--sizes", ",1M"},
		     {"--sizes", "1M,"},
		     {"--with", "thp,,hugetlb-1g"},
		     {"--with", ",thp"},
		     {"--with", "thp,"}}) {
		std::vector<std::string> args = with_quick({"--compare", flag, bad});
		if (flag != "--sizes")
			args.insert(args.end(), {"--sizes", "1M"});
		ProgramRun run = lat_mem_rd(args);
		EXPECT_EQ(run.exit_code, pfn::exit_usage) << bad;
		EXPECT_EQ(run.out, "") << bad;
		auto lines = lines_of(run.err);
		ASSERT_EQ(lines.size(), 1u) << run.err;
		EXPECT_EQ(lines[0], fmt::format("lat_mem_rd: error: {}: empty item in list \"{}\"; "
						"give items separated by commas (see --help)",
						flag, bad));
	}
}
