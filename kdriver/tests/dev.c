// SPDX-License-Identifier: GPL-2.0
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

void print_walk(const char *what, const struct pfnbench_walk *w)
{
	int i;

	printf("  walk %s: %llu KiB pte, %llu KiB pmd, %llu KiB hole, %llu special, %llu KiB writable, nodes",
	       what, (unsigned long long)w->bytes_pte / KiB,
	       (unsigned long long)w->bytes_pmd / KiB,
	       (unsigned long long)w->bytes_hole / KiB,
	       (unsigned long long)w->nr_special,
	       (unsigned long long)w->bytes_write / KiB);
	for (i = 0; i < PFNBENCH_WALK_NODES; i++)
		if (w->node_bytes[i])
			printf(" %d:%llu KiB", i,
			       (unsigned long long)w->node_bytes[i] / KiB);
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

static bool probe(volatile char *p, bool write)
{
	struct sigaction sa = { .sa_handler = probe_handler }, old_segv,
			 old_bus;
	bool ok = false;

	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (sigsetjmp(probe_jmp, 1) == 0) {
		if (write)
			*p = *p;
		else
			(void)*p;
		ok = true;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return ok;
}

bool can_read(const volatile char *p)
{
	return probe((volatile char *)p, false);
}

bool can_write(volatile char *p)
{
	return probe(p, true);
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
