#include "capture/pcapfile.h"

#include "decode/cursor.h"

#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#define MAX_CAPLEN 262144u /* as libpcap: larger is a corrupt record */
#define LINKTYPE_RAW 101    /* pcap files say 101 where libpcap says DLT_RAW */

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A 32-bit field in the file's byte order (the magic tells which). */
static inline uint32_t field32(const pcapfile *pf, const uint8_t *p)
{
	return pf->swapped ? ld_be32(p) : le32(p);
}

static int classify(uint32_t magic_le, int *swapped, int *nsec)
{
	switch (magic_le) {
	case 0xa1b2c3d4:
		*swapped = 0, *nsec = 0;
		return 1;
	case 0xa1b23c4d:
		*swapped = 0, *nsec = 1;
		return 1;
	case 0xd4c3b2a1:
		*swapped = 1, *nsec = 0;
		return 1;
	case 0x4d3cb2a1:
		*swapped = 1, *nsec = 1;
		return 1;
	default:
		return 0;
	}
}

int pcapfile_is_classic(in_stream *in)
{
	const uint8_t *p;
	int sw, ns;
	return stream_peek(in, 24, &p) >= 24 && classify(le32(p), &sw, &ns);
}

int pcapfile_open(pcapfile *pf, in_stream *in)
{
	memset(pf, 0, sizeof *pf);
	pf->in = in;
	const uint8_t *h;
	if (stream_peek(in, 24, &h) < 24 || !classify(le32(h), &pf->swapped, &pf->nsec)) {
		snprintf(pf->err, sizeof pf->err, "not a pcap file");
		return -1;
	}
	pf->snaplen = field32(pf, h + 16);
	uint32_t lt = field32(pf, h + 20) & 0x03ffffff; /* the top bits describe FCS */
	pf->dlt = lt == LINKTYPE_RAW ? DLT_RAW : (int)lt;
	stream_consume(in, 24);
	return 0;
}

int pcapfile_next(pcapfile *pf, cap_pkt *p)
{
	const uint8_t *h;
	if (pf->pending) {
		stream_consume(pf->in, pf->pending);
		pf->pending = 0;
	}
	ssize_t n = stream_peek(pf->in, 16, &h);
	if (n < 0) {
		snprintf(pf->err, sizeof pf->err, "%s", stream_error(pf->in));
		return CAP_ERROR;
	}
	if (n == 0)
		return CAP_END;
	if (n < 16) {
		snprintf(pf->err, sizeof pf->err,
			 "truncated record header: %zd of 16 bytes", n);
		return CAP_ERROR;
	}
	uint32_t sec = field32(pf, h), frac = field32(pf, h + 4);
	uint32_t caplen = field32(pf, h + 8), len = field32(pf, h + 12);
	if (caplen > MAX_CAPLEN) {
		snprintf(pf->err, sizeof pf->err,
			 "corrupt record: capture length %u is larger than %u", caplen, MAX_CAPLEN);
		return CAP_ERROR;
	}
	if ((size_t)n < 16 + (size_t)caplen) /* usually the window has it already */
		n = stream_peek(pf->in, 16 + (size_t)caplen, &h);
	if (n < 0) {
		snprintf(pf->err, sizeof pf->err, "%s", stream_error(pf->in));
		return CAP_ERROR;
	}
	if ((size_t)n < 16 + (size_t)caplen) {
		snprintf(pf->err, sizeof pf->err,
			 "truncated record: %zd of %u captured bytes", n - 16, caplen);
		return CAP_ERROR;
	}
	p->ts_ns = (int64_t)sec * 1000000000 + (int64_t)frac * (pf->nsec ? 1 : 1000);
	p->caplen = caplen;
	p->len = len < caplen ? caplen : len;
	p->data = h + 16;
	pf->pending = 16 + (size_t)caplen; /* consumed at the next call: data stays put */
	return CAP_PACKET;
}
