// Device memory from kdriver (/dev/pfnbench): a buffer of 2 MiB chunks that the module maps
// with remap_pfn_range() (device-pte, device-remap) or from its fault handlers
// (device-fault; device-fault-1g, whose buffer is whole 1 GiB-aligned runs of the module's
// reserved range); its page-table walk ioctl says what the mapping really is.
#include "memory/device.h"

#include <fcntl.h>
#include <numa.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/error.h"
#include "base/size.h"
#include "kdriver/pfnbench_uapi.h"
#include "memory/region.h"

namespace pfn {

namespace {

constexpr const char *device_path = PFNBENCH_DEVICE_PATH;

// Owns a file descriptor so every early throw closes it.
class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	~Fd()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int get() const { return fd_; }
	int release()
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}

private:
	int fd_;
};

std::string open_error(int err)
{
	switch (err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		return fmt::format("kdriver not loaded: {} missing (insmod kdriver/pfnbench.ko)",
				   device_path);
	case EACCES:
	case EPERM:
		return fmt::format("no permission to open {}: run as root or give yourself "
				   "access to the device (it is 0600 by default)",
				   device_path);
	default:
		return errno_text(fmt::format("cannot open {}", device_path), err);
	}
}

// Opens the device and checks that it speaks our ABI; throws Unavailable otherwise.
int open_device(pfnbench_info &info)
{
	Fd fd(open(device_path, O_RDWR | O_CLOEXEC));
	if (fd.get() < 0)
		throw Unavailable(open_error(errno));
	if (ioctl(fd.get(), PFNBENCH_IOC_INFO, &info) != 0)
		throw Unavailable(errno_text(
			fmt::format("{} does not answer the kdriver INFO ioctl", device_path), errno));
	if (info.abi_version != PFNBENCH_ABI_VERSION)
		throw Unavailable(fmt::format("kdriver speaks ABI {}, this pfnbench ABI {}: rebuild "
					      "and reload kdriver/pfnbench.ko",
					      info.abi_version, PFNBENCH_ABI_VERSION));
	return fd.release();
}

uint32_t mode_of(MappingKind kind)
{
	switch (kind) {
	case MappingKind::device_pte:
		return PFNBENCH_MODE_PTE;
	case MappingKind::device_remap:
		return PFNBENCH_MODE_REMAP;
	case MappingKind::device_fault:
	case MappingKind::device_fault_1g:
		return PFNBENCH_MODE_FAULT;
	default:
		throw Error(fmt::format("{} is not a device mapping", mapping_name(kind)));
	}
}

const char *mode_text(MappingKind kind)
{
	switch (kind) {
	case MappingKind::device_pte:
		return "pte: remap_pfn_range() per 4 KiB page";
	case MappingKind::device_remap:
		return "remap: remap_pfn_range() per 2 MiB, no fault handler";
	case MappingKind::device_fault_1g:
		return "fault: huge_fault + vmf_insert_pfn_pud() per 1 GiB run of the reserved "
		       "range";
	default:
		return "fault: huge_fault + vmf_insert_pfn_pmd(), 4 KiB fault fallback";
	}
}

// MemTotal of one NUMA node (libnuma reads the node's meminfo), 0 if unknown.
uint64_t node_total(int node)
{
	long long total = numa_available() < 0 ? -1 : numa_node_size64(node, nullptr);
	return total > 0 ? uint64_t(total) : 0;
}

const char *cache_name(uint32_t cache)
{
	switch (cache) {
	case PFNBENCH_CACHE_WB:
		return "write-back";
	case PFNBENCH_CACHE_WC:
		return "write-combining";
	case PFNBENCH_CACHE_UC:
		return "uncached";
	case PFNBENCH_CACHE_UC_MINUS:
		return "uncached-minus";
	case PFNBENCH_CACHE_WT:
		return "write-through";
	case PFNBENCH_CACHE_WP:
		return "write-protected";
	default:
		return "other-cached";
	}
}

// Where kdriver takes its memory from, as INFO describes it.
std::string source_text(const pfnbench_info &info)
{
	if (!info.phys_bytes)
		return "RAM from the page allocator";
	return fmt::format("reserved range {:#x}+{}", info.phys_base,
			   format_size(info.phys_bytes));
}

// Why device-fault can give no PMD leaves here (INFO.capabilities lacks FAULT_PMD).
std::string fault_pmd_why_not(const pfnbench_info &info)
{
	// The kernel has huge PFNMAP faults: the module says the cache mode is the reason.
	if (info.capabilities & PFNBENCH_CAP_HUGE_PFNMAP)
		return fmt::format("device-fault gives no PMD leaves for kdriver's {} {}: the "
				   "kernel's fault path cannot keep that cache mode in a PMD leaf; "
				   "use device-remap or device-pte",
				   cache_name(info.caching), source_text(info));
	return fmt::format("device-fault needs huge PFNMAP faults (Linux >= 6.12); kernel {} has "
			   "none: use device-pte or thp",
			   info.release);
}

