/* Profiles: how each kind of field merges, that merging does not depend on
 * the order, and the stored blob (round trips; corrupt blobs are refused
 * without reading past them). */
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

static uint64_t rng_state = 88172645463325252ULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static syn_sig make_syn(int64_t t, uint16_t win, uint16_t mss, uint32_t count)
{
	syn_sig s;
	memset(&s, 0, sizeof s);
	s.first_ns = t;
	s.count = count;
	s.win = win;
	s.mss = mss;
	s.ver = 4;
	s.ttl = 52;
	s.has = SYNF_MSS | SYNF_DF;
	s.flags = 0x02;
	s.nopt = 1;
	s.opt[0] = 2;
	s.key = syn_sig_key(&s);
	return s;
}

/* A profile with something in every field; `seed` varies the values. */
static void fill(profile *p, uint32_t seed, int64_t t0)
{
	profile_init(p);
	addr_from_v4(p->ip, 0xc6336407);
	p->first_ns = t0;
	p->last_ns = t0 + 1000000000LL * (seed % 50);
#define X(name, label) p->name = rnd() % 1000;
	PROFILE_COUNTERS(X)
#undef X
	p->quirks = 1u << (seed % 30);
	p->ttls[seed % 32] = (uint8_t)(1u << (seed % 8));
	uint32_t nt = seed * 37 % 150;
	for (uint32_t i = 0; i < nt; i++)
		dset_add(&p->targets, rnd());
	for (uint32_t i = 0; i < 5 + seed % 10; i++) {
		dset_add(&p->dports, (17u << 16) | (5060 + rnd() % 8));
		dset_add(&p->sports, (6u << 16) | (rnd() % 65536));
	}
	for (uint32_t i = 0; i < 6 + seed % 14; i++) {
		ipid_obs o = {t0 + (int64_t)(rnd() % 100000) * 1000,
			      rnd(),
			      rnd(),
			      (uint16_t)rnd(),
			      5060,
			      17,
			      1,
			      52,
			      0};
		profile_add_ipid(p, &o);
	}
	for (uint32_t i = 0; i < 1 + seed % 5; i++) {
		syn_sig s = make_syn(t0 + (int64_t)(rnd() % 1000),
				     (uint16_t)(1024 * (1 + rnd() % 6)), 1460, 1 + rnd() % 9);
		profile_add_syn(p, &s);
	}
	char name[32];
	for (uint32_t i = 0; i < 1 + seed % 3; i++) {
		snprintf(name, sizeof name, "sensor-%u", (seed + i * 7) % 11);
		profile_add_sensor(p, name);
	}
	buf_put(&p->ext[EXT_SPARE], "blob", 4);
}

static void encode(const profile *p, buf *b)
{
	buf_reset(b);
	profile_encode(p, b);
}

static void assert_same(const profile *a, const profile *b)
{
	buf x, y;
	buf_init(&x);
	buf_init(&y);
	encode(a, &x);
	encode(b, &y);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.p, y.p, x.len);
	buf_free(&x);
	buf_free(&y);
}

static void copy(profile *dst, const profile *src)
{
	buf b;
	buf_init(&b);
	encode(src, &b);
	profile_init(dst);
	assert_int_equal(profile_decode(dst, b.p, b.len), 0);
	memcpy(dst->ip, src->ip, 16);
	buf_free(&b);
}

