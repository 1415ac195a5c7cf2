/* Classic pcap files read directly from the stream, without copies.
 *
 * libpcap reads a savefile through stdio: two fread()s per packet and two
 * copies. Measured on the benchmark capture that is ~490 instructions a
 * packet, more than decoding it; reading the records in place costs a few
 * dozen. Only the four standard magic numbers are read here (microsecond or
 * nanosecond, either byte order); pcapng and every variant go to libpcap.
 *
 *   global header: magic(4) major(2) minor(2) thiszone(4) sigfigs(4)
 *                  snaplen(4) linktype(4)
 *   record header: ts_sec(4) ts_frac(4) caplen(4) len(4), then caplen bytes */
#ifndef SP_PCAPFILE_H
#define SP_PCAPFILE_H
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "capture/stream.h"

typedef struct pcapfile {
	in_stream *in;
	int swapped;       /* the file's byte order is not the one it was written in */
	int nsec;          /* timestamps in nanoseconds */
	int dlt;           /* link type as a libpcap DLT value */
	uint32_t snaplen;
	size_t pending;    /* bytes of the last record not yet consumed */
	char err[160];
} pcapfile;

/* 1 if the stream starts with a classic pcap magic we read ourselves. */
int pcapfile_is_classic(in_stream *in);
/* Reads the global header; 0, or -1 with pf->err set. */
int pcapfile_open(pcapfile *pf, in_stream *in);
/* Next record: CAP_PACKET, CAP_END, or CAP_ERROR with pf->err set. The
 * packet's data stays valid until the next call. */
int pcapfile_next(pcapfile *pf, cap_pkt *p);

#endif
