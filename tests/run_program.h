// Runs a program of the suite as a user would and captures what it printed.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

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

// Success when run stopped before measuring anything because something was unavailable:
// exit 3 (pfn::exit_unavailable), exactly one line on stderr, "<program>: unavailable: ..."
// holding needle, no table on stdout and no file at json.
testing::AssertionResult stopped_unavailable(const ProgramRun &run, const std::string &program,
					     const std::string &needle, const std::string &json);
