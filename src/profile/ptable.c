#include "profile/ptable.h"

#include <stdlib.h>
#include <string.h>

#include "util/bigmem.h"

#define CHUNK_BITS 16
#define CHUNK_RECS (1u << CHUNK_BITS)
#define MAX_CHUNKS (1u << 16) /* 2^32 records */
#define IPID_GROW 4

/* Detail of a source that has more than the accumulator holds inline. */
/* Hot first: the last-value cache, the target and source port sets, the TTL
 * bits (two cache lines); the rest is touched at a source's first packets. */
struct acc_detail {
	/* line 0 */
	uint32_t last[4];             /* last value added to each set: repeats are free */
	dset targets, sports;         /* all distinct values, inline ones included */
	/* line 1 */
	uint16_t n_ipid, cap_ipid;
	uint8_t n_syn;                /* extra SYN signatures beyond syn0 */
	uint8_t n_samples;
	ipid_obs *ipid;               /* first observations, by arrival */
	uint8_t ttls[32];             /* TTL bit set */
	/* cold */
	dset dports;                  /* repeats are caught by last[] */
	syn_sig *syn;                 /* SYN_SAMPLES - 1 slots once needed */
	payload_sample *samples;      /* SAMPLES_PER_SOURCE slots once needed */
};
_Static_assert(offsetof(struct acc_detail, dports) <= 128, "hot part of acc_detail: two lines");

_Static_assert(sizeof(acc) == 256, "acc: two hot lines + two cold lines");

/* Memory that lives as long as the table's contents: the IP ID, SYN and
 * payload sample arrays of detail blocks and the samples' bytes. Carved from
 * 2 MiB blocks (big_alloc: huge pages where the kernel has them) and given
 * back all at once by ptable_clear, where malloc took a call (and on a table
 * of a million sources, page faults of its own) per array. An IP ID array
 * that a source outgrows goes on a list of free arrays of its size for the
 * next source. */
#define ARENA_BLOCK ((size_t)2 << 20)
#define IPID_CLASSES 2 /* arrays of IPID_GROW and 2 * IPID_GROW observations */

typedef struct arena {
	uint8_t *cur, *end;
	uint8_t **block;
	uint32_t nblock, capblock;
	void *free_ipid[IPID_CLASSES];
} arena;

struct ptable {
	uint64_t *index;     /* tag << 32 | record number; 0 = empty */
	uint32_t mask;       /* index slots - 1 */
	uint32_t n;          /* records in use */
	acc *chunk[MAX_CHUNKS];
	uint32_t nchunks;
	acc_detail **dchunk; /* detail blocks, same chunking */
	uint32_t ndetail;
	uint32_t ndchunks;
	uint64_t mem;
	int need_flush;
	arena ar;
};

/* Room for one more block in the arena's list. */
static int arena_room(arena *r)
{
	if (r->nblock < r->capblock)
		return 0;
	uint32_t cap = r->capblock ? r->capblock * 2 : 64;
	uint8_t **nb = realloc(r->block, cap * sizeof *nb);
	if (!nb)
		return -1;
	r->block = nb;
	r->capblock = cap;
	return 0;
}

/* n bytes (16-byte aligned) until the table is cleared; NULL when out of
 * memory. Fresh memory reads as zero; memory from a free list does not.
 * In a sanitizer build every piece is an allocation of its own (the list
 * holds them all), so that the sanitizer checks its bounds. */
static void *arena_get(arena *r, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n > ARENA_BLOCK)
		return NULL;
	if (SP_SANITIZED) {
		uint8_t *p = arena_room(r) < 0 ? NULL : calloc(1, n);
		if (p)
			r->block[r->nblock++] = p;
		return p;
	}
	if ((size_t)(r->end - r->cur) < n) {
		uint8_t *b = arena_room(r) < 0 ? NULL : big_alloc(ARENA_BLOCK);
		if (!b)
			return NULL;
		r->block[r->nblock++] = b;
		r->cur = b;
		r->end = b + ARENA_BLOCK;
	}
	void *p = r->cur;
	r->cur += n;
	return p;
}

static void arena_clear(arena *r)
{
	for (uint32_t i = 0; i < r->nblock; i++) {
		if (SP_SANITIZED)
			free(r->block[i]);
		else
			big_free(r->block[i], ARENA_BLOCK);
	}
	r->nblock = 0;
	r->cur = r->end = NULL;
	memset(r->free_ipid, 0, sizeof r->free_ipid);
}

