// The copy workload: named copy kernels, a timed copy loop with counters around the timed
// part only, and a correctness check after timing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "measure/compare_plan.h"
#include "measure/result.h"
#include "memory/mapping_report.h"
#include "memory/region.h"
#include "platform/counters.h"

namespace pfn {

struct CopyKernel {
	std::string_view name;        // command-line name: libc, movsb, avx2-nt...
	std::string_view description;
	std::string_view needs;       // CPU feature the kernel needs ("" for none)
	bool (*supported)();          // checked at run time (cpuid), not at build time
	void (*copy)(void *dst, const void *src, size_t n);
};

// Every kernel the suite knows, supported here or not.
std::span<const CopyKernel> copy_kernels();
// Names of every kernel, whether or not this CPU runs it (what --kernel accepts).
std::vector<std::string> copy_kernel_names();
// Names of the kernels this CPU can run, libc first.
std::vector<std::string> supported_copy_kernels();
// Throws Error for an unknown name and Unavailable for a kernel this CPU cannot run,
// both naming the kernels that can.
const CopyKernel &find_copy_kernel(std::string_view name);

// Throws Error naming the first byte where dst differs from src.
void verify_copy(const void *dst, const void *src, size_t n, std::string_view kernel);

// A pattern that differs from byte to byte and from run to run (seed), so a copy that
// skips, repeats or misaligns anything is caught by verify_copy.
void fill_pattern(std::byte *p, size_t n, uint64_t seed);

struct CopyOptions {
	int repetitions = 5;   // timed copies kept
	bool warmup = true;    // one untimed copy first (caches, TLB, lazily-backed pages)
	bool verify = true;    // compare dst with src after the timed copies
	uint64_t seed = 1;
};

struct CopyRun {
	std::vector<double> samples_ms; // one whole copy per sample
	CounterValues counters;         // totals over the timed copies
};

// Fills src, copies it to dst opts.repetitions times (each one a Sampler's sample: timed,
// counters read around the copy only), then verifies dst. Throws Error when the copy is
// wrong.
CopyRun run_copy(const CopyKernel &kernel, std::byte *dst, std::byte *src, size_t n,
		 const CopyOptions &opts, const CounterPlan &counters = {});

// The source and destination of a copy as one report: a row is huge only if both are.
MappingReport combine_reports(const MappingReport &a, const MappingReport &b);

struct CopyConfig {
	std::string kernel = "libc";
	CopyOptions copy;
	CounterPlan counters; // events read around each copy, resolved once; empty: none
};

// Copies the first `bytes` of src into dst (two regions of one mapping kind) and records
// every sample, both mapping reports of the bytes copied, and the counters.
CopyPoint measure_copy(const Region &src, const Region &dst, size_t bytes, const CopyConfig &cfg);

// The source and destination of one column of a comparison.
struct CopyBuffers {
	const Region *src, *dst;
};

// The same copy in each column's buffers, sampled alternately: each repetition copies once
// in every column, starting from the next one each time, so that all columns see the same
// machine. A column copies once untimed before each of its samples when the copy is small
// enough to leave something in the caches for the next one. One point per column, in order.
std::vector<CopyPoint> measure_copy_columns(const std::vector<CopyBuffers> &columns, size_t bytes,
					    const CopyConfig &cfg);

// The cover letter's copy table: each size without and with huge mappings (and with 1 GiB
// ones, if the plan has that column). As for latency, one source and one destination per
// mapping, sized for the largest copy, hold every smaller one. They are mapped together and
// copied alternately (measure_copy_columns) when there is room for all (check_regions_fit,
// or the driver: NoRoom), else one mapping after the other. The 1 GiB column's buffers are
// mapped (or checked) first, so that a missing 1 GiB pool or device range stops the run
// before anything is measured. Every point is appended to points.
std::vector<CompareRow> compare_copy(const ComparePlan &plan, const CopyConfig &cfg,
				     std::vector<CopyPoint> &points, const ProgressFn &progress = {});

// Pairs points measured on two mappings into table rows, checking each column's mapping;
// with a third list of points, three-column rows.
std::vector<CompareRow> copy_rows(const std::vector<CopyPoint> &without,
				  const std::vector<CopyPoint> &with,
				  const std::vector<CopyPoint> *with_1g = nullptr);

} // namespace pfn
