// SPDX-License-Identifier: GPL-2.0
/*
 * pfnbench: a misc device that maps 2 MiB-aligned memory into user space the
 * way device drivers map device memory (remap_pfn_range() from ->mmap, or PFN
 * insertion from fault handlers) and reads back the page tables it got, so
 * that memory-latency benchmarks can prove whether they ran on PTEs or PMD
 * leaves. This file: the device, its mappings and its ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/version.h>
#ifdef PFNBENCH_HAVE_PFN_T_H
#include <linux/pfn_t.h>
#endif

#include "pfnbench.h"

/*
 * Huge PFNMAP through the fault path (->huge_fault on a VM_PFNMAP VMA, with
 * pmd_special() marking the leaf) exists since Linux 6.12 on architectures
 * that select this symbol. Older kernels never call ->huge_fault for such a
 * VMA, so FAULT mode there is 4 KiB only and INFO.capabilities says so.
 */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#define PFNBENCH_HUGE_FAULT 1
#else
#define PFNBENCH_HUGE_FAULT 0
#endif
/*
 * The same for PUD leaves (vmf_insert_pfn_pud(), pud_special()), where the
 * architecture selects it too (x86-64 and arm64 do).
 */
#if PFNBENCH_HUGE_FAULT && defined(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP)
#define PFNBENCH_HUGE_FAULT_PUD 1
#else
#define PFNBENCH_HUGE_FAULT_PUD 0
#endif

static unsigned long max_mib = 65536;
module_param(max_mib, ulong, 0444);
MODULE_PARM_DESC(max_mib, "Largest buffer one file may allocate, in MiB");

/* ALLOCs and mmaps that a fatal signal stopped part-way, since load. */
static atomic_long_t pfnbench_stopped = ATOMIC_LONG_INIT(0);

/*
 * For programs that only open() and mmap() a device, as the kernel's own
 * PFNMAP selftest (tools/testing/selftests/mm/pfnmap.c) does: every open()
 * makes the buffer ALLOC would, so ALLOC on such a file is EBUSY.
 */
static unsigned long open_mib;
module_param(open_mib, ulong, 0444);
MODULE_PARM_DESC(open_mib,
		 "Every open() allocates a buffer of this many MiB (whole 2 MiB chunks, at most max_mib) on the opener's node, as ALLOC would; 0: off");

static char *open_mode;
module_param(open_mode, charp, 0444);
MODULE_PARM_DESC(open_mode,
		 "Mapping mode of the buffers open() allocates: pte, remap, fault, remap-fault or remap-sigbus (needs open_mib)");

/* enum pfnbench_mode of open_mode; 0 while open_mib is off. */
static u32 open_mode_nr;

/*
 * ->mmap runs under the mmap write lock: it must not wait for an ALLOC, which
 * may take seconds, or every mmap() and page fault of the process would wait
 * too. So nothing is locked: the first ALLOC claims the file, and the buffer
 * is published whole, once, for ->mmap and INFO to read without a lock.
 */
struct pfnbench_file {
	atomic_t claimed;		/* an ALLOC runs or has succeeded */
	struct pfnbench_buf *buf;	/* smp_store_release() once, by ALLOC */
};

static void pfnbench_vm_open(struct vm_area_struct *vma)
{
	pfnbench_buf_get(vma->vm_private_data);
}

static void pfnbench_vm_close(struct vm_area_struct *vma)
{
	pfnbench_buf_put(vma->vm_private_data);
}

/* Whether the PMD-aligned [addr, addr + PMD_SIZE) maps one whole chunk. */
static bool maps_whole_chunk(struct vm_area_struct *vma, unsigned long addr)
{
	struct pfnbench_buf *buf = vma->vm_private_data;
	unsigned long pgoff;

	if (addr < vma->vm_start || addr + PMD_SIZE > vma->vm_end)
		return false;
	pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	return !(pgoff % PFNBENCH_CHUNK_PAGES) &&
	       pgoff + PFNBENCH_CHUNK_PAGES <= buf_pages(buf);
}

