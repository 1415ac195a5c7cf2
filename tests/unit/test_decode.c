/* The decoder: every link type, IPv4 (options, fragments), IPv6 (extension
 * headers), TCP (options in wire order, quirks), UDP lengths, ICMP/ICMPv6
 * errors with their quote, tunnels, and snap-length cuts vs malformed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/dlt.h>

#include "decode/cursor.h"
#include "decode/decode.h"
#include "pktgen.h"

#define SRC IP4(198, 51, 100, 7)
#define DST IP4(203, 0, 113, 9)

static pkt_view v;

static int dec(int dlt, const pg *p)
{
	return decode_packet(dlt, p->b, (uint32_t)p->n, (uint32_t)p->n, 1000, &v);
}

/* As captured with a snap length: caplen bytes of a packet of p->n. */
static int dec_snap(int dlt, const pg *p, size_t caplen)
{
	return decode_packet(dlt, p->b, (uint32_t)caplen, (uint32_t)p->n, 1000, &v);
}

static void syn4(pg *p)
{
	static const uint8_t opt[] = {2, 4, 5, 0xb4, 1, 3, 3, 7, 1, 1, 8, 10,
				      0, 0, 0, 1,    0, 0, 0, 0, 4, 2, 0, 0};
	pg_ip4(p, 6, SRC, DST, NULL, 0);
	pg_tcp(p, 40000, 22, 0x01020304, 0, 0x02, 64240, opt, sizeof opt);
	pg_fix_ip4(p);
}

static void eth_syn4(pg *p, const uint16_t *tags, int ntags)
{
	pg_init(p);
	pg_eth(p, 0x0800, tags, ntags);
	syn4(p);
}

/* --- link layers ------------------------------------------------------ */

static void assert_syn4(void)
{
	assert_int_equal(v.family, 4);
	assert_int_equal(v.src4, SRC);
	assert_int_equal(v.dst4, DST);
	assert_int_equal(v.proto, 6);
	assert_int_equal(v.dport, 22);
	assert_true(v.l4_ok);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
}

static void link_ethernet(void **state)
{
	(void)state;
	pg p;
	eth_syn4(&p, NULL, 0);
	assert_int_equal(dec(DLT_EN10MB, &p), 1);
	assert_syn4();
	assert_int_equal(v.quirks, 0);
	assert_ptr_equal(v.l3, p.b + 14);
}

static void link_vlan_qinq(void **state)
{
	(void)state;
	static const uint16_t one[] = {0x8100};
	static const uint16_t qinq[] = {0x88a8, 0x8100};
	static const uint16_t old[] = {0x9100, 0x8100, 0x8100};
	pg p;
	eth_syn4(&p, one, 1);
	assert_int_equal(dec(DLT_EN10MB, &p), 1);
	assert_syn4();
	assert_ptr_equal(v.l3, p.b + 18);
	eth_syn4(&p, qinq, 2);
	assert_int_equal(dec(DLT_EN10MB, &p), 1);
	assert_syn4();
	assert_ptr_equal(v.l3, p.b + 22);
	eth_syn4(&p, old, 3);
	assert_int_equal(dec(DLT_EN10MB, &p), 1);
	assert_syn4();
}

static void link_too_many_tags_is_not_ip(void **state)
{
	(void)state;
	static const uint16_t five[] = {0x8100, 0x8100, 0x8100, 0x8100, 0x8100};
	pg p;
	eth_syn4(&p, five, 5);
	assert_int_equal(dec(DLT_EN10MB, &p), 0);
	assert_true(v.quirks & Q_NOT_IP);
}

static void link_ethernet_not_ip_and_short(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_eth(&p, 0x0806, NULL, 0); /* ARP */
	for (int i = 0; i < 28; i++)
		pg_u8(&p, 0);
	assert_int_equal(dec(DLT_EN10MB, &p), 0);
	assert_true(v.quirks & Q_NOT_IP);
	assert_int_equal(v.family, 0);
	p.n = 10; /* not even an Ethernet header, and not because of the snap length */
	assert_int_equal(dec(DLT_EN10MB, &p), 0);
	assert_true(v.quirks & Q_LINK_BAD);
	assert_int_equal(decode_packet(DLT_EN10MB, NULL, 0, 0, 0, &v), 0);
}

static void link_linux_cooked_v1(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_be16(&p, 0); /* packet type: to us */
	pg_be16(&p, 1); /* ARPHRD_ETHER */
	pg_be16(&p, 6); /* address length */
	pg_be32(&p, 0x02000000);
	pg_be32(&p, 0x00010000);
	pg_be16(&p, 0x0800);
	syn4(&p);
	assert_int_equal(dec(DLT_LINUX_SLL, &p), 1);
	assert_syn4();
	assert_ptr_equal(v.l3, p.b + 16);
	/* a VLAN tag the kernel left in (protocol 0x8100) */
	pg_init(&p);
	pg_be16(&p, 0);
	pg_be16(&p, 1);
	pg_be16(&p, 6);
	pg_be32(&p, 0);
	pg_be32(&p, 0);
	pg_be16(&p, 0x8100);
	pg_be16(&p, 42);
	pg_be16(&p, 0x0800);
	syn4(&p);
	assert_int_equal(dec(DLT_LINUX_SLL, &p), 1);
	assert_syn4();
}

