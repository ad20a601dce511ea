// Enum <-> command-line name tables, shared by mapping and chain kinds.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace pfn {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

template <typename E, size_t N>
std::string_view name_in(const NameTable<E, N> &table, E value)
{
	for (const auto &[v, name] : table)
		if (v == value)
			return name;
	return "?";
}

template <typename E, size_t N>
std::optional<E> value_in(const NameTable<E, N> &table, std::string_view name)
{
	for (const auto &[v, n] : table)
		if (n == name)
			return v;
	return std::nullopt;
}

} // namespace pfn
