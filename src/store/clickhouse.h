/* The ClickHouse store: pieces shared by its files and its unit tests.
 *
 *   ch_url.c     clickhouse:// locations, SQL and URL escaping
 *   ch_native.c  the Native block format (inserts) and RowBinary reading
 *   ch_rows.c    a profile as a row of `source_parts`, and the merged row
 *                ClickHouse returns back into a profile
 *   ch_msg.c     a sensor message (the honeypot's) as a row of `messages`,
 *                and back
 *   ch_http.c    libcurl: queries, inserts, streamed results
 *   ch_spool.c   the on-disk spool of batches waiting to be sent
 *   ch_send.c    the schema, and the sender thread that empties the spool
 *   ch_read.c    the store operations that read
 *   clickhouse.c the store operations that write, opening and closing
 *
 * How it works (docs/clickhouse.md has the whole story): every transaction
 * (store_begin .. store_commit) is one batch, written to a spool file as
 * Native blocks. A sender sends each batch as one "part" (an attempt with a
 * fresh random id) and then a marker row in `batches`; only parts named by a
 * marker are ever read, one per batch, so a batch sent twice, or cut off
 * halfway, is never counted twice. Queries merge the per-part rows of a
 * source with ClickHouse aggregate functions. */
#ifndef SP_CLICKHOUSE_H
#define SP_CLICKHOUSE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decode/cursor.h"
#include "profile/profile.h"
#include "profile/analyzer.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/hash.h"

/* --- locations: clickhouse://[user[:password]@]host[:port]/database[?k=v&...] */

typedef struct ch_config {
	char host[256];
	int port;
	char db[64];
	char user[128];
	char password[256];
	char spool[512];    /* spool root ("" = default) */
	uint64_t spool_max; /* bytes the spool may hold */
	int timeout_s;	    /* per insert or statement (and "was it read?") */
	int connect_timeout_s;
	int fsync;	 /* fsync spool files before they count as written */
	char base[400];	 /* http://host:port/ */
	char where[512]; /* the location without the password, for messages */
} ch_config;

#define CH_DIR_MAX	     1000 /* the spool directory of a store */
#define CH_PATH_MAX	     1100 /* a file in it */
#define CH_DEFAULT_PORT	     8123
#define CH_DEFAULT_DB	     "scanprint"
#define CH_DEFAULT_SPOOL_MAX ((uint64_t)1 << 30)

/* 0, or -1 with a message naming what is wrong. */
int ch_parse_url(const char *url, ch_config *c, char *err, size_t errlen);
/* The location with any password replaced by "***" (for messages). */
void ch_redact_url(const char *url, char *out, size_t outlen);

/* SQL string literal: 'it\'s' (control bytes as \xHH). */
void ch_sql_str(buf *out, const char *s, size_t n);
/* A byte string as a SQL expression: unhex('0A0B..'). */
void ch_sql_bytes(buf *out, const uint8_t *p, size_t n);
/* Percent-encoding for a URL query parameter. */
void ch_url_escape(buf *out, const char *s, size_t n);

/* --- the Native format (what inserts are sent in) ----------------------- */

enum ch_kind {
	CH_FIXED = 0,	  /* width bytes per row (integers little-endian) */
	CH_STRING = 1,	  /* varint length + bytes */
	CH_ARR_FIXED = 2, /* Array of width-byte elements */
	CH_ARR_STRING = 3 /* Array(String) */
};

typedef struct ch_coldef {
	const char *name;
	const char *type; /* ClickHouse type, e.g. "Array(UInt32)" */
	uint8_t kind;
	uint8_t width;
} ch_coldef;

typedef struct ch_col {
	buf data;	/* values, or array elements */
	buf offs;	/* arrays: cumulative element counts, UInt64 LE */
	uint64_t nelem; /* arrays: elements so far */
} ch_col;

typedef struct ch_block {
	const ch_coldef *def;
	int ncols;
	ch_col *cols;
	uint64_t rows;
} ch_block;