static void link_linux_cooked_v2(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_be16(&p, 0x86dd); /* protocol */
	pg_be16(&p, 0);	     /* reserved */
	pg_be32(&p, 3);	     /* interface index */
	pg_be16(&p, 1);	     /* ARPHRD_ETHER */
	pg_u8(&p, 0);	     /* packet type */
	pg_u8(&p, 6);	     /* address length */
	pg_be32(&p, 0x02000000);
	pg_be32(&p, 0x00010000);
	pg_ip6(&p, 17, 1, 2);
	pg_udp(&p, 5060, 5060, "OPTIONS", 7);
	pg_fix_ip6(&p);
	assert_int_equal(dec(276 /* DLT_LINUX_SLL2 */, &p), 1);
	assert_int_equal(v.family, 6);
	assert_int_equal(v.src[15], 1);
	assert_int_equal(v.dport, 5060);
	assert_int_equal(v.payload_len, 7);
	assert_ptr_equal(v.l3, p.b + 20);
	/* an ARP frame in SLL2 is not IP */
	p.b[0] = 0x08;
	p.b[1] = 0x06;
	assert_int_equal(dec(276, &p), 0);
	assert_true(v.quirks & Q_NOT_IP);
}

static void link_raw_ip(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	syn4(&p);
	assert_int_equal(dec(DLT_RAW, &p), 1);
	assert_syn4();
	assert_int_equal(dec(228 /* DLT_IPV4 */, &p), 1);
	assert_syn4();
	pg_init(&p);
	pg_ip6(&p, 6, 1, 2);
	pg_tcp(&p, 1, 80, 5, 0, 0x02, 1024, NULL, 0);
	pg_fix_ip6(&p);
	assert_int_equal(dec(DLT_RAW, &p), 1);
	assert_int_equal(v.family, 6);
	assert_int_equal(dec(229 /* DLT_IPV6 */, &p), 1);
	assert_int_equal(v.family, 6);
	assert_int_equal(v.dport, 80);
}

/* BSD loopback: the address family in the capturing host's byte order
 * (DLT_NULL, either order) or in network order (DLT_LOOP). */
static void loop_family(int dlt, uint32_t af, int le, int v6)
{
	pg p;
	pg_init(&p);
	if (le)
		pg_le32(&p, af);
	else
		pg_be32(&p, af);
	if (v6) {
		pg_ip6(&p, 17, 1, 2);
		pg_udp(&p, 1, 2, "x", 1);
		pg_fix_ip6(&p);
	} else {
		syn4(&p);
	}
	assert_int_equal(dec(dlt, &p), 1);
	assert_int_equal(v.family, v6 ? 6 : 4);
	assert_ptr_equal(v.l3, p.b + 4);
}

static void link_bsd_loopback(void **state)
{
	(void)state;
	static const uint32_t v6fams[] = {24, 28, 30, 10};
	for (int le = 0; le < 2; le++) {
		loop_family(DLT_NULL, 2, le, 0);
		loop_family(DLT_LOOP, 2, le, 0);
		for (int i = 0; i < 4; i++) {
			loop_family(DLT_NULL, v6fams[i], le, 1);
			loop_family(DLT_LOOP, v6fams[i], le, 1);
		}
	}
	pg p;
	pg_init(&p);
	pg_le32(&p, 7); /* AF_ISO: not IP */
	syn4(&p);
	assert_int_equal(dec(DLT_NULL, &p), 0);
	assert_int_equal(v.family, 0);
	p.n = 3;
	assert_int_equal(dec(DLT_NULL, &p), 0);
	assert_true(v.quirks & Q_LINK_BAD);
}

static void link_support_table(void **state)
{
	(void)state;
	static const int ok[] = {DLT_EN10MB, DLT_LINUX_SLL, 276,      DLT_RAW,
				 228,	     229,	    DLT_NULL, DLT_LOOP};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_true(decode_link_supported(ok[i]));
		assert_string_not_equal(decode_link_name(ok[i]), "unsupported");
	}
	assert_false(decode_link_supported(DLT_IEEE802_11));
	assert_string_equal(decode_link_name(DLT_IEEE802_11), "unsupported");
	pg p;
	eth_syn4(&p, NULL, 0);
	assert_int_equal(dec(DLT_IEEE802_11, &p), 0);
}

/* --- IPv4 ------------------------------------------------------------- */

static void ip4_header_fields(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip4(&p, 17, SRC, DST, NULL, 0);
	p.b[1] = 0xb8; /* TOS */
	pg_udp(&p, 5060, 5060, "abc", 3);
	pg_fix_ip4(&p);
	assert_int_equal(dec(DLT_RAW, &p), 1);
	assert_int_equal(v.tos, 0xb8);
	assert_int_equal(v.ipid, 0x1234);
	assert_int_equal(v.ttl, 64);
	assert_true(v.df);
	assert_false(v.mf);
	assert_int_equal(v.ip_len, p.n);
	assert_true(addr_is_v4(v.src));
	char t[46];
	assert_string_equal(addr_str(v.src, t), "198.51.100.7");
	assert_int_equal(v.payload_len, 3);
	assert_memory_equal(v.payload, "abc", 3);
	assert_int_equal(v.quirks, 0);
}

static void ip4_options(void **state)
{
	(void)state;
	/* NOP, record route (7, len 7, ptr 4, one slot), EOL: 12 bytes */
	static const uint8_t rr[] = {1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0, 0};
	pg p;
	pg_init(&p);
	pg_ip4(&p, 6, SRC, DST, rr, sizeof rr);
	pg_tcp(&p, 1, 23, 9, 0, 0x02, 1024, NULL, 0);
	pg_fix_ip4(&p);
	assert_int_equal(dec(DLT_RAW, &p), 1);
	assert_int_equal(v.ip_opt_len, 12);
	assert_true(v.quirks & Q_IP_OPT);
	assert_false(v.quirks & Q_IP_OPT_BAD);
	assert_int_equal(v.dport, 23); /* TCP found after the options */
	/* an option of length 1 is impossible */
	static const uint8_t bad1[] = {7, 1, 0, 0};
	pg_init(&p);
	pg_ip4(&p, 6, SRC, DST, bad1, sizeof bad1);
	pg_tcp(&p, 1, 23, 9, 0, 0x02, 1024, NULL, 0);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_IP_OPT_BAD);
	assert_int_equal(v.dport, 23);
	/* an option longer than the header */
	static const uint8_t bad2[] = {1, 68, 40, 0};
	pg_init(&p);
	pg_ip4(&p, 6, SRC, DST, bad2, sizeof bad2);
	pg_tcp(&p, 1, 23, 9, 0, 0x02, 1024, NULL, 0);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_IP_OPT_BAD);
	assert_true(v.quirks & QUIRK_MALFORMED);
}

