// The kdriver device (/dev/pfnbench): what the loaded module and the running kernel can do.
// The regions themselves come from map_device_region() (region.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mapping.h"

namespace pfn {

struct DeviceInfo {
	unsigned abi_version = 0;
	std::string kernel_release;   // of the running kernel, as the module sees it
	bool pte = false, remap = false, fault = false; // modes the module accepts
	bool fault_pmd = false;       // the fault path gives PMD leaves here (Linux >= 6.12)
	// Whether remap_pfn_range() gave PMD leaves, i.e. whether the kernel carries the
	// series; only known once the module has mapped an aligned 2 MiB in remap mode.
	std::optional<bool> remap_pmd;
	uint64_t chunk_bytes = 0;     // allocation unit, 2 MiB
	uint64_t max_bytes = 0;       // largest buffer (module parameter max_mib)

	// The module can map this kind at all.
	bool supports(MappingKind kind) const;
	// This kind is known to give PMD leaves on the running kernel.
	bool gives_pmd(MappingKind kind) const;
	// "kdriver ABI 1 on 6.12.117+deb12-cloud-amd64: device-pte 4K, device-remap 4K
	// (remap_pfn_range gave PTEs), device-fault 2M"
	std::string summary() const;
};

// The device's capabilities, or nullopt with *why_not (if given) set to the one-line
// reason it cannot be used (not loaded, no permission, ABI mismatch).
std::optional<DeviceInfo> probe_device(std::string *why_not = nullptr);

} // namespace pfn
