/* The EXT_SIP blob: encode/decode round trip, a corrupt blob is refused
 * without a crash, and the merge is associative and commutative, caps
 * included (what survives a cap does not depend on how the parts were cut). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "profile/profile.h"
#include "sip/blob.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* A blob with a few of everything, drawn from small pools so that parts
 * overlap and caps are reached. */
static void random_blob(sip_blob *b)
{
	sip_blob_init(b);
	int n = (int)(rnd() % 6);
	for (int i = 0; i < n; i++) {
		blob_attr *a = calloc(1, sizeof *a);
		snprintf(a->tmpl, sizeof a->tmpl, "t%u", rnd() % 12);
		snprintf(a->tool, sizeof a->tool, "tool%c", a->tmpl[1]);
		snprintf(a->version, sizeof a->version, "0.%u", rnd() % 2);
		if (rnd() % 2) {
			a->nchange = 1;
			snprintf(a->change[0].field, sizeof a->change[0].field, "User-Agent");
			snprintf(a->change[0].expected, sizeof a->change[0].expected, "x");
			snprintf(a->change[0].seen, sizeof a->change[0].seen, "y%u", rnd() % 3);
		}
		a->key = blob_attr_key(a);
		a->count = 1 + rnd() % 5;
		a->first_ns = 1000 + rnd() % 100;
		a->last_ns = a->first_ns + rnd() % 100;
		sip_blob_add_attr(b, a);
		free(a);
	}
	for (int i = 0; i < (int)(rnd() % 4); i++) {
		blob_shape s = {rnd() % 9, "OPTIONS Via", 1 + rnd() % 3, 5, 9};
		sip_blob_add_unknown(b, &s);
	}
	for (int i = 0; i < (int)(rnd() % 3); i++) {
		blob_agent g = {"sipcli", "User-Agent", "sipcli/", 1};
		snprintf(g.needle, sizeof g.needle, "n%u", rnd() % 6);
		sip_blob_add_agent(b, &g);
	}
	static const char *const m[] = {"OPTIONS", "REGISTER", "INVITE", "ACK"};
	for (int i = 0; i < (int)(rnd() % 4); i++)
		sip_blob_add_method(b, m[rnd() % 4], 1 + rnd() % 9);
	b->requests = rnd() % 50;
	b->responses = rnd() % 3;
	for (int i = 0; i < (int)(rnd() % 80); i++)
		dset_add(&b->exts, rnd() % 200);
	for (int i = 0; i < (int)(rnd() % 5); i++) {
		uint8_t ip[16];
		addr_from_v4(ip, 0xc0a80100u | (rnd() % 12));
		sip_blob_add_local(b, ip, (uint8_t)(1u << (rnd() % 4)), 1 + rnd() % 4);
	}
	b->localports = (uint64_t)1 << (rnd() % 5);
	b->port_base = 5060;
	b->concurrent = (uint16_t)(rnd() % 4);
	b->tags_decoded = rnd() % 10;
	for (int i = 0; i < (int)(rnd() % 6); i++) {
		blob_tag t = {rnd() % 7, 5060, rnd() % 3, 5060};
		sip_blob_add_tag(b, &t);
	}
	b->stage[rnd() % 3].count = 1 + rnd() % 4;
	b->stage[0].first_ns = b->stage[0].count ? 100 + rnd() % 10 : 0;
	b->stage[0].last_ns = b->stage[0].count ? 200 + rnd() % 10 : 0;
	for (int i = 0; i < (int)(rnd() % 12); i++) {
		char v[24];
		snprintf(v, sizeof v, "%u", 100 + rnd() % 30);
		sip_blob_add_sample(b->ext_sample, &b->next, v);
	}
	for (int i = 0; i < (int)(rnd() % 12); i++) {
		char v[48];
		snprintf(v, sizeof v, "100:%u", rnd() % 30);
		sip_blob_add_pass(b, v);
	}
}

static void enc(const sip_blob *b, buf *out)
{
	buf_reset(out);
	sip_blob_encode(b, out);
}

/* merge through the encoded form, as the store does */
static void merged(const buf *x, const buf *y, buf *out)
{
	sip_blob *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	sip_blob_init(a);
	sip_blob_init(b);
	assert_int_equal(sip_blob_decode(a, x->p, x->len), 0);
	assert_int_equal(sip_blob_decode(b, y->p, y->len), 0);
	sip_blob_merge(a, b);
	enc(a, out);
	sip_blob_free(a);
	sip_blob_free(b);
	free(a);
	free(b);
}

static void round_trip(void **state)
{
	(void)state;
	for (int k = 0; k < 50; k++) {
		sip_blob *b = malloc(sizeof *b), *c = malloc(sizeof *c);
		random_blob(b);
		buf x, y;
		buf_init(&x);
		buf_init(&y);
		enc(b, &x);
		sip_blob_init(c);
		assert_int_equal(sip_blob_decode(c, x.p, x.len), 0);
		enc(c, &y);
		assert_int_equal(x.len, y.len);
		assert_memory_equal(x.p, y.p, x.len);
		assert_int_equal(c->nattr, b->nattr);
		assert_int_equal(dset_count(&c->exts), dset_count(&b->exts));
		sip_blob_free(b);
		sip_blob_free(c);
		free(b);
		free(c);
		buf_free(&x);
		buf_free(&y);
	}
}

