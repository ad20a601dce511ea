// Free 1 GiB hugetlb pages where a program of the suite would take them: the node of its
// default CPU (the first this process may run on), so a test can tell whether a 1 GiB
// column can be mapped here before it decides what to expect.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

inline long free_gib_pages_here()
{
	std::ifstream cpus("/proc/self/status");
	std::string line;
	int cpu = -1;
	while (std::getline(cpus, line))
		if (line.rfind("Cpus_allowed_list:", 0) == 0)
			cpu = std::stoi(line.substr(line.find_first_of("0123456789")));
	std::string node_dir;
	for (const auto &e : std::filesystem::directory_iterator("/sys/devices/system/node"))
		if (std::filesystem::exists(e.path() / ("cpu" + std::to_string(cpu))))
			node_dir = e.path().string();
	std::ifstream in(node_dir + "/hugepages/hugepages-1048576kB/free_hugepages");
	long free_pages = 0;
	in >> free_pages;
	return free_pages;
}
