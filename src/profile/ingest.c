#include "profile/ingest.h"

#include "capture/capture.h"
#include "capture/reader.h"
#include "profile/analyzer.h"
#include "profile/ptable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ANALYZERS 8
#define CHECK_EVERY 65536 /* packets between memory / progress checks */

struct ingest {
	store *st;
	ingest_opts o;
	ptable *t;
	void *an_state[MAX_ANALYZERS];
	int n_an;
	ingest_stats s;
	/* current file */
	uint64_t f_frames, f_ip, f_bytes, f_flushes;
	int64_t f_first, f_last;
	double t_start, t_last_progress;
	uint64_t bytes_done; /* raw bytes the reader had read, for progress */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

ingest *ingest_new(store *st, const ingest_opts *o)
{
	ingest *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->st = st;
	g->o = *o;
	if (!g->o.sensor || !*g->o.sensor)
		g->o.sensor = "default";
	if (!g->o.mem_cap)
		g->o.mem_cap = (uint64_t)1 << 30;
	if (!g->o.flush_interval_s)
		g->o.flush_interval_s = 60;
	g->t = ptable_new();
	if (!g->t) {
		free(g);
		return NULL;
	}
	for (int i = 0; analyzer_list[i] && g->n_an < MAX_ANALYZERS; i++)
		g->an_state[g->n_an++] = analyzer_list[i]->create ? analyzer_list[i]->create() : NULL;
	return g;
}

void ingest_free(ingest *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n_an; i++)
		if (analyzer_list[i]->destroy)
			analyzer_list[i]->destroy(g->an_state[i]);
	ptable_free(g->t);
	free(g);
}

const ingest_stats *ingest_get_stats(const ingest *g)
{
	return &g->s;
}

static uint64_t table_mem(ingest *g)
{
	uint64_t m = ptable_mem(g->t);
	for (int i = 0; i < g->n_an; i++)
		if (analyzer_list[i]->mem)
			m += analyzer_list[i]->mem(g->an_state[i]);
	return m;
}

static void observe_analyzers(ingest *g, uint32_t idx, const pkt_view *v)
{
	acc *a = ptable_at(g->t, idx);
	for (int i = 0; i < g->n_an; i++)
		analyzer_list[i]->observe(g->an_state[i], g->t, idx, a, v);
}

void ingest_observe(ingest *g, const pkt_view *v)
{
	g->s.ip_packets++;
	g->f_ip++;
	if (v->quirks & QUIRK_MALFORMED)
		g->s.malformed++;
	uint32_t idx = ptable_observe(g->t, v);
	if (!idx)
		return;
	acc *a = ptable_at(g->t, idx);
	for (int i = 0; i < g->n_an; i++)
		analyzer_list[i]->observe(g->an_state[i], g->t, idx, a, v);
}

/* Writes every profile in the table into the open transaction and clears
 * the table. `early`: forced by the memory cap, noted in each profile. */
static int flush_table(ingest *g, int early)
{
	double t0 = now_s();
	uint32_t n = ptable_count(g->t);
	uint64_t mem = table_mem(g);
	if (mem > g->s.peak_mem)
		g->s.peak_mem = mem;
	uint32_t *order = ptable_sorted(g->t);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t idx = order ? order[k] : k + 1;
		profile p;
		profile_init(&p);
		ptable_export(g->t, idx, &p);
		profile_add_sensor(&p, g->o.sensor);
		if (early)
			p.evictions = 1;
		for (int i = 0; i < g->n_an; i++)
			if (analyzer_list[i]->export)
				analyzer_list[i]->export(g->an_state[i], g->t, idx,
							 &p.ext[analyzer_list[i]->ext]);
		int rc = store_put_profile(g->st, &p);
		profile_free(&p);
		if (rc < 0) {
			free(order);
			return -1;
		}
		uint32_t ns;
		const payload_sample *sm = ptable_samples(g->t, idx, &ns);
		for (uint32_t j = 0; j < ns; j++)
			if (sm[j].data && store_put_sample(g->st, ptable_at(g->t, idx)->ip, &sm[j]) < 0) {
				free(order);
				return -1;
			}
	}
	free(order);
	g->s.sources += n;
	if (early) {
		g->s.early_flushes++;
		g->f_flushes++;
	}
	ptable_clear(g->t);
	for (int i = 0; i < g->n_an; i++)
		if (analyzer_list[i]->clear)
			analyzer_list[i]->clear(g->an_state[i]);
	g->s.flush_s += now_s() - t0;
	return 0;
}

