/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers the pfnbench tests share: device calls, patterns, fault probes. */
#ifndef PFNBENCH_TEST_DEV_H
#define PFNBENCH_TEST_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../pfnbench_uapi.h"

#define KiB (1024UL)
#define MiB (1024 * KiB)
#define PAGE (4 * KiB)
#define CHUNK (2 * MiB)

/* open(/dev/pfnbench, O_RDWR); fails the test if that fails. */
int dev_open(void);
/* ALLOC; returns 0 or -errno. *node (if given) gets the node used. */
int dev_alloc(int fd, uint64_t bytes, int node, uint32_t mode, int *node_out);
/* open + ALLOC that must succeed. */
int dev_open_alloc(uint64_t bytes, int node, uint32_t mode);
struct pfnbench_info dev_info(int fd);
/* INFO on a fresh file: the module-wide facts. */
struct pfnbench_info module_info(void);
/* MAP_SHARED read/write of [off, off + len) of fd's buffer; test fails if not. */
char *dev_map(int fd, size_t len, size_t off);
/* WALK that must succeed. */
struct pfnbench_walk dev_walk(const void *addr, size_t len);
/* WALK returning 0 or -errno. */
int dev_walk_err(const void *addr, size_t len, struct pfnbench_walk *w);
void print_walk(const char *what, const struct pfnbench_walk *w);
/* ZAP returning 0 or -errno; dev_zap() must succeed. */
int dev_zap_err(const void *addr, size_t len);
void dev_zap(const void *addr, size_t len);

/* One word per 64 bytes, derived from the byte offset and a seed. */
void fill(char *p, size_t len, size_t base, uint64_t seed);
/* Returns the offset of the first mismatch, or SIZE_MAX. */
size_t check(const char *p, size_t len, size_t base, uint64_t seed);
/* Reads one byte of every page (populates fault-mode mappings). */
void touch(const char *p, size_t len);

/* Whether a read / write of p completes or raises SIGSEGV/SIGBUS. */
bool can_read(const volatile char *p);
bool can_write(volatile char *p);

/* Free memory in bytes: MemFree plus the per-CPU free lists. */
uint64_t mem_free(void);
/* Waits (up to ~2 s) until the module holds `bytes`; returns what it holds. */
uint64_t wait_allocated(uint64_t bytes);

const char *mode_name(uint32_t mode);
const char *cache_name(uint32_t cache);

#endif
