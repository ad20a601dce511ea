// A compare row's improvement interval: the bootstrap on hand-made samples, its printed
// lines, and the row's JSON.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/size.h"
#include "made_report.h"
#include "measure/improvement.h"
#include "measure/result.h"
#include "output/report.h"

using namespace pfn;
using pfn::testing::all;

namespace {

// Twenty samples around `base`, spread by up to +-`jitter`, in a fixed scrambled order.
std::vector<double> samples(double base, double jitter)
{
	std::vector<double> out;
	for (int i = 0; i < 20; i++)
		out.push_back(base + jitter * double((i * 7) % 20 - 10) / 10.0);
	return out;
}

CompareRow row(size_t mib, const std::vector<double> &without, const std::vector<double> &with)
{
	return make_compare_row(mib * MiB, {MappingKind::page_4k, without, all(mib * MiB, false)},
				{MappingKind::thp, with, all(mib * MiB, true)});
}

} // namespace

TEST(Improvement, FormulaIsRelativeToWithout)
{
	EXPECT_DOUBLE_EQ(improvement_pct(200, 150), 25.0);
	EXPECT_DOUBLE_EQ(improvement_pct(100, 110), -10.0);
	EXPECT_DOUBLE_EQ(improvement_pct(0, 5), 0.0);
}

TEST(Improvement, IdenticalColumnsAreNotSignificant)
{
	auto s = samples(150, 5);
	ImprovementInterval ci = bootstrap_improvement(s, s);
	EXPECT_LE(ci.low_pct, 0.0);
	EXPECT_GE(ci.high_pct, 0.0);
	EXPECT_LT(ci.low_pct, ci.high_pct); // the resamples did differ
	EXPECT_FALSE(ci.significant());
}

TEST(Improvement, SeparatedColumnsAreSignificant)
{
	ImprovementInterval faster = bootstrap_improvement(samples(150, 5), samples(100, 5));
	EXPECT_GT(faster.low_pct, 0.0);
	EXPECT_TRUE(faster.significant());
	// Every resampled minimum lies in its column's range: 145..155 against 95..105.
	EXPECT_GE(faster.low_pct, improvement_pct(145, 105) - 1e-9);
	EXPECT_LE(faster.high_pct, improvement_pct(155, 95) + 1e-9);
	ImprovementInterval slower = bootstrap_improvement(samples(100, 5), samples(150, 5));
	EXPECT_LT(slower.high_pct, 0.0);
	EXPECT_TRUE(slower.significant());
}

TEST(Improvement, SameSeedSameInterval)
{
	auto wo = samples(150, 20), wi = samples(140, 20);
	BootstrapSpec spec;
	spec.seed = 42;
	ImprovementInterval a = bootstrap_improvement(wo, wi, spec);
	ImprovementInterval b = bootstrap_improvement(wo, wi, spec);
	EXPECT_EQ(a.low_pct, b.low_pct);
	EXPECT_EQ(a.high_pct, b.high_pct);
	EXPECT_EQ(a.seed, 42u);
	EXPECT_EQ(a.resamples, spec.resamples);
}

TEST(Improvement, EmptyColumnIsNotSignificantAndBadSpecIsRefused)
{
	EXPECT_FALSE(bootstrap_improvement({}, samples(100, 5)).significant());
	BootstrapSpec none;
	none.resamples = 0;
	EXPECT_THROW(bootstrap_improvement(samples(1, 0), samples(1, 0), none), std::exception);
}

TEST(Improvement, RowCarriesMappingsMinimaAndInterval)
{
	CompareRow r = row(64, samples(150, 5), samples(100, 5));
	EXPECT_EQ(r.without_mapping, MappingKind::page_4k);
	EXPECT_EQ(r.with_mapping, MappingKind::thp);
	EXPECT_DOUBLE_EQ(r.without, 145.0);
	EXPECT_DOUBLE_EQ(r.with, 95.0);
	EXPECT_EQ(r.without_summary.n, 20u);
	EXPECT_TRUE(r.improvement_ci.significant());
	EXPECT_EQ(r.mismatch, "");
}

TEST(Improvement, RowJsonRoundTrip)
{
	CompareRow r = row(64, samples(150, 5), samples(148, 5));
	nlohmann::json j = nlohmann::json::parse(nlohmann::json(r).dump());
	EXPECT_EQ(j.at("without_mapping"), "4k");
	EXPECT_EQ(j.at("with_mapping"), "thp");
	EXPECT_EQ(j.at("improvement_pct").get<double>(), r.improvement_pct());
	EXPECT_EQ(j.at("median_improvement_pct").get<double>(), r.median_improvement_pct());
	auto ci = j.at("improvement_ci").get<ImprovementInterval>();
	EXPECT_EQ(ci.low_pct, r.improvement_ci.low_pct);
	EXPECT_EQ(ci.high_pct, r.improvement_ci.high_pct);
	EXPECT_EQ(ci.level, 0.95);
	EXPECT_EQ(ci.seed, r.improvement_ci.seed);
	EXPECT_EQ(ci.resamples, r.improvement_ci.resamples);
	EXPECT_EQ(j.at("improvement_ci").at("significant").get<bool>(),
		  r.improvement_ci.significant());
}

