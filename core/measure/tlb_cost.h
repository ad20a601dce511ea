// The TLB share of load latency measured by timing alone, for machines with no PMU:
// the same bytes chased in a page-local random order (a new page only every
// window/stride loads) and in a fully random order (a new page on nearly every load).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/stats.h"
#include "measure/latency.h"
#include "measure/result.h"
#include "memory/region.h"

namespace pfn {

struct TlbCost {
	MappingKind mapping = MappingKind::page_4k;
	size_t range = 0;
	size_t window = 4096;
	LatencyPoint page_local; // few TLB misses
	LatencyPoint random;     // a TLB miss per load once range exceeds the TLB's reach
	// min(random) - min(page_local), ns per load: what the page walks cost on top.
	double ns_per_load() const;
	// The same from the medians, to judge how stable the difference is.
	double ns_per_load_median() const;
	// Share of the random chase's latency the difference accounts for, in percent.
	double pct_of_random() const;
};

// The derivation itself, kept apart so it can be checked on made-up samples.
double tlb_cost_ns(const Summary &page_local, const Summary &random);

// Chases [0, range) of region in both orders (page-local first) with measure_latency, so
// both points carry the mapping report of those bytes. cfg.chain is ignored; cfg.page is
// the page-local window, kept at 4 KiB for every mapping so that only the mapping differs
// between a 4k and a thp row. Throws Error when range does not fit the region.
TlbCost measure_tlb_cost(const Region &region, size_t range, LatencyConfig cfg);

// What the page walks of a 4 KiB mapping cost per load, from two TLB costs of the same
// range: a huge mapping's "TLB cost" is mostly what page locality does for DRAM (its pages
// fit the TLB), so the small mapping's cost minus the huge one's is the better estimate.
struct PageWalkEstimate {
	size_t range = 0;
	MappingKind without = MappingKind::page_4k; // the small-page mapping
	MappingKind with = MappingKind::thp;        // the huge one subtracted
	double ns_per_load = 0;                     // without's TLB cost minus with's
};

// One estimate per range that tlb measured on plan.without and on plan.with (then on
// plan.with_1g, when the plan has that column), in the order of plan.sizes.
std::vector<PageWalkEstimate> page_walk_estimates(const std::vector<TlbCost> &tlb,
						  const ComparePlan &plan);

void to_json(nlohmann::json &j, const TlbCost &c);
void to_json(nlohmann::json &j, const PageWalkEstimate &e);

} // namespace pfn
