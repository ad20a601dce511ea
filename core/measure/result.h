// Result records: every sample, the mapping report it was measured on, and counters.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/stats.h"
#include "measure/chain.h"
#include "measure/first_touch.h"
#include "measure/improvement.h"
#include "memory/mapping.h"
#include "memory/mapping_report.h"
#include "platform/counters.h"

namespace pfn {

struct LatencyPoint {
	MappingKind mapping = MappingKind::page_4k;
	ChainKind chain = ChainKind::thrash;
	size_t range = 0;  // working set, bytes
	size_t region = 0; // bytes of the region the chain was built in (lmbench: its size)
	size_t stride = 64;
	FirstTouch first_touch = FirstTouch::address;
	MappingReport report; // of the bytes the chain visits
	std::vector<double> samples_ns; // ns per load, one per sample
	uint64_t loads_per_sample = 0;
	CounterValues counters;  // totals over all samples (and all threads of a -P point)
	std::vector<ThreadCounters> thread_counters; // -P with counters: one per chase
	Summary summary() const;
	// The timed loads counters were read around: every sample's, of every chase thread.
	double timed_loads() const;
};

struct CopyPoint {
	MappingKind mapping = MappingKind::page_4k;
	std::string kernel = "libc";
	size_t bytes = 0;
	MappingReport src_report, dst_report;
	std::vector<double> samples_ms; // one copy of `bytes` per sample
	CounterValues counters;
	Summary summary() const;
	double gb_per_s() const; // from the minimum time, 1 GB = 1e9 bytes
};

// The 1 GiB column of a three-column row (lat_mem_rd or memcpy_test --compare --with A,B).
struct GibColumn {
	MappingKind mapping = MappingKind::hugetlb_1g;
	double value = 0; // minimum of samples, as "with"
	Summary summary;
	MappingReport report;
	// How sure improvement_1g_pct() is: the 4 KiB column's samples against this column's.
	ImprovementInterval improvement_ci;
};

// One row of a cover-letter table: "without" is the 4 KiB column, "with" the huge one.
// A three-column row adds a 1 GiB column, and "with" is then the 2 MiB column.
struct CompareRow {
	size_t bytes = 0;
	MappingKind without_mapping = MappingKind::page_4k, with_mapping = MappingKind::thp;
	double without = 0, with = 0;     // ns per load, or ms per copy (minimum of samples)
	Summary without_summary, with_summary;
	MappingReport without_report, with_report;
	// How sure improvement_pct() is, from both columns' samples (improvement.h).
	ImprovementInterval improvement_ci;
	std::optional<GibColumn> with_1g;
	// Set when a report does not match its column; the table marks the row and says why.
	std::string mismatch;
	double improvement_pct() const;        // of the minima, as the table prints it
	double median_improvement_pct() const; // the same formula on the medians
	double improvement_1g_pct() const;     // of the minima, 4 KiB against 1 GiB
};

void to_json(nlohmann::json &j, const CounterValues &c);
void to_json(nlohmann::json &j, const ThreadCounters &t);
void to_json(nlohmann::json &j, const LatencyPoint &p);
void to_json(nlohmann::json &j, const CopyPoint &p);
void to_json(nlohmann::json &j, const CompareRow &r);

// One column of a row: its mapping, its kept samples and the report of what it ran on.
struct CompareColumn {
	MappingKind mapping = MappingKind::page_4k;
	const std::vector<double> &samples;
	MappingReport report;
};

// A table row from each column: the minimum of the samples is what the table prints, the
// interval is bootstrapped from the samples, and the reports are checked against the
// columns.
CompareRow make_compare_row(size_t bytes, CompareColumn without, CompareColumn with,
			    const BootstrapSpec &bootstrap = {});
// The same with a 1 GiB column: "with" must read back as 2 MiB leaves, with_1g as 1 GiB;
// the 1 GiB column's interval is bootstrapped against the 4 KiB column with the same spec.
CompareRow make_compare_row(size_t bytes, CompareColumn without, CompareColumn with,
			    CompareColumn with_1g, const BootstrapSpec &bootstrap = {});

// Throws Error counting the rows whose mapping did not match their column (after the
// table, marked [!], has been printed): the run could not do what was asked.
void require_verified(const std::vector<CompareRow> &rows);

// Fills mismatch for a row from its two reports ("" when both match their columns).
std::string check_columns(const MappingReport &without, const MappingReport &with);
// The same for a three-column row: 4 KiB, 2 MiB and 1 GiB leaves.
std::string check_columns(const MappingReport &without, const MappingReport &with_2m,
			  const MappingReport &with_1g);

} // namespace pfn