static void ip4_header_length_and_total_length(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	syn4(&p);
	p.b[0] = 0x44; /* IHL 4 */
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_BAD_IHL);
	assert_int_equal(v.family, 4); /* still known: the addresses were there */
	assert_false(v.l4_ok);
	/* total length 0 (TSO capture): take what is there */
	pg_init(&p);
	syn4(&p);
	pg_put16(&p, 2, 0);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_IP_LEN);
	assert_true(v.l4_ok);
	assert_int_equal(v.dport, 22);
	/* total length beyond the frame, not snapped: truncated in transit */
	pg_init(&p);
	syn4(&p);
	pg_put16(&p, 2, (uint32_t)p.n + 100);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_IP_LEN);
	assert_true(v.quirks & Q_TRUNC);
	/* bad version */
	pg_init(&p);
	syn4(&p);
	p.b[0] = 0x55;
	assert_int_equal(dec(DLT_RAW, &p), 0);
	assert_true(v.quirks & Q_BAD_IP_VERSION);
	/* not even an IPv4 header */
	pg_init(&p);
	syn4(&p);
	p.n = 12;
	assert_int_equal(dec(DLT_RAW, &p), 0);
	assert_true(v.quirks & Q_TRUNC);
}

static void ip4_padding_and_trailer(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_eth(&p, 0x0800, NULL, 0);
	pg_ip4(&p, 17, SRC, DST, NULL, 0);
	pg_udp(&p, 1, 53, "q", 1);
	pg_fix_ip4(&p);
	while (p.n < 60)
		pg_u8(&p, 0); /* Ethernet minimum frame padding */
	dec(DLT_EN10MB, &p);
	assert_int_equal(v.quirks, 0);
	assert_int_equal(v.payload_len, 1);
	p.b[58] = 0xee; /* junk after the datagram */
	dec(DLT_EN10MB, &p);
	assert_true(v.quirks & Q_IP_TRAILER);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
}

static void ip4_flag_quirks(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip4(&p, 6, SRC, SRC, NULL, 0);
	p.b[6] |= 0x80; /* evil bit */
	p.b[8] = 0;	/* TTL 0 */
	pg_tcp(&p, 0, 22, 1, 0, 0x02, 1024, NULL, 0);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_IP_RESERVED);
	assert_true(v.quirks & Q_ZERO_TTL);
	assert_true(v.quirks & Q_SRC_EQ_DST);
	assert_true(v.quirks & Q_PORT_ZERO);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
}

static void ip4_fragments(void **state)
{
	(void)state;
	uint8_t data[64];
	memset(data, 'a', sizeof data);
	pg p;
	/* first fragment: MF, offset 0; the UDP header is here, its length
	 * covers the whole datagram */
	pg_init(&p);
	pg_ip4(&p, 17, SRC, DST, NULL, 0);
	pg_put16(&p, 6, 0x2000);
	pg_udp(&p, 4000, 5060, data, 16);
	pg_put16(&p, p.l4 + 4, 8 + 200);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_FRAGMENT);
	assert_true(v.mf);
	assert_int_equal(v.frag_off, 0);
	assert_true(v.l4_ok);
	assert_int_equal(v.dport, 5060);
	assert_false(v.quirks & Q_UDP_LEN);
	/* a later fragment: no L4 header, only payload */
	pg_init(&p);
	pg_ip4(&p, 17, SRC, DST, NULL, 0);
	pg_put16(&p, 6, 3); /* offset 24 bytes, last fragment */
	pg_bytes(&p, data, 40);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_FRAGMENT);
	assert_int_equal(v.frag_off, 3);
	assert_false(v.l4_ok);
	assert_int_equal(v.sport, 0);
	assert_int_equal(v.payload_len, 40);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
}

/* --- IPv6 ------------------------------------------------------------- */

static void ip6_header_fields(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip6(&p, 17, 1, 2);
	pg_udp(&p, 5060, 5060, "hello", 5);
	pg_fix_ip6(&p);
	assert_int_equal(dec(DLT_RAW, &p), 1);
	assert_int_equal(v.family, 6);
	assert_int_equal(v.ttl, 57);
	assert_int_equal(v.tos, 0x2e);
	assert_int_equal(v.flow_label, 0x12345);
	assert_int_equal(v.ip_len, p.n);
	assert_false(addr_is_v4(v.src));
	char t[46];
	assert_string_equal(addr_str(v.src, t), "2001:db8::1");
	assert_int_equal(v.payload_len, 5);
	assert_int_equal(v.quirks, 0);
}

static void ip6_extension_headers(void **state)
{
	(void)state;
	pg p;
	/* hop-by-hop -> routing -> destination options -> AH -> TCP */
	pg_init(&p);
	pg_ip6(&p, 0, 1, 2);
	pg_ip6_ext(&p, 43, 0);
	pg_ip6_ext(&p, 60, 1);
	pg_ip6_ext(&p, 51, 0);
	/* AH: next, length in 4-octet units minus 2 (4 -> 24 bytes) */
	pg_u8(&p, 6);
	pg_u8(&p, 4);
	for (int i = 0; i < 22; i++)
		pg_u8(&p, 0);
	pg_tcp(&p, 1000, 443, 7, 0, 0x02, 1024, NULL, 0);
	pg_fix_ip6(&p);
	assert_int_equal(dec(DLT_RAW, &p), 1);
	assert_true(v.quirks & Q_IP6_EXT);
	assert_false(v.quirks & Q_IP6_EXT_BAD);
	assert_int_equal(v.proto, 6);
	assert_true(v.l4_ok);
	assert_int_equal(v.dport, 443);
	assert_int_equal(v.seq, 7);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
}

