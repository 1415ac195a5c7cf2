/* Distinct-value sets: exact up to DSET_EXACT, then a sketch beside the
 * smallest values; merging in any order gives the same set; the stored form
 * round-trips and a corrupt one is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode/cursor.h"
#include "util/buf.h"
#include "util/dset.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void encode(const dset *s, buf *b)
{
	buf_reset(b);
	dset_encode(s, b);
}

static void assert_same(const dset *a, const dset *b)
{
	buf x, y;
	buf_init(&x);
	buf_init(&y);
	encode(a, &x);
	encode(b, &y);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.p, y.p, x.len);
	assert_int_equal(dset_count(a), dset_count(b));
	buf_free(&x);
	buf_free(&y);
}

static void exact_up_to_the_limit(void **state)
{
	(void)state;
	dset s;
	dset_init(&s);
	assert_int_equal(dset_count(&s), 0);
	for (uint32_t i = 0; i < DSET_EXACT; i++) {
		assert_int_equal(dset_add(&s, 1000 - i * 7), 1);
		assert_int_equal(dset_add(&s, 1000 - i * 7), 0); /* a repeat */
	}
	assert_int_equal(dset_count(&s), DSET_EXACT);
	assert_false(dset_is_estimate(&s));
	assert_true(dset_has(&s, 1000));
	assert_true(dset_has(&s, 1000 - 63 * 7));
	assert_false(dset_has(&s, 999));
	uint32_t sorted[DSET_EXACT];
	uint32_t n = dset_sorted(&s, sorted);
	assert_int_equal(n, DSET_EXACT);
	for (uint32_t i = 1; i < n; i++)
		assert_true(sorted[i - 1] < sorted[i]);
	assert_true(dset_mem(&s) >= DSET_EXACT * sizeof(uint32_t));
	dset_free(&s);
	assert_int_equal(s.n, 0);
}

static void small_sets_need_no_memory(void **state)
{
	(void)state;
	dset s;
	dset_init(&s);
	for (uint32_t i = 0; i < DSET_INLINE; i++)
		dset_add(&s, i);
	assert_int_equal(dset_mem(&s), 0);
	dset_add(&s, 99);
	assert_true(dset_mem(&s) > 0);
	assert_int_equal(dset_count(&s), DSET_INLINE + 1);
	dset_free(&s);
}

/* Past the limit the exact part keeps the DSET_EXACT smallest values,
 * whatever order they came in. */
static void overflow_keeps_the_smallest(void **state)
{
	(void)state;
	dset up, down, big_first;
	dset_init(&up);
	dset_init(&down);
	dset_init(&big_first);
	dset_add(&big_first, 100000);
	for (uint32_t i = 1; i <= DSET_EXACT; i++)
		dset_add(&up, i);
	dset_add(&up, 100000); /* the 65th, and larger than every value held */
	for (uint32_t i = DSET_EXACT; i >= 1; i--) {
		dset_add(&down, i);
		dset_add(&big_first, i);
	}
	dset_add(&down, 100000);
	assert_true(dset_is_estimate(&up));
	assert_int_equal(up.n, DSET_EXACT);
	assert_false(dset_has(&up, 100000));
	assert_true(dset_has(&up, DSET_EXACT));
	assert_same(&up, &down);
	assert_same(&up, &big_first);
	assert_true(dset_count(&up) > DSET_EXACT);
	dset_free(&up);
	dset_free(&down);
	dset_free(&big_first);
}

static void build(dset *s, const uint32_t *v, size_t n)
{
	dset_init(s);
	for (size_t i = 0; i < n; i++)
		dset_add(s, v[i]);
}

static void merge_copy(dset *out, const dset *a, const dset *b)
{
	dset_init(out);
	assert_int_equal(dset_copy(out, a), 0);
	dset_merge(out, b);
}

/* merge(a, b) == merge(b, a) == (a + b) + c == a + (b + c) == all values
 * added to one set, for sets below, at and above the exact limit. */
