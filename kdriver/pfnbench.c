// SPDX-License-Identifier: GPL-2.0
/*
 * pfnbench: maps 2 MiB-aligned RAM chunks into user space the way device
 * drivers map device memory (remap_pfn_range() from ->mmap, or PFN insertion
 * from fault handlers) and reads back the page tables it got, so that
 * memory-latency benchmarks can prove whether they ran on PTEs or PMD leaves.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/version.h>

#include "pfnbench_uapi.h"

/*
 * Huge PFNMAP through the fault path (->huge_fault on a VM_PFNMAP VMA, with
 * pmd_special() marking the leaf) exists since Linux 6.12 on architectures
 * that select this symbol. Older kernels never call ->huge_fault for such a
 * VMA, so FAULT mode there is 4 KiB only and says so in INFO.
 */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#define PFNBENCH_HUGE_FAULT 1
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
#include <linux/pfn_t.h>
#endif
#else
#define PFNBENCH_HUGE_FAULT 0
#endif

/* One chunk is one naturally aligned buddy block the size of a PMD leaf. */
#define PFNBENCH_CHUNK_SHIFT	PMD_SHIFT
#define PFNBENCH_CHUNK_SIZE	PMD_SIZE
#define PFNBENCH_CHUNK_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define PFNBENCH_CHUNK_PAGES	(PMD_SIZE >> PAGE_SHIFT)

static unsigned long max_mib = 65536;
module_param(max_mib, ulong, 0444);
MODULE_PARM_DESC(max_mib, "Largest buffer one file may allocate, in MiB");

/* Bytes held by all buffers, so tests can see that nothing leaks. */
static atomic_long_t pfnbench_allocated = ATOMIC_LONG_INIT(0);
/* enum pfnbench_pmd_state: what the last aligned REMAP step produced. */
static atomic_t pfnbench_remap_pmd = ATOMIC_INIT(PFNBENCH_PMD_UNKNOWN);

/*
 * A buffer lives until its file is released and every VMA that maps it
 * (including copies made by fork, VMA splits and mremap) is closed.
 */
struct pfnbench_buf {
	struct kref ref;
	int node;
	u32 mode;
	unsigned long nr_chunks;
	struct page *chunks[];
};

struct pfnbench_file {
	struct mutex lock;		/* serialises ALLOC against mmap */
	struct pfnbench_buf *buf;	/* set once by ALLOC */
};

static unsigned long buf_pages(const struct pfnbench_buf *buf)
{
	return buf->nr_chunks * PFNBENCH_CHUNK_PAGES;
}

static unsigned long buf_pfn(const struct pfnbench_buf *buf,
			     unsigned long pgoff)
{
	return page_to_pfn(buf->chunks[pgoff / PFNBENCH_CHUNK_PAGES]) +
	       pgoff % PFNBENCH_CHUNK_PAGES;
}

static void buf_free_chunks(struct pfnbench_buf *buf)
{
	unsigned long i;

	for (i = 0; i < buf->nr_chunks; i++)
		__free_pages(buf->chunks[i], PFNBENCH_CHUNK_ORDER);
	atomic_long_sub(buf->nr_chunks * PFNBENCH_CHUNK_SIZE,
			&pfnbench_allocated);
}

static void buf_release(struct kref *ref)
{
	struct pfnbench_buf *buf = container_of(ref, struct pfnbench_buf, ref);

	buf_free_chunks(buf);
	kvfree(buf);
}

static void buf_put(struct pfnbench_buf *buf)
{
	kref_put(&buf->ref, buf_release);
}

static struct pfnbench_buf *buf_create(int node, u64 bytes, u32 mode)
{
	/*
	 * Zeroed because the memory goes to user space. Not movable: the PFNs
	 * are mapped raw. RETRY_MAYFAIL compacts hard but never OOM-kills.
	 */
	const gfp_t gfp = GFP_HIGHUSER | __GFP_THISNODE | __GFP_ZERO |
			  __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	unsigned long nr = bytes >> PFNBENCH_CHUNK_SHIFT;
	struct pfnbench_buf *buf;
	int err = -ENOMEM;

