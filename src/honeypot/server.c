/* The honeypot's epoll loop (server.h). */
#include "honeypot/server.h"
#include "util/num.h"

#include "decode/decode.h"
#include "sip/sip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define RX_BATCH  32	      /* datagrams per recvmmsg */
#define RX_ROUNDS 4	      /* recvmmsg calls per socket per wake-up (fairness) */
#define OUT_CAP	  (64 * 1024) /* unsent bytes a connection may hold */
#define SYN_MAX	  120	      /* IPv6 + TCP headers with options */

enum { T_UDP = 1, T_TCP, T_CONN, T_SIG };

typedef struct usock {
	uint8_t type;
	int fd;
	int family;
	uint32_t drops_seen; /* the socket's SO_RXQ_OVFL count last seen */
	const hp_listen *l;
} usock;

typedef struct lsock {
	uint8_t type;
	int fd;
	int family;
	const hp_listen *l;
} lsock;

typedef struct conn {
	uint8_t type;
	int fd;
	uint32_t id;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t *in, *out;
	uint32_t in_len, out_len, out_off;
	int64_t last_ns;	  /* last byte received */
	int64_t partial_ns;	  /* since when an unfinished message waits (0: none) */
	struct conn *prev, *next; /* least recently active first */
} conn;

struct hp_server {
	hp_server_opts o;
	hp_ctx *ctx;
	hp_pipe *pipe;
	int ep;
	uint8_t sig_type;
	int sigfd;
	usock udp[HP_MAX_LISTEN];
	lsock tcp[HP_MAX_LISTEN];
	int nudp, ntcp;
	conn *head, *tail;
	conn *dead; /* closed this round; freed after the round's events */
	uint32_t nconns, next_id;
	int out_backlog; /* a reply could not be queued on its connection */
	hp_loop_stats st;
	int stop;
	int64_t now;
	int64_t last_tick, last_stats;
	/* UDP batch buffers */
	struct mmsghdr rx[RX_BATCH], tx[RX_BATCH];
	struct iovec rx_iov[RX_BATCH], tx_iov[RX_BATCH];
	struct sockaddr_storage rx_from[RX_BATCH];
	uint8_t rx_ctl[RX_BATCH][256], tx_ctl[RX_BATCH][64];
	uint8_t *rx_buf; /* RX_BATCH * max_message */
	uint8_t *tx_buf; /* replies of one batch */
	size_t tx_cap;
	hp_result res[RX_BATCH];
	uint32_t tx_off[RX_BATCH];
};

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- listeners ---------------------------------------------------------------------- */

static int parse_addr(const char *host, const char *port, hp_listen *l, char *err, size_t n)
{
	uint32_t p;
	if (num_u32(port, 1, 65535, &p) < 0) {
		snprintf(err, n, "bad port '%s'", port);
		return -1;
	}
	memset(&l->addr, 0, sizeof l->addr);
	struct sockaddr_in *a4 = (struct sockaddr_in *)&l->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&l->addr;
	if (inet_pton(AF_INET, *host ? host : "0.0.0.0", &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		l->alen = sizeof *a4;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		l->alen = sizeof *a6;
	} else {
		snprintf(err, n, "'%s' is not an IPv4 or IPv6 address", host);
		return -1;
	}
	return 0;
}

int hp_listen_parse(const char *spec, hp_listen *l, int *n, char *err, size_t errlen)
{
	int protos[2] = {17, 6}, np = 2;
	const char *s = spec;
	if (!strncmp(s, "udp:", 4) || !strncmp(s, "tcp:", 4)) {
		protos[0] = s[0] == 'u' ? 17 : 6;
		np = 1;
		s += 4;
	}
	char host[64] = "", port[16];
	const char *colon = strrchr(s, ':');
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof host) {
			snprintf(err, errlen, "bad listen address '%s' (use [IPv6]:PORT)", spec);
			return -1;
		}
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = 0;
		colon = rb + 1;
	} else if (colon) {
		if ((size_t)(colon - s) >= sizeof host) {
			snprintf(err, errlen, "bad listen address '%s'", spec);
			return -1;
		}
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
	}
	snprintf(port, sizeof port, "%s", colon ? colon + 1 : s);
	for (int i = 0; i < np; i++) {
		if (*n >= HP_MAX_LISTEN) {
			snprintf(err, errlen, "more than %d listeners", HP_MAX_LISTEN);
			return -1;
		}
		hp_listen *x = &l[*n];
		char e[160];
		if (parse_addr(host, port, x, e, sizeof e) < 0) {
			snprintf(err, errlen, "--listen %s: %s", spec, e);
			return -1;
		}
		x->proto = (uint8_t)protos[i];
		snprintf(x->text, sizeof x->text, "%s", spec);
		(*n)++;
	}
	return 0;
}