static void merge_is_order_independent(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 3, 30, 64, 65, 200, 5000};
	uint32_t *vals = malloc(3 * 5000 * sizeof *vals);
	assert_non_null(vals);
	for (size_t ia = 0; ia < 8; ia++) {
		for (size_t ib = 0; ib < 8; ib++) {
			size_t na = sizes[ia], nb = sizes[ib], nc = sizes[(ia + ib) % 8];
			for (size_t i = 0; i < na + nb + nc; i++)
				vals[i] = rnd() % 20000; /* with repeats across sets */
			dset a, b, c, all, ab, ba, ab_c, bc, a_bc;
			build(&a, vals, na);
			build(&b, vals + na, nb);
			build(&c, vals + na + nb, nc);
			build(&all, vals, na + nb + nc);
			merge_copy(&ab, &a, &b);
			merge_copy(&ba, &b, &a);
			assert_same(&ab, &ba);
			merge_copy(&ab_c, &ab, &c);
			merge_copy(&bc, &b, &c);
			merge_copy(&a_bc, &a, &bc);
			assert_same(&ab_c, &a_bc);
			assert_same(&ab_c, &all);
			dset *list[] = {&a, &b, &c, &all, &ab, &ba, &ab_c, &bc, &a_bc};
			for (size_t k = 0; k < 9; k++)
				dset_free(list[k]);
		}
	}
	free(vals);
}

static void estimate_is_close(void **state)
{
	(void)state;
	static const uint32_t truth[] = {100, 1000, 10000, 100000};
	for (size_t t = 0; t < 4; t++) {
		dset s;
		dset_init(&s);
		for (uint32_t i = 0; i < truth[t]; i++) {
			dset_add(&s, i * 2654435761u);
			dset_add(&s, i * 2654435761u); /* repeats change nothing */
		}
		double est = (double)dset_count(&s);
		double err = est / truth[t] - 1;
		if (err < -0.25 || err > 0.25)
			fail_msg("%u distinct estimated as %.0f", truth[t], est);
		dset_free(&s);
	}
}

static void round_trip(const dset *s)
{
	buf b;
	buf_init(&b);
	encode(s, &b);
	cursor c = rd_init(b.p, b.len);
	dset d;
	assert_int_equal(dset_decode(&d, &c), 0);
	assert_int_equal(rd_left(&c), 0);
	assert_same(s, &d);
	assert_int_equal(dset_is_estimate(s), dset_is_estimate(&d));
	uint32_t v[DSET_EXACT], n = dset_sorted(s, v);
	for (uint32_t i = 0; i < n; i++)
		assert_true(dset_has(&d, v[i]));
	dset_free(&d);
	buf_free(&b);
}

static void encode_decode(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 4, 5, 64, 65, 1000};
	for (size_t k = 0; k < 7; k++) {
		dset s;
		dset_init(&s);
		for (size_t i = 0; i < sizes[k]; i++)
			dset_add(&s, rnd());
		dset_add(&s, UINT32_MAX);
		dset_add(&s, 0);
		round_trip(&s);
		dset_free(&s);
	}
}

/* Decoding fills the table at its final size at once: the set must be the
 * one adding the values one by one makes (slot count, flags, largest
 * value, memory), and must go on to behave the same under more adds. */