TEST(Improvement, DetailsPrintOneIntervalLinePerRowAndLeaveTheTableAlone)
{
	std::vector<CompareRow> rows = {row(64, samples(150, 5), samples(100, 5)),
					row(128, samples(150, 5), samples(150, 5))};
	std::string details = format_compare_details(rows, TableKind::latency);
	EXPECT_NE(details.find("Improvement and its 95% confidence interval (bootstrap of each "
			       "column's minimum, 2000 resamples, seed 1):\n"),
		  std::string::npos)
		<< details;
	const auto &a = rows[0].improvement_ci;
	EXPECT_NE(details.find(fmt::format("64.00 34.5% [{:.1f}%, {:.1f}%]\n", a.low_pct,
					   a.high_pct)),
		  std::string::npos)
		<< details;
	EXPECT_NE(details.find("128.00 0.0% ["), std::string::npos) << details;
	EXPECT_NE(details.find("%] not significant\n"), std::string::npos) << details;
	std::string table = format_compare_table(rows, TableKind::latency);
	EXPECT_EQ(table, "Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement\n"
			 "---------------- ----------------- -------------- -----------\n"
			 "64.00 145.000 ns 95.000 ns 34.5%\n"
			 "128.00 145.000 ns 145.000 ns 0.0%\n");
}

TEST(Improvement, ThreeColumnRowBootstrapsTheOneGibColumnAgainstTheFourKibOne)
{
	auto wo = samples(150, 5), two_m = samples(150, 5), one_g = samples(100, 5);
	MappingReport puds;
	puds.bytes = puds.bytes_1g = 64 * MiB;
	puds.method = "test";
	BootstrapSpec spec;
	spec.seed = 7;
	CompareRow r = make_compare_row(64 * MiB, {MappingKind::page_4k, wo, all(64 * MiB, false)},
					{MappingKind::thp, two_m, all(64 * MiB, true)},
					{MappingKind::device_fault_1g, one_g, puds}, spec);
	ASSERT_TRUE(r.with_1g);
	// The same bootstrap, spec and seed as the 2 MiB column's, on 4 KiB against 1 GiB.
	ImprovementInterval expect = bootstrap_improvement(wo, one_g, spec);
	const ImprovementInterval &ci = r.with_1g->improvement_ci;
	EXPECT_EQ(ci.low_pct, expect.low_pct);
	EXPECT_EQ(ci.high_pct, expect.high_pct);
	EXPECT_EQ(ci.seed, 7u);
	EXPECT_TRUE(ci.significant());
	EXPECT_GE(r.improvement_1g_pct(), ci.low_pct);
	EXPECT_LE(r.improvement_1g_pct(), ci.high_pct);
	EXPECT_EQ(r.improvement_ci.low_pct, bootstrap_improvement(wo, two_m, spec).low_pct);
	EXPECT_FALSE(r.improvement_ci.significant());

	nlohmann::json j = nlohmann::json::parse(nlohmann::json(r).dump());
	EXPECT_EQ(j.at("with_1g_mapping"), "device-fault-1g");
	EXPECT_EQ(j.at("improvement_1g_pct").get<double>(), r.improvement_1g_pct());
	auto back = j.at("improvement_1g_ci").get<ImprovementInterval>();
	EXPECT_EQ(back.low_pct, ci.low_pct);
	EXPECT_EQ(back.high_pct, ci.high_pct);
	EXPECT_EQ(back.level, ci.level);
	EXPECT_EQ(back.resamples, ci.resamples);
	EXPECT_EQ(back.seed, ci.seed);
	EXPECT_TRUE(j.at("improvement_1g_ci").at("significant").get<bool>());
	// The 2 MiB column's interval keeps its own field.
	EXPECT_EQ(j.at("improvement_ci").get<ImprovementInterval>().low_pct,
		  r.improvement_ci.low_pct);

	std::string details = format_compare_details({r}, TableKind::latency);
	EXPECT_NE(details.find(fmt::format("64.00 with 2M: {:.1f}% [", r.improvement_pct())),
		  std::string::npos)
		<< details;
	EXPECT_NE(details.find(fmt::format("%] not significant; with 1G: {:.1f}% [{:.1f}%, "
					   "{:.1f}%]\n",
					   r.improvement_1g_pct(), ci.low_pct, ci.high_pct)),
		  std::string::npos)
		<< details;
}
