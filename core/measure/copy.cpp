#include "measure/copy.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "base/error.h"
#include "base/size.h"
#include "measure/sampler.h"

namespace pfn {

namespace {

bool always() { return true; }

void copy_libc(void *dst, const void *src, size_t n) { std::memcpy(dst, src, n); }

#if defined(__x86_64__)

// ERMS / FSRM make rep movsb the fast path of the microcode; without them it still copies
// correctly, only slower, so movsb is always offered.
bool cpu_has_erms()
{
	unsigned a, b, c, d;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 9));
}

void copy_movsb(void *dst, const void *src, size_t n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

// Non-temporal kernels: the destination goes straight to memory instead of evicting the
// source from the caches, the way glibc copies past its non-temporal threshold. Head and
// tail go through memcpy so the streaming stores are always aligned to the vector width.
template <size_t Align> size_t head_bytes(const void *dst, size_t n)
{
	size_t mis = reinterpret_cast<uintptr_t>(dst) & (Align - 1);
	return std::min(n, mis ? Align - mis : 0);
}

__attribute__((target("sse2"))) void copy_sse2_nt(void *dst, const void *src, size_t n)
{
	auto *d = static_cast<char *>(dst);
	auto *s = static_cast<const char *>(src);
	size_t head = head_bytes<16>(d, n);
	std::memcpy(d, s, head);
	d += head, s += head, n -= head;
	for (; n >= 64; d += 64, s += 64, n -= 64) {
		__m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s));
		__m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + 16));
		__m128i x2 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + 32));
		__m128i x3 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + 48));
		_mm_stream_si128(reinterpret_cast<__m128i *>(d), x0);
		_mm_stream_si128(reinterpret_cast<__m128i *>(d + 16), x1);
		_mm_stream_si128(reinterpret_cast<__m128i *>(d + 32), x2);
		_mm_stream_si128(reinterpret_cast<__m128i *>(d + 48), x3);
	}
	_mm_sfence(); // streaming stores are weakly ordered: make them visible before returning
	std::memcpy(d, s, n);
}

bool has_avx2() { return __builtin_cpu_supports("avx2"); }

__attribute__((target("avx2"))) void copy_avx2_nt(void *dst, const void *src, size_t n)
{
	auto *d = static_cast<char *>(dst);
	auto *s = static_cast<const char *>(src);
	size_t head = head_bytes<32>(d, n);
	std::memcpy(d, s, head);
	d += head, s += head, n -= head;
	for (; n >= 128; d += 128, s += 128, n -= 128) {
		__m256i y0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(s));
		__m256i y1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(s + 32));
		__m256i y2 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(s + 64));
		__m256i y3 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(s + 96));
		_mm256_stream_si256(reinterpret_cast<__m256i *>(d), y0);
		_mm256_stream_si256(reinterpret_cast<__m256i *>(d + 32), y1);
		_mm256_stream_si256(reinterpret_cast<__m256i *>(d + 64), y2);
		_mm256_stream_si256(reinterpret_cast<__m256i *>(d + 96), y3);
	}
	_mm_sfence();
	std::memcpy(d, s, n);
}

bool has_avx512() { return __builtin_cpu_supports("avx512f"); }

__attribute__((target("avx512f"))) void copy_avx512_nt(void *dst, const void *src, size_t n)
{
	auto *d = static_cast<char *>(dst);
	auto *s = static_cast<const char *>(src);
	size_t head = head_bytes<64>(d, n);
	std::memcpy(d, s, head);
	d += head, s += head, n -= head;
	for (; n >= 256; d += 256, s += 256, n -= 256) {
		__m512i z0 = _mm512_loadu_si512(s);
		__m512i z1 = _mm512_loadu_si512(s + 64);
		__m512i z2 = _mm512_loadu_si512(s + 128);
		__m512i z3 = _mm512_loadu_si512(s + 192);
		_mm512_stream_si512(reinterpret_cast<__m512i *>(d), z0);
		_mm512_stream_si512(reinterpret_cast<__m512i *>(d + 64), z1);
		_mm512_stream_si512(reinterpret_cast<__m512i *>(d + 128), z2);
		_mm512_stream_si512(reinterpret_cast<__m512i *>(d + 192), z3);
	}
	_mm_sfence();
	std::memcpy(d, s, n);
}

