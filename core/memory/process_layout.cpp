#include "memory/process_layout.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace pfn {

namespace {

// "start-end perms offset dev inode [path]": anonymous mappings have inode 0 and no path.
std::vector<MappingLayout> anonymous_mappings(int pid, size_t min_bytes)
{
	std::ifstream maps(fmt::format("/proc/{}/maps", pid));
	if (!maps)
		throw Error(fmt::format("no process {} (cannot read /proc/{}/maps)", pid, pid));
	std::vector<MappingLayout> out;
	std::string line;
	while (std::getline(maps, line)) {
		std::istringstream in(line);
		std::string range, perms, offset, dev, inode, path;
		in >> range >> perms >> offset >> dev >> inode >> path;
		MappingLayout m;
		char dash = 0;
		std::istringstream r(range);
		r >> std::hex >> m.start >> dash >> m.end;
		if (dash != '-' || perms != "rw-p" || inode != "0" || !path.empty() ||
		    m.end - m.start < min_bytes)
			continue;
		out.push_back(m);
	}
	return out;
}

// The first word of every present page, read through /proc/PID/mem.
std::vector<uint64_t> first_words(int fd, int pid, const Frames &frames)
{
	std::vector<uint64_t> words(frames.pfn.size(), 0);
	for (size_t i = 0; i < frames.pfn.size(); i++) {
		if (!frames.pfn[i])
			continue;
		errno = 0;
		if (pread(fd, &words[i], sizeof(words[i]), off_t(frames.start + i * frame_bytes)) !=
		    ssize_t(sizeof(words[i])))
			throw Unavailable(errno_text(fmt::format("cannot read /proc/{}/mem", pid),
						     errno ? errno : EIO));
	}
	return words;
}

} // namespace

std::vector<MappingLayout> layouts_of_process(int pid, size_t min_bytes)
{
	std::vector<MappingLayout> maps = anonymous_mappings(pid, min_bytes);
	if (maps.empty())
		return maps;
	int fd = open(fmt::format("/proc/{}/mem", pid).c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		throw Unavailable(errno_text(fmt::format("cannot open /proc/{}/mem", pid), errno));
	try {
		for (auto &m : maps) {
			Frames frames = read_frames_of(pid, m.start, m.end - m.start);
			m.layout = layout_of(frames);
			count_page_links(m.layout, frames, first_words(fd, pid, frames));
		}
	} catch (...) {
		close(fd);
		throw;
	}
	close(fd);
	return maps;
}

void to_json(nlohmann::json &j, const MappingLayout &m)
{
	j = nlohmann::json{{"start", fmt::format("{:#x}", m.start)},
			   {"bytes", m.end - m.start},
			   {"layout", m.layout}};
}

} // namespace pfn
