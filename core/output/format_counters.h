// Counters as text: the inventory of what this machine counts, the one line saying what it
// cannot, and counts per load or per copied byte under a table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "measure/result.h"
#include "platform/counters.h"

namespace pfn {

// "countable events:" (name, source, description), "not countable here:", "default
// events: ..." (--list-counters, pfnbench info).
std::string format_inventory(const CounterInventory &inv);

// "counters unavailable: PAPI_TLB_DM, PAPI_TOT_CYC: <reason>" grouped by reason, or ""
// when everything asked for was counted. Meant to be printed once per run.
std::string unavailable_line(const CounterValues &c);

// "PAPI_TLB_DM 0.98/load, PAPI_TOT_CYC 520.1/load" for units (loads, bytes...) or ""
// when nothing was counted.
std::string per_unit_text(const CounterValues &c, double units, std::string_view unit);

// One measured point's counts, labelled ("64 MiB 4k"), with how many units (loads,
// bytes) they were counted over.
struct CounterNote {
	std::string label;
	CounterValues counters;
	double units = 0;
};

// "Counters per <unit>:" and a line per point that counted something, then the one
// "counters unavailable: ..." line for everything that could not be counted; "" if none.
std::string format_counter_notes(const std::vector<CounterNote> &notes, std::string_view unit);

// The same for latency points, per load ("64 MiB 4k thrash"; with -P a line per chase,
// "1 MiB 4k stride, CPU 1"), and for copy points, per copied byte ("64 MiB 4k libc").
std::string format_counter_notes(const std::vector<LatencyPoint> &points);
std::string format_counter_notes(const std::vector<CopyPoint> &points);

} // namespace pfn
