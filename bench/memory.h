// Regions and chains kept between benchmarks: Google Benchmark calls a benchmark function
// several times while it sizes the iteration count, and mapping 1 GiB, filling it or
// building a random chain over it each time would dominate the run.
#pragma once

#include <cstddef>
#include <cstdint>

#include "measure/chain.h"
#include "measure/first_touch.h"
#include "memory/region.h"

namespace bench {

// Slot 0 holds chains and copy sources, slot 1 copy destinations. A slot keeps one region;
// asking for another kind or a larger size unmaps the old one first, so at most one pair
// of regions lives at a time. Throws pfn::Error / pfn::Unavailable like map_region.

// The start of spec's chain inside a region of kind of at least region_bytes, its pages
// first touched in `order`; rebuilt only when spec, order or the region changes.
void *chain(pfn::MappingKind kind, size_t region_bytes, const pfn::ChainSpec &spec,
	    pfn::FirstTouch order = pfn::FirstTouch::address);

// The mapping of the bytes the chain built last touches (pfn::chain_footprint: thrash
// spreads its pages over the whole region), read back now, with the chain's hops.
pfn::MappingReport chain_report();

// A copy source of at least bytes, filled with pfn::fill_pattern(seed) once.
const pfn::Region &source(pfn::MappingKind kind, size_t bytes, uint64_t seed);
// A copy destination of at least bytes.
const pfn::Region &destination(pfn::MappingKind kind, size_t bytes);

// A region for code that writes its own content (TLB cost builds its own chains).
const pfn::Region &scratch(pfn::MappingKind kind, size_t bytes);

// The mapping of the first bytes of a slot's region, read back now.
pfn::MappingReport report_of(int slot, size_t bytes);

// Unmaps everything.
void release();

} // namespace bench
