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

#define DSET_INLINE	4  /* values held without an allocation */
#define DSET_SLOTS_MAX	96 /* table slots of a full exact part (load 2/3) */
#define DSET_EMPTY_SLOT 0  /* marks a free table slot; the value itself is a flag */
#define DSET_TOPK	8  /* largest values a full table keeps, ascending, after its slots */

/* The exact part is an open-addressing table: a lookup normally touches the
 * header and the one line of slots its value hashes to. */
typedef struct dset {
	uint8_t n;     /* values held (<= DSET_EXACT) */
	uint8_t cap;   /* slots in u.slot (8, 16, 32, 64, 96); 0 = values are in u.inl */
	uint8_t empty; /* table only: the value DSET_EMPTY_SLOT is held (it has no slot) */
	uint8_t ntop;  /* full table: largest values cached after the slots (0 = none yet) */
	uint32_t top;  /* the largest value held (valid when n > 0) */
	union {
		uint32_t inl[DSET_INLINE];
		uint32_t *slot; /* linear probing, at most 3/4 full */
	} u;
	uint8_t *hll; /* NULL until more than DSET_EXACT distinct values */
} dset;

/* Copies the values in ascending order into out; returns how many (s->n). */
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
/* Bytes held outside the header (the table and the sketch). Inline: the
 * profiling loop asks before and after every add. */
static inline size_t dset_mem(const dset *s)
{
	size_t slots = (size_t)s->cap + (s->cap == DSET_SLOTS_MAX ? DSET_TOPK : 0u);
	return slots * sizeof(uint32_t) + (s->hll ? DSET_HLL_M : 0);
}
/* Starts loading the memory dset_add(s, v) will touch: the sketch register
 * and the first table slot v probes (none when the full set turns v away). */
void dset_prefetch(const dset *s, uint32_t v);

/* Where value v lands in the sketch: the register and the rank that
 * dset_add keeps the largest of. For stores that merge sketches themselves
 * (the ClickHouse store sends the sketch of a set still held exactly). */
void dset_hll_pos(uint32_t v, uint32_t *idx, uint8_t *rank);

/* Stored form: varint n, deltas, then a flag and 256 register bytes. */
void dset_encode(const dset *s, buf *out);
struct cursor;
int dset_decode(dset *s, struct cursor *c);

#endif
