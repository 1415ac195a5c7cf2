/* What the honeypot answers to one message, and whether it may answer.
 *
 * hp_handle() takes one received message (a datagram, or one message framed
 * out of a TCP stream) and decides, as the configured PBX would: OPTIONS
 * answered with its Allow/Supported/Server; REGISTER, INVITE and the like
 * 404 for an extension that does not exist, 401 with a fresh nonce for one
 * that does, 403 for a wrong digest (MD5 digests are verified), and a weak
 * account's password accepted. The reply echoes Via (received, rport),
 * From, To (with a To tag), Call-ID and CSeq, in the personality's layout.
 *
 * Before anything is sent it must pass the safety rules: the source's and
 * the global reply rates, and the byte credit (a reply never makes the
 * bytes sent to a source exceed the bytes received from it; optional lines
 * are dropped to fit, else nothing is sent). It does no I/O: the caller
 * sends r->reply. Nothing here allocates per message. */
#ifndef SP_HP_RESPOND_H
#define SP_HP_RESPOND_H
#include <stdint.h>

#include "honeypot/personality.h"
#include "honeypot/srctab.h"

typedef struct hp_limits {
	double src_rate, src_burst;	  /* replies a second to one source */
	double global_rate, global_burst; /* replies a second in all */
	uint32_t max_message;		  /* longest message handled (bytes) */
	uint32_t max_sources;		  /* sources tracked */
} hp_limits;
void hp_limits_default(hp_limits *l);

/* What happened to a message (the log's "action"). */
enum hp_action {
	HP_ACT_REPLIED = 1,   /* a reply was sent */
	HP_ACT_NO_REPLY,      /* nothing is due (ACK, a response, a keep-alive) */
	HP_ACT_RATE_SOURCE,   /* over the source's reply rate */
	HP_ACT_RATE_GLOBAL,   /* over the global reply rate */
	HP_ACT_AMPLIFICATION, /* the reply would exceed what the source sent */
	HP_ACT_NOT_SIP,	      /* not a SIP message */
	HP_ACT_MALFORMED,     /* SIP without the headers a reply needs */
	HP_ACT_TOO_LARGE,     /* longer than max_message */
	HP_ACT_INCOMPLETE,    /* a TCP message cut by the end of its connection */
	HP_ACT_NO_STATE,      /* the source table is full of connected sources */
	HP_ACT_COUNT
};
const char *hp_action_name(int action);

/* Digest authentication of the request. */
enum hp_auth {
	HP_AUTH_NONE = 0,     /* none involved */
	HP_AUTH_CHALLENGED,   /* no credentials: 401 with a fresh nonce */
	HP_AUTH_STALE,	      /* credentials with a nonce we did not issue (or expired) */
	HP_AUTH_WRONG,	      /* the digest does not match */
	HP_AUTH_ACCEPTED,     /* a weak account's password: it matched */
	HP_AUTH_UNKNOWN_USER, /* credentials for a user that does not exist */
	HP_AUTH_BAD,	      /* credentials we cannot read */
	HP_AUTH_COUNT
};
const char *hp_auth_name(int auth);

typedef struct hp_msg {
	const uint8_t *data; /* the message (as much as was kept) */
	uint32_t len;
	uint32_t wire_len;	  /* its real length (> len: cut to max_message) */
	uint8_t proto;		  /* 17 UDP, 6 TCP */
	uint8_t src[16], dst[16]; /* IPv4 mapped into ::ffff:0:0/96 */
	uint16_t sport, dport;
	int64_t now_ns;
} hp_msg;

/* Where the handler found the parts the event log shows, so that nothing
 * parses the message twice: offsets into the message (len 0: absent). */
enum hp_field {
	HP_F_METHOD,
	HP_F_URI,
	HP_F_FROM,
	HP_F_TO,
	HP_F_CALL_ID,
	HP_F_CSEQ,
	HP_F_USER_AGENT,
	HP_F_CONTACT,
	HP_F_AUTH, /* Authorization or Proxy-Authorization value */
	HP_F_COUNT
};
typedef struct hp_span {
	uint32_t off, len;
} hp_span;

typedef struct hp_result {
	uint8_t action;	      /* enum hp_action */
	uint8_t auth;	      /* enum hp_auth */
	uint8_t kind;	      /* enum sip_kind of the message */
	uint8_t method;	      /* enum sip_method */
	uint8_t exists;	      /* the extension asked for exists */
	uint16_t status;      /* status of the reply (also when it was not sent) */
	uint16_t dropped;     /* optional lines left out to fit the credit */
	uint32_t quirks;      /* enum sip_quirk bits of the message */
	const uint8_t *reply; /* the reply sent (valid until the next call) */
	uint32_t reply_len;
	uint16_t rstatus;	     /* a response's status code */
	hp_span field[HP_F_COUNT];   /* see enum hp_field */
	char user[HP_USER_MAX];	     /* the extension asked for ("" if none) */
	char auth_user[HP_USER_MAX]; /* the digest username */
} hp_result;

/* Counters since start. */
typedef struct hp_counts {
	uint64_t messages, replies, bytes_in, bytes_out;
	uint64_t action[HP_ACT_COUNT];
	uint64_t auth[HP_AUTH_COUNT];
} hp_counts;

typedef struct hp_ctx hp_ctx;

/* p must outlive the context. seed: 0 = from the system's random source. */
hp_ctx *hp_ctx_new(const hp_personality *p, const hp_limits *l, uint64_t seed);
void hp_ctx_free(hp_ctx *c);
void hp_handle(hp_ctx *c, const hp_msg *m, hp_result *r);
/* A message the caller could not hand to hp_handle (a TCP message cut by
 * the end of its connection): counted, and credited to its source, with
 * `action` in r. */
void hp_note(hp_ctx *c, const hp_msg *m, int action, hp_result *r);
const hp_counts *hp_ctx_counts(const hp_ctx *c);
hp_srctab *hp_ctx_sources(hp_ctx *c);
const hp_limits *hp_ctx_limits(const hp_ctx *c);
const hp_personality *hp_ctx_personality(const hp_ctx *c);

/* Decimal digits of v (no NUL); returns how many. */
size_t hp_utoa(uint64_t v, char out[21]);

/* Digest response (RFC 2617 3.2.2) as 32 lower-case hex digits: qop and
 * cnonce/nc used when qop is non-empty, MD5-sess when sess. */
void hp_digest(const char *user, const char *realm, const char *pass, const char *method,
	       const char *uri, const char *nonce, const char *nc, const char *cnonce,
	       const char *qop, int sess, char out[33]);

#endif
