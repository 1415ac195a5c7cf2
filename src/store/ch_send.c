/* The ClickHouse store's schema, and the sender that moves spooled batches
 * into ClickHouse.
 *
 * Exactly once: a batch is sent as a part, an attempt with a fresh random
 * id written into every row, and then one row in `batches` (batch, part)
 * that commits it. Readers take only the parts `valid_parts` names: for
 * each batch the smallest committed part, and no batch whose capture
 * another, earlier batch already holds. So
 *   - a send cut off halfway (either side dies, a timeout) leaves rows no
 *     marker names: never read; the retry writes a new part;
 *   - a marker whose answer was lost is found before the retry (the batch is
 *     already in `batches`), and if two attempts of one batch are both
 *     committed anyway, only one of them is read;
 *   - the same capture read by two sensors while ClickHouse was down is
 *     counted once (and the later batch is dropped when it is sent). */
#include "store/clickhouse.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int64_t ch_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t ch_random64(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
		static uint64_t ctr;
		v = hash_mix64((uint64_t)ch_wall_ns() ^ (uint64_t)getpid() << 32 ^ ++ctr);
	}
	return v ? v : 1;
}

/* --- schema -------------------------------------------------------------- */

typedef struct table_spec {
	const char *name;
	const ch_coldef *cols;
	const int *ncols;
	const char *engine; /* after the column list */
} table_spec;

static const ch_coldef batch_cols[] = {
    {"batch", "UInt64", CH_FIXED, 8},	{"part", "UInt64", CH_FIXED, 8},
    {"sensor", "String", CH_STRING, 0}, {"bt", "Int64", CH_FIXED, 8},
    {"rows", "UInt64", CH_FIXED, 8},	{"sent_ns", "Int64", CH_FIXED, 8},
};
static const int batch_ncols = 6;

/* Partitions follow the time a batch was made (bt), never the times inside
 * a capture: a hostile capture cannot make one insert touch hundreds of
 * partitions, and old batches can be dropped a month at a time. */
#define BY_MONTH "PARTITION BY toYYYYMM(toDateTime(intDiv(bt, 1000000000)))"

static const table_spec tables[] = {
    {"source_parts", ch_source_cols, &ch_source_ncols,
     "ENGINE = MergeTree " BY_MONTH " ORDER BY (ip, bt, seq)"},
    {"sample_parts", ch_sample_cols, &ch_sample_ncols,
     "ENGINE = MergeTree " BY_MONTH " ORDER BY (ip, key, bt)"},
    {"key_parts", ch_key_cols, &ch_key_ncols, "ENGINE = MergeTree ORDER BY (kind, key, ip)"},
    {"captures", ch_capture_cols, &ch_capture_ncols,
     "ENGINE = MergeTree ORDER BY (content_hash, bt)"},
    /* schema 2; a store made by schema 1 gets it from the next writer */
    {"messages", ch_msg_cols, &ch_msg_ncols,
     "ENGINE = MergeTree " BY_MONTH " ORDER BY (src, bt, seq)"},
    /* schema 3 */
    {"port_day_parts", ch_port_day_cols, &ch_port_day_ncols,
     "ENGINE = MergeTree " BY_MONTH " ORDER BY (port, day, bt)"},
    {"batches", batch_cols, &batch_ncols, "ENGINE = MergeTree ORDER BY (batch, part)"},
};
#define NTABLES (sizeof tables / sizeof tables[0])

static void create_sql(buf *sql, const char *db, const table_spec *t)
{
	buf_printf(sql, "CREATE TABLE IF NOT EXISTS %s.%s (", db, t->name);
	for (int i = 0; i < *t->ncols; i++)
		buf_printf(sql, "%s%s %s", i ? ", " : "", t->cols[i].name, t->cols[i].type);
	buf_printf(sql, ") %s", t->engine);
}

/* For each batch its first committed part, unless an earlier batch holds
 * the same capture (by content). */
