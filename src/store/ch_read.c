/* The ClickHouse store's reads. Each asks ClickHouse for the merged answer
 * (ch_rows.c builds the merging SELECT) and streams the RowBinary result
 * into the caller's callback; only parts `valid_parts` names are read. */
#include "store/clickhouse.h"

#include "decode/decode.h"
#include "profile/ptable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- captures ---------------------------------------------------------------------- */

typedef struct cap_ctx {
	capture_rec *out;
	int found;
} cap_ctx;

static int str_col(cursor *c, char *out, size_t outlen)
{
	size_t n;
	const uint8_t *p = ch_rd_str(c, &n);
	if (!p)
		return -1;
	snprintf(out, outlen, "%.*s", (int)n, (const char *)p);
	return 0;
}

/* A row in CAPTURE_COLS order; 1 read, 0 incomplete. */
static int read_capture(cursor *c, capture_rec *r)
{
	memset(r, 0, sizeof *r);
	if (str_col(c, r->path, sizeof r->path) < 0 ||
	    str_col(c, r->sensor, sizeof r->sensor) < 0 ||
	    str_col(c, r->format, sizeof r->format) < 0 ||
	    str_col(c, r->compression, sizeof r->compression) < 0 ||
	    str_col(c, r->status, sizeof r->status) < 0)
		return 0;
	r->linktype = (int)ch_rd_u32(c);
	r->head_hash = ch_rd_u64(c);
	r->content_hash = ch_rd_u64(c);
	r->raw_size = ch_rd_i64(c);
	r->packets = ch_rd_u64(c);
	r->ip_packets = ch_rd_u64(c);
	r->bytes = ch_rd_u64(c);
	r->first_ns = ch_rd_i64(c);
	r->last_ns = ch_rd_i64(c);
	r->read_ns = ch_rd_i64(c);
	r->sources = ch_rd_u64(c);
	r->flushes = ch_rd_u64(c);
	return rd_ok(c);
}

#define CAPTURE_COLS                                                                               \
	"path, sensor, format, compression, status, linktype, head_hash, content_hash,"            \
	" raw_size, packets, ip_packets, bytes, first_ns, last_ns, read_ns, sources, flushes"

static size_t cap_one(void *vctx, const uint8_t *p, size_t n)
{
	cap_ctx *k = vctx;
	cursor c = rd_init(p, n);
	capture_rec r;
	if (!read_capture(&c, &r))
		return 0;
	k->found = 1;
	if (k->out)
		*k->out = r;
	return (size_t)-1;
}

static int matches(const ch_spool_cap *k, uint64_t head_hash, int64_t raw_size,
		   uint64_t content_hash)
{
	if (content_hash)
		return k->content_hash == content_hash;
	return raw_size >= 0 && k->head_hash == head_hash && k->raw_size == raw_size;
}

/* Batches still in the spool count as read: their captures are in them. */
static int find_spooled(ch_store *s, uint64_t head_hash, int64_t raw_size, uint64_t content_hash,
			capture_rec *out)
{
	ch_spool_list l;
	if (ch_spool_scan(s->spool, &l) < 0)
		return 0;
	int found = 0;
	for (size_t i = 0; i < l.n && !found; i++) {
		ch_spool_r r;
		char err[CH_PATH_MAX + 100];
		if (ch_spool_read(l.path[i], &r, 1, err, sizeof err) < 0)
			continue;
		for (uint32_t k = 0; k < r.ncaps && !found; k++) {
			if (!matches(&r.caps[k], head_hash, raw_size, content_hash))
				continue;
			found = 1;
			if (out) {
				memset(out, 0, sizeof *out);
				snprintf(out->path, sizeof out->path, "%s", r.caps[k].path);
				snprintf(out->sensor, sizeof out->sensor, "%s", r.sensor);
				out->content_hash = r.caps[k].content_hash;
				out->head_hash = r.caps[k].head_hash;
				out->raw_size = r.caps[k].raw_size;
			}
		}
		ch_spool_close(&r);
	}
	ch_spool_list_free(&l);
	return found;
}

