// Regions read back the page sizes they got, and refuse what they cannot do clearly.
#include <gtest/gtest.h>

#include <sched.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "base/error.h"
#include "base/size.h"
#include "memory/region.h"
#include "platform/placement.h"

using namespace pfn;

namespace {

std::string thp_mode()
{
	std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
	std::string line;
	std::getline(in, line);
	return line;
}

} // namespace

TEST(Region, FourKReadsBackAsAllFourK)
{
	auto r = map_region({MappingKind::page_4k, 16 * MiB, -1});
	MappingReport rep = r->report();
	EXPECT_EQ(rep.bytes, 16 * MiB);
	EXPECT_EQ(rep.bytes_4k, 16 * MiB) << rep.summary();
	EXPECT_EQ(rep.bytes_2m + rep.bytes_1g, 0u);
	EXPECT_TRUE(rep.is_4k());
	EXPECT_FALSE(rep.method.empty());
}

TEST(Region, ThpReadsBackAsHugeWhereThpIsAvailable)
{
	if (thp_mode().find("[never]") != std::string::npos)
		GTEST_SKIP() << "THP disabled on this machine";
	auto r = map_region({MappingKind::thp, 16 * MiB, -1});
	EXPECT_EQ(reinterpret_cast<uintptr_t>(r->data()) % (2 * MiB), 0u);
	MappingReport rep = r->report();
	EXPECT_GE(rep.fraction_huge(), 0.99) << rep.summary();
	EXPECT_TRUE(rep.is_huge());
	EXPECT_FALSE(rep.is_4k());
}

TEST(Region, ReportCoversOnlyTheAskedRange)
{
	auto r = map_region({MappingKind::page_4k, 8 * MiB, -1});
	MappingReport rep = r->report(2 * MiB, 1 * MiB);
	EXPECT_EQ(rep.bytes, 1 * MiB);
	EXPECT_EQ(rep.bytes_4k + rep.bytes_unmapped, 1 * MiB);
}

// Scattered present pages make PAGEMAP_SCAN answer in several calls; each page counts
// once (Linux 6.18 returns regions past the walk_end it reports).
TEST(Region, ReportOfScatteredPagesCountsEachPageOnce)
{
	auto r = map_region({MappingKind::page_4k, 8 * MiB, -1, false});
	const size_t pages = r->size() / 4096;
	size_t touched = 0;
	for (size_t i = 0; i < pages; i++)
		if ((i * 2654435761u) % 7 < 2) { // about 2 pages in 7, no runs
			r->data()[i * 4096] = std::byte{1};
			touched++;
		}
	for (ReportMethod method : {ReportMethod::best, ReportMethod::pagemap_scan}) {
		MappingReport rep;
		try {
			rep = read_process_mapping(r->data(), r->size(), method);
		} catch (const Unavailable &e) {
			continue; // a kernel before 6.7
		}
		EXPECT_EQ(rep.bytes_4k, touched * 4096) << rep.method << ": " << rep.summary();
		EXPECT_EQ(rep.bytes_unmapped, (pages - touched) * 4096) << rep.summary();
	}
}

TEST(Region, ReportOfLessThanAPageCountsOnlyThoseBytes)
{
	auto r = map_region({MappingKind::thp, 4 * MiB, -1});
	for (size_t offset : {size_t(0), size_t(100), size_t(2 * MiB - 256)}) {
		MappingReport rep = r->report(offset, 512);
		EXPECT_EQ(rep.bytes, 512u);
		EXPECT_EQ(rep.bytes_4k + rep.bytes_2m + rep.bytes_1g + rep.bytes_unmapped, 512u)
			<< rep.summary();
		EXPECT_LE(rep.fraction_huge(), 1.0);
	}
}

TEST(Region, ReportsTheNodeHoldingThePages)
{
	Placement p = resolve_placement(std::nullopt, std::nullopt);
	auto r = map_region({MappingKind::page_4k, 4 * MiB, p.node});
	MappingReport rep = r->report();
	ASSERT_EQ(rep.node_bytes.size(), 1u) << rep.node_method;
	EXPECT_EQ(rep.node_bytes.begin()->first, p.node);
	EXPECT_EQ(rep.node_bytes.begin()->second, 4 * MiB);
}

