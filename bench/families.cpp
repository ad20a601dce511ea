#include "families.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "base/error.h"
#include "base/size.h"
#include "base/stats.h"
#include "measure/chase.h"
#include "measure/copy.h"
#include "measure/latency.h"
#include "measure/sampler.h"
#include "measure/tlb_cost.h"
#include "memory.h"
#include "memory/backend.h"
#include "platform/counters.h"

namespace bench {

namespace {

// Loads per benchmark iteration: 10^6, well above the 10^5 a timer step needs.
constexpr uint64_t blocks_per_iteration = 10000;

// A benchmark's counts over its samples, per unit (load, byte) of which each iteration
// does units_per_iteration: Google Benchmark divides by the iterations (kAvgIterations).
void counter_rates(benchmark::State &st, const pfn::CounterValues &counted,
		   double units_per_iteration, const char *unit)
{
	for (const auto &[name, count] : counted.values)
		st.counters[fmt::format("{}/{}", name, unit)] = benchmark::Counter(
			double(count) / units_per_iteration, benchmark::Counter::kAvgIterations);
}

// Each Google Benchmark iteration is one of the sampler's samples: the fastest one is the
// least disturbed on a shared host, as lmbench and the tables report minimum latencies.
// Its time is the sample's timed part (the family is UseManualTime), so Google Benchmark's
// time and rates leave out the warm-up and the counter reads as the sampler's minima do.
void sample_iterations(benchmark::State &st, pfn::Sampler &s, const pfn::SampleBody &body)
{
	for (auto _ : st)
		st.SetIterationTime(s.sample(body) / 1e9);
}

double min_ns(const pfn::Sampler &s)
{
	return *std::ranges::min_element(s.samples_ns());
}

// Runs body, turning the core's one-line errors into a skipped benchmark with that line.
template <typename Body> void guarded(benchmark::State &st, Body body)
{
	try {
		body();
	} catch (const pfn::Error &e) {
		st.SkipWithError(e.what());
	}
}

void chase_loop(benchmark::State &st, void *p, const Config &cfg, const pfn::MappingReport &report)
{
	pfn::Sampler sampler(cfg.counters, blocks_per_iteration);
	const pfn::SampleBody body = [&p](uint64_t blocks) { p = pfn::chase_blocks(p, blocks); };
	// One untimed pass bounded at 10^6 loads puts the chain in the caches and TLB it fits in.
	sampler.warm_up(body, blocks_per_iteration);
	sample_iterations(st, sampler, body);
	benchmark::DoNotOptimize(p);
	const double per_iteration = double(blocks_per_iteration) * 100.0;
	counter_rates(st, sampler.counters(), per_iteration, "load");
	const double ns_min = min_ns(sampler) / per_iteration;
	// The mean over the samples: loads per ns, inverted.
	st.counters["ns_per_load"] = benchmark::Counter(
		per_iteration / 1e9,
		benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
	st.counters["ns_per_load_min"] = ns_min;
	st.counters["cycles_per_load_min"] = ns_min * cfg.core_ghz;
	st.counters["huge_fraction"] = report.fraction_huge();
	// Only what was read back: no figure rather than a 0 where frames are hidden.
	if (report.layout.available() && report.layout.adjacent_pairs)
		st.counters["phys_adjacent"] = report.layout.fraction_adjacent();
	if (report.layout.available() && report.layout.chain_hops) {
		st.counters["phys_chain_next"] = report.layout.fraction_chain_next();
		st.counters["phys_chain_prev"] = report.layout.fraction_chain_prev();
	}
	st.SetLabel(report.summary() + "; " + report.layout.summary());
}

void bm_chase(benchmark::State &st, pfn::MappingKind kind, pfn::ChainKind chain, size_t bytes,
	      size_t region_bytes, const Config &cfg)
{
	guarded(st, [&] {
		pfn::ChainSpec spec{chain, bytes, 64, 4096, 1};
		void *p = bench::chain(kind, region_bytes, spec, cfg.first_touch);
		chase_loop(st, p, cfg, bench::chain_report());
	});
}

void bm_chase_overhead(benchmark::State &st, size_t bytes, const Config &cfg)
{
	guarded(st, [&] {
		pfn::ChainSpec spec{pfn::ChainKind::random, bytes, 64, 4096, 1};
		void *p = bench::chain(pfn::MappingKind::page_4k, bytes, spec);
		st.counters["tsc_ghz"] = cfg.tsc_ghz;
		st.counters["core_ghz"] = cfg.core_ghz;
		chase_loop(st, p, cfg, bench::report_of(0, bytes));
	});
}

// The sampler's body for a copy benchmark: `copies` whole copies of bytes.
pfn::SampleBody copies_of(const pfn::CopyKernel &kernel, std::byte *dst, const std::byte *src, size_t bytes)
{
	return [&kernel, dst, src, bytes](uint64_t copies) {
		while (copies--) {
			kernel.copy(dst, src, bytes);
			benchmark::ClobberMemory();
		}
	};
}

void bm_copy(benchmark::State &st, const std::string &kernel_name, pfn::MappingKind kind,
	     size_t bytes, const Config &cfg)
{
	guarded(st, [&] {
		const pfn::CopyKernel &kernel = pfn::find_copy_kernel(kernel_name);
		std::byte *src = bench::source(kind, bytes, 1).data();
		std::byte *dst = bench::destination(kind, bytes).data();
		pfn::Sampler sampler(cfg.counters);
		const pfn::SampleBody body = copies_of(kernel, dst, src, bytes);
		sampler.warm_up(body, 1); // caches, TLB
		sample_iterations(st, sampler, body);
		counter_rates(st, sampler.counters(), double(bytes), "byte");
		pfn::verify_copy(dst, src, bytes, kernel.name);
		st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(bytes));
		// Means over the samples: GB per second, and copies per ms inverted.
		st.counters["GB_per_s"] = benchmark::Counter(
			double(bytes) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
		st.counters["GB_per_s_best"] = double(bytes) / min_ns(sampler);
		st.counters["ms_per_copy"] = benchmark::Counter(
			1e-3, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
		st.counters["ms_per_copy_min"] = min_ns(sampler) / 1e6;
		pfn::MappingReport report = pfn::combine_reports(bench::report_of(0, bytes),
								 bench::report_of(1, bytes));
		st.counters["huge_fraction"] = report.fraction_huge();
		st.SetLabel(report.summary());
	});
}

// The kernel and libc alternately on the same buffers, so both see the same neighbours on
// a shared host and the ratio is fairer than two separate runs.
void bm_copy_vs_libc(benchmark::State &st, const std::string &kernel_name, pfn::MappingKind kind,
		     size_t bytes)
{
	guarded(st, [&] {
		const pfn::CopyKernel &kernel = pfn::find_copy_kernel(kernel_name);
		const pfn::CopyKernel &libc = pfn::find_copy_kernel("libc");
		std::byte *src = bench::source(kind, bytes, 1).data();
		std::byte *dst = bench::destination(kind, bytes).data();
		pfn::Sampler kernel_samples, libc_samples;
		const pfn::SampleBody kernel_body = copies_of(kernel, dst, src, bytes);
		const pfn::SampleBody libc_body = copies_of(libc, dst, src, bytes);
		kernel_samples.warm_up(kernel_body, 1);
		for (auto _ : st) {
			kernel_samples.sample(kernel_body);
			libc_samples.sample(libc_body);
		}
		pfn::verify_copy(dst, src, bytes, "libc"); // libc copied last
		kernel.copy(dst, src, bytes);
		pfn::verify_copy(dst, src, bytes, kernel.name);
		// Fastest of each, as the tables report minimum times.
		st.counters["kernel_GB_per_s"] = double(bytes) / min_ns(kernel_samples);
		st.counters["libc_GB_per_s"] = double(bytes) / min_ns(libc_samples);
		st.counters["speedup_vs_libc"] = min_ns(libc_samples) / min_ns(kernel_samples);
	});
}

void bm_tlb_cost(benchmark::State &st, pfn::MappingKind kind, size_t bytes)
{
	guarded(st, [&] {
		const pfn::Region &region = bench::scratch(kind, bytes);
		pfn::LatencyConfig lc;
		lc.chase.repetitions = 5;
		lc.chase.min_sample_ms = 2;
		pfn::TlbCost cost;
		for (auto _ : st)
			cost = pfn::measure_tlb_cost(region, bytes, lc);
		st.counters["page_local_ns"] = cost.page_local.summary().min;
		st.counters["random_ns"] = cost.random.summary().min;
		st.counters["tlb_cost_ns"] = cost.ns_per_load();
		st.counters["tlb_cost_pct"] = cost.pct_of_random();
		st.counters["huge_fraction"] = cost.random.report.fraction_huge();
		st.SetLabel(cost.random.report.summary());
	});
}

// A compare row as counters: the two columns (minimum of samples), the improvement, the
// same on the medians and its interval, all as the core's tables compute them
// (core/measure/improvement.h), so plots/ draws the improvement of a bench/ file without
// deriving it. The label says why a row did not verify, else what each column read back.
void row_counters(benchmark::State &st, const pfn::CompareRow &r, const char *unit)
{
	st.counters[fmt::format("without_{}", unit)] = r.without;
	st.counters[fmt::format("with_{}", unit)] = r.with;
	st.counters["improvement_pct"] = r.improvement_pct();
	st.counters["median_improvement_pct"] = r.median_improvement_pct();
	st.counters["improvement_low_pct"] = r.improvement_ci.low_pct;
	st.counters["improvement_high_pct"] = r.improvement_ci.high_pct;
	st.counters["improvement_level"] = r.improvement_ci.level;
	st.counters["improvement_resamples"] = r.improvement_ci.resamples;
	st.counters["improvement_seed"] = double(r.improvement_ci.seed);
	st.counters["improvement_significant"] = r.improvement_ci.significant() ? 1 : 0;
	st.counters["without_huge_fraction"] = r.without_report.fraction_huge();
	st.counters["with_huge_fraction"] = r.with_report.fraction_huge();
	st.counters["verified"] = r.mismatch.empty() ? 1 : 0;
	st.SetLabel(r.mismatch.empty() ? fmt::format("without: {}; with: {}",
						     r.without_report.summary(),
						     r.with_report.summary())
				       : r.mismatch);
}

// One row of a --compare table: the pair's two mappings at one size.
pfn::ComparePlan one_size_plan(const pfn::BackendPair &pair, size_t bytes)
{
	pfn::ComparePlan plan;
	plan.without = pair.without;
	plan.with = pair.with;
	plan.sizes = {bytes};
	return plan;
}

// lat_mem_rd --compare's row for one size: both mappings mapped, sampled alternately.
void bm_compare_latency(benchmark::State &st, const pfn::BackendPair &pair,
			pfn::ChainKind chain, size_t bytes, const Config &cfg)
{
	guarded(st, [&] {
		bench::release(); // the comparison maps its own two regions
		pfn::ComparePlan plan = one_size_plan(pair, bytes);
		pfn::LatencyConfig lc;
		lc.chain = chain;
		lc.first_touch = cfg.first_touch;
		std::vector<pfn::LatencyPoint> points;
		std::vector<pfn::CompareRow> rows;
		for (auto _ : st)
			rows = pfn::compare_latency(plan, lc, points);
		row_counters(st, rows.at(0), "ns_per_load");
	});
}

// memcpy_test --compare's row for one size.
void bm_compare_copy(benchmark::State &st, const pfn::BackendPair &pair,
		     const std::string &kernel, size_t bytes)
{
	guarded(st, [&] {
		bench::release();
		pfn::ComparePlan plan = one_size_plan(pair, bytes);
		pfn::CopyConfig cc;
		cc.kernel = kernel;
		std::vector<pfn::CopyPoint> points;
		std::vector<pfn::CompareRow> rows;
		for (auto _ : st)
			rows = pfn::compare_copy(plan, cc, points);
		row_counters(st, rows.at(0), "ms_per_copy");
	});
}

// Does restore_steady_state() give each --compare column the state a lone run samples it
// in (issue 14)? Both mappings are mapped and chased as compare_latency does; each
// repetition, column by column, restores and samples (after the other column: how the
// table samples) and at once samples again (after itself: how a lone run's samples follow
// each other). The two are one sample apart, so a host whose load drifts over seconds
// moves both alike, which separate runs minutes apart do not: the median of the paired
// ratios is the figure, the ratio of the minima its table-like companion.
void bm_steady_state(benchmark::State &st, const pfn::BackendPair &pair, size_t bytes,
		     const Config &cfg)
{
	guarded(st, [&] {
		bench::release(); // both regions at once, as the comparison maps them
		const pfn::ChainSpec spec{pfn::ChainKind::thrash, bytes, 64, 4096, 1};
		const bool populate = pfn::populate_when_mapped(cfg.first_touch);
		const std::vector<pfn::RegionSpec> specs = {{pair.without, bytes, -1, populate},
							    {pair.with, bytes, -1, populate}};
		pfn::check_regions_fit(specs);
		std::vector<std::unique_ptr<pfn::Region>> regions;
		std::vector<pfn::Chase> chases;
		pfn::ChaseOptions opts;
		opts.min_sample_ms = 20;
		opts.warm_loads = std::min<uint64_t>(pfn::chain_length(spec), 1u << 20);
		for (const pfn::RegionSpec &r : specs) {
			regions.push_back(pfn::map_region(r));
			void *start = pfn::lay_chain(*regions.back(), spec, cfg.first_touch);
			chases.push_back(pfn::prepare_chase(start, opts));
		}
		const int reps = 21;
		std::vector<double> after_other[2], after_self[2];
		for (auto _ : st)
			for (int r = 0; r < reps; r++)
				for (size_t k = 0; k < 2; k++) {
					const size_t c = (size_t(r) + k) % 2;
					pfn::Chase &chase = chases[c];
					chase.p = pfn::restore_steady_state(chase.p, spec);
					after_other[c].push_back(pfn::sample_chase(chase));
					after_self[c].push_back(pfn::sample_chase(chase));
				}
		const char *column[2] = {"without", "with"};
		for (size_t c = 0; c < 2; c++) {
			std::vector<double> paired;
			for (size_t i = 0; i < after_other[c].size(); i++)
				paired.push_back(after_other[c][i] / after_self[c][i]);
			const double other = pfn::summarize(after_other[c]).min;
			const double self = pfn::summarize(after_self[c]).min;
			st.counters[fmt::format("{}_after_other_ns", column[c])] = other;
			st.counters[fmt::format("{}_after_self_ns", column[c])] = self;
			st.counters[fmt::format("{}_ratio", column[c])] = other / self;
			st.counters[fmt::format("{}_paired_ratio", column[c])] =
				pfn::summarize(paired).median;
			st.counters[fmt::format("{}_huge_fraction", column[c])] =
				regions[c]->report().fraction_huge();
		}
	});
}

// One field of pfn::summarize() over a benchmark's repetitions, so the aggregate rows
// carry the same quantiles as lat_mem_rd's and memcpy_test's records.
template <double pfn::Summary::*field> double summary_field(const std::vector<double> &v)
{
	return pfn::summarize(v).*field;
}

double summary_spread(const std::vector<double> &v)
{
	// Google Benchmark's percentage unit is a fraction: spread_pct / 100.
	return pfn::summarize(v).spread_pct() / 100.0;
}

// Which clock times a family: chase/ and copy/ give Google Benchmark each iteration's own
// time (SetIterationTime), so their means, rates and per-iteration minima come from one
// clock; the others are timed by Google Benchmark's real time.
enum class Clock { iterations, real };

// Every family is shown in ms. With --benchmark_repetitions=N (N > 1) each also gets,
// beside Google Benchmark's own mean, median and stddev rows, the min, p10, p90, max and
// spread of pfn::Summary over the repetitions: the numbers a plot of this JSON draws
// (plots/pfnres/doc.py reads them and computes none).
// A family's name is "/"-separated key:value parts and its sizes are Google Benchmark's
// argument "bytes", so a run is "chase/chain:thrash/mapping:4k/bytes:67108864/manual_time":
// a reader takes each part by its key and guesses nothing. Registers nothing, and returns
// nullptr, for no sizes.
template <typename Fn>
benchmark::internal::Benchmark *add(const std::string &name, const std::vector<size_t> &sizes,
				    Clock clock, Fn &&fn)
{
	if (sizes.empty())
		return nullptr;
	auto *b = benchmark::RegisterBenchmark(name.c_str(), std::forward<Fn>(fn))
			  ->ArgName("bytes")
			  ->Unit(benchmark::kMillisecond)
			  ->ComputeStatistics("min", summary_field<&pfn::Summary::min>)
			  ->ComputeStatistics("p10", summary_field<&pfn::Summary::p10>)
			  ->ComputeStatistics("p90", summary_field<&pfn::Summary::p90>)
			  ->ComputeStatistics("max", summary_field<&pfn::Summary::max>)
			  ->ComputeStatistics("spread", summary_spread, benchmark::kPercentage);
	if (clock == Clock::iterations)
		b->UseManualTime();
	else
		b->UseRealTime();
	for (size_t bytes : sizes)
		b->Arg(int64_t(bytes));
	return b;
}

size_t bytes_of(const benchmark::State &st)
{
	return size_t(st.range(0));
}

} // namespace

void register_all(const Config &cfg)
{
	// Config lives in main for the whole run; the lambdas keep a reference to it.
	const Config *c = &cfg;
	// The chase loop's own cost, on a random chain that fits L1.
	add("chase_overhead/chain:random/mapping:4k", {16 * pfn::KiB}, Clock::iterations,
	    [c](benchmark::State &st) { bm_chase_overhead(st, bytes_of(st), *c); });

	size_t largest = cfg.chase_sizes.empty()
				 ? 0
				 : *std::max_element(cfg.chase_sizes.begin(), cfg.chase_sizes.end());
	for (pfn::MappingKind m : cfg.mappings)
		for (pfn::ChainKind ch : cfg.chains)
			add(fmt::format("chase/chain:{}/mapping:{}", pfn::chain_name(ch),
					pfn::mapping_name(m)),
			    cfg.chase_sizes, Clock::iterations, [=](benchmark::State &st) {
				    bm_chase(st, m, ch, bytes_of(st), largest, *c);
			    });
	for (pfn::MappingKind m : cfg.mappings)
		if (auto *b = add(fmt::format("tlb_cost/mapping:{}", pfn::mapping_name(m)),
				  cfg.tlb_sizes, Clock::real,
				  [=](benchmark::State &st) { bm_tlb_cost(st, m, bytes_of(st)); }))
			b->Iterations(1);
	for (pfn::MappingKind m : cfg.mappings)
		for (const auto &k : cfg.kernels)
			add(fmt::format("copy/kernel:{}/mapping:{}", k, pfn::mapping_name(m)),
			    cfg.copy_sizes, Clock::iterations,
			    [=](benchmark::State &st) { bm_copy(st, k, m, bytes_of(st), *c); });
	if (!cfg.mappings.empty()) {
		pfn::MappingKind m = cfg.mappings.front();
		for (const auto &k : cfg.kernels)
			if (k != "libc")
				add(fmt::format("copy_vs_libc/kernel:{}/mapping:{}", k,
						pfn::mapping_name(m)),
				    cfg.copy_sizes, Clock::real, [=](benchmark::State &st) {
					    bm_copy_vs_libc(st, k, m, bytes_of(st));
				    });
	}
	// The tables' rows for each backend pair both of whose mappings are measured: the
	// thrash chain (lat_mem_rd -t) and libc's copy, as the cover letter's. One run each:
	// their samples are the core's repetitions, and the interval comes from those.
	auto measured = [&](pfn::MappingKind k) {
		return std::find(cfg.mappings.begin(), cfg.mappings.end(), k) != cfg.mappings.end();
	};
	for (const pfn::BackendPair &pair : pfn::backend_pairs()) {
		if (!measured(pair.without) || !measured(pair.with))
			continue;
		std::string columns = fmt::format("without:{}/with:{}", pfn::mapping_name(pair.without),
						  pfn::mapping_name(pair.with));
		if (auto *b = add(fmt::format("compare_latency/chain:thrash/{}", columns),
				  cfg.chase_sizes, Clock::real, [=](benchmark::State &st) {
					  bm_compare_latency(st, pair, pfn::ChainKind::thrash,
							     bytes_of(st), *c);
				  }))
			b->Iterations(1)->Repetitions(1);
		if (auto *b = add(fmt::format("steady_state/chain:thrash/{}", columns),
				  cfg.chase_sizes, Clock::real, [=](benchmark::State &st) {
					  bm_steady_state(st, pair, bytes_of(st), *c);
				  }))
			b->Iterations(1)->Repetitions(1);
		if (auto *b = add(fmt::format("compare_copy/kernel:libc/{}", columns), cfg.copy_sizes,
				  Clock::real, [=](benchmark::State &st) {
					  bm_compare_copy(st, pair, "libc", bytes_of(st));
				  }))
			b->Iterations(1)->Repetitions(1);
	}
}

} // namespace bench
