/* Capture sources: files (pcap, pcapng; plain or compressed; "-" = stdin)
 * and live interfaces, both through libpcap. */
#ifndef SP_CAPTURE_H
#define SP_CAPTURE_H
#include <stddef.h>
#include <stdint.h>

typedef struct cap_pkt {
	int64_t ts_ns;       /* capture time, ns since the epoch */
	uint32_t caplen;     /* bytes captured */
	uint32_t len;        /* bytes on the wire */
	const uint8_t *data; /* valid until the next cap_next() */
} cap_pkt;

typedef struct cap_source cap_source;

/* CAP_TIMEOUT: a live capture had nothing for a moment (check for stop). */
enum cap_status { CAP_PACKET = 1, CAP_END = 0, CAP_ERROR = -1, CAP_TIMEOUT = 2 };

/* Opens a capture file. On failure returns NULL with a one-line reason in
 * err (without the file name: the caller adds it). */
cap_source *cap_open_file(const char *path, char *err, size_t errlen);
/* Opens a live interface with an optional BPF filter (NULL or ""). */
cap_source *cap_open_live(const char *iface, const char *filter, char *err, size_t errlen);
void cap_close(cap_source *c);

/* Next packet; on CAP_ERROR cap_error() says why. For files an error after
 * some packets usually means a truncated capture: everything before
 * cap_good_offset() was read whole. */
int cap_next(cap_source *c, cap_pkt *p);
const char *cap_error(const cap_source *c);
/* Interrupts a live capture from a signal handler. */
void cap_break(cap_source *c);

int cap_datalink(const cap_source *c);
int cap_is_live(const cap_source *c);
const char *cap_format(const cap_source *c);      /* "pcap", "pcapng", "live" */
const char *cap_compression(const cap_source *c); /* "none", "gzip", ... */
int64_t cap_size(const cap_source *c);            /* raw bytes, -1 unknown */
uint64_t cap_bytes_done(const cap_source *c);     /* raw bytes read */
uint64_t cap_good_offset(const cap_source *c);    /* end of the last whole packet */
/* The capture's identity (stream.h) if known before reading it, else 0. */
uint64_t cap_early_identity(const cap_source *c);
/* The capture's identity; reads the rest of the input if needed. */
uint64_t cap_content_hash(cap_source *c);
/* Decompression problem seen so far (e.g. cut .gz), or NULL. */
const char *cap_stream_error(const cap_source *c);
/* Live capture statistics: packets dropped by the kernel / interface. */
uint64_t cap_dropped(cap_source *c);

#endif
