/* The SIP analyser (analysis.h): per packet, a cheap look at the port and
 * the first bytes; for SIP requests, the shape of the request names the
 * template once per shape (cached); the template's slots then give, per
 * request, the changes and what the tool leaks. Per-source state lives in
 * a pool indexed by the source record's an[EXT_SIP] slot. */
#include "sip/analysis.h"

#include "fingerprint/sip_match.h"
#include "sip/blob.h"
#include "sip/sip.h"
#include "sip/stream.h"
#include "util/bigmem.h"
#include "util/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS   8192 /* shapes remembered (power of two) */
#define ATTR_MAX      512  /* distinct attributions kept between flushes */
#define ATTR_RESERVE  64   /* of them, kept for one coarse attribution per template */
#define SHAPE_MAX     1024 /* distinct unknown shapes kept between flushes */
#define SRC_ATTRS     4
#define SRC_UNKNOWN   2
#define SRC_AGENTS    2
#define SRC_LOCALS    4
#define SRC_TAGS      4
#define PORT_TRACK    16 /* localport offsets whose last use is kept */
#define CONCURRENT_NS (60LL * 1000000000LL)
#define STREAM_CONNS  1024
#define STREAM_BUF    4096
#define LAYOUTS	      256 /* request layouts kept for replay (power of two) */

/* What is known of one request shape: its template (and a runner-up when
 * only the request's values can decide between them), how each header
 * matched, and the last attribution made from it with the values it was
 * made from (memo), which most requests of a scan repeat. */
typedef struct cache_ent {
	uint64_t shape;
	uint64_t levels, alt_levels;
	uint64_t memo;	   /* hash of the values the memoised attribution used */
	int16_t tmpl;	   /* -1: no template */
	int16_t alt;	   /* runner-up, -1 none */
	int16_t memo_attr; /* attr[] index, -1 none */
	uint16_t unknown;  /* shapes[] index + 1 for unknown shapes, 0 none */
	uint8_t used;
} cache_ent;

typedef struct src_attr {
	uint16_t attr;
	uint32_t count;
	int64_t first_ns, last_ns;
} src_attr;

/* Extensions and passwords a source tried, as examples for the analyst:
 * kept apart, only sources that try some need them. */
typedef struct samples {
	char ext[BLOB_SAMPLES][24];
	char pass[BLOB_SAMPLES][48];
} samples;

typedef struct src_state {
	src_attr at[SRC_ATTRS];
	src_attr un[SRC_UNKNOWN]; /* attr = shapes[] index */
	struct {
		int16_t agent;
		uint32_t count;
	} ag[SRC_AGENTS];
	uint8_t nat, nun, nag, nloc, ntag, next, npass, pad_;
	uint16_t last_shape; /* cache slot + 1 of this source's last request */
	uint32_t method[SIP_M_COUNT];
	uint32_t requests, responses, dialog, auth;
	dset exts, passwords, auth_resp, users, targets;
	struct {
		uint8_t ip[16];
		uint8_t where;
		uint32_t count;
	} loc[SRC_LOCALS];
	uint64_t localports;
	uint16_t port_base, concurrent;
	uint32_t port_seen[PORT_TRACK]; /* second (of the capture) each port was last used */
	uint32_t tags_decoded, tags_elsewhere;
	blob_tag tag[SRC_TAGS];
	blob_stage stage[BLOB_STAGES];
	struct samples *samples; /* allocated by the first extension or password */
} src_state;

typedef struct sip_an {
	const sip_sigs *sigs;
	cache_ent *cache;
	blob_attr *attr;
	int nattr;
	blob_shape *shape;
	int nshape;
	src_state *pool;
	uint32_t npool, cappool;
	uint64_t pool_mem; /* what the pool's states hold beyond themselves (an_mem) */
	sip_stream *stream;
	sip_blob *out; /* export scratch */
	sip_eval ev, ev2;
	/* the layout of a request of each cache entry (by its index), to read
	 * the next requests of a source without parsing them again */
	sip_layout *layout;
	uint16_t *layout_owner; /* cache index + 1 */
	uint16_t last_layout;	/* slot + 1 of the layout kept last */
	/* for the stream callback */
	acc *cur_acc;
	const pkt_view *cur_v;
	uint64_t evals, refits, messages;
} sip_an;

