// memcpy_test: copy time between two buffers of one mapping kind, and the cover letter's
// copy table.

#include <fmt/format.h>

#include "base/size.h"
#include "measure/copy.h"
#include "options.h"
#include "output/format_counters.h"
#include "output/progress.h"
#include "output/report.h"
#include "platform/counters.h"
#include "platform/placement.h"
#include "run/compare_run.h"
#include "run/program.h"
#include "run/run.h"

namespace {

std::vector<std::string> kernel_names(const MemcpyTestOptions &o)
{
	if (o.kernels.empty())
		return {"libc"};
	if (o.kernels.size() == 1 && o.kernels[0] == "all")
		return pfn::supported_copy_kernels();
	for (const auto &k : o.kernels)
		pfn::find_copy_kernel(k); // every name checked before any memory is mapped
	return o.kernels;
}

// The counters are decided once per run, before anything is measured.
pfn::CopyConfig copy_config(const MemcpyTestOptions &o, const std::string &kernel)
{
	pfn::CopyConfig cfg;
	cfg.kernel = kernel;
	cfg.copy.repetitions = o.repetitions;
	cfg.copy.seed = o.seed;
	cfg.counters = pfn::CounterPlan(o.counters ? pfn::parse_counter_list(*o.counters)
						   : pfn::default_counter_events());
	return cfg;
}

int run_compare(const MemcpyTestOptions &o, int argc, char **argv)
{
	pfn::CopyConfig cfg = copy_config(o, kernel_names(o).front());
	std::vector<size_t> sizes = o.sizes;
	if (sizes.empty())
		sizes = {1024 * pfn::MiB, 2048 * pfn::MiB, 4096 * pfn::MiB};
	return pfn::run_copy_compare({"memcpy_test", o.cpu, o.node, o.without, o.with, o.with_1g,
				      o.backend, sizes, o.table_path, o.json_path},
				     cfg, argc, argv);
}

int run_single(const MemcpyTestOptions &o, int argc, char **argv)
{
	auto kernels = kernel_names(o);
	pfn::MappingKind kind = o.mapping.value_or(pfn::MappingKind::page_4k);
	std::vector<size_t> sizes = o.sizes.empty() ? std::vector<size_t>{1024 * pfn::MiB} : o.sizes;
	size_t largest = *std::max_element(sizes.begin(), sizes.end());
	pfn::Placement place = pfn::resolve_placement(o.cpu, o.node);
	nlohmann::json doc = pfn::start_run("memcpy_test", argc, argv, place);
	pfn::check_regions_fit({kind, largest, place.node}, 2); // source and destination

	auto src = pfn::map_region({kind, largest, place.node});
	auto dst = pfn::map_region({kind, largest, place.node});
	bool as_asked = pfn::check_region("memcpy_test", "source", *src, kind);
	as_asked = pfn::check_region("memcpy_test", "destination", *dst, kind) && as_asked;

	pfn::CopyConfig cfg = copy_config(o, kernels.front());
	pfn::Progress progress(int(sizes.size() * kernels.size()), pfn::stderr_is_tty());
	std::vector<pfn::CopyPoint> points;
	fmt::print("{}", pfn::copy_table_header());
	for (size_t size : sizes)
		for (const auto &k : kernels) {
			progress.step(fmt::format("{} {} {}", k, pfn::mapping_name(kind), pfn::format_size(size)));
			cfg.kernel = k;
			points.push_back(pfn::measure_copy(*src, *dst, size, cfg));
			fmt::print("{}", pfn::copy_table_line(points.back()));
		}
	progress.finish();
	fmt::print("{}", pfn::format_counter_notes(points));
	doc["copy"] = points;
	pfn::write_results(o.json_path, doc);
	pfn::require_as_asked(as_asked, kind);
	return pfn::exit_ok;
}

int list_kernels()
{
	for (const auto &k : pfn::copy_kernels())
		fmt::print("{:<10} {:<13} {}\n", k.name,
			   k.supported() ? "runs here" : fmt::format("needs {}", k.needs), k.description);
	return pfn::exit_ok;
}

} // namespace

int main(int argc, char **argv)
{
	MemcpyTestOptions opts;
	int rc = parse_options(argc, argv, opts);
	if (rc >= 0)
		return rc;
	return pfn::run_main("memcpy_test", [&] {
		if (opts.list_kernels)
			return list_kernels();
		if (opts.list_counters) {
			fmt::print("{}", pfn::format_inventory(pfn::list_countable_events()));
			return int(pfn::exit_ok);
		}
		return opts.compare ? run_compare(opts, argc, argv) : run_single(opts, argc, argv);
	});
}
