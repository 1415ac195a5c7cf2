/* The host analyser: per packet, cheaply,
 *  - probes (TCP SYN, UDP, ICMP echo): the raw-tool marks, the first SYN's
 *    series values, and for at most two candidate rules the hits and the
 *    rule's own marks on every / some hit;
 *  - other IPv4 packets from the source: Corsaro's spoofing tests;
 *  - replies (ICMP echo/timestamp/mask replies, DNS responses) and ICMP
 *    errors, whose quote names the victim of a spoofed attack.
 * State is one 56-byte record per source, in chunks indexed by the table's
 * record number; victims go to a side table made only for the sources that
 * send ICMP errors. */
#include "fingerprint/host.h"

#include "fingerprint/host_blob.h"
#include "fingerprint/host_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bigmem.h"

#define CHUNK_BITS 16
#define CHUNK_RECS (1u << CHUNK_BITS)
#define MAX_CHUNKS (1u << 16)

enum { F_SYN = 1 };

typedef struct hstate {
	uint32_t seq0, uni0, unile0; /* first SYN's series values */
	uint32_t hits[2];	     /* probes each candidate rule hit */
	uint16_t all[2], some[2];    /* its local packet marks on every / some hit */
	uint32_t spoofed;	     /* packets failing a Corsaro test */
	uint32_t spoof_ttl;	     /* ... failing only the TTL one */
	uint32_t replies;	     /* ICMP echo/timestamp/info/mask replies */
	uint32_t dns;		     /* DNS responses */
	uint32_t vblock;	     /* victims block + 1, 0 = none */
	uint16_t spoof_why;	     /* SP_* seen */
	uint16_t pad_;
	uint8_t rule[2];	     /* candidate rule index + 1, 0 = free */
	uint8_t series;		     /* HS_* still holding */
	uint8_t flags;		     /* F_* */
} hstate;
_Static_assert(sizeof(hstate) == 56, "keep the per-source record small");
_Static_assert(HR_MAX_RULES <= 64, "candidate sets are 64-bit masks");

typedef struct vblock {
	int n;
	uint32_t flags;
	hb_victim v[HB_VICTIMS];
} vblock;

/* A rule with packet requirements, as the candidate search reads it: its
 * required marks in their order, beside its neighbours (the rules are 1 KiB
 * apart in the set). */
typedef struct cand_rule {
	uint8_t rule; /* index in the set */
	uint8_t nreq;
	uint8_t reqv[HR_MAX_LOCAL];
} cand_rule;

typedef struct host_an {
	const hr_set *rules;
	uint8_t ncand[3];
	cand_rule cand[3][HR_MAX_RULES];    /* per kind */
	uint64_t first[3];		    /* the candidates' first marks, per kind */
	uint64_t by_first[3][HR_MAX_MARKS]; /* candidates (bit = index) by first mark */
	hstate *chunk[MAX_CHUNKS];
	uint32_t nchunks;
	vblock *vb;
	uint32_t nvb, capvb;
	uint64_t mem;
} host_an;

static void *host_create(void)
{
	host_an *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	const char *err;
	h->rules = hr_default(&err);
	if (!h->rules) {
		fprintf(stderr, "scanprint: %s; raw-packet tools will not be named\n", err);
		return h;
	}
	for (int i = 0; i < h->rules->nrules; i++) {
		const hr_rule *r = &h->rules->rule[i];
		if (!r->req)
			continue;
		for (int k = 0; k < 3; k++) {
			if (!(r->applies & (1 << k)))
				continue;
			h->by_first[k][r->reqv[0]] |= 1ull << h->ncand[k];
			cand_rule *c = &h->cand[k][h->ncand[k]++];
			c->rule = (uint8_t)i;
			c->nreq = r->nreq;
			memcpy(c->reqv, r->reqv, sizeof c->reqv);
			h->first[k] |= 1ull << r->reqv[0];
		}
	}
	return h;
}

static void host_clear(void *self)
{
	host_an *h = self;
	if (!h)
		return;
	for (uint32_t c = 0; c < h->nchunks; c++) {
		big_free(h->chunk[c], CHUNK_RECS * sizeof(hstate));
		h->chunk[c] = NULL;
	}
	h->nchunks = 0;
	free(h->vb);
	h->vb = NULL;
	h->nvb = h->capvb = 0;
	h->mem = 0;
}

static void host_destroy(void *self)
{
	host_clear(self);
	free(self);
}

static uint64_t host_mem(void *self)
{
	host_an *h = self;
	return h ? h->mem + sizeof *h : 0;
}

