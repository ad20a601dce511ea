// SPDX-License-Identifier: GPL-2.0
/*
 * The lifecycle of remap_pfn_range() mappings, one TEST per case: 4 KiB and
 * whole-2 MiB mprotect(), partial munmap() at the head, middle and tail,
 * mremap() to a misaligned destination, of a part, and of whole leaves to
 * another PMD table, fork() with splits in the child and in the parent
 * (the child exiting before and after them), zap of a whole and of part of
 * a PMD (PFNBENCH_IOC_ZAP), and exit with everything mapped.
 *
 * Every case maps 4 x 2 MiB in a reserved stretch of address space and,
 * after each step, checks the whole range against a model of it (see
 * model_check() in dev.c): per 2 MiB, a PMD leaf or exactly the PTEs and
 * holes expected, the special bit on every entry, the cache mode of every
 * entry unchanged, the writable bytes; the data of every page; what reads
 * and writes do. It also checks the process's page tables (VmPTE) against
 * a baseline taken with nothing mapped there: one table per 2 MiB mapped
 * (a PMD leaf's deposit, or its PTE table once split), and the baseline
 * again once everything is unmapped, so a deposit that leaks or goes
 * missing shows.
 *
 * Where PFNBENCH_EXPECT_REMAP=pmd the remap mappings start as PMD leaves and
 * a split turns exactly the PMD it hits into 512 PTEs; with pte (stock
 * kernels) they are PTEs throughout and the same cases check data,
 * protections and page tables. The remap-fault and remap-sigbus modes (a
 * fault handler in the VMA) are PTEs everywhere; the zap cases show their
 * difference: remap-fault maps a zapped page again, the others SIGBUS.
 * The phys_ cases run on the reserved physical range (run with the filter
 * "phys_" and the module loaded with phys_base, phys_size, caching), where
 * the cache mode is the one asked, so a split that changes it shows.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dev.h"
#include "harness.h"

#define NCHUNKS 4
#define LEN (NCHUNKS * CHUNK)
#define SEED 0x11fe
#define SEED2 0xc41d

/* The one mapping a case works on (each case runs in its own process). */
static struct {
	uint32_t mode;
	int fd;
	char *va;		/* where it is mapped */
	uint64_t base;		/* page tables with nothing of it mapped */
	bool leaf;		/* it started as PMD leaves */
	uint32_t cache;		/* cache mode of its entries */
	struct model m;		/* the mapping */
	struct model moved;	/* what mremap() moved elsewhere */
} lc;

static struct pfnbench_info phys_info(void)
{
	struct pfnbench_info info = module_info();

	if (!info.phys_bytes)
		harness_skip("module loaded without phys_base/phys_size");
	return info;
}

/*
 * Builds the page tables above [at, at + len) with anonymous 4 KiB pages,
 * which any address takes (the device refuses some: an address not congruent
 * with its offset), and unmaps them again.
 */
