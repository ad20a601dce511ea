// memcpy_test: copy time between two buffers of one mapping kind, and the cover letter's
// copy table.

#include <fmt/format.h>

#include "copy.h"
#include "backend.h"
#include "counters.h"
#include "document.h"
#include "error.h"
#include "format_counters.h"
#include "options.h"
#include "placement.h"
#include "program.h"
#include "progress.h"
#include "report.h"
#include "size.h"

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

// Decided once per run, before anything is measured.
pfn::CounterPlan counter_plan(const MemcpyTestOptions &o)
{
	return pfn::CounterPlan(o.counters ? pfn::parse_counter_list(*o.counters)
					   : pfn::default_counter_events());
}

pfn::CopyConfig copy_config(const MemcpyTestOptions &o, const std::string &kernel,
			    const pfn::CounterPlan &counters)
{
	pfn::CopyConfig cfg;
	cfg.kernel = kernel;
	cfg.copy.repetitions = o.repetitions;
	cfg.copy.seed = o.seed;
	cfg.counters = counters;
	return cfg;
}

// Counters per copied byte for every point, or the one line saying why there are none.
std::string counter_notes(const std::vector<pfn::CopyPoint> &points)
{
	std::vector<pfn::CounterNote> notes;
	for (const auto &p : points)
		notes.push_back({fmt::format("{} {} {}", pfn::format_size(p.bytes),
					     pfn::mapping_name(p.mapping), p.kernel),
				 p.counters, double(p.bytes) * double(p.samples_ms.size())});
	return pfn::format_counter_notes(notes, "byte");
}

std::string throughput_notes(const std::vector<pfn::CopyPoint> &points)
{
	std::string out = "Throughput (GB/s, 1 GB = 1e9 bytes, from the fastest copy):";
	for (const auto &p : points)
		out += fmt::format(" {} {} {:.2f};", pfn::format_size(p.bytes), pfn::mapping_name(p.mapping),
				   p.gb_per_s());
	out.back() = '\n';
	return out;
}

int run_compare(const MemcpyTestOptions &o, int argc, char **argv)
{
	const std::string kernel = kernel_names(o).front();
	pfn::CopyConfig cfg = copy_config(o, kernel, counter_plan(o));
	pfn::Placement place = pfn::resolve_placement(o.cpu, o.node);
	pfn::pin_thread(place);
	// The machine as it was before this run mapped anything (free memory, hugetlb pool).
	nlohmann::json doc = pfn::results_document("memcpy_test", argc, argv, place);

	pfn::Backend backend = pfn::resolve_backend(o.without, o.with, o.backend, place.node);
	pfn::ComparePlan plan;
	plan.without = backend.without;
	plan.with = backend.with;
	plan.sizes = o.sizes.empty() ? std::vector<size_t>{1024 * pfn::MiB, 2048 * pfn::MiB, 4096 * pfn::MiB}
				     : o.sizes;
	plan.node = place.node;

	pfn::Progress progress(int(plan.sizes.size()) * 2, pfn::stderr_is_tty());
	std::vector<pfn::CopyPoint> points;
	auto rows = pfn::compare_copy(plan, cfg, points, [&](pfn::MappingKind k, size_t s) {
		progress.step(fmt::format("{} {}", pfn::mapping_name(k), pfn::format_size(s)));
	});
	progress.finish();

	std::string table = pfn::format_compare_table(rows, pfn::TableKind::copy);
	fmt::print("{}\n", table);
	fmt::print("Measured by memcpy_test: kernel {}, {} copies per size (fastest shown), CPU {}, "
		   "node {}; without = {}, with = {} (backend {}: {}); source and destination each of the "
		   "row's size.\n",
		   kernel, cfg.copy.repetitions, place.cpu, place.node, pfn::mapping_name(plan.without),
		   pfn::mapping_name(plan.with), backend.name, backend.reason);
	fmt::print("{}", pfn::format_compare_details(rows, pfn::TableKind::copy));
	fmt::print("{}{}", throughput_notes(points), counter_notes(points));

	if (!o.table_path.empty())
		pfn::write_text_file(o.table_path, table);
	if (!o.json_path.empty()) {
		doc["copy"] = points;
		doc["tables"] = {{"copy", rows}};
		doc["backend"] = backend;
		pfn::write_json_file(o.json_path, doc);
	}
	pfn::require_verified(rows);
	return pfn::exit_ok;
}

int run_single(const MemcpyTestOptions &o, int argc, char **argv)
{
	auto kernels = kernel_names(o);
	pfn::MappingKind kind = o.mapping.value_or(pfn::MappingKind::page_4k);
	std::vector<size_t> sizes = o.sizes.empty() ? std::vector<size_t>{1024 * pfn::MiB} : o.sizes;
	size_t largest = *std::max_element(sizes.begin(), sizes.end());
	pfn::Placement place = pfn::resolve_placement(o.cpu, o.node);
	pfn::pin_thread(place);
	// The machine as it was before this run mapped anything (free memory, hugetlb pool).
	nlohmann::json doc = pfn::results_document("memcpy_test", argc, argv, place);
	pfn::check_regions_fit({kind, largest, place.node}, 2); // source and destination

	auto src = pfn::map_region({kind, largest, place.node});
	auto dst = pfn::map_region({kind, largest, place.node});
	bool mismatch = false;
	for (const auto *r : {src.get(), dst.get()}) {
		pfn::MappingReport rep = r->report();
		fmt::print("memcpy_test: {} {} of {} memory: {}\n", r == src.get() ? "source" : "destination",
			   pfn::format_size(r->size()), pfn::mapping_name(kind), rep.summary());
		std::string wrong = pfn::shape_mismatch(kind, rep);
		if (!wrong.empty()) {
			fmt::print("memcpy_test: warning: {}\n", wrong);
			mismatch = true;
		}
	}

	const pfn::CounterPlan counters = counter_plan(o);
	pfn::Progress progress(int(sizes.size() * kernels.size()), pfn::stderr_is_tty());
	std::vector<pfn::CopyPoint> points;
	fmt::print("Memory Size (MB) Mapping Kernel Copy Time Throughput Median Spread\n"
		   "---------------- ------- ------ --------- ---------- ------ ------\n");
	for (size_t size : sizes)
		for (const auto &k : kernels) {
			progress.step(fmt::format("{} {} {}", k, pfn::mapping_name(kind), pfn::format_size(size)));
			points.push_back(pfn::measure_copy(*src, *dst, size, copy_config(o, k, counters)));
			const auto &p = points.back();
			pfn::Summary s = p.summary();
			fmt::print("{:.2f} {} {} {:.2f} ms {:.2f} GB/s {:.2f} ms {:.1f}%\n", double(size) / double(pfn::MiB),
				   pfn::mapping_name(kind), k, s.min, p.gb_per_s(), s.median, s.spread_pct());
		}
	progress.finish();
	fmt::print("{}", counter_notes(points));
	if (!o.json_path.empty()) {
		doc["copy"] = points;
		pfn::write_json_file(o.json_path, doc);
	}
	if (mismatch)
		throw pfn::Error(fmt::format("the {} memory did not read back as {} pages (see above)",
					     pfn::mapping_name(kind), pfn::wants_huge(kind) ? "huge" : "4 KiB"));
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
