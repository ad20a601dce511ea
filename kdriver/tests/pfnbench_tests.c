// SPDX-License-Identifier: GPL-2.0
/*
 * Behaviours of the pfnbench device, one TEST each. Runs as root inside a
 * guest with the module loaded (see vm/). Buffers are small: the guest is
 * emulated (TCG) and only shapes, data and errors are checked, never time.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dev.h"
#include "harness.h"

#define LEN (8 * MiB)
#define SEED 0x5eed
#define SEED2 0xbeef

static void assert_data(const char *p, size_t len, size_t base, uint64_t seed)
{
	size_t bad = check(p, len, base, seed);

	if (bad != SIZE_MAX)
		FAIL("data differs at offset %zu of %zu", base + bad, len);
}

static bool is_zero(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint64_t))
		if (*(const volatile uint64_t *)(p + i))
			return false;
	return true;
}

/*
 * The shape a fully touched mapping of fd's buffer in `mode` must have on
 * this kernel, and INFO must say the buffer got it.
 */
static void assert_shape(int fd, uint32_t mode, const struct pfnbench_walk *w,
			 size_t len)
{
	ASSERT_EQ(w->bytes_hole, 0);
	switch (mode) {
	case PFNBENCH_MODE_PTE:
		ASSERT_EQ(w->bytes_pte, len);
		break;
	case PFNBENCH_MODE_REMAP:
		/*
		 * What remap_pfn_range() gives depends on the kernel: the
		 * harness says what this one must give (PMD leaves with the
		 * series, PTEs without).
		 */
		if (expect_remap_pmd() > 0)
			ASSERT_EQ(w->bytes_pmd, len);
		else if (expect_remap_pmd() == 0)
			ASSERT_EQ(w->bytes_pte, len);
		else if (w->bytes_pmd != len && w->bytes_pte != len)
			FAIL("remap mapping is neither all PMD nor all PTE");
		break;
	case PFNBENCH_MODE_FAULT:
		if (fault_can_give_pmd())
			ASSERT_EQ(w->bytes_pmd, len);
		else
			ASSERT_EQ(w->bytes_pte, len);
		break;
	default:
		/* The series' gate: a VMA with a fault handler gets PTEs. */
		ASSERT_EQ(w->bytes_pte, len);
		break;
	}
	/* PFNMAP entries all carry the special bit (PTE, PMD or PUD leaf). */
	ASSERT_EQ(w->nr_special, w->nr_pte + w->nr_pmd + w->nr_pud);
	ASSERT_EQ(w->nr_pte * PAGE, w->bytes_pte);
	ASSERT_EQ(buf_shape(fd), walk_shape(w));
}

