// Counters: the available and the unavailable path, asserted by behaviour (a fresh page
// faults once when first touched), never by a timing.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <algorithm>
#include <barrier>
#include <cstring>
#include <set>
#include <thread>

#include "base/error.h"
#include "output/format_counters.h"
#include "platform/counters.h"

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
	pfn::CounterSet set(pfn::CounterPlan({"perf::PAGE-FAULTS"}));
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
	pfn::CounterSet set(pfn::CounterPlan({"PFN_NO_SUCH_EVENT", "perf::TASK-CLOCK"}));
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
	pfn::CounterSet set{pfn::CounterPlan(events)};
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

// The default and the plan decide "countable" the same way: each default is the first
// candidate a plan counts, or, when none does (no PMU: TCG, most VMs), the list's PAPI
// preset, which the plan then explains. So a default never names an event that the run
// reports as missing while another candidate of its list would have counted (on an Intel
// model without a PMU the native names resolve in the tables and still cannot count).
TEST(Counters, DefaultsAreWhatAPlanCounts)
{
	const auto &lists = pfn::default_event_candidates();
	const auto defaults = pfn::default_counter_events();
	ASSERT_EQ(defaults.size(), lists.size());
	for (size_t i = 0; i < lists.size(); i++) {
		SCOPED_TRACE(defaults[i]);
		std::string first_counted;
		for (const auto &name : lists[i])
			if (pfn::CounterPlan({name}).unavailable().empty()) {
				first_counted = name;
				break;
			}
		EXPECT_EQ(defaults[i], first_counted.empty() ? lists[i].front() : first_counted);
		pfn::CounterPlan plan({defaults[i]});
		EXPECT_EQ(plan.countable().empty(), first_counted.empty());
		if (first_counted.empty()) {
			ASSERT_EQ(plan.unavailable().count(defaults[i]), 1u);
			EXPECT_FALSE(plan.unavailable().at(defaults[i]).empty());
		}
	}
}

// lat_mem_rd -P: the plan is resolved on this thread, then several threads each build a
// CounterSet from it at once and count themselves. The Intel TLB event is asked for by
// name on every machine: it is a native name PAPI looks up in every active component,
// which on a thread PAPI has not registered crashed inside PAPI_event_name_to_code. Each
// thread touches its own number of fresh pages while all the others touch theirs (both
// barriers are inside every window), so a count that is not the thread's own shows.
TEST(Counters, EachThreadCountsItselfFromOnePlan)
{
	std::vector<std::string> events = pfn::default_counter_events();
	for (const char *e : {"perf::PAGE-FAULTS", "DTLB_LOAD_MISSES:WALK_COMPLETED"})
		events.push_back(e);
	const pfn::CounterPlan plan(events);
	constexpr size_t threads = 4, step = 256;
	// Twice: the second round's threads reuse the first round's pthread ids.
	for (int round = 0; round < 2; round++) {
		std::vector<pfn::CounterValues> got(threads);
		std::vector<std::string> counting(threads);
		std::barrier built{std::ptrdiff_t(threads)}, touched{std::ptrdiff_t(threads)};
		std::vector<std::thread> pool;
		for (size_t i = 0; i < threads; i++)
			pool.emplace_back([&, i] {
				Fresh mem(step * (i + 1));
				pfn::CounterSet set(plan);
				for (const auto &name : set.counting())
					counting[i] += name + ",";
				built.arrive_and_wait();
				set.start();
				mem.touch();
				touched.arrive_and_wait();
				got[i] = set.stop();
			});
		for (auto &t : pool)
			t.join();
		for (size_t i = 0; i < threads; i++) {
			SCOPED_TRACE("round " + std::to_string(round) + ", thread " + std::to_string(i));
			// What the plan said counts is what every thread counts.
			std::string planned;
			for (const auto &name : plan.countable())
				planned += name + ",";
			EXPECT_EQ(counting[i], planned);
			for (const auto &e : events) {
				bool counted = got[i].values.count(e) > 0;
				bool explained = got[i].unavailable.count(e) > 0;
				EXPECT_NE(counted, explained) << e;
				if (explained) {
					EXPECT_FALSE(got[i].unavailable.at(e).empty()) << e;
				}
			}
			if (!got[i].values.count("perf::PAGE-FAULTS"))
				continue;
			long long faults = got[i].values.at("perf::PAGE-FAULTS");
			EXPECT_GE(faults, static_cast<long long>(step * (i + 1)));
			// A count of the whole process would hold every thread's pages.
			EXPECT_LT(faults, static_cast<long long>(step * threads * (threads + 1) / 2));
		}
	}
	// Page faults are a kernel software event: this machine counts them unless
	// perf_event_open is forbidden, and then the plan says why.
	if (plan.unavailable().count("perf::PAGE-FAULTS")) {
		EXPECT_FALSE(plan.unavailable().at("perf::PAGE-FAULTS").empty());
	}
}

// The plan and the sets built from it make one decision: an event the plan cannot count
// is reported by every set with the plan's reason, and nothing else is dropped.
TEST(Counters, SetsReportThePlansReasons)
{
	const pfn::CounterPlan plan({"PFN_NO_SUCH_EVENT", "perf::TASK-CLOCK"});
	ASSERT_EQ(plan.unavailable().count("PFN_NO_SUCH_EVENT"), 1u);
	std::string reason;
	std::thread([&] {
		pfn::CounterSet set(plan);
		reason = set.unavailable().at("PFN_NO_SUCH_EVENT");
	}).join();
	EXPECT_EQ(reason, plan.unavailable().at("PFN_NO_SUCH_EVENT"));
	EXPECT_TRUE(pfn::CounterPlan().empty());
	EXPECT_FALSE(plan.empty());
}

TEST(Counters, StopWithoutStartIsAnError)
{
	pfn::CounterSet set(pfn::CounterPlan({"perf::TASK-CLOCK"}));
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

// The inventory and a plan make the same decision: an event listed as countable starts,
// stops and gives a count (the first of each source is tried), and the kernel's software
// events, which count wherever perf_event_open is allowed, are listed exactly when a plan
// counts them.
TEST(Counters, InventoryListsWhatCountsHere)
{
	auto inv = pfn::list_countable_events();
	std::string text = pfn::format_inventory(inv);
	EXPECT_NE(text.find("default events: "), std::string::npos);
	std::set<std::string> sources;
	for (const auto &e : inv.countable) {
		if (!sources.insert(e.source).second)
			continue;
		SCOPED_TRACE(e.name + " (" + e.source + ")");
		pfn::CounterSet set(pfn::CounterPlan({e.name}));
		ASSERT_EQ(set.counting(), std::vector<std::string>{e.name});
		set.start();
		pfn::CounterValues c = set.stop();
		EXPECT_EQ(c.values.count(e.name), 1u);
		EXPECT_TRUE(c.unavailable.empty());
	}
	auto listed = [&](const std::string &name) {
		return std::ranges::any_of(inv.countable, [&](const auto &e) { return e.name == name; });
	};
	for (const char *name : {"perf::TASK-CLOCK", "perf::PAGE-FAULTS"}) {
		pfn::CounterPlan plan({name});
		EXPECT_EQ(listed(name), plan.unavailable().empty()) << name;
	}
	EXPECT_FALSE(listed("PFN_NO_SUCH_EVENT"));
}

} // namespace
