#include "run/cli.h"

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

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

} // namespace pfn