std::string movsb_description()
{
	return fmt::format("rep movsb (ERMS {})", cpu_has_erms() ? "present" : "absent: slow here");
}

#endif

const std::vector<CopyKernel> &kernel_table()
{
	static const std::vector<CopyKernel> table = [] {
		std::vector<CopyKernel> t = {
			{"libc", "glibc memcpy (picks its own strategy by size)", "", always, copy_libc},
		};
#if defined(__x86_64__)
		static const std::string movsb = movsb_description();
		t.push_back({"movsb", movsb, "", always, copy_movsb});
		t.push_back({"sse2-nt", "16-byte loads, non-temporal 16-byte stores, sfence", "sse2", always,
			     copy_sse2_nt});
		t.push_back({"avx2-nt", "32-byte loads, non-temporal 32-byte stores, sfence", "avx2",
			     has_avx2, copy_avx2_nt});
		t.push_back({"avx512-nt", "64-byte loads, non-temporal 64-byte stores, sfence", "avx512f",
			     has_avx512, copy_avx512_nt});
#endif
		return t;
	}();
	return table;
}

} // namespace

std::span<const CopyKernel> copy_kernels() { return kernel_table(); }

std::vector<std::string> copy_kernel_names()
{
	std::vector<std::string> names;
	for (const auto &k : kernel_table())
		names.emplace_back(k.name);
	return names;
}

std::vector<std::string> supported_copy_kernels()
{
	std::vector<std::string> names;
	for (const auto &k : kernel_table())
		if (k.supported())
			names.emplace_back(k.name);
	return names;
}

const CopyKernel &find_copy_kernel(std::string_view name)
{
	for (const auto &k : kernel_table()) {
		if (k.name != name)
			continue;
		if (!k.supported())
			throw Unavailable(fmt::format("copy kernel {} needs {}, which this CPU lacks; "
						      "use one of: {}", name, k.needs,
						      fmt::join(supported_copy_kernels(), ", ")));
		return k;
	}
	throw Error(fmt::format("unknown copy kernel \"{}\"; use one of: {}", name,
				fmt::join(supported_copy_kernels(), ", ")));
}

void verify_copy(const void *dst, const void *src, size_t n, std::string_view kernel)
{
	if (std::memcmp(dst, src, n) == 0)
		return;
	auto *d = static_cast<const unsigned char *>(dst);
	auto *s = static_cast<const unsigned char *>(src);
	size_t at = static_cast<size_t>(std::mismatch(d, d + n, s).first - d);
	throw Error(fmt::format("copy kernel {} is wrong: destination differs from source at byte "
				"{} of {} (0x{:02x} instead of 0x{:02x})", kernel, at, n, d[at], s[at]));
}

void fill_pattern(std::byte *p, size_t n, uint64_t seed)
{
	// splitmix64 per 8-byte word: cheap enough for 4 GiB, and no two words alike.
	uint64_t x = seed * 0x9e3779b97f4a7c15ull;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		std::memcpy(p + i, &z, 8);
	}
	for (; i < n; i++)
		p[i] = std::byte(static_cast<unsigned char>(seed + i * 131));
}

namespace {

// A stale destination from an untimed copy would hide a kernel that copies nothing.
void clear_ends(std::byte *dst, size_t n)
{
	std::memset(dst, 0, std::min<size_t>(n, 4096));
	if (n > 4096)
		std::memset(dst + n - 4096, 0, 4096);
}

// One buffer pair's copies: the source filled, one untimed copy, then timed samples on
// demand, each one whole copy with the counters around it only, and the check at the end.
class CopyTimer {
public:
	CopyTimer(const CopyKernel &kernel, std::byte *dst, std::byte *src, size_t n,
		  const CopyOptions &opts, const CounterPlan &counters)
		: kernel_(kernel), dst_(dst), src_(src), n_(n), opts_(opts), sampler_(counters),
		  body_([&kernel, dst, src, n](uint64_t copies) {
			  while (copies--)
				  kernel.copy(dst, src, n);
		  })
	{
		if (opts.repetitions < 1)
			throw Error(fmt::format("repetitions must be at least 1 (got {})",
						opts.repetitions));
		fill_pattern(src, n, opts.seed);
		sampler_.warm_up(body_, opts.warmup ? 1 : 0);
		clear_ends(dst, n);
	}

