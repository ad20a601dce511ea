// What a comparison measures (which mappings, which sizes, where), and the hooks a program
// passes to follow it: shared by the latency and the copy comparisons.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "memory/mapping.h"
#include "memory/region.h"

namespace pfn {

struct ComparePlan {
	MappingKind without = MappingKind::page_4k;
	MappingKind with = MappingKind::thp;
	// A third, 1 GiB column (--with A,B); "with" is then the 2 MiB one.
	std::optional<MappingKind> with_1g;
	std::vector<size_t> sizes;
	int node = -1;
};

// Called before each measurement with (mapping, range) so programs can show progress.
using ProgressFn = std::function<void(MappingKind, size_t)>;
// Called after each size's latency point while its region is still mapped, so more can be
// measured on the same memory (TLB cost) without mapping it again.
using RegionFn = std::function<void(const Region &, size_t)>;

} // namespace pfn
