// memcpy_test: the copy table's rows from copy points, and the real program run as a user
// would on small sizes (exit codes, output shape, JSON, one-line errors). No timings.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "base/size.h"
#include "gib_pages.h"
#include "measure/copy.h"
#include "output/report.h"
#include "run_program.h"

namespace {

pfn::CopyPoint point(pfn::MappingKind kind, size_t mib, double ms)
{
	pfn::CopyPoint p;
	p.mapping = kind;
	p.bytes = mib * pfn::MiB;
	p.samples_ms = {ms + 1.0, ms, ms + 0.5};
	pfn::MappingReport r;
	r.bytes = p.bytes;
	(kind == pfn::MappingKind::page_4k ? r.bytes_4k
	 : pfn::wants_1g(kind)		    ? r.bytes_1g
					    : r.bytes_2m) = p.bytes;
	p.src_report = p.dst_report = r;
	return p;
}

// The published numbers, fed through the same pairing memcpy_test uses, give the
// published table byte for byte.
TEST(MemcpyTest, RowsFromCopyPointsGiveThePublishedTable)
{
	using pfn::MappingKind;
	std::vector<pfn::CopyPoint> without = {point(MappingKind::page_4k, 1024, 95.76),
					       point(MappingKind::page_4k, 2048, 190.87),
					       point(MappingKind::page_4k, 4096, 380.84)};
	std::vector<pfn::CopyPoint> with = {point(MappingKind::thp, 1024, 77.91),
					    point(MappingKind::thp, 2048, 155.64),
					    point(MappingKind::thp, 4096, 311.45)};
	auto rows = pfn::copy_rows(without, with);
	EXPECT_EQ(pfn::format_compare_table(rows, pfn::TableKind::copy),
		  "Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement\n"
		  "---------------- ----------------- -------------- -----------\n"
		  "1024.00 95.76 ms 77.91 ms 18.6%\n"
		  "2048.00 190.87 ms 155.64 ms 18.5%\n"
		  "4096.00 380.84 ms 311.45 ms 18.2%\n");
}

// --with A,B: the same four fields, then the 1 GiB column and its improvement over the
// 4 KiB column, as lat_mem_rd's three-column table prints them.
TEST(MemcpyTest, RowsWithAOneGibColumnGiveTheThreeColumnTable)
{
	using pfn::MappingKind;
	std::vector<pfn::CopyPoint> without = {point(MappingKind::page_4k, 1024, 95.76),
					       point(MappingKind::page_4k, 2048, 190.87)};
	std::vector<pfn::CopyPoint> with = {point(MappingKind::thp, 1024, 77.91),
					    point(MappingKind::thp, 2048, 155.64)};
	std::vector<pfn::CopyPoint> gib = {point(MappingKind::hugetlb_1g, 1024, 70.00),
					   point(MappingKind::hugetlb_1g, 2048, 140.50)};
	auto rows = pfn::copy_rows(without, with, &gib);
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_EQ(pfn::format_compare_table(rows, pfn::TableKind::copy),
		  "Memory Size (MB) Without Huge Mapping With 2 MiB Mapping Improvement "
		  "With 1 GiB Mapping Improvement\n"
		  "---------------- -------------------- ------------------ ----------- "
		  "------------------ -----------\n"
		  "1024.00 95.76 ms 77.91 ms 18.6% 70.00 ms 26.9%\n"
		  "2048.00 190.87 ms 155.64 ms 18.5% 140.50 ms 26.4%\n");
	for (const auto &r : rows) {
		EXPECT_EQ(r.mismatch, "");
		ASSERT_TRUE(r.with_1g);
		EXPECT_EQ(r.with_1g->mapping, MappingKind::hugetlb_1g);
		// Source and destination together, as the other columns.
		EXPECT_EQ(r.with_1g->report.bytes_1g, 2 * r.bytes);
	}
	// A 1 GiB column whose destination came back as 2 MiB leaves is flagged.
	gib[0].dst_report.bytes_1g = 0;
	gib[0].dst_report.bytes_2m = gib[0].dst_report.bytes;
	rows = pfn::copy_rows(without, with, &gib);
	EXPECT_EQ(rows[0].mismatch.rfind("With 1 GiB Mapping read back as ", 0), 0u)
		<< rows[0].mismatch;
	EXPECT_EQ(rows[1].mismatch, "");
}

TEST(MemcpyTest, ARowIsHugeOnlyIfSourceAndDestinationAre)
{
	auto without = point(pfn::MappingKind::page_4k, 64, 5);
	auto with = point(pfn::MappingKind::thp, 64, 4);
	with.dst_report.bytes_2m = 0;
	with.dst_report.bytes_4k = with.dst_report.bytes;
	auto rows = pfn::copy_rows({without}, {with});
	ASSERT_EQ(rows.size(), 1u);
	EXPECT_FALSE(rows[0].mismatch.empty());
	EXPECT_NE(pfn::format_compare_table(rows, pfn::TableKind::copy).find("[!]"), std::string::npos);
}

// PFN_MEMCPY_TEST is the built program (tests/CMakeLists.txt): without it this file does
// not compile, rather than skipping what it cannot run.
ProgramRun memcpy_test(const std::vector<std::string> &args)
{
	return run_program(PFN_MEMCPY_TEST, args);
}

std::string temp_path(const std::string &name)
{
	return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()))).string();
}

