// Facts about the machine a result was measured on.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace pfn {

// hostname, date, kernel, CPU model, NUMA layout (each node's CPUs, total and free
// memory), THP and hugetlb settings, version, read when called: call it before anything
// is mapped or measured. "driver" is null here; programs that use the device fill it in.
nlohmann::json system_facts();

// The first line of a (sysfs or proc) file, "" when it cannot be read.
std::string read_first_line(const std::string &path);

// The selected value of a sysfs choice file such as "always [madvise] never".
std::string sysfs_choice(const std::string &path);

} // namespace pfn
