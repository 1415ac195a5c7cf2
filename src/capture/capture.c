#include "capture/capture.h"

#include "capture/stream.h"
#include "decode/decode.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cap_source {
	pcap_t *pcap;
	in_stream *in; /* NULL for live */
	int fd;	       /* live: what to wait on */
	int dlt;
	int pcapng;
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
	/* Linux's TPACKET_V3 ring only times out on a block that holds a
	 * packet: on an idle interface a blocking read never returns, and
	 * Ctrl-C would never be seen. Read without blocking, wait in cap_next. */
	if (pcap_setnonblock(c->pcap, 1, perr) < 0)
		goto fail;
	c->fd = pcap_get_selectable_fd(c->pcap);
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

int cap_next(cap_source *c, cap_pkt *p)
{
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(c->pcap, &h, &data);
		if (rc == 1) {
			p->ts_ns = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
			p->caplen = h->caplen;
			p->len = h->len;
			p->data = data;
			if (c->in)
				c->good_offset = stream_offset(c->in);
			return CAP_PACKET;
		}
		if (rc == 0) { /* live: nothing yet; wait a little for it */
			if (!c->in && c->fd >= 0) {
				struct pollfd pfd = {c->fd, POLLIN, 0};
				poll(&pfd, 1, 200);
			}
			return CAP_TIMEOUT;
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
	pcap_breakloop(c->pcap);
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

uint64_t cap_head_hash(const cap_source *c)
{
	return c->in ? stream_head_hash(c->in) : 0;
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