static void merge_kinds(void **state)
{
	(void)state;
	profile a, b;
	fill(&a, 3, 5000);
	fill(&b, 8, 1000);
	uint64_t packets = a.packets + b.packets, syn = a.tcp_syn + b.tcp_syn;
	int64_t last = a.last_ns > b.last_ns ? a.last_ns : b.last_ns;
	uint32_t quirks = a.quirks | b.quirks;
	uint8_t ttl3 = a.ttls[3] | b.ttls[3];
	profile_merge(&a, &b);
	assert_int_equal(a.packets, packets);
	assert_int_equal(a.tcp_syn, syn);
	assert_int_equal(a.first_ns, 1000);
	assert_int_equal(a.last_ns, last);
	assert_int_equal(a.quirks, quirks);
	assert_int_equal(a.ttls[3], ttl3);
	assert_int_equal(a.n_ipid, IPID_SAMPLES);
	for (uint32_t i = 1; i < a.n_ipid; i++)
		assert_true(a.ipid[i - 1].ts_ns <= a.ipid[i].ts_ns);
	for (uint32_t i = 1; i < a.n_syn; i++)
		assert_true(a.syn[i - 1].first_ns <= a.syn[i].first_ns);
	assert_int_equal(a.ext[EXT_SPARE].len, 4); /* no merge function: one is kept */
	profile_free(&a);
	profile_free(&b);
}

static void syn_repeats_are_counted(void **state)
{
	(void)state;
	profile a, b;
	profile_init(&a);
	profile_init(&b);
	syn_sig s1 = make_syn(100, 1024, 1460, 3), s1_later = make_syn(900, 1024, 1460, 4);
	syn_sig s2 = make_syn(50, 65535, 0, 1);
	profile_add_syn(&a, &s1);
	profile_add_syn(&b, &s1_later);
	profile_add_syn(&b, &s2);
	profile_merge(&a, &b);
	assert_int_equal(a.n_syn, 2);
	assert_int_equal(a.syn[0].first_ns, 50);
	assert_int_equal(a.syn[1].first_ns, 100);
	assert_int_equal(a.syn[1].count, 7);
	profile_free(&a);
	profile_free(&b);
}

/* A signature seen earlier in another capture moves up; the earliest
 * SYN_SAMPLES distinct signatures are kept, whichever file came first. */
static void syn_samples_stay_in_time_order(void **state)
{
	(void)state;
	profile a, b, ab, ba;
	profile_init(&a);
	profile_init(&b);
	for (int i = 0; i < SYN_SAMPLES; i++) {
		syn_sig s = make_syn(10 * (i + 1), (uint16_t)(1000 + i), 1460, 1);
		profile_add_syn(&a, &s);
	}
	syn_sig early = make_syn(5, 1000 + SYN_SAMPLES - 1, 1460, 1); /* a's last, earlier */
	syn_sig mid = make_syn(15, 7777, 1460, 1);
	profile_add_syn(&b, &early);
	profile_add_syn(&b, &mid);
	copy(&ab, &a);
	profile_merge(&ab, &b);
	copy(&ba, &b);
	profile_merge(&ba, &a);
	for (uint32_t i = 1; i < ab.n_syn; i++)
		assert_true(ab.syn[i - 1].first_ns <= ab.syn[i].first_ns);
	assert_int_equal(ab.syn[0].first_ns, 5);
	assert_int_equal(ab.syn[1].first_ns, 10);
	assert_int_equal(ab.syn[2].first_ns, 15);
	assert_same(&ab, &ba);
	profile *list[] = {&a, &b, &ab, &ba};
	for (int i = 0; i < 4; i++)
		profile_free(list[i]);
}

static void sensors_merge_in_any_order(void **state)
{
	(void)state;
	profile a, b, ab, ba;
	profile_init(&a);
	profile_init(&b);
	profile_add_sensor(&a, "tokyo");
	profile_add_sensor(&b, "berlin");
	profile_add_sensor(&b, "tokyo");
	profile_add_sensor(&b, "");
	profile_add_sensor(&b, NULL);
	copy(&ab, &a);
	profile_merge(&ab, &b);
	copy(&ba, &b);
	profile_merge(&ba, &a);
	assert_int_equal(ab.n_sensors, 2);
	assert_same(&ab, &ba);
	for (int i = 0; i < 20; i++) {
		char n[32];
		snprintf(n, sizeof n, "s%02d", i);
		profile_add_sensor(&ab, n);
	}
	assert_int_equal(ab.n_sensors, SENSORS_MAX); /* bounded */
	profile *list[] = {&a, &b, &ab, &ba};
	for (int i = 0; i < 4; i++)
		profile_free(list[i]);
}

