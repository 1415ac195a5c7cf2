/* The host analyser's blob: encoding, decoding (a corrupt store is input
 * too) and the merge. Capped lists keep the entries that sort first by a
 * fixed key, so an entry kept in the end is kept by every partial merge and
 * its count is exact whatever the order. */
#include "fingerprint/host_blob.h"

#include "decode/cursor.h"
#include "profile/profile.h"
#include "util/hash.h"

#include <string.h>

const char *spoof_test_name(unsigned bit_index)
{
	static const char *const names[SP_COUNT] = {
	    "abnormal-protocol", "ttl-200",    "fragmented", "last-byte-src-0", "last-byte-src-255",
	    "same-src-dst",	 "udp-port-0", "tcp-port-0", "udp-destport-80"};
	return bit_index < SP_COUNT ? names[bit_index] : "?";
}

void hb_init(host_blob *b)
{
	memset(b, 0, sizeof *b);
}

static int rule_cmp(const hb_rule *a, const hb_rule *b)
{
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->hash < b->hash ? -1 : a->hash > b->hash;
}

void hb_add_rule(host_blob *b, const hb_rule *r)
{
	for (int i = 0; i < b->nrules; i++) {
		hb_rule *x = &b->rule[i];
		if (rule_cmp(x, r) == 0) {
			x->hits += r->hits;
			x->and_m &= r->and_m;
			x->or_m |= r->or_m;
			return;
		}
	}
	int i = b->nrules;
	if (i == HB_RULES) {
		if (rule_cmp(r, &b->rule[i - 1]) > 0)
			return;
		i--;
	} else {
		b->nrules++;
	}
	while (i > 0 && rule_cmp(r, &b->rule[i - 1]) < 0) {
		b->rule[i] = b->rule[i - 1];
		i--;
	}
	b->rule[i] = *r;
}

static uint64_t victim_key(const hb_victim *v)
{
	return hash_bytes(v->addr, 16, ((uint64_t)v->proto << 16) | v->port);
}

static int victim_cmp(const hb_victim *a, const hb_victim *b)
{
	uint64_t ka = victim_key(a), kb = victim_key(b);
	if (ka != kb)
		return ka < kb ? -1 : 1;
	int c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (a->proto > b->proto) - (a->proto < b->proto);
}

void hb_victims_add(hb_victim *arr, int *n, uint32_t *flags, const hb_victim *v)
{
	for (int i = 0; i < *n; i++) {
		if (victim_cmp(&arr[i], v) == 0) {
			arr[i].count += v->count;
			return;
		}
	}
	int i = *n;
	if (i == HB_VICTIMS) {
		*flags |= HBF_MORE_VICTIMS;
		if (victim_cmp(v, &arr[i - 1]) > 0)
			return;
		i--;
	} else {
		(*n)++;
	}
	while (i > 0 && victim_cmp(v, &arr[i - 1]) < 0) {
		arr[i] = arr[i - 1];
		i--;
	}
	arr[i] = *v;
}

void hb_add_victim(host_blob *b, const hb_victim *v)
{
	hb_victims_add(b->victim, &b->nvictims, &b->flags, v);
}

/* Nmap's seq = mask ^ (try << 16 | try): two of a scan's values differ in
 * the low byte of each half by the same amount, so the high bytes and the
 * xor of the two low bytes name the scan. */
static uint32_t nmap_canon(uint32_t x)
{
	return (x & 0xff00ff00u) | (((x >> 16) ^ x) & 0xff);
}

static uint32_t series_of(const host_blob *b)
{
	return b->flags >> HBF_SERIES_SHIFT & HS_ALL;
}

void hb_normalise(host_blob *b)
{
	uint32_t f = series_of(b);
	if (!(b->flags & HBF_SYN)) {
		b->flags &= ~(uint32_t)(HS_ALL << HBF_SERIES_SHIFT);
		b->seq0 = b->uni0 = b->unile0 = 0;
		return;
	}
	if (!(f & HS_SEQ_SAME))
		b->seq0 = (f & HS_SEQ_NMAP) ? nmap_canon(b->seq0) : 0;
	if (!(f & HS_UNI_BE))
		b->uni0 = 0;
	if (!(f & HS_UNI_LE))
		b->unile0 = 0;
}

/* The series flags of two sources of SYNs: each still holds only if the
 * two first SYNs agree on it. The relations are equivalences and values
 * are kept only while their flag holds (normalised), so the result is the
 * same in any order and however the packets were split. */
static void merge_series(host_blob *d, const host_blob *s)
{
	if (!(s->flags & HBF_SYN))
		return;
	if (!(d->flags & HBF_SYN)) {
		d->flags |= s->flags & (HBF_SYN | (HS_ALL << HBF_SERIES_SHIFT));
		d->seq0 = s->seq0;
		d->uni0 = s->uni0;
		d->unile0 = s->unile0;
		hb_normalise(d);
		return;
	}
	uint32_t keep = series_of(d) & series_of(s);
	if (d->seq0 != s->seq0)
		keep &= ~(uint32_t)HS_SEQ_SAME;
	if (nmap_canon(d->seq0) != nmap_canon(s->seq0))
		keep &= ~(uint32_t)HS_SEQ_NMAP;
	if (d->uni0 != s->uni0)
		keep &= ~(uint32_t)HS_UNI_BE;
	if (d->unile0 != s->unile0)
		keep &= ~(uint32_t)HS_UNI_LE;
	d->flags = (d->flags & ~(uint32_t)(HS_ALL << HBF_SERIES_SHIFT)) | keep << HBF_SERIES_SHIFT;
	hb_normalise(d);
}

