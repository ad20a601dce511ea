#include "memory/backend.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/size.h"
#include "memory/device.h"
#include "memory/region.h"

namespace pfn {

namespace {

// Small enough to cost nothing, large enough to hold aligned 2 MiB leaves.
constexpr size_t probe_bytes = 8 * MiB;

// "" when both mappings of the candidate read back as promised, else what went wrong.
std::string probe(const BackendPair &c, int node)
{
	try {
		auto small = map_region({c.without, probe_bytes, node});
		MappingReport rs = small->report();
		if (!rs.is_4k())
			return fmt::format("{} read back as {}", mapping_name(c.without), rs.summary());
		auto huge = map_region({c.with, probe_bytes, node});
		MappingReport rh = huge->report();
		if (!rh.is_huge())
			return fmt::format("{} read back as {}{}", mapping_name(c.with), rh.summary(),
					   rh.note.empty() ? "" : ": " + rh.note);
		return "";
	} catch (const Error &e) {
		return e.what();
	}
}

} // namespace

const std::vector<BackendPair> &backend_pairs()
{
	static const std::vector<BackendPair> pairs = {
		{"device-remap", MappingKind::device_pte, MappingKind::device_remap,
		 "device-remap vs device-pte (kdriver, remap_pfn_range)",
		 "kdriver, remap_pfn_range() gave PMD leaves: this kernel carries the series"},
		{"device-fault", MappingKind::device_pte, MappingKind::device_fault,
		 "device-fault vs device-pte (kdriver, huge_fault + vmf_insert_pfn_pmd)",
		 "kdriver on a kernel without the series: PMD leaves from huge_fault + "
		 "vmf_insert_pfn_pmd()"},
		{"thp", MappingKind::page_4k, MappingKind::thp, "thp vs 4k (process memory)",
		 "process memory: transparent huge pages against 4 KiB pages"},
		{"hugetlb", MappingKind::page_4k, MappingKind::hugetlb_2m,
		 "hugetlb vs 4k (process memory, hugetlbfs pool)",
		 "process memory: hugetlbfs pages against 4 KiB pages"},
	};
	return pairs;
}

std::vector<std::string> backend_names()
{
	std::vector<std::string> out;
	for (const auto &c : backend_pairs())
		out.push_back(c.name);
	return out;
}

std::string Backend::label() const
{
	std::string out;
	for (const auto &c : backend_pairs())
		if (c.name == name && c.without == without && c.with == with)
			out = c.label;
	if (out.empty())
		out = fmt::format("{} vs {}", mapping_name(with), mapping_name(without));
	if (with_1g)
		out += fmt::format(" (1 GiB column: {})", mapping_name(*with_1g));
	return out;
}

Backend choose_backend(int node, const std::optional<std::string> &only)
{
	if (only) {
		auto names = backend_names();
		if (std::find(names.begin(), names.end(), *only) == names.end())
			throw Error(fmt::format("unknown backend '{}' (choose from {})", *only,
						fmt::join(names, ", ")));
	}
	Backend b;
	std::string why_no_device;
	std::optional<DeviceInfo> dev = probe_device(&why_no_device);
	for (const auto &c : backend_pairs()) {
		if (only && *only != c.name)
			continue;
		BackendProbe p{c.name, false, ""};
		bool device = is_device(c.with);
		if (device && !dev)
			p.result = why_no_device;
		else if (device && c.with == MappingKind::device_fault && !dev->fault_pmd_capable)
			p.result = dev->fault_pmd_why_not;
		else
			p.result = probe(c, node);
		if (p.result.empty() && b.name.empty()) {
			p.chosen = true;
			p.result = "both mappings read back as promised";
			b.name = c.name;
			b.without = c.without;
			b.with = c.with;
			b.reason = c.what;
		}
		b.probes.push_back(std::move(p));
		if (!b.name.empty())
			break;
	}
	if (b.name.empty()) {
		std::vector<std::string> all;
		for (const auto &p : b.probes)
			all.push_back(fmt::format("{}: {}", p.name, p.result));
		throw Unavailable(fmt::format("no backend gives huge pages here ({})",
					      fmt::join(all, "; ")));
	}
	return b;
}

Backend resolve_backend(std::optional<MappingKind> without, std::optional<MappingKind> with,
			const std::optional<std::string> &only, int node)
{
	if (!without && !with)
		return choose_backend(node, only);
	if (only)
		throw Error("--backend cannot be combined with --without or --with");
	Backend b;
	b.name = "manual";
	b.without = without.value_or(MappingKind::page_4k);
	b.with = with.value_or(MappingKind::thp);
	b.reason = "mappings named on the command line";
	return b;
}

void to_json(nlohmann::json &j, const BackendPair &p)
{
	j = nlohmann::json{{"name", p.name},
			   {"without", mapping_name(p.without)},
			   {"with", mapping_name(p.with)},
			   {"label", p.label}};
}

void to_json(nlohmann::json &j, const Backend &b)
{
	nlohmann::json probes = nlohmann::json::array();
	for (const auto &p : b.probes)
		probes.push_back({{"name", p.name}, {"chosen", p.chosen}, {"result", p.result}});
	j = nlohmann::json{{"name", b.name},
			   {"without", mapping_name(b.without)},
			   {"with", mapping_name(b.with)},
			   {"label", b.label()},
			   {"reason", b.reason},
			   {"probes", probes}};
	if (b.with_1g)
		j["with_1g"] = mapping_name(*b.with_1g);
}

} // namespace pfn
