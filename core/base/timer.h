// Monotonic wall-clock time in nanoseconds.
#pragma once

#include <cstdint>
#include <ctime>

namespace pfn {

inline uint64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

} // namespace pfn
