// What every program's main shares: errors become one line on stderr and an exit code.
#pragma once

#include <functional>
#include <string_view>

namespace CLI {
class App;
}

namespace pfn {

enum ExitCode {
	exit_ok = 0,
	exit_error = 1,       // the run could not do what was asked
	exit_usage = 2,       // bad flags or values
	exit_unavailable = 3, // a backend or facility is missing (driver, hugetlb pool...)
};

// Parses argv with app through parse_cli() (an empty list item is refused too); "--help"
// prints help and returns exit_ok through *done.
// A parse error prints "<prog>: error: <what> (see --help)", naming the app's own help
// flag, and returns exit_usage.
// Returns -1 when parsing succeeded and the program should go on.
int parse_args(CLI::App &app, int argc, char **argv);

// Runs body, printing pfn::Error as "<prog>: error: ..." and pfn::Unavailable as
// "<prog>: unavailable: ...", and returns the exit code.
int run_main(std::string_view prog, const std::function<int()> &body);

} // namespace pfn
