/* The host blob: round trip, corrupt input, and a merge that gives the same
 * bytes in any order and grouping (profiles from any number of flushes,
 * files or sensors must agree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fingerprint/host_blob.h"
#include "host_testlib.h"

static void random_blob(host_blob *b, uint64_t *rng)
{
	static const uint32_t seqs[3] = {0x5618a5c2u, 0x5618a5c2u ^ 0x20002u, 0x0badf00du};
	hb_init(b);
	if (tl_rand(rng) % 4) {
		b->flags = HBF_SYN | (tl_rand(rng) & HS_ALL) << HBF_SERIES_SHIFT;
		b->seq0 = seqs[tl_rand(rng) % 3];
		b->uni0 = tl_rand(rng) % 2 ? 7 : 9;
		b->unile0 = tl_rand(rng) % 2 ? 7 : 9;
	}
	b->spoofed = tl_rand(rng) % 100;
	b->spoof_ttl = b->spoofed / 2;
	b->spoof_why = tl_rand(rng) & ((1u << SP_COUNT) - 1);
	b->replies = tl_rand(rng) % 5;
	b->dns = tl_rand(rng) % 5;
	int nr = (int)(tl_rand(rng) % 4);
	for (int i = 0; i < nr; i++) {
		hb_rule r;
		memset(&r, 0, sizeof r);
		snprintf(r.name, sizeof r.name, "rule%u", tl_rand(rng) % 10);
		snprintf(r.tool, sizeof r.tool, "tool");
		r.hash = 1 + tl_rand(rng) % 2;
		r.hits = tl_rand(rng) % 1000;
		r.and_m = (uint16_t)tl_rand(rng);
		r.or_m = (uint16_t)(r.and_m | tl_rand(rng));
		hb_add_rule(b, &r);
	}
	int nv = (int)(tl_rand(rng) % 6);
	for (int i = 0; i < nv; i++) {
		hb_victim v;
		memset(&v, 0, sizeof v);
		addr_from_v4(v.addr, 0xc6336400u + tl_rand(rng) % 12);
		v.port = 80;
		v.proto = 6;
		v.count = 1 + tl_rand(rng) % 3;
		hb_add_victim(b, &v);
	}
	hb_normalise(b);
}

static void bytes_of(const host_blob *b, buf *out)
{
	buf_reset(out);
	hb_encode(b, out);
}

static void assert_same(const host_blob *x, const host_blob *y)
{
	buf a, b;
	buf_init(&a);
	buf_init(&b);
	bytes_of(x, &a);
	bytes_of(y, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	buf_free(&a);
	buf_free(&b);
}

static void round_trip(void **state)
{
	(void)state;
	uint64_t rng = 11;
	for (int i = 0; i < 200; i++) {
		host_blob b, c;
		random_blob(&b, &rng);
		buf out;
		buf_init(&out);
		hb_encode(&b, &out);
		assert_int_equal(hb_decode(&c, out.p, out.len), 0);
		assert_same(&b, &c);
		buf_free(&out);
	}
}

static void merge_is_associative_and_commutative(void **state)
{
	(void)state;
	uint64_t rng = 12;
	for (int i = 0; i < 2000; i++) {
		host_blob a, b, c, ab, ba, ab_c, bc, a_bc;
		random_blob(&a, &rng);
		random_blob(&b, &rng);
		random_blob(&c, &rng);
		ab = a;
		hb_merge(&ab, &b);
		ba = b;
		hb_merge(&ba, &a);
		assert_same(&ab, &ba);
		ab_c = ab;
		hb_merge(&ab_c, &c);
		bc = b;
		hb_merge(&bc, &c);
		a_bc = a;
		hb_merge(&a_bc, &bc);
		assert_same(&ab_c, &a_bc);
	}
}

static void series_survive_only_agreement(void **state)
{
	(void)state;
	host_blob a, b;
	hb_init(&a);
	a.flags = HBF_SYN | (HS_SEQ_SAME | HS_SEQ_NMAP) << HBF_SERIES_SHIFT;
	a.seq0 = 0x5618a5c2u;
	b = a;
	hb_merge(&a, &b);
	assert_int_equal(a.flags >> HBF_SERIES_SHIFT & HS_ALL, HS_SEQ_SAME | HS_SEQ_NMAP);
	b.seq0 ^= 0x20002u; /* the same nmap scan, another try */
	hb_merge(&a, &b);
	assert_int_equal(a.flags >> HBF_SERIES_SHIFT & HS_ALL, HS_SEQ_NMAP);
	b.seq0 = 0x11111111u; /* another scan */
	hb_merge(&a, &b);
	assert_int_equal(a.flags >> HBF_SERIES_SHIFT & HS_ALL, 0);
}

static void victims_are_capped_the_same_way(void **state)
{
	(void)state;
	host_blob x, y;
	hb_init(&x);
	hb_init(&y);
	for (int i = 0; i < 12; i++) {
		hb_victim v, w;
		memset(&v, 0, sizeof v);
		addr_from_v4(v.addr, 0xc6336400u + (uint32_t)i);
		v.count = 1;
		w = v;
		addr_from_v4(w.addr, 0xc6336400u + (uint32_t)(11 - i));
		hb_add_victim(&x, &v);
		hb_add_victim(&y, &w);
	}
	assert_int_equal(x.nvictims, HB_VICTIMS);
	assert_true(x.flags & HBF_MORE_VICTIMS);
	assert_same(&x, &y);
}

static void corrupt_blobs_are_refused(void **state)
{
	(void)state;
	uint64_t rng = 13;
	host_blob b, c;
	random_blob(&b, &rng);
	b.nrules = 0;
	hb_rule r = {"masscan", "masscan", 7, 10, 1, 1};
	hb_add_rule(&b, &r);
	buf out;
	buf_init(&out);
	hb_encode(&b, &out);
	for (size_t n = 0; n < out.len; n++)
		assert_int_equal(hb_decode(&c, out.p, n), -1); /* every truncation */
	out.p[0] = 99;
	assert_int_equal(hb_decode(&c, out.p, out.len), -1);
	buf_free(&out);
	const uint8_t many[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200};
	assert_int_equal(hb_decode(&c, many, sizeof many), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(merge_is_associative_and_commutative),
	    cmocka_unit_test(series_survive_only_agreement),
	    cmocka_unit_test(victims_are_capped_the_same_way),
	    cmocka_unit_test(corrupt_blobs_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
