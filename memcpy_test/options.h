// memcpy_test's command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "memory/mapping.h"

struct MemcpyTestOptions {
	std::vector<size_t> sizes;            // bytes; empty: the defaults of the mode
	std::optional<pfn::MappingKind> mapping;
	std::vector<std::string> kernels;     // empty: libc
	bool compare = false;
	std::optional<pfn::MappingKind> without, with;
	std::optional<pfn::MappingKind> with_1g; // --with A,B: B, the third (1 GiB) column
	std::optional<std::string> backend; // --compare: force one candidate
	std::optional<int> cpu, node;
	std::string json_path, table_path;
	std::optional<std::string> counters;  // --counters LIST; unset: the default events
	int repetitions = 5;
	uint64_t seed = 1;
	bool list_counters = false, list_kernels = false;
};

// Returns the exit code to stop with, or -1 to go on with opts filled in.
int parse_options(int argc, char **argv, MemcpyTestOptions &opts);
