/* Fuzzes the distinct-value set against a plain model: the input is a list
 * of values (whole 32-bit words, bytes of a tiny range, neighbours of the
 * values a table is easy to get wrong at, a descending run) spread over two
 * sets and a third that gets them all. After every add the set must hold the
 * DSET_EXACT smallest distinct values seen, its count and its largest value;
 * at the end the two halves merged must equal the whole, and the stored form
 * must decode to a set that encodes to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/cursor.h"
#include "util/buf.h"
#include "util/dset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_VALUES = 4096 };

static const uint32_t special[] = {DSET_EMPTY_SLOT, 1, UINT32_MAX, 0x80000000u};

/* The next value of the input, or 0 with *ok cleared at its end. */
static uint32_t next_value(const uint8_t **p, const uint8_t *end, uint32_t *down, int *half,
			   int *ok)
{
	if (*p == end) {
		*ok = 0;
		return 0;
	}
	uint8_t op = *(*p)++;
	*half = op >> 7;
	uint32_t v;
	switch (op & 3) {
	case 0: /* a whole word */
		if (end - *p < 4) {
			*ok = 0;
			return 0;
		}
		v = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 | (uint32_t)(*p)[2] << 8 |
		    (*p)[3];
		*p += 4;
		return v;
	case 1: /* a tiny range: repeats */
		return (op >> 2) & 7;
	case 2: /* near a value that is special to the table */
		return special[(op >> 2) & 3] + (uint32_t)((op >> 4) & 7) - 4;
	default: /* descending: every value evicts the largest */
		return (*down)--;
	}
}

/* Adds x to the ascending list of distinct values m[0..*n). */
static void model_add(uint32_t *m, size_t *n, uint32_t x)
{
	size_t lo = 0, hi = *n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < *n && m[lo] == x)
		return;
	memmove(m + lo + 1, m + lo, (*n - lo) * sizeof *m);
	m[lo] = x;
	(*n)++;
}

static void check(const dset *s, const uint32_t *m, size_t n)
{
	uint32_t want = n < DSET_EXACT ? (uint32_t)n : DSET_EXACT, got[DSET_EXACT];
	if (s->n != want || dset_sorted(s, got) != want || memcmp(got, m, want * sizeof *got) != 0)
		abort();
	if (want && (s->top != m[want - 1] || !dset_has(s, m[0]) || !dset_has(s, m[want - 1])))
		abort();
	if (n > DSET_EXACT && dset_has(s, m[DSET_EXACT]))
		abort(); /* seen, but not among the smallest */
	if (dset_is_estimate(s) != (n > DSET_EXACT) || (n <= DSET_EXACT && dset_count(s) != n))
		abort();
}

static void encode(const dset *s, buf *b)
{
	buf_reset(b);
	dset_encode(s, b);
}

static void same_bytes(const dset *a, const dset *b)
{
	buf x, y;
	buf_init(&x);
	buf_init(&y);
	encode(a, &x);
	encode(b, &y);
	if (x.len != y.len || memcmp(x.p, y.p, x.len) != 0)
		abort();
	buf_free(&x);
	buf_free(&y);
}

static void round_trip(const dset *s)
{
	buf b;
	buf_init(&b);
	encode(s, &b);
	cursor c = rd_init(b.p, b.len);
	dset d;
	if (dset_decode(&d, &c) != 0 || rd_left(&c) != 0)
		abort();
	same_bytes(s, &d);
	dset_free(&d);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t *m = malloc(MAX_VALUES * sizeof *m), down = UINT32_MAX - (uint32_t)size;
	if (!m)
		return 0;
	size_t n = 0;
	dset all, half[2], merged;
	dset_init(&all);
	dset_init(&half[0]);
	dset_init(&half[1]);
	dset_init(&merged);
	const uint8_t *p = data, *end = data + size;
	int ok = 1, h = 0;
	while (n < MAX_VALUES) {
		uint32_t v = next_value(&p, end, &down, &h, &ok);
		if (!ok)
			break;
		model_add(m, &n, v);
		dset_prefetch(&all, v);
		dset_add(&all, v);
		dset_add(&half[h], v);
		check(&all, m, n);
	}
	dset_merge(&merged, &half[1]);
	dset_merge(&merged, &half[0]);
	same_bytes(&merged, &all);
	check(&merged, m, n);
	round_trip(&all);
	round_trip(&half[0]);
	dset_free(&all);
	dset_free(&half[0]);
	dset_free(&half[1]);
	dset_free(&merged);
	free(m);
	return 0;
}
