// SPDX-License-Identifier: GPL-2.0
/*
 * What keeps the module from stalling, pinning or mis-mapping: an ALLOC in
 * progress never makes mmap() wait (nor, through the mmap lock, anything
 * else of the process); a fatal signal stops a large mapping part-way; the
 * page-allocator buffers of all files stay under the module-wide cap and are
 * charged to the allocating task's memory cgroup; and a mapping that could
 * never hold a PMD leaf (its address not congruent with its offset modulo
 * 2 MiB) is refused in the modes that may give leaves, for 64-bit callers
 * here and for 32-bit ones through the compat program (compat32.c).
 *
 * Behaviour only, never time: "while an ALLOC is in progress" is read from
 * INFO.allocated_bytes, which grows chunk by chunk, and "before the mapping
 * completes" from the child's page tables and INFO.nr_stopped.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dev.h"
#include "harness.h"

#define SEED 0x70b5

#define ATTEMPTS 3

static void pause_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000 * 1000 };

	nanosleep(&t, NULL);
}

/*
 * A buffer size that takes a while to allocate or map: half of what node 0
 * has free, at most max; the test is skipped below 64 MiB.
 */
static uint64_t big_bytes(uint64_t max)
{
	uint64_t bytes = node_mem_free(0) / 2;

	if (bytes > max)
		bytes = max;
	bytes &= ~(uint64_t)(CHUNK - 1);
	if (bytes < 64 * MiB)
		harness_skip("node 0 has less than 128 MiB free");
	return bytes;
}

/* --- An ALLOC in progress stalls nothing ----------------------------------- */

struct allocator {
	int fd;
	uint64_t bytes;
	volatile int done;
	int err;
};

static void *allocate(void *arg)
{
	struct allocator *a = arg;

	a->err = dev_alloc(a->fd, a->bytes, 0, PFNBENCH_MODE_REMAP, NULL);
	a->done = 1;
	return NULL;
}

struct mapper {
	int fd;
	size_t len;
	const struct allocator *a;
	volatile int calls;	/* mmap() calls started */
	int enxio;		/* ... that said ENXIO before the ALLOC ended */
	int other;		/* errno of a failure other than ENXIO */
};

/* mmap() of the file again and again until the ALLOC has returned. */
static void *map_until_allocated(void *arg)
{
	struct mapper *m = arg;

	while (!m->a->done) {
		void *p;

		m->calls++;
		p = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 m->fd, 0);
		if (p != MAP_FAILED)
			munmap(p, m->len);
		else if (errno == ENXIO && !m->a->done)
			m->enxio++;
		else if (errno != ENXIO)
			m->other = errno;
	}
	return NULL;
}

enum outcome { SHOWN, WAITED, TOO_LATE };

/*
 * One file's ALLOC in a thread; once it holds its first chunks, another
 * thread mmap()s that file in a loop, and, while that thread is inside
 * mmap(), this one maps and touches anonymous memory. SHOWN: both kinds of
 * mmap() returned while the ALLOC was still taking chunks, the file's with
 * ENXIO. WAITED: something returned only once the ALLOC had ended. TOO_LATE:
 * the ALLOC ended before the anonymous mmap() began (nothing shown).
 */
static enum outcome alloc_vs_mmap(uint64_t bytes)
{
	struct allocator a = { .fd = dev_open(), .bytes = bytes };
	struct mapper m = { .fd = a.fd, .len = 2 * CHUNK, .a = &a };
	uint64_t before = 0, after;
	pthread_t ta, tm;
	bool anon_done_early;
	int ctl = dev_open();
	char *anon;

