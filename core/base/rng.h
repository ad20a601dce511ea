// A small seeded generator whose sequence is the same on every platform and library, so a
// seed names one chain everywhere (std::uniform_int_distribution does not promise that).
#pragma once

#include <cstdint>

namespace pfn {

__extension__ typedef unsigned __int128 u128;

class Rng {
public:
	explicit Rng(uint64_t seed) : state_(seed) {}

	// splitmix64
	uint64_t next()
	{
		uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}

	// Uniform in [0, n) by multiply-shift; the bias is below 2^-32 for the n used here.
	uint64_t below(uint64_t n)
	{
		return uint64_t((static_cast<u128>(next()) * n) >> 64);
	}

private:
	uint64_t state_;
};

} // namespace pfn
