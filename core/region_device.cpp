// Placeholder until the kdriver backend lands: the device kinds are refused clearly.
#include "error.h"
#include "region.h"

namespace pfn {

std::unique_ptr<Region> map_device_region(const RegionSpec &)
{
	throw Unavailable("device backend not built into this pfnbench");
}

} // namespace pfn