static void warm(char *at, size_t len)
{
	char *p = mmap(at, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	ASSERT_TRUE(p == at);
	ASSERT_OK(madvise(p, len, MADV_NOHUGEPAGE));
	touch(p, len);
	ASSERT_OK(munmap(p, len));
	/* Cover the hole, so that nothing else lands there. */
	ASSERT_TRUE(mmap(at, len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			 MAP_NORESERVE, -1, 0) == at);
}

/*
 * Opens a buffer of NCHUNKS chunks in mode and reserves `va` for it (a new
 * stretch if NULL). Then call warm() for every other place the case will
 * map it, and lc_map().
 */
static void lc_open(uint32_t mode, bool phys, char *va)
{
	struct pfnbench_info info = phys ? phys_info() : module_info();

	/* Touches the models now: later they need no new page tables. */
	memset(&lc, 0, sizeof(lc));
	prefault_stack();
	lc.mode = mode;
	lc.cache = info.phys_bytes ? info.caching : PFNBENCH_CACHE_WB;
	lc.fd = dev_open_alloc(LEN, -1, mode);
	lc.va = va ? va : reserve_va(LEN);
	printf("  %s mapping of %d x 2 MiB at %p, %s\n", mode_name(mode),
	       NCHUNKS, (void *)lc.va, cache_name(lc.cache));
	/* The page-table levels above the stretch stay from now on. */
	warm(lc.va, LEN);
}

/* Takes the baseline, maps the buffer at lc.va and checks what it got. */
static void lc_map(void)
{
	struct pfnbench_walk w;
	int expect;

	(void)pgtable_bytes();
	lc.base = pgtable_bytes();
	dev_map_at(lc.fd, lc.va, LEN, 0);
	w = dev_walk(lc.va, LEN);
	expect = lc.mode == PFNBENCH_MODE_REMAP ? expect_remap_pmd() : 0;
	lc.leaf = expect < 0 ? w.bytes_pmd == LEN : expect;
	model_init(&lc.m, mode_name(lc.mode), lc.va, LEN, 0, lc.cache,
		   lc.leaf);
	model_fill(&lc.m, 0, LEN, SEED);
	model_assert_shape(&lc.m, "PPPP", lc.leaf);
	model_check(&lc.m, "mapped");
	/* INFO says what the buffer got, as the walk read it. */
	ASSERT_EQ(buf_shape(lc.fd),
		  lc.leaf ? PFNBENCH_SHAPE_PMD : PFNBENCH_SHAPE_PTE);
	assert_pgtables(lc.base, NCHUNKS, "mapped (a deposit or PTE table per 2 MiB)");
}

/* Unmaps everything: the page tables are back at the baseline. */
static void lc_finish(void)
{
	ASSERT_OK(munmap(lc.va, LEN));
	if (lc.moved.len)
		ASSERT_OK(munmap(lc.moved.va, lc.moved.len));
	assert_pgtables(lc.base, 0, "after unmapping everything");
	ASSERT_OK(close(lc.fd));
	ASSERT_EQ(wait_allocated(0), 0);
}

/* Whether a touch of a zapped page maps it again (else: SIGBUS). */
static bool refaults(uint32_t mode)
{
	return mode == PFNBENCH_MODE_REMAP_FAULT ||
	       mode == PFNBENCH_MODE_FAULT;
}

static void wait_ok(pid_t pid, const char *who)
{
	int status;

	ASSERT_OK(waitpid(pid, &status, 0));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		FAIL("%s failed (status %#x)", who, status);
}

/* 4 KiB mprotect() inside the second 2 MiB splits that PMD, only that one. */
static void mprotect_4k_splits_one_pmd(uint32_t mode, bool phys)
{
	lc_open(mode, phys, NULL);
	lc_map();
	model_mprotect(&lc.m, CHUNK + 3 * PAGE, PAGE, PROT_READ);
	model_assert_shape(&lc.m, "PSPP", lc.leaf);
	model_check(&lc.m, "4 KiB of 2 MiB #1 read-only");
	assert_pgtables(lc.base, NCHUNKS, "after the split (the deposit is its PTE table)");
	model_mprotect(&lc.m, CHUNK + 3 * PAGE, PAGE, PROT_READ | PROT_WRITE);
	model_fill(&lc.m, 0, LEN, SEED2);
	model_assert_shape(&lc.m, "PSPP", lc.leaf);
	model_check(&lc.m, "writable again, rewritten");
	assert_pgtables(lc.base, NCHUNKS, "writable again");
	lc_finish();
}

/* mprotect() of a whole, aligned 2 MiB changes the leaf in place. */
static void mprotect_whole_pmd_keeps_leaf(uint32_t mode, bool phys)
{
	lc_open(mode, phys, NULL);
	lc_map();
	model_mprotect(&lc.m, 2 * CHUNK, CHUNK, PROT_READ);
	model_assert_shape(&lc.m, "PPPP", lc.leaf);
	model_check(&lc.m, "2 MiB #2 read-only");
	model_mprotect(&lc.m, 2 * CHUNK, CHUNK, PROT_NONE);
	model_assert_shape(&lc.m, "PPPP", lc.leaf);
	model_check(&lc.m, "2 MiB #2 PROT_NONE");
	model_mprotect(&lc.m, 2 * CHUNK, CHUNK, PROT_READ | PROT_WRITE);
	model_fill(&lc.m, 0, LEN, SEED2);
	model_assert_shape(&lc.m, "PPPP", lc.leaf);
	model_check(&lc.m, "2 MiB #2 writable again, rewritten");
	assert_pgtables(lc.base, NCHUNKS, "after whole-PMD mprotect()s");
	lc_finish();
}

static void munmap_head_of_pmd(uint32_t mode, bool phys)
{
	lc_open(mode, phys, NULL);
	lc_map();
	model_munmap(&lc.m, 0, PAGE);
	model_assert_shape(&lc.m, "SPPP", lc.leaf);
	model_check(&lc.m, "first 4 KiB unmapped");
	assert_pgtables(lc.base, NCHUNKS, "first 4 KiB unmapped");
	lc_finish();
}

static void munmap_middle_of_pmd(uint32_t mode, bool phys)
{
	lc_open(mode, phys, NULL);
	lc_map();
	model_munmap(&lc.m, CHUNK + 5 * PAGE, 2 * PAGE);
	model_assert_shape(&lc.m, "PSPP", lc.leaf);
	model_check(&lc.m, "8 KiB inside 2 MiB #1 unmapped");
	assert_pgtables(lc.base, NCHUNKS, "8 KiB unmapped");
	/* A whole, aligned 2 MiB goes with its table, splitting nothing. */
	model_munmap(&lc.m, 2 * CHUNK, CHUNK);
	model_assert_shape(&lc.m, "PS-P", lc.leaf);
	model_check(&lc.m, "2 MiB #2 unmapped too");
	assert_pgtables(lc.base, NCHUNKS - 1, "2 MiB #2 unmapped (its table freed)");
	lc_finish();
}

static void munmap_tail_of_pmd(uint32_t mode, bool phys)
{
	lc_open(mode, phys, NULL);
	lc_map();
	model_munmap(&lc.m, LEN - PAGE, PAGE);
	model_assert_shape(&lc.m, "PPPS", lc.leaf);
	model_check(&lc.m, "last 4 KiB unmapped");
	assert_pgtables(lc.base, NCHUNKS, "last 4 KiB unmapped");
	lc_finish();
}

/* Moved 4 KiB off 2 MiB alignment: every PMD is split on the way. */
static void mremap_to_misaligned_address(uint32_t mode, bool phys)
{
	char *dst;

	lc_open(mode, phys, NULL);
	dst = reserve_va(LEN + CHUNK) + PAGE;
	warm(dst, LEN);
	lc_map();
	model_mremap(&lc.m, 0, LEN, &lc.moved, "moved", dst);
	model_assert_shape(&lc.moved, "SSSSS", lc.leaf);
	model_check(&lc.moved, "moved 4 KiB off alignment");
	model_assert_shape(&lc.m, "----", lc.leaf);
	model_check(&lc.m, "where it was");
	/*
	 * It spans five 2 MiB windows now, each with a PTE table; the first
	 * and the last share theirs with the reserved space around, so those
	 * two stayed since warm() mapped there and are in the baseline.
	 */
	assert_pgtables(lc.base, NCHUNKS - 1, "moved (a PTE table per window it spans, two of them kept since warm-up)");
	model_mprotect(&lc.moved, CHUNK, PAGE, PROT_READ);
	model_fill(&lc.moved, 0, CHUNK, SEED2);
	model_check(&lc.moved, "moved, 4 KiB read-only, rewritten");
	lc_finish();
}

/* 2 MiB from the middle (4 KiB into #1 to 4 KiB into #2) moved away. */
static void mremap_part(uint32_t mode, bool phys)
{
	char *dst;

	lc_open(mode, phys, NULL);
	dst = reserve_va(CHUNK);
	warm(dst, CHUNK);
	lc_map();
	model_mremap(&lc.m, CHUNK + PAGE, CHUNK, &lc.moved, "moved part", dst);
	model_assert_shape(&lc.m, "PSSP", lc.leaf);
	model_check(&lc.m, "after moving 2 MiB of its middle away");
	/* Not 2 MiB aligned in the buffer: PTEs even at an aligned address. */
	model_assert_shape(&lc.moved, "S", lc.leaf);
	model_check(&lc.moved, "the moved part");
	assert_pgtables(lc.base, NCHUNKS + 1, "part moved");
	model_fill(&lc.moved, 0, CHUNK, SEED2);
	model_check(&lc.moved, "the moved part, rewritten");
	lc_finish();
}

/*
 * Whole leaves moved 1 GiB up, under another PMD table (and its lock): the
 * deposits move with them, and a split or unmap there finds them.
 */
static void mremap_leaves_to_another_pmd_table(uint32_t mode, bool phys)
{
	char *src = reserve_va(1024 * MiB + LEN), *dst = src + 1024 * MiB;

	lc_open(mode, phys, src);
	warm(dst, LEN);
	lc_map();
	model_mremap(&lc.m, 0, LEN, &lc.moved, "moved 1 GiB up", dst);
	model_assert_shape(&lc.moved, "PPPP", lc.leaf);
	model_check(&lc.moved, "moved whole");
	assert_pgtables(lc.base, NCHUNKS, "moved whole (the deposits moved along)");
	model_mprotect(&lc.moved, 2 * CHUNK + 9 * PAGE, PAGE, PROT_READ);
	model_assert_shape(&lc.moved, "PPSP", lc.leaf);
	model_check(&lc.moved, "split where it landed");
	model_munmap(&lc.moved, 0, CHUNK);
	model_assert_shape(&lc.moved, "-PSP", lc.leaf);
	model_check(&lc.moved, "its first 2 MiB unmapped");
	assert_pgtables(lc.base, NCHUNKS - 1, "split and 2 MiB unmapped where it landed");
	lc_finish();
}

/*
 * fork(); the child splits (mprotect) and unmaps 2 MiB of its copy, writes,
 * and exits with the rest mapped; then the parent, whose page tables the
 * child never touched, splits its own (partial munmap).
 */
static void fork_split_child_exits_first(uint32_t mode, bool phys)
{
	pid_t pid;

	lc_open(mode, phys, NULL);
	lc_map();
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		uint64_t base;

		model_check(&lc.m, "child, after fork (the entries copied)");
		base = pgtable_bytes();
		model_mprotect(&lc.m, CHUNK + 3 * PAGE, PAGE, PROT_READ);
		model_assert_shape(&lc.m, "PSPP", lc.leaf);
		model_check(&lc.m, "child, 4 KiB of #1 read-only");
		assert_pgtables(base, 0, "child, after its split");
		model_munmap(&lc.m, 3 * CHUNK, CHUNK);
		model_check(&lc.m, "child, 2 MiB #3 unmapped");
		assert_pgtables(base, -1, "child, 2 MiB #3 unmapped (its own table freed)");
		model_fill(&lc.m, 0, CHUNK, SEED2);
		fflush(NULL);
		_exit(0);
	}
	wait_ok(pid, "the child");
	model_written(&lc.m, 0, CHUNK, SEED2);
	model_assert_shape(&lc.m, "PPPP", lc.leaf);
	model_check(&lc.m, "parent, after the child split and exited");
	assert_pgtables(lc.base, NCHUNKS, "parent, after the child exited");
	model_munmap(&lc.m, 2 * CHUNK + 7 * PAGE, PAGE);
	model_assert_shape(&lc.m, "PPSP", lc.leaf);
	model_check(&lc.m, "parent, 4 KiB of #2 unmapped");
	assert_pgtables(lc.base, NCHUNKS, "parent, after its split");
	lc_finish();
}

