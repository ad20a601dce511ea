#include "base/error.h"

#include <cstring>

#include <fmt/format.h>

namespace pfn {

std::string errno_text(const std::string &what, int err)
{
	return fmt::format("{}: {}", what, std::strerror(err));
}

} // namespace pfn
