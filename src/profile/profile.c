#include "profile/profile.h"

#include "decode/cursor.h"
#include "decode/decode.h"
#include "util/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void profile_init(profile *p)
{
	memset(p, 0, sizeof *p);
	p->first_ns = INT64_MAX;
	p->last_ns = INT64_MIN;
	for (int i = 0; i < EXT_COUNT; i++)
		buf_init(&p->ext[i]);
}

void profile_free(profile *p)
{
	dset_free(&p->targets);
	dset_free(&p->dports);
	dset_free(&p->sports);
	for (int i = 0; i < EXT_COUNT; i++)
		buf_free(&p->ext[i]);
}

/* Sensors are kept sorted (the SENSORS_MAX first by name), so that the
 * list does not depend on the order profiles were merged in. */
void profile_add_sensor(profile *p, const char *sensor)
{
	if (!sensor || !*sensor)
		return;
	char name[sizeof p->sensors[0]];
	snprintf(name, sizeof name, "%s", sensor);
	uint32_t i = 0;
	while (i < p->n_sensors && strcmp(p->sensors[i], name) < 0)
		i++;
	if (i == SENSORS_MAX || (i < p->n_sensors && strcmp(p->sensors[i], name) == 0))
		return;
	uint32_t last = p->n_sensors < SENSORS_MAX ? p->n_sensors : SENSORS_MAX - 1;
	memmove(p->sensors[i + 1], p->sensors[i], (last - i) * sizeof p->sensors[0]);
	memcpy(p->sensors[i], name, sizeof name);
	if (p->n_sensors < SENSORS_MAX)
		p->n_sensors++;
}

/* A total order (time first), so that which samples are kept never
 * depends on the order profiles were merged in. */
static int ipid_before(const ipid_obs *a, const ipid_obs *b)
{
	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns;
	if (a->dst != b->dst)
		return a->dst < b->dst;
	if (a->ipid != b->ipid)
		return a->ipid < b->ipid;
	if (a->seq != b->seq)
		return a->seq < b->seq;
	if (a->dport != b->dport)
		return a->dport < b->dport;
	uint32_t x = (uint32_t)a->proto << 24 | (uint32_t)a->df << 16 | (uint32_t)a->ttl << 8 | a->flags;
	uint32_t y = (uint32_t)b->proto << 24 | (uint32_t)b->df << 16 | (uint32_t)b->ttl << 8 | b->flags;
	return x < y;
}

/* Keeps the IPID_SAMPLES earliest observations, ordered by time. */
void profile_add_ipid(profile *p, const ipid_obs *o)
{
	uint32_t n = p->n_ipid;
	if (n == IPID_SAMPLES && !ipid_before(o, &p->ipid[n - 1]))
		return;
	uint32_t i = n < IPID_SAMPLES ? n : n - 1;
	while (i > 0 && ipid_before(o, &p->ipid[i - 1])) {
		p->ipid[i] = p->ipid[i - 1];
		i--;
	}
	p->ipid[i] = *o;
	if (n < IPID_SAMPLES)
		p->n_ipid++;
}

/* What makes two SYN signatures the same, hashed: one implementation for
 * signatures and for views, so that their keys always agree. */
static uint64_t syn_key(uint8_t ver, uint8_t ttl, uint8_t ip_opt_len, uint16_t win,
			uint16_t mss, uint8_t wscale, uint8_t has, uint8_t flags, uint8_t nopt,
			const uint8_t *opt, uint8_t eol_pad, uint8_t payload)
{
	uint64_t a = (uint64_t)ver | (uint64_t)ttl_initial(ttl) << 8 | (uint64_t)ip_opt_len << 16 |
		     (uint64_t)win << 24 | (uint64_t)mss << 40 | (uint64_t)wscale << 56;
	uint64_t b = (uint64_t)has | (uint64_t)flags << 8 | (uint64_t)nopt << 16 |
		     (uint64_t)eol_pad << 24 | (uint64_t)payload << 32;
	uint64_t o = 0;
	for (uint8_t i = 0; i < nopt; i++)
		o = o * 31 + opt[i] + 1;
	return hash_mix64(a ^ hash_mix64(b ^ hash_mix64(o)));
}

