// Latency measurements over real regions: what each point records, not how fast it was.
#include <gtest/gtest.h>

#include "base/size.h"
#include "measure/latency.h"

using namespace pfn;

namespace {

LatencyConfig quick(ChainKind chain)
{
	LatencyConfig cfg;
	cfg.chain = chain;
	cfg.chase.repetitions = 3;
	cfg.chase.min_sample_ms = 0.05;
	return cfg;
}

} // namespace

TEST(Latency, APointRecordsEverySampleAndTheMappingOfWhatItTouched)
{
	auto region = map_region({MappingKind::page_4k, 8 * MiB, -1});
	LatencyPoint p = measure_latency(*region, 1 * MiB, quick(ChainKind::stride));
	EXPECT_EQ(p.samples_ns.size(), 3u);
	EXPECT_GE(p.loads_per_sample, 100000u);
	for (double ns : p.samples_ns)
		EXPECT_GT(ns, 0.0);
	EXPECT_EQ(p.report.bytes, 1 * MiB); // a stride chain touches only its range
	EXPECT_TRUE(p.report.is_4k());
}

TEST(Latency, ThrashReportsTheWholeRegionItsPagesComeFrom)
{
	auto region = map_region({MappingKind::page_4k, 8 * MiB, -1});
	LatencyPoint p = measure_latency(*region, 1 * MiB, quick(ChainKind::thrash));
	EXPECT_EQ(p.report.bytes, 8 * MiB);
}

TEST(Latency, APairIsSampledAlternatelyWithEachColumnsOwnMapping)
{
	auto small = map_region({MappingKind::page_4k, 8 * MiB, -1});
	auto huge = map_region({MappingKind::thp, 8 * MiB, -1});
	auto [a, b] = measure_latency_pair(*small, *huge, 4 * MiB, quick(ChainKind::thrash));
	EXPECT_EQ(a.samples_ns.size(), 3u);
	EXPECT_EQ(b.samples_ns.size(), 3u);
	EXPECT_EQ(a.mapping, MappingKind::page_4k);
	EXPECT_EQ(b.mapping, MappingKind::thp);
	EXPECT_TRUE(a.report.is_4k()) << a.report.summary();
	EXPECT_TRUE(b.report.is_huge()) << b.report.summary();
	EXPECT_EQ(a.range, 4 * MiB);
}

TEST(Latency, CompareGivesOneVerifiedRowPerSizeAndEveryPoint)
{
	ComparePlan plan;
	plan.sizes = {2 * MiB, 4 * MiB};
	std::vector<LatencyPoint> points;
	int steps = 0;
	auto rows = compare_latency(plan, quick(ChainKind::thrash), points,
				    [&](MappingKind, size_t) { steps++; });
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_EQ(points.size(), 4u);
	EXPECT_EQ(steps, 4);
	for (const auto &r : rows) {
		EXPECT_EQ(r.mismatch, "") << r.mismatch;
		EXPECT_EQ(r.without, r.without_summary.min);
		EXPECT_EQ(r.with, r.with_summary.min);
	}
	EXPECT_EQ(rows[1].bytes, 4 * MiB);
}

TEST(Latency, APointRecordsItsRegionAndFirstTouch)
{
	auto region = map_region({MappingKind::page_4k, 8 * MiB, -1});
	LatencyConfig cfg = quick(ChainKind::thrash);
	cfg.first_touch = FirstTouch::chain;
	LatencyPoint p = measure_latency(*region, 1 * MiB, cfg);
	EXPECT_EQ(p.region, 8 * MiB);
	EXPECT_EQ(p.first_touch, FirstTouch::chain);
	// Only the chain's own pages were touched, as in lmbench's malloc() memory.
	EXPECT_EQ(p.report.bytes_unmapped, 7 * MiB);
	EXPECT_EQ(p.report.bytes_4k, 1 * MiB);
	cfg.first_touch = FirstTouch::address;
	EXPECT_EQ(measure_latency(*region, 1 * MiB, cfg).first_touch, FirstTouch::address);
}

// Before each of its samples a column of a comparison runs untimed: a short chain whole,
// a long one for one pass over its pages but at least 2^18 loads (in blocks of 100).
TEST(Latency, SteadyStateRunsTheChainWholeOrOnePassOverItsPages)
{
	auto region = map_region({MappingKind::page_4k, 32 * MiB, -1});
	auto position = [&](const void *p) {
		return size_t(static_cast<const std::byte *>(p) - region->data()) / 64;
	};
	ChainSpec small{ChainKind::stride, 1 * MiB, 64, 4096, 1};
	void *p = restore_steady_state(build_chain(region->data(), region->size(), small), small);
	EXPECT_EQ(position(p), 16400u % 16384u); // 16384 lines, run whole: 164 blocks

	ChainSpec large{ChainKind::stride, 32 * MiB, 64, 4096, 1};
	p = restore_steady_state(build_chain(region->data(), region->size(), large), large);
	EXPECT_EQ(position(p), 262200u); // 2^18 loads rounded up to blocks of 100
}

TEST(Latency, AThirdColumnIsSampledWithTheOthersAndCheckedForOneGibLeaves)
{
	// Any machine can map 4 KiB and THP; a 4 KiB "1 GiB column" must be flagged, not
	// passed off as 1 GiB leaves.
	ComparePlan plan;
	plan.with_1g = MappingKind::page_4k;
	plan.sizes = {2 * MiB, 4 * MiB};
	std::vector<LatencyPoint> points;
	std::vector<MappingKind> steps;
	auto rows = compare_latency(plan, quick(ChainKind::thrash), points,
				    [&](MappingKind k, size_t) { steps.push_back(k); });
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_EQ(points.size(), 6u);
	EXPECT_EQ(steps, (std::vector<MappingKind>{MappingKind::page_4k, MappingKind::thp,
						   MappingKind::page_4k, MappingKind::page_4k,
						   MappingKind::thp, MappingKind::page_4k}));
	for (const auto &r : rows) {
		ASSERT_TRUE(r.with_1g);
		EXPECT_EQ(r.with_1g->value, r.with_1g->summary.min);
		EXPECT_EQ(r.with_1g->summary.n, 3u);
		EXPECT_TRUE(r.with_1g->report.is_4k()) << r.with_1g->report.summary();
		EXPECT_EQ(r.mismatch.rfind("With 1 GiB Mapping read back as 100.0% 4K", 0), 0u)
			<< r.mismatch;
	}
}
