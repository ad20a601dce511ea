// Chains: each kind visits what it promises, in the order it promises, reproducibly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <vector>

#include "base/error.h"
#include "measure/chain.h"

using namespace pfn;

namespace {

struct Buffer {
	explicit Buffer(size_t n) : bytes(n) {}
	std::vector<std::byte> bytes;
	std::byte *data() { return bytes.data(); }
};

// Offsets visited from start until the chain returns to it (bounded by limit).
std::vector<size_t> walk(std::byte *base, void *start, size_t limit)
{
	std::vector<size_t> seen;
	void *p = start;
	do {
		seen.push_back(size_t(static_cast<std::byte *>(p) - base));
		p = *static_cast<void **>(p);
	} while (p != start && seen.size() <= limit);
	return seen;
}

std::vector<size_t> chain_offsets(Buffer &buf, const ChainSpec &spec)
{
	void *start = build_chain(buf.data(), buf.bytes.size(), spec);
	return walk(buf.data(), start, buf.bytes.size());
}

} // namespace

TEST(Chain, StrideIsTheForwardRing)
{
	Buffer buf(4096);
	auto seen = chain_offsets(buf, {ChainKind::stride, 1024, 64, 4096, 1});
	ASSERT_EQ(seen.size(), 16u);
	for (size_t i = 0; i < seen.size(); i++)
		EXPECT_EQ(seen[i], i * 64);
}

TEST(Chain, RandomIsOneCycleOverEveryLine)
{
	Buffer buf(1 << 20);
	ChainSpec spec{ChainKind::random, 1 << 20, 64, 4096, 7};
	auto seen = chain_offsets(buf, spec);
	ASSERT_EQ(seen.size(), chain_length(spec));
	std::set<size_t> unique(seen.begin(), seen.end());
	EXPECT_EQ(unique.size(), (1u << 20) / 64);
	for (size_t off : seen)
		EXPECT_EQ(off % 64, 0u);
}

TEST(Chain, RandomIsNotTheStrideOrder)
{
	Buffer buf(1 << 16);
	auto seen = chain_offsets(buf, {ChainKind::random, 1 << 16, 64, 4096, 7});
	size_t forward = 0;
	for (size_t i = 1; i < seen.size(); i++)
		forward += seen[i] == seen[i - 1] + 64;
	EXPECT_LT(forward, seen.size() / 10);
}

TEST(Chain, SameSeedSameOrderOtherSeedOtherOrder)
{
	Buffer a(1 << 16), b(1 << 16), c(1 << 16);
	ChainSpec spec{ChainKind::random, 1 << 16, 64, 4096, 42};
	auto first = chain_offsets(a, spec);
	auto again = chain_offsets(b, spec);
	spec.seed = 43;
	auto other = chain_offsets(c, spec);
	EXPECT_EQ(first, again);
	EXPECT_NE(first, other);
}

TEST(Chain, ThrashTouchesEveryPageOncePerPass)
{
	const size_t page = 4096, region = 64 * page, range = 16 * page;
	Buffer buf(region);
	ChainSpec spec{ChainKind::thrash, range, 64, page, 3};
	auto seen = chain_offsets(buf, spec);
	ASSERT_EQ(seen.size(), 16u * 64u);
	std::set<size_t> unique(seen.begin(), seen.end());
	EXPECT_EQ(unique.size(), seen.size());
	// Every run of 16 consecutive loads visits 16 different pages.
	for (size_t pass = 0; pass < seen.size() / 16; pass++) {
		std::set<size_t> pages;
		for (size_t i = 0; i < 16; i++)
			pages.insert(seen[pass * 16 + i] / page);
		EXPECT_EQ(pages.size(), 16u) << "pass " << pass;
	}
}

TEST(Chain, ThrashDrawsPagesFromTheWholeRegionLikeLmbench)
{
	const size_t page = 4096, region = 256 * page;
	Buffer buf(region);
	auto seen = chain_offsets(buf, {ChainKind::thrash, 8 * page, 64, page, 5});
	std::set<size_t> pages;
	for (size_t off : seen)
		pages.insert(off / page);
	EXPECT_EQ(pages.size(), 8u);
	EXPECT_GT(*pages.rbegin(), 8u) << "pages should not all come from the start";
}