uint64_t syn_sig_key(const syn_sig *s)
{
	return syn_key(s->ver, s->ttl, s->ip_opt_len, s->win, s->mss, s->wscale, s->has, s->flags,
		       s->nopt, s->opt, s->eol_pad, s->payload);
}

static uint8_t syn_has(const pkt_view *v)
{
	return (uint8_t)((v->opt.has_mss ? SYNF_MSS : 0) | (v->opt.has_ws ? SYNF_WS : 0) |
			 (v->opt.has_ts ? SYNF_TS : 0) | (v->opt.sack_ok ? SYNF_SACK : 0) |
			 (v->df ? SYNF_DF : 0) | (v->flow_label ? SYNF_FLOW : 0));
}

uint64_t syn_view_key(const pkt_view *v)
{
	uint8_t nopt = v->opt.n < SYN_OPTS ? v->opt.n : SYN_OPTS;
	return syn_key(v->family, v->ttl, v->ip_opt_len, v->win, v->opt.mss, v->opt.wscale,
		       syn_has(v), v->tcp_flags, nopt, v->opt.kind, v->opt.eol_pad,
		       v->payload_len > 0);
}

int syn_sig_same(const syn_sig *a, const syn_sig *b)
{
	return a->key == b->key;
}

/* Of two sightings of one signature, the one whose details are kept. */
static int syn_first(const syn_sig *a, const syn_sig *b)
{
	if (a->first_ns != b->first_ns)
		return a->first_ns < b->first_ns;
	if (a->seq != b->seq)
		return a->seq < b->seq;
	if (a->tsval != b->tsval)
		return a->tsval < b->tsval;
	if (a->ipid != b->ipid)
		return a->ipid < b->ipid;
	if (a->quirks != b->quirks)
		return a->quirks < b->quirks;
	return a->ttl != b->ttl ? a->ttl < b->ttl : a->tos < b->tos;
}

static int syn_before(const syn_sig *a, const syn_sig *b)
{
	return a->first_ns != b->first_ns ? a->first_ns < b->first_ns : a->key < b->key;
}

/* Adds n signatures to p's: the same signature sums its counts and keeps
 * its first sighting; the SYN_SAMPLES earliest distinct ones are kept, in
 * time order. All of both lists are combined before any is dropped, so the
 * result does not depend on which side is which. */
static void syn_union(profile *p, const syn_sig *add, uint32_t n)
{
	syn_sig all[2 * SYN_SAMPLES];
	uint32_t m = p->n_syn;
	memcpy(all, p->syn, m * sizeof *all);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = 0;
		while (k < m && !syn_sig_same(&all[k], &add[i]))
			k++;
		if (k == m) {
			all[m++] = add[i];
			continue;
		}
		uint32_t c = all[k].count + add[i].count;
		if (syn_first(&add[i], &all[k]))
			all[k] = add[i];
		all[k].count = c;
	}
	for (uint32_t i = 1; i < m; i++) {
		syn_sig t = all[i];
		uint32_t j = i;
		for (; j > 0 && syn_before(&t, &all[j - 1]); j--)
			all[j] = all[j - 1];
		all[j] = t;
	}
	p->n_syn = m < SYN_SAMPLES ? m : SYN_SAMPLES;
	memcpy(p->syn, all, p->n_syn * sizeof *all);
}

/* Keeps the SYN_SAMPLES earliest distinct signatures, counting repeats. */
void profile_add_syn(profile *p, const syn_sig *s)
{
	syn_union(p, s, 1);
}

void profile_merge(profile *dst, const profile *src)
{
	if (src->first_ns < dst->first_ns)
		dst->first_ns = src->first_ns;
	if (src->last_ns > dst->last_ns)
		dst->last_ns = src->last_ns;
#define X(name, label) dst->name += src->name;
	PROFILE_COUNTERS(X)
#undef X
	dst->quirks |= src->quirks;
	for (int i = 0; i < 32; i++)
		dst->ttls[i] |= src->ttls[i];
	dset_merge(&dst->targets, &src->targets);
	dset_merge(&dst->dports, &src->dports);
	dset_merge(&dst->sports, &src->sports);
	for (uint32_t i = 0; i < src->n_ipid; i++)
		profile_add_ipid(dst, &src->ipid[i]);
	syn_union(dst, src->syn, src->n_syn);
	for (uint32_t i = 0; i < src->n_sensors; i++)
		profile_add_sensor(dst, src->sensors[i]);
	for (int e = 0; e < EXT_COUNT; e++) {
		const profile_ext_ops *ops = profile_ext_registry[e];
		if (!src->ext[e].len)
			continue;
		if (!dst->ext[e].len || !ops || !ops->merge) {
			if (!dst->ext[e].len) {
				buf_reset(&dst->ext[e]);
				buf_put(&dst->ext[e], src->ext[e].p, src->ext[e].len);
			}
			continue;
		}
		buf out;
		buf_init(&out);
		if (ops->merge(&out, dst->ext[e].p, dst->ext[e].len, src->ext[e].p,
			       src->ext[e].len) == 0) {
			buf_free(&dst->ext[e]);
			dst->ext[e] = out;
		} else {
			buf_free(&out);
		}
	}
}

