/* Builds a darknet-like benchmark capture: TCP SYN scans with the marks of
 * ZMap, Masscan, Mirai and Nmap, UDP probes, SIP scans (stock and modified
 * SIPVicious templates), backscatter and ICMP, from many sources.
 *
 *   mkcapture OUT.pcap PACKETS SOURCES [SEED]
 *
 * Addresses are drawn from 198.18.0.0/15 (benchmarking, RFC 2544) for the
 * sources (beyond 131072 sources from 100.64.0.0/10, RFC 6598) and 192.0.2.0/24 + 198.51.100.0/24 + 203.0.113.0/24 for the
 * telescope, so nothing in it is anybody's real address. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

enum kind { K_ZMAP, K_MASSCAN, K_MIRAI, K_NMAP, K_LINUX_SYN, K_WIN_SYN, K_UDP, K_SIP_STOCK,
	    K_SIP_SUNDAY, K_BACKSCATTER, K_ICMP, K_NKINDS };

typedef struct src {
	uint32_t ip;
	uint8_t kind, ttl;
	uint16_t sport, ipid, win;
	uint32_t seq;
} src;

static uint32_t telescope(void)
{
	static const uint32_t nets[3] = {0xc0000200, 0xc6336400, 0xcb007100};
	return nets[rnd() % 3] | (rnd() & 0xff);
}

static size_t ip4(uint8_t *p, const src *s, uint32_t dst, uint8_t proto, size_t l4len, int df,
		  uint16_t ipid, uint8_t ttl)
{
	p[0] = 0x45;
	p[1] = 0;
	be16(p + 2, (uint32_t)(20 + l4len));
	be16(p + 4, ipid);
	be16(p + 6, df ? 0x4000 : 0);
	p[8] = ttl;
	p[9] = proto;
	p[10] = p[11] = 0;
	be32(p + 12, s->ip);
	be32(p + 16, dst);
	be16(p + 10, csum(p, 20));
	return 20;
}

static size_t tcp_syn(uint8_t *p, src *s, uint32_t dst, uint16_t dport)
{
	uint8_t *t = p + 20;
	uint32_t seq = s->seq;
	uint16_t ipid = (uint16_t)rnd();
	uint8_t ttl = s->ttl;
	size_t opt = 0;
	uint16_t sport = s->sport;
	int df = 0;
	switch (s->kind) {
	case K_ZMAP:
		ipid = 54321;
		seq = rnd();
		sport = (uint16_t)(32768 + rnd() % 28000);
		break;
	case K_MASSCAN:
		seq = rnd();
		ipid = (uint16_t)(dst ^ dport ^ seq);
		break;
	case K_MIRAI:
		seq = dst;
		dport = rnd() % 10 ? 23 : 2323;
		break;
	case K_NMAP:
		ttl = (uint8_t)(37 + rnd() % 23);
		t[20] = 2, t[21] = 4, be16(t + 22, 1460);
		opt = 4;
		break;
	case K_LINUX_SYN:
		df = 1;
		ipid = 0;
		seq = rnd();
		sport = (uint16_t)(32768 + rnd() % 28000);
		t[20] = 2, t[21] = 4, be16(t + 22, 1460);
		t[24] = 4, t[25] = 2, t[26] = 8, t[27] = 10;
		be32(t + 28, rnd()), be32(t + 32, 0);
		t[36] = 1, t[37] = 3, t[38] = 3, t[39] = 7;
		opt = 20;
		break;
	default: /* Windows */
		df = 1;
		ipid = s->ipid++;
		seq = rnd();
		sport = (uint16_t)(49152 + rnd() % 16000);
		t[20] = 2, t[21] = 4, be16(t + 22, 1460);
		t[24] = 1, t[25] = 1, t[26] = 4, t[27] = 2;
		opt = 8;
		break;
	}
	be16(t, sport);
	be16(t + 2, dport);
	be32(t + 4, seq);
	be32(t + 8, 0);
	t[12] = (uint8_t)((5 + opt / 4) << 4);
	t[13] = 0x02;
	be16(t + 14, s->win);
	be16(t + 16, 0);
	be16(t + 18, 0);
	ip4(p, s, dst, 6, 20 + opt, df, ipid, ttl);
	return 40 + opt;
}

