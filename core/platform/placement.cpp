#include "platform/placement.h"

#include <hwloc.h>
#include <numa.h>
#include <sched.h>
#include <sys/sysinfo.h>

#include <algorithm>
#include <mutex>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/error.h"
#include "base/size.h"

namespace pfn {

namespace {

// hwloc discovers the machine once per process; discovery takes milliseconds.
hwloc_topology_t topology()
{
	static hwloc_topology_t topo = [] {
		hwloc_topology_t t;
		if (hwloc_topology_init(&t) != 0 || hwloc_topology_load(t) != 0)
			throw Error("hwloc cannot read this machine's topology");
		return t;
	}();
	return topo;
}

std::string bitmap_list(hwloc_const_bitmap_t set)
{
	char *text = nullptr;
	hwloc_bitmap_list_asprintf(&text, set);
	std::string out = text ? text : "";
	free(text);
	return out;
}

std::string online_nodes()
{
	if (numa_available() < 0)
		return "0";
	std::vector<int> nodes;
	for (int n = 0; n <= numa_max_node(); n++)
		if (numa_bitmask_isbitset(numa_nodes_ptr, unsigned(n)))
			nodes.push_back(n);
	return fmt::format("{}", fmt::join(nodes, ","));
}

// MemTotal and MemFree of the node's meminfo in sysfs (libnuma reads it), or of the whole
// machine when the kernel has no NUMA support (then there is one node).
void read_node_memory(int node, uint64_t &total, uint64_t &free)
{
	if (numa_available() >= 0) {
		long long node_free = 0;
		long long node_total = numa_node_size64(node, &node_free);
		if (node_total > 0) {
			total = uint64_t(node_total);
			free = uint64_t(std::max(node_free, 0LL));
			return;
		}
	}
	struct sysinfo si {};
	if (sysinfo(&si) == 0) {
		total = uint64_t(si.totalram) * si.mem_unit;
		free = uint64_t(si.freeram) * si.mem_unit;
	}
}

} // namespace

void check_node(int node)
{
	if (node < 0)
		throw Error(fmt::format("NUMA node {} is not valid (nodes: {})", node,
					online_nodes()));
	if (numa_available() < 0) {
		if (node != 0)
			throw Error(fmt::format("NUMA node {} does not exist: this kernel has no "
						"NUMA support, only node 0", node));
		return;
	}
	// numa_alloc_onnode() and friends do not fail for a missing node: check here.
	if (node > numa_max_node() || !numa_bitmask_isbitset(numa_nodes_ptr, unsigned(node)))
		throw Error(fmt::format("NUMA node {} does not exist (nodes with memory: {})", node,
					online_nodes()));
}

Placement resolve_placement(std::optional<int> cpu, std::optional<int> node)
{
	hwloc_topology_t topo = topology();
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	if (hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) != 0)
		hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(topo));
	std::string allowed_text = bitmap_list(allowed);

	Placement p;
	if (cpu) {
		hwloc_obj_t pu = *cpu >= 0 ? hwloc_get_pu_obj_by_os_index(topo, unsigned(*cpu))
					   : nullptr;
		if (!pu) {
			hwloc_bitmap_free(allowed);
			throw Error(fmt::format("CPU {} does not exist (CPUs: {})", *cpu,
						bitmap_list(hwloc_topology_get_topology_cpuset(topo))));
		}
		if (!hwloc_bitmap_isset(allowed, unsigned(*cpu))) {
			hwloc_bitmap_free(allowed);
			throw Error(fmt::format("CPU {} is outside this process's affinity "
						"(allowed CPUs: {})", *cpu, allowed_text));
		}
		p.cpu = *cpu;
	} else {
		p.cpu = hwloc_bitmap_first(allowed);
	}
	hwloc_bitmap_free(allowed);
	if (p.cpu < 0)
		throw Error("no CPU is allowed to this process");

	if (node) {
		check_node(*node);
		p.node = *node;
	} else {
		p.node = numa_available() < 0 ? 0 : numa_node_of_cpu(p.cpu);
		if (p.node < 0)
			p.node = 0;
	}
	return p;
}

std::vector<Placement> resolve_placements(int n, std::optional<int> cpu, std::optional<int> node)
{
	std::vector<Placement> out{resolve_placement(cpu, node)};
	hwloc_topology_t topo = topology();
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	if (hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) != 0)
		hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(topo));
	int have = hwloc_bitmap_weight(allowed);
	std::string allowed_text = bitmap_list(allowed);
	// The next allowed CPUs after the first one, wrapping around.
	for (int c = hwloc_bitmap_next(allowed, out[0].cpu); int(out.size()) < n;
	     c = hwloc_bitmap_next(allowed, c)) {
		if (c < 0)
			c = hwloc_bitmap_first(allowed);
		if (c == out[0].cpu)
			break;
		out.push_back(resolve_placement(c, node));
	}
	hwloc_bitmap_free(allowed);
	if (int(out.size()) < n)
		throw Error(fmt::format("{} parallel chases need {} CPUs, but only {} are allowed "
					"({})", n, n, have, allowed_text));
	return out;
}

void pin_thread(const Placement &placement)
{
	hwloc_topology_t topo = topology();
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(topo, unsigned(placement.cpu));
	if (!pu)
		throw Error(fmt::format("CPU {} does not exist", placement.cpu));
	if (hwloc_set_cpubind(topo, pu->cpuset, HWLOC_CPUBIND_THREAD) != 0)
		throw Error(fmt::format("cannot pin the thread to CPU {}", placement.cpu));
}

std::vector<CpuCache> cpu_caches(int cpu)
{
	hwloc_topology_t topo = topology();
	hwloc_obj_t pu = cpu >= 0 ? hwloc_get_pu_obj_by_os_index(topo, unsigned(cpu)) : nullptr;
	if (!pu)
		throw Error(fmt::format("CPU {} does not exist", cpu));
	std::vector<CpuCache> out;
	for (hwloc_obj_t obj = pu->parent; obj; obj = obj->parent) {
		if (!hwloc_obj_type_is_dcache(obj->type) || obj->attr->cache.size == 0)
			continue;
		bool data = obj->attr->cache.type == HWLOC_OBJ_CACHE_DATA;
		out.push_back({fmt::format("L{}{}", obj->attr->cache.depth, data ? "d" : ""),
			       uint64_t(obj->attr->cache.size)});
	}
	return out;
}

std::vector<NumaNode> numa_nodes()
{
	hwloc_topology_t topo = topology();
	std::vector<NumaNode> out;
	int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
	for (int i = 0; i < n; i++) {
		hwloc_obj_t obj = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, unsigned(i));
		NumaNode node;
		node.node = int(obj->os_index);
		node.cpus = bitmap_list(obj->cpuset);
		// Not hwloc's local_memory, read once when the topology was loaded: a node's
		// memory moves while the machine runs (on the development VMs a balloon driver
		// moved node 0 between 8.6 and 12.5 GiB within an hour).
		read_node_memory(node.node, node.total_bytes, node.free_bytes);
		out.push_back(std::move(node));
	}
	return out;
}

std::string numa_layout(const std::vector<NumaNode> &nodes)
{
	std::vector<std::string> parts;
	for (const auto &n : nodes)
		parts.push_back(fmt::format("node {}: CPUs {}, {} total, {} free", n.node, n.cpus,
					    format_size(n.total_bytes), format_size(n.free_bytes)));
	return fmt::format("{}", fmt::join(parts, "; "));
}

} // namespace pfn
