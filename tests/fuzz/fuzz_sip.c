/* libFuzzer target for the SIP parser and its value helpers: any bytes,
 * as a datagram and as a stream prefix, and every header value through the
 * URI, name-addr, Via, CSeq, digest and parameter readers. */
#include <stddef.h>
#include <stdint.h>

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
		if (sip_parse_nameaddr(v, &na) == 0)
			(void)sip_parse_uri(na.uri, &u);
		(void)sip_parse_via(v, &via);
		(void)sip_parse_cseq(v, &cs);
		(void)sip_parse_auth(v, &a);
		(void)sip_param(v, "tag", &p);
		(void)sip_number(v);
	}
	sip_uri ru;
	(void)sip_parse_uri(m->uri, &ru);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sip_hdr h[16];
	sip_msg m;
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