static void view_sql(buf *sql, const char *db)
{
	buf_printf(
	    sql,
	    "CREATE VIEW IF NOT EXISTS %s.valid_parts AS SELECT part FROM (SELECT batch,"
	    " min(part) AS part FROM %s.batches GROUP BY batch) WHERE part NOT IN (SELECT"
	    " arrayJoin(arraySlice(arrayMap(t -> t.2, arraySort(groupUniqArray((bt, part)))),"
	    " 2)) FROM %s.captures WHERE content_hash != 0 AND part IN (SELECT min(part)"
	    " FROM %s.batches GROUP BY batch) GROUP BY content_hash HAVING uniqExact(part) >"
	    " 1)",
	    db, db, db, db);
}

static int run(ch_http *h, buf *sql, buf *out, char *err, size_t errlen, int *transient)
{
	int rc = ch_http_exec(h, buf_cstr(sql), out, err, errlen, transient);
	buf_reset(sql);
	return rc;
}

/* Columns a newer scanprint added (e.g. a new counter in profile.h) are
 * added to tables made by an older one. */
static int add_missing(ch_store *s, ch_http *h, char *err, size_t errlen, int *transient)
{
	buf sql, out;
	buf_init(&sql);
	buf_init(&out);
	buf_printf(&sql, "SELECT concat(table, '.', name) FROM system.columns WHERE database = ");
	ch_sql_str(&sql, s->cfg.db, strlen(s->cfg.db));
	int rc = run(h, &sql, &out, err, errlen, transient);
	for (size_t t = 0; rc == 0 && t < NTABLES; t++) {
		for (int i = 0; rc == 0 && i < *tables[t].ncols; i++) {
			char want[160];
			snprintf(want, sizeof want, "\n%s.%s\n", tables[t].name,
				 tables[t].cols[i].name);
			buf_reset(&sql);
			buf_putc(&sql, '\n');
			buf_put(&sql, out.p, out.len);
			if (strstr(buf_cstr(&sql), want))
				continue;
			buf_reset(&sql);
			buf_printf(&sql, "ALTER TABLE %s.%s ADD COLUMN %s %s", s->cfg.db,
				   tables[t].name, tables[t].cols[i].name, tables[t].cols[i].type);
			rc = run(h, &sql, NULL, err, errlen, transient);
		}
	}
	buf_free(&sql);
	buf_free(&out);
	return rc;
}

static int check_version(ch_store *s, ch_http *h, char *err, size_t errlen, int *transient)
{
	buf sql, out;
	buf_init(&sql);
	buf_init(&out);
	buf_printf(&sql, "SELECT max(value) FROM %s.schema_meta WHERE key = 'schema_version'",
		   s->cfg.db);
	int rc = run(h, &sql, &out, err, errlen, transient);
	long v = rc == 0 ? strtol(buf_cstr(&out), NULL, 10) : 0;
	if (rc == 0 && v > CH_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "store has schema version %ld, newer than this scanprint (%d): upgrade"
			 " scanprint",
			 v, CH_SCHEMA_VERSION);
		*transient = 0;
		rc = -1;
	} else if (rc == 0 && v < CH_SCHEMA_VERSION) {
		buf_printf(&sql, "INSERT INTO %s.schema_meta VALUES ('schema_version', %d)",
			   s->cfg.db, CH_SCHEMA_VERSION);
		rc = run(h, &sql, NULL, err, errlen, transient);
	}
	buf_free(&sql);
	buf_free(&out);
	return rc;
}

