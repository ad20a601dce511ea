#include "memory/mapping_report.h"

#include <fcntl.h>
#include <numaif.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <ranges>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/size.h"

// PAGEMAP_SCAN (Linux 6.7) reports, per range, whether pages are present and whether they
// are mapped by a huge leaf. Debian 12's uapi headers predate it, so its fixed ABI is
// declared here.
#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};
struct pm_scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_HUGE (1 << 6)
#endif

namespace pfn {

namespace {

// The smaps fields of the VMA that contains an address.
struct SmapsVma {
	uintptr_t start = 0, end = 0;
	uint64_t kernel_page_size = 4096;
	uint64_t rss = 0, anon_huge = 0, shmem_pmd = 0, file_pmd = 0, hugetlb = 0;
	bool found = false;
};

uint64_t kb_field(const std::string &line)
{
	std::istringstream in(line.substr(line.find(':') + 1));
	uint64_t kb = 0;
	in >> kb;
	return kb * 1024;
}

SmapsVma read_smaps_vma(uintptr_t addr)
{
	std::ifstream smaps("/proc/self/smaps");
	SmapsVma vma;
	std::string line;
	bool inside = false;
	while (std::getline(smaps, line)) {
		uintptr_t lo, hi;
		char dash;
		std::istringstream head(line);
		// A VMA header is "start-end perms ..."; field lines start with a name and ':'.
		if (line.find(':') > line.find(' ') && (head >> std::hex >> lo >> dash >> hi) &&
		    dash == '-') {
			if (inside)
				break;
			inside = lo <= addr && addr < hi;
			if (inside) {
				vma.start = lo;
				vma.end = hi;
				vma.found = true;
			}
			continue;
		}
		if (!inside)
			continue;
		if (line.rfind("KernelPageSize:", 0) == 0)
			vma.kernel_page_size = kb_field(line);
		else if (line.rfind("Rss:", 0) == 0)
			vma.rss = kb_field(line);
		else if (line.rfind("AnonHugePages:", 0) == 0)
			vma.anon_huge = kb_field(line);
		else if (line.rfind("ShmemPmdMapped:", 0) == 0)
			vma.shmem_pmd = kb_field(line);
		else if (line.rfind("FilePmdMapped:", 0) == 0)
			vma.file_pmd = kb_field(line);
		else if (line.rfind("Private_Hugetlb:", 0) == 0 ||
			 line.rfind("Shared_Hugetlb:", 0) == 0)
			vma.hugetlb += kb_field(line);
	}
	return vma;
}

void add_huge(MappingReport &r, uint64_t bytes, uint64_t page_size)
{
	if (page_size >= GiB)
		r.bytes_1g += bytes;
	else
		r.bytes_2m += bytes;
}

// Exact per-range shape through PAGEMAP_SCAN; false when the kernel lacks it.
bool scan_pagemap(MappingReport &r, uintptr_t start, uintptr_t end, uint64_t huge_page_size)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	std::vector<page_region> vec(4096);
	uint64_t present = 0, huge = 0;
	// The ioctl takes page-aligned bounds; the counts are clipped back to [start, end).
	const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
	uintptr_t pos = start / page * page;
	const uintptr_t scan_end = (end + page - 1) / page * page;
	bool ok = true;
	while (pos < scan_end) {
		pm_scan_arg arg{};
		arg.size = sizeof(arg);
		arg.start = pos;
		arg.end = scan_end;
		arg.vec = reinterpret_cast<uintptr_t>(vec.data());
		arg.vec_len = vec.size();
		arg.return_mask = PAGE_IS_PRESENT | PAGE_IS_HUGE;
		long n = ioctl(fd, PAGEMAP_SCAN, &arg);
		if (n < 0) {
			ok = false;
			break;
		}
		const uint64_t walked = arg.walk_end > pos ? arg.walk_end : scan_end;
		for (long i = 0; i < n; i++) {
			// The kernel answers in whole pages; count only the bytes asked about, and
			// only up to walk_end: Linux 6.18 returns regions past the walk_end it
			// reports (seen with scattered present pages), which the next call walks
			// again.
			const page_region &pr = vec[size_t(i)];
			uint64_t lo = std::max<uint64_t>(pr.start, start);
			uint64_t hi = std::min<uint64_t>({pr.end, end, walked});
			if (hi <= lo)
				continue;
			if (pr.categories & PAGE_IS_HUGE)
				huge += hi - lo;
			else if (pr.categories & PAGE_IS_PRESENT)
				present += hi - lo;
		}
		if (arg.walk_end <= pos)
			break;
		pos = arg.walk_end;
	}
	close(fd);
	if (!ok)
		return false;
	r.bytes_4k = present;
	add_huge(r, huge, huge_page_size);
	r.bytes_unmapped = r.bytes - std::min<uint64_t>(r.bytes, present + huge);
	r.method = "pagemap-scan";
	return true;
}

// Per page through pagemap (present, PFN: root only) and kpageflags (the folio behind the
// PFN), for kernels without PAGEMAP_SCAN. kpageflags tells a THP or hugetlb folio, not how
// it is mapped: a THP folio counts as 2 MiB only up to the VMA's PMD-mapped total from
// smaps (AnonHugePages), so small PTE-mapped THPs are not taken for PMD leaves.
bool scan_kpageflags(MappingReport &r, uintptr_t start, uintptr_t end, const SmapsVma &vma)
{
	constexpr uint64_t present_bit = 1ull << 63, pfn_mask = (1ull << 55) - 1;
	constexpr uint64_t kpf_huge = 1ull << 17, kpf_thp = 1ull << 22;
	int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int flags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	bool ok = pagemap >= 0 && flags >= 0;
	const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
	uint64_t small = 0, thp = 0, hugetlb = 0;
	std::vector<uint64_t> entries(4096);
	for (uintptr_t va = start / page * page; ok && va < end;) {
		size_t n = std::min<size_t>(entries.size(), (end - va + page - 1) / page);
		ssize_t got = pread(pagemap, entries.data(), n * 8, off_t(va / page * 8));
		if (got != ssize_t(n * 8)) {
			ok = false;
			break;
		}
		for (size_t i = 0; i < n; i++, va += page) {
			uint64_t e = entries[i];
			if (!(e & present_bit))
				continue;
			uint64_t pfn = e & pfn_mask, kflags = 0;
			// Without CAP_SYS_ADMIN the PFN reads as zero: nothing to look up.
			if (pfn == 0 || pread(flags, &kflags, 8, off_t(pfn * 8)) != 8) {
				ok = false;
				break;
			}
			uint64_t bytes = std::min<uint64_t>(va + page, end) -
					 std::max<uint64_t>(va, start);
			if (kflags & kpf_huge)
				hugetlb += bytes;
			else if (kflags & kpf_thp)
				thp += bytes;
			else
				small += bytes;
		}
	}
	if (pagemap >= 0)
		close(pagemap);
	if (flags >= 0)
		close(flags);
	if (!ok)
		return false;
	uint64_t pmd_mapped = std::min(thp, vma.anon_huge + vma.shmem_pmd + vma.file_pmd);
	r.bytes_4k = small + (thp - pmd_mapped);
	r.bytes_2m = pmd_mapped;
	add_huge(r, hugetlb, vma.kernel_page_size);
	r.bytes_unmapped = r.bytes - std::min(r.bytes, r.bytes_4k + r.bytes_2m + r.bytes_1g);
	r.method = "kpageflags";
	return true;
}

// Whole-VMA totals from smaps, for kernels without PAGEMAP_SCAN: smaps cannot say which
// part of the VMA is huge, so the VMA's proportions are applied to the range.
void from_smaps(MappingReport &r, const SmapsVma &vma)
{
	r.method = "smaps";
	const uint64_t vma_len = vma.end - vma.start;
	uint64_t huge = 0, small = 0;
	if (vma.hugetlb) {
		huge = vma.hugetlb;
	} else {
		huge = vma.anon_huge + vma.shmem_pmd + vma.file_pmd;
		small = vma.rss - std::min(vma.rss, huge);
	}
	if (vma_len != r.bytes)
		r.note = fmt::format("proportions of the whole {} VMA (smaps has no per-range "
				     "detail)", format_size(vma_len));
	auto scale = [&](uint64_t b) {
		__extension__ typedef unsigned __int128 wide;
		return uint64_t(wide(b) * r.bytes / (vma_len ? vma_len : 1));
	};
	add_huge(r, scale(huge), vma.kernel_page_size);
	r.bytes_4k = scale(small);
	r.bytes_unmapped = r.bytes - std::min(r.bytes, r.bytes_2m + r.bytes_1g + r.bytes_4k);
}

} // namespace

