// TLB cost by timing: the derivation on made-up samples, and a real (small) measurement
// checked for what it records, never for its timings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/size.h"
#include "base/stats.h"
#include "measure/tlb_cost.h"
#include "memory/region.h"
#include "output/report.h"

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
	EXPECT_DOUBLE_EQ(j.at("tlb_cost_pct_of_random").get<double>(), c.pct_of_random());
	EXPECT_DOUBLE_EQ(j.at("tlb_cost_ns_per_load_median").get<double>(), c.ns_per_load_median());
	EXPECT_EQ(j.at("random").at("samples_ns").size(), 2u);
}

pfn::TlbCost made_up(pfn::MappingKind mapping, size_t range, double page_local, double random)
{
	pfn::TlbCost c;
	c.mapping = mapping;
	c.range = range;
	c.page_local.samples_ns = {page_local, page_local + 5};
	c.random.samples_ns = {random + 3, random};
	return c;
}

TEST(TlbCost, PageWalksAreTheSmallMappingsCostMinusTheHugeOnes)
{
	using pfn::MappingKind;
	const size_t a = 64 * pfn::MiB, b = 128 * pfn::MiB;
	std::vector<pfn::TlbCost> tlb = {
		made_up(MappingKind::page_4k, a, 100, 150),    // 50
		made_up(MappingKind::thp, a, 100, 110),        // 10
		made_up(MappingKind::hugetlb_1g, a, 100, 104), // 4
		made_up(MappingKind::page_4k, b, 100, 160),    // 60
		made_up(MappingKind::thp, b, 100, 112),        // 12
	};
	pfn::ComparePlan plan;
	plan.without = MappingKind::page_4k;
	plan.with = MappingKind::thp;
	plan.sizes = {a, b};
	auto est = pfn::page_walk_estimates(tlb, plan);
	ASSERT_EQ(est.size(), 2u);
	EXPECT_EQ(est[0].range, a);
	EXPECT_EQ(est[0].with, MappingKind::thp);
	EXPECT_DOUBLE_EQ(est[0].ns_per_load, 40.0);
	EXPECT_DOUBLE_EQ(est[1].ns_per_load, 48.0);
	EXPECT_EQ(pfn::format_page_walk_note(est),
		  "Page walks per load (4k cost minus thp cost; MiB, ns): 64.00 40.000 ns; "
		  "128.00 48.000 ns\n");
	nlohmann::json j = est[1];
	EXPECT_EQ(j.at("range"), b);
	EXPECT_EQ(j.at("without"), "4k");
	EXPECT_EQ(j.at("with"), "thp");
	EXPECT_DOUBLE_EQ(j.at("ns_per_load").get<double>(), 48.0);

	// A 1 GiB column gets its own line, for the ranges it was measured at.
	plan.with_1g = MappingKind::hugetlb_1g;
	est = pfn::page_walk_estimates(tlb, plan);
	ASSERT_EQ(est.size(), 3u);
	EXPECT_EQ(est[2].with, MappingKind::hugetlb_1g);
	EXPECT_DOUBLE_EQ(est[2].ns_per_load, 46.0);
	EXPECT_NE(pfn::format_page_walk_note(est).find(
			  "\nPage walks per load (4k cost minus hugetlb-1g cost; MiB, ns): 64.00 "
			  "46.000 ns\n"),
		  std::string::npos);
	// Nothing to subtract: no note at all.
	EXPECT_EQ(pfn::format_page_walk_note(pfn::page_walk_estimates({tlb[0]}, plan)), "");
}

TEST(TlbCost, RejectsWorkingSetsThatDoNotFit)
{
	auto region = pfn::map_region({pfn::MappingKind::page_4k, 2 * pfn::MiB, -1});
	EXPECT_THROW(pfn::measure_tlb_cost(*region, 4 * pfn::MiB, quick()), pfn::Error);
	EXPECT_THROW(pfn::measure_tlb_cost(*region, 0, quick()), pfn::Error);
	EXPECT_THROW(pfn::measure_tlb_cost(*region, 6000, quick()), pfn::Error);
}

} // namespace