// Why device-fault-1g can give no PUD leaves for bytes here: the kernel's PUD PFNMAP faults
// (INFO.capabilities FAULT_PUD), and a 1 GiB-aligned run of the reserved range per GiB
// asked for; "" when it can. bytes 0: for one GiB.
std::string fault_pud_why_not(const pfnbench_info &info, uint64_t bytes)
{
	if (!(info.capabilities & PFNBENCH_CAP_FAULT_PUD)) {
		if (info.capabilities & PFNBENCH_CAP_FAULT_PMD || !info.phys_bytes ||
		    !(info.capabilities & PFNBENCH_CAP_HUGE_PFNMAP))
			return fmt::format("device-fault-1g needs huge PFNMAP faults at the PUD "
					   "level (Linux >= 6.12 on x86-64 or arm64); kernel {} has "
					   "none: use device-fault or device-pte",
					   info.release);
		return fmt::format("device-fault-1g gives no PUD leaves for kdriver's {} {}: the "
				   "kernel's fault path cannot keep that cache mode in a huge leaf",
				   cache_name(info.caching), source_text(info));
	}
	if (!info.phys_bytes)
		return "device-fault-1g needs kdriver loaded with a reserved range that holds a "
		       "1 GiB-aligned GiB (phys_base, phys_size: see kdriver/README.md); the page "
		       "allocator gives 2 MiB chunks";
	const uint64_t gib = info.pud_bytes ? info.pud_bytes : GiB;
	const uint64_t need = std::max<uint64_t>(1, (bytes + gib - 1) / gib);
	if (info.phys_pud_runs < need)
		return fmt::format("kdriver's {} holds {} 1 GiB-aligned GiB{}, {} needed{}",
				   source_text(info), info.phys_pud_runs,
				   info.phys_pud_runs == 1 ? "" : "s", need,
				   bytes ? fmt::format(" for {} of device-fault-1g",
						       format_size(bytes))
					 : std::string(" for device-fault-1g"));
	return "";
}

// Why a fault mapping got 4 KiB PTEs on a kernel that can give PMD leaves.
std::string fault_refused_why(const pfnbench_info &info, MappingKind kind)
{
	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) > 0)
		return fmt::format("{} got 4 KiB PTEs: huge pages are disabled for this process "
				   "(prctl PR_SET_THP_DISABLE, which children inherit); run it from "
				   "a process without that",
				   mapping_name(kind));
	return fmt::format("{} got 4 KiB PTEs though kernel {} has huge PFNMAP faults: "
			   "something refused huge pages for this mapping (is THP 'never' in "
			   "/sys/kernel/mm/transparent_hugepage/enabled?)",
			   mapping_name(kind), info.release);
}

DeviceInfo to_device_info(const pfnbench_info &in)
{
	DeviceInfo out;
	out.abi_version = in.abi_version;
	out.kernel_release.assign(in.release, strnlen(in.release, sizeof(in.release)));
	out.pte = in.modes & PFNBENCH_MODE_BIT(PFNBENCH_MODE_PTE);
	out.remap = in.modes & PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP);
	out.fault = in.modes & PFNBENCH_MODE_BIT(PFNBENCH_MODE_FAULT);
	out.fault_pmd_capable = in.capabilities & PFNBENCH_CAP_FAULT_PMD;
	if (!out.fault_pmd_capable)
		out.fault_pmd_why_not = fault_pmd_why_not(in);
	out.fault_pud_why_not = fault_pud_why_not(in, 0);
	out.fault_pud_capable = out.fault_pud_why_not.empty();
	out.pud_runs = in.phys_pud_runs;
	out.chunk_bytes = in.chunk_bytes;
	out.max_bytes = in.max_bytes;
	return out;
}

std::string node_text(int node)
{
	return node < 0 ? std::string("the local node") : fmt::format("node {}", node);
}