/* merge(a, b) == merge(b, a), and (a + b) + c == a + (b + c), field by
 * field in the stored form. */
static void merge_is_order_independent(void **state)
{
	(void)state;
	for (uint32_t k = 0; k < 40; k++) {
		profile a, b, c, ab, ba, ab_c, bc, a_bc;
		fill(&a, k, 1000000);
		fill(&b, k * 3 + 1, 2000000);
		fill(&c, k * 5 + 2, 500000);
		copy(&ab, &a);
		profile_merge(&ab, &b);
		copy(&ba, &b);
		profile_merge(&ba, &a);
		assert_same(&ab, &ba);
		copy(&ab_c, &ab);
		profile_merge(&ab_c, &c);
		copy(&bc, &b);
		profile_merge(&bc, &c);
		copy(&a_bc, &a);
		profile_merge(&a_bc, &bc);
		/* counters, sets, times: associative; samples keep the earliest */
		assert_int_equal(ab_c.packets, a_bc.packets);
		assert_int_equal(ab_c.first_ns, a_bc.first_ns);
		assert_int_equal(ab_c.last_ns, a_bc.last_ns);
		assert_int_equal(dset_count(&ab_c.targets), dset_count(&a_bc.targets));
		assert_int_equal(ab_c.n_ipid, a_bc.n_ipid);
		for (uint32_t i = 0; i < ab_c.n_ipid; i++)
			assert_int_equal(ab_c.ipid[i].ts_ns, a_bc.ipid[i].ts_ns);
		profile *list[] = {&a, &b, &c, &ab, &ba, &ab_c, &bc, &a_bc};
		for (int i = 0; i < 8; i++)
			profile_free(list[i]);
	}
}

static void round_trip(const profile *p)
{
	buf b;
	buf_init(&b);
	encode(p, &b);
	profile d;
	profile_init(&d);
	assert_int_equal(profile_decode(&d, b.p, b.len), 0);
	assert_int_equal(d.first_ns, p->first_ns);
	assert_int_equal(d.last_ns, p->last_ns);
	assert_int_equal(d.packets, p->packets);
	assert_int_equal(d.evictions, p->evictions);
	assert_int_equal(d.quirks, p->quirks);
	assert_memory_equal(d.ttls, p->ttls, sizeof d.ttls);
	assert_int_equal(dset_count(&d.targets), dset_count(&p->targets));
	assert_int_equal(d.n_ipid, p->n_ipid);
	for (uint32_t i = 0; i < d.n_ipid; i++)
		assert_memory_equal(&d.ipid[i], &p->ipid[i], sizeof d.ipid[i]);
	assert_int_equal(d.n_syn, p->n_syn);
	for (uint32_t i = 0; i < d.n_syn; i++) {
		assert_int_equal(d.syn[i].key, p->syn[i].key);
		assert_int_equal(d.syn[i].count, p->syn[i].count);
		assert_int_equal(d.syn[i].tsval, p->syn[i].tsval);
	}
	assert_int_equal(d.n_sensors, p->n_sensors);
	for (int e = 0; e < EXT_COUNT; e++) {
		assert_int_equal(d.ext[e].len, p->ext[e].len);
		if (d.ext[e].len)
			assert_memory_equal(d.ext[e].p, p->ext[e].p, d.ext[e].len);
	}
	assert_same(p, &d);
	profile_free(&d);
	buf_free(&b);
}

static void encode_decode(void **state)
{
	(void)state;
	for (uint32_t k = 0; k < 20; k++) {
		profile p;
		fill(&p, k, (int64_t)1278678600 * 1000000000LL + k);
		round_trip(&p);
		profile_free(&p);
	}
	/* extremes: an empty profile, times far apart, negative times */
	profile p;
	profile_init(&p);
	round_trip(&p);
	p.first_ns = INT64_MIN;
	p.last_ns = INT64_MAX;
	p.packets = UINT64_MAX;
	round_trip(&p);
	p.first_ns = -5;
	p.last_ns = -1;
	ipid_obs far[2] = {{INT64_MIN, 1, 2, 3, 4, 6, 0, 64, 2},
			   {INT64_MAX, 1, 2, 3, 4, 6, 0, 64, 2}};
	profile_add_ipid(&p, &far[0]);
	profile_add_ipid(&p, &far[1]);
	round_trip(&p);
	profile_free(&p);
}

