/* libFuzzer target for the SIP parser and its value helpers: any bytes,
 * as a datagram and as a stream prefix, and every header value through the
 * URI, name-addr, Via, CSeq, digest and parameter readers; and the layout
 * replay (sip_parse_like), which must read what sip_parse reads whenever it
 * takes the bytes (and, with sip_check, what sip_parse reads with its
 * checks), after an svmap request and after the input itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void values(const sip_msg *m)
{
	for (unsigned i = 0; i < m->nhdr; i++) {
		sip_str v = m->hdr[i].value;
		sip_uri u;
		sip_nameaddr na;
		sip_via via;
		sip_cseq cs;
		sip_auth a;
		sip_str p;
		int na_rc = sip_parse_nameaddr(v, &na);
		if (na_rc == 0)
			(void)sip_parse_uri(na.uri, &u);
		if (sip_nameaddr_bad_quote(v) != (na_rc < 0 && na.bad_quote))
			abort(); /* the short check agrees with the parser */
		(void)sip_parse_via(v, &via);
		sip_str br = sip_str_of(NULL, 0), rp;
		int has_br = sip_param(via.params, "branch", &br);
		if ((unsigned)sip_param(via.params, "rport", &rp) != via.rport ||
		    br.p != via.branch.p || br.len != via.branch.len || (!has_br && via.branch.len))
			abort(); /* the one-pass reading of Via's parameters */
		(void)sip_parse_cseq(v, &cs);
		(void)sip_parse_auth(v, &a);
		(void)sip_param(v, "tag", &p);
		(void)sip_number(v);
	}
	sip_uri ru;
	(void)sip_parse_uri(m->uri, &ru);
}

static int same_view(sip_str a, sip_str b, const uint8_t *d)
{
	return a.len == b.len && (!a.p) == (!b.p) && (!a.p || a.p - d == b.p - d);
}

/* sip_parse_like must give what sip_parse gives, or refuse. */
static void replay(const sip_layout *l, const uint8_t *d, size_t n)
{
	sip_hdr h1[SIP_HDRS], h2[SIP_HDRS];
	sip_msg a, b;
	if (sip_parse_like(l, &a, d, n, h1, SIP_HDRS) != SIP_OK)
		return;
	if (sip_parse(&b, d, n, h2, SIP_HDRS, SIP_PARSE_NO_CHECKS) != SIP_OK)
		abort();
	int same = a.kind == b.kind && a.method == b.method && a.eol == b.eol &&
		   a.status == b.status && same_view(a.start, b.start, d) &&
		   same_view(a.method_str, b.method_str, d) && same_view(a.uri, b.uri, d) &&
		   same_view(a.version, b.version, d) && same_view(a.reason, b.reason, d) &&
		   same_view(a.body, b.body, d) && a.quirks == b.quirks && a.junk == b.junk &&
		   a.head_len == b.head_len && a.msg_len == b.msg_len &&
		   a.content_length == b.content_length && a.cap == b.cap && a.nhdr == b.nhdr &&
		   a.nhdr_seen == b.nhdr_seen && a.ids_seen == b.ids_seen &&
		   !memcmp(a.first, b.first, sizeof a.first);
	for (unsigned i = 0; same && i < a.nhdr; i++)
		same = same_view(h1[i].name, h2[i].name, d) &&
		       same_view(h1[i].value, h2[i].value, d) && h1[i].off == h2[i].off &&
		       h1[i].id == h2[i].id && h1[i].layout == h2[i].layout &&
		       h1[i].ws_before == h2[i].ws_before && h1[i].ws_after == h2[i].ws_after &&
		       h1[i].eol == h2[i].eol;
	if (!same)
		abort();
	/* and with sip_check, what sip_parse gives with its checks (the
	 * honeypot's responder reads requests so) */
	sip_msg c;
	sip_check(&a);
	if (sip_parse(&c, d, n, h2, SIP_HDRS, 0) != SIP_OK || c.quirks != a.quirks ||
	    (a.quirks & ~SIP_Q_CHECKS) != b.quirks)
		abort();
}

static const char svmap[] = "OPTIONS sip:100@192.0.2.7 SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 192.168.0.10:5060;branch=z9hG4bK-1;rport\r\n"
			    "Max-Forwards: 70\r\n"
			    "To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
			    "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=3132\r\n"
			    "User-Agent: friendly-scanner\r\n"
			    "Call-ID: 1\r\n"
			    "Contact: sip:100@192.168.0.10:5060\r\n"
			    "CSeq: 1 OPTIONS\r\n"
			    "Accept: application/sdp\r\n"
			    "Content-Length: 0\r\n\r\n";

static void replays(const uint8_t *data, size_t size)
{
	static sip_layout base, own;
	static int ready;
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	if (!ready) {
		size_t n = sizeof svmap - 1;
		if (sip_parse(&m, (const uint8_t *)svmap, n, h, SIP_HDRS, SIP_PARSE_NO_CHECKS) !=
			SIP_OK ||
		    sip_layout_keep(&base, &m, (const uint8_t *)svmap, n) != 0)
			abort();
		ready = 1;
	}
	replay(&base, data, size);
	if (sip_parse(&m, data, size, h, SIP_HDRS, SIP_PARSE_NO_CHECKS) == SIP_OK &&
	    sip_layout_keep(&own, &m, data, size) == 0) {
		sip_msg again;
		if (sip_parse_like(&own, &again, data, size, h, SIP_HDRS) != SIP_OK)
			abort(); /* a plain layout reads itself */
		replay(&own, data, size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sip_hdr h[16];
	sip_msg m;
	replays(data, size);
	if (sip_parse(&m, data, size, h, 16, 0) == SIP_OK)
		values(&m);
	size_t off = 0;
	for (int k = 0; k < 4 && off < size; k++) {
		if (sip_parse(&m, data + off, size - off, h, 16, SIP_PARSE_STREAM) != SIP_OK ||
		    !m.msg_len)
			break;
		values(&m);
		off += m.msg_len;
	}
	(void)sip_looks_like(data, size);
	return 0;
}