int ttl_initial(int ttl)
{
	if (ttl <= 32)
		return 32;
	if (ttl <= 64)
		return 64;
	if (ttl <= 128)
		return 128;
	return 255;
}

int profile_ttl_min(const profile *p)
{
	for (int t = 0; t < 256; t++)
		if (p->ttls[t >> 3] & (1u << (t & 7)))
			return t;
	return -1;
}

int profile_ttl_max(const profile *p)
{
	for (int t = 255; t >= 0; t--)
		if (p->ttls[t >> 3] & (1u << (t & 7)))
			return t;
	return -1;
}

int profile_ttl_distinct(const profile *p)
{
	int n = 0;
	for (int i = 0; i < 32; i++)
		n += __builtin_popcount(p->ttls[i]);
	return n;
}

void syn_sig_from_view(syn_sig *s, const pkt_view *v)
{
	memset(s, 0, sizeof *s);
	s->first_ns = v->ts_ns;
	s->count = 1;
	s->quirks = v->quirks;
	s->tsval = v->opt.tsval;
	s->seq = v->seq;
	s->win = v->win;
	s->mss = v->opt.mss;
	s->ipid = v->ipid;
	s->ver = v->family;
	s->ttl = v->ttl;
	s->ip_opt_len = v->ip_opt_len;
	s->wscale = v->opt.wscale;
	s->has = syn_has(v);
	s->flags = v->tcp_flags;
	s->nopt = v->opt.n < SYN_OPTS ? v->opt.n : SYN_OPTS;
	memcpy(s->opt, v->opt.kind, s->nopt);
	s->eol_pad = v->opt.eol_pad;
	s->payload = v->payload_len > 0;
	s->tos = v->tos;
	s->key = syn_sig_key(s);
}