static void ip6_fragment_header(void **state)
{
	(void)state;
	pg p;
	/* first fragment (offset 0, M=1): UDP follows */
	pg_init(&p);
	pg_ip6(&p, 44, 1, 2);
	pg_u8(&p, 17);
	pg_u8(&p, 0);
	pg_be16(&p, 0x0001);
	pg_be32(&p, 0xdeadbeef);
	pg_udp(&p, 5060, 5060, "OPTIONS sip:", 12);
	pg_put16(&p, p.l4 + 4, 1000);
	pg_fix_ip6(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_FRAGMENT);
	assert_true(v.mf);
	assert_int_equal(v.ipid, 0xbeef);
	assert_int_equal(v.proto, 17);
	assert_int_equal(v.dport, 5060);
	assert_false(v.quirks & Q_UDP_LEN);
	/* a later fragment: payload only */
	pg_init(&p);
	pg_ip6(&p, 44, 1, 2);
	pg_u8(&p, 17);
	pg_u8(&p, 0);
	pg_be16(&p, 185 << 3);
	pg_be32(&p, 0xdeadbeef);
	pg_bytes(&p, "0123456789", 10);
	pg_fix_ip6(&p);
	dec(DLT_RAW, &p);
	assert_int_equal(v.frag_off, 185);
	assert_false(v.l4_ok);
	assert_int_equal(v.payload_len, 10);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
}

static void ip6_too_many_and_truncated_ext(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip6(&p, 60, 1, 2);
	for (int i = 0; i < 9; i++)
		pg_ip6_ext(&p, i < 8 ? 60 : 17, 0);
	pg_udp(&p, 1, 2, NULL, 0);
	pg_fix_ip6(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_IP6_EXT_BAD);
	assert_false(v.l4_ok);
	/* eight are fine */
	pg_init(&p);
	pg_ip6(&p, 60, 1, 2);
	for (int i = 0; i < 8; i++)
		pg_ip6_ext(&p, i < 7 ? 60 : 17, 0);
	pg_udp(&p, 1, 2, NULL, 0);
	pg_fix_ip6(&p);
	dec(DLT_RAW, &p);
	assert_false(v.quirks & Q_IP6_EXT_BAD);
	assert_true(v.l4_ok);
	/* a header that claims more than the payload holds */
	pg_init(&p);
	pg_ip6(&p, 0, 1, 2);
	pg_ip6_ext(&p, 17, 0);
	p.b[p.ip + 41] = 20; /* 168 bytes */
	pg_fix_ip6(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_IP6_EXT_BAD);
	assert_true(v.quirks & QUIRK_MALFORMED);
	/* no next header */
	pg_init(&p);
	pg_ip6(&p, 59, 1, 2);
	pg_fix_ip6(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_L4_UNKNOWN);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
}

static void ip6_length_and_short_header(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip6(&p, 17, 1, 1);
	pg_udp(&p, 1, 2, "abcd", 4);
	pg_fix_ip6(&p);
	pg_put16(&p, 4, 500);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_IP_LEN);
	assert_true(v.quirks & Q_TRUNC);
	assert_true(v.quirks & Q_SRC_EQ_DST);
	p.n = 30;
	assert_int_equal(dec(DLT_RAW, &p), 0);
	assert_true(v.quirks & Q_TRUNC);
}

/* --- TCP -------------------------------------------------------------- */

static void tcp_header_fields(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip4(&p, 6, SRC, DST, NULL, 0);
	pg_tcp(&p, 51000, 445, 0xa1b2c3d4, 0x11223344, 0x18, 8192, NULL, 0);
	pg_bytes(&p, "data", 4);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_int_equal(v.sport, 51000);
	assert_int_equal(v.dport, 445);
	assert_int_equal(v.seq, 0xa1b2c3d4);
	assert_int_equal(v.ack, 0x11223344);
	assert_int_equal(v.tcp_flags, TCP_PSH | TCP_ACK);
	assert_int_equal(v.win, 8192);
	assert_int_equal(v.tcp_hlen, 20);
	assert_int_equal(v.opt.n, 0);
	assert_int_equal(v.payload_len, 4);
	assert_memory_equal(v.payload, "data", 4);
	assert_int_equal(v.quirks, 0);
}

static void tcp_options_in_wire_order(void **state)
{
	(void)state;
	/* MSS, SACK-ok, TS, NOP, WS, an unknown kind (TFO cookie), SACK, EOL + pad */
	static const uint8_t opt[] = {2, 4,  0x05, 0xb4, 4, 2, 8, 10, 0,  0, 0,	   42,
				      0, 0,  0,	   0,	 1, 3, 3, 7,  34, 4, 0xab, 0xcd,
				      5, 10, 0,	   0,	 0, 1, 0, 0,  0,  2, 0,	   0};
	pg p;
	pg_init(&p);
	pg_ip4(&p, 6, SRC, DST, NULL, 0);
	pg_tcp(&p, 1, 80, 1, 0, 0x02, 65535, opt, sizeof opt);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	static const uint8_t kinds[] = {2, 4, 8, 1, 3, 34, 5, 0};
	assert_int_equal(v.opt.n, sizeof kinds);
	assert_memory_equal(v.opt.kind, kinds, sizeof kinds);
	assert_int_equal(v.opt.len, sizeof opt);
	assert_true(v.opt.has_mss);
	assert_int_equal(v.opt.mss, 1460);
	assert_true(v.opt.sack_ok);
	assert_true(v.opt.has_ts);
	assert_int_equal(v.opt.tsval, 42);
	assert_int_equal(v.opt.tsecr, 0);
	assert_true(v.opt.has_ws);
	assert_int_equal(v.opt.wscale, 7);
	assert_int_equal(v.opt.eol_pad, 1);
	assert_int_equal(v.quirks, 0);
}