int ch_find_capture(store *base, uint64_t head_hash, int64_t raw_size, uint64_t content_hash,
		    capture_rec *out)
{
	ch_store *s = (ch_store *)base;
	if (s->mode == STORE_WRITE && find_spooled(s, head_hash, raw_size, content_hash, out))
		return 1;
	if (s->mode == STORE_WRITE && ch_wall_ns() < s->find_down_until)
		return 0; /* it did not answer a moment ago: do not wait for it again */
	char err[sizeof s->base.err];
	int transient = 0;
	ch_http *h = ch_acquire(s);
	if (!h)
		return ch_fail(s, "too many queries at once");
	int rc = s->mode == STORE_WRITE ? ch_schema_ensure(s, h, err, sizeof err, &transient) : 0;
	ch_release(s, h);
	buf sql;
	buf_init(&sql);
	cap_ctx k = {out, 0};
	if (rc == 0) {
		buf_printf(&sql, "SELECT " CAPTURE_COLS " FROM %s.captures WHERE ", s->cfg.db);
		if (content_hash)
			buf_printf(&sql, "content_hash = %llu", (unsigned long long)content_hash);
		else
			buf_printf(&sql, "head_hash = %llu AND raw_size = %lld AND raw_size >= 0",
				   (unsigned long long)head_hash, (long long)raw_size);
		buf_puts(&sql, " AND ");
		ch_valid(s, &sql);
		buf_puts(&sql, " ORDER BY bt, part, seq LIMIT 1");
		/* a sensor must not hang on a server that does not answer */
		rc = ch_select_within(s, &sql, s->mode == STORE_WRITE ? s->cfg.timeout_s : 0,
				      cap_one, &k);
		if (rc < 0)
			snprintf(err, sizeof err, "%s", s->base.err);
	}
	buf_free(&sql);
	if (rc < 0 && s->mode == STORE_WRITE) {
		/* the sensor goes on: the check is made again before the batch
		 * is sent, and readers count a capture once whatever happens */
		s->find_down_until = ch_wall_ns() + (int64_t)30 * 1000000000;
		if (!s->warned_find++)
			fprintf(stderr,
				"scanprint: %s: cannot ask ClickHouse which captures were read"
				" before (%s); asked again before each batch is sent\n",
				s->cfg.where, err);
		return 0;
	}
	return rc < 0 ? -1 : k.found;
}

typedef struct caps_ctx {
	store_capture_cb cb;
	void *ctx;
} caps_ctx;

static size_t cap_rows(void *vctx, const uint8_t *p, size_t n)
{
	caps_ctx *k = vctx;
	size_t used = 0;
	while (used < n) {
		cursor c = rd_init(p + used, n - used);
		capture_rec r;
		if (!read_capture(&c, &r))
			break;
		used = n - rd_left(&c);
		if (k->cb(k->ctx, &r))
			return (size_t)-1;
	}
	return used;
}

int ch_scan_captures(store *base, store_capture_cb cb, void *ctx)
{
	ch_store *s = (ch_store *)base;
	buf sql;
	buf_init(&sql);
	buf_printf(&sql, "SELECT " CAPTURE_COLS " FROM %s.captures WHERE ", s->cfg.db);
	ch_valid(s, &sql);
	buf_puts(&sql, " ORDER BY bt, part, seq");
	caps_ctx k = {cb, ctx};
	int rc = ch_select(s, &sql, cap_rows, &k);
	buf_free(&sql);
	return rc;
}

/* --- profiles ------------------------------------------------------------------------ */

typedef struct prof_ctx {
	store_profile_cb cb;
	void *ctx;
	const char *tool; /* filtered here: tools come from the merged profile */
	uint64_t limit, emitted;
	buf tools;
	const uint8_t (*members)[16]; /* --campaign: only these (sorted), if not NULL */
	size_t nmembers;
} prof_ctx;