	buf = kvzalloc(struct_size(buf, chunks, nr), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	kref_init(&buf->ref);
	buf->node = node;
	buf->mode = mode;
	while (buf->nr_chunks < nr) {
		struct page *page;

		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto fail;
		}
		page = alloc_pages_node(node, gfp, PFNBENCH_CHUNK_ORDER);
		if (!page)
			goto fail;
		buf->chunks[buf->nr_chunks++] = page;
		atomic_long_add(PFNBENCH_CHUNK_SIZE, &pfnbench_allocated);
		cond_resched();
	}
	return buf;
fail:
	buf_free_chunks(buf);
	kvfree(buf);
	return ERR_PTR(err);
}

static void pfnbench_vm_open(struct vm_area_struct *vma)
{
	struct pfnbench_buf *buf = vma->vm_private_data;

	kref_get(&buf->ref);
}

static void pfnbench_vm_close(struct vm_area_struct *vma)
{
	buf_put(vma->vm_private_data);
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

/* 4 KiB fallback of FAULT mode, and its only path on kernels before 6.12. */
static vm_fault_t pfnbench_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pfnbench_buf *buf = vma->vm_private_data;

	if (vmf->pgoff >= buf_pages(buf))
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vma, vmf->address, buf_pfn(buf, vmf->pgoff));
}

#if PFNBENCH_HUGE_FAULT
static vm_fault_t pfnbench_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pfnbench_buf *buf = vma->vm_private_data;
	unsigned long addr = vmf->address & PMD_MASK;
	unsigned long pgoff, pfn;

	if (order != PMD_ORDER)
		return VM_FAULT_FALLBACK;
	/* The leaf must fit the VMA (it may have been split or shrunk)... */
	if (addr < vma->vm_start || addr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	/* ...and map exactly one whole chunk. */
	pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	if (pgoff % PFNBENCH_CHUNK_PAGES ||
	    pgoff + PFNBENCH_CHUNK_PAGES > buf_pages(buf))
		return VM_FAULT_FALLBACK;
	pfn = buf_pfn(buf, pgoff);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
	return vmf_insert_pfn_pmd(vmf, pfn, vmf->flags & FAULT_FLAG_WRITE);
#else
	return vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV),
				  vmf->flags & FAULT_FLAG_WRITE);
#endif
}
#endif

static const struct vm_operations_struct pfnbench_fault_vm_ops = {
	.open = pfnbench_vm_open,
	.close = pfnbench_vm_close,
	.fault = pfnbench_fault,
#if PFNBENCH_HUGE_FAULT
	.huge_fault = pfnbench_huge_fault,
#endif
};

/*
 * Reads the PMD entry mapping addr. Caller holds the mmap lock and the VMA
 * around addr is a pfnbench mapping, whose page tables are only freed with
 * the mmap lock held for writing. Returns false if there is none.
 */
static bool read_pmd(struct mm_struct *mm, unsigned long addr, pmd_t *out)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud, pudv;

	if (pgd_none(READ_ONCE(*pgd)))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)))
		return false;
	pud = pud_offset(p4d, addr);
	pudv = READ_ONCE(*pud);
	if (pud_none(pudv) || pud_leaf(pudv))
		return false;
	*out = READ_ONCE(*pmd_offset(pud, addr));
	return true;
}

/* Records whether an aligned 2 MiB remap_pfn_range() gave a PMD leaf. */
static void note_remap_result(struct vm_area_struct *vma, unsigned long addr)
{
	pmd_t pmd;
	bool leaf = read_pmd(vma->vm_mm, addr, &pmd) && pmd_leaf(pmd);

	atomic_set(&pfnbench_remap_pmd,
		   leaf ? PFNBENCH_PMD_YES : PFNBENCH_PMD_NO);
}

