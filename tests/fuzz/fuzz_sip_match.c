/* libFuzzer target for attribution: any request through the shape, the
 * templates of signatures/sip.sig, the attribution and SIPVicious tag
 * decoding; and the same bytes cut into TCP segments through the framer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fingerprint/sip_match.h"
#include "sip/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_msg(void *ctx, const uint8_t *m, size_t n)
{
	(void)ctx;
	sip_hdr h[SIP_HDRS];
	sip_msg msg;
	(void)sip_parse(&msg, m, n, h, SIP_HDRS, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const sip_sigs *s = sip_sigs_default();
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	if (sip_parse(&m, data, size, h, SIP_HDRS, 0) == SIP_OK && m.kind == SIP_REQUEST) {
		static sip_eval e;
		sip_attr a;
		char shape[256];
		(void)sip_shape(&m, shape, sizeof shape);
		sip_shape_summary(&m, shape, sizeof shape);
		sip_eval_best(s, &m, &e);
		sip_attr_from_eval(s, &m, &e, &a);
		(void)sip_agent_find(s, &m);
		for (unsigned i = 0; i < m.nhdr; i++) {
			sv_tag t;
			(void)sv_tag_decode(m.hdr[i].value, &t);
		}
	}
	static sip_stream *st;
	if (!st)
		st = sip_stream_new(16, 512);
	uint8_t a[16] = {0}, b[16] = {1};
	uint32_t seq = 7;
	for (size_t off = 0; off < size;) {
		size_t n = 1 + (data[off] % 97);
		if (n > size - off)
			n = size - off;
		sip_segment g = {a, b, 5060, 5060, seq, (uint8_t)(data[off] & 0x18), data + off, n};
		sip_stream_feed(st, &g, on_msg, NULL);
		seq += (uint32_t)n;
		off += n;
	}
	return 0;
}
