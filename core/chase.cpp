#include "chase.h"

#include <algorithm>
#include <cmath>

#include "timer.h"

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

Chase prepare_chase(void *start, const ChaseOptions &opts)
{
	Chase c{start, std::max<uint64_t>(1, (opts.min_loads + 99) / 100)};

	// Warm up: at least the requested loads, then keep going for warmup_us.
	c.p = chase_blocks(c.p, std::max<uint64_t>(c.blocks, (opts.warm_loads + 99) / 100));
	if (opts.warmup_us > 0) {
		uint64_t until = now_ns() + uint64_t(opts.warmup_us * 1000);
		while (now_ns() < until)
			c.p = chase_blocks(c.p, c.blocks);
	}

	// Grow the block until one sample lasts min_sample_ms; these runs are not kept.
	const double min_ns = opts.min_sample_ms * 1e6;
	for (int i = 0; i < 40; i++) {
		uint64_t t0 = now_ns();
		c.p = chase_blocks(c.p, c.blocks);
		double took = double(now_ns() - t0);
		if (took >= min_ns)
			break;
		double scale = took > 0 ? std::min(16.0, 1.2 * min_ns / took) : 16.0;
		c.blocks = uint64_t(std::ceil(double(c.blocks) * std::max(scale, 1.25)));
	}
	return c;
}

double sample_chase(Chase &c)
{
	uint64_t t0 = now_ns();
	c.p = chase_blocks(c.p, c.blocks);
	uint64_t t1 = now_ns();
	return double(t1 - t0) / double(c.loads_per_sample());
}

ChaseResult run_chase(void *start, const ChaseOptions &opts)
{
	Chase c = prepare_chase(start, opts);
	ChaseResult res;
	res.loads_per_sample = c.loads_per_sample();
	res.ns_per_load.reserve(size_t(std::max(opts.repetitions, 1)));
	if (opts.on_start)
		opts.on_start();
	for (int r = 0; r < std::max(opts.repetitions, 1); r++)
		res.ns_per_load.push_back(sample_chase(c));
	if (opts.on_stop)
		opts.on_stop();
	res.end = c.p;
	return res;
}

} // namespace pfn