#define EACH_MODE(fn)							\
	TEST(fn##_pte) { fn(PFNBENCH_MODE_PTE); }			\
	TEST(fn##_remap) { fn(PFNBENCH_MODE_REMAP); }			\
	TEST(fn##_fault) { fn(PFNBENCH_MODE_FAULT); }			\
	TEST(fn##_remap_fault) { fn(PFNBENCH_MODE_REMAP_FAULT); }	\
	TEST(fn##_remap_sigbus) { fn(PFNBENCH_MODE_REMAP_SIGBUS); }

static void maps_reads_and_writes(uint32_t mode)
{
	int fd = dev_open_alloc(LEN, -1, mode);
	char *p = dev_map(fd, LEN, 0);
	struct pfnbench_walk w = dev_walk(p, LEN);

	print_walk("before touching", &w);
	/* pte and remap map everything in mmap, fault maps nothing yet. */
	if (mode == PFNBENCH_MODE_FAULT)
		ASSERT_EQ(w.bytes_hole, LEN);
	else
		ASSERT_EQ(w.bytes_hole, 0);
	ASSERT_TRUE(is_zero(p, LEN)); /* fresh memory is zeroed */
	fill(p, LEN, 0, SEED);
	assert_data(p, LEN, 0, SEED);
	w = dev_walk(p, LEN);
	print_walk("after writing", &w);
	assert_shape(fd, mode, &w, LEN);
	ASSERT_EQ(w.bytes_write, LEN);
	/* Page-allocator RAM is mapped write-back. */
	ASSERT_EQ(w.bytes_cache[PFNBENCH_CACHE_WB], LEN);
	ASSERT_TRUE((uintptr_t)p % CHUNK == 0);
}
EACH_MODE(maps_reads_and_writes)

static void two_mappings_share_memory(uint32_t mode)
{
	int fd = dev_open_alloc(LEN, -1, mode);
	char *a = dev_map(fd, LEN, 0);
	char *b = dev_map(fd, LEN - CHUNK, CHUNK);

	fill(a, LEN, 0, SEED);
	assert_data(b, LEN - CHUNK, CHUNK, SEED);
	fill(b, LEN - CHUNK, CHUNK, SEED2);
	assert_data(a + CHUNK, LEN - CHUNK, CHUNK, SEED2);
	assert_data(a, CHUNK, 0, SEED);
	/* The offset mapping is 2 MiB aligned too, so it can use PMDs. */
	ASSERT_TRUE((uintptr_t)b % CHUNK == 0);
	touch(b, LEN - CHUNK);
	struct pfnbench_walk w = dev_walk(b, LEN - CHUNK);

	assert_shape(fd, mode, &w, LEN - CHUNK);
}
EACH_MODE(two_mappings_share_memory)

static void data_survives_unmap_and_remap(uint32_t mode)
{
	int fd = dev_open_alloc(LEN, -1, mode);
	char *p = dev_map(fd, LEN, 0);

	fill(p, LEN, 0, SEED);
	ASSERT_OK(munmap(p, LEN));
	p = dev_map(fd, LEN, 0);
	assert_data(p, LEN, 0, SEED);
}
EACH_MODE(data_survives_unmap_and_remap)

/* 4 KiB mprotect() in the second 2 MiB of a 4 MiB mapping. */
/*
 * PFNS reads the frame behind every page: each 2 MiB chunk starts at a 2 MiB
 * aligned frame and runs on contiguously, a second mapping at an offset sees
 * the same frames, and a zapped page reads 0 while the other chunks keep
 * theirs.
 */
static void pfns_read_back_the_chunks(uint32_t mode)
{
	static uint64_t pfns[LEN / PAGE], again[LEN / PAGE], other[CHUNK / PAGE];
	int fd = dev_open_alloc(LEN, -1, mode);
	char *p = dev_map(fd, LEN, 0);
	char *b = dev_map(fd, CHUNK, CHUNK);
	size_t i;

	touch(p, LEN);
	touch(b, CHUNK);
	ASSERT_EQ(dev_pfns_err(p, LEN, pfns), 0);
	for (i = 0; i < LEN / PAGE; i++) {
		if (i % (CHUNK / PAGE) == 0)
			ASSERT_EQ(pfns[i] % (CHUNK / PAGE), 0);
		else
			ASSERT_EQ(pfns[i], pfns[i - 1] + 1);
		ASSERT_TRUE(pfns[i] != 0);
	}
	ASSERT_EQ(dev_pfns_err(b, CHUNK, other), 0);
	ASSERT_EQ(memcmp(other, pfns + CHUNK / PAGE, sizeof(other)), 0);

	/*
	 * A leaf that cannot be split into PTEs (a fault-path PMD, which a
	 * fault maps again) is cleared whole: its other pages read 0 too.
	 */
	dev_zap(p + 3 * PAGE, PAGE);
	ASSERT_EQ(dev_pfns_err(p, LEN, again), 0);
	ASSERT_EQ(again[3], 0);
	for (i = 0; i < LEN / PAGE; i++)
		if (again[i] != pfns[i] && (again[i] || i >= CHUNK / PAGE))
			FAIL("page %zu reads frame %#llx after the zap of page 3, "
			     "was %#llx", i, (unsigned long long)again[i],
			     (unsigned long long)pfns[i]);
}
EACH_MODE(pfns_read_back_the_chunks)

TEST(pfns_refuses_bad_ranges_and_needs_cap_sys_admin)
{
	static uint64_t pfns[CHUNK / PAGE];
	int fd = dev_open_alloc(CHUNK, -1, PFNBENCH_MODE_REMAP);
	char *p = dev_map(fd, CHUNK, 0);
	char *anon = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct __user_cap_header_struct head = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[2];

	ASSERT_TRUE(anon != MAP_FAILED);
	ASSERT_EQ(dev_pfns_err(p + 1, PAGE, pfns), -EINVAL);
	ASSERT_EQ(dev_pfns_err(p, 0, pfns), -EINVAL);
	ASSERT_EQ(dev_pfns_err(anon, PAGE, pfns), -EINVAL);
	ASSERT_EQ(dev_pfns_err((void *)-PAGE, 2 * PAGE, pfns), -EINVAL);
	ASSERT_EQ(dev_pfns_err(p, CHUNK, NULL), -EFAULT);
	/* Address space with nothing mapped reads as holes. */
	ASSERT_OK(munmap(anon, CHUNK));
	pfns[0] = 1;
	ASSERT_EQ(dev_pfns_err(anon, PAGE, pfns), 0);
	ASSERT_EQ(pfns[0], 0);
	/* Frame numbers are physical addresses: pagemap's rule. */
	ASSERT_OK(syscall(SYS_capget, &head, caps));
	caps[0].effective &= ~(1U << CAP_SYS_ADMIN);
	ASSERT_OK(syscall(SYS_capset, &head, caps));
	ASSERT_EQ(dev_pfns_err(p, CHUNK, pfns), -EPERM);
}

static void mprotect_4k_inside_pmd(uint32_t mode)
{
	const size_t len = 4 * MiB;
	int fd = dev_open_alloc(len, -1, mode);
	char *p = dev_map(fd, len, 0);
	char *ro = p + CHUNK + 3 * PAGE;
	struct pfnbench_walk w;

	fill(p, len, 0, SEED);
	w = dev_walk(p, len);
	assert_shape(fd, mode, &w, len);
	ASSERT_OK(mprotect(ro, PAGE, PROT_READ));

	assert_data(p, len, 0, SEED);
	ASSERT_TRUE(can_read(ro));
	ASSERT_TRUE(!can_write(ro));
	ASSERT_TRUE(!can_write(ro + PAGE - 1));
	ASSERT_TRUE(can_write(ro - 1));
	ASSERT_TRUE(can_write(ro + PAGE));
	ASSERT_TRUE(can_write(p));
	touch(p, len);
	w = dev_walk(p + CHUNK, CHUNK);
	print_walk("split 2 MiB", &w);
	/* The split 2 MiB is now PTEs, one of them read-only. */
	ASSERT_EQ(w.bytes_hole, 0);
	ASSERT_EQ(w.bytes_pte, CHUNK);
	ASSERT_EQ(w.bytes_write, CHUNK - PAGE);
	/* The untouched 2 MiB keeps its shape. */
	w = dev_walk(p, CHUNK);
	print_walk("other 2 MiB", &w);
	assert_shape(fd, mode, &w, CHUNK);

	ASSERT_OK(mprotect(ro, PAGE, PROT_READ | PROT_WRITE));
	ASSERT_TRUE(can_write(ro));
	fill(p, len, 0, SEED2);
	assert_data(p, len, 0, SEED2);
}
EACH_MODE(mprotect_4k_inside_pmd)

/* munmap() of 8 KiB in the middle of the second 2 MiB. */
static void partial_munmap_inside_pmd(uint32_t mode)
{
	const size_t len = 4 * MiB;
	const size_t hole_off = CHUNK + 5 * PAGE, hole_len = 2 * PAGE;
	int fd = dev_open_alloc(len, -1, mode);
	char *p = dev_map(fd, len, 0);
	struct pfnbench_walk w;

	fill(p, len, 0, SEED);
	touch(p, len);
	ASSERT_OK(munmap(p + hole_off, hole_len));

	ASSERT_TRUE(!can_read(p + hole_off));
	ASSERT_TRUE(!can_read(p + hole_off + hole_len - 1));
	assert_data(p, hole_off, 0, SEED);
	assert_data(p + hole_off + hole_len, len - hole_off - hole_len,
		    hole_off + hole_len, SEED);
	touch(p, hole_off);
	touch(p + hole_off + hole_len, len - hole_off - hole_len);
	w = dev_walk(p, len);
	print_walk("after munmap", &w);
	ASSERT_EQ(w.bytes_hole, hole_len);
	ASSERT_EQ(w.bytes_write, len - hole_len);
	w = dev_walk(p + CHUNK, CHUNK);
	ASSERT_EQ(w.bytes_pmd, 0);
	fill(p, hole_off, 0, SEED2);
	assert_data(p, hole_off, 0, SEED2);
}
EACH_MODE(partial_munmap_inside_pmd)

static void fork_child_reads_and_writes(uint32_t mode)
{
	int fd = dev_open_alloc(LEN, -1, mode);
	char *p = dev_map(fd, LEN, 0);
	int status;
	pid_t pid;

	fill(p, LEN, 0, SEED);
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		struct pfnbench_walk w;

		assert_data(p, LEN, 0, SEED);
		fill(p + LEN / 2, LEN / 2, LEN / 2, SEED2);
		touch(p, LEN);
		w = dev_walk(p, LEN);
		print_walk("in the child", &w);
		assert_shape(fd, mode, &w, LEN);
		exit(0);
	}
	ASSERT_OK(waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_data(p, LEN / 2, 0, SEED);
	assert_data(p + LEN / 2, LEN / 2, LEN / 2, SEED2);
}
EACH_MODE(fork_child_reads_and_writes)

static void mremap_shrink_works_expand_fails(uint32_t mode)
{
	const size_t len = 4 * MiB;
	int fd = dev_open_alloc(len, -1, mode);
	char *p = dev_map(fd, len, 0);
	struct pfnbench_walk w;

	fill(p, len, 0, SEED);
	ASSERT_TRUE(mremap(p, len, CHUNK, 0) == p);
	assert_data(p, CHUNK, 0, SEED);
	w = dev_walk(p + CHUNK, CHUNK);
	ASSERT_EQ(w.bytes_hole, CHUNK);
	ASSERT_TRUE(!can_read(p + CHUNK));

	/* VM_DONTEXPAND: growing in place or by moving is refused. */
	ASSERT_TRUE(mremap(p, CHUNK, len, 0) == MAP_FAILED);
	ASSERT_EQ(errno, EFAULT);
	ASSERT_TRUE(mremap(p, CHUNK, len, MREMAP_MAYMOVE) == MAP_FAILED);
	ASSERT_EQ(errno, EFAULT);
	assert_data(p, CHUNK, 0, SEED);
}
EACH_MODE(mremap_shrink_works_expand_fails)

static void mremap_move_keeps_data(uint32_t mode)
{
	const size_t len = 4 * MiB;
	int fd = dev_open_alloc(len, -1, mode);
	char *p = dev_map(fd, len, 0);
	char *area, *dst, *q;
	struct pfnbench_walk w;

	fill(p, len, 0, SEED);
	/* A 2 MiB aligned destination inside reserved address space. */
	area = mmap(NULL, len + CHUNK, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(area != MAP_FAILED);
	dst = (char *)(((uintptr_t)area + CHUNK - 1) & ~(CHUNK - 1));
	q = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (q == MAP_FAILED)
		FAIL("mremap move: %s", strerror(errno));
	ASSERT_TRUE(q == dst);
	assert_data(q, len, 0, SEED);
	touch(q, len);
	w = dev_walk(q, len);
	print_walk("moved", &w);
	assert_shape(fd, mode, &w, len);
	ASSERT_OK(munmap(q, len));
}
EACH_MODE(mremap_move_keeps_data)

static void placed_on_node(int node, uint32_t mode)
{
	struct pfnbench_info info = module_info();
	int fd, got = -5;
	struct pfnbench_walk w;
	char *p;

	if ((uint32_t)node >= info.nr_node_ids)
		harness_skip("the guest has no such node");
	fd = dev_open();
	ASSERT_EQ(dev_alloc(fd, LEN, node, mode, &got), 0);
	ASSERT_EQ(got, node);
	ASSERT_EQ(dev_info(fd).buf_node, node);
	p = dev_map(fd, LEN, 0);
	touch(p, LEN);
	w = dev_walk(p, LEN);
	print_walk("placed", &w);
	ASSERT_EQ(w.node_bytes[node], LEN);
}

TEST(buffer_asked_on_node_1_is_on_node_1_fault)
{
	placed_on_node(1, PFNBENCH_MODE_FAULT);
}

TEST(buffer_asked_on_node_1_is_on_node_1_pte)
{
	placed_on_node(1, PFNBENCH_MODE_PTE);
}

TEST(buffer_asked_on_node_0_is_on_node_0_remap)
{
	placed_on_node(0, PFNBENCH_MODE_REMAP);
}

TEST(default_node_is_reported)
{
	int fd = dev_open(), got = -5;

	ASSERT_EQ(dev_alloc(fd, CHUNK, -1, PFNBENCH_MODE_PTE, &got), 0);
	ASSERT_TRUE(got >= 0);
	ASSERT_EQ(dev_info(fd).buf_node, got);
}

TEST(info_describes_module_and_kernel)
{
	struct pfnbench_info info = module_info();

	printf("  abi %u, modes 0x%x, capabilities 0x%x, kernel %s, %u node ids, chunk %llu KiB, max %llu MiB\n",
	       info.abi_version, info.modes, info.capabilities, info.release,
	       info.nr_node_ids, (unsigned long long)info.chunk_bytes / KiB,
	       (unsigned long long)info.max_bytes / MiB);
	ASSERT_EQ(info.abi_version, PFNBENCH_ABI_VERSION);
	ASSERT_EQ(info.chunk_bytes, CHUNK);
	ASSERT_TRUE(info.modes & PFNBENCH_MODE_BIT(PFNBENCH_MODE_PTE));
	ASSERT_TRUE(info.modes & PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP));
	ASSERT_TRUE(info.modes & PFNBENCH_MODE_BIT(PFNBENCH_MODE_FAULT));
	ASSERT_TRUE(info.modes & PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP_FAULT));
	ASSERT_TRUE(info.modes & PFNBENCH_MODE_BIT(PFNBENCH_MODE_REMAP_SIGBUS));
	ASSERT_EQ(info.capabilities &
		  ~(PFNBENCH_CAP_HUGE_PFNMAP | PFNBENCH_CAP_FAULT_PMD |
		    PFNBENCH_CAP_FAULT_PUD), 0);
	/*
	 * A leaf from the fault path needs huge PFNMAP faults; a PUD one the
	 * same cache mode a PMD one needs.
	 */
	if (info.capabilities & PFNBENCH_CAP_FAULT_PMD)
		ASSERT_TRUE(info.capabilities & PFNBENCH_CAP_HUGE_PFNMAP);
	if (info.capabilities & PFNBENCH_CAP_FAULT_PUD)
		ASSERT_TRUE(info.capabilities & PFNBENCH_CAP_FAULT_PMD);
	ASSERT_EQ(info.buf_bytes, 0);
	ASSERT_EQ(info.buf_mode, 0);
	ASSERT_EQ(info.buf_shape, PFNBENCH_SHAPE_NONE);
	ASSERT_TRUE(info.release[0] != '\0');
	/*
	 * Linux >= 6.12 on x86-64 has huge PFNMAP faults, PMD and PUD, whose
	 * leaves keep write-back (page-allocator RAM here).
	 */
	if (info.kernel_version >= ((6 << 16) | (12 << 8)))
		ASSERT_EQ(info.capabilities,
			  PFNBENCH_CAP_HUGE_PFNMAP | PFNBENCH_CAP_FAULT_PMD |
			  PFNBENCH_CAP_FAULT_PUD);
	ASSERT_EQ(info.pud_bytes, 1024 * MiB);
}

/*
 * INFO.buf_shape belongs to each buffer: nothing until a whole chunk is
 * mapped at an aligned address, then what that chunk got, whatever other
 * buffers get before or after.
 */
TEST(each_buffer_reports_its_own_shape)
{
	int none = dev_open();
	int pte = dev_open_alloc(2 * CHUNK, -1, PFNBENCH_MODE_PTE);
	int part = dev_open_alloc(2 * CHUNK, -1, PFNBENCH_MODE_REMAP);
	int untouched = dev_open_alloc(2 * CHUNK, -1, PFNBENCH_MODE_FAULT);
	int fault = dev_open_alloc(2 * CHUNK, -1, PFNBENCH_MODE_FAULT);
	uint32_t fault_got;
	struct pfnbench_walk w;
	char *p;

	ASSERT_EQ(buf_shape(none), PFNBENCH_SHAPE_NONE);
	ASSERT_EQ(buf_shape(pte), PFNBENCH_SHAPE_NONE);
	dev_map(pte, 2 * CHUNK, 0);
	ASSERT_EQ(buf_shape(pte), PFNBENCH_SHAPE_PTE);
	/* Half a chunk, and a chunk's worth that starts 4 KiB into one. */
	dev_map(part, CHUNK / 2, 0);
	dev_map(part, CHUNK, PAGE);
	ASSERT_EQ(buf_shape(part), PFNBENCH_SHAPE_NONE);
	/* Fault mode maps nothing before the first touch. */
	dev_map(untouched, 2 * CHUNK, 0);
	ASSERT_EQ(buf_shape(untouched), PFNBENCH_SHAPE_NONE);
	p = dev_map(fault, 2 * CHUNK, 0);
	touch(p, 2 * CHUNK);
	w = dev_walk(p, 2 * CHUNK);
	print_walk("fault", &w);
	fault_got = fault_can_give_pmd() ? PFNBENCH_SHAPE_PMD :
					   PFNBENCH_SHAPE_PTE;
	ASSERT_EQ(walk_shape(&w), fault_got);
	ASSERT_EQ(buf_shape(fault), fault_got);
	/* The others still say what they got, or that they got nothing. */
	ASSERT_EQ(buf_shape(none), PFNBENCH_SHAPE_NONE);
	ASSERT_EQ(buf_shape(pte), PFNBENCH_SHAPE_PTE);
	ASSERT_EQ(buf_shape(part), PFNBENCH_SHAPE_NONE);
	ASSERT_EQ(buf_shape(untouched), PFNBENCH_SHAPE_NONE);
	/* A whole aligned chunk of the remap buffer at last. */
	p = dev_map(part, 2 * CHUNK, 0);
	w = dev_walk(p, 2 * CHUNK);
	print_walk("remap", &w);
	ASSERT_EQ(buf_shape(part), walk_shape(&w));
	ASSERT_EQ(buf_shape(pte), PFNBENCH_SHAPE_PTE);
	ASSERT_EQ(buf_shape(fault), fault_got);
	harness_record("shapes", "pte %s, remap %s, fault %s",
		       shape_name(buf_shape(pte)), shape_name(buf_shape(part)),
		       shape_name(buf_shape(fault)));
}

TEST(map_private_is_refused)
{
	int fd = dev_open_alloc(CHUNK, -1, PFNBENCH_MODE_REMAP);

	ASSERT_TRUE(mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			 0) == MAP_FAILED);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_TRUE(mmap(NULL, CHUNK, PROT_READ, MAP_PRIVATE, fd, 0) ==
		    MAP_FAILED);
	ASSERT_EQ(errno, EINVAL);
}

static void assert_mmap_fails(int fd, size_t len, off_t off, int err)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	if (p != MAP_FAILED)
		FAIL("mmap of %zu at %lld succeeded", len, (long long)off);
	if (errno != err)
		FAIL("mmap of %zu at %lld: %s, expected %s", len,
		     (long long)off, strerror(errno), strerror(err));
}

TEST(mmap_beyond_the_buffer_is_refused)
{
	int fd = dev_open_alloc(2 * CHUNK, -1, PFNBENCH_MODE_FAULT);

	assert_mmap_fails(fd, 2 * CHUNK + PAGE, 0, EINVAL);
	assert_mmap_fails(fd, PAGE, 2 * CHUNK, EINVAL);
	assert_mmap_fails(fd, 2 * CHUNK, CHUNK, EINVAL);
	assert_mmap_fails(fd, PAGE, (off_t)1 << 45, EINVAL);
	/* The last page is fine. */
	ASSERT_TRUE(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd,
			 2 * CHUNK - PAGE) != MAP_FAILED);
}

TEST(mmap_before_alloc_is_refused)
{
	int fd = dev_open();

	assert_mmap_fails(fd, CHUNK, 0, ENXIO);
}

TEST(second_alloc_is_refused)
{
	int fd = dev_open_alloc(CHUNK, -1, PFNBENCH_MODE_PTE);
	struct pfnbench_info info;

	ASSERT_EQ(dev_alloc(fd, CHUNK, -1, PFNBENCH_MODE_PTE, NULL), -EBUSY);
	ASSERT_EQ(dev_alloc(fd, 2 * CHUNK, -1, PFNBENCH_MODE_FAULT, NULL),
		  -EBUSY);
	info = dev_info(fd);
	ASSERT_EQ(info.buf_bytes, CHUNK);
	ASSERT_EQ(info.buf_mode, PFNBENCH_MODE_PTE);
}

TEST(unknown_modes_and_flags_are_refused)
{
	int fd = dev_open();
	struct pfnbench_alloc req = { .bytes = CHUNK, .node = -1,
				      .mode = PFNBENCH_MODE_PTE, .flags = 1 };

	ASSERT_EQ(dev_alloc(fd, CHUNK, -1, 0, NULL), -EINVAL);
	ASSERT_EQ(dev_alloc(fd, CHUNK, -1, PFNBENCH_MODE_REMAP_SIGBUS + 1, NULL),
		  -EINVAL);
	ASSERT_EQ(dev_alloc(fd, CHUNK, -1, 0xffffffff, NULL), -EINVAL);
	ASSERT_ERRNO(ioctl(fd, PFNBENCH_IOC_ALLOC, &req), EINVAL);
	req.flags = 0;
	req.reserved = 7;
	ASSERT_ERRNO(ioctl(fd, PFNBENCH_IOC_ALLOC, &req), EINVAL);
	ASSERT_EQ(dev_info(fd).buf_bytes, 0);
}

TEST(absurd_sizes_are_refused)
{
	int fd = dev_open();
	struct pfnbench_info info = dev_info(fd);

	ASSERT_EQ(dev_alloc(fd, 0, -1, PFNBENCH_MODE_PTE, NULL), -EINVAL);
	ASSERT_EQ(dev_alloc(fd, 1, -1, PFNBENCH_MODE_PTE, NULL), -EINVAL);
	ASSERT_EQ(dev_alloc(fd, PAGE, -1, PFNBENCH_MODE_PTE, NULL), -EINVAL);
	ASSERT_EQ(dev_alloc(fd, CHUNK + PAGE, -1, PFNBENCH_MODE_PTE, NULL),
		  -EINVAL);
	ASSERT_EQ(dev_alloc(fd, 1ULL << 62, -1, PFNBENCH_MODE_PTE, NULL),
		  -E2BIG);
	ASSERT_EQ(dev_alloc(fd, info.max_bytes + CHUNK, -1, PFNBENCH_MODE_PTE,
			    NULL), -E2BIG);
	/* More than the node has (the guest's nodes are far below 32 GiB). */
	ASSERT_EQ(dev_alloc(fd, 32768 * MiB, 0, PFNBENCH_MODE_PTE, NULL),
		  -E2BIG);
	ASSERT_EQ(dev_info(fd).buf_bytes, 0);
	ASSERT_EQ(module_info().allocated_bytes, 0);
}

TEST(bad_nodes_are_refused)
{
	int fd = dev_open();
	struct pfnbench_info info = dev_info(fd);

	ASSERT_EQ(dev_alloc(fd, CHUNK, -2, PFNBENCH_MODE_PTE, NULL), -ENODEV);
	ASSERT_EQ(dev_alloc(fd, CHUNK, (int)info.nr_node_ids,
			    PFNBENCH_MODE_PTE, NULL), -ENODEV);
	ASSERT_EQ(dev_alloc(fd, CHUNK, 1 << 30, PFNBENCH_MODE_PTE, NULL),
		  -ENODEV);
}

TEST(unknown_ioctls_are_refused)
{
	int fd = dev_open();
	int arg = 0;

	ASSERT_ERRNO(ioctl(fd, _IO(PFNBENCH_IOC_MAGIC, 99)), ENOTTY);
	ASSERT_ERRNO(ioctl(fd, _IOR('x', 1, int), &arg), ENOTTY);
	ASSERT_ERRNO(ioctl(fd, _IOW(PFNBENCH_IOC_MAGIC, 0, int), &arg),
		     ENOTTY);
	ASSERT_ERRNO(ioctl(fd, PFNBENCH_IOC_INFO, NULL), EFAULT);
	ASSERT_ERRNO(ioctl(fd, PFNBENCH_IOC_ALLOC, (void *)16), EFAULT);
	ASSERT_ERRNO(ioctl(fd, PFNBENCH_IOC_WALK, NULL), EFAULT);
}

TEST(walk_refuses_bad_ranges)
{
	int fd = dev_open_alloc(CHUNK, -1, PFNBENCH_MODE_REMAP);
	char *p = dev_map(fd, CHUNK, 0);
	char *anon = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pfnbench_walk w;

	ASSERT_TRUE(anon != MAP_FAILED);
	ASSERT_EQ(dev_walk_err(p + 1, PAGE, &w), -EINVAL);
	ASSERT_EQ(dev_walk_err(p, 0, &w), -EINVAL);
	ASSERT_EQ(dev_walk_err(p, 100, &w), -EINVAL);
	ASSERT_EQ(dev_walk_err(anon, CHUNK, &w), -EINVAL);
	ASSERT_EQ(dev_walk_err((void *)-PAGE, 2 * PAGE, &w), -EINVAL);
	ASSERT_EQ(dev_walk_err((void *)(1UL << 60), PAGE, &w), -EINVAL);
	/* Address space with nothing mapped is all hole. */
	ASSERT_OK(munmap(anon, CHUNK));
	ASSERT_EQ(dev_walk_err(anon, CHUNK, &w), 0);
	ASSERT_EQ(w.bytes_hole, CHUNK);
}

TEST(zap_refuses_bad_ranges)
{
	int fd = dev_open_alloc(2 * CHUNK, -1, PFNBENCH_MODE_REMAP);
	char *p = dev_map(fd, 2 * CHUNK, 0);
	char *anon = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pfnbench_zap z = { .start = (uintptr_t)p, .len = PAGE,
				  .flags = 1 };
	int ctl = dev_open();

	ASSERT_TRUE(anon != MAP_FAILED);
	fill(p, 2 * CHUNK, 0, SEED);
	ASSERT_EQ(dev_zap_err(p + 1, PAGE), -EINVAL);
	ASSERT_EQ(dev_zap_err(p, 0), -EINVAL);
	ASSERT_EQ(dev_zap_err(p, 100), -EINVAL);
	ASSERT_EQ(dev_zap_err(anon, PAGE), -EINVAL);
	ASSERT_EQ(dev_zap_err((void *)-PAGE, 2 * PAGE), -EINVAL);
	/* Past the end of the mapping, and across two VMAs. */
	ASSERT_EQ(dev_zap_err(p, 2 * CHUNK + PAGE), -EINVAL);
	ASSERT_OK(mprotect(p, CHUNK, PROT_READ));
	ASSERT_EQ(dev_zap_err(p + CHUNK - PAGE, 2 * PAGE), -EINVAL);
	ASSERT_ERRNO(ioctl(ctl, PFNBENCH_IOC_ZAP, &z), EINVAL);
	ASSERT_ERRNO(ioctl(ctl, PFNBENCH_IOC_ZAP, NULL), EFAULT);
	/* Nothing was zapped. */
	assert_data(p, 2 * CHUNK, 0, SEED);
	ASSERT_EQ(dev_walk(p, 2 * CHUNK).bytes_hole, 0);
}

/* WALK or ZAP of a u64 range; -errno or 0. */
static int range_ioctl(int fd, unsigned long cmd, uint64_t start, uint64_t len)
{
	struct pfnbench_walk w = { .start = start, .len = len };
	struct pfnbench_zap z = { .start = start, .len = len };

	if (ioctl(fd, cmd, cmd == PFNBENCH_IOC_WALK ? (void *)&w : (void *)&z) < 0)
		return -errno;
	return 0;
}

/*
 * Ranges are checked in u64 before anything is narrowed: a start + len that
 * wraps, a length or start beyond user space, and a start whose low bits
 * alone name the mapping (what a truncation to 32 bits would walk or zap)
 * are EINVAL, and nothing is zapped.
 */
TEST(walk_and_zap_refuse_huge_and_wrapping_ranges)
{
	int fd = dev_open_alloc(2 * CHUNK, -1, PFNBENCH_MODE_REMAP);
	char *p = dev_map(fd, 2 * CHUNK, 0);
	uint64_t va = (uintptr_t)p, page = PAGE;
	const uint64_t bad[][2] = {
		{ va, -page },			/* start + len wraps */
		{ va, -va },			/* ends exactly at 2^64, i.e. 0 */
		{ va, 1ULL << 63 },		/* longer than user space */
		{ va, (1ULL << 62) - page },	/* ends beyond user space */
		{ -page, page },		/* top page: wraps to 0 */
		{ -(2 * page), page },		/* beyond user space */
		{ (1ULL << 63) | va, 2 * CHUNK },	/* low 63 bits: p */
		{ (1ULL << 56) | va, CHUNK },	/* beyond 5-level too */
		{ va, -page & ~((1ULL << 32) - 1) },	/* low 32 bits: 0 */
	};
	unsigned int i;
	int ctl = dev_open();

	fill(p, 2 * CHUNK, 0, SEED);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int walk = range_ioctl(ctl, PFNBENCH_IOC_WALK, bad[i][0],
				       bad[i][1]);
		int zap = range_ioctl(ctl, PFNBENCH_IOC_ZAP, bad[i][0],
				      bad[i][1]);

		if (walk != -EINVAL || zap != -EINVAL)
			FAIL("start %#llx len %#llx: WALK %s, ZAP %s, expected EINVAL",
			     (unsigned long long)bad[i][0],
			     (unsigned long long)bad[i][1],
			     strerror(-walk), strerror(-zap));
	}
	/* Nothing was zapped, and the same range is fine in bounds. */
	assert_data(p, 2 * CHUNK, 0, SEED);
	ASSERT_EQ(range_ioctl(ctl, PFNBENCH_IOC_WALK, va, 2 * CHUNK), 0);
	ASSERT_EQ(dev_walk(p, 2 * CHUNK).bytes_hole, 0);
}

