#include "measure/chase.h"

#include <algorithm>

namespace pfn {

#define PFN_LOAD p = *static_cast<void *const *>(p);
#define PFN_LOAD10 PFN_LOAD PFN_LOAD PFN_LOAD PFN_LOAD PFN_LOAD \
	PFN_LOAD PFN_LOAD PFN_LOAD PFN_LOAD PFN_LOAD
#define PFN_LOAD100 PFN_LOAD10 PFN_LOAD10 PFN_LOAD10 PFN_LOAD10 PFN_LOAD10 \
	PFN_LOAD10 PFN_LOAD10 PFN_LOAD10 PFN_LOAD10 PFN_LOAD10

// Unrolled by 100 so the loop branch costs nothing next to even an L1 hit; noinline so the
// compiler cannot see the chain and hoist or fold loads.
__attribute__((noinline)) void *chase_blocks(void *p, uint64_t blocks)
{
	while (blocks--) {
		PFN_LOAD100
		asm volatile("" : "+r"(p));
	}
	return p;
}

std::vector<double> Chase::ns_per_load() const
{
	std::vector<double> out;
	out.reserve(sampler.samples_ns().size());
	for (double ns : sampler.samples_ns())
		out.push_back(ns / double(loads_per_sample()));
	return out;
}

Chase prepare_chase(void *start, const ChaseOptions &opts, const CounterPlan &counters)
{
	const uint64_t min_blocks = std::max<uint64_t>(1, (opts.min_loads + 99) / 100);
	Chase c{start, Sampler(counters, min_blocks)};
	auto body = [&c](uint64_t blocks) { c.p = chase_blocks(c.p, blocks); };
	c.sampler.warm_up(body, std::max(min_blocks, (opts.warm_loads + 99) / 100), opts.warmup_us);
	c.sampler.calibrate(body, opts.min_sample_ms);
	return c;
}

double sample_chase(Chase &c)
{
	double ns = c.sampler.sample([&c](uint64_t blocks) { c.p = chase_blocks(c.p, blocks); });
	return ns / double(c.loads_per_sample());
}

ChaseResult run_chase(void *start, const ChaseOptions &opts, const CounterPlan &counters)
{
	Chase c = prepare_chase(start, opts, counters);
	if (opts.on_start)
		opts.on_start();
	for (int r = 0; r < std::max(opts.repetitions, 1); r++)
		sample_chase(c);
	return {c.ns_per_load(), c.loads_per_sample(), c.sampler.counters(), c.p};
}

} // namespace pfn