/* The record of source idx, made (zeroed) on first use; NULL if out of memory. */
static hstate *state_at(host_an *h, uint32_t idx)
{
	uint32_t c = idx >> CHUNK_BITS;
	if (c >= MAX_CHUNKS)
		return NULL;
	while (h->nchunks <= c) {
		h->chunk[h->nchunks] = big_alloc(CHUNK_RECS * sizeof(hstate));
		if (!h->chunk[h->nchunks])
			return NULL;
		h->nchunks++;
		h->mem += CHUNK_RECS * sizeof(hstate);
	}
	return &h->chunk[c][idx & (CHUNK_RECS - 1)];
}

static void host_prefetch(void *self, uint32_t idx)
{
	const host_an *h = self;
	uint32_t c = idx >> CHUNK_BITS;
	/* 56-byte records: seven in eight span two lines, and the flags and
	 * rules the probe reads first are at the end */
	if (h && c < h->nchunks)
		analyzer_prefetch_record(&h->chunk[c][idx & (CHUNK_RECS - 1)], sizeof(hstate));
}

static const hstate *state_peek(const host_an *h, uint32_t idx)
{
	uint32_t c = idx >> CHUNK_BITS;
	return c < h->nchunks ? &h->chunk[c][idx & (CHUNK_RECS - 1)] : NULL;
}

/* --- probes ----------------------------------------------------------- */

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

/* Values of the SYN that must stay constant (or keep nmap's try form)
 * across all SYNs of a scan. */
static void series_update(hstate *s, const pkt_view *v)
{
	uint32_t ports = ((uint32_t)v->dport << 16) | v->sport;
	uint32_t dle = bswap32(v->dst4);
	uint32_t uni = v->seq ^ v->dst4 ^ ports, unile = v->seq ^ dle ^ ports;
	uint8_t keep = HS_ALL;
	if (v->family != 4)
		keep &= (uint8_t) ~(HS_UNI_BE | HS_UNI_LE);
	/* seq = dst (Mirai) with fixed ports keeps seq ^ dst ^ ports constant
	 * too: that is not Unicornscan's key */
	if (v->seq == v->dst4)
		keep &= (uint8_t)~HS_UNI_BE;
	if (v->seq == dle)
		keep &= (uint8_t)~HS_UNI_LE;
	if (!(s->flags & F_SYN)) {
		s->flags |= F_SYN;
		s->seq0 = v->seq;
		s->uni0 = uni;
		s->unile0 = unile;
		s->series = keep;
		return;
	}
	uint32_t x = v->seq ^ s->seq0;
	if (x)
		keep &= (uint8_t)~HS_SEQ_SAME;
	if ((x >> 16) != (x & 0xffff) || (x & 0xffff) > 255)
		keep &= (uint8_t)~HS_SEQ_NMAP;
	if (uni != s->uni0)
		keep &= (uint8_t)~HS_UNI_BE;
	if (unile != s->unile0)
		keep &= (uint8_t)~HS_UNI_LE;
	s->series &= keep;
}

/* The rule's own packet marks on this packet, as its local bits. */
static uint16_t local_bits(const hr_set *rs, const hr_rule *r, hr_lazy *lz, const pkt_view *v)
{
	uint16_t b = 0;
	for (int i = 0; i < r->nlocal; i++)
		if (((r->local_packet >> i) & 1) && hr_lazy_mark(rs, lz, r->local[i], v))
			b |= (uint16_t)(1u << i);
	return b;
}

/* A probe the candidate rule hit. Its own marks (expectations, support,
 * versions) are checked on the first LOCAL_EVERY_AFTER hits and then on one
 * hit in LOCAL_EVERY: a tool's configuration shows on every packet, and the
 * checks cost more than the rest of the packet's work. */
#define LOCAL_EVERY_AFTER 4
#define LOCAL_EVERY	  16

static void hit(const hr_set *rs, hstate *s, int c, hr_lazy *lz, const pkt_view *v)
{
	uint32_t n = s->hits[c];
	if (n < LOCAL_EVERY_AFTER || n % LOCAL_EVERY == 0) {
		uint16_t b = local_bits(rs, &rs->rule[s->rule[c] - 1], lz, v);
		s->all[c] = n == 0 ? b : s->all[c] & b;
		s->some[c] |= b;
	}
	if (n != UINT32_MAX)
		s->hits[c] = n + 1;
}

/* Counts the hits of the source's candidate rules and, while a slot is
 * free, gives it to the next rule this probe hits. Every probe is searched
 * while a slot is free, explained by a candidate or not: which rules a
 * source gets, and their counts, must not depend on where flushes cut its
 * packets (a memory-capped read must equal an uncapped one). With rule A
 * found first, a later probe hitting A and B must count for B too, as it
 * would if a flush had put it first. */