TEST(read_only_file_maps_read_only)
{
	int fd = open(PFNBENCH_DEVICE_PATH, O_RDONLY);
	char *p;

	ASSERT_OK(fd);
	ASSERT_EQ(dev_alloc(fd, CHUNK, -1, PFNBENCH_MODE_REMAP, NULL), 0);
	ASSERT_TRUE(mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0) == MAP_FAILED);
	ASSERT_EQ(errno, EACCES);
	p = mmap(NULL, CHUNK, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	ASSERT_TRUE(can_read(p));
	ASSERT_TRUE(!can_write(p));
	ASSERT_EQ(dev_walk(p, CHUNK).bytes_write, 0);
	ASSERT_TRUE(mprotect(p, CHUNK, PROT_READ | PROT_WRITE) < 0);
}

TEST(close_while_mapped_keeps_memory_until_unmap)
{
	int fd = dev_open_alloc(LEN, -1, PFNBENCH_MODE_FAULT);
	char *p = dev_map(fd, LEN, 0);

	fill(p, LEN / 2, 0, SEED);
	ASSERT_OK(close(fd));
	/* Also the half never touched while the file was open. */
	fill(p + LEN / 2, LEN / 2, LEN / 2, SEED);
	assert_data(p, LEN, 0, SEED);
	ASSERT_EQ(module_info().allocated_bytes, LEN);
	ASSERT_OK(munmap(p, LEN));
	ASSERT_EQ(wait_allocated(0), 0);
}

