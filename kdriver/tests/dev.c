// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "dev.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

int dev_open(void)
{
	int fd = open(PFNBENCH_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		FAIL("open %s: %s", PFNBENCH_DEVICE_PATH, strerror(errno));
	return fd;
}

int dev_alloc(int fd, uint64_t bytes, int node, uint32_t mode, int *node_out)
{
	struct pfnbench_alloc req = {
		.bytes = bytes,
		.node = node,
		.mode = mode,
	};

	if (ioctl(fd, PFNBENCH_IOC_ALLOC, &req) < 0)
		return -errno;
	if (node_out)
		*node_out = req.node;
	return 0;
}

int dev_open_alloc(uint64_t bytes, int node, uint32_t mode)
{
	int fd = dev_open();
	int err = dev_alloc(fd, bytes, node, mode, NULL);

	if (err)
		FAIL("ALLOC %llu bytes node %d mode %s: %s",
		     (unsigned long long)bytes, node, mode_name(mode),
		     strerror(-err));
	return fd;
}

struct pfnbench_info dev_info(int fd)
{
	struct pfnbench_info info;

	ASSERT_OK(ioctl(fd, PFNBENCH_IOC_INFO, &info));
	return info;
}

struct pfnbench_info module_info(void)
{
	int fd = dev_open();
	struct pfnbench_info info = dev_info(fd);

	close(fd);
	return info;
}

uint32_t buf_shape(int fd)
{
	return dev_info(fd).buf_shape;
}

bool fault_can_give_pmd(void)
{
	return module_info().capabilities & PFNBENCH_CAP_FAULT_PMD;
}

char *dev_map(int fd, size_t len, size_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)off);

	if (p == MAP_FAILED)
		FAIL("mmap %zu bytes at offset %zu: %s", len, off,
		     strerror(errno));
	return p;
}

int dev_walk_err(const void *addr, size_t len, struct pfnbench_walk *w)
{
	int fd = dev_open();
	int err = 0;

	memset(w, 0, sizeof(*w));
	w->start = (uintptr_t)addr;
	w->len = len;
	if (ioctl(fd, PFNBENCH_IOC_WALK, w) < 0)
		err = -errno;
	close(fd);
	return err;
}

int dev_pfns_err(const void *addr, size_t len, uint64_t *pfns)
{
	struct pfnbench_pfns req = {
		.start = (uintptr_t)addr,
		.len = len,
		.pfns = (uintptr_t)pfns,
	};
	int fd = dev_open();
	int err = 0;

	if (ioctl(fd, PFNBENCH_IOC_PFNS, &req) < 0)
		err = -errno;
	close(fd);
	return err;
}

struct pfnbench_walk dev_walk(const void *addr, size_t len)
{
	struct pfnbench_walk w;
	int err = dev_walk_err(addr, len, &w);

	if (err)
		FAIL("WALK %p + %zu: %s", addr, len, strerror(-err));
	return w;
}

int dev_zap_err(const void *addr, size_t len)
{
	struct pfnbench_zap z = { .start = (uintptr_t)addr, .len = len };
	int fd = dev_open();
	int err = 0;

	if (ioctl(fd, PFNBENCH_IOC_ZAP, &z) < 0)
		err = -errno;
	close(fd);
	return err;
}

void dev_zap(const void *addr, size_t len)
{
	int err = dev_zap_err(addr, len);

	if (err)
		FAIL("ZAP %p + %zu: %s", addr, len, strerror(-err));
}

uint32_t walk_shape(const struct pfnbench_walk *w)
{
	if (w->bytes_pud)
		return PFNBENCH_SHAPE_PUD;
	if (w->bytes_pmd)
		return PFNBENCH_SHAPE_PMD;
	return w->bytes_pte ? PFNBENCH_SHAPE_PTE : PFNBENCH_SHAPE_NONE;
}

