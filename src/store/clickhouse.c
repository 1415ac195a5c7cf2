/* The ClickHouse store (clickhouse://): the store operations.
 *
 * Writes never wait for ClickHouse: a transaction becomes a batch in the
 * spool (ch_spool.c) and the sender thread (ch_send.c) moves it over.
 * Reads ask ClickHouse, which merges the rows of each source itself
 * (ch_rows.c); only the analysers' blobs are folded here, by their own C
 * merge functions. Every read looks only at parts `valid_parts` names. */
#include "store/clickhouse.h"

#include "decode/decode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK_ROWS  65536	/* rows per Native block */
#define BLOCK_BYTES (32u << 20) /* or bytes, whichever comes first */

int ch_fail(ch_store *s, const char *msg)
{
	snprintf(s->base.err, sizeof s->base.err, "%s", msg);
	return -1;
}

/* --- connections ------------------------------------------------------------- */

ch_http *ch_acquire(ch_store *s)
{
	for (int i = 0; i < CH_POOL; i++) {
		if (s->busy[i])
			continue;
		if (!s->pool[i] && !(s->pool[i] = ch_http_new(&s->cfg)))
			return NULL;
		s->busy[i] = 1;
		return s->pool[i];
	}
	return NULL;
}

void ch_release(ch_store *s, ch_http *h)
{
	for (int i = 0; i < CH_POOL; i++)
		if (s->pool[i] == h)
			s->busy[i] = 0;
}

/* Runs a SELECT, streaming RowBinary rows to fn. */
int ch_select_within(ch_store *s, buf *sql, long timeout, ch_rows_fn fn, void *ctx)
{
	ch_http *h = ch_acquire(s);
	if (!h)
		return ch_fail(s, "too many queries at once");
	buf_puts(sql, " FORMAT RowBinary");
	char err[400];
	int rc = ch_http_select(h, buf_cstr(sql), timeout, fn, ctx, err, sizeof err);
	ch_release(s, h);
	if (rc < 0)
		ch_fail(s, err);
	return rc;
}

int ch_select(ch_store *s, buf *sql, ch_rows_fn fn, void *ctx)
{
	return ch_select_within(s, sql, 0, fn, ctx);
}

void ch_valid(ch_store *s, buf *sql)
{
	buf_printf(sql, "part IN (SELECT part FROM %s.valid_parts)", s->cfg.db);
}

/* --- writing --------------------------------------------------------------------- */

static int open_batch(ch_store *s, int implicit)
{
	if (s->mode != STORE_WRITE)
		return ch_fail(s, "store opened for reading");
	/* Batch times order rows written by one process (messages are read
	 * in that order): they must grow even if the clock steps back. */
	s->bt = ch_wall_ns();
	if (s->bt <= s->last_bt)
		s->bt = s->last_bt + 1;
	s->last_bt = s->bt;
	if (ch_spool_begin(&s->w, s->spool, ch_random64(), s->bt, "") < 0)
		return ch_fail(s, s->w.err);
	for (int t = 0; t < CH_T_COUNT; t++)
		ch_block_reset(&s->blk[t]);
	s->seq = s->ord = 0;
	s->in_tx = 1;
	s->implicit = implicit;
	return 0;
}

static int ch_commit(store *base);

static int ch_begin(store *base)
{
	ch_store *s = (ch_store *)base;
	if (s->in_tx && !s->implicit)
		return 0;
	/* writes made outside a transaction are committed, as SQLite's are */
	if (s->in_tx && ch_commit(base) < 0)
		return -1;
	return open_batch(s, 0);
}

/* A write outside a transaction opens one that is committed at the next
 * begin or at close. */
static int need_tx(ch_store *s)
{
	return s->in_tx ? 0 : open_batch(s, 1);
}

/* Is there room in the spool for `need` more bytes? While the sender is
 * getting older batches out, waits for it; when ClickHouse does not take
 * them, or this batch alone is too large, the bound holds and the batch
 * fails as a whole. */