static const char *const sip_stock =
	"OPTIONS sip:100@%s SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.168.0.10:%u;branch=z9hG4bK-%u;rport\r\n"
	"Max-Forwards: 70\r\n"
	"To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
	"From: \"sipvicious\"<sip:100@1.1.1.1>;tag=%s\r\n"
	"User-Agent: friendly-scanner\r\n"
	"Call-ID: %u%u\r\n"
	"Contact: sip:100@192.168.0.10:%u\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Accept: application/sdp\r\n"
	"Content-Length: 0\r\n\r\n";

static const char *const sip_sunday =
	"OPTIONS sip:100@%s SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.168.1.9:%u;branch=zqwehwebK-%u;rport\r\n"
	"Content-Length: 0\r\n"
	"From: \"sipsscuser\"<sip:100@192.168.1.9>; tag=%u%u\r\n"
	"Accept: application/sdp\r\n"
	"User-Agent: sundayddr\r\n"
	"To: \"sipssc\"<sip:100@192.168.1.9>\r\n"
	"Contact: sip:100@192.168.1.9:%u\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Call-ID: %u%u\r\n"
	"Max-Forwards: 70\r\n\r\n";

static size_t udp_pkt(uint8_t *p, src *s, uint32_t dst)
{
	uint8_t *u = p + 20, *d = u + 8;
	size_t n;
	uint16_t dport;
	char ds[16];
	snprintf(ds, sizeof ds, "%u.%u.%u.%u", dst >> 24, (dst >> 16) & 255, (dst >> 8) & 255,
		 dst & 255);
	if (s->kind == K_SIP_STOCK) {
		/* svmap's tag: hex of "<target ip as 8 hex><port as 4 hex>\x01<random>" */
		char plain[64], tag[130];
		int pl = snprintf(plain, sizeof plain, "%08x%04x\x01%u", dst, 5060u, rnd());
		for (int i = 0; i < pl; i++)
			snprintf(tag + 2 * i, 3, "%02x", (unsigned char)plain[i]);
		dport = 5060;
		n = (size_t)snprintf((char *)d, 1400, sip_stock, ds, s->sport, rnd(), tag, rnd(),
				     rnd(), s->sport);
	} else if (s->kind == K_SIP_SUNDAY) {
		dport = 5060;
		n = (size_t)snprintf((char *)d, 1400, sip_sunday, ds, s->sport, rnd(), rnd(), rnd(),
				     s->sport, rnd(), rnd());
	} else {
		static const uint16_t ports[] = {53, 123, 161, 1900, 5353, 11211, 137, 500};
		dport = ports[rnd() % 8];
		n = 16 + rnd() % 48;
		for (size_t i = 0; i < n; i++)
			d[i] = (uint8_t)rnd();
	}
	be16(u, s->sport);
	be16(u + 2, dport);
	be16(u + 4, (uint32_t)(8 + n));
	be16(u + 6, 0);
	ip4(p, s, dst, 17, 8 + n, s->kind != K_UDP, s->kind == K_SIP_SUNDAY ? 0 : (uint16_t)rnd(),
	    s->ttl);
	return 28 + n;
}

static size_t backscatter(uint8_t *p, src *s, uint32_t dst)
{
	uint8_t *t = p + 20;
	be16(t, rnd() % 2 ? 80 : 443);
	be16(t + 2, (uint16_t)(1024 + rnd() % 60000));
	be32(t + 4, rnd());
	be32(t + 8, rnd());
	t[12] = 5 << 4;
	t[13] = rnd() % 3 ? 0x12 : 0x14;
	be16(t + 14, 8192);
	be32(t + 16, 0);
	ip4(p, s, dst, 6, 20, 1, s->ipid++, s->ttl);
	return 40;
}

