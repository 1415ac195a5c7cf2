/* Link layers: Ethernet (with 802.1Q / 802.1ad / QinQ tags), Linux cooked
 * capture v1 and v2, raw IPv4/IPv6, BSD loopback (DLT_NULL, DLT_LOOP). */
#include "decode/cursor.h"
#include "decode/decode.h"

#include <pcap/dlt.h>
#include <string.h>

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88A8
#define ETH_QINQ_OLD 0x9100
#define MAX_VLAN_TAGS 4

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static const struct {
	int dlt;
	const char *name;
} link_names[] = {
	{DLT_EN10MB, "Ethernet"},   {DLT_LINUX_SLL, "Linux cooked v1"},
	{DLT_LINUX_SLL2, "Linux cooked v2"}, {DLT_RAW, "raw IP"},
	{DLT_IPV4, "raw IPv4"},     {DLT_IPV6, "raw IPv6"},
	{DLT_NULL, "BSD loopback"}, {DLT_LOOP, "OpenBSD loopback"},
};

int decode_link_supported(int dlt)
{
	for (size_t i = 0; i < sizeof link_names / sizeof link_names[0]; i++)
		if (link_names[i].dlt == dlt)
			return 1;
	return 0;
}

const char *decode_link_name(int dlt)
{
	for (size_t i = 0; i < sizeof link_names / sizeof link_names[0]; i++)
		if (link_names[i].dlt == dlt)
			return link_names[i].name;
	return "unsupported";
}

/* Skips any VLAN tags and returns the inner EtherType. */
static uint16_t eth_skip_tags(cursor *c, uint16_t type)
{
	for (int i = 0; i < MAX_VLAN_TAGS; i++) {
		if (type != ETH_VLAN && type != ETH_QINQ && type != ETH_QINQ_OLD)
			return type;
		rd_skip(c, 2); /* PCP, DEI, VID */
		type = rd_be16(c);
	}
	return type;
}

static int ethertype_to_ip(uint16_t type)
{
	return type == ETH_IPV4 || type == ETH_IPV6;
}

/* BSD loopback: a 4-byte address family in the capturing host's byte order
 * (DLT_NULL) or network order (DLT_LOOP). IPv6 is 24, 28 or 30 on the BSDs
 * and macOS, 10 on Linux. */
static int loop_family_is_ip(uint32_t af)
{
	return af == 2 || af == 24 || af == 28 || af == 30 || af == 10;
}

static int link_to_l3(int dlt, cursor *c, pkt_view *v)
{
	uint16_t type;
	switch (dlt) {
	case DLT_EN10MB:
		rd_skip(c, 12);
		type = eth_skip_tags(c, rd_be16(c));
		break;
	case DLT_LINUX_SLL:
		rd_skip(c, 14);
		type = eth_skip_tags(c, rd_be16(c));
		break;
	case DLT_LINUX_SLL2:
		type = rd_be16(c);
		rd_skip(c, 18);
		type = eth_skip_tags(c, type);
		break;
	case DLT_NULL:
	case DLT_LOOP: {
		uint32_t be = rd_be32(c);
		uint32_t le = ((be & 0xff) << 24) | ((be & 0xff00) << 8) | ((be >> 8) & 0xff00) |
			      (be >> 24);
		if (!rd_ok(c))
			break;
		return loop_family_is_ip(be) || loop_family_is_ip(le);
	}
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return 1;
	default:
		return 0;
	}
	if (!rd_ok(c)) {
		if (!(v->quirks & Q_SNAPPED)) /* a snap length that cut the header is ours */
			v->quirks |= Q_LINK_BAD;
		return 0;
	}
	if (!ethertype_to_ip(type)) {
		v->quirks |= Q_NOT_IP;
		return 0;
	}
	return 1;
}

void pkt_view_reset(pkt_view *v)
{
	memset(v, 0, offsetof(pkt_view, opt.kind));
	v->quote.family = 0;
}

int decode_packet(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		  int64_t ts_ns, pkt_view *v)
{
	pkt_view_reset(v);
	v->ts_ns = ts_ns;
	v->cap_len = caplen;
	v->wire_len = wirelen;
	if (caplen < wirelen)
		v->quirks |= Q_SNAPPED;
	cursor c = rd_init(data, caplen);
	if (!link_to_l3(dlt, &c, v))
		return 0;
	decode_ip(&c, v, 0);
	return v->family != 0;
}