static void send(int fd)
{
	ASSERT_EQ(write(fd, "x", 1), 1);
}

static void receive(int fd)
{
	char c;

	ASSERT_EQ(read(fd, &c, 1), 1);
}

/*
 * fork(); the parent splits its mapping (mprotect, partial munmap), then the
 * child, whose copy those splits must not reach, splits its own, writes and
 * unmaps everything, and exits after them.
 */
static void fork_split_child_exits_after(uint32_t mode, bool phys)
{
	int to_child[2], to_parent[2];
	pid_t pid;

	lc_open(mode, phys, NULL);
	lc_map();
	ASSERT_OK(pipe(to_child));
	ASSERT_OK(pipe(to_parent));
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		uint64_t base;

		receive(to_child[0]);
		model_assert_shape(&lc.m, "PPPP", lc.leaf);
		model_check(&lc.m, "child, after the parent's splits");
		base = pgtable_bytes();
		model_mprotect(&lc.m, 5 * PAGE, PAGE, PROT_READ);
		model_assert_shape(&lc.m, "SPPP", lc.leaf);
		model_check(&lc.m, "child, 4 KiB of #0 read-only");
		model_fill(&lc.m, 3 * CHUNK, CHUNK, SEED2);
		assert_pgtables(base, 0, "child, after its split");
		send(to_parent[1]);
		receive(to_child[0]);
		model_munmap(&lc.m, 0, LEN);
		assert_pgtables(base, -NCHUNKS, "child, all unmapped (its own tables freed)");
		fflush(NULL);
		_exit(0);
	}
	model_mprotect(&lc.m, CHUNK + 3 * PAGE, PAGE, PROT_READ);
	model_munmap(&lc.m, 2 * CHUNK + 5 * PAGE, 2 * PAGE);
	model_assert_shape(&lc.m, "PSSP", lc.leaf);
	model_check(&lc.m, "parent, #1 and #2 split");
	send(to_child[1]);
	receive(to_parent[0]);
	model_written(&lc.m, 3 * CHUNK, CHUNK, SEED2);
	model_check(&lc.m, "parent, after the child split its copy");
	assert_pgtables(lc.base, NCHUNKS, "parent, after both split");
	send(to_child[1]);
	wait_ok(pid, "the child");
	model_check(&lc.m, "parent, after the child exited");
	assert_pgtables(lc.base, NCHUNKS, "parent, after the child exited");
	lc_finish();
}

