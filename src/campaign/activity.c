/* The activity analyser (activity.h): the days each source was active, and
 * per destination port and day the probes and their distinct sources.
 *
 * Per source: a 12-byte record (chunks indexed by the table's record
 * number, as the host analyser keeps its own) with a bit set of 32 days
 * from the first day seen, and the port and day of its last probe. Days
 * outside those 32 (a capture over more than a month, or out of order) go
 * to a small side set. Per port and day: an entry with the probe count and
 * a distinct set of sources, found through a page of 256 ports of the
 * day's plane; a source's probe is added to the set only when its port or
 * day changed since its previous probe, so a source hammering one port
 * costs a compare, not a set lookup. */
#include "campaign/activity.h"

#include "decode/cursor.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BITS   16
#define CHUNK_RECS   (1u << CHUNK_BITS)
#define MAX_CHUNKS   (1u << 16)
#define BLOB_VERSION 1

/* --- days ------------------------------------------------------------------ */

int act_day_of(int64_t ns, int32_t *day)
{
	if (ns < 0)
		return -1;
	int64_t d = ns / ACT_DAY_NS;
	if (d > ACT_DAY_LAST)
		return -1;
	*day = (int32_t)d;
	return 0;
}

void act_days_add(act_days *d, int32_t day)
{
	uint32_t i = d->n;
	while (i > 0 && d->day[i - 1] > day)
		i--;
	if (i > 0 && d->day[i - 1] == day)
		return;
	if (d->n == ACT_DAYS_MAX) {
		if (i == 0)
			return; /* older than every day kept */
		memmove(d->day, d->day + 1, (size_t)(i - 1) * sizeof d->day[0]);
		d->day[i - 1] = day;
		return;
	}
	memmove(d->day + i + 1, d->day + i, (size_t)(d->n - i) * sizeof d->day[0]);
	d->day[i] = day;
	d->n++;
}

/* The latest ACT_DAYS_MAX of the union: walk both from their ends. A day
 * kept in the whole is among the latest of every part, so the cap does not
 * depend on how the days were split. */
void act_days_union(act_days *d, const act_days *o)
{
	static __thread int32_t tmp[ACT_DAYS_MAX];
	uint32_t i = d->n, j = o->n, k = ACT_DAYS_MAX;
	while ((i || j) && k) {
		int32_t v;
		if (i && (!j || d->day[i - 1] >= o->day[j - 1])) {
			v = d->day[--i];
			if (j && o->day[j - 1] == v)
				j--;
		} else {
			v = o->day[--j];
		}
		tmp[--k] = v;
	}
	d->n = ACT_DAYS_MAX - k;
	memcpy(d->day, tmp + k, (size_t)d->n * sizeof d->day[0]);
}

void act_days_encode(const act_days *d, buf *out)
{
	buf_putc(out, BLOB_VERSION);
	buf_put_uv(out, d->n);
	int32_t prev = 0;
	for (uint32_t i = 0; i < d->n; i++) {
		buf_put_uv(out, (uint64_t)(d->day[i] - prev));
		prev = d->day[i];
	}
}

int act_days_decode(const uint8_t *p, size_t len, act_days *d)
{
	cursor c = rd_init(p, len);
	d->n = 0;
	if (rd_u8(&c) != BLOB_VERSION)
		goto bad;
	uint64_t n = rd_uv(&c);
	if (n > ACT_DAYS_MAX)
		goto bad;
	int64_t day = 0;
	for (uint64_t i = 0; i < n && rd_ok(&c); i++) {
		uint64_t delta = rd_uv(&c);
		/* ascending without repeats, and every day a valid one */
		if ((i > 0 && delta == 0) || delta > ACT_DAY_LAST ||
		    day + (int64_t)delta > ACT_DAY_LAST)
			goto bad;
		day += (int64_t)delta;
		d->day[d->n++] = (int32_t)day;
	}
	if (!rd_ok(&c) || rd_left(&c))
		goto bad;
	return 0;
bad:
	d->n = 0;
	return -1;
}

int act_days_of(const profile *p, act_days *d)
{
	const buf *e = &p->ext[EXT_CAMPAIGN];
	d->n = 0;
	return e->len ? act_days_decode(e->p, e->len, d) : 0;
}

/* An unreadable blob merges as empty: the other side's days survive. */
static int days_merge(buf *out, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	act_days *x = malloc(2 * sizeof *x);
	if (!x)
		return -1;
	act_days *y = x + 1;
	if (act_days_decode(a, alen, x) < 0)
		x->n = 0;
	if (act_days_decode(b, blen, y) < 0)
		y->n = 0;
	act_days_union(x, y);
	buf_init(out);
	if (x->n)
		act_days_encode(x, out);
	free(x);
	return out->oom ? -1 : 0;
}