static int spool_room(ch_store *s, uint64_t need)
{
	uint64_t best = UINT64_MAX;
	for (int stuck = 0;; stuck++) {
		ch_spool_list l;
		if (ch_spool_scan(s->spool, &l) < 0)
			memset(&l, 0, sizeof l);
		uint64_t used = l.bytes, older = l.n;
		ch_spool_list_free(&l);
		if (used + s->w.size + need <= s->cfg.spool_max)
			return 0;
		if (used < best)
			best = used, stuck = 0;
		pthread_mutex_lock(&s->mu);
		int outage = s->outage;
		pthread_mutex_unlock(&s->mu);
		if (!older || outage || !s->thread_on || stuck >= s->cfg.timeout_s) {
			snprintf(
			    s->base.err, sizeof s->base.err,
			    "the spool %.300s is full: %llu older batch%s (%.1f MB) and this one"
			    " (%.1f MB so far) do not fit in %.1f MB (spool_max)%s",
			    s->spool, (unsigned long long)older, older == 1 ? "" : "es",
			    (double)used / 1e6, (double)(s->w.size + need) / 1e6,
			    (double)s->cfg.spool_max / 1e6,
			    older ? ", and ClickHouse is not taking batches" : "");
			return -1;
		}
		ch_sender_kick(s);
		sleep(1);
	}
}

static int spill(ch_store *s, enum ch_table t)
{
	ch_block *b = &s->blk[t];
	if (!b->rows)
		return 0;
	if (ch_block_oom(b))
		return ch_fail(s, "out of memory");
	if (spool_room(s, ch_block_size(b)) < 0)
		return -1;
	if (ch_spool_block(&s->w, t, b) < 0)
		return ch_fail(s, s->w.err);
	ch_block_reset(b);
	return 0;
}

static int maybe_spill(ch_store *s, enum ch_table t)
{
	ch_block *b = &s->blk[t];
	if (b->rows < BLOCK_ROWS && (b->rows & 255 || ch_block_size(b) < BLOCK_BYTES))
		return 0;
	return spill(s, t);
}

static int ch_put(store *base, const profile *p)
{
	ch_store *s = (ch_store *)base;
	if (need_tx(s) < 0)
		return -1;
	if (!s->w.sensor[0] && p->n_sensors)
		snprintf(s->w.sensor, sizeof s->w.sensor, "%s", p->sensors[0]);
	ch_source_row(&s->blk[CH_T_SOURCES], p, NULL, s->bt, s->seq++);
	key_list keys;
	profile_keys(p, &keys);
	for (int i = 0; i < keys.n; i++)
		ch_key_row(&s->blk[CH_T_KEYS], keys.k[i].kind, keys.k[i].key, p->ip);
	if (maybe_spill(s, CH_T_SOURCES) < 0 || maybe_spill(s, CH_T_KEYS) < 0)
		return -1;
	return 0;
}

static int ch_put_sample(store *base, const uint8_t ip[16], const payload_sample *m)
{
	ch_store *s = (ch_store *)base;
	if (need_tx(s) < 0)
		return -1;
	ch_sample_row(&s->blk[CH_T_SAMPLES], ip, m, s->bt, s->ord++);
	return maybe_spill(s, CH_T_SAMPLES);
}

static int ch_put_port_day(store *base, const port_day *r)
{
	ch_store *s = (ch_store *)base;
	if (need_tx(s) < 0)
		return -1;
	ch_port_day_row(&s->blk[CH_T_PORT_DAYS], r, s->bt);
	return maybe_spill(s, CH_T_PORT_DAYS);
}

