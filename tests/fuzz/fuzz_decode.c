/* Fuzzes the packet decoder over every supported link type, and what the
 * profile makes of the decoded view.
 *
 * Input: byte 0 picks the link type (low 3 bits) and whether the frame was
 * cut by a snap length (bit 3: the wire length is then larger); the rest is
 * the frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "profile/profile.h"
#include "profile/ptable.h"

static const int links[8] = {
    1 /* Ethernet */,	113 /* Linux cooked */, 276 /* cooked v2 */,  12 /* raw */,
    228 /* raw IPv4 */, 229 /* raw IPv6 */,	0 /* BSD loopback */, 108 /* OpenBSD loopback */};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ptable *t;
	static unsigned runs;
	if (size < 1 || size > 65536)
		return 0;
	if (!t)
		t = ptable_new();
	int dlt = links[data[0] & 7];
	uint32_t caplen = (uint32_t)(size - 1);
	uint32_t wirelen = caplen + ((data[0] & 8) ? 1 + data[0] : 0);
	/* a copy of exactly caplen bytes, so that any read past it is caught */
	uint8_t *frame = malloc(caplen ? caplen : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, caplen);
	pkt_view v;
	if (decode_packet(dlt, frame, caplen, wirelen, (int64_t)runs * 1000, &v)) {
		/* the view points into the frame and stays inside it */
		if (v.l3 && (v.l3 < frame || v.l3 + v.l3_caplen > frame + caplen))
			abort();
		if (v.payload && (v.payload < frame || v.payload + v.payload_len > frame + caplen))
			abort();
		if (v.opt.n > TCP_MAX_OPTS)
			abort();
		ptable_observe(t, &v);
		if (v.proto == 6) {
			syn_sig s;
			syn_sig_from_view(&s, &v);
			if (s.key != syn_view_key(&v))
				abort();
		}
	}
	free(frame);
	if (++runs % 4096 == 0)
		ptable_clear(t); /* bounded memory over a long run */
	return 0;
}
