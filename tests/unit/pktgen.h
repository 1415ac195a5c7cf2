/* Builds test packets byte by byte: link headers, IPv4/IPv6 (with options
 * and extension headers), TCP/UDP/ICMP. Lengths that depend on what follows
 * are patched by pg_fix_*() once the packet is complete. Only for tests. */
#ifndef SP_TEST_PKTGEN_H
#define SP_TEST_PKTGEN_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct pg {
	uint8_t b[4096];
	size_t n;
	size_t ip; /* offset of the outermost IP header */
	size_t l4; /* offset of the last L4 header */
	int ip_v6;
} pg;

static inline void pg_init(pg *p)
{
	memset(p, 0, sizeof *p);
}

static inline void pg_u8(pg *p, uint32_t v)
{
	p->b[p->n++] = (uint8_t)v;
}

static inline void pg_be16(pg *p, uint32_t v)
{
	pg_u8(p, v >> 8);
	pg_u8(p, v);
}

static inline void pg_be32(pg *p, uint32_t v)
{
	pg_be16(p, v >> 16);
	pg_be16(p, v);
}

static inline void pg_le32(pg *p, uint32_t v)
{
	pg_u8(p, v);
	pg_u8(p, v >> 8);
	pg_u8(p, v >> 16);
	pg_u8(p, v >> 24);
}

static inline void pg_bytes(pg *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static inline void pg_put16(pg *p, size_t at, uint32_t v)
{
	p->b[at] = (uint8_t)(v >> 8);
	p->b[at + 1] = (uint8_t)v;
}

/* Ethernet with VLAN tags: tags[] are TPIDs (0x8100, 0x88a8, 0x9100). */
static inline void pg_eth(pg *p, uint16_t type, const uint16_t *tags, int ntags)
{
	static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	pg_bytes(p, mac, 12);
	for (int i = 0; i < ntags; i++) {
		pg_be16(p, tags[i]);
		pg_be16(p, 100u + (unsigned)i); /* PCP/DEI/VID */
	}
	pg_be16(p, type);
}

/* IPv4 header; the total length is fixed by pg_fix_ip4(). */
static inline void pg_ip4(pg *p, uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *opt,
			  size_t optlen)
{
	p->ip = p->n;
	p->ip_v6 = 0;
	pg_u8(p, 0x40 | (uint8_t)((20 + optlen) / 4));
	pg_u8(p, 0);	    /* TOS */
	pg_be16(p, 0);	    /* total length, fixed later */
	pg_be16(p, 0x1234); /* ID */
	pg_be16(p, 0x4000); /* DF */
	pg_u8(p, 64);
	pg_u8(p, proto);
	pg_be16(p, 0); /* checksum: not checked */
	pg_be32(p, src);
	pg_be32(p, dst);
	if (optlen)
		pg_bytes(p, opt, optlen);
}

static inline void pg_fix_ip4_at(pg *p, size_t at)
{
	pg_put16(p, at + 2, (uint32_t)(p->n - at));
}

static inline void pg_fix_ip4(pg *p)
{
	pg_fix_ip4_at(p, p->ip);
}

/* IPv6 header; the payload length is fixed by pg_fix_ip6(). */
static inline void pg_ip6(pg *p, uint8_t nh, uint8_t src_last, uint8_t dst_last)
{
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
	p->ip = p->n;
	p->ip_v6 = 1;
	pg_be32(p, 0x60000000u | (0x2e << 20) | 0x12345); /* TC 0x2e, flow label */
	pg_be16(p, 0);
	pg_u8(p, nh);
	pg_u8(p, 57); /* hop limit */
	a[15] = src_last;
	pg_bytes(p, a, 16);
	a[15] = dst_last;
	pg_bytes(p, a, 16);
}

static inline void pg_fix_ip6_at(pg *p, size_t at)
{
	pg_put16(p, at + 4, (uint32_t)(p->n - at - 40));
}

static inline void pg_fix_ip6(pg *p)
{
	pg_fix_ip6_at(p, p->ip);
}

/* An IPv6 extension header of `units` 8-octet units beyond the first 8. */
static inline void pg_ip6_ext(pg *p, uint8_t nh, uint8_t units)
{
	pg_u8(p, nh);
	pg_u8(p, units);
	for (int i = 0; i < 6 + units * 8; i++)
		pg_u8(p, i == 0 ? 1 : 0); /* PadN-ish filler */
}

static inline void pg_tcp(pg *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			  uint8_t flags, uint16_t win, const uint8_t *opt, size_t optlen)
{
	p->l4 = p->n;
	pg_be16(p, sport);
	pg_be16(p, dport);
	pg_be32(p, seq);
	pg_be32(p, ack);
	pg_u8(p, (uint8_t)(((20 + optlen) / 4) << 4));
	pg_u8(p, flags);
	pg_be16(p, win);
	pg_be16(p, 0); /* checksum */
	pg_be16(p, 0); /* urgent */
	if (optlen)
		pg_bytes(p, opt, optlen);
}

static inline void pg_udp(pg *p, uint16_t sport, uint16_t dport, const void *data, size_t n)
{
	p->l4 = p->n;
	pg_be16(p, sport);
	pg_be16(p, dport);
	pg_be16(p, (uint32_t)(8 + n));
	pg_be16(p, 0);
	if (n)
		pg_bytes(p, data, n);
}

static inline void pg_icmp(pg *p, uint8_t type, uint8_t code, uint32_t rest)
{
	p->l4 = p->n;
	pg_u8(p, type);
	pg_u8(p, code);
	pg_be16(p, 0);
	pg_be32(p, rest);
}

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

#endif