static void tcp_forty_nops(void **state)
{
	(void)state;
	uint8_t opt[40];
	memset(opt, 1, sizeof opt);
	pg p;
	pg_init(&p);
	pg_ip4(&p, 6, SRC, DST, NULL, 0);
	pg_tcp(&p, 1, 80, 1, 0, 0x02, 1024, opt, sizeof opt);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_int_equal(v.opt.n, TCP_MAX_OPTS); /* bounded, in order */
	assert_int_equal(v.opt.len, 40);
	assert_int_equal(v.quirks, 0);
}

static uint32_t tcp_quirks_of(uint8_t flags, uint32_t ack, uint16_t urg, uint8_t res,
			      const uint8_t *opt, size_t optlen)
{
	pg p;
	pg_init(&p);
	pg_ip4(&p, 6, SRC, DST, NULL, 0);
	pg_tcp(&p, 1000, 80, 1, ack, flags, 1024, opt, optlen);
	p.b[p.l4 + 12] |= res;
	pg_put16(&p, p.l4 + 18, urg);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	return v.quirks;
}

static void tcp_quirks(void **state)
{
	(void)state;
	assert_int_equal(tcp_quirks_of(0x02, 0, 0, 0, NULL, 0), 0);
	assert_true(tcp_quirks_of(0x00, 0, 0, 0, NULL, 0) & Q_TCP_FLAGS); /* null */
	assert_true(tcp_quirks_of(0x03, 0, 0, 0, NULL, 0) & Q_TCP_FLAGS); /* SYN+FIN */
	assert_true(tcp_quirks_of(0x06, 0, 0, 0, NULL, 0) & Q_TCP_FLAGS); /* SYN+RST */
	assert_true(tcp_quirks_of(0x29, 0, 0, 0, NULL, 0) & Q_TCP_FLAGS); /* xmas */
	assert_true(tcp_quirks_of(0x02, 77, 0, 0, NULL, 0) & Q_TCP_ACK_NZ);
	assert_false(tcp_quirks_of(0x12, 77, 0, 0, NULL, 0) & Q_TCP_ACK_NZ);
	assert_true(tcp_quirks_of(0x02, 0, 5, 0, NULL, 0) & Q_TCP_URG_NZ);
	assert_false(tcp_quirks_of(0x22, 0, 5, 0, NULL, 0) & Q_TCP_URG_NZ);
	assert_true(tcp_quirks_of(0x02, 0, 0, 0x01, NULL, 0) & Q_TCP_RESERVED);
	static const uint8_t ts_ecr[] = {8, 10, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0};
	assert_true(tcp_quirks_of(0x02, 0, 0, 0, ts_ecr, sizeof ts_ecr) & Q_TCP_TS_ECR);
	assert_false(tcp_quirks_of(0x12, 1, 0, 0, ts_ecr, sizeof ts_ecr) & Q_TCP_TS_ECR);
	static const uint8_t ws15[] = {3, 3, 15, 0};
	assert_true(tcp_quirks_of(0x02, 0, 0, 0, ws15, sizeof ws15) & Q_TCP_WS_HIGH);
	static const uint8_t pad[] = {2, 4, 5, 0xb4, 0, 0, 9, 0};
	assert_true(tcp_quirks_of(0x02, 0, 0, 0, pad, sizeof pad) & Q_TCP_OPT_PAD);
	static const uint8_t mss3[] = {2, 3, 5, 0};
	assert_true(tcp_quirks_of(0x02, 0, 0, 0, mss3, sizeof mss3) & Q_TCP_OPT_BAD);
	static const uint8_t len1[] = {1, 30, 1, 0};
	assert_true(tcp_quirks_of(0x02, 0, 0, 0, len1, sizeof len1) & Q_TCP_OPT_BAD);
	static const uint8_t beyond[] = {1, 1, 30, 9};
	assert_true(tcp_quirks_of(0x02, 0, 0, 0, beyond, sizeof beyond) & Q_TCP_OPT_BAD);
	static const uint8_t lastbyte[] = {1, 1, 1, 2};
	assert_true(tcp_quirks_of(0x02, 0, 0, 0, lastbyte, sizeof lastbyte) & Q_TCP_OPT_BAD);
}

static void tcp_data_offset(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip4(&p, 6, SRC, DST, NULL, 0);
	pg_tcp(&p, 1, 80, 1, 0, 0x02, 1024, NULL, 0);
	p.b[p.l4 + 12] = 0x30; /* 12 bytes: less than the header */
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_TCP_DOFF);
	assert_true(v.l4_ok);
	p.b[p.l4 + 12] = 0xf0; /* 60 bytes, the segment has 20 */
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_TCP_DOFF);
	assert_true(v.quirks & Q_TRUNC);
	/* a TCP header cut short in the datagram itself */
	p.b[p.l4 + 12] = 0x50;
	p.n = p.l4 + 10;
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_false(v.l4_ok);
	assert_true(v.quirks & Q_TRUNC);
}

/* --- UDP -------------------------------------------------------------- */

static uint32_t udp_len_case(uint16_t udp_len, size_t body, size_t snap_cut)
{
	uint8_t data[64];
	memset(data, 'x', sizeof data);
	pg p;
	pg_init(&p);
	pg_ip4(&p, 17, SRC, DST, NULL, 0);
	pg_udp(&p, 5061, 5060, data, body);
	pg_put16(&p, p.l4 + 4, udp_len);
	pg_fix_ip4(&p);
	dec_snap(DLT_RAW, &p, p.n - snap_cut);
	return v.quirks;
}

