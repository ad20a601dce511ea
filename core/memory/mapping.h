// The kinds of memory mapping a region can be asked for.
#pragma once

#include <optional>
#include <string_view>

#include "base/names.h"

namespace pfn {

enum class MappingKind {
	page_4k,      // process memory, MADV_NOHUGEPAGE
	thp,          // process memory, 2 MiB aligned, MADV_HUGEPAGE
	hugetlb_2m,   // MAP_HUGETLB | MAP_HUGE_2MB
	hugetlb_1g,   // MAP_HUGETLB | MAP_HUGE_1GB
	device_pte,   // kdriver, forced 4 KiB PTEs
	device_remap, // kdriver, remap_pfn_range() in 2 MiB steps, no fault handler
	device_fault, // kdriver, huge_fault + vmf_insert_pfn_pmd()
	device_fault_1g, // kdriver, huge_fault + vmf_insert_pfn_pud(), reserved range's GiBs
};

// Command-line names: 4k thp hugetlb (or hugetlb-2m) hugetlb-1g device-pte device-remap
// device-fault device-fault-1g.
std::string_view mapping_name(MappingKind kind);
std::optional<MappingKind> parse_mapping(std::string_view name);
Choices<MappingKind> mapping_choices();

bool is_device(MappingKind kind);
// hugetlbfs pages (2 MiB or 1 GiB), from the pool rather than the page allocator.
bool is_hugetlb(MappingKind kind);
// True for kinds that are meant to be mapped with 2 MiB or 1 GiB leaves.
bool wants_huge(MappingKind kind);
// True for kinds that are meant to be mapped with 1 GiB leaves only (hugetlb-1g,
// device-fault-1g): they read back as huge only if their leaves are 1 GiB ones.
bool wants_1g(MappingKind kind);

// Whether a region of this kind that did not read back as wants_huge() says has failed.
// device-remap promises nothing: its leaves are what remap_pfn_range() gives on the
// running kernel (PTEs without the series), which is exactly what it is there to measure.
bool promises_shape(MappingKind kind);

// "" when report matches what kind promises, else "asked for thp but ..." for a warning.
struct MappingReport;
std::string shape_mismatch(MappingKind kind, const MappingReport &report);

} // namespace pfn
