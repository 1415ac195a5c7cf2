/* The core's conclusions from IP headers alone: the IP ID counts ("7 of 17
 * zero"). TTL, the IP ID class and the OS are the host analyser's
 * (src/fingerprint/host_describe.c). */
#include "decode/decode.h"
#include "report/facts.h"

void describe_core(const profile *p, facts *f, const describe_ctx *ctx)
{
	(void)ctx;
	if (!addr_is_v4(p->ip))
		return;
	f->ipid_total = p->packets;
	f->ipid_zero = p->ipid_zero;
}
