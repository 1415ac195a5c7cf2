#include "capture/capture.h"

#include "capture/pcapfile.h"
#include "capture/stream.h"
#include "decode/decode.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cap_source {
	pcap_t *pcap;   /* libpcap: pcapng, pcap variants, live */
	in_stream *in;  /* NULL for live */
	int direct;     /* classic pcap read by pcapfile.c instead */
	pcapfile pf;
	int dlt;
	int pcapng;
	int live_fd;    /* live: poll()able descriptor, -1 if none */
	int ns_stamps;  /* timestamps are in nanoseconds */
	uint64_t good_offset;
	char err[PCAP_ERRBUF_SIZE + 160];
};

static const char *explain_open_error(const char *pcap_err)
{
	if (strstr(pcap_err, "unknown file format") || strstr(pcap_err, "bad dump file format"))
		return "not a capture file (neither pcap nor pcapng)";
	if (strstr(pcap_err, "truncated dump file") || strstr(pcap_err, "truncated pcapng"))
		return "not a capture file (too short for a capture header)";
	return pcap_err;
}

cap_source *cap_open_file(const char *path, char *err, size_t errlen)
{
	cap_source *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->in = stream_open(path, err, errlen);
	if (!c->in) {
		free(c);
		return NULL;
	}
	if (pcapfile_is_classic(c->in)) {
		if (pcapfile_open(&c->pf, c->in) < 0) {
			snprintf(err, errlen, "%s", c->pf.err);
			stream_close(c->in);
			free(c);
			return NULL;
		}
		c->direct = 1;
		c->dlt = c->pf.dlt;
		c->good_offset = stream_offset(c->in);
		if (!decode_link_supported(c->dlt)) {
			snprintf(err, errlen, "unsupported link type %d (%s); supported: Ethernet, Linux cooked v1/v2, raw IPv4/IPv6, BSD loopback",
				 c->dlt, pcap_datalink_val_to_name(c->dlt) ? pcap_datalink_val_to_name(c->dlt) : "?");
			cap_close(c);
			return NULL;
		}
		return c;
	}
	char perr[PCAP_ERRBUF_SIZE] = "";
	c->pcap = pcap_fopen_offline_with_tstamp_precision(stream_file(c->in),
							   PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!c->pcap) {
		const char *serr = stream_error(c->in);
		if (stream_offset(c->in) == 0 && !serr)
			snprintf(err, errlen, "empty file, not a capture");
		else if (serr)
			snprintf(err, errlen, "%s", serr);
		else
			snprintf(err, errlen, "%s", explain_open_error(perr));
		/* libpcap does not own the FILE* when the open fails */
		stream_close(c->in);
		free(c);
		return NULL;
	}
	c->dlt = pcap_datalink(c->pcap);
	c->live_fd = -1;
	c->ns_stamps = 1; /* opened with nanosecond precision: libpcap scales */
	c->good_offset = stream_offset(c->in);
	c->pcapng = stream_magic(c->in) == 0x0a0d0d0a; /* section header block */
	if (!decode_link_supported(c->dlt)) {
		snprintf(err, errlen, "unsupported link type %d (%s); supported: Ethernet, Linux cooked v1/v2, raw IPv4/IPv6, BSD loopback",
			 c->dlt, pcap_datalink_val_to_name(c->dlt) ? pcap_datalink_val_to_name(c->dlt) : "?");
		cap_close(c);
		return NULL;
	}
	return c;
}

cap_source *cap_open_live(const char *iface, const char *filter, char *err, size_t errlen)
{
	cap_source *c = calloc(1, sizeof *c);
	char perr[PCAP_ERRBUF_SIZE] = "";
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->pcap = pcap_create(iface, perr);
	if (!c->pcap)
		goto fail;
	pcap_set_snaplen(c->pcap, 65535);
	pcap_set_promisc(c->pcap, 1);
	pcap_set_timeout(c->pcap, 200);
	pcap_set_buffer_size(c->pcap, 64 << 20);
	pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO);
	int rc = pcap_activate(c->pcap);
	if (rc < 0) {
		snprintf(perr, sizeof perr, "%s", pcap_geterr(c->pcap));
		if (!perr[0])
			snprintf(perr, sizeof perr, "%s", pcap_statustostr(rc));
		goto fail;
	}
	c->dlt = pcap_datalink(c->pcap);
	if (!decode_link_supported(c->dlt)) {
		snprintf(perr, sizeof perr, "unsupported link type %d", c->dlt);
		goto fail;
	}
	/* an interface may not give nanoseconds: then the stamps are in us */
	c->ns_stamps = pcap_get_tstamp_precision(c->pcap) == PCAP_TSTAMP_PRECISION_NANO;
	/* Non-blocking, with our own poll(): on Linux (TPACKET_V3) a blocking
	 * read waits for ever on a quiet interface, so neither a stop nor the
	 * flush interval would be noticed, and packets already read would sit
	 * in a half-filled batch. */
	c->live_fd = pcap_get_selectable_fd(c->pcap);
	if (c->live_fd >= 0 && pcap_setnonblock(c->pcap, 1, perr) < 0)
		goto fail;
	if (filter && *filter) {
		struct bpf_program prog;
		if (pcap_compile(c->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(perr, sizeof perr, "bad filter \"%s\": %s", filter, pcap_geterr(c->pcap));
			goto fail;
		}
		rc = pcap_setfilter(c->pcap, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			snprintf(perr, sizeof perr, "cannot set filter: %s", pcap_geterr(c->pcap));
			goto fail;
		}
	}
	return c;
fail:
	snprintf(err, errlen, "%s", perr);
	cap_close(c);
	return NULL;
}