std::string alloc_error(int err, uint64_t bytes, int node, const pfnbench_info &info)
{
	const std::string size = format_size(bytes);
	if (info.phys_bytes) {
		switch (err) {
		case E2BIG:
			return fmt::format("{} is more than kdriver's {} holds", size,
					   source_text(info));
		case ENOMEM:
			return fmt::format("kdriver's {} has less than {} free: other buffers "
					   "hold the rest",
					   source_text(info), size);
		case ENODEV:
			return fmt::format("kdriver's {} is on NUMA node {}, not {}",
					   source_text(info), info.phys_node, node);
		}
	}
	switch (err) {
	case ENOSPC:
		return fmt::format("{} would take kdriver's pinned buffers past their cap ({}, "
				   "{} held now): free other buffers or raise it (echo MIB > "
				   "/sys/module/pfnbench/parameters/max_total_mib)",
				   size, format_size(info.cap_bytes),
				   format_size(info.allocated_bytes));
	case E2BIG:
		if (bytes > info.max_bytes)
			return fmt::format("{} is more than kdriver allows ({}): reload it with "
					   "max_mib={}",
					   size, format_size(info.max_bytes), bytes / MiB);
		if (uint64_t total = node >= 0 ? node_total(node) : 0)
			return fmt::format("{} is more than NUMA node {} has ({} in total)", size,
					   node, format_size(total));
		return fmt::format("{} is more than {} has", size, node_text(node));
	case ENOMEM:
		return fmt::format("{} could not supply {} as 2 MiB-aligned blocks: free memory "
				   "there (or echo 1 > /proc/sys/vm/compact_memory), raise this "
				   "memory cgroup's limit, or ask for less",
				   node_text(node), size);
	case ENODEV:
		return fmt::format("NUMA node {} is not online or has no memory", node);
	default:
		return errno_text(fmt::format("kdriver refused a {} buffer on {}", size,
					      node_text(node)),
				  err);
	}
}

class DeviceRegion : public Region {
public:
	DeviceRegion(std::byte *data, size_t size, MappingKind kind, int fd, size_t map_len,
		     int node, const pfnbench_info &info)
		: Region(data, size, kind), fd_(fd), map_len_(map_len), node_(node), info_(info)
	{
	}
	~DeviceRegion() override
	{
		munmap(data_, map_len_);
		close(fd_);
	}

	Frames frames(size_t offset, size_t len) const override;
	std::string describe() const override
	{
		return fmt::format("kdriver {}, mode {}, NUMA node {}, {} buffer of {} asked {}, "
				   "kernel {}",
				   device_path, mode_text(kind_), node_, format_size(map_len_),
				   source_text(info_), cache_name(info_.caching), info_.release);
	}

protected:
	MappingReport shape(size_t offset, size_t len) const override;

private:
	int fd_;
	size_t map_len_;
	int node_;
	pfnbench_info info_;
};

Frames DeviceRegion::frames(size_t offset, size_t len) const
{
	const uintptr_t page = frame_bytes;
	uintptr_t start = reinterpret_cast<uintptr_t>(data_ + offset) & ~(page - 1);
	uintptr_t end = (reinterpret_cast<uintptr_t>(data_ + offset + len) + page - 1) &
			~(page - 1);
	Frames f;
	f.start = start;
	f.method = "kdriver-pfns";
	f.pfn.resize((end - start) / page);
	pfnbench_pfns req{};
	req.start = start;
	req.len = end - start;
	req.pfns = reinterpret_cast<uintptr_t>(f.pfn.data());
	if (ioctl(fd_, PFNBENCH_IOC_PFNS, &req) != 0) {
		switch (errno) {
		case ENOTTY:
			throw Unavailable("the loaded kdriver cannot read back frame numbers "
					  "(no PFNS ioctl): rebuild and reload kdriver/pfnbench.ko");
		case EPERM:
			throw Unavailable("kdriver shows frame numbers only to CAP_SYS_ADMIN "
					  "(run as root)");
		default:
			throw Error(errno_text("kdriver PFNS failed", errno));
		}
	}
	return f;
}

MappingReport DeviceRegion::shape(size_t offset, size_t len) const
{
	// The walk works on whole pages; widen the range to them.
	const uintptr_t page = 4 * KiB;
	uintptr_t start = reinterpret_cast<uintptr_t>(data_ + offset) & ~(page - 1);
	uintptr_t end = (reinterpret_cast<uintptr_t>(data_ + offset + len) + page - 1) &
			~(page - 1);
	pfnbench_walk walk{};
	walk.start = start;
	walk.len = end - start;
	if (ioctl(fd_, PFNBENCH_IOC_WALK, &walk) != 0)
		throw Error(errno_text("kdriver page-table walk failed", errno));

	MappingReport r;
	r.bytes = walk.len;
	r.bytes_4k = walk.bytes_pte;
	r.bytes_2m = walk.bytes_pmd;
	r.bytes_1g = walk.bytes_pud;
	r.bytes_unmapped = walk.bytes_hole;
	r.method = "kdriver-walk";
	for (int node = 0; node < PFNBENCH_WALK_NODES; node++)
		if (walk.node_bytes[node])
			r.node_bytes[node] = walk.node_bytes[node];
	r.node_method = "kdriver-walk";
	if (walk.bytes_other_node)
		r.note = fmt::format("{} on nodes the walk does not itemise",
				     format_size(walk.bytes_other_node));
	if (kind_ == MappingKind::device_remap && walk.bytes_pmd == 0 && walk.bytes_pte)
		r.note = "remap_pfn_range() gave 4 KiB PTEs: this kernel lacks the PMD series";
	// Latency depends on the cache mode too; say so whenever it is not plain write-back.
	const uint64_t mapped = walk.bytes_pte + walk.bytes_pmd + walk.bytes_pud;
	if (mapped && walk.bytes_cache[PFNBENCH_CACHE_WB] != mapped) {
		std::vector<std::string> modes;
		for (uint32_t c = 0; c < PFNBENCH_CACHE_COUNT; c++)
			if (walk.bytes_cache[c])
				modes.push_back(fmt::format(
					"{:.1f}% {}", 100.0 * double(walk.bytes_cache[c]) / double(mapped),
					cache_name(c)));
		r.note += fmt::format("{}mapped {}", r.note.empty() ? "" : "; ",
				      fmt::join(modes, ", "));
	}
	return r;
}