static int map_pte(struct vm_area_struct *vma, struct pfnbench_buf *buf)
{
	unsigned long addr, pgoff = vma->vm_pgoff;
	int err;

	/* One page per call: no call covers a range a PMD leaf could map. */
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		err = remap_pfn_range(vma, addr, buf_pfn(buf, pgoff++),
				      PAGE_SIZE, vma->vm_page_prot);
		if (err)
			return err;
		if (!(pgoff % PFNBENCH_CHUNK_PAGES))
			cond_resched();
	}
	return 0;
}

static int map_remap(struct vm_area_struct *vma, struct pfnbench_buf *buf)
{
	unsigned long addr = vma->vm_start, pgoff = vma->vm_pgoff;
	int err;

	/*
	 * Steps end at chunk ends, which are 2 MiB aligned VAs too when the
	 * address came from our get_unmapped_area.
	 */
	while (addr < vma->vm_end) {
		unsigned long in_chunk = pgoff % PFNBENCH_CHUNK_PAGES;
		unsigned long len = min((PFNBENCH_CHUNK_PAGES - in_chunk) <<
					PAGE_SHIFT, vma->vm_end - addr);

		err = remap_pfn_range(vma, addr, buf_pfn(buf, pgoff), len,
				      vma->vm_page_prot);
		if (err)
			return err;
		if (len == PMD_SIZE && IS_ALIGNED(addr, PMD_SIZE))
			note_remap_result(vma, addr);
		addr += len;
		pgoff += len >> PAGE_SHIFT;
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

	mutex_lock(&pf->lock);
	buf = pf->buf;
	mutex_unlock(&pf->lock);
	if (!buf)
		return -ENXIO;
	if (vma->vm_pgoff >= buf_pages(buf) ||
	    pages > buf_pages(buf) - vma->vm_pgoff)
		return -EINVAL;

	/* What remap_pfn_range() sets; FAULT mode needs the same up front. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_private_data = buf;

	switch (buf->mode) {
	case PFNBENCH_MODE_PTE:
		vma->vm_ops = &pfnbench_remap_vm_ops;
		err = map_pte(vma, buf);
		break;
	case PFNBENCH_MODE_REMAP:
		vma->vm_ops = &pfnbench_remap_vm_ops;
		err = map_remap(vma, buf);
		break;
	default:
		vma->vm_ops = &pfnbench_fault_vm_ops;
		err = 0;
		break;
	}
	/*
	 * On failure the core unmaps what was mapped and does not call
	 * ->close, so the reference is taken only on success.
	 */
	if (!err)
		kref_get(&buf->ref);
	return err;
}

static void count_node(struct pfnbench_walk *w, unsigned long pfn, u64 bytes)
{
	int nid = pfn_valid(pfn) ? page_to_nid(pfn_to_page(pfn)) : -1;

	if (nid >= 0 && nid < PFNBENCH_WALK_NODES)
		w->node_bytes[nid] += bytes;
	else
		w->bytes_other_node += bytes;
}

static void walk_ptes(struct pfnbench_walk *w, pmd_t *pmd,
		      unsigned long addr, unsigned long end)
{
	/*
	 * pte_offset_map() is not exported since 6.5; the PTE table of a
	 * pfnbench VMA cannot go away under the mmap lock, so index it from
	 * the PMD value read once.
	 */
	for (; addr < end; addr += PAGE_SIZE) {
		pte_t pte = ptep_get(pte_offset_kernel(pmd, addr));

		if (!pte_present(pte)) {
			w->bytes_hole += PAGE_SIZE;
			continue;
		}
		w->bytes_pte += PAGE_SIZE;
		w->nr_pte++;
		if (pte_special(pte))
			w->nr_special++;
		if (pte_write(pte))
			w->bytes_write += PAGE_SIZE;
		count_node(w, pte_pfn(pte), PAGE_SIZE);
	}
}

static void walk_pmd_leaf(struct pfnbench_walk *w, pmd_t pmd,
			  unsigned long addr, unsigned long end)
{
	u64 bytes = end - addr;

	w->bytes_pmd += bytes;
	w->nr_pmd++;
#if PFNBENCH_HUGE_FAULT
	if (pmd_special(pmd))
		w->nr_special++;
#endif
	if (pmd_write(pmd))
		w->bytes_write += bytes;
	count_node(w, pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT),
		   bytes);
}

