#include "region.h"

#include <fmt/format.h>

#include "error.h"

namespace pfn {

std::unique_ptr<Region> map_region(const RegionSpec &spec)
{
	if (spec.bytes == 0)
		throw Error("region size must be greater than zero");
	if (is_device(spec.kind))
		return map_device_region(spec);
	return map_process_region(spec);
}

} // namespace pfn