void print_walk(const char *what, const struct pfnbench_walk *w)
{
	int i;

	printf("  walk %s: %llu KiB pte, %llu KiB pmd, %llu KiB pud, %llu KiB hole, %llu special, %llu KiB writable, nodes",
	       what, (unsigned long long)w->bytes_pte / KiB,
	       (unsigned long long)w->bytes_pmd / KiB,
	       (unsigned long long)w->bytes_pud / KiB,
	       (unsigned long long)w->bytes_hole / KiB,
	       (unsigned long long)w->nr_special,
	       (unsigned long long)w->bytes_write / KiB);
	for (i = 0; i < PFNBENCH_WALK_NODES; i++)
		if (w->node_bytes[i])
			printf(" %d:%llu KiB", i,
			       (unsigned long long)w->node_bytes[i] / KiB);
	if (w->bytes_other_node)
		printf(" other:%llu KiB",
		       (unsigned long long)w->bytes_other_node / KiB);
	printf(", cache");
	for (i = 0; i < PFNBENCH_CACHE_COUNT; i++)
		if (w->bytes_cache[i])
			printf(" %s:%llu KiB", cache_name(i),
			       (unsigned long long)w->bytes_cache[i] / KiB);
	printf("\n");
}

static uint64_t pattern(size_t offset, uint64_t seed)
{
	return (offset * 0x9e3779b97f4a7c15ULL) ^ seed;
}

void fill(char *p, size_t len, size_t base, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i += 64)
		*(volatile uint64_t *)(p + i) = pattern(base + i, seed);
}

size_t check(const char *p, size_t len, size_t base, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i += 64)
		if (*(const volatile uint64_t *)(p + i) !=
		    pattern(base + i, seed))
			return i;
	return SIZE_MAX;
}

void touch(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		(void)*(const volatile char *)(p + i);
}

static sigjmp_buf probe_jmp;

static void probe_handler(int sig)
{
	siglongjmp(probe_jmp, sig);
}

int probe_signal(volatile char *p, bool write)
{
	struct sigaction sa = { .sa_handler = probe_handler }, old_segv,
			 old_bus;
	int sig;

	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	sig = sigsetjmp(probe_jmp, 1);
	if (sig == 0) {
		if (write)
			*p = *p;
		else
			(void)*p;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return sig;
}

bool can_read(const volatile char *p)
{
	return !probe_signal((volatile char *)p, false);
}

bool can_write(volatile char *p)
{
	return !probe_signal(p, true);
}

uint64_t mem_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kib = 0, count, pcp_pages = 0;

	if (!f)
		FAIL("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %llu kB", &kib) == 1)
			break;
	fclose(f);
	/*
	 * Freed 2 MiB blocks may wait on the per-CPU free lists, which MemFree
	 * does not count; /proc/zoneinfo shows them as "count:" per CPU.
	 */
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		FAIL("/proc/zoneinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %llu", &count) == 1)
			pcp_pages += count;
	fclose(f);
	return kib * KiB + pcp_pages * PAGE;
}

uint64_t mem_free_settled(void)
{
	const struct timespec pause = { .tv_nsec = 50 * 1000 * 1000 };
	uint64_t last = mem_free(), now;
	int i;

	/*
	 * Pages an exited process or an earlier test freed may still be on
	 * their way back (RCU, per-CPU batches): wait until two readings
	 * 50 ms apart are within 1 MiB, for 3 s at most.
	 */
	for (i = 0; i < 60; i++) {
		nanosleep(&pause, NULL);
		now = mem_free();
		if (now - last + MiB <= 2 * MiB)
			return now;
		last = now;
	}
	return last;
}

uint64_t wait_allocated(uint64_t bytes)
{
	struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	uint64_t now = 0;
	int i;

	/* The last fput of an exiting task completes a little later. */
	for (i = 0; i < 100; i++) {
		now = module_info().allocated_bytes;
		if (now == bytes)
			break;
		nanosleep(&tick, NULL);
	}
	return now;
}

const char *mode_name(uint32_t mode)
{
	switch (mode) {
	case PFNBENCH_MODE_PTE:
		return "pte";
	case PFNBENCH_MODE_REMAP:
		return "remap";
	case PFNBENCH_MODE_FAULT:
		return "fault";
	case PFNBENCH_MODE_REMAP_FAULT:
		return "remap-fault";
	case PFNBENCH_MODE_REMAP_SIGBUS:
		return "remap-sigbus";
	default:
		return "unknown";
	}
}

const char *cache_name(uint32_t cache)
{
	switch (cache) {
	case PFNBENCH_CACHE_WB:
		return "wb";
	case PFNBENCH_CACHE_WC:
		return "wc";
	case PFNBENCH_CACHE_UC:
		return "uc";
	case PFNBENCH_CACHE_UC_MINUS:
		return "uc-";
	case PFNBENCH_CACHE_WT:
		return "wt";
	case PFNBENCH_CACHE_WP:
		return "wp";
	default:
		return "other";
	}
}

