// The frame of every measuring run, written once: the thread pinned and the machine read
// before anything is mapped, each region said and checked as it is mapped, the results
// written, and the verdict when a region was not what was asked.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "memory/mapping.h"
#include "memory/region.h"
#include "platform/placement.h"

namespace pfn {

// Pins the calling thread to place and returns the results document (document.h) with the
// machine as it is before this run maps anything (free memory, hugetlb pool).
nlohmann::json start_run(std::string_view tool, int argc, char **argv, const Placement &place);

// Prints "<tool>: [<role> ]<size> of <kind> memory: <report>; <physical layout>" and, when
// the region is not what its kind promises, "<tool>: warning: <why>"; false then.
bool check_region(std::string_view tool, std::string_view role, const Region &region,
		  MappingKind asked);

// Throws Error "the <kind> memory did not read back as huge pages (see above)" (or 4 KiB
// pages) unless as_asked: a run whose regions check_region warned about.
void require_as_asked(bool as_asked, MappingKind kind);

// Writes doc to path (--json), unless path is empty.
void write_results(const std::string &path, const nlohmann::json &doc);

} // namespace pfn
