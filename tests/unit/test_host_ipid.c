/* IP ID classes, one test each, from series built as each kind of host
 * writes them; and what the describe step says about them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode/decode.h"
#include "fingerprint/host_ipid.h"
#include "host_testlib.h"

#define T0 1700000000000000000LL
#define MS 1000000LL

typedef struct series {
	profile p;
	uint64_t rng;
} series;

static void start(series *s, uint64_t packets)
{
	profile_init(&s->p);
	addr_from_v4(s->p.ip, 0xcb007105u);
	s->p.packets = packets;
	s->rng = 42;
}

static void add(series *s, int64_t ts, uint32_t dst, uint16_t id, uint8_t proto, uint8_t df)
{
	ipid_obs o;
	memset(&o, 0, sizeof o);
	o.ts_ns = ts;
	o.dst = dst;
	o.ipid = id;
	o.proto = proto;
	o.df = df;
	o.flags = proto == 6 ? TCP_SYN : 0;
	o.dport = 80;
	o.seq = tl_rand(&s->rng);
	profile_add_ipid(&s->p, &o);
	if (!id) {
		s->p.ipid_zero++;
		s->p.ipid_zero_df += df;
	}
}

static void classify(series *s, ipid_result *r)
{
	ipid_classify(&s->p, r);
	profile_free(&s->p);
}

static void zero_df_udp(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 17);
	for (int i = 0; i < 16; i++)
		add(&s, T0 + i * MS, 0xc6336400u + (uint32_t)i, 0, 17, 1);
	s.p.ipid_zero = s.p.ipid_zero_df = 17;
	classify(&s, &r);
	assert_string_equal(r.cls, "zero-df");
	assert_int_equal(r.zero_udp_df, 16);
}

static void zero_without_df(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 5);
	for (int i = 0; i < 5; i++)
		add(&s, T0 + i * MS, 0xc6336400u + (uint32_t)i, 0, 17, (uint8_t)(i & 1));
	classify(&s, &r);
	assert_string_equal(r.cls, "zero");
}

static void constant(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 6);
	for (int i = 0; i < 6; i++)
		add(&s, T0 + i * MS, 0xc6336400u + (uint32_t)i, 4242, 6, 1);
	classify(&s, &r);
	assert_string_equal(r.cls, "constant");
	assert_int_equal(r.value, 4242);
}

/* A global counter: the host sends 1000 packets/s in all; we see every
 * 50th, to different destinations. */
static void global_incremental(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 16);
	uint16_t id = 65000; /* wraps through 0 on the way */
	for (int i = 0; i < 16; i++) {
		add(&s, T0 + i * 50 * MS, 0xc6336400u + (uint32_t)i, id, 6, 1);
		id = (uint16_t)(id + 50);
	}
	classify(&s, &r);
	assert_string_equal(r.cls, "incremental");
	assert_int_equal(r.dsts, 16);
	assert_true(r.rate_pps > 990 && r.rate_pps < 1010);
	assert_true(r.p_random < 1e-10);
}

/* Old Windows: the counter written in host (little-endian) byte order. */
static void byteswapped(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 10);
	uint16_t c = 1000;
	for (int i = 0; i < 10; i++) {
		uint16_t le = (uint16_t)((c >> 8) | (c << 8));
		add(&s, T0 + i * 10 * MS, 0xc6336400u + (uint32_t)i, le, 6, 1);
		c = (uint16_t)(c + 3);
	}
	classify(&s, &r);
	assert_string_equal(r.cls, "incremental-byteswapped");
}

/* Linux: one hashed counter per destination, unrelated between them. */
static void per_destination(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 12);
	uint16_t base[3] = {1234, 40000, 61000};
	for (int i = 0; i < 12; i++) {
		int d = i % 3;
		add(&s, T0 + i * MS, 0xc6336400u + (uint32_t)d, base[d], 6, 1);
		base[d] = (uint16_t)(base[d] + 1);
	}
	classify(&s, &r);
	assert_string_equal(r.cls, "per-destination");
	assert_int_equal(r.series, 3);
}

