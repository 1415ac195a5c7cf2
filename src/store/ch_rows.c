/* What the ClickHouse store writes and reads: the columns of each table, a
 * profile as one row of `source_parts` (one source, one sensor, one flush),
 * and the SELECT that merges all rows of a source with ClickHouse's
 * aggregate functions, following each field's merge kind (profile.h):
 *
 *   sum       counters                      sum()
 *   min/max   first/last seen               min(), max()
 *   or        quirks, TTLs seen             groupBitOr()
 *   dset      exact part                    64 smallest of groupUniqArrayArray()
 *             sketch registers              maxForEach() of the parts' registers, and
 *                                           the largest rank per register of the sparse
 *                                           sketches of parts still exact
 *   first-N   IP IDs, SYN signatures        arraySort() of byte strings whose order is
 *                                           the merge order, arraySlice(); SYN counts by
 *                                           sumMap(); a source with more distinct SYN
 *                                           signatures than kept: folded here (fold_syn)
 *   sensors   in the order first written    arraySort() by write order, first occurrence
 *   ext       analysers' blobs              returned in write order, folded by the
 *                                           analyser's own merge (C) on read */
#include "store/clickhouse.h"

#include "profile/ptable.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(EXT_COUNT == 4, "one ext column per profile_ext slot");

/* --- columns -------------------------------------------------------------- */

enum {
	S_PART,
	S_IP,
	S_SENSORS,
	S_BT,
	S_SEQ,
	S_FIRST,
	S_LAST,
#define X(name, label) S_C_##name,
	PROFILE_COUNTERS(X)
#undef X
	    S_QUIRKS,
	S_TTL0,
	S_TTL1,
	S_TTL2,
	S_TTL3,
	S_TGT,
	S_TGT_HLL,
	S_TGT_HV,
	S_DPT,
	S_DPT_HLL,
	S_DPT_HV,
	S_SPT,
	S_SPT_HLL,
	S_SPT_HV,
	S_IPID,
	S_SYN,
	S_SYN_KEY,
	S_SYN_COUNT,
	S_EXT0,
	S_NCOLS = S_EXT0 + EXT_COUNT
};

#define FIX(n, t, w)                                                                               \
	{                                                                                          \
		n, t, CH_FIXED, w                                                                  \
	}
#define ARR(n, t, w)                                                                               \
	{                                                                                          \
		n, "Array(" t ")", CH_ARR_FIXED, w                                                 \
	}

const ch_coldef ch_source_cols[S_NCOLS] = {
    [S_PART] = FIX("part", "UInt64", 8),
    [S_IP] = FIX("ip", "FixedString(16)", 16),
    [S_SENSORS] = {"sensors", "Array(String)", CH_ARR_STRING, 0},
    [S_BT] = FIX("bt", "Int64", 8),
    [S_SEQ] = FIX("seq", "UInt32", 4),
    [S_FIRST] = FIX("first_ns", "Int64", 8),
    [S_LAST] = FIX("last_ns", "Int64", 8),
#define X(name, label) [S_C_##name] = FIX(#name, "UInt64", 8),
    PROFILE_COUNTERS(X)
#undef X
	[S_QUIRKS] = FIX("quirks", "UInt32", 4),
    [S_TTL0] = FIX("ttl0", "UInt64", 8),
    [S_TTL1] = FIX("ttl1", "UInt64", 8),
    [S_TTL2] = FIX("ttl2", "UInt64", 8),
    [S_TTL3] = FIX("ttl3", "UInt64", 8),
    [S_TGT] = ARR("targets", "UInt32", 4),
    [S_TGT_HLL] = ARR("targets_hll", "UInt8", 1),
    [S_TGT_HV] = ARR("targets_hv", "UInt16", 2),
    [S_DPT] = ARR("dports", "UInt32", 4),
    [S_DPT_HLL] = ARR("dports_hll", "UInt8", 1),
    [S_DPT_HV] = ARR("dports_hv", "UInt16", 2),
    [S_SPT] = ARR("sports", "UInt32", 4),
    [S_SPT_HLL] = ARR("sports_hll", "UInt8", 1),
    [S_SPT_HV] = ARR("sports_hv", "UInt16", 2),
    [S_IPID] = ARR("ipid", "FixedString(37)", CH_IPID_BLOB),
    [S_SYN] = ARR("syn", "FixedString(73)", CH_SYN_BLOB),
    [S_SYN_KEY] = ARR("syn_key", "UInt64", 8),
    [S_SYN_COUNT] = ARR("syn_count", "UInt64", 8),
    [S_EXT0] = {"ext0", "String", CH_STRING, 0},
    [S_EXT0 + 1] = {"ext1", "String", CH_STRING, 0},
    [S_EXT0 + 2] = {"ext2", "String", CH_STRING, 0},
    [S_EXT0 + 3] = {"ext3", "String", CH_STRING, 0},
};
const int ch_source_ncols = S_NCOLS;