/* The free-list class of an IP ID array of cap observations (-1: none). */
static int ipid_class(uint16_t cap)
{
	return cap == IPID_GROW ? 0 : cap == 2 * IPID_GROW ? 1 : -1;
}

/* An IP ID array of cap observations: from its free list, or new. */
static ipid_obs *ipid_array(arena *r, uint16_t cap)
{
	int k = ipid_class(cap);
	if (k >= 0 && r->free_ipid[k]) {
		void *p = r->free_ipid[k];
		memcpy(&r->free_ipid[k], p, sizeof(void *));
		return p;
	}
	return arena_get(r, (size_t)cap * sizeof(ipid_obs));
}

static void ipid_array_drop(arena *r, ipid_obs *p, uint16_t cap)
{
	int k = ipid_class(cap);
	if (!p || k < 0)
		return; /* the arena gives it back at the next clear */
	memcpy(p, &r->free_ipid[k], sizeof(void *));
	r->free_ipid[k] = p;
}

ptable *ptable_new(void)
{
	ptable *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->mask = (1u << 16) - 1;
	t->index = big_alloc(((size_t)t->mask + 1) * sizeof *t->index);
	t->dchunk = calloc(MAX_CHUNKS, sizeof *t->dchunk);
	if (!t->index || !t->dchunk) {
		big_free(t->index, ((size_t)t->mask + 1) * sizeof *t->index);
		free(t->dchunk);
		free(t);
		return NULL;
	}
	t->mem = sizeof *t + ((size_t)t->mask + 1) * sizeof *t->index;
	return t;
}

static void detail_free(acc_detail *d)
{
	dset_free(&d->targets);
	dset_free(&d->dports);
	dset_free(&d->sports);
	/* the IP ID, SYN and sample arrays are the arena's (ptable_clear) */
	memset(d, 0, sizeof *d);
}

static acc_detail *detail_at(ptable *t, uint32_t idx)
{
	return &t->dchunk[idx >> CHUNK_BITS][idx & (CHUNK_RECS - 1)];
}

void ptable_clear(ptable *t)
{
	for (uint32_t i = 1; i <= t->ndetail; i++)
		detail_free(detail_at(t, i));
	arena_clear(&t->ar);
	for (uint32_t c = 0; c < t->nchunks; c++)
		big_free(t->chunk[c], CHUNK_RECS * sizeof(acc));
	for (uint32_t c = 0; c < t->ndchunks; c++)
		big_free(t->dchunk[c], CHUNK_RECS * sizeof(acc_detail));
	t->nchunks = t->ndchunks = 0;
	t->n = t->ndetail = 0;
	big_free(t->index, ((size_t)t->mask + 1) * sizeof *t->index);
	t->mask = (1u << 16) - 1;
	t->index = big_alloc(((size_t)t->mask + 1) * sizeof *t->index);
	t->mem = sizeof *t + ((size_t)t->mask + 1) * sizeof *t->index;
	t->need_flush = 0;
}

void ptable_free(ptable *t)
{
	if (!t)
		return;
	ptable_clear(t);
	big_free(t->index, ((size_t)t->mask + 1) * sizeof *t->index);
	free(t->ar.block);
	free(t->dchunk);
	free(t);
}

acc *ptable_at(ptable *t, uint32_t idx)
{
	return &t->chunk[idx >> CHUNK_BITS][idx & (CHUNK_RECS - 1)];
}

/* Index slots: tag << 32 | V6 flag | record number. For an IPv4 source the
 * tag is the address itself, so a lookup never touches the record (whose
 * memory is still on its way: the pipeline prefetches it after the lookup);
 * for IPv6 it is the hash, and the record's address is compared. */
#define SLOT_V6 0x80000000u
#define SLOT_IDX 0x7fffffffu

static inline uint32_t v4_of(const uint8_t ip[16])
{
	return ((uint32_t)ip[12] << 24) | ((uint32_t)ip[13] << 16) | ((uint32_t)ip[14] << 8) | ip[15];
}

/* Where a slot's entry belongs (what the hash of its source was). */
static inline uint32_t slot_hash(uint64_t e)
{
	uint32_t tag = (uint32_t)(e >> 32);
	return (e & SLOT_V6) ? tag : hash_u32(tag);
}

