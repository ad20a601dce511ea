// TLB cost by timing: the derivation on made-up samples, and a real (small) measurement
// checked for what it records, never for its timings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "error.h"
#include "region.h"
#include "size.h"
#include "stats.h"
#include "tlb_cost.h"

namespace {

pfn::LatencyConfig quick()
{
	pfn::LatencyConfig cfg;
	cfg.chase.repetitions = 2;
	cfg.chase.min_sample_ms = 0.05;
	cfg.max_warm_loads = 1000;
	return cfg;
}

TEST(TlbCost, IsTheDifferenceOfTheMinima)
{
	pfn::Summary page_local = pfn::summarize({100.0, 101.0, 99.0});
	pfn::Summary random = pfn::summarize({160.0, 150.0, 171.0});
	EXPECT_DOUBLE_EQ(pfn::tlb_cost_ns(page_local, random), 51.0);
	// Not clamped: a negative cost is noise, and the table must show it as such.
	EXPECT_DOUBLE_EQ(pfn::tlb_cost_ns(random, page_local), -51.0);
}

TEST(TlbCost, RecordsBothChasesOfTheSameBytes)
{
	const size_t range = 4 * pfn::MiB;
	auto region = pfn::map_region({pfn::MappingKind::page_4k, 8 * pfn::MiB, -1});
	pfn::TlbCost c = pfn::measure_tlb_cost(*region, range, quick());
	EXPECT_EQ(c.mapping, pfn::MappingKind::page_4k);
	EXPECT_EQ(c.range, range);
	EXPECT_EQ(c.window, 4096u);
	EXPECT_EQ(c.page_local.chain, pfn::ChainKind::page_local);
	EXPECT_EQ(c.random.chain, pfn::ChainKind::random);
	for (const auto *p : {&c.page_local, &c.random}) {
		EXPECT_EQ(p->range, range);
		EXPECT_EQ(p->samples_ns.size(), 2u);
		EXPECT_EQ(p->report.bytes, range);
		EXPECT_TRUE(p->report.is_4k()) << p->report.summary();
	}
	EXPECT_DOUBLE_EQ(c.ns_per_load(), c.random.summary().min - c.page_local.summary().min);

	std::string table = pfn::format_tlb_cost_table({c});
	EXPECT_EQ(table.rfind("Memory Size (MB) Mapping Page-local Random TLB cost per load\n", 0), 0u);
	EXPECT_NE(table.find("\n4.00 4k "), std::string::npos) << table;

	nlohmann::json j = c;
	EXPECT_EQ(j.at("mapping"), "4k");
	EXPECT_DOUBLE_EQ(j.at("tlb_cost_ns_per_load").get<double>(), c.ns_per_load());
	EXPECT_EQ(j.at("random").at("samples_ns").size(), 2u);
}

TEST(TlbCost, RejectsWorkingSetsThatDoNotFit)
{
	auto region = pfn::map_region({pfn::MappingKind::page_4k, 2 * pfn::MiB, -1});
	EXPECT_THROW(pfn::measure_tlb_cost(*region, 4 * pfn::MiB, quick()), pfn::Error);
	EXPECT_THROW(pfn::measure_tlb_cost(*region, 0, quick()), pfn::Error);
	EXPECT_THROW(pfn::measure_tlb_cost(*region, 6000, quick()), pfn::Error);
}

} // namespace