static void merge_is_associative_and_commutative(void **state)
{
	(void)state;
	for (int k = 0; k < 200; k++) {
		sip_blob *p[3];
		buf e[3], ab, ba, ab_c, bc, a_bc, ac, ac_b;
		buf_init(&ab);
		buf_init(&ba);
		buf_init(&ab_c);
		buf_init(&bc);
		buf_init(&a_bc);
		buf_init(&ac);
		buf_init(&ac_b);
		for (int i = 0; i < 3; i++) {
			p[i] = malloc(sizeof *p[i]);
			random_blob(p[i]);
			buf_init(&e[i]);
			enc(p[i], &e[i]);
		}
		merged(&e[0], &e[1], &ab);
		merged(&e[1], &e[0], &ba);
		assert_int_equal(ab.len, ba.len);
		assert_memory_equal(ab.p, ba.p, ab.len);
		merged(&ab, &e[2], &ab_c);
		merged(&e[1], &e[2], &bc);
		merged(&e[0], &bc, &a_bc);
		merged(&e[0], &e[2], &ac);
		merged(&ac, &e[1], &ac_b);
		assert_int_equal(ab_c.len, a_bc.len);
		assert_memory_equal(ab_c.p, a_bc.p, ab_c.len);
		assert_int_equal(ab_c.len, ac_b.len);
		assert_memory_equal(ab_c.p, ac_b.p, ab_c.len);
		for (int i = 0; i < 3; i++) {
			sip_blob_free(p[i]);
			free(p[i]);
			buf_free(&e[i]);
		}
		buf_free(&ab);
		buf_free(&ba);
		buf_free(&ab_c);
		buf_free(&bc);
		buf_free(&a_bc);
		buf_free(&ac);
		buf_free(&ac_b);
	}
}

static void counts_add_and_caps_hold(void **state)
{
	(void)state;
	sip_blob *a = malloc(sizeof *a);
	sip_blob_init(a);
	blob_attr *x = calloc(1, sizeof *x);
	snprintf(x->tmpl, sizeof x->tmpl, "sipvicious/svmap/0.2.x");
	x->key = blob_attr_key(x);
	x->count = 3;
	x->first_ns = 50;
	x->last_ns = 60;
	sip_blob_add_attr(a, x);
	x->count = 2;
	x->first_ns = 40;
	x->last_ns = 55;
	sip_blob_add_attr(a, x);
	assert_int_equal(a->nattr, 1);
	assert_int_equal(a->attr[0].count, 5);
	assert_int_equal(a->attr[0].first_ns, 40);
	assert_int_equal(a->attr[0].last_ns, 60);
	for (int i = 0; i < 30; i++) {
		snprintf(x->tmpl, sizeof x->tmpl, "t%d", i);
		x->key = blob_attr_key(x);
		sip_blob_add_attr(a, x);
	}
	assert_int_equal(a->nattr, BLOB_ATTRS);
	for (int i = 1; i < a->nattr; i++)
		assert_true(a->attr[i - 1].key < a->attr[i].key);
	for (int i = 0; i < 20; i++) {
		char v[24];
		snprintf(v, sizeof v, "%d", 120 - i);
		sip_blob_add_sample(a->ext_sample, &a->next, v);
	}
	assert_int_equal(a->next, BLOB_SAMPLES);
	assert_string_equal(a->ext_sample[0], "101"); /* the smallest, in natural order */
	free(x);
	sip_blob_free(a);
	free(a);
}

static void corrupt_blobs_are_refused(void **state)
{
	(void)state;
	sip_blob *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	random_blob(a);
	buf x;
	buf_init(&x);
	enc(a, &x);
	sip_blob_init(b);
	for (size_t cut = 0; cut < x.len; cut++)
		assert_int_equal(sip_blob_decode(b, x.p, cut), cut ? -1 : 0);
	uint8_t junk[64];
	for (int k = 0; k < 200; k++) {
		for (size_t i = 0; i < sizeof junk; i++)
			junk[i] = (uint8_t)rnd();
		junk[0] = 1;
		(void)sip_blob_decode(b, junk, sizeof junk);
	}
	buf out;
	buf_init(&out);
	assert_int_equal(sip_ext_ops.merge(&out, junk, 3, x.p, x.len), -1);
	assert_int_equal(sip_ext_ops.merge(&out, x.p, x.len, NULL, 0), 0);
	buf_free(&out);
	buf_free(&x);
	sip_blob_free(a);
	sip_blob_free(b);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(merge_is_associative_and_commutative),
	    cmocka_unit_test(counts_add_and_caps_hold),
	    cmocka_unit_test(corrupt_blobs_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
