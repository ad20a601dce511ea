// pfn_bench: the Google Benchmark suite over the core. Google Benchmark's flags work as
// usual (--benchmark_filter, --benchmark_format=json, --benchmark_min_time=0.1); the
// suite's own flags choose what is registered (see --pfn_help).
#include <x86intrin.h>

#include <CLI/CLI.hpp>
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/error.h"
#include "base/size.h"
#include "base/timer.h"
#include "families.h"
#include "measure/copy.h"
#include "memory.h"
#include "output/format_counters.h"
#include "platform/counters.h"
#include "platform/placement.h"
#include "run/cli.h"
#include "run/program.h"

namespace {

// TSC ticks per ns over 50 ms of the monotonic clock. On this suite's machines the TSC
// runs at the nominal core clock (constant_tsc), so it turns ns into nominal cycles.
double tsc_ghz()
{
	uint64_t t0 = pfn::now_ns(), c0 = __rdtsc();
	while (pfn::now_ns() - t0 < 50'000'000)
		;
	uint64_t t1 = pfn::now_ns(), c1 = __rdtsc();
	return double(c1 - c0) / double(t1 - t0);
}

// The core clock, from a chain of dependent integer adds (one cycle each on every x86
// core of the last decade): the TSC runs at the nominal clock, but a boosting core does not,
// and cycles per load must be counted in the core's cycles. Fastest of several trials.
double core_ghz()
{
	constexpr uint64_t loops = 100000, adds_per_loop = 100;
	double best = 0;
	for (int trial = 0; trial < 20; trial++) {
		uint64_t x = 0, n = loops;
		uint64_t t0 = pfn::now_ns();
		asm volatile("1:\n\t"
			     ".rept 100\n\t"
			     "add $1, %0\n\t"
			     ".endr\n\t"
			     "dec %1\n\t"
			     "jnz 1b"
			     : "+r"(x), "+r"(n)
			     :
			     : "cc");
		uint64_t t1 = pfn::now_ns();
		best = std::max(best, double(loops * adds_per_loop) / double(t1 - t0));
	}
	return best;
}

} // namespace

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv); // takes its own flags out of argv
	CLI::App app{"pfnbench's Google Benchmark suite. Google Benchmark's own flags "
		     "(--benchmark_filter, --benchmark_format=json, --benchmark_min_time=N, "
		     "--benchmark_repetitions=N, --benchmark_out=FILE) are accepted as well; "
		     "--help lists them.",
		     "pfn_bench"};
	app.set_help_flag("--pfn_help", "this suite's flags");
	// Each default is written once, as a user would type it, and parsed like one.
	static bench::Config cfg; // referenced by the registered benchmarks until exit
	std::vector<std::string> kernels;
	std::string counters = "default";
	std::optional<int> cpu;
	pfn::add_choice(app, "--mappings", cfg.mappings, pfn::mapping_choices(),
			"mappings to measure (first one for copy_vs_libc)")
		->delimiter(',')->allow_extra_args(false)
		->run_callback_for_default()
		->default_val("4k,thp");
	pfn::add_choice(app, "--chains", cfg.chains, pfn::chain_choices(), "chain kinds for chase/")
		->delimiter(',')->allow_extra_args(false)
		->run_callback_for_default()
		->default_val("stride,thrash,random,page-local");
	app.add_option("--chase_sizes", cfg.chase_sizes, "working sets for chase/")
		->delimiter(',')->allow_extra_args(false)
		->transform(pfn::size_in(pfn::MiB))
		->type_name("SIZE,...")
		->run_callback_for_default()
		->default_val("1M,64M,1G");
	app.add_option("--copy_sizes", cfg.copy_sizes, "sizes for copy/ and copy_vs_libc/")
		->delimiter(',')->allow_extra_args(false)
		->transform(pfn::size_in(pfn::MiB))
		->type_name("SIZE,...")
		->run_callback_for_default()
		->default_val("64M,1G");
	// CLI11 has no empty list: 'none' is read as the size 0, which no size can be, and
	// dropped after parsing.
	CLI::Validator size = pfn::size_in(pfn::MiB);
	app.add_option("--tlb_sizes", cfg.tlb_sizes, "working sets for tlb_cost/ ('none' to skip)")
		->delimiter(',')->allow_extra_args(false)
		->transform(CLI::Validator(
			[size](std::string &text) {
				if (text != "none")
					return size(text);
				text = "0";
				return std::string();
			},
			""))
		->type_name("SIZE,...|none")
		->run_callback_for_default()
		->default_val("1G");
	std::vector<std::string> kernel_choices = pfn::copy_kernel_names();
	kernel_choices.push_back("all");
	app.add_option("--kernels", kernels, "copy kernels, or 'all' that run here")
		->delimiter(',')->allow_extra_args(false)
		->check(CLI::IsMember(kernel_choices))
		->type_name("NAME,...")
		->run_callback_for_default()
		->default_val("all");
	app.add_option("--counters", counters, "events per load/byte, 'none' for none")
		->check(pfn::counter_list())
		->capture_default_str();
	pfn::add_choice(app, "--first_touch", cfg.first_touch, pfn::first_touch_choices(),
			"chase/: pages first touched in 'address' order when mapped, or in "
			"'chain' order as the chain is built, in a region mapped afresh "
			"(lat_mem_rd --first-touch)")
		->run_callback_for_default()
		->default_val("address");
	app.add_option("--cpu", cpu, "CPU to pin to (default: the first one allowed)");
	int rc = pfn::parse_args(app, argc, argv);
	if (rc >= 0)
		return rc;
	std::erase(cfg.tlb_sizes, 0);

	return pfn::run_main("pfn_bench", [&] {
		if (std::ranges::find(kernels, "all") != kernels.end()) {
			cfg.kernels = pfn::supported_copy_kernels();
		} else {
			for (const auto &k : kernels)
				pfn::find_copy_kernel(k); // one this CPU cannot run is unavailable
			cfg.kernels = kernels;
		}
		std::vector<std::string> events = pfn::parse_counter_list(counters);

		pfn::Placement place = pfn::resolve_placement(cpu, std::nullopt);
		pfn::pin_thread(place);
		cfg.tsc_ghz = tsc_ghz();
		cfg.core_ghz = core_ghz();

		benchmark::AddCustomContext("pfn_cpu", std::to_string(place.cpu));
		benchmark::AddCustomContext("pfn_node", std::to_string(place.node));
		benchmark::AddCustomContext("pfn_tsc_ghz", fmt::format("{:.4f}", cfg.tsc_ghz));
		benchmark::AddCustomContext("pfn_core_ghz", fmt::format("{:.4f}", cfg.core_ghz));
		benchmark::AddCustomContext("pfn_first_touch",
					    std::string(pfn::first_touch_name(cfg.first_touch)));
		benchmark::AddCustomContext("pfn_copy_kernels", fmt::format("{}", fmt::join(cfg.kernels, ",")));
		if (!events.empty()) {
			// Decided once, here; every benchmark counts only what the plan says counts.
			cfg.counters = pfn::CounterPlan(events);
			pfn::CounterValues v;
			v.unavailable = cfg.counters.unavailable();
			std::string line = pfn::unavailable_line(v);
			benchmark::AddCustomContext("pfn_counters", fmt::format("{}", fmt::join(events, ",")));
			if (!line.empty()) {
				benchmark::AddCustomContext("pfn_counters_unavailable", line);
				fmt::print(stderr, "pfn_bench: {}\n", line);
			}
		}
		bench::register_all(cfg);
		benchmark::RunSpecifiedBenchmarks();
		benchmark::Shutdown();
		bench::release();
		return int(pfn::exit_ok);
	});
}