/* After a zap: a touch maps the page again, or is SIGBUS and maps nothing. */
static void touch_zapped(size_t at, size_t len, const char *what)
{
	size_t last = at + len - PAGE;
	int sig;

	if (refaults(lc.mode)) {
		model_refault(&lc.m, at, len);
		model_check(&lc.m, what);
		return;
	}
	sig = probe_signal(lc.m.va + at, false);
	ASSERT_EQ(sig, SIGBUS);
	ASSERT_EQ(probe_signal(lc.m.va + last, true), SIGBUS);
	model_check(&lc.m, what);
}

/* PFNBENCH_IOC_ZAP of one whole 2 MiB: a leaf goes with its deposit. */
static void zap_whole_pmd(uint32_t mode, bool phys)
{
	lc_open(mode, phys, NULL);
	lc_map();
	model_zap(&lc.m, CHUNK, CHUNK);
	model_assert_shape(&lc.m, "P-PP", lc.leaf);
	model_check(&lc.m, "2 MiB #1 zapped");
	/* A PTE table stays where it was zapped; a leaf's deposit goes. */
	assert_pgtables(lc.base, NCHUNKS - lc.leaf, "2 MiB #1 zapped");
	touch_zapped(CHUNK, CHUNK, "zapped 2 MiB touched");
	if (refaults(mode)) {
		model_assert_shape(&lc.m, "PSPP", lc.leaf);
		ASSERT_EQ(buf_shape(lc.fd), PFNBENCH_SHAPE_PTE);
	}
	lc_finish();
}