static void sockaddr_to(const struct sockaddr_storage *sa, uint8_t ip[16], uint16_t *port)
{
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		addr_from_v4(ip, ntohl(a->sin_addr.s_addr));
		*port = ntohs(a->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		memcpy(ip, &a->sin6_addr, 16);
		*port = ntohs(a->sin6_port);
	}
}

static void listen_text(const hp_listen *l, char *out, size_t n)
{
	uint8_t ip[16];
	uint16_t port;
	char a[46];
	sockaddr_to(&l->addr, ip, &port);
	if (l->addr.ss_family == AF_INET6)
		snprintf(out, n, "%s/[%s]:%u", l->proto == 6 ? "tcp" : "udp", addr_str(ip, a),
			 port);
	else
		snprintf(out, n, "%s/%s:%u", l->proto == 6 ? "tcp" : "udp", addr_str(ip, a), port);
}

static int setint(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof v);
}

static int ep_add(hp_server *s, int fd, void *tag, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = tag};
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
}

static int open_udp(hp_server *s, const hp_listen *l, char *err, size_t n)
{
	int fam = l->addr.ss_family;
	int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	char t[128];
	listen_text(l, t, sizeof t);
	if (fd < 0)
		goto fail;
	if (fam == AF_INET6) {
		setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
		setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
		setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	} else {
		setint(fd, IPPROTO_IP, IP_PKTINFO, 1);
		setint(fd, IPPROTO_IP, IP_RECVTTL, 1);
	}
	setint(fd, SOL_SOCKET, SO_RXQ_OVFL, 1);
	if (s->o.rcvbuf > 0 && setint(fd, SOL_SOCKET, SO_RCVBUFFORCE, s->o.rcvbuf) < 0)
		setint(fd, SOL_SOCKET, SO_RCVBUF, s->o.rcvbuf);
	if (bind(fd, (const struct sockaddr *)&l->addr, l->alen) < 0)
		goto fail;
	usock *u = &s->udp[s->nudp];
	*u = (usock){T_UDP, fd, fam, 0, l};
	if (ep_add(s, fd, u, EPOLLIN) < 0)
		goto fail;
	s->nudp++;
	return 0;
fail:
	snprintf(err, n, "%s: %s", t, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int open_tcp(hp_server *s, const hp_listen *l, char *err, size_t n)
{
	int fam = l->addr.ss_family;
	int fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	char t[128];
	listen_text(l, t, sizeof t);
	if (fd < 0)
		goto fail;
	setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (fam == AF_INET6)
		setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	setint(fd, IPPROTO_TCP, TCP_SAVE_SYN, 1); /* the SYN's headers, for profiles */
	if (bind(fd, (const struct sockaddr *)&l->addr, l->alen) < 0 || listen(fd, 128) < 0)
		goto fail;
	lsock *x = &s->tcp[s->ntcp];
	*x = (lsock){T_TCP, fd, fam, l};
	if (ep_add(s, fd, x, EPOLLIN) < 0)
		goto fail;
	s->ntcp++;
	return 0;
fail:
	snprintf(err, n, "%s: %s", t, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int open_signals(hp_server *s, char *err, size_t n)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	s->sig_type = T_SIG;
	if (s->sigfd < 0 || ep_add(s, s->sigfd, &s->sig_type, EPOLLIN) < 0) {
		snprintf(err, n, "signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

hp_server *hp_server_new(const hp_server_opts *o, hp_ctx *ctx, hp_pipe *pipe, char *err,
			 size_t errlen)
{
	hp_server *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->o = *o;
	s->ctx = ctx;
	s->pipe = pipe;
	s->sigfd = -1;
	/* every reply of a batch fits: each is at most what hp_handle can build */
	s->tx_cap = (size_t)RX_BATCH * ((size_t)o->max_message * 2 + 16384 + 64);
	s->rx_buf = malloc((size_t)RX_BATCH * o->max_message);
	s->tx_buf = malloc(s->tx_cap);
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!s->rx_buf || !s->tx_buf || s->ep < 0) {
		snprintf(err, errlen, "out of memory");
		hp_server_free(s);
		return NULL;
	}
	for (int i = 0; i < o->nlisten; i++) {
		const hp_listen *l = &s->o.listen[i];
		if ((l->proto == 17 ? open_udp(s, l, err, errlen) : open_tcp(s, l, err, errlen)) <
		    0) {
			hp_server_free(s);
			return NULL;
		}
	}
	if (open_signals(s, err, errlen) < 0) {
		hp_server_free(s);
		return NULL;
	}
	s->st.listeners = (uint64_t)(s->nudp + s->ntcp);
	return s;
}

void hp_server_describe(const hp_server *s, char *out, size_t n)
{
	size_t k = 0;
	out[0] = 0;
	for (int i = 0; i < s->o.nlisten && k < n; i++) {
		char t[128];
		listen_text(&s->o.listen[i], t, sizeof t);
		int w = snprintf(out + k, n - k, "%s%s", k ? " " : "", t);
		if (w < 0 || (size_t)w >= n - k)
			break;
		k += (size_t)w;
	}
}

/* ---- records ------------------------------------------------------------------------------ */

static void rec_fill(hp_rec *x, uint8_t kind, uint8_t proto, const uint8_t src[16], uint16_t sport,
		     const uint8_t dst[16], uint16_t dport, int64_t ts)
{
	x->kind = kind;
	x->proto = proto;
	memcpy(x->src, src, 16);
	memcpy(x->dst, dst, 16);
	x->sport = sport;
	x->dport = dport;
	x->ts_ns = ts;
}

/* A message and what was done, for the recorder. */
static void record_msg(hp_server *s, const hp_msg *m, const hp_result *r, const uint8_t *reply,
		       uint8_t ttl, uint32_t conn_id)
{
	uint32_t rl = r->action == HP_ACT_REPLIED ? r->reply_len : 0;
	hp_rec *x = hp_pipe_alloc(s->pipe, sizeof *x + m->len + rl);
	if (!x)
		return;
	rec_fill(x, HP_REC_MSG, m->proto, m->src, m->sport, m->dst, m->dport, m->now_ns);
	x->ttl = ttl;
	x->conn = conn_id;
	x->len = m->len;
	x->wire_len = m->wire_len;
	x->reply_len = rl;
	x->u.r = *r;
	x->u.r.reply = NULL;
	memcpy((uint8_t *)(x + 1), m->data, m->len);
	if (rl)
		memcpy((uint8_t *)(x + 1) + m->len, reply, rl);
}

static void record_stats(hp_server *s, int final)
{
	hp_rec *x = hp_pipe_alloc(s->pipe, sizeof *x);
	if (!x)
		return;
	x->kind = HP_REC_STATS;
	x->ts_ns = s->now;
	x->u.st.counts = *hp_ctx_counts(s->ctx);
	x->u.st.loop = s->st;
	x->u.st.final = final;
}

/* ---- UDP ------------------------------------------------------------------------------------ */

/* Local address, TTL and the drop counter from a datagram's control data. */
static void rx_ctl(hp_server *s, usock *u, struct msghdr *h, uint8_t dst[16], uint8_t *ttl)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			addr_from_v4(dst, ntohl(pi.ipi_addr.s_addr));
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			memcpy(dst, &pi.ipi6_addr, 16);
		} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof v);
			*ttl = (uint8_t)(v > 0 && v < 256 ? v : 0);
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			uint32_t d;
			memcpy(&d, CMSG_DATA(c), sizeof d);
			s->st.kernel_drops += (uint32_t)(d - u->drops_seen);
			u->drops_seen = d;
		}
	}
}

