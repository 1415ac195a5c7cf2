/* The SQLite store: a profile written again merges with what is stored;
 * transactions; the captures that were read (found by content or by head
 * and size); samples within their cap; keys; listing order and filters;
 * files that are not scanprint stores are refused and left untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode/decode.h"
#include "profile/ptable.h"
#include "store/store.h"

static char dir[] = "/tmp/sp-test-store-XXXXXX";

static const char *path_of(const char *name)
{
	static char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static store *open_w(const char *name)
{
	char err[600];
	store *s = store_open(path_of(name), STORE_WRITE, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	return s;
}

static void make(profile *p, uint32_t ip, uint64_t packets, int64_t first, int64_t last)
{
	profile_init(p);
	addr_from_v4(p->ip, ip);
	p->packets = packets;
	p->bytes = packets * 60;
	p->first_ns = first;
	p->last_ns = last;
	dset_add(&p->targets, ip ^ 0xffff);
	dset_add(&p->dports, (17u << 16) | 5060);
	profile_add_sensor(p, "s1");
}

static void put(store *s, uint32_t ip, uint64_t packets, int64_t first, int64_t last)
{
	profile p;
	make(&p, ip, packets, first, last);
	assert_int_equal(store_put_profile(s, &p), 0);
	profile_free(&p);
}

static int get(store *s, uint32_t ip, profile *out)
{
	uint8_t a[16];
	addr_from_v4(a, ip);
	profile_init(out);
	return store_get_profile(s, a, out);
}

static void rewrite_merges(void **state)
{
	(void)state;
	store *s = open_w("merge.db");
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000001, 10, 500, 900);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	profile p;
	make(&p, 0x0a000001, 5, 100, 700);
	dset_add(&p.targets, 7);
	profile_add_sensor(&p, "s2");
	assert_int_equal(store_put_profile(s, &p), 0);
	profile_free(&p);
	/* a new source right after a merge (the writer then looks up first) */
	put(s, 0x0a000003, 3, 50, 60);
	assert_int_equal(store_commit(s), 0);
	profile g;
	assert_int_equal(get(s, 0x0a000003, &g), 1);
	assert_int_equal(g.packets, 3);
	assert_int_equal(g.first_ns, 50);
	profile_free(&g);
	assert_int_equal(get(s, 0x0a000001, &g), 1);
	assert_int_equal(g.packets, 15);
	assert_int_equal(g.bytes, 900);
	assert_int_equal(g.first_ns, 100);
	assert_int_equal(g.last_ns, 900);
	assert_int_equal(dset_count(&g.targets), 2);
	assert_int_equal(g.n_sensors, 2);
	profile_free(&g);
	uint64_t n;
	assert_int_equal(store_count_sources(s, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(get(s, 0x0a000002, &g), 0); /* not there */
	profile_free(&g);
	store_close(s);
	/* it is all still there after reopening */
	char err[600];
	s = store_open(path_of("merge.db"), STORE_READ, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(get(s, 0x0a000001, &g), 1);
	assert_int_equal(g.packets, 15);
	profile_free(&g);
	store_close(s);
}

static void rollback_forgets(void **state)
{
	(void)state;
	store *s = open_w("tx.db");
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000001, 10, 1, 2);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000001, 10, 1, 2);
	put(s, 0x0a000002, 1, 1, 2);
	assert_int_equal(store_rollback(s), 0);
	profile g;
	assert_int_equal(get(s, 0x0a000001, &g), 1);
	assert_int_equal(g.packets, 10);
	profile_free(&g);
	assert_int_equal(get(s, 0x0a000002, &g), 0);
	profile_free(&g);
	/* closing with a transaction open rolls it back too */
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000003, 1, 1, 2);
	store_close(s);
	s = open_w("tx.db");
	assert_int_equal(get(s, 0x0a000003, &g), 0);
	profile_free(&g);
	store_close(s);
}

/* A flush much larger than the writer's WAL writeback step (sqlite.c,
 * WAL_KICK_ITEMS): committed whole, or rolled back whole. */