	ASSERT_EQ(wait_allocated(0), 0);
	ASSERT_EQ(pthread_create(&ta, NULL, allocate, &a), 0);
	while (!a.done && !(before = dev_info(ctl).allocated_bytes))
		;
	ASSERT_EQ(pthread_create(&tm, NULL, map_until_allocated, &m), 0);
	while (!a.done && !m.calls)
		;
	/* Not a time bound: lets the mapper get into mmap(). */
	pause_ms(1);
	before = dev_info(ctl).allocated_bytes;
	anon = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_TRUE(anon != MAP_FAILED);
	after = dev_info(ctl).allocated_bytes;
	anon_done_early = !a.done && after < bytes;
	ASSERT_OK(munmap(anon, CHUNK));
	pthread_join(ta, NULL);
	pthread_join(tm, NULL);
	if (a.err)
		FAIL("ALLOC of %llu MiB on node 0: %s",
		     (unsigned long long)bytes / MiB, strerror(-a.err));
	if (m.other)
		FAIL("mmap() during the ALLOC: %s, expected ENXIO",
		     strerror(m.other));
	printf("  ALLOC of %llu MiB: %llu MiB taken when the anonymous mmap began, %llu MiB when it returned; the file's mmap() said ENXIO %d times in %d calls\n",
	       (unsigned long long)bytes / MiB,
	       (unsigned long long)before / MiB,
	       (unsigned long long)after / MiB, m.enxio, m.calls);
	/* The buffer is whole and maps now. */
	ASSERT_OK(munmap(dev_map(a.fd, bytes, 0), bytes));
	close(a.fd);
	close(ctl);
	ASSERT_EQ(wait_allocated(0), 0);
	if (before >= bytes)
		return TOO_LATE;
	if (!anon_done_early || !m.enxio)
		return WAITED;
	harness_record("alloc-in-progress", "%llu of %llu MiB when mmap() of the file said ENXIO and an anonymous mmap() returned",
		       (unsigned long long)after / MiB,
		       (unsigned long long)bytes / MiB);
	return SHOWN;
}

TEST(alloc_in_progress_stalls_no_mmap)
{
	uint64_t bytes = big_bytes(512 * MiB);
	int i;

	for (i = 0; i < ATTEMPTS; i++) {
		switch (alloc_vs_mmap(bytes)) {
		case SHOWN:
			return;
		case WAITED:
			FAIL("mmap() returned only after the ALLOC had ended");
		case TOO_LATE:
			printf("  attempt %d: the ALLOC ended first\n", i + 1);
			break;
		}
	}
	FAIL("the ALLOC always ended before mmap() could be tried during it");
}

/*
 * A second ALLOC on a file whose first is under way: EBUSY at once, while
 * the first is still taking chunks. Returns false if the first ended before
 * the second returned.
 */
static bool second_alloc_during_first(uint64_t bytes)
{
	struct allocator a = { .fd = dev_open(), .bytes = bytes };
	int ctl = dev_open(), err;
	uint64_t after;
	pthread_t t;

	ASSERT_EQ(wait_allocated(0), 0);
	ASSERT_EQ(pthread_create(&t, NULL, allocate, &a), 0);
	while (!a.done && !dev_info(ctl).allocated_bytes)
		;
	err = dev_alloc(a.fd, CHUNK, 0, PFNBENCH_MODE_PTE, NULL);
	after = dev_info(ctl).allocated_bytes;
	pthread_join(t, NULL);
	ASSERT_EQ(a.err, 0);
	ASSERT_EQ(err, -EBUSY);
	/* The first ALLOC's buffer is the file's. */
	ASSERT_EQ(dev_info(a.fd).buf_bytes, bytes);
	ASSERT_EQ(dev_info(a.fd).buf_mode, PFNBENCH_MODE_REMAP);
	close(a.fd);
	close(ctl);
	printf("  second ALLOC returned with %llu of %llu MiB taken\n",
	       (unsigned long long)after / MiB, (unsigned long long)bytes / MiB);
	return after < bytes;
}

TEST(second_alloc_during_the_first_is_refused_at_once)
{
	uint64_t bytes = big_bytes(512 * MiB);
	int i;

	for (i = 0; i < ATTEMPTS; i++)
		if (second_alloc_during_first(bytes))
			return;
	FAIL("the second ALLOC never returned while the first was under way");
}

/* --- A fatal signal stops a large mapping ------------------------------------ */

/*
 * A child maps a large pte-mode buffer, one remap_pfn_range() per 4 KiB
 * under its mmap write lock. Once its page tables show that mapping under
 * way (and not half done), it is killed: the module must stop the mapping
 * (INFO.nr_stopped counts it), the child must never see mmap() return, and
 * the buffer must be freed. Returns false when the mapping ended first.
 */
