/* The in-memory table of sources: what one packet adds to its source's
 * profile, the spill from the inline fields into a detail block, payload
 * samples, and memory that stays small per source and bounded per heavy
 * source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "profile/ptable.h"
#include "util/bigmem.h"
#include "pktgen.h"

static pkt_view v;

static void packet(uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport,
		   uint8_t ttl, int64_t ts, const char *payload)
{
	pg p;
	pg_init(&p);
	pg_ip4(&p, proto, src, dst, NULL, 0);
	p.b[8] = ttl;
	size_t n = payload ? strlen(payload) : 0;
	if (proto == 6) {
		static const uint8_t mss[] = {2, 4, 5, 0xb4};
		pg_tcp(&p, sport, dport, 1000, 0, payload ? 0x18 : 0x02, 1024, payload ? NULL : mss,
		       payload ? 0 : 4);
		if (n)
			pg_bytes(&p, payload, n);
	} else if (proto == 17) {
		pg_udp(&p, sport, dport, payload, n);
	} else {
		pg_icmp(&p, 8, 0, 0);
	}
	pg_fix_ip4(&p);
	static uint8_t keep[64][256]; /* views point into the packet: keep it alive */
	static int k;
	k = (k + 1) % 64;
	memcpy(keep[k], p.b, p.n);
	assert_int_equal(decode_packet(12, keep[k], (uint32_t)p.n, (uint32_t)p.n, ts, &v), 1);
}

static void export(ptable *t, uint32_t src, profile *p)
{
	uint8_t ip[16];
	addr_from_v4(ip, src);
	uint32_t idx = ptable_lookup(t, ip, hash_u32(src));
	assert_true(idx > 0);
	profile_init(p);
	ptable_export(t, idx, p);
}

static void one_source(void **state)
{
	(void)state;
	ptable *t = ptable_new();
	uint32_t src = IP4(198, 51, 100, 1);
	packet(src, IP4(203, 0, 113, 1), 6, 40000, 22, 50, 2000, NULL);
	ptable_observe(t, &v);
	packet(src, IP4(203, 0, 113, 2), 17, 5060, 5060, 50, 1000, "OPTIONS sip:100@x SIP/2.0");
	ptable_observe(t, &v);
	packet(src, IP4(203, 0, 113, 2), 1, 0, 0, 51, 3000, NULL);
	ptable_observe(t, &v);
	assert_int_equal(ptable_count(t), 1);
	profile p;
	export(t, src, &p);
	assert_int_equal(p.packets, 3);
	assert_int_equal(p.first_ns, 1000);
	assert_int_equal(p.last_ns, 3000);
	assert_int_equal(p.pkts_tcp, 1);
	assert_int_equal(p.pkts_udp, 1);
	assert_int_equal(p.pkts_icmp, 1);
	assert_int_equal(p.tcp_syn, 1);
	assert_int_equal(p.udp_data, 1);
	assert_int_equal(p.icmp_echo, 1);
	assert_int_equal(p.df, 3);
	assert_int_equal(dset_count(&p.targets), 2);
	assert_true(dset_has(&p.dports, (6u << 16) | 22));
	assert_true(dset_has(&p.dports, (17u << 16) | 5060));
	assert_true(dset_has(&p.dports, (1u << 16) | 8)); /* ICMP: the type */
	assert_true(dset_has(&p.sports, (17u << 16) | 5060));
	assert_int_equal(profile_ttl_min(&p), 50);
	assert_int_equal(profile_ttl_max(&p), 51);
	assert_int_equal(p.n_syn, 1);
	assert_int_equal(p.syn[0].mss, 1460);
	assert_int_equal(p.n_ipid, 3);
	for (uint32_t i = 1; i < p.n_ipid; i++)
		assert_true(p.ipid[i - 1].ts_ns <= p.ipid[i].ts_ns);
	uint32_t ns;
	const payload_sample *sm = ptable_samples(t, 1, &ns);
	assert_int_equal(ns, 1);
	assert_int_equal(sm[0].dport, 5060);
	assert_int_equal(sm[0].len, 25);
	assert_memory_equal(sm[0].data, "OPTIONS", 7);
	profile_free(&p);
	ptable_free(t);
}

/* A source with many targets and ports: everything is still counted (the
 * exact part, then the sketch), the samples stay capped, the memory it
 * takes is bounded whatever it sends. */
