// pfnbench_info: what this machine, kernel and driver can do for pfnbench, and which
// backend a comparison would use here.
#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/size.h"
#include "measure/copy.h"
#include "memory/backend.h"
#include "memory/device.h"
#include "memory/process_layout.h"
#include "output/format_counters.h"
#include "output/format_device.h"
#include "platform/counters.h"
#include "platform/event_tables.h"
#include "platform/placement.h"
#include "platform/sysinfo.h"
#include "run/program.h"

namespace {

nlohmann::json device_json(std::string &text)
{
	std::string why;
	auto dev = pfn::probe_device(&why);
	text = dev ? pfn::format_device_info(*dev) : "unavailable: " + why;
	if (!dev)
		return {{"available", false}, {"reason", why}};
	return {{"available", true}, {"summary", pfn::format_device_info(*dev)}};
}

nlohmann::json backend_json(int node, const std::optional<std::string> &only, std::string &text)
{
	try {
		pfn::Backend b = pfn::choose_backend(node, only);
		text = fmt::format("{}: {}", b.label(), b.reason);
		for (const auto &p : b.probes)
			text += fmt::format("\n  {} {}: {}", p.chosen ? "*" : "-", p.name, p.result);
		return b;
	} catch (const pfn::Error &e) {
		text = fmt::format("unavailable: {}", e.what());
		return {{"name", nullptr}, {"reason", e.what()}};
	}
}

// Where the measuring thread runs, its memory's node, and the caches that CPU's loads go
// through (the sweep plot marks them): what every program of a reproduce run is pinned to.
nlohmann::json placement_json(const pfn::Placement &place)
{
	nlohmann::json caches = nlohmann::json::object();
	for (const auto &c : pfn::cpu_caches(place.cpu))
		caches[c.name] = c.bytes;
	return {{"cpu", place.cpu}, {"node", place.node}, {"caches", caches}};
}

// The default events as this CPU's event tables define them (the native events a PAPI
// preset stands for on this model), and whether each counts here or why not.
nlohmann::json default_events_json(std::string &text)
{
	std::vector<std::string> defaults = pfn::default_counter_events();
	pfn::CounterPlan plan(defaults);
	std::vector<std::string> countable = plan.countable();
	nlohmann::json out = nlohmann::json::array();
	text = "default events as this CPU's event tables define them:\n";
	for (const auto &name : defaults) {
		pfn::EventTableEntry e = pfn::look_up_event(name);
		bool counts = std::ranges::find(countable, name) != countable.end();
		std::string reason;
		if (!counts) {
			auto why = plan.unavailable().find(name);
			reason = why != plan.unavailable().end() ? why->second
								 : "not counted, no reason given";
			// PAPI says "Event does not exist" for a CPU event with no PMU to count it.
			std::string pmu = pfn::no_pmu_note();
			if (!pmu.empty() && reason.find(pmu) == std::string::npos)
				reason += " (" + pmu + ")";
		}
		out.push_back({{"name", name}, {"native", e.native}, {"note", e.note},
			       {"counts", counts}, {"reason", reason}});
		text += fmt::format("  {}: {}\n", pfn::describe(e),
				    counts ? "counts" : "unavailable: " + reason);
	}
	return out;
}

int print_layout_of(int pid, bool json)
{
	std::vector<pfn::MappingLayout> maps =
		pfn::layouts_of_process(pid, pfn::min_layout_mapping_bytes);
	if (json) {
		fmt::print("{}\n", nlohmann::json{{"pid", pid}, {"mappings", maps}}.dump(1));
		return pfn::exit_ok;
	}
	if (maps.empty())
		fmt::print("pid {}: no anonymous mapping of {} or more\n", pid,
			   pfn::format_size(pfn::min_layout_mapping_bytes));
	for (const auto &m : maps)
		fmt::print("pid {}: {:#x} {}: {} pages present; {}\n", pid, m.start,
			   pfn::format_size(m.end - m.start), m.layout.pages, m.layout.summary());
	return pfn::exit_ok;
}

} // namespace

