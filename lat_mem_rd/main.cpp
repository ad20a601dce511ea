// lat_mem_rd: lmbench-compatible memory latency, plus the cover letter's comparison table.
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "document.h"
#include "error.h"
#include "latency.h"
#include "options.h"
#include "placement.h"
#include "program.h"
#include "progress.h"
#include "report.h"
#include "size.h"

namespace {

pfn::LatencyConfig latency_config(const LatMemRdOptions &o, pfn::ChainKind fallback)
{
	pfn::LatencyConfig cfg;
	cfg.chain = o.chain.value_or(o.thrash ? pfn::ChainKind::thrash : fallback);
	cfg.seed = o.seed;
	cfg.chase.repetitions = o.repetitions;
	cfg.chase.warmup_us = o.warmup_us;
	cfg.chase.min_sample_ms = o.min_sample_ms;
	return cfg;
}

void check_region(const pfn::Region &region, pfn::MappingKind asked)
{
	pfn::MappingReport r = region.report();
	fmt::print("lat_mem_rd: {} of {} memory: {}\n", pfn::format_size(region.size()),
		   pfn::mapping_name(asked), r.summary());
	bool ok = pfn::wants_huge(asked) ? r.is_huge() : r.is_4k();
	if (!ok)
		fmt::print("lat_mem_rd: warning: asked for {} but the page tables say {}\n",
			   pfn::mapping_name(asked), r.summary());
}

int run_sweep(const LatMemRdOptions &o, int argc, char **argv)
{
	auto places = pfn::resolve_placements(o.parallel, o.cpu, o.node);
	pfn::pin_thread(places[0]);
	size_t len = o.size;
	for (size_t s : o.sizes)
		len = std::max(len, s);
	// -P n: each chase gets its own region on its own CPU's node, as lmbench's children do.
	std::vector<std::unique_ptr<pfn::Region>> regions;
	std::vector<const pfn::Region *> views;
	for (const auto &place : places) {
		regions.push_back(pfn::map_region({o.mapping, len, place.node}));
		views.push_back(regions.back().get());
		check_region(*regions.back(), o.mapping);
	}

	pfn::LatencyConfig cfg = latency_config(o, pfn::ChainKind::stride);
	nlohmann::json doc = pfn::results_document("lat_mem_rd", argc, argv, places[0]);
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
			doc["latency"].push_back(p);
		}
		// lmbench ends each explicitly given stride with an empty line.
		if (!o.strides.empty())
			std::fputs("\n", stderr);
	}
	if (!o.json_path.empty())
		pfn::write_json_file(o.json_path, doc);
	return pfn::exit_ok;
}

std::vector<size_t> compare_sizes(const LatMemRdOptions &o)
{
	if (!o.sizes.empty())
		return o.sizes;
	size_t largest = o.size ? o.size : 4096 * pfn::MiB;
	std::vector<size_t> sizes;
	for (size_t s = 64 * pfn::MiB; s <= largest; s *= 2)
		sizes.push_back(s);
	if (sizes.empty())
		sizes.push_back(largest);
	return sizes;
}

int run_compare(const LatMemRdOptions &o, int argc, char **argv)
{
	if (o.strides.size() > 1)
		throw pfn::Error("--compare takes one stride");
	pfn::Placement place = pfn::resolve_placement(o.cpu, o.node);
	pfn::pin_thread(place);

	pfn::ComparePlan plan;
	plan.without = o.without.value_or(pfn::MappingKind::page_4k);
	plan.with = o.with.value_or(pfn::MappingKind::thp);
	plan.sizes = compare_sizes(o);
	plan.node = place.node;
	pfn::LatencyConfig cfg = latency_config(o, pfn::ChainKind::thrash);
	cfg.stride = o.strides.empty() ? 64 : o.strides[0];

	pfn::Progress progress(int(plan.sizes.size()) * 2, pfn::stderr_is_tty());
	std::vector<pfn::LatencyPoint> points;
	auto rows = pfn::compare_latency(plan, cfg, points, [&](pfn::MappingKind k, size_t s) {
		progress.step(fmt::format("{} {}", pfn::mapping_name(k), pfn::format_size(s)));
	});
	progress.finish();

	std::string table = pfn::format_compare_table(rows, pfn::TableKind::latency);
	fmt::print("{}\n", table);
	fmt::print("Measured by lat_mem_rd: chain {}, stride {}, CPU {}, node {}; without = {}, "
		   "with = {}.\n",
		   pfn::chain_name(cfg.chain), cfg.stride, place.cpu, place.node,
		   pfn::mapping_name(plan.without), pfn::mapping_name(plan.with));
	fmt::print("{}", pfn::format_compare_details(rows, pfn::TableKind::latency));

	if (!o.table_path.empty()) {
		std::ofstream out(o.table_path);
		out << table;
		if (!out)
			throw pfn::Error(fmt::format("cannot write {}", o.table_path));
	}
	if (!o.json_path.empty()) {
		nlohmann::json doc = pfn::results_document("lat_mem_rd", argc, argv, place);
		doc["latency"] = points;
		doc["tables"] = {{"latency", rows}};
		pfn::write_json_file(o.json_path, doc);
	}
	size_t bad = 0;
	for (const auto &r : rows)
		bad += !r.mismatch.empty();
	if (bad)
		throw pfn::Error(fmt::format("{} of {} rows did not get the mapping their column "
					     "claims (marked [!])", bad, rows.size()));
	return pfn::exit_ok;
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
