/* The SQLite store: one file, WAL journal, schema version with migrations,
 * batched transactions. Profiles are merged in C (profile_merge) on write. */
#include "decode/cursor.h"
#include "decode/decode.h"
#include "profile/analyzer.h"
#include "store/store.h"
#include "util/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct sq_store {
	store base;
	sqlite3 *db;
	int in_tx;
	sqlite3_stmt *get;
	sqlite3_stmt *put;    /* insert a new source */
	sqlite3_stmt *update; /* rewrite a stored one */
	sqlite3_stmt *put_sample;       /* a sample, within the per-source cap */
	sqlite3_stmt *bump_sample;      /* a sample already stored: its count and time */
	sqlite3_stmt *put_sample_new;   /* a sample of a source this flush created */
	uint8_t last_new_ip[16];        /* the source last written, if it was new */
	int last_new;
	sqlite3_stmt *key_del, *key_put;
	sqlite3_stmt *key_get;          /* the keys stored for a source */
	int merging;                    /* the last profile written was already stored */
	sqlite3_stmt *put_msg;          /* a sensor message (honeypot) */
	sqlite3_stmt *put_port_day;
	buf tmp[8]; /* 0, 1: the writer's (write_merged); 2, 3: the producer's (sq_put) */
	struct wq_slab *slab;   /* the producer's current slab */
	struct write_queue *wq; /* the writer thread's queue (see below) */
	struct checkpointer *ck; /* WAL checkpoints off the writer's path */
	/* count_key answers until the next write: describing the members of
	 * one big campaign asks the same count for each (a count of a key
	 * shared by N sources reads N index entries) */
	struct key_count {
		uint64_t gen, n;
		char kind[KEY_KIND_MAX], key[KEY_TEXT_MAX];
	} kc[64];
	uint64_t gen; /* writes so far + 1 */
	/* the WAL's writeback, started as the writer goes (wal_kick) */
	int wal_fd;	      /* opened by the writer on first use; -1 none */
	uint32_t since_kick; /* items written since */
} sq_store;

enum { WQ_PROFILE = 1, WQ_SAMPLE = 2, WQ_MESSAGE = 3, WQ_PORT_DAY = 4 };
#define WQ_CAP 4096

typedef struct wq_item {
	uint8_t kind;
	uint8_t ip[16];
	int64_t first_ns, last_ns;
	uint64_t packets, bytes, n_targets;
	payload_sample smp;     /* WQ_SAMPLE; smp.data points into data */
	sensor_msg msg;         /* WQ_MESSAGE; its pointers point into data */
	int32_t day;            /* WQ_PORT_DAY: day, port in first_ns, packets; data = sources */
	size_t blob_len, tools_len, sensors_len, keys_len;
	uint8_t *data;          /* blob | tools | sensors | keys ("kind\0key\0"...);
				   WQ_SAMPLE: the sample's bytes; WQ_MESSAGE: unused */
	struct wq_slab *slab;   /* where the item and its bytes live */
} wq_item;

/* Items are carved, with their bytes behind them, out of slabs that the
 * producing thread allocates; the writer thread drops one reference per
 * item written and the last one frees the slab. One malloc and one free per
 * SLAB_BYTES instead of two of each per item: a free() of memory another
 * thread allocated takes that thread's malloc arena lock, and in a flush the
 * producer holds it all the time (measured: a quarter of the writer's time
 * went to freeing items and waiting for that lock). */
typedef struct wq_slab {
	atomic_uint refs; /* items not yet written + 1 while the producer fills it */
	size_t used, cap;
	max_align_t mem[];
} wq_slab;
#define SLAB_BYTES ((size_t)256 << 10)

typedef struct write_queue {
	pthread_t thread;
	int running;
	int closing;
	int failed;
	int producer_waiting;
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	wq_item *ring[WQ_CAP];
	uint32_t head, tail, count;
} write_queue;

/* Each step takes the schema from version i to i+1. Never edit a step that
 * has shipped: add one. */
