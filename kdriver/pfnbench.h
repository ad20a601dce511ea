/* SPDX-License-Identifier: GPL-2.0 */
/* pfnbench internals shared by main.c (device), buffer.c (memory), walk.c. */
#ifndef PFNBENCH_H
#define PFNBENCH_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "pfnbench_uapi.h"

/*
 * 64-bit kernels only: the walk indexes user PTE tables with
 * pte_offset_kernel(), which oopses where they live in highmem (HIGHPTE), and
 * the ioctls' u64 ranges would have to be narrowed to unsigned long.
 */
#ifndef CONFIG_64BIT
#error "pfnbench needs a 64-bit kernel (CONFIG_64BIT)"
#endif

/* One chunk is one naturally aligned block the size of a PMD leaf. */
#define PFNBENCH_CHUNK_SHIFT	PMD_SHIFT
#define PFNBENCH_CHUNK_SIZE	PMD_SIZE
#define PFNBENCH_CHUNK_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define PFNBENCH_CHUNK_PAGES	(PMD_SIZE >> PAGE_SHIFT)
/* Chunks per PUD leaf: a 1 GiB-aligned run of them can be mapped by one. */
#define PFNBENCH_RUN_CHUNKS	(PUD_SIZE / PMD_SIZE)
#define PFNBENCH_RUN_PAGES	(PUD_SIZE >> PAGE_SHIFT)

/*
 * A buffer lives until its file is released and every VMA that maps it
 * (including copies made by fork, VMA splits and mremap) is closed.
 */
struct pfnbench_buf {
	struct kref ref;
	int node;
	u32 mode;		/* enum pfnbench_mode */
	bool phys;		/* chunks of the reserved range, not page allocator */
	/*
	 * enum pfnbench_shape the last whole chunk mapped got, read back from
	 * its PMD (INFO.buf_shape); set by any process that maps the buffer.
	 */
	atomic_t shape;
	unsigned long committed;	/* bytes counted against max_total_mib */
	unsigned long nr_chunks;
	unsigned long pfns[];	/* first PFN of each chunk */
};

static inline unsigned long buf_pages(const struct pfnbench_buf *buf)
{
	return buf->nr_chunks * PFNBENCH_CHUNK_PAGES;
}

static inline unsigned long buf_pfn(const struct pfnbench_buf *buf,
				    unsigned long pgoff)
{
	return buf->pfns[pgoff / PFNBENCH_CHUNK_PAGES] +
	       pgoff % PFNBENCH_CHUNK_PAGES;
}

/*
 * Whether the GiB of buf at page offset pgoff (a multiple of
 * PFNBENCH_RUN_PAGES, inside the buffer) is one physically contiguous,
 * 1 GiB-aligned run, which one PUD leaf can map.
 */
static inline bool buf_is_run(const struct pfnbench_buf *buf,
			      unsigned long pgoff)
{
	const unsigned long *pfns = &buf->pfns[pgoff / PFNBENCH_CHUNK_PAGES];
	unsigned long i;

	if (!IS_ALIGNED(pfns[0], PFNBENCH_RUN_PAGES))
		return false;
	for (i = 1; i < PFNBENCH_RUN_CHUNKS; i++)
		if (pfns[i] != pfns[0] + i * PFNBENCH_CHUNK_PAGES)
			return false;
	return true;
}

/* buffer.c: where buffers come from. */
int pfnbench_mem_init(void);
void pfnbench_mem_exit(void);
/*
 * Checks a request against the memory source and picks the node for
 * NUMA_NO_NODE. Returns 0 or the ALLOC error (see pfnbench_uapi.h).
 */
int pfnbench_mem_check(u64 bytes, int *node);
struct pfnbench_buf *pfnbench_buf_create(int node, u64 bytes, u32 mode);
void pfnbench_buf_get(struct pfnbench_buf *buf);
void pfnbench_buf_put(struct pfnbench_buf *buf);
/* The protection to map a buffer with (cache mode of the reserved range). */
pgprot_t pfnbench_buf_prot(const struct pfnbench_buf *buf, pgprot_t prot);
/*
 * Whether a fault-path PMD leaf (vmf_insert_pfn_pmd()) keeps the cache mode
 * the buffers were granted.
 */
bool pfnbench_fault_pmd_keeps_cache(void);
/* Fills the memory-source fields of INFO. */
void pfnbench_mem_info(struct pfnbench_info *info);
/*
 * The NUMA node of a PFN: its struct page's, or for device memory (no
 * struct page) the firmware's where the kernel keeps it; NUMA_NO_NODE else.
 */
int pfnbench_pfn_node(unsigned long pfn);

/*
 * Whether [start, start + len) of the WALK and ZAP ioctls is a non-empty,
 * page-aligned range of user addresses, checked in u64 so that no sum wraps
 * and nothing is truncated before the check.
 */
static inline bool pfnbench_user_range_ok(u64 start, u64 len)
{
	return len && !((start | len) & (PAGE_SIZE - 1)) &&
	       len <= TASK_SIZE && start <= TASK_SIZE - len;
}

/* walk.c: reading page tables back. */
/* The cache mode of a kernel mapping (enum pfnbench_cache), as granted. */
u32 pfnbench_kernel_cache(const void __iomem *kva);
/*
 * The cache bits (4 KiB layout) of an enum pfnbench_cache; false for a mode
 * without bits here (OTHER, or an architecture the walk cannot decode).
 */
bool pfnbench_cache_bits(u32 cache, unsigned long *protval);
bool pfnbench_read_pmd(struct mm_struct *mm, unsigned long addr, pmd_t *out);
/* Whether a PUD leaf maps addr; the same locking as pfnbench_read_pmd(). */
bool pfnbench_pud_is_leaf(struct mm_struct *mm, unsigned long addr);
/*
 * Walks current->mm over w->start, w->len; only VMAs whose file has fops.
 * pfns: NULL, or w->len >> PAGE_SHIFT zeroed entries that get the frame of
 * each mapped page (PFNS).
 */
int pfnbench_walk(struct pfnbench_walk *w, u64 *pfns,
		  const struct file_operations *fops);

#endif
