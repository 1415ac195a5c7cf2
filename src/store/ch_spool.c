/* The spool: batches written to local disk before they are sent, so that a
 * sensor keeps working while ClickHouse is down or slow, and nothing is
 * lost when either side stops halfway.
 *
 * One file per batch, named <batch time>-<batch id>.batch so that a listing
 * sorts oldest first:
 *
 *   "SPCHBAT1"
 *   Native blocks, one after another (the sections)
 *   index: batch, batch time, sensor, the sections (table, rows, where the
 *          attempt-id column is, offset, length), the captures in it (for
 *          "already read?" while they wait), a hash of everything before
 *   index length (u32), "SPCHEND1"
 *
 * A batch is written as .tmp-<id> (locked while its writer lives), synced,
 * and renamed: a .batch file is always whole. Senders read it back with a
 * private mapping, write each attempt's id into the mapped copy, and delete
 * the file once ClickHouse has its marker. */
#include "store/clickhouse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC	  "SPCHBAT1"
#define END_MAGIC "SPCHEND1"

const char *const ch_table_names[CH_T_COUNT] = {"source_parts", "sample_parts", "key_parts",
						"captures", "messages",
						"port_day_parts"};

static int werr(ch_spool_w *w, const char *what)
{
	snprintf(w->err, sizeof w->err, "%s: %s", what, strerror(errno));
	w->failed = 1;
	return -1;
}

int ch_spool_mkdir(const char *dir, char *err, size_t errlen)
{
	char tmp[CH_DIR_MAX];
	snprintf(tmp, sizeof tmp, "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot create the spool directory %s: %s", tmp, strerror(errno));
	return -1;
}

static int wr(ch_spool_w *w, const void *p, size_t n)
{
	if (w->failed)
		return -1;
	if (!n)
		return 0;
	if (fwrite(p, 1, n, w->f) != n)
		return werr(w, "writing the spool");
	hash_stream_update(&w->hash, p, n);
	w->size += n;
	return 0;
}

static void wr_sink(void *ctx, const void *p, size_t n)
{
	wr(ctx, p, n);
}

