// The timed dependent-load loop, sampled by a Sampler whose unit is a block of 100 loads.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "measure/sampler.h"
#include "platform/counters.h"

namespace pfn {

struct ChaseOptions {
	int repetitions = 11;           // samples kept (lmbench TRIES)
	uint64_t min_loads = 100000;    // per sample: never fewer (timer steps are ~10 ns)
	double min_sample_ms = 5.0;     // per sample: grow the block until it takes this long
	double warmup_us = 0;           // extra warm-up time before the first sample
	uint64_t warm_loads = 0;        // untimed loads first (e.g. one pass over the chain)
	// Called after warm-up and calibration, right before the first timed sample (-P: the
	// threads start sampling together).
	std::function<void()> on_start;
};

// A chain being followed: where the chase is now, and its samples.
struct Chase {
	void *p = nullptr;
	Sampler sampler;
	uint64_t loads_per_sample() const { return sampler.units_per_sample() * 100; }
	// Every sample so far, in ns per load.
	std::vector<double> ns_per_load() const;
};

// Starts a chase at start with counters read around each timed sample: warms the chain
// up (at least one block, opts.warm_loads, opts.warmup_us) and grows the block until a
// sample lasts opts.min_sample_ms.
Chase prepare_chase(void *start, const ChaseOptions &opts, const CounterPlan &counters = {});

// One timed sample: ns per load.
double sample_chase(Chase &c);

struct ChaseResult {
	std::vector<double> ns_per_load; // one entry per sample, in run order
	uint64_t loads_per_sample = 0;
	CounterValues counters;          // totals over the timed samples
	void *end = nullptr;             // where the chase stopped (keeps the loads alive)
};

// Follows the chain from start: prepare_chase, opts.on_start, then opts.repetitions
// timed samples.
ChaseResult run_chase(void *start, const ChaseOptions &opts, const CounterPlan &counters = {});

// Follows the chain for exactly 100 * blocks loads and returns the final pointer.
void *chase_blocks(void *p, uint64_t blocks);

} // namespace pfn