static int ch_add_capture(store *base, const capture_rec *c)
{
	ch_store *s = (ch_store *)base;
	if (need_tx(s) < 0)
		return -1;
	if (!s->w.sensor[0])
		snprintf(s->w.sensor, sizeof s->w.sensor, "%s", c->sensor);
	ch_capture_row(&s->blk[CH_T_CAPTURES], c, s->bt, s->seq++);
	ch_spool_capture(&s->w, c);
	return s->w.failed ? ch_fail(s, s->w.err) : 0;
}

/* A sensor message joins the batch like any row: spooled with it, sent
 * with it, and read only once its part is valid. */
static int ch_put_message(store *base, const sensor_msg *m)
{
	ch_store *s = (ch_store *)base;
	if (need_tx(s) < 0)
		return -1;
	if (!s->w.sensor[0] && m->sensor)
		snprintf(s->w.sensor, sizeof s->w.sensor, "%s", m->sensor);
	ch_msg_row(&s->blk[CH_T_MESSAGES], m, s->bt, s->seq++);
	return maybe_spill(s, CH_T_MESSAGES);
}

void ch_forget_keys(ch_store *s)
{
	ch_keyidx_free(s->kidx);
	s->kidx = NULL;
}

static int ch_rollback(store *base)
{
	ch_store *s = (ch_store *)base;
	if (!s->in_tx)
		return 0;
	ch_spool_abort(&s->w);
	s->in_tx = 0;
	return 0;
}

static int ch_commit(store *base)
{
	ch_store *s = (ch_store *)base;
	if (!s->in_tx)
		return 0;
	for (int t = 0; t < CH_T_COUNT; t++)
		if (spill(s, t) < 0) {
			ch_rollback(base);
			return -1;
		}
	s->in_tx = 0;
	if (s->w.nsec == 0 && s->w.ncaps == 0) {
		ch_spool_abort(&s->w); /* nothing happened: nothing to send */
		return 0;
	}
	if (ch_spool_commit(&s->w, s->cfg.fsync) < 0) {
		ch_fail(s, s->w.err);
		ch_spool_abort(&s->w);
		return -1;
	}
	ch_forget_keys(s);
	ch_sender_kick(s);
	return 0;
}

/* --- opening and closing ---------------------------------------------------------------- */