/* PFNBENCH_IOC_ZAP of 16 KiB inside a PMD, then of 2 MiB across two. */
static void zap_part_of_pmd(uint32_t mode, bool phys)
{
	lc_open(mode, phys, NULL);
	lc_map();
	model_zap(&lc.m, 2 * CHUNK + 4 * PAGE, 4 * PAGE);
	model_assert_shape(&lc.m, "PPSP", lc.leaf);
	model_check(&lc.m, "16 KiB of #2 zapped");
	assert_pgtables(lc.base, NCHUNKS, "16 KiB zapped");
	touch_zapped(2 * CHUNK + 4 * PAGE, 4 * PAGE, "zapped 16 KiB touched");
	model_zap(&lc.m, CHUNK / 2, CHUNK);
	model_assert_shape(&lc.m, "SSSP", lc.leaf);
	model_check(&lc.m, "2 MiB across #0 and #1 zapped");
	assert_pgtables(lc.base, NCHUNKS, "2 MiB across two zapped");
	touch_zapped(CHUNK / 2, CHUNK, "zapped 2 MiB touched");
	lc_finish();
}

/*
 * A process exits with leaves, split PMDs, holes and zapped ranges mapped,
 * after a child of its own exited with copies of them: exit frees every
 * deposit and table (the kernel reports "BUG: non-zero pgtables_bytes" and
 * page_table_check complains otherwise, which fails the run) and the buffer.
 */
static void exit_with_everything_mapped(uint32_t mode, bool phys)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		pid_t child;

		lc_open(mode, phys, NULL);
		lc_map();
		model_mprotect(&lc.m, CHUNK + 3 * PAGE, PAGE, PROT_READ);
		model_munmap(&lc.m, 2 * CHUNK + 5 * PAGE, 2 * PAGE);
		model_zap(&lc.m, 3 * CHUNK, CHUNK);
		model_zap(&lc.m, 7 * PAGE, 2 * PAGE);
		model_assert_shape(&lc.m, "SSS-", lc.leaf);
		model_check(&lc.m, "before exit");
		fflush(NULL);
		child = fork();
		ASSERT_OK(child);
		if (child == 0) {
			model_fill(&lc.m, CHUNK, PAGE, SEED2);
			_exit(0);
		}
		wait_ok(child, "the grandchild");
		_exit(0);
	}
	wait_ok(pid, "the child");
	/* The last VMA closed, the buffer goes. */
	ASSERT_EQ(wait_allocated(0), 0);
}

