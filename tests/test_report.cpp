// Reporters: the cover-letter tables and lmbench's output, byte for byte.
#include <gtest/gtest.h>

#include "base/size.h"
#include "made_report.h"
#include "output/report.h"

using namespace pfn;
using pfn::testing::all;

namespace {

MappingReport gib(uint64_t bytes)
{
	MappingReport r;
	r.bytes = r.bytes_1g = bytes;
	r.method = "test";
	return r;
}

CompareRow row3(size_t mib, double without, double with, double with_1g)
{
	return make_compare_row(mib * MiB, {MappingKind::page_4k, {without}, all(mib * MiB, false)},
				{MappingKind::thp, {with}, all(mib * MiB, true)},
				{MappingKind::hugetlb_1g, {with_1g}, gib(mib * MiB)});
}

CompareRow row(size_t mib, double without, double with)
{
	CompareRow r;
	r.bytes = mib * MiB;
	r.without = without;
	r.with = with;
	r.without_report = all(r.bytes, false);
	r.with_report = all(r.bytes, true);
	r.mismatch = check_columns(r.without_report, r.with_report);
	return r;
}

} // namespace

TEST(CompareTable, LatencyMatchesThePublishedLayout)
{
	std::vector<CompareRow> rows = {row(64, 148.858, 100.780), row(128, 164.745, 103.537),
					row(256, 169.907, 103.179), row(512, 171.285, 103.072),
					row(1024, 173.054, 103.055), row(2048, 172.820, 103.091),
					row(4096, 172.877, 103.115)};
	EXPECT_EQ(format_compare_table(rows, TableKind::latency),
		  "Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement\n"
		  "---------------- ----------------- -------------- -----------\n"
		  "64.00 148.858 ns 100.780 ns 32.3%\n"
		  "128.00 164.745 ns 103.537 ns 37.2%\n"
		  "256.00 169.907 ns 103.179 ns 39.3%\n"
		  "512.00 171.285 ns 103.072 ns 39.8%\n"
		  "1024.00 173.054 ns 103.055 ns 40.4%\n"
		  "2048.00 172.820 ns 103.091 ns 40.3%\n"
		  "4096.00 172.877 ns 103.115 ns 40.4%\n");
}

TEST(CompareTable, CopyMatchesThePublishedLayout)
{
	std::vector<CompareRow> rows = {row(1024, 95.76, 77.91), row(2048, 190.87, 155.64),
					row(4096, 380.84, 311.45)};
	EXPECT_EQ(format_compare_table(rows, TableKind::copy),
		  "Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement\n"
		  "---------------- ----------------- -------------- -----------\n"
		  "1024.00 95.76 ms 77.91 ms 18.6%\n"
		  "2048.00 190.87 ms 155.64 ms 18.5%\n"
		  "4096.00 380.84 ms 311.45 ms 18.2%\n");
}

TEST(CompareTable, ImprovementIsComputedFromThePrintedValues)
{
	// 3.014 / 3.196 ms print as 3.01 / 3.20: -6.3% from those, -6.0% from the raw values.
	std::string table = format_compare_table({row(64, 3.014, 3.196)}, TableKind::copy);
	EXPECT_NE(table.find("64.00 3.01 ms 3.20 ms -6.3%\n"), std::string::npos) << table;
}

TEST(CompareTable, FlagsARowWhoseMappingDoesNotMatchItsColumn)
{
	CompareRow bad = row(64, 150.0, 149.0);
	bad.with_report = all(bad.bytes, false);
	bad.mismatch = check_columns(bad.without_report, bad.with_report);
	ASSERT_FALSE(bad.mismatch.empty());
	std::string table = format_compare_table({row(128, 160.0, 100.0), bad}, TableKind::latency);
	EXPECT_NE(table.find("128.00 160.000 ns 100.000 ns 37.5%\n"), std::string::npos);
	EXPECT_NE(table.find("64.00 150.000 ns 149.000 ns 0.7% [!]\n"), std::string::npos);
	EXPECT_NE(table.find("[!] 64.00: With Huge Mapping read back as 100.0% 4K (test)"),
		  std::string::npos);
}

