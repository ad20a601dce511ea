// Errors the programs turn into one clear line and a non-zero exit.
#pragma once

#include <stdexcept>
#include <string>

namespace pfn {

// Something the user asked for cannot be done (bad size, missing node, empty pool...).
// The message is one line that says what was wrong and what to do about it.
class Error : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// An optional facility is missing (driver, counters, hugetlb pool): callers that can go
// on without it print "unavailable: <what()>" and continue.
class Unavailable : public Error {
public:
	using Error::Error;
};

// The memory asked for is not free now (process memory, a node, the driver's buffers):
// the one "no room" answer, from check_regions_fit() or the driver. A comparison that
// wanted two regions at once can still measure them one after the other.
class NoRoom : public Error {
public:
	using Error::Error;
};

// Appends ": strerror(errno)" so system-call failures stay one line.
std::string errno_text(const std::string &what, int err);

} // namespace pfn
