// Pointer chains laid out inside a region: each visited line holds the address of the
// next one, so a chase is a sequence of dependent loads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/names.h"

namespace pfn {

enum class ChainKind {
	stride,     // lmbench's default: forward ring, line i -> line i+1
	thrash,     // lmbench -t: pages in random order, one line per page per pass
	random,     // one random cycle over every line of the range (Sattolo)
	page_local, // random inside each window, windows in random order (few TLB misses)
};

std::string_view chain_name(ChainKind kind);
std::optional<ChainKind> parse_chain(std::string_view name);
Choices<ChainKind> chain_choices();

struct ChainSpec {
	ChainKind kind = ChainKind::thrash;
	size_t range = 0;     // bytes of the working set
	size_t stride = 64;   // bytes between visited lines (the "line")
	size_t page = 4096;   // page / window size for thrash and page_local
	uint64_t seed = 1;
};

// Writes the chain for spec into base[0, region_len) and returns the first element.
// thrash, like lmbench, draws its pages from the whole region, so a small range is spread
// over region_len. Uses O(pages) extra memory at most, never O(lines).
// Throws Error when range/stride/page are inconsistent with each other or the region.
void *build_chain(std::byte *base, size_t region_len, const ChainSpec &spec);

// Whether build_chain() writes the lines of a chain of this kind in the order the chain
// visits them, so that in fresh memory its pages are first touched in chain order:
// stride, thrash and page-local do; random's Sattolo pass numbers every line in address
// order first.
bool builds_in_chain_order(ChainKind kind);

// Throws Error unless stride can hold a pointer in every line (a multiple of 8 bytes).
void check_stride(size_t stride);

// Number of elements the chain for spec visits before it repeats.
size_t chain_length(const ChainSpec &spec);

} // namespace pfn

namespace pfn {
// Bytes of the region the chain touches: thrash spreads its pages over the whole region.
size_t chain_footprint(const ChainSpec &spec, size_t region_len);
} // namespace pfn