TEST(CompareTable, AThirdColumnAddsTheGibValueAndItsImprovementAfterTheCoverLetterFields)
{
	std::vector<CompareRow> rows = {row3(64, 148.858, 100.780, 95.1234),
					row3(4096, 172.877, 103.115, 90.0)};
	EXPECT_EQ(format_compare_table(rows, TableKind::latency),
		  "Memory Size (MB) Without Huge Mapping With 2 MiB Mapping Improvement "
		  "With 1 GiB Mapping Improvement\n"
		  "---------------- -------------------- ------------------ ----------- "
		  "------------------ -----------\n"
		  "64.00 148.858 ns 100.780 ns 32.3% 95.123 ns 36.1%\n"
		  "4096.00 172.877 ns 103.115 ns 40.4% 90.000 ns 47.9%\n");
	EXPECT_DOUBLE_EQ(rows[0].with_1g->value, 95.1234);
	EXPECT_NEAR(rows[1].improvement_1g_pct(), (172.877 - 90.0) / 172.877 * 100, 1e-9);
	std::string details = format_compare_details(rows, TableKind::latency);
	EXPECT_NE(details.find("with 2M: "), std::string::npos) << details;
	EXPECT_NE(details.find("with 1G: 95.123 / "), std::string::npos) << details;
	EXPECT_NE(details.find("[100.0% 1G (test); "), std::string::npos) << details;
	// One sample per column: every resample is that sample, so each interval is its
	// column's improvement exactly, the 1 GiB one taken against the 4 KiB column.
	const ImprovementInterval &ci = rows[1].with_1g->improvement_ci;
	EXPECT_EQ(ci.low_pct, rows[1].improvement_1g_pct());
	EXPECT_EQ(ci.high_pct, rows[1].improvement_1g_pct());
	EXPECT_EQ(rows[1].improvement_ci.low_pct, rows[1].improvement_pct());
	EXPECT_EQ(ci.resamples, rows[1].improvement_ci.resamples);
	EXPECT_EQ(rows[0].with_1g->mapping, MappingKind::hugetlb_1g);
	EXPECT_NE(details.find("resamples, seed 1):\n"
			       "64.00 with 2M: 32.3% [32.3%, 32.3%]; with 1G: 36.1% [36.1%, 36.1%]\n"
			       "4096.00 with 2M: 40.4% [40.4%, 40.4%]; with 1G: 47.9% [47.9%, 47.9%]\n"),
		  std::string::npos)
		<< details;
}

TEST(CompareTable, EachOfThreeColumnsMustReadBackAsItsOwnLeafSize)
{
	// 2 MiB leaves in the 1 GiB column, 1 GiB leaves in the 2 MiB one: both flagged,
	// although both are "huge".
	const std::vector<double> a = {150.0}, b = {100.0};
	CompareRow swapped =
		make_compare_row(64 * MiB, {MappingKind::page_4k, a, all(64 * MiB, false)},
				 {MappingKind::thp, b, gib(64 * MiB)},
				 {MappingKind::hugetlb_1g, b, all(64 * MiB, true)});
	EXPECT_EQ(swapped.mismatch, "With 2 MiB Mapping read back as 100.0% 1G (test); "
				    "With 1 GiB Mapping read back as 100.0% 2M (test)");
	std::string table = format_compare_table({swapped}, TableKind::latency);
	EXPECT_NE(table.find("64.00 150.000 ns 100.000 ns 33.3% 100.000 ns 33.3% [!]\n"),
		  std::string::npos)
		<< table;
	EXPECT_NE(table.find("[!] 64.00: With 2 MiB Mapping read back as"), std::string::npos);
	EXPECT_EQ(row3(64, 150.0, 100.0, 90.0).mismatch, "");
}

TEST(CompareTable, PartlyHugeIsNotHuge)
{
	MappingReport r = all(100 * MiB, true);
	r.bytes_2m = 96 * MiB;
	r.bytes_4k = 4 * MiB;
	EXPECT_FALSE(r.is_huge());
	EXPECT_FALSE(r.is_4k());
	EXPECT_NE(check_columns(all(100 * MiB, false), r), "");
	EXPECT_EQ(check_columns(all(100 * MiB, false), all(100 * MiB, true)), "");
}

