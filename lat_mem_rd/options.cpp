#include "options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/error.h"
#include "base/size.h"
#include "memory/backend.h"
#include "run/cli.h"
#include "run/program.h"

namespace {

// A stride in bytes (lmbench: a bare number is bytes), refused unless whole pointers.
CLI::Validator stride_bytes()
{
	CLI::Validator bytes = pfn::size_in(1);
	return CLI::Validator(
		[bytes](std::string &text) {
			std::string why = bytes(text);
			if (why.empty()) {
				try {
					pfn::check_stride(std::stoull(text));
				} catch (const pfn::Error &e) {
					why = e.what();
				}
			}
			return why;
		},
		"");
}

} // namespace

int parse_options(int argc, char **argv, LatMemRdOptions &opts)
{
	CLI::App app{"Memory load latency by pointer chasing, compatible with lmbench's lat_mem_rd.\n"
		     "Prints lmbench's format on stderr: a \"stride=N line, then one line per working "
		     "set (MiB, ns per load), from 512 bytes up to SIZE. With --compare, prints the "
		     "cover letter's latency table on stdout: each size without and with huge "
		     "mappings, every mapping read back from the page tables.",
		     "lat_mem_rd"};
	app.get_formatter()->column_width(34);
	app.add_option("-P", opts.parallel, "parallel chases, each on its own CPU and memory (lmbench)")
		->check(CLI::PositiveNumber);
	app.add_option("-W", opts.warmup_us, "extra warm-up before each size, microseconds")
		->check(CLI::NonNegativeNumber);
	app.add_option("-N", opts.repetitions, "samples per size; the minimum is reported")
		->check(CLI::Range(1, 100000));
	app.add_flag("-t", opts.thrash,
		     "thrash the TLB: pages in random order, one line of each page per pass");
	app.add_option("size", opts.size, "largest working set, MiB unless suffixed (4096M, 1G)")
		->transform(pfn::size_in(pfn::MiB))
		->type_name("SIZE");
	app.add_option("stride", opts.strides, "bytes between loads (default 64); several allowed")
		->transform(stride_bytes())
		->type_name("STRIDE");

	pfn::add_choice(app, "--mapping", opts.mapping, pfn::mapping_choices(),
			"memory to chase (default 4k)");
	pfn::add_choice(app, "--chain", opts.chain, pfn::chain_choices(),
			"chain order (default stride; thrash with -t)");
	pfn::add_choice(app, "--first-touch", opts.first_touch, pfn::first_touch_choices(),
			"order the pages are first touched in, which places them physically: "
			"address (default: populated in address order, like device memory) or "
			"chain (as lmbench's malloc() memory: mapped afresh for each working set "
			"and only the chain's pages touched, in the order it visits them; the "
			"frames are what the allocator hands out then, reported with each size; "
			"4k and thp only)");
	app.add_option("--cpu", opts.cpu, "CPU to pin to (default: first CPU allowed, so "
					  "numactl -C is honoured)");
	app.add_option("--node", opts.node, "NUMA node for the memory (default: the CPU's node)");
	app.add_option("--sizes", opts.sizes, "comma-separated working sets, e.g. 64M,128M")
		->delimiter(',')->allow_extra_args(false)
		->transform(pfn::size_in(pfn::MiB))
		->type_name("SIZE,...");
	app.add_option("--json", opts.json_path, "write every sample, mapping report and "
						 "system facts to FILE");
	CLI::Option *compare =
		app.add_flag("--compare", opts.compare,
			     "cover-letter table: each size without and with huge mappings "
			     "(default sizes 64M..4096M by powers of two, -t, stride 64)");
	pfn::add_choice(app, "--without", opts.without, pfn::mapping_choices(),
			"the 4 KiB column's mapping (default: chosen by --backend)")
		->needs(compare);
	pfn::add_with_columns(app, opts.with, opts.with_1g)
		->needs(compare);
	app.add_option("--backend", opts.backend,
		       "the one candidate to try when --without/--with are not given (default: "
		       "the first of these, in order, that reads back as huge pages)")
		->check(CLI::IsMember(pfn::backend_names()))
		->type_name("NAME")
		->needs(compare);
	app.add_option("--table", opts.table_path, "also write the table to FILE")->needs(compare);
	app.add_option("--counters", opts.counters,
		       "events to count around the timed loads: a comma list (PAPI or perf "
		       "names), 'default' (TLB misses and cycles) or 'none'")
		->check(pfn::counter_list())
		->type_name("LIST");
	app.add_flag("--tlb-cost", opts.tlb_cost,
		     "also time page-local against random chases of the same bytes "
		     "per size and mapping, and print the TLB cost per load")
		->needs(compare);
	app.add_option("--seed", opts.seed, "seed for the random chain orders");
	app.add_option("--sample-ms", opts.min_sample_ms, "shortest timed sample, milliseconds")
		->check(CLI::Range(0.01, 10000.0));

	int rc = pfn::parse_args(app, argc, argv);
	if (rc >= 0)
		return rc;
	// Not ->excludes(): -P 1, lmbench's default, stays allowed with --compare.
	if (opts.parallel != 1 && opts.compare) {
		fmt::print(stderr, "lat_mem_rd: error: -P {} cannot be combined with --compare\n",
			   opts.parallel);
		return pfn::exit_usage;
	}
	if (!opts.compare && opts.size == 0 && opts.sizes.empty()) {
		fmt::print(stderr, "lat_mem_rd: error: missing SIZE (e.g. lat_mem_rd -t 4096M; "
				   "see --help)\n");
		return pfn::exit_usage;
	}
	// The mappings named here are checked now; a --compare backend chosen at run time is
	// checked once it is known.
	pfn::ChainKind chain = opts.chain.value_or(opts.thrash || opts.compare
							   ? pfn::ChainKind::thrash
							   : pfn::ChainKind::stride);
	std::vector<pfn::MappingKind> named;
	if (!opts.compare)
		named.push_back(opts.mapping);
	for (const auto &m : {opts.without, opts.with, opts.with_1g})
		if (m)
			named.push_back(*m);
	for (pfn::MappingKind kind : named) {
		std::string why = pfn::first_touch_refusal(opts.first_touch, kind, chain);
		if (!why.empty()) {
			fmt::print(stderr, "lat_mem_rd: error: {}\n", why);
			return pfn::exit_usage;
		}
	}
	return -1;
}
