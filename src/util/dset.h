/* A distinct-value set of 32-bit values: exact up to DSET_EXACT values, then
 * a HyperLogLog sketch (2^8 registers, ~6.5% standard error) beside the
 * DSET_EXACT smallest values. Merging is associative and commutative, so the
 * result depends only on the values seen, never on how flushes split them:
 * the same capture gives the same answers in any store. */
#ifndef SP_DSET_H
#define SP_DSET_H
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define DSET_EXACT 64
#define DSET_HLL_P 8
#define DSET_HLL_M (1u << DSET_HLL_P)

#define DSET_INLINE 4 /* values held without an allocation */

typedef struct dset {
	uint8_t n;       /* values held (<= DSET_EXACT) */
	uint8_t cap;     /* allocated slots in u.heap; 0 = values are in u.inl */
	uint8_t sorted;  /* values ascending (as decoded); else a max-heap */
	uint8_t pad_;
	uint32_t top;    /* the largest value held (valid when n > 0) */
	union {
		uint32_t inl[DSET_INLINE];
		uint32_t *heap;
	} u;             /* the values: a max-heap, so the largest is at [0] and
			    "keep the smallest DSET_EXACT" costs O(log n) */
	uint8_t *hll;    /* NULL until more than DSET_EXACT distinct values */
} dset;

/* The values held, in no particular order. */
static inline const uint32_t *dset_values(const dset *s)
{
	return s->cap ? s->u.heap : s->u.inl;
}

/* Copies the values in ascending order into out; returns how many. */
uint32_t dset_sorted(const dset *s, uint32_t out[DSET_EXACT]);

void dset_init(dset *s);
void dset_free(dset *s);
/* Returns 1 if the value was new to the exact part (or the sketch changed). */
int dset_add(dset *s, uint32_t v);
void dset_merge(dset *dst, const dset *src);
/* dst (freed first) becomes a copy of src; 0 or -1 when out of memory. */
int dset_copy(dset *dst, const dset *src);
int dset_has(const dset *s, uint32_t v);
uint64_t dset_count(const dset *s);
int dset_is_estimate(const dset *s);
size_t dset_mem(const dset *s);

/* Where value v lands in the sketch: the register and the rank that
 * dset_add keeps the largest of. For stores that merge sketches themselves
 * (the ClickHouse store sends the sketch of a set still held exactly). */
void dset_hll_pos(uint32_t v, uint32_t *idx, uint8_t *rank);

/* Stored form: varint n, deltas, then a flag and 256 register bytes. */
void dset_encode(const dset *s, buf *out);
struct cursor;
int dset_decode(dset *s, struct cursor *c);

#endif