const char *shape_name(uint32_t shape)
{
	switch (shape) {
	case PFNBENCH_SHAPE_NONE:
		return "none";
	case PFNBENCH_SHAPE_PTE:
		return "pte";
	case PFNBENCH_SHAPE_PMD:
		return "pmd";
	case PFNBENCH_SHAPE_PUD:
		return "pud";
	default:
		return "unknown";
	}
}

int expect_remap_pmd(void)
{
	const char *want = getenv("PFNBENCH_EXPECT_REMAP");

	if (!want || !*want)
		return -1;
	if (!strcmp(want, "pmd"))
		return 1;
	if (!strcmp(want, "pte"))
		return 0;
	FAIL("PFNBENCH_EXPECT_REMAP=%s: expected pmd or pte", want);
}

/*
 * The first "<key> <number> kB" line of a /proc or /sys file, in bytes (key
 * includes its colon); false if the file or the line is missing.
 */
static bool kib_line(const char *path, const char *key, uint64_t *bytes)
{
	FILE *f = fopen(path, "r");
	unsigned long long kib;
	char line[256], *at;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		at = strstr(line, key);
		found = at && sscanf(at + strlen(key), " %llu kB", &kib) == 1;
	}
	fclose(f);
	if (found)
		*bytes = kib * KiB;
	return found;
}

uint64_t pgtable_bytes(void)
{
	uint64_t bytes;

	if (!kib_line("/proc/self/status", "VmPTE:", &bytes))
		FAIL("/proc/self/status has no VmPTE");
	return bytes;
}

uint64_t pgtable_bytes_of(int pid)
{
	char path[64];
	uint64_t bytes;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return kib_line(path, "VmPTE:", &bytes) ? bytes : 0;
}

uint64_t node_mem_free(int node)
{
	char path[96];
	uint64_t bytes;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 node);
	if (!kib_line(path, "MemFree:", &bytes))
		FAIL("%s has no MemFree", path);
	return bytes;
}

uint64_t mem_total(void)
{
	uint64_t bytes;

	if (!kib_line("/proc/meminfo", "MemTotal:", &bytes))
		FAIL("/proc/meminfo has no MemTotal");
	return bytes;
}

static void param_path(char *path, size_t size, const char *name)
{
	snprintf(path, size, "/sys/module/pfnbench/parameters/%s", name);
}

uint64_t param_read(const char *name)
{
	unsigned long long value;
	char path[128];
	FILE *f;
	int n;

	param_path(path, sizeof(path), name);
	f = fopen(path, "r");
	if (!f)
		FAIL("%s: %s", path, strerror(errno));
	n = fscanf(f, "%llu", &value);
	fclose(f);
	if (n != 1)
		FAIL("%s holds no number", path);
	return value;
}

void param_write(const char *name, uint64_t value)
{
	char path[128];
	FILE *f;

	param_path(path, sizeof(path), name);
	f = fopen(path, "w");
	if (!f)
		FAIL("%s: %s", path, strerror(errno));
	fprintf(f, "%llu\n", (unsigned long long)value);
	if (fclose(f))
		FAIL("writing %llu to %s: %s", (unsigned long long)value, path,
		     strerror(errno));
}

char *reserve_va(size_t len)
{
	size_t total = len + 4 * CHUNK;
	char *r = mmap(NULL, total, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (r == MAP_FAILED)
		FAIL("reserving %zu bytes of address space: %s", total,
		     strerror(errno));
	return (char *)(((uintptr_t)r + 2 * CHUNK) & ~(CHUNK - 1));
}

char *dev_map_at(int fd, char *at, size_t len, size_t off)
{
	void *p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       fd, (off_t)off);

	if (p == MAP_FAILED)
		FAIL("mmap %zu bytes at offset %zu to %p: %s", len, off,
		     (void *)at, strerror(errno));
	if (p != at)
		FAIL("MAP_FIXED mapped at %p, not %p", p, (void *)at);
	return p;
}

void prefault_stack(void)
{
	volatile char buf[256 * KiB];
	size_t i;

	for (i = 0; i < sizeof(buf); i += PAGE)
		buf[i] = 0;
}