static void candidates(const host_an *h, hstate *s, int ki, const pkt_view *v)
{
	const hr_set *rs = h->rules;
	hr_lazy lz = {0, 0};
	for (int c = 0; c < 2; c++) {
		int r = s->rule[c] - 1;
		if (r >= 0 && (rs->rule[r].applies & (1 << ki)) &&
		    hr_rule_hits(rs, &rs->rule[r], &lz, v))
			hit(rs, s, c, &lz, v);
	}
	if (s->rule[1])
		return;
	/* the candidates' first marks at once: most probes fail them all, and
	 * a rule whose first mark fails is passed over on one bit */
	for (uint64_t f = h->first[ki] & ~lz.known; f; f &= f - 1) {
		int m = __builtin_ctzll(f);
		if (hr_mark_holds(&rs->mark[m], v))
			lz.val |= 1ull << m;
	}
	lz.known |= h->first[ki];
	uint64_t cm = 0; /* the candidates whose first mark holds, in order */
	for (uint64_t f = h->first[ki] & lz.val; f; f &= f - 1)
		cm |= h->by_first[ki][__builtin_ctzll(f)];
	for (; cm && !s->rule[1]; cm &= cm - 1) {
		const cand_rule *cr = &h->cand[ki][__builtin_ctzll(cm)];
		if (s->rule[0] == cr->rule + 1 ||
		    !hr_marks_hold(rs, cr->reqv + 1, cr->nreq - 1, &lz, v))
			continue;
		int c = s->rule[0] ? 1 : 0;
		s->rule[c] = (uint8_t)(cr->rule + 1);
		s->hits[c] = 0;
		hit(rs, s, c, &lz, v);
	}
}

static void probe(const host_an *h, hstate *s, int kind, const pkt_view *v)
{
	if (kind == HK_SYN)
		series_update(s, v);
	candidates(h, s, hr_kind_index(kind), v);
}

/* --- spoofing, replies, victims --------------------------------------- */

/* TCP flag combinations Corsaro accepts (of FIN SYN RST PSH ACK URG). */
static int tcp_flags_normal(uint8_t f)
{
	switch (f & 0x3f) {
	case TCP_SYN:
	case TCP_ACK:
	case TCP_RST:
	case TCP_FIN:
	case TCP_SYN | TCP_FIN:
	case TCP_SYN | TCP_ACK:
	case TCP_FIN | TCP_ACK:
	case TCP_ACK | TCP_PSH:
	case TCP_FIN | TCP_ACK | TCP_PSH:
		return 1;
	default:
		return 0;
	}
}

