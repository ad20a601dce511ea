// The comparison lat_mem_rd --compare and memcpy_test --compare print, written once:
// placement, backend, plan, progress, the measurement, the cover-letter table with its
// details and notes, --table, --json and the verdict. The two differ only in what they
// measure (latency.h, copy.h) and note under the table.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "measure/copy.h"
#include "measure/latency.h"
#include "memory/mapping.h"

namespace pfn {

// What the command line asks of a comparison.
struct CompareRequest {
	std::string_view tool;                    // names the program in its output and JSON
	std::optional<int> cpu, node;
	std::optional<MappingKind> without, with; // either given: no backend is probed
	std::optional<MappingKind> with_1g;       // a third, 1 GiB column
	std::optional<std::string> backend;       // probe only this candidate
	std::vector<size_t> sizes;
	std::string table_path, json_path;        // --table, --json; "" for none
};

// The latency table (ns per load); with tlb_cost also each region's TLB cost by timing
// at every size, and what page walks cost per load. Returns the exit code; throws as the
// core does (program.h turns that into one line).
int run_latency_compare(const CompareRequest &req, const LatencyConfig &cfg, bool tlb_cost,
			int argc, char **argv);

// The copy table (ms per copy of each size, source and destination of one mapping).
int run_copy_compare(const CompareRequest &req, const CopyConfig &cfg, int argc, char **argv);

} // namespace pfn
