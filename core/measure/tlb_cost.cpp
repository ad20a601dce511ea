#include "measure/tlb_cost.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/size.h"
#include "measure/chain.h"

namespace pfn {

double tlb_cost_ns(const Summary &page_local, const Summary &random)
{
	// Minimum against minimum: the least-disturbed sample of each order, as the latency
	// tables use. Not clamped at zero: a negative cost means noise and should show.
	return random.min - page_local.min;
}

double TlbCost::ns_per_load() const { return tlb_cost_ns(page_local.summary(), random.summary()); }

double TlbCost::ns_per_load_median() const
{
	return random.summary().median - page_local.summary().median;
}

double TlbCost::pct_of_random() const
{
	double r = random.summary().min;
	return r > 0 ? ns_per_load() / r * 100.0 : 0.0;
}

TlbCost measure_tlb_cost(const Region &region, size_t range, LatencyConfig cfg)
{
	if (range == 0 || range > region.size())
		throw Error(fmt::format("TLB cost: working set {} does not fit the {} region",
					format_size(range), format_size(region.size())));
	if (cfg.page == 0 || range % cfg.page != 0)
		throw Error(fmt::format("TLB cost: working set {} is not a whole number of {} windows",
					format_size(range), format_size(cfg.page)));
	TlbCost c;
	c.mapping = region.kind();
	c.range = range;
	c.window = cfg.page;
	// Both orders on the frames the region has now: a refill between them would change
	// the physical layout under the comparison (and random cannot be laid in its order).
	cfg.first_touch = FirstTouch::address;
	cfg.chain = ChainKind::page_local;
	c.page_local = measure_latency(region, range, cfg);
	cfg.chain = ChainKind::random;
	c.random = measure_latency(region, range, cfg);
	return c;
}

std::vector<PageWalkEstimate> page_walk_estimates(const std::vector<TlbCost> &tlb,
						  const ComparePlan &plan)
{
	std::vector<MappingKind> huge = {plan.with};
	if (plan.with_1g)
		huge.push_back(*plan.with_1g);
	auto find = [&](MappingKind kind, size_t range) -> const TlbCost * {
		for (const auto &c : tlb)
			if (c.mapping == kind && c.range == range)
				return &c;
		return nullptr;
	};
	std::vector<PageWalkEstimate> out;
	for (MappingKind with : huge)
		for (size_t range : plan.sizes) {
			const TlbCost *small = find(plan.without, range), *big = find(with, range);
			if (small && big)
				out.push_back({range, plan.without, with,
					       small->ns_per_load() - big->ns_per_load()});
		}
	return out;
}

void to_json(nlohmann::json &j, const PageWalkEstimate &e)
{
	j = nlohmann::json{
		{"range", e.range},
		{"without", mapping_name(e.without)},
		{"with", mapping_name(e.with)},
		{"method", "tlb_cost_ns_per_load of without minus that of with, same range"},
		{"ns_per_load", e.ns_per_load},
	};
}

void to_json(nlohmann::json &j, const TlbCost &c)
{
	j = nlohmann::json{
		{"mapping", mapping_name(c.mapping)},
		{"range", c.range},
		{"window", c.window},
		{"method", "min(random chase) - min(page-local chase), same bytes, same mapping"},
		{"tlb_cost_ns_per_load", c.ns_per_load()},
		{"tlb_cost_ns_per_load_median", c.ns_per_load_median()},
		{"tlb_cost_pct_of_random", c.pct_of_random()},
		{"page_local", c.page_local},
		{"random", c.random},
	};
}

} // namespace pfn