static int cmp_ip16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int wanted(prof_ctx *k, const profile *p)
{
	if (k->members && !bsearch(p->ip, k->members, k->nmembers, 16, cmp_ip16))
		return 0;
	if (!k->tool)
		return 1;
	profile_tools(p, &k->tools);
	buf want;
	buf_init(&want);
	buf_printf(&want, ",%s,", k->tool);
	int ok = k->tools.len && strstr(buf_cstr(&k->tools), buf_cstr(&want)) != NULL;
	buf_free(&want);
	return ok;
}

static size_t prof_rows(void *vctx, const uint8_t *p, size_t n)
{
	prof_ctx *k = vctx;
	size_t used = 0;
	while (used < n) {
		cursor c = rd_init(p + used, n - used);
		profile pr;
		profile_init(&pr);
		int r = ch_profile_read(&c, &pr);
		if (r <= 0) {
			profile_free(&pr);
			if (r < 0)
				return (size_t)-2;
			break;
		}
		used = n - rd_left(&c);
		int stop = 0;
		if (wanted(k, &pr)) {
			stop = k->cb(k->ctx, &pr);
			k->emitted++;
			stop = stop || (k->limit && k->emitted >= k->limit);
		}
		profile_free(&pr);
		if (stop)
			return (size_t)-1;
	}
	return used;
}

/* SELECT <merged profile> FROM source_parts WHERE <valid> */
static void profiles_from(ch_store *s, buf *sql)
{
	buf_puts(sql, "SELECT ");
	ch_profile_select(sql);
	buf_printf(sql, " FROM %s.source_parts WHERE ", s->cfg.db);
	ch_valid(s, sql);
}

static int run_profiles(ch_store *s, buf *sql, prof_ctx *k)
{
	buf_init(&k->tools);
	int rc = ch_select(s, sql, prof_rows, k);
	buf_free(&k->tools);
	if (rc < 0 && !strcmp(s->base.err, "ClickHouse sent a result that does not parse"))
		ch_fail(s, "a stored profile is corrupt");
	return rc;
}

typedef struct get_ctx {
	profile *out;
	int found;
} get_ctx;

static size_t get_row(void *vctx, const uint8_t *p, size_t n)
{
	get_ctx *k = vctx;
	cursor c = rd_init(p, n);
	profile tmp;
	profile_init(&tmp);
	int r = ch_profile_read(&c, &tmp);
	if (r <= 0) {
		profile_free(&tmp);
		return r < 0 ? (size_t)-2 : 0;
	}
	profile_free(k->out);
	*k->out = tmp; /* the caller owns what tmp held */
	k->found = 1;
	return n - rd_left(&c);
}

int ch_get(store *base, const uint8_t ip[16], profile *out)
{
	ch_store *s = (ch_store *)base;
	buf sql;
	buf_init(&sql);
	profiles_from(s, &sql);
	buf_puts(&sql, " AND ip = ");
	ch_sql_bytes(&sql, ip, 16);
	buf_puts(&sql, " GROUP BY ip");
	get_ctx k = {out, 0};
	int rc = ch_select(s, &sql, get_row, &k);
	buf_free(&sql);
	if (rc < 0 && !strcmp(s->base.err, "ClickHouse sent a result that does not parse")) {
		char t[46];
		snprintf(s->base.err, sizeof s->base.err, "stored profile of %s is corrupt",
			 addr_str(ip, t));
	}
	return rc < 0 ? -1 : k.found;
}

static void order_by(buf *sql, const source_query *q)
{
	int order = q ? q->order : SQ_ORDER_PACKETS;
	if (order == SQ_ORDER_FIRST_SEEN)
		buf_puts(sql, " ORDER BY _first, ip");
	else if (order == SQ_ORDER_IP)
		buf_puts(sql, " ORDER BY substring(ip, 1, 12) != unhex('00000000000000000000FFFF'),"
			      " ip");
	else
		buf_puts(sql, " ORDER BY _packets DESC, ip");
}

