// pfnbench_info says what this machine can do, in words and as JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
