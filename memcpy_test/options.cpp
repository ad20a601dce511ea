#include "options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli.h"
#include "error.h"
#include "program.h"
#include "size.h"

int parse_options(int argc, char **argv, MemcpyTestOptions &opts)
{
	CLI::App app{"Time to copy a buffer into another one of the same mapping kind, both read "
		     "back from the page tables. Without --mapping or --size it runs --compare: the "
		     "cover letter's copy table, each size without and with huge mappings "
		     "(default 1024, 2048, 4096 MiB), on stdout. Progress goes to stderr.",
		     "memcpy_test"};
	app.get_formatter()->column_width(34);
	std::string sizes_text, kernel_text;
	app.add_option("--size,--sizes", sizes_text,
		       "copy sizes, comma-separated, MiB unless suffixed (1G,2048M)");
	pfn::add_mapping(app, "--mapping", opts.mapping,
		    "memory for source and destination: 4k, thp, hugetlb, hugetlb-1g, device-pte, "
		    "device-remap, device-fault");
	app.add_option("--kernel", kernel_text,
		       "copy kernel(s), comma-separated, or 'all' (default libc; see --list-kernels)");
	app.add_flag("--compare", opts.compare,
		     "cover-letter table: each size without and with huge mappings");
	pfn::add_mapping(app, "--without", opts.without, "--compare: the 4 KiB column's mapping (default: chosen by --backend)");
	pfn::add_mapping(app, "--with", opts.with, "--compare: the huge column's mapping (default: chosen by --backend)");
	app.add_option("--backend", opts.backend,
		       "--compare without --without/--with: device-remap, device-fault, thp or "
		       "hugetlb (default: the first of these that reads back as huge pages)")
		->type_name("NAME");
	app.add_option("--cpu", opts.cpu, "CPU to pin to (default: first CPU allowed, so "
					  "numactl -C is honoured)");
	app.add_option("--node", opts.node, "NUMA node for the memory (default: the CPU's node)");
	app.add_option("--json", opts.json_path, "write every sample, mapping report, counter and "
						 "system facts to FILE");
	app.add_option("--table", opts.table_path, "--compare: also write the table to FILE");
	app.add_option("--counters", opts.counters,
		       "events counted around each copy, comma-separated; 'default' (TLB misses "
		       "and cycles) when not given, 'none' for none");
	app.add_flag("--list-counters", opts.list_counters, "list the events this machine can count");
	app.add_flag("--list-kernels", opts.list_kernels, "list the copy kernels and which run here");
	app.add_option("--reps", opts.repetitions, "timed copies per size; the minimum is reported")
		->check(CLI::Range(1, 1000));
	app.add_option("--seed", opts.seed, "seed of the source pattern");

	int rc = pfn::parse_args(app, argc, argv);
	if (rc >= 0)
		return rc;
	try {
		if (!sizes_text.empty())
			opts.sizes = pfn::parse_size_list(sizes_text, pfn::MiB);
	} catch (const pfn::Error &e) {
		fmt::print(stderr, "memcpy_test: error: {}\n", e.what());
		return pfn::exit_usage;
	}
	if (kernel_text == "all") {
		opts.kernels.push_back("all");
	} else if (!kernel_text.empty()) {
		size_t pos = 0;
		while (pos <= kernel_text.size()) {
			size_t comma = std::min(kernel_text.find(',', pos), kernel_text.size());
			opts.kernels.push_back(kernel_text.substr(pos, comma - pos));
			pos = comma + 1;
		}
	}
	if (opts.list_counters || opts.list_kernels)
		return -1;
	if (!opts.mapping && opts.sizes.empty())
		opts.compare = true; // `numactl -C 0 memcpy_test` prints the published table
	if (opts.compare && opts.mapping) {
		fmt::print(stderr, "memcpy_test: error: --compare chooses its mappings with --without "
				   "and --with, not --mapping\n");
		return pfn::exit_usage;
	}
	if (!opts.compare && (opts.without || opts.with || opts.backend || !opts.table_path.empty())) {
		fmt::print(stderr, "memcpy_test: error: --without, --with, --backend and --table need --compare\n");
		return pfn::exit_usage;
	}
	if (opts.compare && (opts.kernels.size() > 1 || (!opts.kernels.empty() && opts.kernels[0] == "all"))) {
		fmt::print(stderr, "memcpy_test: error: the copy table (--compare, the default without "
				   "--mapping or --size) takes one --kernel; several run with --mapping\n");
		return pfn::exit_usage;
	}
	return -1;
}
