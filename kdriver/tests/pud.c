// SPDX-License-Identifier: GPL-2.0
/*
 * 1 GiB (PUD) leaves: fault mode maps a whole GiB of a buffer that is one
 * 1 GiB-aligned run of the reserved range, at an address congruent to its
 * offset modulo 1 GiB, with one PUD leaf; whatever does not fit falls back to
 * PMD leaves, then PTEs. Run with the filter "pud_" and the module loaded
 * with phys_base and phys_size of a range that holds a 1 GiB-aligned GiB.
 * The harness says what this kernel must give: PFNBENCH_EXPECT_FAULT_PUD=yes
 * or no (the kernel has PUD PFNMAP faults), PFNBENCH_EXPECT_PUD_RUNS (how many
 * 1 GiB-aligned GiBs the range holds) and PFNBENCH_EXPECT_PUD_NODE (the
 * range's node, -1 where the kernel cannot tell the node of memory without
 * struct pages).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dev.h"
#include "harness.h"

#define GIB (1024 * MiB)
#define SEED 0x9ed1
#define SEED2 0x5b1d
/* Where the tests cut into the GiB: 4 KiB in its middle. */
#define CUT (GIB / 2)

/* The integer in environment variable name, or FAIL. */
static long expected(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		FAIL("%s is not set: the harness says what this kernel must give",
		     name);
	n = strtol(v, &end, 10);
	if (*end)
		FAIL("%s=%s: expected a number", name, v);
	return n;
}

static bool expect_fault_pud(void)
{
	const char *v = getenv("PFNBENCH_EXPECT_FAULT_PUD");

	if (v && !strcmp(v, "yes"))
		return true;
	if (v && !strcmp(v, "no"))
		return false;
	FAIL("PFNBENCH_EXPECT_FAULT_PUD=%s: expected yes or no", v ? v : "");
}

static struct pfnbench_info pud_info(void)
{
	struct pfnbench_info info = module_info();

	if (!info.phys_bytes)
		harness_skip("module loaded without phys_base/phys_size");
	if (!info.phys_pud_runs)
		harness_skip("the reserved range holds no 1 GiB-aligned GiB");
	return info;
}

/*
 * The leaves a touched GiB of a run gets here: 'u' one PUD leaf, 'p' PMD
 * leaves (no PUD PFNMAP faults), 't' PTEs (no huge PFNMAP faults at all).
 */
static char gib_leaf(void)
{
	if (expect_fault_pud())
		return 'u';
	return module_info().capabilities & PFNBENCH_CAP_FAULT_PMD ? 'p' : 't';
}

/* The leaves a touched range gets where no PUD leaf fits. */
static char fallback_leaf(void)
{
	return gib_leaf() == 't' ? 't' : 'p';
}

static const char *leaf_name(char leaf)
{
	return leaf == 'u' ? "pud" : leaf == 'p' ? "pmd" : "pte";
}

/* All of [p, p + len) mapped by leaf, special, writable, cache, node. */
static void assert_leaves(const char *p, size_t len, char leaf,
			  const struct pfnbench_info *info)
{
	struct pfnbench_walk w = dev_walk(p, len);

	print_walk(leaf_name(leaf), &w);
	ASSERT_EQ(w.bytes_hole, 0);
	switch (leaf) {
	case 'u':
		ASSERT_EQ(w.bytes_pud, len);
		ASSERT_EQ(w.nr_pud, len / GIB);
		break;
	case 'p':
		ASSERT_EQ(w.bytes_pmd, len);
		break;
	default:
		ASSERT_EQ(w.bytes_pte, len);
		break;
	}
	ASSERT_EQ(w.nr_special, w.nr_pte + w.nr_pmd + w.nr_pud);
	ASSERT_EQ(w.bytes_write, len);
	ASSERT_EQ(w.bytes_cache[info->caching], len);
	if (info->phys_node >= 0)
		ASSERT_EQ(w.node_bytes[info->phys_node], len);
	else
		ASSERT_EQ(w.bytes_other_node, len);
}

static void assert_data(const char *p, size_t len, size_t base, uint64_t seed)
{
	size_t bad = check(p, len, base, seed);

	if (bad != SIZE_MAX)
		FAIL("data differs at offset %zu", base + bad);
}

/* A new 1 GiB fault-mode buffer, mapped where mmap() puts it, filled. */
static char *map_gib(int *fd_out)
{
	int fd = dev_open_alloc(GIB, -1, PFNBENCH_MODE_FAULT);
	char *p = dev_map(fd, GIB, 0);

	fill(p, GIB, 0, SEED);
	if (fd_out)
		*fd_out = fd;
	return p;
}