static void large_flush_is_all_or_nothing(void **state)
{
	(void)state;
	enum { N = 20000 };
	store *s = open_w("large.db");
	assert_int_equal(store_begin(s), 0);
	for (uint32_t i = 0; i < N; i++)
		put(s, 0x0b000000 + i, 1 + i % 7, 10, 20);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	for (uint32_t i = 0; i < N; i++)
		put(s, 0x0c000000 + i, 1, 10, 20);
	assert_int_equal(store_rollback(s), 0);
	store_close(s);
	s = open_w("large.db");
	uint64_t n = 0;
	assert_int_equal(store_count_sources(s, &n), 0);
	assert_int_equal(n, N);
	profile g;
	assert_int_equal(get(s, 0x0b000000 + N - 1, &g), 1);
	assert_int_equal(g.packets, 1 + (N - 1) % 7);
	profile_free(&g);
	assert_int_equal(get(s, 0x0c000000, &g), 0);
	profile_free(&g);
	store_close(s);
}

static void captures_are_found_by_content_and_head(void **state)
{
	(void)state;
	store *s = open_w("cap.db");
	capture_rec r, out;
	memset(&r, 0, sizeof r);
	snprintf(r.path, sizeof r.path, "a.pcap");
	snprintf(r.status, sizeof r.status, "complete");
	r.head_hash = 0x8000000000000001ULL; /* beyond INT64_MAX: stored as a signed integer */
	r.content_hash = 0xfedcba9876543210ULL;
	r.raw_size = 4096;
	r.packets = 3;
	r.first_ns = 10;
	r.last_ns = 20;
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_add_capture(s, &r), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_find_capture(s, 0, -1, r.content_hash, &out), 1);
	assert_string_equal(out.path, "a.pcap");
	assert_int_equal(out.content_hash, r.content_hash);
	assert_int_equal(out.head_hash, r.head_hash);
	assert_int_equal(out.packets, 3);
	assert_int_equal(store_find_capture(s, 0, -1, 42, &out), 0);
	assert_int_equal(store_find_capture(s, r.head_hash, 4096, 0, &out), 1);
	assert_int_equal(store_find_capture(s, r.head_hash, 4097, 0, &out), 0);
	/* a stream (size unknown) is never recognised by its head alone */
	r.raw_size = -1;
	r.content_hash = 77;
	snprintf(r.path, sizeof r.path, "-");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_add_capture(s, &r), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_find_capture(s, r.head_hash, -1, 0, &out), 0);
	assert_int_equal(store_find_capture(s, 0, -1, 77, &out), 1);
	assert_string_equal(out.path, "-");
	store_close(s);
}

typedef struct order_ctx {
	int n;
	char ip[8][46];
	uint64_t packets[8];
} order_ctx;

static int collect(void *vctx, const profile *p)
{
	order_ctx *c = vctx;
	if (c->n < 8) {
		addr_str(p->ip, c->ip[c->n]);
		c->packets[c->n] = p->packets;
	}
	c->n++;
	return 0;
}

static void listing_order_and_filters(void **state)
{
	(void)state;
	store *s = open_w("list.db");
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000003, 5, 300, 400);
	put(s, 0x0a000001, 50, 200, 400);
	put(s, 0x0a000002, 500, 100, 400);
	profile p;
	make(&p, 0, 7, 50, 60);
	assert_int_equal(addr_parse("2001:db8::1", p.ip), 0);
	profile_add_sensor(&p, "v6-only");
	assert_int_equal(store_put_profile(s, &p), 0);
	profile_free(&p);
	assert_int_equal(store_commit(s), 0);
	source_query q = {0};
	order_ctx c = {0};
	assert_int_equal(store_scan_profiles(s, &q, collect, &c), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.packets[0], 500);
	assert_int_equal(c.packets[3], 5);
	q.order = SQ_ORDER_IP;
	memset(&c, 0, sizeof c);
	store_scan_profiles(s, &q, collect, &c);
	assert_string_equal(c.ip[0], "10.0.0.1");
	assert_string_equal(c.ip[2], "10.0.0.3");
	assert_string_equal(c.ip[3], "2001:db8::1"); /* IPv4 before IPv6 */
	q.order = SQ_ORDER_FIRST_SEEN;
	memset(&c, 0, sizeof c);
	store_scan_profiles(s, &q, collect, &c);
	assert_string_equal(c.ip[0], "2001:db8::1");
	assert_string_equal(c.ip[1], "10.0.0.2");
	q.limit = 2;
	memset(&c, 0, sizeof c);
	store_scan_profiles(s, &q, collect, &c);
	assert_int_equal(c.n, 2);
	q.limit = 0;
	q.sensor = "v6-only";
	memset(&c, 0, sizeof c);
	store_scan_profiles(s, &q, collect, &c);
	assert_int_equal(c.n, 1);
	q.sensor = "v6"; /* whole names only */
	memset(&c, 0, sizeof c);
	store_scan_profiles(s, &q, collect, &c);
	assert_int_equal(c.n, 0);
	q.sensor = NULL;
	q.tool = "nmap"; /* nothing attributed in the core alone */
	memset(&c, 0, sizeof c);
	store_scan_profiles(s, &q, collect, &c);
	assert_int_equal(c.n, 0);
	store_close(s);
}

