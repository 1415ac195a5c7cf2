/* Large blocks for the per-source tables (records, index, analyser
 * states), backed by transparent huge pages where the kernel offers them
 * (THP "always" or "madvise").
 *
 * A capture of a million sources fills about a gigabyte of such tables,
 * each source's lines at random places in it. With 4 KiB pages that is a
 * quarter of a million page faults and a TLB miss on most accesses; with
 * 2 MiB pages, five hundred faults and a TLB that covers far more. Blocks
 * under 2 MiB, and every block in a sanitizer build (so that ASan keeps
 * checking them), come from aligned_alloc, zeroed. */
#ifndef SP_BIGMEM_H
#define SP_BIGMEM_H
#include <stddef.h>

/* 1 in a build with AddressSanitizer or MemorySanitizer: memory that
 * scanprint carves itself (big blocks, arenas) is then allocated piece by
 * piece, so that the sanitizer checks the bounds of every piece. */
#if defined(__SANITIZE_ADDRESS__)
#define SP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SP_SANITIZED 1
#endif
#endif
#ifndef SP_SANITIZED
#define SP_SANITIZED 0
#endif

/* n zeroed bytes, 64-byte aligned at least; NULL when out of memory. */
void *big_alloc(size_t n);
/* Grows or shrinks a block of big_alloc(old) (or NULL, old 0) to n bytes,
 * what it held kept and any new bytes zero; NULL when out of memory (the
 * block is then as it was). Large blocks are remapped, not copied. */
void *big_realloc(void *p, size_t old, size_t n);
/* Frees a block of big_alloc(n) (NULL is ignored). */
void big_free(void *p, size_t n);

#endif