static void heavy_source_is_bounded(void **state)
{
	(void)state;
	ptable *t = ptable_new();
	uint32_t src = IP4(198, 51, 100, 2);
	/* another source with a detail block first: the chunks of records and
	 * of detail blocks are allocated once for many sources */
	for (uint32_t i = 0; i < 3; i++) {
		packet(IP4(198, 51, 100, 99), IP4(10, 9, 9, 0) + i, 17, 1, 2, 64, i, NULL);
		ptable_observe(t, &v);
	}
	uint64_t base = ptable_mem(t);
	char pl[32];
	for (uint32_t i = 0; i < 20000; i++) {
		snprintf(pl, sizeof pl, "probe %u", i % 7);
		packet(src, IP4(10, 0, 0, 0) + i, (i & 1) ? 17 : 6, (uint16_t)(1024 + i % 3000),
		       (uint16_t)(i % 1000), (uint8_t)(40 + i % 20), (int64_t)i * 1000,
		       (i & 1) ? pl : NULL);
		ptable_observe(t, &v);
	}
	profile p;
	export(t, src, &p);
	assert_int_equal(p.packets, 20000);
	double targets = (double)dset_count(&p.targets);
	assert_true(targets > 20000 * 0.8 && targets < 20000 * 1.2);
	assert_true(dset_is_estimate(&p.targets));
	assert_int_equal(profile_ttl_distinct(&p), 20);
	assert_int_equal(p.n_ipid, IPID_SAMPLES);
	uint32_t ns;
	ptable_samples(t, 2, &ns);
	assert_int_equal(ns, SAMPLES_PER_SOURCE);
	uint64_t used = ptable_mem(t) - base;
	if (used > 16384)
		fail_msg("one source took %llu bytes", (unsigned long long)used);
	profile_free(&p);
	ptable_free(t);
}

/* Many sources of one packet each: small records (the darknet case). */
static void many_small_sources(void **state)
{
	(void)state;
	ptable *t = ptable_new();
	uint32_t n = 200000;
	for (uint32_t i = 0; i < n; i++) {
		packet(IP4(100, 64, 0, 0) + i * 7, IP4(203, 0, 113, 5), 6, 44444, 23, 240, i, NULL);
		ptable_observe(t, &v);
	}
	assert_int_equal(ptable_count(t), n);
	double per = (double)ptable_mem(t) / n;
	if (per > 400)
		fail_msg("%.0f bytes per source", per);
	ptable_stats st;
	ptable_stats_get(t, &st);
	assert_int_equal(st.sources, n);
	assert_int_equal(st.details, 0); /* one packet needs no detail block */
	uint32_t *order = ptable_sorted(t);
	assert_non_null(order);
	for (uint32_t i = 1; i < n; i++)
		assert_true(memcmp(ptable_at(t, order[i - 1])->ip, ptable_at(t, order[i])->ip, 16) <
			    0);
	free(order);
	ptable_clear(t);
	assert_int_equal(ptable_count(t), 0);
	packet(IP4(100, 64, 0, 1), IP4(203, 0, 113, 5), 6, 44444, 23, 240, 1, NULL);
	assert_int_equal(ptable_observe(t, &v), 1);
	ptable_free(t);
}

/* The tables' large blocks (util/bigmem.h): zeroed, 64-byte aligned, every
 * byte usable, below and above the 2 MiB where they come from mmap. */
static void big_blocks(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 100, 4096, (2u << 20) - 1, 2u << 20, (16u << 20) + 5};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		uint8_t *p = big_alloc(n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 64, 0);
		size_t nonzero = 0;
		for (size_t k = 0; k < n; k++)
			nonzero += p[k] != 0;
		assert_int_equal(nonzero, 0);
		memset(p, 0xa5, n);
		assert_int_equal(p[n - 1], 0xa5);
		big_free(p, n);
	}
	big_free(NULL, 1u << 22); /* ignored */
	/* growing keeps what was written and adds zeros, small to large and
	 * large to larger (remapped); shrinking and growing again gives zeros */
	static const size_t steps[] = {64, 1000, 3u << 20, 9u << 20, (3u << 20) + 7, 9u << 20};
	uint8_t *p = NULL;
	size_t have = 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		size_t n = steps[i];
		uint8_t *q = big_realloc(p, have, n);
		assert_non_null(q);
		size_t kept = have < n ? have : n, bad = 0;
		for (size_t k = 0; k < kept; k++)
			bad += q[k] != (uint8_t)(k * 7 + 1);
		for (size_t k = kept; k < n; k++)
			bad += q[k] != 0;
		assert_int_equal(bad, 0);
		for (size_t k = 0; k < n; k++)
			q[k] = (uint8_t)(k * 7 + 1);
		p = q;
		have = n;
	}
	big_free(p, have);
}

/* IP ID observations and payload samples live in the table's arena: arrays
 * that sources outgrow are handed to other sources, and a cleared table
 * starts afresh. Whatever the interleaving, each source keeps its own
 * observations, in order, and its own sample bytes. */