int ch_schema_ensure(ch_store *s, ch_http *h, char *err, size_t errlen, int *transient)
{
	if (s->schema_ready)
		return 0;
	buf sql;
	buf_init(&sql);
	const char *db = s->cfg.db;
	buf_printf(&sql, "CREATE DATABASE IF NOT EXISTS %s", db);
	int rc = run(h, &sql, NULL, err, errlen, transient);
	for (size_t t = 0; rc == 0 && t < NTABLES; t++) {
		create_sql(&sql, db, &tables[t]);
		rc = run(h, &sql, NULL, err, errlen, transient);
	}
	if (rc == 0) {
		buf_printf(&sql,
			   "CREATE TABLE IF NOT EXISTS %s.schema_meta (key String, value UInt64)"
			   " ENGINE = MergeTree ORDER BY key",
			   db);
		rc = run(h, &sql, NULL, err, errlen, transient);
	}
	if (rc == 0) {
		view_sql(&sql, db);
		rc = run(h, &sql, NULL, err, errlen, transient);
	}
	buf_free(&sql);
	if (rc == 0)
		rc = add_missing(s, h, err, errlen, transient);
	if (rc == 0)
		rc = check_version(s, h, err, errlen, transient);
	if (rc == 0) {
		s->version = CH_SCHEMA_VERSION;
		s->schema_ready = 1;
	}
	return rc;
}

/* For readers: the store must exist and be one this scanprint reads. */
int ch_schema_check(ch_store *s, ch_http *h, char *err, size_t errlen)
{
	buf sql, out;
	buf_init(&sql);
	buf_init(&out);
	int transient;
	buf_printf(&sql,
		   "SELECT count() FROM system.tables WHERE database = '%s' AND name IN"
		   " ('batches', 'valid_parts')",
		   s->cfg.db);
	int rc = run(h, &sql, &out, err, errlen, &transient);
	if (rc == 0 && strtol(buf_cstr(&out), NULL, 10) != 2) {
		snprintf(err, errlen, "empty store: nothing has been read into it yet");
		rc = -1;
	}
	if (rc == 0) {
		buf_printf(&sql,
			   "SELECT max(value) FROM %s.schema_meta WHERE key = 'schema_version'",
			   s->cfg.db);
		buf_reset(&out);
		rc = run(h, &sql, &out, err, errlen, &transient);
		long v = rc == 0 ? strtol(buf_cstr(&out), NULL, 10) : 0;
		if (rc == 0 && v > CH_SCHEMA_VERSION) {
			snprintf(err, errlen,
				 "store has schema version %ld, newer than this scanprint (%d):"
				 " upgrade scanprint",
				 v, CH_SCHEMA_VERSION);
			rc = -1;
		}
		s->version = (int)v; /* 1: made before sensor messages were kept */
	}
	buf_free(&sql);
	buf_free(&out);
	if (rc == 0)
		s->schema_ready = 1;
	return rc;
}

/* --- sending one batch ------------------------------------------------------ */

static int count_query(ch_http *h, buf *sql, uint64_t *n, char *err, size_t errlen)
{
	buf out;
	buf_init(&out);
	int transient;
	int rc = ch_http_exec(h, buf_cstr(sql), &out, err, errlen, &transient);
	*n = rc == 0 ? strtoull(buf_cstr(&out), NULL, 10) : 0;
	buf_free(&out);
	buf_reset(sql);
	return rc;
}

/* 1 if ClickHouse already has the batch, or a capture in it; 0 if not. */
static int already_there(ch_store *s, ch_http *h, const ch_spool_r *r, char *err, size_t errlen)
{
	buf sql;
	buf_init(&sql);
	uint64_t n = 0;
	buf_printf(&sql, "SELECT count() FROM %s.batches WHERE batch = %llu", s->cfg.db,
		   (unsigned long long)r->batch);
	int rc = count_query(h, &sql, &n, err, errlen);
	if (rc == 0 && n)
		goto out;
	for (uint32_t i = 0; rc == 0 && i < r->ncaps; i++) {
		if (!r->caps[i].content_hash)
			continue;
		buf_printf(&sql,
			   "SELECT count() FROM %s.captures WHERE content_hash = %llu AND part IN"
			   " (SELECT part FROM %s.valid_parts)",
			   s->cfg.db, (unsigned long long)r->caps[i].content_hash, s->cfg.db);
		rc = count_query(h, &sql, &n, err, errlen);
		if (rc == 0 && n) {
			fprintf(stderr,
				"scanprint: %s: already read into %s (found when its spooled batch"
				" was sent); the batch was dropped\n",
				r->caps[i].path, s->cfg.where);
			goto out;
		}
	}
out:
	buf_free(&sql);
	return rc < 0 ? -1 : n > 0;
}