enum {
	M_PART,
	M_IP,
	M_BT,
	M_ORD,
	M_KEY,
	M_TS,
	M_COUNT,
	M_PROTO,
	M_SPORT,
	M_DPORT,
	M_DST,
	M_WIRE,
	M_DATA,
	M_NCOLS
};
const ch_coldef ch_sample_cols[M_NCOLS] = {
    [M_PART] = FIX("part", "UInt64", 8),
    [M_IP] = FIX("ip", "FixedString(16)", 16),
    [M_BT] = FIX("bt", "Int64", 8),
    [M_ORD] = FIX("ord", "UInt32", 4),
    [M_KEY] = FIX("key", "Int64", 8),
    [M_TS] = FIX("ts_ns", "Int64", 8),
    [M_COUNT] = FIX("count", "UInt32", 4),
    [M_PROTO] = FIX("proto", "UInt8", 1),
    [M_SPORT] = FIX("sport", "UInt16", 2),
    [M_DPORT] = FIX("dport", "UInt16", 2),
    [M_DST] = FIX("dst", "FixedString(16)", 16),
    [M_WIRE] = FIX("wire_len", "UInt32", 4),
    [M_DATA] = {"data", "String", CH_STRING, 0},
};
const int ch_sample_ncols = M_NCOLS;

enum { K_PART, K_KIND, K_KEY, K_IP, K_NCOLS };
const ch_coldef ch_key_cols[K_NCOLS] = {
    [K_PART] = FIX("part", "UInt64", 8),
    [K_KIND] = {"kind", "String", CH_STRING, 0},
    [K_KEY] = {"key", "String", CH_STRING, 0},
    [K_IP] = FIX("ip", "FixedString(16)", 16),
};
const int ch_key_ncols = K_NCOLS;

enum {
	C_PART,
	C_BT,
	C_SEQ,
	C_PATH,
	C_SENSOR,
	C_FORMAT,
	C_COMPRESSION,
	C_STATUS,
	C_LINKTYPE,
	C_HEAD,
	C_CONTENT,
	C_RAW,
	C_PACKETS,
	C_IP_PACKETS,
	C_BYTES,
	C_FIRST,
	C_LAST,
	C_READ,
	C_SOURCES,
	C_FLUSHES,
	C_NCOLS
};
const ch_coldef ch_capture_cols[C_NCOLS] = {
    [C_PART] = FIX("part", "UInt64", 8),
    [C_BT] = FIX("bt", "Int64", 8),
    [C_SEQ] = FIX("seq", "UInt32", 4),
    [C_PATH] = {"path", "String", CH_STRING, 0},
    [C_SENSOR] = {"sensor", "String", CH_STRING, 0},
    [C_FORMAT] = {"format", "String", CH_STRING, 0},
    [C_COMPRESSION] = {"compression", "String", CH_STRING, 0},
    [C_STATUS] = {"status", "String", CH_STRING, 0},
    [C_LINKTYPE] = FIX("linktype", "Int32", 4),
    [C_HEAD] = FIX("head_hash", "UInt64", 8),
    [C_CONTENT] = FIX("content_hash", "UInt64", 8),
    [C_RAW] = FIX("raw_size", "Int64", 8),
    [C_PACKETS] = FIX("packets", "UInt64", 8),
    [C_IP_PACKETS] = FIX("ip_packets", "UInt64", 8),
    [C_BYTES] = FIX("bytes", "UInt64", 8),
    [C_FIRST] = FIX("first_ns", "Int64", 8),
    [C_LAST] = FIX("last_ns", "Int64", 8),
    [C_READ] = FIX("read_ns", "Int64", 8),
    [C_SOURCES] = FIX("sources", "UInt64", 8),
    [C_FLUSHES] = FIX("flushes", "UInt64", 8),
};
const int ch_capture_ncols = C_NCOLS;