double MappingReport::fraction_4k() const
{
	return bytes ? double(bytes_4k) / double(bytes) : 0.0;
}

double MappingReport::fraction_huge() const
{
	return bytes ? double(bytes_2m + bytes_1g) / double(bytes) : 0.0;
}

bool MappingReport::is_huge() const
{
	return bytes > 0 && fraction_huge() >= 0.99;
}

bool MappingReport::is_4k() const
{
	return bytes > 0 && bytes_2m + bytes_1g == 0 && bytes_4k > 0;
}

bool MappingReport::is_2m() const
{
	return bytes > 0 && double(bytes_2m) / double(bytes) >= 0.99;
}

bool MappingReport::is_1g() const
{
	return bytes > 0 && double(bytes_1g) / double(bytes) >= 0.99;
}

std::string MappingReport::summary() const
{
	std::vector<std::string> parts;
	for (const auto &[b, what] : {std::pair{bytes_1g, "1G"}, std::pair{bytes_2m, "2M"},
				      std::pair{bytes_4k, "4K"}, std::pair{bytes_unmapped, "unmapped"}})
		if (b)
			parts.push_back(fmt::format("{:.1f}% {}",
						    bytes ? 100.0 * double(b) / double(bytes) : 0.0, what));
	std::string s = parts.empty() ? "nothing mapped" : fmt::format("{}", fmt::join(parts, " + "));
	if (!node_bytes.empty())
		s += fmt::format(", node {}", fmt::join(std::views::keys(node_bytes), ","));
	return s + " (" + method + ")";
}