static void udp_lengths(void **state)
{
	(void)state;
	assert_int_equal(udp_len_case(8 + 20, 20, 0), 0);
	assert_int_equal(v.payload_len, 20);
	assert_true(udp_len_case(4, 20, 0) & Q_UDP_LEN);      /* below the header */
	assert_true(udp_len_case(8 + 40, 20, 0) & Q_UDP_LEN); /* more than there is */
	assert_int_equal(v.payload_len, 20);
	assert_true(udp_len_case(8 + 10, 20, 0) & Q_UDP_LEN); /* less than there is */
	assert_int_equal(v.payload_len, 10);		      /* trust the smaller */
	/* the snap length cut the payload: not the sender's doing */
	uint32_t q = udp_len_case(8 + 20, 20, 5);
	assert_true(q & Q_SNAPPED);
	assert_int_equal(q & QUIRK_MALFORMED, 0);
	assert_int_equal(v.payload_len, 15);
	assert_int_equal(udp_len_case(8, 0, 0), 0);
	assert_int_equal(v.payload_len, 0);
	/* no room for the UDP header */
	pg p;
	pg_init(&p);
	pg_ip4(&p, 17, SRC, DST, NULL, 0);
	pg_be32(&p, 0x13c413c4);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_false(v.l4_ok);
	assert_true(v.quirks & Q_TRUNC);
}

/* --- ICMP / ICMPv6 ---------------------------------------------------- */

static void icmp_echo_has_no_quote(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip4(&p, 1, SRC, DST, NULL, 0);
	pg_icmp(&p, 8, 0, 0x00010001);
	pg_bytes(&p, "ping", 4);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_int_equal(v.icmp_type, 8);
	assert_true(v.l4_ok);
	assert_int_equal(v.quote.family, 0);
	assert_int_equal(v.payload_len, 4);
	assert_int_equal(v.quirks, 0);
	p.n = p.l4 + 6;
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_ICMP_BAD);
}

static void icmp_error_quotes_udp_and_tcp(void **state)
{
	(void)state;
	pg p;
	/* port unreachable quoting our UDP probe */
	pg_init(&p);
	pg_ip4(&p, 1, DST, SRC, NULL, 0);
	pg_icmp(&p, 3, 3, 0);
	size_t q = p.n;
	pg_ip4(&p, 17, SRC, DST, NULL, 0);
	p.b[q + 8] = 49;
	pg_udp(&p, 5061, 5060, "OPTIONS", 7);
	pg_fix_ip4_at(&p, q);
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_int_equal(v.src4, DST);
	assert_int_equal(v.icmp_type, 3);
	assert_int_equal(v.icmp_code, 3);
	assert_int_equal(v.quote.family, 4);
	assert_int_equal(v.quote.proto, 17);
	assert_int_equal(v.quote.sport, 5061);
	assert_int_equal(v.quote.dport, 5060);
	assert_int_equal(v.quote.ttl, 49);
	assert_int_equal(v.quote.ipid, 0x1234);
	uint8_t want[16];
	addr_from_v4(want, SRC);
	assert_memory_equal(v.quote.src, want, 16);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
	/* time exceeded quoting a TCP SYN with IP options: 8 bytes of TCP */
	static const uint8_t nop4[] = {1, 1, 1, 0};
	pg_init(&p);
	pg_ip4(&p, 1, DST, SRC, NULL, 0);
	pg_icmp(&p, 11, 0, 0);
	q = p.n;
	pg_ip4(&p, 6, SRC, DST, nop4, sizeof nop4);
	pg_be16(&p, 33000);
	pg_be16(&p, 443);
	pg_be32(&p, 0xcafef00d);
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_int_equal(v.quote.family, 4);
	assert_int_equal(v.quote.proto, 6);
	assert_int_equal(v.quote.sport, 33000);
	assert_int_equal(v.quote.dport, 443);
	assert_int_equal(v.quote.seq, 0xcafef00d);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
}

static void icmp_short_quotes(void **state)
{
	(void)state;
	pg p;
	/* only the quoted IP header, none of its UDP header */
	pg_init(&p);
	pg_ip4(&p, 1, DST, SRC, NULL, 0);
	pg_icmp(&p, 3, 1, 0);
	pg_ip4(&p, 17, SRC, DST, NULL, 0);
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_ICMP_QUOTE);
	assert_int_equal(v.quote.family, 4); /* the addresses are still known */
	/* half an IP header */
	p.n = 28 + 10;
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_ICMP_QUOTE);
	assert_int_equal(v.quote.family, 0);
	/* something that is not IP */
	p.b[28] = 0x20;
	p.n = 28 + 28;
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_ICMP_QUOTE);
	assert_int_equal(v.quote.family, 0);
}

static void icmp6_errors(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip6(&p, 58, 9, 1);
	pg_icmp(&p, 1, 4, 0); /* destination unreachable, port */
	size_t q = p.n;
	pg_ip6(&p, 17, 1, 9);
	pg_udp(&p, 5070, 5060, "x", 1);
	pg_fix_ip6_at(&p, q);
	pg_fix_ip6_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_int_equal(v.proto, 58);
	assert_int_equal(v.icmp_type, 1);
	assert_int_equal(v.quote.family, 6);
	assert_int_equal(v.quote.proto, 17);
	assert_int_equal(v.quote.sport, 5070);
	assert_int_equal(v.quote.dport, 5060);
	assert_int_equal(v.quote.src[15], 1);
	assert_int_equal(v.quote.ttl, 57);
	assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
	/* echo request: informational, no quote */
	pg_init(&p);
	pg_ip6(&p, 58, 9, 1);
	pg_icmp(&p, 128, 0, 1);
	pg_fix_ip6(&p);
	dec(DLT_RAW, &p);
	assert_int_equal(v.quote.family, 0);
	assert_int_equal(v.quirks, 0);
	/* packet too big with a quote cut inside the IPv6 header */
	pg_init(&p);
	pg_ip6(&p, 58, 9, 1);
	pg_icmp(&p, 2, 0, 1280);
	pg_ip6(&p, 6, 1, 9);
	p.n -= 20;
	pg_fix_ip6_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_ICMP_QUOTE);
	assert_int_equal(v.quote.family, 0);
}

/* --- tunnels ---------------------------------------------------------- */