/* port_day_parts: one row per (port, day) per flush of each shard, merged
 * on read (sum of packets, union of the distinct sets of sources). */
enum { P_PART, P_BT, P_PORT, P_DAY, P_PACKETS, P_SRC, P_SRC_HLL, P_SRC_HV, P_NCOLS };
const ch_coldef ch_port_day_cols[P_NCOLS] = {
    [P_PART] = FIX("part", "UInt64", 8),
    [P_BT] = FIX("bt", "Int64", 8),
    [P_PORT] = FIX("port", "UInt32", 4),
    [P_DAY] = FIX("day", "Int32", 4),
    [P_PACKETS] = FIX("packets", "UInt64", 8),
    [P_SRC] = ARR("sources", "UInt32", 4),
    [P_SRC_HLL] = ARR("sources_hll", "UInt8", 1),
    [P_SRC_HV] = ARR("sources_hv", "UInt16", 2),
};
const int ch_port_day_ncols = P_NCOLS;

/* --- sortable encodings ---------------------------------------------------- */

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Signed values with the sign bit flipped sort as unsigned bytes. */
static void be64s(uint8_t *p, int64_t v)
{
	be64(p, (uint64_t)v ^ ((uint64_t)1 << 63));
}

static int64_t ld64s(const uint8_t *p)
{
	return (int64_t)(ld64(p) ^ ((uint64_t)1 << 63));
}

/* [ts][dst][ipid] is profile_add_ipid's order; [bt][seq][i] is write order,
 * which breaks ties the way the C merge does (the earlier written first). */
void ch_ipid_blob(const ipid_obs *o, int64_t bt, uint32_t seq, uint8_t i, uint8_t out[CH_IPID_BLOB])
{
	be64s(out, o->ts_ns);
	be32(out + 8, o->dst);
	be16(out + 12, o->ipid);
	be64s(out + 14, bt);
	be32(out + 22, seq);
	out[26] = i;
	be16(out + 27, o->dport);
	out[29] = o->proto;
	out[30] = o->df;
	out[31] = o->ttl;
	out[32] = o->flags;
	be32(out + 33, o->seq);
}

void ch_ipid_unblob(const uint8_t in[CH_IPID_BLOB], ipid_obs *o)
{
	memset(o, 0, sizeof *o);
	o->ts_ns = ld64s(in);
	o->dst = ld_be32(in + 8);
	o->ipid = ld_be16(in + 12);
	o->dport = ld_be16(in + 27);
	o->proto = in[29];
	o->df = in[30];
	o->ttl = in[31];
	o->flags = in[32];
	o->seq = ld_be32(in + 33);
}

/* [first_ns][bt][seq][i] orders a signature's copies so that the first of
 * each key is the one profile_add_syn keeps; the key follows. */
void ch_syn_blob(const syn_sig *s, int64_t bt, uint32_t seq, uint8_t i, uint8_t out[CH_SYN_BLOB])
{
	memset(out, 0, CH_SYN_BLOB);
	be64s(out, s->first_ns);
	be64s(out + 8, bt);
	be32(out + 16, seq);
	out[20] = i;
	be64(out + CH_SYN_KEY_AT, s->key);
	uint8_t *p = out + CH_SYN_KEY_AT + 8;
	be32(p, s->count);
	be32(p + 4, s->quirks);
	be32(p + 8, s->tsval);
	be32(p + 12, s->seq);
	be16(p + 16, s->win);
	be16(p + 18, s->mss);
	be16(p + 20, s->ipid);
	p += 22;
	uint8_t b[10] = {s->ver,   s->ttl,  s->ip_opt_len, s->wscale,  s->has,
			 s->flags, s->nopt, s->eol_pad,	   s->payload, s->tos};
	memcpy(p, b, sizeof b);
	memcpy(p + 10, s->opt, s->nopt < SYN_OPTS ? s->nopt : SYN_OPTS);
}

