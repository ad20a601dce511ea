/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pfnbench: the user-space interface of the pfnbench misc device.
 *
 * One open file owns at most one buffer: PFNBENCH_IOC_ALLOC fixes its size,
 * NUMA node and mapping mode, then mmap(MAP_SHARED) maps it (a module loaded
 * with the open_mib and open_mode parameters makes that buffer in open()).
 * The buffer is made of 2 MiB-aligned physical chunks so that every chunk can
 * be mapped by a PMD leaf; from the reserved range, each whole GiB of a buffer
 * is one 1 GiB-aligned run of it where one is free, which FAULT mode maps with
 * a PUD leaf. PFNBENCH_IOC_WALK reads back the page tables of a
 * range of the caller's pfnbench mappings, so a benchmark can prove what it
 * measured; PFNBENCH_IOC_ZAP clears some of them, as a driver revoking memory
 * would; PFNBENCH_IOC_PFNS reads back the frames they map.
 *
 * Plain C, shared by the module and by user space (C and C++).
 */
#ifndef _UAPI_LINUX_PFNBENCH_H
#define _UAPI_LINUX_PFNBENCH_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change of the structures or ioctls below. */
#define PFNBENCH_ABI_VERSION	3

#define PFNBENCH_DEVICE_NAME	"pfnbench"
#define PFNBENCH_DEVICE_PATH	"/dev/pfnbench"

/* How the buffer is mapped into user space. */
enum pfnbench_mode {
	/* remap_pfn_range() one 4 KiB page at a time: 4 KiB PTEs on every kernel */
	PFNBENCH_MODE_PTE = 1,
	/*
	 * remap_pfn_range() in 2 MiB steps from ->mmap, no fault handler: PMD
	 * leaves where the kernel can install them from remap_pfn_range()
	 */
	PFNBENCH_MODE_REMAP = 2,
	/*
	 * Nothing mapped at mmap time; ->huge_fault inserts PUD leaves
	 * (vmf_insert_pfn_pud) for a whole GiB of the buffer that is one
	 * 1 GiB-aligned run of the reserved range mapped at a 1 GiB-aligned
	 * address, PMD leaves (vmf_insert_pfn_pmd) for the other whole 2 MiB
	 * chunks, where the kernel supports huge PFNMAP faults at that level;
	 * ->fault inserts 4 KiB PTEs otherwise
	 */
	PFNBENCH_MODE_FAULT = 3,
	/*
	 * The series' gate: remap_pfn_range() in 2 MiB steps from ->mmap as in
	 * REMAP, but in a VMA that has a ->fault handler, which the series
	 * leaves to fault-time insertion: PTEs on every kernel. REMAP_FAULT's
	 * ->fault maps 4 KiB pages (again, after PFNBENCH_IOC_ZAP);
	 * REMAP_SIGBUS's only returns VM_FAULT_SIGBUS, as many drivers' do.
	 */
	PFNBENCH_MODE_REMAP_FAULT = 4,
	PFNBENCH_MODE_REMAP_SIGBUS = 5,
};

#define PFNBENCH_MODE_BIT(mode)	(1U << (mode))

/*
 * What a whole, 2 MiB-aligned chunk of a buffer got when it was mapped, read
 * back from its PMD (INFO.buf_shape).
 */
enum pfnbench_shape {
	PFNBENCH_SHAPE_NONE = 0,	/* no whole aligned chunk mapped yet */
	PFNBENCH_SHAPE_PTE = 1,		/* 4 KiB PTEs */
	PFNBENCH_SHAPE_PMD = 2,		/* a PMD leaf */
	PFNBENCH_SHAPE_PUD = 3,		/* part of a PUD leaf (FAULT_PUD) */
};

/*
 * INFO.capabilities: what the running kernel and the module's memory allow,
 * not what any mapping got (INFO.buf_shape says that, per buffer).
 *
 * HUGE_PFNMAP: the kernel has huge PFNMAP faults (->huge_fault on VM_PFNMAP
 * VMAs: CONFIG_ARCH_SUPPORTS_PMD_PFNMAP, Linux >= 6.12).
 *
 * FAULT_PMD: FAULT mode's ->huge_fault inserts PMD leaves: HUGE_PFNMAP, and a
 * fault-path leaf keeps the cache mode the buffers were granted (on x86 not
 * WT or WP: vmf_insert_pfn_pmd() would turn their PAT bit into the PMD's PSE
 * bit). The kernel still asks the process and the VMA first: under
 * PR_SET_THP_DISABLE (inherited across fork), after MADV_NOHUGEPAGE and, on
 * kernels that apply THP's sysfs "enabled" setting to such VMAs, with it at
 * never, FAULT mode gets 4 KiB PTEs all the same.
 *
 * Whether remap_pfn_range() gives PMD leaves (a kernel with the PMD series)
 * is no capability the module can know before it maps: only buf_shape of a
 * REMAP buffer shows it.
 */