static void fmt_bytes(double b, char *out, size_t n)
{
	const char *u[] = {"B", "KB", "MB", "GB", "TB"};
	int i = 0;
	while (b >= 1000 && i < 4) {
		b /= 1000;
		i++;
	}
	snprintf(out, n, "%.1f %s", b, u[i]);
}

static void progress(ingest *g, cap_source *c, const char *path, int final)
{
	double t = now_s();
	if (!final && t - g->t_last_progress < 0.25)
		return;
	g->t_last_progress = t;
	double el = t - g->t_start;
	double pps = el > 0 ? (double)g->f_frames / el : 0;
	char done[32], total[32];
	fmt_bytes((double)g->bytes_done, done, sizeof done);
	int64_t size = cap_size(c);
	if (size > 0) {
		double frac = (double)g->bytes_done / (double)size;
		double left = frac > 0 ? el / frac - el : 0;
		fmt_bytes((double)size, total, sizeof total);
		fprintf(stderr, "\r\033[K%s: %s of %s (%.0f%%), %.2f Mpps, %d:%02d left", path, done,
			total, frac * 100, pps / 1e6, (int)left / 60, (int)left % 60);
	} else {
		fprintf(stderr, "\r\033[K%s: %s, %.2f Mpps", path, done, pps / 1e6);
	}
	if (final)
		fprintf(stderr, "\r\033[K");
}

static void note_packet(ingest *g, const cap_pkt *p)
{
	g->s.frames++;
	g->f_frames++;
	g->s.bytes += p->len;
	g->f_bytes += p->len;
	if (g->f_frames == 1 || p->ts_ns < g->f_first)
		g->f_first = p->ts_ns;
	if (g->f_frames == 1 || p->ts_ns > g->f_last)
		g->f_last = p->ts_ns;
}

static int maybe_flush(ingest *g)
{
	if (table_mem(g) < g->o.mem_cap && !ptable_needs_flush(g->t))
		return 0;
	return flush_table(g, 1);
}

#define STEP 32 /* packets whose memory accesses overlap */

/* Decodes and profiles a run of up to STEP packets in stages, so that the
 * cache misses of different packets overlap instead of adding up. */
static void process_step(ingest *g, int dlt, const cap_pkt *pk, uint32_t n)
{
	static __thread pkt_view v[STEP];
	uint32_t hash[STEP], idx[STEP];
	uint8_t ip[STEP];
	for (uint32_t j = 0; j < n; j++) {
		note_packet(g, &pk[j]);
		ip[j] = (uint8_t)decode_packet(dlt, pk[j].data, pk[j].caplen, pk[j].len,
					       pk[j].ts_ns, &v[j]);
		if (!ip[j]) {
			g->s.not_ip++;
			continue;
		}
		hash[j] = ptable_hash(&v[j]);
		ptable_prefetch_slot(g->t, hash[j]);
	}
	for (uint32_t j = 0; j < n; j++) {
		if (!ip[j])
			continue;
		idx[j] = ptable_lookup(g->t, v[j].src, hash[j]);
		if (idx[j])
			ptable_prefetch_record(g->t, idx[j]);
	}
	for (uint32_t j = 0; j < n; j++)
		if (ip[j] && idx[j])
			ptable_prefetch_detail(g->t, idx[j]);
	for (uint32_t j = 0; j < n; j++)
		if (ip[j] && idx[j])
			ptable_prefetch_sets(g->t, idx[j], &v[j]);
	for (uint32_t j = 0; j < n; j++) {
		if (!ip[j])
			continue;
		g->s.ip_packets++;
		g->f_ip++;
		if (v[j].quirks & QUIRK_MALFORMED)
			g->s.malformed++;
		if (!idx[j])
			continue;
		ptable_update(g->t, idx[j], &v[j]);
		observe_analyzers(g, idx[j], &v[j]);
	}
}

/* The hot loop: batches from the reader thread. Returns CAP_END or
 * CAP_ERROR (a capture problem), or -2 when the store failed. */