int main(int argc, char **argv)
{
	CLI::App app{"Says what this machine, kernel and kdriver can do for pfnbench: system facts, "
		     "the driver's modes, the backend --compare would choose (each candidate probed "
		     "by mapping memory and reading its page tables back), copy kernels and the "
		     "hardware counters that really count.",
		     "pfnbench_info"};
	bool json = false;
	std::optional<int> cpu, node;
	std::optional<std::string> only;
	app.add_flag("--json", json, "print everything as one JSON object");
	app.add_option("--cpu", cpu, "CPU whose node the backend probes use");
	app.add_option("--node", node, "NUMA node for the backend probes");
	std::optional<int> layout_pid;
	app.add_option("--layout-of", layout_pid,
		       "only this: the physical layout of process PID's anonymous mappings of 1 MiB "
		       "or more, and the share of its pages' links (a thrash chain's hops) that go "
		       "to the physically next frame, as lat_mem_rd reports its own (root only)")
		->type_name("PID")
		->check(CLI::Range(1, 1 << 30));
	app.add_option("--backend", only, "probe only this backend (as lat_mem_rd --backend)")
		->type_name("NAME")
		->check(CLI::IsMember(pfn::backend_names()));
	int rc = pfn::parse_args(app, argc, argv);
	if (rc >= 0)
		return rc;
	if (layout_pid)
		return pfn::run_main("pfnbench_info", [&] { return print_layout_of(*layout_pid, json); });
	return pfn::run_main("pfnbench_info", [&] {
		pfn::Placement place = pfn::resolve_placement(cpu, node);
		pfn::pin_thread(place);
		std::string device_text, backend_text;
		nlohmann::json doc = {
			{"system", pfn::system_facts()},
			{"placement", placement_json(place)},
			{"device", device_json(device_text)},
			{"backend", backend_json(place.node, only, backend_text)},
			{"backends", pfn::backend_pairs()},
			{"copy_kernels", pfn::supported_copy_kernels()},
		};
		pfn::CounterInventory inv = pfn::list_countable_events();
		nlohmann::json countable = nlohmann::json::array();
		for (const auto &e : inv.countable)
			countable.push_back({{"name", e.name}, {"source", e.source}});
		std::string defaults_text;
		doc["counters"] = {{"countable", countable}, {"disabled", inv.disabled},
				   {"default", pfn::default_counter_events()},
				   {"default_events", default_events_json(defaults_text)}};
		if (json) {
			fmt::print("{}\n", doc.dump(1));
			return pfn::exit_ok;
		}
		const auto &s = doc["system"];
		fmt::print("machine:   {} ({} CPUs), kernel {}\n", s["cpu_model"].get<std::string>(),
			   s["cpus"].get<int>(), s["kernel"].get<std::string>());
		fmt::print("numa:      {}\n", s["numa_layout"].get<std::string>());
		fmt::print("thp:       enabled [{}], defrag [{}]; hugetlb 2 MiB pages free: {}\n",
			   s["thp_enabled"].get<std::string>(), s["thp_defrag"].get<std::string>(),
			   s["hugetlb_free_2m"].get<long>());
		fmt::print("placement: CPU {}, node {}; caches", place.cpu, place.node);
		for (const auto &[name, bytes] : doc["placement"]["caches"].items())
			fmt::print(" {} {}", name, pfn::format_size(bytes.get<uint64_t>()));
		fmt::print("\n");
		fmt::print("kdriver:   {}\n", device_text);
		fmt::print("backend:   {}\n", backend_text);
		fmt::print("copy:      {}\n", fmt::join(pfn::supported_copy_kernels(), ", "));
		fmt::print("counters:\n{}{}", pfn::format_inventory(inv), defaults_text);
		return pfn::exit_ok;
	});
}