TEST(MemcpyTest, ComparePrintsTheCoverLetterTableAndJson)
{
	std::string json = temp_path("memcpy_test.json");
	ProgramRun run = memcpy_test({"--compare", "--sizes", "4M,8M", "--reps", "2", "--json", json});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	auto lines = lines_of(run.out);
	ASSERT_GE(lines.size(), 4u);
	EXPECT_EQ(lines[0], "Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement");
	EXPECT_EQ(lines[1], "---------------- ----------------- -------------- -----------");
	std::regex row(R"(^(\d+\.\d{2}) \d+\.\d{2} ms \d+\.\d{2} ms -?\d+\.\d%$)");
	std::smatch m;
	ASSERT_TRUE(std::regex_match(lines[2], m, row)) << lines[2];
	EXPECT_EQ(m[1], "4.00");
	ASSERT_TRUE(std::regex_match(lines[3], m, row)) << lines[3];
	EXPECT_EQ(m[1], "8.00");
	EXPECT_NE(run.out.find("Throughput (GB/s"), std::string::npos);

	std::ifstream in(json);
	ASSERT_TRUE(in) << json;
	nlohmann::json doc = nlohmann::json::parse(in);
	std::filesystem::remove(json);
	ASSERT_EQ(doc.at("copy").size(), 4u);
	for (const auto &p : doc.at("copy")) {
		EXPECT_EQ(p.at("samples_ms").size(), 2u);
		EXPECT_EQ(p.at("kernel"), "libc");
		EXPECT_TRUE(p.contains("src_report"));
		EXPECT_TRUE(p.contains("dst_report"));
		EXPECT_TRUE(p.contains("counters"));
	}
	EXPECT_EQ(doc.at("tables").at("copy").size(), 2u);
}