static const char *const migrations[] = {
	/* 1: sources, samples, captures */
	/* The profile is one blob (profile_encode); the columns beside it are
	 * what queries select and sort on. A rowid table: rows are large. */
	"CREATE TABLE sources ("
	" id INTEGER PRIMARY KEY, ip BLOB NOT NULL UNIQUE, ip_text TEXT NOT NULL,"
	" family INTEGER NOT NULL, first_ns INTEGER NOT NULL, last_ns INTEGER NOT NULL,"
	" packets INTEGER NOT NULL, bytes INTEGER NOT NULL, n_targets INTEGER NOT NULL,"
	" sensors TEXT NOT NULL, tools TEXT NOT NULL, campaign TEXT, profile BLOB NOT NULL);"
	"CREATE INDEX sources_by_packets ON sources(packets DESC);"
	"CREATE INDEX sources_by_campaign ON sources(campaign) WHERE campaign IS NOT NULL;"
	"CREATE TABLE samples ("
	" ip BLOB NOT NULL, key INTEGER NOT NULL, ts_ns INTEGER NOT NULL,"
	" count INTEGER NOT NULL, proto INTEGER NOT NULL, sport INTEGER NOT NULL,"
	" dport INTEGER NOT NULL, dst BLOB NOT NULL, wire_len INTEGER NOT NULL, data BLOB NOT NULL,"
	" UNIQUE (ip, key));"
	"CREATE TABLE captures ("
	" id INTEGER PRIMARY KEY, path TEXT NOT NULL, sensor TEXT NOT NULL, format TEXT NOT NULL,"
	" compression TEXT NOT NULL, status TEXT NOT NULL, linktype INTEGER NOT NULL,"
	" head_hash INTEGER NOT NULL, content_hash INTEGER NOT NULL, raw_size INTEGER NOT NULL,"
	" packets INTEGER NOT NULL, ip_packets INTEGER NOT NULL, bytes INTEGER NOT NULL,"
	" first_ns INTEGER, last_ns INTEGER, read_ns INTEGER NOT NULL, sources INTEGER NOT NULL,"
	" flushes INTEGER NOT NULL);"
	"CREATE INDEX captures_by_content ON captures(content_hash);"
	"CREATE INDEX captures_by_head ON captures(head_hash, raw_size);"
	"CREATE TABLE source_keys (kind TEXT NOT NULL, key TEXT NOT NULL, ip BLOB NOT NULL,"
	" PRIMARY KEY (kind, key, ip)) WITHOUT ROWID;"
	"CREATE INDEX source_keys_by_ip ON source_keys(ip);",
	/* 2: every message a sensor (the honeypot) received, and its reply */
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL, sensor TEXT NOT NULL,"
	" src BLOB NOT NULL, src_text TEXT NOT NULL, sport INTEGER NOT NULL,"
	" dst BLOB NOT NULL, dst_text TEXT NOT NULL, dport INTEGER NOT NULL,"
	" transport TEXT NOT NULL, wire_len INTEGER NOT NULL, data BLOB NOT NULL,"
	" reply BLOB, status INTEGER, action TEXT NOT NULL, note TEXT NOT NULL);"
	"CREATE INDEX messages_by_src ON messages(src);", /* rowid order is arrival order */
	/* 3: probes per destination port and day (campaign/activity.c); the
	 * sources column is a distinct set (dset_encode), merged on write by
	 * sp_dset_union() */
	("CREATE TABLE port_days (port INTEGER NOT NULL, day INTEGER NOT NULL,"
	 " packets INTEGER NOT NULL, sources BLOB NOT NULL, PRIMARY KEY (port, day)) WITHOUT ROWID;"),
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

#define SOURCE_COLS                                                                      \
	"ip, ip_text, family, first_ns, last_ns, packets, bytes, n_targets, sensors, tools,"   \
	" profile"
static const char select_sql[] = "SELECT " SOURCE_COLS " FROM sources";
/* campaign: the source's first campaign key (campaign/keys.c): the campaign
 * it is listed under when that campaign has enough members */
static const char insert_sql[] = "INSERT OR IGNORE INTO sources (" SOURCE_COLS ", campaign) VALUES "
				 "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)";
static const char update_sql[] = "UPDATE OR IGNORE sources SET first_ns=?4, last_ns=?5, packets=?6,"
				 " bytes=?7, n_targets=?8, sensors=?9, tools=?10, profile=?11,"
				 " campaign=?12 WHERE ip=?1";
enum { COL_PROFILE = 10 };

static int sq_fail(sq_store *s, const char *what)
{
	snprintf(s->base.err, sizeof s->base.err, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int exec(sq_store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->base.err, sizeof s->base.err, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int schema_version(sq_store *s, int *v)
{
	sqlite3_stmt *st;
	*v = 0;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT value FROM meta WHERE key='schema_version'", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* no meta table: a new store, or not ours */
		sqlite3_stmt *any;
		if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &any, NULL) != SQLITE_OK)
			return sq_fail(s, "not a scanprint store");
		int n = sqlite3_step(any) == SQLITE_ROW ? sqlite3_column_int(any, 0) : -1;
		sqlite3_finalize(any);
		if (n < 0)
			return sq_fail(s, "not a scanprint store");
		if (n > 0) {
			snprintf(s->base.err, sizeof s->base.err,
				 "not a scanprint store (an SQLite database with other tables)");
			return -1;
		}
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int migrate(sq_store *s, int mode)
{
	int v;
	if (schema_version(s, &v) < 0)
		return -1;
	if (v > SCHEMA_VERSION) {
		snprintf(s->base.err, sizeof s->base.err,
			 "store has schema version %d, newer than this scanprint (%d): upgrade scanprint",
			 v, SCHEMA_VERSION);
		return -1;
	}
	if (v == SCHEMA_VERSION)
		return 0;
	if (mode == STORE_READ && v == 0) {
		snprintf(s->base.err, sizeof s->base.err, "empty store: nothing has been read into it yet");
		return -1;
	}
	if (exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (v == 0 && exec(s, "CREATE TABLE meta (key TEXT PRIMARY KEY, value)") < 0)
		goto fail;
	for (int i = v; i < SCHEMA_VERSION; i++)
		if (exec(s, migrations[i]) < 0)
			goto fail;
	char sql[128];
	snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO meta VALUES ('schema_version', %d)",
		 SCHEMA_VERSION);
	if (exec(s, sql) < 0 || exec(s, "COMMIT") < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* sp_dset_union(a, b): the union of two stored distinct sets (what
 * port_days.sources holds), so that a row merges in one statement. A set
 * that does not decode is taken as empty: the other survives. */
static void sql_dset_union(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	dset a, b;
	dset_init(&a);
	dset_init(&b);
	for (int i = 0; i < argc && i < 2; i++) {
		cursor c = rd_init(sqlite3_value_blob(argv[i]), (size_t)sqlite3_value_bytes(argv[i]));
		dset *d = i ? &b : &a;
		if (dset_decode(d, &c) < 0) {
			dset_free(d);
			dset_init(d);
		}
	}
	dset_merge(&a, &b);
	buf out;
	buf_init(&out);
	dset_encode(&a, &out);
	if (out.oom)
		sqlite3_result_error_nomem(ctx);
	else
		sqlite3_result_blob(ctx, out.p, (int)out.len, free);
	dset_free(&a);
	dset_free(&b);
}

static int prepare(sq_store *s)
{
	if (sqlite3_create_function(s->db, "sp_dset_union", 2,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
				    sql_dset_union, NULL, NULL) != SQLITE_OK)
		return sq_fail(s, "registering functions");
	char sql[512];
	if (sqlite3_prepare_v3(s->db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->put, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, update_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->update, NULL) !=
		    SQLITE_OK)
		return sq_fail(s, "preparing statements");
	snprintf(sql, sizeof sql, "%s WHERE ip = ?", select_sql);
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->get, NULL) != SQLITE_OK)
		return sq_fail(s, "preparing statements");
	if (sqlite3_prepare_v3(s->db,
			       "INSERT INTO samples (ip, key, ts_ns, count, proto, sport, dport, dst,"
			       " wire_len, data) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"
			       " WHERE EXISTS (SELECT 1 FROM samples WHERE ip = ?1 AND key = ?2)"
			       " OR (SELECT count(*) FROM samples WHERE ip = ?1) < ?11"
			       " ON CONFLICT (ip, key) DO UPDATE SET count = count + excluded.count,"
			       " ts_ns = min(ts_ns, excluded.ts_ns)",
			       -1, SQLITE_PREPARE_PERSISTENT, &s->put_sample, NULL) != SQLITE_OK)
		return sq_fail(s, "preparing statements");
	if (sqlite3_prepare_v3(s->db,
			       "UPDATE samples SET count = count + ?3, ts_ns = min(ts_ns, ?4)"
			       " WHERE ip = ?1 AND key = ?2",
			       -1, SQLITE_PREPARE_PERSISTENT, &s->bump_sample, NULL) != SQLITE_OK)
		return sq_fail(s, "preparing statements");
	if (sqlite3_prepare_v3(s->db, "SELECT kind, key FROM source_keys WHERE ip = ?", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->key_get, NULL) != SQLITE_OK)
		return sq_fail(s, "preparing statements");
	if (sqlite3_prepare_v3(s->db, "DELETE FROM source_keys WHERE ip = ?", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->key_del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "INSERT OR IGNORE INTO source_keys VALUES (?, ?, ?)", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->key_put, NULL) != SQLITE_OK)
		return sq_fail(s, "preparing statements");
	if (sqlite3_prepare_v3(s->db,
			       "INSERT INTO messages (ts_ns, sensor, src, src_text, sport, dst, dst_text,"
			       " dport, transport, wire_len, data, reply, status, action, note)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, SQLITE_PREPARE_PERSISTENT, &s->put_msg, NULL) != SQLITE_OK)
		return sq_fail(s, "preparing statements");
	if (sqlite3_prepare_v3(s->db,
			       "INSERT OR IGNORE INTO samples (ip, key, ts_ns, count, proto, sport, dport, dst,"
			       " wire_len, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			       -1, SQLITE_PREPARE_PERSISTENT, &s->put_sample_new, NULL) != SQLITE_OK)
		return sq_fail(s, "preparing statements");
	if (sqlite3_prepare_v3(s->db,
			       "INSERT INTO port_days (port, day, packets, sources) VALUES (?1, ?2, ?3, ?4)"
			       " ON CONFLICT (port, day) DO UPDATE SET packets = packets + excluded.packets,"
			       " sources = sp_dset_union(sources, excluded.sources)",
			       -1, SQLITE_PREPARE_PERSISTENT, &s->put_port_day, NULL) != SQLITE_OK)
		return sq_fail(s, "preparing statements");
	return 0;
}

static void bind_profile(sq_store *s, sqlite3_stmt *st, const profile *p, const char *tools)
{
	char ipt[46];
	buf *enc = &s->tmp[0], *sens = &s->tmp[1];
	buf_reset(enc);
	buf_reset(sens);
	profile_encode(p, enc);
	buf_putc(sens, ',');
	for (uint32_t i = 0; i < p->n_sensors; i++) {
		buf_puts(sens, p->sensors[i]);
		buf_putc(sens, ',');
	}
	sqlite3_bind_blob(st, 1, p->ip, 16, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, addr_str(p->ip, ipt), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, addr_is_v4(p->ip) ? 4 : 6);
	sqlite3_bind_int64(st, 4, p->first_ns);
	sqlite3_bind_int64(st, 5, p->last_ns);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)p->packets);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)p->bytes);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)dset_count(&p->targets));
	sqlite3_bind_text(st, 9, buf_cstr(sens), (int)sens->len, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, tools ? tools : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 11, enc->p, (int)enc->len, SQLITE_STATIC);
}

static const void *col_blob(sqlite3_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	*len = (size_t)sqlite3_column_bytes(st, col);
	return p;
}

/* Reads a row in SOURCE_COLS order. -1 if the profile is corrupt. */
static int row_to_profile(sqlite3_stmt *st, profile *p)
{
	size_t len;
	const void *ip = col_blob(st, 0, &len);
	if (len != 16)
		return -1;
	memcpy(p->ip, ip, 16);
	const void *b = col_blob(st, COL_PROFILE, &len);
	return profile_decode(p, b, len);
}

static int wq_drain(sq_store *s);

static int sq_begin(store *base)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	if (s->in_tx)
		return 0;
	if (exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	s->in_tx = 1;
	return 0;
}

static int sq_rollback(store *base);

static int sq_commit(store *base)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0) {
		sq_rollback(base);
		return -1;
	}
	if (!s->in_tx)
		return 0;
	s->in_tx = 0;
	if (exec(s, "COMMIT") < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static int sq_rollback(store *base)
{
	sq_store *s = (sq_store *)base;
	s->gen++;
	wq_drain(s);
	if (s->wq)
		s->wq->failed = 0; /* what failed is rolled back with the rest */
	if (!s->in_tx)
		return 0;
	s->in_tx = 0;
	return exec(s, "ROLLBACK");
}

static int sq_get(store *base, const uint8_t ip[16], profile *out)
{
	sq_store *s = (sq_store *)base;
	if (s->wq && s->wq->running && !pthread_equal(pthread_self(), s->wq->thread) &&
	    wq_drain(s) < 0)
		return -1;
	sqlite3_reset(s->get);
	sqlite3_bind_blob(s->get, 1, ip, 16, SQLITE_STATIC);
	int rc = sqlite3_step(s->get);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return sq_fail(s, "reading a profile");
	if (row_to_profile(s->get, out) < 0) {
		char t[46];
		snprintf(s->base.err, sizeof s->base.err, "stored profile of %s is corrupt",
			 addr_str(ip, t));
		sqlite3_reset(s->get);
		return -1;
	}
	sqlite3_reset(s->get);
	return 1;
}

/* The first campaign key of a source (NULL: none). */
static const char *primary_campaign(const key_list *keys)
{
	for (int i = 0; i < keys->n; i++)
		if (!strcmp(keys->k[i].kind, "campaign"))
			return keys->k[i].key;
	return NULL;
}

/* campaign must stay valid until the statement has been stepped (every
 * caller binds all the parameters again before the next step). */
static void bind_campaign(sqlite3_stmt *st, const char *campaign)
{
	if (campaign)
		sqlite3_bind_text(st, 12, campaign, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 12);
}

/* 1 if the keys stored for ip are the list k (k has no duplicates: key_list_add),
 * 0 if not, -1 on error. */
static int keys_stored_are(sq_store *s, const uint8_t ip[16], const key_list *k)
{
	sqlite3_stmt *st = s->key_get;
	sqlite3_reset(st);
	sqlite3_bind_blob(st, 1, ip, 16, SQLITE_STATIC);
	int n = 0, same = 1, rc = SQLITE_DONE;
	while (same && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		same = 0;
		for (int i = 0; i < k->n && !same && kind && key; i++)
			same = !strcmp(kind, k->k[i].kind) && !strcmp(key, k->k[i].key);
		n++;
	}
	sqlite3_reset(st);
	if (same && rc != SQLITE_DONE)
		return sq_fail(s, "reading keys");
	return same && n == k->n;
}

/* Writes the keys of a source from its profile (merged, when it existed). */
static int put_keys(sq_store *s, const profile *p, const key_list *k, int existed)
{
	if (existed) {
		/* a source stored before mostly keeps its keys: then nothing to do */
		int same = keys_stored_are(s, p->ip, k);
		if (same != 0)
			return same < 0 ? -1 : 0;
		sqlite3_reset(s->key_del);
		sqlite3_bind_blob(s->key_del, 1, p->ip, 16, SQLITE_STATIC);
		if (sqlite3_step(s->key_del) != SQLITE_DONE)
			return sq_fail(s, "writing keys");
	}
	for (int i = 0; i < k->n; i++) {
		sqlite3_reset(s->key_put);
		sqlite3_bind_text(s->key_put, 1, k->k[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->key_put, 2, k->k[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s->key_put, 3, p->ip, 16, SQLITE_STATIC);
		if (sqlite3_step(s->key_put) != SQLITE_DONE)
			return sq_fail(s, "writing keys");
	}
	return 0;
}

/* Merges p into the stored profile of its source and writes the result. */
static int write_merged(sq_store *s, const profile *p)
{
	store *base = &s->base;
	profile old;
	profile_init(&old);
	int found = sq_get(base, p->ip, &old);
	if (found < 0) {
		profile_free(&old);
		return -1;
	}
	const profile *w = p;
	if (found) {
		profile_merge(&old, p);
		w = &old;
	}
	buf tools;
	buf_init(&tools);
	profile_tools(w, &tools);
	s->last_new = !found;
	memcpy(s->last_new_ip, p->ip, 16);
	key_list keys;
	profile_keys(w, &keys);
	sqlite3_stmt *st = found ? s->update : s->put;
	sqlite3_reset(st);
	bind_profile(s, st, w, buf_cstr(&tools));
	bind_campaign(st, primary_campaign(&keys));
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	buf_free(&tools);
	if (rc == SQLITE_DONE)
		rc = put_keys(s, w, &keys, found);
	else
		rc = sq_fail(s, "writing a profile");
	profile_free(&old);
	return rc;
}

static int write_sample(sq_store *s, const uint8_t ip[16], const payload_sample *m)
{
	/* a source that was new has only the samples of this flush, which the
	 * table already capped: no need to count what is stored */
	int fresh = s->last_new && memcmp(s->last_new_ip, ip, 16) == 0;
	if (!fresh) {
		/* a source seen before mostly sends what it sent then: one indexed
		 * update counts it (the insert's checks cost 13 us a sample) */
		sqlite3_stmt *b = s->bump_sample;
		sqlite3_reset(b);
		sqlite3_bind_blob(b, 1, ip, 16, SQLITE_STATIC);
		sqlite3_bind_int64(b, 2, (sqlite3_int64)m->key);
		sqlite3_bind_int64(b, 3, m->count);
		sqlite3_bind_int64(b, 4, m->ts_ns);
		int rc = sqlite3_step(b);
		sqlite3_reset(b);
		if (rc != SQLITE_DONE)
			return sq_fail(s, "writing a sample");
		if (sqlite3_changes(s->db) > 0)
			return 0;
	}
	sqlite3_stmt *st = fresh ? s->put_sample_new : s->put_sample;
	sqlite3_reset(st);
	sqlite3_bind_blob(st, 1, ip, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)m->key);
	sqlite3_bind_int64(st, 3, m->ts_ns);
	sqlite3_bind_int64(st, 4, m->count);
	sqlite3_bind_int(st, 5, m->proto);
	sqlite3_bind_int(st, 6, m->sport);
	sqlite3_bind_int(st, 7, m->dport);
	sqlite3_bind_blob(st, 8, m->dst_ip, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, m->wire_len);
	sqlite3_bind_blob(st, 10, m->data, m->len, SQLITE_STATIC);
	if (!fresh)
		sqlite3_bind_int(st, 11, SAMPLES_PER_SOURCE);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sq_fail(s, "writing a sample");
}


/* --- the write pipeline ----------------------------------------------------
 * A flush writes every source of the table. The caller's thread prepares
 * each row (encodes the profile, derives tools, sensors and keys) and queues
 * it; a writer thread does the SQLite work. The two overlap, so a flush
 * costs about the larger of the two instead of their sum. The connection is
 * used by one thread at a time: every other operation first drains the queue
 * and waits for the writer to finish. */

static void slab_unref(wq_slab *b)
{
	if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		free(b);
}

/* A zeroed item with `extra` bytes behind it (it->data), in the producer's
 * slab; NULL if out of memory. Producer thread only. */
static wq_item *item_new(sq_store *s, size_t extra)
{
	size_t a = alignof(max_align_t);
	if (extra > SIZE_MAX / 2)
		return NULL;
	size_t need = (sizeof(wq_item) + extra + a - 1) / a * a;
	wq_slab *b = s->slab;
	if (!b || b->cap - b->used < need) {
		size_t cap = need > SLAB_BYTES ? need : SLAB_BYTES;
		wq_slab *nb = malloc(sizeof *nb + cap);
		if (!nb)
			return NULL;
		atomic_init(&nb->refs, 1);
		nb->used = 0;
		nb->cap = cap;
		slab_unref(b); /* the producer's reference to the full one */
		s->slab = b = nb;
	}
	wq_item *it = (wq_item *)((unsigned char *)b->mem + b->used);
	b->used += need;
	atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
	memset(it, 0, sizeof *it);
	it->slab = b;
	it->data = (uint8_t *)(it + 1);
	return it;
}

static void item_free(wq_item *it)
{
	if (it)
		slab_unref(it->slab);
}

/* A new source: every column was prepared by the producer. Returns 1 and
 * writes nothing if the source is already stored. */
static int write_new(sq_store *s, const wq_item *it)
{
	char ipt[46];
	const uint8_t *d = it->data;
	const char *tools = (const char *)d + it->blob_len;
	const char *sensors = tools + it->tools_len;
	const char *keys = sensors + it->sensors_len;
	sqlite3_stmt *st = s->put;
	sqlite3_reset(st);
	sqlite3_bind_blob(st, 1, it->ip, 16, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, addr_str(it->ip, ipt), -1, SQLITE_STATIC); /* stepped below */
	sqlite3_bind_int(st, 3, addr_is_v4(it->ip) ? 4 : 6);
	sqlite3_bind_int64(st, 4, it->first_ns);
	sqlite3_bind_int64(st, 5, it->last_ns);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)it->packets);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)it->bytes);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)it->n_targets);
	sqlite3_bind_text(st, 9, sensors, (int)it->sensors_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, tools, (int)it->tools_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, d, (int)it->blob_len, SQLITE_STATIC);
	const char *campaign = NULL;
	for (const char *k = keys; k < keys + it->keys_len && !campaign;) {
		const char *key = k + strlen(k) + 1;
		if (!strcmp(k, "campaign"))
			campaign = key;
		k = key + strlen(key) + 1;
	}
	bind_campaign(st, campaign);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_fail(s, "writing a profile");
	if (sqlite3_changes(s->db) == 0)
		return 1; /* the source was already stored (OR IGNORE) */
	s->last_new = 1;
	memcpy(s->last_new_ip, it->ip, 16);
	for (const char *k = keys; k < keys + it->keys_len;) {
		const char *key = k + strlen(k) + 1;
		sqlite3_reset(s->key_put);
		sqlite3_bind_text(s->key_put, 1, k, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->key_put, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s->key_put, 3, it->ip, 16, SQLITE_STATIC);
		if (sqlite3_step(s->key_put) != SQLITE_DONE)
			return sq_fail(s, "writing keys");
		k = key + strlen(key) + 1;
	}
	return 0;
}

