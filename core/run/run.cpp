#include "run/run.h"

#include <fmt/format.h>

#include "base/error.h"
#include "base/size.h"
#include "memory/mapping_report.h"
#include "output/document.h"

namespace pfn {

nlohmann::json start_run(std::string_view tool, int argc, char **argv, const Placement &place)
{
	pin_thread(place);
	return results_document(tool, argc, argv, place);
}

bool check_region(std::string_view tool, std::string_view role, const Region &region,
		  MappingKind asked)
{
	MappingReport r = region.report();
	fmt::print("{}: {}{}{} of {} memory: {}; {}\n", tool, role, role.empty() ? "" : " ",
		   format_size(region.size()), mapping_name(asked), r.summary(), r.layout.summary());
	std::string wrong = shape_mismatch(asked, r);
	if (!wrong.empty())
		fmt::print("{}: warning: {}\n", tool, wrong);
	return wrong.empty();
}

void say_mapped_empty(std::string_view tool, const Region &region)
{
	fmt::print("{}: {} of {} memory: mapped empty; each working set maps it afresh and "
		   "touches its own pages first, in chain order (read back below)\n",
		   tool, format_size(region.size()), mapping_name(region.kind()));
}

bool check_point(std::string_view tool, size_t range, const MappingReport &report,
		 MappingKind asked)
{
	std::string wrong = shape_mismatch(asked, report);
	if (!wrong.empty())
		fmt::print("{}: warning: {} working set: {}\n", tool, format_size(range), wrong);
	return wrong.empty();
}

void require_as_asked(bool as_asked, MappingKind kind)
{
	if (!as_asked)
		throw Error(fmt::format("the {} memory did not read back as {} pages (see above)",
					mapping_name(kind), wants_huge(kind) ? "huge" : "4 KiB"));
}

void write_results(const std::string &path, const nlohmann::json &doc)
{
	if (!path.empty())
		write_json_file(path, doc);
}

} // namespace pfn