int ch_syn_unblob(const uint8_t in[CH_SYN_BLOB], syn_sig *s)
{
	memset(s, 0, sizeof *s);
	s->first_ns = ld64s(in);
	const uint8_t *p = in + CH_SYN_KEY_AT + 8;
	s->count = ld_be32(p);
	s->quirks = ld_be32(p + 4);
	s->tsval = ld_be32(p + 8);
	s->seq = ld_be32(p + 12);
	s->win = ld_be16(p + 16);
	s->mss = ld_be16(p + 18);
	s->ipid = ld_be16(p + 20);
	p += 22;
	s->ver = p[0];
	s->ttl = p[1];
	s->ip_opt_len = p[2];
	s->wscale = p[3];
	s->has = p[4];
	s->flags = p[5];
	s->nopt = p[6];
	s->eol_pad = p[7];
	s->payload = p[8];
	s->tos = p[9];
	if (s->nopt > SYN_OPTS)
		return -1;
	memcpy(s->opt, p + 10, s->nopt);
	s->key = syn_sig_key(s);
	return s->key == ld64(in + CH_SYN_KEY_AT) ? 0 : -1;
}

/* --- distinct sets ----------------------------------------------------------- */

/* At most DSET_EXACT values, nearly sorted: insertion sort beats qsort's
 * call per comparison by far. */
static void sort_u16(uint16_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint16_t v = a[i];
		size_t j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

size_t ch_dset_sparse(const dset *d, uint16_t *out)
{
	if (d->hll)
		return 0; /* its registers already hold every value */
	uint32_t v[DSET_EXACT];
	dset_sorted(d, v);
	for (uint32_t i = 0; i < d->n; i++) {
		uint32_t idx;
		uint8_t rank;
		dset_hll_pos(v[i], &idx, &rank);
		out[i] = (uint16_t)(idx << 8 | rank);
	}
	sort_u16(out, d->n);
	size_t n = 0;
	for (uint32_t i = 0; i < d->n; i++)
		if (n == 0 || out[n - 1] != out[i])
			out[n++] = out[i];
	return n;
}

int ch_dset_build(dset *d, const uint32_t *exact, size_t n, uint64_t distinct, const uint8_t *regs,
		  size_t nregs, const uint16_t *sparse, size_t nsparse)
{
	size_t want = distinct < DSET_EXACT ? (size_t)distinct : DSET_EXACT;
	if (n != want || (nregs != 0 && nregs != DSET_HLL_M))
		return -1;
	int estimate = distinct > DSET_EXACT || nregs;
	uint8_t r[DSET_HLL_M];
	memset(r, 0, sizeof r);
	if (nregs)
		memcpy(r, regs, DSET_HLL_M);
	for (size_t i = 0; i < nsparse; i++) {
		uint8_t idx = (uint8_t)(sparse[i] >> 8), rank = (uint8_t)sparse[i];
		if (rank > r[idx])
			r[idx] = rank;
	}
	/* the stored form of a dset, then the one decoder of it */
	uint8_t tmp[10 * DSET_EXACT + 2 + DSET_HLL_M];
	buf b = {tmp, 0, sizeof tmp, 0};
	buf_put_uv(&b, n);
	uint32_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && exact[i] <= prev)
			return -1;
		buf_put_uv(&b, exact[i] - prev);
		prev = exact[i];
	}
	buf_putc(&b, estimate ? 1 : 0);
	if (estimate)
		buf_put(&b, r, DSET_HLL_M);
	if (b.p != tmp || b.oom)
		return -1; /* cannot happen: tmp holds the largest form */
	cursor c = rd_init(tmp, b.len);
	dset_free(d);
	return dset_decode(d, &c) < 0 || rd_left(&c) ? -1 : 0;
}

/* --- writing rows ------------------------------------------------------------ */