int ch_block_init(ch_block *b, const ch_coldef *def, int ncols);
void ch_block_free(ch_block *b);
void ch_block_reset(ch_block *b);
/* Bytes the block takes when written. */
size_t ch_block_size(const ch_block *b);
/* Writes the block; *col_off (if not NULL) gets the offset, from the start
 * of what was written, of the data of column `col` (-1: none). */
void ch_block_write(const ch_block *b, buf *out, int col, uint64_t *col_off);
/* The same, to a function that takes the bytes. */
typedef void (*ch_sink)(void *ctx, const void *p, size_t n);
void ch_block_emit(const ch_block *b, ch_sink out, void *ctx, int col, uint64_t *col_off);
/* One memory failure poisons the block (its buffers' sticky flag). */
int ch_block_oom(const ch_block *b);

/* Values of the current row, column by column (any order). */
void ch_put_u8(ch_block *b, int col, uint8_t v);
void ch_put_u16(ch_block *b, int col, uint16_t v);
void ch_put_u32(ch_block *b, int col, uint32_t v);
void ch_put_u64(ch_block *b, int col, uint64_t v);
void ch_put_i64(ch_block *b, int col, int64_t v);
void ch_put_fixed(ch_block *b, int col, const void *p, size_t n);
void ch_put_str(ch_block *b, int col, const void *p, size_t n);
/* Array columns: add elements, then close the row's array. */
void ch_arr_add(ch_block *b, int col, const void *elem);
void ch_arr_add_str(ch_block *b, int col, const void *p, size_t n);
/* Many elements at once: UInt32, UInt16, UInt8 arrays. */
void ch_arr_add_u32s(ch_block *b, int col, const uint32_t *v, size_t n);
void ch_arr_add_u16s(ch_block *b, int col, const uint16_t *v, size_t n);
void ch_arr_add_bytes(ch_block *b, int col, const void *p, size_t n);
void ch_arr_end(ch_block *b, int col);
/* Every column has its value: the row is complete. */
void ch_row_end(ch_block *b);

void ch_le16(uint8_t *p, uint16_t v);
void ch_le32(uint8_t *p, uint32_t v);
void ch_le64(uint8_t *p, uint64_t v);

/* --- RowBinary (what queries return), read with the project's cursor --- */

uint16_t ch_rd_u16(cursor *c);
uint32_t ch_rd_u32(cursor *c);
uint64_t ch_rd_u64(cursor *c);
int64_t ch_rd_i64(cursor *c);
/* A String: points into the input; NULL (and the cursor short) if cut. */
const uint8_t *ch_rd_str(cursor *c, size_t *len);
/* An array's length, capped against what is left (corrupt input). */
uint64_t ch_rd_len(cursor *c, size_t elem_min);

/* --- the tables ----------------------------------------------------------- */

/* Sortable encodings of first-N samples: byte order is merge order, so
 * ClickHouse keeps the first N with arraySort + arraySlice. */
#define CH_IPID_BLOB  37
#define CH_SYN_BLOB   73
#define CH_SYN_KEY_AT 21 /* where the signature key starts in a SYN blob */
void ch_ipid_blob(const ipid_obs *o, int64_t bt, uint32_t seq, uint8_t i,
		  uint8_t out[CH_IPID_BLOB]);
void ch_ipid_unblob(const uint8_t in[CH_IPID_BLOB], ipid_obs *o);
void ch_syn_blob(const syn_sig *s, int64_t bt, uint32_t seq, uint8_t i, uint8_t out[CH_SYN_BLOB]);
/* -1 if the blob does not hold a valid signature. */
int ch_syn_unblob(const uint8_t in[CH_SYN_BLOB], syn_sig *s);

/* The sparse sketch of a distinct set that has no registers yet: one
 * idx << 8 | rank per exact value (sorted, distinct); n written to *n. */
size_t ch_dset_sparse(const dset *d, uint16_t *out);
/* Rebuilds a merged set from what ClickHouse merged: the smallest exact
 * values (ascending, at most DSET_EXACT), how many distinct exact values
 * the parts had in all, the element-wise max of their registers (0 or
 * DSET_HLL_M of them), and the largest rank per register of the sparse
 * sketches. 0, or -1 on corrupt input. */
