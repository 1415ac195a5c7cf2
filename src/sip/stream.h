/* SIP over TCP: messages framed by Content-Length across the segments of
 * one connection (RFC 3261 18.3), with bounded memory.
 *
 * A fixed table of connections, each with a fixed buffer, is allocated
 * once; nothing is allocated per segment. A connection is followed from
 * the first segment that starts like a SIP message, in sequence order:
 * retransmitted bytes are skipped, a gap drops what was buffered and waits
 * for a segment that starts a message again. Only a message's head needs
 * to fit the buffer: a long body is passed over without being kept (the
 * head is delivered alone). When the table is full the connection used
 * least recently in the probe window gives way. */
#ifndef SP_SIP_STREAM_H
#define SP_SIP_STREAM_H
#include <stddef.h>
#include <stdint.h>

typedef struct sip_stream sip_stream;

typedef struct sip_stream_stats {
	uint64_t messages; /* delivered */
	uint64_t gaps;	   /* segments after a hole: buffer dropped */
	uint64_t oversize; /* heads larger than the buffer: connection dropped */
	uint64_t evicted;  /* connections pushed out by newer ones */
	uint64_t skipped;  /* body bytes passed over */
} sip_stream_stats;

/* conns is rounded up to a power of two; bufsz is the bytes kept per
 * connection. NULL when out of memory. */
sip_stream *sip_stream_new(unsigned conns, size_t bufsz);
void sip_stream_free(sip_stream *s);
/* Forgets every connection. */
void sip_stream_clear(sip_stream *s);
size_t sip_stream_mem(const sip_stream *s);
const sip_stream_stats *sip_stream_get_stats(const sip_stream *s);

/* Called for each complete message (or message head, when the body was too
 * long to keep); the bytes are valid during the call only. */
typedef void (*sip_stream_cb)(void *ctx, const uint8_t *msg, size_t len);

typedef struct sip_segment {
	const uint8_t *src, *dst; /* 16-byte addresses */
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;	     /* TCP flags */
	const uint8_t *data; /* payload */
	size_t len;
} sip_segment;

/* Feeds one TCP segment. Returns the messages delivered. */
int sip_stream_feed(sip_stream *s, const sip_segment *seg, sip_stream_cb cb, void *ctx);

#endif
