// Text reporters: lmbench's lat_mem_rd output, the cover letter's comparison tables and
// the notes printed under them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "measure/result.h"
#include "measure/tlb_cost.h"

namespace pfn {

enum class TableKind {
	latency, // ns per load, three decimals
	copy,    // ms per copy, two decimals
};

// The cover-letter table exactly as published: header, dashes, one row per size
// ("64.00 148.858 ns 100.780 ns 32.3%"). A row whose mapping did not read back as its
// column says is marked " [!]" and explained in a note under the table. Rows with a 1 GiB
// column (--with A,B) make a three-column table: the same four fields, then the
// 1 GiB value and its improvement over the 4 KiB column ("... 32.3% 95.123 ns 36.1%").
std::string format_compare_table(const std::vector<CompareRow> &rows, TableKind kind);

// Per-row spread and the mappings read back, printed under the table, then the
// improvement intervals below.
std::string format_compare_details(const std::vector<CompareRow> &rows, TableKind kind);

// One line per row: its improvement and confidence interval, "not significant" when the
// interval contains 0 ("64.00 32.3% [31.9%, 32.6%]"); a three-column row gives both huge
// columns' ("64.00 with 2M: 32.3% [31.9%, 32.6%]; with 1G: 36.1% [35.8%, 36.4%]").
std::string format_improvement_intervals(const std::vector<CompareRow> &rows);

// Which region the rows of a latency table lived in and how its pages were first touched:
// "Every row was measured inside one 4096.00 MiB region per mapping, as lmbench -t 4096M
// measures: ...; pages first touched in address order."
std::string format_region_note(const std::vector<LatencyPoint> &points);

// A table to print beside the latency table: one row per (size, mapping).
//   Memory Size (MB)  Mapping  Page-local  Random  TLB cost per load
std::string format_tlb_cost_table(const std::vector<TlbCost> &rows);

// "Page walks per load (4k cost minus thp cost; MiB, ns): 64.00 12.345 ns; ...\n", one line
// per huge mapping; "" when there are no estimates.
std::string format_page_walk_note(const std::vector<PageWalkEstimate> &estimates);

// "Throughput (GB/s, ...): 1024 MiB 4k 12.34; ..." for every copy point, from its fastest
// copy.
std::string format_throughput_note(const std::vector<CopyPoint> &points);

// memcpy_test's table of one mapping: its header, then a line per copy point
// ("4.00 thp libc 0.08 ms 49.98 GB/s 0.09 ms 17.1%": fastest, throughput, median, spread).
std::string copy_table_header();
std::string copy_table_line(const CopyPoint &p);

// lmbench: the "stride=N title line, then "%.5f %.3f" (MiB, ns) per working-set size.
std::string lmbench_header(size_t stride);
std::string lmbench_line(size_t range, double ns_per_load);

// lmbench's working-set sizes: from 512 bytes up to max_bytes, about eight per octave
// past 32 KiB; sizes below the stride are skipped as lmbench does.
std::vector<size_t> lmbench_sizes(size_t max_bytes, size_t stride);

} // namespace pfn
