#include "measure/latency.h"

#include <algorithm>
#include <barrier>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "base/error.h"
#include "platform/counters.h"

namespace pfn {

LatencyPoint measure_latency(const Region &region, size_t range, const LatencyConfig &cfg)
{
	ChainSpec spec{cfg.chain, range, cfg.stride, cfg.page, cfg.seed};
	void *start = lay_chain(region, spec, cfg.first_touch);

	ChaseOptions opts = cfg.chase;
	opts.warm_loads = std::min<uint64_t>(chain_length(spec), cfg.max_warm_loads);
	// Counters wrap the timed samples only: not the chain build, warm-up or calibration.
	ChaseResult res = run_chase(start, opts, cfg.counters);

	LatencyPoint p;
	p.mapping = region.kind();
	p.chain = cfg.chain;
	p.range = range;
	p.stride = cfg.stride;
	p.samples_ns = std::move(res.ns_per_load);
	p.loads_per_sample = res.loads_per_sample;
	p.counters = std::move(res.counters);
	p.region = region.size();
	p.first_touch = cfg.first_touch;
	p.report = region.report(0, chain_footprint(spec, region.size()), start);
	return p;
}

LatencyPoint measure_latency_parallel(const std::vector<const Region *> &regions,
				      const std::vector<Placement> &placements, size_t range,
				      const LatencyConfig &cfg)
{
	const size_t n = regions.size();
	if (n == 1)
		return measure_latency(*regions[0], range, cfg);
	std::vector<LatencyPoint> points(n);
	std::vector<std::exception_ptr> errors(n);
	std::barrier start{std::ptrdiff_t(n)};
	std::vector<std::thread> threads;
	for (size_t i = 0; i < n; i++) {
		threads.emplace_back([&, i] {
			bool arrived = false;
			try {
				pin_thread(placements[i]);
				LatencyConfig mine = cfg;
				mine.seed = cfg.seed + i;
				mine.chase.on_start = [&] {
					arrived = true;
					start.arrive_and_wait();
				};
				points[i] = measure_latency(*regions[i], range, mine);
			} catch (...) {
				errors[i] = std::current_exception();
				if (!arrived)
					start.arrive_and_drop();
			}
		});
	}
	for (auto &t : threads)
		t.join();
	for (auto &e : errors)
		if (e)
			std::rethrow_exception(e);

	LatencyPoint p = points[0];
	p.report = {};
	for (size_t k = 0; k < p.samples_ns.size(); k++) {
		double sum = 0;
		for (const auto &q : points)
			sum += q.samples_ns[k];
		p.samples_ns[k] = sum / double(n);
	}
	p.counters = {};
	for (size_t i = 0; i < n; i++) {
		const LatencyPoint &q = points[i];
		add_report(p.report, q.report);
		accumulate(p.counters, q.counters);
		// Each chase calibrated its own block size: its counts go with its own loads.
		if (!cfg.counters.empty())
			p.thread_counters.push_back({placements[i].cpu,
						     q.loads_per_sample * q.samples_ns.size(),
						     q.counters});
	}
	p.report.note = fmt::format("{} parallel chases, one region each", n);
	return p;
}

std::vector<CompareRow> rows_from_points(const std::vector<LatencyPoint> &without,
					 const std::vector<LatencyPoint> &with,
					 const std::vector<LatencyPoint> *with_1g)
{
	std::vector<CompareRow> rows;
	size_t n = std::min(without.size(), with.size());
	if (with_1g)
		n = std::min(n, with_1g->size());
	for (size_t i = 0; i < n; i++) {
		CompareColumn wo{without[i].mapping, without[i].samples_ns, without[i].report};
		CompareColumn wi{with[i].mapping, with[i].samples_ns, with[i].report};
		if (!with_1g) {
			rows.push_back(make_compare_row(without[i].range, wo, wi));
			continue;
		}
		const LatencyPoint &g = (*with_1g)[i];
		rows.push_back(make_compare_row(without[i].range, wo, wi,
						{g.mapping, g.samples_ns, g.report}));
	}
	return rows;
}

namespace {

// Chains this short are run whole (they may sit in the caches), and longer ones at least
// this far: about what the last-level cache holds in lines.
constexpr uint64_t rewarm_loads = 1u << 18;

} // namespace

void *restore_steady_state(void *p, const ChainSpec &spec)
{
	const uint64_t length = chain_length(spec);
	uint64_t loads = length;
	if (length > rewarm_loads)
		loads = std::min(length, std::max(rewarm_loads, spec.range / spec.page));
	return chase_blocks(p, (loads + 99) / 100);
}

std::vector<LatencyPoint> measure_latency_columns(const std::vector<const Region *> &regions,
						  size_t range, const LatencyConfig &cfg)
{
	const size_t n = regions.size();
	std::vector<Chase> chases;
	std::vector<void *> starts(n);
	ChainSpec spec{cfg.chain, range, cfg.stride, cfg.page, cfg.seed};
	ChaseOptions opts = cfg.chase;
	opts.warm_loads = std::min<uint64_t>(chain_length(spec), cfg.max_warm_loads);
	for (size_t i = 0; i < n; i++) {
		starts[i] = lay_chain(*regions[i], spec, cfg.first_touch);
		chases.push_back(prepare_chase(starts[i], opts, cfg.counters));
	}
	for (int r = 0; r < std::max(cfg.chase.repetitions, 1); r++) {
		// Rotate which column goes first, so none always follows the same other one (for
		// two columns: the order alternates).
		for (size_t k = 0; k < n; k++) {
			Chase &c = chases[(size_t(r) + k) % n];
			c.p = restore_steady_state(c.p, spec);
			sample_chase(c);
		}
	}
	std::vector<LatencyPoint> pts(n);
	for (size_t i = 0; i < n; i++) {
		pts[i].mapping = regions[i]->kind();
		pts[i].chain = cfg.chain;
		pts[i].range = range;
		pts[i].stride = cfg.stride;
		pts[i].samples_ns = chases[i].ns_per_load();
		pts[i].loads_per_sample = chases[i].loads_per_sample();
		pts[i].counters = chases[i].sampler.counters();
		pts[i].region = regions[i]->size();
		pts[i].first_touch = cfg.first_touch;
		pts[i].report = regions[i]->report(0, chain_footprint(spec, regions[i]->size()),
						   starts[i]);
	}
	return pts;
}

std::pair<LatencyPoint, LatencyPoint> measure_latency_pair(const Region &a, const Region &b,
							   size_t range, const LatencyConfig &cfg)
{
	auto pts = measure_latency_columns({&a, &b}, range, cfg);
	return {std::move(pts[0]), std::move(pts[1])};
}

std::vector<CompareRow> compare_latency(const ComparePlan &plan, const LatencyConfig &cfg,
					std::vector<LatencyPoint> &points, const ProgressFn &progress,
					const RegionFn &also)
{
	if (plan.sizes.empty())
		throw Error("no working-set sizes to compare");
	size_t largest = *std::max_element(plan.sizes.begin(), plan.sizes.end());
	const bool populate = populate_when_mapped(cfg.first_touch);
	std::vector<RegionSpec> specs = {{plan.without, largest, plan.node, populate},
					 {plan.with, largest, plan.node, populate}};
	if (plan.with_1g)
		specs.push_back({*plan.with_1g, largest, plan.node, populate});
	const size_t n = specs.size();
	// The 1 GiB column first (see latency.h), then the others in order.
	const std::vector<size_t> order = n == 3 ? std::vector<size_t>{2, 0, 1}
						 : std::vector<size_t>{0, 1};
	std::vector<std::vector<LatencyPoint>> columns(n);
	std::vector<std::unique_ptr<Region>> regions(n);
	try {
		check_regions_fit(specs);
		for (size_t c : order)
			regions[c] = map_region(specs[c]);
	} catch (const NoRoom &) {
		// No room for all at once (check_regions_fit, or the driver): one mapping after
		// the other below. Each must fit alone, which is known before anything is measured
		// for process memory; any other error is an error.
		for (auto &r : regions)
			r.reset();
		for (size_t c : order)
			check_regions_fit(specs[c]);
	}
	auto rows = [&] {
		return rows_from_points(columns[0], columns[1], n > 2 ? &columns[2] : nullptr);
	};
	if (regions[0]) {
		// All mapped: sample the columns alternately, so a noisy neighbour on a shared
		// host slows them alike instead of one column's whole run.
		std::vector<const Region *> views;
		for (const auto &r : regions)
			views.push_back(r.get());
		for (size_t size : plan.sizes) {
			if (progress)
				for (const auto &spec : specs)
					progress(spec.kind, size);
			auto pts = measure_latency_columns(views, size, cfg);
			for (size_t c = 0; c < n; c++) {
				columns[c].push_back(pts[c]);
				points.push_back(std::move(pts[c]));
			}
			if (also)
				for (const Region *r : views)
					also(*r, size);
		}
		return rows();
	}
	// One after the other, the 1 GiB column first here too: a device range without room
	// for it says so before the other columns are measured.
	for (size_t c : order) {
		auto region = map_region(specs[c]);
		for (size_t size : plan.sizes) {
			if (progress)
				progress(specs[c].kind, size);
			columns[c].push_back(measure_latency(*region, size, cfg));
			points.push_back(columns[c].back());
			if (also)
				also(*region, size);
		}
	}
	return rows();
}

} // namespace pfn