int ch_scan_merged(ch_store *s, const char *cond, const char *tail, store_profile_cb cb, void *ctx)
{
	buf sql;
	buf_init(&sql);
	profiles_from(s, &sql);
	if (cond)
		buf_puts(&sql, cond);
	buf_puts(&sql, " GROUP BY ip");
	if (tail)
		buf_puts(&sql, tail);
	prof_ctx k = {cb, ctx, NULL, 0, 0, {0}, NULL, 0};
	int rc = sql.oom ? ch_fail(s, "out of memory") : run_profiles(s, &sql, &k);
	buf_free(&sql);
	return rc;
}

/* --campaign: the members come from the keys (ch_keys.c), named in the
 * query when they are few, else filtered here as the rows stream in. */
#define NAMED_MAX 2000

int ch_scan_profiles(store *base, const source_query *q, store_profile_cb cb, void *ctx)
{
	ch_store *s = (ch_store *)base;
	uint8_t(*members)[16] = NULL;
	size_t nmembers = 0;
	if (q && q->campaign && ch_key_ips(s, "campaign", q->campaign, &members, &nmembers) < 0)
		return -1;
	if (q && q->campaign && !nmembers)
		return 0;
	buf sql;
	buf_init(&sql);
	profiles_from(s, &sql);
	int named = members && nmembers <= NAMED_MAX;
	if (named)
		ch_sql_ip_list(&sql, (const uint8_t(*)[16])members, nmembers);
	buf_puts(&sql, " GROUP BY ip");
	if (q && q->sensor) {
		buf_puts(&sql, " HAVING has(_sensors, ");
		ch_sql_str(&sql, q->sensor, strlen(q->sensor));
		buf_puts(&sql, ")");
	}
	order_by(&sql, q);
	if (q && q->limit && !q->tool && (!members || named))
		buf_printf(&sql, " LIMIT %llu", (unsigned long long)q->limit);
	prof_ctx k = {cb, ctx, q ? q->tool : NULL, q ? q->limit : 0, 0, {0}, NULL, 0};
	if (members && !named) {
		k.members = (const uint8_t(*)[16])members;
		k.nmembers = nmembers;
	}
	int rc = sql.oom ? ch_fail(s, "out of memory") : run_profiles(s, &sql, &k);
	buf_free(&sql);
	free(members);
	return rc;
}

/* --- samples ------------------------------------------------------------------------ */

typedef struct samp_ctx {
	store_sample_cb cb;
	void *ctx;
} samp_ctx;

static size_t samp_rows(void *vctx, const uint8_t *p, size_t n)
{
	samp_ctx *k = vctx;
	size_t used = 0;
	while (used < n) {
		cursor c = rd_init(p + used, n - used);
		payload_sample m;
		memset(&m, 0, sizeof m);
		m.key = ch_rd_u64(&c);
		m.ts_ns = ch_rd_i64(&c);
		m.count = (uint32_t)ch_rd_u64(&c);
		m.proto = rd_u8(&c);
		m.sport = ch_rd_u16(&c);
		m.dport = ch_rd_u16(&c);
		rd_bytes(&c, m.dst_ip, 16);
		m.dst = addr_key32(m.dst_ip);
		m.wire_len = ch_rd_u32(&c);
		size_t len;
		const uint8_t *d = ch_rd_str(&c, &len);
		if (!d || !rd_ok(&c))
			break;
		m.data = (uint8_t *)d;
		m.len = (uint16_t)(len > SAMPLE_MAX ? SAMPLE_MAX : len);
		used = n - rd_left(&c);
		if (k->cb(k->ctx, &m))
			return (size_t)-1;
	}
	return used;
}

/* As the SQLite store keeps them: the first SAMPLES_PER_SOURCE distinct
 * keys in the order written, each with the fields of its first copy, the
 * earliest time and the count of all copies; listed by time. */
