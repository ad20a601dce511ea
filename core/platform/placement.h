// Where the measuring thread runs and where its memory lives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pfn {

struct Placement {
	int cpu = -1;  // OS CPU number the thread is pinned to
	int node = -1; // NUMA node memory is bound to
};

// Validates a requested CPU and node. Without --cpu, the first CPU of the affinity the
// process was started with (so "numactl -C 0 prog" is honoured); without --node, the node
// local to that CPU. Throws Error naming the CPUs/nodes that do exist.
Placement resolve_placement(std::optional<int> cpu, std::optional<int> node);

// n placements on n different allowed CPUs for parallel chases (lmbench -P): the first as
// resolve_placement() gives it, the rest on the next allowed CPUs, each with its own local
// node unless node is given. Throws Error when fewer than n CPUs are allowed.
std::vector<Placement> resolve_placements(int n, std::optional<int> cpu, std::optional<int> node);

// Pins the calling thread to placement.cpu (hwloc). Throws Error on failure.
void pin_thread(const Placement &placement);

// Throws Error unless node is an online NUMA node with memory.
void check_node(int node);

// A data or unified cache above a CPU: "L1d", "L2", "L3" (a data-only cache gets a "d").
struct CpuCache {
	std::string name;
	uint64_t bytes = 0;
};

// The data and unified caches the CPU's loads go through, nearest first, as hwloc reads
// them; empty when hwloc knows none.
std::vector<CpuCache> cpu_caches(int cpu);

// One NUMA node: its CPUs and its memory as the kernel counts it when asked.
struct NumaNode {
	int node = 0;
	std::string cpus;         // "0-1"
	uint64_t total_bytes = 0; // the node's MemTotal (memory the kernel manages there now)
	uint64_t free_bytes = 0;  // its MemFree (hugetlb pool pages are not free)
};

// Every node, its memory read now (it changes while the machine runs: read it before
// measuring).
std::vector<NumaNode> numa_nodes();

// "node 0: CPUs 0-1, 13.0 GiB total, 5.6 GiB free; node 1: ..."
std::string numa_layout(const std::vector<NumaNode> &nodes);

} // namespace pfn
