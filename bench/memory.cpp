#include "memory.h"

#include <algorithm>
#include <memory>
#include <tuple>

#include "base/error.h"
#include "measure/copy.h"

namespace bench {

namespace {

// What the slot's bytes hold now, so nothing is rebuilt that is still there.
enum class Content { none, chain, pattern };

struct Slot {
	std::unique_ptr<pfn::Region> region;
	Content content = Content::none;
	pfn::ChainSpec spec;
	pfn::FirstTouch order = pfn::FirstTouch::address;
	void *chain_start = nullptr;
	uint64_t seed = 0;
	bool populated = true; // when mapped (RegionSpec::populate)
};

Slot slots[2];

// populate false: a region this process never populated, whose first touch is the
// caller's (pfn::FirstTouch::chain); one populated once would give its frames back to
// that touch in reverse.
Slot &ensure(int slot, pfn::MappingKind kind, size_t bytes, bool populate = true)
{
	Slot &s = slots[slot];
	if (!s.region || s.region->kind() != kind || s.region->size() < bytes ||
	    s.populated != populate) {
		s = Slot{}; // unmap first: two large regions may not fit together
		s.region = pfn::map_region({kind, bytes, -1, populate});
		s.populated = populate;
	}
	return s;
}

bool same(const pfn::ChainSpec &a, const pfn::ChainSpec &b)
{
	return std::tie(a.kind, a.range, a.stride, a.page, a.seed) ==
	       std::tie(b.kind, b.range, b.stride, b.page, b.seed);
}

} // namespace

void *chain(pfn::MappingKind kind, size_t region_bytes, const pfn::ChainSpec &spec,
	    pfn::FirstTouch order)
{
	Slot &s = ensure(0, kind, region_bytes, pfn::populate_when_mapped(order));
	if (s.content != Content::chain || !same(s.spec, spec) || s.order != order) {
		s.content = Content::none; // until the chain is whole
		s.chain_start = pfn::lay_chain(*s.region, spec, order);
		s.spec = spec;
		s.order = order;
		s.content = Content::chain;
	}
	return s.chain_start;
}

pfn::MappingReport chain_report()
{
	const Slot &s = slots[0];
	if (!s.region || s.content != Content::chain)
		throw pfn::Error("internal: no chain built in this benchmark slot");
	return s.region->report(0, pfn::chain_footprint(s.spec, s.region->size()), s.chain_start);
}

const pfn::Region &source(pfn::MappingKind kind, size_t bytes, uint64_t seed)
{
	Slot &s = ensure(0, kind, bytes);
	if (s.content != Content::pattern || s.seed != seed) {
		pfn::fill_pattern(s.region->data(), s.region->size(), seed);
		s.seed = seed;
		s.content = Content::pattern;
	}
	return *s.region;
}

const pfn::Region &destination(pfn::MappingKind kind, size_t bytes)
{
	return *ensure(1, kind, bytes).region;
}

const pfn::Region &scratch(pfn::MappingKind kind, size_t bytes)
{
	Slot &s = ensure(0, kind, bytes);
	s.content = Content::none;
	return *s.region;
}

pfn::MappingReport report_of(int slot, size_t bytes)
{
	const Slot &s = slots[slot];
	if (!s.region)
		throw pfn::Error("internal: no region mapped in this benchmark slot");
	return s.region->report(0, std::min(bytes, s.region->size()));
}

void release()
{
	for (auto &s : slots)
		s = Slot{};
}

} // namespace bench