/* Two hosts behind one address, each with a global counter. */
static void interleaved(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 16);
	uint16_t a = 100, b = 30000;
	for (int i = 0; i < 16; i++) {
		int two = i % 2;
		add(&s, T0 + i * MS, 0xc6336400u + (uint32_t)i, two ? b : a, 6, 1);
		if (two)
			b = (uint16_t)(b + 7);
		else
			a = (uint16_t)(a + 5);
	}
	classify(&s, &r);
	assert_string_equal(r.cls, "interleaved");
	assert_int_equal(r.series, 2);
}

static void random_increments(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 16);
	uint16_t id = 10;
	for (int i = 0; i < 16; i++) {
		add(&s, T0 + i * MS, 0xc6336400u + (uint32_t)i, id, 6, 1);
		id = (uint16_t)(id + 3000 + tl_rand(&s.rng) % 25000);
	}
	classify(&s, &r);
	assert_string_equal(r.cls, "random-increments");
}

static void random_ids(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 16);
	uint16_t ids[16] = {51234, 812,	  33001, 7777,	60000, 123,   45678, 23456,
			    9999,  41000, 300,	 52000, 18000, 64000, 2500,  37000};
	for (int i = 0; i < 16; i++)
		add(&s, T0 + i * MS, 0xc6336400u + (uint32_t)i, ids[i], 6, 1);
	classify(&s, &r);
	assert_string_equal(r.cls, "random");
}

static void too_few(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 2);
	add(&s, T0, 0xc6336401u, 100, 6, 1);
	add(&s, T0 + MS, 0xc6336402u, 40000, 6, 1);
	classify(&s, &r);
	assert_string_equal(r.cls, "");
	assert_non_null(strstr(r.why, "too few"));
}

/* Samples carry dst, dport and seq: Masscan's formula shows in them. */
static void masscan_formula(void **state)
{
	(void)state;
	series s;
	ipid_result r;
	start(&s, 8);
	for (int i = 0; i < 8; i++) {
		ipid_obs o;
		memset(&o, 0, sizeof o);
		o.ts_ns = T0 + i * MS;
		o.dst = 0xc6336400u + (uint32_t)i * 7;
		o.dport = 443;
		o.seq = tl_rand(&s.rng);
		o.proto = 6;
		o.flags = TCP_SYN;
		o.ipid = (uint16_t)(o.dst ^ o.dport ^ o.seq);
		profile_add_ipid(&s.p, &o);
	}
	classify(&s, &r);
	assert_string_equal(r.cls, "tool-formula");
	assert_non_null(strstr(r.formula, "masscan"));
}

/* "7 of 17 zero": the counts, and a Linux 2.4/2.6-era OS guess for a
 * SIPVicious host whose UDP went out with DF and ID 0. */
static void seven_of_seventeen(void **state)
{
	(void)state;
	series s;
	start(&s, 17);
	for (int i = 0; i < 7; i++) /* SIP over UDP: DF, ID 0 */
		add(&s, T0 + i * MS, 0xc6336400u + (uint32_t)i, 0, 17, 1);
	for (int i = 7; i < 16; i++) /* its TCP: IDs of connected sockets */
		add(&s, T0 + i * MS, 0xc6336400u + (uint32_t)i, (uint16_t)tl_rand(&s.rng), 6, 1);
	s.p.ttls[57 >> 3] |= (uint8_t)(1u << (57 & 7));
	facts f;
	facts_init(&f);
	facts_describe(&s.p, &f, NULL);
	assert_int_equal(f.ipid_zero, 7);
	assert_int_equal(f.ipid_total, 17);
	assert_string_equal(f.ipid_class, "random");
	assert_true(tl_has_note(&f, "7 of 17 zero"));
	assert_string_equal(f.os_guess, "Linux 2.4/2.6");
	int era = 0;
	for (int i = 0; i < f.nos_evidence; i++)
		era |= strstr(f.os_evidence[i], "CVE-2002-0510") != NULL;
	assert_true(era);
	facts_free(&f);
	profile_free(&s.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(zero_df_udp),     cmocka_unit_test(zero_without_df),
	    cmocka_unit_test(constant),	       cmocka_unit_test(global_incremental),
	    cmocka_unit_test(byteswapped),     cmocka_unit_test(per_destination),
	    cmocka_unit_test(interleaved),     cmocka_unit_test(random_increments),
	    cmocka_unit_test(random_ids),      cmocka_unit_test(too_few),
	    cmocka_unit_test(masscan_formula), cmocka_unit_test(seven_of_seventeen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