// --with thp,hugetlb-1g: three verified columns where two 1 GiB pages (source and
// destination) are free on the run's node, else one "unavailable" line before anything is
// measured.
TEST(MemcpyTest, CompareWithAOneGibColumnPrintsThreeVerifiedColumnsOrSaysWhyNot)
{
	std::string json = temp_path("memcpy3.json");
	ProgramRun run = memcpy_test({"--compare", "--sizes", "4M,8M", "--reps", "2", "--with",
				      "thp,hugetlb-1g", "--json", json});
	if (free_gib_pages_here() < 2) {
		// Fewer than the two 1 GiB pages a source and a destination need: one "unavailable"
		// line, before anything was copied.
		EXPECT_TRUE(stopped_unavailable(run, "memcpy_test", "1 GiB", json));
		return;
	}
	ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
	auto lines = lines_of(run.out);
	ASSERT_GE(lines.size(), 4u);
	EXPECT_EQ(lines[0], "Memory Size (MB) Without Huge Mapping With 2 MiB Mapping Improvement "
			    "With 1 GiB Mapping Improvement");
	std::regex row(R"(^\d+\.\d{2} \d+\.\d{2} ms \d+\.\d{2} ms -?\d+\.\d% \d+\.\d{2} ms -?\d+\.\d%$)");
	EXPECT_TRUE(std::regex_match(lines[2], row)) << lines[2];
	EXPECT_TRUE(std::regex_match(lines[3], row)) << lines[3];
	EXPECT_NE(run.out.find("without = 4k, with = thp, with 1G = hugetlb-1g"), std::string::npos)
		<< run.out;
	EXPECT_NE(run.out.find("with 1G: "), std::string::npos) << run.out;
	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	std::filesystem::remove(json);
	ASSERT_EQ(doc["tables"]["copy"].size(), 2u);
	for (const auto &r : doc["tables"]["copy"]) {
		EXPECT_EQ(r["mismatch"], "");
		EXPECT_EQ(r["with_1g_report"]["bytes_1g"], r["with_1g_report"]["bytes"]);
		EXPECT_EQ(r["with_report"]["bytes_2m"], r["with_report"]["bytes"]);
		EXPECT_GT(r["with_1g"].get<double>(), 0.0);
		EXPECT_EQ(r["with_1g_mapping"], "hugetlb-1g");
		EXPECT_EQ(r["improvement_1g_ci"]["seed"], r["improvement_ci"]["seed"]);
	}
	EXPECT_EQ(doc["backend"]["with_1g"], "hugetlb-1g");
	ASSERT_EQ(doc["copy"].size(), 6u);
	for (const auto &p : doc["copy"])
		EXPECT_EQ(p["samples_ms"].size(), 2u);
}

TEST(MemcpyTest, SingleMappingRunsEveryKernelAndSaysWhatItMeasuredOn)
{
	ProgramRun run = memcpy_test({"--mapping", "thp", "--size", "4M", "--kernel", "all", "--reps", "2"});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	EXPECT_NE(run.out.find("source"), std::string::npos);
	EXPECT_NE(run.out.find("2M"), std::string::npos); // the mapping as read back
	for (const auto &k : pfn::supported_copy_kernels()) {
		std::regex row("(^|\n)4\\.00 thp " + k + " \\d+\\.\\d{2} ms \\d+\\.\\d{2} GB/s ");
		EXPECT_TRUE(std::regex_search(run.out, row)) << k << "\n" << run.out;
	}
}

TEST(MemcpyTest, CountersAreCountedOrExplainedOnce)
{
	std::string json = temp_path("memcpy_counters.json");
	ProgramRun run = memcpy_test({"--mapping", "4k", "--size", "1M", "--reps", "2", "--counters",
				      "perf::TASK-CLOCK,PFN_NO_SUCH_EVENT", "--json", json});
	ASSERT_EQ(run.exit_code, 0) << run.err;
	size_t first = run.out.find("counters unavailable: ");
	ASSERT_NE(first, std::string::npos) << run.out;
	EXPECT_EQ(run.out.find("counters unavailable: ", first + 1), std::string::npos);
	std::ifstream in(json);
	nlohmann::json doc = nlohmann::json::parse(in);
	std::filesystem::remove(json);
	const auto &c = doc.at("copy").at(0).at("counters");
	EXPECT_TRUE(c.dump().find("PFN_NO_SUCH_EVENT") != std::string::npos) << c.dump();
}

TEST(MemcpyTest, ListsKernelsAndCounters)
{
	ProgramRun k = memcpy_test({"--list-kernels"});
	EXPECT_EQ(k.exit_code, 0);
	EXPECT_NE(k.out.find("libc"), std::string::npos);
	ProgramRun c = memcpy_test({"--list-counters"});
	EXPECT_EQ(c.exit_code, 0) << c.err;
	EXPECT_NE(c.out.find("default events: "), std::string::npos);
}

