// Ordinary process memory: 4 KiB pages, transparent huge pages, or hugetlbfs.
#include <numa.h>
#include <numaif.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mman.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <ranges>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/error.h"
#include "base/size.h"
#include "memory/region.h"
#include "platform/sysinfo.h"

namespace pfn {

namespace {

uint64_t mem_available()
{
	std::ifstream in("/proc/meminfo");
	std::string key;
	uint64_t kb;
	std::string unit;
	while (in >> key >> kb) {
		std::getline(in, unit);
		if (key == "MemAvailable:")
			return kb * 1024;
	}
	return 0;
}

size_t page_size_of(MappingKind kind)
{
	switch (kind) {
	case MappingKind::thp:
	case MappingKind::hugetlb_2m:
		return 2 * MiB;
	case MappingKind::hugetlb_1g:
		return GiB;
	default:
		return 4 * KiB;
	}
}

// Free pages of a hugetlb pool directory (global or one node's), or nullopt without one.
std::optional<uint64_t> free_pages_in(const std::string &dir)
{
	std::string text = read_first_line(dir + "free_hugepages");
	if (text.empty())
		return std::nullopt;
	return std::stoull(text);
}

// hugetlb pages are reserved at mmap time, so an empty pool is a clean ENOMEM there;
// checking first lets the message say how many pages are missing.
void check_hugetlb_pool(size_t page, size_t bytes)
{
	std::string dir = fmt::format("/sys/kernel/mm/hugepages/hugepages-{}kB/", page / KiB);
	std::optional<uint64_t> free_total = free_pages_in(dir);
	if (!free_total)
		throw Unavailable(fmt::format("this kernel has no {} hugetlb pages ({} missing)",
					      format_size(page), dir));
	uint64_t free_pages = *free_total;
	uint64_t resv = std::stoull(read_first_line(dir + "resv_hugepages"));
	uint64_t usable = free_pages > resv ? free_pages - resv : 0;
	uint64_t need = (bytes + page - 1) / page;
	if (usable < need)
		throw Unavailable(fmt::format(
			"hugetlb pool has {} free {} pages, {} needed: as root, echo {} > {}nr_hugepages "
			"and read it back",
			usable, format_size(page), need, need + (free_pages - usable), dir));
}

// The reservation is global, but a region bound to a node faults its pages from that
// node's pool only, which would fail at populate time: that pool must hold them too.
void check_hugetlb_node(size_t page, size_t bytes, int node)
{
	std::string dir = fmt::format("/sys/devices/system/node/node{}/hugepages/hugepages-{}kB/",
				      node, page / KiB);
	std::optional<uint64_t> on_node = free_pages_in(dir);
	uint64_t need = (bytes + page - 1) / page;
	if (!on_node || *on_node >= need)
		return;
	std::string nr_text = read_first_line(dir + "nr_hugepages");
	uint64_t nr = nr_text.empty() ? *on_node : std::stoull(nr_text);
	throw Unavailable(fmt::format(
		"NUMA node {} has {} free {} hugetlb pages, {} needed (the pool's others are on "
		"other nodes): run on a CPU of a node that has them, or as root echo {} > "
		"{}nr_hugepages and read it back",
		node, *on_node, format_size(page), need, nr - *on_node + need, dir));
}

} // namespace

void check_regions_fit(const std::vector<RegionSpec> &specs)
{
	// Bytes asked of each pool: free memory (page size 0 here) and each hugetlb size;
	// and, for memory bound to a node, of that node.
	std::map<size_t, std::vector<size_t>> pools;
	std::map<int, std::vector<size_t>> nodes;
	std::map<std::pair<size_t, int>, size_t> hugetlb_nodes; // (page, node) -> bytes
	for (const auto &spec : specs) {
		if (is_device(spec.kind))
			continue;
		const size_t page = page_size_of(spec.kind);
		const size_t len = (spec.bytes + page - 1) / page * page;
		pools[is_hugetlb(spec.kind) ? page : 0].push_back(len);
		if (spec.node >= 0 && !is_hugetlb(spec.kind))
			nodes[spec.node].push_back(len);
		if (spec.node >= 0 && is_hugetlb(spec.kind))
			hugetlb_nodes[{page, spec.node}] += len;
	}
	// "4 GiB" for one region, "2 x 4 GiB" for two alike, "4 GiB + 2 GiB" otherwise.
	auto asked = [](const std::vector<size_t> &lens) {
		if (lens.size() > 1 && std::ranges::count(lens, lens[0]) == std::ptrdiff_t(lens.size()))
			return fmt::format("{} x {}", lens.size(), format_size(lens[0]));
		return fmt::format("{}", fmt::join(lens | std::views::transform(format_size), " + "));
	};
	auto total = [](const std::vector<size_t> &lens) {
		return std::accumulate(lens.begin(), lens.end(), size_t(0));
	};
	for (const auto &[page, lens] : pools) {
		if (page) {
			check_hugetlb_pool(page, total(lens));
			continue;
		}
		uint64_t avail = mem_available();
		if (avail && total(lens) > avail)
			throw NoRoom(fmt::format("{} is more than the {} of memory available",
						 asked(lens), format_size(avail)));
	}
	for (const auto &[where, bytes] : hugetlb_nodes)
		check_hugetlb_node(where.first, bytes, where.second);
	for (const auto &[node, lens] : nodes) {
		long long node_free = 0;
		if (numa_available() >= 0 && numa_node_size64(node, &node_free) > 0 &&
		    node_free >= 0 && total(lens) > uint64_t(node_free))
			throw NoRoom(fmt::format("{} does not fit NUMA node {}: it has {} free",
						 asked(lens), node, format_size(size_t(node_free))));
	}
}

void check_regions_fit(const RegionSpec &spec, unsigned count)
{
	check_regions_fit(std::vector<RegionSpec>(std::max(count, 1u), spec));
}

namespace {

class ProcessRegion : public Region {
public:
	ProcessRegion(std::byte *data, size_t size, MappingKind kind, void *map, size_t map_len,
		      int node)
		: Region(data, size, kind), map_(map), map_len_(map_len), node_(node) {}
	~ProcessRegion() override { munmap(map_, map_len_); }

