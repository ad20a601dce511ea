// The timed dependent-load loop.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace pfn {

struct ChaseOptions {
	int repetitions = 11;           // samples kept (lmbench TRIES)
	uint64_t min_loads = 100000;    // per sample: never fewer (timer steps are ~10 ns)
	double min_sample_ms = 5.0;     // per sample: grow the block until it takes this long
	double warmup_us = 0;           // extra warm-up time before the first sample
	uint64_t warm_loads = 0;        // untimed loads first (e.g. one pass over the chain)
	// Called right before the first and after the last timed sample (counters).
	std::function<void()> on_start, on_stop;
};

struct ChaseResult {
	std::vector<double> ns_per_load; // one entry per sample, in run order
	uint64_t loads_per_sample = 0;
	void *end = nullptr;             // where the chase stopped (keeps the loads alive)
};

// A chain warmed up and calibrated, ready for timed samples.
struct Chase {
	void *p;         // where the chase is now
	uint64_t blocks; // 100 loads each per sample
	uint64_t loads_per_sample() const { return blocks * 100; }
};

// Warms the chain up (at least one block, opts.warm_loads, opts.warmup_us) and grows the
// block until a sample lasts opts.min_sample_ms.
Chase prepare_chase(void *start, const ChaseOptions &opts);

// One timed sample: ns per load.
double sample_chase(Chase &c);

// Follows the chain from start: warms it up (at least one block), calibrates the block
// size, then takes opts.repetitions timed samples.
ChaseResult run_chase(void *start, const ChaseOptions &opts);

// Follows the chain for exactly 100 * blocks loads and returns the final pointer.
void *chase_blocks(void *p, uint64_t blocks);

} // namespace pfn