static void walk_vma(struct pfnbench_walk *w, struct mm_struct *mm,
		     unsigned long addr, unsigned long end)
{
	while (addr < end) {
		pgd_t *pgd = pgd_offset(mm, addr);
		unsigned long next;
		p4d_t *p4d;
		pud_t *pud, pudv;
		pmd_t pmdv;

		next = pgd_addr_end(addr, end);
		if (pgd_none(READ_ONCE(*pgd)))
			goto hole;
		p4d = p4d_offset(pgd, addr);
		next = p4d_addr_end(addr, end);
		if (p4d_none(READ_ONCE(*p4d)))
			goto hole;
		pud = pud_offset(p4d, addr);
		pudv = READ_ONCE(*pud);
		next = pud_addr_end(addr, end);
		if (pud_none(pudv))
			goto hole;
		if (pud_leaf(pudv)) {
			w->bytes_pud += next - addr;
			w->nr_pud++;
			if (pud_write(pudv))
				w->bytes_write += next - addr;
			count_node(w, pud_pfn(pudv) +
				   ((addr & ~PUD_MASK) >> PAGE_SHIFT),
				   next - addr);
			addr = next;
			continue;
		}
		pmdv = READ_ONCE(*pmd_offset(pud, addr));
		next = pmd_addr_end(addr, end);
		if (pmd_none(pmdv) || !pmd_present(pmdv))
			goto hole;
		if (pmd_leaf(pmdv))
			walk_pmd_leaf(w, pmdv, addr, next);
		else
			walk_ptes(w, &pmdv, addr, next);
		addr = next;
		cond_resched();
		continue;
hole:
		w->bytes_hole += next - addr;
		addr = next;
	}
}

static const struct file_operations pfnbench_fops;

static int do_walk(struct pfnbench_walk *w)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr = w->start, end = w->start + w->len;
	int err = 0;

	if (!mm || !PAGE_ALIGNED(w->start) || !PAGE_ALIGNED(w->len) ||
	    !w->len || end < addr || end > TASK_SIZE)
		return -EINVAL;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	while (addr < end) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		unsigned long next;

		if (!vma || vma->vm_start >= end) {
			w->bytes_hole += end - addr;
			break;
		}
		if (vma->vm_start > addr) {
			w->bytes_hole += vma->vm_start - addr;
			addr = vma->vm_start;
		}
		/* Other mappings' page tables may be freed under a read lock. */
		if (!vma->vm_file || vma->vm_file->f_op != &pfnbench_fops) {
			err = -EINVAL;
			break;
		}
		next = min(end, vma->vm_end);
		walk_vma(w, mm, addr, next);
		addr = next;
	}
	mmap_read_unlock(mm);
	return err;
}

