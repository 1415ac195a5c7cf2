#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mremap */
#endif
#include "util/bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

static int mapped(size_t n)
{
	return !SP_SANITIZED && n >= HUGE_PAGE;
}

static size_t round_up(size_t n)
{
	return (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

void *big_alloc(size_t n)
{
	if (!mapped(n)) {
		void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);
		if (p)
			__builtin_memset(p, 0, n);
		return p;
	}
	size_t len = round_up(n);
	if (len < n)
		return NULL;
	/* map one huge page more, then cut the block down to a 2 MiB boundary:
	 * only whole aligned huge pages can be backed by one */
	uint8_t *m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	size_t lead = (HUGE_PAGE - ((uintptr_t)m & (HUGE_PAGE - 1))) & (HUGE_PAGE - 1);
	if (lead)
		munmap(m, lead);
	if (HUGE_PAGE - lead)
		munmap(m + lead + len, HUGE_PAGE - lead);
	uint8_t *p = m + lead;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE); /* a hint: without THP, 4 KiB pages */
#endif
	return p;
}

void big_free(void *p, size_t n)
{
	if (!p)
		return;
	if (!mapped(n)) {
		free(p);
		return;
	}
	munmap(p, round_up(n));
}

void *big_realloc(void *p, size_t old, size_t n)
{
	if (!p)
		return big_alloc(n);
	if (mapped(old) && mapped(n)) {
		size_t len = round_up(n);
		if (len < n)
			return NULL;
		if (n < old) /* what a later growth gives back must read as zero */
			memset((uint8_t *)p + n, 0, (old < len ? old : len) - n);
		void *q = mremap(p, round_up(old), len, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			return NULL;
#ifdef MADV_HUGEPAGE
		(void)madvise(q, len, MADV_HUGEPAGE);
#endif
		return q;
	}
	void *q = big_alloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	big_free(p, old);
	return q;
}