static void decode_matches_adding(void **state)
{
	(void)state;
	for (uint32_t n = 0; n <= DSET_EXACT; n++)
		for (int with_zero = 0; with_zero < 2; with_zero++) {
			uint32_t v[DSET_EXACT];
			uint32_t k = 0;
			if (with_zero && n > 0)
				v[k++] = 0;
			uint32_t x = 0;
			while (k < n) {
				x += 1 + rnd() % 1000;
				v[k++] = x;
			}
			dset added;
			dset_init(&added);
			for (uint32_t i = 0; i < n; i++)
				assert_int_equal(dset_add(&added, v[i]), 1);
			buf b;
			buf_init(&b);
			encode(&added, &b);
			cursor c = rd_init(b.p, b.len);
			dset d;
			assert_int_equal(dset_decode(&d, &c), 0);
			assert_int_equal(d.n, added.n);
			assert_int_equal(d.cap, added.cap);
			assert_int_equal(d.empty, added.empty);
			assert_int_equal(d.ntop, added.ntop);
			if (n)
				assert_int_equal(d.top, added.top);
			assert_int_equal(dset_mem(&d), dset_mem(&added));
			assert_same(&d, &added);
			for (int i = 0; i < 300; i++) { /* up to and past the limit */
				uint32_t y = i % 3 || !n ? rnd() % (x + 2000) : v[(uint32_t)i % n];
				assert_int_equal(dset_add(&d, y), dset_add(&added, y));
				assert_int_equal(dset_mem(&d), dset_mem(&added));
			}
			assert_same(&d, &added);
			dset_free(&d);
			dset_free(&added);
			buf_free(&b);
		}
}

static int decode_bytes(const uint8_t *p, size_t n)
{
	cursor c = rd_init(p, n);
	dset d;
	int rc = dset_decode(&d, &c);
	dset_free(&d);
	return rc;
}

static void corrupt_blobs_are_refused(void **state)
{
	(void)state;
	static const uint8_t too_many[] = {65, 1, 1, 1, 0};
	assert_int_equal(decode_bytes(too_many, sizeof too_many), -1);
	static const uint8_t short_list[] = {3, 1, 1};
	assert_int_equal(decode_bytes(short_list, sizeof short_list), -1);
	/* deltas that pass 2^32 */
	static const uint8_t overflow[] = {2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0};
	assert_int_equal(decode_bytes(overflow, sizeof overflow), -1);
	/* a delta of 2^64 - 2 wraps to a smaller value: 5, 3, 5 is not a set */
	static const uint8_t wrap[] = {3,    5,	   0xfe, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff, 0x01, 2,	   0};
	assert_int_equal(decode_bytes(wrap, sizeof wrap), -1);
	/* a sketch flag with too few registers */
	static const uint8_t short_hll[] = {1, 5, 1, 9, 9, 9};
	assert_int_equal(decode_bytes(short_hll, sizeof short_hll), -1);
	/* no flag byte at all */
	static const uint8_t no_flag[] = {1, 5};
	assert_int_equal(decode_bytes(no_flag, sizeof no_flag), -1);
	assert_int_equal(decode_bytes(NULL, 0), -1);
	static const uint8_t empty[] = {0, 0};
	assert_int_equal(decode_bytes(empty, sizeof empty), 0);
	/* every cut of a valid blob is refused, never read past */
	dset s;
	dset_init(&s);
	for (uint32_t i = 0; i < 100; i++)
		dset_add(&s, rnd());
	buf b;
	buf_init(&b);
	encode(&s, &b);
	for (size_t cut = 0; cut < b.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, b.p, cut);
		assert_int_equal(decode_bytes(copy, cut), -1);
		free(copy);
	}
	buf_free(&b);
	dset_free(&s);
}

/* Sketch registers no real set has (a corrupt stored set: every register
 * at the largest rank) give a count of at most 2^32, not an estimate past
 * what a uint64_t holds (fuzz_sip_blob found the conversion; UBSan). */
static void impossible_registers_are_bounded(void **state)
{
	(void)state;
	dset s;
	dset_init(&s);
	for (uint32_t v = 0; v < 1000; v++)
		dset_add(&s, v * 2654435761u);
	assert_non_null(s.hll);
	for (uint8_t rank = 40; rank < 70; rank += 29) {
		memset(s.hll, rank, DSET_HLL_M);
		uint64_t n = dset_count(&s);
		assert_true(n <= 4294967296ull);
		assert_true(n > DSET_EXACT);
	}
	dset_free(&s);
}