static size_t model_pages(const struct model *m)
{
	return m->len / PAGE;
}

void model_init(struct model *m, const char *name, char *va, size_t len,
		size_t off, uint32_t cache, bool leaf)
{
	size_t i;

	if (len / PAGE > MODEL_MAX_PAGES || len % PAGE || (uintptr_t)va % PAGE)
		FAIL("model %s: %zu bytes at %p do not fit", name, len,
		     (void *)va);
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->va = va;
	m->len = len;
	m->off = off;
	m->cache = cache;
	for (i = 0; i < model_pages(m); i++)
		m->pg[i] = PG_VMA | PG_PRESENT | PG_READ | PG_WRITE |
			   (leaf ? PG_LEAF : 0);
}

static void model_range(const struct model *m, size_t at, size_t len)
{
	if (at % PAGE || len % PAGE || !len || at + len > m->len)
		FAIL("model %s: bad range %zu + %zu", m->name, at, len);
}

void model_written(struct model *m, size_t at, size_t len, uint64_t seed)
{
	size_t i;

	model_range(m, at, len);
	for (i = at / PAGE; i < (at + len) / PAGE; i++)
		m->seed[i] = seed;
}

void model_fill(struct model *m, size_t at, size_t len, uint64_t seed)
{
	model_range(m, at, len);
	fill(m->va + at, len, m->off + at, seed);
	model_written(m, at, len, seed);
}

/* Page index range [*first, *end) of the 2 MiB VA window around page i. */
static void window_of(const struct model *m, size_t i, size_t *first,
		      size_t *end)
{
	uintptr_t va = (uintptr_t)m->va + i * PAGE;
	uintptr_t w = va & ~(CHUNK - 1);

	*first = w < (uintptr_t)m->va ? 0 : (w - (uintptr_t)m->va) / PAGE;
	*end = (w + CHUNK - (uintptr_t)m->va) / PAGE;
	if (*end > model_pages(m))
		*end = model_pages(m);
}

/* Splits the leaves [at, at + len) covers only in part (where it starts and ends). */
static void split_partial(struct model *m, size_t at, size_t len)
{
	size_t edges[2] = { at / PAGE, (at + len) / PAGE - 1 }, first, end, i;
	int e;

	for (e = 0; e < 2; e++) {
		window_of(m, edges[e], &first, &end);
		if (at / PAGE <= first && (at + len) / PAGE >= end &&
		    end - first == CHUNK / PAGE)
			continue;	/* a whole window: no split */
		for (i = first; i < end; i++)
			m->pg[i] &= ~PG_LEAF;
	}
}

void model_mprotect(struct model *m, size_t at, size_t len, int prot)
{
	uint8_t want = (prot & PROT_READ ? PG_READ : 0) |
		       (prot & PROT_WRITE ? PG_WRITE : 0);
	bool change = false;
	size_t i;

	model_range(m, at, len);
	ASSERT_OK(mprotect(m->va + at, len, prot));
	for (i = at / PAGE; i < (at + len) / PAGE; i++) {
		if (!(m->pg[i] & PG_VMA))
			FAIL("model %s: mprotect of unmapped page %zu", m->name,
			     i);
		change |= (m->pg[i] & (PG_READ | PG_WRITE)) != want;
	}
	if (change)
		split_partial(m, at, len);
	for (i = at / PAGE; i < (at + len) / PAGE; i++)
		m->pg[i] = (m->pg[i] & ~(PG_READ | PG_WRITE)) | want;
}

/* The pages of [at, at + len) keep only the state bits in keep. */
static void model_keep(struct model *m, size_t at, size_t len, unsigned int keep)
{
	size_t i;

	for (i = at / PAGE; i < (at + len) / PAGE; i++)
		m->pg[i] &= keep;
}

void model_munmap(struct model *m, size_t at, size_t len)
{
	model_range(m, at, len);
	ASSERT_OK(munmap(m->va + at, len));
	split_partial(m, at, len);
	model_keep(m, at, len, 0);
}

void model_zap(struct model *m, size_t at, size_t len)
{
	model_range(m, at, len);
	dev_zap(m->va + at, len);
	split_partial(m, at, len);
	model_keep(m, at, len, ~(unsigned int)(PG_PRESENT | PG_LEAF));
}

