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

CopyRun run_copy(const CopyKernel &kernel, std::byte *dst, std::byte *src, size_t n,
		 const CopyOptions &opts, const CounterPlan &counters)
{
	if (opts.repetitions < 1)
		throw Error(fmt::format("repetitions must be at least 1 (got {})", opts.repetitions));
	fill_pattern(src, n, opts.seed);
	// One whole copy per sample: a copy of the sizes measured is long enough to time alone.
	Sampler sampler(counters);
	auto body = [&](uint64_t copies) {
		while (copies--)
			kernel.copy(dst, src, n);
	};
	sampler.warm_up(body, opts.warmup ? 1 : 0);
	// A stale destination from the warm-up would hide a kernel that copies nothing.
	std::memset(dst, 0, std::min<size_t>(n, 4096));
	if (n > 4096)
		std::memset(dst + n - 4096, 0, 4096);
	for (int r = 0; r < opts.repetitions; r++)
		sampler.sample(body);

	CopyRun run;
	for (double ns : sampler.samples_ns())
		run.samples_ms.push_back(ns / 1e6);
	run.counters = sampler.counters();
	if (opts.verify)
		verify_copy(dst, src, n, kernel.name);
	return run;
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
	if (bytes == 0 || bytes > src.size() || bytes > dst.size())
		throw Error(fmt::format("copy of {} does not fit regions of {} and {}", format_size(bytes),
					format_size(src.size()), format_size(dst.size())));
	const CopyKernel &kernel = find_copy_kernel(cfg.kernel);
	CopyRun run = run_copy(kernel, dst.data(), src.data(), bytes, cfg.copy, cfg.counters);

	CopyPoint p;
	p.mapping = src.kind();
	p.kernel = std::string(kernel.name);
	p.bytes = bytes;
	// Read back after the copies: what the timed part really ran on.
	p.src_report = src.report(0, bytes);
	p.dst_report = dst.report(0, bytes);
	p.samples_ms = std::move(run.samples_ms);
	p.counters = std::move(run.counters);
	return p;
}

std::vector<CompareRow> copy_rows(const std::vector<CopyPoint> &without,
				  const std::vector<CopyPoint> &with)
{
	std::vector<CompareRow> rows;
	for (size_t i = 0; i < std::min(without.size(), with.size()); i++)
		rows.push_back(make_compare_row(
			without[i].bytes,
			{without[i].mapping, without[i].samples_ms,
			 combine_reports(without[i].src_report, without[i].dst_report)},
			{with[i].mapping, with[i].samples_ms,
			 combine_reports(with[i].src_report, with[i].dst_report)}));
	return rows;
}

std::vector<CompareRow> compare_copy(const ComparePlan &plan, const CopyConfig &cfg,
				     std::vector<CopyPoint> &points, const ProgressFn &progress)
{
	if (plan.sizes.empty())
		throw Error("no copy sizes to compare");
	find_copy_kernel(cfg.kernel); // a bad kernel stops the run before any memory is mapped
	size_t largest = *std::max_element(plan.sizes.begin(), plan.sizes.end());
	const MappingKind kinds[2] = {plan.without, plan.with};
	// A source and a destination of each mapping, checked before anything is mapped.
	for (MappingKind k : kinds)
		check_regions_fit({k, largest, plan.node}, 2);
	std::vector<CopyPoint> columns[2];
	for (int c = 0; c < 2; c++) {
		auto src = map_region({kinds[c], largest, plan.node});
		auto dst = map_region({kinds[c], largest, plan.node});
		for (size_t size : plan.sizes) {
			if (progress)
				progress(kinds[c], size);
			columns[c].push_back(measure_copy(*src, *dst, size, cfg));
			points.push_back(columns[c].back());
		}
	}
	return copy_rows(columns[0], columns[1]);
}

} // namespace pfn
