// Sizes on the command line: "64", "64M", "4096M", "1G", "512K", "4096" (bytes suffix B).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pfn {

// A bare number means default_unit bytes (lmbench: MiB for sizes, bytes for strides).
// Throws Error for garbage, zero, negative or overflowing input. Lists on the command line
// are CLI11's (core/run/cli.h: size_in).
size_t parse_size(std::string_view text, size_t default_unit);

// "4 KiB", "2 MiB", "1.5 GiB"
std::string format_size(size_t bytes);

constexpr size_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

} // namespace pfn