/*
 * Records in its buffer what the whole chunk just mapped at the PMD-aligned
 * addr got, read back from its PMD: a leaf or not. The caller holds the mmap
 * lock or the VMA's lock, so the page tables above the chunk stay.
 */
static void note_shape(struct vm_area_struct *vma, unsigned long addr)
{
	struct pfnbench_buf *buf = vma->vm_private_data;
	bool leaf;
	pmd_t pmd;

	leaf = pfnbench_read_pmd(vma->vm_mm, addr, &pmd) && pmd_leaf(pmd);
	atomic_set(&buf->shape, leaf ? PFNBENCH_SHAPE_PMD : PFNBENCH_SHAPE_PTE);
}

/*
 * PTE and REMAP modes map everything in ->mmap and have no fault handler: a
 * kernel carrying the remap_pfn_range() PMD series only installs PMD leaves
 * for VMAs without ->fault and ->huge_fault.
 */
static const struct vm_operations_struct pfnbench_remap_vm_ops = {
	.open = pfnbench_vm_open,
	.close = pfnbench_vm_close,
};

/*
 * 4 KiB fallback of FAULT mode, and its only path on kernels before 6.12;
 * in REMAP_FAULT mode, what maps a zapped page again.
 */
static vm_fault_t pfnbench_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pfnbench_buf *buf = vma->vm_private_data;
	unsigned long addr = vmf->address & PMD_MASK;
	vm_fault_t ret;

	if (vmf->pgoff >= buf_pages(buf))
		return VM_FAULT_SIGBUS;
	ret = vmf_insert_pfn(vma, vmf->address, buf_pfn(buf, vmf->pgoff));
	/* A PTE where a PMD leaf would have fitted: say so. */
	if (ret == VM_FAULT_NOPAGE && maps_whole_chunk(vma, addr))
		note_shape(vma, addr);
	return ret;
}

/* REMAP_SIGBUS: the fault handler many drivers have, which never maps. */
static vm_fault_t pfnbench_sigbus_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

#if PFNBENCH_HUGE_FAULT
static vm_fault_t fault_pmd(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pfnbench_buf *buf = vma->vm_private_data;
	unsigned long addr = vmf->address & PMD_MASK;
	unsigned long pfn;
	vm_fault_t ret;

	/*
	 * The leaf must fit the VMA (it may have been split or shrunk) and map
	 * exactly one whole chunk.
	 */
	if (!maps_whole_chunk(vma, addr))
		return VM_FAULT_FALLBACK;
	pfn = buf_pfn(buf, vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT));
	/*
	 * pfn_t is gone since 6.17 (Kbuild probes the signature); PFN_DEV
	 * alone marks the leaf special.
	 */
#ifdef PFNBENCH_HAVE_PMD_INSERT_ULONG_PFN
	ret = vmf_insert_pfn_pmd(vmf, pfn, vmf->flags & FAULT_FLAG_WRITE);
#else
	ret = vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV),
				 vmf->flags & FAULT_FLAG_WRITE);
#endif
	if (ret == VM_FAULT_NOPAGE)
		note_shape(vma, addr);
	return ret;
}

#if PFNBENCH_HUGE_FAULT_PUD
/*
 * A PUD leaf where the 1 GiB-aligned [addr, addr + PUD_SIZE) lies in the VMA
 * and maps a whole GiB of the buffer (at a 1 GiB-aligned offset) that is one
 * physically contiguous, 1 GiB-aligned run: from the reserved range only.
 * Everything else falls back to PMD leaves, then PTEs.
 */