TEST(Region, PopulatedBeforeUse)
{
	auto r = map_region({MappingKind::page_4k, 4 * MiB, -1});
	EXPECT_EQ(r->report().bytes_unmapped, 0u);
}

TEST(Region, ZeroSizeIsRefused)
{
	EXPECT_THROW(map_region({MappingKind::page_4k, 0, -1}), Error);
}

TEST(Region, MoreThanMemoryIsRefusedWithAClearMessage)
{
	try {
		map_region({MappingKind::page_4k, size_t(1) << 50, -1});
		FAIL() << "mapped a petabyte";
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("available"), std::string::npos) << e.what();
	}
}

static uint64_t mem_available_now()
{
	std::ifstream in("/proc/meminfo");
	std::string key, unit;
	uint64_t kb = 0;
	while (in >> key >> kb >> unit)
		if (key == "MemAvailable:")
			return kb * KiB;
	return 0;
}

// One answer to "do these regions fit at once", for a copy's source and destination and a
// latency comparison's two columns alike: every kind of process memory draws on the same
// free memory, so two that fit alone may not fit together; nothing is mapped to find out.
TEST(Region, RegionsThatFitAloneMayNotFitTogether)
{
	const uint64_t avail = mem_available_now();
	ASSERT_GT(avail, 0u);
	// Six tenths each: either alone fits, both do not (the margin absorbs other tenants).
	const size_t each = size_t(avail / 10 * 6) / (2 * MiB) * (2 * MiB);
	const RegionSpec small{MappingKind::page_4k, each, -1}, huge{MappingKind::thp, each, -1};
	EXPECT_NO_THROW(check_regions_fit(small));
	EXPECT_NO_THROW(check_regions_fit(huge));
	try {
		check_regions_fit({small, huge});
		FAIL() << "two regions of 0.6 x MemAvailable fit together";
	} catch (const NoRoom &e) {
		std::string what = e.what();
		EXPECT_NE(what.find("2 x "), std::string::npos) << what; // names both
		EXPECT_NE(what.find("available"), std::string::npos) << what;
	}
	EXPECT_THROW(check_regions_fit(small, 2), NoRoom);
	// Device memory is the driver's to answer, and a hugetlb pool is its own: neither
	// adds to what process memory needs.
	EXPECT_NO_THROW(check_regions_fit({small, {MappingKind::device_pte, each, -1}}));
	try {
		check_regions_fit({small, {MappingKind::hugetlb_1g, each, -1}});
	} catch (const NoRoom &e) {
		FAIL() << "hugetlb counted against free memory: " << e.what();
	} catch (const Unavailable &) {
		// the 1 GiB pool is short: said as such
	}
}

TEST(Region, EmptyHugetlbPoolIsUnavailableAndSaysWhatToDo)
{
	std::ifstream in("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages");
	long free_pages = -1;
	in >> free_pages;
	if (free_pages > 0)
		GTEST_SKIP() << "this machine has 1 GiB pages reserved";
	try {
		map_region({MappingKind::hugetlb_1g, 1 * GiB, -1});
		FAIL() << "mapped hugetlb pages from an empty pool";
	} catch (const Unavailable &e) {
		std::string what = e.what();
		EXPECT_NE(what.find("nr_hugepages"), std::string::npos) << what;
		EXPECT_EQ(what.find('\n'), std::string::npos);
	}
}

TEST(Region, UnknownNodeIsRefused)
{
	EXPECT_THROW(check_node(1000), Error);
	EXPECT_THROW(check_node(-2), Error);
	EXPECT_THROW(resolve_placement(std::nullopt, 999), Error);
}

TEST(Placement, UnknownCpuIsRefusedNamingTheCpusThatExist)
{
	try {
		resolve_placement(4096, std::nullopt);
		FAIL();
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("CPU 4096 does not exist"), std::string::npos)
			<< e.what();
	}
	EXPECT_THROW(resolve_placement(-1, std::nullopt), Error);
}

TEST(Placement, DefaultsToAnAllowedCpuAndItsNode)
{
	// Pinning this thread would pin every program a later test starts (the affinity is
	// inherited): lat_mem_rd -P 2 then finds one CPU allowed. Put it back afterwards.
	cpu_set_t allowed;
	ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	Placement p = resolve_placement(std::nullopt, std::nullopt);
	EXPECT_GE(p.cpu, 0);
	EXPECT_GE(p.node, 0);
	EXPECT_NO_THROW(pin_thread(p));
	EXPECT_NO_THROW(check_node(p.node));
	EXPECT_EQ(sched_setaffinity(0, sizeof(allowed), &allowed), 0);
}

