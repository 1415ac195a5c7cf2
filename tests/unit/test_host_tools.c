/* Raw-packet tool rules end to end: packets built from each tool's
 * documented formula (see signatures/raw-tools.rules for the sources), fed
 * through the decoder, table and analyser, described as `show` does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fingerprint/host_blob.h"
#include "host_testlib.h"

#define SRC 0xcb007105u /* 203.0.113.5 */
#define NET 0xc6336400u /* 198.51.100.0/24: the "telescope" */
#define T0  1700000000000000000LL

static const uint8_t OPT_MSS[] = {2, 4, 5, 0xb4};
static const uint8_t OPT_WIN[] = {2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
static const uint8_t OPT_XP[] = {2, 4, 5, 0xb4, 1, 1, 4, 2};

typedef struct run {
	hx h;
	profile p;
	facts f;
} run;

static void start(run *r)
{
	memset(r, 0, sizeof *r);
	r->h = hx_new();
}

static void describe(run *r)
{
	hx_profile(&r->h, SRC, &r->p);
	facts_init(&r->f);
	facts_describe(&r->p, &r->f, NULL);
}

static void done(run *r)
{
	facts_free(&r->f);
	profile_free(&r->p);
	hx_free(&r->h);
}

static void base(pkt_spec *s, uint64_t *rng, int i)
{
	memset(s, 0, sizeof *s);
	s->src = SRC;
	s->dst = NET | (tl_rand(rng) & 0xff);
	s->ts_ns = T0 + (int64_t)i * 20000000;
	s->sport = (uint16_t)(32768 + tl_rand(rng) % 28000);
	s->dport = 80;
	s->seq = tl_rand(rng);
	s->ipid = (uint16_t)tl_rand(rng);
}

static void zmap_legacy_syn(void **state)
{
	(void)state;
	run r;
	start(&r);
	uint64_t rng = 1;
	for (int i = 0; i < 20; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		s.ipid = 54321; /* packet.c: ip_id = htons(54321) */
		s.ttl = 245;
		s.win = 65535;
		hx_feed(&r.h, &s);
	}
	describe(&r);
	const fact_tool *t = tl_tool(&r.f, "zmap");
	assert_non_null(t);
	assert_string_equal(t->component, "tcp_synscan");
	assert_string_equal(t->version, "<=4.0");
	assert_false(t->modified);
	assert_true(t->confidence >= 0.9);
	assert_true(tl_has_evidence(t, "ipid=54321 on 20 of 20 SYNs"));
	assert_string_equal(r.f.ipid_class, "tool-formula");
	assert_string_equal(r.f.os_guess, ""); /* the headers are ZMap's, not the OS's */
	assert_int_equal(r.f.ttl_initial, 255);
	assert_int_equal(r.f.ttl_hops, 10);
	assert_non_null(strstr(buf_cstr(&r.f.extra_json), "\"kind\":\"scan\""));
	done(&r);
}

static void zmap_legacy_udp(void **state)
{
	(void)state;
	run r;
	start(&r);
	uint64_t rng = 2;
	static const uint8_t dns[12] = {0x12, 0x34, 1, 0};
	for (int i = 0; i < 10; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		s.proto = 17;
		s.dport = 53;
		s.payload = dns;
		s.plen = sizeof dns;
		s.ipid = 54321;
		s.ttl = 250;
		hx_feed(&r.h, &s);
	}
	describe(&r);
	const fact_tool *t = tl_tool(&r.f, "zmap");
	assert_non_null(t);
	assert_string_equal(t->version, "<=4.0");
	assert_true(tl_has_evidence(t, "on 10 of 10 UDP/ICMP probes"));
	done(&r);
}

static void zmap41(void **state, const uint8_t *opts, size_t n, int ts_at, int clock)
{
	(void)state;
	run r;
	start(&r);
	uint64_t rng = 3;
	uint8_t o[40];
	for (int i = 0; i < 20; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		memcpy(o, opts, n);
		if (ts_at >= 0) /* ZMap writes time(NULL); Linux a random ms counter */
			tl_be32(o + ts_at,
				clock ? (uint32_t)(s.ts_ns / 1000000000) : tl_rand(&rng));
		s.opts = o;
		s.optlen = n;
		s.ttl = 60;
		s.win = 65535;
		hx_feed(&r.h, &s);
	}
	describe(&r);
	const fact_tool *t = tl_tool(&r.f, "zmap");
	if (clock) {
		assert_non_null(t);
		assert_string_equal(t->version, ">=4.1");
		assert_false(t->modified);
	} else {
		assert_null(t);
	}
	done(&r);
}

static void zmap41_windows(void **state)
{
	zmap41(state, OPT_WIN, sizeof OPT_WIN, -1, 1);
}

static void zmap41_linux(void **state)
{
	static const uint8_t o[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7};
	zmap41(state, o, sizeof o, 8, 1);
}

static void zmap41_linux_needs_clock(void **state)
{
	static const uint8_t o[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7};
	zmap41(state, o, sizeof o, 8, 0);
}

static void zmap41_bsd(void **state)
{
	static const uint8_t o[] = {2, 4, 5, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10,
				    0, 0, 0, 0,	   0, 0, 0, 0, 4, 2, 0, 0};
	zmap41(state, o, sizeof o, 12, 1);
}

/* Masscan: ip_id = dst ^ dport ^ seq (templ-pkt.c). */
static void masscan_run(run *r, int new_style, uint8_t ttl)
{
	uint64_t rng = 4;
	uint16_t p = 41122;
	for (int i = 0; i < 40; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		s.dport = (uint16_t)(i % 2 ? 22 : 8080);
		s.ipid = (uint16_t)(s.dst ^ s.dport ^ s.seq);
		s.ttl = ttl;
		s.win = 1024;
		s.sport = (uint16_t)(new_style && (tl_rand(&rng) & 16) ? p + 16 : p);
		if (new_style) {
			s.opts = OPT_MSS;
			s.optlen = sizeof OPT_MSS;
		}
		hx_feed(&r->h, &s);
	}
	describe(r);
}

static void masscan_legacy(void **state)
{
	(void)state;
	run r;
	start(&r);
	masscan_run(&r, 0, 250);
	const fact_tool *t = tl_tool(&r.f, "masscan");
	assert_non_null(t);
	assert_string_equal(t->version, "<=1.3.2");
	assert_false(t->modified);
	assert_true(t->confidence > 0.95);
	assert_true(tl_has_evidence(t, "ipid=dst^dport^seq on 40 of 40 SYNs"));
	assert_true(tl_has_evidence(t, "opts=none sport=fixed"));
	assert_string_equal(r.f.ipid_class, "tool-formula");
	key_list k;
	profile_keys(&r.p, &k); /* a distributed Masscan shares its source port */
	assert_int_equal(k.n, 2); /* and the campaign key derived from it */
	assert_string_equal(k.k[1].kind, "campaign");
	assert_int_equal(k.k[1].key[0], 'M');
	assert_string_equal(k.k[0].kind, "masscan.sport");
	assert_string_equal(k.k[0].key, "41122");
	/* TTL 255 is Masscan's: Corsaro's ttl-200 test excludes its SYNs anyway */
	assert_non_null(strstr(buf_cstr(&r.f.extra_json), "\"kind\":\"scan\""));
	done(&r);
}

static void masscan_2023(void **state)
{
	(void)state;
	run r;
	start(&r);
	masscan_run(&r, 1, 250);
	const fact_tool *t = tl_tool(&r.f, "masscan");
	assert_non_null(t);
	assert_string_equal(t->version, ">=2023-11");
	assert_false(t->modified);
	done(&r);
}

static void masscan_modified_ttl(void **state)
{
	(void)state;
	run r;
	start(&r);
	masscan_run(&r, 0, 60);
	const fact_tool *t = tl_tool(&r.f, "masscan");
	assert_non_null(t);
	assert_true(t->modified);
	assert_int_equal(t->nchanges, 1);
	assert_string_equal(t->changes[0].field, "ittl");
	assert_string_equal(t->changes[0].expected, "255");
	assert_string_equal(t->changes[0].seen, "64 (TTL 60-60)");
	done(&r);
}

/* Mirai: tcph->seq = iph->daddr; port 23, one in ten 2323 (scanner.c). */
static void mirai_run(run *r, int variant)
{
	uint64_t rng = 5;
	for (int i = 0; i < 50; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		s.seq = s.dst;
		s.dport = variant ? (uint16_t)(i % 2 ? 80 : 8080) : (uint16_t)(i % 10 ? 23 : 2323);
		s.sport = 47123; /* drawn once per process */
		s.win = 14600;	 /* likewise */
		s.ttl = 52;
		hx_feed(&r->h, &s);
	}
	describe(r);
}

static void mirai_stock(void **state)
{
	(void)state;
	run r;
	start(&r);
	mirai_run(&r, 0);
	const fact_tool *t = tl_tool(&r.f, "mirai");
	assert_non_null(t);
	assert_false(t->modified);
	assert_true(t->confidence > 0.95);
	assert_true(tl_has_evidence(t, "also: sport=fixed win=fixed"));
	assert_string_equal(r.f.os_guess, "Linux (embedded)");
	done(&r);
}

static void mirai_variant(void **state)
{
	(void)state;
	run r;
	start(&r);
	mirai_run(&r, 1);
	const fact_tool *t = tl_tool(&r.f, "mirai");
	assert_non_null(t);
	assert_true(t->modified);
	assert_string_equal(t->changes[0].field, "dport");
	assert_string_equal(t->changes[0].expected, "23,2323");
	done(&r);
}

/* Nmap -sS: MSS 1460 only, window 1024, TTL 37-59 per packet, seq = mask ^
 * (try << 16 | try), source port base + try. */
static void feed_nmap(hx *h, int from, int to)
{
	uint64_t rng = 6;
	for (int i = 0; i < to; i++) {
		pkt_spec s;
		uint32_t t = i < 30 ? 0 : 2;
		base(&s, &rng, i);
		s.dst = NET | (uint32_t)(16 + i % 10);
		s.dport = (uint16_t)(i % 30 < 10 ? 22 : i % 30 < 20 ? 80 : 443);
		s.seq = 0x5618a5c2u ^ (t << 16 | t);
		s.sport = (uint16_t)(41872 + t);
		s.ttl = (uint8_t)(37 + tl_rand(&rng) % 23 - 3);
		s.win = 1024;
		s.opts = OPT_MSS;
		s.optlen = sizeof OPT_MSS;
		if (i >= from)
			hx_feed(h, &s);
	}
}

static void nmap_syn(void **state)
{
	(void)state;
	run r;
	start(&r);
	feed_nmap(&r.h, 0, 60);
	describe(&r);
	const fact_tool *t = tl_tool(&r.f, "nmap");
	assert_non_null(t);
	assert_string_equal(t->component, "syn-scan");
	assert_true(tl_has_evidence(t, "seq=nmap-try"));
	assert_true(tl_has_evidence(t, "ttl=varies"));
	assert_true(tl_has_note(&r.f, "TTL varies"));
	key_list k;
	profile_keys(&r.p, &k); /* Nmap's decoys share the scan's seqmask */
	assert_int_equal(k.n, 2); /* and the campaign key derived from it */
	assert_string_equal(k.k[1].kind, "campaign");
	assert_int_equal(k.k[1].key[0], 'N');
	assert_string_equal(k.k[0].kind, "nmap.seqmask");
	assert_string_equal(k.k[0].key, "5600a5da"); /* canonical: try bytes folded */
	done(&r);
}

/* Split into two flushes, merged: the same blob as in one go. */
static void nmap_split_equals_whole(void **state)
{
	(void)state;
	hx a = hx_new(), b = hx_new();
	profile whole, merged;
	feed_nmap(&a, 0, 60);
	hx_profile(&a, SRC, &whole);
	profile_init(&merged);
	feed_nmap(&b, 0, 25);
	hx_flush_into(&b, SRC, &merged);
	feed_nmap(&b, 25, 60);
	hx_flush_into(&b, SRC, &merged);
	assert_int_equal(whole.ext[EXT_HOST].len, merged.ext[EXT_HOST].len);
	assert_memory_equal(whole.ext[EXT_HOST].p, merged.ext[EXT_HOST].p, whole.ext[EXT_HOST].len);
	profile_free(&whole);
	profile_free(&merged);
	hx_free(&a);
	hx_free(&b);
}

/* The rule a probe hits takes a free slot, also when the source's first
 * rule explains the probe too: 10 probes only ZMap's mark (IP ID 54321)
 * explains, 20 both ZMap's and Masscan's (IP ID = dst ^ dport ^ seq), 10
 * only Masscan's, then 5 neither. ZMap counts its 30, Masscan the 30 from
 * its first. A source that hits no rule gets none. */
static const hb_rule *blob_rule(const host_blob *b, const char *name)
{
	for (int i = 0; i < b->nrules; i++)
		if (!strcmp(b->rule[i].name, name))
			return &b->rule[i];
	return NULL;
}

static void two_rules_counted(void **state)
{
	(void)state;
	hx h = hx_new();
	uint64_t rng = 11;
	for (int i = 0; i < 45; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		s.win = 1024;
		if (i < 30) {
			s.ipid = 54321;
			uint16_t low = (uint16_t)(s.dst ^ s.dport ^ s.seq);
			if (i >= 10 && low != 54321) /* make Masscan's mark hold too */
				s.seq ^= (uint32_t)(low ^ 54321);
			else if (i < 10 && low == 54321)
				s.seq ^= 1;
		} else if (i < 40) {
			s.ipid = (uint16_t)(s.dst ^ s.dport ^ s.seq);
			if (s.ipid == 54321)
				s.seq ^= 1, s.ipid = (uint16_t)(s.dst ^ s.dport ^ s.seq);
		} else if (s.ipid == 54321 || s.ipid == (uint16_t)(s.dst ^ s.dport ^ s.seq)) {
			s.ipid ^= 1;
		}
		hx_feed(&h, &s);
	}
	profile p;
	hx_profile(&h, SRC, &p);
	host_blob b;
	assert_int_equal(hb_from_profile(&p, &b), 0);
	const hb_rule *z = blob_rule(&b, "zmap-syn-legacy"), *m = blob_rule(&b, "masscan");
	assert_non_null(z);
	assert_non_null(m);
	assert_int_equal(b.nrules, 2);
	assert_int_equal(z->hits, 30);
	assert_int_equal(m->hits, 30);
	profile_free(&p);
	hx_free(&h);

	hx n = hx_new();
	for (int i = 0; i < 20; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		s.ttl = 64;
		s.win = 29200;
		s.df = 1;
		s.opts = OPT_WIN;
		s.optlen = sizeof OPT_WIN;
		if (s.ipid == 54321 || s.ipid == (uint16_t)(s.dst ^ s.dport ^ s.seq))
			s.ipid ^= 1;
		hx_feed(&n, &s);
	}
	hx_profile(&n, SRC, &p);
	assert_int_equal(hb_from_profile(&p, &b), 0);
	assert_int_equal(b.nrules, 0);
	profile_free(&p);
	hx_free(&n);
}

static uint32_t bswap(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

/* Unicornscan: seq = key ^ (s_addr ^ ((dport << 16) + sport)), s_addr read
 * as an x86 integer (the destination byte-swapped). */
static void unicornscan(void **state)
{
	(void)state;
	run r;
	start(&r);
	uint64_t rng = 7;
	for (int i = 0; i < 30; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		s.dport = (uint16_t)(1 + i);
		s.sport = 40000;
		s.seq = 0xdeadbeefu ^ bswap(s.dst) ^ ((uint32_t)s.dport << 16 | s.sport);
		s.ttl = 60;
		s.win = 4096;
		hx_feed(&r.h, &s);
	}
	describe(&r);
	const fact_tool *t = tl_tool(&r.f, "unicornscan");
	assert_non_null(t);
	assert_true(tl_has_evidence(t, "seq^dst_le^ports=same on 30 of 30 SYNs"));
	done(&r);
}

/* Conficker: Windows XP SYNs to 445, retransmitted after 3 s. */
static void conficker(void **state)
{
	(void)state;
	run r;
	start(&r);
	uint64_t rng = 8;
	uint16_t id = 3000;
	for (int i = 0; i < 12; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		s.dst = NET | (uint32_t)(i * 9 % 120);
		s.dport = 445;
		s.ttl = 117;
		s.df = 1;
		s.win = 65535;
		s.ipid = id++;
		s.sport = (uint16_t)(1100 + i);
		s.opts = OPT_XP;
		s.optlen = sizeof OPT_XP;
		hx_feed(&r.h, &s);
		if (i < 2) { /* XP retries after 3 s */
			s.ts_ns += 3000000000LL;
			s.ipid = id++;
			hx_feed(&r.h, &s);
		}
	}
	describe(&r);
	const fact_tool *t = tl_tool(&r.f, "conficker");
	assert_non_null(t);
	assert_true(tl_has_evidence(t, "syn=retrans-3-6"));
	assert_false(t->modified);
	assert_non_null(strstr(r.f.os_guess, "Windows"));
	done(&r);
}

/* A Linux host's own SYNs are no tool, even with one ID of 54321. */
static void linux_is_no_tool(void **state)
{
	(void)state;
	run r;
	start(&r);
	uint64_t rng = 9;
	uint8_t o[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7};
	for (int i = 0; i < 100; i++) {
		pkt_spec s;
		base(&s, &rng, i);
		tl_be32(o + 8, tl_rand(&rng));
		s.opts = o;
		s.optlen = sizeof o;
		s.ttl = 57;
		s.df = 1;
		s.win = 64240;
		if (i == 50)
			s.ipid = 54321;
		hx_feed(&r.h, &s);
	}
	describe(&r);
	assert_int_equal(r.f.ntools, 0);
	assert_non_null(strstr(r.f.os_guess, "Linux"));
	assert_int_equal(r.f.ttl_initial, 64);
	assert_int_equal(r.f.ttl_hops, 7);
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(zmap_legacy_syn),
	    cmocka_unit_test(zmap_legacy_udp),
	    cmocka_unit_test(zmap41_windows),
	    cmocka_unit_test(zmap41_linux),
	    cmocka_unit_test(zmap41_linux_needs_clock),
	    cmocka_unit_test(zmap41_bsd),
	    cmocka_unit_test(masscan_legacy),
	    cmocka_unit_test(masscan_2023),
	    cmocka_unit_test(masscan_modified_ttl),
	    cmocka_unit_test(mirai_stock),
	    cmocka_unit_test(mirai_variant),
	    cmocka_unit_test(nmap_syn),
	    cmocka_unit_test(two_rules_counted),
	    cmocka_unit_test(nmap_split_equals_whole),
	    cmocka_unit_test(unicornscan),
	    cmocka_unit_test(conficker),
	    cmocka_unit_test(linux_is_no_tool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
