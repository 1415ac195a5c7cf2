/* Traffic kind: scan, backscatter (naming the victim) or likely spoofed by
 * CAIDA Corsaro's tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host_testlib.h"

#define NET 0xc6336400u
#define T0  1700000000000000000LL

typedef struct run {
	hx h;
	profile p;
	facts f;
	uint32_t src;
} run;

static void start(run *r, uint32_t src)
{
	memset(r, 0, sizeof *r);
	r->h = hx_new();
	r->src = src;
}

static const char *describe(run *r)
{
	hx_profile(&r->h, r->src, &r->p);
	facts_init(&r->f);
	facts_describe(&r->p, &r->f, NULL);
	return buf_cstr(&r->f.extra_json);
}

static void done(run *r)
{
	facts_free(&r->f);
	profile_free(&r->p);
	hx_free(&r->h);
}

static void synack_backscatter(void **state)
{
	(void)state;
	run r;
	start(&r, 0xc0000250u); /* 192.0.2.80, a web server under a SYN flood */
	for (int i = 0; i < 20; i++) {
		pkt_spec s;
		memset(&s, 0, sizeof s);
		s.src = r.src;
		s.dst = NET | (uint32_t)i;
		s.sport = 80;
		s.dport = (uint16_t)(1024 + i * 7);
		s.flags = i % 4 ? TCP_SYN | TCP_ACK : TCP_RST | TCP_ACK;
		s.seq = 1000u * (uint32_t)i;
		s.ack = 77u + (uint32_t)i;
		s.ttl = 52;
		s.df = 1;
		s.win = 29200;
		s.ts_ns = T0 + i * 1000000LL;
		hx_feed(&r.h, &s);
	}
	const char *j = describe(&r);
	assert_non_null(strstr(j, "\"kind\":\"backscatter\""));
	assert_non_null(strstr(j, "\"victims\":[{\"ip\":\"192.0.2.80\""));
	assert_true(
	    tl_has_note(&r.f, "victim of an attack with spoofed sources (its ports: 80/tcp)"));
	assert_int_equal(r.f.ntools, 0);
	/* RST-ACK fails Corsaro's flag test, but a reply's source is genuine */
	assert_non_null(strstr(j, "\"spoofed\":0"));
	done(&r);
}

static void icmp_errors_name_the_victim(void **state)
{
	(void)state;
	run r;
	start(&r, 0xc0000201u); /* a router near the victim */
	for (int i = 0; i < 6; i++) {
		uint8_t q[28];
		pkt_spec s;
		memset(&s, 0, sizeof s);
		memset(q, 0, sizeof q);
		q[0] = 0x45; /* the quoted packet: from one of ours to the victim */
		tl_be16(q + 2, 40);
		q[8] = 60;
		q[9] = 6;
		tl_be32(q + 12, NET | (uint32_t)(10 + i));
		tl_be32(q + 16, 0xcb007109u); /* 203.0.113.9 */
		tl_be16(q + 20, 4444);
		tl_be16(q + 22, 80);
		s.src = r.src;
		s.dst = NET | (uint32_t)(10 + i);
		s.proto = 1;
		s.icmp_type = 3;
		s.icmp_code = 1;
		s.payload = q;
		s.plen = sizeof q;
		s.ttl = 250;
		s.ts_ns = T0 + i * 1000000LL;
		hx_feed(&r.h, &s);
	}
	const char *j = describe(&r);
	assert_non_null(strstr(j, "\"kind\":\"backscatter\""));
	assert_non_null(strstr(j, "{\"ip\":\"203.0.113.9\",\"port\":80,\"proto\":\"tcp\","
				  "\"packets\":6,\"from\":\"icmp-quote\"}"));
	assert_true(tl_has_note(&r.f, "to 203.0.113.9 port 80/tcp"));
	done(&r);
}

static void spoofed_by_corsaro_tests(void **state)
{
	(void)state;
	run r;
	start(&r, 0xcb007100u); /* 203.0.113.0: ends in .0 */
	static const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	for (int i = 0; i < 10; i++) {
		pkt_spec s;
		memset(&s, 0, sizeof s);
		s.src = r.src;
		s.dst = NET | (uint32_t)i;
		s.proto = 17;
		s.sport = 1234;
		s.dport = 80; /* UDP to 80: another of the tests */
		s.payload = junk;
		s.plen = sizeof junk;
		s.ttl = 50;
		s.ipid = (uint16_t)(100 + i * 31337);
		s.ts_ns = T0 + i * 1000000LL;
		hx_feed(&r.h, &s);
	}
	const char *j = describe(&r);
	assert_non_null(strstr(j, "\"kind\":\"likely-spoofed\""));
	assert_non_null(strstr(j, "\"spoof_tests\":[\"last-byte-src-0\",\"udp-destport-80\"]"));
	assert_true(tl_has_note(&r.f, "Likely spoofed: 10 of 10 packets"));
	done(&r);
}

/* ZMap <= 4.0 sends TTL 255: Corsaro's ttl-200 test would call it
 * spoofed; once the tool is named, its TTL is no evidence of that. */
static void tool_ttl_is_not_spoofing(void **state)
{
	(void)state;
	run r;
	start(&r, 0xcb007105u);
	static const uint8_t probe[12] = {0x12, 0x34, 1, 0};
	for (int i = 0; i < 10; i++) {
		pkt_spec s;
		memset(&s, 0, sizeof s);
		s.src = r.src;
		s.dst = NET | (uint32_t)i;
		s.proto = 17;
		s.sport = (uint16_t)(40000 + i);
		s.dport = 53;
		s.payload = probe;
		s.plen = sizeof probe;
		s.ttl = 250;
		s.ipid = 54321;
		s.ts_ns = T0 + i * 1000000LL;
		hx_feed(&r.h, &s);
	}
	const char *j = describe(&r);
	assert_non_null(tl_tool(&r.f, "zmap"));
	assert_non_null(strstr(j, "\"kind\":\"scan\""));
	assert_true(tl_has_note(&r.f, "TTL >= 200 is the identified tool's default"));
	done(&r);
}

static void dns_responses_are_backscatter(void **state)
{
	(void)state;
	run r;
	start(&r, 0xc0000235u);
	static const uint8_t resp[12] = {0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 1};
	for (int i = 0; i < 5; i++) {
		pkt_spec s;
		memset(&s, 0, sizeof s);
		s.src = r.src;
		s.dst = NET | (uint32_t)i;
		s.proto = 17;
		s.sport = 53;
		s.dport = (uint16_t)(30000 + i);
		s.payload = resp;
		s.plen = sizeof resp;
		s.ttl = 55;
		s.ts_ns = T0 + i * 1000000LL;
		hx_feed(&r.h, &s);
	}
	const char *j = describe(&r);
	assert_non_null(strstr(j, "\"kind\":\"backscatter\""));
	assert_non_null(strstr(j, "\"dns_response\":5"));
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(synack_backscatter),
	    cmocka_unit_test(icmp_errors_name_the_victim),
	    cmocka_unit_test(spoofed_by_corsaro_tests),
	    cmocka_unit_test(tool_ttl_is_not_spoofing),
	    cmocka_unit_test(dns_responses_are_backscatter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