static int write_port_day(sq_store *s, const wq_item *it)
{
	sqlite3_stmt *st = s->put_port_day;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, it->first_ns);
	sqlite3_bind_int(st, 2, it->day);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)it->packets);
	sqlite3_bind_blob(st, 4, it->data, (int)it->blob_len, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sq_fail(s, "writing port activity");
}

static int write_message(sq_store *s, const sensor_msg *m)
{
	char src[46], dst[46];
	sqlite3_stmt *st = s->put_msg;
	int i = 1;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, i++, m->ts_ns);
	sqlite3_bind_text(st, i++, m->sensor, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, i++, m->src, 16, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, addr_str(m->src, src), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, i++, m->sport);
	sqlite3_bind_blob(st, i++, m->dst, 16, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, addr_str(m->dst, dst), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, i++, m->dport);
	sqlite3_bind_text(st, i++, proto_name(m->proto), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i++, m->wire_len);
	sqlite3_bind_blob(st, i++, m->len ? (const void *)m->data : "", (int)m->len, SQLITE_STATIC);
	if (m->reply_len)
		sqlite3_bind_blob(st, i++, m->reply, (int)m->reply_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i++);
	if (m->status)
		sqlite3_bind_int(st, i++, m->status);
	else
		sqlite3_bind_null(st, i++);
	sqlite3_bind_text(st, i++, m->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, m->note, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sq_fail(s, "writing a sensor message");
}