TEST(pud_info_describes_the_runs)
{
	struct pfnbench_info info = pud_info();

	printf("  range %#llx + %llu MiB on node %d: %llu 1 GiB-aligned runs, PUD leaves %s\n",
	       (unsigned long long)info.phys_base,
	       (unsigned long long)info.phys_bytes / MiB, info.phys_node,
	       (unsigned long long)info.phys_pud_runs,
	       info.capabilities & PFNBENCH_CAP_FAULT_PUD ? "in fault mode" : "in no mode");
	ASSERT_EQ(info.pud_bytes, GIB);
	ASSERT_EQ(info.phys_pud_runs, expected("PFNBENCH_EXPECT_PUD_RUNS"));
	ASSERT_EQ(info.phys_node, expected("PFNBENCH_EXPECT_PUD_NODE"));
	ASSERT_EQ(!!(info.capabilities & PFNBENCH_CAP_FAULT_PUD), expect_fault_pud());
}

TEST(pud_fault_maps_a_gib_with_one_leaf)
{
	struct pfnbench_info info = pud_info();
	int fd = dev_open_alloc(GIB, -1, PFNBENCH_MODE_FAULT);
	char *p = dev_map(fd, GIB, 0);
	struct pfnbench_walk w = dev_walk(p, GIB);
	char leaf = gib_leaf();
	size_t i;

	printf("  mapped at %p\n", (void *)p);
	if (leaf == 'u')
		ASSERT_EQ((uintptr_t)p % GIB, 0);
	ASSERT_EQ(w.bytes_hole, GIB);
	/* One touch maps the whole GiB where a PUD leaf does. */
	(void)*(volatile char *)(p + CUT);
	w = dev_walk(p, GIB);
	print_walk("after one touch", &w);
	if (leaf == 'u') {
		ASSERT_EQ(w.nr_pud, 1);
		ASSERT_EQ(w.bytes_pud, GIB);
	} else {
		ASSERT_EQ(w.nr_pud, 0);
	}
	/* Fresh memory is zeroed (one word per page is enough here). */
	for (i = 0; i < GIB; i += PAGE)
		if (*(volatile uint64_t *)(p + i))
			FAIL("fresh buffer not zero at offset %zu", i);
	fill(p, GIB, 0, SEED);
	assert_data(p, GIB, 0, SEED);
	assert_leaves(p, GIB, leaf, &info);
	/* INFO says of the buffer what the walk read. */
	w = dev_walk(p, GIB);
	ASSERT_EQ(buf_shape(fd), walk_shape(&w));
	harness_record("shape", "%s in %s", leaf_name(leaf),
		       cache_name(info.caching));
}

TEST(pud_misaligned_mapping_gets_pmds)
{
	struct pfnbench_info info = pud_info();
	int fd;
	char *p = map_gib(&fd), *va, *off;

	ASSERT_OK(munmap(p, GIB));
	/* The whole GiB at an address 2 MiB past a 1 GiB boundary. */
	va = reserve_va(3 * GIB);
	va = (char *)(((uintptr_t)va + GIB - 1) / GIB * GIB + CHUNK);
	p = dev_map_at(fd, va, GIB, 0);
	touch(p, GIB);
	assert_data(p, GIB, 0, SEED);
	assert_leaves(p, GIB, fallback_leaf(), &info);
	/* From offset 2 MiB: no whole GiB of the buffer to map with a leaf. */
	off = dev_map(fd, GIB - CHUNK, CHUNK);
	touch(off, GIB - CHUNK);
	assert_data(off, GIB - CHUNK, CHUNK, SEED);
	assert_leaves(off, GIB - CHUNK, fallback_leaf(), &info);
	harness_record("shape", "%s", leaf_name(fallback_leaf()));
}

/*
 * After a cut at CUT, the GiB around it has no leaf left; touched again, it
 * is PMD leaves but for the 2 MiB around the cut (PTEs), or all PTEs.
 */
static void assert_cut(const char *p, size_t hole, const struct pfnbench_info *info)
{
	struct pfnbench_walk w = dev_walk(p, GIB);
	size_t around = fallback_leaf() == 'p' ? CHUNK : GIB;

	print_walk("after the cut", &w);
	ASSERT_EQ(w.nr_pud, 0);
	ASSERT_EQ(w.bytes_hole, hole);
	ASSERT_EQ(w.bytes_pte, around - hole);
	ASSERT_EQ(w.bytes_pmd, GIB - around);
	ASSERT_EQ(w.nr_special, w.nr_pte + w.nr_pmd);
	ASSERT_EQ(w.bytes_cache[info->caching], GIB - hole);
}