/* Sends the reply from the address the request was sent to. */
static void tx_prepare(hp_server *s, int k, const uint8_t dst[16], int family, size_t off,
		       size_t len)
{
	struct msghdr *h = &s->tx[k].msg_hdr;
	memset(h, 0, sizeof *h);
	s->tx_iov[k].iov_base = s->tx_buf + off;
	s->tx_iov[k].iov_len = len;
	h->msg_iov = &s->tx_iov[k];
	h->msg_iovlen = 1;
	h->msg_name = &s->rx_from[k];
	h->msg_namelen =
	    family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	h->msg_control = s->tx_ctl[k];
	struct cmsghdr *c;
	if (family == AF_INET) {
		h->msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
		c = CMSG_FIRSTHDR(h);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		struct in_pktinfo pi;
		memset(&pi, 0, sizeof pi);
		pi.ipi_spec_dst.s_addr = htonl((uint32_t)dst[12] << 24 | (uint32_t)dst[13] << 16 |
					       (uint32_t)dst[14] << 8 | dst[15]);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
	} else {
		h->msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
		c = CMSG_FIRSTHDR(h);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
		struct in6_pktinfo pi;
		memset(&pi, 0, sizeof pi);
		memcpy(&pi.ipi6_addr, dst, 16);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
	}
}

