/* Packet decoding: link layer -> IPv4/IPv6 -> TCP/UDP/ICMP, into a view that
 * points into the packet. Decoders never allocate and never print; anything
 * malformed becomes a quirk bit (a fact about the sender), never an error. */
#ifndef SP_DECODE_H
#define SP_DECODE_H
#include <stddef.h>
#include <stdint.h>

/* Link types we decode, by libpcap DLT value. */
int decode_link_supported(int dlt);
const char *decode_link_name(int dlt);

/* Quirks: one bit each, named by quirk_name(). Truncation by a short snap
 * length is not a quirk of the sender; it is recorded as SNAPPED. */
enum quirk {
	Q_SNAPPED = 1u << 0,        /* capture shorter than the packet on the wire */
	Q_TRUNC = 1u << 1,          /* a header claims bytes the packet does not have */
	Q_BAD_IP_VERSION = 1u << 2, /* link layer said IPv4/IPv6, header disagrees */
	Q_BAD_IHL = 1u << 3,        /* IPv4 header length < 20 */
	Q_IP_LEN = 1u << 4,         /* IP total/payload length inconsistent */
	Q_IP_OPT = 1u << 5,         /* IPv4 options present */
	Q_IP_OPT_BAD = 1u << 6,     /* IPv4 option with an impossible length */
	Q_IP_RESERVED = 1u << 7,    /* IPv4 reserved flag ("evil bit") set */
	Q_FRAGMENT = 1u << 8,       /* part of a fragmented datagram */
	Q_IP6_EXT = 1u << 9,        /* IPv6 extension headers present */
	Q_IP6_EXT_BAD = 1u << 10,   /* too many or malformed extension headers */
	Q_TCP_DOFF = 1u << 11,      /* TCP data offset < 5 or beyond the segment */
	Q_TCP_OPT_BAD = 1u << 12,   /* TCP option with an impossible length */
	Q_TCP_OPT_PAD = 1u << 13,   /* non-zero bytes after EOL (p0f "opt+") */
	Q_TCP_FLAGS = 1u << 14,     /* impossible flag mix (null, SYN+FIN, xmas) */
	Q_TCP_ACK_NZ = 1u << 15,    /* ACK number set without ACK (p0f "ack+") */
	Q_TCP_URG_NZ = 1u << 16,    /* urgent pointer set without URG (p0f "uptr+") */
	Q_TCP_RESERVED = 1u << 17,  /* reserved TCP header bits set */
	Q_TCP_TS_ECR = 1u << 18,    /* SYN with non-zero timestamp echo (p0f "ts2+") */
	Q_TCP_WS_HIGH = 1u << 19,   /* window scale > 14 */
	Q_UDP_LEN = 1u << 20,       /* UDP length field disagrees with the IP payload */
	Q_ICMP_QUOTE = 1u << 21,    /* ICMP error with a short or unreadable quote */
	Q_PORT_ZERO = 1u << 22,     /* source or destination port 0 */
	Q_SRC_EQ_DST = 1u << 23,    /* source address equals destination */
	Q_ZERO_TTL = 1u << 24,      /* TTL / hop limit 0 */
	Q_TUNNEL = 1u << 25,        /* decoded from inside a tunnel (GRE, IP-in-IP) */
	Q_LINK_BAD = 1u << 26,      /* link header malformed */
	Q_NOT_IP = 1u << 27,        /* link payload is not IP (ARP, LLDP, ...) */
	Q_L4_UNKNOWN = 1u << 28,    /* IP protocol we do not decode */
	Q_IP_TRAILER = 1u << 29,    /* bytes after the IP datagram that are not zero padding */
	Q_ICMP_BAD = 1u << 30,      /* ICMP shorter than its header */
};
#define QUIRK_COUNT 32
const char *quirk_name(unsigned bit_index);
/* Quirks that say the sender built a malformed packet (counted as malformed). */
#define QUIRK_MALFORMED                                                                  \
	(Q_TRUNC | Q_BAD_IP_VERSION | Q_BAD_IHL | Q_IP_LEN | Q_IP_OPT_BAD | Q_IP6_EXT_BAD | \
	 Q_TCP_DOFF | Q_TCP_OPT_BAD | Q_UDP_LEN | Q_ICMP_QUOTE | Q_LINK_BAD | Q_ICMP_BAD)

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08,
       TCP_ACK = 0x10, TCP_URG = 0x20, TCP_ECE = 0x40, TCP_CWR = 0x80 };

enum { TCPOPT_EOL = 0, TCPOPT_NOP = 1, TCPOPT_MSS = 2, TCPOPT_WS = 3, TCPOPT_SACKOK = 4,
       TCPOPT_SACK = 5, TCPOPT_TS = 8 };

