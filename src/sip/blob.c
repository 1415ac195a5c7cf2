/* The EXT_SIP blob: encoding, decoding (through a cursor: a store is input
 * too) and the merge (blob.h). */
#include "sip/blob.h"

#include "decode/cursor.h"
#include "profile/profile.h"
#include "util/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOB_VERSION 1

void sip_blob_init(sip_blob *b)
{
	memset(b, 0, offsetof(sip_blob, attr));
	dset_init(&b->exts);
	dset_init(&b->passwords);
	dset_init(&b->auth_resp);
	dset_init(&b->users);
	dset_init(&b->targets);
}

void sip_blob_free(sip_blob *b)
{
	dset_free(&b->exts);
	dset_free(&b->passwords);
	dset_free(&b->auth_resp);
	dset_free(&b->users);
	dset_free(&b->targets);
}

/* ---- capped, ordered lists ------------------------------------------------ */

static uint64_t hash_str(const char *s, uint64_t h)
{
	return hash_bytes(s, strlen(s) + 1, h);
}

uint64_t blob_attr_hash(const char *tmpl, const char *version, const char *kit,
			const sip_change *ch, int nch, const char (*dev)[300], int ndev)
{
	uint64_t h = 0x51b;
	h = hash_str(tmpl, h);
	h = hash_str(version, h);
	h = hash_str(kit, h);
	for (int i = 0; i < nch; i++) {
		h = hash_str(ch[i].field, h ^ ch[i].kind);
		h = hash_str(ch[i].expected, h);
		h = hash_str(ch[i].seen, h);
	}
	for (int i = 0; i < ndev; i++)
		h = hash_str(dev[i], h);
	return h;
}

uint64_t blob_attr_key(const blob_attr *a)
{
	return blob_attr_hash(a->tmpl, a->version, a->kit, a->change, a->nchange,
			      (const char(*)[300])a->dev, a->ndev);
}

/* Inserts item into arr (n entries of size sz, ordered by cmp), keeping
 * the cap smallest. Returns the index of an entry that had the same key
 * (the caller adds the counts), else -1 (inserted, or fell off the end). */
typedef int (*cmp_fn)(const void *, const void *);

static int ordered_insert(void *arr, uint8_t *n, int cap, size_t sz, const void *item, cmp_fn cmp)
{
	uint8_t *base = arr;
	int at = 0;
	while (at < *n) {
		int c = cmp(base + (size_t)at * sz, item);
		if (c == 0)
			return at;
		if (c > 0)
			break;
		at++;
	}
	if (at >= cap)
		return -1;
	int last = *n < cap ? *n : cap - 1;
	memmove(base + (size_t)(at + 1) * sz, base + (size_t)at * sz, (size_t)(last - at) * sz);
	memcpy(base + (size_t)at * sz, item, sz);
	if (*n < cap)
		(*n)++;
	return -1;
}

#define INSERT(arr, n, cap, item, cmp)                                                             \
	ordered_insert((arr), &(n), (cap), sizeof(arr)[0], (item), (cmp))

static int cmp_attr(const void *va, const void *vb)
{
	const blob_attr *a = va, *b = vb;
	return a->key < b->key ? -1 : a->key > b->key;
}

static void merge_times(int64_t *first, int64_t *last, int64_t f, int64_t l)
{
	if (f && (!*first || f < *first))
		*first = f;
	if (l > *last)
		*last = l;
}

void sip_blob_add_attr(sip_blob *b, const blob_attr *a)
{
	int r = INSERT(b->attr, b->nattr, BLOB_ATTRS, a, cmp_attr);
	if (r >= 0) {
		b->attr[r].count += a->count;
		merge_times(&b->attr[r].first_ns, &b->attr[r].last_ns, a->first_ns, a->last_ns);
	}
}

static int cmp_shape(const void *va, const void *vb)
{
	const blob_shape *a = va, *b = vb;
	return a->hash < b->hash ? -1 : a->hash > b->hash;
}

void sip_blob_add_unknown(sip_blob *b, const blob_shape *s)
{
	int r = INSERT(b->unknown, b->nunknown, BLOB_UNKNOWN, s, cmp_shape);
	if (r >= 0) {
		b->unknown[r].count += s->count;
		merge_times(&b->unknown[r].first_ns, &b->unknown[r].last_ns, s->first_ns,
			    s->last_ns);
	}
}