const profile_ext_ops campaign_ext_ops = {
    .name = "activity",
    .merge = days_merge,
};

/* --- the analyser ------------------------------------------------------------ */

typedef struct astate {
	uint32_t days;	    /* bit k: active on day day0 - 1 + k */
	uint32_t last_port; /* proto << 16 | port of the last probe (0: none) */
	uint16_t day0;	    /* first day seen + 1 (0: none) */
	uint16_t last_day;  /* the day of that probe */
} astate;
_Static_assert(sizeof(astate) == 12, "keep the per-source record small");

typedef struct pd_entry {
	int32_t day;
	uint32_t port;
	uint64_t packets;
	uint32_t mem; /* bytes its set holds */
	dset sources;
} pd_entry;

/* One day: per protocol (TCP, UDP) 256 pages of 256 ports, each slot the
 * entry number + 1 (0: none yet). */
typedef struct plane {
	int32_t day;
	uint32_t *page[2][256];
} plane;

typedef struct act_an {
	int64_t lo, hi; /* the day of the last packet seen: [lo, hi) */
	int32_t day;	/* its number, -1 if no day */
	plane *cur;	/* its plane, once a probe needed it */
	plane **planes;
	uint32_t nplanes, capplanes;
	pd_entry *ent;
	uint32_t nent, capent;
	uint64_t *spill; /* days outside a record's 32: idx << 32 | day, a hash set */
	uint32_t nspill, capspill;
	uint64_t *spill_sorted; /* the same, sorted, made at the first export */
	uint32_t nsorted;
	uint64_t mem;
	uint32_t nchunks;
	astate *chunk[MAX_CHUNKS];
} act_an;

static void *act_create(void)
{
	act_an *s = calloc(1, sizeof *s);
	if (s) {
		s->day = -1;
		s->lo = s->hi = 0;
	}
	return s;
}

static void act_clear(void *self)
{
	act_an *s = self;
	if (!s)
		return;
	for (uint32_t c = 0; c < s->nchunks; c++) {
		free(s->chunk[c]);
		s->chunk[c] = NULL;
	}
	s->nchunks = 0;
	for (uint32_t i = 0; i < s->nplanes; i++) {
		for (int k = 0; k < 2; k++)
			for (int g = 0; g < 256; g++)
				free(s->planes[i]->page[k][g]);
		free(s->planes[i]);
	}
	free(s->planes);
	s->planes = NULL;
	s->nplanes = s->capplanes = 0;
	s->cur = NULL;
	for (uint32_t i = 0; i < s->nent; i++)
		dset_free(&s->ent[i].sources);
	free(s->ent);
	s->ent = NULL;
	s->nent = s->capent = 0;
	free(s->spill);
	free(s->spill_sorted);
	s->spill = s->spill_sorted = NULL;
	s->nspill = s->capspill = s->nsorted = 0;
	s->mem = 0;
}

static void act_destroy(void *self)
{
	act_clear(self);
	free(self);
}

static uint64_t act_mem(void *self)
{
	act_an *s = self;
	return s ? s->mem + sizeof *s : 0;
}

static astate *state_at(act_an *s, uint32_t idx)
{
	uint32_t c = idx >> CHUNK_BITS;
	if (c >= MAX_CHUNKS)
		return NULL;
	while (s->nchunks <= c) {
		s->chunk[s->nchunks] = calloc(CHUNK_RECS, sizeof(astate));
		if (!s->chunk[s->nchunks])
			return NULL;
		s->nchunks++;
		s->mem += CHUNK_RECS * sizeof(astate);
	}
	return &s->chunk[c][idx & (CHUNK_RECS - 1)];
}

static const astate *state_peek(const act_an *s, uint32_t idx)
{
	uint32_t c = idx >> CHUNK_BITS;
	return c < s->nchunks ? &s->chunk[c][idx & (CHUNK_RECS - 1)] : NULL;
}

static void act_prefetch(void *self, uint32_t idx)
{
	const act_an *s = self;
	uint32_t c = idx >> CHUNK_BITS;
	if (s && c < s->nchunks)
		analyzer_prefetch_record(&s->chunk[c][idx & (CHUNK_RECS - 1)], sizeof(astate));
}

