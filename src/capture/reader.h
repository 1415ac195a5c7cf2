/* A capture read on its own thread: libpcap, decompression and the content
 * hash run on one core while the profile is built on another. Packets are
 * copied into batches; a small ring of batches connects the two threads. */
#ifndef SP_READER_H
#define SP_READER_H
#include <stdint.h>

#include "capture/capture.h"

#define READER_BATCH_PKTS 1024
#define READER_BATCH_BYTES (512u << 10)

typedef struct cap_batch {
	uint32_t n;                      /* packets in pkt[] */
	int status;                      /* CAP_PACKET, or CAP_END/CAP_ERROR after these */
	uint64_t bytes_done;             /* raw bytes read when it was filled */
	uint64_t good_offset;            /* end of its last whole packet */
	cap_pkt pkt[READER_BATCH_PKTS];  /* data points into buf */
	uint8_t *buf;
} cap_batch;

typedef struct cap_reader cap_reader;

/* Starts reading c on a new thread. NULL if the thread could not start. */
cap_reader *cap_reader_start(cap_source *c);
/* Next filled batch (blocks). Give it back with cap_reader_release(). */
cap_batch *cap_reader_next(cap_reader *r);
/* The same, but waits at most ms milliseconds (a quiet live interface may
 * deliver nothing for ever): NULL with *timed_out set when it gave up. */
cap_batch *cap_reader_next_wait(cap_reader *r, int ms, int *timed_out);
void cap_reader_release(cap_reader *r, cap_batch *b);
/* Stops the thread (at any point) and frees the reader; c stays open. */
void cap_reader_stop(cap_reader *r);

#endif