int ch_dset_build(dset *d, const uint32_t *exact, size_t n, uint64_t distinct, const uint8_t *regs,
		  size_t nregs, const uint16_t *sparse, size_t nsparse);

/* Table of the per-part source rows. */
extern const ch_coldef ch_source_cols[];
extern const int ch_source_ncols;
enum { CH_COL_PART = 0 }; /* the attempt id: the first column of every table */
/* Appends profile p as a row (batch time bt, row number seq). */
void ch_source_row(ch_block *b, const profile *p, const char *sensor, int64_t bt, uint32_t seq);

extern const ch_coldef ch_sample_cols[];
extern const int ch_sample_ncols;
void ch_sample_row(ch_block *b, const uint8_t ip[16], const payload_sample *m, int64_t bt,
		   uint32_t ord);

extern const ch_coldef ch_key_cols[];
extern const int ch_key_ncols;
void ch_key_row(ch_block *b, const char *kind, const char *key, const uint8_t ip[16]);

extern const ch_coldef ch_capture_cols[];
extern const int ch_capture_ncols;
void ch_capture_row(ch_block *b, const capture_rec *c, int64_t bt, uint32_t seq);

/* Sensor messages (store.h's sensor_msg), one row each. */
extern const ch_coldef ch_msg_cols[];
extern const int ch_msg_ncols;
void ch_msg_row(ch_block *b, const sensor_msg *m, int64_t bt, uint32_t seq);
/* The SELECT list of a message, and its reader: 1 read (data and reply
 * point into the input; sensor, action and note into text, which is
 * reset), 0 need more input, -1 out of memory. */
void ch_msg_select(buf *sql);
int ch_msg_read(cursor *c, sensor_msg *m, buf *text);
extern const ch_coldef ch_port_day_cols[];
extern const int ch_port_day_ncols;
void ch_port_day_row(ch_block *b, const port_day *r, int64_t bt);

/* A distinct set as three columns from col on (X, X_hll, X_hv); the
 * SELECT list that merges them over a GROUP BY (column name d); and its
 * reader (1 read, 0 need more input, -1 corrupt). */
void ch_put_dset(ch_block *b, int col, const dset *d);
void ch_select_dset(buf *sql, const char *d);
int ch_read_dset(cursor *c, dset *d);

/* The merged-profile SELECT list (one row per source) and its reader. */
void ch_profile_select(buf *sql);
/* Reads one merged row into p (profile_init'ed). 1 read, 0 need more
 * input, -1 corrupt. */
int ch_profile_read(cursor *c, profile *p);

/* --- HTTP ----------------------------------------------------------------- */

typedef struct ch_http ch_http;
ch_http *ch_http_new(const ch_config *cfg);
void ch_http_free(ch_http *h);
/* Runs a statement that returns nothing much; the answer (if any) goes to
 * out (may be NULL). 0, or -1 with err filled; *transient is set when the
 * server could not be reached or timed out (worth retrying). */
int ch_http_exec(ch_http *h, const char *sql, buf *out, char *err, size_t errlen, int *transient);
/* INSERT INTO table FORMAT Native with the given body. */
int ch_http_insert(ch_http *h, const char *table, const uint8_t *body, size_t len, char *err,
		   size_t errlen, int *transient);
/* Streams the result of a query in RowBinary to `row`, which consumes as
 * many whole rows as it can from (p, n) and returns the bytes used, or
 * (size_t)-1 to stop, or (size_t)-2 on corrupt input. */
typedef size_t (*ch_rows_fn)(void *ctx, const uint8_t *p, size_t n);
/* timeout: seconds, 0 = none (a query over a big store takes what it takes) */
int ch_http_select(ch_http *h, const char *sql, long timeout, ch_rows_fn row, void *ctx, char *err,
		   size_t errlen);

/* --- the spool ------------------------------------------------------------ */

enum ch_table {
	CH_T_SOURCES = 0,
	CH_T_SAMPLES = 1,
	CH_T_KEYS = 2,
	CH_T_CAPTURES = 3,
	CH_T_MESSAGES = 4,
	CH_T_PORT_DAYS = 5,
	CH_T_COUNT = 6
};
extern const char *const ch_table_names[CH_T_COUNT];

