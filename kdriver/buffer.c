// SPDX-License-Identifier: GPL-2.0
/*
 * pfnbench buffers: 2 MiB chunks from the page allocator of one node, or from
 * a physical range set aside at boot (module parameters phys_base and
 * phys_size), mapped with the cache mode asked by the caching parameter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/numa.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pfnbench.h"

/* Named so: the kernel's own phys_base is an x86 global. */
static unsigned long range_base;
module_param_hw_named(phys_base, range_base, ulong, iomem, 0444);
MODULE_PARM_DESC(phys_base,
		 "Physical address of a reserved range (memmap=SIZE$BASE) or legacy persistent memory to take buffers from; 2 MiB aligned");

static unsigned long range_size;
module_param_hw_named(phys_size, range_size, ulong, iomem, 0444);
MODULE_PARM_DESC(phys_size, "Bytes of that range (0: use the page allocator)");

static char *caching = "wb";
module_param(caching, charp, 0444);
MODULE_PARM_DESC(caching,
		 "Cache mode of the range: wb, wc, uc or wt (page-allocator RAM is always wb)");

/*
 * Page-allocator buffers are pinned (never swapped, moved or reclaimed) for
 * as long as anything maps them: they are charged to the memory cgroup of the
 * task that allocates them, and all of them together stay under this cap.
 */
static unsigned long max_total_mib;
module_param(max_total_mib, ulong, 0644);
MODULE_PARM_DESC(max_total_mib,
		 "Most MiB all page-allocator buffers may hold together (0 at load: three quarters of RAM)");

/*
 * Bytes held by all buffers, counted as chunks arrive, so tests can see that
 * nothing leaks and how far an ALLOC has got.
 */
static atomic_long_t allocated = ATOMIC_LONG_INIT(0);
/* Bytes of page-allocator buffers counted against max_total_mib. */
static atomic_long_t committed = ATOMIC_LONG_INIT(0);

static struct {
	struct mutex lock;		/* protects used */
	unsigned long *used;		/* one bit per chunk */
	unsigned long nr_chunks;
	void __iomem *kva;		/* holds the range's PAT memtype */
	int node;
	u32 cache;			/* enum pfnbench_cache asked */
	u32 granted;			/* what PAT gave: read back */
} range;

static bool use_range(void)
{
	return range.nr_chunks != 0;
}

/* Index of the first chunk of the range's first 1 GiB-aligned run. */
static unsigned long first_run(void)
{
	return (ALIGN(range_base, PUD_SIZE) - range_base) >> PFNBENCH_CHUNK_SHIFT;
}

/* How many 1 GiB-aligned runs the range holds, used or not. */
static unsigned long nr_runs(void)
{
	unsigned long first = first_run();

	return first < range.nr_chunks ?
	       (range.nr_chunks - first) / PFNBENCH_RUN_CHUNKS : 0;
}

static int parse_caching(void)
{
	if (!strcmp(caching, "wb"))
		range.cache = PFNBENCH_CACHE_WB;
	else if (!strcmp(caching, "wc"))
		range.cache = PFNBENCH_CACHE_WC;
	else if (!strcmp(caching, "uc"))
		range.cache = PFNBENCH_CACHE_UC;
	else if (!strcmp(caching, "wt"))
		range.cache = PFNBENCH_CACHE_WT;
	else
		return -EINVAL;
	return 0;
}

static const char *cache_name(u32 cache)
{
	static const char *const names[PFNBENCH_CACHE_COUNT] = {
		[PFNBENCH_CACHE_WB] = "wb",
		[PFNBENCH_CACHE_WC] = "wc",
		[PFNBENCH_CACHE_UC] = "uc",
		[PFNBENCH_CACHE_UC_MINUS] = "uc-",
		[PFNBENCH_CACHE_WT] = "wt",
		[PFNBENCH_CACHE_WP] = "wp",
		[PFNBENCH_CACHE_OTHER] = "unknown",
	};

	return cache < PFNBENCH_CACHE_COUNT ? names[cache] : "unknown";
}

