// Counters: the available and the unavailable path, asserted by behaviour (a fresh page
// faults once when first touched), never by a timing.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cstring>

#include "counters.h"
#include "error.h"

namespace {

constexpr size_t page = 4096;

// Fresh anonymous memory kept to 4 KiB pages, so each page faults exactly once.
struct Fresh {
	size_t len;
	char *p;
	explicit Fresh(size_t pages) : len(pages * page)
	{
		p = static_cast<char *>(mmap(nullptr, len, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		if (p == MAP_FAILED)
			throw std::runtime_error("mmap failed");
		madvise(p, len, MADV_NOHUGEPAGE);
	}
	~Fresh() { munmap(p, len); }
	void touch()
	{
		for (size_t off = 0; off < len; off += page)
			static_cast<volatile char *>(p)[off] = 1;
	}
};

TEST(Counters, PageFaultsCountWhenTouchingFreshMemory)
{
	pfn::CounterSet set({"perf::PAGE-FAULTS"});
	if (set.empty())
		GTEST_SKIP() << "page faults cannot be counted here: "
			     << set.unavailable().at("perf::PAGE-FAULTS");
	constexpr size_t pages = 256;
	Fresh mem(pages);
	set.start();
	mem.touch();
	pfn::CounterValues c = set.stop();
	ASSERT_EQ(c.values.count("perf::PAGE-FAULTS"), 1u);
	EXPECT_GE(c.values.at("perf::PAGE-FAULTS"), static_cast<long long>(pages));

	// Touched again: no new faults, and the set counts from zero on every start.
	set.start();
	mem.touch();
	c = set.stop();
	EXPECT_LT(c.values.at("perf::PAGE-FAULTS"), static_cast<long long>(pages));
}

TEST(Counters, MissingEventGivesReasonAndOthersGoOn)
{
	pfn::CounterSet set({"PFN_NO_SUCH_EVENT", "perf::TASK-CLOCK"});
	ASSERT_EQ(set.unavailable().count("PFN_NO_SUCH_EVENT"), 1u);
	EXPECT_FALSE(set.unavailable().at("PFN_NO_SUCH_EVENT").empty());
	set.start();
	pfn::CounterValues c = set.stop();
	EXPECT_EQ(c.values.count("PFN_NO_SUCH_EVENT"), 0u);
	EXPECT_EQ(c.unavailable.count("PFN_NO_SUCH_EVENT"), 1u);
	EXPECT_NE(pfn::unavailable_line(c).find("counters unavailable: "), std::string::npos);
	EXPECT_NE(pfn::unavailable_line(c).find("PFN_NO_SUCH_EVENT"), std::string::npos);
}

// On a machine with a PMU the defaults count; without one (this project's VMs) each says
// why. Either way every requested event ends up in exactly one of the two maps.
TEST(Counters, EveryDefaultEventIsCountedOrExplained)
{
	auto events = pfn::default_counter_events();
	ASSERT_FALSE(events.empty());
	pfn::CounterSet set(events);
	set.start();
	pfn::CounterValues c = set.stop();
	for (const auto &e : events) {
		bool counted = c.values.count(e) > 0;
		bool explained = c.unavailable.count(e) > 0;
		EXPECT_NE(counted, explained) << e;
		if (explained) {
			EXPECT_FALSE(c.unavailable.at(e).empty()) << e;
		}
	}
}

TEST(Counters, StopWithoutStartIsAnError)
{
	pfn::CounterSet set({"perf::TASK-CLOCK"});
	EXPECT_THROW(set.stop(), pfn::Error);
}

TEST(Counters, ParseList)
{
	EXPECT_TRUE(pfn::parse_counter_list("").empty());
	EXPECT_TRUE(pfn::parse_counter_list("none").empty());
	auto l = pfn::parse_counter_list("perf::PAGE-FAULTS, PAPI_TLB_DM,perf::PAGE-FAULTS");
	ASSERT_EQ(l.size(), 2u);
	EXPECT_EQ(l[0], "perf::PAGE-FAULTS");
	EXPECT_EQ(l[1], "PAPI_TLB_DM");
	EXPECT_EQ(pfn::parse_counter_list("default"), pfn::default_counter_events());
	EXPECT_THROW(pfn::parse_counter_list("a,,b"), pfn::Error);
}

TEST(Counters, UnavailableLineGroupsByReason)
{
	pfn::CounterValues c;
	c.unavailable = {{"A", "no PMU"}, {"B", "no PMU"}, {"C", "other"}};
	EXPECT_EQ(pfn::unavailable_line(c), "counters unavailable: A, B: no PMU; C: other");
	c.unavailable.clear();
	EXPECT_EQ(pfn::unavailable_line(c), "");
}

TEST(Counters, AccumulateAndPerUnit)
{
	pfn::CounterValues total, a;
	a.values["X"] = 10;
	pfn::accumulate(total, a);
	pfn::accumulate(total, a);
	EXPECT_EQ(total.values.at("X"), 20);
	EXPECT_EQ(pfn::per_unit_text(total, 10, "load"), "X 2/load");
}

TEST(Counters, InventoryListsWhatCountsHere)
{
	auto inv = pfn::list_countable_events();
	std::string text = pfn::format_inventory(inv);
	EXPECT_NE(text.find("default events: "), std::string::npos);
	// Whatever the inventory calls countable really starts and stops.
	for (const auto &e : inv.countable) {
		pfn::CounterSet set({e.name});
		EXPECT_FALSE(set.empty()) << e.name;
		if (&e - inv.countable.data() > 5)
			break;
	}
}

} // namespace