static void tx_send(hp_server *s, usock *u, struct mmsghdr *v, int n)
{
	while (n > 0) {
		int k = sendmmsg(u->fd, v, (unsigned)n, MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			/* the first one failed (unreachable, buffer full): skip it */
			s->st.send_errors++;
			k = 1;
		}
		v += k;
		n -= k;
	}
}

static int udp_rx(hp_server *s, usock *u)
{
	uint32_t mm = s->o.max_message;
	for (int i = 0; i < RX_BATCH; i++) {
		struct msghdr *h = &s->rx[i].msg_hdr;
		s->rx_iov[i].iov_base = s->rx_buf + (size_t)i * mm;
		s->rx_iov[i].iov_len = mm;
		memset(h, 0, sizeof *h);
		h->msg_name = &s->rx_from[i];
		h->msg_namelen = sizeof s->rx_from[i];
		h->msg_iov = &s->rx_iov[i];
		h->msg_iovlen = 1;
		h->msg_control = s->rx_ctl[i];
		h->msg_controllen = sizeof s->rx_ctl[i];
	}
	/* MSG_TRUNC: msg_len is the datagram's real length even when longer */
	return recvmmsg(u->fd, s->rx, RX_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
}

/* One batch of datagrams: answer each, send the answers together, then
 * record each with what was sent. Returns the datagrams read. */
static int udp_batch(hp_server *s, usock *u)
{
	int n = udp_rx(s, u);
	if (n <= 0)
		return 0;
	int64_t now = wall_ns();
	hp_msg m[RX_BATCH];
	uint8_t ttl[RX_BATCH];
	int ntx = 0;
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &s->rx[i].msg_hdr;
		hp_msg *x = &m[i];
		memset(x, 0, sizeof *x);
		x->data = s->rx_iov[i].iov_base;
		x->wire_len = s->rx[i].msg_len;
		x->len = x->wire_len < s->o.max_message ? x->wire_len : s->o.max_message;
		x->proto = 17;
		x->now_ns = now;
		sockaddr_to(&s->rx_from[i], x->src, &x->sport);
		sockaddr_to(&u->l->addr, x->dst, &x->dport);
		ttl[i] = 0;
		rx_ctl(s, u, h, x->dst, &ttl[i]);
		hp_handle(s->ctx, x, &s->res[i]);
		hp_result *r = &s->res[i];
		if (r->action == HP_ACT_REPLIED) {
			memcpy(s->tx_buf + off, r->reply, r->reply_len);
			s->tx_off[i] = (uint32_t)off;
			/* rx_from[i] is the destination; tx[ntx] must use it */
			tx_prepare(s, i, x->dst, u->family, off, r->reply_len);
			s->tx[ntx] = s->tx[i];
			ntx++;
			off += r->reply_len;
		}
	}
	tx_send(s, u, s->tx, ntx);
	for (int i = 0; i < n; i++)
		record_msg(s, &m[i], &s->res[i], s->tx_buf + s->tx_off[i], ttl[i], 0);
	return n;
}

static void udp_readable(hp_server *s, usock *u)
{
	for (int round = 0; round < RX_ROUNDS; round++)
		if (udp_batch(s, u) < RX_BATCH)
			break;
}

/* ---- TCP ------------------------------------------------------------------------------------ */

static void conn_unlink(hp_server *s, conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		s->tail = c->prev;
	c->prev = c->next = NULL;
}

static void conn_append(hp_server *s, conn *c)
{
	c->prev = s->tail;
	c->next = NULL;
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
}

static void record_conn(hp_server *s, const conn *c, int event)
{
	hp_rec *x = hp_pipe_alloc(s->pipe, sizeof *x);
	if (!x)
		return;
	rec_fill(x, HP_REC_CONN, 6, c->src, c->sport, c->dst, c->dport, s->now);
	x->conn = c->id;
	x->event = (uint8_t)event;
}