static int write_item(sq_store *s, const wq_item *it)
{
	if (it->kind == WQ_SAMPLE)
		return write_sample(s, it->ip, &it->smp);
	if (it->kind == WQ_MESSAGE)
		return write_message(s, &it->msg);
	if (it->kind == WQ_PORT_DAY)
		return write_port_day(s, it);
	/* Most sources of a capture are new: try the insert first (its unique
	 * index does the lookup), and merge only when it inserted nothing.
	 * While the sources written are already stored (a capture read again
	 * into a full store), look each up first instead. */
	int rc = s->merging ? 1 : write_new(s, it);
	if (rc <= 0)
		return rc;
	/* a source already stored: merge the way profile_merge says */
	profile p;
	profile_init(&p);
	memcpy(p.ip, it->ip, 16);
	int ret;
	if (profile_decode(&p, it->data, it->blob_len) < 0) {
		snprintf(s->base.err, sizeof s->base.err, "internal error: profile encoding");
		ret = -1;
	} else {
		ret = write_merged(s, &p);
		s->merging = !s->last_new;
	}
	profile_free(&p);
	return ret;
}

#define WQ_TAKE 256 /* items the writer takes per lock */

/* A flush writes its whole transaction to the WAL, which the commit's
 * checkpoint then fsyncs: on a capture of a million sources, 700 MB that
 * the kernel had not begun to write back (it waits for 10 % of memory to
 * be dirty), so the fsync waited for all of it. Every WAL_KICK_ITEMS items
 * the writer asks the kernel to start writing the WAL back (without
 * waiting for it), so that the disk works while the flush goes on. */
#define WAL_KICK_ITEMS 4096