static vm_fault_t fault_pud(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pfnbench_buf *buf = vma->vm_private_data;
	unsigned long addr = vmf->address & PUD_MASK;
	unsigned long pgoff, pfn;
	vm_fault_t ret;

	if (addr < vma->vm_start || addr + PUD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	if (pgoff % PFNBENCH_RUN_PAGES ||
	    pgoff + PFNBENCH_RUN_PAGES > buf_pages(buf) || !buf_is_run(buf, pgoff))
		return VM_FAULT_FALLBACK;
	pfn = buf_pfn(buf, pgoff);
#ifdef PFNBENCH_HAVE_PUD_INSERT_ULONG_PFN
	ret = vmf_insert_pfn_pud(vmf, pfn, vmf->flags & FAULT_FLAG_WRITE);
#else
	ret = vmf_insert_pfn_pud(vmf, __pfn_to_pfn_t(pfn, PFN_DEV),
				 vmf->flags & FAULT_FLAG_WRITE);
#endif
	if (ret == VM_FAULT_NOPAGE)
		atomic_set(&buf->shape, PFNBENCH_SHAPE_PUD);
	return ret;
}

/*
 * The kernel splits VMAs without splitting a PUD leaf across the new
 * boundary (vma_adjust_trans_huge() knows PMDs only), and its PUD split
 * then refuses a VMA that no longer covers the leaf (VM_BUG_ON_VMA under
 * DEBUG_VM). A split inside a GiB mapped by a leaf clears that leaf first,
 * as the kernel's PUD split does for PFNMAP leaves: both halves fault their
 * pages back as PMD leaves or PTEs. The VMA is write-locked first so that a
 * fault under the per-VMA lock cannot map the leaf again before the split.
 */
static int pfnbench_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	unsigned long start = addr & PUD_MASK;

	if (IS_ALIGNED(addr, PUD_SIZE) || start < vma->vm_start ||
	    start + PUD_SIZE > vma->vm_end)
		return 0;
	vma_start_write(vma);
	if (pfnbench_pud_is_leaf(vma->vm_mm, start))
#ifdef PFNBENCH_HAVE_ZAP_SPECIAL_VMA_RANGE
		zap_special_vma_range(vma, start, PUD_SIZE);
#else
		zap_vma_ptes(vma, start, PUD_SIZE);
#endif
	return 0;
}
#endif

static vm_fault_t pfnbench_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct pfnbench_buf *buf = vmf->vma->vm_private_data;

	/* A leaf that would not keep the cache mode: PTEs instead. */
	if (buf->phys && !pfnbench_fault_pmd_keeps_cache())
		return VM_FAULT_FALLBACK;
	if (order == PMD_ORDER)
		return fault_pmd(vmf);
#if PFNBENCH_HUGE_FAULT_PUD
	if (order == PUD_ORDER)
		return fault_pud(vmf);
#endif
	return VM_FAULT_FALLBACK;
}
#endif

static const struct vm_operations_struct pfnbench_fault_vm_ops = {
	.open = pfnbench_vm_open,
	.close = pfnbench_vm_close,
	.fault = pfnbench_fault,
#if PFNBENCH_HUGE_FAULT
	.huge_fault = pfnbench_huge_fault,
#endif
#if PFNBENCH_HUGE_FAULT_PUD
	.may_split = pfnbench_may_split,
#endif
};

/* The series' gate: remap_pfn_range() from ->mmap, and a fault handler. */
static const struct vm_operations_struct pfnbench_remap_fault_vm_ops = {
	.open = pfnbench_vm_open,
	.close = pfnbench_vm_close,
	.fault = pfnbench_fault,
};

static const struct vm_operations_struct pfnbench_remap_sigbus_vm_ops = {
	.open = pfnbench_vm_open,
	.close = pfnbench_vm_close,
	.fault = pfnbench_sigbus_fault,
};

/* Whether vma maps at least one whole chunk of its buffer. */
static bool spans_whole_chunk(struct vm_area_struct *vma)
{
	unsigned long first = round_up(vma->vm_pgoff, PFNBENCH_CHUNK_PAGES);

	return first + PFNBENCH_CHUNK_PAGES <= vma->vm_pgoff + vma_pages(vma);
}

