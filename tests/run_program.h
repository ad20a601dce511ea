// Runs a program of the suite as a user would and captures what it printed.
#pragma once

#include <string>
#include <vector>

struct ProgramRun {
	int exit_code = -1;
	std::string out, err;
};

// Arguments are passed through a shell with each one single-quoted; env holds extra
// "NAME=value" settings for the program's environment.
ProgramRun run_program(const std::string &program, const std::vector<std::string> &args,
		       const std::vector<std::string> &env = {});

// Lines of text, without their newlines.
std::vector<std::string> lines_of(const std::string &text);
