// A MappingReport made by hand for table and row tests: every byte 4 KiB, or every byte 2 MiB.
#pragma once

#include <cstdint>

#include "memory/mapping_report.h"

namespace pfn::testing {

inline MappingReport all(uint64_t bytes, bool huge)
{
	MappingReport r;
	r.bytes = bytes;
	(huge ? r.bytes_2m : r.bytes_4k) = bytes;
	r.method = "test";
	return r;
}

} // namespace pfn::testing