/*
 * Mapping the whole range in the kernel with the chosen cache mode reserves
 * that memtype (x86 PAT), so every user mapping of it gets the same mode
 * instead of whatever a lookup of an untracked range would give. It also
 * lets the module zero chunks before handing them out.
 */
static void __iomem *map_range(void)
{
	switch (range.cache) {
	case PFNBENCH_CACHE_WC:
		return ioremap_wc(range_base, range_size);
	case PFNBENCH_CACHE_UC:
		/*
		 * ioremap() is UC- on x86 (an MTRR may make it WC, on RAM it
		 * is UC); ioremap_uc() is x86-only and kept for the MTRR
		 * quirks of old drivers. User mappings asked as UC get the
		 * range's UC- memtype too (PAT adopts it), which the walk and
		 * INFO report as uc-.
		 */
		return ioremap(range_base, range_size);
	case PFNBENCH_CACHE_WT:
		return ioremap_wt(range_base, range_size);
	default:
		return ioremap_cache(range_base, range_size);
	}
}

static int range_is_whole(struct resource *res, void *arg)
{
	/* The walk clips each resource to the range: whole means inside one. */
	return res->start == range_base &&
	       res->end == range_base + range_size - 1;
}

/*
 * The range must lie inside one reserved resource (RAM set aside with
 * memmap=SIZE$BASE shows up as an E820 reserved range) or one legacy
 * persistent-memory resource (memmap=SIZE!BASE). Those are the only memory
 * this module may zero and map writable: anything else (a PCI BAR, ACPI
 * tables, soft-reserved or firmware-described memory) belongs to a driver
 * or the firmware even when nothing has claimed it yet.
 */
static bool range_is_reserved(void)
{
	u64 end = range_base + range_size - 1;

	return walk_iomem_res_desc(IORES_DESC_RESERVED, IORESOURCE_MEM,
				   range_base, end, NULL, range_is_whole) > 0 ||
	       walk_iomem_res_desc(IORES_DESC_PERSISTENT_MEMORY_LEGACY,
				   IORESOURCE_MEM, range_base, end, NULL,
				   range_is_whole) > 0;
}

/*
 * RAM set aside with memmap= has struct pages that know their node where its
 * 128 MiB memory section holds some System RAM too; a section wholly set
 * aside (any 1 GiB-aligned GiB of it) has none, like device memory:
 * phys_to_target_node() reads the firmware's NUMA description (SRAT), which
 * the kernel keeps after boot only with NUMA_KEEP_MEMINFO (memory hotplug,
 * PMEM); without it the exported helper is a stub that answers node 0
 * whatever the address.
 */
int pfnbench_pfn_node(unsigned long pfn)
{
	if (pfn_valid(pfn))
		return page_to_nid(pfn_to_page(pfn));
	if (IS_ENABLED(CONFIG_NUMA_KEEP_MEMINFO) || !IS_ENABLED(CONFIG_NUMA))
		return phys_to_target_node(PFN_PHYS(pfn));
	return NUMA_NO_NODE;
}

static unsigned long cap_bytes(void)
{
	return min(READ_ONCE(max_total_mib), ULONG_MAX >> 20) << 20;
}

/*
 * Counts a whole request against the cap before any of it is allocated, so
 * that concurrent ALLOCs cannot pass it together; or refuses it (-ENOSPC).
 */
static int commit(unsigned long bytes)
{
	unsigned long cap = cap_bytes();
	long old = atomic_long_read(&committed);

	do {
		if ((unsigned long)old > cap || bytes > cap - old)
			return -ENOSPC;
	} while (!atomic_long_try_cmpxchg(&committed, &old, old + bytes));
	return 0;
}

