// SPDX-License-Identifier: GPL-2.0
/*
 * The device as a 32-bit (compat) process sees it, built -m32 and run by
 * robust.c's compat test. The ioctls' structures have one layout for both
 * (only __u64 fields after 8-byte-aligned runs of __u32), so INFO, ALLOC,
 * WALK and ZAP must work as in 64 bits. The kernel's
 * thp_get_unmapped_area() does not place compat mappings congruent with
 * their offset modulo 2 MiB: the module must refuse the address it picks
 * instead of mapping PTEs where PMD leaves were asked for, and map a
 * congruent hint, with PMD leaves where the mode gives them.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dev.h"
#include "harness.h"

#define LEN (2 * CHUNK)
#define SEED 0xc032

TEST(compat_info_and_alloc)
{
	struct pfnbench_info info = module_info();
	int fd = dev_open();

	ASSERT_TRUE(sizeof(void *) == 4);
	ASSERT_EQ(info.abi_version, PFNBENCH_ABI_VERSION);
	ASSERT_EQ(info.chunk_bytes, CHUNK);
	ASSERT_EQ(dev_alloc(fd, LEN, -1, PFNBENCH_MODE_FAULT, NULL), 0);
	ASSERT_EQ(dev_info(fd).buf_bytes, LEN);
	ASSERT_EQ(dev_alloc(fd, LEN, -1, PFNBENCH_MODE_FAULT, NULL), -EBUSY);
}

/* The address the kernel picks: congruent, or refused. */
static void kernel_placed(uint32_t mode)
{
	int fd = dev_open_alloc(LEN, -1, mode);
	char *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		ASSERT_EQ(errno, EINVAL);
		harness_record("kernel-placed", "%s: refused (not congruent)",
			       mode_name(mode));
		return;
	}
	if ((uintptr_t)p % CHUNK)
		FAIL("%s mapped at %p, not congruent with offset 0",
		     mode_name(mode), (void *)p);
	harness_record("kernel-placed", "%s: congruent at %p", mode_name(mode),
		       (void *)p);
}

TEST(compat_kernel_placed_fault)
{
	kernel_placed(PFNBENCH_MODE_FAULT);
}

TEST(compat_kernel_placed_remap)
{
	kernel_placed(PFNBENCH_MODE_REMAP);
}

/* A congruent hint maps there; MAP_FIXED off congruence is refused. */
static void hinted(uint32_t mode)
{
	int fd = dev_open_alloc(LEN, -1, mode);
	char *va = reserve_va(2 * LEN), *p;
	struct pfnbench_walk w;

	p = mmap(va + PAGE, LEN, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	ASSERT_TRUE(p == MAP_FAILED);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_OK(munmap(va, 2 * LEN));
	p = mmap(va, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		FAIL("mmap at the free hint %p: %s", (void *)va,
		     strerror(errno));
	ASSERT_TRUE(p == va);
	fill(p, LEN, 0, SEED);
	ASSERT_TRUE(check(p, LEN, 0, SEED) == SIZE_MAX);
	w = dev_walk(p, LEN);
	print_walk(mode_name(mode), &w);
	ASSERT_EQ(w.bytes_hole, 0);
	if (mode == PFNBENCH_MODE_FAULT && fault_can_give_pmd())
		ASSERT_EQ(w.bytes_pmd, LEN);
	if (mode == PFNBENCH_MODE_REMAP && expect_remap_pmd() >= 0)
		ASSERT_EQ(expect_remap_pmd() ? w.bytes_pmd : w.bytes_pte, LEN);
	/* The buffer's INFO says what the walk read. */
	ASSERT_EQ(buf_shape(fd), walk_shape(&w));
	harness_record("hinted", "%s: %llu KiB in PMD leaves", mode_name(mode),
		       (unsigned long long)w.bytes_pmd / KiB);
	/*
	 * ZAP from 32 bits: the first 4 KiB go (a fault-path leaf holding
	 * them goes whole: nothing is deposited to split it into), the rest
	 * stays.
	 */
	dev_zap(p, PAGE);
	ASSERT_EQ(dev_walk(p, LEN).bytes_hole,
		  mode == PFNBENCH_MODE_FAULT && w.bytes_pmd ? CHUNK : PAGE);
	ASSERT_TRUE(check(p + CHUNK, CHUNK, CHUNK, SEED) == SIZE_MAX);
	ASSERT_OK(munmap(p, LEN));
}

TEST(compat_congruent_hint_fault)
{
	hinted(PFNBENCH_MODE_FAULT);
}

TEST(compat_congruent_hint_remap)
{
	hinted(PFNBENCH_MODE_REMAP);
}