#define PFNBENCH_CAP_HUGE_PFNMAP	(1U << 0)
#define PFNBENCH_CAP_FAULT_PMD		(1U << 1)
/*
 * FAULT_PUD: FAULT mode's ->huge_fault inserts PUD leaves (the kernel has PUD
 * PFNMAP faults: CONFIG_ARCH_SUPPORTS_PUD_PFNMAP; the leaf keeps the cache
 * mode, as for FAULT_PMD) for a whole GiB of a buffer at a 1 GiB-aligned
 * offset that is one 1 GiB-aligned run of the reserved range, mapped at an
 * address congruent with its offset modulo pud_bytes (mmap() without a hint
 * picks one). The page allocator gives no such runs; phys_pud_runs says how
 * many the range holds. The process and the VMA are asked first, as for
 * FAULT_PMD.
 */
#define PFNBENCH_CAP_FAULT_PUD		(1U << 2)

/*
 * Cache modes, as asked for the reserved range (INFO) and as found in the page
 * table entries (WALK). The walk decodes each entry's cache bits (on x86 the
 * PAT, PCD and PWT bits: bit 7 of a PTE, bit 12 of a PMD or PUD leaf) with the
 * kernel's own PAT layout, so a mode that changed under a split shows: a PSE
 * bit leaking into split PTEs as their PAT bit reads WC as WP and UC as WT.
 */
enum pfnbench_cache {
	PFNBENCH_CACHE_WB = 0,		/* write-back */
	PFNBENCH_CACHE_WC = 1,		/* write-combining */
	PFNBENCH_CACHE_UC = 2,		/* uncached (strong UC) */
	PFNBENCH_CACHE_UC_MINUS = 3,	/* uncached, MTRRs may override (UC-) */
	PFNBENCH_CACHE_WT = 4,		/* write-through */
	PFNBENCH_CACHE_WP = 5,		/* write-protected */
	/*
	 * Bits the kernel gives no cache mode (on x86: a PAT index it only
	 * keeps as an alias), or an architecture the walk cannot decode.
	 */
	PFNBENCH_CACHE_OTHER = 6,
	PFNBENCH_CACHE_COUNT = 7,
};

struct pfnbench_info {
	__u32 abi_version;	/* PFNBENCH_ABI_VERSION of the module */
	__u32 modes;		/* PFNBENCH_MODE_BIT() of the modes ALLOC accepts */
	__u32 capabilities;	/* PFNBENCH_CAP_* */
	/*
	 * enum pfnbench_shape of this file's buffer (NONE if none): what the
	 * last whole, aligned chunk of it that was mapped (by any process) got,
	 * read back from its PMD right after it was mapped: at mmap time in the
	 * modes that map there, at fault time in FAULT (and in REMAP_FAULT when
	 * its ->fault maps a page again); PUD when FAULT mapped a whole GiB with
	 * a PUD leaf. What the kernel did, not what it can
	 * do: FAULT mode under PR_SET_THP_DISABLE reads PTE while
	 * PFNBENCH_CAP_FAULT_PMD is set. A mapping that covers no whole chunk
	 * at an aligned address leaves it as it was.
	 */
	__u32 buf_shape;
	__u32 kernel_version;	/* LINUX_VERSION_CODE the module was built for */
	__u32 nr_node_ids;	/* NUMA node ids are below this */
	__u64 chunk_bytes;	/* allocation unit and PMD leaf size */
	__u64 max_bytes;	/* largest buffer ALLOC accepts */
	/*
	 * Held by all buffers of the module right now, counted chunk by chunk
	 * as an ALLOC takes them.
	 */
	__u64 allocated_bytes;
	__u64 buf_bytes;	/* this file's buffer, 0 if none */
	__s32 buf_node;
	__u32 buf_mode;		/* enum pfnbench_mode, 0 if none */
	char release[64];	/* release string of the running kernel */
	/*
	 * Buffers come from this physical range (module parameters phys_base
	 * and phys_size) when phys_bytes is not 0, else from the page
	 * allocator (always write-back).
	 */
	__u64 phys_base;
	__u64 phys_bytes;
	__s32 phys_node;	/* -1 if unknown */
	/*
	 * enum pfnbench_cache the range was granted (the caching parameter
	 * asks; PAT may give another mode, and uc is ioremap()'s UC-), read
	 * back from the module's kernel mapping of it; OTHER where that cannot
	 * be read (only x86 exports a way). WB without a range.
	 */
	__u32 caching;
	/*
	 * Page-allocator buffers of all files together hold at most this
	 * (module parameter max_total_mib, by default three quarters of RAM):
	 * they are pinned for as long as anything maps them. Each is also
	 * charged to the memory cgroup of the task that allocated it.
	 */
	__u64 cap_bytes;
	/* ALLOCs and mmaps that a fatal signal stopped part-way, since load */
	__u64 nr_stopped;
	__u64 pud_bytes;	/* PUD leaf size: the run size of FAULT_PUD */
	/* 1 GiB-aligned runs the reserved range holds, used or not; 0 without */
	__u64 phys_pud_runs;
};

