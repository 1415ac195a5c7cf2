/* IPv4 (RFC 791) and IPv6 (RFC 8200) headers, with IPv4 options, fragments,
 * IPv6 extension headers and one level of tunnelling (IP-in-IP, GRE).
 *
 *  IPv4:  0                   1                   2                   3
 *        |Version|  IHL  |Type of Service|          Total Length         |
 *        |         Identification        |Flags|      Fragment Offset    |
 *        |  Time to Live |    Protocol   |         Header Checksum       |
 *        |                       Source Address                          |
 *        |                    Destination Address                        |
 *        |                    Options                    |    Padding    |
 */
#include "decode/cursor.h"
#include "decode/decode.h"

#include <string.h>

#define MAX_TUNNEL_DEPTH 2
#define MAX_IP6_EXT 8

void addr_from_v4(uint8_t a[16], uint32_t v4)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	uint8_t be[4] = {(uint8_t)(v4 >> 24), (uint8_t)(v4 >> 16), (uint8_t)(v4 >> 8),
			 (uint8_t)v4};
	memcpy(a, prefix, 12);
	memcpy(a + 12, be, 4);
}

int addr_is_v4(const uint8_t a[16])
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a, prefix, 12) == 0;
}

static void ip_dispatch(cursor *l4, pkt_view *v, int depth);

/* A header cut short is the sender's fault only if the snap length did not
 * cut the packet: then nothing can be said about what is missing. */
static uint32_t unless_snapped(const pkt_view *v, uint32_t q)
{
	return (v->quirks & Q_SNAPPED) ? 0 : q;
}

/* IPv4 options are type-length-value except EOL (0) and NOP (1). */
static void ipv4_options(cursor c, pkt_view *v)
{
	v->quirks |= Q_IP_OPT;
	while (rd_left(&c) > 0) {
		uint8_t type = rd_u8(&c);
		if (type == 0)
			return;
		if (type == 1)
			continue;
		uint8_t len = rd_u8(&c);
		int cut = c.capped && (v->quirks & Q_SNAPPED); /* options cut by the snap length */
		if (!rd_ok(&c) || (len >= 2 && (size_t)(len - 2) > rd_left(&c))) {
			if (!cut)
				v->quirks |= Q_IP_OPT_BAD;
			return;
		}
		if (len < 2) {
			v->quirks |= Q_IP_OPT_BAD;
			return;
		}
		rd_skip(&c, (size_t)(len - 2));
	}
}

/* The IP payload cursor: the declared length capped by what was captured.
 * Beyond the declared length there may be link padding (zeros) or junk. */
static cursor ip_payload(cursor *c, size_t declared, pkt_view *v)
{
	int snapped = (v->quirks & Q_SNAPPED) != 0;
	if (declared > rd_left(c) && !snapped)
		v->quirks |= Q_IP_LEN | Q_TRUNC;
	cursor pl = rd_sub(c, declared);
	const uint8_t *rest = rd_ptr(c);
	for (size_t i = 0; i < rd_left(c); i++) {
		if (rest[i]) {
			v->quirks |= Q_IP_TRAILER;
			break;
		}
	}
	return pl;
}

