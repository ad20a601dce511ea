// Enum <-> command-line name tables, shared by mapping and chain kinds. A value may have
// several names (an alias after its own name): name_in() gives the first.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// A table's names with their values, in the table's order: what the command line accepts
// (core/run/cli.h hands them to CLI11's IsMember and Transformer).
template <typename E> using Choices = std::vector<std::pair<std::string, E>>;

template <typename E, size_t N>
Choices<E> choices_in(const NameTable<E, N> &table)
{
	Choices<E> out;
	for (const auto &[v, name] : table)
		out.emplace_back(name, v);
	return out;
}

} // namespace pfn