/*
 * ALLOC errors: EINVAL bad mode, flags or size (zero, not a multiple of
 * chunk_bytes); E2BIG more than max_bytes or than the node (or the physical
 * range) has; ENODEV node offline, without memory, or not the node of the
 * physical range; ENOSPC page-allocator buffers would hold more than
 * cap_bytes together (free some, or raise max_total_mib); ENOMEM the node (or
 * the range, or the caller's memory cgroup) could not give that many chunks;
 * EBUSY this file already has a buffer (with open_mib: from open()), or
 * another ALLOC on it is under way;
 * EINTR killed while allocating. ALLOC never waits for another one.
 * mmap errors: EINVAL MAP_PRIVATE, a range beyond the buffer, or (in every
 * mode but PTE) an address not congruent with the offset modulo chunk_bytes
 * where the mapping spans a whole chunk, which could never be a PMD leaf
 * there: the kernel picks congruent addresses for 64-bit callers that give
 * no hint; 32-bit (compat) callers, hint addresses and MAP_FIXED must pick
 * them themselves. (mremap() may still move a mapping off congruence; its
 * chunks then get PTEs.) ENXIO no buffer yet, also while the first ALLOC is
 * under way: mmap never waits for it. EINTR killed while mapping.
 */
struct pfnbench_alloc {
	__u64 bytes;		/* in: multiple of chunk_bytes, at most max_bytes */
	__s32 node;		/* in: NUMA node, -1 for the caller's; out: used */
	__u32 mode;		/* in: enum pfnbench_mode */
	__u32 flags;		/* in: must be 0 */
	__u32 reserved;		/* in: must be 0 */
};

#define PFNBENCH_WALK_NODES	8

/*
 * The range must be page aligned, not empty, and inside user space (start +
 * len neither wrapping nor beyond it, checked in 64 bits): -EINVAL otherwise.
 * Parts without a VMA count as holes, parts mapped by anything but pfnbench
 * are refused (-EINVAL).
 */
struct pfnbench_walk {
	__u64 start;		/* in: user virtual address */
	__u64 len;		/* in: bytes */
	__u64 bytes_pte;	/* out: mapped by 4 KiB PTEs */
	__u64 bytes_pmd;	/* out: mapped by PMD leaves */
	__u64 bytes_pud;	/* out: mapped by PUD leaves */
	__u64 bytes_hole;	/* out: not mapped (yet) */
	__u64 nr_pte;		/* out: present PTEs seen */
	__u64 nr_pmd;		/* out: PMD leaves seen (even partly) */
	__u64 nr_pud;		/* out: PUD leaves seen (even partly) */
	__u64 nr_special;	/* out: entries with the special (PFNMAP) bit */
	__u64 bytes_write;	/* out: mapped writable */
	__u64 node_bytes[PFNBENCH_WALK_NODES];	/* out: bytes per NUMA node */
	__u64 bytes_other_node;	/* out: on nodes >= PFNBENCH_WALK_NODES */
	/* out: bytes per enum pfnbench_cache, read from the entries */
	__u64 bytes_cache[PFNBENCH_CACHE_COUNT];
};

/*
 * Zaps (clears, like a driver revoking device memory with zap_vma_ptes())
 * the page table entries of [start, start + len), which must be page aligned,
 * not empty and inside one pfnbench mapping of the caller, checked in 64 bits
 * (-EINVAL otherwise). Part of a PMD leaf is zapped by splitting it first.
 * The mapping stays: a touch of a zapped page faults, which in modes without
 * a fault handler (pte, remap) is SIGBUS, and in the others maps the page
 * again.
 */
struct pfnbench_zap {
	__u64 start;		/* in: user virtual address */
	__u64 len;		/* in: bytes */
	__u64 flags;		/* in: must be 0 */
};

/*
 * The page frame number mapped at each page of [start, start + len) of the
 * caller's pfnbench mappings, read from the page tables as WALK reads them
 * (same range rules and errors), written to the user array at pfns: len /
 * page size __u64, 0 for a hole. Frame numbers are physical addresses: as
 * with /proc/pid/pagemap, only CAP_SYS_ADMIN may read them (-EPERM).
 * Added within ABI 3 (nothing else changed): older modules answer -ENOTTY.
 */
struct pfnbench_pfns {
	__u64 start;		/* in: user virtual address */
	__u64 len;		/* in: bytes */
	__u64 pfns;		/* in: user address of len / page size __u64 */
};

#define PFNBENCH_IOC_MAGIC	0xD7
#define PFNBENCH_IOC_INFO	_IOR(PFNBENCH_IOC_MAGIC, 0, struct pfnbench_info)
#define PFNBENCH_IOC_ALLOC	_IOWR(PFNBENCH_IOC_MAGIC, 1, struct pfnbench_alloc)
#define PFNBENCH_IOC_WALK	_IOWR(PFNBENCH_IOC_MAGIC, 2, struct pfnbench_walk)
#define PFNBENCH_IOC_ZAP	_IOW(PFNBENCH_IOC_MAGIC, 3, struct pfnbench_zap)
#define PFNBENCH_IOC_PFNS	_IOW(PFNBENCH_IOC_MAGIC, 4, struct pfnbench_pfns)

#endif /* _UAPI_LINUX_PFNBENCH_H */
