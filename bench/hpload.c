/* hpload: SIP load for the honeypot benchmark (bench/honeypot.sh).
 *
 * Sends OPTIONS exactly as SIPVicious 0.3.x svmap writes them (its header
 * order and values; branch a decimal 32-bit number, Call-ID a decimal number
 * of 25 digits like svmap's 80-bit random one; about 400 bytes, so that the
 * honeypot's byte credit lets every one be answered) over UDP from several
 * loopback source addresses, keeping at most WINDOW requests unanswered, and
 * times each reply: the Call-ID's digits carry the request's slot, generation
 * and send time, and the honeypot echoes it. A request unanswered after the
 * timeout counts as lost and frees its slot.
 *
 *   hpload [-n MESSAGES] [-w WINDOW] [-s SOURCES] [-p LOCALPORT] [-t MS] HOST:PORT
 *
 * Prints one line: sent, replies, lost, seconds, replies/s, latency
 * percentiles in microseconds. Loopback only: HOST must be 127.x.x.x. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SRC 64
#define MAX_WIN 8192
#define HIST_US 200000 /* latency histogram: 1 us buckets up to 200 ms */

typedef struct slot {
	int64_t sent_ns; /* 0: free */
	uint32_t gen;
} slot;

static slot slots[MAX_WIN];
static uint32_t free_[MAX_WIN], nfree;
static uint64_t hist[HIST_US + 1];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The Call-ID: "1", the slot (4 digits), the generation (8), the send time
 * in ns modulo 10^12 (12): 25 decimal digits, as svmap's random ones. */
#define TIME_MOD 1000000000000LL

static uint32_t rng = 2463534242u;

static uint32_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* svmap's From tag: hex of (target address as 8 hex digits, port as 4,
 * 0x01, a decimal 32-bit random number), so it names the address scanned. */
static void make_tag(char *out, size_t n, uint32_t dst, int dport)
{
	char raw[32];
	int k = snprintf(raw, sizeof raw, "%08x%04x%c%u", dst, dport & 0xffff, 1, xorshift());
	size_t o = 0;
	for (int i = 0; i < k && o + 3 <= n; i++)
		o += (size_t)snprintf(out + o, n - o, "%02x", (unsigned char)raw[i]);
}

static int make_request(char *out, size_t n, int src, uint32_t s, uint32_t gen, int64_t t,
			const char *host, int lport, const char *tag)
{
	return snprintf(out, n,
			"OPTIONS sip:100@%s SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 127.0.0.%d:%d;branch=z9hG4bK-%u;rport\r\n"
			"Max-Forwards: 70\r\n"
			"To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
			"From: \"sipvicious\"<sip:100@1.1.1.1>;tag=%s\r\n"
			"User-Agent: friendly-scanner\r\n"
			"Call-ID: 1%04u%08u%012lld\r\n"
			"Contact: sip:100@127.0.0.%d:%d\r\n"
			"CSeq: 1 OPTIONS\r\n"
			"Accept: application/sdp\r\n"
			"Content-Length: 0\r\n\r\n",
			host, src + 2, lport, xorshift(), tag, s, gen % 100000000u,
			(long long)(t % TIME_MOD), src + 2, lport);
}

/* A reply: finds our Call-ID, frees the slot, notes the latency. */
static int take_reply(const char *d, size_t n, int64_t now)
{
	const char *c = memmem(d, n, "Call-ID: 1", 10);
	if (!c || (size_t)(c - d) + 10 + 24 > n)
		return 0;
	char f[13];
	memcpy(f, c + 10, 4);
	f[4] = 0;
	unsigned s = (unsigned)atoi(f);
	memcpy(f, c + 14, 8);
	f[8] = 0;
	unsigned gen = (unsigned)atoi(f);
	memcpy(f, c + 22, 12);
	f[12] = 0;
	long long tm = atoll(f);
	if (s >= MAX_WIN)
		return 0;
	int64_t t = slots[s].sent_ns;
	if (!t || t % TIME_MOD != tm || slots[s].gen % 100000000u != gen)
		return 0; /* late: already counted as lost */
	int64_t us = (now - t) / 1000;
	hist[us < 0 ? 0 : us > HIST_US ? HIST_US : us]++;
	slots[s].sent_ns = 0;
	free_[nfree++] = s;
	return 1;
}

