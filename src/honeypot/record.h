/* What the honeypot keeps of what it saw, away from the network loop.
 *
 * The network loop answers; the recorder thread remembers. The loop writes
 * one record per event (a message with the reply sent, a TCP SYN, a
 * connection opening or closing, statistics) into batches that a bounded
 * pipe carries to the recorder. The recorder feeds every message to the
 * same pipeline as captures (a pkt_view to ingest_observe, so attribution
 * applies and profiles carry --sensor), stores it whole (store_put_message)
 * and writes the JSON Lines event log, committing every few seconds.
 *
 * The pipe holds a fixed number of batches: when the recorder falls
 * behind, the loop waits for it (the kernel's socket buffers absorb the
 * rest and count what they drop), so every message read is recorded. */
#ifndef SP_HP_RECORD_H
#define SP_HP_RECORD_H
#include <stddef.h>
#include <stdint.h>

#include "honeypot/respond.h"
#include "profile/ingest.h"
#include "store/store.h"

enum hp_rec_kind {
	HP_REC_MSG = 1, /* a message and what was done with it */
	HP_REC_SYN,	/* the IP and TCP headers of a connection's SYN */
	HP_REC_CONN,	/* a TCP connection opened or closed */
	HP_REC_STATS,	/* the loop's counters (periodic, and the last one at the end) */
};

enum hp_conn_event {
	HP_CONN_OPEN = 1,
	HP_CONN_PEER,	   /* closed by the peer */
	HP_CONN_IDLE,	   /* idle (or a message unfinished) too long */
	HP_CONN_LIMIT,	   /* refused or evicted: too many connections */
	HP_CONN_TOO_LARGE, /* a message longer than the maximum */
	HP_CONN_NOT_SIP,   /* bytes that are not SIP */
	HP_CONN_ERROR,	   /* a socket error */
	HP_CONN_OUTPUT,	   /* replies piled up unread */
	HP_CONN_SHUTDOWN,  /* the honeypot stopped */
	HP_CONN_COUNT
};
const char *hp_conn_event_name(int e);

/* The network loop's counters, beside hp_counts. */
typedef struct hp_loop_stats {
	uint64_t kernel_drops; /* datagrams the kernel dropped (SO_RXQ_OVFL) */
	uint64_t conns, conns_refused, conns_open;
	uint64_t send_errors;
	uint64_t listeners;
} hp_loop_stats;

/* A record's fixed part; the message bytes, then the reply, follow. */
typedef struct hp_rec {
	uint32_t size; /* whole record, 8-byte aligned */
	uint8_t kind;  /* enum hp_rec_kind */
	uint8_t proto; /* 17 or 6 */
	uint8_t ttl;   /* IP TTL / hop limit of the datagram, 0 unknown */
	uint8_t event; /* HP_REC_CONN: enum hp_conn_event */
	uint16_t sport, dport;
	uint32_t conn; /* TCP connection number, 0 for UDP */
	uint32_t len, wire_len, reply_len;
	int64_t ts_ns;
	uint8_t src[16], dst[16];
	union {
		hp_result r; /* HP_REC_MSG (r.reply is not valid here) */
		struct {
			hp_counts counts;
			hp_loop_stats loop;
			int final;
		} st; /* HP_REC_STATS */
	} u;
} hp_rec;

static inline const uint8_t *hp_rec_data(const hp_rec *r)
{
	return (const uint8_t *)(r + 1);
}

static inline const uint8_t *hp_rec_reply(const hp_rec *r)
{
	return (const uint8_t *)(r + 1) + r->len;
}

typedef struct hp_pipe hp_pipe;

/* A pipe for records up to max_record bytes. */
hp_pipe *hp_pipe_new(size_t max_record);
void hp_pipe_free(hp_pipe *p);
/* Loop side: room for a record of `size` bytes (waits while the recorder
 * holds every batch); hp_pipe_flush() hands what was written over. */
hp_rec *hp_pipe_alloc(hp_pipe *p, size_t size);
void hp_pipe_flush(hp_pipe *p);
/* No more records: the recorder drains the pipe and stops. */
void hp_pipe_close(hp_pipe *p);

typedef struct hp_recorder_opts {
	const char *sensor;
	const char *log_path;	 /* JSON Lines event log; NULL none, "-" stdout */
	const char *personality; /* for the start event */
	const char *listen;	 /* the listeners, for messages and the captures table */
	int flush_s;		 /* commit at least this often */
	uint64_t mem_cap;	 /* profile memory before an early commit */
	int quiet;		 /* no summary on stderr */
} hp_recorder_opts;

typedef struct hp_recorder hp_recorder;

/* Opens the log (before privileges are dropped); the thread starts with
 * hp_recorder_start(). NULL with a message in err. */
hp_recorder *hp_recorder_new(const hp_recorder_opts *o, store *st, ingest *g, hp_pipe *p, char *err,
			     size_t errlen);
/* The log's file descriptor (-1 none), so that its owner can be changed. */
int hp_recorder_log_fd(const hp_recorder *r);
int hp_recorder_start(hp_recorder *r);
/* Asks the recorder to reopen its log (SIGHUP; logrotate). */
void hp_recorder_reopen(hp_recorder *r);
/* After hp_pipe_close(): waits for the recorder to store everything.
 * Returns 0, or 1 if the store failed at some point. Frees r. */
int hp_recorder_finish(hp_recorder *r);

/* The view of a received message as if captured: addresses, ports,
 * transport, payload = the message, timestamp; no IP header (l3 NULL).
 * Exposed for tests. */
void hp_rec_view(const hp_rec *r, pkt_view *v);

#endif
