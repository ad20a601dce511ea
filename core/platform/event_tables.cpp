#include "platform/event_tables.h"


#include <fmt/format.h>
#include <fmt/ranges.h>
#include <papi.h>

namespace pfn {

EventTableEntry look_up_event(const std::string &name)
{
	EventTableEntry e{name, {}, {}};
	if (name.starts_with("perf::")) {
		e.note = "the kernel's generic event, no CPU table";
		return e;
	}
	if (PAPI_is_initialized() == PAPI_NOT_INITED) {
		e.note = "PAPI is not initialised";
		return e;
	}
	int code = 0;
	int ret = PAPI_event_name_to_code(name.c_str(), &code);
	if (ret != PAPI_OK) {
		e.note = fmt::format("not in this CPU's event tables: {}", PAPI_strerror(ret));
		return e;
	}
	PAPI_event_info_t info{};
	ret = PAPI_get_event_info(code, &info);
	if (ret != PAPI_OK) {
		e.note = fmt::format("PAPI_get_event_info: {}", PAPI_strerror(ret));
		return e;
	}
	if (IS_PRESET(code)) {
		for (unsigned i = 0; i < info.count && i < PAPI_MAX_INFO_TERMS; i++)
			e.native.emplace_back(info.name[i]);
		if (e.native.empty())
			e.note = "a PAPI preset this CPU's tables do not define";
	} else {
		e.native.emplace_back(info.symbol);
	}
	return e;
}

std::string describe(const EventTableEntry &e)
{
	if (e.native.empty())
		return fmt::format("{} ({})", e.name, e.note);
	if (e.native.size() == 1 && e.native[0] == e.name)
		return e.name;
	return fmt::format("{} = {}", e.name, fmt::join(e.native, " + "));
}

} // namespace pfn
