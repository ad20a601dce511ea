#include "memory/phys_layout.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace pfn {

namespace {

double fraction(uint64_t part, uint64_t whole)
{
	return whole ? double(part) / double(whole) : 0.0;
}

void count_hop(PhysLayout &layout, uint64_t from, uint64_t to)
{
	layout.chain_hops++;
	layout.chain_hops_next += to == from + 1;
	layout.chain_hops_prev += to + 1 == from;
}

} // namespace

double PhysLayout::fraction_adjacent() const
{
	return fraction(adjacent_physical, adjacent_pairs);
}

double PhysLayout::fraction_chain_next() const
{
	return fraction(chain_hops_next, chain_hops);
}

double PhysLayout::fraction_adjacent_reverse() const
{
	return fraction(adjacent_reverse, adjacent_pairs);
}

double PhysLayout::fraction_chain_prev() const
{
	return fraction(chain_hops_prev, chain_hops);
}

std::string PhysLayout::summary() const
{
	if (!available())
		return "physical layout unavailable: " + unavailable;
	if (!pages)
		return fmt::format("physical layout: no page present ({})", method);
	std::string s = fmt::format("physical: {:.1f}% of neighbouring pages contiguous",
				    100.0 * fraction_adjacent());
	if (adjacent_reverse)
		s += fmt::format(" ({:.1f}% reversed)", 100.0 * fraction_adjacent_reverse());
	if (chain_hops)
		s += fmt::format(", {:.1f}% of {} chain hops to the next frame",
				 100.0 * fraction_chain_next(), chain_hops);
	if (chain_hops_prev)
		s += fmt::format(" ({:.1f}% to the previous)", 100.0 * fraction_chain_prev());
	return s + " (" + method + ")";
}

PhysLayout layout_of(const Frames &frames)
{
	PhysLayout l;
	l.method = frames.method;
	l.unavailable.clear();
	const auto &pfn = frames.pfn;
	for (size_t i = 0; i < pfn.size(); i++) {
		if (!pfn[i])
			continue;
		l.pages++;
		if (i + 1 < pfn.size() && pfn[i + 1]) {
			l.adjacent_pairs++;
			l.adjacent_physical += pfn[i + 1] == pfn[i] + 1;
			l.adjacent_reverse += pfn[i + 1] + 1 == pfn[i];
		}
	}
	return l;
}

void count_chain_hops(PhysLayout &layout, const Frames &frames, const void *start,
		      uint64_t max_loads)
{
	if (!layout.available() || !start)
		return;
	const uintptr_t end = frames.start + frames.pfn.size() * frame_bytes;
	auto page_of = [&](const void *p) {
		auto a = reinterpret_cast<uintptr_t>(p);
		return a >= frames.start && a < end ? (a - frames.start) / frame_bytes : SIZE_MAX;
	};
	const void *p = start;
	size_t page = page_of(p);
	for (uint64_t i = 0; i < max_loads && page != SIZE_MAX; i++) {
		const void *next = *static_cast<const void *const *>(p);
		size_t next_page = page_of(next);
		if (next_page == SIZE_MAX)
			break;
		if (next_page != page && frames.pfn[page] && frames.pfn[next_page])
			count_hop(layout, frames.pfn[page], frames.pfn[next_page]);
		if (next == start)
			break; // the whole cycle was counted once
		p = next;
		page = next_page;
	}
}

void count_page_links(PhysLayout &layout, const Frames &frames,
		      const std::vector<uint64_t> &first_words)
{
	if (!layout.available())
		return;
	const uintptr_t end = frames.start + frames.pfn.size() * frame_bytes;
	for (size_t page = 0; page < frames.pfn.size() && page < first_words.size(); page++) {
		const uint64_t to = first_words[page];
		if (!frames.pfn[page] || to < frames.start || to >= end)
			continue;
		const size_t next = (to - frames.start) / frame_bytes;
		if (next == page || !frames.pfn[next])
			continue;
		count_hop(layout, frames.pfn[page], frames.pfn[next]);
	}
}