static void copy_is_deep(void **state)
{
	(void)state;
	dset a, b;
	dset_init(&a);
	dset_init(&b);
	for (uint32_t i = 0; i < 300; i++)
		dset_add(&a, i * 3);
	assert_int_equal(dset_copy(&b, &a), 0);
	assert_same(&a, &b);
	dset_add(&a, 1);
	assert_false(dset_has(&b, 1));
	dset_free(&a);
	assert_int_equal(dset_count(&b), dset_count(&b));
	assert_true(dset_has(&b, 3));
	dset_free(&b);
}

/* --- a reference model, checked after every add ----------------------------- */

/* Every distinct value seen, ascending: the set must hold the DSET_EXACT
 * smallest of them, count them exactly up to the limit and estimate past it. */
typedef struct model {
	uint32_t *v;
	size_t n, cap;
} model;

static size_t model_find(const model *m, uint32_t x)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds x; returns what dset_add must return: 1 when x enters the exact part
 * or its arrival starts the sketch, 0 for a repeat or a value the full set
 * with a sketch does not keep. */
static int model_add(model *m, uint32_t x)
{
	size_t at = model_find(m, x);
	if (at < m->n && m->v[at] == x)
		return 0;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->v = realloc(m->v, m->cap * sizeof *m->v);
		assert_non_null(m->v);
	}
	memmove(m->v + at + 1, m->v + at, (m->n - at) * sizeof *m->v);
	m->v[at] = x;
	m->n++;
	return m->n <= DSET_EXACT + 1 || at < DSET_EXACT;
}

static void model_check(const model *m, const dset *s)
{
	uint32_t want = m->n < DSET_EXACT ? (uint32_t)m->n : DSET_EXACT;
	uint32_t got[DSET_EXACT];
	assert_int_equal(s->n, want);
	assert_int_equal(dset_sorted(s, got), want);
	assert_memory_equal(got, m->v, want * sizeof *got);
	if (want)
		assert_int_equal(s->top, m->v[want - 1]);
	assert_int_equal(dset_is_estimate(s), m->n > DSET_EXACT);
	if (m->n <= DSET_EXACT)
		assert_int_equal(dset_count(s), m->n);
	else
		assert_true(dset_count(s) > DSET_EXACT);
	size_t sketch = m->n > DSET_EXACT ? DSET_HLL_M : 0;
	if (m->n <= DSET_INLINE) {
		assert_int_equal(dset_mem(s), 0);
	} else { /* a table at most 3/4 full (the value 0 needs no slot), bounded */
		size_t slots = (dset_mem(s) - sketch) / sizeof(uint32_t);
		assert_true((want - 1) * 4 <= slots * 3);
		assert_true(slots <= DSET_SLOTS_MAX + DSET_TOPK);
	}
	for (uint32_t i = 0; i < want; i++)
		assert_true(dset_has(s, got[i]));
	if (m->n > DSET_EXACT)
		assert_false(dset_has(s, m->v[DSET_EXACT])); /* seen, but not kept */
	/* a value never seen: between two held ones, or past the largest */
	for (uint32_t i = 0; i + 1 < want; i += 7)
		if (got[i + 1] - got[i] > 1)
			assert_false(dset_has(s, got[i] + 1));
	if (want && got[want - 1] < UINT32_MAX && (m->n == want || m->v[want] != got[want - 1] + 1))
		assert_false(dset_has(s, got[want - 1] + 1));
}

/* The same distinct values added ascending, once each: the canonical set. */
static void model_build(const model *m, dset *s)
{
	dset_init(s);
	for (size_t i = 0; i < m->n; i++)
		dset_add(s, m->v[i]);
}

