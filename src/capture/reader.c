#include "capture/reader.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING READER_RING

struct cap_reader {
	cap_source *c;
	cap_prepare_fn prepare;
	void *ctx;
	int live;
	size_t scratch_size;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_full, cv_free;
	cap_batch batch[RING];
	/* batches move free -> filling -> full -> taken -> free, in ring order;
	 * the consumer may hold several taken batches, and frees them in order */
	uint32_t head;  /* next batch the reader fills */
	uint32_t take;  /* next full batch the consumer takes */
	uint32_t tail;  /* next batch the consumer frees */
	uint32_t count; /* batches filled and not yet freed */
	uint32_t ready; /* batches filled and not yet taken */
	int stopping;
	int finished;
};

#define LIVE_HANDOVER_NS 100000000 /* a live batch waits at most 100 ms */

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fill(cap_reader *r, cap_batch *b)
{
	size_t used = 0;
	cap_pkt p;
	int rc = CAP_PACKET;
	/* a slow live interface must not hold packets back until a batch is full */
	int64_t deadline = r->live ? mono_ns() + LIVE_HANDOVER_NS : 0;
	b->n = 0;
	while (b->n < READER_BATCH_PKTS) {
		if (deadline && b->n && mono_ns() >= deadline)
			break;
		rc = cap_next(r->c, &p);
		if (rc == CAP_TIMEOUT)
			break; /* hand over what we have, even nothing: the consumer
				  checks for stop and for its flush interval */
		if (rc != CAP_PACKET)
			break;
		if (p.caplen > READER_BATCH_BYTES - used) /* only if larger than 64 KiB */
			p.caplen = (uint32_t)(READER_BATCH_BYTES - used);
		memcpy(b->buf + used, p.data, p.caplen);
		b->pkt[b->n] = p;
		b->pkt[b->n].data = b->buf + used;
		if (r->prepare)
			r->prepare(r->ctx, &b->pkt[b->n], (char *)b->scratch + b->n * r->scratch_size);
		used += p.caplen;
		b->n++;
		if (used + 65536 > READER_BATCH_BYTES)
			break; /* keep room for the largest packet */
	}
	b->status = (rc == CAP_PACKET || rc == CAP_TIMEOUT) ? CAP_PACKET : rc;
	b->bytes_done = cap_bytes_done(r->c);
	b->good_offset = cap_good_offset(r->c);
	return b->status;
}

static void *reader_main(void *arg)
{
	pthread_setname_np(pthread_self(), "sp-reader");
	cap_reader *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		while (r->count == RING && !r->stopping)
			pthread_cond_wait(&r->cv_free, &r->mu);
		if (r->stopping) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		cap_batch *b = &r->batch[r->head];
		pthread_mutex_unlock(&r->mu);
		int st = fill(r, b);
		pthread_mutex_lock(&r->mu);
		r->head = (r->head + 1) % RING;
		r->count++;
		r->ready++;
		pthread_cond_signal(&r->cv_full);
		pthread_mutex_unlock(&r->mu);
		if (st != CAP_PACKET)
			break;
	}
	pthread_mutex_lock(&r->mu);
	r->finished = 1;
	pthread_cond_signal(&r->cv_full);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

cap_reader *cap_reader_start(cap_source *c, cap_prepare_fn prepare, void *ctx,
			     size_t scratch_size)
{
	cap_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->c = c;
	r->prepare = prepare;
	r->ctx = ctx;
	r->live = cap_is_live(c);
	r->scratch_size = scratch_size;
	for (int i = 0; i < RING; i++) {
		r->batch[i].buf = malloc(READER_BATCH_BYTES);
		r->batch[i].scratch = scratch_size ? malloc(scratch_size * READER_BATCH_PKTS) : NULL;
		if (!r->batch[i].buf || (scratch_size && !r->batch[i].scratch))
			goto fail;
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv_full, NULL);
	pthread_cond_init(&r->cv_free, NULL);
	if (pthread_create(&r->thread, NULL, reader_main, r) != 0)
		goto fail;
	return r;
fail:
	for (int i = 0; i < RING; i++) {
		free(r->batch[i].buf);
		free(r->batch[i].scratch);
	}
	free(r);
	return NULL;
}

cap_batch *cap_reader_next_wait(cap_reader *r, int ms, int *timed_out)
{
	struct timespec until;
	int to = 0;
	if (ms >= 0) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ms / 1000;
		until.tv_nsec += (long)(ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&r->mu);
	while (r->ready == 0 && !r->finished && !to) {
		if (ms < 0)
			pthread_cond_wait(&r->cv_full, &r->mu);
		else
			to = pthread_cond_timedwait(&r->cv_full, &r->mu, &until) == ETIMEDOUT;
	}
	cap_batch *b = NULL;
	if (r->ready) {
		b = &r->batch[r->take];
		r->take = (r->take + 1) % RING;
		r->ready--;
		to = 0;
	}
	pthread_mutex_unlock(&r->mu);
	if (timed_out)
		*timed_out = to;
	return b;
}

cap_batch *cap_reader_next(cap_reader *r)
{
	return cap_reader_next_wait(r, -1, NULL);
}

void cap_reader_release(cap_reader *r, cap_batch *b)
{
	(void)b; /* batches are freed in the order they were taken */
	pthread_mutex_lock(&r->mu);
	r->tail = (r->tail + 1) % RING;
	r->count--;
	pthread_cond_signal(&r->cv_free);
	pthread_mutex_unlock(&r->mu);
}

void cap_reader_stop(cap_reader *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stopping = 1;
	pthread_cond_broadcast(&r->cv_free);
	pthread_mutex_unlock(&r->mu);
	cap_break(r->c);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv_full);
	pthread_cond_destroy(&r->cv_free);
	for (int i = 0; i < RING; i++) {
		free(r->batch[i].buf);
		free(r->batch[i].scratch);
	}
	free(r);
}
