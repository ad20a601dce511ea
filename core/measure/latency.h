// Latency measurements over regions: one working-set size, an lmbench sweep, or the
// cover letter's without/with comparison.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "measure/chain.h"
#include "measure/chase.h"
#include "measure/compare_plan.h"
#include "measure/first_touch.h"
#include "measure/result.h"
#include "memory/mapping.h"
#include "memory/region.h"
#include "platform/counters.h"
#include "platform/placement.h"

namespace pfn {

struct LatencyConfig {
	ChainKind chain = ChainKind::thrash;
	size_t stride = 64;
	size_t page = 4096; // lmbench's page for -t; the window for page-local
	uint64_t seed = 1;
	ChaseOptions chase;
	// Cap on the untimed warm-up pass: a full pass over 4 GiB would take seconds.
	uint64_t max_warm_loads = 1u << 20;
	// Events counted around the timed samples, resolved once before any measuring
	// thread starts (counters.h); empty: none.
	CounterPlan counters;
	// The order the region's pages are first touched in (first_touch.h).
	FirstTouch first_touch = FirstTouch::address;
};

// Builds the chain for `range` inside region, chases it, and reads back the mapping of
// the bytes the chain touches.
LatencyPoint measure_latency(const Region &region, size_t range, const LatencyConfig &cfg);

// lmbench -P: one chase per region, each on its own thread pinned to its placement, timed
// together (the samples start at a common barrier). The point's samples are the mean over
// the threads of each sample; its report adds up all the regions' reports; its counters are
// the threads' sums, and thread_counters keeps each thread's own (cfg.counters was
// resolved before the threads start; each builds its own CounterSet from it).
LatencyPoint measure_latency_parallel(const std::vector<const Region *> &regions,
				      const std::vector<Placement> &placements, size_t range,
				      const LatencyConfig &cfg);

// The same working set in two regions, sampled alternately (re-warming small sets before
// each sample) so that both columns of a comparison see the same machine.
std::pair<LatencyPoint, LatencyPoint> measure_latency_pair(const Region &a, const Region &b,
							   size_t range, const LatencyConfig &cfg);
// The same for any number of regions: each repetition samples them all, starting from the
// next one each time. One point per region, in order.
std::vector<LatencyPoint> measure_latency_columns(const std::vector<const Region *> &regions,
						  size_t range, const LatencyConfig &cfg);

// Brings one column of a comparison back to the state a lone run of it samples in, before
// each of its timed samples: the other column's samples evicted its lines and page-table
// lines. Chases the chain untimed from p: a chain that fits the caches whole, else one pass
// over its pages (a thrash chain visits each page once in range / page loads), at least
// enough loads to refill the caches. Returns where the chase stopped.
void *restore_steady_state(void *p, const ChainSpec &spec);

// Each size without and with huge mappings (and with 1 GiB ones, if the plan has that
// column). Like lmbench, one region per mapping sized for the largest working set holds
// every smaller one. The regions are mapped together and sampled alternately when there is
// room for all (check_regions_fit, or the driver: NoRoom), else one after the other. The
// 1 GiB column's region is mapped (or checked) first, so that a missing 1 GiB pool or
// device range stops the run before anything is measured. Every point is appended to
// points.
std::vector<CompareRow> compare_latency(const ComparePlan &plan, const LatencyConfig &cfg,
					std::vector<LatencyPoint> &points,
					const ProgressFn &progress = {}, const RegionFn &also = {});

// Pairs points measured on two mappings into table rows, checking each column's mapping;
// with a third list of points, three-column rows.
std::vector<CompareRow> rows_from_points(const std::vector<LatencyPoint> &without,
					 const std::vector<LatencyPoint> &with,
					 const std::vector<LatencyPoint> *with_1g = nullptr);

} // namespace pfn
