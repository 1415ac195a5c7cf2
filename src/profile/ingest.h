/* The pipeline: capture -> decode -> profile (+ analysers) -> store.
 *
 * One capture file is one store transaction: a file read whole (or up to a
 * cut) is committed with its record in `captures`; a file whose content was
 * already read is rolled back and reported as skipped; a failure leaves the
 * store as it was. When the table's memory passes the cap, profiles are
 * flushed into the open transaction early (they merge in the store). */
#ifndef SP_INGEST_H
#define SP_INGEST_H
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "decode/decode.h"
#include "store/store.h"

typedef struct ingest_opts {
	const char *sensor;      /* sensor name recorded with every profile */
	uint64_t mem_cap;        /* bytes of profile memory before a flush */
	int progress;            /* show progress on stderr */
	int flush_interval_s;    /* live: commit at least this often */
} ingest_opts;

typedef struct ingest_stats {
	uint64_t frames;         /* frames read */
	uint64_t ip_packets;     /* frames with an IP packet */
	uint64_t not_ip;         /* frames without one */
	uint64_t malformed;      /* IP packets with a malformed-header quirk */
	uint64_t bytes;          /* wire bytes */
	uint64_t sources;        /* profiles written */
	uint64_t early_flushes;  /* flushes forced by the memory cap */
	uint64_t peak_mem;       /* largest profile memory seen */
	uint64_t files_read, files_skipped, files_failed;
	double flush_s;          /* seconds spent writing to the store */
} ingest_stats;

typedef struct ingest ingest;

ingest *ingest_new(store *st, const ingest_opts *o);
void ingest_free(ingest *g);

/* Reads one capture file ("-" = stdin). Returns 0 when read (or skipped as
 * already read), 1 when it failed or was cut short: the message, naming the
 * file, has been printed on stderr. */
int ingest_file(ingest *g, const char *path);

/* Reads a live interface until *stop becomes non-zero (signal handler). */
int ingest_live(ingest *g, const char *iface, const char *filter, volatile sig_atomic_t *stop);

/* For sensors that build their own packets (the honeypot): observe one
 * packet, and commit what was seen so far. */
int ingest_begin(ingest *g);
void ingest_observe(ingest *g, const pkt_view *v);
int ingest_commit(ingest *g);

const ingest_stats *ingest_get_stats(const ingest *g);
/* Bytes of profile memory in use (sensors that observe packet by packet
 * commit early when it passes their cap). */
uint64_t ingest_mem(ingest *g);

#endif
