/* libFuzzer target: the raw-tool rule loader, and the marks it builds
 * evaluated on a packet. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fingerprint/host_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	hr_set *s = hr_parse((const char *)data, size, "fuzz.rules", err, sizeof err);
	if (!s)
		return 0;
	pkt_view v;
	pkt_view_reset(&v);
	v.family = 4;
	v.proto = 6;
	v.l4_ok = 1;
	v.tcp_flags = TCP_SYN;
	v.ttl = 60;
	v.tcp_hlen = 24;
	v.opt.n = 1;
	v.opt.kind[0] = TCPOPT_MSS;
	v.opt.has_mss = 1;
	v.opt.mss = 1460;
	for (int k = 0; k < 3; k++)
		(void)hr_eval(s, k, &v);
	hr_free(s);
	return 0;
}
