// lat_mem_rd's command line: lmbench's flags plus pfnbench's extensions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "measure/chain.h"
#include "measure/first_touch.h"
#include "memory/mapping.h"

struct LatMemRdOptions {
	// lmbench
	int parallel = 1;
	double warmup_us = 0;
	int repetitions = 11;
	bool thrash = false;
	size_t size = 0;              // bytes; 0 when not given
	std::vector<size_t> strides;  // bytes; empty: lmbench's default 64
	// pfnbench
	pfn::MappingKind mapping = pfn::MappingKind::page_4k;
	std::optional<pfn::ChainKind> chain;
	pfn::FirstTouch first_touch = pfn::FirstTouch::address;
	std::optional<int> cpu, node;
	std::vector<size_t> sizes;    // explicit working sets instead of lmbench's steps
	std::string json_path, table_path;
	bool compare = false;
	std::optional<pfn::MappingKind> without, with;
	std::optional<pfn::MappingKind> with_1g; // --with A,B: B, the third (1 GiB) column
	std::optional<std::string> backend; // --compare: force one candidate
	uint64_t seed = 1;
	double min_sample_ms = 5.0;
	std::optional<std::string> counters; // event list; unset: the default TLB events
	bool tlb_cost = false;
};

// Returns the exit code to stop with, or -1 to go on with opts filled in.
int parse_options(int argc, char **argv, LatMemRdOptions &opts);
