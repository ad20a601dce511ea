// SPDX-License-Identifier: GPL-2.0
/*
 * The series' gate: remap_pfn_range() gives PMD leaves only to VMAs without
 * ->fault and ->huge_fault. remap-fault and remap-sigbus map exactly like
 * remap, in VMAs that have a fault handler, and must get PTEs even where
 * remap gets PMD leaves. And what a process that asked for no huge pages
 * (PR_SET_THP_DISABLE, MADV_NOHUGEPAGE) gets: the fault path PTEs, whatever
 * the kernel can do; remap is recorded ("# key: value" after the result).
 * INFO.buf_shape of each buffer must say what the walk reads of it, not what
 * the kernel's configuration promises, and not what another buffer got.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
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

/* What the fault path gives where nothing refuses huge pages. */
static const char *fault_shape_here(void)
{
	return fault_can_give_pmd() ? "pmd" : "pte";
}

struct mapped {
	int fd;
	char *p;
	const char *shape;	/* "pmd" or "pte" */
};

/*
 * Maps the whole buffer of fd, calls before_touch (if any) between mmap()
 * and the first touch, touches it, checks its data, that its entries are all
 * PTEs or all PMD leaves, and that INFO.buf_shape says what the walk read.
 */
static struct mapped map_and_read_back(int fd,
				       void (*before_touch)(uint32_t mode,
							    char *p,
							    size_t len))
{
	struct pfnbench_info info = dev_info(fd);
	struct mapped m = { .fd = fd };
	struct pfnbench_walk w;
	size_t len = info.buf_bytes;
	uint32_t mode = info.buf_mode;

	m.p = dev_map(fd, len, 0);
	if (before_touch)
		before_touch(mode, m.p, len);
	fill(m.p, len, 0, SEED);
	if (check(m.p, len, 0, SEED) != SIZE_MAX)
		FAIL("%s: data differs", mode_name(mode));
	w = dev_walk(m.p, len);
	print_walk(mode_name(mode), &w);
	m.shape = shape_of(&w, len);
	ASSERT_EQ(w.bytes_hole, 0);
	ASSERT_EQ(w.nr_special, w.nr_pte + w.nr_pmd + w.nr_pud);
	if (!strcmp(m.shape, "mixed"))
		FAIL("%s: neither all PMD leaves nor all PTEs", mode_name(mode));
	ASSERT_TRUE(!strcmp(shape_name(buf_shape(fd)), m.shape));
	return m;
}

static struct mapped new_mapping(uint32_t mode,
				 void (*before_touch)(uint32_t mode, char *p,
						      size_t len))
{
	return map_and_read_back(dev_open_alloc(LEN, -1, mode), before_touch);
}

/* Whether INFO still says of m's buffer what it got when it was mapped. */
static bool info_still_says(const struct mapped *m)
{
	return !strcmp(shape_name(buf_shape(m->fd)), m->shape);
}