void hb_merge(host_blob *d, const host_blob *s)
{
	merge_series(d, s);
	d->flags |= s->flags & HBF_MORE_VICTIMS;
	d->spoofed += s->spoofed;
	d->spoof_ttl += s->spoof_ttl;
	d->replies += s->replies;
	d->dns += s->dns;
	d->spoof_why |= s->spoof_why;
	for (int i = 0; i < s->nrules; i++)
		hb_add_rule(d, &s->rule[i]);
	for (int i = 0; i < s->nvictims; i++)
		hb_add_victim(d, &s->victim[i]);
}

static void put_str(buf *out, const char *s)
{
	size_t n = strlen(s);
	buf_put_uv(out, n);
	buf_put(out, s, n);
}

void hb_encode(const host_blob *b, buf *out)
{
	buf_putc(out, HB_VERSION);
	buf_put_uv(out, b->flags);
	buf_put_uv(out, b->seq0);
	buf_put_uv(out, b->uni0);
	buf_put_uv(out, b->unile0);
	buf_put_uv(out, b->spoofed);
	buf_put_uv(out, b->spoof_ttl);
	buf_put_uv(out, b->spoof_why);
	buf_put_uv(out, b->replies);
	buf_put_uv(out, b->dns);
	buf_put_uv(out, (uint64_t)b->nrules);
	for (int i = 0; i < b->nrules; i++) {
		const hb_rule *r = &b->rule[i];
		put_str(out, r->name);
		put_str(out, r->tool);
		buf_put_uv(out, r->hash);
		buf_put_uv(out, r->hits);
		buf_put_uv(out, r->and_m);
		buf_put_uv(out, r->or_m);
	}
	buf_put_uv(out, (uint64_t)b->nvictims);
	for (int i = 0; i < b->nvictims; i++) {
		const hb_victim *v = &b->victim[i];
		buf_put(out, v->addr, 16);
		buf_put_uv(out, v->port);
		buf_putc(out, v->proto);
		buf_put_uv(out, v->count);
	}
}

static int get_str(cursor *c, char *out, size_t n)
{
	uint64_t len = rd_uv(c);
	if (!rd_ok(c) || len == 0 || len >= n)
		return -1;
	rd_bytes(c, out, (size_t)len);
	out[len] = 0;
	return rd_ok(c) && strlen(out) == len ? 0 : -1;
}

static int get_u32(cursor *c, uint32_t *v, uint64_t max)
{
	uint64_t x = rd_uv(c);
	if (!rd_ok(c) || x > max)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int decode_rules(cursor *c, host_blob *b)
{
	uint64_t n = rd_uv(c);
	if (!rd_ok(c) || n > HB_RULES)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		hb_rule r;
		memset(&r, 0, sizeof r);
		uint32_t am, om;
		if (get_str(c, r.name, sizeof r.name) < 0 ||
		    get_str(c, r.tool, sizeof r.tool) < 0 || get_u32(c, &r.hash, UINT32_MAX) < 0)
			return -1;
		r.hits = rd_uv(c);
		if (get_u32(c, &am, 0xffff) < 0 || get_u32(c, &om, 0xffff) < 0)
			return -1;
		r.and_m = (uint16_t)am;
		r.or_m = (uint16_t)om;
		hb_add_rule(b, &r);
	}
	return 0;
}

static int decode_victims(cursor *c, host_blob *b)
{
	uint64_t n = rd_uv(c);
	if (!rd_ok(c) || n > HB_VICTIMS)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		hb_victim v;
		uint32_t port;
		memset(&v, 0, sizeof v);
		rd_bytes(c, v.addr, 16);
		if (get_u32(c, &port, 0xffff) < 0)
			return -1;
		v.port = (uint16_t)port;
		v.proto = rd_u8(c);
		v.count = rd_uv(c);
		if (!rd_ok(c))
			return -1;
		hb_add_victim(b, &v);
	}
	return 0;
}

int hb_decode(host_blob *b, const uint8_t *p, size_t n)
{
	hb_init(b);
	cursor c = rd_init(p, n);
	if (rd_u8(&c) != HB_VERSION)
		return -1;
	if (get_u32(&c, &b->flags, 0x3f) < 0 || get_u32(&c, &b->seq0, UINT32_MAX) < 0 ||
	    get_u32(&c, &b->uni0, UINT32_MAX) < 0 || get_u32(&c, &b->unile0, UINT32_MAX) < 0)
		return -1;
	b->spoofed = rd_uv(&c);
	b->spoof_ttl = rd_uv(&c);
	if (get_u32(&c, &b->spoof_why, (1u << SP_COUNT) - 1) < 0 || b->spoof_ttl > b->spoofed)
		return -1;
	b->replies = rd_uv(&c);
	b->dns = rd_uv(&c);
	if (!rd_ok(&c) || decode_rules(&c, b) < 0 || decode_victims(&c, b) < 0)
		return -1;
	if (!rd_ok(&c) || rd_left(&c) != 0)
		return -1;
	hb_normalise(b);
	return 0;
}

int hb_from_profile(const profile *p, host_blob *b)
{
	const buf *e = &p->ext[EXT_HOST];
	if (!e->len) {
		hb_init(b);
		return -1;
	}
	return hb_decode(b, e->p, e->len);
}

int hb_merge_blobs(buf *out, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	host_blob x, y;
	int okx = alen && hb_decode(&x, a, alen) == 0;
	int oky = blen && hb_decode(&y, b, blen) == 0;
	if (!okx && !oky)
		return -1;
	if (!okx)
		x = y;
	else if (oky)
		hb_merge(&x, &y);
	hb_encode(&x, out);
	return 0;
}
