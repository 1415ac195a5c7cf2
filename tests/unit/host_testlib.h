/* Test helpers for the host analyser: packets built byte by byte from the
 * documented formulas, decoded by the real decoder, fed through the real
 * table and analyser, exported and described as `read` and `show` do. */
#ifndef SP_HOST_TESTLIB_H
#define SP_HOST_TESTLIB_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "fingerprint/host.h"
#include "profile/ptable.h"
#include "report/facts.h"

typedef struct pkt_spec {
	uint32_t src, dst;
	uint8_t proto; /* 6 (default 0 means 6), 17, 1 */
	uint8_t ttl, tos, df, flags;
	uint16_t ipid, sport, dport, win, urg;
	uint32_t seq, ack;
	const uint8_t *opts;
	size_t optlen; /* multiple of 4 */
	const uint8_t *payload;
	size_t plen;
	uint8_t icmp_type, icmp_code;
	int64_t ts_ns;
} pkt_spec;

static inline void tl_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tl_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Ethernet + IPv4 + TCP/UDP/ICMP; returns the frame length. */
static inline size_t tl_build(const pkt_spec *s, uint8_t *f)
{
	uint8_t proto = s->proto ? s->proto : 6;
	memset(f, 0, 14);
	f[0] = 2;
	f[6] = 2;
	f[12] = 0x08;
	uint8_t *ip = f + 14, *l4 = ip + 20;
	size_t l4len;
	if (proto == 6) {
		memset(l4, 0, 20);
		tl_be16(l4, s->sport);
		tl_be16(l4 + 2, s->dport);
		tl_be32(l4 + 4, s->seq);
		tl_be32(l4 + 8, s->ack);
		l4[12] = (uint8_t)((5 + s->optlen / 4) << 4);
		l4[13] = s->flags ? s->flags : TCP_SYN;
		tl_be16(l4 + 14, s->win);
		tl_be16(l4 + 18, s->urg);
		if (s->optlen)
			memcpy(l4 + 20, s->opts, s->optlen);
		if (s->plen)
			memcpy(l4 + 20 + s->optlen, s->payload, s->plen);
		l4len = 20 + s->optlen + s->plen;
	} else if (proto == 17) {
		tl_be16(l4, s->sport);
		tl_be16(l4 + 2, s->dport);
		tl_be16(l4 + 4, (uint32_t)(8 + s->plen));
		tl_be16(l4 + 6, 0);
		if (s->plen)
			memcpy(l4 + 8, s->payload, s->plen);
		l4len = 8 + s->plen;
	} else {
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		memset(l4 + 2, 0, 6);
		if (s->plen)
			memcpy(l4 + 8, s->payload, s->plen);
		l4len = 8 + s->plen;
	}
	ip[0] = 0x45;
	ip[1] = s->tos;
	tl_be16(ip + 2, (uint32_t)(20 + l4len));
	tl_be16(ip + 4, s->ipid);
	tl_be16(ip + 6, s->df ? 0x4000 : 0);
	ip[8] = s->ttl;
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	tl_be32(ip + 12, s->src);
	tl_be32(ip + 16, s->dst);
	return 14 + 20 + l4len;
}

static inline void tl_view(const pkt_spec *s, uint8_t *frame, pkt_view *v)
{
	size_t n = tl_build(s, frame);
	if (!decode_packet(1, frame, (uint32_t)n, (uint32_t)n, s->ts_ns, v)) {
		fprintf(stderr, "test packet did not decode\n");
		abort();
	}
}

/* A table and the analyser, as the ingest loop drives them. */
typedef struct hx {
	ptable *t;
	void *an;
} hx;

static inline hx hx_new(void)
{
	hx h = {ptable_new(), host_analyzer_ops.create()};
	return h;
}

static inline void hx_free(hx *h)
{
	host_analyzer_ops.destroy(h->an);
	ptable_free(h->t);
}

static inline void hx_feed(hx *h, const pkt_spec *s)
{
	static uint8_t frame[2048];
	pkt_view v;
	tl_view(s, frame, &v);
	uint32_t idx = ptable_observe(h->t, &v);
	host_analyzer_ops.observe(h->an, h->t, idx, ptable_at(h->t, idx), &v);
}

/* The profile of src (profile_init'ed here) with the analyser's blob. */
static inline void hx_profile(hx *h, uint32_t src, profile *p)
{
	uint8_t ip[16];
	addr_from_v4(ip, src);
	uint32_t hash = hash_u32(src);
	uint32_t idx = ptable_lookup(h->t, ip, hash);
	profile_init(p);
	ptable_export(h->t, idx, p);
	host_analyzer_ops.export(h->an, h->t, idx, &p->ext[EXT_HOST]);
}

/* Flushes: the source's profile merged into sum, then the table cleared. */
static inline void hx_flush_into(hx *h, uint32_t src, profile *sum)
{
	profile p;
	hx_profile(h, src, &p);
	profile_merge(sum, &p);
	profile_free(&p);
	ptable_clear(h->t);
	host_analyzer_ops.clear(h->an);
}

static inline const fact_tool *tl_tool(const facts *f, const char *name)
{
	for (int i = 0; i < f->ntools; i++)
		if (!strcmp(f->tools[i].tool, name))
			return &f->tools[i];
	return NULL;
}

static inline int tl_has_note(const facts *f, const char *needle)
{
	return f->notes.len && strstr(buf_cstr((buf *)&f->notes), needle) != NULL;
}

static inline int tl_has_evidence(const fact_tool *t, const char *needle)
{
	for (int i = 0; t && i < t->nevidence; i++)
		if (strstr(t->evidence[i], needle))
			return 1;
	return 0;
}

static inline uint32_t tl_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

#endif
