// What a region really got from the kernel, read back rather than assumed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "memory/phys_layout.h"

namespace pfn {

struct MappingReport {
	uint64_t bytes = 0;          // length of the range examined
	uint64_t bytes_4k = 0;       // mapped by 4 KiB PTEs
	uint64_t bytes_2m = 0;       // mapped by 2 MiB PMD leaves
	uint64_t bytes_1g = 0;       // mapped by 1 GiB PUD leaves
	uint64_t bytes_unmapped = 0; // holes (not populated)
	std::string method;          // how the page sizes were read: "pagemap-scan", "smaps", ...
	std::map<int, uint64_t> node_bytes; // NUMA node -> bytes (may be sampled)
	std::string node_method;     // "move_pages", "kdriver-walk", or why it is unknown
	std::string note;            // anything the reader must know (e.g. "whole VMA")
	PhysLayout layout;           // frames behind the range, and the chain's hops over them

	double fraction_4k() const;
	double fraction_huge() const; // 2 MiB + 1 GiB
	// The thresholds the tables use: >= 99 % huge / 0 % huge; for a column of one leaf
	// size (the three-column table, 1 GiB kinds), >= 99 % of that size.
	bool is_huge() const;
	bool is_4k() const;
	bool is_2m() const;
	bool is_1g() const;
	// "100.0% 2M, node 0 (pagemap-scan)"
	std::string summary() const;
};

void to_json(nlohmann::json &j, const MappingReport &r);
void from_json(const nlohmann::json &j, MappingReport &r);

// Adds r's bytes (page sizes, holes, nodes) into total; differing methods are joined
// with '+'. For reports of several regions measured together (parallel chases, copies).
void add_report(MappingReport &total, const MappingReport &r);

// How process memory's page sizes are read back, best first.
enum class ReportMethod {
	best,         // the first of the below that works here
	pagemap_scan, // PAGEMAP_SCAN ioctl (Linux 6.7): exact per range, present and huge
	kpageflags,   // pagemap + /proc/kpageflags (root): per page, by the folio behind it
	smaps,        // smaps: the whole VMA's totals, scaled to the range
};

// Reads back the page sizes and nodes of [addr, addr+len) of ordinary process memory
// (anonymous, THP or hugetlbfs) with `method`; throws Unavailable when a forced method
// cannot be used here.
MappingReport read_process_mapping(const void *addr, size_t len,
				   ReportMethod method = ReportMethod::best);

// Which NUMA nodes hold [addr, addr+len), by move_pages() on a sample of pages.
void fill_nodes(MappingReport &r, const void *addr, size_t len);

} // namespace pfn