typedef struct ch_spool_cap {
	uint64_t content_hash, head_hash;
	int64_t raw_size;
	char path[512];
} ch_spool_cap;

typedef struct ch_section {
	uint8_t table; /* enum ch_table */
	uint64_t rows;
	uint64_t part_off; /* offset of the attempt-id column data in the body */
	uint64_t off, len; /* the body, in the file */
} ch_section;

#define CH_SPOOL_SECTIONS_MAX 65536

/* A batch being written. */
typedef struct ch_spool_w {
	FILE *f;
	char tmp[CH_PATH_MAX], final[CH_PATH_MAX];
	uint64_t batch;
	int64_t bt;
	char sensor[32];
	uint64_t size;
	uint32_t nsec, capsec;
	ch_section *sec;
	uint32_t ncaps, capcap;
	ch_spool_cap *caps;
	hash_stream hash;
	int failed;
	char err[256];
} ch_spool_w;

int ch_spool_mkdir(const char *dir, char *err, size_t errlen);
/* 0, or -1 with w->err set (as for every writer function). */
int ch_spool_begin(ch_spool_w *w, const char *dir, uint64_t batch, int64_t bt, const char *sensor);
/* Appends a block as a section (the block is left untouched). */
int ch_spool_block(ch_spool_w *w, enum ch_table t, const ch_block *b);
void ch_spool_capture(ch_spool_w *w, const capture_rec *c);
/* Writes the index and makes the file visible to senders. */
int ch_spool_commit(ch_spool_w *w, int do_fsync);
void ch_spool_abort(ch_spool_w *w);

/* A batch read back (mapped privately: patching the ids never touches the
 * file). */
typedef struct ch_spool_r {
	uint8_t *map;
	size_t size;
	uint64_t batch;
	int64_t bt;
	char sensor[32];
	uint32_t nsec;
	ch_section *sec;
	uint32_t ncaps;
	ch_spool_cap *caps;
} ch_spool_r;

/* 0, or -1 when the file is not a whole, intact batch. */
int ch_spool_read(const char *path, ch_spool_r *r, int index_only, char *err, size_t errlen);
void ch_spool_close(ch_spool_r *r);
/* Sets the attempt id of every row of section i. */
void ch_spool_patch(ch_spool_r *r, uint32_t i, uint64_t part);

/* Spooled batches, oldest first, and the bytes they take; files left by
 * writers that died are removed on the way. */
typedef struct ch_spool_list {
	size_t n;
	char (*path)[CH_PATH_MAX];
	uint64_t bytes;
} ch_spool_list;
int ch_spool_scan(const char *dir, ch_spool_list *l);
void ch_spool_list_free(ch_spool_list *l);

/* --- the store ------------------------------------------------------------ */

#include <pthread.h>

#define CH_POOL 4 /* connections for queries made while a result is read */
/* 1: source_parts, sample_parts, key_parts, captures, batches
 * 2: messages (sensor messages: the honeypot) */
#define CH_SCHEMA_VERSION 3

/* Every source's keys, derived from merged profiles (ch_keys.c). */
typedef struct ch_keyidx ch_keyidx;

typedef struct ch_store {
	store base;
	ch_config cfg;
	int mode;
	char spool[CH_DIR_MAX];
	ch_http *pool[CH_POOL];
	int busy[CH_POOL];
	volatile int schema_ready;
	int version; /* the store's schema version, once known */
	/* the open batch */
	int in_tx;
	int implicit; /* opened by a write, not by store_begin */
	ch_spool_w w;
	ch_block blk[CH_T_COUNT];
	int64_t bt, last_bt;
	uint32_t seq, ord;
	int warned_find;
	int64_t find_down_until;
	/* the sender */
	pthread_t thread;
	int thread_on;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	uint64_t gen, done_gen; /* kicks asked for / covered by a finished pass */
	int last_ok;		/* the last pass emptied the spool */
	int outage;		/* sending fails since the last success */
	uint64_t sent_since;	/* batches sent since the outage began */
	int64_t opened_ns;	/* batches older than this were left by earlier runs */
	char last_err[300];
	ch_http *sender;
	int lock_fd;
	ch_keyidx *kidx; /* built on the first key operation, dropped by a write */
} ch_store;