static void *an_create(void)
{
	sip_an *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->sigs = sip_sigs_default();
	s->cache = calloc(CACHE_SLOTS, sizeof *s->cache);
	s->attr = calloc(ATTR_MAX, sizeof *s->attr);
	s->shape = calloc(SHAPE_MAX, sizeof *s->shape);
	s->stream = sip_stream_new(STREAM_CONNS, STREAM_BUF);
	s->out = malloc(sizeof *s->out);
	s->layout = malloc(LAYOUTS * sizeof *s->layout);
	s->layout_owner = calloc(LAYOUTS, sizeof *s->layout_owner);
	if (!s->cache || !s->attr || !s->shape || !s->stream || !s->out || !s->layout ||
	    !s->layout_owner) {
		free(s->layout);
		free(s->layout_owner);
		free(s->cache);
		free(s->attr);
		free(s->shape);
		sip_stream_free(s->stream);
		free(s->out);
		free(s);
		return NULL;
	}
	sip_blob_init(s->out);
	return s;
}

static void free_pool(sip_an *s)
{
	for (uint32_t i = 0; i < s->npool; i++) {
		src_state *st = &s->pool[i];
		dset_free(&st->exts);
		dset_free(&st->passwords);
		dset_free(&st->auth_resp);
		dset_free(&st->users);
		dset_free(&st->targets);
		free(st->samples);
	}
	s->npool = 0;
	s->pool_mem = 0;
}

static void an_destroy(void *self)
{
	sip_an *s = self;
	if (!s)
		return;
	free_pool(s);
	big_free(s->pool, (size_t)s->cappool * sizeof *s->pool);
	free(s->cache);
	free(s->attr);
	free(s->shape);
	sip_stream_free(s->stream);
	sip_blob_free(s->out);
	free(s->out);
	free(s->layout);
	free(s->layout_owner);
	free(s);
}

static void an_clear(void *self)
{
	sip_an *s = self;
	free_pool(s);
	sip_stream_clear(s->stream);
	/* the tables are referenced by source states only: start them afresh
	 * when they are filling up */
	if (s->nattr > ATTR_MAX / 2 || s->nshape > SHAPE_MAX / 2) {
		s->nattr = s->nshape = 0;
		memset(s->cache, 0, CACHE_SLOTS * sizeof *s->cache);
	}
}

static uint64_t an_mem(void *self)
{
	sip_an *s = self;
	uint64_t m = sizeof *s + CACHE_SLOTS * sizeof *s->cache + ATTR_MAX * sizeof *s->attr +
		     SHAPE_MAX * sizeof *s->shape + sip_stream_mem(s->stream) +
		     LAYOUTS * (sizeof *s->layout + sizeof *s->layout_owner) +
		     (uint64_t)s->cappool * sizeof *s->pool;
	return m + s->pool_mem;
}

/* ---- per-source state ------------------------------------------------------- */

/* What one state holds beyond itself; kept as a running total over the
 * pool (pool_mem) so that the memory the shard publishes after every batch
 * costs nothing per source. */
static uint64_t state_mem(const src_state *st)
{
	return dset_mem(&st->exts) + dset_mem(&st->passwords) + dset_mem(&st->auth_resp) +
	       dset_mem(&st->users) + dset_mem(&st->targets) +
	       (st->samples ? sizeof *st->samples : 0);
}

static src_state *state_of(sip_an *s, acc *a)
{
	if (a->an[EXT_SIP])
		return &s->pool[a->an[EXT_SIP] - 1];
	if (s->npool == s->cappool) {
		uint32_t cap = s->cappool ? s->cappool * 2 : 256;
		/* remapped, not copied, once large (util/bigmem.h) */
		src_state *np = big_realloc(s->pool, (size_t)s->cappool * sizeof *np,
					    (size_t)cap * sizeof *np);
		if (!np)
			return NULL;
		s->pool = np;
		s->cappool = cap;
	}
	src_state *st = &s->pool[s->npool++];
	memset(st, 0, sizeof *st);
	dset_init(&st->exts);
	dset_init(&st->passwords);
	dset_init(&st->auth_resp);
	dset_init(&st->users);
	dset_init(&st->targets);
	a->an[EXT_SIP] = s->npool;
	return st;
}

static void seen_at(src_attr *x, int64_t ts)
{
	x->count++;
	if (!x->first_ns || ts < x->first_ns)
		x->first_ns = ts;
	if (ts > x->last_ns)
		x->last_ns = ts;
}