/*
 * Whether vma's address is congruent with its file offset modulo 2 MiB, so
 * that its whole chunks sit at 2 MiB-aligned addresses.
 */
static bool chunk_congruent(struct vm_area_struct *vma)
{
	return !(((vma->vm_start >> PAGE_SHIFT) - vma->vm_pgoff) %
		 PFNBENCH_CHUNK_PAGES);
}

/* Records what the whole chunks mapped at mmap time got. */
static void note_mapped_shape(struct vm_area_struct *vma)
{
	unsigned long addr;

	for (addr = ALIGN(vma->vm_start, PMD_SIZE); addr < vma->vm_end;
	     addr += PMD_SIZE)
		if (maps_whole_chunk(vma, addr))
			note_shape(vma, addr);
}

static int map_pte(struct vm_area_struct *vma, struct pfnbench_buf *buf)
{
	unsigned long addr, pgoff = vma->vm_pgoff;
	int err;

	/*
	 * One page per call: no call covers a range a PMD leaf could map. That
	 * is up to millions of calls under the mmap write lock, so every chunk
	 * yields, and stops for a fatal signal (the core unmaps what was
	 * mapped).
	 */
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		err = remap_pfn_range(vma, addr, buf_pfn(buf, pgoff++),
				      PAGE_SIZE, vma->vm_page_prot);
		if (err)
			return err;
		if (!(pgoff % PFNBENCH_CHUNK_PAGES)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	return 0;
}

static int map_remap(struct vm_area_struct *vma, struct pfnbench_buf *buf)
{
	unsigned long addr = vma->vm_start, pgoff = vma->vm_pgoff;
	int err;

	/*
	 * Steps end at chunk ends, which are 2 MiB aligned VAs too wherever a
	 * whole chunk is mapped (pfnbench_mmap() refuses anything else).
	 */
	while (addr < vma->vm_end) {
		unsigned long in_chunk = pgoff % PFNBENCH_CHUNK_PAGES;
		unsigned long len = min((PFNBENCH_CHUNK_PAGES - in_chunk) <<
					PAGE_SHIFT, vma->vm_end - addr);

		err = remap_pfn_range(vma, addr, buf_pfn(buf, pgoff), len,
				      vma->vm_page_prot);
		if (err)
			return err;
		addr += len;
		pgoff += len >> PAGE_SHIFT;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static int pfnbench_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pfnbench_file *pf = file->private_data;
	unsigned long pages = vma_pages(vma);
	struct pfnbench_buf *buf;
	int err;

	/*
	 * VM_MAYSHARE, not VM_SHARED: a shared mapping of a read-only file has
	 * VM_SHARED cleared but is still not a private (COW) mapping.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/* Pairs with ALLOC's release: a buffer seen here is complete. */
	buf = smp_load_acquire(&pf->buf);
	if (!buf)
		return -ENXIO;
	if (vma->vm_pgoff >= buf_pages(buf) ||
	    pages > buf_pages(buf) - vma->vm_pgoff)
		return -EINVAL;
	/*
	 * thp_get_unmapped_area() places a mapping congruent with its offset
	 * modulo 2 MiB, but not for 32-bit (compat) callers, nor where a free
	 * hint address or MAP_FIXED chose the address. Such a mapping can never
	 * hold a PMD leaf: the modes that may give leaves refuse it, rather
	 * than measure PTEs under their name.
	 */
	if (buf->mode != PFNBENCH_MODE_PTE && spans_whole_chunk(vma) &&
	    !chunk_congruent(vma))
		return -EINVAL;

	/* What remap_pfn_range() sets; FAULT mode needs the same up front. */
#ifdef PFNBENCH_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_private_data = buf;
	vma->vm_page_prot = pfnbench_buf_prot(buf, vma->vm_page_prot);

	/* vm_ops first: remap_pfn_range() may look at them. */
	switch (buf->mode) {
	case PFNBENCH_MODE_PTE:
		vma->vm_ops = &pfnbench_remap_vm_ops;
		err = map_pte(vma, buf);
		break;
	case PFNBENCH_MODE_REMAP:
		vma->vm_ops = &pfnbench_remap_vm_ops;
		err = map_remap(vma, buf);
		break;
	case PFNBENCH_MODE_REMAP_FAULT:
		vma->vm_ops = &pfnbench_remap_fault_vm_ops;
		err = map_remap(vma, buf);
		break;
	case PFNBENCH_MODE_REMAP_SIGBUS:
		vma->vm_ops = &pfnbench_remap_sigbus_vm_ops;
		err = map_remap(vma, buf);
		break;
	default:
		vma->vm_ops = &pfnbench_fault_vm_ops;
		err = 0;
		break;
	}
	if (err == -EINTR)
		atomic_long_inc(&pfnbench_stopped);
	if (!err && buf->mode != PFNBENCH_MODE_FAULT)
		note_mapped_shape(vma);
	/*
	 * On failure the core unmaps what was mapped and does not call
	 * ->close, so the reference is taken only on success.
	 */
	if (!err)
		pfnbench_buf_get(buf);
	return err;
}

static long ioctl_info(struct pfnbench_file *pf, void __user *arg)
{
	struct pfnbench_info info = {
		.abi_version = PFNBENCH_ABI_VERSION,
		.modes = PFNBENCH_MODE_BIT(PFNBENCH_MODE_PTE) |
			 PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP) |
			 PFNBENCH_MODE_BIT(PFNBENCH_MODE_FAULT) |
			 PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP_FAULT) |
			 PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP_SIGBUS),
		.kernel_version = LINUX_VERSION_CODE,
		.nr_node_ids = nr_node_ids,
		.chunk_bytes = PFNBENCH_CHUNK_SIZE,
		.max_bytes = (u64)max_mib << 20,
		.buf_node = NUMA_NO_NODE,
	};
	struct pfnbench_buf *buf;

	if (PFNBENCH_HUGE_FAULT) {
		info.capabilities |= PFNBENCH_CAP_HUGE_PFNMAP;
		if (pfnbench_fault_pmd_keeps_cache())
			info.capabilities |= PFNBENCH_CAP_FAULT_PMD;
		if (PFNBENCH_HUGE_FAULT_PUD && pfnbench_fault_pmd_keeps_cache())
			info.capabilities |= PFNBENCH_CAP_FAULT_PUD;
	}
	info.pud_bytes = PUD_SIZE;
	strscpy(info.release, utsname()->release, sizeof(info.release));
	pfnbench_mem_info(&info);
	info.nr_stopped = atomic_long_read(&pfnbench_stopped);
	/* Pairs with ALLOC's release, as in ->mmap. */
	buf = smp_load_acquire(&pf->buf);
	if (buf) {
		info.buf_bytes = (u64)buf->nr_chunks << PFNBENCH_CHUNK_SHIFT;
		info.buf_node = buf->node;
		info.buf_mode = buf->mode;
		info.buf_shape = atomic_read(&buf->shape);
	}
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long ioctl_alloc(struct pfnbench_file *pf, void __user *arg)
{
	struct pfnbench_alloc req, __user *ureq = arg;
	struct pfnbench_buf *buf;
	int node, err;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved)
		return -EINVAL;
	if (req.mode < PFNBENCH_MODE_PTE ||
	    req.mode > PFNBENCH_MODE_REMAP_SIGBUS)
		return -EINVAL;
	if (!req.bytes || !IS_ALIGNED(req.bytes, PFNBENCH_CHUNK_SIZE))
		return -EINVAL;
	if (req.bytes > (u64)max_mib << 20)
		return -E2BIG;
	node = req.node;
	err = pfnbench_mem_check(req.bytes, &node);
	if (err)
		return err;
	/* Fail before allocating rather than lose a buffer to a bad pointer. */
	if (put_user(node, &ureq->node))
		return -EFAULT;

	/* One ALLOC at a time, and none once one succeeded. */
	if (atomic_cmpxchg(&pf->claimed, 0, 1))
		return -EBUSY;
	buf = pfnbench_buf_create(node, req.bytes, req.mode);
	if (IS_ERR(buf)) {
		if (PTR_ERR(buf) == -EINTR)
			atomic_long_inc(&pfnbench_stopped);
		/* The file may try again, say with less. */
		atomic_set(&pf->claimed, 0);
		return PTR_ERR(buf);
	}
	/* Pairs with the acquire in ->mmap and INFO. */
	smp_store_release(&pf->buf, buf);
	return 0;
}

