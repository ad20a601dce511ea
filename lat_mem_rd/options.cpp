#include "options.h"

#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

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

// --with's second item, the third column: a mapping of 1 GiB leaves, named before it
// becomes a value.
CLI::Validator one_gib_column()
{
	std::vector<std::string> gib;
	for (const auto &[name, kind] : pfn::mapping_choices())
		if (pfn::wants_1g(kind))
			gib.push_back(name);
	return CLI::Validator(
		[gib](std::string &text) {
			if (std::ranges::find(gib, text) != gib.end())
				return std::string();
			return fmt::format("the third column, NAME1G, takes 1 GiB leaves: {}, not {}",
					   fmt::join(gib, " or "), text);
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
	std::vector<pfn::MappingKind> with;
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
			"chain (freed and touched in the order the chain visits them, as "
			"lmbench's malloc() memory; 4k and thp only)");
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
	// The second and third items are checked first (a transform runs before those added
	// earlier), while they are still names.
	app.add_option("--with", with,
		       "the huge column's mapping (default: chosen by --backend). "
		       "NAME,NAME1G adds a third column of 1 GiB leaves: NAME is then the 2 MiB "
		       "column, NAME1G hugetlb-1g or device-fault-1g (e.g. --with thp,hugetlb-1g); "
		       "the default table keeps the cover letter's two columns")
		->delimiter(',')->allow_extra_args(false)
		->transform(pfn::choice(pfn::mapping_choices()))
		->transform(one_gib_column().application_index(1))
		->transform(CLI::Validator([](std::string &) { return "at most two mappings, NAME,NAME1G"; },
					   "")
				    .application_index(2))
		->type_name("NAME[,NAME1G]")
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
	if (!with.empty())
		opts.with = with[0];
	if (with.size() > 1)
		opts.with_1g = with[1];

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
