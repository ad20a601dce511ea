// Command-line helpers the programs share (CLI11).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "chain.h"
#include "mapping.h"

namespace pfn {

// An option taking one name from a fixed set (mappings, chains), parsed by parse into
// target (a value or an optional); an unknown name is a usage error listing the choices.
template <typename T, typename Parse>
CLI::Option *add_named(CLI::App &app, const std::string &flag, T &target, Parse parse,
		       std::vector<std::string> names, const std::string &help)
{
	return app.add_option_function<std::string>(
			  flag,
			  [&target, parse, names, flag](const std::string &s) {
				  auto v = parse(s);
				  if (!v)
					  throw CLI::ValidationError(
						  flag, fmt::format("unknown value '{}' (choose from {})",
								    s, fmt::join(names, ", ")));
				  target = *v;
			  },
			  help)
		->type_name("NAME");
}

template <typename T>
CLI::Option *add_mapping(CLI::App &app, const std::string &flag, T &target, const std::string &help)
{
	return add_named(app, flag, target, parse_mapping, mapping_names(), help);
}

} // namespace pfn
