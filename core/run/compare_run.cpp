#include "run/compare_run.h"

#include <fmt/format.h>

#include "base/size.h"
#include "measure/tlb_cost.h"
#include "memory/backend.h"
#include "output/document.h"
#include "output/format_counters.h"
#include "output/progress.h"
#include "output/report.h"
#include "platform/placement.h"
#include "run/program.h"
#include "run/run.h"

namespace pfn {

namespace {

// What differs between the latency and the copy comparison.
class Workload {
public:
	virtual ~Workload() = default;
	virtual TableKind kind() const = 0;
	// Names the points and the table in the JSON: "latency", "copy".
	virtual const char *key() const = 0;
	// Refuses, before anything is mapped, what cannot be measured on the plan's mappings.
	virtual void check(const ComparePlan &) const {}
	// How many steps measure() announces.
	virtual int steps(const ComparePlan &plan) const = 0;
	virtual std::vector<CompareRow> measure(const ComparePlan &plan, Progress &progress) = 0;
	// Under the table: how it was measured.
	virtual std::string method(const ComparePlan &plan, const Placement &place,
				   const Backend &backend) const = 0;
	// After the rows' details.
	virtual std::string notes(const ComparePlan &plan) const = 0;
	// The measured points, and whatever else was measured, into the document.
	virtual void record(nlohmann::json &doc, const ComparePlan &plan) const = 0;
};

ProgressFn announce(Progress &progress)
{
	return [&progress](MappingKind k, size_t s) {
		progress.step(fmt::format("{} {}", mapping_name(k), format_size(s)));
	};
}

// ", with 1G = hugetlb-1g" after the method's "with = thp", or "" for two columns.
std::string with_1g_words(const ComparePlan &plan)
{
	return plan.with_1g ? fmt::format(", with 1G = {}", mapping_name(*plan.with_1g)) : "";
}

int run_compare(const CompareRequest &req, Workload &w, int argc, char **argv)
{
	Placement place = resolve_placement(req.cpu, req.node);
	nlohmann::json doc = start_run(req.tool, argc, argv, place);

	Backend backend = resolve_backend(req.without, req.with, req.backend, place.node);
	ComparePlan plan;
	plan.without = backend.without;
	plan.with = backend.with;
	plan.with_1g = backend.with_1g = req.with_1g;
	plan.sizes = req.sizes;
	plan.node = place.node;
	w.check(plan);

	Progress progress(w.steps(plan), stderr_is_tty());
	std::vector<CompareRow> rows = w.measure(plan, progress);
	progress.finish();

	std::string table = format_compare_table(rows, w.kind());
	fmt::print("{}\n", table);
	fmt::print("{}", w.method(plan, place, backend));
	fmt::print("{}", format_compare_details(rows, w.kind()));
	fmt::print("{}", w.notes(plan));

	if (!req.table_path.empty())
		write_text_file(req.table_path, table);
	if (!req.json_path.empty()) {
		w.record(doc, plan);
		doc["tables"] = {{w.key(), rows}};
		doc["backend"] = backend;
		write_json_file(req.json_path, doc);
	}
	require_verified(rows);
	return exit_ok;
}

class LatencyWorkload : public Workload {
public:
	LatencyWorkload(const LatencyConfig &cfg, bool tlb_cost) : cfg_(cfg), tlb_cost_(tlb_cost) {}
	TableKind kind() const override { return TableKind::latency; }
	const char *key() const override { return "latency"; }

	void check(const ComparePlan &plan) const override
	{
		for (MappingKind kind : {plan.without, plan.with})
			check_first_touch(cfg_.first_touch, kind, cfg_.chain);
		if (plan.with_1g)
			check_first_touch(cfg_.first_touch, *plan.with_1g, cfg_.chain);
	}

	int steps(const ComparePlan &plan) const override
	{
		return int(plan.sizes.size()) * (plan.with_1g ? 3 : 2) * (tlb_cost_ ? 2 : 1);
	}