static void round_trip_bytes(const dset *s)
{
	buf a, b;
	buf_init(&a);
	buf_init(&b);
	encode(s, &a);
	cursor c = rd_init(a.p, a.len);
	dset d;
	assert_int_equal(dset_decode(&d, &c), 0);
	assert_int_equal(rd_left(&c), 0);
	assert_int_equal(d.n, s->n);
	if (s->n)
		assert_int_equal(d.top, s->top);
	encode(&d, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	dset_free(&d);
	buf_free(&a);
	buf_free(&b);
}

/* Splits seq at random points, builds a set of each part and merges them in
 * a shuffled order: the result is the set of the whole sequence. */
static void check_split_merge(const uint32_t *seq, size_t n, const dset *whole)
{
	enum { PARTS = 5 };
	size_t cut[PARTS + 1];
	cut[0] = 0;
	cut[PARTS] = n;
	for (int k = 1; k < PARTS; k++)
		cut[k] = n ? rnd() % (n + 1) : 0;
	for (int i = 1; i < PARTS; i++) /* ascending cuts */
		for (int j = i; j > 1 && cut[j - 1] > cut[j]; j--) {
			size_t t = cut[j];
			cut[j] = cut[j - 1];
			cut[j - 1] = t;
		}
	dset part[PARTS], merged;
	for (int k = 0; k < PARTS; k++)
		build(&part[k], seq + cut[k], cut[k + 1] - cut[k]);
	dset_init(&merged);
	int first = (int)(rnd() % PARTS);
	for (int k = 0; k < PARTS; k++)
		dset_merge(&merged, &part[(first + k * 3) % PARTS]); /* 3 is prime to 5 */
	assert_same(&merged, whole);
	assert_int_equal(merged.n, whole->n);
	if (whole->n)
		assert_int_equal(merged.top, whole->top);
	for (int k = 0; k < PARTS; k++)
		dset_free(&part[k]);
	dset_free(&merged);
}

/* Feeds seq to a set and to the model, checking after every add; then the
 * canonical set, the stored form and split merges must all agree. */
static void check_sequence(const uint32_t *seq, size_t n)
{
	model m = {NULL, 0, 0};
	dset s, canon;
	dset_init(&s);
	for (size_t i = 0; i < n; i++) {
		int want = model_add(&m, seq[i]);
		dset_prefetch(&s, seq[i]); /* only loads: must change nothing */
		assert_int_equal(dset_add(&s, seq[i]), want);
		model_check(&m, &s);
	}
	model_build(&m, &canon);
	assert_same(&s, &canon);
	round_trip_bytes(&s);
	check_split_merge(seq, n, &s);
	dset_free(&s);
	dset_free(&canon);
	free(m.v);
}

/* Values that are easy to get wrong: the ends of the range, and the value
 * that marks an empty table slot. */
static const uint32_t special[] = {
    DSET_EMPTY_SLOT, 0, 1, 2, UINT32_MAX, UINT32_MAX - 1, 0x80000000u, 0x7fffffffu, 0xf0f0f0f0u};
#define NSPECIAL (sizeof special / sizeof special[0])

enum { SEQ_MAX = 3000 };

static void model_random_values(void **state)
{
	(void)state;
	uint32_t *seq = malloc(SEQ_MAX * sizeof *seq);
	assert_non_null(seq);
	static const size_t lens[] = {0, 1, 3, 4, 5, 6, 7, 63, 64, 65, 66, 100, 700};
	for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
		for (int rep = 0; rep < 8; rep++) {
			for (size_t i = 0; i < lens[l]; i++)
				seq[i] = rnd();
			check_sequence(seq, lens[l]);
		}
	free(seq);
}

static void model_ordered_values(void **state)
{
	(void)state;
	uint32_t *seq = malloc(SEQ_MAX * sizeof *seq);
	assert_non_null(seq);
	static const uint32_t starts[] = {0, 1, 1000, 0xffffff00u, 0xf0f0f0b0u};
	static const uint32_t steps[] = {1, 3, 256, 65536, 0x01000000u};
	for (size_t a = 0; a < 5; a++)
		for (size_t b = 0; b < 5; b++) {
			size_t n = 300;
			for (size_t i = 0; i < n; i++) /* ascending, wrapping at 2^32 */
				seq[i] = starts[a] + (uint32_t)i * steps[b];
			check_sequence(seq, n);
			for (size_t i = 0; i < n; i++) /* descending: every add evicts */
				seq[i] = starts[a] - (uint32_t)i * steps[b];
			check_sequence(seq, n);
		}
	for (size_t i = 0; i < SEQ_MAX; i++) /* a long descent */
		seq[i] = (uint32_t)(SEQ_MAX - i) * 7919u;
	check_sequence(seq, SEQ_MAX);
	for (size_t i = 0; i < 400; i++) /* ports as the profile keeps them */
		seq[i] = (uint32_t)(i % 3 ? 6 : 17) << 16 | (uint32_t)(i * 37 % 1024);
	check_sequence(seq, 400);
	free(seq);
}

static void model_repeats_and_small_ranges(void **state)
{
	(void)state;
	uint32_t *seq = malloc(SEQ_MAX * sizeof *seq);
	assert_non_null(seq);
	static const uint32_t ranges[] = {1, 2, 4, 5, 6, 60, 64, 65, 66, 100, 1000};
	for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
		for (int rep = 0; rep < 4; rep++) {
			uint32_t base = rep & 1 ? rnd() : 0;
			size_t n = 20 * ranges[r] < SEQ_MAX ? 20 * ranges[r] : SEQ_MAX;
			for (size_t i = 0; i < n; i++)
				seq[i] = base + rnd() % ranges[r];
			check_sequence(seq, n);
		}
	free(seq);
}

static void model_special_values(void **state)
{
	(void)state;
	uint32_t seq[400];
	for (int rep = 0; rep < 40; rep++) {
		size_t n = (size_t)(rep % 2 ? 8 : 400) - (size_t)(rnd() % 4);
		for (size_t i = 0; i < n; i++) {
			uint32_t r = rnd();
			/* a mix of the special values, their neighbours and random ones */
			seq[i] = r % 3 == 0   ? special[r / 3 % NSPECIAL]
				 : r % 3 == 1 ? special[r / 3 % NSPECIAL] + (uint32_t)(r >> 28) - 8
					      : rnd();
		}
		check_sequence(seq, n);
	}
	/* only the special values, in every rotation: inline and in the table */
	for (size_t k = 0; k < NSPECIAL; k++) {
		for (size_t i = 0; i < NSPECIAL; i++)
			seq[i] = special[(i + k) % NSPECIAL];
		check_sequence(seq, NSPECIAL);
		for (size_t i = 0; i < 80; i++) /* then pushed out by smaller ones */
			seq[NSPECIAL + i] = (uint32_t)i + 3;
		check_sequence(seq, NSPECIAL + 80);
	}
}

/* Stored forms written by the previous implementation (a linear array kept
 * as a max-heap): they must decode to the same values and re-encode to the
 * same bytes, and the same values added now must encode to them. */
static const uint8_t known_small[] = {0x03, 0x00, 0x07, 0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00};
static const uint8_t known_mid[] = {
    0x16, 0x00, 0xb9, 0x60, 0xfd, 0xdb, 0xc4, 0x46, 0xf8, 0xe4, 0x90, 0x72, 0xfd, 0xdb, 0xc4,
    0x46, 0xf8, 0xe4, 0x90, 0x72, 0xf8, 0xe4, 0x90, 0x72, 0xfd, 0xdb, 0xc4, 0x46, 0xf8, 0xe4,
    0x90, 0x72, 0xf5, 0xc0, 0xd5, 0xb8, 0x01, 0xf8, 0xe4, 0x90, 0x72, 0xfd, 0xdb, 0xc4, 0x46,
    0xf8, 0xe4, 0x90, 0x72, 0xf8, 0xe4, 0x90, 0x72, 0xfd, 0xdb, 0xc4, 0x46, 0xf8, 0xe4, 0x90,
    0x72, 0xfd, 0xdb, 0xc4, 0x46, 0xf8, 0xe4, 0x90, 0x72, 0xf8, 0xe4, 0x90, 0x72, 0xfd, 0xdb,
    0xc4, 0x46, 0xf8, 0xe4, 0x90, 0x72, 0xbe, 0x84, 0x90, 0x72, 0x00};
static const uint8_t known_full[] = {
    0x40, 0x00, 0xb9, 0x60, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01,
    0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02,
    0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01,
    0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02,
    0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01,
    0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02,
    0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01,
    0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02,
    0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01,
    0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02,
    0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02,
    0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02,
    0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02,
    0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01,
    0xd7, 0x94, 0xb7, 0x02, 0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02,
    0xd7, 0x94, 0xb7, 0x02, 0xc2, 0xef, 0xbf, 0x01, 0xd7, 0x94, 0xb7, 0x02, 0x01, 0x02, 0x03, 0x03,
    0x01, 0x02, 0x00, 0x04, 0x01, 0x03, 0x05, 0x03, 0x00, 0x03, 0x06, 0x05, 0x09, 0x02, 0x01, 0x03,
    0x04, 0x03, 0x04, 0x00, 0x04, 0x01, 0x03, 0x03, 0x03, 0x02, 0x02, 0x02, 0x02, 0x03, 0x02, 0x03,
    0x05, 0x01, 0x03, 0x04, 0x02, 0x06, 0x03, 0x04, 0x03, 0x03, 0x09, 0x03, 0x02, 0x02, 0x01, 0x03,
    0x01, 0x0b, 0x04, 0x02, 0x04, 0x03, 0x02, 0x03, 0x01, 0x03, 0x01, 0x03, 0x01, 0x02, 0x08, 0x04,
    0x01, 0x03, 0x03, 0x07, 0x01, 0x03, 0x04, 0x03, 0x02, 0x05, 0x02, 0x04, 0x04, 0x03, 0x03, 0x05,
    0x03, 0x05, 0x03, 0x05, 0x04, 0x06, 0x03, 0x02, 0x04, 0x04, 0x04, 0x02, 0x04, 0x02, 0x07, 0x03,
    0x02, 0x05, 0x03, 0x02, 0x04, 0x04, 0x03, 0x02, 0x04, 0x04, 0x04, 0x06, 0x06, 0x04, 0x02, 0x01,
    0x04, 0x01, 0x04, 0x02, 0x04, 0x01, 0x05, 0x04, 0x02, 0x04, 0x01, 0x03, 0x02, 0x02, 0x04, 0x07,
    0x01, 0x05, 0x02, 0x04, 0x01, 0x04, 0x07, 0x01, 0x03, 0x02, 0x05, 0x06, 0x06, 0x01, 0x06, 0x04,
    0x03, 0x03, 0x03, 0x03, 0x02, 0x06, 0x04, 0x03, 0x07, 0x09, 0x03, 0x03, 0x01, 0x04, 0x05, 0x02,
    0x03, 0x04, 0x03, 0x03, 0x04, 0x02, 0x03, 0x05, 0x05, 0x02, 0x05, 0x02, 0x04, 0x04, 0x03, 0x02,
    0x04, 0x03, 0x01, 0x00, 0x02, 0x03, 0x02, 0x05, 0x01, 0x03, 0x00, 0x02, 0x01, 0x01, 0x06, 0x01,
    0x02, 0x06, 0x04, 0x02, 0x04, 0x05, 0x04, 0x02, 0x08, 0x02, 0x03, 0x03, 0x02, 0x03, 0x06, 0x06,
    0x03, 0x05, 0x04, 0x02, 0x03, 0x05, 0x01, 0x01, 0x06, 0x03, 0x02, 0x00, 0x01, 0x03, 0x06, 0x09,
    0x04, 0x03, 0x01, 0x04, 0x06, 0x04, 0x05, 0x02, 0x07, 0x02, 0x01, 0x05, 0x01, 0x02, 0x05, 0x02,
    0x02, 0x03, 0x05, 0x07, 0x02, 0x03, 0x02, 0x04, 0x04, 0x05, 0x07, 0x03, 0x03};

static void known_values(int which, dset *s)
{
	dset_init(s);
	if (which == 0) {
		dset_add(s, 7);
		dset_add(s, UINT32_MAX);
		dset_add(s, 0);
		return;
	}
	uint32_t n = which == 1 ? 20 : 1000;
	for (uint32_t i = 0; i < n; i++)
		dset_add(s, i * 2654435761u + 12345u);
	dset_add(s, 0);
	dset_add(s, UINT32_MAX);
}

static void decodes_the_previous_form(void **state)
{
	(void)state;
	static const struct {
		const uint8_t *p;
		size_t len;
		uint64_t count;
	} known[] = {{known_small, sizeof known_small, 3},
		     {known_mid, sizeof known_mid, 22},
		     {known_full, sizeof known_full, 0}};
	for (int k = 0; k < 3; k++) {
		dset made, d;
		known_values(k, &made);
		cursor c = rd_init(known[k].p, known[k].len);
		assert_int_equal(dset_decode(&d, &c), 0);
		assert_int_equal(rd_left(&c), 0);
		assert_same(&d, &made);
		if (known[k].count)
			assert_int_equal(dset_count(&d), known[k].count);
		else
			assert_true(dset_is_estimate(&d));
		buf b;
		buf_init(&b);
		encode(&d, &b);
		assert_int_equal(b.len, known[k].len);
		assert_memory_equal(b.p, known[k].p, b.len);
		encode(&made, &b);
		assert_int_equal(b.len, known[k].len);
		assert_memory_equal(b.p, known[k].p, b.len);
		/* a decoded set goes on taking values */
		for (uint32_t i = 0; i < 200; i++) {
			dset_add(&d, i * 40503u);
			dset_add(&made, i * 40503u);
		}
		assert_same(&d, &made);
		buf_free(&b);
		dset_free(&made);
		dset_free(&d);
	}
}

/* The estimate sums the registers by rank; it must equal the textbook
 * sum over registers (HyperLogLog with linear counting for small ranges,
 * never below DSET_EXACT + 1), whatever the number of values. */
static uint64_t reference_count(const dset *s)
{
	double sum = 0;
	uint32_t zeros = 0;
	for (uint32_t i = 0; i < DSET_HLL_M; i++) {
		uint8_t r = s->hll[i] < 63 ? s->hll[i] : 63;
		sum += 1.0 / (double)((uint64_t)1 << r);
		zeros += s->hll[i] == 0;
	}
	double m = DSET_HLL_M;
	double est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros);
	uint64_t r = (uint64_t)(est + 0.5);
	return r > DSET_EXACT ? r : DSET_EXACT + 1;
}