void model_mremap(struct model *src, size_t at, size_t len, struct model *dst,
		  const char *name, char *to)
{
	bool aligned = ((uintptr_t)to - (uintptr_t)(src->va + at)) % CHUNK == 0;
	size_t i, first, end, j;
	void *q;

	model_range(src, at, len);
	q = mremap(src->va + at, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (q == MAP_FAILED)
		FAIL("mremap %s + %zu (%zu bytes) to %p: %s", src->name, at,
		     len, (void *)to, strerror(errno));
	ASSERT_TRUE(q == to);
	model_init(dst, name, to, len, src->off + at, src->cache, false);
	for (i = 0; i < len / PAGE; i++) {
		dst->pg[i] = src->pg[at / PAGE + i];
		dst->seed[i] = src->seed[at / PAGE + i];
	}
	/*
	 * A leaf moves whole only to a whole window at the same alignment;
	 * the rest of the moved range is split first.
	 */
	for (i = 0; i < len / PAGE; i = end) {
		bool whole_leaf;

		window_of(dst, i, &first, &end);
		whole_leaf = aligned && end - first == CHUNK / PAGE;
		for (j = first; j < end && whole_leaf; j++)
			whole_leaf = dst->pg[j] & PG_LEAF;
		if (!whole_leaf)
			for (j = first; j < end; j++)
				dst->pg[j] &= ~PG_LEAF;
	}
	split_partial(src, at, len);
	model_keep(src, at, len, 0);
}

void model_refault(struct model *m, size_t at, size_t len)
{
	size_t i;

	model_range(m, at, len);
	for (i = at / PAGE; i < (at + len) / PAGE; i++) {
		int sig = probe_signal(m->va + i * PAGE, false);

		if (sig)
			FAIL("model %s: reading zapped page %zu: %s", m->name,
			     i, strsignal(sig));
		m->pg[i] |= PG_PRESENT;
	}
}

static void fail_window(const struct model *m, const char *what, size_t first,
			const struct pfnbench_walk *w, const char *expected)
{
	print_walk("of the window", w);
	FAIL("%s: %s: window at page %zu (%p): expected %s", m->name, what,
	     first, (void *)(m->va + first * PAGE), expected);
}

static void check_window(const struct model *m, const char *what, size_t first,
			 size_t end, char *shape, size_t shape_size)
{
	size_t i, present = 0, write = 0, read = 0, leaf = 0;
	size_t pages = end - first;
	const char *prot;
	struct pfnbench_walk w = dev_walk(m->va + first * PAGE, pages * PAGE);
	char expected[160];
	uint32_t c;

	for (i = first; i < end; i++) {
		if (!(m->pg[i] & PG_VMA) || !(m->pg[i] & PG_PRESENT))
			continue;
		present++;
		read += !!(m->pg[i] & PG_READ);
		write += !!(m->pg[i] & PG_WRITE);
		leaf += !!(m->pg[i] & PG_LEAF);
	}
	if (leaf && (leaf != pages || pages != CHUNK / PAGE))
		FAIL("%s: model: a leaf covers %zu of %zu pages at page %zu",
		     m->name, leaf, pages, first);
	snprintf(expected, sizeof(expected),
		 "%s, %zu KiB mapped, %zu KiB writable, all %s",
		 leaf ? "one PMD leaf" : "PTEs only",
		 (size_t)(present * PAGE / KiB), (size_t)(write * PAGE / KiB),
		 cache_name(m->cache));
	if (w.bytes_hole != (pages - present) * PAGE ||
	    w.bytes_write != write * PAGE || w.bytes_pud ||
	    w.nr_special != w.nr_pte + w.nr_pmd + w.nr_pud)
		fail_window(m, what, first, &w, expected);
	if (leaf ? w.nr_pmd != 1 || w.bytes_pmd != CHUNK || w.nr_pte :
		   w.nr_pmd || w.bytes_pmd || w.nr_pte != present ||
		   w.bytes_pte != present * PAGE)
		fail_window(m, what, first, &w, expected);
	for (c = 0; c < PFNBENCH_CACHE_COUNT; c++)
		if (w.bytes_cache[c] != (c == m->cache ? present * PAGE : 0))
			fail_window(m, what, first, &w, expected);
	prot = !present || write == present ? "" : read ? "(ro)" : "(none)";
	if (leaf)
		snprintf(shape, shape_size, " pmd%s", prot);
	else
		snprintf(shape, shape_size, " %zupte%s", present, prot);
}

/* What a read and a write of page i must do, by the model. */
static void check_access(const struct model *m, const char *what, size_t i)
{
	uint8_t pg = m->pg[i];
	volatile char *p = m->va + i * PAGE + (i * 64) % PAGE;
	int r, wr;

	if ((pg & PG_VMA) && !(pg & PG_PRESENT))
		return;
	r = probe_signal(p, false);
	if (!(pg & PG_VMA)) {
		if (r != SIGSEGV)
			FAIL("%s: %s: page %zu is unmapped, a read gave %s",
			     m->name, what, i, r ? strsignal(r) : "no fault");
		return;
	}
	wr = probe_signal(p, true);
	if (r != (pg & PG_READ ? 0 : SIGSEGV) ||
	    wr != (pg & PG_WRITE ? 0 : SIGSEGV))
		FAIL("%s: %s: page %zu (%s%s): read %s, write %s", m->name,
		     what, i, pg & PG_READ ? "r" : "-", pg & PG_WRITE ? "w" : "-",
		     r ? strsignal(r) : "ok", wr ? strsignal(wr) : "ok");
}

void model_check(const struct model *m, const char *what)
{
	size_t i, first, end, n = model_pages(m);
	char shapes[512] = "", shape[32];

	for (i = 0; i < n; i = end) {
		window_of(m, i, &first, &end);
		check_window(m, what, first, end, shape, sizeof(shape));
		if (strlen(shapes) + strlen(shape) < sizeof(shapes))
			strcat(shapes, shape);
	}
	printf("  %s, %s:%s, all %s\n", m->name, what, shapes,
	       cache_name(m->cache));
	for (i = 0; i < n; i++) {
		uint8_t pg = m->pg[i];
		size_t bad;

		if ((pg & (PG_VMA | PG_PRESENT | PG_READ)) !=
		    (PG_VMA | PG_PRESENT | PG_READ))
			continue;
		bad = check(m->va + i * PAGE, PAGE, m->off + i * PAGE,
			    m->seed[i]);
		if (bad != SIZE_MAX)
			FAIL("%s: %s: data differs at page %zu + %zu", m->name,
			     what, i, bad);
	}
	/* The first and last page of every run of like pages. */
	for (i = 0; i < n; i++)
		if (!i || i == n - 1 || m->pg[i] != m->pg[i - 1] ||
		    m->pg[i] != m->pg[i + 1])
			check_access(m, what, i);
}

void model_assert_shape(const struct model *m, const char *want, bool leaves)
{
	size_t i, j, k = 0, first, end, present, leaf;

	for (i = 0; i < model_pages(m); i = end, k++) {
		window_of(m, i, &first, &end);
		present = leaf = 0;
		for (j = first; j < end; j++) {
			present += (m->pg[j] & (PG_VMA | PG_PRESENT)) ==
				   (PG_VMA | PG_PRESENT);
			leaf += !!(m->pg[j] & PG_LEAF);
		}
		if (k >= strlen(want))
			FAIL("%s: shape %s has too few windows", m->name, want);
		if (want[k] == 'P' ? present != CHUNK / PAGE ||
				     leaf != (leaves ? present : 0) :
		    want[k] == 'S' ? !present || leaf :
		    want[k] == '-' ? present != 0 : true)
			FAIL("%s: window %zu is not '%c' of %s (%zu pages mapped, %zu in a leaf)",
			     m->name, k, want[k], want, present, leaf);
	}
	if (k != strlen(want))
		FAIL("%s: shape %s has too many windows", m->name, want);
}

void assert_pgtables(uint64_t base, long tables, const char *what)
{
	uint64_t now = pgtable_bytes();

	printf("  page tables %s: %+lld KiB over the baseline (expected %ld tables)\n",
	       what, ((long long)now - (long long)base) / (long long)KiB,
	       tables);
	if ((long long)now != (long long)base + tables * (long long)PAGE)
		FAIL("page tables %s: %lld KiB over the baseline, expected %ld tables (%ld KiB): a deposit or table leaked or went missing",
		     what, ((long long)now - (long long)base) / (long long)KiB,
		     tables, tables * (long)(PAGE / KiB));
}