	void sample() { sampler_.sample(body_); }

	// Untimed: the copy a lone run's sample follows (its own previous one), after other
	// columns' copies came in between.
	void rewarm()
	{
		body_(1);
		clear_ends(dst_, n_);
	}

	CopyRun finish() const
	{
		CopyRun run;
		for (double ns : sampler_.samples_ns())
			run.samples_ms.push_back(ns / 1e6);
		run.counters = sampler_.counters();
		if (opts_.verify)
			verify_copy(dst_, src_, n_, kernel_.name);
		return run;
	}

private:
	const CopyKernel &kernel_;
	std::byte *dst_, *src_;
	size_t n_;
	CopyOptions opts_;
	Sampler sampler_;
	SampleBody body_;
};

// A copy this small leaves in the caches (and the TLB) much of what the next copy of the
// same bytes reads: in a comparison each column copies once untimed before each of its
// samples to find that again. A larger one leaves nothing the next copy could use, and an
// untimed copy would only double the run.
constexpr size_t rewarm_max_bytes = 512 * MiB;

void check_copy_fits(const Region &src, const Region &dst, size_t bytes)
{
	if (bytes == 0 || bytes > src.size() || bytes > dst.size())
		throw Error(fmt::format("copy of {} does not fit regions of {} and {}", format_size(bytes),
					format_size(src.size()), format_size(dst.size())));
}

CopyPoint copy_point(const CopyBuffers &column, size_t bytes, const CopyKernel &kernel,
		     CopyRun run)
{
	CopyPoint p;
	p.mapping = column.src->kind();
	p.kernel = std::string(kernel.name);
	p.bytes = bytes;
	// Read back after the copies: what the timed part really ran on.
	p.src_report = column.src->report(0, bytes);
	p.dst_report = column.dst->report(0, bytes);
	p.samples_ms = std::move(run.samples_ms);
	p.counters = std::move(run.counters);
	return p;
}

} // namespace

CopyRun run_copy(const CopyKernel &kernel, std::byte *dst, std::byte *src, size_t n,
		 const CopyOptions &opts, const CounterPlan &counters)
{
	CopyTimer timer(kernel, dst, src, n, opts, counters);
	for (int r = 0; r < opts.repetitions; r++)
		timer.sample();
	return timer.finish();
}

MappingReport combine_reports(const MappingReport &a, const MappingReport &b)
{
	MappingReport r;
	add_report(r, a);
	add_report(r, b);
	r.note = "source and destination together";
	if (!a.note.empty())
		r.note += "; source: " + a.note;
	if (!b.note.empty())
		r.note += "; destination: " + b.note;
	return r;
}

CopyPoint measure_copy(const Region &src, const Region &dst, size_t bytes, const CopyConfig &cfg)
{
	check_copy_fits(src, dst, bytes);
	const CopyKernel &kernel = find_copy_kernel(cfg.kernel);
	CopyRun run = run_copy(kernel, dst.data(), src.data(), bytes, cfg.copy, cfg.counters);
	return copy_point({&src, &dst}, bytes, kernel, std::move(run));
}

std::vector<CopyPoint> measure_copy_columns(const std::vector<CopyBuffers> &columns, size_t bytes,
					    const CopyConfig &cfg)
{
	const CopyKernel &kernel = find_copy_kernel(cfg.kernel);
	const size_t n = columns.size();
	std::vector<CopyTimer> timers;
	timers.reserve(n);
	for (const auto &c : columns) {
		check_copy_fits(*c.src, *c.dst, bytes);
		timers.emplace_back(kernel, c.dst->data(), c.src->data(), bytes, cfg.copy, cfg.counters);
	}
	for (int r = 0; r < cfg.copy.repetitions; r++) {
		// Rotate which column goes first, as measure_latency_columns() does.
		for (size_t k = 0; k < n; k++) {
			CopyTimer &t = timers[(size_t(r) + k) % n];
			if (n > 1 && bytes <= rewarm_max_bytes)
				t.rewarm();
			t.sample();
		}
	}
	std::vector<CopyPoint> points;
	for (size_t i = 0; i < n; i++)
		points.push_back(copy_point(columns[i], bytes, kernel, timers[i].finish()));
	return points;
}