static bool kill_while_mapping(uint64_t bytes)
{
	/* One PTE table per 2 MiB mapped. */
	const uint64_t tables = bytes / CHUNK * PAGE;
	struct pfnbench_info before = module_info();
	uint64_t base, seen = 0, now, peak;
	int sync[2], status;
	bool mapped;
	char c;
	pid_t pid;

	ASSERT_EQ(before.allocated_bytes, 0);
	ASSERT_OK(pipe(sync));
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		int fd = dev_open_alloc(bytes, 0, PFNBENCH_MODE_PTE);

		close(sync[0]);
		if (write(sync[1], "a", 1) != 1)
			_exit(1);
		if (mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0) ==
		    MAP_FAILED)
			_exit(2);
		if (write(sync[1], "m", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(sync[1]);
	ASSERT_EQ(read(sync[0], &c, 1), 1);
	ASSERT_EQ(c, 'a');
	base = pgtable_bytes_of(pid);
	/* Killed once 8 tables (16 MiB) are mapped, if not half of them. */
	do
		now = pgtable_bytes_of(pid);
	while (now && now < base + 8 * PAGE);
	kill(pid, SIGKILL);
	if (now && now < base + tables / 2)
		seen = now - base;
	peak = seen;
	/* Where the mapping gets to, until the child's memory is gone. */
	while ((now = pgtable_bytes_of(pid)))
		if (now > base && now - base > peak)
			peak = now - base;
	ASSERT_OK(waitpid(pid, &status, 0));
	mapped = read(sync[0], &c, 1) == 1;
	close(sync[0]);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		FAIL("the child was not killed: exit status %d",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	ASSERT_EQ(wait_allocated(0), 0);
	if (!seen) {
		printf("  the mapping got past half before it was seen\n");
		return false;
	}
	printf("  killed with %llu of %llu KiB of PTE tables built, at most %llu KiB seen until it was gone\n",
	       (unsigned long long)seen / KiB, (unsigned long long)tables / KiB,
	       (unsigned long long)peak / KiB);
	/* mmap() never returned to the child: the module stopped it. */
	ASSERT_TRUE(!mapped);
	ASSERT_EQ(module_info().nr_stopped, before.nr_stopped + 1);
	harness_record("killed-mapping", "stopped with %llu of %llu MiB mapped or more",
		       (unsigned long long)(seen / PAGE * CHUNK / MiB),
		       (unsigned long long)bytes / MiB);
	return true;
}

TEST(kill_stops_a_large_pte_mapping)
{
	uint64_t bytes = big_bytes(256 * MiB);
	int i;

	for (i = 0; i < ATTEMPTS; i++)
		if (kill_while_mapping(bytes))
			return;
	FAIL("the mapping always got past half before the test saw it");
}

/* --- The module-wide cap and the memory cgroup ----------------------------- */

#define CAP_PARAM "max_total_mib"

/*
 * Runs body in a child with the cap set to mib, and puts the cap back
 * whatever the child did.
 */
static void with_cap(uint64_t mib, void (*body)(void))
{
	uint64_t old = param_read(CAP_PARAM);
	int status;
	pid_t pid;

	ASSERT_EQ(wait_allocated(0), 0);
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		param_write(CAP_PARAM, mib);
		ASSERT_EQ(module_info().cap_bytes, mib * MiB);
		body();
		fflush(NULL);
		_exit(0);
	}
	ASSERT_OK(waitpid(pid, &status, 0));
	param_write(CAP_PARAM, old);
	ASSERT_EQ(module_info().cap_bytes, old * MiB);
	ASSERT_EQ(wait_allocated(0), 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(cap_defaults_to_three_quarters_of_ram)
{
	struct pfnbench_info info = module_info();
	uint64_t total = mem_total();

	printf("  cap %llu MiB of %llu MiB RAM\n",
	       (unsigned long long)info.cap_bytes / MiB,
	       (unsigned long long)total / MiB);
	if (info.phys_bytes)
		harness_skip("buffers come from the reserved range");
	ASSERT_EQ(info.cap_bytes, param_read(CAP_PARAM) * MiB);
	/* (RAM / 4 * 3) rounded down to whole MiB. */
	ASSERT_TRUE(info.cap_bytes <= total / 4 * 3);
	ASSERT_TRUE(info.cap_bytes + MiB > total / 4 * 3);
}

static void cap_of_8_mib(void)
{
	int a = dev_open(), b = dev_open(), c = dev_open();
	char *p;

	/* Over the cap alone, and over what is left of it. */
	ASSERT_EQ(dev_alloc(a, 10 * MiB, -1, PFNBENCH_MODE_PTE, NULL), -ENOSPC);
	ASSERT_EQ(module_info().allocated_bytes, 0);
	ASSERT_EQ(dev_alloc(a, 6 * MiB, -1, PFNBENCH_MODE_PTE, NULL), 0);
	ASSERT_EQ(dev_alloc(b, 4 * MiB, -1, PFNBENCH_MODE_REMAP, NULL),
		  -ENOSPC);
	ASSERT_EQ(dev_alloc(b, 2 * MiB, -1, PFNBENCH_MODE_REMAP, NULL), 0);
	ASSERT_EQ(dev_alloc(c, 2 * MiB, -1, PFNBENCH_MODE_FAULT, NULL),
		  -ENOSPC);
	ASSERT_EQ(module_info().allocated_bytes, 8 * MiB);
	/* Freed memory makes room again. */
	ASSERT_OK(close(a));
	ASSERT_EQ(wait_allocated(2 * MiB), 2 * MiB);
	ASSERT_EQ(dev_alloc(c, 6 * MiB, -1, PFNBENCH_MODE_FAULT, NULL), 0);
	/* A buffer still mapped still counts, until it is unmapped. */
	p = dev_map(b, 2 * MiB, 0);
	ASSERT_OK(close(b));
	b = dev_open();
	ASSERT_EQ(dev_alloc(b, 2 * MiB, -1, PFNBENCH_MODE_PTE, NULL), -ENOSPC);
	ASSERT_OK(munmap(p, 2 * MiB));
	ASSERT_EQ(wait_allocated(6 * MiB), 6 * MiB);
	ASSERT_EQ(dev_alloc(b, 2 * MiB, -1, PFNBENCH_MODE_PTE, NULL), 0);
	ASSERT_EQ(module_info().allocated_bytes, 8 * MiB);
}

TEST(cap_refuses_allocs_past_it_and_frees_make_room)
{
	if (module_info().phys_bytes)
		harness_skip("buffers come from the reserved range");
	with_cap(8, cap_of_8_mib);
}

struct racer {
	int fd;
	int err;
	pthread_barrier_t *start;
};

static void *alloc_6_mib(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	r->err = dev_alloc(r->fd, 6 * MiB, -1, PFNBENCH_MODE_PTE, NULL);
	return NULL;
}

/* Two ALLOCs at once that fit the cap alone, not together: one wins. */
static void cap_of_8_mib_raced(void)
{
	pthread_barrier_t start;
	struct racer r[2] = { { .fd = dev_open(), .start = &start },
			      { .fd = dev_open(), .start = &start } };
	pthread_t t[2];
	int i, round;

	for (round = 0; round < 20; round++) {
		ASSERT_EQ(pthread_barrier_init(&start, NULL, 2), 0);
		for (i = 0; i < 2; i++)
			ASSERT_EQ(pthread_create(&t[i], NULL, alloc_6_mib, &r[i]),
				  0);
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&start);
		if (!((r[0].err == 0 && r[1].err == -ENOSPC) ||
		      (r[0].err == -ENOSPC && r[1].err == 0)))
			FAIL("round %d: ALLOCs said %s and %s", round,
			     strerror(-r[0].err), strerror(-r[1].err));
		ASSERT_EQ(module_info().allocated_bytes, 6 * MiB);
		for (i = 0; i < 2; i++) {
			ASSERT_OK(close(r[i].fd));
			r[i].fd = dev_open();
		}
		ASSERT_EQ(wait_allocated(0), 0);
	}
}

TEST(cap_holds_against_concurrent_allocs)
{
	if (module_info().phys_bytes)
		harness_skip("buffers come from the reserved range");
	with_cap(8, cap_of_8_mib_raced);
}

#define CGROOT "/sys/fs/cgroup"
#define CG CGROOT "/pfnbench-test"

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

static uint64_t cg_current(void)
{
	unsigned long long bytes = 0;
	FILE *f = fopen(CG "/memory.current", "r");

	if (!f || fscanf(f, "%llu", &bytes) != 1)
		FAIL(CG "/memory.current: unreadable");
	fclose(f);
	return bytes;
}

/* In a memory cgroup of at most 24 MiB (the child of memcg_limits_allocs). */
static void memcg_body(void)
{
	int a = dev_open(), b = dev_open();
	uint64_t base = cg_current(), held;

	ASSERT_EQ(dev_alloc(a, 16 * MiB, -1, PFNBENCH_MODE_REMAP, NULL), 0);
	held = cg_current();
	printf("  memory.current %llu KiB, %llu KiB with a 16 MiB buffer\n",
	       (unsigned long long)base / KiB, (unsigned long long)held / KiB);
	ASSERT_TRUE(held >= base + 16 * MiB);
	/* Past the cgroup's limit: ENOMEM, and nobody is OOM-killed. */
	ASSERT_EQ(dev_alloc(b, 16 * MiB, -1, PFNBENCH_MODE_REMAP, NULL),
		  -ENOMEM);
	ASSERT_EQ(module_info().allocated_bytes, 16 * MiB);
	ASSERT_OK(close(a));
	ASSERT_EQ(wait_allocated(0), 0);
	ASSERT_TRUE(cg_current() < base + 2 * MiB);
	ASSERT_EQ(dev_alloc(b, 16 * MiB, -1, PFNBENCH_MODE_REMAP, NULL), 0);
}

TEST(buffers_are_charged_to_the_memory_cgroup)
{
	bool mounted = false;
	char controllers[256] = "";
	int status, fd;
	pid_t pid;
	ssize_t n;

	if (module_info().phys_bytes)
		harness_skip("buffers come from the reserved range");
	if (access(CGROOT "/cgroup.controllers", F_OK)) {
		if (mount("none", CGROOT, "cgroup2", 0, NULL))
			harness_skip("no cgroup2 to mount (kernel without CONFIG_MEMCG?)");
		mounted = true;
	}
	fd = open(CGROOT "/cgroup.controllers", O_RDONLY);
	ASSERT_OK(fd);
	n = read(fd, controllers, sizeof(controllers) - 1);
	close(fd);
	if (n < 0 || !strstr(controllers, "memory")) {
		if (mounted)
			umount(CGROOT);
		harness_skip("no memory controller (kernel without CONFIG_MEMCG)");
	}
	ASSERT_TRUE(write_file(CGROOT "/cgroup.subtree_control", "+memory"));
	if (mkdir(CG, 0755) && errno != EEXIST)
		FAIL("mkdir " CG ": %s", strerror(errno));
	ASSERT_TRUE(write_file(CG "/memory.max", "25165824"));
	ASSERT_EQ(wait_allocated(0), 0);
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		if (!write_file(CG "/cgroup.procs", "0"))
			FAIL("cannot join " CG ": %s", strerror(errno));
		memcg_body();
		fflush(NULL);
		_exit(0);
	}
	ASSERT_OK(waitpid(pid, &status, 0));
	ASSERT_EQ(wait_allocated(0), 0);
	if (rmdir(CG))
		FAIL("rmdir " CG ": %s", strerror(errno));
	if (mounted)
		ASSERT_OK(umount(CGROOT));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* --- Addresses congruent with the offset ----------------------------------- */

/* The shape a whole chunk of a touched mapping in mode must have. */
static void assert_chunk_shape(uint32_t mode, const struct pfnbench_walk *w)
{
	bool leaf = false;

	if (mode == PFNBENCH_MODE_FAULT)
		leaf = fault_can_give_pmd();
	if (mode == PFNBENCH_MODE_REMAP) {
		if (expect_remap_pmd() < 0) {
			ASSERT_TRUE(w->bytes_pmd == CHUNK ||
				    w->bytes_pte == CHUNK);
			return;
		}
		leaf = expect_remap_pmd();
	}
	ASSERT_EQ(leaf ? w->bytes_pmd : w->bytes_pte, CHUNK);
}

static void *map_fixed(int fd, char *at, size_t len, size_t off)
{
	return mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		    fd, (off_t)off);
}

/*
 * MAP_FIXED and hint addresses off congruence are refused where the mapping
 * spans a whole chunk, in every mode but pte; congruent ones map, also off
 * 2 MiB alignment, and give PMD leaves where the mode does.
 */
static void incongruent_addresses(uint32_t mode)
{
	const size_t len = 2 * CHUNK;
	int fd = dev_open_alloc(3 * CHUNK, -1, mode);
	bool refuse = mode != PFNBENCH_MODE_PTE;
	char *va = reserve_va(4 * CHUNK), *p;
	struct pfnbench_walk w;

	/* 4 KiB off, offset 0: spans chunk 0 whole. */
	p = map_fixed(fd, va + PAGE, len, 0);
	if (refuse) {
		ASSERT_TRUE(p == MAP_FAILED);
		ASSERT_EQ(errno, EINVAL);
	} else {
		ASSERT_TRUE(p == va + PAGE);
		fill(p, len, 0, SEED);
		w = dev_walk(p, len);
		ASSERT_EQ(w.bytes_pte, len);
		ASSERT_OK(munmap(p, len));
	}
	/* 4 KiB off, offset 4 KiB: congruent; chunk 1 sits at va + 2 MiB. */
	p = map_fixed(fd, va + PAGE, len, PAGE);
	ASSERT_TRUE(p == va + PAGE);
	fill(p, len, PAGE, SEED);
	ASSERT_TRUE(check(p, len, PAGE, SEED) == SIZE_MAX);
	w = dev_walk(va + CHUNK, CHUNK);
	print_walk("chunk 1, mapped congruent at 4 KiB off alignment", &w);
	assert_chunk_shape(mode, &w);
	ASSERT_OK(munmap(p, len));
	/* 2 MiB from offset 4 KiB spans no whole chunk: anywhere will do. */
	p = map_fixed(fd, va, CHUNK, PAGE);
	ASSERT_TRUE(p == va);
	ASSERT_OK(munmap(p, CHUNK));
	/*
	 * A hint 4 KiB off, free for the mapping and for the 2 MiB more that
	 * the kernel asks for to align it: the kernel keeps the hint (or
	 * aligns it), the module refuses it (or maps it congruent).
	 */
	ASSERT_OK(munmap(va, 4 * CHUNK));
	p = mmap(va + PAGE, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ASSERT_EQ(errno, EINVAL);
		ASSERT_TRUE(refuse);
		harness_record("hint", "4 KiB off congruence: refused");
	} else {
		if (refuse && (uintptr_t)p % CHUNK)
			FAIL("mapped at %p, not congruent with offset 0", p);
		harness_record("hint", "4 KiB off congruence: mapped at %s",
			       (uintptr_t)p % CHUNK ? "the hint" :
			       "a congruent address");
	}
}

TEST(incongruent_addresses_are_refused_remap)
{
	incongruent_addresses(PFNBENCH_MODE_REMAP);
}

TEST(incongruent_addresses_are_refused_fault)
{
	incongruent_addresses(PFNBENCH_MODE_FAULT);
}

TEST(incongruent_addresses_are_refused_remap_fault)
{
	incongruent_addresses(PFNBENCH_MODE_REMAP_FAULT);
}

TEST(incongruent_addresses_are_mapped_pte)
{
	incongruent_addresses(PFNBENCH_MODE_PTE);
}

/*
 * The same for 32-bit callers, whom the kernel gives no congruent address:
 * compat32.c, built -m32 beside this program where the build machine can.
 */
TEST(compat_callers_get_congruent_mappings_or_none)
{
	char self[4096], prog[4200], out[8192], *slash, *totals;
	size_t used = 0;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_TRUE(n > 0);
	self[n] = '\0';
	slash = strrchr(self, '/');
	ASSERT_TRUE(slash != NULL);
	*slash = '\0';
	snprintf(prog, sizeof(prog), "%s/pfnbench_compat32", self);
	if (access(prog, X_OK))
		harness_skip("no pfnbench_compat32 beside this program (not built: no 32-bit libc)");
	ASSERT_OK(pipe(pipefd));
	fflush(NULL);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		execl(prog, prog, (char *)NULL);
		_exit(errno == ENOEXEC ? 126 : 127);
	}
	close(pipefd[1]);
	while (used < sizeof(out) - 1 &&
	       (n = read(pipefd[0], out + used, sizeof(out) - 1 - used)) > 0)
		used += n;
	out[used] = '\0';
	close(pipefd[0]);
	ASSERT_OK(waitpid(pid, &status, 0));
	fprintf(stderr, "%s", out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
		harness_skip("this kernel runs no 32-bit programs (IA32_EMULATION off)");
	totals = strstr(out, "# Totals: ");
	if (totals)
		harness_record("compat32", "%.*s", (int)strcspn(totals + 10, "\n"),
			       totals + 10);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_TRUE(totals != NULL);
}