static int read_loop(ingest *g, cap_source *c, const char *path, uint64_t *good_offset)
{
	int dlt = cap_datalink(c);
	cap_reader *r = cap_reader_start(c);
	if (!r)
		return CAP_ERROR;
	int rc = CAP_END;
	uint64_t since_check = 0;
	cap_batch *b;
	int noproc = getenv("SP_NOPROC") != NULL;
	while ((b = cap_reader_next(r)) != NULL) {
		for (uint32_t i = 0; !noproc && i < b->n; i += STEP)
			process_step(g, dlt, b->pkt + i, b->n - i < STEP ? b->n - i : STEP);
		int st = b->status;
		*good_offset = b->good_offset;
		g->bytes_done = b->bytes_done;
		since_check += b->n;
		cap_reader_release(r, b);
		if (st != CAP_PACKET) {
			rc = st;
			break;
		}
		if (since_check >= CHECK_EVERY) {
			since_check = 0;
			if (maybe_flush(g) < 0) {
				rc = -2;
				break;
			}
			if (g->o.progress)
				progress(g, c, path, 0);
		}
	}
	cap_reader_stop(r);
	return rc;
}

static void fill_capture(ingest *g, cap_source *c, const char *path, capture_rec *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->path, sizeof r->path, "%s", path);
	snprintf(r->sensor, sizeof r->sensor, "%s", g->o.sensor);
	snprintf(r->format, sizeof r->format, "%s", cap_format(c));
	snprintf(r->compression, sizeof r->compression, "%s", cap_compression(c));
	snprintf(r->status, sizeof r->status, "complete");
	r->linktype = cap_datalink(c);
	r->head_hash = cap_head_hash(c);
	r->raw_size = cap_size(c);
	r->packets = g->f_frames;
	r->ip_packets = g->f_ip;
	r->bytes = g->f_bytes;
	r->first_ns = g->f_first;
	r->last_ns = g->f_last;
	r->read_ns = wall_ns();
	r->sources = ptable_count(g->t);
	r->flushes = g->f_flushes;
}

static void reset_file(ingest *g)
{
	g->f_frames = g->f_ip = g->f_bytes = g->f_flushes = 0;
	g->f_first = g->f_last = 0;
	g->t_start = g->t_last_progress = now_s();
}

static int already_read(ingest *g, const char *path, const capture_rec *old)
{
	fprintf(stderr, "scanprint: %s: already read (same content as %s); skipped\n", path,
		old->path);
	g->s.files_skipped++;
	return 0;
}

static int store_failed(ingest *g, const char *path)
{
	fprintf(stderr, "scanprint: %s: %s: %s; nothing from this file was stored\n", path,
		g->st->where, store_error(g->st));
	store_rollback(g->st);
	ptable_clear(g->t);
	for (int i = 0; i < g->n_an; i++)
		if (analyzer_list[i]->clear)
			analyzer_list[i]->clear(g->an_state[i]);
	g->s.files_failed++;
	return 1;
}

int ingest_file(ingest *g, const char *path)
{
	char err[512];
	capture_rec rec, old;
	ingest_stats before = g->s;
	reset_file(g);
	cap_source *c = cap_open_file(path, err, sizeof err);
	if (!c) {
		fprintf(stderr, "scanprint: %s: %s\n", path, err);
		g->s.files_failed++;
		return 1;
	}
	if (cap_size(c) >= 0) {
		int dup = store_find_capture(g->st, cap_head_hash(c), cap_size(c), 0, &old);
		if (dup < 0) {
			cap_close(c);
			return store_failed(g, path);
		}
		if (dup) {
			cap_close(c);
			return already_read(g, path, &old);
		}
	}
	if (store_begin(g->st) < 0) {
		cap_close(c);
		return store_failed(g, path);
	}
	uint64_t good_offset = 0;
	int rc = read_loop(g, c, path, &good_offset);
	if (g->o.progress)
		progress(g, c, path, 1);
	if (rc == -2) {
		cap_close(c);
		return store_failed(g, path);
	}
	fill_capture(g, c, path, &rec);
	int cut = rc == CAP_ERROR;
	if (cut) {
		snprintf(rec.status, sizeof rec.status, "truncated");
		fprintf(stderr,
			"scanprint: %s: capture cut short at byte %llu (%s); kept the %llu packets before it\n",
			path, (unsigned long long)good_offset, cap_error(c),
			(unsigned long long)g->f_frames);
	}
	rec.content_hash = cap_content_hash(c);
	cap_close(c);
	int dup = store_find_capture(g->st, 0, -1, rec.content_hash, &old);
	if (dup < 0)
		return store_failed(g, path);
	if (dup) {
		/* nothing of it counts: not in the store, not in the summary */
		g->s.frames = before.frames;
		g->s.ip_packets = before.ip_packets;
		g->s.not_ip = before.not_ip;
		g->s.malformed = before.malformed;
		g->s.bytes = before.bytes;
		g->s.early_flushes = before.early_flushes;
		store_rollback(g->st);
		ptable_clear(g->t);
		for (int i = 0; i < g->n_an; i++)
			if (analyzer_list[i]->clear)
				analyzer_list[i]->clear(g->an_state[i]);
		return already_read(g, path, &old);
	}
	rec.sources = ptable_count(g->t);
	if (flush_table(g, 0) < 0 || store_add_capture(g->st, &rec) < 0 || store_commit(g->st) < 0)
		return store_failed(g, path);
	g->s.files_read++;
	if (cut)
		g->s.files_failed++;
	return cut ? 1 : 0;
}