static void wal_kick(sq_store *s)
{
	if (!s->ck)
		return; /* no checkpointer: not a store written in WAL mode */
	if (s->wal_fd < 0) {
		const char *wal = sqlite3_filename_wal(sqlite3_db_filename(s->db, "main"));
		if (!wal)
			return;
		s->wal_fd = open(wal, O_RDONLY | O_CLOEXEC);
		if (s->wal_fd < 0)
			return; /* not there yet: the next time */
	}
	(void)sync_file_range(s->wal_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static void *writer_main(void *arg)
{
	pthread_setname_np(pthread_self(), "sp-sqlite");
	sq_store *s = arg;
	write_queue *q = s->wq;
	wq_item *take[WQ_TAKE];
	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (q->count == 0 && !q->closing)
			pthread_cond_wait(&q->nonempty, &q->mu);
		if (q->count == 0) {
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		uint32_t n = 0;
		while (q->count && n < WQ_TAKE) {
			take[n++] = q->ring[q->tail];
			q->tail = (q->tail + 1) % WQ_CAP;
			q->count--;
		}
		if (q->producer_waiting)
			pthread_cond_signal(&q->nonfull);
		int failed = q->failed;
		pthread_mutex_unlock(&q->mu);
		for (uint32_t i = 0; i < n; i++) {
			if (!failed && write_item(s, take[i]) < 0)
				failed = 1; /* keep draining, write nothing more */
			item_free(take[i]);
		}
		s->since_kick += n;
		if (s->since_kick >= WAL_KICK_ITEMS) {
			s->since_kick = 0;
			wal_kick(s);
		}
		if (failed) {
			pthread_mutex_lock(&q->mu);
			q->failed = 1;
			pthread_mutex_unlock(&q->mu);
		}
	}
}

/* Waits until everything queued is written; the writer thread stops.
 * Returns -1 if a write failed (the message is in the store's err). */
static int wq_drain(sq_store *s)
{
	write_queue *q = s->wq;
	if (!q || !q->running)
		return q && q->failed ? -1 : 0;
	pthread_mutex_lock(&q->mu);
	q->closing = 1;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	q->running = 0;
	q->closing = 0;
	return q->failed ? -1 : 0;
}

static int wq_push(sq_store *s, wq_item *it)
{
	write_queue *q = s->wq;
	if (!q) {
		q = s->wq = calloc(1, sizeof *q);
		if (!q) {
			item_free(it);
			snprintf(s->base.err, sizeof s->base.err, "out of memory");
			return -1;
		}
		pthread_mutex_init(&q->mu, NULL);
		pthread_cond_init(&q->nonempty, NULL);
		pthread_cond_init(&q->nonfull, NULL);
	}
	if (q->failed) {
		item_free(it);
		return -1;
	}
	if (!q->running) {
		if (pthread_create(&q->thread, NULL, writer_main, s) != 0) {
			/* no thread: write it here */
			int rc = write_item(s, it);
			item_free(it);
			return rc;
		}
		q->running = 1;
	}
	pthread_mutex_lock(&q->mu);
	while (q->count == WQ_CAP) {
		q->producer_waiting = 1;
		pthread_cond_wait(&q->nonfull, &q->mu);
		q->producer_waiting = 0;
	}
	q->ring[q->head] = it;
	q->head = (q->head + 1) % WQ_CAP;
	/* wake the writer only when it may be asleep; it takes many at once */
	if (q->count++ == 0)
		pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

static int sq_put(store *base, const profile *p)
{
	sq_store *s = (sq_store *)base;
	s->gen++;
	/* assembled in a buffer kept between calls, then copied behind the item */
	buf *d = &s->tmp[3];
	buf_reset(d);
	profile_encode(p, d);
	size_t blob_len = d->len, mark = d->len;
	profile_tools(p, &s->tmp[2]);
	buf_put(d, s->tmp[2].p, s->tmp[2].len);
	size_t tools_len = d->len - mark;
	mark = d->len;
	buf_putc(d, ',');
	for (uint32_t i = 0; i < p->n_sensors; i++) {
		buf_puts(d, p->sensors[i]);
		buf_putc(d, ',');
	}
	size_t sensors_len = d->len - mark;
	mark = d->len;
	key_list keys;
	profile_keys(p, &keys);
	for (int i = 0; i < keys.n; i++) {
		buf_put(d, keys.k[i].kind, strlen(keys.k[i].kind) + 1);
		buf_put(d, keys.k[i].key, strlen(keys.k[i].key) + 1);
	}
	size_t keys_len = d->len - mark;
	wq_item *it = d->oom ? NULL : item_new(s, d->len);
	if (!it)
		goto oom;
	memcpy(it->data, d->p, d->len);
	it->blob_len = blob_len;
	it->tools_len = tools_len;
	it->sensors_len = sensors_len;
	it->keys_len = keys_len;
	it->kind = WQ_PROFILE;
	memcpy(it->ip, p->ip, 16);
	it->first_ns = p->first_ns;
	it->last_ns = p->last_ns;
	it->packets = p->packets;
	it->bytes = p->bytes;
	it->n_targets = dset_count(&p->targets);
	return wq_push(s, it);
oom:
	snprintf(s->base.err, sizeof s->base.err, "out of memory");
	return -1;
}

static int sq_put_sample(store *base, const uint8_t ip[16], const payload_sample *m)
{
	sq_store *s = (sq_store *)base;
	wq_item *it = item_new(s, m->len);
	if (!it) {
		snprintf(s->base.err, sizeof s->base.err, "out of memory");
		return -1;
	}
	it->kind = WQ_SAMPLE;
	memcpy(it->ip, ip, 16);
	it->smp = *m;
	if (m->len) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(it->data, m->data, m->len);
	it->smp.data = it->data;
	return wq_push(s, it);
}

/* Copies the message (bytes, reply, texts) into one block for the writer. */
static int sq_put_message(store *base, const sensor_msg *m)
{
	sq_store *s = (sq_store *)base;
	size_t sl = strlen(m->sensor) + 1, al = strlen(m->action) + 1, nl = strlen(m->note) + 1;
	wq_item *it = item_new(s, m->len + m->reply_len + sl + al + nl);
	if (!it) {
		snprintf(s->base.err, sizeof s->base.err, "out of memory");
		return -1;
	}
	uint8_t *d = it->data;
	it->kind = WQ_MESSAGE;
	it->msg = *m;
	if (m->len) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(d, m->data, m->len);
	it->msg.data = d;
	d += m->len;
	if (m->reply_len)
		memcpy(d, m->reply, m->reply_len);
	it->msg.reply = d;
	d += m->reply_len;
	it->msg.sensor = memcpy(d, m->sensor, sl);
	d += sl;
	it->msg.action = memcpy(d, m->action, al);
	d += al;
	it->msg.note = memcpy(d, m->note, nl);
	return wq_push(s, it);
}

static int sq_put_port_day(store *base, const port_day *r)
{
	sq_store *s = (sq_store *)base;
	buf *d = &s->tmp[3];
	buf_reset(d);
	dset_encode(&r->sources, d);
	wq_item *it = d->oom ? NULL : item_new(s, d->len);
	if (!it) {
		snprintf(s->base.err, sizeof s->base.err, "out of memory");
		return -1;
	}
	it->kind = WQ_PORT_DAY;
	it->day = r->day;
	it->first_ns = r->port;
	it->packets = r->packets;
	memcpy(it->data, d->p, d->len);
	it->blob_len = d->len;
	return wq_push(s, it);
}

static void wq_free(sq_store *s)
{
	write_queue *q = s->wq;
	if (!q)
		return;
	wq_drain(s);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
	free(q);
	s->wq = NULL;
}

static void row_to_capture(sqlite3_stmt *st, capture_rec *c)
{
	memset(c, 0, sizeof *c);
#define TXT(field, col) \
	snprintf(c->field, sizeof c->field, "%s", (const char *)(sqlite3_column_text(st, col) ? sqlite3_column_text(st, col) : (const unsigned char *)""))
	TXT(path, 0);
	TXT(sensor, 1);
	TXT(format, 2);
	TXT(compression, 3);
	TXT(status, 4);
#undef TXT
	c->linktype = sqlite3_column_int(st, 5);
	c->head_hash = (uint64_t)sqlite3_column_int64(st, 6);
	c->content_hash = (uint64_t)sqlite3_column_int64(st, 7);
	c->raw_size = sqlite3_column_int64(st, 8);
	c->packets = (uint64_t)sqlite3_column_int64(st, 9);
	c->ip_packets = (uint64_t)sqlite3_column_int64(st, 10);
	c->bytes = (uint64_t)sqlite3_column_int64(st, 11);
	c->first_ns = sqlite3_column_int64(st, 12);
	c->last_ns = sqlite3_column_int64(st, 13);
	c->read_ns = sqlite3_column_int64(st, 14);
	c->sources = (uint64_t)sqlite3_column_int64(st, 15);
	c->flushes = (uint64_t)sqlite3_column_int64(st, 16);
}

#define CAPTURE_COLS                                                                     \
	"path, sensor, format, compression, status, linktype, head_hash, content_hash,"  \
	" raw_size, packets, ip_packets, bytes, first_ns, last_ns, read_ns, sources, flushes"

static int sq_find_capture(store *base, uint64_t head_hash, int64_t raw_size,
			   uint64_t content_hash, capture_rec *out)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	const char *sql = content_hash
		? "SELECT " CAPTURE_COLS " FROM captures WHERE content_hash = ?1 LIMIT 1"
		: "SELECT " CAPTURE_COLS " FROM captures WHERE head_hash = ?2 AND raw_size = ?3"
		  " AND raw_size >= 0 LIMIT 1";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "looking up captures");
	if (content_hash)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)content_hash);
	else {
		sqlite3_bind_int64(st, 2, (sqlite3_int64)head_hash);
		sqlite3_bind_int64(st, 3, raw_size);
	}
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && out)
		row_to_capture(st, out);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(s, "looking up captures");
	return rc == SQLITE_ROW;
}

