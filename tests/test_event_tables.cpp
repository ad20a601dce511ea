// What the CPU's event tables say the default events are, and pfnbench_info's account of
// them: each default event is named with the native events it stands for on this model
// (or why there are none), and either counts or says why not. Whatever the machine.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "platform/counters.h"
#include "platform/event_tables.h"
#include "run_program.h"

namespace {

TEST(EventTables, KernelEventsHaveNoCpuTable)
{
	pfn::EventTableEntry e = pfn::look_up_event("perf::PAGE-FAULTS");
	EXPECT_TRUE(e.native.empty());
	EXPECT_NE(e.note.find("kernel"), std::string::npos) << e.note;
}

TEST(EventTables, UnknownEventsAreNotInTheTables)
{
	(void)pfn::default_counter_events(); // initialises PAPI
	pfn::EventTableEntry e = pfn::look_up_event("PFN_NO_SUCH_EVENT");
	EXPECT_TRUE(e.native.empty());
	EXPECT_FALSE(e.note.empty());
	EXPECT_EQ(pfn::describe(e), "PFN_NO_SUCH_EVENT (" + e.note + ")");
}

TEST(EventTables, DescribeNamesThePartsOfAPreset)
{
	pfn::EventTableEntry preset{"PAPI_TLB_DM", {"A:X", "B:Y"}, ""};
	EXPECT_EQ(pfn::describe(preset), "PAPI_TLB_DM = A:X + B:Y");
	pfn::EventTableEntry native{"A:X", {"A:X"}, ""};
	EXPECT_EQ(pfn::describe(native), "A:X");
}

TEST(Info, EachDefaultEventIsDefinedOrExplainedAndCountsOrSaysWhyNot)
{
	ProgramRun run = run_program(PFN_INFO, {"--json"});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	const auto c = nlohmann::json::parse(run.out)["counters"];
	ASSERT_EQ(c["default_events"].size(), c["default"].size());
	for (size_t i = 0; i < c["default"].size(); i++) {
		const auto &e = c["default_events"][i];
		EXPECT_EQ(e["name"], c["default"][i]);
		EXPECT_NE(e["native"].empty(), e["note"].get<std::string>().empty()) << e;
		EXPECT_NE(e["counts"].get<bool>(), !e["reason"].get<std::string>().empty()) << e;
	}

	run = run_program(PFN_INFO, {});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	auto at = run.out.find("default events as this CPU's event tables define them:\n");
	ASSERT_NE(at, std::string::npos) << run.out;
	for (const auto &name : c["default"])
		EXPECT_NE(run.out.find("\n  " + name.get<std::string>(), at), std::string::npos)
			<< name;
}

} // namespace
