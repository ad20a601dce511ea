#include "measure/result.h"

#include <algorithm>
#include <initializer_list>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/error.h"
#include "base/size.h"

namespace pfn {

Summary LatencyPoint::summary() const
{
	return summarize(samples_ns);
}

double LatencyPoint::timed_loads() const
{
	if (thread_counters.empty())
		return double(loads_per_sample) * double(samples_ns.size());
	double loads = 0;
	for (const auto &t : thread_counters)
		loads += double(t.loads);
	return loads;
}

Summary CopyPoint::summary() const
{
	return summarize(samples_ms);
}

double CopyPoint::gb_per_s() const
{
	if (samples_ms.empty())
		return 0;
	double best = *std::min_element(samples_ms.begin(), samples_ms.end());
	return best > 0 ? double(bytes) / (best * 1e-3) / 1e9 : 0;
}

double CompareRow::improvement_pct() const
{
	return pfn::improvement_pct(without, with);
}

double CompareRow::median_improvement_pct() const
{
	return pfn::improvement_pct(without_summary.median, with_summary.median);
}

double CompareRow::improvement_1g_pct() const
{
	return with_1g ? pfn::improvement_pct(without, with_1g->value) : 0.0;
}

void to_json(nlohmann::json &j, const CounterValues &c)
{
	j = nlohmann::json{{"values", c.values}, {"unavailable", c.unavailable}};
}

void to_json(nlohmann::json &j, const ThreadCounters &t)
{
	j = nlohmann::json{{"cpu", t.cpu}, {"loads", t.loads}, {"counters", t.counters}};
}

void to_json(nlohmann::json &j, const LatencyPoint &p)
{
	j = nlohmann::json{{"mapping", mapping_name(p.mapping)},
			   {"chain", chain_name(p.chain)},
			   {"range_bytes", p.range},
			   {"region_bytes", p.region},
			   {"stride_bytes", p.stride},
			   {"first_touch", first_touch_name(p.first_touch)},
			   {"report", p.report},
			   {"samples_ns", p.samples_ns},
			   {"loads_per_sample", p.loads_per_sample},
			   {"summary", p.summary()},
			   {"counters", p.counters}};
	// Each event per timed load, as the notes under the tables print it (plots/ draws it).
	const double loads = p.timed_loads();
	if (loads > 0 && !p.counters.values.empty()) {
		nlohmann::json per_load = nlohmann::json::object();
		for (const auto &[event, count] : p.counters.values)
			per_load[event] = double(count) / loads;
		j["counters_per_load"] = per_load;
	}
	if (!p.thread_counters.empty())
		j["thread_counters"] = p.thread_counters;
}

void to_json(nlohmann::json &j, const CopyPoint &p)
{
	j = nlohmann::json{{"mapping", mapping_name(p.mapping)},
			   {"kernel", p.kernel},
			   {"bytes", p.bytes},
			   {"src_report", p.src_report},
			   {"dst_report", p.dst_report},
			   {"samples_ms", p.samples_ms},
			   {"summary", p.summary()},
			   {"gb_per_s", p.gb_per_s()},
			   {"counters", p.counters}};
}

void to_json(nlohmann::json &j, const CompareRow &r)
{
	j = nlohmann::json{{"bytes", r.bytes},
			   {"size_mib", double(r.bytes) / double(MiB)},
			   {"without_mapping", mapping_name(r.without_mapping)},
			   {"with_mapping", mapping_name(r.with_mapping)},
			   {"without", r.without},
			   {"with", r.with},
			   {"improvement_pct", r.improvement_pct()},
			   {"median_improvement_pct", r.median_improvement_pct()},
			   {"improvement_ci", r.improvement_ci},
			   {"without_summary", r.without_summary},
			   {"with_summary", r.with_summary},
			   {"without_report", r.without_report},
			   {"with_report", r.with_report},
			   {"mismatch", r.mismatch}};
	if (r.with_1g) {
		j["with_1g_mapping"] = mapping_name(r.with_1g->mapping);
		j["with_1g"] = r.with_1g->value;
		j["improvement_1g_pct"] = r.improvement_1g_pct();
		j["improvement_1g_ci"] = r.with_1g->improvement_ci;
		j["with_1g_summary"] = r.with_1g->summary;
		j["with_1g_report"] = r.with_1g->report;
	}
}

CompareRow make_compare_row(size_t bytes, CompareColumn without, CompareColumn with,
			    const BootstrapSpec &bootstrap)
{
	CompareRow r;
	r.bytes = bytes;
	r.without_mapping = without.mapping;
	r.with_mapping = with.mapping;
	r.without_summary = summarize(without.samples);
	r.with_summary = summarize(with.samples);
	r.without = r.without_summary.min;
	r.with = r.with_summary.min;
	r.improvement_ci = bootstrap_improvement(without.samples, with.samples, bootstrap);
	r.without_report = std::move(without.report);
	r.with_report = std::move(with.report);
	r.mismatch = check_columns(r.without_report, r.with_report);
	return r;
}

CompareRow make_compare_row(size_t bytes, CompareColumn without, CompareColumn with,
			    CompareColumn with_1g, const BootstrapSpec &bootstrap)
{
	ImprovementInterval ci_1g =
		bootstrap_improvement(without.samples, with_1g.samples, bootstrap);
	CompareRow r = make_compare_row(bytes, std::move(without), std::move(with), bootstrap);
	Summary summary = summarize(with_1g.samples);
	r.with_1g = GibColumn{with_1g.mapping, summary.min, summary, std::move(with_1g.report),
			      ci_1g};
	r.mismatch = check_columns(r.without_report, r.with_report, r.with_1g->report);
	return r;
}

void require_verified(const std::vector<CompareRow> &rows)
{
	size_t bad = 0;
	for (const auto &r : rows)
		bad += !r.mismatch.empty();
	if (bad)
		throw Error(fmt::format("{} of {} rows did not get the mapping their column claims "
					"(marked [!])", bad, rows.size()));
}

namespace {

// "<column> read back as <summary>" for each column whose check failed, joined by "; ".
std::string wrong_columns(
	std::initializer_list<std::tuple<bool, const char *, const MappingReport *>> columns)
{
	std::vector<std::string> wrong;
	for (const auto &[ok, column, r] : columns)
		if (!ok)
			wrong.push_back(fmt::format("{} read back as {}", column, r->summary()));
	return fmt::format("{}", fmt::join(wrong, "; "));
}

} // namespace

std::string check_columns(const MappingReport &without, const MappingReport &with_2m,
			  const MappingReport &with_1g)
{
	return wrong_columns({{without.is_4k(), "Without Huge Mapping", &without},
			      {with_2m.is_2m(), "With 2 MiB Mapping", &with_2m},
			      {with_1g.is_1g(), "With 1 GiB Mapping", &with_1g}});
}

std::string check_columns(const MappingReport &without, const MappingReport &with)
{
	return wrong_columns({{without.is_4k(), "Without Huge Mapping", &without},
			      {with.is_huge(), "With Huge Mapping", &with}});
}

} // namespace pfn