/* clickhouse.c: helpers shared by the store's files */
/* Sets the store's error message; returns -1. */
int ch_fail(ch_store *s, const char *msg);
/* A connection for one query (CH_POOL at once: callbacks may query too). */
ch_http *ch_acquire(ch_store *s);
void ch_release(ch_store *s, ch_http *h);
/* Runs a SELECT, streaming RowBinary rows to fn; timeout 0 = none. */
int ch_select_within(ch_store *s, buf *sql, long timeout, ch_rows_fn fn, void *ctx);
int ch_select(ch_store *s, buf *sql, ch_rows_fn fn, void *ctx);
/* Appends the condition "part is one that readers see". */
void ch_valid(ch_store *s, buf *sql);
void ch_forget_keys(ch_store *s);

/* ch_read.c: the store operations that read */
int ch_find_capture(store *base, uint64_t head_hash, int64_t raw_size, uint64_t content_hash,
		    capture_rec *out);
int ch_scan_captures(store *base, store_capture_cb cb, void *ctx);
int ch_get(store *base, const uint8_t ip[16], profile *out);
int ch_scan_profiles(store *base, const source_query *q, store_profile_cb cb, void *ctx);
int ch_scan_samples(store *base, const uint8_t ip[16], store_sample_cb cb, void *ctx);
int ch_count(store *base, uint64_t *n);
int ch_scan_messages(store *base, const uint8_t ip[16], store_msg_cb cb, void *ctx);
int ch_scan_port_days(store *base, const port_day_query *q, store_port_day_cb cb, void *ctx);
int ch_port_day_span(store *base, int32_t *first, int32_t *last);

/* Merged profiles: SELECT <merged profile> FROM source_parts WHERE <valid>
 * <cond> GROUP BY ip <tail>, each to cb (which may stop: 0 returned). */
int ch_scan_merged(ch_store *s, const char *cond, const char *tail, store_profile_cb cb, void *ctx);

/* ch_keys.c: keys, from merged profiles */
int ch_count_key(store *base, const char *kind, const char *key, uint64_t *n);
int ch_scan_key_groups(store *base, const char *kind, uint64_t min_sources, store_key_cb cb,
		       void *ctx);
int ch_scan_key_members(store *base, const char *kind, const char *key, store_profile_cb cb,
			void *ctx);
int ch_scan_key_cooccur(store *base, const char *kind, const char *key, const char *other_kind,
			store_key_cb cb, void *ctx);
/* The sources that have (kind, key), sorted; *ips is the caller's to free. */
int ch_key_ips(ch_store *s, const char *kind, const char *key, uint8_t (**ips)[16], size_t *n);
/* One row (kind String, key String, ip FixedString(16)) of key_parts: 1,
 * 0 incomplete, -1 corrupt (a kind or key longer than any written). */
int ch_key_read(cursor *c, char kind[KEY_KIND_MAX], char key[KEY_TEXT_MAX], uint8_t ip[16]);
/* " AND ip IN (...)" */
void ch_sql_ip_list(buf *sql, const uint8_t (*ips)[16], size_t n);
void ch_keyidx_free(ch_keyidx *x);

/* ch_send.c */
int ch_schema_ensure(ch_store *s, ch_http *h, char *err, size_t errlen, int *transient);
int ch_schema_check(ch_store *s, ch_http *h, char *err, size_t errlen);
/* Sends what waits in the spool. 0: the spool is empty; 1: not now. */
int ch_drain(ch_store *s, ch_http *h);
int ch_sender_start(ch_store *s);
void ch_sender_kick(ch_store *s);
/* Waits until a pass that began after the last kick ends; then stops. */
void ch_sender_finish(ch_store *s);
int64_t ch_wall_ns(void);
uint64_t ch_random64(void);
/* "N batch(es), X MB" waiting in the spool. */
void ch_spool_status(ch_store *s, char *out, size_t outlen, uint64_t *bytes);

#endif
