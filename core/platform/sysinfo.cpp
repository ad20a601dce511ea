#include "platform/sysinfo.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <thread>

#include "platform/placement.h"

namespace pfn {

namespace {

std::string cpu_model()
{
	std::ifstream in("/proc/cpuinfo");
	std::string line;
	while (std::getline(in, line))
		if (line.rfind("model name", 0) == 0)
			return line.substr(line.find(':') + 2);
	return "unknown";
}

std::string iso_date()
{
	char buf[32];
	time_t now = time(nullptr);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

} // namespace

std::string read_first_line(const std::string &path)
{
	std::ifstream in(path);
	std::string line;
	std::getline(in, line);
	return line;
}

std::string sysfs_choice(const std::string &path)
{
	std::string line = read_first_line(path);
	auto open = line.find('['), close = line.find(']');
	if (open == std::string::npos || close == std::string::npos)
		return line.empty() ? "unavailable" : line;
	return line.substr(open + 1, close - open - 1);
}

nlohmann::json system_facts()
{
	utsname u{};
	uname(&u);
	char host[256] = {};
	gethostname(host, sizeof(host) - 1);
	const std::string thp = "/sys/kernel/mm/transparent_hugepage/";
	std::string free_2m = read_first_line("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
	// One reading for the line people read and the numbers plots/ and checks use.
	std::vector<NumaNode> nodes = numa_nodes();
	nlohmann::json node_records = nlohmann::json::array();
	for (const auto &n : nodes)
		node_records.push_back({{"node", n.node}, {"cpus", n.cpus},
					{"total_bytes", n.total_bytes}, {"free_bytes", n.free_bytes}});
	return nlohmann::json{
		{"hostname", host},
		{"date", iso_date()},
		{"kernel", u.release},
		{"kernel_version", u.version},
		{"machine", u.machine},
		{"cpu_model", cpu_model()},
		{"cpus", std::thread::hardware_concurrency()},
		{"numa_layout", numa_layout(nodes)},
		{"numa_nodes", node_records},
		{"thp_enabled", sysfs_choice(thp + "enabled")},
		{"thp_defrag", sysfs_choice(thp + "defrag")},
		{"hugetlb_free_2m", free_2m.empty() ? -1 : std::stol(free_2m)},
		{"pfnbench_version", PFNBENCH_VERSION},
		{"driver", nullptr},
	};
}

} // namespace pfn