/* Counts index id in a small list; a full list keeps what it has. */
static void list_add(src_attr *list, uint8_t *n, int cap, uint16_t id, int64_t ts)
{
	for (int i = 0; i < *n; i++)
		if (list[i].attr == id) {
			seen_at(&list[i], ts);
			return;
		}
	if (*n == cap)
		return;
	memset(&list[*n], 0, sizeof list[0]);
	list[*n].attr = id;
	seen_at(&list[(*n)++], ts);
}

static void add_local(src_state *st, const uint8_t ip[16], uint8_t where)
{
	for (int i = 0; i < st->nloc; i++)
		if (!memcmp(st->loc[i].ip, ip, 16)) {
			st->loc[i].where |= where;
			st->loc[i].count++;
			return;
		}
	if (st->nloc == SRC_LOCALS)
		return;
	memcpy(st->loc[st->nloc].ip, ip, 16);
	st->loc[st->nloc].where = where;
	st->loc[st->nloc++].count = 1;
}

/* A literal IPv4 or IPv6 host as a 16-byte address; 0 on success. */
static int host_addr(sip_str h, uint8_t ip[16])
{
	uint32_t v4;
	if (sip_ipv4(h, &v4) == 0) {
		addr_from_v4(ip, v4);
		return 0;
	}
	char txt[64];
	if (!h.len || h.len >= sizeof txt || !memchr(h.p, ':', h.len))
		return -1;
	sip_str_copy(h, txt, sizeof txt);
	if (txt[0] == '[') {
		memmove(txt, txt + 1, strlen(txt));
		char *e = strchr(txt, ']');
		if (e)
			*e = 0;
	}
	return addr_parse(txt, ip) == 0 ? 0 : -1;
}

static uint32_t hash_str32(sip_str v)
{
	return (uint32_t)hash_bytes(v.p, v.len, 0x3e7);
}

/* ---- tables shared by sources ------------------------------------------------ */

static cache_ent *cache_slot(sip_an *s, uint64_t shape)
{
	size_t h = (size_t)(shape & (CACHE_SLOTS - 1));
	for (int i = 0; i < 4; i++) {
		cache_ent *c = &s->cache[(h + (size_t)i) & (CACHE_SLOTS - 1)];
		if (!c->used || c->shape == shape)
			return c;
	}
	return &s->cache[h]; /* the oldest guess: overwrite the home slot */
}

static int attr_add(sip_an *s, const sip_attr *at, uint64_t key, const sip_msg *m);

/* When requests keep bringing new values (a kit that randomises its
 * strings), the table would fill: past ATTR_MAX - ATTR_RESERVE they share
 * one attribution per template that says so. */
static int attr_overflow(sip_an *s, const sip_attr *at, const sip_msg *m)
{
	sip_attr coarse = *at;
	coarse.kit = -1;
	coarse.ndev = 0;
	coarse.nchange = 1;
	sip_change *c = &coarse.change[0];
	memset(c, 0, sizeof *c);
	c->kind = CH_VALUE;
	snprintf(c->field, sizeof c->field, "(values)");
	snprintf(c->expected, sizeof c->expected, "the tool's");
	snprintf(c->seen, sizeof c->seen, "too many different values to list");
	const sip_template *t = s->sigs->t[at->tmpl];
	uint64_t key = blob_attr_hash(t->name, at->version, "", c, 1, NULL, 0);
	for (int i = 0; i < s->nattr; i++)
		if (s->attr[i].key == key)
			return i;
	if (s->nattr == ATTR_MAX)
		return -1;
	return attr_add(s, &coarse, key, m);
}

static int attr_index(sip_an *s, const sip_attr *at, uint64_t key, const sip_msg *m)
{
	for (int i = s->nattr - 1; i >= 0; i--)
		if (s->attr[i].key == key)
			return i;
	if (s->nattr >= ATTR_MAX - ATTR_RESERVE)
		return attr_overflow(s, at, m);
	return attr_add(s, at, key, m);
}

static int attr_add(sip_an *s, const sip_attr *at, uint64_t key, const sip_msg *m)
{
	const sip_template *t = s->sigs->t[at->tmpl];
	blob_attr *b = &s->attr[s->nattr];
	memset(b, 0, sizeof *b);
	b->key = key;
	snprintf(b->tmpl, sizeof b->tmpl, "%s", t->name);
	snprintf(b->tool, sizeof b->tool, "%s", t->tool);
	snprintf(b->component, sizeof b->component, "%s", t->component);
	snprintf(b->version, sizeof b->version, "%s", at->version);
	if (at->kit >= 0) {
		const sip_kit *k = &s->sigs->kit[at->kit];
		snprintf(b->kit, sizeof b->kit, "%s", k->name);
		snprintf(b->kit_note, sizeof b->kit_note, "%s", k->nnote ? k->note[0] : "");
		b->kit_marks = at->kit_marks;
		b->kit_total = at->kit_total;
		b->release = k->release[0] != 0 && at->kit_marks == at->kit_total;
	}
	b->confidence = (uint16_t)(at->confidence * 1000.0f + 0.5f);
	sip_shape_summary(m, b->order, sizeof b->order);
	snprintf(b->note, sizeof b->note, "%s", t->nnote ? t->note[0] : "");
	b->nchange = at->nchange;
	memcpy(b->change, at->change, sizeof b->change);
	b->ndev = at->ndev;
	memcpy(b->dev, at->dev, sizeof b->dev);
	return s->nattr++;
}