static void tunnel_ip_in_ip(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	pg_ip4(&p, 4, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), NULL, 0);
	syn4(&p);
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_TUNNEL);
	assert_syn4(); /* the inner packet is what is profiled */
	assert_ptr_equal(v.l3, p.b + 20);
	/* IPv6 in IPv4 (6in4) */
	pg_init(&p);
	pg_ip4(&p, 41, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), NULL, 0);
	size_t in = p.n;
	pg_ip6(&p, 17, 5, 6);
	pg_udp(&p, 1, 53, "q", 1);
	pg_fix_ip6_at(&p, in);
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_TUNNEL);
	assert_int_equal(v.family, 6);
	assert_int_equal(v.dport, 53);
}

static void gre(pg *p, uint16_t flags, uint16_t type)
{
	pg_init(p);
	pg_ip4(p, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), NULL, 0);
	pg_be16(p, flags);
	pg_be16(p, type);
	for (int bit = 0x8000; bit >= 0x1000; bit >>= 1)
		if ((flags & bit) && bit != 0x4000)
			pg_be32(p, 0x11111111);
}

static void tunnel_gre(void **state)
{
	(void)state;
	pg p;
	gre(&p, 0xb000, 0x0800); /* checksum, key and sequence present */
	syn4(&p);
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_TUNNEL);
	assert_syn4();
	/* transparent Ethernet bridging */
	gre(&p, 0, 0x6558);
	pg_eth(&p, 0x0800, NULL, 0);
	syn4(&p);
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_TUNNEL);
	assert_syn4();
	/* enhanced GRE (PPTP, version 1): left as GRE */
	gre(&p, 0x2001, 0x880b);
	pg_bytes(&p, "ppp", 3);
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_false(v.quirks & Q_TUNNEL);
	assert_int_equal(v.proto, 47);
	assert_int_equal(v.src4, IP4(10, 0, 0, 1));
	assert_true(v.quirks & Q_L4_UNKNOWN);
	/* a GRE header cut short keeps the outer packet */
	gre(&p, 0x8000, 0x0800);
	p.n -= 2;
	pg_fix_ip4_at(&p, 0);
	dec(DLT_RAW, &p);
	assert_int_equal(v.proto, 47);
	assert_int_equal(v.src4, IP4(10, 0, 0, 1));
}

static void tunnel_depth_is_bounded(void **state)
{
	(void)state;
	pg p;
	pg_init(&p);
	for (int i = 0; i < 3; i++)
		pg_ip4(&p, 4, IP4(10, 0, 0, 1 + i), DST, NULL, 0);
	syn4(&p);
	for (int i = 2; i >= 0; i--)
		pg_fix_ip4_at(&p, (size_t)i * 20);
	dec(DLT_RAW, &p);
	assert_true(v.quirks & Q_TUNNEL);
	assert_int_equal(v.src4, IP4(10, 0, 0, 3)); /* two levels in, then it stops */
	assert_true(v.quirks & Q_L4_UNKNOWN);
	/* an inner packet that is not IP keeps the outer one */
	pg_init(&p);
	pg_ip4(&p, 4, IP4(10, 0, 0, 1), DST, NULL, 0);
	pg_bytes(&p, "\x00\x01\x02\x03", 4);
	pg_fix_ip4(&p);
	dec(DLT_RAW, &p);
	assert_int_equal(v.src4, IP4(10, 0, 0, 1));
	assert_int_equal(v.proto, 4);
}

/* --- snap length vs malformed ----------------------------------------- */

typedef void (*build_fn)(pg *p);

static void b_syn_opts(pg *p)
{
	static const uint8_t ipopt[] = {1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t opt[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0,
				      0, 1, 0, 0,    0, 0, 1, 3,  3, 7};
	pg_init(p);
	pg_eth(p, 0x0800, NULL, 0);
	pg_ip4(p, 6, SRC, DST, ipopt, sizeof ipopt);
	pg_tcp(p, 1, 80, 1, 0, 0x02, 1024, opt, sizeof opt);
	pg_fix_ip4(p);
}

static void b_udp(pg *p)
{
	static const uint16_t tags[] = {0x88a8, 0x8100};
	pg_init(p);
	pg_eth(p, 0x0800, tags, 2);
	pg_ip4(p, 17, SRC, DST, NULL, 0);
	pg_udp(p, 5060, 5060, "OPTIONS sip:100@1.2.3.4 SIP/2.0\r\n", 33);
	pg_fix_ip4(p);
}

static void b_icmp_err(pg *p)
{
	pg_init(p);
	pg_eth(p, 0x0800, NULL, 0);
	pg_ip4(p, 1, DST, SRC, NULL, 0);
	pg_icmp(p, 3, 3, 0);
	size_t q = p->n;
	pg_ip4(p, 17, SRC, DST, NULL, 0);
	pg_udp(p, 5061, 5060, "OPTIONS", 7);
	pg_fix_ip4_at(p, q);
	pg_fix_ip4_at(p, 14);
}

static void b_ip6_ext(pg *p)
{
	pg_init(p);
	pg_eth(p, 0x86dd, NULL, 0);
	pg_ip6(p, 0, 1, 2);
	pg_ip6_ext(p, 60, 1);
	pg_ip6_ext(p, 6, 0);
	pg_tcp(p, 1, 80, 1, 0, 0x02, 1024, (const uint8_t *)"\x02\x04\x05\xa0", 4);
	pg_fix_ip6(p);
}

static void b_icmp6_err(pg *p)
{
	pg_init(p);
	pg_eth(p, 0x86dd, NULL, 0);
	pg_ip6(p, 58, 9, 1);
	pg_icmp(p, 1, 4, 0);
	size_t q = p->n;
	pg_ip6(p, 17, 1, 9);
	pg_udp(p, 5070, 5060, "x", 1);
	pg_fix_ip6_at(p, q);
	pg_fix_ip6_at(p, 14);
}

static void b_gre(pg *p)
{
	pg_init(p);
	pg_eth(p, 0x0800, NULL, 0);
	pg_ip4(p, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), NULL, 0);
	pg_be16(p, 0x2000);
	pg_be16(p, 0x0800);
	pg_be32(p, 7);
	size_t in = p->n;
	pg_ip4(p, 6, SRC, DST, NULL, 0);
	pg_tcp(p, 1, 80, 1, 0, 0x02, 1024, (const uint8_t *)"\x02\x04\x05\xa0", 4);
	pg_fix_ip4_at(p, in);
	pg_fix_ip4_at(p, 14);
}