static int cmp_agent(const void *va, const void *vb)
{
	const blob_agent *a = va, *b = vb;
	int c = strcmp(a->tool, b->tool);
	if (!c)
		c = strcmp(a->header, b->header);
	return c ? c : strcmp(a->needle, b->needle);
}

void sip_blob_add_agent(sip_blob *b, const blob_agent *a)
{
	int r = INSERT(b->agent, b->nagent, BLOB_AGENTS, a, cmp_agent);
	if (r >= 0)
		b->agent[r].count += a->count;
}

typedef struct method_count {
	char name[24];
	uint64_t count;
} method_count;

static int cmp_method(const void *va, const void *vb)
{
	const method_count *a = va, *b = vb;
	return strcmp(a->name, b->name);
}

void sip_blob_add_method(sip_blob *b, const char *name, uint64_t count)
{
	method_count m = {{0}, count};
	snprintf(m.name, sizeof m.name, "%s", name);
	method_count *arr = (method_count *)(void *)b->method;
	int r = INSERT(arr, b->nmethod, BLOB_METHODS, &m, cmp_method);
	if (r >= 0)
		b->method[r].count += count;
}

static int cmp_local(const void *va, const void *vb)
{
	const blob_local *a = va, *b = vb;
	return memcmp(a->ip, b->ip, 16);
}

void sip_blob_add_local(sip_blob *b, const uint8_t ip[16], uint8_t where, uint64_t count)
{
	blob_local l;
	memcpy(l.ip, ip, 16);
	l.where = where;
	l.count = count;
	int r = INSERT(b->local, b->nlocal, BLOB_LOCALS, &l, cmp_local);
	if (r >= 0) {
		b->local[r].where |= where;
		b->local[r].count += count;
	}
}

static int cmp_tag(const void *va, const void *vb)
{
	const blob_tag *a = va, *b = vb;
	if (a->target != b->target)
		return a->target < b->target ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->dst != b->dst)
		return a->dst < b->dst ? -1 : 1;
	return a->dport < b->dport ? -1 : a->dport > b->dport;
}

void sip_blob_add_tag(sip_blob *b, const blob_tag *t)
{
	(void)INSERT(b->tag, b->ntag, BLOB_TAGS, t, cmp_tag);
}

