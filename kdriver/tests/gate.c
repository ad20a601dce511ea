// SPDX-License-Identifier: GPL-2.0
/*
 * The series' gate: remap_pfn_range() gives PMD leaves only to VMAs without
 * ->fault and ->huge_fault. remap-fault and remap-sigbus map exactly like
 * remap, in VMAs that have a fault handler, and must get PTEs even where
 * remap gets PMD leaves. And what a process that asked for no huge pages
 * (PR_SET_THP_DISABLE, MADV_NOHUGEPAGE) gets: recorded ("# key: value"
 * after the result), and INFO.pmd_seen must say what the walk reads, not
 * what the kernel's configuration promises.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "dev.h"
#include "harness.h"

#define LEN (4 * CHUNK)
#define SEED 0x9a7e

/* "pmd", "pte", or "mixed" for a walk of len bytes. */
static const char *shape_of(const struct pfnbench_walk *w, size_t len)
{
	if (w->bytes_pmd == len)
		return "pmd";
	if (w->bytes_pte == len)
		return "pte";
	return "mixed";
}

/*
 * Maps len bytes of a new buffer in mode (touching it), checks its data,
 * that its entries are all PTEs or all PMD leaves, and that INFO.pmd_seen
 * says what the walk read. Returns the shape; *out gets the mapping.
 */
static const char *map_and_read_back(uint32_t mode, size_t len, char **out,
				     void (*before_touch)(uint32_t mode, char *p,
							  size_t len))
{
	int fd = dev_open_alloc(len, -1, mode);
	char *p = dev_map(fd, len, 0);
	struct pfnbench_walk w;
	const char *shape;

	if (before_touch)
		before_touch(mode, p, len);
	fill(p, len, 0, SEED);
	if (check(p, len, 0, SEED) != SIZE_MAX)
		FAIL("%s: data differs", mode_name(mode));
	w = dev_walk(p, len);
	print_walk(mode_name(mode), &w);
	shape = shape_of(&w, len);
	ASSERT_EQ(w.bytes_hole, 0);
	ASSERT_EQ(w.nr_special, w.nr_pte + w.nr_pmd + w.nr_pud);
	if (!strcmp(shape, "mixed"))
		FAIL("%s: neither all PMD leaves nor all PTEs", mode_name(mode));
	ASSERT_EQ(module_info().pmd_seen[mode],
		  w.bytes_pmd ? PFNBENCH_PMD_YES : PFNBENCH_PMD_NO);
	*out = p;
	return shape;
}

/* The same buffer size, mapped the same way; only the fault handler differs. */
TEST(gate_fault_handler_keeps_remap_from_pmd_leaves)
{
	const char *remap, *with_fault, *with_sigbus;
	char *p;

	remap = map_and_read_back(PFNBENCH_MODE_REMAP, LEN, &p, NULL);
	with_fault = map_and_read_back(PFNBENCH_MODE_REMAP_FAULT, LEN, &p,
				       NULL);
	with_sigbus = map_and_read_back(PFNBENCH_MODE_REMAP_SIGBUS, LEN, &p,
					NULL);
	harness_record("remap", "%s", remap);
	harness_record("remap-with-fault-handler", "%s", with_fault);
	harness_record("remap-with-sigbus-fault-handler", "%s", with_sigbus);
	if (expect_remap_pmd() >= 0)
		ASSERT_TRUE(!strcmp(remap, expect_remap_pmd() ? "pmd" : "pte"));
	ASSERT_TRUE(!strcmp(with_fault, "pte"));
	ASSERT_TRUE(!strcmp(with_sigbus, "pte"));
	/* Kconfig or not, INFO does not claim leaves the gate kept away. */
	ASSERT_TRUE(!(module_info().pmd_modes &
		      (PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP_FAULT) |
		       PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP_SIGBUS))));
}

/* A 4 KiB split of a mapping made while huge pages were refused. */
static void split_still_works(char *p, bool leaf)
{
	struct model m;

	model_init(&m, "remap", p, LEN, 0, module_info().phys_bytes ?
		   module_info().caching : PFNBENCH_CACHE_WB, leaf);
	model_written(&m, 0, LEN, SEED);
	model_check(&m, "as mapped");
	model_mprotect(&m, CHUNK + PAGE, PAGE, PROT_READ);
	model_assert_shape(&m, "PSPP", leaf);
	model_check(&m, "4 KiB of #1 read-only");
}

/*
 * PR_SET_THP_DISABLE: a process that wants no huge pages at all. What remap
 * and the fault path give it is recorded; INFO says what they gave.
 */
TEST(gate_thp_disabled_process_gets_what_info_says)
{
	const char *remap, *fault;
	char *p, *q;

	ASSERT_OK(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	ASSERT_EQ(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0), 1);
	remap = map_and_read_back(PFNBENCH_MODE_REMAP, LEN, &p, NULL);
	fault = map_and_read_back(PFNBENCH_MODE_FAULT, LEN, &q, NULL);
	harness_record("remap-under-thp-disable", "%s", remap);
	harness_record("fault-under-thp-disable", "%s (fault-path PMD leaves %s here)",
		       fault,
		       module_info().pmd_modes &
		       PFNBENCH_MODE_BIT(PFNBENCH_MODE_FAULT) ?
		       "supported" : "not supported");
	/* Stock kernels give remap PTEs whatever the process wants. */
	if (expect_remap_pmd() == 0)
		ASSERT_TRUE(!strcmp(remap, "pte"));
	split_still_works(p, !strcmp(remap, "pmd"));
}

static void no_huge_pages(uint32_t mode, char *p, size_t len)
{
	int r = madvise(p, len, MADV_NOHUGEPAGE);
	char key[48];

	snprintf(key, sizeof(key), "madv-nohugepage-on-%s", mode_name(mode));
	harness_record(key, "%s", r ? strerror(errno) : "accepted");
}

/*
 * MADV_NOHUGEPAGE can only come after mmap(), where remap_pfn_range() has
 * mapped everything already: recorded is what the leaves do then (stay, or
 * are split) and what the fault path gives a range advised before its first
 * touch. INFO says what each got.
 */
TEST(gate_madv_nohugepage_gets_what_info_says)
{
	const char *remap, *fault;
	char *p, *q;

	remap = map_and_read_back(PFNBENCH_MODE_REMAP, LEN, &p, no_huge_pages);
	fault = map_and_read_back(PFNBENCH_MODE_FAULT, LEN, &q, no_huge_pages);
	harness_record("remap-after-madv-nohugepage", "%s", remap);
	harness_record("fault-after-madv-nohugepage", "%s", fault);
	if (expect_remap_pmd() == 0)
		ASSERT_TRUE(!strcmp(remap, "pte"));
	split_still_works(p, !strcmp(remap, "pmd"));
}