static int count_samples(void *vctx, const payload_sample *m)
{
	int *n = vctx;
	assert_true(m->len > 0);
	(*n)++;
	return 0;
}

static void samples_are_capped(void **state)
{
	(void)state;
	store *s = open_w("samples.db");
	uint8_t ip[16];
	addr_from_v4(ip, 0x0a000009);
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000009, 1, 1, 1);
	payload_sample m;
	memset(&m, 0, sizeof m);
	m.data = (uint8_t *)"OPTIONS sip:100@x SIP/2.0";
	m.len = 25;
	m.count = 1;
	m.proto = 17;
	for (int i = 0; i < SAMPLES_PER_SOURCE; i++) { /* a flush has at most this many */
		m.key = 1000 + (uint64_t)i;
		assert_int_equal(store_put_sample(s, ip, &m), 0);
	}
	assert_int_equal(store_commit(s), 0);
	/* a later flush: the same key adds to its count, new keys stay out */
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000009, 1, 1, 1);
	m.key = 1000;
	m.count = 4;
	assert_int_equal(store_put_sample(s, ip, &m), 0);
	m.key = 5000;
	assert_int_equal(store_put_sample(s, ip, &m), 0);
	assert_int_equal(store_commit(s), 0);
	int n = 0;
	assert_int_equal(store_scan_samples(s, ip, count_samples, &n), 0);
	assert_int_equal(n, SAMPLES_PER_SOURCE);
	store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path_of("samples.db"), &db), SQLITE_OK);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT count FROM samples WHERE key = 1000", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 5);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* A source stored before, below its cap: a later flush's known sample adds
 * its count and keeps the earlier time, a new one is stored. */
static void samples_merge_on_later_flushes(void **state)
{
	(void)state;
	store *s = open_w("samples2.db");
	uint8_t ip[16];
	addr_from_v4(ip, 0x0a00000a);
	payload_sample m;
	memset(&m, 0, sizeof m);
	m.data = (uint8_t *)"OPTIONS sip:100@x SIP/2.0";
	m.len = 25;
	m.proto = 17;
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a00000a, 1, 1, 1);
	m.key = 7;
	m.count = 2;
	m.ts_ns = 500;
	assert_int_equal(store_put_sample(s, ip, &m), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a00000a, 1, 1, 1);
	m.count = 3;
	m.ts_ns = 100; /* earlier: it becomes the sample's time */
	assert_int_equal(store_put_sample(s, ip, &m), 0);
	m.key = 8;
	m.count = 1;
	m.ts_ns = 900;
	assert_int_equal(store_put_sample(s, ip, &m), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path_of("samples2.db"), &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT key, count, ts_ns FROM samples ORDER BY key",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 7);
	assert_int_equal(sqlite3_column_int(st, 1), 5);
	assert_int_equal(sqlite3_column_int64(st, 2), 100);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 8);
	assert_int_equal(sqlite3_column_int(st, 1), 1);
	assert_int_equal(sqlite3_column_int64(st, 2), 900);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static int count_group(void *vctx, const char *key, uint64_t n)
{
	int *c = vctx;
	if (*c == 0) {
		assert_string_equal(key, "192.168.1.9");
		assert_int_equal(n, 2);
	}
	(*c)++;
	return 0;
}

static int count_member(void *vctx, const profile *p)
{
	(void)p;
	(*(int *)vctx)++;
	return 0;
}

/* Keys come from analysers; the store answers the questions about them and
 * rewrites a source's keys with its profile. */