static int shape_index(sip_an *s, uint64_t hash, const sip_msg *m)
{
	for (int i = 0; i < s->nshape; i++)
		if (s->shape[i].hash == hash)
			return i;
	if (s->nshape == SHAPE_MAX)
		return -1;
	blob_shape *b = &s->shape[s->nshape];
	memset(b, 0, sizeof *b);
	b->hash = hash;
	sip_shape_summary(m, b->summary, sizeof b->summary);
	return s->nshape++;
}

/* ---- what a request tells ------------------------------------------------------ */

static void count_request(src_state *st, const sip_msg *m)
{
	st->requests++;
	st->method[m->method]++;
	const sip_hdr *to = sip_find(m, SIP_H_TO);
	sip_nameaddr na;
	/* a tag is "tag" LWS "=" ...: no '=', no tag (most scans) */
	int to_tag = to && to->value.len && memchr(to->value.p, '=', to->value.len) &&
		     sip_parse_nameaddr(to->value, &na) == 0 && na.tag.len;
	if (to_tag || m->method == SIP_M_ACK || m->method == SIP_M_BYE ||
	    m->method == SIP_M_CANCEL || m->method == SIP_M_PRACK || m->method == SIP_M_UPDATE)
		st->dialog++;
	if (sip_find(m, SIP_H_AUTHORIZATION) || sip_find(m, SIP_H_PROXY_AUTHORIZATION))
		st->auth++;
}

static void note_localport(src_state *st, const sip_template *t, sip_str port, int64_t ts)
{
	int64_t p = sip_number(port);
	if (!t->localport || p < t->localport || p >= t->localport + 64)
		return;
	unsigned k = (unsigned)(p - t->localport);
	st->localports |= (uint64_t)1 << k;
	st->port_base = t->localport;
	if (k >= PORT_TRACK)
		return;
	uint32_t sec = (uint32_t)(ts / 1000000000) | 1; /* 0 = never */
	st->port_seen[k] = sec;
	uint16_t busy = 0;
	for (int j = 0; j < PORT_TRACK; j++)
		if (st->port_seen[j] && sec - st->port_seen[j] <= CONCURRENT_NS / 1000000000)
			busy++;
	if (busy > st->concurrent)
		st->concurrent = busy;
}

static void note_svmap_tag(src_state *st, const sv_tag *d, const pkt_view *v)
{
	if (!d->target_ok)
		return;
	st->tags_decoded++;
	if (v->family != 4 || (d->ip == v->dst4 && d->port == v->dport))
		return;
	st->tags_elsewhere++;
	blob_tag t = {d->ip, d->port, v->dst4, v->dport};
	/* fields, not memcmp: the struct has padding, whose bytes are not set */
	for (int i = 0; i < st->ntag; i++)
		if (st->tag[i].target == t.target && st->tag[i].port == t.port &&
		    st->tag[i].dst == t.dst && st->tag[i].dport == t.dport)
			return;
	if (st->ntag < SRC_TAGS)
		st->tag[st->ntag++] = t;
}

static samples *samples_of(src_state *st)
{
	if (!st->samples)
		st->samples = calloc(1, sizeof *st->samples);
	return st->samples;
}

static void add_sample(char (*list)[24], uint8_t *n, sip_str v)
{
	char s[24];
	sip_str_copy(v, s, sizeof s);
	for (int i = 0; i < *n; i++)
		if (!strcmp(list[i], s))
			return;
	if (*n < BLOB_SAMPLES)
		memcpy(list[(*n)++], s, sizeof s);
}

/* The template's tag slot decoded as a SIPVicious tag (templates that
 * leak): 1 if it decodes. */