int ingest_begin(ingest *g)
{
	reset_file(g);
	return store_begin(g->st);
}

int ingest_commit(ingest *g)
{
	if (flush_table(g, 0) < 0 || store_commit(g->st) < 0) {
		store_rollback(g->st);
		return -1;
	}
	return 0;
}

/* Stopping: what the reader already took from the interface is profiled
 * too (a half-filled batch would be lost otherwise). */
static void drain_live(ingest *g, cap_source *c, cap_reader *r, int dlt)
{
	cap_break(c);
	cap_batch *b;
	int quiet;
	while ((b = cap_reader_next_wait(r, 1000, &quiet)) != NULL) {
		for (uint32_t i = 0; i < b->n; i += STEP)
			process_step(g, dlt, b->pkt + i, b->n - i < STEP ? b->n - i : STEP);
		int st = b->status, empty = b->n == 0;
		cap_reader_release(r, b);
		if (st != CAP_PACKET || empty) /* the end, or the interface had no more */
			break;
	}
}

int ingest_live(ingest *g, const char *iface, const char *filter, volatile sig_atomic_t *stop)
{
	char err[512];
	cap_source *c = cap_open_live(iface, filter, err, sizeof err);
	if (!c) {
		fprintf(stderr, "scanprint: %s: %s\n", iface, err);
		return 1;
	}
	reset_file(g);
	cap_reader *r = cap_reader_start(c);
	if (!r) {
		fprintf(stderr, "scanprint: %s: cannot start the capture thread\n", iface);
		cap_close(c);
		return 1;
	}
	int dlt = cap_datalink(c);
	int ret = 0, done = 0;
	while (!done) {
		if (store_begin(g->st) < 0) {
			ret = store_failed(g, iface);
			break;
		}
		double until = now_s() + g->o.flush_interval_s;
		while (!*stop && now_s() < until) {
			int quiet;
			cap_batch *b = cap_reader_next_wait(r, 200, &quiet);
			if (!b && quiet)
				continue; /* nothing came: look at stop and the clock again */
			if (!b) {
				done = 1;
				break;
			}
			for (uint32_t i = 0; i < b->n; i += STEP)
				process_step(g, dlt, b->pkt + i, b->n - i < STEP ? b->n - i : STEP);
			int st = b->status;
			cap_reader_release(r, b);
			if (st == CAP_ERROR) {
				fprintf(stderr, "scanprint: %s: %s\n", iface, cap_error(c));
				ret = 1;
			}
			if (st != CAP_PACKET) {
				done = 1;
				break;
			}
			if (table_mem(g) >= g->o.mem_cap && flush_table(g, 1) < 0) {
				ret = store_failed(g, iface);
				done = 2;
				break;
			}
		}
		if (done == 2)
			break;
		if (*stop) {
			done = 1;
			drain_live(g, c, r, dlt);
		}
		if (ingest_commit(g) < 0) {
			ret = store_failed(g, iface);
			break;
		}
	}
	cap_reader_stop(r);
	capture_rec rec;
	fill_capture(g, c, iface, &rec);
	snprintf(rec.status, sizeof rec.status, "%s", *stop ? "interrupted" : "complete");
	rec.content_hash = (uint64_t)wall_ns(); /* a live session is never a duplicate */
	rec.sources = g->s.sources;
	uint64_t dropped = cap_dropped(c);
	if (dropped)
		fprintf(stderr, "scanprint: %s: the kernel dropped %llu packets\n", iface,
			(unsigned long long)dropped);
	if (store_begin(g->st) < 0 || store_add_capture(g->st, &rec) < 0 || store_commit(g->st) < 0)
		ret = store_failed(g, iface);
	cap_close(c);
	return ret;
}