TEST(Chain, ThrashBelowOnePageIsABitReversedCycle)
{
	Buffer buf(4096);
	auto seen = chain_offsets(buf, {ChainKind::thrash, 512, 64, 4096, 1});
	std::vector<size_t> expect = {0, 4 * 64, 2 * 64, 6 * 64, 1 * 64, 5 * 64, 3 * 64, 7 * 64};
	EXPECT_EQ(seen, expect);
}

TEST(Chain, PageLocalFinishesAWindowBeforeTheNext)
{
	const size_t page = 4096;
	Buffer buf(32 * page);
	ChainSpec spec{ChainKind::page_local, 32 * page, 64, page, 9};
	auto seen = chain_offsets(buf, spec);
	ASSERT_EQ(seen.size(), 32u * 64u);
	std::set<size_t> unique(seen.begin(), seen.end());
	EXPECT_EQ(unique.size(), seen.size());
	std::set<size_t> windows_done;
	for (size_t w = 0; w < 32; w++) {
		size_t window = seen[w * 64] / page;
		EXPECT_TRUE(windows_done.insert(window).second) << "window revisited";
		for (size_t i = 0; i < 64; i++)
			EXPECT_EQ(seen[w * 64 + i] / page, window);
	}
	// Windows come in random order, not front to back.
	std::vector<size_t> order;
	for (size_t w = 0; w < 32; w++)
		order.push_back(seen[w * 64] / page);
	EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));
}

// chain_footprint is the one answer to "which bytes does this chain touch" (the latency
// points and bench's chase family report the mapping of exactly those): every visited
// line lies inside it, and it is no larger than the lines visited, except for thrash over
// whole pages, which draws its pages from the whole region (the partial page at the end
// excluded) and so must report all of it.
TEST(Chain, FootprintHoldsEveryVisitedLine)
{
	const size_t page = 4096, region = 64 * page + 2048;
	const std::vector<ChainSpec> tight = {
		{ChainKind::stride, 8 * page, 64, page, 1},
		{ChainKind::random, 8 * page, 64, page, 2},
		{ChainKind::page_local, 8 * page, 64, page, 3},
		{ChainKind::thrash, 512, 64, page, 4},              // less than a page
		{ChainKind::thrash, page + page / 2, 64, page, 5}, // not whole pages
	};
	for (const auto &spec : tight) {
		SCOPED_TRACE(std::string(chain_name(spec.kind)) + " " + std::to_string(spec.range));
		Buffer buf(region);
		auto seen = chain_offsets(buf, spec);
		size_t footprint = chain_footprint(spec, region);
		EXPECT_EQ(footprint, spec.range);
		EXPECT_EQ(*std::max_element(seen.begin(), seen.end()) + spec.stride, footprint);
	}
	std::set<size_t> pages;
	for (uint64_t seed = 1; seed <= 8; seed++) {
		ChainSpec spec{ChainKind::thrash, 4 * page, 64, page, seed};
		Buffer buf(region);
		size_t footprint = chain_footprint(spec, region);
		EXPECT_EQ(footprint, 64 * page);
		for (size_t off : chain_offsets(buf, spec)) {
			EXPECT_LT(off, footprint);
			pages.insert(off / page);
		}
	}
	EXPECT_GT(*pages.rbegin(), 4u) << "whole-page thrash reaches past its range";
}

TEST(Chain, RejectsInconsistentSpecs)
{
	Buffer buf(8192);
	EXPECT_THROW(build_chain(buf.data(), 8192, {ChainKind::stride, 8192, 12, 4096, 1}), Error);
	EXPECT_THROW(build_chain(buf.data(), 8192, {ChainKind::stride, 16384, 64, 4096, 1}), Error);
	EXPECT_THROW(build_chain(buf.data(), 8192, {ChainKind::stride, 32, 64, 4096, 1}), Error);
	EXPECT_THROW(build_chain(buf.data(), 8192, {ChainKind::thrash, 8192, 64, 100, 1}), Error);
	EXPECT_THROW(build_chain(buf.data(), 8192,
				 {ChainKind::page_local, 6144, 64, 4096, 1}), Error);
}

TEST(Chain, NamesRoundTrip)
{
	for (auto k : {ChainKind::stride, ChainKind::thrash, ChainKind::random,
		       ChainKind::page_local})
		EXPECT_EQ(parse_chain(chain_name(k)), k);
	EXPECT_FALSE(parse_chain("bogus"));
}