static size_t icmp(uint8_t *p, src *s, uint32_t dst)
{
	uint8_t *c = p + 20;
	c[0] = 8;
	c[1] = 0;
	be16(c + 2, 0);
	be32(c + 4, rnd());
	for (int i = 8; i < 40; i++)
		c[i] = (uint8_t)i;
	ip4(p, s, dst, 1, 40, 0, (uint16_t)rnd(), s->ttl);
	return 60;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: mkcapture OUT.pcap PACKETS SOURCES [SEED]\n");
		return 2;
	}
	uint64_t npk = strtoull(argv[2], NULL, 10);
	uint32_t nsrc = (uint32_t)strtoul(argv[3], NULL, 10);
	if (argc > 4)
		rng ^= strtoull(argv[4], NULL, 10) * 0x9e3779b97f4a7c15ULL;
	src *srcs = calloc(nsrc, sizeof *srcs);
	static const uint8_t mix[] = {K_ZMAP, K_ZMAP, K_MASSCAN, K_MASSCAN, K_MIRAI, K_MIRAI,
				      K_MIRAI, K_NMAP, K_LINUX_SYN, K_LINUX_SYN, K_WIN_SYN,
				      K_UDP, K_UDP, K_SIP_STOCK, K_SIP_SUNDAY, K_BACKSCATTER,
				      K_BACKSCATTER, K_ICMP};
	for (uint32_t i = 0; i < nsrc; i++) {
		src *s = &srcs[i];
		s->ip = 0xc6120000u + i * 7919u % 131072u; /* 198.18.0.0/15 */
		s->ip = 0xc6120000u | ((i * 2654435761u) & 0x1ffff);
		if (i >= 131072u) /* past the /15: 100.64.0.0/10 (RFC 6598), 4M more */
			s->ip = 0x64400000u | (((i - 131072u) * 2654435761u) & 0x3fffff);
		s->kind = mix[rnd() % sizeof mix];
		static const uint8_t ittl[] = {64, 64, 128, 255};
		s->ttl = (uint8_t)(ittl[rnd() % 4] - 5 - rnd() % 20);
		if (s->kind == K_ZMAP || s->kind == K_MASSCAN)
			s->ttl = (uint8_t)(255 - 5 - rnd() % 20);
		s->sport = (uint16_t)(s->kind == K_SIP_STOCK || s->kind == K_SIP_SUNDAY
					      ? 5060 + rnd() % 3
					      : 1024 + rnd() % 60000);
		s->ipid = (uint16_t)rnd();
		s->win = s->kind == K_ZMAP ? 65535 : s->kind == K_MASSCAN || s->kind == K_NMAP ? 1024 : (uint16_t)(1024 + rnd() % 64000);
		s->seq = rnd();
	}
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *out = pcap_dump_open(dead, argv[1]);
	if (!out) {
		fprintf(stderr, "mkcapture: %s\n", pcap_geterr(dead));
		return 1;
	}
	uint8_t frame[1600];
	memset(frame, 0, 14);
	frame[0] = 0x02;
	frame[6] = 0x02;
	frame[11] = 1;
	frame[12] = 0x08;
	uint64_t t_us = 1278592200ULL * 1000000; /* 2010-07-08 12:30 UTC */
	for (uint64_t i = 0; i < npk; i++) {
		/* a skewed choice of source: some send a lot, most a little */
		uint32_t r = rnd();
		uint32_t k = (r & 3) == 0 ? rnd() % (nsrc / 64 + 1) : rnd() % nsrc;
		src *s = &srcs[k];
		uint32_t dst = telescope();
		uint8_t *p = frame + 14;
		size_t n;
		switch (s->kind) {
		case K_UDP:
		case K_SIP_STOCK:
		case K_SIP_SUNDAY:
			n = udp_pkt(p, s, dst);
			break;
		case K_BACKSCATTER:
			n = backscatter(p, s, dst);
			break;
		case K_ICMP:
			n = icmp(p, s, dst);
			break;
		default: {
			static const uint16_t ports[] = {22, 23, 80, 443, 445, 3389, 8080, 5555};
			n = tcp_syn(p, s, dst, ports[rnd() % 8]);
		}
		}
		struct pcap_pkthdr h;
		t_us += rnd() % 50;
		h.ts.tv_sec = (time_t)(t_us / 1000000);
		h.ts.tv_usec = (suseconds_t)(t_us % 1000000);
		h.caplen = h.len = (uint32_t)(14 + n < 60 ? 60 : 14 + n);
		if (14 + n < 60)
			memset(frame + 14 + n, 0, 60 - 14 - n);
		pcap_dump((u_char *)out, &h, frame);
	}
	pcap_dump_close(out);
	pcap_close(dead);
	free(srcs);
	return 0;
}
