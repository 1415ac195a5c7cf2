/* Distinct-value sets: exact up to DSET_EXACT, then a sketch beside the
 * smallest values; merging in any order gives the same set; the stored form
 * round-trips and a corrupt one is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

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
	for (uint32_t i = 0; i < s->n; i++)
		assert_true(dset_has(&d, dset_values(s)[i]));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exact_up_to_the_limit),
	    cmocka_unit_test(small_sets_need_no_memory),
	    cmocka_unit_test(overflow_keeps_the_smallest),
	    cmocka_unit_test(merge_is_order_independent),
	    cmocka_unit_test(estimate_is_close),
	    cmocka_unit_test(encode_decode),
	    cmocka_unit_test(corrupt_blobs_are_refused),
	    cmocka_unit_test(copy_is_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
