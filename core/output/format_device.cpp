#include "output/format_device.h"

#include <fmt/format.h>

namespace pfn {

std::string format_device_info(const DeviceInfo &info)
{
	return fmt::format("kdriver ABI {} on {}: device-pte 4K, device-remap 2M only with the "
			   "remap_pfn_range() PMD series (a mapping shows), device-fault {}, "
			   "device-fault-1g {}",
			   info.abi_version, info.kernel_release,
			   info.fault_pmd_capable ? "2M where the process allows huge pages"
						  : "4K only (" + info.fault_pmd_why_not + ")",
			   info.fault_pud_capable
				   ? fmt::format("1G ({} run{} in the reserved range)", info.pud_runs,
						 info.pud_runs == 1 ? "" : "s")
				   : "unavailable (" + info.fault_pud_why_not + ")");
}

} // namespace pfn
