// The sampler behind the chase, the copy and the Google Benchmark families: warm-up runs
// untimed before any sample, calibration grows the units until a sample lasts long
// enough, every sample is kept, and the counters are read around the timed part only.
// A stand-in clock that the stand-in body advances makes the timing exact, so the test
// checks the sampler's decisions, not the machine's speed.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "fault_pages.h"
#include "measure/sampler.h"
#include "platform/counters.h"

namespace {

constexpr uint64_t ns_per_unit = 1000;
uint64_t fake_now = 0;
uint64_t fake_clock() { return fake_now; }

// Each call of the body: how many units, and whether a sample was being timed.
struct Call {
	uint64_t units;
	bool in_sample;
};

struct StandIn {
	std::vector<Call> calls;
	bool in_sample = false;
	pfn::SampleBody body()
	{
		return [this](uint64_t units) {
			calls.push_back({units, in_sample});
			fake_now += units * ns_per_unit;
		};
	}
};

TEST(Sampler, WarmUpRunsUntimedBeforeAnySample)
{
	StandIn w;
	pfn::Sampler s({}, 3, fake_clock);
	s.warm_up(w.body(), 5);
	ASSERT_EQ(w.calls.size(), 1u);
	EXPECT_EQ(w.calls[0].units, 5u);
	// With a time as well: then samples' worth of units until that time has passed.
	s.warm_up(w.body(), 0, 10.0); // 10 us = 10 units of 1 us, 3 per call
	ASSERT_EQ(w.calls.size(), 1u + 4u);
	for (size_t i = 1; i < w.calls.size(); i++)
		EXPECT_EQ(w.calls[i].units, 3u);
	EXPECT_TRUE(s.samples_ns().empty()) << "warm-up is not a sample";
	EXPECT_EQ(s.units_per_sample(), 3u) << "warm-up is not calibration";
}

TEST(Sampler, CalibrationGrowsTheUnitsUntilASampleLastsLongEnough)
{
	StandIn w;
	pfn::Sampler s({}, 1, fake_clock);
	s.calibrate(w.body(), 1.0); // 1 ms: 1000 units of 1 us
	ASSERT_GE(w.calls.size(), 2u);
	for (size_t i = 0; i + 1 < w.calls.size(); i++) {
		EXPECT_LT(w.calls[i].units, w.calls[i + 1].units) << i;
		EXPECT_LT(w.calls[i].units * ns_per_unit, 1000000u) << "stopped late at " << i;
	}
	EXPECT_GE(w.calls.back().units * ns_per_unit, 1000000u);
	EXPECT_EQ(s.units_per_sample(), w.calls.back().units);
	EXPECT_TRUE(s.samples_ns().empty()) << "calibration runs are not samples";

	// No target: the units stay, and nothing runs.
	w.calls.clear();
	pfn::Sampler fixed({}, 7, fake_clock);
	fixed.calibrate(w.body(), 0);
	EXPECT_EQ(fixed.units_per_sample(), 7u);
	EXPECT_TRUE(w.calls.empty());
}

TEST(Sampler, EverySampleIsKeptAndTimesOnlyItsUnits)
{
	StandIn w;
	pfn::Sampler s({}, 4, fake_clock);
	s.warm_up(w.body(), 2);
	for (int i = 0; i < 5; i++) {
		w.in_sample = true;
		EXPECT_DOUBLE_EQ(s.sample(w.body()), 4.0 * ns_per_unit);
		w.in_sample = false;
		fake_now += 12345; // time between samples is no sample's
	}
	ASSERT_EQ(s.samples_ns().size(), 5u);
	for (double ns : s.samples_ns())
		EXPECT_DOUBLE_EQ(ns, 4.0 * ns_per_unit);
	ASSERT_EQ(w.calls.size(), 1u + 5u);
	EXPECT_FALSE(w.calls[0].in_sample);
	for (size_t i = 1; i < w.calls.size(); i++)
		EXPECT_EQ(w.calls[i].units, 4u);
	EXPECT_TRUE(s.counters().values.empty());
	EXPECT_TRUE(s.counters().unavailable.empty()) << "no counters asked for";
}

TEST(Sampler, CountersAreReadAroundTheTimedSamplesOnly)
{
	pfn::CounterPlan plan({"perf::PAGE-FAULTS", "PFN_NO_SUCH_EVENT"});
	pfn::Sampler s(plan);
	// Before any sample the reasons are already there.
	EXPECT_EQ(s.counters().unavailable.count("PFN_NO_SUCH_EVENT"), 1u);
	constexpr size_t untimed_faults = 256;
	s.warm_up([](uint64_t) { fault_fresh_pages(untimed_faults); }, 1);
	const pfn::SampleBody one_fault = [](uint64_t) { fault_fresh_pages(1); };
	for (int i = 0; i < 3; i++) {
		s.sample(one_fault);
		fault_fresh_pages(untimed_faults); // between samples: not counted
	}
	pfn::CounterValues c = s.counters();
	EXPECT_EQ(c.unavailable.count("PFN_NO_SUCH_EVENT"), 1u);
	if (plan.countable().empty())
		GTEST_SKIP() << "perf::PAGE-FAULTS cannot be counted here: "
			     << plan.unavailable().at("perf::PAGE-FAULTS");
	ASSERT_EQ(c.values.count("perf::PAGE-FAULTS"), 1u);
	EXPECT_GE(c.values.at("perf::PAGE-FAULTS"), 3);
	EXPECT_LT(c.values.at("perf::PAGE-FAULTS"), static_cast<long long>(untimed_faults));
}

} // namespace