int ch_scan_samples(store *base, const uint8_t ip[16], store_sample_cb cb, void *ctx)
{
	ch_store *s = (ch_store *)base;
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, "SELECT key, _ts, _count, _proto, _sport, _dport, _dst, _wire, _data FROM"
		       " (SELECT key, min(ts_ns) AS _ts, sum(count) AS _count, min((bt, part, ord))"
		       " AS _o, argMin(proto, (bt, part, ord)) AS _proto, argMin(sport, (bt, part,"
		       " ord)) AS _sport, argMin(dport, (bt, part, ord)) AS _dport, argMin(dst,"
		       " (bt, part, ord)) AS _dst, argMin(wire_len, (bt, part, ord)) AS _wire,"
		       " argMin(data, (bt, part, ord)) AS _data");
	buf_printf(&sql, " FROM %s.sample_parts WHERE ip = ", s->cfg.db);
	ch_sql_bytes(&sql, ip, 16);
	buf_puts(&sql, " AND ");
	ch_valid(s, &sql);
	buf_printf(&sql, " GROUP BY key ORDER BY _o LIMIT %d) ORDER BY _ts, key",
		   SAMPLES_PER_SOURCE);
	samp_ctx k = {cb, ctx};
	int rc = ch_select(s, &sql, samp_rows, &k);
	buf_free(&sql);
	return rc;
}

/* --- counts and keys ----------------------------------------------------------------- */

static size_t one_u64(void *vctx, const uint8_t *p, size_t n)
{
	cursor c = rd_init(p, n);
	uint64_t v = ch_rd_u64(&c);
	if (!rd_ok(&c))
		return 0;
	*(uint64_t *)vctx = v;
	return 8;
}

int ch_count(store *base, uint64_t *n)
{
	ch_store *s = (ch_store *)base;
	buf sql;
	buf_init(&sql);
	buf_printf(&sql, "SELECT uniqExact(ip) FROM %s.source_parts WHERE ", s->cfg.db);
	ch_valid(s, &sql);
	*n = 0;
	int rc = ch_select(s, &sql, one_u64, n);
	buf_free(&sql);
	return rc;
}

/* --- port activity ---------------------------------------------------------------- */

/* Stores made before port activity was kept have no such table: they
 * answer "nothing", as an empty table would. 1 there, 0 not, -1 error. */
static int port_days_exist(ch_store *s)
{
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, "SELECT count() FROM system.tables WHERE database = ");
	ch_sql_str(&sql, s->cfg.db, strlen(s->cfg.db));
	buf_puts(&sql, " AND name = 'port_day_parts'");
	uint64_t n = 0;
	int rc = ch_select(s, &sql, one_u64, &n);
	buf_free(&sql);
	return rc < 0 ? -1 : n > 0;
}

typedef struct pd_ctx {
	store_port_day_cb cb;
	void *ctx;
} pd_ctx;

static size_t pd_rows(void *vctx, const uint8_t *p, size_t n)
{
	pd_ctx *k = vctx;
	size_t used = 0;
	while (used < n) {
		cursor c = rd_init(p + used, n - used);
		port_day r;
		r.port = ch_rd_u32(&c);
		r.day = (int32_t)ch_rd_u32(&c);
		r.packets = ch_rd_u64(&c);
		dset_init(&r.sources);
		int got = ch_read_dset(&c, &r.sources);
		if (got <= 0 || !rd_ok(&c)) {
			dset_free(&r.sources);
			if (got < 0)
				return (size_t)-2;
			break;
		}
		used = n - rd_left(&c);
		int stop = k->cb(k->ctx, &r);
		dset_free(&r.sources);
		if (stop)
			return (size_t)-1;
	}
	return used;
}

