#include "families.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "backend.h"
#include "chase.h"
#include "copy.h"
#include "counters.h"
#include "error.h"
#include "latency.h"
#include "memory.h"
#include "sampler.h"
#include "size.h"
#include "stats.h"
#include "tlb_cost.h"

namespace bench {

namespace {

// Loads per benchmark iteration: 10^6, well above the 10^5 a timer step needs.
constexpr uint64_t blocks_per_iteration = 10000;

// A benchmark's counts over its samples, as per-unit user counters.
void counter_rates(benchmark::State &st, const pfn::CounterValues &counted, double units,
		   const char *unit)
{
	for (const auto &[name, count] : counted.values)
		st.counters[fmt::format("{}/{}", name, unit)] = double(count) / units;
}

// Each Google Benchmark iteration is one of the sampler's samples: the fastest one is the
// least disturbed on a shared host, as lmbench and the tables report minimum latencies.
void sample_iterations(benchmark::State &st, pfn::Sampler &s, const pfn::SampleBody &body)
{
	for (auto _ : st)
		s.sample(body);
}

double total_ns(const pfn::Sampler &s)
{
	return std::accumulate(s.samples_ns().begin(), s.samples_ns().end(), 0.0);
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
	const double loads = double(sampler.samples_ns().size()) * per_iteration;
	counter_rates(st, sampler.counters(), loads, "load");
	double ns = total_ns(sampler) / loads, ns_min = min_ns(sampler) / per_iteration;
	st.counters["ns_per_load"] = ns;
	st.counters["ns_per_load_min"] = ns_min;
	st.counters["cycles_per_load_min"] = ns_min * cfg.core_ghz;
	st.counters["huge_fraction"] = report.fraction_huge();
	// Only what was read back: no figure rather than a 0 where frames are hidden.
	if (report.layout.available() && report.layout.adjacent_pairs)
		st.counters["phys_adjacent"] = report.layout.fraction_adjacent();
	if (report.layout.available() && report.layout.chain_hops)
		st.counters["phys_chain_next"] = report.layout.fraction_chain_next();
	st.SetLabel(report.summary() + "; " + report.layout.summary());
}

void bm_chase(benchmark::State &st, pfn::MappingKind kind, pfn::ChainKind chain, size_t bytes,
	      size_t region_bytes, const Config &cfg)
{
	guarded(st, [&] {
		pfn::ChainSpec spec{chain, bytes, 64, 4096, 1};
		void *p = bench::chain(kind, region_bytes, spec, cfg.first_touch);
		st.counters["range_bytes"] = double(bytes);
		chase_loop(st, p, cfg, bench::chain_report());
	});
}

void bm_chase_overhead(benchmark::State &st, const Config &cfg)
{
	guarded(st, [&] {
		constexpr size_t l1 = 16 * pfn::KiB;
		pfn::ChainSpec spec{pfn::ChainKind::random, l1, 64, 4096, 1};
		void *p = bench::chain(pfn::MappingKind::page_4k, l1, spec);
		st.counters["tsc_ghz"] = cfg.tsc_ghz;
		st.counters["core_ghz"] = cfg.core_ghz;
		chase_loop(st, p, cfg, bench::report_of(0, l1));
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
		const double copies = double(sampler.samples_ns().size());
		const double copied = copies * double(bytes);
		counter_rates(st, sampler.counters(), copied, "byte");
		pfn::verify_copy(dst, src, bytes, kernel.name);
		st.SetBytesProcessed(int64_t(copied));
		st.counters["GB_per_s"] = copied / total_ns(sampler); // bytes per ns = GB/s
		st.counters["GB_per_s_best"] = double(bytes) / min_ns(sampler);
		st.counters["ms_per_copy"] = total_ns(sampler) / 1e6 / copies;
		st.counters["ms_per_copy_min"] = min_ns(sampler) / 1e6;
		st.counters["range_bytes"] = double(bytes);
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
		st.counters["range_bytes"] = double(bytes);
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
		st.counters["range_bytes"] = double(bytes);
		st.SetLabel(cost.random.report.summary());
	});
}

// A compare row as counters: the two columns (minimum of samples), the improvement, the
// same on the medians and its interval, all as the core's tables compute them
// (core/improvement.h), so plots/ draws the improvement of a bench/ file without
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
	st.counters["range_bytes"] = double(r.bytes);
	st.SetLabel(r.mismatch.empty() ? fmt::format("without: {}; with: {}",
						     r.without_report.summary(),
						     r.with_report.summary())
				       : r.mismatch);
}

// lat_mem_rd --compare's row for one size: both mappings mapped, sampled alternately.
void bm_compare_latency(benchmark::State &st, const pfn::BackendPair &pair,
			pfn::ChainKind chain, size_t bytes, const Config &cfg)
{
	guarded(st, [&] {
		bench::release(); // the comparison maps its own two regions
		pfn::ComparePlan plan;
		plan.without = pair.without;
		plan.with = pair.with;
		plan.sizes = {bytes};
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
		pfn::ComparePlan plan;
		plan.without = pair.without;
		plan.with = pair.with;
		plan.sizes = {bytes};
		pfn::CopyConfig cc;
		cc.kernel = kernel;
		std::vector<pfn::CopyPoint> points;
		std::vector<pfn::CompareRow> rows;
		for (auto _ : st)
			rows = pfn::compare_copy(plan, cc, points);
		row_counters(st, rows.at(0), "ms_per_copy");
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

// Every family is timed in real time and shown in ms. With --benchmark_repetitions=N
// (N > 1) each also gets, beside Google Benchmark's own mean, median and stddev rows, the
// min, p10, p90, max and spread of pfn::Summary over the repetitions: the numbers a plot
// of this JSON draws (plots/pfnres/doc.py reads them and computes none).
template <typename Fn> benchmark::internal::Benchmark *add(const std::string &name, Fn &&fn)
{
	return benchmark::RegisterBenchmark(name.c_str(), std::forward<Fn>(fn))
		->UseRealTime()
		->Unit(benchmark::kMillisecond)
		->ComputeStatistics("min", summary_field<&pfn::Summary::min>)
		->ComputeStatistics("p10", summary_field<&pfn::Summary::p10>)
		->ComputeStatistics("p90", summary_field<&pfn::Summary::p90>)
		->ComputeStatistics("max", summary_field<&pfn::Summary::max>)
		->ComputeStatistics("spread", summary_spread, benchmark::kPercentage);
}

} // namespace

void register_all(const Config &cfg)
{
	// Config lives in main for the whole run; the lambdas keep a reference to it.
	const Config *c = &cfg;
	add("chase_overhead/l1/16384", [c](benchmark::State &st) { bm_chase_overhead(st, *c); });

	for (pfn::MappingKind m : cfg.mappings) {
		size_t largest = cfg.chase_sizes.empty() ? 0 : *std::max_element(cfg.chase_sizes.begin(),
										  cfg.chase_sizes.end());
		for (pfn::ChainKind ch : cfg.chains)
			for (size_t s : cfg.chase_sizes)
				add(fmt::format("chase/{}/{}/{}", pfn::chain_name(ch), pfn::mapping_name(m), s),
				    [=](benchmark::State &st) { bm_chase(st, m, ch, s, largest, *c); });
	}
	for (pfn::MappingKind m : cfg.mappings)
		for (size_t s : cfg.tlb_sizes)
			add(fmt::format("tlb_cost/{}/{}", pfn::mapping_name(m), s),
			    [=](benchmark::State &st) { bm_tlb_cost(st, m, s); })
				->Iterations(1);
	for (pfn::MappingKind m : cfg.mappings)
		for (size_t s : cfg.copy_sizes)
			for (const auto &k : cfg.kernels)
				add(fmt::format("copy/{}/{}/{}", k, pfn::mapping_name(m), s),
				    [=](benchmark::State &st) { bm_copy(st, k, m, s, *c); });
	if (!cfg.mappings.empty())
		for (size_t s : cfg.copy_sizes)
			for (const auto &k : cfg.kernels)
				if (k != "libc")
					add(fmt::format("copy_vs_libc/{}/{}/{}", k,
							pfn::mapping_name(cfg.mappings.front()), s),
					    [=, m = cfg.mappings.front()](benchmark::State &st) {
						    bm_copy_vs_libc(st, k, m, s);
					    });
	// The tables' rows for each backend pair both of whose mappings are measured: the
	// thrash chain (lat_mem_rd -t) and libc's copy, as the cover letter's. One run each:
	// their samples are the core's repetitions, and the interval comes from those.
	auto measured = [&](pfn::MappingKind k) {
		return std::find(cfg.mappings.begin(), cfg.mappings.end(), k) != cfg.mappings.end();
	};
	for (const pfn::BackendPair &pair : pfn::backend_pairs()) {
		if (!measured(pair.without) || !measured(pair.with))
			continue;
		std::string names = fmt::format("{}/{}", pfn::mapping_name(pair.without),
						pfn::mapping_name(pair.with));
		for (size_t s : cfg.chase_sizes)
			add(fmt::format("compare_latency/thrash/{}/{}", names, s),
			    [=](benchmark::State &st) {
				    bm_compare_latency(st, pair, pfn::ChainKind::thrash, s, *c);
			    })
				->Iterations(1)
				->Repetitions(1);
		for (size_t s : cfg.copy_sizes)
			add(fmt::format("compare_copy/libc/{}/{}", names, s),
			    [=](benchmark::State &st) { bm_compare_copy(st, pair, "libc", s); })
				->Iterations(1)
				->Repetitions(1);
	}
}

} // namespace bench
