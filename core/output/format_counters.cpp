#include "output/format_counters.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/size.h"

namespace pfn {

std::string format_inventory(const CounterInventory &inv)
{
	std::string out;
	if (inv.countable.empty())
		out += "no countable events on this machine\n";
	else
		out += "countable events:\n";
	size_t width = 0;
	for (const auto &e : inv.countable)
		width = std::max(width, e.name.size());
	for (const auto &e : inv.countable)
		out += fmt::format("  {:<{}}  {:<18} {}\n", e.name, width, e.source, e.description);
	if (!inv.disabled.empty()) {
		out += "not countable here:\n";
		for (const auto &d : inv.disabled)
			out += "  " + d + "\n";
	}
	out += fmt::format("default events: {}\n", fmt::join(default_counter_events(), ","));
	return out;
}

std::string unavailable_line(const CounterValues &c)
{
	if (c.unavailable.empty())
		return {};
	// Group events by reason so a machine without a PMU says it once.
	using Group = std::pair<std::string, std::vector<std::string>>; // reason, its events
	std::vector<Group> groups;
	for (const auto &[name, why] : c.unavailable) {
		auto g = std::ranges::find(groups, why, &Group::first);
		if (g == groups.end())
			groups.push_back({why, {name}});
		else
			g->second.push_back(name);
	}
	std::vector<std::string> lines;
	for (const auto &[why, names] : groups)
		lines.push_back(fmt::format("{}: {}", fmt::join(names, ", "), why));
	return fmt::format("counters unavailable: {}", fmt::join(lines, "; "));
}

std::string per_unit_text(const CounterValues &c, double units, std::string_view unit)
{
	std::vector<std::string> parts;
	for (const auto &[name, v] : c.values)
		parts.push_back(units > 0 ? fmt::format("{} {:.4g}/{}", name, double(v) / units, unit)
					  : fmt::format("{} {}", name, v));
	return fmt::format("{}", fmt::join(parts, ", "));
}

std::string format_counter_notes(const std::vector<CounterNote> &notes, std::string_view unit)
{
	CounterValues all;
	std::string out;
	for (const auto &n : notes) {
		accumulate(all, n.counters);
		if (!n.counters.values.empty())
			out += fmt::format("  {}: {}\n", n.label, per_unit_text(n.counters, n.units, unit));
	}
	if (!out.empty())
		out = fmt::format("Counters per {}:\n", unit) + out;
	std::string missing = unavailable_line(all);
	if (!missing.empty())
		out += missing + "\n";
	return out;
}

std::string format_counter_notes(const std::vector<LatencyPoint> &points)
{
	std::vector<CounterNote> notes;
	for (const auto &p : points) {
		std::string label = fmt::format("{} {} {}", format_size(p.range),
						mapping_name(p.mapping), chain_name(p.chain));
		if (p.thread_counters.empty())
			notes.push_back({label, p.counters, p.timed_loads()});
		for (const auto &t : p.thread_counters)
			notes.push_back({fmt::format("{}, CPU {}", label, t.cpu), t.counters,
					 double(t.loads)});
	}
	return format_counter_notes(notes, "load");
}

std::string format_counter_notes(const std::vector<CopyPoint> &points)
{
	std::vector<CounterNote> notes;
	for (const auto &p : points)
		notes.push_back({fmt::format("{} {} {}", format_size(p.bytes), mapping_name(p.mapping),
					     p.kernel),
				 p.counters, double(p.bytes) * double(p.samples_ms.size())});
	return format_counter_notes(notes, "byte");
}

} // namespace pfn