static const struct file_operations pfnbench_fops;

static long ioctl_walk(void __user *arg)
{
	struct pfnbench_walk in, w = {};
	int err;

	if (copy_from_user(&in, arg, sizeof(in)))
		return -EFAULT;
	/* Outputs start from zero whatever the caller left in them. */
	w.start = in.start;
	w.len = in.len;
	err = pfnbench_walk(&w, NULL, &pfnbench_fops);
	if (err)
		return err;
	return copy_to_user(arg, &w, sizeof(w)) ? -EFAULT : 0;
}

/* Frames read per step: one page of them, copied out without the mmap lock. */
#define PFNS_PER_STEP	(PAGE_SIZE / sizeof(u64))

static long ioctl_pfns(void __user *arg)
{
	struct pfnbench_pfns req;
	u64 __user *out;
	u64 done, step = 0;
	long err = 0;
	u64 *buf;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	/* Frame numbers are physical addresses: pagemap's rule. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!pfnbench_user_range_ok(req.start, req.len))
		return -EINVAL;
	out = u64_to_user_ptr(req.pfns);
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (done = 0; done < req.len && !err; done += step) {
		struct pfnbench_walk w = {
			.start = req.start + done,
			.len = min_t(u64, req.len - done,
				     PFNS_PER_STEP << PAGE_SHIFT),
		};

		step = w.len;
		memset(buf, 0, PAGE_SIZE);
		/*
		 * copy_to_user() may fault, which takes the mmap lock: never
		 * under the walk's.
		 */
		err = pfnbench_walk(&w, buf, &pfnbench_fops);
		if (!err && copy_to_user(out + (done >> PAGE_SHIFT), buf,
					 (step >> PAGE_SHIFT) * sizeof(u64)))
			err = -EFAULT;
		if (!err && fatal_signal_pending(current))
			err = -EINTR;
	}
	kfree(buf);
	return err;
}