#define LIFECYCLE(name, fn, mode, phys)					\
	TEST(name) { fn(mode, phys); }

/* remap: every case. */
#define R PFNBENCH_MODE_REMAP
LIFECYCLE(lifecycle_mprotect_4k_splits_one_pmd_remap, mprotect_4k_splits_one_pmd, R, false)
LIFECYCLE(lifecycle_mprotect_whole_pmd_keeps_leaf_remap, mprotect_whole_pmd_keeps_leaf, R, false)
LIFECYCLE(lifecycle_munmap_head_of_pmd_remap, munmap_head_of_pmd, R, false)
LIFECYCLE(lifecycle_munmap_middle_of_pmd_remap, munmap_middle_of_pmd, R, false)
LIFECYCLE(lifecycle_munmap_tail_of_pmd_remap, munmap_tail_of_pmd, R, false)
LIFECYCLE(lifecycle_mremap_to_misaligned_address_remap, mremap_to_misaligned_address, R, false)
LIFECYCLE(lifecycle_mremap_part_remap, mremap_part, R, false)
LIFECYCLE(lifecycle_mremap_leaves_to_another_pmd_table_remap, mremap_leaves_to_another_pmd_table, R, false)
LIFECYCLE(lifecycle_fork_split_child_exits_first_remap, fork_split_child_exits_first, R, false)
LIFECYCLE(lifecycle_fork_split_child_exits_after_remap, fork_split_child_exits_after, R, false)
LIFECYCLE(lifecycle_zap_whole_pmd_remap, zap_whole_pmd, R, false)
LIFECYCLE(lifecycle_zap_part_of_pmd_remap, zap_part_of_pmd, R, false)
LIFECYCLE(lifecycle_exit_with_everything_mapped_remap, exit_with_everything_mapped, R, false)

/* The gate modes: PTEs throughout; zapped pages refault or SIGBUS. */
#define RF PFNBENCH_MODE_REMAP_FAULT
#define RS PFNBENCH_MODE_REMAP_SIGBUS
LIFECYCLE(lifecycle_mprotect_4k_splits_one_pmd_remap_fault, mprotect_4k_splits_one_pmd, RF, false)
LIFECYCLE(lifecycle_fork_split_child_exits_first_remap_fault, fork_split_child_exits_first, RF, false)
LIFECYCLE(lifecycle_zap_whole_pmd_remap_fault, zap_whole_pmd, RF, false)
LIFECYCLE(lifecycle_zap_part_of_pmd_remap_fault, zap_part_of_pmd, RF, false)
LIFECYCLE(lifecycle_mprotect_4k_splits_one_pmd_remap_sigbus, mprotect_4k_splits_one_pmd, RS, false)
LIFECYCLE(lifecycle_fork_split_child_exits_first_remap_sigbus, fork_split_child_exits_first, RS, false)
LIFECYCLE(lifecycle_zap_whole_pmd_remap_sigbus, zap_whole_pmd, RS, false)
LIFECYCLE(lifecycle_zap_part_of_pmd_remap_sigbus, zap_part_of_pmd, RS, false)

/* The reserved range in its cache mode: splits, fork, mremap keep it. */
LIFECYCLE(phys_lifecycle_mprotect_4k_splits_one_pmd_remap, mprotect_4k_splits_one_pmd, R, true)
LIFECYCLE(phys_lifecycle_mprotect_whole_pmd_keeps_leaf_remap, mprotect_whole_pmd_keeps_leaf, R, true)
LIFECYCLE(phys_lifecycle_munmap_middle_of_pmd_remap, munmap_middle_of_pmd, R, true)
LIFECYCLE(phys_lifecycle_mremap_to_misaligned_address_remap, mremap_to_misaligned_address, R, true)
LIFECYCLE(phys_lifecycle_mremap_part_remap, mremap_part, R, true)
LIFECYCLE(phys_lifecycle_fork_split_child_exits_first_remap, fork_split_child_exits_first, R, true)
LIFECYCLE(phys_lifecycle_fork_split_child_exits_after_remap, fork_split_child_exits_after, R, true)
LIFECYCLE(phys_lifecycle_zap_part_of_pmd_remap, zap_part_of_pmd, R, true)
