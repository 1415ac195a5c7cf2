/* TCP framing of SIP messages (stream.h). */
#include "sip/stream.h"

#include "decode/decode.h"
#include "sip/sip.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

#define PROBE 8 /* slots looked at for a connection */

typedef struct conn {
	uint8_t key[36]; /* src, dst, sport, dport */
	uint64_t used;	 /* clock of the last segment (0 = free) */
	uint32_t next;	 /* next sequence number expected */
	uint32_t len;	 /* bytes buffered */
	uint32_t skip;	 /* body bytes still to pass over */
} conn;

struct sip_stream {
	conn *c;
	uint8_t *bufs;
	unsigned n; /* power of two */
	size_t bufsz;
	uint64_t clock;
	sip_stream_stats st;
};

sip_stream *sip_stream_new(unsigned conns, size_t bufsz)
{
	unsigned n = 16;
	while (n < conns && n < (1u << 20))
		n <<= 1;
	sip_stream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->c = calloc(n, sizeof *s->c);
	s->bufs = malloc((size_t)n * bufsz);
	if (!s->c || !s->bufs) {
		sip_stream_free(s);
		return NULL;
	}
	s->n = n;
	s->bufsz = bufsz;
	return s;
}

void sip_stream_free(sip_stream *s)
{
	if (!s)
		return;
	free(s->c);
	free(s->bufs);
	free(s);
}

void sip_stream_clear(sip_stream *s)
{
	memset(s->c, 0, s->n * sizeof *s->c);
}

size_t sip_stream_mem(const sip_stream *s)
{
	return sizeof *s + s->n * (sizeof *s->c + s->bufsz);
}

const sip_stream_stats *sip_stream_get_stats(const sip_stream *s)
{
	return &s->st;
}

static void make_key(const sip_segment *g, uint8_t key[36])
{
	memcpy(key, g->src, 16);
	memcpy(key + 16, g->dst, 16);
	key[32] = (uint8_t)(g->sport >> 8);
	key[33] = (uint8_t)g->sport;
	key[34] = (uint8_t)(g->dport >> 8);
	key[35] = (uint8_t)g->dport;
}

/* The connection's slot; with create, a free or least recently used slot of
 * the probe window is taken. NULL if not found (and not created). */
static conn *lookup(sip_stream *s, const uint8_t key[36], int create)
{
	unsigned h = (unsigned)hash_bytes(key, 36, 0x7c9) & (s->n - 1);
	conn *victim = NULL;
	for (unsigned i = 0; i < PROBE; i++) {
		conn *c = &s->c[(h + i) & (s->n - 1)];
		if (c->used && !memcmp(c->key, key, 36))
			return c;
		if (!victim || c->used < victim->used)
			victim = c;
	}
	if (!create)
		return NULL;
	if (victim->used)
		s->st.evicted++;
	memset(victim, 0, sizeof *victim);
	memcpy(victim->key, key, 36);
	return victim;
}

static uint8_t *buf_of(sip_stream *s, const conn *c)
{
	return s->bufs + (size_t)(c - s->c) * s->bufsz;
}

/* Offset just past the empty line ending a head, or 0. */
static size_t head_end(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Delivers what the buffer holds; returns messages delivered. */
static int drain(sip_stream *s, conn *c, sip_stream_cb cb, void *ctx)
{
	uint8_t *b = buf_of(s, c);
	int out = 0;
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	while (c->len) {
		int r = sip_parse(&m, b, c->len, h, SIP_HDRS, SIP_PARSE_STREAM);
		size_t used;
		if (r == SIP_OK) {
			used = m.msg_len;
		} else if (r == SIP_NOT_SIP) {
			c->len = 0; /* lost track: wait for a segment that starts a message */
			break;
		} else {
			size_t he = head_end(b, c->len);
			if (!he) {
				if (c->len == s->bufsz) {
					s->st.oversize++;
					c->len = 0;
				}
				break;
			}
			/* head complete, body short: deliver the head once the body
			 * cannot fit, and pass over the rest */
			sip_parse(&m, b, he, h, SIP_HDRS, 0);
			if (m.content_length < 0 || he + (size_t)m.content_length <= s->bufsz)
				break;
			cb(ctx, b, he);
			s->st.messages++;
			out++;
			uint64_t body = (uint64_t)m.content_length, have = c->len - he;
			c->skip = (uint32_t)(body - have > UINT32_MAX ? UINT32_MAX : body - have);
			s->st.skipped += have;
			c->len = 0;
			break;
		}
		if (!used)
			used = c->len;
		cb(ctx, b, used);
		s->st.messages++;
		out++;
		memmove(b, b + used, c->len - used);
		c->len -= (uint32_t)used;
	}
	return out;
}

/* Trims what was already seen (retransmissions); after a hole, drops the
 * buffer. Returns 0 if nothing new is left. */
static int trim(sip_stream *s, conn *c, const sip_segment *g, const uint8_t **p, size_t *n)
{
	int32_t ahead = (int32_t)(g->seq - c->next);
	if (ahead < 0) {
		size_t old = (size_t) - (int64_t)ahead;
		if (old >= *n)
			return 0;
		*p += old;
		*n -= old;
	} else if (ahead > 0) {
		s->st.gaps++;
		c->len = 0;
		c->skip = 0;
	}
	return *n > 0;
}

/* Takes new bytes in: passes over a skipped body, buffers, delivers. */
static int take(sip_stream *s, conn *c, const uint8_t *p, size_t n, sip_stream_cb cb, void *ctx)
{
	int out = 0;
	while (n) {
		if (c->skip) {
			size_t k = n < c->skip ? n : c->skip;
			c->skip -= (uint32_t)k;
			s->st.skipped += k;
			p += k;
			n -= k;
			continue;
		}
		if (!c->len && !sip_looks_like(p, n))
			break; /* not at the start of a message: wait for one */
		size_t room = s->bufsz - c->len, k = n < room ? n : room;
		memcpy(buf_of(s, c) + c->len, p, k);
		c->len += (uint32_t)k;
		p += k;
		n -= k;
		out += drain(s, c, cb, ctx);
		if (c->len == s->bufsz) { /* cannot happen: drain empties a full buffer */
			c->len = 0;
			break;
		}
	}
	return out;
}

int sip_stream_feed(sip_stream *s, const sip_segment *g, sip_stream_cb cb, void *ctx)
{
	uint8_t key[36];
	make_key(g, key);
	int starts = g->len && sip_looks_like(g->data, g->len);
	conn *c = lookup(s, key, starts);
	if (!c)
		return 0;
	if (g->flags & (TCP_RST | TCP_SYN)) {
		c->used = 0;
		return 0;
	}
	if (!c->used)
		c->next = g->seq;
	c->used = ++s->clock;
	const uint8_t *p = g->data;
	size_t n = g->len;
	uint32_t end = g->seq + (uint32_t)g->len;
	int out = trim(s, c, g, &p, &n) ? take(s, c, p, n, cb, ctx) : 0;
	if ((int32_t)(end - c->next) > 0)
		c->next = end;
	if (g->flags & TCP_FIN)
		c->used = 0;
	return out;
}