static void estimate_equals_reference(void **state)
{
	(void)state;
	uint32_t x = 12345;
	static const uint32_t sizes[] = {65, 100, 300, 640, 1000, 5000, 70000, 1000000};
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		dset s;
		dset_init(&s);
		for (uint32_t i = 0; i < sizes[k]; i++) {
			x = x * 1103515245u + 12345u;
			dset_add(&s, x);
		}
		assert_true(dset_is_estimate(&s));
		assert_int_equal(dset_count(&s), reference_count(&s));
		dset_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exact_up_to_the_limit),
	    cmocka_unit_test(small_sets_need_no_memory),
	    cmocka_unit_test(overflow_keeps_the_smallest),
	    cmocka_unit_test(merge_is_order_independent),
	    cmocka_unit_test(estimate_is_close),
	    cmocka_unit_test(estimate_equals_reference),
	    cmocka_unit_test(encode_decode),
	    cmocka_unit_test(decode_matches_adding),
	    cmocka_unit_test(corrupt_blobs_are_refused),
	    cmocka_unit_test(impossible_registers_are_bounded),
	    cmocka_unit_test(copy_is_deep),
	    cmocka_unit_test(model_random_values),
	    cmocka_unit_test(model_ordered_values),
	    cmocka_unit_test(model_repeats_and_small_ranges),
	    cmocka_unit_test(model_special_values),
	    cmocka_unit_test(decodes_the_previous_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