TEST(pud_munmap_part_splits_the_leaf)
{
	struct pfnbench_info info = pud_info();
	char *p = map_gib(NULL);

	assert_leaves(p, GIB, gib_leaf(), &info);
	ASSERT_OK(munmap(p + CUT, PAGE));
	touch(p, CUT);
	touch(p + CUT + PAGE, GIB - CUT - PAGE);
	assert_data(p, CUT, 0, SEED);
	assert_data(p + CUT + PAGE, GIB - CUT - PAGE, CUT + PAGE, SEED);
	assert_cut(p, PAGE, &info);
	ASSERT_EQ(probe_signal(p + CUT, false), SIGSEGV);
}

TEST(pud_mprotect_part_splits_the_leaf)
{
	struct pfnbench_info info = pud_info();
	char *p = map_gib(NULL);
	struct pfnbench_walk w;

	assert_leaves(p, GIB, gib_leaf(), &info);
	ASSERT_OK(mprotect(p + CUT, PAGE, PROT_READ));
	touch(p, GIB);
	assert_data(p, GIB, 0, SEED);
	assert_cut(p, 0, &info);
	w = dev_walk(p, GIB);
	ASSERT_EQ(w.bytes_write, GIB - PAGE);
	ASSERT_TRUE(can_read(p + CUT));
	ASSERT_TRUE(!can_write(p + CUT));
	ASSERT_TRUE(can_write(p + CUT - PAGE));
	ASSERT_TRUE(can_write(p + CUT + PAGE));
	/* Writable again: the pages fault back writable, data intact. */
	ASSERT_OK(mprotect(p + CUT, PAGE, PROT_READ | PROT_WRITE));
	fill(p + CUT, PAGE, CUT, SEED2);
	assert_data(p + CUT, PAGE, CUT, SEED2);
	assert_data(p, CUT, 0, SEED);
}

TEST(pud_zap_part_refaults_the_leaf)
{
	struct pfnbench_info info = pud_info();
	char *p = map_gib(NULL);
	struct pfnbench_walk w;

	assert_leaves(p, GIB, gib_leaf(), &info);
	dev_zap(p + CUT, PAGE);
	w = dev_walk(p, GIB);
	print_walk("after zap", &w);
	ASSERT_EQ(w.nr_pud, 0);
	ASSERT_TRUE(w.bytes_hole >= PAGE);
	/* The fault handler maps it again, with the same leaves as before. */
	touch(p, GIB);
	assert_data(p, GIB, 0, SEED);
	assert_leaves(p, GIB, gib_leaf(), &info);
}

TEST(pud_fork_child_shares_the_leaf)
{
	struct pfnbench_info info = pud_info();
	char *p = map_gib(NULL);
	int status;
	pid_t pid;

	assert_leaves(p, GIB, gib_leaf(), &info);
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		/* fork() copies the leaf: nothing to fault in the child. */
		assert_leaves(p, GIB, gib_leaf(), &info);
		assert_data(p, GIB, 0, SEED);
		fill(p, CHUNK, 0, SEED2);
		_exit(0);
	}
	ASSERT_OK(waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_data(p, CHUNK, 0, SEED2);
	assert_data(p + CHUNK, GIB - CHUNK, CHUNK, SEED);
	assert_leaves(p, GIB, gib_leaf(), &info);
}

TEST(pud_small_buffers_leave_the_run)
{
	struct pfnbench_info info = pud_info();
	int small;
	char *s, *p;

	if (info.phys_bytes - (uint64_t)info.phys_pud_runs * GIB < CHUNK)
		harness_skip("the range has nothing outside its 1 GiB runs");
	small = dev_open_alloc(CHUNK, -1, PFNBENCH_MODE_FAULT);
	s = dev_map(small, CHUNK, 0);
	fill(s, CHUNK, 0, SEED2);
	p = map_gib(NULL);
	assert_leaves(p, GIB, gib_leaf(), &info);
	assert_data(s, CHUNK, 0, SEED2);
	assert_data(p, GIB, 0, SEED);
}

TEST(pud_memory_is_given_back)
{
	pud_info();
	ASSERT_EQ(wait_allocated(0), 0);
}
