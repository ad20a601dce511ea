// The order a region's pages are first touched in, which decides where they land in
// physical memory: a chase over pages that follow each other physically reads up to a
// quarter faster at 4 KiB pages (DRAM rows, prefetchers) than one over scattered pages.
#pragma once

#include <optional>
#include <string_view>

#include "base/names.h"
#include "measure/chain.h"
#include "memory/mapping.h"

namespace pfn {

class Region;

enum class FirstTouch {
	// Populated in address order when the region is mapped, before the chain is built:
	// virtually adjacent pages tend to be physically adjacent, as device memory that
	// remap_pfn_range() maps is (the default).
	address,
	// As lmbench's malloc() memory: mapped empty, mapped afresh for each chain, and
	// only the pages the chain visits touched, first by the builder's writes in the
	// order the chain visits them. The frames are whatever the kernel's allocator hands
	// out then, sequential or scattered (the layout report says which); on the
	// development VM they matched lmbench's own at the same moment, where touching a
	// region that was populated first got its own freed frames back in reverse.
	chain,
};

std::string_view first_touch_name(FirstTouch order);
std::optional<FirstTouch> parse_first_touch(std::string_view name);
Choices<FirstTouch> first_touch_choices();

// "" when order can be had for memory of kind chased by chain, else why not, in one line.
std::string first_touch_refusal(FirstTouch order, MappingKind kind, ChainKind chain);
// Throws Error with first_touch_refusal()'s reason.
void check_first_touch(FirstTouch order, MappingKind kind, ChainKind chain);

// Whether a region whose pages are first touched in order is populated when mapped
// (RegionSpec::populate): in chain order it is mapped empty.
bool populate_when_mapped(FirstTouch order);

// Builds spec's chain in region (build_chain) with its pages first touched in order; with
// FirstTouch::chain the region is mapped afresh first (Region::refill) and the pages the
// chain leaves alone stay unpopulated (4 KiB pages). Throws Error where order cannot be
// had (check_first_touch).
void *lay_chain(const Region &region, const ChainSpec &spec, FirstTouch order);

} // namespace pfn
