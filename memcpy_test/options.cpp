#include "options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/error.h"
#include "base/size.h"
#include "measure/copy.h"
#include "memory/backend.h"
#include "run/cli.h"
#include "run/program.h"

int parse_options(int argc, char **argv, MemcpyTestOptions &opts)
{
	CLI::App app{"Time to copy a buffer into another one of the same mapping kind, both read "
		     "back from the page tables. Without --mapping or --size it runs --compare: the "
		     "cover letter's copy table, each size without and with huge mappings "
		     "(default 1024, 2048, 4096 MiB), on stdout. Progress goes to stderr.",
		     "memcpy_test"};
	app.get_formatter()->column_width(34);
	std::vector<std::string> kernels = pfn::copy_kernel_names();
	kernels.push_back("all");
	app.add_option("--size,--sizes", opts.sizes,
		       "copy sizes, comma-separated, MiB unless suffixed (1G,2048M)")
		->delimiter(',')->allow_extra_args(false)
		->transform(pfn::size_in(pfn::MiB))
		->type_name("SIZE,...");
	CLI::Option *mapping =
		pfn::add_choice(app, "--mapping", opts.mapping, pfn::mapping_choices(),
				"memory for source and destination");
	app.add_option("--kernel", opts.kernels,
		       "copy kernel(s), comma-separated, or 'all' (default libc; see --list-kernels)")
		->delimiter(',')->allow_extra_args(false)
		->check(CLI::IsMember(kernels))
		->type_name("NAME,...");
	app.add_flag("--compare", opts.compare,
		     "cover-letter table: each size without and with huge mappings, which "
		     "--without and --with choose")
		->excludes(mapping);
	pfn::add_choice(app, "--without", opts.without, pfn::mapping_choices(),
			"--compare: the 4 KiB column's mapping (default: chosen by --backend)");
	pfn::add_with_columns(app, opts.with, opts.with_1g, "--compare: ");
	app.add_option("--backend", opts.backend,
		       "--compare: the one candidate to try when --without/--with are not given "
		       "(default: the first of these, in order, that reads back as huge pages)")
		->check(CLI::IsMember(pfn::backend_names()))
		->type_name("NAME");
	app.add_option("--cpu", opts.cpu, "CPU to pin to (default: first CPU allowed, so "
					  "numactl -C is honoured)");
	app.add_option("--node", opts.node, "NUMA node for the memory (default: the CPU's node)");
	app.add_option("--json", opts.json_path, "write every sample, mapping report, counter and "
						 "system facts to FILE");
	app.add_option("--table", opts.table_path, "--compare: also write the table to FILE");
	app.add_option("--counters", opts.counters,
		       "events counted around each copy, comma-separated; 'default' (TLB misses "
		       "and cycles) when not given, 'none' for none")
		->check(pfn::counter_list());
	app.add_flag("--list-counters", opts.list_counters, "list the events this machine can count");
	app.add_flag("--list-kernels", opts.list_kernels, "list the copy kernels and which run here");
	app.add_option("--reps", opts.repetitions, "timed copies per size; the minimum is reported")
		->check(CLI::Range(1, 1000));
	app.add_option("--seed", opts.seed, "seed of the source pattern");

	int rc = pfn::parse_args(app, argc, argv);
	if (rc >= 0)
		return rc;
	if (opts.list_counters || opts.list_kernels)
		return -1;
	if (!opts.mapping && opts.sizes.empty())
		opts.compare = true; // `numactl -C 0 memcpy_test` prints the published table
	// By hand, as the table may be implied: ->needs(--compare) would refuse
	// `memcpy_test --with hugetlb`.
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