static int decode_bytes(const uint8_t *blob, size_t n)
{
	profile p;
	profile_init(&p);
	int rc = profile_decode(&p, blob, n);
	profile_free(&p);
	return rc;
}

static void corrupt_blobs_are_refused(void **state)
{
	(void)state;
	profile p;
	fill(&p, 7, 123456789);
	buf b;
	buf_init(&b);
	encode(&p, &b);
	/* every cut is refused (each copy is exactly as long as the cut, so a
	 * read past it would be caught by ASan) */
	for (size_t cut = 0; cut < b.len; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		memcpy(c, b.p, cut);
		assert_int_equal(decode_bytes(c, cut), -1);
		free(c);
	}
	/* an unknown format */
	uint8_t *c = malloc(b.len);
	memcpy(c, b.p, b.len);
	c[0] = 99;
	assert_int_equal(decode_bytes(c, b.len), -1);
	/* flipped bytes: refused or read, never past the end */
	for (size_t i = 1; i < b.len; i++) {
		memcpy(c, b.p, b.len);
		c[i] ^= (uint8_t)(1 + rnd() % 255);
		decode_bytes(c, b.len);
	}
	free(c);
	buf_free(&b);
	profile_free(&p);
	/* counts beyond the caps */
	profile q;
	profile_init(&q);
	buf_init(&b);
	encode(&q, &b);
	uint8_t blob[1024];
	memcpy(blob, b.p, b.len);
	size_t at =
	    b.len - 1 - EXT_COUNT - 1 - 1 - 1; /* n_ipid, n_syn, n_sensors, EXT_COUNT, blobs */
	assert_int_equal(blob[at], 0);
	blob[at] = IPID_SAMPLES + 1;
	assert_int_equal(decode_bytes(blob, b.len), -1);
	blob[at] = 0;
	blob[at + 1] = SYN_SAMPLES + 1;
	assert_int_equal(decode_bytes(blob, b.len), -1);
	blob[at + 1] = 0;
	blob[at + 2] = SENSORS_MAX + 1;
	assert_int_equal(decode_bytes(blob, b.len), -1);
	blob[at + 2] = 0;
	assert_int_equal(decode_bytes(blob, b.len), 0);
	buf_free(&b);
	profile_free(&q);
}

static void parts_decode(void **state)
{
	(void)state;
	profile p, d;
	fill(&p, 11, 99);
	profile_init(&d);
	buf b;
	buf_init(&b);
	profile_encode_ipid(&p, &b);
	assert_int_equal(profile_decode_ipid(&d, b.p, b.len), 0);
	assert_int_equal(d.n_ipid, p.n_ipid);
	buf_reset(&b);
	profile_encode_syn(&p, &b);
	assert_int_equal(profile_decode_syn(&d, b.p, b.len), 0);
	assert_int_equal(d.n_syn, p.n_syn);
	buf_reset(&b);
	profile_encode_sensors(&p, &b);
	assert_int_equal(profile_decode_sensors(&d, b.p, b.len), 0);
	assert_int_equal(d.n_sensors, p.n_sensors);
	buf_reset(&b);
	dset_encode(&p.targets, &b);
	assert_int_equal(profile_decode_dset(&d.targets, b.p, b.len), 0);
	assert_int_equal(dset_count(&d.targets), dset_count(&p.targets));
	assert_int_equal(profile_decode_dset(&d.targets, NULL, 0), 0);
	assert_int_equal(dset_count(&d.targets), 0);
	static const uint8_t long_name[] = {1, 40, 'x'};
	assert_int_equal(profile_decode_sensors(&d, long_name, sizeof long_name), -1);
	buf_free(&b);
	profile_free(&p);
	profile_free(&d);
}

