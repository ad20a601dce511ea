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
/* INFO.buf_shape of fd's buffer: what it was seen to get. */
uint32_t buf_shape(int fd);
/* Whether the fault path can give PMD leaves here (INFO.capabilities). */
bool fault_can_give_pmd(void);
/* MAP_SHARED read/write of [off, off + len) of fd's buffer; test fails if not. */
char *dev_map(int fd, size_t len, size_t off);
/* WALK that must succeed. */
struct pfnbench_walk dev_walk(const void *addr, size_t len);
/* WALK returning 0 or -errno. */
int dev_walk_err(const void *addr, size_t len, struct pfnbench_walk *w);
void print_walk(const char *what, const struct pfnbench_walk *w);
/* PFNS into pfns (len / PAGE entries); 0 or -errno. */
int dev_pfns_err(const void *addr, size_t len, uint64_t *pfns);
/*
 * The enum pfnbench_shape a walk of whole mapped chunks reads as: PMD with
 * any PMD leaf, else PTE with any PTE, else NONE.
 */
uint32_t walk_shape(const struct pfnbench_walk *w);
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
/* mem_free() once it has stopped moving (frees still in flight have landed). */
uint64_t mem_free_settled(void);
/* Waits (up to ~2 s) until the module holds `bytes`; returns what it holds. */
uint64_t wait_allocated(uint64_t bytes);

const char *mode_name(uint32_t mode);
const char *cache_name(uint32_t cache);
const char *shape_name(uint32_t shape);

/*
 * Whether remap_pfn_range() must give PMD leaves here (1), PTEs (0), or
 * either (-1), as the harness said in PFNBENCH_EXPECT_REMAP=pmd|pte.
 */
int expect_remap_pmd(void);

/* A read or write of p: 0 if it completed, else the signal it raised. */
int probe_signal(volatile char *p, bool write);

/* This process's page tables in bytes (VmPTE: every level, deposits too). */
uint64_t pgtable_bytes(void);
/* The same of process pid; 0 once it has no memory left (exiting, gone). */
uint64_t pgtable_bytes_of(int pid);

/* MemFree of one NUMA node, in bytes. */
uint64_t node_mem_free(int node);
/* MemTotal of the machine, in bytes. */
uint64_t mem_total(void);

/* A module parameter of pfnbench (/sys/module/pfnbench/parameters/name). */
uint64_t param_read(const char *name);
void param_write(const char *name, uint64_t value);

/*
 * Reserves len bytes of address space at a 2 MiB aligned address, with at
 * least 2 MiB of PROT_NONE on each side: the neighbours keep the page tables
 * above the range from being freed with what is unmapped there, so the page
 * tables of the range are all that come and go.
 */
char *reserve_va(size_t len);
/* MAP_SHARED | MAP_FIXED read/write of [off, off + len) of fd's buffer at at. */
char *dev_map_at(int fd, char *at, size_t len, size_t off);

/*
 * What a test expects of one range of its address space, page by page, and
 * the checks of it against the walk, the data and the protections.
 */
#define MODEL_MAX_PAGES (8 * CHUNK / PAGE)

enum {
	PG_VMA = 1,		/* inside a pfnbench VMA (else: unmapped) */
	PG_PRESENT = 2,		/* has an entry (else: zapped) */
	PG_READ = 4,
	PG_WRITE = 8,
	PG_LEAF = 16,		/* mapped by a PMD leaf */
};

struct model {
	const char *name;
	char *va;		/* start of the range, page aligned */
	size_t len;
	size_t off;		/* buffer offset mapped at va */
	uint32_t cache;		/* cache mode every entry must have */
	uint8_t pg[MODEL_MAX_PAGES];
	uint64_t seed[MODEL_MAX_PAGES];	/* data pattern of each page */
};

/* The range [va, va + len) mapped read/write from buffer offset off. */
void model_init(struct model *m, const char *name, char *va, size_t len,
		size_t off, uint32_t cache, bool leaf);
/* Writes the pattern of seed to [at, at + len) of the range. */
void model_fill(struct model *m, size_t at, size_t len, uint64_t seed);
/* Another process (sharing the buffer) wrote the pattern of seed there. */
void model_written(struct model *m, size_t at, size_t len, uint64_t seed);
/*
 * Each does the call on [va + at, va + at + len) and updates the model: a
 * PMD leaf the range covers only in part is split into PTEs (a whole one is
 * changed in place, or goes); mprotect() that changes nothing splits nothing.
 */
void model_mprotect(struct model *m, size_t at, size_t len, int prot);
void model_munmap(struct model *m, size_t at, size_t len);
void model_zap(struct model *m, size_t at, size_t len);
/*
 * mremap() of [at, at + len) of src to `to`, described by dst: leaves move
 * whole only where a whole leaf lands 2 MiB aligned, the rest is split.
 */
void model_mremap(struct model *src, size_t at, size_t len, struct model *dst,
		  const char *name, char *to);
/* Reads [at, at + len) in a mode whose fault handler maps it again. */
void model_refault(struct model *m, size_t at, size_t len);
/*
 * Checks every 2 MiB window of the range against the walk (PMD leaf or
 * exactly the present PTEs, holes, writable bytes, special bit on every
 * entry, the cache mode of every entry), the data of every present page,
 * and, at the edges of every run of like pages, what a read and a write do.
 * Zapped pages are not touched (a fault handler might map them again).
 */
void model_check(const struct model *m, const char *what);
/*
 * The model's shape, one letter per 2 MiB window: P a PMD leaf (where leaves
 * says the kernel gives them; PTEs otherwise), S split (PTEs only), - nothing
 * mapped. States the test's intent, so a wrong model cannot pass unnoticed.
 */
void model_assert_shape(const struct model *m, const char *want, bool leaves);

/* The page tables are base plus exactly `tables` pages (deposits included). */
void assert_pgtables(uint64_t base, long tables, const char *what);
/* Touches stack below the caller, so it needs no new page tables later. */
void prefault_stack(void);

#endif