TEST(split_vmas_each_hold_the_buffer)
{
	int fd = dev_open_alloc(LEN, -1, PFNBENCH_MODE_REMAP);
	char *p = dev_map(fd, LEN, 0);

	fill(p, LEN, 0, SEED);
	ASSERT_OK(close(fd));
	ASSERT_OK(munmap(p + CHUNK, CHUNK));
	ASSERT_OK(munmap(p, CHUNK));
	ASSERT_EQ(module_info().allocated_bytes, LEN);
	assert_data(p + 2 * CHUNK, LEN - 2 * CHUNK, 2 * CHUNK, SEED);
	ASSERT_OK(munmap(p + 2 * CHUNK, LEN - 2 * CHUNK));
	ASSERT_EQ(wait_allocated(0), 0);
}

TEST(fork_then_parent_exit_leaves_child_mapping_valid)
{
	int pipefd[2];
	char result = 0;
	pid_t parent;

	ASSERT_OK(pipe(pipefd));
	fflush(NULL);
	parent = fork();
	ASSERT_OK(parent);
	if (parent == 0) {
		int fd = dev_open_alloc(LEN, -1, PFNBENCH_MODE_FAULT);
		char *p = dev_map(fd, LEN, 0);
		pid_t me = getpid(), child;

		fill(p, LEN, 0, SEED);
		close(fd);
		close(pipefd[0]);
		child = fork();
		if (child < 0)
			_exit(1);
		if (child == 0) {
			char ok;

			/* Wait for the parent to be gone. */
			while (getppid() == me)
				usleep(10000);
			ok = check(p, LEN, 0, SEED) == SIZE_MAX ? 'y' : 'n';
			fill(p, LEN, 0, SEED2);
			if (ok == 'y' && check(p, LEN, 0, SEED2) != SIZE_MAX)
				ok = 'n';
			if (write(pipefd[1], &ok, 1) != 1)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_OK(waitpid(parent, NULL, 0));
	ASSERT_EQ(read(pipefd[0], &result, 1), 1);
	ASSERT_EQ(result, 'y');
	/* EOF: the grandchild is gone, and with it the last mapping. */
	ASSERT_EQ(read(pipefd[0], &result, 1), 0);
	ASSERT_EQ(wait_allocated(0), 0);
}

TEST(module_cannot_be_unloaded_while_mapped)
{
	int fd = dev_open_alloc(CHUNK, -1, PFNBENCH_MODE_REMAP);
	char *p = dev_map(fd, CHUNK, 0);
	long r;

	close(fd);
	r = syscall(SYS_delete_module, "pfnbench", O_NONBLOCK);
	if (r == 0)
		FAIL("module unloaded while mapped");
	ASSERT_TRUE(errno == EBUSY || errno == EAGAIN);
	fill(p, CHUNK, 0, SEED);
	assert_data(p, CHUNK, 0, SEED);
}

TEST(failed_alloc_on_a_full_node_frees_what_it_got)
{
	struct pfnbench_info info = module_info();
	uint64_t before = mem_free_settled(), after;
	int fd, err, node = info.nr_node_ids > 1 ? 1 : 0;
	uint64_t bytes;
	FILE *f;
	char path[96];
	unsigned long long total_kib = 0;
	char line[256];

	/* Ask for the node's whole RAM, which it cannot give. */
	snprintf(path, sizeof(path),
		 "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		harness_skip("no per-node meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*d MemTotal: %llu kB", &total_kib) == 1)
			break;
	fclose(f);
	bytes = (total_kib * KiB) & ~(CHUNK - 1);
	fd = dev_open();
	err = dev_alloc(fd, bytes, node, PFNBENCH_MODE_PTE, NULL);
	ASSERT_EQ(err, -ENOMEM);
	ASSERT_EQ(module_info().allocated_bytes, 0);
	after = mem_free_settled();
	printf("  asked %llu MiB on node %d: ENOMEM; free %llu -> %llu MiB\n",
	       (unsigned long long)bytes / MiB, node,
	       (unsigned long long)before / MiB,
	       (unsigned long long)after / MiB);
	ASSERT_TRUE(after + 16 * MiB > before);
}

TEST(memory_is_given_back_after_use)
{
	uint64_t before, during, after;
	const size_t len = 32 * MiB;
	int fd, status;
	char *p;
	pid_t pid;

	ASSERT_EQ(wait_allocated(0), 0);
	before = mem_free_settled();
	fd = dev_open_alloc(len, -1, PFNBENCH_MODE_FAULT);
	p = dev_map(fd, len, 0);
	fill(p, len, 0, SEED);
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		touch(p, len);
		_exit(0);
	}
	ASSERT_OK(waitpid(pid, &status, 0));
	during = mem_free_settled();
	ASSERT_OK(munmap(p, len));
	ASSERT_OK(close(fd));
	ASSERT_EQ(wait_allocated(0), 0);
	after = mem_free_settled();
	printf("  free memory before %llu KiB, while mapped %llu KiB, after %llu KiB\n",
	       (unsigned long long)before / KiB,
	       (unsigned long long)during / KiB,
	       (unsigned long long)after / KiB);
	ASSERT_TRUE(during + len - 4 * MiB < before);
	ASSERT_TRUE(after + 4 * MiB > before);
}

struct toucher {
	char *p;
	size_t len;
	uint64_t seed;
};

static void *touch_and_fill(void *arg)
{
	struct toucher *t = arg;

	/* Both threads fault the same PMDs at nearly the same time. */
	touch(t->p, t->len);
	fill(t->p, t->len, 0, t->seed);
	return NULL;
}

TEST(concurrent_first_touches_agree_fault)
{
	const size_t len = 16 * MiB;
	int fd = dev_open_alloc(len, -1, PFNBENCH_MODE_FAULT);
	char *p = dev_map(fd, len, 0);
	struct toucher a = { p, len, SEED }, b = { p, len, SEED };
	struct pfnbench_walk w;
	pthread_t ta, tb;

	ASSERT_EQ(pthread_create(&ta, NULL, touch_and_fill, &a), 0);
	ASSERT_EQ(pthread_create(&tb, NULL, touch_and_fill, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_data(p, len, 0, SEED);
	w = dev_walk(p, len);
	assert_shape(fd, PFNBENCH_MODE_FAULT, &w, len);
}

struct remapper {
	int fd;
	volatile int stop;
	size_t len;
};

static void *map_unmap_loop(void *arg)
{
	struct remapper *r = arg;

	while (!r->stop) {
		void *p = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			       r->fd, 0);

		if (p != MAP_FAILED)
			munmap(p, r->len);
	}
	return NULL;
}

/* The walk holds the mmap lock: VMAs come and go around it, never under it. */
TEST(walk_races_with_map_and_unmap)
{
	const size_t len = 4 * MiB;
	struct remapper r = { .len = len };
	struct pfnbench_walk w;
	pthread_t t;
	char *probe;
	int i, err;

	r.fd = dev_open_alloc(len, -1, PFNBENCH_MODE_REMAP);
	/* Where the loop's mappings land: the address mmap picks first. */
	probe = dev_map(r.fd, len, 0);
	ASSERT_OK(munmap(probe, len));
	ASSERT_EQ(pthread_create(&t, NULL, map_unmap_loop, &r), 0);
	for (i = 0; i < 2000; i++) {
		err = dev_walk_err(probe, len, &w);
		if (err && err != -EINVAL)
			FAIL("walk %d: %s", i, strerror(-err));
		if (!err)
			ASSERT_EQ(w.bytes_pte + w.bytes_pmd + w.bytes_hole, len);
	}
	r.stop = 1;
	pthread_join(t, NULL);
}

/*
 * Buffers from a physical range set aside at boot (module loaded with
 * phys_base, phys_size and caching): run with the filter "phys_".
 */
static struct pfnbench_info phys_info(void)
{
	struct pfnbench_info info = module_info();

	if (!info.phys_bytes)
		harness_skip("module loaded without phys_base/phys_size");
	return info;
}

TEST(phys_info_describes_the_range)
{
	struct pfnbench_info info = phys_info();

	printf("  range %#llx + %llu MiB on node %d, caching %s\n",
	       (unsigned long long)info.phys_base,
	       (unsigned long long)info.phys_bytes / MiB, info.phys_node,
	       cache_name(info.caching));
	ASSERT_EQ(info.phys_base % CHUNK, 0);
	ASSERT_EQ(info.phys_bytes % CHUNK, 0);
	ASSERT_TRUE(info.phys_bytes >= LEN);
	ASSERT_TRUE(info.phys_node >= 0);
	ASSERT_TRUE(info.caching < PFNBENCH_CACHE_OTHER);
	/*
	 * A fault-path leaf on x86 has no room for the PAT bit of the
	 * modes that need it.
	 */
	if (info.capabilities & PFNBENCH_CAP_HUGE_PFNMAP)
		ASSERT_EQ(!!(info.capabilities & PFNBENCH_CAP_FAULT_PMD),
			  info.caching != PFNBENCH_CACHE_WT &&
			  info.caching != PFNBENCH_CACHE_WP);
	if (info.capabilities & PFNBENCH_CAP_FAULT_PUD)
		ASSERT_TRUE(info.capabilities & PFNBENCH_CAP_FAULT_PMD);
	/* The whole 1 GiB-aligned GiBs inside the range. */
	{
		const uint64_t gib = 1024 * MiB;
		uint64_t first = (info.phys_base + gib - 1) / gib * gib;
		uint64_t end = info.phys_base + info.phys_bytes;

		ASSERT_EQ(info.phys_pud_runs, end > first ? (end - first) / gib : 0);
	}
	harness_record("capabilities", "%s%s",
		       info.capabilities & PFNBENCH_CAP_HUGE_PFNMAP ?
		       "huge-pfnmap" : "none",
		       info.capabilities & PFNBENCH_CAP_FAULT_PMD ?
		       " fault-pmd" : "");
}

/* PFNS reads frames of the reserved range only. */
static void assert_frames_inside(const char *p, size_t len,
				 const struct pfnbench_info *info)
{
	static uint64_t pfns[LEN / PAGE];
	size_t i;

	ASSERT_TRUE(len <= LEN);
	ASSERT_EQ(dev_pfns_err(p, len, pfns), 0);
	for (i = 0; i < len / PAGE; i++)
		ASSERT_TRUE(pfns[i] * PAGE >= info->phys_base &&
			    (pfns[i] + 1) * PAGE <=
			    info->phys_base + info->phys_bytes);
}

/* Data, shape, and the cache mode the kernel really granted. */
static void phys_maps_with_the_asked_caching(uint32_t mode)
{
	struct pfnbench_info info = phys_info();
	int fd = dev_open_alloc(LEN, -1, mode);
	char *p = dev_map(fd, LEN, 0);
	struct pfnbench_walk w;

	ASSERT_TRUE(is_zero(p, LEN));
	fill(p, LEN, 0, SEED);
	assert_data(p, LEN, 0, SEED);
	w = dev_walk(p, LEN);
	print_walk("reserved range", &w);
	assert_shape(fd, mode, &w, LEN);
	ASSERT_EQ(w.bytes_cache[info.caching], LEN);
	ASSERT_EQ(w.node_bytes[info.phys_node], LEN);
	assert_frames_inside(p, LEN, &info);
	harness_record("shape", "%s in %s", w.bytes_pmd ? "pmd" : "pte",
		       cache_name(info.caching));
}

TEST(phys_maps_with_the_asked_caching_pte)
{
	phys_maps_with_the_asked_caching(PFNBENCH_MODE_PTE);
}

TEST(phys_maps_with_the_asked_caching_remap)
{
	phys_maps_with_the_asked_caching(PFNBENCH_MODE_REMAP);
}

TEST(phys_maps_with_the_asked_caching_fault)
{
	phys_maps_with_the_asked_caching(PFNBENCH_MODE_FAULT);
}

TEST(phys_chunks_come_back_zeroed)
{
	struct pfnbench_info info = phys_info();
	int fd = dev_open_alloc(info.phys_bytes, -1, PFNBENCH_MODE_REMAP);
	char *p = dev_map(fd, info.phys_bytes, 0);

	fill(p, info.phys_bytes, 0, SEED);
	ASSERT_OK(munmap(p, info.phys_bytes));
	ASSERT_OK(close(fd));
	ASSERT_EQ(wait_allocated(0), 0);
	/* The whole range again: every chunk was written above. */
	fd = dev_open_alloc(info.phys_bytes, -1, PFNBENCH_MODE_REMAP);
	p = dev_map(fd, info.phys_bytes, 0);
	ASSERT_TRUE(is_zero(p, info.phys_bytes));
}

TEST(phys_range_runs_out_cleanly)
{
	struct pfnbench_info info = phys_info();
	int all = dev_open_alloc(info.phys_bytes - CHUNK, -1,
				 PFNBENCH_MODE_PTE);
	int fd = dev_open(), more = dev_open();

	ASSERT_EQ(dev_alloc(more, info.phys_bytes + CHUNK, -1,
			    PFNBENCH_MODE_PTE, NULL), -E2BIG);
	ASSERT_EQ(dev_alloc(fd, 2 * CHUNK, -1, PFNBENCH_MODE_PTE, NULL),
		  -ENOMEM);
	ASSERT_EQ(dev_alloc(fd, CHUNK, -1, PFNBENCH_MODE_PTE, NULL), 0);
	ASSERT_EQ(dev_alloc(more, CHUNK, -1, PFNBENCH_MODE_PTE, NULL),
		  -ENOMEM);
	ASSERT_OK(close(all));
	ASSERT_EQ(dev_alloc(more, CHUNK, -1, PFNBENCH_MODE_PTE, NULL), 0);
	ASSERT_EQ(module_info().allocated_bytes, 2 * CHUNK);
}

TEST(phys_other_node_is_refused)
{
	struct pfnbench_info info = phys_info();
	int fd = dev_open();

	if (info.nr_node_ids < 2)
		harness_skip("one node only");
	ASSERT_EQ(dev_alloc(fd, CHUNK, info.phys_node ? 0 : 1,
			    PFNBENCH_MODE_PTE, NULL), -ENODEV);
	ASSERT_EQ(dev_alloc(fd, CHUNK, info.phys_node, PFNBENCH_MODE_PTE,
			    NULL), 0);
}

TEST(phys_memory_is_given_back)
{
	phys_info();
	ASSERT_EQ(wait_allocated(0), 0);
}

/*
 * Buffers open() makes itself (module loaded with open_mib and open_mode,
 * for programs that never ALLOC): run with the filter "open_alloc_". Each
 * probe of the module (module_info(), a walk) opens a file too, and so holds
 * one such buffer while it looks.
 */
struct open_params {
	uint64_t bytes;
	uint32_t mode;
};

static void read_param(const char *name, char *out, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/pfnbench/parameters/%s",
		 name);
	f = fopen(path, "r");
	if (!f)
		FAIL("%s: %s", path, strerror(errno));
	if (!fgets(out, (int)size, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static struct open_params open_params(void)
{
	struct open_params p = { 0 };
	char mib[32], mode[32];

	read_param("open_mib", mib, sizeof(mib));
	if (!strcmp(mib, "0"))
		harness_skip("module loaded without open_mib/open_mode");
	read_param("open_mode", mode, sizeof(mode));
	p.bytes = strtoull(mib, NULL, 10) * MiB;
	for (p.mode = PFNBENCH_MODE_PTE; p.mode <= PFNBENCH_MODE_REMAP_SIGBUS;
	     p.mode++)
		if (!strcmp(mode, mode_name(p.mode)))
			return p;
	FAIL("open_mode=%s is no mode this test knows", mode);
}

TEST(open_alloc_maps_without_alloc)
{
	struct open_params o = open_params();
	int fd = dev_open();
	struct pfnbench_info info = dev_info(fd);
	struct pfnbench_walk w;
	char *p;

	harness_record("open-mode", "%s, %llu MiB", mode_name(o.mode),
		       (unsigned long long)(o.bytes / MiB));
	ASSERT_EQ(info.buf_bytes, o.bytes);
	ASSERT_EQ(info.buf_mode, o.mode);
	ASSERT_EQ(dev_alloc(fd, CHUNK, -1, PFNBENCH_MODE_PTE, NULL), -EBUSY);
	p = dev_map(fd, o.bytes, 0);
	ASSERT_TRUE(is_zero(p, o.bytes));
	fill(p, o.bytes, 0, SEED);
	assert_data(p, o.bytes, 0, SEED);
	w = dev_walk(p, o.bytes);
	print_walk("open() buffer", &w);
	assert_shape(fd, o.mode, &w, o.bytes);
	ASSERT_EQ(w.bytes_write, o.bytes);
	ASSERT_EQ(w.bytes_cache[PFNBENCH_CACHE_WB], o.bytes);
}

TEST(open_alloc_gives_each_open_its_own_buffer)
{
	struct open_params o = open_params();
	int a = dev_open(), b = dev_open();
	char *pa = dev_map(a, o.bytes, 0), *pb = dev_map(b, o.bytes, 0);

	fill(pa, o.bytes, 0, SEED);
	ASSERT_TRUE(is_zero(pb, o.bytes));
	fill(pb, o.bytes, 0, SEED2);
	assert_data(pa, o.bytes, 0, SEED);
}

TEST(open_alloc_memory_is_given_back)
{
	struct open_params o = open_params();
	int fd = dev_open();
	char *p = dev_map(fd, o.bytes, 0);

	ASSERT_OK(close(fd));
	/* This buffer and the probe's own. */
	ASSERT_EQ(wait_allocated(2 * o.bytes), 2 * o.bytes);
	ASSERT_OK(munmap(p, o.bytes));
	ASSERT_EQ(wait_allocated(o.bytes), o.bytes);
}
