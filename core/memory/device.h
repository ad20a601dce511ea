// The kdriver device (/dev/pfnbench): what the loaded module and the running kernel can do.
// The regions themselves come from map_device_region() (region.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "memory/mapping.h"

namespace pfn {

struct DeviceInfo {
	unsigned abi_version = 0;
	std::string kernel_release;   // of the running kernel, as the module sees it
	bool pte = false, remap = false, fault = false; // modes the module accepts
	// What the kernel can do, not what a mapping got: device-fault can get PMD leaves
	// (huge PFNMAP faults, Linux >= 6.12, and a cache mode a fault-path leaf keeps). A
	// process or range that refuses huge pages still gets PTEs; map_device_region()
	// reads back what each mapping got. Whether device-remap gives PMD leaves (a kernel
	// with the series) is no capability: only a mapping shows it.
	bool fault_pmd_capable = false;
	std::string fault_pmd_why_not; // when not capable: why, in one line
	// The same for device-fault-1g and PUD leaves: PUD PFNMAP faults, and the module's
	// reserved range holds pud_runs 1 GiB-aligned runs (the page allocator gives none).
	bool fault_pud_capable = false;
	std::string fault_pud_why_not;
	uint64_t pud_runs = 0;
	uint64_t chunk_bytes = 0;     // allocation unit, 2 MiB
	uint64_t max_bytes = 0;       // largest buffer (module parameter max_mib)

	// The module can map this kind at all.
	bool supports(MappingKind kind) const;
};

// The device's capabilities, or nullopt with *why_not (if given) set to the one-line
// reason it cannot be used (not loaded, no permission, ABI mismatch).
std::optional<DeviceInfo> probe_device(std::string *why_not = nullptr);

} // namespace pfn