/* Whether vma maps a pfnbench file (and so a pfnbench buffer). */
static bool is_pfnbench_vma(struct vm_area_struct *vma)
{
	return vma->vm_file && vma->vm_file->f_op == &pfnbench_fops;
}

static long ioctl_zap(void __user *arg)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct pfnbench_zap z;
	int err = 0;

	if (copy_from_user(&z, arg, sizeof(z)))
		return -EFAULT;
	if (z.flags || !mm || !pfnbench_user_range_ok(z.start, z.len))
		return -EINVAL;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = find_vma(mm, z.start);
	if (!vma || vma->vm_start > z.start || z.start + z.len > vma->vm_end ||
	    !is_pfnbench_vma(vma)) {
		err = -EINVAL;
	} else {
		/*
		 * Renamed in 7.1 (Kbuild probes for it); both need a range
		 * inside a VM_PFNMAP VMA.
		 */
#ifdef PFNBENCH_HAVE_ZAP_SPECIAL_VMA_RANGE
		zap_special_vma_range(vma, z.start, z.len);
#else
		zap_vma_ptes(vma, z.start, z.len);
#endif
	}
	mmap_read_unlock(mm);
	return err;
}

static long pfnbench_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct pfnbench_file *pf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case PFNBENCH_IOC_INFO:
		return ioctl_info(pf, uarg);
	case PFNBENCH_IOC_ALLOC:
		return ioctl_alloc(pf, uarg);
	case PFNBENCH_IOC_WALK:
		return ioctl_walk(uarg);
	case PFNBENCH_IOC_ZAP:
		return ioctl_zap(uarg);
	case PFNBENCH_IOC_PFNS:
		return ioctl_pfns(uarg);
	default:
		return -ENOTTY;
	}
}