// Bad input: one line on stderr naming the problem, a non-zero exit, no output file.
TEST(MemcpyTest, BadInputIsOneClearLine)
{
	const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
		{{"--kernel", "warp-drive", "--size", "1M", "--mapping", "4k"}, "warp-drive"},
		{{"--size", "0", "--mapping", "4k"}, "0"},
		{{"--size", "lots", "--mapping", "4k"}, "lots"},
		{{"--mapping", "tiny", "--size", "1M"}, "tiny"},
		{{"--reps", "0", "--size", "1M"}, "reps"},
		{{"--counters", "a,,b", "--size", "1M", "--mapping", "4k"}, "empty event name"},
		{{"--size", "1M,,2M", "--mapping", "4k"}, "--size: empty item in list \"1M,,2M\""},
		{{"--sizes", "1M,", "--mapping", "4k"}, "--sizes: empty item in list"},
		{{"--kernel", ",libc", "--size", "1M", "--mapping", "4k"}, "--kernel: empty item"},
		{{"--cpu", "4096", "--size", "1M", "--mapping", "4k"}, "4096"},
		{{"--size", "65536G", "--mapping", "4k"}, "available"},
		{{"--compare", "--mapping", "thp"}, "excludes"},
		{{"--kernel", "libc,warp-drive", "--size", "1M", "--mapping", "4k"}, "warp-drive not in {libc,"},
		{{"--size", "1M,lots", "--mapping", "4k"}, "--size: invalid size 'lots'"},
		{{"--backend", "bogus"}, "bogus not in {device-remap,"},
		{{"--size", "1M", "--with", "thp"}, "need --compare"},
		{{"--size", "1M", "--with", "thp,hugetlb-1g"}, "need --compare"},
		{{"--compare", "--with", "thp,thp"}, "takes 1 GiB leaves"},
		{{"--compare", "--with", "thp,hugetlb-1g,4k"}, "at most two"},
		{{"--compare", "--with", "thp,bogus"}, "1 GiB leaves: hugetlb-1g or device-fault-1g, not bogus"},
		{{"--with", "bogus,hugetlb-1g"}, "bogus not in {4k,"},
		{{"--compare", "--kernel", "libc,movsb"}, "one --kernel"},
		{{"--kernel", "all"}, "one --kernel"},
	};
	std::string json = temp_path("memcpy_bad.json");
	for (const auto &[args, needle] : cases) {
		auto with_json = args;
		with_json.insert(with_json.end(), {"--json", json});
		ProgramRun run = memcpy_test(with_json);
		std::string what = fmt::format("{}", fmt::join(args, " "));
		EXPECT_NE(run.exit_code, 0) << what;
		auto lines = lines_of(run.err);
		ASSERT_EQ(lines.size(), 1u) << what << "\n" << run.err;
		EXPECT_EQ(lines[0].rfind("memcpy_test: ", 0), 0u) << lines[0];
		EXPECT_NE(lines[0].find(needle), std::string::npos) << what << ": " << lines[0];
		EXPECT_FALSE(std::filesystem::exists(json)) << what;
	}
}

TEST(MemcpyTest, EmptyHugetlbPoolIsUnavailable)
{
	std::ifstream pool("/proc/sys/vm/nr_hugepages");
	long pages = -1;
	pool >> pages;
	if (pages != 0)
		GTEST_SKIP() << "the hugetlb pool is not empty here";
	ProgramRun run = memcpy_test({"--mapping", "hugetlb", "--size", "4M"});
	if (run.exit_code != 3) {
		// Another test may reserve pages in between (tests run in parallel as root).
		std::ifstream again("/proc/sys/vm/nr_hugepages");
		again >> pages;
		if (pages != 0)
			GTEST_SKIP() << "the hugetlb pool was filled while this test ran";
	}
	EXPECT_EQ(run.exit_code, 3) << run.err;
	EXPECT_NE(run.err.find("nr_hugepages"), std::string::npos) << run.err;
	EXPECT_EQ(lines_of(run.err).size(), 1u) << run.err;
}

} // namespace