static int send_marker(ch_store *s, ch_http *h, const ch_spool_r *r, uint64_t part, uint64_t rows,
		       char *err, size_t errlen, int *transient)
{
	ch_block b;
	if (ch_block_init(&b, batch_cols, batch_ncols) < 0)
		return -1;
	ch_put_u64(&b, 0, r->batch);
	ch_put_u64(&b, 1, part);
	ch_put_str(&b, 2, r->sensor, strlen(r->sensor));
	ch_put_i64(&b, 3, r->bt);
	ch_put_u64(&b, 4, rows);
	ch_put_i64(&b, 5, ch_wall_ns());
	ch_row_end(&b);
	buf body;
	buf_init(&body);
	ch_block_write(&b, &body, -1, NULL);
	char table[128];
	snprintf(table, sizeof table, "%s.batches", s->cfg.db);
	int rc = body.oom ? -1 : ch_http_insert(h, table, body.p, body.len, err, errlen, transient);
	buf_free(&body);
	ch_block_free(&b);
	return rc;
}

/* 0 sent (or not needed), -1 not now (err says why). */
static int send_batch(ch_store *s, ch_http *h, const char *path, char *err, size_t errlen,
		      int *transient)
{
	ch_spool_r r;
	char rerr[CH_PATH_MAX + 100];
	*transient = 0;
	if (ch_spool_read(path, &r, 0, rerr, sizeof rerr) < 0) {
		char bad[CH_PATH_MAX + 8];
		snprintf(bad, sizeof bad, "%s.bad", path);
		rename(path, bad);
		fprintf(stderr, "scanprint: %s: set aside as %s: it cannot be sent\n", rerr, bad);
		return 0;
	}
	int there = already_there(s, h, &r, err, errlen);
	if (there < 0) {
		*transient = 1;
		ch_spool_close(&r);
		return -1;
	}
	int rc = 0;
	uint64_t part = ch_random64(), rows = 0;
	char table[128];
	for (uint32_t i = 0; !there && rc == 0 && i < r.nsec; i++) {
		ch_spool_patch(&r, i, part);
		snprintf(table, sizeof table, "%s.%s", s->cfg.db, ch_table_names[r.sec[i].table]);
		rc = ch_http_insert(h, table, r.map + r.sec[i].off, r.sec[i].len, err, errlen,
				    transient);
		rows += r.sec[i].rows;
	}
	if (!there && rc == 0)
		rc = send_marker(s, h, &r, part, rows, err, errlen, transient);
	ch_spool_close(&r);
	if (rc == 0)
		unlink(path);
	return rc;
}

/* --- the sender ---------------------------------------------------------------- */

void ch_spool_status(ch_store *s, char *out, size_t outlen, uint64_t *bytes)
{
	ch_spool_list l;
	ch_spool_scan(s->spool, &l);
	snprintf(out, outlen, "%zu batch%s (%.1f MB)", l.n, l.n == 1 ? "" : "es",
		 (double)l.bytes / 1e6);
	if (bytes)
		*bytes = l.bytes;
	ch_spool_list_free(&l);
}

static void report_failure(ch_store *s, const char *err, int transient)
{
	pthread_mutex_lock(&s->mu);
	int first = !s->outage;
	s->outage = 1;
	s->sent_since = 0;
	snprintf(s->last_err, sizeof s->last_err, "%s", err);
	pthread_mutex_unlock(&s->mu);
	if (!first)
		return;
	char st[96];
	ch_spool_status(s, st, sizeof st, NULL);
	fprintf(stderr,
		"scanprint: %s: %s (%s); the spool %s holds %s, sent when ClickHouse takes them\n",
		s->cfg.where, transient ? "cannot reach ClickHouse" : "ClickHouse refused a batch",
		err, s->spool, st);
}

/* Says so when the batches sent include any that waited: after an outage,
 * or left by an earlier run. */
