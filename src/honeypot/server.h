/* The honeypot's network side: one thread, one epoll loop.
 *
 * Many listeners at once (UDP and TCP, IPv4 and IPv6). UDP datagrams are
 * read and answered in batches (recvmmsg / sendmmsg), each reply from the
 * address the scanner wrote to; TCP messages are framed out of each
 * connection's stream. Every message goes through hp_handle() (respond.h)
 * and then, as a record, to the recorder (record.h).
 *
 * Bounds: a message longer than max_message is not read further; a TCP
 * connection holds at most max_message bytes of input and 64 KiB of
 * unsent output; at most max_connections connections (max_per_source from
 * one address; when full, the least recently active one is closed); a
 * connection idle, or with a message unfinished, for idle_timeout seconds
 * is closed. Replies go only to the address and port a message came from
 * (or back over its connection): the honeypot never opens a connection or
 * sends anything unasked. */
#ifndef SP_HP_SERVER_H
#define SP_HP_SERVER_H
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "honeypot/record.h"
#include "honeypot/respond.h"

#define HP_MAX_LISTEN 32

typedef struct hp_listen {
	char text[96]; /* as given, for messages */
	uint8_t proto; /* 17 or 6 */
	struct sockaddr_storage addr;
	socklen_t alen;
} hp_listen;

/* Parses "[udp:|tcp:]ADDR:PORT" ("[::1]:5060" for IPv6; "5060" alone is
 * 0.0.0.0:5060); without a transport, both. Appends to l[] (*n entries,
 * room for HP_MAX_LISTEN). -1 with a message in err. */
int hp_listen_parse(const char *spec, hp_listen *l, int *n, char *err, size_t errlen);

typedef struct hp_server_opts {
	hp_listen listen[HP_MAX_LISTEN];
	int nlisten;
	uint32_t max_message; /* bytes */
	uint32_t max_connections;
	uint32_t max_per_source; /* TCP connections from one address */
	uint32_t idle_timeout_s;
	uint32_t stats_s; /* a stats event this often (0: never) */
	int rcvbuf;	  /* UDP receive buffer wanted (bytes) */
	void (*on_hup)(void *arg);
	void *hup_arg;
} hp_server_opts;

typedef struct hp_server hp_server;

/* Binds every listener and blocks SIGINT, SIGTERM and SIGHUP (read through
 * a signalfd). Call before starting other threads, so that they inherit
 * the blocked signals. NULL with a message in err. */
hp_server *hp_server_new(const hp_server_opts *o, hp_ctx *ctx, hp_pipe *pipe, char *err,
			 size_t errlen);
/* Runs until SIGINT or SIGTERM; then reads what the sockets still hold,
 * closes the connections, sends the final statistics and closes the pipe. */
int hp_server_run(hp_server *s);
void hp_server_free(hp_server *s);
/* The argument on_hup gets (set once its owner exists). */
void hp_server_set_hup_arg(hp_server *s, void *arg);
/* "udp/0.0.0.0:5060 tcp/0.0.0.0:5060" */
void hp_server_describe(const hp_server *s, char *out, size_t n);

/* Started as root: becomes `user` (groups dropped, no way back). 0 when
 * done or not root; -1 with a message in err. */
int hp_drop_privileges(const char *user, char *err, size_t errlen);

#endif
