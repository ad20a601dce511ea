// The benchmark families over the core, registered by name so plots/ can split a name
// like "chase/thrash/4k/67108864" into its parts.
#pragma once

#include <string>
#include <vector>

#include "chain.h"
#include "counters.h"
#include "first_touch.h"
#include "mapping.h"

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

// chase_overhead/l1/16384   the chase loop at L1 size: ns and cycles per load
// chase/<chain>/<mapping>/<bytes>
// copy/<kernel>/<mapping>/<bytes>
// copy_vs_libc/<kernel>/<mapping>/<bytes>   kernel and libc alternately on the same buffers
// tlb_cost/<mapping>/<bytes>   page-local vs random chase of the same bytes
// compare_latency/thrash/<without>/<with>/<bytes>   a latency table row (core compare)
// compare_copy/libc/<without>/<with>/<bytes>        a copy table row
void register_all(const Config &cfg);

} // namespace bench