/* Passes n bytes of the connection's input to the handler as one message. */
static void conn_message(hp_server *s, conn *c, uint32_t n, uint32_t wire, int incomplete);

static void conn_close(hp_server *s, conn *c, int event)
{
	if (c->in_len && event != HP_CONN_TOO_LARGE && event != HP_CONN_NOT_SIP)
		conn_message(s, c, c->in_len, c->in_len, 1); /* nothing received is lost */
	record_conn(s, c, event);
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	hp_src *src = hp_srctab_find(hp_ctx_sources(s->ctx), c->src);
	if (src && src->conns)
		src->conns--;
	conn_unlink(s, c);
	s->nconns--;
	s->st.conns_open = s->nconns;
	c->fd = -1; /* an event of this round may still name it */
	c->next = s->dead;
	s->dead = c;
}

static void free_dead(hp_server *s)
{
	while (s->dead) {
		conn *c = s->dead;
		s->dead = c->next;
		free(c->in);
		free(c->out);
		free(c);
	}
}

static void conn_update_events(hp_server *s, conn *c)
{
	struct epoll_event ev = {.events = EPOLLIN | (c->out_len ? EPOLLOUT : 0), .data.ptr = c};
	epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Sends what is pending; -1 if the connection must go. */
static int conn_flush(hp_server *s, conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t k = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (k <= 0) {
			s->st.send_errors++;
			return -1;
		}
		c->out_off += (uint32_t)k;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	conn_update_events(s, c);
	return 0;
}

static int conn_queue(conn *c, const uint8_t *d, uint32_t n)
{
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (n > OUT_CAP - c->out_len)
		return -1;
	memcpy(c->out + c->out_len, d, n);
	c->out_len += n;
	return 0;
}

static void conn_message(hp_server *s, conn *c, uint32_t n, uint32_t wire, int incomplete)
{
	hp_msg m = {.data = c->in,
		    .len = n,
		    .wire_len = wire,
		    .proto = 6,
		    .sport = c->sport,
		    .dport = c->dport,
		    .now_ns = s->now};
	memcpy(m.src, c->src, 16);
	memcpy(m.dst, c->dst, 16);
	hp_result r;
	if (incomplete) {
		hp_note(s->ctx, &m, HP_ACT_INCOMPLETE, &r);
	} else {
		hp_handle(s->ctx, &m, &r);
		if (r.action == HP_ACT_REPLIED && conn_queue(c, r.reply, r.reply_len) < 0)
			s->out_backlog = 1;
	}
	record_msg(s, &m, &r, r.reply, 0, c->id);
}

static void conn_consume(conn *c, uint32_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* Frames the messages in the input. Returns a close reason, or 0. */
static int conn_frame(hp_server *s, conn *c)
{
	uint32_t cap = s->o.max_message;
	while (c->in_len) {
		if (c->in_len >= 4 && !memcmp(c->in, "\r\n\r\n", 4)) {
			conn_message(s, c, 4, 4, 0); /* RFC 5626 keep-alive ping */
			conn_consume(c, 4);
			continue;
		}
		uint32_t eol = 0;
		while (eol < c->in_len && (c->in[eol] == '\r' || c->in[eol] == '\n'))
			eol++;
		if (eol == c->in_len)
			break; /* line ends alone: a keep-alive on its way, or a message */
		sip_hdr h[SIP_HDRS];
		sip_msg m;
		int rc = sip_parse(&m, c->in, c->in_len, h, SIP_HDRS, SIP_PARSE_STREAM);
		if (rc == SIP_OK && m.msg_len) {
			conn_message(s, c, m.msg_len, m.msg_len, 0);
			conn_consume(c, m.msg_len);
			continue;
		}
		int whole_line = memchr(c->in, '\n', c->in_len) != NULL || c->in_len >= 1024;
		if (rc == SIP_NOT_SIP && whole_line) {
			conn_message(s, c, c->in_len, c->in_len, 0);
			c->in_len = 0;
			return HP_CONN_NOT_SIP;
		}
		if (c->in_len >= cap) { /* a message longer than the maximum */
			conn_message(s, c, c->in_len, cap + 1, 0);
			c->in_len = 0;
			return HP_CONN_TOO_LARGE;
		}
		break; /* wait for the rest */
	}
	c->partial_ns = c->in_len ? (c->partial_ns ? c->partial_ns : s->now) : 0;
	return 0;
}

/* Reads, answers, sends. Returns 1 if the connection was closed. */
static int conn_readable(hp_server *s, conn *c)
{
	for (;;) {
		uint32_t room = s->o.max_message - c->in_len;
		ssize_t k = room ? recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT) : 0;
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (k < 0 || (k == 0 && room)) {
			conn_close(s, c, k == 0 ? HP_CONN_PEER : HP_CONN_ERROR);
			return 1;
		}
		c->in_len += (uint32_t)k;
		c->last_ns = s->now;
		s->out_backlog = 0;
		int why = conn_frame(s, c);
		if (!why && s->out_backlog)
			why = HP_CONN_OUTPUT;
		if (why || conn_flush(s, c) < 0) {
			conn_close(s, c, why ? why : HP_CONN_ERROR);
			return 1;
		}
		if (!room)
			break;
	}
	conn_unlink(s, c); /* most recently active last */
	conn_append(s, c);
	return 0;
}

static void conn_syn(hp_server *s, conn *c)
{
	uint8_t syn[SYN_MAX];
	socklen_t n = sizeof syn;
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_SAVED_SYN, syn, &n) < 0 || n == 0)
		return;
	hp_rec *x = hp_pipe_alloc(s->pipe, sizeof *x + n);
	if (!x)
		return;
	rec_fill(x, HP_REC_SYN, 6, c->src, c->sport, c->dst, c->dport, s->now);
	x->conn = c->id;
	x->len = x->wire_len = n;
	memcpy((uint8_t *)(x + 1), syn, n);
}