static int decode_tag(const sip_template *t, const sip_eval *e, sv_tag *d)
{
	sip_str tag = sip_eval_slot(e, t->role[SR_TAG]);
	return t->leak && tag.len && sv_tag_decode(tag, d) == 0;
}

static void note_leaks(src_state *st, const sip_template *t, const sip_eval *e, const pkt_view *v,
		       int decoded, const sv_tag *d)
{
	if (decoded && t->leak == LEAK_SVMAP)
		note_svmap_tag(st, d, v);
	if (decoded && t->leak == LEAK_SVCRACK) {
		dset_add(&st->passwords, hash_str32(sip_str_of(d->text, strlen(d->text))));
		int dup = 0;
		samples *sm = samples_of(st);
		for (int i = 0; sm && i < st->npass; i++)
			dup |= !strcmp(sm->pass[i], d->text);
		if (sm && !dup && st->npass < BLOB_SAMPLES)
			snprintf(sm->pass[st->npass++], sizeof sm->pass[0], "%s", d->text);
	}
	sip_str ext = sip_eval_slot(e, t->role[SR_EXT]);
	if (decoded && t->leak == LEAK_SVWAR)
		ext = sip_str_of(d->text, strlen(d->text));
	if (ext.len && t->leak != LEAK_SVCRACK) {
		dset_add(&st->exts, hash_str32(ext));
		samples *sm = samples_of(st);
		if (sm)
			add_sample(sm->ext, &st->next, ext);
	}
}

static void note_template_host(src_state *st, const sip_template *t, const sip_eval *e, int64_t ts)
{
	uint8_t ip[16];
	sip_str local = sip_eval_slot(e, t->role[SR_LOCAL]);
	if (local.len && host_addr(local, ip) == 0) {
		uint8_t where = LOC_TEMPLATE;
		sip_str fh = sip_eval_slot(e, t->from_host);
		if (fh.len == local.len && !memcmp(fh.p, local.p, fh.len))
			where |= LOC_FROM;
		add_local(st, ip, where);
	}
	note_localport(st, t, sip_eval_slot(e, t->role[SR_LOCALPORT]), ts);
	if (!strcmp(t->tool, "sipvicious")) {
		int k = !strcmp(t->component, "svmap") ? 0 : !strcmp(t->component, "svwar") ? 1 : 2;
		blob_stage *sg = &st->stage[k];
		sg->count++;
		if (!sg->first_ns || ts < sg->first_ns)
			sg->first_ns = ts;
		if (ts > sg->last_ns)
			sg->last_ns = ts;
	}
}

/* Local addresses of a request no template knows: Via sent-by, Contact. */
static void note_generic_host(src_state *st, const sip_msg *m)
{
	uint8_t ip[16];
	const sip_hdr *h = sip_find(m, SIP_H_VIA);
	sip_via via;
	if (h && sip_parse_via(h->value, &via) == 0 && host_addr(via.host, ip) == 0)
		add_local(st, ip, LOC_VIA);
	h = sip_find(m, SIP_H_CONTACT);
	sip_nameaddr na;
	sip_uri u;
	if (h && sip_parse_nameaddr(h->value, &na) == 0 && sip_parse_uri(na.uri, &u) == 0 &&
	    host_addr(u.host, ip) == 0)
		add_local(st, ip, LOC_CONTACT);
}

/* One value into the memo key (short values: inline, 8 bytes a step; the
 * tail read as one word that keeps every byte and the length). */
static inline uint64_t mix_value(uint64_t h, const uint8_t *p, size_t n)
{
	h ^= (uint64_t)n * 0x9e3779b97f4a7c15ULL;
	uint64_t w;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		w = (uint64_t)a << 32 | b;
	} else {
		w = n ? (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1] : 0;
	}
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

/* Hash of what an attribution from this match depends on beyond the shape:
 * the values of slots with a stock value, the version slot, whether the
 * tag decodes, the headers that did not follow the pattern, and the extra
 * headers. Equal hashes give equal attributions. */
