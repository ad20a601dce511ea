// lat_mem_rd: lmbench-compatible memory latency, plus the cover letter's comparison table.
#include <cstdio>

#include <fmt/format.h>

#include "backend.h"
#include "counters.h"
#include "document.h"
#include "error.h"
#include "format_counters.h"
#include "latency.h"
#include "options.h"
#include "placement.h"
#include "program.h"
#include "progress.h"
#include "report.h"
#include "size.h"
#include "tlb_cost.h"

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

// Counters per load for every point (for -P, each thread's own), or the one line saying
// why there are none.
std::string counter_notes(const std::vector<pfn::LatencyPoint> &points)
{
	std::vector<pfn::CounterNote> notes;
	for (const auto &p : points) {
		std::string label = fmt::format("{} {} {}", pfn::format_size(p.range),
						pfn::mapping_name(p.mapping), pfn::chain_name(p.chain));
		if (p.thread_counters.empty())
			notes.push_back({label, p.counters, p.timed_loads()});
		for (const auto &t : p.thread_counters)
			notes.push_back({fmt::format("{}, CPU {}", label, t.cpu), t.counters,
					 double(t.loads)});
	}
	return pfn::format_counter_notes(notes, "load");
}

// Says what the region got; false when that is not what its kind promises.
bool check_region(const pfn::Region &region, pfn::MappingKind asked)
{
	pfn::MappingReport r = region.report();
	fmt::print("lat_mem_rd: {} of {} memory: {}; {}\n", pfn::format_size(region.size()),
		   pfn::mapping_name(asked), r.summary(), r.layout.summary());
	std::string wrong = pfn::shape_mismatch(asked, r);
	if (!wrong.empty())
		fmt::print("lat_mem_rd: warning: {}\n", wrong);
	return wrong.empty();
}

int run_sweep(const LatMemRdOptions &o, int argc, char **argv)
{
	auto places = pfn::resolve_placements(o.parallel, o.cpu, o.node);
	pfn::pin_thread(places[0]);
	// The machine as it was before this run mapped anything (free memory, hugetlb pool).
	nlohmann::json doc = pfn::results_document("lat_mem_rd", argc, argv, places[0]);
	size_t len = o.size;
	for (size_t s : o.sizes)
		len = std::max(len, s);
	// -P n: each chase gets its own region on its own CPU's node, as lmbench's children do.
	std::vector<std::unique_ptr<pfn::Region>> regions;
	std::vector<const pfn::Region *> views;
	bool as_asked = true;
	for (const auto &place : places) {
		regions.push_back(pfn::map_region({o.mapping, len, place.node}));
		views.push_back(regions.back().get());
		as_asked = check_region(*regions.back(), o.mapping) && as_asked;
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
	fmt::print("{}", counter_notes(points));
	if (!o.json_path.empty()) {
		doc["latency"] = points;
		pfn::write_json_file(o.json_path, doc);
	}
	if (!as_asked)
		throw pfn::Error(fmt::format("the {} memory did not read back as {} pages (see above)",
					     pfn::mapping_name(o.mapping),
					     pfn::wants_huge(o.mapping) ? "huge" : "4 KiB"));
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
	// The machine as it was before this run mapped anything (free memory, hugetlb pool).
	nlohmann::json doc = pfn::results_document("lat_mem_rd", argc, argv, place);

	pfn::Backend backend = pfn::resolve_backend(o.without, o.with, o.backend, place.node);
	pfn::ComparePlan plan;
	plan.without = backend.without;
	plan.with = backend.with;
	plan.with_1g = backend.with_1g = o.with_1g;
	plan.sizes = compare_sizes(o);
	plan.node = place.node;
	pfn::LatencyConfig cfg = latency_config(o, pfn::ChainKind::thrash);
	cfg.stride = o.strides.empty() ? 64 : o.strides[0];
	for (pfn::MappingKind kind : {plan.without, plan.with})
		pfn::check_first_touch(cfg.first_touch, kind, cfg.chain);
	if (plan.with_1g)
		pfn::check_first_touch(cfg.first_touch, *plan.with_1g, cfg.chain);

	const int per_size = o.tlb_cost ? 2 : 1;
	const int columns = plan.with_1g ? 3 : 2;
	pfn::Progress progress(int(plan.sizes.size()) * columns * per_size, pfn::stderr_is_tty());
	std::vector<pfn::LatencyPoint> points;
	std::vector<pfn::TlbCost> tlb;
	auto measure_tlb = [&](const pfn::Region &region, size_t size) {
		progress.step(fmt::format("{} {} TLB cost", pfn::mapping_name(region.kind()),
					  pfn::format_size(size)));
		tlb.push_back(pfn::measure_tlb_cost(region, size, cfg));
	};
	auto rows = pfn::compare_latency(
		plan, cfg, points,
		[&](pfn::MappingKind k, size_t s) {
			progress.step(fmt::format("{} {}", pfn::mapping_name(k), pfn::format_size(s)));
		},
		o.tlb_cost ? pfn::RegionFn(measure_tlb) : pfn::RegionFn());
	progress.finish();

	std::string table = pfn::format_compare_table(rows, pfn::TableKind::latency);
	fmt::print("{}\n", table);
	fmt::print("Measured by lat_mem_rd: chain {}, stride {}, CPU {}, node {}; without = {}, "
		   "with = {}{} (backend {}: {}).\n",
		   pfn::chain_name(cfg.chain), cfg.stride, place.cpu, place.node,
		   pfn::mapping_name(plan.without), pfn::mapping_name(plan.with),
		   plan.with_1g ? fmt::format(", with 1G = {}", pfn::mapping_name(*plan.with_1g))
				: "",
		   backend.name, backend.reason);
	fmt::print("{}", pfn::format_region_note(points));
	fmt::print("{}", pfn::format_compare_details(rows, pfn::TableKind::latency));
	if (o.tlb_cost)
		fmt::print("\nTLB cost by timing (random minus page-local chase of the same bytes):\n{}{}",
			   pfn::format_tlb_cost_table(tlb),
			   pfn::format_page_walk_note(pfn::page_walk_estimates(tlb, plan)));
	fmt::print("{}", counter_notes(points));

	if (!o.table_path.empty())
		pfn::write_text_file(o.table_path, table);
	if (!o.json_path.empty()) {
		doc["latency"] = points;
		doc["tables"] = {{"latency", rows}};
		doc["backend"] = backend;
		if (o.tlb_cost) {
			doc["tlb_cost"] = tlb;
			doc["page_walk"] = pfn::page_walk_estimates(tlb, plan);
		}
		pfn::write_json_file(o.json_path, doc);
	}
	pfn::require_verified(rows);
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
