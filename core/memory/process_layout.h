// The physical layout of another process's memory, read while it waits: to see whether
// pfnbench and another benchmark (lmbench's lat_mem_rd -t, say) chase the same kind of
// layout, each figure computed as pfnbench computes its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "memory/phys_layout.h"

namespace pfn {

struct MappingLayout {
	uintptr_t start = 0, end = 0; // the mapping, as /proc/PID/maps gives it
	PhysLayout layout;            // its pages and the links between them
};

// The smallest mapping pfnbench_info --layout-of looks at: a chain's region, not the
// small mappings of libc and the heap.
constexpr size_t min_layout_mapping_bytes = size_t(1) << 20;

// Every private anonymous writable mapping of process pid of at least min_bytes, with
// its layout (layout_of) and the links its pages' first words make (count_page_links).
// Throws Error when there is no such process; Unavailable when its frames or memory
// cannot be read (not root, or not allowed to trace it).
std::vector<MappingLayout> layouts_of_process(int pid, size_t min_bytes);

void to_json(nlohmann::json &j, const MappingLayout &m);

} // namespace pfn