static void ch_close(store *base)
{
	ch_store *s = (ch_store *)base;
	if (s->in_tx && s->implicit)
		ch_commit(base);
	if (s->in_tx)
		ch_rollback(base);
	if (s->thread_on) {
		ch_sender_finish(s);
		char st[96];
		uint64_t bytes;
		ch_spool_status(s, st, sizeof st, &bytes);
		if (bytes)
			fprintf(stderr,
				"scanprint: %s: %s wait in the spool %s; the next scanprint run"
				" against this store sends them\n",
				s->cfg.where, st, s->spool);
	}
	for (int t = 0; t < CH_T_COUNT; t++)
		ch_block_free(&s->blk[t]);
	for (int i = 0; i < CH_POOL; i++)
		ch_http_free(s->pool[i]);
	ch_forget_keys(s);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

/* Can uid:gid (and no other group: the honeypot drops them) do `want` (1
 * search, 2 write, 4 read) with the file st describes? */
static int may(const struct stat *st, unsigned uid, unsigned gid, unsigned want)
{
	unsigned mode = (unsigned)st->st_mode;
	unsigned bits = st->st_uid == uid ? mode >> 6 : st->st_gid == gid ? mode >> 3 : mode;
	return (bits & want) == want;
}

static int give_fail(ch_store *s, const char *dir, unsigned uid, const char *why)
{
	snprintf(s->base.err, sizeof s->base.err,
		 "the spool %.180s cannot be used by uid %u once root is dropped (%.160s):"
		 " give the store a spool it can reach (spool=DIR, or $SCANPRINT_SPOOL)",
		 dir, uid, why);
	return -1;
}

/* A sensor that drops root after opening the store (the honeypot) makes
 * its batches as the user it becomes: the spool directory and what waits
 * in it are given to that user, and every directory above it must let the
 * user through, or the sensor would find out only at its first commit. */
static int ch_give_to(store *base, unsigned uid, unsigned gid)
{
	ch_store *s = (ch_store *)base;
	char real[PATH_MAX], why[PATH_MAX + 64];
	if (s->mode != STORE_WRITE || !s->spool[0])
		return 0;
	if (!realpath(s->spool, real) || chown(real, uid, gid) < 0) {
		snprintf(why, sizeof why, "%s", strerror(errno));
		return give_fail(s, s->spool, uid, why);
	}
	DIR *d = opendir(real);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    fchownat(dirfd(d), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != ENOENT) { /* the sender may have just sent it */
			snprintf(why, sizeof why, "%s: %s", e->d_name, strerror(errno));
			closedir(d);
			return give_fail(s, real, uid, why);
		}
	if (d)
		closedir(d);
	/* "/", each directory below it, and the spool itself (read, write) */
	size_t n = strlen(real);
	for (size_t i = 0; i <= n; i++) {
		if (i && real[i] != '/' && real[i] != 0)
			continue;
		size_t end = i ? i : 1;
		char keep = real[end];
		real[end] = 0;
		struct stat st;
		int ok = stat(real, &st) == 0 && may(&st, uid, gid, i < n ? 1 : 7);
		if (!ok)
			snprintf(why, sizeof why, "%s is closed to it", real);
		real[end] = keep;
		if (!ok)
			return give_fail(s, real, uid, why);
	}
	return 0;
}

static const store_ops clickhouse_ops = {
    .name = "clickhouse",
    .begin = ch_begin,
    .commit = ch_commit,
    .rollback = ch_rollback,
    .put_profile = ch_put,
    .put_sample = ch_put_sample,
    .find_capture = ch_find_capture,
    .add_capture = ch_add_capture,
    .get_profile = ch_get,
    .scan_profiles = ch_scan_profiles,
    .scan_samples = ch_scan_samples,
    .scan_captures = ch_scan_captures,
    .count_sources = ch_count,
    .count_key = ch_count_key,
    .scan_key_groups = ch_scan_key_groups,
    .scan_key_members = ch_scan_key_members,
    .put_message = ch_put_message,
    .scan_messages = ch_scan_messages,
    .give_to = ch_give_to,
    .scan_key_cooccur = ch_scan_key_cooccur,
    .put_port_day = ch_put_port_day,
    .scan_port_days = ch_scan_port_days,
    .port_day_span = ch_port_day_span,
    .close = ch_close,
};

/* <spool>/<host>_<port>_<database>: one queue per store, so that batches
 * never go to another store than the one they were written for. */
static int spool_dir(ch_store *s, int create, char *err, size_t errlen)
{
	char root[600];
	const char *env = getenv("SCANPRINT_SPOOL");
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (s->cfg.spool[0])
		snprintf(root, sizeof root, "%s", s->cfg.spool);
	else if (env && *env)
		snprintf(root, sizeof root, "%s", env);
	else if (state && *state)
		snprintf(root, sizeof root, "%s/scanprint/spool", state);
	else if (home && *home)
		snprintf(root, sizeof root, "%s/.local/state/scanprint/spool", home);
	else
		snprintf(root, sizeof root, "/var/tmp/scanprint-spool-%u", (unsigned)getuid());
	char host[256];
	snprintf(host, sizeof host, "%s", s->cfg.host);
	for (char *p = host; *p; p++)
		if (*p == ':' || *p == '[' || *p == ']' || *p == '/')
			*p = '_';
	snprintf(s->spool, sizeof s->spool, "%s/%s_%d_%s", root, host, s->cfg.port, s->cfg.db);
	return create ? ch_spool_mkdir(s->spool, err, errlen) : 0;
}

static ch_store *new_store(const char *url, int mode, char *err, size_t errlen)
{
	ch_store *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.ops = &clickhouse_ops;
	s->mode = mode;
	s->lock_fd = -1;
	s->opened_ns = ch_wall_ns();
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (ch_parse_url(url, &s->cfg, err, errlen) < 0) {
		ch_close(&s->base);
		return NULL;
	}
	snprintf(s->base.where, sizeof s->base.where, "%s", s->cfg.where);
	for (int t = 0; t < CH_T_COUNT; t++) {
		static const ch_coldef *const defs[CH_T_COUNT] = {
		    ch_source_cols, ch_sample_cols, ch_key_cols, ch_capture_cols, ch_msg_cols,
		    ch_port_day_cols};
		const int n[CH_T_COUNT] = {ch_source_ncols,  ch_sample_ncols, ch_key_ncols,
					   ch_capture_ncols, ch_msg_ncols,    ch_port_day_ncols};
		if (ch_block_init(&s->blk[t], defs[t], n[t]) < 0) {
			snprintf(err, errlen, "out of memory");
			ch_close(&s->base);
			return NULL;
		}
	}
	return s;
}

/* Writers make the spool; readers only use one that is there. */
static int open_spool(ch_store *s, char *err, size_t errlen)
{
	int create = s->mode == STORE_WRITE;
	if (spool_dir(s, create, err, errlen) < 0)
		return -1;
	char lock[CH_PATH_MAX];
	snprintf(lock, sizeof lock, "%s/.send.lock", s->spool);
	s->lock_fd = open(lock, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
	if (s->lock_fd < 0) {
		snprintf(err, errlen, "cannot use the spool %s: %s", s->spool, strerror(errno));
		return -1;
	}
	return 0;
}

/* Readers first send what this machine's spool holds for the store, so that
 * answers include it; if that cannot be done they say what is missing. */
static void reader_drain(ch_store *s)
{
	char st[96];
	uint64_t bytes;
	ch_spool_status(s, st, sizeof st, &bytes);
	if (!bytes || s->lock_fd < 0)
		return;
	ch_http *h = ch_acquire(s);
	if (!h)
		return;
	int r = ch_drain(s, h);
	ch_release(s, h);
	if (r != 0) {
		ch_spool_status(s, st, sizeof st, &bytes);
		if (bytes)
			fprintf(stderr,
				"scanprint: %s: %s in the spool %s are not in ClickHouse yet; the"
				" answer leaves them out\n",
				s->cfg.where, st, s->spool);
	}
}

store *store_clickhouse_open(const char *url, int mode, char *err, size_t errlen)
{
	ch_store *s = new_store(url, mode, err, errlen);
	if (!s)
		return NULL;
	if (mode == STORE_WRITE) {
		/* ClickHouse may be down: the sensor works from the spool anyway,
		 * and the sender creates the schema when it can. A server that
		 * answers "no" (a wrong password, a newer schema) stops it here. */
		ch_http *h = ch_acquire(s);
		int transient = 1;
		if (h && ch_schema_ensure(s, h, err, errlen, &transient) < 0 && !transient) {
			ch_release(s, h);
			ch_close(&s->base);
			return NULL;
		}
		if (h)
			ch_release(s, h);
		err[0] = 0;
		if (open_spool(s, err, errlen) < 0 || ch_sender_start(s) < 0) {
			if (!err[0])
				snprintf(err, errlen, "cannot start the sender");
			ch_close(&s->base);
			return NULL;
		}
		return &s->base;
	}
	char serr[600];
	if (open_spool(s, serr, sizeof serr) == 0)
		reader_drain(s);
	ch_http *h = ch_acquire(s);
	int rc = h ? ch_schema_check(s, h, err, errlen) : -1;
	if (h)
		ch_release(s, h);
	if (rc < 0) {
		if (!h)
			snprintf(err, errlen, "out of memory");
		ch_close(&s->base);
		return NULL;
	}
	return &s->base;
}
