// The frame of every measuring run, written once: the thread pinned and the machine read
// before anything is mapped, each region said and checked as it is mapped, the results
// written, and the verdict when a region was not what was asked.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "memory/mapping.h"
#include "memory/mapping_report.h"
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

// For a region mapped empty, whose pages each chain touches first in its own order
// (FirstTouch::chain): prints "<tool>: <size> of <kind> memory: mapped empty; ...", as
// check_region does for a populated one. Its pages are read back with each point instead
// (check_point).
void say_mapped_empty(std::string_view tool, const Region &region);

// Prints "<tool>: warning: <size> working set: <why>" when a point's report is not what
// kind promises; false then.
bool check_point(std::string_view tool, size_t range, const MappingReport &report,
		 MappingKind asked);

// Throws Error "the <kind> memory did not read back as huge pages (see above)" (or 4 KiB
// pages) unless as_asked: a run whose regions check_region warned about.
void require_as_asked(bool as_asked, MappingKind kind);

// Writes doc to path (--json), unless path is empty.
void write_results(const std::string &path, const nlohmann::json &doc);

} // namespace pfn