static int index_grow(ptable *t)
{
	uint32_t nmask = t->mask * 2 + 1;
	uint64_t *ni = big_alloc(((size_t)nmask + 1) * sizeof *ni);
	if (!ni)
		return -1;
	for (uint32_t i = 0; i <= t->mask; i++) {
		uint64_t e = t->index[i];
		if (!e)
			continue;
		uint32_t j = slot_hash(e) & nmask;
		while (ni[j])
			j = (j + 1) & nmask;
		ni[j] = e;
	}
	big_free(t->index, ((size_t)t->mask + 1) * sizeof *t->index);
	t->mem += ((size_t)nmask - t->mask) * sizeof *ni;
	t->index = ni;
	t->mask = nmask;
	return 0;
}

static acc *record_new(ptable *t, uint32_t *idx)
{
	uint32_t i = t->n + 1; /* record 0 is never used: 0 means empty */
	uint32_t c = i >> CHUNK_BITS;
	if (c >= MAX_CHUNKS || i > SLOT_IDX)
		return NULL;
	if (c >= t->nchunks) {
		t->chunk[c] = big_alloc(CHUNK_RECS * sizeof(acc));
		if (!t->chunk[c])
			return NULL;
		t->nchunks = c + 1;
	}
	t->n = i;
	*idx = i;
	return ptable_at(t, i);
}

acc *ptable_get(ptable *t, const uint8_t ip[16], uint32_t hash, uint32_t *idx)
{
	int v4 = addr_is_v4(ip);
	uint64_t want = (uint64_t)(v4 ? v4_of(ip) : hash) << 32 | (v4 ? 0 : SLOT_V6);
	uint64_t mask = 0xffffffff00000000ULL | SLOT_V6;
	uint32_t j = hash & t->mask;
	for (;;) {
		uint64_t e = t->index[j];
		if (!e)
			break;
		if ((e & mask) == want) {
			uint32_t r = (uint32_t)e & SLOT_IDX;
			acc *a = ptable_at(t, r);
			if (v4 || memcmp(a->ip, ip, 16) == 0) {
				*idx = r;
				return a;
			}
		}
		j = (j + 1) & t->mask;
	}
	/* keep the load under 1/2: short probes, few record touches */
	if ((uint64_t)(t->n + 1) * 2 > (uint64_t)t->mask + 1) {
		if (index_grow(t) < 0)
			return NULL;
		return ptable_get(t, ip, hash, idx);
	}
	acc *a = record_new(t, idx);
	if (!a)
		return NULL;
	memset(a, 0, sizeof *a);
	memcpy(a->ip, ip, 16);
	t->index[j] = want | *idx;
	return a;
}

static acc_detail *detail_get(ptable *t, acc *a)
{
	if (a->detail)
		return detail_at(t, a->detail);
	uint32_t i = t->ndetail + 1;
	uint32_t c = i >> CHUNK_BITS;
	if (c >= MAX_CHUNKS)
		return NULL;
	if (c >= t->ndchunks) {
		t->dchunk[c] = big_alloc(CHUNK_RECS * sizeof(acc_detail));
		if (!t->dchunk[c])
			return NULL;
		t->ndchunks = c + 1;
	}
	t->ndetail = i;
	a->detail = i;
	acc_detail *d = detail_at(t, i);
	memset(d, 0, sizeof *d); /* one at a time: untouched chunk pages stay unmapped */
	d->last[0] = d->last[1] = d->last[2] = UINT32_MAX; /* not a value: proto << 16 | port */
	d->last[3] = 0;
	/* move what was inline into the detail sets */
	for (int k = 0; k < a->ntgt; k++)
		dset_add(&d->targets, a->tgt[k]);
	for (int k = 0; k < a->ndport; k++)
		dset_add(&d->dports, a->dport[k]);
	for (int k = 0; k < a->nsport; k++)
		dset_add(&d->sports, a->sport[k]);
	for (int k = 0; k < a->nttl; k++)
		d->ttls[a->ttl[k] >> 3] |= (uint8_t)(1u << (a->ttl[k] & 7));
	return d;
}

/* Adds v to an inline pair, spilling into the detail set when full. */
/* The detail's sets, by the slot of their last-value cache. */
enum { SET_TARGETS = 0, SET_SPORTS = 1, SET_DPORTS = 2 };

