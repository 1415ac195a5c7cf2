/* The honeypot's message handler and reply builder (respond.h).
 *
 * RFC 3261 8.2 (a UAS's processing of a request: method, Require,
 * Max-Forwards), 8.2.6 (building the response: Via, From, To with a tag,
 * Call-ID, CSeq copied), 18.2.1 and RFC 3581 (received / rport), 22.4 and
 * RFC 2617 (digest), RFC 5626 4.4.1 (double-CRLF keep-alive over TCP). */
#include "honeypot/respond.h"

#include "decode/decode.h"
#include "sip/sip.h"
#include "util/hash.h"
#include "util/md5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define MAX_PARTS     160   /* header lines of one reply */
#define TEMPLATE_ROOM 16384 /* bytes a reply may add to what it echoes */
#define HP_LAYOUTS    8	    /* request layouts kept (sip_parse_like) */

static const char *const action_names[HP_ACT_COUNT] = {
    "",
    "replied",
    "no-reply",
    "rate-limited-source",
    "rate-limited-global",
    "amplification-guard",
    "not-sip",
    "malformed",
    "too-large",
    "incomplete",
    "source-table-full",
};
static const char *const auth_names[HP_AUTH_COUNT] = {
    "none", "challenged", "stale-nonce", "wrong", "accepted", "unknown-user", "unreadable",
};

const char *hp_action_name(int a)
{
	return a > 0 && a < HP_ACT_COUNT ? action_names[a] : "?";
}

const char *hp_auth_name(int a)
{
	return a >= 0 && a < HP_AUTH_COUNT ? auth_names[a] : "?";
}

void hp_limits_default(hp_limits *l)
{
	l->src_rate = 250;
	l->src_burst = 500;
	l->global_rate = 20000;
	l->global_burst = 40000;
	l->max_message = 16384;
	l->max_sources = 65536;
}

/* ---- bounded writer ---------------------------------------------------------- */

typedef struct wbuf {
	uint8_t *p;
	size_t n, cap;
	int over; /* sticky: something did not fit */
} wbuf;

static void w_put(wbuf *w, const void *d, size_t n)
{
	if (w->over || n > w->cap - w->n) {
		w->over = 1;
		return;
	}
	if (n)
		memcpy(w->p + w->n, d, n);
	w->n += n;
}

static void w_str(wbuf *w, sip_str s)
{
	w_put(w, s.p, s.len);
}

static void w_cstr(wbuf *w, const char *s)
{
	w_put(w, s, strlen(s));
}

/* Counts the digits first, then writes two at a time from the end (a
 * log line and a reply write about ten numbers). */
size_t hp_utoa(uint64_t v, char out[21])
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	size_t n = 1;
	for (uint64_t p = 10; n < 20 && v >= p; p *= 10)
		n++;
	char *o = out + n;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		o -= 2;
		memcpy(o, pairs + 2 * r, 2);
	}
	if (v >= 10)
		memcpy(o - 2, pairs + 2 * v, 2);
	else
		o[-1] = (char)('0' + v);
	return n;
}

static void w_uint(wbuf *w, uint64_t v)
{
	char t[21];
	w_put(w, t, hp_utoa(v, t));
}

/* ---- the context ------------------------------------------------------------- */

typedef struct part {
	uint32_t off, len;    /* in the arena */
	uint8_t optional;     /* may be dropped */
	uint8_t content_type; /* goes with the body */
	uint8_t keep;
	const hp_line *cl; /* the Content-Length line: expanded last */
} part;

struct hp_ctx {
	const hp_personality *p;
	hp_limits l;
	hp_srctab *src;
	hp_bucket global;
	uint64_t rng;	 /* splitmix64 state */
	uint64_t secret; /* keys the To tags */
	hp_counts n;
	uint8_t *arena; /* expanded lines */
	size_t arena_cap;
	uint8_t *out; /* the reply */
	size_t out_cap;
	part parts[MAX_PARTS];
	int nparts;
	uint32_t body_off, body_len;
	uint8_t body_optional, body_keep;
	sip_hdr hdrs[SIP_HDRS];
	/* request layouts kept for sip_parse_like: a scanner repeats one */
	sip_layout layout[HP_LAYOUTS];
	uint8_t layout_next; /* the slot the next layout kept takes */
	uint8_t layout_last; /* the slot kept last + 1, 0 none */
};

/* splitmix64 (Steele, Lea, Flood 2014): a fast, well-mixed stream. */
static uint64_t sm64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

