#include "run/program.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/error.h"
#include "run/cli.h"

namespace pfn {

int parse_args(CLI::App &app, int argc, char **argv)
{
	try {
		parse_cli(app, argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForAllHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForVersion &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		const CLI::Option *help = app.get_help_ptr();
		fmt::print(stderr, "{}: error: {} (see {})\n", app.get_name(), e.what(),
			   help ? help->get_name() : "--help");
		return exit_usage;
	}
	return -1;
}

int run_main(std::string_view prog, const std::function<int()> &body)
{
	try {
		return body();
	} catch (const Unavailable &e) {
		fmt::print(stderr, "{}: unavailable: {}\n", prog, e.what());
		return exit_unavailable;
	} catch (const Error &e) {
		fmt::print(stderr, "{}: error: {}\n", prog, e.what());
		return exit_error;
	} catch (const std::bad_alloc &) {
		fmt::print(stderr, "{}: error: out of memory\n", prog);
		return exit_error;
	}
}

} // namespace pfn