	std::vector<CompareRow> measure(const ComparePlan &plan, Progress &progress) override
	{
		// Each size's TLB cost on the regions its latency was just measured on.
		auto measure_tlb = [&](const Region &region, size_t size) {
			progress.step(fmt::format("{} {} TLB cost", mapping_name(region.kind()),
						  format_size(size)));
			tlb_.push_back(measure_tlb_cost(region, size, cfg_));
		};
		return compare_latency(plan, cfg_, points_, announce(progress),
				       tlb_cost_ ? RegionFn(measure_tlb) : RegionFn());
	}

	std::string method(const ComparePlan &plan, const Placement &place,
			   const Backend &backend) const override
	{
		return fmt::format("Measured by lat_mem_rd: chain {}, stride {}, CPU {}, node {}; "
				   "without = {}, with = {}{} (backend {}: {}).\n",
				   chain_name(cfg_.chain), cfg_.stride, place.cpu, place.node,
				   mapping_name(plan.without), mapping_name(plan.with),
				   with_1g_words(plan), backend.name, backend.reason) +
		       format_region_note(points_);
	}

	std::string notes(const ComparePlan &plan) const override
	{
		std::string out;
		if (tlb_cost_)
			out = "\nTLB cost by timing (random minus page-local chase of the same bytes):\n" +
			      format_tlb_cost_table(tlb_) +
			      format_page_walk_note(page_walk_estimates(tlb_, plan));
		return out + format_counter_notes(points_);
	}

	void record(nlohmann::json &doc, const ComparePlan &plan) const override
	{
		doc["latency"] = points_;
		if (tlb_cost_) {
			doc["tlb_cost"] = tlb_;
			doc["page_walk"] = page_walk_estimates(tlb_, plan);
		}
	}

private:
	const LatencyConfig &cfg_;
	bool tlb_cost_;
	std::vector<LatencyPoint> points_;
	std::vector<TlbCost> tlb_;
};

class CopyWorkload : public Workload {
public:
	explicit CopyWorkload(const CopyConfig &cfg) : cfg_(cfg) {}
	TableKind kind() const override { return TableKind::copy; }
	const char *key() const override { return "copy"; }
	int steps(const ComparePlan &plan) const override
	{
		return int(plan.sizes.size()) * (plan.with_1g ? 3 : 2);
	}

	std::vector<CompareRow> measure(const ComparePlan &plan, Progress &progress) override
	{
		return compare_copy(plan, cfg_, points_, announce(progress));
	}

	std::string method(const ComparePlan &plan, const Placement &place,
			   const Backend &backend) const override
	{
		return fmt::format("Measured by memcpy_test: kernel {}, {} copies per size (fastest "
				   "shown), CPU {}, node {}; without = {}, with = {}{} (backend {}: {}); "
				   "source and destination each of the row's size.\n",
				   cfg_.kernel, cfg_.copy.repetitions, place.cpu, place.node,
				   mapping_name(plan.without), mapping_name(plan.with),
				   with_1g_words(plan), backend.name, backend.reason);
	}

	std::string notes(const ComparePlan &) const override
	{
		return format_throughput_note(points_) + format_counter_notes(points_);
	}

	void record(nlohmann::json &doc, const ComparePlan &) const override { doc["copy"] = points_; }

private:
	const CopyConfig &cfg_;
	std::vector<CopyPoint> points_;
};

} // namespace

int run_latency_compare(const CompareRequest &req, const LatencyConfig &cfg, bool tlb_cost,
			int argc, char **argv)
{
	LatencyWorkload w(cfg, tlb_cost);
	return run_compare(req, w, argc, argv);
}

int run_copy_compare(const CompareRequest &req, const CopyConfig &cfg, int argc, char **argv)
{
	CopyWorkload w(cfg);
	return run_compare(req, w, argc, argv);
}

} // namespace pfn