/* The packet's time left the cached day. */
static void switch_day(act_an *s, int64_t ts)
{
	int32_t d;
	s->cur = NULL;
	if (act_day_of(ts, &d) < 0) {
		s->day = -1;
		s->lo = ts < 0 ? INT64_MIN : (int64_t)(ACT_DAY_LAST + 1) * ACT_DAY_NS;
		s->hi = ts < 0 ? 0 : INT64_MAX;
		return;
	}
	s->day = d;
	s->lo = (int64_t)d * ACT_DAY_NS;
	s->hi = s->lo + ACT_DAY_NS;
}

/* --- days outside a record's window ------------------------------------------ */

static int spill_grow(act_an *s)
{
	uint32_t ncap = s->capspill ? s->capspill * 2 : 256;
	uint64_t *n = calloc(ncap, sizeof *n);
	if (!n)
		return -1;
	for (uint32_t i = 0; i < s->capspill; i++) {
		uint64_t k = s->spill[i];
		if (!k)
			continue;
		uint32_t h = (uint32_t)hash_mix64(k) & (ncap - 1);
		while (n[h])
			h = (h + 1) & (ncap - 1);
		n[h] = k;
	}
	s->mem += (uint64_t)(ncap - s->capspill) * sizeof *n;
	free(s->spill);
	s->spill = n;
	s->capspill = ncap;
	return 0;
}

