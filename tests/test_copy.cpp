// Copy kernels copy exactly, for odd sizes and alignments; run_copy times each copy and
// reads the counters around the timed copies only; a comparison copies its columns
// alternately and checks each one's mapping.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "base/size.h"
#include "base/timer.h"
#include "fault_pages.h"
#include "measure/copy.h"
#include "memory/region.h"
#include "platform/counters.h"

namespace {

TEST(Copy, LibcIsAlwaysFirstAndSupported)
{
	auto names = pfn::supported_copy_kernels();
	ASSERT_FALSE(names.empty());
	EXPECT_EQ(names.front(), "libc");
	EXPECT_EQ(pfn::find_copy_kernel("libc").name, "libc");
}

TEST(Copy, UnknownKernelIsAClearError)
{
	try {
		pfn::find_copy_kernel("warp-drive");
		FAIL() << "no error";
	} catch (const pfn::Unavailable &) {
		FAIL() << "unknown must not read as merely unavailable";
	} catch (const pfn::Error &e) {
		std::string what = e.what();
		EXPECT_NE(what.find("warp-drive"), std::string::npos);
		EXPECT_NE(what.find("libc"), std::string::npos); // says what to use instead
		EXPECT_EQ(what.find('\n'), std::string::npos);
	}
}

TEST(Copy, UnsupportedKernelsSayWhatTheyNeed)
{
	for (const auto &k : pfn::copy_kernels()) {
		if (k.supported()) {
			EXPECT_NO_THROW(pfn::find_copy_kernel(k.name));
			continue;
		}
		try {
			pfn::find_copy_kernel(k.name);
			FAIL() << k.name;
		} catch (const pfn::Unavailable &e) {
			EXPECT_NE(std::string(e.what()).find(k.needs), std::string::npos);
		}
	}
}

// Sizes around every vector width and unroll boundary, at every misalignment of source
// and destination up to a cache line; the guard bytes around dst must stay untouched.
TEST(Copy, EveryKernelExactForOddSizesAndAlignments)
{
	const std::vector<size_t> sizes = {0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128,
					   129, 255, 256, 257, 1000, 4095, 4096, 4097, 65537};
	constexpr size_t guard = 64;
	std::vector<std::byte> src(65537 + 2 * guard), dst(65537 + 3 * guard);
	for (const auto &name : pfn::supported_copy_kernels()) {
		const auto &k = pfn::find_copy_kernel(name);
		for (size_t n : sizes)
			for (size_t soff : {0, 1, 3, 8, 17, 32, 63})
				for (size_t doff : {0, 1, 5, 16, 31, 33, 63}) {
					pfn::fill_pattern(src.data(), src.size(), n + soff);
					std::memset(dst.data(), 0xA5, dst.size());
					std::byte *d = dst.data() + guard + doff;
					k.copy(d, src.data() + soff, n);
					ASSERT_NO_THROW(pfn::verify_copy(d, src.data() + soff, n, name))
						<< name << " n=" << n << " soff=" << soff << " doff=" << doff;
					for (std::byte *g = dst.data(); g < d; g++)
						ASSERT_EQ(*g, std::byte(0xA5)) << name << " wrote before dst";
					for (std::byte *g = d + n; g < dst.data() + dst.size(); g++)
						ASSERT_EQ(*g, std::byte(0xA5)) << name << " wrote past dst";
				}
	}
}

TEST(Copy, VerifyNamesTheFirstWrongByte)
{
	std::vector<std::byte> a(100), b(100);
	pfn::fill_pattern(a.data(), a.size(), 7);
	b = a;
	b[42] = ~b[42];
	try {
		pfn::verify_copy(b.data(), a.data(), a.size(), "test");
		FAIL() << "mismatch not caught";
	} catch (const pfn::Error &e) {
		EXPECT_NE(std::string(e.what()).find("byte 42 of 100"), std::string::npos) << e.what();
	}
}

// A stand-in kernel that records each call and how long its own copy took, so the test
// can tell what run_copy timed and what it verified without trusting the clock's scale.
// Each call also faults fresh pages, many in the first (untimed warm-up) call and one in
// each later one, so a page-fault count shows which calls the counters were read around.
constexpr size_t warmup_faults = 256;
struct Recorded {
	int calls = 0;
	std::vector<uint64_t> inside_ns; // per call, as the kernel itself saw it
	bool corrupt = false;            // flip one byte of every copy
} recorded;

void recording_copy(void *dst, const void *src, size_t n)
{
	uint64_t t0 = pfn::now_ns();
	std::memcpy(dst, src, n);
	if (recorded.corrupt)
		static_cast<unsigned char *>(dst)[n / 2] ^= 1;
	fault_fresh_pages(recorded.calls == 0 ? warmup_faults : 1);
	// At least one clock step inside every copy, so a sample around it cannot be zero.
	uint64_t t1;
	while ((t1 = pfn::now_ns()) == t0)
		;
	recorded.calls++;
	recorded.inside_ns.push_back(t1 - t0);
}

constexpr pfn::CopyKernel recording{"recording", "test stand-in", "", [] { return true; },
				    recording_copy};

// One untimed warm-up copy, then one timed sample per repetition, each bracketing its whole
// copy; counters are read around the timed copies only; the result is verified.
TEST(Copy, RunCopyTimesEachCopyAndVerifies)
{
	std::vector<std::byte> src(1 << 20), dst(1 << 20);
	pfn::CopyOptions opts;
	opts.repetitions = 3;
	pfn::CounterPlan counters({"perf::PAGE-FAULTS", "PFN_NO_SUCH_EVENT"});
	recorded = {};
	recorded.inside_ns.reserve(8); // no allocation inside a timed copy
	auto run = pfn::run_copy(recording, dst.data(), src.data(), src.size(), opts, counters);
	EXPECT_EQ(recorded.calls, 1 + 3);
	ASSERT_EQ(run.samples_ms.size(), 3u);
	for (size_t i = 0; i < 3; i++) {
		// The sample contains the copy (the kernel's own view of it, calls 1..3).
		EXPECT_GE(run.samples_ms[i] * 1e6 + 1, double(recorded.inside_ns[i + 1])) << i;
		EXPECT_GT(run.samples_ms[i], 0.0) << i;
	}
	EXPECT_EQ(std::memcmp(dst.data(), src.data(), src.size()), 0);
	EXPECT_EQ(run.counters.unavailable.count("PFN_NO_SUCH_EVENT"), 1u);
	if (!counters.countable().empty()) {
		// The three timed copies' faults, and not the warm-up's.
		ASSERT_EQ(run.counters.values.count("perf::PAGE-FAULTS"), 1u);
		long long faults = run.counters.values.at("perf::PAGE-FAULTS");
		EXPECT_GE(faults, 3);
		EXPECT_LT(faults, static_cast<long long>(warmup_faults));
	}

	recorded = {};
	recorded.corrupt = true;
	EXPECT_THROW(pfn::run_copy(recording, dst.data(), src.data(), src.size(), opts), pfn::Error);
	opts.verify = false;
	opts.warmup = false;
	recorded = {};
	auto unverified = pfn::run_copy(recording, dst.data(), src.data(), src.size(), opts);
	EXPECT_EQ(recorded.calls, 3);
	EXPECT_EQ(unverified.samples_ms.size(), 3u);

	opts.repetitions = 0;
	EXPECT_THROW(pfn::run_copy(pfn::find_copy_kernel("libc"), dst.data(), src.data(), 64, opts),
		     pfn::Error);
}

// Every real kernel through the same loop: each sample kept, the copy verified.
TEST(Copy, RunCopyWithEveryKernel)
{
	std::vector<std::byte> src(1 << 20), dst(1 << 20);
	pfn::CopyOptions opts;
	opts.repetitions = 2;
	for (const auto &name : pfn::supported_copy_kernels()) {
		std::fill(dst.begin(), dst.end(), std::byte{0});
		auto run = pfn::run_copy(pfn::find_copy_kernel(name), dst.data(), src.data(), src.size(),
					 opts);
		EXPECT_EQ(run.samples_ms.size(), 2u) << name;
		EXPECT_EQ(std::memcmp(dst.data(), src.data(), src.size()), 0) << name;
	}
}

TEST(Copy, CombinedReportIsHugeOnlyIfBothAre)
{
	pfn::MappingReport huge, small;
	huge.bytes = huge.bytes_2m = 4 << 20;
	small.bytes = small.bytes_4k = 4 << 20;
	auto both = pfn::combine_reports(huge, huge);
	EXPECT_EQ(both.bytes, 8u << 20);
	EXPECT_EQ(both.bytes_2m, 8u << 20);
	auto mixed = pfn::combine_reports(huge, small);
	EXPECT_EQ(mixed.bytes_2m, 4u << 20);
	EXPECT_EQ(mixed.bytes_4k, 4u << 20);
}

// Every column copied at every size, each with all its samples; a 4 KiB "1 GiB column",
// which any machine can map, must be flagged, not passed off as 1 GiB leaves.
TEST(Copy, AThirdColumnIsCopiedWithTheOthersAndCheckedForOneGibLeaves)
{
	using pfn::MappingKind;
	pfn::ComparePlan plan;
	plan.with_1g = MappingKind::page_4k;
	plan.sizes = {2 * pfn::MiB, 4 * pfn::MiB};
	pfn::CopyConfig cfg;
	cfg.copy.repetitions = 3;
	std::vector<pfn::CopyPoint> points;
	std::vector<MappingKind> steps;
	auto rows = pfn::compare_copy(plan, cfg, points,
				      [&](MappingKind k, size_t) { steps.push_back(k); });
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_EQ(points.size(), 6u);
	EXPECT_EQ(steps, (std::vector<MappingKind>{MappingKind::page_4k, MappingKind::thp,
						   MappingKind::page_4k, MappingKind::page_4k,
						   MappingKind::thp, MappingKind::page_4k}));
	for (const auto &r : rows) {
		ASSERT_TRUE(r.with_1g);
		EXPECT_EQ(r.with_1g->value, r.with_1g->summary.min);
		EXPECT_EQ(r.with_1g->summary.n, 3u);
		// Source and destination of the row's size, together.
		EXPECT_EQ(r.with_1g->report.bytes, 2 * r.bytes);
		EXPECT_TRUE(r.with_1g->report.is_4k()) << r.with_1g->report.summary();
		EXPECT_EQ(r.mismatch.rfind("With 1 GiB Mapping read back as 100.0% 4K", 0), 0u)
			<< r.mismatch;
	}
}

// A missing 1 GiB column stops the comparison before anything is copied.
TEST(Copy, AOneGibColumnThatCannotBeHadStopsTheRunFirst)
{
	using pfn::MappingKind;
	pfn::ComparePlan plan;
	plan.with_1g = MappingKind::hugetlb_1g;
	// More 1 GiB pages than any test machine reserves: two of 64 GiB each.
	plan.sizes = {64 * pfn::GiB};
	std::vector<pfn::CopyPoint> points;
	int steps = 0;
	try {
		pfn::compare_copy(plan, {}, points, [&](MappingKind, size_t) { steps++; });
		FAIL() << "copied 64 GiB of 1 GiB pages";
	} catch (const pfn::Unavailable &e) {
		EXPECT_NE(std::string(e.what()).find("1 GiB"), std::string::npos) << e.what();
	}
	EXPECT_EQ(steps, 0);
	EXPECT_TRUE(points.empty());
}

} // namespace