/* The buffer open() makes when open_mib is set, as ALLOC would make it. */
static struct pfnbench_buf *open_buf(void)
{
	u64 bytes = (u64)open_mib << 20;
	int node = NUMA_NO_NODE;
	int err = pfnbench_mem_check(bytes, &node);

	return err ? ERR_PTR(err) : pfnbench_buf_create(node, bytes,
							 open_mode_nr);
}

static int pfnbench_open(struct inode *inode, struct file *file)
{
	struct pfnbench_file *pf = kzalloc(sizeof(*pf), GFP_KERNEL);

	if (!pf)
		return -ENOMEM;
	/*
	 * Nobody else sees pf before open() returns: plain stores claim the
	 * file and publish its buffer, and ALLOC finds it claimed (EBUSY).
	 */
	if (open_mib) {
		struct pfnbench_buf *buf = open_buf();

		if (IS_ERR(buf)) {
			/* Counted as the ALLOC it stands for. */
			if (PTR_ERR(buf) == -EINTR)
				atomic_long_inc(&pfnbench_stopped);
			kfree(pf);
			return PTR_ERR(buf);
		}
		atomic_set(&pf->claimed, 1);
		pf->buf = buf;
	}
	file->private_data = pf;
	return 0;
}

static int pfnbench_release(struct inode *inode, struct file *file)
{
	struct pfnbench_file *pf = file->private_data;

	/* VMAs still mapping the buffer hold their own references. */
	if (pf->buf)
		pfnbench_buf_put(pf->buf);
	kfree(pf);
	return 0;
}

#if PFNBENCH_HUGE_FAULT_PUD && (defined(PFNBENCH_HAVE_MM_GET_UNMAPPED_AREA) || \
				defined(PFNBENCH_HAVE_MM_GET_UNMAPPED_AREA_MM))
/*
 * thp_get_unmapped_area() aligns to 2 MiB only. A mapping that covers a whole
 * 1 GiB-aligned GiB of the buffer gets an address congruent to its offset
 * modulo 1 GiB, so that fault mode can map such a GiB with a PUD leaf: ask
 * for 1 GiB more than the length and move up inside it, as device DAX does
 * for its alignment. A hint (or MAP_FIXED), a 32-bit caller, or no room for
 * the padding leave it to thp_get_unmapped_area().
 */
static unsigned long pfnbench_get_unmapped_area(struct file *file,
						unsigned long addr,
						unsigned long len,
						unsigned long pgoff,
						unsigned long flags)
{
	u64 off = (u64)pgoff << PAGE_SHIFT, first = round_up(off, PUD_SIZE);
	unsigned long va;

	if (addr || in_compat_syscall() || first < off || len < PUD_SIZE ||
	    first - off > len - PUD_SIZE || len > TASK_SIZE - PUD_SIZE)
		return thp_get_unmapped_area(file, addr, len, pgoff, flags);
#ifdef PFNBENCH_HAVE_MM_GET_UNMAPPED_AREA_MM
	va = mm_get_unmapped_area(current->mm, file, 0, len + PUD_SIZE, pgoff,
				  flags);
#else
	va = mm_get_unmapped_area(file, 0, len + PUD_SIZE, pgoff, flags);
#endif
	if (IS_ERR_VALUE(va))
		return thp_get_unmapped_area(file, addr, len, pgoff, flags);
	return va + ((off - va) & (PUD_SIZE - 1));
}
#else
#define pfnbench_get_unmapped_area thp_get_unmapped_area
#endif

