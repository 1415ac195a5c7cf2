/* A capture read on its own thread: libpcap, decompression and the content
 * hash run on one core while the profile is built on another. Packets are
 * copied into batches; a small ring of batches connects the two threads. */
#ifndef SP_READER_H
#define SP_READER_H
#include <stdint.h>

#include "capture/capture.h"

#define READER_BATCH_PKTS 4096
#define READER_BATCH_BYTES (2048u << 10)
#define READER_RING 16 /* batches between the reader and its consumer */

typedef struct cap_batch {
	uint32_t n;                      /* packets in pkt[] */
	void *scratch;                   /* per-packet results of the prepare hook */
	int status;                      /* CAP_PACKET, or CAP_END/CAP_ERROR after these */
	uint64_t bytes_done;             /* raw bytes read when it was filled */
	uint64_t good_offset;            /* end of its last whole packet */
	cap_pkt pkt[READER_BATCH_PKTS];  /* data points into buf */
	uint8_t *buf;
} cap_batch;

typedef struct cap_reader cap_reader;

/* Work done on the reader's thread for each packet, after it was copied into
 * its batch: e.g. decoding it into out (scratch_size bytes per packet). */
typedef void (*cap_prepare_fn)(void *ctx, const cap_pkt *p, void *out);

/* Starts reading c on a new thread; prepare may be NULL. NULL if the thread
 * could not start. */
cap_reader *cap_reader_start(cap_source *c, cap_prepare_fn prepare, void *ctx,
			     size_t scratch_size);
/* Next filled batch (blocks; NULL at the end). Several may be held at once;
 * give them back with cap_reader_release() in the order they were taken. */
cap_batch *cap_reader_next(cap_reader *r);
/* The same, but waits at most ms milliseconds (a quiet live interface may
 * deliver nothing for ever): NULL with *timed_out set when it gave up. */
cap_batch *cap_reader_next_wait(cap_reader *r, int ms, int *timed_out);
void cap_reader_release(cap_reader *r, cap_batch *b);
/* Stops the thread (at any point) and frees the reader; c stays open. */
void cap_reader_stop(cap_reader *r);

#endif
