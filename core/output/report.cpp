#include "output/report.h"

#include <string>

#include <fmt/format.h>

#include "base/size.h"
#include "measure/improvement.h"

namespace pfn {

namespace {

std::string value(double v, TableKind kind)
{
	return kind == TableKind::latency ? fmt::format("{:.3f} ns", v) : fmt::format("{:.2f} ms", v);
}

std::string mib(size_t bytes)
{
	return fmt::format("{:.2f}", double(bytes) / double(MiB));
}

} // namespace

std::string format_compare_table(const std::vector<CompareRow> &rows, TableKind kind)
{
	const bool gib = !rows.empty() && rows.front().with_1g;
	// Three columns: the cover letter's four, then the 1 GiB column and its improvement
	// (both improvements over the 4 KiB column), dashes under each header's words.
	std::string out =
		gib ? "Memory Size (MB) Without Huge Mapping With 2 MiB Mapping Improvement "
		      "With 1 GiB Mapping Improvement\n"
		      "---------------- -------------------- ------------------ ----------- "
		      "------------------ -----------\n"
		    : "Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement\n"
		      "---------------- ----------------- -------------- -----------\n";
	std::string notes;
	for (const CompareRow &r : rows) {
		// Improvement from the values as printed, so the row checks out by hand.
		const double without = std::stod(value(r.without, kind));
		out += fmt::format("{} {} {} {:.1f}%", mib(r.bytes), value(r.without, kind),
				   value(r.with, kind),
				   improvement_pct(without, std::stod(value(r.with, kind))));
		if (gib && r.with_1g) {
			const std::string gib_value = value(r.with_1g->value, kind);
			out += fmt::format(" {} {:.1f}%", gib_value,
					   improvement_pct(without, std::stod(gib_value)));
		}
		out += r.mismatch.empty() ? "\n" : " [!]\n";
		if (!r.mismatch.empty())
			notes += fmt::format("[!] {}: {}\n", mib(r.bytes), r.mismatch);
	}
	return notes.empty() ? out : out + "\n" + notes;
}

std::string format_compare_details(const std::vector<CompareRow> &rows, TableKind kind)
{
	const char *unit = kind == TableKind::latency ? "ns" : "ms";
	std::string out = fmt::format("Spread per row ({}: min / median / p90, spread = "
				      "(p90-p10)/median) and mappings read back:\n", unit);
	auto col = [&](const Summary &s) {
		return kind == TableKind::latency
			       ? fmt::format("{:.3f} / {:.3f} / {:.3f} ({:.1f}%, n={})", s.min,
					     s.median, s.p90, s.spread_pct(), s.n)
			       : fmt::format("{:.2f} / {:.2f} / {:.2f} ({:.1f}%, n={})", s.min,
					     s.median, s.p90, s.spread_pct(), s.n);
	};
	auto mapping = [](const MappingReport &rep) {
		return rep.summary() + "; " + rep.layout.summary();
	};
	for (const CompareRow &r : rows) {
		if (!r.with_1g) {
			out += fmt::format("{} without: {} [{}]; with: {} [{}]\n", mib(r.bytes),
					   col(r.without_summary), mapping(r.without_report),
					   col(r.with_summary), mapping(r.with_report));
			continue;
		}
		out += fmt::format("{} without: {} [{}]; with 2M: {} [{}]; with 1G: {} [{}]\n",
				   mib(r.bytes), col(r.without_summary), mapping(r.without_report),
				   col(r.with_summary), mapping(r.with_report),
				   col(r.with_1g->summary), mapping(r.with_1g->report));
	}
	return out + format_improvement_intervals(rows);
}

std::string format_improvement_intervals(const std::vector<CompareRow> &rows)
{
	if (rows.empty())
		return "";
	const ImprovementInterval &first = rows.front().improvement_ci;
	std::string out = fmt::format("Improvement and its {:g}% confidence interval (bootstrap of "
				      "each column's minimum, {} resamples, seed {}):\n",
				      first.level * 100, first.resamples, first.seed);
	auto interval = [](double pct, const ImprovementInterval &ci) {
		return fmt::format("{:.1f}% [{:.1f}%, {:.1f}%]{}", pct, ci.low_pct, ci.high_pct,
				   ci.significant() ? "" : " not significant");
	};
	for (const CompareRow &r : rows) {
		// A three-column row names its columns as the spread lines above do.
		if (!r.with_1g)
			out += fmt::format("{} {}\n", mib(r.bytes),
					   interval(r.improvement_pct(), r.improvement_ci));
		else
			out += fmt::format(
				"{} with 2M: {}; with 1G: {}\n", mib(r.bytes),
				interval(r.improvement_pct(), r.improvement_ci),
				interval(r.improvement_1g_pct(), r.with_1g->improvement_ci));
	}
	return out;
}

std::string format_region_note(const std::vector<LatencyPoint> &points)
{
	if (points.empty())
		return "";
	const LatencyPoint &first = points.front();
	bool one_region = true, spread = true;
	for (const auto &p : points) {
		one_region = one_region && p.region == first.region;
		spread = spread && p.chain == ChainKind::thrash;
	}
	std::string where;
	if (!one_region)
		where = "Each row was measured inside a region of its own size";
	else if (spread)
		where = fmt::format("Every row was measured inside one {} MiB region per mapping, "
				    "as lmbench -t {}M measures: a row's pages are drawn from the "
				    "whole region, so a smaller row reads slower here than in a "
				    "region of its own size",
				    mib(first.region), first.region / MiB);
	else
		where = fmt::format("Every row was measured in the first bytes of one {} MiB "
				    "region per mapping",
				    mib(first.region));
	return fmt::format("{}; pages first touched in {} order.\n", where,
			   first_touch_name(first.first_touch));
}

std::string format_tlb_cost_table(const std::vector<TlbCost> &rows)
{
	std::string out = "Memory Size (MB) Mapping Page-local Random TLB cost per load\n"
			  "---------------- ------- ---------- ------ -----------------\n";
	for (const auto &r : rows)
		out += fmt::format("{:.2f} {} {:.3f} ns {:.3f} ns {:.3f} ns ({:.1f}%)\n",
				   double(r.range) / double(MiB), mapping_name(r.mapping),
				   r.page_local.summary().min, r.random.summary().min, r.ns_per_load(),
				   r.pct_of_random());
	return out;
}

std::string format_page_walk_note(const std::vector<PageWalkEstimate> &estimates)
{
	std::string out;
	for (size_t i = 0; i < estimates.size(); i++) {
		const PageWalkEstimate &e = estimates[i];
		bool first = i == 0 || estimates[i - 1].with != e.with;
		bool last = i + 1 == estimates.size() || estimates[i + 1].with != e.with;
		if (first)
			out += fmt::format("Page walks per load ({} cost minus {} cost; MiB, ns):",
					   mapping_name(e.without), mapping_name(e.with));
		out += fmt::format(" {:.2f} {:.3f} ns{}", double(e.range) / double(MiB),
				   e.ns_per_load, last ? "\n" : ";");
	}
	return out;
}

std::string format_throughput_note(const std::vector<CopyPoint> &points)
{
	std::string out = "Throughput (GB/s, 1 GB = 1e9 bytes, from the fastest copy):";
	for (const auto &p : points)
		out += fmt::format(" {} {} {:.2f};", format_size(p.bytes), mapping_name(p.mapping),
				   p.gb_per_s());
	out.back() = '\n';
	return out;
}

std::string copy_table_header()
{
	return "Memory Size (MB) Mapping Kernel Copy Time Throughput Median Spread\n"
	       "---------------- ------- ------ --------- ---------- ------ ------\n";
}

std::string copy_table_line(const CopyPoint &p)
{
	Summary s = p.summary();
	return fmt::format("{} {} {} {:.2f} ms {:.2f} GB/s {:.2f} ms {:.1f}%\n", mib(p.bytes),
			   mapping_name(p.mapping), p.kernel, s.min, p.gb_per_s(), s.median,
			   s.spread_pct());
}

std::string lmbench_header(size_t stride)
{
	return fmt::format("\"stride={}\n", stride);
}

std::string lmbench_line(size_t range, double ns_per_load)
{
	return fmt::format("{:.5f} {:.3f}\n", double(range) / (1024.0 * 1024.0), ns_per_load);
}

std::vector<size_t> lmbench_sizes(size_t max_bytes, size_t stride)
{
	std::vector<size_t> out;
	for (size_t k = 512; k <= max_bytes;) {
		if (k >= stride)
			out.push_back(k);
		if (k < 1024) {
			k *= 2;
		} else if (k < 4 * 1024) {
			k += 1024;
		} else {
			size_t s = 32 * 1024;
			while (s <= k)
				s *= 2;
			k += s / 16;
		}
	}
	return out;
}

} // namespace pfn
