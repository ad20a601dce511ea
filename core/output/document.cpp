#include "output/document.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "base/error.h"
#include "platform/sysinfo.h"

namespace pfn {

nlohmann::json results_document(std::string_view tool, int argc, char **argv,
				const Placement &placement)
{
	std::vector<std::string> cmd(argv, argv + argc);
	return nlohmann::json{
		{"schema", results_schema},
		{"tool", tool},
		{"command_line", cmd},
		{"system", system_facts()},
		{"placement", {{"cpu", placement.cpu}, {"node", placement.node}}},
		{"latency", nlohmann::json::array()},
		{"copy", nlohmann::json::array()},
	};
}

void write_text_file(const std::string &path, const std::string &text)
{
	std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
	{
		std::ofstream out(tmp);
		if (!out)
			throw Error(errno_text(fmt::format("cannot write {}", path), errno));
		out << text;
		out.flush();
		if (!out) {
			std::remove(tmp.c_str());
			throw Error(fmt::format("cannot write {}: disk full?", path));
		}
	}
	if (std::rename(tmp.c_str(), path.c_str()) != 0) {
		int err = errno;
		std::remove(tmp.c_str());
		throw Error(errno_text(fmt::format("cannot write {}", path), err));
	}
}

void write_json_file(const std::string &path, const nlohmann::json &doc)
{
	write_text_file(path, doc.dump(1) + "\n");
}

} // namespace pfn