static void keys(void **state)
{
	(void)state;
	store *s = open_w("keys.db");
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000001, 1, 1, 1);
	put(s, 0x0a000002, 1, 1, 1);
	put(s, 0x0a000003, 1, 1, 1);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path_of("keys.db"), &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
			 "INSERT INTO source_keys SELECT 'sip.local', '192.168.1.9', ip"
			 " FROM sources WHERE ip_text IN ('10.0.0.1', '10.0.0.2');"
			 "INSERT INTO source_keys SELECT 'sip.local', '127.0.0.1', ip"
			 " FROM sources WHERE ip_text = '10.0.0.3';",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	s = open_w("keys.db");
	uint64_t n;
	assert_int_equal(store_count_key(s, "sip.local", "192.168.1.9", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_count_key(s, "sip.kit", "192.168.1.9", &n), 0);
	assert_int_equal(n, 0);
	int c = 0;
	assert_int_equal(store_scan_key_groups(s, "sip.local", 1, count_group, &c), 0);
	assert_int_equal(c, 2);
	c = 0;
	assert_int_equal(store_scan_key_groups(s, "sip.local", 2, count_group, &c), 0);
	assert_int_equal(c, 1);
	c = 0;
	assert_int_equal(store_scan_key_members(s, "sip.local", "192.168.1.9", count_member, &c),
			 0);
	assert_int_equal(c, 2);
	/* writing 10.0.0.1 again derives its keys anew (no analyser: none) */
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000001, 1, 1, 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_count_key(s, "sip.local", "192.168.1.9", &n), 0);
	assert_int_equal(n, 1);
	store_close(s);
}

static void corrupt_profile_is_reported(void **state)
{
	(void)state;
	store *s = open_w("corrupt.db");
	assert_int_equal(store_begin(s), 0);
	put(s, 0x0a000001, 1, 1, 1);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path_of("corrupt.db"), &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "UPDATE sources SET profile = x'01ffff'", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	s = open_w("corrupt.db");
	profile g;
	assert_int_equal(get(s, 0x0a000001, &g), -1);
	profile_free(&g);
	assert_non_null(strstr(store_error(s), "corrupt"));
	assert_non_null(strstr(store_error(s), "10.0.0.1"));
	/* writing onto it fails cleanly, leaving it as it was (writes are
	 * pipelined: the failure shows at the put or at the latest the commit) */
	assert_int_equal(store_begin(s), 0);
	profile p;
	make(&p, 0x0a000001, 1, 1, 1);
	int put_rc = store_put_profile(s, &p);
	profile_free(&p);
	if (put_rc == 0)
		assert_int_equal(store_commit(s), -1);
	store_rollback(s);
	source_query q = {0};
	int c = 0;
	assert_int_equal(store_scan_profiles(s, &q, count_member, &c), -1);
	assert_non_null(strstr(store_error(s), "corrupt"));
	store_close(s);
}

static void file_bytes(const char *path, uint8_t **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	*out = malloc(*n ? *n : 1);
	assert_int_equal(fread(*out, 1, *n, f), *n);
	fclose(f);
}

