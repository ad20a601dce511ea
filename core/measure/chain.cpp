#include "measure/chain.h"

#include <numeric>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/error.h"
#include "base/names.h"
#include "base/rng.h"
#include "base/size.h"

namespace pfn {

namespace {

constexpr NameTable<ChainKind, 4> names{{
	{ChainKind::stride, "stride"},
	{ChainKind::thrash, "thrash"},
	{ChainKind::random, "random"},
	{ChainKind::page_local, "page-local"},
}};

void **slot(std::byte *base, size_t offset)
{
	return reinterpret_cast<void **>(base + offset);
}

// lmbench visits the lines of a page in bit-reversed order so consecutive loads land far
// apart. For a count that is not a power of two, the order of the next power of two is
// used with the values past the end skipped, which keeps it a permutation.
std::vector<size_t> bit_reversed_order(size_t n)
{
	unsigned bits = 0;
	while ((size_t(1) << bits) < n)
		bits++;
	std::vector<size_t> order;
	order.reserve(n);
	for (size_t i = 0; i < (size_t(1) << bits); i++) {
		size_t r = 0;
		for (unsigned b = 0; b < bits; b++)
			if (i & (size_t(1) << b))
				r |= size_t(1) << (bits - 1 - b);
		if (r < n)
			order.push_back(r);
	}
	return order;
}

template <typename T> void shuffle(std::vector<T> &v, Rng &rng)
{
	for (size_t i = v.size(); i > 1; i--)
		std::swap(v[i - 1], v[rng.below(i)]);
}

void *build_stride(std::byte *base, size_t lines, size_t stride)
{
	for (size_t i = 0; i + 1 < lines; i++)
		*slot(base, i * stride) = base + (i + 1) * stride;
	*slot(base, (lines - 1) * stride) = base;
	return base;
}

// Page p[i] line w[(i+j) % n] points to page p[i+1] line w[(i+j+1) % n]; the last page
// wraps to the first page one line further on. One pass thus touches every page once.
void *build_thrash(std::byte *base, size_t region_len, const ChainSpec &s, Rng &rng)
{
	const size_t nlines = s.page / s.stride;
	if (s.range % s.page) {
		// Less than whole pages: lines of the range in bit-reversed order.
		std::vector<size_t> order = bit_reversed_order(s.range / s.stride);
		for (size_t i = 0; i + 1 < order.size(); i++)
			*slot(base, order[i] * s.stride) = base + order[i + 1] * s.stride;
		*slot(base, order.back() * s.stride) = base + order.front() * s.stride;
		return base + order.front() * s.stride;
	}
	// Like lmbench, the pages are drawn from a permutation of the whole region, so a
	// small working set is spread over all of it.
	std::vector<uint32_t> pages(region_len / s.page);
	std::iota(pages.begin(), pages.end(), 0u);
	shuffle(pages, rng);
	const size_t npages = s.range / s.page;
	std::vector<size_t> words = bit_reversed_order(nlines);
	for (size_t i = 0; i < npages; i++) {
		const bool last = i + 1 == npages;
		std::byte *cur = base + size_t(pages[i]) * s.page;
		std::byte *next = base + size_t(pages[last ? 0 : i + 1]) * s.page;
		for (size_t j = 0; j < nlines; j++) {
			size_t from = words[(i + j) % nlines];
			size_t to = words[last ? (j + 1) % nlines : (i + j + 1) % nlines];
			*reinterpret_cast<void **>(cur + from * s.stride) = next + to * s.stride;
		}
	}
	return base + size_t(pages[0]) * s.page + words[0] * s.stride;
}

// Sattolo's algorithm gives a uniformly random single cycle. It runs on indices stored in
// the lines themselves, so the chain needs no memory beyond the region.
void *build_random(std::byte *base, size_t lines, size_t stride, Rng &rng)
{
	auto index = [&](size_t i) -> uintptr_t & {
		return *reinterpret_cast<uintptr_t *>(base + i * stride);
	};
	for (size_t i = 0; i < lines; i++)
		index(i) = i;
	for (size_t i = lines - 1; i > 0; i--)
		std::swap(index(i), index(rng.below(i)));
	for (size_t i = 0; i < lines; i++)
		*slot(base, i * stride) = base + index(i) * stride;
	return base;
}

// Lines in random order inside each window, windows in random order: a window's lines are
// all visited before the next window, so TLB misses are one per window, not one per load.
void *build_page_local(std::byte *base, const ChainSpec &s, size_t window, Rng &rng)
{
	std::vector<uint32_t> windows(s.range / window);
	std::iota(windows.begin(), windows.end(), 0u);
	shuffle(windows, rng);
	std::vector<uint32_t> lines(window / s.stride);
	void **prev = nullptr;
	void *first = nullptr;
	for (uint32_t w : windows) {
		std::iota(lines.begin(), lines.end(), 0u);
		shuffle(lines, rng);
		std::byte *win = base + size_t(w) * window;
		for (uint32_t l : lines) {
			std::byte *line = win + size_t(l) * s.stride;
			if (prev)
				*prev = line;
			else
				first = line;
			prev = reinterpret_cast<void **>(line);
		}
	}
	*prev = first;
	return first;
}

void check(const ChainSpec &s, size_t region_len)
{
	check_stride(s.stride);
	if (s.range < s.stride)
		throw Error(fmt::format("working set {} is smaller than the stride {}",
					format_size(s.range), s.stride));
	if (s.range > region_len)
		throw Error(fmt::format("working set {} is larger than the region {}",
					format_size(s.range), format_size(region_len)));
	if ((s.kind == ChainKind::thrash || s.kind == ChainKind::page_local) &&
	    (s.page < s.stride || s.page % s.stride))
		throw Error(fmt::format("page size {} must be a multiple of the stride {}", s.page,
					s.stride));
	if (s.range / s.stride > (size_t(1) << 40))
		throw Error("working set has too many lines");
}

} // namespace

void check_stride(size_t stride)
{
	if (stride < sizeof(void *) || stride % sizeof(void *))
		throw Error(fmt::format("stride {} must be a multiple of {} bytes", stride,
					sizeof(void *)));
}

bool builds_in_chain_order(ChainKind kind)
{
	return kind != ChainKind::random;
}

std::string_view chain_name(ChainKind kind)
{
	return name_in(names, kind);
}

std::optional<ChainKind> parse_chain(std::string_view name)
{
	return value_in(names, name);
}

Choices<ChainKind> chain_choices()
{
	return choices_in(names);
}

size_t chain_length(const ChainSpec &spec)
{
	if (spec.kind == ChainKind::page_local) {
		size_t window = std::min(spec.page, spec.range);
		return spec.range / window * (window / spec.stride);
	}
	if (spec.kind == ChainKind::thrash && spec.range % spec.page == 0)
		return spec.range / spec.page * (spec.page / spec.stride);
	return spec.range / spec.stride;
}

void *build_chain(std::byte *base, size_t region_len, const ChainSpec &spec)
{
	check(spec, region_len);
	Rng rng(spec.seed);
	const size_t lines = spec.range / spec.stride;
	switch (spec.kind) {
	case ChainKind::stride:
		return build_stride(base, lines, spec.stride);
	case ChainKind::thrash:
		return build_thrash(base, region_len, spec, rng);
	case ChainKind::random:
		return build_random(base, lines, spec.stride, rng);
	case ChainKind::page_local: {
		size_t window = std::min(spec.page, spec.range);
		if (spec.range % window || window % spec.stride)
			throw Error(fmt::format("page-local chain: working set {} is not a multiple "
						"of the {} window", format_size(spec.range),
						format_size(window)));
		return build_page_local(base, spec, window, rng);
	}
	}
	throw Error("unknown chain kind");
}

size_t chain_footprint(const ChainSpec &spec, size_t region_len)
{
	if (spec.kind == ChainKind::thrash && spec.range % spec.page == 0)
		return region_len / spec.page * spec.page;
	return spec.range;
}

} // namespace pfn
