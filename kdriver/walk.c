// SPDX-License-Identifier: GPL-2.0
/*
 * Reads back the page tables of the caller's pfnbench mappings: PTEs, PMD and
 * PUD leaves, holes, the special bit, writability, cache mode and NUMA node.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/sched.h>

#include "pfnbench.h"

/*
 * pmd_special() and pud_special() exist for every architecture since 6.12
 * (false where the architecture has no huge PFNMAP); Kbuild probes for them.
 */
#ifdef PFNBENCH_HAVE_PMD_SPECIAL
#define HAVE_PMD_SPECIAL 1
#else
#define HAVE_PMD_SPECIAL 0
#endif
#ifdef PFNBENCH_HAVE_PUD_SPECIAL
#define HAVE_PUD_SPECIAL 1
#else
#define HAVE_PUD_SPECIAL 0
#endif

/*
 * Caller holds the mmap lock and the VMA around addr is a pfnbench mapping,
 * whose page tables are only freed with the mmap lock held for writing.
 */
bool pfnbench_read_pmd(struct mm_struct *mm, unsigned long addr, pmd_t *out)
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

bool pfnbench_pud_is_leaf(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;

	if (pgd_none(READ_ONCE(*pgd)))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)))
		return false;
	return pud_leaf(READ_ONCE(*pud_offset(p4d, addr)));
}

#ifdef CONFIG_X86
/*
 * The cache modes in the order their bits are tried. A mode the running PAT
 * layout lacks shares another mode's bits (cachemode2protval() falls back,
 * always to UC-, or to the legacy PWT/PCD meaning without PAT), so UC- is
 * tried before the modes that fall back to it: bits are named by the mode that
 * really owns them.
 */
static const struct {
	enum page_cache_mode pcm;
	u32 cache;
} cache_modes[] = {
	{ _PAGE_CACHE_MODE_WB, PFNBENCH_CACHE_WB },
	{ _PAGE_CACHE_MODE_UC_MINUS, PFNBENCH_CACHE_UC_MINUS },
	{ _PAGE_CACHE_MODE_UC, PFNBENCH_CACHE_UC },
	{ _PAGE_CACHE_MODE_WC, PFNBENCH_CACHE_WC },
	{ _PAGE_CACHE_MODE_WT, PFNBENCH_CACHE_WT },
	{ _PAGE_CACHE_MODE_WP, PFNBENCH_CACHE_WP },
};
#endif

/*
 * The cache mode of an entry's cache bits (x86: PAT, PCD, PWT in the 4 KiB
 * layout), as the kernel's PAT layout defines them. Bits no mode is given
 * (a PAT index the kernel only keeps as an alias) are OTHER.
 */
static u32 cache_of(unsigned long protval)
{
#ifdef CONFIG_X86
	unsigned int i;

	protval &= _PAGE_CACHE_MASK;
	for (i = 0; i < ARRAY_SIZE(cache_modes); i++)
		if (protval == cachemode2protval(cache_modes[i].pcm))
			return cache_modes[i].cache;
#endif
	return PFNBENCH_CACHE_OTHER;
}

bool pfnbench_cache_bits(u32 cache, unsigned long *protval)
{
#ifdef CONFIG_X86
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cache_modes); i++) {
		if (cache_modes[i].cache == cache) {
			*protval = cachemode2protval(cache_modes[i].pcm);
			return true;
		}
	}
#endif
	return false;
}

#ifdef CONFIG_X86
#define large_cache_bits(val)	protval_large_2_4k(val)
#else
#define large_cache_bits(val)	(val)
#endif

/*
 * The cache mode of the kernel's own mapping of kva (the module's ioremap of
 * the reserved range): what PAT granted, which is what user mappings of the
 * range get too, whatever was asked. x86 reads it with lookup_address(); no
 * other architecture exports a way to modules: PFNBENCH_CACHE_OTHER there.
 */
u32 pfnbench_kernel_cache(const void __iomem *kva)
{
#ifdef CONFIG_X86
	unsigned int level;
	pte_t *pte = lookup_address((__force unsigned long)kva, &level);
	pteval_t val;

	if (!pte)
		return PFNBENCH_CACHE_OTHER;
	val = pte_val(READ_ONCE(*pte));
	if (!(val & _PAGE_PRESENT))
		return PFNBENCH_CACHE_OTHER;
	return cache_of(level == PG_LEVEL_4K ? val : large_cache_bits(val));
#else
	return PFNBENCH_CACHE_OTHER;
#endif
}