static void arena_keeps_each_source(void **state)
{
	(void)state;
	ptable *t = ptable_new();
	enum { SRCS = 3, PKTS = 20 };
	for (int round = 0; round < 2; round++) {
		/* source s sends packet i to 10.s.round.i, starting 6 packets
		 * after source s - 1: its IP ID array (4, then 8, then 15
		 * observations) is the one source s - 1 just outgrew */
		for (int g = 0; g < PKTS + 6 * (SRCS - 1); g++)
			for (int s = 0; s < SRCS; s++) {
				int i = g - 6 * s;
				if (i < 0 || i >= PKTS)
					continue;
				char pl[40];
				snprintf(pl, sizeof pl, "probe %d from %d", i % 5, s);
				packet(IP4(192, 0, 2, 10 + s), IP4(10, s, round, i), 17, 4000,
				       (uint16_t)(1000 + i), 60, (int64_t)(g * SRCS + s + 1), pl);
				ptable_observe(t, &v);
			}
		for (int s = 0; s < SRCS; s++) {
			profile p;
			export(t, IP4(192, 0, 2, 10 + s), &p);
			assert_int_equal(p.n_ipid, IPID_SAMPLES);
			for (uint32_t k = 0; k < p.n_ipid; k++) {
				assert_int_equal(p.ipid[k].dst, IP4(10, s, round, k));
				assert_int_equal(p.ipid[k].dport, 1000 + k);
			}
			profile_free(&p);
			uint8_t ip[16];
			addr_from_v4(ip, IP4(192, 0, 2, 10 + s));
			uint32_t n = 0;
			const payload_sample *sm =
			    ptable_samples(t, ptable_lookup(t, ip, hash_u32(IP4(192, 0, 2, 10 + s))), &n);
			assert_int_equal(n, SAMPLES_PER_SOURCE);
			for (uint32_t k = 0; k < n; k++) {
				char want[40];
				snprintf(want, sizeof want, "probe %u from %d", k, s);
				assert_int_equal(sm[k].len, strlen(want));
				assert_memory_equal(sm[k].data, want, sm[k].len);
			}
		}
		ptable_clear(t);
		assert_int_equal(ptable_count(t), 0);
	}
	ptable_free(t);
}

/* Exporting after a spill gives the same sets as adding every value. */
static void spill_keeps_everything(void **state)
{
	(void)state;
	ptable *t = ptable_new();
	uint32_t src = IP4(198, 51, 100, 3);
	dset want;
	dset_init(&want);
	for (uint32_t i = 0; i < 50; i++) {
		uint32_t dst = IP4(192, 0, 2, 0) + (i * 37) % 256;
		packet(src, dst, 17, 5060, (uint16_t)(5060 + i % 5), 64, i, "x");
		ptable_observe(t, &v);
		dset_add(&want, dst);
	}
	profile p;
	export(t, src, &p);
	assert_int_equal(dset_count(&p.targets), dset_count(&want));
	uint32_t wv[DSET_EXACT], nw = dset_sorted(&want, wv);
	for (uint32_t i = 0; i < nw; i++)
		assert_true(dset_has(&p.targets, wv[i]));
	assert_int_equal(dset_count(&p.dports), 5);
	assert_int_equal(dset_count(&p.sports), 1);
	dset_free(&want);
	profile_free(&p);
	ptable_free(t);
}

/* The flush's export moves the sets out of the record: the profile is
 * byte for byte the copying export's, and the table then clears without
 * freeing anything twice (ASan runs this). Sets of every form: a sketch
 * (targets), a table (source ports), inline values (destination ports). */
static void export_take_equals_export(void **state)
{
	(void)state;
	ptable *t = ptable_new();
	uint32_t src = IP4(198, 51, 100, 4);
	for (uint32_t i = 0; i < 300; i++) {
		packet(src, IP4(10, 1, 0, 0) + i * 13, 6, (uint16_t)(30000 + i % 40),
		       (uint16_t)(22 + i % 3), 50, (int64_t)i, NULL);
		ptable_observe(t, &v);
	}
	uint8_t ip[16];
	addr_from_v4(ip, src);
	uint32_t idx = ptable_lookup(t, ip, hash_u32(src));
	profile a, b;
	profile_init(&a);
	profile_init(&b);
	ptable_export(t, idx, &a);
	ptable_export_take(t, idx, &b);
	assert_true(dset_is_estimate(&b.targets));
	assert_int_equal(dset_count(&b.sports), 40);
	assert_int_equal(dset_count(&b.dports), 3);
	buf ea, eb;
	buf_init(&ea);
	buf_init(&eb);
	profile_encode(&a, &ea);
	profile_encode(&b, &eb);
	assert_int_equal(ea.len, eb.len);
	assert_memory_equal(ea.p, eb.p, ea.len);
	/* the record's sets are now empty: a second take gets nothing */
	profile c;
	profile_init(&c);
	ptable_export_take(t, idx, &c);
	assert_int_equal(dset_count(&c.targets), 0);
	assert_int_equal(dset_count(&c.sports), 0);
	assert_int_equal(c.packets, 300);
	buf_free(&ea);
	buf_free(&eb);
	profile_free(&a);
	profile_free(&b);
	profile_free(&c);
	ptable_clear(t);
	assert_int_equal(ptable_count(t), 0);
	ptable_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_source),
	    cmocka_unit_test(heavy_source_is_bounded),
	    cmocka_unit_test(many_small_sources),
	    cmocka_unit_test(big_blocks),
	    cmocka_unit_test(arena_keeps_each_source),
	    cmocka_unit_test(spill_keeps_everything),
	    cmocka_unit_test(export_take_equals_export),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
