#include "memory/region.h"

#include <fmt/format.h>

#include "base/error.h"

namespace pfn {

MappingReport Region::report(size_t offset, size_t len, const void *chain) const
{
	MappingReport r = shape(offset, len);
	try {
		Frames f = frames(offset, len);
		r.layout = layout_of(f);
		count_chain_hops(r.layout, f, chain);
	} catch (const Unavailable &e) {
		r.layout = PhysLayout{};
		r.layout.unavailable = e.what();
	}
	return r;
}

void Region::refill(const std::function<void()> &) const
{
	throw Error(fmt::format("{} memory cannot be given fresh pages", mapping_name(kind_)));
}

std::unique_ptr<Region> map_region(const RegionSpec &spec)
{
	if (spec.bytes == 0)
		throw Error("region size must be greater than zero");
	if (is_device(spec.kind))
		return map_device_region(spec);
	return map_process_region(spec);
}

} // namespace pfn