static int sq_add_capture(store *base, const capture_rec *c)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO captures (" CAPTURE_COLS ") VALUES"
			       " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "recording the capture");
	int i = 1;
	sqlite3_bind_text(st, i++, c->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, c->sensor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, c->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, c->compression, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, c->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, i++, c->linktype);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)c->head_hash);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)c->content_hash);
	sqlite3_bind_int64(st, i++, c->raw_size);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)c->packets);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)c->ip_packets);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)c->bytes);
	if (c->packets) {
		sqlite3_bind_int64(st, i++, c->first_ns);
		sqlite3_bind_int64(st, i++, c->last_ns);
	} else {
		sqlite3_bind_null(st, i++);
		sqlite3_bind_null(st, i++);
	}
	sqlite3_bind_int64(st, i++, c->read_ns);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)c->sources);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)c->flushes);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sq_fail(s, "recording the capture");
}

static int sq_scan_profiles(store *base, const source_query *q, store_profile_cb cb, void *ctx)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	char sql[2048];
	size_t n = (size_t)snprintf(sql, sizeof sql, "%s WHERE 1", select_sql);
	if (q && q->tool)
		n += (size_t)snprintf(sql + n, sizeof sql - n, " AND instr(tools, ','||?1||',') > 0");
	if (q && q->campaign)
		n += (size_t)snprintf(sql + n, sizeof sql - n,
				      " AND ip IN (SELECT ip FROM source_keys WHERE kind = 'campaign'"
				      " AND key = ?2)");
	if (q && q->sensor)
		n += (size_t)snprintf(sql + n, sizeof sql - n, " AND instr(sensors, ','||?3||',') > 0");
	const char *order = " ORDER BY packets DESC, ip";
	if (q && q->order == SQ_ORDER_FIRST_SEEN)
		order = " ORDER BY first_ns, ip";
	else if (q && q->order == SQ_ORDER_IP)
		order = " ORDER BY family, ip";
	n += (size_t)snprintf(sql + n, sizeof sql - n, "%s", order);
	if (q && q->limit)
		snprintf(sql + n, sizeof sql - n, " LIMIT %llu", (unsigned long long)q->limit);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "listing sources");
	if (q && q->tool)
		sqlite3_bind_text(st, 1, q->tool, -1, SQLITE_STATIC);
	if (q && q->campaign)
		sqlite3_bind_text(st, 2, q->campaign, -1, SQLITE_STATIC);
	if (q && q->sensor)
		sqlite3_bind_text(st, 3, q->sensor, -1, SQLITE_STATIC);
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		profile p;
		profile_init(&p);
		if (row_to_profile(st, &p) < 0) {
			profile_free(&p);
			snprintf(s->base.err, sizeof s->base.err, "a stored profile is corrupt");
			ret = -1;
			break;
		}
		int stop = cb(ctx, &p);
		profile_free(&p);
		if (stop)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sq_fail(s, "listing sources");
	sqlite3_finalize(st);
	return ret;
}

static int sq_scan_samples(store *base, const uint8_t ip[16], store_sample_cb cb, void *ctx)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT key, ts_ns, count, proto, sport, dport, dst, wire_len, data"
			       " FROM samples WHERE ip = ? ORDER BY ts_ns, key",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "reading samples");
	sqlite3_bind_blob(st, 1, ip, 16, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		payload_sample m;
		memset(&m, 0, sizeof m);
		size_t len;
		m.key = (uint64_t)sqlite3_column_int64(st, 0);
		m.ts_ns = sqlite3_column_int64(st, 1);
		m.count = (uint32_t)sqlite3_column_int64(st, 2);
		m.proto = (uint8_t)sqlite3_column_int(st, 3);
		m.sport = (uint16_t)sqlite3_column_int(st, 4);
		m.dport = (uint16_t)sqlite3_column_int(st, 5);
		const void *d = col_blob(st, 6, &len);
		if (len == 16)
			memcpy(m.dst_ip, d, 16);
		m.wire_len = (uint32_t)sqlite3_column_int64(st, 7);
		m.data = (uint8_t *)col_blob(st, 8, &len);
		m.len = (uint16_t)(len > SAMPLE_MAX ? SAMPLE_MAX : len);
		if (cb(ctx, &m))
			break;
	}
	int ret = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : sq_fail(s, "reading samples");
	sqlite3_finalize(st);
	return ret;
}

static int sq_scan_captures(store *base, store_capture_cb cb, void *ctx)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT " CAPTURE_COLS " FROM captures ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return sq_fail(s, "listing captures");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		capture_rec c;
		row_to_capture(st, &c);
		if (cb(ctx, &c))
			break;
	}
	int ret = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : sq_fail(s, "listing captures");
	sqlite3_finalize(st);
	return ret;
}

static int sq_count(store *base, uint64_t *n)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sources", -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "counting sources");
	*n = sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

static int sq_count_key(store *base, const char *kind, const char *key, uint64_t *n)
{
	sq_store *s = (sq_store *)base;
	struct key_count *c =
	    &s->kc[(hash_bytes(key, strlen(key), 0) ^ hash_bytes(kind, strlen(kind), 1)) %
		   (sizeof s->kc / sizeof s->kc[0])];
	if (c->gen == s->gen && !strcmp(c->kind, kind) && !strcmp(c->key, key)) {
		*n = c->n;
		return 0;
	}
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM source_keys WHERE kind = ? AND key = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "counting keys");
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	*n = sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (strlen(kind) < sizeof c->kind && strlen(key) < sizeof c->key) {
		c->gen = s->gen;
		c->n = *n;
		snprintf(c->kind, sizeof c->kind, "%s", kind);
		snprintf(c->key, sizeof c->key, "%s", key);
	}
	return 0;
}

static int sq_scan_key_groups(store *base, const char *kind, uint64_t min_sources,
			      store_key_cb cb, void *ctx)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT key, count(*) AS n FROM source_keys WHERE kind = ?"
			       " GROUP BY key HAVING n >= ? ORDER BY n DESC, key",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "grouping keys");
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)min_sources);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, (const char *)sqlite3_column_text(st, 0),
		       (uint64_t)sqlite3_column_int64(st, 1)))
			break;
	int ret = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : sq_fail(s, "grouping keys");
	sqlite3_finalize(st);
	return ret;
}

static int sq_scan_key_members(store *base, const char *kind, const char *key,
			       store_profile_cb cb, void *ctx)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT " SOURCE_COLS " FROM sources WHERE ip IN"
			       " (SELECT ip FROM source_keys WHERE kind = ? AND key = ?) ORDER BY ip",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "listing key members");
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		profile p;
		profile_init(&p);
		if (row_to_profile(st, &p) < 0) {
			profile_free(&p);
			snprintf(s->base.err, sizeof s->base.err, "a stored profile is corrupt");
			ret = -1;
			break;
		}
		int stop = cb(ctx, &p);
		profile_free(&p);
		if (stop)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE && !ret)
		ret = sq_fail(s, "listing key members");
	sqlite3_finalize(st);
	return ret;
}

static int sq_scan_key_cooccur(store *base, const char *kind, const char *key,
			       const char *other_kind, store_key_cb cb, void *ctx)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT b.key, count(*) AS n FROM source_keys a JOIN source_keys b"
			       " ON b.ip = a.ip AND b.kind = ?3 WHERE a.kind = ?1 AND a.key = ?2"
			       " GROUP BY b.key ORDER BY n DESC, b.key",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "grouping keys");
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, other_kind, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, (const char *)sqlite3_column_text(st, 0),
		       (uint64_t)sqlite3_column_int64(st, 1)))
			break;
	int ret = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : sq_fail(s, "grouping keys");
	sqlite3_finalize(st);
	return ret;
}