// Fault-mode mappings are empty until touched; MADV_POPULATE_* refuses PFNMAP VMAs.
void prefault(std::byte *p, size_t len)
{
	for (size_t off = 0; off < len; off += 4 * KiB)
		(void)*reinterpret_cast<volatile const char *>(p + off);
}

} // namespace

bool DeviceInfo::supports(MappingKind kind) const
{
	switch (kind) {
	case MappingKind::device_pte:
		return pte;
	case MappingKind::device_remap:
		return remap;
	case MappingKind::device_fault:
	case MappingKind::device_fault_1g:
		return fault;
	default:
		return false;
	}
}

std::optional<DeviceInfo> probe_device(std::string *why_not)
{
	try {
		pfnbench_info info{};
		close(open_device(info));
		return to_device_info(info);
	} catch (const Unavailable &e) {
		if (why_not)
			*why_not = e.what();
		return std::nullopt;
	}
}

std::unique_ptr<Region> map_device_region(const RegionSpec &spec)
{
	const uint32_t mode = mode_of(spec.kind);
	pfnbench_info info{};
	Fd fd(open_device(info));

	if (!(info.modes & PFNBENCH_MODE_BIT(mode)))
		throw Unavailable(fmt::format("kdriver on {} has no {} mode", info.release,
					      mapping_name(spec.kind)));
	// A fault-mode mapping that can only be 4 KiB would pose as a huge one.
	if (spec.kind == MappingKind::device_fault &&
	    !(info.capabilities & PFNBENCH_CAP_FAULT_PMD))
		throw Unavailable(fault_pmd_why_not(info));
	if (spec.kind == MappingKind::device_fault_1g) {
		std::string why = fault_pud_why_not(info, spec.bytes);
		if (!why.empty())
			throw Unavailable(why);
	}

	// device-fault-1g: whole GiBs, each a 1 GiB-aligned run of the range.
	const uint64_t chunk = spec.kind == MappingKind::device_fault_1g ? info.pud_bytes
			       : info.chunk_bytes			  ? info.chunk_bytes
									  : 2 * MiB;
	const uint64_t bytes = (spec.bytes + chunk - 1) / chunk * chunk;
	pfnbench_alloc req{};
	req.bytes = bytes;
	// A reserved range whose node the kernel cannot tell (memory without struct pages, no
	// firmware NUMA ranges kept) is where it is: asked for as such, the walk says so.
	req.node = info.phys_bytes && info.phys_node < 0 ? -1 : spec.node;
	req.mode = mode;
	if (ioctl(fd.get(), PFNBENCH_IOC_ALLOC, &req) != 0) {
		// Not free now, or past the cap on pinned buffers with the others held: a
		// comparison can still map its columns one at a time.
		const int err = errno;
		if (err == ENOMEM || err == ENOSPC)
			throw NoRoom(alloc_error(err, bytes, spec.node, info));
		throw Error(alloc_error(err, bytes, spec.node, info));
	}

	void *map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	if (map == MAP_FAILED)
		throw Error(errno_text(fmt::format("cannot map the {} kdriver buffer",
						   format_size(bytes)),
				       errno));
	auto *data = static_cast<std::byte *>(map);
	if (mode == PFNBENCH_MODE_FAULT) {
		prefault(data, bytes);
		// The kernel can; whether it did for this process is what the buffer got.
		pfnbench_info got{};
		if (ioctl(fd.get(), PFNBENCH_IOC_INFO, &got) != 0) {
			int err = errno;
			munmap(map, bytes);
			throw Error(errno_text("kdriver INFO failed", err));
		}
		if (got.buf_shape == PFNBENCH_SHAPE_PTE) {
			munmap(map, bytes);
			throw Unavailable(fault_refused_why(info, spec.kind));
		}
	}
	return std::unique_ptr<Region>(
		new DeviceRegion(data, spec.bytes, spec.kind, fd.release(), bytes, req.node, info));
}

} // namespace pfn