void ch_put_dset(ch_block *b, int col, const dset *d)
{
	uint32_t v[DSET_EXACT];
	uint16_t hv[DSET_EXACT];
	dset_sorted(d, v);
	ch_arr_add_u32s(b, col, v, d->n);
	ch_arr_end(b, col);
	if (d->hll)
		ch_arr_add_bytes(b, col + 1, d->hll, DSET_HLL_M);
	ch_arr_end(b, col + 1);
	ch_arr_add_u16s(b, col + 2, hv, ch_dset_sparse(d, hv));
	ch_arr_end(b, col + 2);
}

static void put_samples(ch_block *b, const profile *p, int64_t bt, uint32_t seq)
{
	uint8_t blob[CH_SYN_BLOB];
	for (uint32_t i = 0; i < p->n_ipid && i < IPID_SAMPLES; i++) {
		ch_ipid_blob(&p->ipid[i], bt, seq, (uint8_t)i, blob);
		ch_arr_add(b, S_IPID, blob);
	}
	ch_arr_end(b, S_IPID);
	for (uint32_t i = 0; i < p->n_syn && i < SYN_SAMPLES; i++) {
		uint8_t e[8];
		ch_syn_blob(&p->syn[i], bt, seq, (uint8_t)i, blob);
		ch_arr_add(b, S_SYN, blob);
		ch_le64(e, p->syn[i].key);
		ch_arr_add(b, S_SYN_KEY, e);
		ch_le64(e, p->syn[i].count);
		ch_arr_add(b, S_SYN_COUNT, e);
	}
	ch_arr_end(b, S_SYN);
	ch_arr_end(b, S_SYN_KEY);
	ch_arr_end(b, S_SYN_COUNT);
}

void ch_source_row(ch_block *b, const profile *p, const char *sensor, int64_t bt, uint32_t seq)
{
	ch_put_u64(b, S_PART, 0);
	ch_put_fixed(b, S_IP, p->ip, 16);
	for (uint32_t i = 0; i < p->n_sensors; i++)
		ch_arr_add_str(b, S_SENSORS, p->sensors[i], strlen(p->sensors[i]));
	if (!p->n_sensors && sensor && *sensor)
		ch_arr_add_str(b, S_SENSORS, sensor, strlen(sensor));
	ch_arr_end(b, S_SENSORS);
	ch_put_i64(b, S_BT, bt);
	ch_put_u32(b, S_SEQ, seq);
	ch_put_i64(b, S_FIRST, p->first_ns);
	ch_put_i64(b, S_LAST, p->last_ns);
#define X(name, label) ch_put_u64(b, S_C_##name, p->name);
	PROFILE_COUNTERS(X)
#undef X
	ch_put_u32(b, S_QUIRKS, p->quirks);
	for (int w = 0; w < 4; w++) {
		uint64_t v = 0;
		for (int i = 0; i < 8; i++)
			v |= (uint64_t)p->ttls[w * 8 + i] << (8 * i);
		ch_put_u64(b, S_TTL0 + w, v);
	}
	ch_put_dset(b, S_TGT, &p->targets);
	ch_put_dset(b, S_DPT, &p->dports);
	ch_put_dset(b, S_SPT, &p->sports);
	put_samples(b, p, bt, seq);
	for (int e = 0; e < EXT_COUNT; e++)
		ch_put_str(b, S_EXT0 + e, p->ext[e].p, p->ext[e].len);
	ch_row_end(b);
}

void ch_sample_row(ch_block *b, const uint8_t ip[16], const payload_sample *m, int64_t bt,
		   uint32_t ord)
{
	ch_put_u64(b, M_PART, 0);
	ch_put_fixed(b, M_IP, ip, 16);
	ch_put_i64(b, M_BT, bt);
	ch_put_u32(b, M_ORD, ord);
	ch_put_i64(b, M_KEY, (int64_t)m->key);
	ch_put_i64(b, M_TS, m->ts_ns);
	ch_put_u32(b, M_COUNT, m->count);
	ch_put_u8(b, M_PROTO, m->proto);
	ch_put_u16(b, M_SPORT, m->sport);
	ch_put_u16(b, M_DPORT, m->dport);
	ch_put_fixed(b, M_DST, m->dst_ip, 16);
	ch_put_u32(b, M_WIRE, m->wire_len);
	ch_put_str(b, M_DATA, m->data, m->len);
	ch_row_end(b);
}