static int sq_scan_port_days(store *base, const port_day_query *q, store_port_day_cb cb,
			     void *ctx)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	const char *sql = q->port ? "SELECT port, day, packets, sources FROM port_days WHERE port = ?3"
				    " AND day BETWEEN ?1 AND ?2 ORDER BY port, day"
				  : "SELECT port, day, packets, sources FROM port_days WHERE"
				    " day BETWEEN ?1 AND ?2 ORDER BY port, day";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "reading port activity");
	sqlite3_bind_int(st, 1, q->from_day);
	sqlite3_bind_int(st, 2, q->to_day);
	if (q->port)
		sqlite3_bind_int64(st, 3, q->port);
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		port_day r;
		r.port = (uint32_t)sqlite3_column_int64(st, 0);
		r.day = sqlite3_column_int(st, 1);
		r.packets = (uint64_t)sqlite3_column_int64(st, 2);
		size_t len;
		const void *b = col_blob(st, 3, &len);
		cursor c = rd_init(b, len);
		dset_init(&r.sources);
		if (dset_decode(&r.sources, &c) < 0) {
			dset_free(&r.sources);
			snprintf(s->base.err, sizeof s->base.err, "stored port activity is corrupt");
			ret = -1;
			break;
		}
		int stop = cb(ctx, &r);
		dset_free(&r.sources);
		if (stop)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE && !ret)
		ret = sq_fail(s, "reading port activity");
	sqlite3_finalize(st);
	return ret;
}

static int sq_port_day_span(store *base, int32_t *first, int32_t *last)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT min(day), max(day), count(*) FROM port_days", -1, &st,
			       NULL) != SQLITE_OK)
		return sq_fail(s, "reading port activity");
	*first = *last = 0;
	int found = 0;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 2) > 0) {
		*first = sqlite3_column_int(st, 0);
		*last = sqlite3_column_int(st, 1);
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

static int sq_scan_messages(store *base, const uint8_t ip[16], store_msg_cb cb, void *ctx)
{
	sq_store *s = (sq_store *)base;
	if (wq_drain(s) < 0)
		return -1;
	sqlite3_stmt *st;
	const char *sql = ip ? "SELECT ts_ns, sensor, src, sport, dst, dport, transport, wire_len,"
			       " data, reply, status, action, note FROM messages WHERE src = ?"
			       " ORDER BY id"
			     : "SELECT ts_ns, sensor, src, sport, dst, dport, transport, wire_len,"
			       " data, reply, status, action, note FROM messages ORDER BY id";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "reading sensor messages");
	if (ip)
		sqlite3_bind_blob(st, 1, ip, 16, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sensor_msg m;
		size_t len;
		memset(&m, 0, sizeof m);
		m.ts_ns = sqlite3_column_int64(st, 0);
		m.sensor = col_text(st, 1);
		const void *a = col_blob(st, 2, &len);
		if (len == 16)
			memcpy(m.src, a, 16);
		m.sport = (uint16_t)sqlite3_column_int(st, 3);
		a = col_blob(st, 4, &len);
		if (len == 16)
			memcpy(m.dst, a, 16);
		m.dport = (uint16_t)sqlite3_column_int(st, 5);
		m.proto = strcmp(col_text(st, 6), "tcp") == 0 ? 6 : 17;
		m.wire_len = (uint32_t)sqlite3_column_int64(st, 7);
		m.data = col_blob(st, 8, &len);
		m.len = (uint32_t)len;
		m.reply = col_blob(st, 9, &len);
		m.reply_len = (uint32_t)len;
		m.status = (uint16_t)sqlite3_column_int(st, 10);
		m.action = col_text(st, 11);
		m.note = col_text(st, 12);
		if (cb(ctx, &m))
			break;
	}
	int ret = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : sq_fail(s, "reading sensor messages");
	sqlite3_finalize(st);
	return ret;
}

/* WAL checkpoints on their own thread and connection. SQLite's automatic
 * checkpoint runs in the committing thread: copying the WAL into the file
 * and the two fsyncs block the writer, its queue fills, and the producer (a
 * honeypot's network loop, read's flush) waits on the disk. Here the
 * writer's commit only signals (wal hook, past CKPT_BYTES of WAL); a
 * PASSIVE checkpoint never blocks the writer, and the WAL restarts at the
 * writer's next transaction after a complete one. Past CKPT_HARD_BYTES
 * (the checkpointer cannot keep up) the writer checkpoints itself, as
 * SQLite would. The last connection to close checkpoints whatever is left
 * and removes the WAL. */
#define CKPT_BYTES	(4u << 20) /* SQLite's own default: 1000 frames of 4 KiB */
#define CKPT_HARD_BYTES (256u << 20)

typedef struct checkpointer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	sqlite3 *db;
	int due, stop;
	int soft, hard; /* WAL frames: CKPT_BYTES and CKPT_HARD_BYTES in the store's pages */
} checkpointer;

static void *ckpt_main(void *arg)
{
	pthread_setname_np(pthread_self(), "sp-checkpoint");
	checkpointer *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->due && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->due = 0;
		pthread_mutex_unlock(&c->mu);
		/* SQLITE_BUSY (another checkpoint running) is left to the next one */
		sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	checkpointer *c = arg;
	if (frames >= c->hard) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (frames >= c->soft) {
		pthread_mutex_lock(&c->mu);
		c->due = 1;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

/* Closes the checkpointer's connection and frees it (its thread not running). */
static void ckpt_free(checkpointer *c)
{
	sqlite3_close(c->db); /* a no-op on NULL */
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

/* Starts the checkpointer of a store opened for writing in WAL mode; on
 * any failure SQLite's automatic checkpoints stay in place. */
static void ckpt_start(sq_store *s, const char *path)
{
	checkpointer *c = calloc(1, sizeof *c);
	if (!c)
		return;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		ckpt_free(c);
		return;
	}
	sqlite3_busy_timeout(c->db, 10000);
	/* the connection learns the file is in WAL mode by reading it: until
	 * then its checkpoints do nothing */
	sqlite3_stmt *st = NULL;
	const char *jm = NULL;
	if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		jm = (const char *)sqlite3_column_text(st, 0);
	int wal = jm && sqlite3_stricmp(jm, "wal") == 0;
	sqlite3_finalize(st);
	if (!wal) {
		ckpt_free(c);
		return;
	}
	/* signals are for the threads that handle them (the honeypot's loop
	 * waits for SIGTERM): the checkpointer takes none */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int started = pthread_create(&c->thread, NULL, ckpt_main, c) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started) {
		ckpt_free(c);
		return;
	}
	/* the thresholds are bytes of WAL, whatever the store's page size */
	int page = 4096;
	if (sqlite3_prepare_v2(s->db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) >= 512)
		page = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	c->soft = (int)(CKPT_BYTES / (unsigned)page);
	c->hard = (int)(CKPT_HARD_BYTES / (unsigned)page);
	s->ck = c;
	sqlite3_wal_hook(s->db, ckpt_hook, c);
}

/* Stops the checkpointer and closes its connection (before the writer's
 * own, which then checkpoints the rest). */
static void ckpt_stop(sq_store *s)
{
	checkpointer *c = s->ck;
	if (!c)
		return;
	sqlite3_wal_hook(s->db, NULL, NULL);
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	ckpt_free(c);
	s->ck = NULL;
}

static void wq_free(sq_store *s);

static void sq_close(store *base)
{
	sq_store *s = (sq_store *)base;
	wq_free(s);
	slab_unref(s->slab); /* every item written: the producer's reference */
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	ckpt_stop(s);
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->update);
	sqlite3_finalize(s->put_sample);
	sqlite3_finalize(s->bump_sample);
	sqlite3_finalize(s->put_sample_new);
	sqlite3_finalize(s->key_put);
	sqlite3_finalize(s->key_del);
	sqlite3_finalize(s->key_get);
	sqlite3_finalize(s->put_msg);
	sqlite3_finalize(s->put_port_day);
	sqlite3_close(s->db);
	if (s->wal_fd >= 0)
		close(s->wal_fd);
	for (int i = 0; i < 8; i++)
		buf_free(&s->tmp[i]);
	free(s);
}