static dset *detail_set(acc_detail *d, int which)
{
	return which == SET_TARGETS ? &d->targets : which == SET_SPORTS ? &d->sports : &d->dports;
}

static void small_set_add(ptable *t, acc *a, uint32_t *inl, uint8_t *n, int which,
			  uint32_t v)
{
	if (a->detail) {
		acc_detail *d = detail_at(t, a->detail);
		uint32_t *last = &d->last[which];
		if (*last == v)
			return;
		*last = v;
		dset *s = detail_set(d, which);
		size_t mem = dset_mem(s);
		dset_add(s, v);
		t->mem += dset_mem(s) - mem;
		return;
	}
	for (int k = 0; k < *n; k++)
		if (inl[k] == v)
			return;
	if (*n < 2) {
		inl[(*n)++] = v;
		return;
	}
	acc_detail *d = detail_get(t, a);
	if (d) {
		dset *s = detail_set(d, which);
		dset_add(s, v);
		t->mem += dset_mem(s);
	}
}

static void ttl_add(ptable *t, acc *a, uint8_t ttl)
{
	if (a->detail) {
		acc_detail *d = detail_at(t, a->detail);
		d->ttls[ttl >> 3] |= (uint8_t)(1u << (ttl & 7));
		return;
	}
	for (int k = 0; k < a->nttl; k++)
		if (a->ttl[k] == ttl)
			return;
	if (a->nttl < 2) {
		a->ttl[a->nttl++] = ttl;
		return;
	}
	acc_detail *d = detail_get(t, a);
	if (d)
		d->ttls[ttl >> 3] |= (uint8_t)(1u << (ttl & 7));
}

static void ipid_record(ptable *t, acc *a, const pkt_view *v)
{
	acc_detail *d = detail_get(t, a);
	if (!d || d->n_ipid >= IPID_SAMPLES - 1)
		return; /* the first observation is inline in the accumulator */
	if (d->n_ipid == d->cap_ipid) {
		uint16_t cap = (uint16_t)(d->cap_ipid ? d->cap_ipid * 2 : IPID_GROW);
		if (cap > IPID_SAMPLES - 1)
			cap = IPID_SAMPLES - 1;
		ipid_obs *n = ipid_array(&t->ar, cap);
		if (!n)
			return;
		if (d->n_ipid)
			memcpy(n, d->ipid, d->n_ipid * sizeof *n);
		ipid_array_drop(&t->ar, d->ipid, d->cap_ipid);
		t->mem += (size_t)(cap - d->cap_ipid) * sizeof *n;
		d->ipid = n;
		d->cap_ipid = cap;
	}
	ipid_obs *o = &d->ipid[d->n_ipid++];
	o->ts_ns = v->ts_ns;
	o->dst = v->family == 4 ? v->dst4 : addr_key32(v->dst);
	o->ipid = v->ipid;
	o->dport = v->proto == 6 || v->proto == 17 ? v->dport : v->icmp_type;
	o->proto = v->proto;
	o->df = v->df;
	o->ttl = v->ttl;
	o->flags = v->tcp_flags;
	o->seq = v->seq;
}

static void syn_record(ptable *t, acc *a, const pkt_view *v)
{
	if (a->syn_count0 == 0) {
		syn_sig_from_view(&a->syn0, v);
		a->syn_key0 = a->syn0.key;
		a->syn_count0 = 1;
		return;
	}
	uint64_t key = syn_view_key(v); /* build the signature only if it is new */
	if (a->syn_key0 == key) {
		a->syn_count0++;
		return;
	}
	acc_detail *d = detail_get(t, a);
	if (!d)
		return;
	for (int k = 0; k < d->n_syn; k++) {
		if (d->syn[k].key == key) {
			d->syn[k].count++;
			return;
		}
	}
	syn_sig s;
	syn_sig_from_view(&s, v);
	if (d->n_syn >= SYN_SAMPLES - 1)
		return;
	if (!d->syn) {
		d->syn = arena_get(&t->ar, (SYN_SAMPLES - 1) * sizeof *d->syn);
		if (!d->syn)
			return;
		t->mem += (SYN_SAMPLES - 1) * sizeof *d->syn;
	}
	d->syn[d->n_syn++] = s;
}

static uint64_t sample_key(const pkt_view *v)
{
	uint32_t n = v->payload_len < 16 ? v->payload_len : 16;
	uint64_t k = hash_bytes(v->payload, n, ((uint64_t)v->proto << 16) | v->dport);
	return k ? k : 1;
}