/* A snap length cuts packets anywhere; what is missing then is not the
 * sender's fault: never counted as malformed, always marked snapped. */
static void snap_length_is_never_malformed(void **state)
{
	(void)state;
	static const build_fn builders[] = {b_syn_opts, b_udp,	     b_icmp_err,
					    b_ip6_ext,	b_icmp6_err, b_gre};
	for (size_t b = 0; b < sizeof builders / sizeof builders[0]; b++) {
		pg p;
		builders[b](&p);
		dec(DLT_EN10MB, &p);
		assert_int_equal(v.quirks & QUIRK_MALFORMED, 0);
		for (size_t cut = 0; cut < p.n; cut++) {
			dec_snap(DLT_EN10MB, &p, cut);
			if (v.quirks & QUIRK_MALFORMED)
				fail_msg("builder %zu snapped at %zu of %zu: quirks %#x", b, cut,
					 p.n, v.quirks);
			assert_true(v.quirks & Q_SNAPPED);
		}
	}
}

/* The same cuts without a snap length (the frame really was that short,
 * while its headers claim more) are the sender's: counted as malformed
 * once an IP header is there to blame. */
static void short_frames_are_malformed(void **state)
{
	(void)state;
	static const build_fn builders[] = {b_syn_opts, b_udp, b_icmp_err, b_ip6_ext, b_icmp6_err};
	for (size_t b = 0; b < sizeof builders / sizeof builders[0]; b++) {
		pg p;
		builders[b](&p);
		size_t l3 = p.n > 0 && (p.b[14] >> 4) == 6 ? 54 : 34;
		if (b == 1)
			l3 += 8; /* two VLAN tags */
		for (size_t cut = l3; cut < p.n; cut++) {
			decode_packet(DLT_EN10MB, p.b, (uint32_t)cut, (uint32_t)cut, 0, &v);
			if (!(v.quirks & QUIRK_MALFORMED))
				fail_msg("builder %zu cut at %zu of %zu: quirks %#x", b, cut, p.n,
					 v.quirks);
		}
	}
}

static void names_and_addresses(void **state)
{
	(void)state;
	assert_string_equal(quirk_name(0), "snapped");
	assert_string_equal(quirk_name(1), "truncated");
	assert_string_equal(quirk_name(99), "?");
	for (unsigned i = 0; i < QUIRK_COUNT; i++)
		assert_non_null(quirk_name(i));
	assert_string_equal(proto_name(6), "tcp");
	assert_string_equal(proto_name(17), "udp");
	assert_string_equal(proto_name(58), "icmp6");
	assert_string_equal(proto_name(200), "ip");
	uint8_t a[16];
	char t[46];
	assert_int_equal(addr_parse("192.0.2.1", a), 0);
	assert_true(addr_is_v4(a));
	assert_string_equal(addr_str(a, t), "192.0.2.1");
	assert_int_equal(addr_parse("2001:db8::5", a), 0);
	assert_false(addr_is_v4(a));
	assert_string_equal(addr_str(a, t), "2001:db8::5");
	assert_int_equal(addr_parse("300.1.1.1", a), -1);
	assert_int_equal(addr_parse("", a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(link_ethernet),
	    cmocka_unit_test(link_vlan_qinq),
	    cmocka_unit_test(link_too_many_tags_is_not_ip),
	    cmocka_unit_test(link_ethernet_not_ip_and_short),
	    cmocka_unit_test(link_linux_cooked_v1),
	    cmocka_unit_test(link_linux_cooked_v2),
	    cmocka_unit_test(link_raw_ip),
	    cmocka_unit_test(link_bsd_loopback),
	    cmocka_unit_test(link_support_table),
	    cmocka_unit_test(ip4_header_fields),
	    cmocka_unit_test(ip4_options),
	    cmocka_unit_test(ip4_header_length_and_total_length),
	    cmocka_unit_test(ip4_padding_and_trailer),
	    cmocka_unit_test(ip4_flag_quirks),
	    cmocka_unit_test(ip4_fragments),
	    cmocka_unit_test(ip6_header_fields),
	    cmocka_unit_test(ip6_extension_headers),
	    cmocka_unit_test(ip6_fragment_header),
	    cmocka_unit_test(ip6_too_many_and_truncated_ext),
	    cmocka_unit_test(ip6_length_and_short_header),
	    cmocka_unit_test(tcp_header_fields),
	    cmocka_unit_test(tcp_options_in_wire_order),
	    cmocka_unit_test(tcp_forty_nops),
	    cmocka_unit_test(tcp_quirks),
	    cmocka_unit_test(tcp_data_offset),
	    cmocka_unit_test(udp_lengths),
	    cmocka_unit_test(icmp_echo_has_no_quote),
	    cmocka_unit_test(icmp_error_quotes_udp_and_tcp),
	    cmocka_unit_test(icmp_short_quotes),
	    cmocka_unit_test(icmp6_errors),
	    cmocka_unit_test(tunnel_ip_in_ip),
	    cmocka_unit_test(tunnel_gre),
	    cmocka_unit_test(tunnel_depth_is_bounded),
	    cmocka_unit_test(snap_length_is_never_malformed),
	    cmocka_unit_test(short_frames_are_malformed),
	    cmocka_unit_test(names_and_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