int ch_spool_begin(ch_spool_w *w, const char *dir, uint64_t batch, int64_t bt, const char *sensor)
{
	memset(w, 0, sizeof *w);
	hash_stream_init(&w->hash);
	w->batch = batch;
	w->bt = bt;
	snprintf(w->sensor, sizeof w->sensor, "%s", sensor ? sensor : "");
	snprintf(w->tmp, sizeof w->tmp, "%s/.tmp-%016llx", dir, (unsigned long long)batch);
	snprintf(w->final, sizeof w->final, "%s/%020lld-%016llx.batch", dir, (long long)bt,
		 (unsigned long long)batch);
	/* Made under another name, locked, then named .tmp-: the lock is held
	 * while we live, and a scan that can take it knows the writer died.
	 * (Locked under its final name, a scan could take it first.) */
	char fresh[CH_PATH_MAX];
	snprintf(fresh, sizeof fresh, "%s/.new-%016llx", dir, (unsigned long long)batch);
	int fd = open(fresh, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return werr(w, "creating a spool file");
	if (flock(fd, LOCK_EX) < 0 || rename(fresh, w->tmp) < 0) {
		close(fd);
		unlink(fresh);
		return werr(w, "creating a spool file");
	}
	w->f = fdopen(fd, "wb");
	if (!w->f) {
		close(fd);
		unlink(w->tmp);
		return werr(w, "creating a spool file");
	}
	setvbuf(w->f, NULL, _IOFBF, 1 << 20);
	return wr(w, MAGIC, 8);
}

int ch_spool_block(ch_spool_w *w, enum ch_table t, const ch_block *b)
{
	if (w->failed)
		return -1;
	if (w->nsec == w->capsec) {
		uint32_t nc = w->capsec ? w->capsec * 2 : 16;
		if (nc > CH_SPOOL_SECTIONS_MAX) {
			snprintf(w->err, sizeof w->err, "batch too large (more than %d blocks)",
				 CH_SPOOL_SECTIONS_MAX);
			w->failed = 1;
			return -1;
		}
		ch_section *ns = realloc(w->sec, nc * sizeof *ns);
		if (!ns)
			return werr(w, "spool index");
		w->sec = ns;
		w->capsec = nc;
	}
	ch_section *s = &w->sec[w->nsec];
	s->table = (uint8_t)t;
	s->rows = b->rows;
	s->off = w->size;
	if (ch_block_oom(b)) {
		errno = ENOMEM;
		return werr(w, "encoding a block");
	}
	ch_block_emit(b, wr_sink, w, CH_COL_PART, &s->part_off);
	if (w->failed)
		return -1;
	s->len = w->size - s->off;
	w->nsec++;
	return 0;
}

void ch_spool_capture(ch_spool_w *w, const capture_rec *c)
{
	if (w->ncaps == w->capcap) {
		uint32_t nc = w->capcap ? w->capcap * 2 : 4;
		ch_spool_cap *n = realloc(w->caps, nc * sizeof *n);
		if (!n) {
			errno = ENOMEM;
			werr(w, "spool index");
			return;
		}
		w->caps = n;
		w->capcap = nc;
	}
	ch_spool_cap *k = &w->caps[w->ncaps++];
	k->content_hash = c->content_hash;
	k->head_hash = c->head_hash;
	k->raw_size = c->raw_size;
	snprintf(k->path, sizeof k->path, "%s", c->path);
}

static void put64(buf *b, uint64_t v)
{
	uint8_t t[8];
	ch_le64(t, v);
	buf_put(b, t, 8);
}

static void put32(buf *b, uint32_t v)
{
	uint8_t t[4];
	ch_le32(t, v);
	buf_put(b, t, 4);
}

static void encode_index(ch_spool_w *w, buf *x)
{
	put64(x, w->batch);
	put64(x, (uint64_t)w->bt);
	size_t sl = strlen(w->sensor);
	buf_putc(x, (uint8_t)sl);
	buf_put(x, w->sensor, sl);
	put32(x, w->nsec);
	for (uint32_t i = 0; i < w->nsec; i++) {
		buf_putc(x, w->sec[i].table);
		put64(x, w->sec[i].rows);
		put64(x, w->sec[i].part_off);
		put64(x, w->sec[i].off);
		put64(x, w->sec[i].len);
	}
	put32(x, w->ncaps);
	for (uint32_t i = 0; i < w->ncaps; i++) {
		put64(x, w->caps[i].content_hash);
		put64(x, w->caps[i].head_hash);
		put64(x, (uint64_t)w->caps[i].raw_size);
		size_t pl = strlen(w->caps[i].path);
		buf_put(x, (uint8_t[]){(uint8_t)pl, (uint8_t)(pl >> 8)}, 2);
		buf_put(x, w->caps[i].path, pl);
	}
}

int ch_spool_commit(ch_spool_w *w, int do_fsync)
{
	if (w->failed)
		return -1;
	buf x;
	buf_init(&x);
	encode_index(w, &x);
	int bad = x.oom || wr(w, x.p, x.len) < 0;
	/* the hash covers everything before it, the index included */
	uint8_t tail[20];
	ch_le64(tail, hash_stream_final(&w->hash));
	ch_le32(tail + 8, (uint32_t)x.len + 8);
	memcpy(tail + 12, END_MAGIC, 8);
	bad = bad || wr(w, tail, sizeof tail) < 0;
	buf_free(&x);
	if (bad)
		return -1;
	if (fflush(w->f) != 0 || (do_fsync && fsync(fileno(w->f)) < 0))
		return werr(w, "writing the spool");
	if (rename(w->tmp, w->final) < 0)
		return werr(w, "renaming a spool file");
	if (do_fsync) {
		/* the rename itself must survive a crash too */
		char dir[CH_PATH_MAX];
		snprintf(dir, sizeof dir, "%s", w->final);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	fclose(w->f);
	w->f = NULL;
	free(w->sec);
	free(w->caps);
	w->sec = NULL;
	w->caps = NULL;
	return 0;
}

void ch_spool_abort(ch_spool_w *w)
{
	if (w->f) {
		fclose(w->f);
		unlink(w->tmp);
	}
	w->f = NULL;
	free(w->sec);
	free(w->caps);
	w->sec = NULL;
	w->caps = NULL;
	w->nsec = w->capsec = w->ncaps = w->capcap = 0;
}

/* --- reading ------------------------------------------------------------------ */

static int rerr(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s", path, what);
	return -1;
}

static int parse_index(ch_spool_r *r, cursor *c, size_t body_end)
{
	r->batch = ch_rd_u64(c);
	r->bt = ch_rd_i64(c);
	uint8_t sl = rd_u8(c);
	if (sl >= sizeof r->sensor)
		return -1;
	rd_bytes(c, r->sensor, sl);
	r->sensor[sl] = 0;
	r->nsec = ch_rd_u32(c);
	if (!rd_ok(c) || r->nsec > CH_SPOOL_SECTIONS_MAX || r->nsec > rd_left(c) / 33)
		return -1;
	r->sec = calloc(r->nsec + 1, sizeof *r->sec);
	if (!r->sec)
		return -1;
	for (uint32_t i = 0; i < r->nsec; i++) {
		ch_section *s = &r->sec[i];
		s->table = rd_u8(c);
		s->rows = ch_rd_u64(c);
		s->part_off = ch_rd_u64(c);
		s->off = ch_rd_u64(c);
		s->len = ch_rd_u64(c);
		if (s->table >= CH_T_COUNT || s->off < 8 || s->off > body_end ||
		    s->len > body_end - s->off || s->part_off > s->len ||
		    s->rows > (s->len - s->part_off) / 8)
			return -1;
	}
	r->ncaps = ch_rd_u32(c);
	if (!rd_ok(c) || r->ncaps > rd_left(c) / 26)
		return -1;
	r->caps = calloc(r->ncaps + 1, sizeof *r->caps);
	if (!r->caps)
		return -1;
	for (uint32_t i = 0; i < r->ncaps; i++) {
		ch_spool_cap *k = &r->caps[i];
		k->content_hash = ch_rd_u64(c);
		k->head_hash = ch_rd_u64(c);
		k->raw_size = ch_rd_i64(c);
		uint16_t pl = ch_rd_u16(c);
		if (pl >= sizeof k->path)
			return -1;
		rd_bytes(c, k->path, pl);
		k->path[pl] = 0;
	}
	return rd_ok(c) ? 0 : -1;
}

int ch_spool_read(const char *path, ch_spool_r *r, int index_only, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rerr(err, errlen, path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size < 8 + 12 + 8) {
		close(fd);
		return rerr(err, errlen, path, "not a whole batch (too short)");
	}
	r->size = (size_t)st.st_size;
	void *m = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return rerr(err, errlen, path, strerror(errno));
	r->map = m;
	const uint8_t *tail = r->map + r->size - 12;
	cursor tc = rd_init(tail, 4);
	uint32_t xlen = ch_rd_u32(&tc);
	if (memcmp(r->map, MAGIC, 8) || memcmp(tail + 4, END_MAGIC, 8) || xlen < 8 ||
	    xlen > r->size - 20)
		goto bad;
	size_t xstart = r->size - 12 - xlen;
	cursor c = rd_init(r->map + xstart, xlen - 8);
	if (parse_index(r, &c, xstart) < 0)
		goto bad;
	if (!index_only) {
		hash_stream h;
		hash_stream_init(&h);
		hash_stream_update(&h, r->map, xstart + xlen - 8);
		cursor hc = rd_init(r->map + xstart + xlen - 8, 8);
		if (hash_stream_final(&h) != ch_rd_u64(&hc))
			goto bad;
	}
	return 0;
bad:
	ch_spool_close(r);
	return rerr(err, errlen, path, "not a whole batch (damaged)");
}

void ch_spool_close(ch_spool_r *r)
{
	if (r->map)
		munmap(r->map, r->size);
	free(r->sec);
	free(r->caps);
	memset(r, 0, sizeof *r);
}

void ch_spool_patch(ch_spool_r *r, uint32_t i, uint64_t part)
{
	const ch_section *s = &r->sec[i];
	uint8_t *p = r->map + s->off + s->part_off;
	for (uint64_t k = 0; k < s->rows; k++)
		ch_le64(p + 8 * k, part);
}

/* --- listing ------------------------------------------------------------------ */

static int by_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* A .tmp file whose lock can be taken belongs to a writer that died. */
static void reap_tmp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		unlink(path);
	close(fd);
}

/* A .new file lives for a moment; one an hour old was left by a crash. */
static void reap_new(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && st.st_mtime + 3600 < time(NULL))
		unlink(path);
}

int ch_spool_scan(const char *dir, ch_spool_list *l)
{
	memset(l, 0, sizeof *l);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char path[CH_PATH_MAX];
		size_t nl = strlen(e->d_name);
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (!strncmp(e->d_name, ".tmp-", 5)) {
			reap_tmp(path);
			continue;
		}
		if (!strncmp(e->d_name, ".new-", 5)) {
			reap_new(path);
			continue;
		}
		if (nl < 7 || strcmp(e->d_name + nl - 6, ".batch"))
			continue;
		struct stat st;
		if (stat(path, &st) < 0)
			continue;
		if (l->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char(*np)[CH_PATH_MAX] = realloc(l->path, nc * sizeof *np);
			if (!np) {
				closedir(d);
				ch_spool_list_free(l);
				return -1;
			}
			l->path = np;
			cap = nc;
		}
		memcpy(l->path[l->n++], path, sizeof path);
		l->bytes += (uint64_t)st.st_size;
	}
	closedir(d);
	if (l->n)
		qsort(l->path, l->n, sizeof *l->path, by_name);
	return 0;
}

void ch_spool_list_free(ch_spool_list *l)
{
	free(l->path);
	memset(l, 0, sizeof *l);
}
