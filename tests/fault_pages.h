// A stand-in workload for counter tests: faults fresh pages, so a page-fault count (a
// software event every machine can count) shows which calls the counters were read around.
#pragma once

#include <sys/mman.h>

#include <cstddef>

inline void fault_fresh_pages(size_t pages)
{
	const size_t len = pages * 4096;
	void *p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < len; off += 4096)
		static_cast<volatile char *>(p)[off] = 1;
	munmap(p, len);
}
