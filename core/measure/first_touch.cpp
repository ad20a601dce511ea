#include "measure/first_touch.h"

#include <fmt/format.h>

#include "base/error.h"
#include "base/names.h"
#include "memory/region.h"

namespace pfn {

namespace {

constexpr NameTable<FirstTouch, 2> names{{
	{FirstTouch::address, "address"},
	{FirstTouch::chain, "chain"},
}};

} // namespace

std::string_view first_touch_name(FirstTouch order)
{
	return name_in(names, order);
}

std::optional<FirstTouch> parse_first_touch(std::string_view name)
{
	return value_in(names, name);
}

Choices<FirstTouch> first_touch_choices()
{
	return choices_in(names);
}

std::string first_touch_refusal(FirstTouch order, MappingKind kind, ChainKind chain)
{
	if (order == FirstTouch::address)
		return "";
	if (is_device(kind))
		return fmt::format("first touch in chain order cannot apply to {}: the driver's "
				   "buffer has its frames from the moment it is allocated, and a "
				   "touch maps them where they are; use address order",
				   mapping_name(kind));
	if (is_hugetlb(kind))
		return fmt::format("first touch in chain order cannot apply to {}: its huge pages "
				   "come whole from the reserved pool, contiguous inside whatever "
				   "the order; use 4k or thp, or address order",
				   mapping_name(kind));
	if (!builds_in_chain_order(chain))
		return fmt::format("first touch in chain order cannot apply to the {} chain: it is "
				   "built by a pass in address order, which touches the pages first; "
				   "use stride, thrash or page-local",
				   chain_name(chain));
	return "";
}

void check_first_touch(FirstTouch order, MappingKind kind, ChainKind chain)
{
	std::string why = first_touch_refusal(order, kind, chain);
	if (!why.empty())
		throw Error(why);
}

bool populate_when_mapped(FirstTouch order)
{
	return order == FirstTouch::address;
}

void *lay_chain(const Region &region, const ChainSpec &spec, FirstTouch order)
{
	if (order == FirstTouch::address)
		return build_chain(region.data(), region.size(), spec);
	check_first_touch(order, region.kind(), spec.kind);
	void *start = nullptr;
	region.refill([&] { start = build_chain(region.data(), region.size(), spec); });
	return start;
}

} // namespace pfn