static long ioctl_info(struct pfnbench_file *pf, void __user *arg)
{
	struct pfnbench_info info = {
		.abi_version = PFNBENCH_ABI_VERSION,
		.modes = PFNBENCH_MODE_BIT(PFNBENCH_MODE_PTE) |
			 PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP) |
			 PFNBENCH_MODE_BIT(PFNBENCH_MODE_FAULT),
		.pmd_modes = PFNBENCH_HUGE_FAULT ?
			     PFNBENCH_MODE_BIT(PFNBENCH_MODE_FAULT) : 0,
		.remap_pmd = atomic_read(&pfnbench_remap_pmd),
		.kernel_version = LINUX_VERSION_CODE,
		.nr_node_ids = nr_node_ids,
		.chunk_bytes = PFNBENCH_CHUNK_SIZE,
		.max_bytes = (u64)max_mib << 20,
		.allocated_bytes = atomic_long_read(&pfnbench_allocated),
		.buf_node = NUMA_NO_NODE,
	};
	struct pfnbench_buf *buf;

	/* REMAP counts as a PMD mode once it was seen to give PMD leaves. */
	if (info.remap_pmd == PFNBENCH_PMD_YES)
		info.pmd_modes |= PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP);
	strscpy(info.release, utsname()->release, sizeof(info.release));
	mutex_lock(&pf->lock);
	buf = pf->buf;
	if (buf) {
		info.buf_bytes = (u64)buf->nr_chunks << PFNBENCH_CHUNK_SHIFT;
		info.buf_node = buf->node;
		info.buf_mode = buf->mode;
	}
	mutex_unlock(&pf->lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long ioctl_alloc(struct pfnbench_file *pf, void __user *arg)
{
	struct pfnbench_alloc req;
	struct pfnbench_buf *buf;
	int node;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved)
		return -EINVAL;
	if (req.mode < PFNBENCH_MODE_PTE || req.mode > PFNBENCH_MODE_FAULT)
		return -EINVAL;
	if (!req.bytes || !IS_ALIGNED(req.bytes, PFNBENCH_CHUNK_SIZE))
		return -EINVAL;
	if (req.bytes > (u64)max_mib << 20)
		return -E2BIG;
	node = req.node == NUMA_NO_NODE ? numa_node_id() : req.node;
	if (node < 0 || node >= nr_node_ids || !node_online(node) ||
	    !node_state(node, N_MEMORY))
		return -ENODEV;
	if (req.bytes > (u64)node_present_pages(node) << PAGE_SHIFT)
		return -E2BIG;

	if (mutex_lock_killable(&pf->lock))
		return -EINTR;
	if (pf->buf) {
		mutex_unlock(&pf->lock);
		return -EBUSY;
	}
	buf = buf_create(node, req.bytes, req.mode);
	if (!IS_ERR(buf))
		pf->buf = buf;
	mutex_unlock(&pf->lock);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	req.node = node;
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long ioctl_walk(void __user *arg)
{
	struct pfnbench_walk in, w = {};
	int err;

	if (copy_from_user(&in, arg, sizeof(in)))
		return -EFAULT;
	/* Outputs start from zero whatever the caller left in them. */
	w.start = in.start;
	w.len = in.len;
	err = do_walk(&w);
	if (err)
		return err;
	return copy_to_user(arg, &w, sizeof(w)) ? -EFAULT : 0;
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
	default:
		return -ENOTTY;
	}
}

static int pfnbench_open(struct inode *inode, struct file *file)
{
	struct pfnbench_file *pf = kzalloc(sizeof(*pf), GFP_KERNEL);

	if (!pf)
		return -ENOMEM;
	mutex_init(&pf->lock);
	file->private_data = pf;
	return 0;
}

static int pfnbench_release(struct inode *inode, struct file *file)
{
	struct pfnbench_file *pf = file->private_data;

	/* VMAs still mapping the buffer hold their own references. */
	if (pf->buf)
		buf_put(pf->buf);
	mutex_destroy(&pf->lock);
	kfree(pf);
	return 0;
}

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
	/* Places the VA congruent to the file offset modulo 2 MiB. */
	.get_unmapped_area = thp_get_unmapped_area,
	.llseek = noop_llseek,
};

static struct miscdevice pfnbench_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = PFNBENCH_DEVICE_NAME,
	.fops = &pfnbench_fops,
	.mode = 0600,
};

static int __init pfnbench_init(void)
{
	int err = misc_register(&pfnbench_misc);

	if (err)
		return err;
	pr_info("ready: ABI %d, fault-path PMD leaves %s\n",
		PFNBENCH_ABI_VERSION,
		PFNBENCH_HUGE_FAULT ? "supported" : "not supported");
	return 0;
}

static void __exit pfnbench_exit(void)
{
	misc_deregister(&pfnbench_misc);
}

module_init(pfnbench_init);
module_exit(pfnbench_exit);

MODULE_DESCRIPTION("Maps 2 MiB-aligned RAM like device memory, for page-table benchmarks");
MODULE_LICENSE("GPL");
