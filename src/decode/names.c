/* Names for what the decoder reports, and address text forms. */
#include "decode/decode.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const char *const quirk_names[QUIRK_COUNT] = {
	"snapped",      "truncated",    "bad-ip-version", "bad-ihl",      "ip-length",
	"ip-options",   "ip-option-bad","ip-reserved-bit","fragment",     "ipv6-ext",
	"ipv6-ext-bad", "tcp-doff",     "tcp-option-bad", "tcp-opt-after-eol", "tcp-flags",
	"tcp-ack-nonzero", "tcp-urg-nonzero", "tcp-reserved", "tcp-ts-echo", "tcp-wscale-high",
	"udp-length",   "icmp-quote",   "port-zero",      "src-eq-dst",   "zero-ttl",
	"tunnel",       "link-bad",     "not-ip",         "l4-unknown",   "ip-trailer",
	"icmp-short",   "unused-31",
};

const char *quirk_name(unsigned bit_index)
{
	return bit_index < QUIRK_COUNT ? quirk_names[bit_index] : "?";
}

const char *addr_str(const uint8_t a[16], char *out)
{
	if (addr_is_v4(a)) { /* by hand: printf costs ten times more, per packet */
		char *o = out;
		for (int i = 12; i < 16; i++) {
			unsigned v = a[i];
			if (v >= 100)
				*o++ = (char)('0' + v / 100);
			if (v >= 10)
				*o++ = (char)('0' + v / 10 % 10);
			*o++ = (char)('0' + v % 10);
			*o++ = i < 15 ? '.' : 0;
		}
		return out;
	}
	if (!inet_ntop(AF_INET6, a, out, 46))
		snprintf(out, 46, "?");
	return out;
}

int addr_parse(const char *s, uint8_t a[16])
{
	struct in_addr v4;
	if (inet_pton(AF_INET, s, &v4) == 1) {
		addr_from_v4(a, ntohl(v4.s_addr));
		return 0;
	}
	return inet_pton(AF_INET6, s, a) == 1 ? 0 : -1;
}

const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmp6";
	case 47:
		return "gre";
	case 132:
		return "sctp";
	default:
		return "ip";
	}
}