void ch_key_row(ch_block *b, const char *kind, const char *key, const uint8_t ip[16])
{
	ch_put_u64(b, K_PART, 0);
	ch_put_str(b, K_KIND, kind, strlen(kind));
	ch_put_str(b, K_KEY, key, strlen(key));
	ch_put_fixed(b, K_IP, ip, 16);
	ch_row_end(b);
}

void ch_port_day_row(ch_block *b, const port_day *r, int64_t bt)
{
	ch_put_u64(b, P_PART, 0);
	ch_put_i64(b, P_BT, bt);
	ch_put_u32(b, P_PORT, r->port);
	ch_put_u32(b, P_DAY, (uint32_t)r->day);
	ch_put_u64(b, P_PACKETS, r->packets);
	ch_put_dset(b, P_SRC, &r->sources);
	ch_row_end(b);
}

static void put_cstr(ch_block *b, int col, const char *s)
{
	ch_put_str(b, col, s, strnlen(s, 512));
}

void ch_capture_row(ch_block *b, const capture_rec *c, int64_t bt, uint32_t seq)
{
	ch_put_u64(b, C_PART, 0);
	ch_put_i64(b, C_BT, bt);
	ch_put_u32(b, C_SEQ, seq);
	put_cstr(b, C_PATH, c->path);
	put_cstr(b, C_SENSOR, c->sensor);
	put_cstr(b, C_FORMAT, c->format);
	put_cstr(b, C_COMPRESSION, c->compression);
	put_cstr(b, C_STATUS, c->status);
	ch_put_u32(b, C_LINKTYPE, (uint32_t)c->linktype);
	ch_put_u64(b, C_HEAD, c->head_hash);
	ch_put_u64(b, C_CONTENT, c->content_hash);
	ch_put_i64(b, C_RAW, c->raw_size);
	ch_put_u64(b, C_PACKETS, c->packets);
	ch_put_u64(b, C_IP_PACKETS, c->ip_packets);
	ch_put_u64(b, C_BYTES, c->bytes);
	/* as SQLite keeps them: no times for a capture without packets */
	ch_put_i64(b, C_FIRST, c->packets ? c->first_ns : 0);
	ch_put_i64(b, C_LAST, c->packets ? c->last_ns : 0);
	ch_put_i64(b, C_READ, c->read_ns);
	ch_put_u64(b, C_SOURCES, c->sources);
	ch_put_u64(b, C_FLUSHES, c->flushes);
	ch_row_end(b);
}

/* --- the merged profile ----------------------------------------------------- */

/* Aliases are defined inside their first use, so that only the columns the
 * reader expects are returned. */
void ch_select_dset(buf *sql, const char *d)
{
	/* _u: every distinct exact value of the parts; _h: their registers;
	 * _v: their sparse sketches, only when the merged set is an estimate,
	 * reduced to the largest rank per register (the last of each run of a
	 * register in sorted order). */
	buf_printf(sql,
		   ", arraySlice((arraySort(arrayDistinct(groupArrayArray(%s))) AS _%s_u), 1, %d),"
		   " length(_%s_u), (maxForEach(%s_hll) AS _%s_h), arrayFilter((x, i) -> i ="
		   " length(_%s_v) OR intDiv(x, 256) != intDiv(_%s_v[i + 1], 256), (if("
		   "length(_%s_u) > %d OR notEmpty(_%s_h), "
		   "arraySort(arrayDistinct(groupArrayArray(%s_hv))),"
		   " emptyArrayUInt16()) AS _%s_v), arrayEnumerate(_%s_v))",
		   d, d, DSET_EXACT, d, d, d, d, d, d, DSET_EXACT, d, d, d, d);
}

