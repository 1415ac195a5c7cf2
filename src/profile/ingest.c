#include "profile/ingest.h"

#include "capture/capture.h"
#include "capture/reader.h"
#include "profile/analyzer.h"
#include "profile/ptable.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ANALYZERS 8
#define CHECK_EVERY 65536 /* packets between memory / progress checks */
#define SHARDS 2          /* profiling threads; a source always goes to the same one */
#define MAX_LAG 8         /* batches the worker shard may be behind */

/* A shard profiles the sources whose hash falls to it, in its own table with
 * its own analyser instances: shards share nothing while profiling. */
typedef struct shard {
	ptable *t;
	void *an_state[MAX_ANALYZERS];
	uint64_t ip_packets, malformed; /* since they were last collected */
	uint64_t mem_pub;   /* memory in use, published after each batch (atomic) */
	int flush_pub;      /* a counter is near overflow (atomic) */
} shard;

/* The worker thread that runs shard 1 a few batches behind the caller. */
typedef struct worker {
	pthread_t thread;
	int running, stopping;
	pthread_mutex_t mu;
	pthread_cond_t cv_posted, cv_done;
	const cap_batch *queue[READER_RING];
	uint32_t posted, done; /* batches handed over / finished, ever */
} worker;

struct ingest {
	store *st;
	ingest_opts o;
	shard sh[SHARDS];
	int n_an;
	worker w;
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

static int shard_init(ingest *g, shard *h)
{
	h->t = ptable_new();
	if (!h->t)
		return -1;
	for (int i = 0; i < g->n_an; i++)
		h->an_state[i] = analyzer_list[i]->create ? analyzer_list[i]->create() : NULL;
	return 0;
}

static void shard_free(ingest *g, shard *h)
{
	for (int i = 0; i < g->n_an; i++)
		if (analyzer_list[i]->destroy)
			analyzer_list[i]->destroy(h->an_state[i]);
	ptable_free(h->t);
}

static void shard_clear(ingest *g, shard *h)
{
	ptable_clear(h->t);
	for (int i = 0; i < g->n_an; i++)
		if (analyzer_list[i]->clear)
			analyzer_list[i]->clear(h->an_state[i]);
}

static void clear_all(ingest *g)
{
	for (int k = 0; k < SHARDS; k++)
		shard_clear(g, &g->sh[k]);
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
	while (analyzer_list[g->n_an] && g->n_an < MAX_ANALYZERS)
		g->n_an++;
	for (int k = 0; k < SHARDS; k++) {
		if (shard_init(g, &g->sh[k]) < 0) {
			for (int j = 0; j < k; j++)
				shard_free(g, &g->sh[j]);
			free(g);
			return NULL;
		}
	}
	pthread_mutex_init(&g->w.mu, NULL);
	pthread_cond_init(&g->w.cv_posted, NULL);
	pthread_cond_init(&g->w.cv_done, NULL);
	return g;
}

void ingest_free(ingest *g)
{
	if (!g)
		return;
	for (int k = 0; k < SHARDS; k++)
		shard_free(g, &g->sh[k]);
	pthread_mutex_destroy(&g->w.mu);
	pthread_cond_destroy(&g->w.cv_posted);
	pthread_cond_destroy(&g->w.cv_done);
	free(g);
}

const ingest_stats *ingest_get_stats(const ingest *g)
{
	return &g->s;
}

/* Adds the shards' counters to the totals (only when no worker runs). */
static void collect(ingest *g)
{
	for (int k = 0; k < SHARDS; k++) {
		g->s.ip_packets += g->sh[k].ip_packets;
		g->f_ip += g->sh[k].ip_packets;
		g->s.malformed += g->sh[k].malformed;
		g->sh[k].ip_packets = g->sh[k].malformed = 0;
	}
}

static uint64_t shard_mem(ingest *g, shard *h)
{
	uint64_t m = ptable_mem(h->t);
	for (int i = 0; i < g->n_an; i++)
		if (analyzer_list[i]->mem)
			m += analyzer_list[i]->mem(h->an_state[i]);
	return m;
}

/* Called by the thread that runs the shard, after each batch. */
static void shard_publish(ingest *g, shard *h)
{
	__atomic_store_n(&h->mem_pub, shard_mem(g, h), __ATOMIC_RELAXED);
	__atomic_store_n(&h->flush_pub, ptable_needs_flush(h->t), __ATOMIC_RELAXED);
}

static uint64_t table_mem(ingest *g)
{
	uint64_t m = 0;
	for (int k = 0; k < SHARDS; k++)
		m += __atomic_load_n(&g->sh[k].mem_pub, __ATOMIC_RELAXED);
	return m;
}

static uint32_t table_sources(ingest *g)
{
	uint32_t n = 0;
	for (int k = 0; k < SHARDS; k++)
		n += ptable_count(g->sh[k].t);
	return n;
}

uint64_t ingest_mem(ingest *g)
{
	return table_mem(g);
}

static int needs_flush(ingest *g)
{
	for (int k = 0; k < SHARDS; k++)
		if (__atomic_load_n(&g->sh[k].flush_pub, __ATOMIC_RELAXED))
			return 1;
	return table_mem(g) >= g->o.mem_cap;
}

static void observe_analyzers(ingest *g, shard *h, uint32_t idx, const pkt_view *v)
{
	acc *a = ptable_at(h->t, idx);
	for (int i = 0; i < g->n_an; i++)
		analyzer_list[i]->observe(h->an_state[i], h->t, idx, a, v);
}

/* Sensors that build their own packets (the honeypot) use shard 0 alone. */
void ingest_observe(ingest *g, const pkt_view *v)
{
	shard *h = &g->sh[0];
	g->s.ip_packets++;
	g->f_ip++;
	if (v->quirks & QUIRK_MALFORMED)
		g->s.malformed++;
	uint32_t idx = ptable_observe(h->t, v);
	if (idx)
		observe_analyzers(g, h, idx, v);
	shard_publish(g, h);
}

/* Writes source idx of shard h (its profile, analysers' blobs, samples). */
static int flush_source(ingest *g, shard *h, uint32_t idx, int early)
{
	profile p;
	profile_init(&p);
	ptable_export_take(h->t, idx, &p);
	profile_add_sensor(&p, g->o.sensor);
	if (early)
		p.evictions = 1;
	for (int i = 0; i < g->n_an; i++)
		if (analyzer_list[i]->export)
			analyzer_list[i]->export(h->an_state[i], h->t, idx,
						 &p.ext[analyzer_list[i]->ext]);
	int rc = store_put_profile(g->st, &p);
	profile_free(&p);
	uint32_t ns;
	const payload_sample *sm = ptable_samples(h->t, idx, &ns);
	for (uint32_t j = 0; j < ns && rc == 0; j++)
		if (sm[j].data)
			rc = store_put_sample(g->st, ptable_at(h->t, idx)->ip, &sm[j]);
	return rc;
}

/* Writes every source of every shard in address order: the shards' sorted
 * record numbers are merged, so that the store's address-ordered indexes
 * (sources by address, samples, keys by address) are only appended to when
 * the sources are new, instead of being filled by one sweep per shard,
 * the second splitting pages the first left full. */
static int flush_sources(ingest *g, int early)
{
	uint32_t n[SHARDS], at[SHARDS], *order[SHARDS];
	int rc = 0;
	for (int k = 0; k < SHARDS; k++) {
		n[k] = ptable_count(g->sh[k].t);
		order[k] = ptable_sorted(g->sh[k].t); /* NULL (out of memory): record order */
		at[k] = 0;
	}
	while (rc == 0) {
		int best = -1;
		uint32_t best_idx = 0;
		const uint8_t *best_ip = NULL;
		for (int k = 0; k < SHARDS; k++) {
			if (at[k] == n[k])
				continue;
			uint32_t idx = order[k] ? order[k][at[k]] : at[k] + 1;
			const uint8_t *ip = ptable_at(g->sh[k].t, idx)->ip;
			if (best < 0 || memcmp(ip, best_ip, 16) < 0) {
				best = k;
				best_idx = idx;
				best_ip = ip;
			}
		}
		if (best < 0)
			break; /* every shard written */
		at[best]++;
		rc = flush_source(g, &g->sh[best], best_idx, early);
	}
	for (int k = 0; k < SHARDS; k++)
		free(order[k]);
	return rc;
}

/* Writes every profile of every shard into the open transaction and clears
 * the tables. `early`: forced by the memory cap, noted in each profile. Only
 * while no worker is profiling. */
static int flush_table(ingest *g, int early)
{
	double t0 = now_s();
	uint64_t mem = table_mem(g);
	if (mem > g->s.peak_mem)
		g->s.peak_mem = mem;
	int rc = flush_sources(g, early);
	for (int k = 0; k < SHARDS && rc == 0; k++) {
		shard *h = &g->sh[k];
		for (int i = 0; i < g->n_an && rc == 0; i++)
			if (analyzer_list[i]->flush)
				rc = analyzer_list[i]->flush(h->an_state[i], g->st);
	}
	for (int k = 0; k < SHARDS; k++) {
		shard *h = &g->sh[k];
		if (rc == 0)
			g->s.sources += ptable_count(h->t);
		shard_clear(g, h);
		shard_publish(g, h);
	}
	if (rc < 0)
		return -1;
	if (early) {
		g->s.early_flushes++;
		g->f_flushes++;
	}
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

static void note_batch(ingest *g, const cap_batch *b)
{
	for (uint32_t i = 0; i < b->n; i++) {
		const cap_pkt *p = &b->pkt[i];
		g->s.frames++;
		g->f_frames++;
		g->s.bytes += p->len;
		g->f_bytes += p->len;
		if (g->f_frames == 1 || p->ts_ns < g->f_first)
			g->f_first = p->ts_ns;
		if (g->f_frames == 1 || p->ts_ns > g->f_last)
			g->f_last = p->ts_ns;
	}
}

/* What the reader thread does for each packet: decode it and hash its
 * source, so that the profiling threads only look up and update. */
typedef struct prepared {
	pkt_view v;
	uint32_t hash;
	uint8_t ip; /* an IP packet was found */
} prepared;

typedef struct prepare_ctx {
	int dlt;
} prepare_ctx;

static void prepare_packet(void *vctx, const cap_pkt *p, void *out)
{
	const prepare_ctx *c = vctx;
	prepared *pr = out;
	pr->ip = (uint8_t)decode_packet(c->dlt, p->data, p->caplen, p->len, p->ts_ns, &pr->v);
	if (pr->ip)
		pr->hash = ptable_hash(&pr->v);
}

/* The shard of a source: the top bits of its hash (the table uses the low
 * bits, which stay evenly spread within a shard). */
static inline int shard_of(uint32_t hash)
{
	return SHARDS == 1 ? 0 : (int)(hash >> 31);
}

/* Profiles one shard's packets of a batch as a software pipeline: packet i
 * is updated while the memory of packets i+D, i+2D, i+3D, i+4D is on its way
 * (index slot, record, detail, set memory). Each stage has only D packets in
 * flight, so the prefetches fit the CPU's outstanding-miss capacity. */
#define PIPE_D 4

static void process_shard(ingest *g, int k, const cap_batch *b)
{
	shard *h = &g->sh[k];
	const prepared *pr = b->scratch;
	uint32_t mine[READER_BATCH_PKTS], idx[READER_BATCH_PKTS];
	uint32_t n = 0;
	for (uint32_t i = 0; i < b->n; i++)
		if (pr[i].ip && shard_of(pr[i].hash) == k)
			mine[n++] = i;
	for (uint32_t i = 0; i < n + 4 * PIPE_D; i++) {
		if (i < n) {
			ptable_prefetch_slot(h->t, pr[mine[i]].hash);
			/* the view was written on the reader's core: its address
			 * line (the lookup's), then the lines the update reads */
			__builtin_prefetch(pr[mine[i]].v.src);
		}
		if (i >= PIPE_D && i - PIPE_D < n) {
			const prepared *q = &pr[mine[i - PIPE_D]];
			uint32_t x = ptable_lookup(h->t, q->v.src, q->hash);
			idx[i - PIPE_D] = x;
			if (x)
				ptable_prefetch_record(h->t, x);
		}
		if (i >= 2 * PIPE_D && i - 2 * PIPE_D < n) {
			const char *vb = (const char *)&pr[mine[i - 2 * PIPE_D]].v;
			__builtin_prefetch(vb + 64);
			__builtin_prefetch(vb + 128);
			uint32_t x = idx[i - 2 * PIPE_D];
			if (x) {
				ptable_prefetch_detail(h->t, x);
				for (int a = 0; a < g->n_an; a++)
					if (analyzer_list[a]->prefetch)
						analyzer_list[a]->prefetch(h->an_state[a], x);
			}
		}
		if (i >= 3 * PIPE_D && i - 3 * PIPE_D < n && idx[i - 3 * PIPE_D]) {
			const pkt_view *v = &pr[mine[i - 3 * PIPE_D]].v;
			ptable_prefetch_sets(h->t, idx[i - 3 * PIPE_D], v);
			if (v->payload_len) { /* the analysers read it next */
				__builtin_prefetch(v->payload);
				if (v->payload_len > 64)
					__builtin_prefetch(v->payload + 64);
			}
		}
		if (i >= 4 * PIPE_D && i - 4 * PIPE_D < n) {
			const pkt_view *v = &pr[mine[i - 4 * PIPE_D]].v;
			uint32_t x = idx[i - 4 * PIPE_D];
			h->ip_packets++;
			if (v->quirks & QUIRK_MALFORMED)
				h->malformed++;
			if (x) {
				ptable_update(h->t, x, v);
				observe_analyzers(g, h, x, v);
			}
		}
	}
	shard_publish(g, h);
}

static void *worker_main(void *arg)
{
	pthread_setname_np(pthread_self(), "sp-shard1");
	ingest *g = arg;
	worker *w = &g->w;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (w->done == w->posted && !w->stopping)
			pthread_cond_wait(&w->cv_posted, &w->mu);
		if (w->done == w->posted) {
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		const cap_batch *b = w->queue[w->done % READER_RING];
		pthread_mutex_unlock(&w->mu);
		for (int k = 1; k < SHARDS; k++)
			process_shard(g, k, b);
		pthread_mutex_lock(&w->mu);
		w->done++;
		pthread_cond_signal(&w->cv_done);
		pthread_mutex_unlock(&w->mu);
	}
}

static int worker_start(ingest *g)
{
	worker *w = &g->w;
	w->posted = w->done = 0;
	w->stopping = 0;
	w->running = pthread_create(&w->thread, NULL, worker_main, g) == 0;
	return w->running ? 0 : -1;
}

/* Waits until the worker has finished every batch handed to it. */
static void worker_wait(ingest *g, uint32_t upto)
{
	worker *w = &g->w;
	pthread_mutex_lock(&w->mu);
	while (w->done < upto)
		pthread_cond_wait(&w->cv_done, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static void worker_stop(ingest *g)
{
	worker *w = &g->w;
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_signal(&w->cv_posted);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->running = 0;
}

/* Batches taken from the reader and not yet given back, oldest first. */
typedef struct held {
	cap_reader *r;
	cap_batch *b[READER_RING];
	uint32_t first, count; /* b[] is a ring; first = posted number of the oldest */
} held;

/* Gives back every held batch the worker has finished (in order). With
 * `all`, waits for the worker to finish them all. */
static void release_done(ingest *g, held *hd, int all)
{
	if (all && hd->count)
		worker_wait(g, hd->first + hd->count);
	pthread_mutex_lock(&g->w.mu);
	uint32_t done = g->w.done;
	pthread_mutex_unlock(&g->w.mu);
	while (hd->count && hd->first < done) {
		cap_reader_release(hd->r, hd->b[hd->first % READER_RING]);
		hd->first++;
		hd->count--;
	}
}

/* Profiles a batch: shard 0 here, the others on the worker. */
static void process_batch(ingest *g, held *hd, cap_batch *b)
{
	note_batch(g, b);
	const prepared *pr = b->scratch;
	for (uint32_t i = 0; i < b->n; i++)
		if (!pr[i].ip)
			g->s.not_ip++;
	if (hd->count >= MAX_LAG) /* the worker is far behind: wait for it */
		worker_wait(g, hd->first + hd->count - MAX_LAG / 2);
	release_done(g, hd, 0);
	worker *w = &g->w;
	pthread_mutex_lock(&w->mu);
	w->queue[w->posted % READER_RING] = b;
	hd->b[w->posted % READER_RING] = b;
	if (!hd->count)
		hd->first = w->posted;
	hd->count++;
	w->posted++;
	pthread_cond_signal(&w->cv_posted);
	pthread_mutex_unlock(&w->mu);
	process_shard(g, 0, b);
}

/* Every profiling thread is idle and every batch given back: the tables
 * may be flushed and the counters read. */
static void quiesce(ingest *g, held *hd)
{
	release_done(g, hd, 1);
	collect(g);
}

static cap_reader *start_reader(cap_source *c, prepare_ctx *pc, held *hd)
{
	pc->dlt = cap_datalink(c);
	memset(hd, 0, sizeof *hd);
	hd->r = cap_reader_start(c, prepare_packet, pc, sizeof(prepared));
	return hd->r;
}

/* The hot loop: batches from the reader thread. Returns CAP_END or
 * CAP_ERROR (a capture problem), or -2 when the store failed. */
static int read_loop(ingest *g, cap_source *c, const char *path, uint64_t *good_offset)
{
	prepare_ctx pc;
	held hd;
	if (worker_start(g) < 0)
		return CAP_ERROR;
	cap_reader *r = start_reader(c, &pc, &hd);
	if (!r) {
		worker_stop(g);
		return CAP_ERROR;
	}
	int rc = CAP_END;
	uint64_t since_check = 0;
	cap_batch *b;
	while ((b = cap_reader_next(r)) != NULL) {
		int st = b->status;
		*good_offset = b->good_offset;
		g->bytes_done = b->bytes_done;
		since_check += b->n;
		process_batch(g, &hd, b);
		if (st != CAP_PACKET) {
			rc = st;
			break;
		}
		if (since_check >= CHECK_EVERY) {
			since_check = 0;
			if (g->o.progress)
				progress(g, c, path, 0);
			if (needs_flush(g)) {
				quiesce(g, &hd);
				if (flush_table(g, 1) < 0) {
					rc = -2;
					break;
				}
			}
		}
	}
	quiesce(g, &hd);
	worker_stop(g);
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
	r->head_hash = cap_early_identity(c);
	r->raw_size = cap_size(c);
	r->packets = g->f_frames;
	r->ip_packets = g->f_ip;
	r->bytes = g->f_bytes;
	r->first_ns = g->f_first;
	r->last_ns = g->f_last;
	r->read_ns = wall_ns();
	r->sources = table_sources(g);
	r->flushes = g->f_flushes;
}

static void reset_file(ingest *g)
{
	g->f_frames = g->f_ip = g->f_bytes = g->f_flushes = 0;
	g->f_first = g->f_last = 0;
	g->t_start = g->t_last_progress = now_s();
}

/* Undoes the counts of a file whose reading was rolled back. */
static void forget_file(ingest *g, const ingest_stats *before)
{
	uint64_t read = g->s.files_read, skipped = g->s.files_skipped, failed = g->s.files_failed;
	double flush = g->s.flush_s;
	uint64_t peak = g->s.peak_mem;
	g->s = *before;
	g->s.files_read = read;
	g->s.files_skipped = skipped;
	g->s.files_failed = failed;
	g->s.flush_s = flush;
	g->s.peak_mem = peak;
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
	clear_all(g);
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
	uint64_t early = cap_early_identity(c);
	if (early) {
		int dup = store_find_capture(g->st, 0, -1, early, &old);
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
		forget_file(g, &before);
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
	if (dup < 0) {
		forget_file(g, &before);
		return store_failed(g, path);
	}
	if (dup) {
		forget_file(g, &before);
		store_rollback(g->st);
		clear_all(g);
		return already_read(g, path, &old);
	}
	rec.sources = table_sources(g);
	if (flush_table(g, 0) < 0 || store_add_capture(g->st, &rec) < 0 ||
	    store_commit(g->st) < 0) {
		forget_file(g, &before);
		return store_failed(g, path);
	}
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

/* After a stop: what the interface still delivers, and the half-filled
 * batch the reader holds, are profiled before the last commit. */
static void drain_live(ingest *g, cap_source *c, cap_reader *r, held *hd)
{
	cap_break(c);
	cap_batch *b;
	int quiet;
	while ((b = cap_reader_next_wait(r, 1000, &quiet)) != NULL) {
		int st = b->status, empty = b->n == 0;
		process_batch(g, hd, b);
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
	prepare_ctx pc;
	held hd;
	cap_reader *r = worker_start(g) == 0 ? start_reader(c, &pc, &hd) : NULL;
	if (!r) {
		fprintf(stderr, "scanprint: %s: cannot start the capture threads\n", iface);
		worker_stop(g);
		cap_close(c);
		return 1;
	}
	int ret = 0, done = 0;
	while (!done) {
		if (store_begin(g->st) < 0) {
			ret = store_failed(g, iface);
			break;
		}
		double until = now_s() + g->o.flush_interval_s;
		uint64_t since_check = 0;
		while (!*stop && now_s() < until) {
			int quiet;
			cap_batch *b = cap_reader_next_wait(r, 200, &quiet);
			if (!b && quiet)
				continue; /* nothing came: look at stop and the clock again */
			if (!b) {
				done = 1;
				break;
			}
			int st = b->status;
			since_check += b->n;
			process_batch(g, &hd, b);
			if (st == CAP_ERROR) {
				fprintf(stderr, "scanprint: %s: %s\n", iface, cap_error(c));
				ret = 1;
			}
			if (st != CAP_PACKET) {
				done = 1;
				break;
			}
			if (since_check >= CHECK_EVERY) {
				since_check = 0;
				if (needs_flush(g)) {
					quiesce(g, &hd);
					if (flush_table(g, 1) < 0) {
						ret = store_failed(g, iface);
						done = 2;
						break;
					}
				}
			}
		}
		if (done == 2)
			break;
		if (*stop) {
			done = 1;
			drain_live(g, c, r, &hd);
		}
		quiesce(g, &hd);
		if (ingest_commit(g) < 0) {
			ret = store_failed(g, iface);
			break;
		}
	}
	quiesce(g, &hd);
	worker_stop(g);
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