static void spill_add(act_an *s, uint32_t idx, uint16_t day)
{
	uint64_t k = (uint64_t)idx << 32 | day; /* idx >= 1: never 0 */
	if (s->nspill * 2 >= s->capspill && spill_grow(s) < 0)
		return;
	uint32_t h = (uint32_t)hash_mix64(k) & (s->capspill - 1);
	while (s->spill[h]) {
		if (s->spill[h] == k)
			return;
		h = (h + 1) & (s->capspill - 1);
	}
	s->spill[h] = k;
	s->nspill++;
	free(s->spill_sorted); /* made again at the next export */
	s->spill_sorted = NULL;
	s->nsorted = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void spill_days(act_an *s, uint32_t idx, act_days *d)
{
	if (!s->nspill)
		return;
	if (!s->spill_sorted) {
		s->spill_sorted = malloc(s->nspill * sizeof *s->spill_sorted);
		if (!s->spill_sorted)
			return;
		s->nsorted = 0;
		for (uint32_t i = 0; i < s->capspill; i++)
			if (s->spill[i])
				s->spill_sorted[s->nsorted++] = s->spill[i];
		qsort(s->spill_sorted, s->nsorted, sizeof *s->spill_sorted, cmp_u64);
	}
	uint32_t lo = 0, hi = s->nsorted;
	uint64_t want = (uint64_t)idx << 32;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (s->spill_sorted[mid] < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->nsorted && s->spill_sorted[lo] >> 32 == idx; lo++)
		act_days_add(d, (int32_t)(s->spill_sorted[lo] & 0xffff));
}

/* --- per port and day ---------------------------------------------------------- */

static plane *plane_for(act_an *s, int32_t day)
{
	for (uint32_t i = 0; i < s->nplanes; i++)
		if (s->planes[i]->day == day)
			return s->planes[i];
	if (s->nplanes == s->capplanes) {
		uint32_t ncap = s->capplanes ? s->capplanes * 2 : 8;
		plane **n = realloc(s->planes, ncap * sizeof *n);
		if (!n)
			return NULL;
		s->planes = n;
		s->capplanes = ncap;
	}
	plane *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->day = day;
	s->planes[s->nplanes++] = p;
	s->mem += sizeof *p;
	return p;
}

static uint32_t entry_new(act_an *s, int32_t day, uint32_t port)
{
	if (s->nent == s->capent) {
		uint32_t ncap = s->capent ? s->capent * 2 : 1024;
		pd_entry *n = realloc(s->ent, ncap * sizeof *n);
		if (!n)
			return 0;
		s->mem += (uint64_t)(ncap - s->capent) * sizeof *n;
		s->ent = n;
		s->capent = ncap;
	}
	pd_entry *e = &s->ent[s->nent];
	memset(e, 0, sizeof *e);
	e->day = day;
	e->port = port;
	dset_init(&e->sources);
	return ++s->nent;
}

static pd_entry *pd_get(act_an *s, uint32_t key)
{
	plane *pl = s->cur;
	if (!pl && !(pl = s->cur = plane_for(s, s->day)))
		return NULL;
	uint32_t port = key & 0xffff;
	uint32_t **pg = &pl->page[(key >> 16) == 17][port >> 8];
	if (!*pg) {
		if (!(*pg = calloc(256, sizeof **pg)))
			return NULL;
		s->mem += 256 * sizeof **pg;
	}
	uint32_t *slot = &(*pg)[port & 255];
	if (!*slot && !(*slot = entry_new(s, s->day, key)))
		return NULL;
	return &s->ent[*slot - 1];
}

/* A UDP reply: a SIP response ("SIP/2.0 ", a honeypot answering) or a DNS
 * response (source port 53, QR set: backscatter of spoofed queries). */
static int udp_reply(const pkt_view *v)
{
	cursor c = rd_init(v->payload, v->payload_len);
	const uint8_t *h = rd_view(&c, 8);
	if (!h)
		return 0;
	if (h[0] == 'S' && !memcmp(h, "SIP/2.0 ", 8))
		return 1;
	return v->sport == 53 && (h[2] & 0x80);
}

/* Probes: a TCP SYN without ACK or a UDP datagram that is no reply, whose
 * destination port the scanner chose. Replies and backscatter (SYN-ACK,
 * RST, ICMP, responses) go to ports somebody else chose and would only add
 * noise to the trends. */
static inline uint32_t probe_key(const pkt_view *v)
{
	if (!v->l4_ok)
		return 0;
	if (v->proto == 6)
		return (v->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN ? 6u << 16 | v->dport : 0;
	if (v->proto != 17 || udp_reply(v))
		return 0;
	return 17u << 16 | v->dport;
}

static void act_observe(void *self, ptable *t, uint32_t idx, acc *a, const pkt_view *v)
{
	(void)t;
	(void)a;
	act_an *s = self;
	if (v->ts_ns < s->lo || v->ts_ns >= s->hi)
		switch_day(s, v->ts_ns);
	if (s->day < 0)
		return;
	astate *st = state_at(s, idx);
	if (!st)
		return;
	uint16_t d = (uint16_t)s->day;
	if (!st->day0)
		st->day0 = (uint16_t)(d + 1);
	uint32_t off = (uint32_t)d - (uint32_t)(st->day0 - 1);
	if (off < 32)
		st->days |= 1u << off;
	else
		spill_add(s, idx, d);
	uint32_t key = probe_key(v);
	if (!key)
		return;
	pd_entry *e = pd_get(s, key);
	if (!e)
		return;
	e->packets++;
	if (st->last_port == key && st->last_day == d)
		return;
	st->last_port = key;
	st->last_day = d;
	if (dset_add(&e->sources, addr_key32(v->src))) {
		uint32_t m = (uint32_t)dset_mem(&e->sources);
		s->mem += m - e->mem;
		e->mem = m;
	}
}

static void act_export(void *self, ptable *t, uint32_t idx, buf *blob)
{
	(void)t;
	act_an *s = self;
	const astate *st = state_peek(s, idx);
	if (!st || !st->day0)
		return;
	static __thread act_days d;
	d.n = 0;
	for (uint32_t k = 0; k < 32; k++)
		if (st->days >> k & 1)
			d.day[d.n++] = st->day0 - 1 + (int32_t)k;
	spill_days(s, idx, &d);
	act_days_encode(&d, blob);
}

static int cmp_entry(const void *a, const void *b)
{
	const pd_entry *x = *(pd_entry *const *)a, *y = *(pd_entry *const *)b;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->day < y->day ? -1 : x->day > y->day;
}

/* The port-day rows, in the store's key order (port, day). */
static int act_flush(void *self, store *st)
{
	act_an *s = self;
	if (!s->nent)
		return 0;
	pd_entry **order = malloc(s->nent * sizeof *order);
	if (!order) {
		snprintf(st->err, sizeof st->err, "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < s->nent; i++)
		order[i] = &s->ent[i];
	qsort(order, s->nent, sizeof *order, cmp_entry);
	int rc = 0;
	for (uint32_t i = 0; i < s->nent && rc == 0; i++) {
		port_day r;
		r.day = order[i]->day;
		r.port = order[i]->port;
		r.packets = order[i]->packets;
		r.sources = order[i]->sources; /* borrowed for the call */
		rc = store_put_port_day(st, &r);
	}
	free(order);
	return rc;
}

const analyzer_ops activity_analyzer = {
    .name = "activity",
    .ext = EXT_CAMPAIGN,
    .create = act_create,
    .destroy = act_destroy,
    .observe = act_observe,
    .prefetch = act_prefetch,
    .export = act_export,
    .flush = act_flush,
    .clear = act_clear,
    .mem = act_mem,
};