void ch_profile_select(buf *sql)
{
	buf_puts(sql, "ip, min(first_ns) AS _first, max(last_ns)");
#define X(name, label) buf_puts(sql, ", sum(" #name ") AS _" #name);
	PROFILE_COUNTERS(X)
#undef X
	buf_puts(sql, ", groupBitOr(quirks), groupBitOr(ttl0), groupBitOr(ttl1),"
		      " groupBitOr(ttl2), groupBitOr(ttl3)");
	ch_select_dset(sql, "targets");
	ch_select_dset(sql, "dports");
	ch_select_dset(sql, "sports");
	buf_printf(sql, ", arraySlice(arraySort(groupArrayArray(ipid)), 1, %d)", IPID_SAMPLES);
	buf_printf(sql,
		   ", arraySlice(arrayFilter((x, u) -> u = 1, (arraySort(groupArrayArray(syn)) AS"
		   " _ss), arrayEnumerateUniq(arrayMap(x -> substring(x, %d, 8), _ss))), 1, %d),"
		   " (sumMap(syn_key, syn_count) AS _sm).1, _sm.2, if(length(_sm.1) > %d,"
		   " arraySort(x -> substring(x, 9, 13), _ss), arrayFilter(x -> 0, _ss))",
		   CH_SYN_KEY_AT + 1, SYN_SAMPLES, SYN_SAMPLES);
	buf_printf(sql,
		   ", (arraySlice(arrayFilter((x, u) -> u = 1, (arrayReduce('groupArrayArray',"
		   " arrayMap(t -> t.4, arraySort(groupArray((bt, part, seq, sensors))))) AS _sn),"
		   " arrayEnumerateUniq(_sn)), 1, %d) AS _sensors)",
		   SENSORS_MAX);
	/* one aggregate for all blob slots: most sources have none at all */
	buf_puts(sql, ", arrayFilter(x -> x != '', arrayMap(t -> t.4, (arraySort(groupArrayIf((bt,"
		      " part, seq");
	for (int e = 0; e < EXT_COUNT; e++)
		buf_printf(sql, ", ext%d", e);
	buf_puts(sql, "), ");
	for (int e = 0; e < EXT_COUNT; e++)
		buf_printf(sql, "%sext%d != ''", e ? " OR " : "", e);
	buf_puts(sql, ")) AS _ext)))");
	for (int e = 1; e < EXT_COUNT; e++)
		buf_printf(sql, ", arrayFilter(x -> x != '', arrayMap(t -> t.%d, _ext))", 4 + e);
}

/* Reads an Array(UIntW) of at most max elements into out. */
static size_t rd_u32s(cursor *c, uint32_t *out, size_t max)
{
	uint64_t n = ch_rd_len(c, 4);
	if (n > max) {
		rd_fail(c);
		return 0;
	}
	for (uint64_t i = 0; i < n; i++)
		out[i] = ch_rd_u32(c);
	return (size_t)n;
}

int ch_read_dset(cursor *c, dset *d)
{
	uint32_t exact[DSET_EXACT];
	uint16_t sparse[DSET_HLL_M];
	uint8_t regs[DSET_HLL_M];
	size_t n = rd_u32s(c, exact, DSET_EXACT);
	uint64_t distinct = ch_rd_u64(c);
	uint64_t nr = ch_rd_len(c, 1);
	if (nr != 0 && nr != DSET_HLL_M)
		return -1;
	rd_bytes(c, regs, (size_t)nr);
	uint64_t ns = ch_rd_len(c, 2);
	if (ns > DSET_HLL_M) {
		rd_fail(c);
		return 0;
	}
	for (uint64_t i = 0; i < ns; i++)
		sparse[i] = ch_rd_u16(c);
	if (!rd_ok(c))
		return 0;
	return ch_dset_build(d, exact, n, distinct, regs, (size_t)nr, sparse, (size_t)ns) < 0 ? -1
											      : 1;
}

static int read_ipid(cursor *c, profile *p)
{
	uint64_t n = ch_rd_len(c, CH_IPID_BLOB);
	if (n > IPID_SAMPLES)
		return -1;
	p->n_ipid = 0;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *b = rd_view(c, CH_IPID_BLOB);
		if (b)
			ch_ipid_unblob(b, &p->ipid[p->n_ipid++]);
	}
	return 0;
}

/* With more distinct signatures than a profile keeps, the C merge forgets
 * the copies of a signature that arrive while it is out of the list, so its
 * answer depends on the order of writes. For those sources (only) ClickHouse
 * returns every part's list in write order, and they are merged here the
 * way the SQLite store merged them. */