static void sample_record(ptable *t, acc *a, const pkt_view *v)
{
	acc_detail *d = detail_get(t, a);
	if (!d)
		return;
	uint64_t key = sample_key(v);
	for (int k = 0; k < d->n_samples; k++) {
		if (d->samples[k].key == key) {
			d->samples[k].count++;
			return;
		}
	}
	if (d->n_samples >= SAMPLES_PER_SOURCE)
		return;
	if (!d->samples) {
		d->samples = arena_get(&t->ar, SAMPLES_PER_SOURCE * sizeof *d->samples);
		if (!d->samples)
			return;
		memset(d->samples, 0, SAMPLES_PER_SOURCE * sizeof *d->samples);
		t->mem += SAMPLES_PER_SOURCE * sizeof *d->samples;
	}
	payload_sample *s = &d->samples[d->n_samples];
	uint32_t keep = v->payload_len < SAMPLE_MAX ? v->payload_len : SAMPLE_MAX;
	s->data = arena_get(&t->ar, keep ? keep : 1);
	if (!s->data)
		return;
	memcpy(s->data, v->payload, keep);
	t->mem += keep;
	s->len = (uint16_t)keep;
	s->ts_ns = v->ts_ns;
	s->key = key;
	s->count = 1;
	s->dst = addr_key32(v->dst);
	memcpy(s->dst_ip, v->dst, 16);
	s->sport = v->sport;
	s->dport = v->dport;
	s->proto = v->proto;
	uint32_t hdr = v->l3 ? (uint32_t)(v->payload - v->l3) : 0;
	s->wire_len = v->l3 && v->ip_len > hdr ? v->ip_len - hdr : v->payload_len;
	d->n_samples++;
}