	Frames frames(size_t offset, size_t len) const override
	{
		return read_process_frames(data_ + offset, len);
	}
	void refill(const std::function<void()> &touch) const override;
	std::string describe() const override
	{
		return fmt::format("process memory, {} ({})", mapping_name(kind_),
				   format_size(size_));
	}

protected:
	MappingReport shape(size_t offset, size_t len) const override
	{
		return read_process_mapping(data_ + offset, len);
	}

private:
	void *map_;
	size_t map_len_;
	int node_;
};

void bind_to_node(void *addr, size_t len, int node)
{
	if (node < 0)
		return;
	// libnuma's node mask, as wide as this kernel's nodes can number. Not
	// numa_tonode_memory(): it reports a failure on stderr and returns nothing.
	std::unique_ptr<bitmask, decltype(&numa_bitmask_free)> mask(numa_allocate_nodemask(),
								    numa_bitmask_free);
	if (unsigned(node) >= mask->size)
		throw Error(fmt::format("NUMA node {} is beyond this kernel's {} possible nodes",
					node, mask->size));
	numa_bitmask_setbit(mask.get(), unsigned(node));
	// mbind() reads maxnode - 1 bits, as libnuma's own calls allow for.
	if (mbind(addr, len, MPOL_BIND, mask->maskp, mask->size + 1, 0) != 0)
		throw Error(errno_text(fmt::format("cannot bind memory to NUMA node {}", node),
				       errno));
}

// MADV_POPULATE_WRITE (5.14) fails cleanly where touching would SIGBUS or OOM.
void populate(std::byte *p, size_t len, size_t page)
{
	if (madvise(p, len, MADV_POPULATE_WRITE) == 0)
		return;
	if (errno != EINVAL)
		throw Error(errno_text(fmt::format("cannot populate {} of memory",
						   format_size(len)), errno));
	for (size_t off = 0; off < len; off += page)
		reinterpret_cast<volatile char *>(p)[off] = 0;
}

// Page size advice for kind's private anonymous memory (none for hugetlb).
void advise(void *map, size_t len, MappingKind kind)
{
	if (kind == MappingKind::page_4k && madvise(map, len, MADV_NOHUGEPAGE) != 0)
		throw Error(errno_text("madvise(MADV_NOHUGEPAGE)", errno));
	if (kind == MappingKind::thp && madvise(map, len, MADV_HUGEPAGE) != 0)
		throw Error(errno_text("madvise(MADV_HUGEPAGE)", errno));
}

void ProcessRegion::refill(const std::function<void()> &touch) const
{
	if (is_hugetlb(kind_))
		Region::refill(touch);
	// A new mapping in place of the old one, as lmbench's next working set gets fresh
	// malloc() memory in a new process: MADV_DONTNEED would free the pages but keep the
	// page tables, whose pages a fresh mapping allocates among the data pages.
	if (mmap(map_, map_len_, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
		throw Error(errno_text("cannot map the region afresh", errno));
	advise(map_, map_len_, kind_);
	bind_to_node(map_, map_len_, node_);
	touch();
	if (kind_ == MappingKind::thp)
		populate(static_cast<std::byte *>(map_), map_len_, 2 * MiB);
}

} // namespace

std::unique_ptr<Region> map_process_region(const RegionSpec &spec)
{
	const size_t page = page_size_of(spec.kind);
	const size_t len = (spec.bytes + page - 1) / page * page;
	const bool hugetlb = is_hugetlb(spec.kind);

	check_regions_fit(spec);
	if (spec.kind == MappingKind::thp &&
	    read_first_line("/sys/kernel/mm/transparent_hugepage/enabled").find("[never]") !=
		    std::string::npos)
		throw Unavailable("transparent huge pages are disabled "
				  "(/sys/kernel/mm/transparent_hugepage/enabled is [never])");

	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	if (spec.kind == MappingKind::hugetlb_2m)
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB;
	if (spec.kind == MappingKind::hugetlb_1g)
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB;
	// THP needs a 2 MiB aligned start: over-allocate, then trim both ends.
	size_t map_len = spec.kind == MappingKind::thp ? len + page : len;
	void *map = mmap(nullptr, map_len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (map == MAP_FAILED) {
		if (hugetlb && errno == ENOMEM)
			throw Unavailable(fmt::format("hugetlb pool cannot supply {} of {} pages",
						      format_size(len), format_size(page)));
		throw Error(errno_text(fmt::format("cannot map {}", format_size(len)), errno));
	}
	auto *data = static_cast<std::byte *>(map);
	if (spec.kind == MappingKind::thp) {
		auto addr = reinterpret_cast<uintptr_t>(map);
		uintptr_t aligned = (addr + page - 1) / page * page;
		size_t head = aligned - addr;
		if (head)
			munmap(map, head);
		size_t tail = map_len - head - len;
		if (tail)
			munmap(reinterpret_cast<void *>(aligned + len), tail);
		map = reinterpret_cast<void *>(aligned);
		map_len = len;
		data = static_cast<std::byte *>(map);
	}
	auto region = std::make_unique<ProcessRegion>(data, spec.bytes, spec.kind, map, map_len,
						      spec.node);
	advise(map, map_len, spec.kind);
	bind_to_node(map, map_len, spec.node);
	if (spec.populate || hugetlb)
		populate(data, map_len, page);
	return region;
}

} // namespace pfn