/* Makes room: the least recently active connection goes. */
static int conn_room(hp_server *s)
{
	if (s->nconns < s->o.max_connections)
		return 1;
	if (!s->head)
		return 0;
	conn_close(s, s->head, HP_CONN_LIMIT);
	return 1;
}

static conn *conn_new(hp_server *s, int fd, const struct sockaddr_storage *peer, socklen_t pl)
{
	conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->type = T_CONN;
	c->fd = fd;
	c->id = ++s->next_id;
	sockaddr_to(peer, c->src, &c->sport);
	struct sockaddr_storage me;
	socklen_t ml = sizeof me;
	if (getsockname(fd, (struct sockaddr *)&me, &ml) == 0)
		sockaddr_to(&me, c->dst, &c->dport);
	c->last_ns = s->now;
	c->in = malloc(s->o.max_message);
	c->out = malloc(OUT_CAP);
	(void)pl;
	if (!c->in || !c->out) {
		free(c->in);
		free(c->out);
		free(c);
		return NULL;
	}
	return c;
}

static void refuse(hp_server *s, int fd, const struct sockaddr_storage *peer, socklen_t pl)
{
	conn tmp;
	memset(&tmp, 0, sizeof tmp);
	sockaddr_to(peer, tmp.src, &tmp.sport);
	struct sockaddr_storage me;
	socklen_t ml = sizeof me;
	if (getsockname(fd, (struct sockaddr *)&me, &ml) == 0)
		sockaddr_to(&me, tmp.dst, &tmp.dport);
	(void)pl;
	record_conn(s, &tmp, HP_CONN_LIMIT);
	close(fd);
	s->st.conns_refused++;
}

static void tcp_accept(hp_server *s, lsock *l)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof peer;
		int fd =
		    accept4(l->fd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		uint8_t ip[16];
		uint16_t port;
		sockaddr_to(&peer, ip, &port);
		hp_src *src = hp_srctab_get(hp_ctx_sources(s->ctx), ip, s->now,
					    hp_ctx_limits(s->ctx)->src_burst);
		conn *c = NULL;
		if (!src || src->conns >= s->o.max_per_source || !conn_room(s) ||
		    !(c = conn_new(s, fd, &peer, pl)) || ep_add(s, fd, c, EPOLLIN) < 0) {
			free(c ? c->in : NULL);
			free(c ? c->out : NULL);
			free(c);
			refuse(s, fd, &peer, pl);
			continue;
		}
		src->conns++;
		conn_append(s, c);
		s->nconns++;
		s->st.conns++;
		s->st.conns_open = s->nconns;
		record_conn(s, c, HP_CONN_OPEN);
		conn_syn(s, c);
	}
}