std::vector<CompareRow> copy_rows(const std::vector<CopyPoint> &without,
				  const std::vector<CopyPoint> &with,
				  const std::vector<CopyPoint> *with_1g)
{
	auto column = [](const CopyPoint &p) {
		return CompareColumn{p.mapping, p.samples_ms, combine_reports(p.src_report, p.dst_report)};
	};
	std::vector<CompareRow> rows;
	size_t n = std::min(without.size(), with.size());
	if (with_1g)
		n = std::min(n, with_1g->size());
	for (size_t i = 0; i < n; i++) {
		if (!with_1g)
			rows.push_back(make_compare_row(without[i].bytes, column(without[i]),
							column(with[i])));
		else
			rows.push_back(make_compare_row(without[i].bytes, column(without[i]),
							column(with[i]), column((*with_1g)[i])));
	}
	return rows;
}

std::vector<CompareRow> compare_copy(const ComparePlan &plan, const CopyConfig &cfg,
				     std::vector<CopyPoint> &points, const ProgressFn &progress)
{
	if (plan.sizes.empty())
		throw Error("no copy sizes to compare");
	find_copy_kernel(cfg.kernel); // a bad kernel stops the run before any memory is mapped
	size_t largest = *std::max_element(plan.sizes.begin(), plan.sizes.end());
	std::vector<MappingKind> kinds = {plan.without, plan.with};
	if (plan.with_1g)
		kinds.push_back(*plan.with_1g);
	const size_t n = kinds.size();
	// The 1 GiB column first (see copy.h), then the others in order.
	const std::vector<size_t> order = n == 3 ? std::vector<size_t>{2, 0, 1}
						 : std::vector<size_t>{0, 1};
	// A source and a destination of each mapping.
	std::vector<RegionSpec> specs;
	for (MappingKind k : kinds)
		specs.insert(specs.end(), 2, RegionSpec{k, largest, plan.node});
	std::vector<std::unique_ptr<Region>> src(n), dst(n);
	try {
		check_regions_fit(specs);
		for (size_t c : order) {
			src[c] = map_region(specs[2 * c]);
			dst[c] = map_region(specs[2 * c + 1]);
		}
	} catch (const NoRoom &) {
		// No room for all at once: one mapping after the other below, each of which must
		// fit alone (known before anything is measured for process memory).
		for (size_t c = 0; c < n; c++)
			src[c].reset(), dst[c].reset();
		for (size_t c : order)
			check_regions_fit(specs[2 * c], 2);
	}
	std::vector<std::vector<CopyPoint>> columns(n);
	auto rows = [&] {
		return copy_rows(columns[0], columns[1], n > 2 ? &columns[2] : nullptr);
	};
	if (src[0]) {
		// All mapped: the columns' copies alternate, so a noisy neighbour slows them alike.
		std::vector<CopyBuffers> views;
		for (size_t c = 0; c < n; c++)
			views.push_back({src[c].get(), dst[c].get()});
		for (size_t size : plan.sizes) {
			if (progress)
				for (MappingKind k : kinds)
					progress(k, size);
			auto pts = measure_copy_columns(views, size, cfg);
			for (size_t c = 0; c < n; c++) {
				columns[c].push_back(pts[c]);
				points.push_back(std::move(pts[c]));
			}
		}
		return rows();
	}
	for (size_t c : order) {
		auto s = map_region(specs[2 * c]);
		auto d = map_region(specs[2 * c + 1]);
		for (size_t size : plan.sizes) {
			if (progress)
				progress(kinds[c], size);
			columns[c].push_back(measure_copy(*s, *d, size, cfg));
			points.push_back(columns[c].back());
		}
	}
	return rows();
}

} // namespace pfn
