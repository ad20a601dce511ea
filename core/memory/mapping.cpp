#include "memory/mapping.h"

#include <fmt/format.h>

#include "base/names.h"
#include "memory/mapping_report.h"

namespace pfn {

namespace {

constexpr NameTable<MappingKind, 9> names{{
	{MappingKind::page_4k, "4k"},
	{MappingKind::thp, "thp"},
	{MappingKind::hugetlb_2m, "hugetlb"},
	{MappingKind::hugetlb_2m, "hugetlb-2m"},
	{MappingKind::hugetlb_1g, "hugetlb-1g"},
	{MappingKind::device_pte, "device-pte"},
	{MappingKind::device_remap, "device-remap"},
	{MappingKind::device_fault, "device-fault"},
	{MappingKind::device_fault_1g, "device-fault-1g"},
}};

} // namespace

std::string_view mapping_name(MappingKind kind)
{
	return name_in(names, kind);
}

std::optional<MappingKind> parse_mapping(std::string_view name)
{
	return value_in(names, name);
}

Choices<MappingKind> mapping_choices()
{
	return choices_in(names);
}

bool is_device(MappingKind kind)
{
	return kind == MappingKind::device_pte || kind == MappingKind::device_remap ||
	       kind == MappingKind::device_fault || kind == MappingKind::device_fault_1g;
}

bool is_hugetlb(MappingKind kind)
{
	return kind == MappingKind::hugetlb_2m || kind == MappingKind::hugetlb_1g;
}

bool wants_huge(MappingKind kind)
{
	return kind != MappingKind::page_4k && kind != MappingKind::device_pte;
}

bool wants_1g(MappingKind kind)
{
	return kind == MappingKind::hugetlb_1g || kind == MappingKind::device_fault_1g;
}

bool promises_shape(MappingKind kind)
{
	return kind != MappingKind::device_remap;
}

std::string shape_mismatch(MappingKind kind, const MappingReport &report)
{
	bool ok = wants_1g(kind)     ? report.is_1g()
		  : wants_huge(kind) ? report.is_huge()
				     : report.is_4k();
	if (ok || !promises_shape(kind))
		return "";
	return fmt::format("asked for {} ({} pages) but the page tables say {}", mapping_name(kind),
			   wants_1g(kind) ? "1 GiB" : wants_huge(kind) ? "huge" : "4 KiB",
			   report.summary());
}

} // namespace pfn