namespace {

// Reserves hugetlb pages for one test and gives them back, so the machine's pool is left
// as it was found.
class HugetlbPool {
public:
	explicit HugetlbPool(long pages)
	{
		before_ = read();
		if (before_ < 0 || geteuid() != 0)
			return;
		write(before_ + pages);
		ok_ = read() >= before_ + pages;
	}
	~HugetlbPool()
	{
		if (before_ >= 0 && geteuid() == 0)
			write(before_);
	}
	bool ok() const { return ok_; }

private:
	static constexpr const char *path = "/proc/sys/vm/nr_hugepages";
	static long read()
	{
		std::ifstream in(path);
		long n = -1;
		in >> n;
		return n;
	}
	static void write(long n) { std::ofstream(path) << n << '\n'; }
	long before_ = -1;
	bool ok_ = false;
};

} // namespace

TEST(Region, HugetlbReadsBackAsTwoMegabytePages)
{
	HugetlbPool pool(4);
	if (!pool.ok())
		GTEST_SKIP() << "cannot reserve 2 MiB hugetlb pages here (needs root)";
	auto r = map_region({MappingKind::hugetlb_2m, 8 * MiB, -1});
	MappingReport rep = r->report();
	EXPECT_EQ(rep.bytes_2m, 8 * MiB) << rep.summary();
	EXPECT_TRUE(rep.is_huge());
}

namespace {

// Each way of reading the page sizes back, where this kernel and user allow it.
class ReportMethods : public ::testing::TestWithParam<ReportMethod> {
protected:
	MappingReport read(const Region &r, size_t offset, size_t len)
	{
		try {
			return read_process_mapping(r.data() + offset, len, GetParam());
		} catch (const Unavailable &e) {
			throw std::runtime_error(std::string("skip: ") + e.what());
		}
	}
};

} // namespace

TEST_P(ReportMethods, FourKAndThpReadBackAsWhatTheyAre)
{
	if (thp_mode().find("[never]") != std::string::npos)
		GTEST_SKIP() << "THP disabled";
	auto small = map_region({MappingKind::page_4k, 8 * MiB, -1});
	auto huge = map_region({MappingKind::thp, 8 * MiB, -1});
	MappingReport s, h;
	try {
		s = read(*small, 0, 8 * MiB);
		h = read(*huge, 0, 8 * MiB);
	} catch (const std::runtime_error &e) {
		GTEST_SKIP() << e.what();
	}
	EXPECT_TRUE(s.is_4k()) << s.summary();
	EXPECT_TRUE(h.is_huge()) << h.summary();
	EXPECT_EQ(s.bytes_4k + s.bytes_2m + s.bytes_1g + s.bytes_unmapped, s.bytes);
	EXPECT_EQ(h.bytes_4k + h.bytes_2m + h.bytes_1g + h.bytes_unmapped, h.bytes);
}

TEST_P(ReportMethods, APartOfARegionCountsOnlyItsBytes)
{
	auto huge = map_region({MappingKind::thp, 4 * MiB, -1});
	MappingReport rep;
	try {
		rep = read(*huge, 100, 5000);
	} catch (const std::runtime_error &e) {
		GTEST_SKIP() << e.what();
	}
	EXPECT_EQ(rep.bytes, 5000u);
	EXPECT_EQ(rep.bytes_4k + rep.bytes_2m + rep.bytes_1g + rep.bytes_unmapped, 5000u);
}

std::string method_name(const ::testing::TestParamInfo<ReportMethod> &info)
{
	switch (info.param) {
	case ReportMethod::pagemap_scan:
		return "pagemap_scan";
	case ReportMethod::kpageflags:
		return "kpageflags";
	case ReportMethod::smaps:
		return "smaps";
	default:
		return "best";
	}
}

INSTANTIATE_TEST_SUITE_P(Methods, ReportMethods,
			 ::testing::Values(ReportMethod::pagemap_scan, ReportMethod::kpageflags,
					   ReportMethod::smaps),
			 method_name);
