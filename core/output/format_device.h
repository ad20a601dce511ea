// The kdriver device as text (pfnbench info).
#pragma once

#include <string>

#include "memory/device.h"

namespace pfn {

// What the loaded module and the running kernel can do, not what a mapping got:
// "kdriver ABI 3 on 6.12.117+deb12-cloud-amd64: device-pte 4K, device-remap 2M only with
// the remap_pfn_range() PMD series (a mapping shows), device-fault 2M where the process
// allows huge pages, device-fault-1g 1G (1 run in the reserved range)"
std::string format_device_info(const DeviceInfo &info);

} // namespace pfn