void cap_close(cap_source *c)
{
	if (!c)
		return;
	if (c->pcap) {
		pcap_close(c->pcap); /* fcloses our FILE*, whose close hook is a no-op */
		stream_file_closed(c->in);
	}
	stream_close(c->in);
	free(c);
}

static int direct_next(cap_source *c, cap_pkt *p)
{
	int rc = pcapfile_next(&c->pf, p);
	/* the record just returned is consumed at the next call */
	c->good_offset = stream_offset(c->in) + c->pf.pending;
	if (rc == CAP_PACKET)
		return rc;
	if (rc == CAP_ERROR) {
		const char *serr = stream_error(c->in);
		snprintf(c->err, sizeof c->err, "%s", serr ? serr : c->pf.err);
	} else if (stream_error(c->in)) {
		snprintf(c->err, sizeof c->err, "%s", stream_error(c->in));
		return CAP_ERROR;
	}
	return rc;
}

/* A capture may claim any time (pcapng has 64-bit stamps in any unit):
 * times beyond the range of int64 ns (years -292 to 2262) are clamped. */
static int64_t ts_ns(const struct pcap_pkthdr *h, int ns_stamps)
{
	const int64_t lim = INT64_MAX / 1000000000 - 1;
	int64_t sec = (int64_t)h->ts.tv_sec;
	if (sec > lim)
		return INT64_MAX;
	if (sec < -lim)
		return INT64_MIN;
	return sec * 1000000000 + (int64_t)h->ts.tv_usec * (ns_stamps ? 1 : 1000);
}

int cap_next(cap_source *c, cap_pkt *p)
{
	if (c->direct)
		return direct_next(c, p);
	int waited = 0;
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(c->pcap, &h, &data);
		if (rc == 1) {
			p->ts_ns = ts_ns(h, c->ns_stamps);
			p->caplen = h->caplen;
			p->len = h->len;
			p->data = data;
			if (c->in)
				c->good_offset = stream_offset(c->in);
			return CAP_PACKET;
		}
		if (rc == 0) { /* live, non-blocking: nothing yet; wait a moment, once */
			if (waited || c->live_fd < 0)
				return CAP_TIMEOUT;
			struct pollfd pfd = {c->live_fd, POLLIN, 0};
			if (poll(&pfd, 1, 200) <= 0)
				return CAP_TIMEOUT;
			waited = 1;
			continue;
		}
		if (rc == PCAP_ERROR_BREAK) {
			if (c->in == NULL)
				return CAP_END;
			const char *serr = stream_error(c->in);
			if (serr) {
				snprintf(c->err, sizeof c->err, "%s; capture data ends at byte %llu", serr,
					 (unsigned long long)c->good_offset);
				return CAP_ERROR;
			}
			return CAP_END;
		}
		const char *serr = c->in ? stream_error(c->in) : NULL;
		snprintf(c->err, sizeof c->err, "%s", serr ? serr : pcap_geterr(c->pcap));
		return CAP_ERROR;
	}
}

const char *cap_error(const cap_source *c)
{
	return c->err;
}

void cap_break(cap_source *c)
{
	if (c->pcap)
		pcap_breakloop(c->pcap);
}

int cap_is_live(const cap_source *c)
{
	return c->in == NULL;
}

int cap_datalink(const cap_source *c)
{
	return c->dlt;
}

const char *cap_format(const cap_source *c)
{
	if (!c->in)
		return "live";
	return c->pcapng ? "pcapng" : "pcap";
}

const char *cap_compression(const cap_source *c)
{
	return c->in ? stream_codec_name(stream_codec(c->in)) : "none";
}

int64_t cap_size(const cap_source *c)
{
	return c->in ? stream_raw_size(c->in) : -1;
}

uint64_t cap_bytes_done(const cap_source *c)
{
	return c->in ? stream_raw_read(c->in) : 0;
}

uint64_t cap_good_offset(const cap_source *c)
{
	return c->good_offset;
}

uint64_t cap_early_identity(const cap_source *c)
{
	return c->in ? stream_early_identity(c->in) : 0;
}

uint64_t cap_content_hash(cap_source *c)
{
	if (!c->in)
		return 0;
	stream_drain(c->in);
	return stream_content_hash(c->in);
}

const char *cap_stream_error(const cap_source *c)
{
	return c->in ? stream_error(c->in) : NULL;
}

uint64_t cap_dropped(cap_source *c)
{
	struct pcap_stat st;
	if (c->in || pcap_stats(c->pcap, &st) < 0)
		return 0;
	return (uint64_t)st.ps_drop + st.ps_ifdrop;
}
