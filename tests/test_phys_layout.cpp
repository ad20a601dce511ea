// The physical layout behind a report: figures from frame numbers, chain hops, the first
// touch orders and their refusals, and what is said when frames cannot be read.
#include <gtest/gtest.h>

#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/size.h"
#include "measure/first_touch.h"
#include "memory/phys_layout.h"
#include "memory/process_layout.h"
#include "memory/region.h"

using namespace pfn;

namespace {

bool frames_visible()
{
	try {
		std::vector<char> probe(1);
		read_process_frames(probe.data(), 1);
		return true;
	} catch (const Unavailable &) {
		return false;
	}
}

#define REQUIRE_FRAMES()                                                                    \
	if (!frames_visible())                                                              \
	GTEST_SKIP() << "frame numbers are hidden here (not root)"

// Frame numbers straight from pagemap, for checking the report against.
std::vector<uint64_t> pagemap_frames(const void *addr, size_t pages)
{
	std::ifstream in("/proc/self/pagemap", std::ios::binary);
	in.seekg(std::streamoff(reinterpret_cast<uintptr_t>(addr) / 4096 * 8));
	std::vector<uint64_t> out(pages);
	in.read(reinterpret_cast<char *>(out.data()), std::streamsize(pages * 8));
	for (auto &e : out)
		e = e >> 63 ? e & ((1ull << 55) - 1) : 0;
	return out;
}

// Runs why() in a child that has dropped CAP_SYS_ADMIN, as a user who is not root:
// success when what it says names the missing capability.
testing::AssertionResult says_why_without_sys_admin(const std::function<std::string()> &why)
{
	std::fflush(nullptr);
	pid_t pid = fork();
	if (pid < 0)
		return testing::AssertionFailure() << "fork failed";
	if (pid == 0) {
		__user_cap_header_struct head{_LINUX_CAPABILITY_VERSION_3, 0};
		__user_cap_data_struct data[2] = {};
		if (syscall(SYS_capget, &head, data) == 0) {
			data[0].effective &= ~(1u << CAP_SYS_ADMIN);
			syscall(SYS_capset, &head, data);
		}
		const std::string said = why();
		std::fprintf(stderr, "%s\n", said.c_str());
		_exit(said.find("CAP_SYS_ADMIN") != std::string::npos ? 0 : 1);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return testing::AssertionFailure() << "the child did not name CAP_SYS_ADMIN";
	return testing::AssertionSuccess();
}

} // namespace

TEST(PhysLayout, CountsNeighboursThatAreNeighboursInMemory)
{
	Frames f;
	f.method = "test";
	// 100 101 102 | hole | 7 9 10
	f.pfn = {100, 101, 102, 0, 7, 9, 10};
	PhysLayout l = layout_of(f);
	EXPECT_TRUE(l.available());
	EXPECT_EQ(l.pages, 6u);
	EXPECT_EQ(l.adjacent_pairs, 4u); // the hole breaks two pairs
	EXPECT_EQ(l.adjacent_physical, 3u);
	EXPECT_DOUBLE_EQ(l.fraction_adjacent(), 0.75);
	EXPECT_EQ(l.adjacent_reverse, 0u);
	EXPECT_EQ(l.summary(), "physical: 75.0% of neighbouring pages contiguous (test)");
}

TEST(PhysLayout, CountsNeighboursInDescendingFramesApart)
{
	// What pages given back and faulted in again get: 300 299 298 | 5 6 | 40
	Frames f;
	f.method = "test";
	f.pfn = {300, 299, 298, 5, 6, 40};
	PhysLayout l = layout_of(f);
	EXPECT_EQ(l.adjacent_pairs, 5u);
	EXPECT_EQ(l.adjacent_physical, 1u);
	EXPECT_EQ(l.adjacent_reverse, 2u);
	EXPECT_EQ(l.summary(),
		  "physical: 20.0% of neighbouring pages contiguous (40.0% reversed) (test)");
	nlohmann::json j = l;
	EXPECT_DOUBLE_EQ(j.at("fraction_adjacent_reverse").get<double>(), 0.4);
	EXPECT_EQ(j.get<PhysLayout>().adjacent_reverse, 2u);
}

TEST(PhysLayout, CountsOnlyChainHopsBetweenPages)
{
	// Four pages; the chain visits 0 -> 2 -> 3 -> 1 -> 0, two lines in page 0.
	alignas(4096) static std::byte buf[4 * 4096];
	auto at = [](int page, int line) { return buf + page * 4096 + line * 64; };
	auto link = [](std::byte *from, std::byte *to) {
		*reinterpret_cast<void **>(from) = to;
	};
	link(at(0, 0), at(0, 1)); // inside a page: not a hop
	link(at(0, 1), at(2, 0));
	link(at(2, 0), at(3, 0));
	link(at(3, 0), at(1, 0));
	link(at(1, 0), at(0, 0));
	Frames f;
	f.start = reinterpret_cast<uintptr_t>(buf);
	f.method = "test";
	f.pfn = {50, 51, 60, 61}; // 2 -> 3 goes to the next frame, 1 -> 0 to the previous
	PhysLayout l = layout_of(f);
	count_chain_hops(l, f, at(0, 0), 10);
	// Once round the cycle of five loads, four of them hops.
	EXPECT_EQ(l.chain_hops, 4u);
	EXPECT_EQ(l.chain_hops_next, 1u);
	EXPECT_EQ(l.chain_hops_prev, 1u);
	EXPECT_DOUBLE_EQ(l.fraction_chain_next(), 0.25);
	EXPECT_DOUBLE_EQ(l.fraction_chain_prev(), 0.25);
	PhysLayout shorter = layout_of(f);
	count_chain_hops(shorter, f, at(0, 0), 3); // 0 -> 0 -> 2 -> 3
	EXPECT_EQ(shorter.chain_hops, 2u);
}

TEST(PhysLayout, CountsEachPagesLinkToAnotherPage)
{
	// Six pages at 0x10000; each page's first word says where its chain goes next.
	Frames f;
	f.start = 0x10000;
	f.method = "test";
	f.pfn = {70, 71, 90, 0, 30, 29};
	auto page = [&](uint64_t i) { return f.start + i * 4096 + 64; };
	std::vector<uint64_t> words = {
		page(1),  // 0 -> 1: the next frame
		page(4),  // 1 -> 4: elsewhere
		          // (5 -> 4 would be to the previous frame, but 5 points outside)
		page(2),  // 2 -> 2: inside its own page, not a hop
		page(0),  // 3 is not present: not counted
		page(3),  // 4 -> 3: to a page that is not present
		0x1000,   // 5 points outside the range
	};
	PhysLayout l = layout_of(f);
	count_page_links(l, f, words);
	EXPECT_EQ(l.chain_hops, 2u);
	EXPECT_EQ(l.chain_hops_next, 1u);
	EXPECT_EQ(l.chain_hops_prev, 0u);
	PhysLayout hidden;
	hidden.unavailable = "hidden";
	count_page_links(hidden, f, words);
	EXPECT_EQ(hidden.chain_hops, 0u);
}

TEST(PhysLayout, JsonHasFractionsOnlyWhereMeasured)
{
	PhysLayout none;
	none.unavailable = "hidden";
	nlohmann::json j = none;
	EXPECT_EQ(j.at("unavailable"), "hidden");
	EXPECT_FALSE(j.contains("fraction_adjacent"));
	EXPECT_FALSE(j.contains("fraction_chain_next"));
	EXPECT_EQ(none.summary(), "physical layout unavailable: hidden");

	Frames f;
	f.method = "pagemap";
	f.pfn = {1, 2, 4};
	PhysLayout l = layout_of(f);
	j = l;
	EXPECT_DOUBLE_EQ(j.at("fraction_adjacent").get<double>(), 0.5);
	EXPECT_FALSE(j.contains("fraction_chain_next"));
	PhysLayout back = j.get<PhysLayout>();
	EXPECT_EQ(back.adjacent_physical, 1u);
	EXPECT_TRUE(back.available());
}

TEST(PhysLayout, ReportsOfSeveralRegionsAddUp)
{
	Frames f;
	f.method = "pagemap";
	f.pfn = {1, 2, 3};
	PhysLayout total;
	add_layout(total, layout_of(f));
	add_layout(total, layout_of(f));
	EXPECT_EQ(total.pages, 6u);
	EXPECT_EQ(total.adjacent_physical, 4u);
	PhysLayout hidden;
	hidden.unavailable = "hidden";
	add_layout(total, hidden);
	EXPECT_EQ(total.unavailable, "hidden");
}

TEST(PhysLayout, ProcessRegionReportsTheFramesPagemapHas)
{
	REQUIRE_FRAMES();
	auto r = map_region({MappingKind::page_4k, 4 * MiB, -1});
	MappingReport rep = r->report();
	const PhysLayout &l = rep.layout;
	ASSERT_TRUE(l.available()) << l.unavailable;
	EXPECT_EQ(l.method, "pagemap");
	EXPECT_EQ(l.pages, 1024u);
	EXPECT_EQ(l.adjacent_pairs, 1023u);
	auto pfn = pagemap_frames(r->data(), 1024);
	uint64_t adjacent = 0;
	for (size_t i = 0; i + 1 < pfn.size(); i++)
		adjacent += pfn[i + 1] == pfn[i] + 1;
	// Frames can move (compaction) between two reads, but hardly all of them.
	EXPECT_NEAR(double(l.adjacent_physical), double(adjacent), 16.0);
}

TEST(PhysLayout, ThpPagesAreContiguousInsideEachHugePage)
{
	REQUIRE_FRAMES();
	std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
	std::string mode;
	std::getline(thp, mode);
	if (mode.find("[never]") != std::string::npos)
		GTEST_SKIP() << "THP disabled";
	auto r = map_region({MappingKind::thp, 8 * MiB, -1});
	MappingReport rep = r->report();
	if (!rep.is_huge())
		GTEST_SKIP() << "no huge pages to be had now: " << rep.summary();
	// Every pair inside a 2 MiB page is contiguous; only the 3 pairs across may not be.
	EXPECT_GE(rep.layout.adjacent_physical, rep.layout.adjacent_pairs - 3)
		<< rep.layout.summary();
}

TEST(PhysLayout, ChainFirstTouchCountsEveryHop)
{
	REQUIRE_FRAMES();
	auto r = map_region({MappingKind::page_4k, 4 * MiB, -1, false});
	ChainSpec spec{ChainKind::thrash, 4 * MiB, 64, 4096, 7};
	void *start = lay_chain(*r, spec, FirstTouch::chain);
	MappingReport rep = r->report(0, 4 * MiB, start);
	EXPECT_EQ(rep.bytes_unmapped, 0u);
	EXPECT_EQ(rep.bytes_4k, 4 * MiB);
	// A thrash chain changes page on every load: 1024 pages of 64 lines, each a hop.
	EXPECT_EQ(rep.layout.chain_hops, 65536u);
	// The same count from pagemap and the chain itself.
	auto pfn = pagemap_frames(r->data(), 1024);
	auto page = [&](const void *p) {
		return (reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(r->data())) /
		       4096;
	};
	uint64_t next = 0, prev = 0;
	const void *p = start;
	for (int i = 0; i < 65536; i++) {
		const void *q = *static_cast<const void *const *>(p);
		next += pfn[page(q)] == pfn[page(p)] + 1;
		prev += pfn[page(q)] + 1 == pfn[page(p)];
		p = q;
	}
	EXPECT_NEAR(double(rep.layout.chain_hops_next), double(next), 64.0);
	EXPECT_NEAR(double(rep.layout.chain_hops_prev), double(prev), 64.0);
}

TEST(PhysLayout, HiddenFramesSayWhy)
{
	// Without CAP_SYS_ADMIN pagemap reads every frame as 0: the report must say so
	// instead of giving figures.
	EXPECT_TRUE(says_why_without_sys_admin([] {
		auto r = map_region({MappingKind::page_4k, 1 * MiB, -1});
		return r->report().layout.unavailable;
	}));
}

TEST(FirstTouch, NamesAndRefusals)
{
	EXPECT_EQ(parse_first_touch("chain"), FirstTouch::chain);
	EXPECT_EQ(parse_first_touch("address"), FirstTouch::address);
	EXPECT_FALSE(parse_first_touch("random"));
	EXPECT_EQ(first_touch_name(FirstTouch::chain), "chain");
	for (auto kind : {MappingKind::page_4k, MappingKind::thp, MappingKind::hugetlb_2m,
			  MappingKind::device_pte})
		EXPECT_EQ(first_touch_refusal(FirstTouch::address, kind, ChainKind::random), "");
	EXPECT_EQ(first_touch_refusal(FirstTouch::chain, MappingKind::thp, ChainKind::thrash), "");
	EXPECT_NE(first_touch_refusal(FirstTouch::chain, MappingKind::hugetlb_2m, ChainKind::thrash)
			  .find("reserved pool"),
		  std::string::npos);
	EXPECT_NE(first_touch_refusal(FirstTouch::chain, MappingKind::device_remap,
				      ChainKind::thrash)
			  .find("driver's buffer"),
		  std::string::npos);
	EXPECT_NE(first_touch_refusal(FirstTouch::chain, MappingKind::page_4k, ChainKind::random)
			  .find("address order"),
		  std::string::npos);
	EXPECT_THROW(check_first_touch(FirstTouch::chain, MappingKind::hugetlb_1g,
				       ChainKind::stride),
		     Error);
}

TEST(FirstTouch, OnlyAddressOrderIsPopulatedWhenMapped)
{
	EXPECT_TRUE(populate_when_mapped(FirstTouch::address));
	EXPECT_FALSE(populate_when_mapped(FirstTouch::chain));
	auto empty = map_region({MappingKind::page_4k, 2 * MiB, -1, false});
	EXPECT_EQ(empty->report().bytes_unmapped, 2 * MiB);
	auto whole = map_region({MappingKind::page_4k, 2 * MiB, -1});
	EXPECT_EQ(whole->report().bytes_unmapped, 0u);
}

// As lmbench's malloc() memory: a fresh mapping, of which only the chain's pages are
// touched, the builder's writes first.
TEST(FirstTouch, ChainOrderMapsAfreshAndTouchesOnlyTheChainsPages)
{
	auto r = map_region({MappingKind::page_4k, 2 * MiB, -1});
	std::memset(r->data(), 0x5a, r->size());
	ChainSpec spec{ChainKind::thrash, 1 * MiB, 64, 4096, 3};
	void *start = lay_chain(*r, spec, FirstTouch::chain);
	MappingReport rep = r->report();
	EXPECT_EQ(rep.bytes_4k, 1 * MiB) << rep.summary();
	EXPECT_EQ(rep.bytes_unmapped, 1 * MiB) << rep.summary();
	// The chain is whole: following it comes back to the start after every line.
	const void *p = start;
	for (size_t i = 0; i < chain_length(spec); i++)
		p = *static_cast<const void *const *>(p);
	EXPECT_EQ(p, start);
	// Nothing of the old pages is left: the last byte of every page (which no chain
	// pointer covers) reads zero.
	size_t zero_pages = 0;
	for (size_t off = 0; off < r->size(); off += 4096)
		zero_pages += r->data()[off + 4095] == std::byte{0};
	EXPECT_EQ(zero_pages, r->size() / 4096);
}

// Each working set frees the one before, as lmbench's process per working set does.
TEST(FirstTouch, ChainOrderFreesThePreviousChainsPages)
{
	auto r = map_region({MappingKind::page_4k, 8 * MiB, -1, false});
	lay_chain(*r, ChainSpec{ChainKind::thrash, 1 * MiB, 64, 4096, 1}, FirstTouch::chain);
	lay_chain(*r, ChainSpec{ChainKind::thrash, 2 * MiB, 64, 4096, 2}, FirstTouch::chain);
	MappingReport rep = r->report();
	EXPECT_EQ(rep.bytes_4k, 2 * MiB) << rep.summary();
	EXPECT_EQ(rep.bytes_unmapped, 6 * MiB) << rep.summary();
}

// A huge page is contiguous whatever the order: THP is populated whole after the chain's
// touch, so the region reads back as huge.
TEST(FirstTouch, ChainOrderLeavesThpWhole)
{
	std::unique_ptr<Region> r;
	try {
		r = map_region({MappingKind::thp, 8 * MiB, -1, false});
	} catch (const Unavailable &e) {
		GTEST_SKIP() << e.what();
	}
	lay_chain(*r, ChainSpec{ChainKind::thrash, 1 * MiB, 64, 4096, 1}, FirstTouch::chain);
	MappingReport rep = r->report();
	EXPECT_EQ(rep.bytes_unmapped, 0u) << rep.summary();
	if (!rep.is_huge())
		GTEST_SKIP() << "no huge pages to be had now: " << rep.summary();
}

namespace {

// A child holding a ring of 1024 pages, page i's first word pointing to page i+1; it
// writes the ring's address to fd and waits to be killed.
pid_t child_with_ring(int fd)
{
	std::fflush(nullptr);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	constexpr size_t pages = 1024;
	auto *p = static_cast<std::byte *>(mmap(nullptr, pages * 4096, PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	if (p == MAP_FAILED)
		_exit(1);
	for (size_t i = 0; i < pages; i++)
		*reinterpret_cast<void **>(p + i * 4096) = p + (i + 1) % pages * 4096;
	uintptr_t at = reinterpret_cast<uintptr_t>(p);
	if (write(fd, &at, sizeof(at)) != sizeof(at))
		_exit(1);
	for (;;)
		pause();
}

} // namespace

TEST(ProcessLayout, ReadsAnotherProcesssChainAsItsOwnWouldBe)
{
	REQUIRE_FRAMES();
	int pipefd[2];
	ASSERT_EQ(pipe(pipefd), 0);
	pid_t pid = child_with_ring(pipefd[1]);
	ASSERT_GT(pid, 0);
	uintptr_t at = 0;
	ASSERT_EQ(read(pipefd[0], &at, sizeof(at)), ssize_t(sizeof(at)));
	std::vector<MappingLayout> maps = layouts_of_process(pid, 1 * MiB);
	Frames frames = read_frames_of(pid, at, 1024 * 4096);
	kill(pid, SIGKILL);
	waitpid(pid, nullptr, 0);
	close(pipefd[0]);
	close(pipefd[1]);

	const MappingLayout *ring = nullptr;
	for (const auto &m : maps)
		if (m.start <= at && at < m.end)
			ring = &m;
	ASSERT_NE(ring, nullptr) << "the child's ring is not among its mappings";
	EXPECT_GE(ring->end - ring->start, 1024u * 4096);
	const PhysLayout &l = ring->layout;
	ASSERT_TRUE(l.available()) << l.unavailable;
	EXPECT_EQ(l.pages, 1024u);
	EXPECT_EQ(l.chain_hops, 1024u); // the ring, once round
	uint64_t next = 0, prev = 0;
	for (size_t i = 0; i < 1024; i++) {
		next += frames.pfn[(i + 1) % 1024] == frames.pfn[i] + 1;
		prev += frames.pfn[(i + 1) % 1024] + 1 == frames.pfn[i];
	}
	EXPECT_EQ(l.chain_hops_next, next);
	EXPECT_EQ(l.chain_hops_prev, prev);
	nlohmann::json j = *ring;
	EXPECT_EQ(j.at("layout").at("chain_hops"), 1024u);
	EXPECT_EQ(j.at("bytes"), ring->end - ring->start);
}

TEST(ProcessLayout, AProcessThatIsNotThereIsAnErrorNotAnAbsence)
{
	try {
		layouts_of_process(INT_MAX, 1 * MiB);
		FAIL() << "no error";
	} catch (const Unavailable &e) {
		FAIL() << "said unavailable: " << e.what();
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("no process"), std::string::npos) << e.what();
	}
}

TEST(ProcessLayout, HiddenFramesAreUnavailableWithTheReason)
{
	EXPECT_TRUE(says_why_without_sys_admin([]() -> std::string {
		std::vector<char> present(4 * MiB, 1);
		try {
			layouts_of_process(getpid(), 1 * MiB);
		} catch (const Unavailable &e) {
			return e.what();
		}
		return "no error";
	}));
}