static void syn_signatures(void **state)
{
	(void)state;
	/* a Linux SYN: MSS, SACK-ok, TS, NOP, WS */
	pkt_view v;
	pkt_view_reset(&v);
	v.family = 4;
	v.ttl = 61;
	v.df = 1;
	v.win = 64240;
	v.tcp_flags = TCP_SYN;
	static const uint8_t kinds[] = {2, 4, 8, 1, 3};
	memcpy(v.opt.kind, kinds, sizeof kinds);
	v.opt.n = sizeof kinds;
	v.opt.has_mss = v.opt.sack_ok = v.opt.has_ts = v.opt.has_ws = 1;
	v.opt.mss = 1460;
	v.opt.wscale = 7;
	syn_sig s;
	syn_sig_from_view(&s, &v);
	assert_int_equal(s.key, syn_view_key(&v));
	assert_int_equal(s.key, syn_sig_key(&s));
	char ja4t[96];
	syn_sig_ja4t(&s, ja4t, sizeof ja4t);
	assert_string_equal(ja4t, "64240_2-4-8-1-3_1460_7");
	/* the same SYN after more hops is the same signature; another window is not */
	v.ttl = 50;
	assert_int_equal(syn_view_key(&v), s.key);
	v.win = 29200;
	assert_int_not_equal(syn_view_key(&v), s.key);
	/* no options: JA4T writes 00 */
	pkt_view_reset(&v);
	v.family = 4;
	v.ttl = 255;
	v.win = 65535;
	v.tcp_flags = TCP_SYN;
	syn_sig_from_view(&s, &v);
	syn_sig_ja4t(&s, ja4t, sizeof ja4t);
	assert_string_equal(ja4t, "65535_00_00_00");
}

static void ttl_and_ipid_helpers(void **state)
{
	(void)state;
	assert_int_equal(ttl_initial(1), 32);
	assert_int_equal(ttl_initial(32), 32);
	assert_int_equal(ttl_initial(33), 64);
	assert_int_equal(ttl_initial(64), 64);
	assert_int_equal(ttl_initial(100), 128);
	assert_int_equal(ttl_initial(129), 255);
	assert_int_equal(ttl_initial(255), 255);
	profile p;
	profile_init(&p);
	assert_int_equal(profile_ttl_min(&p), -1);
	assert_int_equal(profile_ttl_max(&p), -1);
	p.ttls[0] = 1;		 /* TTL 0 */
	p.ttls[255 >> 3] = 0x80; /* TTL 255 */
	p.ttls[6] = 0x10;	 /* TTL 52 */
	assert_int_equal(profile_ttl_min(&p), 0);
	assert_int_equal(profile_ttl_max(&p), 255);
	assert_int_equal(profile_ttl_distinct(&p), 3);
	/* the IP ID samples keep the earliest, in time order */
	for (int i = 40; i > 0; i--) {
		ipid_obs o = {i * 10, 1, 0, (uint16_t)i, 0, 17, 0, 64, 0};
		profile_add_ipid(&p, &o);
	}
	assert_int_equal(p.n_ipid, IPID_SAMPLES);
	for (uint32_t i = 0; i < p.n_ipid; i++)
		assert_int_equal(p.ipid[i].ts_ns, (int64_t)(i + 1) * 10);
	profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(merge_kinds),
	    cmocka_unit_test(syn_repeats_are_counted),
	    cmocka_unit_test(syn_samples_stay_in_time_order),
	    cmocka_unit_test(sensors_merge_in_any_order),
	    cmocka_unit_test(merge_is_order_independent),
	    cmocka_unit_test(encode_decode),
	    cmocka_unit_test(corrupt_blobs_are_refused),
	    cmocka_unit_test(parts_decode),
	    cmocka_unit_test(syn_signatures),
	    cmocka_unit_test(ttl_and_ipid_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
