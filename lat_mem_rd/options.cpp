#include "options.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli.h"

#include "error.h"
#include "program.h"
#include "size.h"

namespace {

// --with NAME or NAME,NAME1G; a bad value is a usage error naming the choices.
std::pair<pfn::MappingKind, std::optional<pfn::MappingKind>> parse_with(const std::string &text)
{
	auto names = pfn::mapping_names();
	auto one = [&](const std::string &name) {
		auto kind = pfn::parse_mapping(name);
		if (!kind)
			throw CLI::ValidationError("--with",
						   fmt::format("unknown value '{}' (choose from {})",
							       name, fmt::join(names, ", ")));
		return *kind;
	};
	size_t comma = text.find(',');
	if (comma == std::string::npos)
		return {one(text), std::nullopt};
	std::string second = text.substr(comma + 1);
	if (second.find(',') != std::string::npos)
		throw CLI::ValidationError("--with", fmt::format("'{}': at most two mappings, "
								 "NAME,NAME1G",
								 text));
	pfn::MappingKind gib = one(second);
	if (!pfn::wants_1g(gib))
		throw CLI::ValidationError(
			"--with", fmt::format("'{}': the third column takes 1 GiB leaves: "
					      "hugetlb-1g or device-fault-1g, not {}",
					      text, second));
	return {one(text.substr(0, comma)), gib};
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
	std::string size_text;
	std::vector<std::string> stride_text;
	std::string sizes_text;
	app.add_option("-P", opts.parallel, "parallel chases, each on its own CPU and memory (lmbench)")
		->check(CLI::PositiveNumber);
	app.add_option("-W", opts.warmup_us, "extra warm-up before each size, microseconds")
		->check(CLI::NonNegativeNumber);
	app.add_option("-N", opts.repetitions, "samples per size; the minimum is reported")
		->check(CLI::Range(1, 100000));
	app.add_flag("-t", opts.thrash,
		     "thrash the TLB: pages in random order, one line of each page per pass");
	app.add_option("size", size_text, "largest working set, MiB unless suffixed (4096M, 1G)");
	app.add_option("stride", stride_text, "bytes between loads (default 64); several allowed");

	std::vector<std::string> chains = {"stride", "thrash", "random", "page-local"};
	pfn::add_mapping(app, "--mapping", opts.mapping,
		  "memory to chase: 4k (default), thp, hugetlb, hugetlb-1g, device-pte, "
		  "device-remap, device-fault, device-fault-1g");
	pfn::add_named(app, "--chain", opts.chain, pfn::parse_chain, chains,
		  "chain order: stride (default), thrash (-t), random, page-local");
	pfn::add_named(app, "--first-touch", opts.first_touch, pfn::parse_first_touch,
		       {"address", "chain"},
		       "order the pages are first touched in, which places them physically: "
		       "address (default: populated in address order, like device memory) or "
		       "chain (freed and touched in the order the chain visits them, as "
		       "lmbench's malloc() memory; 4k and thp only)");
	app.add_option("--cpu", opts.cpu, "CPU to pin to (default: first CPU allowed, so "
					  "numactl -C is honoured)");
	app.add_option("--node", opts.node, "NUMA node for the memory (default: the CPU's node)");
	app.add_option("--sizes", sizes_text, "comma-separated working sets, e.g. 64M,128M");
	app.add_option("--json", opts.json_path, "write every sample, mapping report and "
						 "system facts to FILE");
	app.add_flag("--compare", opts.compare,
		     "cover-letter table: each size without and with huge mappings "
		     "(default sizes 64M..4096M by powers of two, -t, stride 64)");
	pfn::add_mapping(app, "--without", opts.without,
		  "--compare: the 4 KiB column's mapping (default: chosen by --backend)");
	app.add_option_function<std::string>(
		   "--with",
		   [&opts](const std::string &text) {
			   auto [with, with_1g] = parse_with(text);
			   opts.with = with;
			   opts.with_1g = with_1g;
		   },
		   "--compare: the huge column's mapping (default: chosen by --backend). "
		   "NAME,NAME1G adds a third column of 1 GiB leaves: NAME is then the 2 MiB "
		   "column, NAME1G hugetlb-1g or device-fault-1g (e.g. --with thp,hugetlb-1g); "
		   "the default table keeps the cover letter's two columns")
		->type_name("NAME[,NAME1G]");
	app.add_option("--backend", opts.backend,
		       "--compare without --without/--with: device-remap, device-fault, thp or "
		       "hugetlb (default: the first of these that reads back as huge pages)")
		->type_name("NAME");
	app.add_option("--table", opts.table_path, "--compare: also write the table to FILE");
	app.add_option("--counters", opts.counters,
		       "events to count around the timed loads: a comma list (PAPI or perf "
		       "names), 'default' (TLB misses and cycles) or 'none'")
		->type_name("LIST");
	app.add_flag("--tlb-cost", opts.tlb_cost,
		     "--compare: also time page-local against random chases of the same bytes "
		     "per size and mapping, and print the TLB cost per load");
	app.add_option("--seed", opts.seed, "seed for the random chain orders");
	app.add_option("--sample-ms", opts.min_sample_ms, "shortest timed sample, milliseconds")
		->check(CLI::Range(0.01, 10000.0));

	int rc = pfn::parse_args(app, argc, argv);
	if (rc >= 0)
		return rc;

	// Sizes and strides are checked here so that a bad one stops the run before any work.
	try {
		if (!size_text.empty())
			opts.size = pfn::parse_size(size_text, pfn::MiB);
		for (const auto &s : stride_text) {
			opts.strides.push_back(pfn::parse_size(s, 1));
			pfn::check_stride(opts.strides.back());
		}
		if (!sizes_text.empty())
			opts.sizes = pfn::parse_size_list(sizes_text, pfn::MiB);
	} catch (const pfn::Error &e) {
		fmt::print(stderr, "lat_mem_rd: error: {}\n", e.what());
		return pfn::exit_usage;
	}
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
	if (!opts.compare && (opts.without || opts.with || opts.backend || !opts.table_path.empty() ||
			      opts.tlb_cost)) {
		fmt::print(stderr, "lat_mem_rd: error: --without, --with, --backend, --table and --tlb-cost need "
				   "--compare\n");
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