static void foreign_files_are_refused_untouched(void **state)
{
	(void)state;
	char err[600];
	/* another program's SQLite database */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path_of("other.db"), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE moz_places (id INTEGER, url TEXT);"
				      "INSERT INTO moz_places VALUES (1, 'https://example.org/');",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	uint8_t *before, *after;
	size_t nb, na;
	file_bytes(path_of("other.db"), &before, &nb);
	assert_null(store_open(path_of("other.db"), STORE_WRITE, err, sizeof err));
	assert_non_null(strstr(err, "not a scanprint store"));
	assert_null(store_open(path_of("other.db"), STORE_READ, err, sizeof err));
	assert_non_null(strstr(err, "not a scanprint store"));
	file_bytes(path_of("other.db"), &after, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb); /* not even switched to WAL */
	assert_int_equal(access(path_of("other.db-wal"), F_OK), -1);
	free(before);
	free(after);
	/* not a database at all */
	FILE *f = fopen(path_of("text.db"), "w");
	for (int i = 0; i < 100; i++)
		fputs("this is not a database, just some text that happens to be here\n", f);
	fclose(f);
	file_bytes(path_of("text.db"), &before, &nb);
	assert_null(store_open(path_of("text.db"), STORE_WRITE, err, sizeof err));
	assert_non_null(strstr(err, "not a"));
	assert_null(store_open(path_of("text.db"), STORE_READ, err, sizeof err));
	file_bytes(path_of("text.db"), &after, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	free(before);
	free(after);
	/* a store from a newer scanprint */
	store *s = open_w("newer.db");
	store_close(s);
	assert_int_equal(sqlite3_open(path_of("newer.db"), &db), SQLITE_OK);
	sqlite3_exec(db, "UPDATE meta SET value = 99 WHERE key = 'schema_version'", NULL, NULL,
		     NULL);
	sqlite3_close(db);
	assert_null(store_open(path_of("newer.db"), STORE_WRITE, err, sizeof err));
	assert_non_null(strstr(err, "newer"));
	/* reading where there is nothing, a directory, an empty new store */
	assert_null(store_open(path_of("none.db"), STORE_READ, err, sizeof err));
	assert_non_null(strstr(err, "no store here"));
	assert_int_equal(access(path_of("none.db"), F_OK), -1); /* not created by reading */
	assert_null(store_open(dir, STORE_WRITE, err, sizeof err));
	assert_non_null(strstr(err, "not a regular file"));
	assert_null(store_open(path_of("no/such/dir.db"), STORE_WRITE, err, sizeof err));
	assert_non_null(strstr(err, "cannot create the store: No such file"));
}

static void location(void **state)
{
	(void)state;
	unsetenv("SCANPRINT_DB");
	assert_string_equal(store_location(NULL), "scanprint.db");
	assert_string_equal(store_location(""), "scanprint.db");
	setenv("SCANPRINT_DB", "/var/lib/sp.db", 1);
	assert_string_equal(store_location(NULL), "/var/lib/sp.db");
	assert_string_equal(store_location("x.db"), "x.db");
	unsetenv("SCANPRINT_DB");
	char err[600];
	/* a ClickHouse location must name a host */
	assert_null(store_open("clickhouse://", STORE_WRITE, err, sizeof err));
	assert_true(err[0] != 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Checkpoints run on their own thread while the writer goes on: the store
 * file grows during a long session (the WAL is copied into it without the
 * writer's help), and after close every message is there, the WAL is gone
 * and the file is sound. */
static void checkpoints_in_background(void **state)
{
	(void)state;
	store *s = open_w("ckpt.db");
	static uint8_t data[3000];
	memset(data, 'x', sizeof data);
	sensor_msg m;
	memset(&m, 0, sizeof m);
	m.sensor = "hp";
	addr_from_v4(m.src, 0xc0000201);
	addr_from_v4(m.dst, 0xc0000202);
	m.sport = 5060;
	m.dport = 5060;
	m.proto = 17;
	m.data = data;
	m.len = m.wire_len = sizeof data;
	m.action = "replied";
	m.note = "";
	long before = file_size(path_of("ckpt.db"));
	int msgs = 0;
	for (int batch = 0; batch < 8; batch++) { /* 8 commits of about 4.5 MB */
		assert_int_equal(store_begin(s), 0);
		for (int i = 0; i < 1500; i++, msgs++) {
			m.ts_ns = msgs;
			assert_int_equal(store_put_message(s, &m), 0);
		}
		assert_int_equal(store_commit(s), 0);
	}
	long during = 0;
	/* up to 30 s: the checkpointer's fsyncs can wait long on a loaded machine */
	for (int i = 0; i < 600 && during < 8 * 1024 * 1024; i++) {
		during = file_size(path_of("ckpt.db"));
		usleep(50000);
	}
	assert_true(during >= 8 * 1024 * 1024); /* checkpointed while open */
	assert_true(during > before);
	store_close(s);
	char wal[300];
	snprintf(wal, sizeof wal, "%s-wal", path_of("ckpt.db"));
	assert_int_equal(access(wal, F_OK), -1);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path_of("ckpt.db"), &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), sum(length(data)) FROM messages",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), msgs);
	assert_int_equal(sqlite3_column_int64(st, 1),
			 (sqlite3_int64)msgs * (sqlite3_int64)sizeof data);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rewrite_merges),
	    cmocka_unit_test(rollback_forgets),
	    cmocka_unit_test(large_flush_is_all_or_nothing),
	    cmocka_unit_test(captures_are_found_by_content_and_head),
	    cmocka_unit_test(listing_order_and_filters),
	    cmocka_unit_test(samples_are_capped),
	    cmocka_unit_test(samples_merge_on_later_flushes),
	    cmocka_unit_test(keys),
	    cmocka_unit_test(corrupt_profile_is_reported),
	    cmocka_unit_test(foreign_files_are_refused_untouched),
	    cmocka_unit_test(location),
	    cmocka_unit_test(checkpoints_in_background),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