int ch_scan_port_days(store *base, const port_day_query *q, store_port_day_cb cb, void *ctx)
{
	ch_store *s = (ch_store *)base;
	int there = port_days_exist(s);
	if (there <= 0)
		return there;
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, "SELECT port, day, sum(packets)");
	ch_select_dset(&sql, "sources");
	buf_printf(&sql, " FROM %s.port_day_parts WHERE day BETWEEN %d AND %d", s->cfg.db,
		   (int)q->from_day, (int)q->to_day);
	if (q->port)
		buf_printf(&sql, " AND port = %u", (unsigned)q->port);
	buf_puts(&sql, " AND ");
	ch_valid(s, &sql);
	buf_puts(&sql, " GROUP BY port, day ORDER BY port, day");
	pd_ctx k = {cb, ctx};
	int rc = ch_select(s, &sql, pd_rows, &k);
	buf_free(&sql);
	if (rc < 0 && !strcmp(s->base.err, "ClickHouse sent a result that does not parse"))
		ch_fail(s, "stored port activity is corrupt");
	return rc;
}

typedef struct span_ctx {
	int32_t first, last;
	uint64_t rows;
} span_ctx;

static size_t span_row(void *vctx, const uint8_t *p, size_t n)
{
	span_ctx *k = vctx;
	cursor c = rd_init(p, n);
	k->first = (int32_t)ch_rd_u32(&c);
	k->last = (int32_t)ch_rd_u32(&c);
	k->rows = ch_rd_u64(&c);
	return rd_ok(&c) ? n - rd_left(&c) : 0;
}

int ch_port_day_span(store *base, int32_t *first, int32_t *last)
{
	ch_store *s = (ch_store *)base;
	*first = *last = 0;
	int there = port_days_exist(s);
	if (there <= 0)
		return there;
	buf sql;
	buf_init(&sql);
	buf_printf(&sql, "SELECT min(day), max(day), count() FROM %s.port_day_parts WHERE ",
		   s->cfg.db);
	ch_valid(s, &sql);
	span_ctx k = {0, 0, 0};
	int rc = ch_select(s, &sql, span_row, &k);
	buf_free(&sql);
	if (rc < 0)
		return -1;
	if (!k.rows)
		return 0;
	*first = k.first;
	*last = k.last;
	return 1;
}

/* --- sensor messages ---------------------------------------------------------------- */

typedef struct msg_ctx {
	store_msg_cb cb;
	void *ctx;
	buf text;
} msg_ctx;

static size_t msg_rows(void *vctx, const uint8_t *p, size_t n)
{
	msg_ctx *k = vctx;
	size_t used = 0;
	while (used < n) {
		cursor c = rd_init(p + used, n - used);
		sensor_msg m;
		int r = ch_msg_read(&c, &m, &k->text);
		if (r < 0)
			return (size_t)-2;
		if (r == 0)
			break;
		used = n - rd_left(&c);
		if (k->cb(k->ctx, &m))
			return (size_t)-1;
	}
	return used;
}

/* In arrival order, as the SQLite store's `ORDER BY id`: a sensor's
 * batches follow each other in batch time, and rows keep their order in a
 * batch. A store made before messages were kept has none. */
int ch_scan_messages(store *base, const uint8_t ip[16], store_msg_cb cb, void *ctx)
{
	ch_store *s = (ch_store *)base;
	if (s->version > 0 && s->version < 2)
		return 0;
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, "SELECT ");
	ch_msg_select(&sql);
	buf_printf(&sql, " FROM %s.messages WHERE ", s->cfg.db);
	if (ip) {
		buf_puts(&sql, "src = ");
		ch_sql_bytes(&sql, ip, 16);
		buf_puts(&sql, " AND ");
	}
	ch_valid(s, &sql);
	buf_puts(&sql, " ORDER BY bt, part, seq");
	msg_ctx k = {cb, ctx, {0}};
	buf_init(&k.text);
	int rc = ch_select(s, &sql, msg_rows, &k);
	int oom = k.text.oom;
	buf_free(&k.text);
	buf_free(&sql);
	if (rc < 0 && oom)
		ch_fail(s, "out of memory");
	return rc;
}