TEST(CompareTable, RegionNoteSaysWhereTheRowsLivedAndTheFirstTouch)
{
	LatencyPoint p;
	p.chain = ChainKind::thrash;
	p.region = 4096 * MiB;
	p.range = 64 * MiB;
	std::vector<LatencyPoint> points{p, p};
	EXPECT_EQ(format_region_note(points),
		  "Every row was measured inside one 4096.00 MiB region per mapping, as lmbench -t "
		  "4096M measures: a row's pages are drawn from the whole region, so a smaller row "
		  "reads slower here than in a region of its own size; pages first touched in "
		  "address order.\n");
	points[1].region = 64 * MiB;
	points[0].first_touch = FirstTouch::chain;
	EXPECT_EQ(format_region_note(points), "Each row was measured inside a region of its own "
					      "size; pages first touched in chain order.\n");
	EXPECT_EQ(format_region_note({}), "");
}

TEST(Lmbench, HeaderAndLinesUseLmbenchFormats)
{
	EXPECT_EQ(lmbench_header(64), "\"stride=64\n");
	EXPECT_EQ(lmbench_line(512, 0.9487), "0.00049 0.949\n");
	EXPECT_EQ(lmbench_line(4096 * MiB, 172.8771), "4096.00000 172.877\n");
}

TEST(Lmbench, SizesFollowLmbenchSteps)
{
	auto sizes = lmbench_sizes(64 * KiB, 64);
	std::vector<size_t> expect = {512,	 1024,	   2048,      3072,	 4096,	   6144,
				      8192,	 10240,	   12288,     14336,	 16384,	   18432,
				      20480,	 22528,	   24576,     26624,	 28672,	   30720,
				      32768,	 36864,	   40960,     45056,	 49152,	   53248,
				      57344,	 61440,	   65536};
	EXPECT_EQ(sizes, expect);
	// Eight points per octave past 32 KiB, ending exactly on a power of two.
	auto big = lmbench_sizes(4096 * MiB, 64);
	EXPECT_EQ(big.back(), 4096 * MiB);
	size_t in_last_octave = 0;
	for (size_t s : big)
		in_last_octave += s > 2048 * MiB;
	EXPECT_EQ(in_last_octave, 8u);
}

TEST(Lmbench, SizesBelowTheStrideAreSkipped)
{
	auto sizes = lmbench_sizes(4096, 1024);
	EXPECT_EQ(sizes.front(), 1024u);
}

TEST(MappingShape, DeviceRemapPromisesNoPageSizeTheOthersDo)
{
	MappingReport ptes = all(4 * MiB, false), leaves = all(4 * MiB, true);
	EXPECT_EQ(shape_mismatch(MappingKind::device_remap, ptes), "");
	EXPECT_EQ(shape_mismatch(MappingKind::device_remap, leaves), "");
	EXPECT_EQ(shape_mismatch(MappingKind::thp, leaves), "");
	EXPECT_EQ(shape_mismatch(MappingKind::page_4k, ptes), "");
	EXPECT_NE(shape_mismatch(MappingKind::thp, ptes).find("asked for thp (huge pages)"),
		  std::string::npos);
	EXPECT_NE(shape_mismatch(MappingKind::device_fault, ptes), "");
	EXPECT_NE(shape_mismatch(MappingKind::device_pte, leaves), "");
}

TEST(MappingShape, OneGibKindsPromiseOneGibLeaves)
{
	MappingReport pmds = all(4 * MiB, true), puds = gib(4 * MiB);
	for (auto kind : {MappingKind::hugetlb_1g, MappingKind::device_fault_1g}) {
		EXPECT_TRUE(wants_1g(kind));
		EXPECT_EQ(shape_mismatch(kind, puds), "");
		EXPECT_NE(shape_mismatch(kind, pmds).find("(1 GiB pages) but the page tables say "
							  "100.0% 2M"),
			  std::string::npos);
	}
	EXPECT_FALSE(wants_1g(MappingKind::device_fault));
	EXPECT_EQ(shape_mismatch(MappingKind::device_fault, puds), "");
	EXPECT_EQ(mapping_name(MappingKind::device_fault_1g), "device-fault-1g");
	EXPECT_EQ(parse_mapping("device-fault-1g"), MappingKind::device_fault_1g);
	EXPECT_TRUE(is_device(MappingKind::device_fault_1g));
}