static void report_success(ch_store *s, uint64_t sent, uint64_t waited)
{
	pthread_mutex_lock(&s->mu);
	int was = s->outage;
	s->outage = 0;
	s->sent_since += sent;
	uint64_t total = s->sent_since;
	pthread_mutex_unlock(&s->mu);
	if (was && total)
		fprintf(stderr,
			"scanprint: %s: ClickHouse answers again; %llu spooled batch%s sent\n",
			s->cfg.where, (unsigned long long)total, total == 1 ? "" : "es");
	else if (!was && waited)
		fprintf(
		    stderr,
		    "scanprint: %s: %llu batch%s spooled by an earlier run sent to ClickHouse\n",
		    s->cfg.where, (unsigned long long)waited, waited == 1 ? "" : "es");
}

/* The batch time, from a spool file's name. */
static int64_t name_bt(const char *path)
{
	const char *slash = strrchr(path, '/');
	return strtoll(slash ? slash + 1 : path, NULL, 10);
}

int ch_drain(ch_store *s, ch_http *h)
{
	if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return 1; /* another scanprint on this machine is sending them */
	char err[400];
	int transient = 0, ret = 0;
	uint64_t sent = 0;
	ch_spool_list l;
	if (ch_spool_scan(s->spool, &l) < 0) {
		flock(s->lock_fd, LOCK_UN);
		return 1;
	}
	if (l.n && ch_schema_ensure(s, h, err, sizeof err, &transient) < 0) {
		report_failure(s, err, transient);
		ret = 1;
	}
	uint64_t waited = 0;
	for (size_t i = 0; !ret && i < l.n; i++) {
		if (send_batch(s, h, l.path[i], err, sizeof err, &transient) < 0) {
			report_failure(s, err, transient);
			ret = 1;
		} else {
			sent++;
			waited += name_bt(l.path[i]) < s->opened_ns;
		}
	}
	if (!ret || sent)
		report_success(s, ret ? 0 : sent, waited);
	ch_spool_list_free(&l);
	flock(s->lock_fd, LOCK_UN);
	return ret;
}

static void *sender_main(void *arg)
{
	ch_store *s = arg;
	int backoff = 1;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->done_gen == s->gen && !s->stop) {
			if (s->last_ok) {
				pthread_cond_wait(&s->cv, &s->mu);
			} else {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += backoff;
				if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT)
					s->gen++; /* time to retry */
			}
			continue;
		}
		if (s->stop)
			break;
		uint64_t gen = s->gen;
		pthread_mutex_unlock(&s->mu);
		int r = ch_drain(s, s->sender);
		pthread_mutex_lock(&s->mu);
		s->last_ok = r == 0;
		backoff = r == 0 ? 1 : (backoff < 32 ? backoff * 2 : 60);
		s->done_gen = gen;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int ch_sender_start(ch_store *s)
{
	s->sender = ch_http_new(&s->cfg);
	if (!s->sender)
		return -1;
	s->gen = 1;
	s->done_gen = 0;
	/* The sender never takes the process's signals: a sensor that waits
	 * for SIGTERM on a signalfd (the honeypot) blocks them only in the
	 * threads it starts after opening the store, and a SIGTERM delivered
	 * here would kill it before it stored what it read. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&s->thread, NULL, sender_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		ch_http_free(s->sender);
		s->sender = NULL;
		return -1;
	}
	s->thread_on = 1;
	return 0;
}

void ch_sender_kick(ch_store *s)
{
	if (!s->thread_on)
		return;
	pthread_mutex_lock(&s->mu);
	s->gen++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void ch_sender_finish(ch_store *s)
{
	if (!s->thread_on)
		return;
	pthread_mutex_lock(&s->mu);
	uint64_t want = ++s->gen;
	pthread_cond_broadcast(&s->cv);
	while (s->done_gen < want)
		pthread_cond_wait(&s->cv, &s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->thread_on = 0;
	ch_http_free(s->sender);
	s->sender = NULL;
}