static void decode_ipv4(cursor *c, pkt_view *v, int depth)
{
	size_t avail = rd_left(c);
	const uint8_t *hdr = rd_view(c, 20);
	if (!hdr) {
		v->quirks |= unless_snapped(v, Q_TRUNC);
		return;
	}
	uint8_t vihl = hdr[0];
	v->tos = hdr[1];
	uint16_t total = ld_be16(hdr + 2);
	v->ipid = ld_be16(hdr + 4);
	uint16_t frag = ld_be16(hdr + 6);
	v->ttl = hdr[8];
	uint8_t proto = hdr[9];
	/* checksum (10-11) not verified: what matters is what was sent */
	v->src4 = ld_be32(hdr + 12);
	v->dst4 = ld_be32(hdr + 16);
	v->family = 4;
	v->proto = proto;
	v->l3 = hdr;
	v->l3_caplen = (uint32_t)avail;
	v->ip_len = total;
	addr_from_v4(v->src, v->src4);
	addr_from_v4(v->dst, v->dst4);
	v->df = (frag & 0x4000) != 0;
	v->mf = (frag & 0x2000) != 0;
	v->frag_off = frag & 0x1fff;
	if (frag & 0x8000)
		v->quirks |= Q_IP_RESERVED;
	if (v->ttl == 0)
		v->quirks |= Q_ZERO_TTL;
	if (v->src4 == v->dst4)
		v->quirks |= Q_SRC_EQ_DST;
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	if (ihl < 20) {
		v->quirks |= Q_BAD_IHL;
		return;
	}
	size_t declared = total;
	if (declared < ihl) { /* includes TSO captures that leave it 0 */
		v->quirks |= Q_IP_LEN;
		declared = avail; /* take what is there */
	}
	cursor body = ip_payload(c, declared - 20, v);
	if (ihl > 20) {
		v->ip_opt_len = (uint8_t)(ihl - 20);
		cursor opts = rd_sub(&body, ihl - 20);
		if (opts.capped)
			v->quirks |= (v->quirks & Q_SNAPPED) ? 0 : Q_TRUNC;
		ipv4_options(opts, v);
	}
	if (v->mf || v->frag_off)
		v->quirks |= Q_FRAGMENT;
	if (v->frag_off) { /* not the first fragment: no L4 header here */
		v->payload = rd_ptr(&body);
		v->payload_len = (uint32_t)rd_left(&body);
		return;
	}
	ip_dispatch(&body, v, depth);
}

static int ip6_ext_len(cursor *c, uint8_t type, uint8_t *next, pkt_view *v)
{
	*next = rd_u8(c);
	uint8_t len = rd_u8(c);
	switch (type) {
	case 44: { /* fragment */
		uint16_t off = rd_be16(c);
		uint32_t id = rd_be32(c);
		v->frag_off = off >> 3;
		v->mf = off & 1;
		v->ipid = (uint16_t)id;
		v->quirks |= Q_FRAGMENT;
		return 0;
	}
	case 51: /* AH: length in 4-octet units, minus 2 */
		rd_skip(c, (size_t)len * 4 + 6);
		return 0;
	default: /* 8-octet units, not counting the first 8 */
		rd_skip(c, (size_t)len * 8 + 6);
		return 0;
	}
}

static int ip6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60 || nh == 135 ||
	       nh == 139 || nh == 140 || nh == 253 || nh == 254;
}

static void decode_ipv6(cursor *c, pkt_view *v, int depth)
{
	const uint8_t *hdr = rd_ptr(c);
	size_t avail = rd_left(c);
	uint32_t vtf = rd_be32(c);
	uint16_t plen = rd_be16(c);
	uint8_t nh = rd_u8(c);
	v->ttl = rd_u8(c);
	rd_bytes(c, v->src, 16);
	rd_bytes(c, v->dst, 16);
	if (!rd_ok(c)) {
		v->quirks |= unless_snapped(v, Q_TRUNC);
		return;
	}
	v->family = 6;
	v->l3 = hdr;
	v->l3_caplen = (uint32_t)avail;
	v->tos = (uint8_t)(vtf >> 20);
	v->flow_label = vtf & 0xfffff;
	v->ip_len = (uint16_t)(plen + 40u > 0xffff ? 0xffff : plen + 40u);
	if (v->ttl == 0)
		v->quirks |= Q_ZERO_TTL;
	if (memcmp(v->src, v->dst, 16) == 0)
		v->quirks |= Q_SRC_EQ_DST;
	cursor body = ip_payload(c, plen, v);
	int n = 0;
	while (ip6_is_ext(nh)) {
		v->quirks |= Q_IP6_EXT;
		if (++n > MAX_IP6_EXT || ip6_ext_len(&body, nh, &nh, v) < 0 || !rd_ok(&body)) {
			if (n > MAX_IP6_EXT || !body.capped)
				v->quirks |= Q_IP6_EXT_BAD;
			else /* cut where the datagram was cut */
				v->quirks |= unless_snapped(v, Q_IP6_EXT_BAD);
			v->proto = nh;
			return;
		}
		if (v->frag_off) {
			v->proto = nh;
			v->payload = rd_ptr(&body);
			v->payload_len = (uint32_t)rd_left(&body);
			return;
		}
	}
	v->proto = nh;
	ip_dispatch(&body, v, depth);
}

