#include "run/cli.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pfn {

namespace {

// Throws when value, given to a comma-separated list as flag, holds an empty item.
void refuse_empty_items(std::string_view flag, std::string_view value)
{
	for (std::string_view rest = value;;) {
		size_t comma = rest.find(',');
		if (rest.substr(0, comma).empty())
			throw CLI::ValidationError(
				std::string(flag),
				fmt::format("empty item in list \"{}\"; give items separated by commas",
					    value));
		if (comma == std::string_view::npos)
			return;
		rest.remove_prefix(comma + 1);
	}
}

// --with's second item, the third column: a mapping of 1 GiB leaves, named before it
// becomes a value.
CLI::Validator one_gib_column()
{
	std::vector<std::string> gib;
	for (const auto &[name, kind] : mapping_choices())
		if (wants_1g(kind))
			gib.push_back(name);
	return CLI::Validator(
		[gib](std::string &text) {
			if (std::ranges::find(gib, text) != gib.end())
				return std::string();
			return fmt::format("the third column, NAME1G, takes 1 GiB leaves: {}, not {}",
					   fmt::join(gib, " or "), text);
		},
		"");
}

} // namespace

void parse_cli(CLI::App &app, int argc, const char *const *argv)
{
	// Walks argv as CLI11 does for what matters here: "--name=value", "-nvalue", or a
	// flag followed by the values it needs at least (taken whatever they look like), up
	// to "--". Options are matched by CLI11 itself.
	for (int i = 1; i < argc; ++i) {
		std::string_view arg = argv[i];
		if (arg == "--")
			break;
		if (arg.size() < 2 || arg[0] != '-')
			continue;
		bool is_long = arg[1] == '-';
		size_t eq = is_long ? arg.find('=') : std::string_view::npos;
		std::string_view flag = is_long ? arg.substr(0, eq) : arg.substr(0, 2);
		std::string name(flag.substr(is_long ? 2 : 1));
		std::vector<CLI::Option *> found = app.get_options([&](CLI::Option *o) {
			return is_long ? o->check_lname(name) : o->check_sname(name);
		});
		if (found.empty())
			continue;
		const CLI::Option &option = *found.front();
		std::vector<std::string_view> values;
		if (is_long && eq != std::string_view::npos)
			values.push_back(arg.substr(eq + 1));
		else if (!is_long && arg.size() > 2)
			values.push_back(arg.substr(2));
		while (int(values.size()) < option.get_items_expected_min() && i + 1 < argc)
			values.emplace_back(argv[++i]);
		if (option.get_delimiter() == ',')
			for (std::string_view value : values)
				refuse_empty_items(flag, value);
	}
	app.parse(argc, argv);
}

CLI::Option *add_with_columns(CLI::App &app, std::optional<MappingKind> &with,
			      std::optional<MappingKind> &with_1g, const std::string &prefix)
{
	auto store = [&with, &with_1g](const std::vector<MappingKind> &names) {
		if (!names.empty())
			with = names[0];
		if (names.size() > 1)
			with_1g = names[1];
	};
	// The second and third items are checked first (a transform runs before those added
	// earlier), while they are still names.
	return app.add_option_function<std::vector<MappingKind>>(
			  "--with", store,
			  prefix + "the huge column's mapping (default: chosen by --backend). "
				   "NAME,NAME1G adds a third column of 1 GiB leaves: NAME is then "
				   "the 2 MiB column, NAME1G hugetlb-1g or device-fault-1g (e.g. "
				   "--with thp,hugetlb-1g); the default table keeps the cover "
				   "letter's two columns")
		->delimiter(',')
		->allow_extra_args(false)
		->transform(choice(mapping_choices()))
		->transform(one_gib_column().application_index(1))
		->transform(CLI::Validator([](std::string &) { return "at most two mappings, NAME,NAME1G"; },
					   "")
				    .application_index(2))
		->type_name("NAME[,NAME1G]");
}

} // namespace pfn