static void count_tcp(acc *a, const pkt_view *v)
{
	uint8_t f = v->tcp_flags;
	a->pkts_tcp++;
	if ((f & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		a->tcp_syn++;
	else if ((f & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		a->tcp_synack++;
	if (f & TCP_RST)
		a->tcp_rst++;
	if (f & TCP_FIN)
		a->tcp_fin++;
	if (f == TCP_ACK)
		a->tcp_ack++;
	if (v->payload_len)
		a->tcp_data++;
}

static void count_icmp(acc *a, const pkt_view *v)
{
	a->pkts_icmp++;
	if (v->quote.family)
		a->icmp_error++;
	else if ((v->proto == 1 && v->icmp_type == 8) || (v->proto == 58 && v->icmp_type == 128))
		a->icmp_echo++;
}

static void observe_l4(ptable *t, acc *a, const pkt_view *v)
{
	switch (v->proto) {
	case 6:
		count_tcp(a, v);
		if ((v->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && v->l4_ok)
			syn_record(t, a, v);
		break;
	case 17:
		a->pkts_udp++;
		if (v->payload_len)
			a->udp_data++;
		break;
	case 1:
	case 58:
		count_icmp(a, v);
		break;
	default:
		a->pkts_other++;
		break;
	}
	if ((v->proto == 6 || v->proto == 17) && v->l4_ok) {
		uint32_t p = (uint32_t)v->proto << 16;
		small_set_add(t, a, a->dport, &a->ndport, SET_DPORTS, p | v->dport);
		small_set_add(t, a, a->sport, &a->nsport, SET_SPORTS, p | v->sport);
	} else if (v->proto == 1 || v->proto == 58) {
		/* ICMP: the "port" is the type, as in flow tools */
		uint32_t p = (uint32_t)v->proto << 16;
		small_set_add(t, a, a->dport, &a->ndport, SET_DPORTS,
			      p | v->icmp_type);
	}
	if (v->payload_len && (v->proto == 6 || v->proto == 17) && v->l4_ok)
		sample_record(t, a, v);
}

void ptable_prefetch_slot(const ptable *t, uint32_t hash)
{
	__builtin_prefetch(&t->index[hash & t->mask]);
}

uint32_t ptable_lookup(ptable *t, const uint8_t ip[16], uint32_t hash)
{
	uint32_t idx;
	return ptable_get(t, ip, hash, &idx) ? idx : 0;
}

/* The two hot lines (see the layout of struct acc). */
void ptable_prefetch_record(ptable *t, uint32_t idx)
{
	const char *a = (const char *)ptable_at(t, idx);
	__builtin_prefetch(a, 1);
	__builtin_prefetch(a + 64, 1);
}

void ptable_prefetch_detail(ptable *t, uint32_t idx)
{
	const acc *a = ptable_at(t, idx);
	if (!a->detail)
		return;
	const char *d = (const char *)detail_at(t, a->detail);
	__builtin_prefetch(d, 1);
	__builtin_prefetch(d + 64, 1);
	__builtin_prefetch(d + offsetof(acc_detail, dports), 1); /* every TCP/UDP packet */
}

/* The sets' own memory: the sketch register and the table slot this packet
 * will touch. */
void ptable_prefetch_sets(ptable *t, uint32_t idx, const pkt_view *v)
{
	const acc *a = ptable_at(t, idx);
	if (!a->detail)
		return;
	const acc_detail *d = detail_at(t, a->detail);
	dset_prefetch(&d->targets, v->family == 4 ? v->dst4 : addr_key32(v->dst));
	dset_prefetch(&d->sports, ((uint32_t)v->proto << 16) | v->sport);
	if ((v->proto == 6 || v->proto == 17) && d->last[SET_DPORTS] != (((uint32_t)v->proto << 16) | v->dport))
		dset_prefetch(&d->dports, ((uint32_t)v->proto << 16) | v->dport);
	if (d->n_ipid < IPID_SAMPLES - 1 && d->ipid)
		__builtin_prefetch(d->ipid + d->n_ipid, 1);
}

uint32_t ptable_observe(ptable *t, const pkt_view *v)
{
	uint32_t idx = ptable_lookup(t, v->src, ptable_hash(v));
	if (idx)
		ptable_update(t, idx, v);
	return idx;
}

void ptable_update(ptable *t, uint32_t idx, const pkt_view *v)
{
	acc *a = ptable_at(t, idx);
	int first = a->packets == 0;
	int hdr = v->l3 != NULL; /* a socket sensor's view has no IP header fields */
	if (first) {
		a->first_ns = a->last_ns = v->ts_ns;
		a->seq0 = v->seq;
		a->ipid0 = v->ipid;
		a->flags0 = v->tcp_flags;
		a->df0 = v->df;
		a->proto0 = v->proto;
		a->nohdr0 = (uint8_t)!hdr;
	} else {
		/* captures are mostly in time order: first_ns (a cold line) is only
		 * read for a packet older than the newest seen */
		if (v->ts_ns >= a->last_ns)
			a->last_ns = v->ts_ns;
		else if (v->ts_ns < a->first_ns)
			a->first_ns = v->ts_ns;
		if (hdr)
			ipid_record(t, a, v);
	}
	if (++a->packets == UINT32_MAX)
		t->need_flush = 1;
	a->bytes += v->wire_len;
	a->quirks |= v->quirks;
	if (v->quirks & QUIRK_MALFORMED)
		a->malformed++;
	if (v->quirks & Q_FRAGMENT)
		a->fragments++;
	if (v->df)
		a->df++;
	if (hdr && v->family == 4 && v->ipid == 0) {
		a->ipid_zero++;
		if (v->df)
			a->ipid_zero_df++;
	}
	if (hdr || v->ttl)
		ttl_add(t, a, v->ttl);
	small_set_add(t, a, a->tgt, &a->ntgt, SET_TARGETS,
		      v->family == 4 ? v->dst4 : addr_key32(v->dst));
	observe_l4(t, a, v);
}

/* The record's set moves into the profile (the record's is left empty) or
 * is copied. */
static void give_set(dset *to, dset *from, int take)
{
	if (!take) {
		dset_copy(to, from);
		return;
	}
	dset_free(to);
	*to = *from;
	dset_init(from);
}

static void export_sets(ptable *t, const acc *a, profile *p, int take)
{
	if (a->detail) {
		acc_detail *d = detail_at(t, a->detail);
		give_set(&p->targets, &d->targets, take);
		give_set(&p->dports, &d->dports, take);
		give_set(&p->sports, &d->sports, take);
		memcpy(p->ttls, d->ttls, sizeof p->ttls);
		return;
	}
	for (int k = 0; k < a->ntgt; k++)
		dset_add(&p->targets, a->tgt[k]);
	for (int k = 0; k < a->ndport; k++)
		dset_add(&p->dports, a->dport[k]);
	for (int k = 0; k < a->nsport; k++)
		dset_add(&p->sports, a->sport[k]);
	for (int k = 0; k < a->nttl; k++)
		p->ttls[a->ttl[k] >> 3] |= (uint8_t)(1u << (a->ttl[k] & 7));
}

/* The first packet's IP ID observation is rebuilt from inline fields. */
static void export_first_ipid(const acc *a, profile *p)
{
	ipid_obs o;
	memset(&o, 0, sizeof o);
	o.ts_ns = a->first_ns;
	o.dst = a->tgt[0];
	o.ipid = a->ipid0;
	o.proto = a->proto0;
	o.dport = (uint16_t)(a->dport[0] & 0xffff);
	o.df = a->df0;
	o.ttl = a->ttl[0];
	o.flags = a->flags0;
	o.seq = a->seq0;
	profile_add_ipid(p, &o);
}

static void export_record(ptable *t, uint32_t idx, profile *p, int take)
{
	const acc *a = ptable_at(t, idx);
	memcpy(p->ip, a->ip, 16);
	p->first_ns = a->first_ns;
	p->last_ns = a->last_ns;
	p->packets = a->packets;
	p->bytes = a->bytes;
#define X(name, label) p->name = a->name;
	PROFILE_COUNTERS_HOT(X)
	PROFILE_COUNTERS_WARM(X)
#undef X
	p->quirks = a->quirks;
	export_sets(t, a, p, take);
	if (!a->nohdr0)
		export_first_ipid(a, p);
	if (a->syn_count0) {
		syn_sig s = a->syn0;
		s.count = a->syn_count0;
		profile_add_syn(p, &s);
	}
	if (a->detail) {
		acc_detail *d = detail_at(t, a->detail);
		for (int k = 0; k < d->n_ipid; k++)
			profile_add_ipid(p, &d->ipid[k]);
		for (int k = 0; k < d->n_syn; k++)
			profile_add_syn(p, &d->syn[k]);
	}
}

void ptable_export(ptable *t, uint32_t idx, profile *p)
{
	export_record(t, idx, p, 0);
}

void ptable_export_take(ptable *t, uint32_t idx, profile *p)
{
	export_record(t, idx, p, 1);
}

const payload_sample *ptable_samples(ptable *t, uint32_t idx, uint32_t *n)
{
	const acc *a = ptable_at(t, idx);
	if (!a->detail) {
		*n = 0;
		return NULL;
	}
	acc_detail *d = detail_at(t, a->detail);
	*n = d->n_samples;
	return d->samples;
}

void ptable_stats_get(const ptable *t, ptable_stats *st)
{
	st->sources = t->n;
	st->mem = ptable_mem(t);
	st->details = t->ndetail;
}

/* Memory in use: records and details made so far (their chunks are
 * reserved whole but the pages are only touched as records are made), the
 * index, and everything allocated per source. */
uint64_t ptable_mem(const ptable *t)
{
	return t->mem + (uint64_t)t->n * sizeof(acc) + (uint64_t)t->ndetail * sizeof(acc_detail);
}

uint32_t ptable_count(const ptable *t)
{
	return t->n;
}

int ptable_needs_flush(const ptable *t)
{
	return t->need_flush;
}

/* Sorting by address compares two words, not records: the addresses are
 * copied out once as big-endian halves (their order is memcmp's). */
typedef struct ip_key {
	uint64_t hi, lo;
	uint32_t idx;
} ip_key;

static int by_key(const void *a, const void *b)
{
	const ip_key *x = a, *y = b;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

static uint64_t be64_at(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

uint32_t *ptable_sorted(ptable *t)
{
	uint32_t *o = malloc(((size_t)t->n + 1) * sizeof *o);
	ip_key *k = malloc(((size_t)t->n + 1) * sizeof *k);
	if (!o || !k) {
		free(o);
		free(k);
		return NULL;
	}
	for (uint32_t i = 0; i < t->n; i++) {
		const acc *a = ptable_at(t, i + 1);
		k[i].hi = be64_at(a->ip);
		k[i].lo = be64_at(a->ip + 8);
		k[i].idx = i + 1;
	}
	qsort(k, t->n, sizeof *k, by_key);
	for (uint32_t i = 0; i < t->n; i++)
		o[i] = k[i].idx;
	free(k);
	return o;
}