static int fold_syn(cursor *c, profile *p)
{
	uint64_t n = ch_rd_len(c, CH_SYN_BLOB);
	if (!rd_ok(c))
		return 0;
	if (n)
		p->n_syn = 0;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *b = rd_view(c, CH_SYN_BLOB);
		syn_sig s;
		if (!b)
			return 0;
		if (ch_syn_unblob(b, &s) < 0)
			return -1;
		profile_add_syn(p, &s);
	}
	return 1;
}

/* The first signature of each key, with the counts of all its copies. */
static int read_syn(cursor *c, profile *p)
{
	const uint8_t *blob[SYN_SAMPLES];
	uint64_t n = ch_rd_len(c, CH_SYN_BLOB);
	if (n > SYN_SAMPLES)
		return -1;
	for (uint64_t i = 0; i < n; i++)
		blob[i] = rd_view(c, CH_SYN_BLOB);
	uint64_t nk = ch_rd_len(c, 8);
	const uint8_t *keys = rd_view(c, (size_t)nk * 8);
	uint64_t nc = ch_rd_len(c, 8);
	const uint8_t *counts = rd_view(c, (size_t)nc * 8);
	if (!rd_ok(c))
		return 0;
	if (nk != nc)
		return -1;
	p->n_syn = 0;
	for (uint64_t i = 0; i < n; i++) {
		syn_sig *s = &p->syn[p->n_syn];
		if (ch_syn_unblob(blob[i], s) < 0)
			return -1;
		for (uint64_t k = 0; k < nk; k++) {
			cursor kc = rd_init(keys + 8 * k, 8), cc = rd_init(counts + 8 * k, 8);
			if (ch_rd_u64(&kc) == s->key)
				s->count = (uint32_t)ch_rd_u64(&cc);
		}
		p->n_syn++;
	}
	return fold_syn(c, p);
}

static int read_sensors(cursor *c, profile *p)
{
	uint64_t n = ch_rd_len(c, 1);
	if (n > SENSORS_MAX)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		size_t len;
		const uint8_t *s = ch_rd_str(c, &len);
		char name[32];
		if (!s)
			return 0;
		if (len >= sizeof name)
			return -1;
		memcpy(name, s, len);
		name[len] = 0;
		profile_add_sensor(p, name);
	}
	return 1;
}

/* Folds the blobs of slot e in write order with the C merge of profiles:
 * the very rules the SQLite store applies when it merges on write. */
static int read_ext(cursor *c, profile *p, int e)
{
	uint64_t n = ch_rd_len(c, 1);
	for (uint64_t i = 0; i < n; i++) {
		size_t len;
		const uint8_t *b = ch_rd_str(c, &len);
		if (!b)
			return 0;
		profile one;
		profile_init(&one);
		buf_put(&one.ext[e], b, len);
		profile_merge(p, &one);
		profile_free(&one);
	}
	return rd_ok(c) ? 1 : 0;
}

static void read_ttls(cursor *c, profile *p)
{
	for (int w = 0; w < 4; w++) {
		uint64_t v = ch_rd_u64(c);
		for (int i = 0; i < 8; i++)
			p->ttls[w * 8 + i] = (uint8_t)(v >> (8 * i));
	}
}

int ch_profile_read(cursor *c, profile *p)
{
	rd_bytes(c, p->ip, 16);
	p->first_ns = ch_rd_i64(c);
	p->last_ns = ch_rd_i64(c);
#define X(name, label) p->name = ch_rd_u64(c);
	PROFILE_COUNTERS(X)
#undef X
	p->quirks = ch_rd_u32(c);
	read_ttls(c, p);
	int r;
	if ((r = ch_read_dset(c, &p->targets)) <= 0 || (r = ch_read_dset(c, &p->dports)) <= 0 ||
	    (r = ch_read_dset(c, &p->sports)) <= 0)
		return r;
	if (read_ipid(c, p) < 0)
		return -1;
	if ((r = read_syn(c, p)) <= 0 || (r = read_sensors(c, p)) <= 0)
		return r;
	for (int e = 0; e < EXT_COUNT; e++)
		if ((r = read_ext(c, p, e)) <= 0)
			return r;
	return rd_ok(c) ? 1 : 0;
}