/*
 * Counts bytes mapped at addr from pfn on; with pfns (PFNS), also notes the
 * frame of each page, indexed from w->start.
 */
static void count(struct pfnbench_walk *w, u64 *pfns, unsigned long addr,
		  unsigned long pfn, u64 bytes, bool write,
		  unsigned long cache_bits)
{
	int nid = pfnbench_pfn_node(pfn);

	if (pfns) {
		unsigned long first = (addr - w->start) >> PAGE_SHIFT;
		unsigned long i;

		for (i = 0; i < bytes >> PAGE_SHIFT; i++)
			pfns[first + i] = pfn + i;
	}

	if (nid >= 0 && nid < PFNBENCH_WALK_NODES)
		w->node_bytes[nid] += bytes;
	else
		w->bytes_other_node += bytes;
	if (write)
		w->bytes_write += bytes;
	w->bytes_cache[cache_of(cache_bits)] += bytes;
}

static void walk_ptes(struct pfnbench_walk *w, u64 *pfns, pmd_t *pmd,
		      unsigned long addr, unsigned long end)
{
	/*
	 * pte_offset_map() is not exported since 6.5; the PTE table of a
	 * pfnbench VMA cannot go away under the mmap lock, so index it from
	 * the PMD value read once. pte_offset_kernel() on a user PTE table is
	 * only right without HIGHPTE: pfnbench.h refuses 32-bit kernels.
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
		count(w, pfns, addr, pte_pfn(pte), PAGE_SIZE, pte_write(pte),
		      pte_val(pte));
	}
}

static void walk_pmd_leaf(struct pfnbench_walk *w, u64 *pfns, pmd_t pmd,
			  unsigned long addr, unsigned long end)
{
	w->bytes_pmd += end - addr;
	w->nr_pmd++;
#if HAVE_PMD_SPECIAL
	if (pmd_special(pmd))
		w->nr_special++;
#endif
	count(w, pfns, addr, pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT),
	      end - addr, pmd_write(pmd), large_cache_bits(pmd_val(pmd)));
}

static void walk_pud_leaf(struct pfnbench_walk *w, u64 *pfns, pud_t pud,
			  unsigned long addr, unsigned long end)
{
	w->bytes_pud += end - addr;
	w->nr_pud++;
#if HAVE_PUD_SPECIAL
	if (pud_special(pud))
		w->nr_special++;
#endif
	count(w, pfns, addr, pud_pfn(pud) + ((addr & ~PUD_MASK) >> PAGE_SHIFT),
	      end - addr, pud_write(pud), large_cache_bits(pud_val(pud)));
}

static void walk_range(struct pfnbench_walk *w, u64 *pfns,
		       struct mm_struct *mm, unsigned long addr,
		       unsigned long end)
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
			walk_pud_leaf(w, pfns, pudv, addr, next);
			addr = next;
			continue;
		}
		pmdv = READ_ONCE(*pmd_offset(pud, addr));
		next = pmd_addr_end(addr, end);
		if (pmd_none(pmdv) || !pmd_present(pmdv))
			goto hole;
		if (pmd_leaf(pmdv))
			walk_pmd_leaf(w, pfns, pmdv, addr, next);
		else
			walk_ptes(w, pfns, &pmdv, addr, next);
		addr = next;
		cond_resched();
		continue;
hole:
		w->bytes_hole += next - addr;
		addr = next;
	}
}

int pfnbench_walk(struct pfnbench_walk *w, u64 *pfns,
		  const struct file_operations *fops)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr, end;
	int err = 0;

	/* Checked in u64 before anything becomes an unsigned long. */
	if (!mm || !pfnbench_user_range_ok(w->start, w->len))
		return -EINVAL;
	addr = w->start;
	end = w->start + w->len;
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
		if (!vma->vm_file || vma->vm_file->f_op != fops) {
			err = -EINVAL;
			break;
		}
		next = min(end, vma->vm_end);
		walk_range(w, pfns, mm, addr, next);
		addr = next;
	}
	mmap_read_unlock(mm);
	return err;
}
