// Summaries of samples: the quantiles (linear interpolation between closest ranks), the
// sample standard deviation, and spread_pct, the one definition of "spread" the records,
// tables and plots carry. Values worked out by hand.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/stats.h"

namespace {

TEST(Stats, QuantilesInterpolateBetweenClosestRanks)
{
	// 1..10 in no order: rank position q * (n - 1), so p10 sits at 0.9, the median at
	// 4.5 and p90 at 8.1.
	pfn::Summary s = pfn::summarize({7, 3, 10, 1, 5, 9, 2, 8, 6, 4});
	EXPECT_EQ(s.n, 10u);
	EXPECT_DOUBLE_EQ(s.min, 1);
	EXPECT_DOUBLE_EQ(s.max, 10);
	EXPECT_DOUBLE_EQ(s.p10, 1.9);
	EXPECT_DOUBLE_EQ(s.median, 5.5);
	EXPECT_DOUBLE_EQ(s.p90, 9.1);
	EXPECT_DOUBLE_EQ(s.mean, 5.5);
	EXPECT_NEAR(s.stddev, 3.0276503540974917, 1e-12); // sqrt(82.5 / 9): n - 1
	EXPECT_NEAR(s.spread_pct(), (9.1 - 1.9) / 5.5 * 100, 1e-12);
}

TEST(Stats, OddCountHasAnExactMedian)
{
	pfn::Summary s = pfn::summarize({30, 10, 20});
	EXPECT_DOUBLE_EQ(s.median, 20);
	EXPECT_DOUBLE_EQ(s.p10, 12); // position 0.2
	EXPECT_DOUBLE_EQ(s.p90, 28); // position 1.8
	EXPECT_DOUBLE_EQ(s.stddev, 10);
}

// spread_pct is (p90 - p10) / median, not (max - min) / median: one outlier moves the
// range, not the spread.
TEST(Stats, SpreadIgnoresOneOutlier)
{
	std::vector<double> samples(21, 100.0);
	samples[0] = 1000.0;
	pfn::Summary s = pfn::summarize(samples);
	EXPECT_DOUBLE_EQ(s.max, 1000);
	EXPECT_DOUBLE_EQ(s.p90, 100);
	EXPECT_DOUBLE_EQ(s.spread_pct(), 0);
}

TEST(Stats, DegenerateInputs)
{
	pfn::Summary none = pfn::summarize({});
	EXPECT_EQ(none.n, 0u);
	EXPECT_DOUBLE_EQ(none.spread_pct(), 0);

	pfn::Summary one = pfn::summarize({42});
	EXPECT_EQ(one.n, 1u);
	for (double v : {one.min, one.p10, one.median, one.p90, one.max, one.mean})
		EXPECT_DOUBLE_EQ(v, 42);
	EXPECT_DOUBLE_EQ(one.stddev, 0);
	EXPECT_DOUBLE_EQ(one.spread_pct(), 0);

	// A zero median has no relative spread rather than an infinite one.
	EXPECT_DOUBLE_EQ(pfn::summarize({0, 0, 0, 5}).spread_pct(), 0);
}

TEST(Stats, JsonCarriesEveryFieldAndTheSpread)
{
	nlohmann::json j = pfn::summarize({4, 2});
	EXPECT_EQ(j.at("n"), 2);
	EXPECT_DOUBLE_EQ(j.at("min").get<double>(), 2);
	EXPECT_DOUBLE_EQ(j.at("p10").get<double>(), 2.2);
	EXPECT_DOUBLE_EQ(j.at("median").get<double>(), 3);
	EXPECT_DOUBLE_EQ(j.at("p90").get<double>(), 3.8);
	EXPECT_DOUBLE_EQ(j.at("max").get<double>(), 4);
	EXPECT_DOUBLE_EQ(j.at("mean").get<double>(), 3);
	EXPECT_NEAR(j.at("stddev").get<double>(), 1.4142135623730951, 1e-12);
	EXPECT_NEAR(j.at("spread_pct").get<double>(), (3.8 - 2.2) / 3 * 100, 1e-12);
}

} // namespace
