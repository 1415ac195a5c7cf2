/* libFuzzer target for the honeypot's message handler and reply builder:
 * any bytes as a message, over UDP or TCP, from one of a few sources, to
 * each shipped personality. Checks on every input what must always hold:
 * no source is ever sent more bytes than it sent, and every reply is a SIP
 * response our own parser reads (or the CRLF of a keep-alive). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "honeypot/personality.h"
#include "honeypot/respond.h"
#include "sip/sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSRC 4

static hp_personality pers[3];
static hp_ctx *ctx[3];
static uint64_t in[3][NSRC], out[3][NSRC];

static void init(void)
{
	const char *names[] = {"asterisk", "freepbx", "cisco"};
	hp_limits l;
	hp_limits_default(&l);
	l.max_message = 8192;
	l.max_sources = 64;
	for (int i = 0; i < 3; i++) {
		char path[512], err[512];
		snprintf(path, sizeof path, SP_SIGDIR_BUILD "/honeypot/%s.personality", names[i]);
		if (hp_personality_load(&pers[i], path, err, sizeof err) < 0) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
		ctx[i] = hp_ctx_new(&pers[i], &l, 99);
		if (!ctx[i])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ctx[0])
		init();
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	int k = sel % 3, src = (sel >> 2) % NSRC;
	hp_msg m;
	memset(&m, 0, sizeof m);
	addr_from_v4(m.src, 0x0a000001 + (uint32_t)src);
	addr_parse("192.0.2.1", m.dst);
	m.sport = 5060;
	m.dport = 5060;
	m.proto = (sel & 0x80) ? 6 : 17;
	m.data = data + 1;
	m.len = m.wire_len = (uint32_t)(size - 1);
	m.now_ns = 1700000000000000000LL + (int64_t)(sel & 0x70) * 1000000000;
	hp_result r;
	hp_handle(ctx[k], &m, &r);
	in[k][src] += m.wire_len;
	if (r.action != HP_ACT_REPLIED)
		return 0;
	out[k][src] += r.reply_len;
	if (out[k][src] > in[k][src])
		abort(); /* amplification */
	if (r.reply_len == 2 && !memcmp(r.reply, "\r\n", 2))
		return 0;
	sip_hdr h[SIP_HDRS];
	sip_msg sm;
	if (sip_parse(&sm, r.reply, r.reply_len, h, SIP_HDRS, 0) != SIP_OK ||
	    sm.kind != SIP_RESPONSE || !sip_find(&sm, SIP_H_CALL_ID) || !sip_find(&sm, SIP_H_VIA))
		abort();
	return 0;
}
