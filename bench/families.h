// The benchmark families over the core. Every part of a name is key:value, sizes being
// Google Benchmark's argument "bytes" ("chase/chain:thrash/mapping:4k/bytes:67108864"), so
// plots/ reads each part by its key.
#pragma once

#include <string>
#include <vector>

#include "measure/chain.h"
#include "measure/first_touch.h"
#include "memory/mapping.h"
#include "platform/counters.h"

namespace bench {

struct Config {
	// What to register; the defaults are the command line's (bench/main.cpp).
	std::vector<pfn::MappingKind> mappings;
	std::vector<pfn::ChainKind> chains;
	std::vector<size_t> chase_sizes, copy_sizes, tlb_sizes;
	pfn::FirstTouch first_touch = pfn::FirstTouch::address; // for chase/
	std::vector<std::string> kernels;  // copy kernels this CPU runs
	pfn::CounterPlan counters;         // events read around each benchmark's loop
	double tsc_ghz = 0;                // nominal clock (TSC)
	double core_ghz = 0;               // measured core clock, for cycles per load
};

// chase_overhead/chain:random/mapping:4k/bytes:16384   the chase loop in L1: ns and cycles
//                                                     per load
// chase/chain:<chain>/mapping:<mapping>/bytes:<bytes>
// copy/kernel:<kernel>/mapping:<mapping>/bytes:<bytes>
// copy_vs_libc/kernel:<kernel>/mapping:<mapping>/bytes:<bytes>   kernel and libc alternately
//                                                                on the same buffers
// tlb_cost/mapping:<mapping>/bytes:<bytes>   page-local vs random chase of the same bytes
// compare_latency/chain:thrash/without:<mapping>/with:<mapping>/bytes:<bytes>
//                                              a latency table row (core compare)
// compare_copy/kernel:libc/without:<mapping>/with:<mapping>/bytes:<bytes>   a copy table row
// steady_state/chain:thrash/without:<mapping>/with:<mapping>/bytes:<bytes>
//                                              each column's sample after the other's against
//                                              its next one after itself (bench/README.md)
// Google Benchmark adds its own parts: /iterations:1 (tlb_cost, compare_*, steady_state), /manual_time (chase/,
// copy/: timed by their iterations) or /real_time.
void register_all(const Config &cfg);

} // namespace bench