namespace {

Frames read_frames(const std::string &pagemap, uintptr_t addr, size_t len)
{
	constexpr uint64_t present_bit = 1ull << 63, pfn_mask = (1ull << 55) - 1;
	Frames f;
	f.start = addr / frame_bytes * frame_bytes;
	const size_t n = (addr + len - f.start + frame_bytes - 1) / frame_bytes;
	f.method = "pagemap";
	int fd = open(pagemap.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		throw Unavailable(errno_text("cannot open " + pagemap, errno));
	f.pfn.resize(n);
	size_t done = 0;
	bool hidden = false;
	while (done < n) {
		size_t want = std::min<size_t>(n - done, 65536);
		ssize_t got = pread(fd, f.pfn.data() + done, want * 8,
				    off_t((f.start / frame_bytes + done) * 8));
		if (got != ssize_t(want * 8)) {
			int err = got < 0 ? errno : EIO;
			close(fd);
			throw Unavailable(errno_text("cannot read " + pagemap, err));
		}
		for (size_t i = done; i < done + want; i++) {
			uint64_t e = f.pfn[i];
			f.pfn[i] = e & present_bit ? e & pfn_mask : 0;
			// Present with frame 0: the kernel hides frame numbers from this process.
			hidden |= (e & present_bit) && !f.pfn[i];
		}
		done += want;
	}
	close(fd);
	if (hidden)
		throw Unavailable(pagemap + " hides frame numbers without CAP_SYS_ADMIN "
					    "(run as root)");
	return f;
}

} // namespace

Frames read_process_frames(const void *addr, size_t len)
{
	return read_frames("/proc/self/pagemap", reinterpret_cast<uintptr_t>(addr), len);
}

Frames read_frames_of(int pid, uintptr_t addr, size_t len)
{
	return read_frames(fmt::format("/proc/{}/pagemap", pid), addr, len);
}

void add_layout(PhysLayout &total, const PhysLayout &r)
{
	if (total.unavailable == PhysLayout{}.unavailable && !total.pages) {
		total = r;
		return;
	}
	if (!r.available() && total.available())
		total.unavailable = r.unavailable;
	if (!r.method.empty() && total.method != r.method)
		total.method = total.method.empty() ? r.method : total.method + "+" + r.method;
	total.pages += r.pages;
	total.adjacent_pairs += r.adjacent_pairs;
	total.adjacent_physical += r.adjacent_physical;
	total.adjacent_reverse += r.adjacent_reverse;
	total.chain_hops += r.chain_hops;
	total.chain_hops_next += r.chain_hops_next;
	total.chain_hops_prev += r.chain_hops_prev;
}

void to_json(nlohmann::json &j, const PhysLayout &l)
{
	j = nlohmann::json{{"method", l.method},
			   {"unavailable", l.unavailable},
			   {"pages", l.pages},
			   {"adjacent_pairs", l.adjacent_pairs},
			   {"adjacent_physical", l.adjacent_physical},
			   {"adjacent_reverse", l.adjacent_reverse},
			   {"chain_hops", l.chain_hops},
			   {"chain_hops_next", l.chain_hops_next},
			   {"chain_hops_prev", l.chain_hops_prev}};
	// Fractions only where there is something to divide, so a reader cannot take an
	// unmeasured figure for a measured 0.
	if (l.available() && l.adjacent_pairs) {
		j["fraction_adjacent"] = l.fraction_adjacent();
		j["fraction_adjacent_reverse"] = l.fraction_adjacent_reverse();
	}
	if (l.available() && l.chain_hops) {
		j["fraction_chain_next"] = l.fraction_chain_next();
		j["fraction_chain_prev"] = l.fraction_chain_prev();
	}
}

void from_json(const nlohmann::json &j, PhysLayout &l)
{
	l.method = j.value("method", "");
	l.unavailable = j.value("unavailable", PhysLayout{}.unavailable);
	l.pages = j.value("pages", uint64_t(0));
	l.adjacent_pairs = j.value("adjacent_pairs", uint64_t(0));
	l.adjacent_physical = j.value("adjacent_physical", uint64_t(0));
	l.adjacent_reverse = j.value("adjacent_reverse", uint64_t(0));
	l.chain_hops = j.value("chain_hops", uint64_t(0));
	l.chain_hops_next = j.value("chain_hops_next", uint64_t(0));
	l.chain_hops_prev = j.value("chain_hops_prev", uint64_t(0));
}

} // namespace pfn
