// A region of memory mapped by one backend, populated before use, able to report
// the page-table shape it really got.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "memory/mapping.h"
#include "memory/mapping_report.h"

namespace pfn {

struct RegionSpec {
	MappingKind kind = MappingKind::page_4k;
	size_t bytes = 0;
	int node = -1; // NUMA node to bind to; -1: local to the calling thread
	// false: process memory is mapped empty, for a caller that touches its pages first
	// in an order of its own (refill(), first_touch.h). Device and hugetlb memory have
	// their frames when mapped and ignore it.
	bool populate = true;
};

class Region {
public:
	virtual ~Region() = default;
	Region(const Region &) = delete;
	Region &operator=(const Region &) = delete;

	std::byte *data() const { return data_; }
	size_t size() const { return size_; }
	MappingKind kind() const { return kind_; }

	// The page-table shape of [offset, offset+len) as read back now, with the physical
	// layout behind it (or why that cannot be read); chain: the start of a pointer chain
	// inside that range, whose hops between pages are counted too.
	MappingReport report(size_t offset, size_t len, const void *chain = nullptr) const;
	MappingReport report() const { return report(0, size_); }
	// The frame numbers behind [offset, offset+len); throws Unavailable saying why they
	// cannot be read.
	virtual Frames frames(size_t offset, size_t len) const = 0;
	// Maps the region afresh, its pages and page tables freed as a process's exit frees
	// them, and lets touch() fault in the pages it writes, in the order it writes them:
	// they get whatever frames the kernel's allocator hands out then. Pages touch() leaves
	// alone stay unpopulated, except in transparent huge pages, which are populated
	// whole so the region reads back as huge (first_touch.h). Throws Error where the
	// frames are fixed before any touch (hugetlb pool, device buffer).
	virtual void refill(const std::function<void()> &touch) const;
	// Backend details worth recording (driver mode, caching, kernel support...).
	virtual std::string describe() const = 0;

protected:
	// Page sizes and nodes of [offset, offset+len), read back (report() adds the layout).
	virtual MappingReport shape(size_t offset, size_t len) const = 0;

	Region(std::byte *data, size_t size, MappingKind kind)
		: data_(data), size_(size), kind_(kind) {}
	std::byte *data_;
	size_t size_;
	MappingKind kind_;
};

// Throws, before anything is mapped, when the regions of specs cannot all be had at once:
// NoRoom when memory (or a node's free memory) is short, Unavailable when a hugetlb pool
// is, each saying how much is missing. Process memory of every kind draws on the same
// free memory, each hugetlb page size on its own pool. Device memory is left to the
// driver (which answers NoRoom when mapping). The one answer to "do these fit": map_region()
// checks its one region, a copy its source and destination, a comparison its columns
// (together, else one after the other).
void check_regions_fit(const std::vector<RegionSpec> &specs);
// `count` regions like spec.
void check_regions_fit(const RegionSpec &spec, unsigned count = 1);

// Maps, binds and populates a region. Throws Error (bad request) or Unavailable
// (backend missing: no driver, empty hugetlb pool...) with a one-line message.
std::unique_ptr<Region> map_region(const RegionSpec &spec);

// Backends (one file each).
std::unique_ptr<Region> map_process_region(const RegionSpec &spec);
std::unique_ptr<Region> map_device_region(const RegionSpec &spec);

} // namespace pfn