#define TCP_MAX_OPTS 20
typedef struct tcp_opts {
	uint8_t n;                  /* number of kinds recorded in kind[] */
	uint8_t len;                /* bytes of options in the header */
	uint8_t has_mss, has_ws, has_ts, sack_ok;
	uint8_t wscale;     /* window scale shift */
	uint16_t mss;       /* maximum segment size */
	uint32_t tsval;     /* timestamp value */
	uint32_t tsecr;     /* timestamp echo reply */
	uint8_t eol_pad;    /* bytes after EOL */
	uint8_t kind[TCP_MAX_OPTS]; /* option kinds in wire order (EOL included);
				       last, so that a new view need not clear it */
} tcp_opts;

/* The packet an ICMP error quotes: who sent the original, to whom. */
typedef struct quote_view {
	uint8_t family;          /* 4 or 6; 0 if no usable quote */
	uint8_t proto;           /* L4 protocol of the quoted packet */
	uint8_t src[16], dst[16];/* quoted addresses (IPv4 mapped into ::ffff:0:0/96) */
	uint16_t sport, dport;   /* quoted ports (0 if not TCP/UDP) */
	uint32_t seq;            /* quoted TCP sequence number */
	uint16_t ipid;           /* quoted IPv4 ID */
	uint8_t ttl;             /* quoted TTL at the router that answered */
} quote_view;

typedef struct pkt_view {
	int64_t ts_ns;            /* capture time, ns since the epoch */
	uint32_t wire_len;        /* length on the wire */
	uint32_t cap_len;         /* bytes captured */
	uint32_t quirks;          /* enum quirk bits */
	uint8_t family;           /* 4, 6, or 0 (not IP) */
	uint8_t proto;            /* final L4 protocol (6 TCP, 17 UDP, 1/58 ICMP, ...) */
	uint8_t ttl;              /* TTL or hop limit */
	uint8_t tos;              /* TOS / traffic class */
	uint8_t df, mf;           /* IPv4 don't-fragment, more-fragments */
	uint8_t l4_ok;            /* the L4 header was read whole */
	uint8_t ip_opt_len;       /* IPv4 option bytes */
	uint16_t ipid;            /* IPv4 ID (IPv6: low 16 bits of fragment id, else 0) */
	uint16_t frag_off;        /* fragment offset in 8-byte units */
	uint16_t ip_len;          /* IPv4 total length / IPv6 payload length + 40 */
	uint32_t flow_label;      /* IPv6 flow label */
	uint32_t src4, dst4;      /* IPv4 addresses, host order (0 for IPv6) */
	uint8_t src[16], dst[16]; /* addresses; IPv4 mapped into ::ffff:0:0/96 */
	uint16_t sport, dport;    /* TCP/UDP ports */
	/* TCP */
	uint32_t seq, ack;
	uint16_t win, urg;
	uint8_t tcp_flags;        /* FIN..CWR */
	uint8_t tcp_res;          /* reserved bits incl. NS/AE */
	uint8_t tcp_hlen;         /* header length in bytes */
	/* UDP */
	uint16_t udp_len;
	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	/* Where things are, for samples */
	const uint8_t *l3;        /* start of the (innermost) IP header; NULL in a view a
				     sensor built from a socket (the honeypot): then the
				     IP header was not seen (IP ID, DF, TOS unknown; TTL
				     unknown when 0) */
	uint32_t l3_caplen;       /* captured bytes from l3 */
	const uint8_t *payload;   /* L4 payload (or L3 payload if L4 unknown) */
	uint32_t payload_len;     /* captured payload bytes */
	tcp_opts opt;             /* TCP options (kind[] valid up to opt.n) */
	quote_view quote;         /* ICMP error quote (valid if quote.family) */
} pkt_view;

/* Makes v a fresh view: everything zero but the arrays that are only read
 * up to a count set here (cheaper than clearing the whole view). */
void pkt_view_reset(pkt_view *v);

/* Decodes one frame. Returns 1 if an IP packet was found (family != 0),
 * 0 if not. Never fails on malformed input. */
int decode_packet(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		  int64_t ts_ns, pkt_view *v);

/* Pieces, exposed for tests and fuzzers. `c` covers exactly the bytes. */
struct cursor;
int decode_ip(struct cursor *c, pkt_view *v, int depth);
void decode_tcp(struct cursor *c, pkt_view *v);
void decode_udp(struct cursor *c, pkt_view *v);
void decode_icmp(struct cursor *c, pkt_view *v);
void decode_tcp_options(struct cursor *c, pkt_view *v);

/* Formatting helpers. */
int addr_is_v4(const uint8_t a[16]);
void addr_from_v4(uint8_t a[16], uint32_t v4);
/* Text form of an address (IPv4 dotted or IPv6). out must hold 46 bytes. */
const char *addr_str(const uint8_t a[16], char *out);
/* Parses text into the 16-byte form; returns 0 on success. */
int addr_parse(const char *s, uint8_t a[16]);
const char *proto_name(uint8_t proto);

#endif