void to_json(nlohmann::json &j, const MappingReport &r)
{
	nlohmann::json nodes = nlohmann::json::object();
	for (const auto &[node, b] : r.node_bytes)
		nodes[std::to_string(node)] = b;
	j = nlohmann::json{{"bytes", r.bytes},
			   {"bytes_4k", r.bytes_4k},
			   {"bytes_2m", r.bytes_2m},
			   {"bytes_1g", r.bytes_1g},
			   {"bytes_unmapped", r.bytes_unmapped},
			   {"fraction_huge", r.fraction_huge()},
			   {"method", r.method},
			   {"node_bytes", nodes},
			   {"node_method", r.node_method},
			   {"note", r.note},
			   {"layout", r.layout}};
}

void from_json(const nlohmann::json &j, MappingReport &r)
{
	r.bytes = j.at("bytes");
	r.bytes_4k = j.at("bytes_4k");
	r.bytes_2m = j.at("bytes_2m");
	r.bytes_1g = j.at("bytes_1g");
	r.bytes_unmapped = j.at("bytes_unmapped");
	r.method = j.at("method");
	r.node_method = j.value("node_method", "");
	r.note = j.value("note", "");
	r.layout = j.contains("layout") ? j.at("layout").get<PhysLayout>() : PhysLayout{};
	r.node_bytes.clear();
	for (const auto &[node, b] : j.at("node_bytes").items())
		r.node_bytes[std::stoi(node)] = b.get<uint64_t>();
}

void add_report(MappingReport &total, const MappingReport &r)
{
	auto join = [](std::string &into, const std::string &more) {
		if (into.empty())
			into = more;
		else if (into != more && !more.empty())
			into += "+" + more;
	};
	total.bytes += r.bytes;
	total.bytes_4k += r.bytes_4k;
	total.bytes_2m += r.bytes_2m;
	total.bytes_1g += r.bytes_1g;
	total.bytes_unmapped += r.bytes_unmapped;
	for (const auto &[node, b] : r.node_bytes)
		total.node_bytes[node] += b;
	join(total.method, r.method);
	join(total.node_method, r.node_method);
	add_layout(total.layout, r.layout);
}

MappingReport read_process_mapping(const void *addr, size_t len, ReportMethod method)
{
	MappingReport r;
	r.bytes = len;
	auto start = reinterpret_cast<uintptr_t>(addr);
	SmapsVma vma = read_smaps_vma(start);
	if (!vma.found) {
		r.method = "none";
		r.note = "address is not mapped";
		r.bytes_unmapped = len;
		return r;
	}
	const bool any = method == ReportMethod::best;
	bool done = false;
	if (any || method == ReportMethod::pagemap_scan)
		done = scan_pagemap(r, start, start + len, vma.kernel_page_size);
	if (!done && (any || method == ReportMethod::kpageflags))
		done = scan_kpageflags(r, start, start + len, vma);
	if (!done && (any || method == ReportMethod::smaps)) {
		from_smaps(r, vma);
		done = true;
	}
	if (!done)
		throw Unavailable(method == ReportMethod::pagemap_scan
					  ? "PAGEMAP_SCAN needs Linux 6.7 or later"
					  : "pagemap + kpageflags need root (CAP_SYS_ADMIN)");
	fill_nodes(r, addr, len);
	return r;
}

void fill_nodes(MappingReport &r, const void *addr, size_t len)
{
	// One status per sampled page: 64Ki samples cover 4 GiB at 64 KiB granularity and
	// cost a few milliseconds, which a per-4 KiB scan of 1M pages would not.
	const size_t page = 4096;
	size_t step = std::max(page, (len / 65536 + page - 1) / page * page);
	std::vector<void *> pages;
	for (size_t off = 0; off < len; off += step)
		pages.push_back(const_cast<char *>(static_cast<const char *>(addr)) + off);
	std::vector<int> status(pages.size(), -1);
	r.node_bytes.clear();
	if (move_pages(0, pages.size(), pages.data(), nullptr, status.data(), 0) != 0) {
		r.node_method = fmt::format("unknown (move_pages: {})", std::strerror(errno));
		return;
	}
	for (size_t i = 0; i < pages.size(); i++) {
		if (status[i] < 0)
			continue; // not present
		size_t bytes = std::min(step, len - i * step);
		r.node_bytes[status[i]] += bytes;
	}
	r.node_method = step == page ? "move_pages" :
				       fmt::format("move_pages (1 page per {})", format_size(step));
}

} // namespace pfn