int pfnbench_mem_init(void)
{
	int err;

	if (!max_total_mib)
		max_total_mib = (totalram_pages() / 4 * 3) >> (20 - PAGE_SHIFT);

	if (parse_caching()) {
		pr_err("caching=%s: use wb, wc, uc or wt\n", caching);
		return -EINVAL;
	}
	if (!range_base != !range_size) {
		pr_err("phys_base and phys_size go together: give both or neither\n");
		return -EINVAL;
	}
	if (!range_size) {
		if (range.cache != PFNBENCH_CACHE_WB) {
			pr_err("caching=%s needs phys_base and phys_size: page-allocator RAM stays write-back\n",
			       caching);
			return -EINVAL;
		}
		return 0;
	}
	if (!IS_ALIGNED(range_base, PFNBENCH_CHUNK_SIZE) ||
	    !IS_ALIGNED(range_size, PFNBENCH_CHUNK_SIZE) ||
	    range_base + range_size < range_base) {
		pr_err("phys_base and phys_size must be multiples of %lu KiB\n",
		       PFNBENCH_CHUNK_SIZE >> 10);
		return -EINVAL;
	}
	if (!range_is_reserved()) {
		pr_err("%#lx+%#lx is not inside one reserved or legacy persistent-memory range (see /proc/iomem): set it aside with memmap=SIZE$BASE\n",
		       range_base, range_size);
		return -EINVAL;
	}
	/* A reserved resource nested in System RAM is still the kernel's. */
	if (region_intersects(range_base, range_size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("%#lx+%#lx overlaps System RAM: it belongs to the kernel\n",
		       range_base, range_size);
		return -EINVAL;
	}
	if (!request_mem_region(range_base, range_size, KBUILD_MODNAME)) {
		pr_err("%#lx+%#lx is claimed by another driver\n", range_base,
		       range_size);
		return -EBUSY;
	}
	err = -ENOMEM;
	range.kva = map_range();
	if (!range.kva) {
		pr_err("cannot map %#lx+%#lx as %s (conflicting cache mode?)\n",
		       range_base, range_size, caching);
		goto release;
	}
	range.used = bitmap_zalloc(range_size >> PFNBENCH_CHUNK_SHIFT,
				   GFP_KERNEL);
	if (!range.used)
		goto unmap;
	mutex_init(&range.lock);
	range.node = pfnbench_pfn_node(PHYS_PFN(range_base));
	range.granted = pfnbench_kernel_cache(range.kva);
	range.nr_chunks = range_size >> PFNBENCH_CHUNK_SHIFT;
	pr_info("buffers from %#lx+%#lx (node %d), caching=%s, granted %s\n",
		range_base, range_size, range.node, caching,
		cache_name(range.granted));
	return 0;
unmap:
	iounmap(range.kva);
release:
	release_mem_region(range_base, range_size);
	return err;
}

void pfnbench_mem_exit(void)
{
	if (!use_range())
		return;
	bitmap_free(range.used);
	iounmap(range.kva);
	release_mem_region(range_base, range_size);
}

void pfnbench_mem_info(struct pfnbench_info *info)
{
	info->allocated_bytes = atomic_long_read(&allocated);
	info->cap_bytes = cap_bytes();
	info->caching = range.cache;
	info->phys_node = NUMA_NO_NODE;
	if (use_range()) {
		info->caching = range.granted;
		info->phys_base = range_base;
		info->phys_bytes = range_size;
		info->phys_node = range.node;
		info->phys_pud_runs = nr_runs();
	}
}

int pfnbench_mem_check(u64 bytes, int *node)
{
	if (use_range()) {
		if (*node == NUMA_NO_NODE)
			*node = range.node;
		else if (*node != range.node)
			return -ENODEV;
		return bytes > range_size ? -E2BIG : 0;
	}
	if (*node == NUMA_NO_NODE)
		*node = numa_node_id();
	if (*node < 0 || *node >= nr_node_ids || !node_online(*node) ||
	    !node_state(*node, N_MEMORY))
		return -ENODEV;
	if (bytes > (u64)node_present_pages(*node) << PAGE_SHIFT)
		return -E2BIG;
	return 0;
}

static pgprot_t range_prot(pgprot_t prot)
{
	switch (range.cache) {
	case PFNBENCH_CACHE_WC:
		return pgprot_writecombine(prot);
	case PFNBENCH_CACHE_UC:
		return pgprot_noncached(prot);
	case PFNBENCH_CACHE_WT:
		return pgprot_writethrough(prot);
	default:
		return prot;
	}
}

pgprot_t pfnbench_buf_prot(const struct pfnbench_buf *buf, pgprot_t prot)
{
	return buf->phys ? range_prot(prot) : prot;
}

/*
 * vmf_insert_pfn_pmd() builds its leaf from the 4 KiB pgprot of the mode PAT
 * granted the range (it replaces what the VMA asked) as it is. On x86 the
 * PAT bit of a PTE (bit 7) is the PSE bit of a PMD, whose PAT bit is bit 12,
 * so a cache mode that needs the PAT bit (WT, WP) comes out as another one
 * (UC, WC): seen on Linux 6.12 and 7.2 with caching=wt. Such a range gets no
 * fault-path PMD leaves; remap_pfn_range() translates. A granted mode the
 * module could not read back gets none either.
 */
bool pfnbench_fault_pmd_keeps_cache(void)
{
#ifdef CONFIG_X86
	unsigned long bits;

	if (use_range())
		return pfnbench_cache_bits(range.granted, &bits) &&
		       !(bits & _PAGE_PAT);
#endif
	return true;
}

/* Whether none of the nr chunks from idx on is used. Caller holds range.lock. */
static bool chunks_free(unsigned long idx, unsigned long nr)
{
	return find_next_bit(range.used, idx + nr, idx) >= idx + nr;
}

/*
 * Whether chunk idx lies in a 1 GiB-aligned run of which no chunk is used.
 * Caller holds range.lock.
 */
static bool in_free_run(unsigned long idx)
{
	unsigned long first = first_run(), run;

	if (idx < first)
		return false;
	run = first + (idx - first) / PFNBENCH_RUN_CHUNKS * PFNBENCH_RUN_CHUNKS;
	return run + PFNBENCH_RUN_CHUNKS <= range.nr_chunks &&
	       chunks_free(run, PFNBENCH_RUN_CHUNKS);
}

static void take_chunk(struct pfnbench_buf *buf, unsigned long i,
		       unsigned long idx)
{
	__set_bit(idx, range.used);
	buf->pfns[i] = PHYS_PFN(range_base) + idx * PFNBENCH_CHUNK_PAGES;
}

/*
 * Takes nr free chunks of the range, zeroed, or none. Each whole GiB of the
 * buffer (buffer offsets 0, 1 GiB, ...) is a free 1 GiB-aligned run of the
 * range while one is left, so that a PUD leaf can map it. The other chunks
 * come lowest first from outside the free runs, and from the runs only when
 * nothing else is left, so that small buffers leave the runs to large ones.
 */
static int range_take(struct pfnbench_buf *buf, unsigned long nr)
{
	unsigned long i = 0, idx, run = first_run();
	bool spare_runs = true;

	mutex_lock(&range.lock);
	if (bitmap_weight(range.used, range.nr_chunks) + nr > range.nr_chunks) {
		mutex_unlock(&range.lock);
		return -ENOMEM;
	}
	for (; nr - i >= PFNBENCH_RUN_CHUNKS; run += PFNBENCH_RUN_CHUNKS) {
		if (run + PFNBENCH_RUN_CHUNKS > range.nr_chunks)
			break;
		if (!chunks_free(run, PFNBENCH_RUN_CHUNKS))
			continue;
		for (idx = run; idx < run + PFNBENCH_RUN_CHUNKS; idx++)
			take_chunk(buf, i++, idx);
	}
	/* Enough chunks are free (checked above): the second pass ends it. */
	for (idx = 0; i < nr; idx++) {
		idx = find_next_zero_bit(range.used, range.nr_chunks, idx);
		if (idx >= range.nr_chunks) {
			spare_runs = false;
			idx = find_first_zero_bit(range.used, range.nr_chunks);
		}
		if (spare_runs && in_free_run(idx))
			continue;
		take_chunk(buf, i++, idx);
	}
	mutex_unlock(&range.lock);
	buf->nr_chunks = nr;
	atomic_long_add(nr * PFNBENCH_CHUNK_SIZE, &allocated);
	/* Whatever the last user or the firmware left there is not ours. */
	for (i = 0; i < nr; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		memset_io(range.kva + (PFN_PHYS(buf->pfns[i]) - range_base), 0,
			  PFNBENCH_CHUNK_SIZE);
		cond_resched();
	}
	return 0;
}

static void range_give_back(struct pfnbench_buf *buf)
{
	unsigned long i;

	mutex_lock(&range.lock);
	for (i = 0; i < buf->nr_chunks; i++)
		__clear_bit((buf->pfns[i] - PHYS_PFN(range_base)) /
			    PFNBENCH_CHUNK_PAGES, range.used);
	mutex_unlock(&range.lock);
}

static int pages_take(struct pfnbench_buf *buf, unsigned long nr)
{
	/*
	 * Zeroed because the memory goes to user space. Not movable: the PFNs
	 * are mapped raw. RETRY_MAYFAIL compacts hard but never OOM-kills,
	 * also when the memory cgroup (ACCOUNT) is at its limit. Buddy blocks
	 * are naturally aligned, so each chunk is 2 MiB aligned.
	 */
	const gfp_t gfp = GFP_HIGHUSER | __GFP_THISNODE | __GFP_ZERO |
			  __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_ACCOUNT;

	while (buf->nr_chunks < nr) {
		struct page *page;

		if (fatal_signal_pending(current))
			return -EINTR;
		page = alloc_pages_node(buf->node, gfp, PFNBENCH_CHUNK_ORDER);
		if (!page)
			return -ENOMEM;
		buf->pfns[buf->nr_chunks++] = page_to_pfn(page);
		atomic_long_add(PFNBENCH_CHUNK_SIZE, &allocated);
		cond_resched();
	}
	return 0;
}

static void pages_give_back(struct pfnbench_buf *buf)
{
	unsigned long i;

	/* Up to 32768 blocks (64 GiB): yield between them. */
	for (i = 0; i < buf->nr_chunks; i++) {
		__free_pages(pfn_to_page(buf->pfns[i]), PFNBENCH_CHUNK_ORDER);
		cond_resched();
	}
}

static void buf_free(struct pfnbench_buf *buf)
{
	if (buf->phys)
		range_give_back(buf);
	else
		pages_give_back(buf);
	atomic_long_sub(buf->nr_chunks * PFNBENCH_CHUNK_SIZE, &allocated);
	atomic_long_sub(buf->committed, &committed);
	kvfree(buf);
}

struct pfnbench_buf *pfnbench_buf_create(int node, u64 bytes, u32 mode)
{
	unsigned long nr = bytes >> PFNBENCH_CHUNK_SHIFT;
	struct pfnbench_buf *buf;
	int err;

	buf = kvzalloc(struct_size(buf, pfns, nr), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	kref_init(&buf->ref);
	buf->node = node;
	buf->mode = mode;
	buf->phys = use_range();
	atomic_set(&buf->shape, PFNBENCH_SHAPE_NONE);
	if (buf->phys) {
		err = range_take(buf, nr);
	} else {
		err = commit(bytes);
		if (!err) {
			buf->committed = bytes;
			err = pages_take(buf, nr);
		}
	}
	if (err) {
		buf_free(buf);
		return ERR_PTR(err);
	}
	return buf;
}

void pfnbench_buf_get(struct pfnbench_buf *buf)
{
	kref_get(&buf->ref);
}

static void buf_release(struct kref *ref)
{
	buf_free(container_of(ref, struct pfnbench_buf, ref));
}

void pfnbench_buf_put(struct pfnbench_buf *buf)
{
	kref_put(&buf->ref, buf_release);
}
