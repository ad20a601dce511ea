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

ChaseResult run_chase(void *start, const ChaseOptions &opts)
{
	ChaseResult res;
	void *p = start;
	uint64_t blocks = std::max<uint64_t>(1, (opts.min_loads + 99) / 100);

	// Warm up: at least the requested loads, then keep going for warmup_us.
	p = chase_blocks(p, std::max<uint64_t>(blocks, (opts.warm_loads + 99) / 100));
	if (opts.warmup_us > 0) {
		uint64_t until = now_ns() + uint64_t(opts.warmup_us * 1000);
		while (now_ns() < until)
			p = chase_blocks(p, blocks);
	}

	// Grow the block until one sample lasts min_sample_ms; these runs are not kept.
	const double min_ns = opts.min_sample_ms * 1e6;
	for (int i = 0; i < 40; i++) {
		uint64_t t0 = now_ns();
		p = chase_blocks(p, blocks);
		double took = double(now_ns() - t0);
		if (took >= min_ns)
			break;
		double scale = took > 0 ? std::min(16.0, 1.2 * min_ns / took) : 16.0;
		blocks = uint64_t(std::ceil(double(blocks) * std::max(scale, 1.25)));
	}

	res.loads_per_sample = blocks * 100;
	res.ns_per_load.reserve(size_t(std::max(opts.repetitions, 1)));
	if (opts.on_start)
		opts.on_start();
	for (int r = 0; r < std::max(opts.repetitions, 1); r++) {
		uint64_t t0 = now_ns();
		p = chase_blocks(p, blocks);
		uint64_t t1 = now_ns();
		res.ns_per_load.push_back(double(t1 - t0) / double(res.loads_per_sample));
	}
	if (opts.on_stop)
		opts.on_stop();
	res.end = p;
	return res;
}

} // namespace pfn