/* Closes connections idle, or with a message unfinished, for too long. */
static void conn_timeouts(hp_server *s)
{
	int64_t limit = (int64_t)s->o.idle_timeout_s * 1000000000;
	for (conn *c = s->head, *next; c; c = next) {
		next = c->next;
		if (s->now - c->last_ns > limit ||
		    (c->partial_ns && s->now - c->partial_ns > limit))
			conn_close(s, c, HP_CONN_IDLE);
	}
}

/* ---- the loop ---------------------------------------------------------------------------- */

static void signals(hp_server *s)
{
	struct signalfd_siginfo si;
	while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGHUP) {
			if (s->o.on_hup)
				s->o.on_hup(s->o.hup_arg);
		} else {
			s->stop = 1;
		}
	}
}

static void dispatch(hp_server *s, struct epoll_event *ev)
{
	uint8_t type = *(uint8_t *)ev->data.ptr;
	switch (type) {
	case T_UDP:
		udp_readable(s, ev->data.ptr);
		break;
	case T_TCP:
		tcp_accept(s, ev->data.ptr);
		break;
	case T_SIG:
		signals(s);
		break;
	case T_CONN: {
		conn *c = ev->data.ptr;
		if (c->fd < 0)
			break;
		if (ev->events & (EPOLLERR | EPOLLHUP) && !(ev->events & EPOLLIN)) {
			conn_close(s, c, HP_CONN_ERROR);
			break;
		}
		if ((ev->events & EPOLLOUT) && conn_flush(s, c) < 0) {
			conn_close(s, c, HP_CONN_ERROR);
			break;
		}
		if (ev->events & EPOLLIN)
			(void)conn_readable(s, c);
		break;
	}
	default:
		break;
	}
}

static void tick(hp_server *s)
{
	if (s->now - s->last_tick < 1000000000)
		return;
	s->last_tick = s->now;
	conn_timeouts(s);
	if (s->o.stats_s && s->now - s->last_stats >= (int64_t)s->o.stats_s * 1000000000) {
		s->last_stats = s->now;
		record_stats(s, 0);
	}
}

/* Stopping: what the sockets still hold is read and answered, unfinished
 * TCP messages are recorded as such, and the final counters go last. */
static void shutdown_loop(hp_server *s)
{
	s->now = wall_ns();
	for (int i = 0; i < s->nudp; i++)
		for (int k = 0; k < 1024 && udp_batch(s, &s->udp[i]) > 0; k++)
			;
	while (s->head) {
		conn *c = s->head;
		if (!conn_readable(s, c)) {
			conn_flush(s, c);
			conn_close(s, c, HP_CONN_SHUTDOWN);
		}
	}
	record_stats(s, 1);
	hp_pipe_close(s->pipe);
}

int hp_server_run(hp_server *s)
{
	struct epoll_event ev[64];
	s->now = s->last_tick = s->last_stats = wall_ns();
	while (!s->stop) {
		int n = epoll_wait(s->ep, ev, 64, 1000);
		if (n < 0 && errno != EINTR)
			break;
		s->now = wall_ns();
		for (int i = 0; i < n && !s->stop; i++)
			dispatch(s, &ev[i]);
		tick(s);
		hp_pipe_flush(s->pipe);
		free_dead(s);
	}
	shutdown_loop(s);
	free_dead(s);
	return 0;
}

void hp_server_set_hup_arg(hp_server *s, void *arg)
{
	s->o.hup_arg = arg;
}

void hp_server_free(hp_server *s)
{
	if (!s)
		return;
	free_dead(s);
	while (s->head) {
		conn *c = s->head;
		conn_unlink(s, c);
		close(c->fd);
		free(c->in);
		free(c->out);
		free(c);
	}
	for (int i = 0; i < s->nudp; i++)
		close(s->udp[i].fd);
	for (int i = 0; i < s->ntcp; i++)
		close(s->tcp[i].fd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->ep >= 0)
		close(s->ep);
	free(s->rx_buf);
	free(s->tx_buf);
	free(s);
}

/* ---- privileges ------------------------------------------------------------------------- */

int hp_drop_privileges(const char *user, char *err, size_t errlen)
{
	if (geteuid() != 0)
		return 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "no user '%s' to run as (--user)", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "--user %s is root: give an unprivileged user", user);
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(err, errlen, "could become root again after dropping to %s", user);
		return -1;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}
