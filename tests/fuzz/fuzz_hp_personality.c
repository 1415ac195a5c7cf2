/* libFuzzer target for the honeypot's personality loader: any text as a
 * personality file; what loads is then used to answer a few requests, so
 * that every compiled template is expanded (placeholders, tokens, bodies,
 * trimming). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "honeypot/personality.h"
#include "honeypot/respond.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const requests[] = {
    "OPTIONS sip:100@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport"
    "\r\nFrom: \"a\"<sip:100@1.1.1.1>;tag=1\r\nTo: <sip:100@1.1.1.1>\r\nCall-ID: 1\r\n"
    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
    "REGISTER sip:192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-2\r\n"
    "From: <sip:100@x>;tag=2\r\nTo: <sip:100@x>\r\nCall-ID: 2\r\nCSeq: 1 REGISTER\r\n\r\n",
    "INVITE sip:999@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1\r\nFrom: <sip:a@x>;tag=3\r\n"
    "To: <sip:999@x>\r\nCall-ID: 3\r\nCSeq: 1 INVITE\r\nRequire: x\r\n\r\n",
    "FOO sip:1@x SIP/2.0\r\nVia: SIP/2.0/UDP a\r\nFrom: <sip:a@x>\r\nTo: <sip:1@x>\r\n"
    "Call-ID: 4\r\nCSeq: 1 FOO\r\n\r\n",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hp_personality p;
	char err[512];
	if (hp_personality_parse(&p, "fuzz", (const char *)data, size, err, sizeof err) < 0)
		return 0;
	hp_limits l;
	hp_limits_default(&l);
	l.max_message = 4096;
	l.max_sources = 64;
	hp_ctx *c = hp_ctx_new(&p, &l, 1);
	if (c) {
		hp_msg m;
		hp_result r;
		memset(&m, 0, sizeof m);
		addr_parse("10.0.0.1", m.src);
		addr_parse("192.0.2.1", m.dst);
		m.sport = m.dport = 5060;
		m.proto = 17;
		m.now_ns = 1700000000000000000LL;
		for (int k = 0; k < 3; k++)
			for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
				m.data = (const uint8_t *)requests[i];
				m.len = m.wire_len = (uint32_t)strlen(requests[i]);
				hp_handle(c, &m, &r);
			}
		if (hp_ctx_counts(c)->bytes_out > hp_ctx_counts(c)->bytes_in)
			abort(); /* amplification */
		hp_ctx_free(c);
	}
	hp_personality_free(&p);
	return 0;
}