/* Appends v in decimal at out[*n] (room is checked by the caller). */
static void put_dec(char *out, size_t *n, unsigned v)
{
	char t[12];
	int k = 0;
	do
		t[k++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (k)
		out[(*n)++] = t[--k];
}

void syn_sig_ja4t(const syn_sig *s, char *out, size_t outlen)
{
	/* JA4T lists option kinds as the wire has them: after EOL every byte of
	 * padding is another kind 0 (FoxIO's macOS example ends in 4-0-0). Built
	 * by hand: it is written for every SYN signature the store keeps. */
	char b[SYN_JA4T_MAX];
	size_t n = 0;
	unsigned total = s->nopt + (s->nopt && s->opt[s->nopt - 1] == 0 ? s->eol_pad : 0);
	put_dec(b, &n, s->win);
	b[n++] = '_';
	if (!total) {
		b[n++] = '0';
		b[n++] = '0'; /* "00" for what is absent */
	}
	for (unsigned i = 0; i < total && n + 24 < sizeof b; i++) {
		if (i)
			b[n++] = '-';
		put_dec(b, &n, i < s->nopt ? s->opt[i] : 0);
	}
	b[n++] = '_';
	if (s->has & SYNF_MSS)
		put_dec(b, &n, s->mss);
	else
		b[n++] = '0', b[n++] = '0';
	b[n++] = '_';
	if (s->has & SYNF_WS)
		put_dec(b, &n, s->wscale);
	else
		b[n++] = '0', b[n++] = '0';
	b[n] = 0;
	if (outlen) {
		size_t k = n < outlen ? n : outlen - 1;
		memcpy(out, b, k);
		out[k] = 0;
	}
}

/* --- stored forms ----------------------------------------------------- */

#define PROFILE_FORMAT 1

static int ipid_read(profile *p, cursor *c);
static int syn_read(profile *p, cursor *c);
static int sensors_read(profile *p, cursor *c);

static void put_blob(buf *out, const buf *b)
{
	buf_put_uv(out, b->len);
	buf_put(out, b->p, b->len);
}

void profile_encode(const profile *p, buf *out)
{
	buf_putc(out, PROFILE_FORMAT);
	buf_put_sv(out, p->first_ns);
	/* modulo 2^64: any pair of times round-trips, without overflow */
	buf_put_sv(out, (int64_t)((uint64_t)p->last_ns - (uint64_t)p->first_ns));
#define X(name, label) buf_put_uv(out, p->name);
	PROFILE_COUNTERS(X)
#undef X
	buf_put_uv(out, p->quirks);
	buf_put(out, p->ttls, sizeof p->ttls);
	dset_encode(&p->targets, out);
	dset_encode(&p->dports, out);
	dset_encode(&p->sports, out);
	profile_encode_ipid(p, out);
	profile_encode_syn(p, out);
	profile_encode_sensors(p, out);
	buf_put_uv(out, EXT_COUNT);
	for (int e = 0; e < EXT_COUNT; e++)
		put_blob(out, &p->ext[e]);
}

int profile_decode(profile *p, const void *blob, size_t len)
{
	cursor c = rd_init(blob, len);
	if (rd_u8(&c) != PROFILE_FORMAT)
		return -1;
	p->first_ns = rd_sv(&c);
	p->last_ns = (int64_t)((uint64_t)p->first_ns + (uint64_t)rd_sv(&c));
#define X(name, label) p->name = rd_uv(&c);
	PROFILE_COUNTERS(X)
#undef X
	p->quirks = (uint32_t)rd_uv(&c);
	rd_bytes(&c, p->ttls, sizeof p->ttls);
	if (!rd_ok(&c) || dset_decode(&p->targets, &c) < 0 || dset_decode(&p->dports, &c) < 0 ||
	    dset_decode(&p->sports, &c) < 0)
		return -1;
	if (ipid_read(p, &c) < 0 || syn_read(p, &c) < 0 || sensors_read(p, &c) < 0)
		return -1;
	uint64_t next = rd_uv(&c);
	for (uint64_t e = 0; e < next && rd_ok(&c); e++) {
		uint64_t bl = rd_uv(&c);
		const uint8_t *b = rd_view(&c, (size_t)bl);
		if (!b && bl)
			return -1;
		if (e < EXT_COUNT) {
			buf_reset(&p->ext[e]);
			buf_put(&p->ext[e], b, (size_t)bl);
		}
	}
	return rd_ok(&c) ? 0 : -1;
}

void profile_encode_ipid(const profile *p, buf *out)
{
	buf_put_uv(out, p->n_ipid);
	int64_t prev = 0;
	for (uint32_t i = 0; i < p->n_ipid; i++) {
		const ipid_obs *o = &p->ipid[i];
		buf_put_sv(out, (int64_t)((uint64_t)o->ts_ns - (uint64_t)prev));
		prev = o->ts_ns;
		buf_put_uv(out, o->dst);
		buf_put_uv(out, o->ipid);
		buf_put_uv(out, o->dport);
		buf_putc(out, o->proto);
		buf_putc(out, o->df);
		buf_putc(out, o->ttl);
		buf_putc(out, o->flags);
		buf_put_uv(out, o->seq);
	}
}

static int ipid_read(profile *p, cursor *cp)
{
#define c (*cp)
	uint64_t n = rd_uv(&c);
	if (n > IPID_SAMPLES)
		return -1;
	int64_t prev = 0;
	p->n_ipid = 0;
	for (uint64_t i = 0; i < n && rd_ok(&c); i++) {
		ipid_obs o;
		prev = (int64_t)((uint64_t)prev + (uint64_t)rd_sv(&c));
		o.ts_ns = prev;
		o.dst = (uint32_t)rd_uv(&c);
		o.ipid = (uint16_t)rd_uv(&c);
		o.dport = (uint16_t)rd_uv(&c);
		o.proto = rd_u8(&c);
		o.df = rd_u8(&c);
		o.ttl = rd_u8(&c);
		o.flags = rd_u8(&c);
		o.seq = (uint32_t)rd_uv(&c);
		if (rd_ok(&c))
			p->ipid[p->n_ipid++] = o;
	}
	return rd_ok(&c) ? 0 : -1;
#undef c
}

int profile_decode_ipid(profile *p, const void *blob, size_t len)
{
	cursor c = rd_init(blob, len);
	return ipid_read(p, &c);
}

void profile_encode_syn(const profile *p, buf *out)
{
	buf_put_uv(out, p->n_syn);
	for (uint32_t i = 0; i < p->n_syn; i++) {
		const syn_sig *s = &p->syn[i];
		buf_put_sv(out, s->first_ns);
		buf_put_uv(out, s->count);
		buf_put_uv(out, s->quirks);
		buf_put_uv(out, s->tsval);
		buf_put_uv(out, s->seq);
		buf_put_uv(out, s->win);
		buf_put_uv(out, s->mss);
		buf_put_uv(out, s->ipid);
		uint8_t b[10] = {s->ver, s->ttl, s->ip_opt_len, s->wscale, s->has,
				 s->flags, s->nopt, s->eol_pad, s->payload, s->tos};
		buf_put(out, b, sizeof b);
		buf_put(out, s->opt, s->nopt);
	}
}

static int syn_read(profile *p, cursor *cp)
{
#define c (*cp)
	uint64_t n = rd_uv(&c);
	if (n > SYN_SAMPLES)
		return -1;
	p->n_syn = 0;
	for (uint64_t i = 0; i < n && rd_ok(&c); i++) {
		syn_sig s;
		memset(&s, 0, sizeof s);
		s.first_ns = rd_sv(&c);
		s.count = (uint32_t)rd_uv(&c);
		s.quirks = (uint32_t)rd_uv(&c);
		s.tsval = (uint32_t)rd_uv(&c);
		s.seq = (uint32_t)rd_uv(&c);
		s.win = (uint16_t)rd_uv(&c);
		s.mss = (uint16_t)rd_uv(&c);
		s.ipid = (uint16_t)rd_uv(&c);
		s.ver = rd_u8(&c);
		s.ttl = rd_u8(&c);
		s.ip_opt_len = rd_u8(&c);
		s.wscale = rd_u8(&c);
		s.has = rd_u8(&c);
		s.flags = rd_u8(&c);
		s.nopt = rd_u8(&c);
		s.eol_pad = rd_u8(&c);
		s.payload = rd_u8(&c);
		s.tos = rd_u8(&c);
		if (s.nopt > SYN_OPTS)
			return -1;
		rd_bytes(&c, s.opt, s.nopt);
		s.key = syn_sig_key(&s);
		if (rd_ok(&c))
			p->syn[p->n_syn++] = s;
	}
	return rd_ok(&c) ? 0 : -1;
#undef c
}

int profile_decode_syn(profile *p, const void *blob, size_t len)
{
	cursor c = rd_init(blob, len);
	return syn_read(p, &c);
}

void profile_encode_sensors(const profile *p, buf *out)
{
	buf_put_uv(out, p->n_sensors);
	for (uint32_t i = 0; i < p->n_sensors; i++) {
		size_t n = strlen(p->sensors[i]);
		buf_put_uv(out, n);
		buf_put(out, p->sensors[i], n);
	}
}

static int sensors_read(profile *p, cursor *cp)
{
#define c (*cp)
	uint64_t n = rd_uv(&c);
	if (n > SENSORS_MAX)
		return -1;
	for (uint64_t i = 0; i < n && rd_ok(&c); i++) {
		uint64_t sl = rd_uv(&c);
		char name[32];
		if (sl >= sizeof name)
			return -1;
		rd_bytes(&c, name, (size_t)sl);
		name[sl] = 0;
		if (rd_ok(&c))
			profile_add_sensor(p, name);
	}
	return rd_ok(&c) ? 0 : -1;
#undef c
}

int profile_decode_sensors(profile *p, const void *blob, size_t len)
{
	cursor c = rd_init(blob, len);
	return sensors_read(p, &c);
}

int profile_decode_dset(dset *s, const void *blob, size_t len)
{
	cursor c = rd_init(blob, len);
	dset_free(s);
	if (len == 0)
		return 0;
	return dset_decode(s, &c);
}
