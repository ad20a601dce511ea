// Command-line helpers the programs share: CLI11 validators over the core's name tables and
// size grammar, so every program checks a value the same way, before any work is done, and
// --help lists the choices. A list is ->delimiter(',')->allow_extra_args(false): one
// argument per occurrence, split at commas, each item checked on its own (an empty one is
// refused by parse_cli(); CLI11 would drop it), and a positional after it stays a
// positional.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/error.h"
#include "base/names.h"
#include "base/size.h"
#include "memory/mapping.h"
#include "platform/counters.h"

namespace pfn {

// A name from choices, stored as its value: IsMember refuses any other name and lists the
// choices ("--mapping: tiny not in {4k,thp,...}"), then Transformer turns the name into
// the value. Not CheckedTransformer: it would also accept the enum's numbers ("1").
template <typename E>
CLI::Validator choice(const Choices<E> &choices)
{
	CLI::IsMember known(choices);
	return (known & CLI::Transformer(choices)).description(known.get_description());
}

// An option taking one of choices (or, made a list, several into a vector).
template <typename T, typename E>
CLI::Option *add_choice(CLI::App &app, const std::string &flag, T &target,
			const Choices<E> &choices, const std::string &help)
{
	return app.add_option(flag, target, help)->transform(choice(choices))->type_name("NAME");
}

// A validator over a core parser: fn(text) checks text (and may rewrite it into the value
// stored); the one line of an Error it throws becomes CLI11's message.
template <typename Fn>
CLI::Validator from_core(Fn fn)
{
	return CLI::Validator(
		[fn](std::string &text) {
			try {
				fn(text);
				return std::string();
			} catch (const Error &e) {
				return std::string(e.what());
			}
		},
		"");
}

// A size as parse_size() reads it ("64M", "1G"; a bare number counts default_unit), stored
// in bytes; its error names the bad item ("--sizes: invalid size 'x': ...").
inline CLI::Validator size_in(size_t default_unit)
{
	return from_core([default_unit](std::string &text) {
		text = std::to_string(parse_size(text, default_unit));
	});
}

// --counters' value: a comma list of event names (split_counter_list), checked for its
// syntax only, so that "a,,b" is refused before anything is mapped; which events count
// here is decided later, once, by CounterPlan.
inline CLI::Validator counter_list()
{
	return from_core([](std::string &text) { split_counter_list(text); });
}

// app.parse(argc, argv), once what CLI11 2.1.2 would let through unseen is refused: an
// empty item in a list option's value ("64M,,1G", ",64M", "64M,"), which it drops, so that
// "--sizes 64M,,1G" would run 64M and 1G. Throws CLI::ValidationError naming the option
// as typed ("--sizes: empty item in list \"64M,,1G\"; ..."), as CLI11's own checks do.
void parse_cli(CLI::App &app, int argc, const char *const *argv);

// --with NAME[,NAME1G], as lat_mem_rd --compare and memcpy_test --compare take it: NAME is
// the huge column's mapping into `with`; a second name adds a third column of 1 GiB leaves
// (hugetlb-1g or device-fault-1g) into `with_1g`, and NAME is then the 2 MiB column. Any
// other second name, or a third, is refused with the choices. `prefix` leads the help.
CLI::Option *add_with_columns(CLI::App &app, std::optional<MappingKind> &with,
			      std::optional<MappingKind> &with_1g, const std::string &prefix = "");

} // namespace pfn