static uint64_t memo_key(const sip_template *t, const sip_eval *e, const sip_msg *m, int decoded,
			 const sv_tag *d)
{
	uint64_t h = hash_mix64((uint64_t)e->tmpl + 1);
	uint64_t slots = t->stock_mask;
	if (t->version_slot >= 0)
		slots |= (uint64_t)1 << t->version_slot;
	for (; slots; slots &= slots - 1) {
		int i = __builtin_ctzll(slots);
		if (e->cap[i].set)
			h = mix_value(h + (uint64_t)i, e->cap[i].p, e->cap[i].len);
	}
	h = hash_mix64(h);
	if (t->leak == LEAK_SVMAP || t->leak == LEAK_SVWAR)
		h ^= (uint64_t)(decoded && (t->leak != LEAK_SVMAP || d->target_ok)) << 63;
	/* those changes quote the values masked: hash them masked */
	char raw[256], masked[ATTR_TEXT];
	for (int i = 0; i < t->nhdr; i++)
		if (e->level[i] == LV_FAIL) {
			sip_str_copy(m->hdr[e->msg_idx[i]].value, raw, sizeof raw);
			sip_mask_volatile(raw, masked, sizeof masked);
			h = hash_bytes(masked, strlen(masked), h + 1);
		}
	for (int i = 0; i < e->extra && i < EVAL_EXTRA; i++) {
		const sip_hdr *x = &m->hdr[e->extra_idx[i]];
		h = hash_bytes(x->name.p, x->name.len, h + 2);
		sip_str_copy(x->value, raw, sizeof raw);
		sip_mask_volatile(raw, masked, sizeof masked);
		h = hash_bytes(masked, strlen(masked), h + 3);
	}
	return h;
}

static void attribute_known(sip_an *s, src_state *st, const sip_msg *m, const pkt_view *v,
			    cache_ent *c)
{
	const sip_template *t = s->sigs->t[s->ev.tmpl];
	sv_tag d;
	int decoded = decode_tag(t, &s->ev, &d);
	uint64_t memo = memo_key(t, &s->ev, m, decoded, &d);
	int ai = c->memo_attr;
	if (ai < 0 || c->memo != memo || s->attr[ai].key == 0) {
		sip_attr at;
		sip_attr_from_eval(s->sigs, m, &s->ev, &at);
		const char *kit = at.kit >= 0 ? s->sigs->kit[at.kit].name : "";
		uint64_t key = blob_attr_hash(t->name, at.version, kit, at.change, at.nchange,
					      (const char(*)[300])at.dev, at.ndev);
		ai = attr_index(s, &at, key, m);
		c->memo = memo;
		c->memo_attr = (int16_t)ai;
	}
	if (ai >= 0)
		list_add(st->at, &st->nat, SRC_ATTRS, (uint16_t)ai, v->ts_ns);
	note_leaks(st, t, &s->ev, v, decoded, &d);
	note_template_host(st, t, &s->ev, v->ts_ns);
}

static void attribute_unknown(sip_an *s, src_state *st, const sip_msg *m, const pkt_view *v,
			      int unknown)
{
	if (unknown > 0)
		list_add(st->un, &st->nun, SRC_UNKNOWN, (uint16_t)(unknown - 1), v->ts_ns);
	int ag = sip_agent_find(s->sigs, m);
	if (ag >= 0) {
		int i = 0;
		while (i < st->nag && st->ag[i].agent != ag)
			i++;
		if (i == st->nag && i < SRC_AGENTS)
			st->ag[st->nag++].agent = (int16_t)ag;
		if (i < st->nag)
			st->ag[i].count++;
	}
	/* what a scanner of unknown make does: users, passwords, targets */
	const sip_hdr *to = sip_find(m, SIP_H_TO);
	sip_nameaddr na;
	sip_uri u;
	if (to && sip_parse_nameaddr(to->value, &na) == 0 && sip_parse_uri(na.uri, &u) == 0 &&
	    u.user.len)
		dset_add(&st->users, hash_str32(u.user));
	const sip_hdr *au = sip_find(m, SIP_H_AUTHORIZATION);
	if (!au)
		au = sip_find(m, SIP_H_PROXY_AUTHORIZATION);
	sip_auth cr;
	if (au && sip_parse_auth(au->value, &cr) == 0 && cr.response.len)
		dset_add(&st->auth_resp, hash_str32(cr.response));
	dset_add(&st->targets, addr_key32(v->dst));
	note_generic_host(st, m);
}

/* All templates for m; the cache entry remembers the verdict. */
static int classify_all(sip_an *s, const sip_msg *m, cache_ent *c, uint64_t shape)
{
	s->evals++;
	int t = sip_eval_best(s->sigs, m, &s->ev);
	c->used = 1;
	c->shape = shape;
	c->tmpl = (int16_t)t;
	c->alt = (int16_t)(t >= 0 ? s->ev.alt : -1);
	c->levels = s->ev.levels;
	c->alt_levels = s->ev.alt_levels;
	c->memo_attr = -1;
	c->unknown = 0;
	if (t < 0)
		c->unknown = (uint16_t)(shape_index(s, shape, m) + 1);
	return t;
}