/*
 * .owner pins the module while any file is open; every VMA holds its file,
 * so the module cannot be unloaded while anything is mapped.
 */
static const struct file_operations pfnbench_fops = {
	.owner = THIS_MODULE,
	.open = pfnbench_open,
	.release = pfnbench_release,
	.unlocked_ioctl = pfnbench_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = pfnbench_mmap,
	/*
	 * Places the VA congruent to the file offset modulo 2 MiB, or 1 GiB
	 * for a whole GiB of the buffer where PUD leaves can map it (64-bit
	 * callers without a hint that is free; ->mmap refuses the others).
	 */
	.get_unmapped_area = pfnbench_get_unmapped_area,
	.llseek = noop_llseek,
};

static struct miscdevice pfnbench_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = PFNBENCH_DEVICE_NAME,
	.fops = &pfnbench_fops,
	.mode = 0600,
};

/* Checks open_mib and open_mode, and sets open_mode_nr. */
static int check_open_params(void)
{
	static const char *const names[] = {
		[PFNBENCH_MODE_PTE] = "pte",
		[PFNBENCH_MODE_REMAP] = "remap",
		[PFNBENCH_MODE_FAULT] = "fault",
		[PFNBENCH_MODE_REMAP_FAULT] = "remap-fault",
		[PFNBENCH_MODE_REMAP_SIGBUS] = "remap-sigbus",
	};
	int node = NUMA_NO_NODE, err;
	u32 mode;

	if (!open_mib != !open_mode) {
		pr_err("open_mib and open_mode go together: give both or neither\n");
		return -EINVAL;
	}
	if (!open_mib)
		return 0;
	for (mode = PFNBENCH_MODE_PTE; mode < ARRAY_SIZE(names); mode++)
		if (!strcmp(open_mode, names[mode]))
			open_mode_nr = mode;
	if (!open_mode_nr) {
		pr_err("open_mode=%s: use pte, remap, fault, remap-fault or remap-sigbus\n",
		       open_mode);
		return -EINVAL;
	}
	if (open_mib > max_mib || open_mib > U64_MAX >> 20 ||
	    !IS_ALIGNED(open_mib, PFNBENCH_CHUNK_SIZE >> 20)) {
		pr_err("open_mib=%lu: use a multiple of %lu up to max_mib=%lu\n",
		       open_mib, PFNBENCH_CHUNK_SIZE >> 20, max_mib);
		return -EINVAL;
	}
	/* What ALLOC would say of that size now; open() asks again. */
	err = pfnbench_mem_check((u64)open_mib << 20, &node);
	if (err) {
		pr_err("open_mib=%lu: more than the reserved range or this node holds (ALLOC would fail with %d)\n",
		       open_mib, err);
		return -EINVAL;
	}
	return 0;
}

static int __init pfnbench_init(void)
{
	int err = pfnbench_mem_init();

	if (err)
		return err;
	err = check_open_params();
	if (err) {
		pfnbench_mem_exit();
		return err;
	}
	err = misc_register(&pfnbench_misc);
	if (err) {
		pfnbench_mem_exit();
		return err;
	}
	pr_info("ready: ABI %d, huge PFNMAP faults %s, at the PUD level %s\n",
		PFNBENCH_ABI_VERSION,
		PFNBENCH_HUGE_FAULT ? "built in" : "not in this kernel",
		PFNBENCH_HUGE_FAULT_PUD ? "too" : "not");
	return 0;
}

static void __exit pfnbench_exit(void)
{
	misc_deregister(&pfnbench_misc);
	pfnbench_mem_exit();
}

module_init(pfnbench_init);
module_exit(pfnbench_exit);

MODULE_DESCRIPTION("Maps 2 MiB-aligned memory like a device driver, for page-table benchmarks");
MODULE_LICENSE("GPL");
