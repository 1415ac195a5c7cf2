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

void profile_add_sensor(profile *p, const char *sensor)
{
	if (!sensor || !*sensor)
		return;
	for (uint32_t i = 0; i < p->n_sensors; i++)
		if (strcmp(p->sensors[i], sensor) == 0)
			return;
	if (p->n_sensors < SENSORS_MAX)
		snprintf(p->sensors[p->n_sensors++], sizeof p->sensors[0], "%s", sensor);
}

static int ipid_before(const ipid_obs *a, const ipid_obs *b)
{
	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns;
	if (a->dst != b->dst)
		return a->dst < b->dst;
	return a->ipid < b->ipid;
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

/* Keeps the SYN_SAMPLES earliest distinct signatures, counting repeats. */
void profile_add_syn(profile *p, const syn_sig *s)
{
	for (uint32_t i = 0; i < p->n_syn; i++) {
		if (syn_sig_same(&p->syn[i], s)) {
			uint32_t c = p->syn[i].count;
			if (s->first_ns < p->syn[i].first_ns) {
				/* an earlier copy moves up: the list stays in time
				 * order, whatever order profiles are merged in */
				while (i > 0 && s->first_ns < p->syn[i - 1].first_ns) {
					p->syn[i] = p->syn[i - 1];
					i--;
				}
				p->syn[i] = *s;
			}
			p->syn[i].count = c + s->count;
			return;
		}
	}
	uint32_t n = p->n_syn;
	if (n == SYN_SAMPLES && s->first_ns >= p->syn[n - 1].first_ns)
		return;
	uint32_t i = n < SYN_SAMPLES ? n : n - 1;
	while (i > 0 && s->first_ns < p->syn[i - 1].first_ns) {
		p->syn[i] = p->syn[i - 1];
		i--;
	}
	p->syn[i] = *s;
	if (n < SYN_SAMPLES)
		p->n_syn++;
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
	for (uint32_t i = 0; i < src->n_syn; i++)
		profile_add_syn(dst, &src->syn[i]);
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

void syn_sig_ja4t(const syn_sig *s, char *out, size_t outlen)
{
	char opts[SYN_OPTS * 4 + 1] = "00"; /* JA4T writes 00 for what is absent */
	size_t n = 0;
	for (uint32_t i = 0; i < s->nopt && n + 4 < sizeof opts; i++)
		n += (size_t)snprintf(opts + n, sizeof opts - n, "%s%u", i ? "-" : "", s->opt[i]);
	char mss[8] = "00", ws[8] = "00";
	if (s->has & SYNF_MSS)
		snprintf(mss, sizeof mss, "%u", s->mss);
	if (s->has & SYNF_WS)
		snprintf(ws, sizeof ws, "%u", s->wscale);
	snprintf(out, outlen, "%u_%s_%s_%s", s->win, opts, mss, ws);
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
	buf_put_sv(out, p->last_ns - p->first_ns);
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
	p->last_ns = p->first_ns + rd_sv(&c);
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
		buf_put_sv(out, o->ts_ns - prev);
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
		prev += rd_sv(&c);
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