/* CAIDA Corsaro's "spoofed" tests on one IPv4 packet (0 = none failed). */
static uint16_t spoof_tests(const pkt_view *v)
{
	uint16_t why = 0;
	uint8_t p = v->proto;
	if ((p != 1 && p != 6 && p != 17 && p != 41) ||
	    (p == 6 && v->l4_ok && !tcp_flags_normal(v->tcp_flags)))
		why |= SP_ABNORMAL;
	if (v->ttl >= 200 && p != 1 &&
	    !(p == 6 && (v->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && v->win == 1024 &&
	      v->tcp_hlen == 20))
		why |= SP_TTL200;
	if (v->frag_off || (v->quirks & Q_IP_RESERVED))
		why |= SP_FRAGMENT;
	if ((v->src4 & 0xff) == 0)
		why |= SP_SRC0;
	if ((v->src4 & 0xff) == 0xff)
		why |= SP_SRC255;
	if (v->src4 == v->dst4)
		why |= SP_SAME;
	if (p == 17 && v->l4_ok && (!v->sport || !v->dport))
		why |= SP_UDP0;
	if (p == 6 && v->l4_ok && (!v->sport || !v->dport))
		why |= SP_TCP0;
	if (p == 17 && v->l4_ok && v->dport == 80)
		why |= SP_UDP80;
	return why;
}

static int is_icmp_reply(const pkt_view *v)
{
	if (v->proto == 1 && !v->quote.family)
		return v->icmp_type == 0 || v->icmp_type == 14 || v->icmp_type == 16 ||
		       v->icmp_type == 18;
	return v->proto == 58 && !v->quote.family && v->icmp_type == 129;
}

static int is_backscatter(const pkt_view *v)
{
	if (v->proto == 6)
		return (v->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) ||
		       (v->tcp_flags & TCP_RST);
	return v->quote.family || is_icmp_reply(v) || hr_dns_response(v);
}

static vblock *victims_of(host_an *h, hstate *s)
{
	if (s->vblock)
		return &h->vb[s->vblock - 1];
	if (h->nvb == h->capvb) {
		uint32_t cap = h->capvb ? h->capvb * 2 : 64;
		vblock *n = realloc(h->vb, cap * sizeof *n);
		if (!n)
			return NULL;
		h->mem += (uint64_t)(cap - h->capvb) * sizeof *n;
		h->vb = n;
		h->capvb = cap;
	}
	vblock *b = &h->vb[h->nvb++];
	memset(b, 0, sizeof *b);
	s->vblock = h->nvb;
	return b;
}

/* An ICMP error quotes a packet "from" one of ours to the victim. */
static void quoted(host_an *h, hstate *s, const pkt_view *v)
{
	vblock *b = victims_of(h, s);
	if (!b)
		return;
	hb_victim vic;
	memset(&vic, 0, sizeof vic);
	memcpy(vic.addr, v->quote.dst, 16);
	vic.port = v->quote.dport;
	vic.proto = v->quote.proto;
	vic.count = 1;
	hb_victims_add(b->v, &b->n, &b->flags, &vic);
}

static void host_observe(void *self, ptable *t, uint32_t idx, acc *a, const pkt_view *v)
{
	(void)t;
	(void)a;
	host_an *h = self;
	if (!h)
		return;
	hstate *s = state_at(h, idx);
	if (!s)
		return;
	int kind = hr_probe_kind(v);
	if (kind && h->rules)
		probe(h, s, kind, v);
	if (!kind && is_backscatter(v)) {
		if (v->quote.family)
			quoted(h, s, v);
		else if (is_icmp_reply(v) && s->replies != UINT32_MAX)
			s->replies++;
		else if (v->proto == 17 && s->dns != UINT32_MAX)
			s->dns++;
		return; /* a reply's source is genuine: not judged for spoofing */
	}
	if (v->family == 4) {
		uint16_t why = spoof_tests(v);
		if (why && s->spoofed != UINT32_MAX) {
			s->spoof_why |= why;
			s->spoofed++;
			s->spoof_ttl += why == SP_TTL200;
		}
	}
}

/* --- export ----------------------------------------------------------- */

/* The candidate rules' results: hits and their local packet marks. Series
 * marks, the rules that require only them and profile marks are decided
 * later, on the merged profile (host_attr.c). */
static void export_rules(const host_an *h, const hstate *s, host_blob *b)
{
	const hr_set *rs = h->rules;
	if (!rs)
		return;
	for (int c = 0; c < 2; c++) {
		if (!s->rule[c])
			continue;
		const hr_rule *r = &rs->rule[s->rule[c] - 1];
		hb_rule e;
		memset(&e, 0, sizeof e);
		memcpy(e.name, r->name, sizeof e.name); /* both HR_NAME, NUL-terminated */
		memcpy(e.tool, r->tool, sizeof e.tool);
		e.hash = r->hash;
		e.hits = s->hits[c];
		e.and_m = s->all[c];
		e.or_m = s->some[c];
		hb_add_rule(b, &e);
	}
}

static void host_export(void *self, ptable *t, uint32_t idx, buf *blob)
{
	(void)t;
	const host_an *h = self;
	const hstate *s = h ? state_peek(h, idx) : NULL;
	if (!s || !(s->flags | s->spoofed | s->replies | s->dns | s->vblock))
		return;
	host_blob b;
	hb_init(&b);
	if (s->flags & F_SYN) {
		b.flags |= HBF_SYN | (uint32_t)s->series << HBF_SERIES_SHIFT;
		b.seq0 = s->seq0;
		b.uni0 = s->uni0;
		b.unile0 = s->unile0;
	}
	b.spoofed = s->spoofed;
	b.spoof_ttl = s->spoof_ttl;
	b.spoof_why = s->spoof_why;
	b.replies = s->replies;
	b.dns = s->dns;
	export_rules(h, s, &b);
	hb_normalise(&b);
	if (s->vblock) {
		const vblock *vb = &h->vb[s->vblock - 1];
		b.flags |= vb->flags & HBF_MORE_VICTIMS;
		for (int i = 0; i < vb->n; i++)
			hb_add_victim(&b, &vb->v[i]);
	}
	hb_encode(&b, blob);
}

const analyzer_ops host_analyzer_ops = {
    .name = "host",
    .ext = EXT_HOST,
    .create = host_create,
    .destroy = host_destroy,
    .observe = host_observe,
    .prefetch = host_prefetch,
    .export = host_export,
    .clear = host_clear,
    .mem = host_mem,
};

const profile_ext_ops host_ext_ops = {
    .name = "host",
    .merge = hb_merge_blobs,
};