/* The same buffer size, mapped the same way; only the fault handler differs. */
TEST(gate_fault_handler_keeps_remap_from_pmd_leaves)
{
	struct mapped remap, with_fault, with_sigbus;

	remap = new_mapping(PFNBENCH_MODE_REMAP, NULL);
	with_fault = new_mapping(PFNBENCH_MODE_REMAP_FAULT, NULL);
	with_sigbus = new_mapping(PFNBENCH_MODE_REMAP_SIGBUS, NULL);
	harness_record("remap", "%s", remap.shape);
	harness_record("remap-with-fault-handler", "%s", with_fault.shape);
	harness_record("remap-with-sigbus-fault-handler", "%s",
		       with_sigbus.shape);
	if (expect_remap_pmd() >= 0)
		ASSERT_TRUE(!strcmp(remap.shape,
				    expect_remap_pmd() ? "pmd" : "pte"));
	ASSERT_TRUE(!strcmp(with_fault.shape, "pte"));
	ASSERT_TRUE(!strcmp(with_sigbus.shape, "pte"));
	/* Leaves in one buffer make none of the others claim any. */
	ASSERT_TRUE(info_still_says(&remap));
	ASSERT_TRUE(info_still_says(&with_fault));
	ASSERT_TRUE(info_still_says(&with_sigbus));
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

static void wait_ok(pid_t pid)
{
	int status;

	ASSERT_OK(waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * In a child of a process that set PR_SET_THP_DISABLE: maps the buffers of
 * the files the test opened, and exits 0 if all went as expected.
 */
static void map_with_thp_disabled(int remap_fd, int fault_fd)
{
	struct mapped remap, fault;

	/* The flag belongs to the mm, which fork() copied with it. */
	ASSERT_EQ(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0), 1);
	remap = map_and_read_back(remap_fd, NULL);
	fault = map_and_read_back(fault_fd, NULL);
	harness_record("remap-under-thp-disable", "%s", remap.shape);
	harness_record("fault-under-thp-disable", "%s (huge PFNMAP faults %s here)",
		       fault.shape, fault_can_give_pmd() ? "possible" :
		       "impossible");
	ASSERT_TRUE(!strcmp(fault.shape, "pte"));
	/* Stock kernels give remap PTEs whatever the process wants. */
	if (expect_remap_pmd() == 0)
		ASSERT_TRUE(!strcmp(remap.shape, "pte"));
	split_still_works(remap.p, !strcmp(remap.shape, "pmd"));
}

/*
 * PR_SET_THP_DISABLE: a process that wants no huge pages at all, and its
 * children, which inherit that. The fault path gives them PTEs, and INFO of
 * that buffer says so, while a buffer mapped by the test process itself (not
 * disabled) says what it got. The child's buffers are read back in INFO
 * after it is gone, by the process that never mapped them.
 */
TEST(gate_thp_disabled_process_gets_what_info_says)
{
	struct mapped ref = new_mapping(PFNBENCH_MODE_FAULT, NULL);
	int remap_fd = dev_open_alloc(LEN, -1, PFNBENCH_MODE_REMAP);
	int fault_fd = dev_open_alloc(LEN, -1, PFNBENCH_MODE_FAULT);
	pid_t pid;

	ASSERT_TRUE(!strcmp(ref.shape, fault_shape_here()));
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		ASSERT_OK(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
		fflush(NULL);
		pid = fork();
		ASSERT_OK(pid);
		if (pid == 0) {
			map_with_thp_disabled(remap_fd, fault_fd);
			exit(0);
		}
		wait_ok(pid);
		exit(0);
	}
	wait_ok(pid);
	ASSERT_EQ(buf_shape(fault_fd), PFNBENCH_SHAPE_PTE);
	ASSERT_TRUE(buf_shape(remap_fd) != PFNBENCH_SHAPE_NONE);
	ASSERT_TRUE(info_still_says(&ref));
	/* This process may still have huge pages from the fault path. */
	ref = new_mapping(PFNBENCH_MODE_FAULT, NULL);
	ASSERT_TRUE(!strcmp(ref.shape, fault_shape_here()));
	ASSERT_EQ(buf_shape(fault_fd), PFNBENCH_SHAPE_PTE);
}

static void no_huge_pages(uint32_t mode, char *p, size_t len)
{
	int r = madvise(p, len, MADV_NOHUGEPAGE);
	char key[48];

	snprintf(key, sizeof(key), "madv-nohugepage-on-%s", mode_name(mode));
	harness_record(key, "%s", r ? strerror(errno) : "accepted");
	ASSERT_OK(r);
}

/*
 * MADV_NOHUGEPAGE can only come after mmap(), where remap_pfn_range() has
 * mapped everything already: recorded is what the leaves do then (stay, or
 * are split). The fault path gives a range advised before its first touch
 * PTEs, and INFO of that buffer says so, while buffers of other files in the
 * same process, mapped before and after without the advice, say what they
 * got.
 */
TEST(gate_madv_nohugepage_gets_what_info_says)
{
	struct mapped before, remap, fault, after;

	before = new_mapping(PFNBENCH_MODE_FAULT, NULL);
	remap = new_mapping(PFNBENCH_MODE_REMAP, no_huge_pages);
	fault = new_mapping(PFNBENCH_MODE_FAULT, no_huge_pages);
	after = new_mapping(PFNBENCH_MODE_FAULT, NULL);
	harness_record("remap-after-madv-nohugepage", "%s", remap.shape);
	harness_record("fault-after-madv-nohugepage", "%s", fault.shape);
	ASSERT_TRUE(!strcmp(fault.shape, "pte"));
	ASSERT_TRUE(!strcmp(before.shape, fault_shape_here()));
	ASSERT_TRUE(!strcmp(after.shape, fault_shape_here()));
	ASSERT_TRUE(info_still_says(&before));
	ASSERT_TRUE(info_still_says(&remap));
	ASSERT_TRUE(info_still_says(&fault));
	if (expect_remap_pmd() == 0)
		ASSERT_TRUE(!strcmp(remap.shape, "pte"));
	split_still_works(remap.p, !strcmp(remap.shape, "pmd"));
}
