// The physical layout a measurement ran on, read back from frame numbers: whether pages
// next to each other in the virtual range are next to each other in memory, and whether a
// chain's hops go to the physically next page, or to the previous one: pages given back and
// faulted in again come from the allocator in descending order (a chain first touched in
// chain order after MADV_DONTNEED hops to the previous frame 99 % of the time on 6.18).
// Both change latency by tens of percent at 4 KiB pages (DRAM rows, prefetchers), and
// neither can be seen from the page sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace pfn {

// The page frame number behind each 4 KiB page of a range, 0 where nothing is mapped.
struct Frames {
	uintptr_t start = 0;        // virtual address of frames[0]'s page (4 KiB aligned)
	std::vector<uint64_t> pfn;  // one per 4 KiB page
	std::string method;         // where they were read: "pagemap", "kdriver-pfns"
};

constexpr size_t frame_bytes = 4096;

struct PhysLayout {
	std::string method;      // as Frames::method; empty when unavailable
	std::string unavailable = "not read back"; // why there are no figures ("" when there are)
	uint64_t pages = 0;      // 4 KiB pages present in the range
	// Pairs of present pages next to each other in the range; of those, the pairs whose
	// second page is the physically next frame, and those whose second is the previous.
	uint64_t adjacent_pairs = 0, adjacent_physical = 0, adjacent_reverse = 0;
	// Hops of the chain from one 4 KiB page to another, followed from its start (at most
	// max_chain_loads loads); of those, the hops to the physically next frame, and those to
	// the previous one.
	uint64_t chain_hops = 0, chain_hops_next = 0, chain_hops_prev = 0;

	bool available() const { return unavailable.empty(); }
	double fraction_adjacent() const; // 0 without pairs
	double fraction_chain_next() const; // 0 without hops
	double fraction_adjacent_reverse() const; // 0 without pairs
	double fraction_chain_prev() const; // 0 without hops
	// "physical: 65.3% of neighbouring pages contiguous, 88.4% of 65536 chain hops to the
	// next frame (pagemap)", with " (9.1% reversed)" and " (9.1% to the previous)" after
	// their figures where there are any, or "physical layout unavailable: <reason>".
	std::string summary() const;
};

// Loads followed to count a chain's hops: a fraction precise to a fraction of a percent
// (2^16 hops of a thrash chain), quick next to the measurement (a pagemap read of 1 GiB
// takes ~30 ms, these loads ~15 ms), as every point of a sweep reads its layout.
constexpr uint64_t max_chain_loads = 1u << 16;

// The adjacency figures of frames.
PhysLayout layout_of(const Frames &frames);

// Follows the chain from start (a pointer chain inside frames' range) for up to max_loads
// loads, or once round its cycle, and counts its hops between pages into layout. A hop
// that leaves the range ends it.
void count_chain_hops(PhysLayout &layout, const Frames &frames, const void *start,
		      uint64_t max_loads = max_chain_loads);

// Counts into layout, for each present page, the link its first word makes to another page
// of frames' range (first_words[i] holds page i's first word): a hop, and whether it goes
// to the physically next or previous frame. A thrash chain, pfnbench's or lmbench's -t, holds in every
// line of a page a pointer to the same next page, so this counts its whole cycle without
// knowing where it starts: what another process's memory allows.
void count_page_links(PhysLayout &layout, const Frames &frames,
		      const std::vector<uint64_t> &first_words);

// Frame numbers of process memory from /proc/self/pagemap. Throws Unavailable when they
// cannot be read: pagemap hides them (reads them as 0) without CAP_SYS_ADMIN.
Frames read_process_frames(const void *addr, size_t len);

// The same from the pagemap of process pid, for [addr, addr + len) of its address space.
Frames read_frames_of(int pid, uintptr_t addr, size_t len);

// Adds the counts of r into total (reports of several regions measured together).
void add_layout(PhysLayout &total, const PhysLayout &r);

void to_json(nlohmann::json &j, const PhysLayout &l);
void from_json(const nlohmann::json &j, PhysLayout &l);

} // namespace pfn