/* Matches the cached template of c (and its runner-up) against m: 1 when
 * m matches it the way the shape's first request did. */
static int try_cached(sip_an *s, const sip_msg *m, const cache_ent *c)
{
	sip_eval_template(s->sigs, c->tmpl, m, &s->ev);
	if (s->ev.levels != c->levels)
		return 0;
	if (c->alt < 0)
		return 1;
	sip_eval_template(s->sigs, c->alt, m, &s->ev2);
	if (s->ev2.levels != c->alt_levels)
		return 0;
	if (s->ev2.rank > s->ev.rank)
		sip_eval_copy(&s->ev, &s->ev2);
	return 1;
}

/* The template of m. A source usually repeats its last request's layout:
 * that template is tried first. Else the shape is computed and, when seen
 * before, its cached template is checked on m; else all templates. */
static int classify(sip_an *s, src_state *st, const sip_msg *m, cache_ent **cp)
{
	if (st->last_shape) {
		cache_ent *c = &s->cache[st->last_shape - 1];
		if (c->used && c->tmpl >= 0 && try_cached(s, m, c)) {
			*cp = c;
			return s->ev.tmpl;
		}
	}
	uint64_t shape = sip_shape(m, NULL, 0);
	cache_ent *c = *cp = cache_slot(s, shape);
	st->last_shape = (uint16_t)(c - s->cache + 1);
	if (!c->used || c->shape != shape)
		return classify_all(s, m, c, shape);
	if (c->tmpl < 0)
		return -1;
	if (try_cached(s, m, c))
		return s->ev.tmpl;
	s->refits++;
	return classify_all(s, m, c, shape);
}

/* The layout kept for the cache entry of this source's last request. */
/* The layout kept for the cache entry of this source's last request; for
 * a source without one, the layout kept last (scans of one kit from many
 * sources interleave). Only a guess: sip_parse_like checks it. */
static const sip_layout *layout_of(const sip_an *s, const acc *a)
{
	uint16_t last = 0;
	if (a->an[EXT_SIP] && a->an[EXT_SIP] <= s->npool)
		last = s->pool[a->an[EXT_SIP] - 1].last_shape;
	if (last && s->layout_owner[(last - 1) & (LAYOUTS - 1)] == last)
		return &s->layout[(last - 1) & (LAYOUTS - 1)];
	if (!last && s->last_layout && s->layout_owner[s->last_layout - 1])
		return &s->layout[s->last_layout - 1];
	return NULL;
}

/* Keeps the layout of a request just parsed for its cache entry. */
static void keep_layout(sip_an *s, const cache_ent *c, const sip_msg *m, const uint8_t *data,
			size_t len)
{
	uint16_t id = (uint16_t)(c - s->cache + 1);
	size_t k = (size_t)(id - 1) & (LAYOUTS - 1);
	s->layout_owner[k] = 0;
	if (sip_layout_keep(&s->layout[k], m, data, len) == 0) {
		s->layout_owner[k] = id;
		s->last_layout = (uint16_t)(k + 1);
	}
}

static void on_message(sip_an *s, acc *a, const pkt_view *v, const uint8_t *data, size_t len)
{
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	/* a scanner repeats its last request's layout: read it that way
	 * (the same result as parsing, see sip_parse_like), else parse */
	const sip_layout *lay = layout_of(s, a);
	int replayed = lay && sip_parse_like(lay, &m, data, len, h, SIP_HDRS) == SIP_OK;
	if (!replayed && sip_parse(&m, data, len, h, SIP_HDRS, SIP_PARSE_NO_CHECKS) != SIP_OK)
		return;
	src_state *st = state_of(s, a);
	if (!st)
		return;
	s->messages++;
	if (m.kind == SIP_RESPONSE) {
		st->responses++;
		return;
	}
	count_request(st, &m);
	uint64_t before = state_mem(st);
	cache_ent *c;
	if (classify(s, st, &m, &c) >= 0)
		attribute_known(s, st, &m, v, c);
	else
		attribute_unknown(s, st, &m, v, c->unknown);
	s->pool_mem += state_mem(st) - before; /* states only grow until cleared */
	if (!replayed)
		keep_layout(s, c, &m, data, len);
}

static void on_stream_message(void *ctx, const uint8_t *msg, size_t len)
{
	sip_an *s = ctx;
	on_message(s, s->cur_acc, s->cur_v, msg, len);
}

