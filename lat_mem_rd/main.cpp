// lat_mem_rd: lmbench-compatible memory latency, plus the cover letter's comparison table.
#include <cstdio>

#include <fmt/format.h>

#include "base/error.h"
#include "base/size.h"
#include "measure/latency.h"
#include "options.h"
#include "output/format_counters.h"
#include "output/report.h"
#include "platform/placement.h"
#include "run/compare_run.h"
#include "run/program.h"
#include "run/run.h"

namespace {

pfn::LatencyConfig latency_config(const LatMemRdOptions &o, pfn::ChainKind fallback)
{
	pfn::LatencyConfig cfg;
	cfg.chain = o.chain.value_or(o.thrash ? pfn::ChainKind::thrash : fallback);
	cfg.seed = o.seed;
	cfg.first_touch = o.first_touch;
	cfg.chase.repetitions = o.repetitions;
	cfg.chase.warmup_us = o.warmup_us;
	cfg.chase.min_sample_ms = o.min_sample_ms;
	// Resolved here, on the main thread, once for every point and every -P thread.
	cfg.counters = pfn::CounterPlan(o.counters ? pfn::parse_counter_list(*o.counters)
						   : pfn::default_counter_events());
	return cfg;
}

int run_sweep(const LatMemRdOptions &o, int argc, char **argv)
{
	auto places = pfn::resolve_placements(o.parallel, o.cpu, o.node);
	nlohmann::json doc = pfn::start_run("lat_mem_rd", argc, argv, places[0]);
	size_t len = o.size;
	for (size_t s : o.sizes)
		len = std::max(len, s);
	// -P n: each chase gets its own region on its own CPU's node, as lmbench's children do.
	std::vector<std::unique_ptr<pfn::Region>> regions;
	std::vector<const pfn::Region *> views;
	bool as_asked = true;
	const bool populate = pfn::populate_when_mapped(o.first_touch);
	for (const auto &place : places) {
		regions.push_back(pfn::map_region({o.mapping, len, place.node, populate}));
		views.push_back(regions.back().get());
		if (populate)
			as_asked = pfn::check_region("lat_mem_rd", "", *regions.back(), o.mapping) &&
				   as_asked;
		else
			pfn::say_mapped_empty("lat_mem_rd", *regions.back());
	}

	pfn::LatencyConfig cfg = latency_config(o, pfn::ChainKind::stride);
	std::vector<pfn::LatencyPoint> points;
	std::vector<size_t> strides = o.strides.empty() ? std::vector<size_t>{64} : o.strides;
	for (size_t stride : strides) {
		cfg.stride = stride;
		std::fputs(pfn::lmbench_header(stride).c_str(), stderr);
		auto sizes = o.sizes.empty() ? pfn::lmbench_sizes(len, stride) : o.sizes;
		for (size_t range : sizes) {
			if (range < stride)
				continue;
			pfn::LatencyPoint p = pfn::measure_latency_parallel(views, places, range, cfg);
			std::fputs(pfn::lmbench_line(range, p.summary().min).c_str(), stderr);
			if (!populate)
				as_asked = pfn::check_point("lat_mem_rd", range, p.report, o.mapping) &&
					   as_asked;
			points.push_back(std::move(p));
		}
		if (!points.empty())
			fmt::print("lat_mem_rd: {} {} chain, stride {}, pages first touched in {} "
				   "order: {}\n",
				   pfn::format_size(points.back().range), pfn::chain_name(cfg.chain),
				   stride, pfn::first_touch_name(cfg.first_touch),
				   points.back().report.layout.summary());
		// lmbench ends each explicitly given stride with an empty line.
		if (!o.strides.empty())
			std::fputs("\n", stderr);
	}
	fmt::print("{}", pfn::format_counter_notes(points));
	doc["latency"] = points;
	pfn::write_results(o.json_path, doc);
	pfn::require_as_asked(as_asked, o.mapping);
	return pfn::exit_ok;
}

int run_compare(const LatMemRdOptions &o, int argc, char **argv)
{
	if (o.strides.size() > 1)
		throw pfn::Error("--compare takes one stride");
	std::vector<size_t> sizes = o.sizes;
	if (sizes.empty()) {
		// The cover letter's sizes: 64 MiB, doubling up to -t's size (4 GiB).
		size_t largest = o.size ? o.size : 4096 * pfn::MiB;
		for (size_t s = 64 * pfn::MiB; s <= largest; s *= 2)
			sizes.push_back(s);
		if (sizes.empty())
			sizes.push_back(largest);
	}
	pfn::LatencyConfig cfg = latency_config(o, pfn::ChainKind::thrash);
	cfg.stride = o.strides.empty() ? 64 : o.strides[0];
	return pfn::run_latency_compare({"lat_mem_rd", o.cpu, o.node, o.without, o.with, o.with_1g,
					 o.backend, sizes, o.table_path, o.json_path},
					cfg, o.tlb_cost, argc, argv);
}

} // namespace

int main(int argc, char **argv)
{
	LatMemRdOptions opts;
	int rc = parse_options(argc, argv, opts);
	if (rc >= 0)
		return rc;
	return pfn::run_main("lat_mem_rd", [&] {
		return opts.compare ? run_compare(opts, argc, argv) : run_sweep(opts, argc, argv);
	});
}