static const store_ops sqlite_ops = {
	.name = "sqlite",
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.put_profile = sq_put,
	.put_sample = sq_put_sample,
	.find_capture = sq_find_capture,
	.add_capture = sq_add_capture,
	.get_profile = sq_get,
	.scan_profiles = sq_scan_profiles,
	.scan_samples = sq_scan_samples,
	.scan_captures = sq_scan_captures,
	.count_sources = sq_count,
	.count_key = sq_count_key,
	.scan_key_groups = sq_scan_key_groups,
	.scan_key_members = sq_scan_key_members,
	.put_message = sq_put_message,
	.scan_messages = sq_scan_messages,
	.scan_key_cooccur = sq_scan_key_cooccur,
	.put_port_day = sq_put_port_day,
	.scan_port_days = sq_scan_port_days,
	.port_day_span = sq_port_day_span,
	.close = sq_close,
};

/* A store on read-only media (an archive, a read-only mount) can only be
 * read if SQLite is told nobody writes it: a WAL store needs its -shm file
 * otherwise, and that cannot be created there. Only when the directory is
 * not writable and no -shm exists (so no writer has it open). */
static int open_immutable(sq_store *s, const char *path)
{
	char shm[4200], dir[4096], uri[8300];
	snprintf(shm, sizeof shm, "%s-shm", path);
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = 0;
	if (access(slash ? dir : ".", W_OK) == 0 || access(shm, F_OK) == 0)
		return -1;
	size_t n = (size_t)snprintf(uri, sizeof uri, "file:");
	for (const char *p = path; *p && n + 4 < sizeof uri; p++)
		n += (size_t)(strchr("%?#", *p) ? snprintf(uri + n, sizeof uri - n, "%%%02x", *p)
						 : snprintf(uri + n, sizeof uri - n, "%c", *p));
	snprintf(uri + n, sizeof uri - n, "?immutable=1");
	sqlite3_close(s->db);
	s->db = NULL;
	return sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
			       NULL) == SQLITE_OK ? 0 : -1;
}

/* The store file and its directory (where the WAL files go) must be
 * writable: say so before anything is read rather than fail at the end. */
static int store_writable(sq_store *s, const char *path, int exists)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = 0;
	const char *d = slash ? dir : ".";
	if ((exists && access(path, W_OK) < 0) || access(d, W_OK) < 0) {
		snprintf(s->base.err, sizeof s->base.err, "%s: %s",
			 exists ? "store is not writable" : "cannot create the store", strerror(errno));
		return -1;
	}
	return 0;
}

/* Process-wide settings, before SQLite's first use: no memory statistics
 * (nothing reads them, and keeping them takes a global mutex and two
 * counter updates on every allocation SQLite makes). */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

static int open_db(sq_store *s, const char *path, int mode)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	struct stat st;
	int exists = stat(path, &st) == 0;
	if (mode == STORE_READ && !exists) {
		snprintf(s->base.err, sizeof s->base.err,
			 "no store here (read a capture first: scanprint read FILE)");
		return -1;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		snprintf(s->base.err, sizeof s->base.err, "not a regular file");
		return -1;
	}
	if (mode == STORE_WRITE && store_writable(s, path, exists) < 0)
		return -1;
	/* one connection per thread: SQLite's own locking would be wasted */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (mode == STORE_WRITE ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		if (mode == STORE_READ) {
			sqlite3_close(s->db);
			s->db = NULL;
			if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
					    NULL) == SQLITE_OK)
				return 0;
		}
		int e = s->db ? sqlite3_system_errno(s->db) : 0;
		snprintf(s->base.err, sizeof s->base.err, "cannot open store: %s%s%s%s",
			 s->db ? sqlite3_errmsg(s->db) : "out of memory", e ? " (" : "",
			 e ? strerror(e) : "", e ? ")" : "");
		return -1;
	}
	if (mode == STORE_READ) {
		sqlite3_stmt *probe; /* can it be read as it is? */
		int rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master", -1, &probe, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(probe);
		sqlite3_finalize(probe);
		if ((rc & 0xff) == SQLITE_CANTOPEN && open_immutable(s, path) < 0) {
			snprintf(s->base.err, sizeof s->base.err, "cannot open store: %s",
				 s->db ? sqlite3_errmsg(s->db) : "out of memory");
			return -1;
		}
	}
	return 0;
}

store *store_sqlite_open(const char *path, int mode, char *err, size_t errlen)
{
	sq_store *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->gen = 1;
	s->wal_fd = -1;
	s->base.ops = &sqlite_ops;
	snprintf(s->base.where, sizeof s->base.where, "%s", path);
	for (int i = 0; i < 8; i++)
		buf_init(&s->tmp[i]);
	if (open_db(s, path, mode) < 0)
		goto fail;
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_extended_result_codes(s->db, 1);
	/* A new store uses SQLite's largest page: a flush writes each page to
	 * the WAL and later into the file, one system call each (two for a WAL
	 * frame), and 64 KiB pages make a sixteenth of the 4 KiB default's calls.
	 * On the 5M-packet bench the final flush took 0.70 s instead of 0.78 s
	 * (16 KiB pages) and 1.05 s (4 KiB). An existing store keeps its size. */
	exec(s, "PRAGMA page_size=65536");
	/* refuse a file that is not ours before changing anything in it (the
	 * journal mode is written into the file) */
	int version;
	if (schema_version(s, &version) < 0)
		goto fail;
	/* WAL: readers never block the writer; NORMAL sync is durable at each
	 * checkpoint and never corrupts on a crash. */
	if (exec(s, "PRAGMA journal_mode=WAL") < 0 && mode == STORE_WRITE) {
		snprintf(err, errlen, "cannot use as a store: %s", s->base.err);
		goto fail_quiet;
	}
	exec(s, "PRAGMA synchronous=NORMAL");
	/* 16 MiB of page cache. 64 MiB was slower everywhere it was measured
	 * (docs/benchmarks.md): every new 64 KiB buffer costs page faults on
	 * first touch, and a transaction's dirty pages stay in memory until the
	 * commit writes them all at once on the committing thread, where a
	 * smaller cache spills them to the WAL as it goes, on the writer thread,
	 * and reuses warm buffers. read of the bench capture -8.7 % wall and
	 * -12 % CPU, 43 MB less peak memory; campaigns --json 0.35 -> 0.19 s. */
	exec(s, "PRAGMA cache_size=-16384");
	/* Debian builds SQLite to zero deleted content by default. Nothing the
	 * store deletes is secret (a source's old profile and keys, replaced by
	 * their merge), and zeroing the space every page split frees cost the
	 * writer 2 % of its instructions. */
	exec(s, "PRAGMA secure_delete=OFF");
	if (migrate(s, mode) < 0 || prepare(s) < 0)
		goto fail;
	if (mode == STORE_WRITE)
		ckpt_start(s, path);
	return &s->base;
fail:
	snprintf(err, errlen, "%s", s->base.err);
fail_quiet:
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->update);
	sqlite3_finalize(s->put_sample);
	sqlite3_finalize(s->bump_sample);
	sqlite3_finalize(s->put_sample_new);
	sqlite3_finalize(s->key_put);
	sqlite3_finalize(s->key_del);
	sqlite3_finalize(s->key_get);
	sqlite3_finalize(s->put_msg);
	sqlite3_finalize(s->put_port_day);
	sqlite3_close(s->db);
	for (int i = 0; i < 8; i++)
		buf_free(&s->tmp[i]);
	free(s);
	return NULL;
}