/* Shorter first, then by bytes: "99" before "100". */
static int cmp_natural(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

typedef struct sample24 {
	char s[24];
} sample24;
typedef struct sample48 {
	char s[48];
} sample48;

static int cmp_s24(const void *va, const void *vb)
{
	const sample24 *a = va, *b = vb;
	return cmp_natural(a->s, b->s);
}

static int cmp_s48(const void *va, const void *vb)
{
	const sample48 *a = va, *b = vb;
	return cmp_natural(a->s, b->s);
}

void sip_blob_add_sample(char (*list)[24], uint8_t *n, const char *v)
{
	sample24 x;
	snprintf(x.s, sizeof x.s, "%s", v);
	sample24 *arr = (sample24 *)(void *)list;
	(void)INSERT(arr, *n, BLOB_SAMPLES, &x, cmp_s24);
}

void sip_blob_add_pass(sip_blob *b, const char *v)
{
	sample48 x;
	snprintf(x.s, sizeof x.s, "%s", v);
	sample48 *arr = (sample48 *)(void *)b->pass_sample;
	(void)INSERT(arr, b->npass, BLOB_SAMPLES, &x, cmp_s48);
}

/* ---- merge ------------------------------------------------------------------ */

void sip_blob_merge(sip_blob *d, const sip_blob *s)
{
	for (int i = 0; i < s->nattr; i++)
		sip_blob_add_attr(d, &s->attr[i]);
	for (int i = 0; i < s->nunknown; i++)
		sip_blob_add_unknown(d, &s->unknown[i]);
	for (int i = 0; i < s->nagent; i++)
		sip_blob_add_agent(d, &s->agent[i]);
	for (int i = 0; i < s->nmethod; i++)
		sip_blob_add_method(d, s->method[i].name, s->method[i].count);
	d->requests += s->requests;
	d->responses += s->responses;
	d->dialog += s->dialog;
	d->auth += s->auth;
	dset_merge(&d->exts, &s->exts);
	dset_merge(&d->passwords, &s->passwords);
	dset_merge(&d->auth_resp, &s->auth_resp);
	dset_merge(&d->users, &s->users);
	dset_merge(&d->targets, &s->targets);
	for (int i = 0; i < s->nlocal; i++)
		sip_blob_add_local(d, s->local[i].ip, s->local[i].where, s->local[i].count);
	d->localports |= s->localports;
	if (s->port_base && (!d->port_base || s->port_base < d->port_base))
		d->port_base = s->port_base;
	if (s->concurrent > d->concurrent)
		d->concurrent = s->concurrent;
	d->tags_decoded += s->tags_decoded;
	d->tags_elsewhere += s->tags_elsewhere;
	for (int i = 0; i < s->ntag; i++)
		sip_blob_add_tag(d, &s->tag[i]);
	for (int i = 0; i < BLOB_STAGES; i++) {
		d->stage[i].count += s->stage[i].count;
		merge_times(&d->stage[i].first_ns, &d->stage[i].last_ns, s->stage[i].first_ns,
			    s->stage[i].last_ns);
	}
	for (int i = 0; i < s->next; i++)
		sip_blob_add_sample(d->ext_sample, &d->next, s->ext_sample[i]);
	for (int i = 0; i < s->npass; i++)
		sip_blob_add_pass(d, s->pass_sample[i]);
}

/* ---- encoding ---------------------------------------------------------------- */

static void put_str(buf *o, const char *s)
{
	size_t n = strlen(s);
	buf_put_uv(o, n);
	buf_put(o, s, n);
}

static void put_attr(buf *o, const blob_attr *a)
{
	put_str(o, a->tmpl);
	put_str(o, a->tool);
	put_str(o, a->component);
	put_str(o, a->version);
	put_str(o, a->kit);
	buf_put_uv(o, a->kit_marks);
	buf_put_uv(o, a->kit_total);
	buf_put_uv(o, a->release);
	buf_put_uv(o, a->confidence);
	put_str(o, a->order);
	put_str(o, a->note);
	put_str(o, a->kit_note);
	buf_put_uv(o, a->nchange);
	for (int i = 0; i < a->nchange; i++) {
		buf_put_uv(o, a->change[i].kind);
		put_str(o, a->change[i].field);
		put_str(o, a->change[i].expected);
		put_str(o, a->change[i].seen);
	}
	buf_put_uv(o, a->ndev);
	for (int i = 0; i < a->ndev; i++)
		put_str(o, a->dev[i]);
	buf_put_uv(o, a->count);
	buf_put_sv(o, a->first_ns);
	buf_put_sv(o, a->last_ns);
}

void sip_blob_encode(const sip_blob *b, buf *o)
{
	buf_put_uv(o, BLOB_VERSION);
	buf_put_uv(o, b->nattr);
	for (int i = 0; i < b->nattr; i++)
		put_attr(o, &b->attr[i]);
	buf_put_uv(o, b->nunknown);
	for (int i = 0; i < b->nunknown; i++) {
		buf_put_uv(o, b->unknown[i].hash);
		put_str(o, b->unknown[i].summary);
		buf_put_uv(o, b->unknown[i].count);
		buf_put_sv(o, b->unknown[i].first_ns);
		buf_put_sv(o, b->unknown[i].last_ns);
	}
	buf_put_uv(o, b->nagent);
	for (int i = 0; i < b->nagent; i++) {
		put_str(o, b->agent[i].tool);
		put_str(o, b->agent[i].header);
		put_str(o, b->agent[i].needle);
		buf_put_uv(o, b->agent[i].count);
	}
	buf_put_uv(o, b->nmethod);
	for (int i = 0; i < b->nmethod; i++) {
		put_str(o, b->method[i].name);
		buf_put_uv(o, b->method[i].count);
	}
	buf_put_uv(o, b->requests);
	buf_put_uv(o, b->responses);
	buf_put_uv(o, b->dialog);
	buf_put_uv(o, b->auth);
	dset_encode(&b->exts, o);
	dset_encode(&b->passwords, o);
	dset_encode(&b->auth_resp, o);
	dset_encode(&b->users, o);
	dset_encode(&b->targets, o);
	buf_put_uv(o, b->nlocal);
	for (int i = 0; i < b->nlocal; i++) {
		buf_put(o, b->local[i].ip, 16);
		buf_put_uv(o, b->local[i].where);
		buf_put_uv(o, b->local[i].count);
	}
	buf_put_uv(o, b->localports);
	buf_put_uv(o, b->port_base);
	buf_put_uv(o, b->concurrent);
	buf_put_uv(o, b->tags_decoded);
	buf_put_uv(o, b->tags_elsewhere);
	buf_put_uv(o, b->ntag);
	for (int i = 0; i < b->ntag; i++) {
		buf_put_uv(o, b->tag[i].target);
		buf_put_uv(o, b->tag[i].port);
		buf_put_uv(o, b->tag[i].dst);
		buf_put_uv(o, b->tag[i].dport);
	}
	for (int i = 0; i < BLOB_STAGES; i++) {
		buf_put_uv(o, b->stage[i].count);
		buf_put_sv(o, b->stage[i].first_ns);
		buf_put_sv(o, b->stage[i].last_ns);
	}
	buf_put_uv(o, b->next);
	for (int i = 0; i < b->next; i++)
		put_str(o, b->ext_sample[i]);
	buf_put_uv(o, b->npass);
	for (int i = 0; i < b->npass; i++)
		put_str(o, b->pass_sample[i]);
}

/* ---- decoding ------------------------------------------------------------------ */

static void get_str(cursor *c, char *out, size_t cap)
{
	uint64_t n = rd_uv(c);
	if (n > rd_left(c)) {
		rd_fail(c);
		out[0] = 0;
		return;
	}
	const uint8_t *p = rd_view(c, (size_t)n);
	size_t k = n < cap - 1 ? (size_t)n : cap - 1;
	if (p)
		memcpy(out, p, k);
	out[p ? k : 0] = 0;
}

static uint64_t get_count(cursor *c, uint64_t max)
{
	uint64_t v = rd_uv(c);
	if (v > max)
		rd_fail(c);
	return v > max ? 0 : v;
}

static void get_attr(cursor *c, blob_attr *a)
{
	memset(a, 0, sizeof *a);
	get_str(c, a->tmpl, sizeof a->tmpl);
	get_str(c, a->tool, sizeof a->tool);
	get_str(c, a->component, sizeof a->component);
	get_str(c, a->version, sizeof a->version);
	get_str(c, a->kit, sizeof a->kit);
	a->kit_marks = (uint8_t)get_count(c, 255);
	a->kit_total = (uint8_t)get_count(c, 255);
	a->release = (uint8_t)get_count(c, 1);
	a->confidence = (uint16_t)get_count(c, 1000);
	get_str(c, a->order, sizeof a->order);
	get_str(c, a->note, sizeof a->note);
	get_str(c, a->kit_note, sizeof a->kit_note);
	a->nchange = (uint8_t)get_count(c, ATTR_CHANGES);
	for (int i = 0; i < a->nchange; i++) {
		a->change[i].kind = (uint8_t)get_count(c, CH_ADDED);
		get_str(c, a->change[i].field, sizeof a->change[i].field);
		get_str(c, a->change[i].expected, sizeof a->change[i].expected);
		get_str(c, a->change[i].seen, sizeof a->change[i].seen);
	}
	a->ndev = (uint8_t)get_count(c, ATTR_DEVS);
	for (int i = 0; i < a->ndev; i++)
		get_str(c, a->dev[i], sizeof a->dev[i]);
	a->count = rd_uv(c);
	a->first_ns = rd_sv(c);
	a->last_ns = rd_sv(c);
	a->key = blob_attr_key(a);
}

static void get_lists(cursor *c, sip_blob *b)
{
	uint64_t n = get_count(c, BLOB_ATTRS);
	blob_attr *a = malloc(sizeof *a);
	for (uint64_t i = 0; i < n && rd_ok(c) && a; i++) {
		get_attr(c, a);
		sip_blob_add_attr(b, a);
	}
	free(a);
	if (!a && n)
		rd_fail(c);
	n = get_count(c, BLOB_UNKNOWN);
	for (uint64_t i = 0; i < n && rd_ok(c); i++) {
		blob_shape s;
		s.hash = rd_uv(c);
		get_str(c, s.summary, sizeof s.summary);
		s.count = rd_uv(c);
		s.first_ns = rd_sv(c);
		s.last_ns = rd_sv(c);
		sip_blob_add_unknown(b, &s);
	}
	n = get_count(c, BLOB_AGENTS);
	for (uint64_t i = 0; i < n && rd_ok(c); i++) {
		blob_agent g;
		get_str(c, g.tool, sizeof g.tool);
		get_str(c, g.header, sizeof g.header);
		get_str(c, g.needle, sizeof g.needle);
		g.count = rd_uv(c);
		sip_blob_add_agent(b, &g);
	}
	n = get_count(c, BLOB_METHODS);
	for (uint64_t i = 0; i < n && rd_ok(c); i++) {
		char name[24];
		get_str(c, name, sizeof name);
		sip_blob_add_method(b, name, rd_uv(c));
	}
}

static void get_host(cursor *c, sip_blob *b)
{
	uint64_t n = get_count(c, BLOB_LOCALS);
	for (uint64_t i = 0; i < n && rd_ok(c); i++) {
		uint8_t ip[16];
		rd_bytes(c, ip, 16);
		uint8_t where = (uint8_t)get_count(c, 255);
		sip_blob_add_local(b, ip, where, rd_uv(c));
	}
	b->localports = rd_uv(c);
	b->port_base = (uint16_t)get_count(c, 65535);
	b->concurrent = (uint16_t)get_count(c, 65535);
	b->tags_decoded = rd_uv(c);
	b->tags_elsewhere = rd_uv(c);
	n = get_count(c, BLOB_TAGS);
	for (uint64_t i = 0; i < n && rd_ok(c); i++) {
		blob_tag t;
		t.target = (uint32_t)get_count(c, UINT32_MAX);
		t.port = (uint16_t)get_count(c, 65535);
		t.dst = (uint32_t)get_count(c, UINT32_MAX);
		t.dport = (uint16_t)get_count(c, 65535);
		sip_blob_add_tag(b, &t);
	}
	for (int i = 0; i < BLOB_STAGES; i++) {
		b->stage[i].count = rd_uv(c);
		b->stage[i].first_ns = rd_sv(c);
		b->stage[i].last_ns = rd_sv(c);
	}
	n = get_count(c, BLOB_SAMPLES);
	for (uint64_t i = 0; i < n && rd_ok(c); i++) {
		char v[24];
		get_str(c, v, sizeof v);
		sip_blob_add_sample(b->ext_sample, &b->next, v);
	}
	n = get_count(c, BLOB_SAMPLES);
	for (uint64_t i = 0; i < n && rd_ok(c); i++) {
		char v[48];
		get_str(c, v, sizeof v);
		sip_blob_add_pass(b, v);
	}
}

int sip_blob_decode(sip_blob *b, const uint8_t *p, size_t len)
{
	sip_blob_free(b);
	sip_blob_init(b);
	if (!len)
		return 0;
	cursor c = rd_init(p, len);
	if (rd_uv(&c) != BLOB_VERSION) {
		return -1;
	}
	get_lists(&c, b);
	b->requests = rd_uv(&c);
	b->responses = rd_uv(&c);
	b->dialog = rd_uv(&c);
	b->auth = rd_uv(&c);
	int ok = rd_ok(&c) && dset_decode(&b->exts, &c) == 0 &&
		 dset_decode(&b->passwords, &c) == 0 && dset_decode(&b->auth_resp, &c) == 0 &&
		 dset_decode(&b->users, &c) == 0 && dset_decode(&b->targets, &c) == 0;
	if (ok)
		get_host(&c, b);
	if (!ok || !rd_ok(&c)) {
		sip_blob_free(b);
		sip_blob_init(b);
		return -1;
	}
	return 0;
}

/* ---- the ext slot --------------------------------------------------------------- */

static int blob_merge(buf *out, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	sip_blob *x = malloc(sizeof *x), *y = malloc(sizeof *y);
	int rc = -1;
	if (x && y) {
		sip_blob_init(x);
		sip_blob_init(y);
		if (sip_blob_decode(x, a, alen) == 0 && sip_blob_decode(y, b, blen) == 0) {
			sip_blob_merge(x, y);
			sip_blob_encode(x, out);
			rc = out->oom ? -1 : 0;
		}
		sip_blob_free(x);
		sip_blob_free(y);
	}
	free(x);
	free(y);
	return rc;
}

const profile_ext_ops sip_ext_ops = {"sip", blob_merge};
