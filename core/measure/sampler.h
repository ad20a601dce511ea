// The one way a timed part is sampled, for the chase, the copy and the Google Benchmark
// families: untimed warm-up, calibration to a minimum sample time, then timed samples,
// each with the counters started right before it and stopped right after it, so nothing
// but the timed part (no warm-up, calibration or bookkeeping between samples) is counted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/timer.h"
#include "platform/counters.h"

namespace pfn {

// The timed work: runs `units` units of it (a block of 100 loads, one whole copy).
using SampleBody = std::function<void(uint64_t units)>;

// Reads the time in ns; now_ns() unless a test drives the calibration with its own.
using SampleClock = uint64_t (*)();

// Built, used and destroyed on the thread that runs the body (its CounterSet counts that
// thread). Units per sample start at `units`; calibrate() may grow them.
class Sampler {
public:
	explicit Sampler(const CounterPlan &counters = {}, uint64_t units = 1,
			 SampleClock clock = now_ns);
	~Sampler();
	Sampler(Sampler &&) noexcept;
	Sampler &operator=(Sampler &&) noexcept;

	// Untimed: body(units) once (none when 0), then samples' worth of units until
	// `us` microseconds have passed.
	void warm_up(const SampleBody &body, uint64_t units, double us = 0);
	// Untimed: grows the units per sample until one sample lasts min_ms (at most 40
	// tries; at once done when min_ms <= 0).
	void calibrate(const SampleBody &body, double min_ms);
	// One timed sample of units_per_sample() units with the counters around it only.
	// Returns its ns and keeps it.
	double sample(const SampleBody &body);

	uint64_t units_per_sample() const { return units_; }
	// Every sample's ns, in the order taken.
	const std::vector<double> &samples_ns() const { return samples_; }
	// Totals over the samples taken, with every asked event that could not be counted
	// and why; empty when no counters were asked for.
	CounterValues counters() const;

private:
	uint64_t units_;
	SampleClock clock_;
	std::vector<double> samples_;
	std::unique_ptr<CounterSet> set_; // null: no counters asked for
	CounterValues counted_;
};

} // namespace pfn