hp_ctx *hp_ctx_new(const hp_personality *p, const hp_limits *l, uint64_t seed)
{
	hp_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->p = p;
	c->l = *l;
	c->src = hp_srctab_new(l->max_sources);
	c->arena_cap = (size_t)l->max_message * 2 + TEMPLATE_ROOM;
	c->out_cap = c->arena_cap;
	c->arena = malloc(c->arena_cap);
	c->out = malloc(c->out_cap);
	if (!c->src || !c->arena || !c->out) {
		hp_ctx_free(c);
		return NULL;
	}
	if (!seed && getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c;
	c->rng = seed;
	c->secret = sm64(&c->rng);
	c->global.tokens = l->global_burst;
	return c;
}

void hp_ctx_free(hp_ctx *c)
{
	if (!c)
		return;
	hp_srctab_free(c->src);
	free(c->arena);
	free(c->out);
	free(c);
}

const hp_counts *hp_ctx_counts(const hp_ctx *c)
{
	return &c->n;
}

hp_srctab *hp_ctx_sources(hp_ctx *c)
{
	return c->src;
}

const hp_limits *hp_ctx_limits(const hp_ctx *c)
{
	return &c->l;
}

const hp_personality *hp_ctx_personality(const hp_ctx *c)
{
	return c->p;
}

/* ---- the request --------------------------------------------------------------- */

typedef struct req {
	const hp_msg *m;
	sip_msg sm;
	const sip_hdr *from, *to, *callid, *cseq, *contact, *require, *auth;
	sip_via via; /* the top Via, parsed */
	int via_ok;
	sip_str branch;
	sip_str user;  /* the extension asked for */
	int to_tagged; /* To already has a tag (in a dialog) */
	int challenge; /* the reply carries a fresh nonce */
	int stale;
	uint64_t nonce_seed;
	int64_t nonce_s; /* issue time of that nonce */
	uint32_t expires;
	char srcip[48], dstip[48], srcip_uri[52], dstip_uri[52];
} req;

static void user_of_uri(sip_str uri, sip_str *user)
{
	sip_uri u;
	*user = sip_str_of(NULL, 0);
	if (sip_parse_uri(uri, &u) == 0 || u.has_at)
		*user = u.user;
}

static void user_of_nameaddr(const sip_hdr *h, sip_str *user)
{
	sip_nameaddr na;
	*user = sip_str_of(NULL, 0);
	if (h && sip_parse_nameaddr(h->value, &na) == 0)
		user_of_uri(na.uri, user);
}

static void addr_texts(req *q)
{
	addr_str(q->m->src, q->srcip);
	addr_str(q->m->dst, q->dstip);
	const char *ip[2] = {q->srcip, q->dstip};
	char *uri[2] = {q->srcip_uri, q->dstip_uri};
	int v6[2] = {!addr_is_v4(q->m->src), !addr_is_v4(q->m->dst)};
	for (int i = 0; i < 2; i++) { /* IPv6 in brackets, as in a URI */
		size_t n = strlen(ip[i]);
		uri[i][0] = '[';
		memcpy(uri[i] + v6[i], ip[i], n);
		uri[i][v6[i] + n] = ']';
		uri[i][n + 2 * (size_t)v6[i]] = 0;
	}
}

/* Reads the headers every reply needs; -1 if one is missing. */
static int read_request(hp_ctx *c, req *q)
{
	sip_msg *m = &q->sm;
	const sip_hdr *via = sip_find(m, SIP_H_VIA);
	q->from = sip_find(m, SIP_H_FROM);
	q->to = sip_find(m, SIP_H_TO);
	q->callid = sip_find(m, SIP_H_CALL_ID);
	q->cseq = sip_find(m, SIP_H_CSEQ);
	q->contact = sip_find(m, SIP_H_CONTACT);
	q->require = sip_find(m, SIP_H_REQUIRE);
	q->auth = sip_find(m, SIP_H_AUTHORIZATION);
	if (!q->auth)
		q->auth = sip_find(m, SIP_H_PROXY_AUTHORIZATION);
	if (!via || !q->from || !q->to || !q->callid || !q->cseq)
		return -1;
	q->via_ok = sip_parse_via(via->value, &q->via) == 0;
	if (q->via_ok)
		q->branch = q->via.branch;
	sip_nameaddr na;
	q->to_tagged = sip_parse_nameaddr(q->to->value, &na) == 0 && na.tag_sep && na.tag.len;
	q->expires = c->p->expires;
	const sip_hdr *e = sip_find(m, SIP_H_EXPIRES);
	int64_t want = e ? sip_number(e->value) : -1;
	if (want == 0 || (want >= 60 && want < (int64_t)c->p->expires))
		q->expires = (uint32_t)want;
	addr_texts(q);
	return 0;
}

/* ---- tokens ------------------------------------------------------------------- */

static void w_token(wbuf *w, unsigned kind, unsigned count, uint64_t *rs, int64_t now_s)
{
	static const char hx[] = "0123456789abcdef", HX[] = "0123456789ABCDEF";
	static const char an[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char t[80];
	unsigned n = 0;
	if (kind == HP_TOK_TIME) {
		w_uint(w, (uint64_t)(now_s > 0 ? now_s : 0));
		return;
	}
	if (kind == HP_TOK_UUID) {
		for (unsigned i = 0; i < 32; i++) {
			if (i == 8 || i == 12 || i == 16 || i == 20)
				t[n++] = '-';
			unsigned d = (unsigned)(sm64(rs) & 15);
			t[n++] = hx[i == 12 ? 4 : i == 16 ? 8 + (d & 3) : d];
		}
		w_put(w, t, n);
		return;
	}
	for (; n < count && n < sizeof t; n++) {
		uint64_t r = sm64(rs);
		if (kind == HP_TOK_HEX || kind == HP_TOK_HEXU)
			t[n] = (kind == HP_TOK_HEX ? hx : HX)[r & 15];
		else if (kind == HP_TOK_DEC)
			t[n] = (char)('0' + (n == 0 ? 1 + r % 9 : r % 10));
		else
			t[n] = an[r % 62];
	}
	w_put(w, t, n);
}

/* Writes a compiled token format (to-tag, nonce, opaque). */
static void w_fmt(wbuf *w, const char *f, uint64_t seed, int64_t now_s, const req *q)
{
	uint64_t rs = seed;
	for (const char *c = f; *c; c++) {
		if ((unsigned char)*c != HP_MARK) {
			w_put(w, c, 1);
			continue;
		}
		unsigned id = (unsigned char)c[1];
		if (id & HP_TOK) {
			w_token(w, id & ~(unsigned)HP_TOK, (unsigned char)c[2], &rs, now_s);
			c += 2;
		} else {
			if (id == HP_PH_BRANCH && q)
				w_str(w, q->branch);
			c += 1;
		}
	}
}

/* The To tag: derived from the transaction (Call-ID, branch, CSeq) and a
 * secret, so that a retransmitted request gets the same tag, like from a
 * real transaction layer, and different requests get different ones. */
static void w_totag(hp_ctx *c, wbuf *w, const req *q)
{
	uint64_t k = hash_bytes(q->callid->value.p, q->callid->value.len, c->secret);
	k = hash_bytes(q->branch.p, q->branch.len, k);
	k = hash_bytes(q->cseq->value.p, q->cseq->value.len, k);
	size_t before = w->n;
	w_fmt(w, c->p->tag, k, q->m->now_ns / 1000000000, q);
	if (w->n == before) { /* {branch} without a branch */
		uint64_t rs = k;
		w_token(w, HP_TOK_HEX, 8, &rs, 0);
	}
}

/* ---- Via ----------------------------------------------------------------------- */

static int param_name_is(sip_str param, const char *name)
{
	size_t i = 0, e;
	while (i < param.len && (param.p[i] == ' ' || param.p[i] == '\t'))
		i++;
	e = i;
	while (e < param.len && param.p[e] != '=' && param.p[e] != ' ' && param.p[e] != '\t')
		e++;
	return sip_str_ieq(sip_str_of(param.p + i, e - i), name);
}

static void w_received(wbuf *w, const req *q, int rport)
{
	w_cstr(w, ";received=");
	w_cstr(w, q->srcip);
	if (rport) {
		w_cstr(w, ";rport=");
		w_uint(w, q->m->sport);
	}
}

/* The top Via with received and rport filled in (RFC 3581 4): the source
 * address and port the request came from; every other parameter kept. */
static void w_top_via(hp_ctx *c, wbuf *w, const req *q, sip_str value)
{
	const sip_via v = q->via;
	if (!q->via_ok || !v.params.p) {
		w_str(w, value);
		return;
	}
	w_put(w, value.p, (size_t)(v.params.p - value.p));
	int rport = 0, done = 0;
	const uint8_t *p = v.params.p, *end = v.params.p + v.params.len;
	while (p < end) {
		if (*p == ';')
			p++;
		const uint8_t *e = memchr(p, ';', (size_t)(end - p));
		if (!e)
			e = end;
		sip_str prm = sip_str_of(p, (size_t)(e - p));
		if (param_name_is(prm, "rport")) {
			rport = 1;
			if (c->p->via_inplace) {
				w_cstr(w, ";rport=");
				w_uint(w, q->m->sport);
				w_cstr(w, ";received=");
				w_cstr(w, q->srcip);
				done = 1;
			}
		} else if (prm.len && !param_name_is(prm, "received")) {
			w_put(w, ";", 1);
			w_str(w, prm);
		}
		p = e;
	}
	int differs = !sip_str_eq(v.host, q->srcip);
	if (!done && (rport || differs))
		w_received(w, q, rport);
	const uint8_t *rest = end, *vend = value.p + value.len;
	w_put(w, rest, (size_t)(vend - rest));
}

/* ---- expanding templates ---------------------------------------------------------- */

static void w_date(wbuf *w, int64_t now_ns)
{
	time_t t = (time_t)(now_ns / 1000000000);
	struct tm tm;
	char s[64];
	gmtime_r(&t, &tm);
	size_t n = strftime(s, sizeof s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	w_put(w, s, n);
}

static void w_contact(wbuf *w, const req *q)
{
	if (q->contact && q->contact->value.len) {
		w_str(w, q->contact->value);
		return;
	}
	w_cstr(w, "<sip:");
	if (q->user.len) {
		w_str(w, q->user);
		w_cstr(w, "@");
	}
	w_cstr(w, q->srcip_uri);
	w_cstr(w, ":");
	w_uint(w, q->m->sport);
	w_cstr(w, ">");
}

static void w_nonce(hp_ctx *c, wbuf *w, const req *q)
{
	if (q->challenge)
		w_fmt(w, c->p->nonce, q->nonce_seed, q->nonce_s, q);
}

static void w_placeholder(hp_ctx *c, wbuf *w, const req *q, unsigned id, sip_str via,
			  uint32_t body_len)
{
	const hp_personality *p = c->p;
	switch (id) {
	case HP_PH_VIA:
		w_str(w, via);
		break;
	case HP_PH_FROM:
		w_str(w, q->from->value);
		break;
	case HP_PH_TO:
		w_str(w, q->to->value);
		if (!q->to_tagged) {
			w_cstr(w, ";tag=");
			w_totag(c, w, q);
		}
		break;
	case HP_PH_CALL_ID:
		w_str(w, q->callid->value);
		break;
	case HP_PH_CSEQ:
		w_str(w, q->cseq->value);
		break;
	case HP_PH_CONTENT_LENGTH:
		w_uint(w, body_len);
		break;
	case HP_PH_REALM:
		w_cstr(w, p->realm);
		break;
	case HP_PH_NONCE:
		w_nonce(c, w, q);
		break;
	case HP_PH_OPAQUE:
		if (p->opaque && q->challenge)
			w_fmt(w, p->opaque, q->nonce_seed ^ 0x0ba9e, q->nonce_s, q);
		break;
	case HP_PH_STALE:
		if (q->stale)
			w_cstr(w, ", stale=true");
		break;
	case HP_PH_ALLOW:
		w_cstr(w, p->allow);
		break;
	case HP_PH_LOCAL_IP:
		w_cstr(w, q->dstip_uri);
		break;
	case HP_PH_LOCAL_PORT:
		w_uint(w, q->m->dport);
		break;
	case HP_PH_SRC_IP:
		w_cstr(w, q->srcip_uri);
		break;
	case HP_PH_SRC_PORT:
		w_uint(w, q->m->sport);
		break;
	case HP_PH_TRANSPORT:
		w_cstr(w, q->m->proto == 6 ? "TCP" : "UDP");
		break;
	case HP_PH_DATE:
		w_date(w, q->m->now_ns);
		break;
	case HP_PH_EXPIRES:
		w_uint(w, q->expires);
		break;
	case HP_PH_CONTACT:
		w_contact(w, q);
		break;
	case HP_PH_USER:
		w_str(w, q->user);
		break;
	case HP_PH_REQUIRE:
		if (q->require)
			w_str(w, q->require->value);
		break;
	case HP_PH_BRANCH:
		w_str(w, q->branch);
		break;
	default:
		break;
	}
}

/* Expands compiled text (a line or a body). */
static void w_expand(hp_ctx *c, wbuf *w, const req *q, const char *t, size_t n, sip_str via,
		     uint32_t body_len)
{
	size_t i = 0;
	while (i < n) {
		const char *mk = memchr(t + i, HP_MARK, n - i);
		size_t lit = mk ? (size_t)(mk - t) - i : n - i;
		w_put(w, t + i, lit);
		i += lit;
		if (i + 1 >= n)
			break;
		unsigned id = (unsigned char)t[i + 1];
		if (id & HP_TOK) {
			if (i + 2 < n)
				w_token(w, id & ~(unsigned)HP_TOK, (unsigned char)t[i + 2], &c->rng,
					q->m->now_ns / 1000000000);
			i += 3;
		} else {
			w_placeholder(c, w, q, id, via, body_len);
			i += 2;
		}
	}
}

/* An echoed value keeps the request's folds as written, and a hostile fold
 * (CRLF, blanks, then a bare LF) would end the reply's header section early.
 * So every run of blanks and line ends inside a reply line (a part, written
 * without its CRLF) becomes one space (RFC 3261 7.3.1 allows it), or nothing
 * at the line's end. Only ever shortens the line. */
static void unfold(wbuf *a, size_t start)
{
	if (a->over || a->n <= start)
		return;
	size_t end = a->n; /* a part is one line without its CRLF */
	uint8_t *p = a->p;
	if (!memchr(p + start, '\n', end - start) && !memchr(p + start, '\r', end - start))
		return;
	size_t o = start;
	for (size_t i = start; i < end;) {
		uint8_t ch = p[i];
		if (ch != '\r' && ch != '\n' && ch != ' ' && ch != '\t') {
			p[o++] = p[i++];
			continue;
		}
		size_t j = i;
		int brk = 0;
		while (j < end && (p[j] == '\r' || p[j] == '\n' || p[j] == ' ' || p[j] == '\t'))
			brk |= p[j] == '\r' || p[j] == '\n', j++;
		if (!brk)
			while (i < j)
				p[o++] = p[i++];
		else if (j < end)
			p[o++] = ' ';
		i = j;
	}
	a->n = o;
}

static void add_part(hp_ctx *c, wbuf *a, size_t start, const hp_line *l, const hp_line *cl)
{
	if (c->nparts == MAX_PARTS) {
		a->over = 1;
		return;
	}
	unfold(a, start);
	part *pt = &c->parts[c->nparts++];
	pt->off = (uint32_t)start;
	pt->len = (uint32_t)(a->n - start);
	pt->optional = l->optional;
	pt->content_type = l->content_type;
	pt->keep = 1;
	pt->cl = cl;
}

static void expand_line(hp_ctx *c, wbuf *a, const req *q, const hp_line *l)
{
	sip_str none = sip_str_of(NULL, 0);
	if (l->via) {
		int first = 1;
		for (const sip_hdr *h = sip_find(&q->sm, SIP_H_VIA); h; h = sip_next(&q->sm, h)) {
			uint8_t tmp[8192];
			wbuf v = {tmp, 0, sizeof tmp, 0};
			if (first)
				w_top_via(c, &v, q, h->value);
			else
				w_str(&v, h->value);
			first = 0;
			size_t start = a->n;
			w_expand(c, a, q, l->text, l->len, v.over ? h->value : sip_str_of(tmp, v.n),
				 0);
			add_part(c, a, start, l, NULL);
		}
		return;
	}
	if (l->len == 2 && (unsigned char)l->text[0] == HP_MARK && l->text[1] == HP_PH_EXTRA)
		return; /* {extra}: handled by the caller */
	size_t start = a->n;
	if (!l->content_length)
		w_expand(c, a, q, l->text, l->len, none, 0);
	add_part(c, a, start, l, l->content_length ? l : NULL);
}

/* Expands the reply's lines (base template with the specific block's lines
 * at {extra}) and its body into the arena. */
static int expand_reply(hp_ctx *c, const req *q, const hp_block *base, const hp_block *spec)
{
	wbuf a = {c->arena, 0, c->arena_cap, 0};
	c->nparts = 0;
	c->body_len = 0;
	for (int i = 0; i < base->nlines; i++) {
		const hp_line *l = &base->lines[i];
		int extra = l->len == 2 && (unsigned char)l->text[0] == HP_MARK &&
			    l->text[1] == HP_PH_EXTRA;
		if (extra && spec)
			for (int j = 0; j < spec->nlines; j++)
				expand_line(c, &a, q, &spec->lines[j]);
		else
			expand_line(c, &a, q, l);
	}
	const hp_block *bb = spec && spec->body ? spec : base->body ? base : NULL;
	if (bb) {
		size_t start = a.n;
		w_expand(c, &a, q, bb->body, bb->body_len, sip_str_of(NULL, 0), 0);
		c->body_off = (uint32_t)start;
		c->body_len = (uint32_t)(a.n - start);
		c->body_optional = bb->body_optional;
	}
	c->body_keep = c->body_len > 0;
	return a.over ? -1 : 0;
}

/* ---- fitting and assembling ------------------------------------------------------- */

/* "SIP/2.0 200 OK\r\n" into s (0 if it does not fit n - 1 bytes), by hand:
 * snprintf cost a thousand instructions a reply. */
static size_t status_line(hp_ctx *c, uint16_t status, char *s, size_t n)
{
	const char *reason = hp_reason(c->p, status);
	char code[21];
	size_t cl = hp_utoa(status, code), rl = strlen(reason), k = 8 + cl + 1 + rl + 2;
	if (k >= n)
		return 0;
	memcpy(s, "SIP/2.0 ", 8);
	memcpy(s + 8, code, cl);
	s[8 + cl] = ' ';
	memcpy(s + 9 + cl, reason, rl);
	memcpy(s + 9 + cl + rl, "\r\n", 2);
	return k;
}

static size_t cl_len(hp_ctx *c, const req *q, const part *pt, uint32_t body)
{
	uint8_t tmp[512];
	wbuf w = {tmp, 0, sizeof tmp, 0};
	w_expand(c, &w, q, pt->cl->text, pt->cl->len, sip_str_of(NULL, 0), body);
	return w.n;
}

static size_t reply_size(hp_ctx *c, const req *q, size_t sl)
{
	uint32_t body = c->body_keep ? c->body_len : 0;
	size_t n = sl + 2 + body;
	for (int i = 0; i < c->nparts; i++)
		if (c->parts[i].keep)
			n += (c->parts[i].cl ? cl_len(c, q, &c->parts[i], body) : c->parts[i].len) +
			     2;
	return n;
}

/* Drops what may be dropped, body first, then optional lines from the
 * last, until the reply fits `limit`. -1 if it cannot. */
static int fit(hp_ctx *c, const req *q, size_t sl, size_t limit, uint16_t *dropped)
{
	while (reply_size(c, q, sl) > limit) {
		if (c->body_keep && c->body_optional) {
			c->body_keep = 0;
			for (int i = 0; i < c->nparts; i++)
				if (c->parts[i].content_type && c->parts[i].keep) {
					c->parts[i].keep = 0;
					(*dropped)++;
				}
			continue;
		}
		int i = -1;
		for (int level = 1; level <= 2 && i < 0; level++)
			for (i = c->nparts - 1; i >= 0; i--)
				if (c->parts[i].optional == level && c->parts[i].keep &&
				    !(c->parts[i].cl && q->m->proto == 6))
					break;
		if (i < 0)
			return -1;
		c->parts[i].keep = 0;
		(*dropped)++;
	}
	return 0;
}

static size_t assemble(hp_ctx *c, const req *q, const char *sl, size_t sln)
{
	wbuf w = {c->out, 0, c->out_cap, 0};
	uint32_t body = c->body_keep ? c->body_len : 0;
	w_put(&w, sl, sln);
	for (int i = 0; i < c->nparts; i++) {
		const part *pt = &c->parts[i];
		if (!pt->keep)
			continue;
		if (pt->cl)
			w_expand(c, &w, q, pt->cl->text, pt->cl->len, sip_str_of(NULL, 0), body);
		else
			w_put(&w, c->arena + pt->off, pt->len);
		w_put(&w, "\r\n", 2);
	}
	w_put(&w, "\r\n", 2);
	if (body)
		w_put(&w, c->arena + c->body_off, body);
	return w.over ? 0 : w.n;
}

/* Builds the reply with `status` into c->out within `limit` bytes. */
static size_t build_reply(hp_ctx *c, const req *q, uint16_t status, size_t limit, uint16_t *dropped)
{
	const hp_block *base = hp_personality_block(c->p, -1, 0);
	const hp_block *spec = hp_personality_block(c->p, q->sm.method, status);
	char sl[128];
	size_t sln = status_line(c, status, sl, sizeof sl);
	*dropped = 0;
	if (!base || !sln || expand_reply(c, q, base, spec) < 0)
		return 0;
	if (limit > c->out_cap)
		limit = c->out_cap;
	if (fit(c, q, sln, limit, dropped) < 0)
		return 0;
	return assemble(c, q, sl, sln);
}

/* ---- digest authentication ---------------------------------------------------------- */

static void md5_cat(char out[33], const char *const *parts, int n)
{
	md5_ctx m;
	uint8_t d[16];
	md5_init(&m);
	for (int i = 0; i < n; i++) {
		if (i)
			md5_update(&m, ":", 1);
		md5_update(&m, parts[i], strlen(parts[i]));
	}
	md5_final(&m, d);
	md5_hex(d, out);
}

void hp_digest(const char *user, const char *realm, const char *pass, const char *method,
	       const char *uri, const char *nonce, const char *nc, const char *cnonce,
	       const char *qop, int sess, char out[33])
{
	char ha1[33], ha2[33];
	const char *a1[] = {user, realm, pass};
	md5_cat(ha1, a1, 3);
	if (sess) {
		const char *s[] = {ha1, nonce, cnonce};
		char h[33];
		md5_cat(h, s, 3);
		memcpy(ha1, h, 33);
	}
	const char *a2[] = {method, uri};
	md5_cat(ha2, a2, 2);
	if (qop && *qop) {
		const char *r[] = {ha1, nonce, nc, cnonce, qop, ha2};
		md5_cat(out, r, 6);
	} else {
		const char *r[] = {ha1, nonce, ha2};
		md5_cat(out, r, 3);
	}
}

/* A view as a C string; -1 if it does not fit or holds a NUL. */
static int cstr(sip_str s, char *out, size_t n)
{
	if (s.len >= n || (s.len && memchr(s.p, 0, s.len)))
		return -1;
	if (s.len)
		memcpy(out, s.p, s.len);
	out[s.len] = 0;
	return 0;
}

/* Whether the credentials' response is the digest of `pass`. Credentials
 * that name qop=auth without cnonce and nc (SIPVicious' svcrack does that
 * when the challenge offered no qop) are checked the RFC 2069 way. */
static int digest_ok(const hp_personality *p, const req *q, const sip_auth *a, const char *pass)
{
	char user[256], uri[512], nonce[256], nc[32], cnonce[256], qop[32], method[64], want[33];
	if (cstr(a->username, user, sizeof user) < 0 || cstr(a->uri, uri, sizeof uri) < 0 ||
	    cstr(a->nonce, nonce, sizeof nonce) < 0 || cstr(a->nc, nc, sizeof nc) < 0 ||
	    cstr(a->cnonce, cnonce, sizeof cnonce) < 0 || cstr(a->qop, qop, sizeof qop) < 0 ||
	    cstr(q->sm.method_str, method, sizeof method) < 0)
		return 0;
	if (!sip_str_eq(a->realm, p->realm) || a->response.len != 32)
		return 0;
	if (!nc[0] || !cnonce[0])
		qop[0] = 0;
	int sess = sip_str_ieq(a->algorithm, "MD5-sess");
	hp_digest(user, p->realm, pass, method, uri, nonce, nc, cnonce, qop, sess, want);
	return sip_str_ieq(a->response, want);
}

/* Whether the nonce is one we issued to this source and it is fresh. */
static int nonce_ok(hp_ctx *c, const hp_src *s, const req *q, sip_str nonce)
{
	int64_t now = q->m->now_ns, life = (int64_t)c->p->nonce_life_s * 1000000000;
	for (int i = 0; s && i < HP_NONCES; i++) {
		if (!s->nonce[i] || now - s->nonce_ns[i] > life)
			continue;
		uint8_t t[512];
		wbuf w = {t, 0, sizeof t, 0};
		w_fmt(&w, c->p->nonce, s->nonce[i], s->nonce_ns[i] / 1000000000, q);
		if (!w.over && nonce.len && nonce.len == w.n && memcmp(nonce.p, t, w.n) == 0)
			return 1;
	}
	return 0;
}

static void take_challenge(hp_ctx *c, req *q, hp_result *r, int stale)
{
	q->challenge = 1;
	q->stale = stale;
	q->nonce_seed = sm64(&c->rng) | 1;
	q->nonce_s = q->m->now_ns / 1000000000;
	r->auth = (uint8_t)(stale ? HP_AUTH_STALE : HP_AUTH_CHALLENGED);
}

/* REGISTER, INVITE and the like for an extension that exists. */
static int authenticate(hp_ctx *c, req *q, const hp_src *s, hp_result *r)
{
	const hp_personality *p = c->p;
	if (!q->auth) {
		take_challenge(c, q, r, 0);
		return 401;
	}
	sip_auth a;
	if (sip_parse_auth(q->auth->value, &a) < 0 || !a.username.len ||
	    !sip_str_ieq(a.scheme, "Digest")) {
		r->auth = HP_AUTH_BAD;
		return 403;
	}
	sip_str_copy(a.username, r->auth_user, sizeof r->auth_user);
	if (!hp_accounts_exists(&p->acc, a.username.p, a.username.len)) {
		r->auth = HP_AUTH_UNKNOWN_USER;
		return 403;
	}
	if (!nonce_ok(c, s, q, a.nonce)) {
		take_challenge(c, q, r, 1);
		return 401;
	}
	const char *pass = hp_accounts_weak(&p->acc, a.username.p, a.username.len);
	if (!pass || !digest_ok(p, q, &a, pass)) {
		r->auth = HP_AUTH_WRONG;
		return 403;
	}
	r->auth = HP_AUTH_ACCEPTED;
	return q->sm.method == SIP_M_REGISTER ? 200 : p->call_answer;
}

/* ---- what to answer ------------------------------------------------------------------ */

/* Require options a PBX of this kind supports (RFC 3261 8.2.2.3). */
static int require_ok(sip_str v)
{
	const uint8_t *p = v.p, *end = v.p + v.len;
	while (p < end) {
		while (p < end && (*p == ',' || *p == ' ' || *p == '\t'))
			p++;
		const uint8_t *e = p;
		while (e < end && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		sip_str opt = sip_str_of(p, (size_t)(e - p));
		if (opt.len && !sip_str_ieq(opt, "timer") && !sip_str_ieq(opt, "replaces"))
			return 0;
		p = e;
	}
	return 1;
}

static int cseq_bad(const req *q)
{
	sip_cseq cs;
	if (sip_parse_cseq(q->cseq->value, &cs) < 0)
		return 1;
	return q->sm.method != SIP_M_OTHER &&
	       (cs.method.len != q->sm.method_str.len ||
		memcmp(cs.method.p, q->sm.method_str.p, cs.method.len) != 0);
}

static void target_user(hp_ctx *c, req *q, hp_result *r)
{
	if (q->sm.method == SIP_M_REGISTER)
		user_of_nameaddr(q->to, &q->user);
	else
		user_of_uri(q->sm.uri, &q->user);
	if (!q->user.len && q->sm.method != SIP_M_REGISTER && q->sm.method != SIP_M_OPTIONS)
		user_of_nameaddr(q->to, &q->user);
	sip_str_copy(q->user, r->user, sizeof r->user);
	r->exists =
	    (uint8_t)(q->user.len && hp_accounts_exists(&c->p->acc, q->user.p, q->user.len));
}

/* The status of the reply, 0 for none. */
static int decide(hp_ctx *c, req *q, const hp_src *s, hp_result *r)
{
	const hp_personality *p = c->p;
	unsigned method = q->sm.method;
	target_user(c, q, r);
	if (method == SIP_M_ACK)
		return 0;
	if (cseq_bad(q))
		return 400;
	uint32_t handled = p->allow_mask | (p->registrar ? 1u << SIP_M_REGISTER : 0);
	if (method == SIP_M_OTHER || !(handled & (1u << method)))
		return p->unsupported;
	const sip_hdr *mf = sip_find(&q->sm, SIP_H_MAX_FORWARDS);
	if (mf && sip_number(mf->value) == 0 && method != SIP_M_OPTIONS)
		return 483;
	if (q->require && !require_ok(q->require->value))
		return 420;
	switch (method) {
	case SIP_M_OPTIONS:
		return q->user.len && !r->exists ? p->options_unknown : 200;
	case SIP_M_BYE:
	case SIP_M_CANCEL:
	case SIP_M_PRACK:
	case SIP_M_UPDATE:
	case SIP_M_INFO:
		return p->in_dialog;
	default:
		break;
	}
	if (q->to_tagged && method != SIP_M_REGISTER)
		return p->in_dialog;
	if (!r->exists)
		return p->unknown_user;
	return authenticate(c, q, s, r);
}

/* ---- the handler ------------------------------------------------------------------------- */

static int only_eol(const uint8_t *d, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (d[i] != '\r' && d[i] != '\n')
			return 0;
	return n > 0;
}

/* Checks the rates and the credit, and commits the reply. */
static void send_gate(hp_ctx *c, hp_src *s, const hp_msg *m, hp_result *r, req *q)
{
	if (!s) {
		r->action = HP_ACT_NO_STATE;
		return;
	}
	if (!hp_bucket_ready(&s->bucket, m->now_ns, c->l.src_rate, c->l.src_burst)) {
		r->action = HP_ACT_RATE_SOURCE;
		return;
	}
	if (!hp_bucket_ready(&c->global, m->now_ns, c->l.global_rate, c->l.global_burst)) {
		r->action = HP_ACT_RATE_GLOBAL;
		return;
	}
	size_t limit = s->credit > 0 ? (size_t)s->credit : 0, n;
	if (q)
		n = build_reply(c, q, r->status, limit, &r->dropped);
	else if ((n = limit >= 2 ? 2 : 0) != 0)
		memcpy(c->out, "\r\n", 2); /* keep-alive pong */
	if (!n) {
		r->action = HP_ACT_AMPLIFICATION;
		r->dropped = 0;
		return;
	}
	hp_bucket_take(&s->bucket);
	hp_bucket_take(&c->global);
	s->credit -= (int64_t)n;
	if (q && q->challenge) {
		s->nonce[s->nonce_next] = q->nonce_seed;
		s->nonce_ns[s->nonce_next] = q->nonce_s * 1000000000;
		s->nonce_next = (uint8_t)((s->nonce_next + 1) % HP_NONCES);
	}
	r->reply = c->out;
	r->reply_len = (uint32_t)n;
	r->action = HP_ACT_REPLIED;
}

static void span(hp_result *r, const hp_msg *m, int f, sip_str v)
{
	if (v.len && v.p >= m->data && v.p + v.len <= m->data + m->len) {
		r->field[f].off = (uint32_t)(v.p - m->data);
		r->field[f].len = v.len;
	}
}

static void span_hdr(hp_result *r, const hp_msg *m, const sip_msg *sm, int f, unsigned id)
{
	const sip_hdr *h = sip_find(sm, id);
	if (h)
		span(r, m, f, h->value);
}

/* The parts the event log shows, while the message is parsed anyway. */
static void note_fields(hp_result *r, const hp_msg *m, const sip_msg *sm)
{
	span(r, m, HP_F_METHOD, sm->method_str);
	span(r, m, HP_F_URI, sm->uri);
	span_hdr(r, m, sm, HP_F_FROM, SIP_H_FROM);
	span_hdr(r, m, sm, HP_F_TO, SIP_H_TO);
	span_hdr(r, m, sm, HP_F_CALL_ID, SIP_H_CALL_ID);
	span_hdr(r, m, sm, HP_F_CSEQ, SIP_H_CSEQ);
	span_hdr(r, m, sm, HP_F_USER_AGENT, SIP_H_USER_AGENT);
	span_hdr(r, m, sm, HP_F_CONTACT, SIP_H_CONTACT);
	span_hdr(r, m, sm, HP_F_AUTH, SIP_H_AUTHORIZATION);
	if (!r->field[HP_F_AUTH].len)
		span_hdr(r, m, sm, HP_F_AUTH, SIP_H_PROXY_AUTHORIZATION);
	r->rstatus = sm->status;
}

/* Parses m as sip_parse(..., 0) does. A source (or, for a source without
 * one, the sources together: one kit scans from many addresses) repeats its
 * last request's layout: m is first read as laid out so (sip_parse_like
 * checks every byte that could make the parse differ), else parsed and its
 * layout kept. */
static int parse_request(hp_ctx *c, hp_src *s, const hp_msg *m, sip_msg *sm)
{
	unsigned k = s && s->layout ? s->layout : c->layout_last;
	if (k &&
	    sip_parse_like(&c->layout[k - 1], sm, m->data, m->len, c->hdrs, SIP_HDRS) == SIP_OK) {
		sip_check(sm);
		return SIP_OK;
	}
	int rc = sip_parse(sm, m->data, m->len, c->hdrs, SIP_HDRS, SIP_PARSE_NO_CHECKS);
	if (rc != SIP_OK)
		return rc;
	unsigned slot = c->layout_next;
	if (sip_layout_keep(&c->layout[slot], sm, m->data, m->len) == 0) {
		c->layout_next = (uint8_t)((slot + 1) % HP_LAYOUTS);
		c->layout_last = (uint8_t)(slot + 1);
		if (s)
			s->layout = (uint8_t)(slot + 1);
	} else if (c->layout_last == slot + 1) { /* the slot was emptied */
		c->layout_last = 0;
	}
	sip_check(sm);
	return SIP_OK;
}

static void handle_sip(hp_ctx *c, hp_src *s, const hp_msg *m, hp_result *r)
{
	req q;
	memset(&q, 0, sizeof q);
	q.m = m;
	int rc = parse_request(c, s, m, &q.sm);
	if (rc != SIP_OK) {
		r->action = HP_ACT_NOT_SIP;
		return;
	}
	r->kind = q.sm.kind;
	r->method = q.sm.method;
	r->quirks = q.sm.quirks;
	note_fields(r, m, &q.sm);
	if (q.sm.kind != SIP_REQUEST) {
		r->action = HP_ACT_NO_REPLY;
		return;
	}
	if (read_request(c, &q) < 0) {
		r->action = HP_ACT_MALFORMED;
		return;
	}
	r->status = (uint16_t)decide(c, &q, s, r);
	if (!r->status) {
		r->action = HP_ACT_NO_REPLY;
		return;
	}
	send_gate(c, s, m, r, &q);
}

static void count(hp_ctx *c, const hp_result *r)
{
	c->n.action[r->action]++;
	c->n.auth[r->auth]++;
	if (r->action == HP_ACT_REPLIED) {
		c->n.replies++;
		c->n.bytes_out += r->reply_len;
	}
}

void hp_note(hp_ctx *c, const hp_msg *m, int action, hp_result *r)
{
	memset(r, 0, sizeof *r);
	hp_src *s = hp_srctab_get(c->src, m->src, m->now_ns, c->l.src_burst);
	if (s)
		s->credit += m->wire_len;
	c->n.messages++;
	c->n.bytes_in += m->wire_len;
	r->action = (uint8_t)action;
	count(c, r);
}

void hp_handle(hp_ctx *c, const hp_msg *m, hp_result *r)
{
	memset(r, 0, sizeof *r);
	hp_src *s = hp_srctab_get(c->src, m->src, m->now_ns, c->l.src_burst);
	if (s) {
		s->credit += m->wire_len;
		s->seen_ns = m->now_ns;
	}
	c->n.messages++;
	c->n.bytes_in += m->wire_len;
	if (m->wire_len > c->l.max_message || m->len < m->wire_len) {
		r->action = HP_ACT_TOO_LARGE;
	} else if (only_eol(m->data, m->len)) {
		int ping =
		    m->proto == 6 && m->len >= 4 && !memcmp(m->data + m->len - 4, "\r\n\r\n", 4);
		if (ping)
			send_gate(c, s, m, r, NULL);
		else
			r->action = HP_ACT_NO_REPLY;
	} else {
		handle_sip(c, s, m, r);
	}
	count(c, r);
}