static int sip_port(uint16_t p)
{
	return (p >= 5060 && p <= 5069) || p == 5080;
}

static void an_observe(void *self, ptable *t, uint32_t idx, acc *a, const pkt_view *v)
{
	(void)t;
	(void)idx;
	sip_an *s = self;
	if (!v->payload_len || !v->l4_ok || (v->proto != 17 && v->proto != 6))
		return;
	if (!sip_port(v->dport) && !sip_port(v->sport) &&
	    !sip_looks_like(v->payload, v->payload_len))
		return;
	if (v->proto == 17) {
		on_message(s, a, v, v->payload, v->payload_len);
		return;
	}
	sip_segment g = {v->src, v->dst,       v->sport,   v->dport,
			 v->seq, v->tcp_flags, v->payload, v->payload_len};
	s->cur_acc = a;
	s->cur_v = v;
	sip_stream_feed(s->stream, &g, on_stream_message, s);
}

/* ---- export ----------------------------------------------------------------------- */

static void export_lists(sip_an *s, const src_state *st, sip_blob *b)
{
	for (int i = 0; i < st->nat; i++) {
		blob_attr *a = &s->attr[st->at[i].attr];
		a->count = st->at[i].count;
		a->first_ns = st->at[i].first_ns;
		a->last_ns = st->at[i].last_ns;
		sip_blob_add_attr(b, a);
	}
	for (int i = 0; i < st->nun; i++) {
		blob_shape sh = s->shape[st->un[i].attr];
		sh.count = st->un[i].count;
		sh.first_ns = st->un[i].first_ns;
		sh.last_ns = st->un[i].last_ns;
		sip_blob_add_unknown(b, &sh);
	}
	for (int i = 0; i < st->nag; i++) {
		const sip_agent *ag = &s->sigs->agent[st->ag[i].agent];
		blob_agent x;
		memset(&x, 0, sizeof x);
		snprintf(x.tool, sizeof x.tool, "%s", ag->tool);
		snprintf(x.header, sizeof x.header, "%s", ag->header);
		snprintf(x.needle, sizeof x.needle, "%s", ag->needle);
		x.count = st->ag[i].count;
		sip_blob_add_agent(b, &x);
	}
	for (unsigned m = 0; m < SIP_M_COUNT; m++)
		if (st->method[m])
			sip_blob_add_method(b, m ? sip_method_name(m) : "other", st->method[m]);
}

static void export_host(const src_state *st, sip_blob *b)
{
	b->requests = st->requests;
	b->responses = st->responses;
	b->dialog = st->dialog;
	b->auth = st->auth;
	dset_copy(&b->exts, &st->exts);
	dset_copy(&b->passwords, &st->passwords);
	dset_copy(&b->auth_resp, &st->auth_resp);
	dset_copy(&b->users, &st->users);
	dset_copy(&b->targets, &st->targets);
	for (int i = 0; i < st->nloc; i++)
		sip_blob_add_local(b, st->loc[i].ip, st->loc[i].where, st->loc[i].count);
	b->localports = st->localports;
	b->port_base = st->port_base;
	b->concurrent = st->concurrent;
	b->tags_decoded = st->tags_decoded;
	b->tags_elsewhere = st->tags_elsewhere;
	for (int i = 0; i < st->ntag; i++)
		sip_blob_add_tag(b, &st->tag[i]);
	memcpy(b->stage, st->stage, sizeof b->stage);
	for (int i = 0; st->samples && i < st->next; i++)
		sip_blob_add_sample(b->ext_sample, &b->next, st->samples->ext[i]);
	for (int i = 0; st->samples && i < st->npass; i++)
		sip_blob_add_pass(b, st->samples->pass[i]);
}

static void an_export(void *self, ptable *t, uint32_t idx, buf *blob)
{
	sip_an *s = self;
	acc *a = ptable_at(t, idx);
	if (!a || !a->an[EXT_SIP] || a->an[EXT_SIP] > s->npool)
		return;
	const src_state *st = &s->pool[a->an[EXT_SIP] - 1];
	sip_blob *b = s->out;
	sip_blob_free(b);
	sip_blob_init(b);
	export_lists(s, st, b);
	export_host(st, b);
	buf_reset(blob);
	sip_blob_encode(b, blob);
}

const analyzer_ops sip_analyzer = {
    .name = "sip",
    .ext = EXT_SIP,
    .create = an_create,
    .destroy = an_destroy,
    .observe = an_observe,
    .export = an_export,
    .clear = an_clear,
    .mem = an_mem,
};