/* GRE (RFC 2784/2890): flags, version, protocol type, optional fields. */
static void decode_gre(cursor *c, pkt_view *v, int depth)
{
	uint16_t flags = rd_be16(c);
	uint16_t type = rd_be16(c);
	if (flags & 0x8000)
		rd_skip(c, 4); /* checksum + reserved */
	if (flags & 0x2000)
		rd_skip(c, 4); /* key */
	if (flags & 0x1000)
		rd_skip(c, 4); /* sequence */
	if (!rd_ok(c) || (flags & 0x7) != 0)
		return; /* truncated, or PPTP's enhanced GRE: leave as GRE */
	if (type == 0x0800 || type == 0x86DD) {
		decode_ip(c, v, depth + 1);
	} else if (type == 0x6558 && rd_left(c) >= 14) { /* transparent Ethernet */
		rd_skip(c, 12);
		uint16_t et = rd_be16(c);
		if (et == 0x0800 || et == 0x86DD)
			decode_ip(c, v, depth + 1);
	}
}

/* Decodes the packet inside a tunnel; keeps the outer view if nothing
 * usable is inside. */
static int ip_tunnel(cursor *l4, pkt_view *v, int depth)
{
	pkt_view outer = *v;
	cursor inner = *l4;
	if (v->proto == 47)
		decode_gre(&inner, v, depth);
	else
		decode_ip(&inner, v, depth + 1);
	if (v->family != 0 && v->l3 != outer.l3)
		return 1;
	*v = outer;
	return 0;
}

static void ip_dispatch(cursor *l4, pkt_view *v, int depth)
{
	switch (v->proto) {
	case 6:
		decode_tcp(l4, v);
		return;
	case 17:
		decode_udp(l4, v);
		return;
	case 1:
	case 58:
		decode_icmp(l4, v);
		return;
	case 4:
	case 41:
	case 47:
		if (depth < MAX_TUNNEL_DEPTH && ip_tunnel(l4, v, depth))
			return;
		break;
	default:
		break;
	}
	v->quirks |= Q_L4_UNKNOWN;
	v->payload = rd_ptr(l4);
	v->payload_len = (uint32_t)rd_left(l4);
}

/* Decodes the IP header at the cursor (version by its first nibble). A
 * tunnelled packet replaces the outer one in the view; the tunnel is noted. */
int decode_ip(cursor *c, pkt_view *v, int depth)
{
	if (rd_left(c) < 1) {
		v->quirks |= unless_snapped(v, Q_TRUNC);
		return 0;
	}
	uint8_t ver = rd_ptr(c)[0] >> 4;
	if (depth > 0) {
		uint32_t keep = v->quirks | Q_TUNNEL;
		uint32_t wire = v->wire_len, cap = v->cap_len;
		int64_t ts = v->ts_ns;
		pkt_view_reset(v);
		v->quirks = keep;
		v->wire_len = wire;
		v->cap_len = cap;
		v->ts_ns = ts;
	}
	if (ver == 4)
		decode_ipv4(c, v, depth);
	else if (ver == 6)
		decode_ipv6(c, v, depth);
	else
		v->quirks |= Q_BAD_IP_VERSION;
	return v->family != 0;
}