static uint64_t expire(int64_t now, int64_t timeout_ns, uint32_t win)
{
	uint64_t lost = 0;
	for (uint32_t s = 0; s < win; s++)
		if (slots[s].sent_ns && now - slots[s].sent_ns > timeout_ns) {
			slots[s].sent_ns = 0;
			free_[nfree++] = s;
			lost++;
		}
	return lost;
}

static double pct(uint64_t total, double p)
{
	uint64_t want = (uint64_t)((double)total * p), acc = 0;
	for (int i = 0; i <= HIST_US; i++) {
		acc += hist[i];
		if (acc > want)
			return i;
	}
	return HIST_US;
}

static void usage(void)
{
	fprintf(stderr, "usage: hpload [-n MESSAGES] [-w WINDOW] [-s SOURCES] [-p LOCALPORT] "
			"[-t TIMEOUT_MS] 127.x.x.x:PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t total = 100000;
	uint32_t win = 256;
	int nsrc = 16, lport = 25080, timeout_ms = 1000, c;
	while ((c = getopt(argc, argv, "n:w:s:p:t:")) != -1) {
		switch (c) {
		case 'n':
			total = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			win = (uint32_t)atoi(optarg);
			break;
		case 's':
			nsrc = atoi(optarg);
			break;
		case 'p':
			lport = atoi(optarg);
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || win < 1 || win > MAX_WIN || nsrc < 1 || nsrc > MAX_SRC)
		usage();
	char host[64];
	int port;
	if (sscanf(argv[optind], "%63[^:]:%d", host, &port) != 2 || strncmp(host, "127.", 4))
		usage();
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, host, &to.sin_addr);
	struct pollfd pf[MAX_SRC];
	for (int i = 0; i < nsrc; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		int big = 8 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
		struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons((uint16_t)lport)};
		char a[32];
		snprintf(a, sizeof a, "127.0.0.%d", i + 2);
		inet_pton(AF_INET, a, &me.sin_addr);
		if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) < 0) {
			fprintf(stderr, "hpload: bind %s:%d: %s\n", a, lport, strerror(errno));
			return 1;
		}
		pf[i] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	for (uint32_t s = 0; s < win; s++)
		free_[nfree++] = win - 1 - s;
	uint64_t sent = 0, replies = 0, lost = 0;
	int64_t t0 = now_ns(), last_expire = t0, timeout_ns = (int64_t)timeout_ms * 1000000;
	char msg[1024], rbuf[65536];
	int next = 0;
	while (sent < total || nfree < win) {
		while (sent < total && nfree) {
			uint32_t s = free_[--nfree];
			int64_t t = now_ns();
			slots[s].gen++;
			slots[s].sent_ns = t;
			char tag[64];
			make_tag(tag, sizeof tag, ntohl(to.sin_addr.s_addr), port);
			int len = make_request(msg, sizeof msg, next, s, slots[s].gen, t, host,
					       lport, tag);
			if (sendto(pf[next].fd, msg, (size_t)len, 0, (struct sockaddr *)&to,
				   sizeof to) < 0)
				lost++; /* counted, the slot expires */
			sent++;
			next = (next + 1) % nsrc;
		}
		if (poll(pf, (nfds_t)nsrc, 10) > 0) {
			int64_t now = now_ns();
			for (int i = 0; i < nsrc; i++) {
				ssize_t k;
				while ((k = recv(pf[i].fd, rbuf, sizeof rbuf, 0)) > 0)
					replies += (uint64_t)take_reply(rbuf, (size_t)k, now);
			}
		}
		int64_t now = now_ns();
		if (now - last_expire > 10000000) {
			lost += expire(now, timeout_ns, win);
			last_expire = now;
		}
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	printf("sent %llu replies %llu lost %llu seconds %.3f rate %.0f p50_us %.0f p90_us %.0f "
	       "p99_us %.0f p999_us %.0f\n",
	       (unsigned long long)sent, (unsigned long long)replies, (unsigned long long)lost,
	       secs, (double)replies / secs, pct(replies, 0.50), pct(replies, 0.90),
	       pct(replies, 0.99), pct(replies, 0.999));
	return 0;
}
