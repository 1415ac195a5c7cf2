/* SIP messages (RFC 3261): requests and responses, over UDP or a stream.
 *
 * A tolerant parser that keeps what fingerprints need: every header in the
 * order it was written, with its name exactly as written (case, compact
 * form), the spaces around its colon, its line ending and whether it was
 * folded; values are views into the message, never copies. Anything odd
 * (junk before the start line, bare LF, NUL bytes, a bad or missing
 * Content-Length, more headers than the caller made room for) is a quirk
 * of the sender, recorded in sip_msg.quirks; the parser never fails on
 * malformed input, it only says "not SIP" when there is no start line.
 *
 *   sip_hdr hdrs[SIP_HDRS];
 *   sip_msg m;
 *   if (sip_parse(&m, data, len, hdrs, SIP_HDRS, 0) == SIP_OK) ...
 *
 * Nothing is allocated: the caller owns the header array (its size is the
 * cap; more headers set SIP_Q_HDR_OVERFLOW) and the bytes, which must stay
 * valid while the views are used. The value helpers below (URI, name-addr,
 * Via, CSeq, digest credentials, parameters) work on those views the same
 * way. All bytes are read through decode/cursor.h. */
#ifndef SP_SIP_H
#define SP_SIP_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SIP_HDRS 64 /* a header array size that fits any sane message */

/* A view into the message: p may be NULL when len is 0. */
typedef struct sip_str {
	const uint8_t *p;
	uint32_t len;
} sip_str;

enum sip_kind { SIP_NONE = 0, SIP_REQUEST = 1, SIP_RESPONSE = 2 };

enum sip_method {
	SIP_M_OTHER = 0, /* a token we do not know (still a request) */
	SIP_M_INVITE,
	SIP_M_ACK,
	SIP_M_BYE,
	SIP_M_CANCEL,
	SIP_M_OPTIONS,
	SIP_M_REGISTER,
	SIP_M_PRACK,
	SIP_M_SUBSCRIBE,
	SIP_M_NOTIFY,
	SIP_M_PUBLISH,
	SIP_M_INFO,
	SIP_M_REFER,
	SIP_M_MESSAGE,
	SIP_M_UPDATE,
	SIP_M_COUNT
};

/* Canonical header ids. Long and compact forms map to the same id. */
enum sip_hdr_id {
	SIP_H_OTHER = 0, /* not in this list: compare sip_hdr.name */
	SIP_H_ACCEPT,
	SIP_H_ACCEPT_CONTACT,
	SIP_H_ACCEPT_ENCODING,
	SIP_H_ACCEPT_LANGUAGE,
	SIP_H_ALERT_INFO,
	SIP_H_ALLOW,
	SIP_H_ALLOW_EVENTS,
	SIP_H_AUTHENTICATION_INFO,
	SIP_H_AUTHORIZATION,
	SIP_H_CALL_ID,
	SIP_H_CALL_INFO,
	SIP_H_CONTACT,
	SIP_H_CONTENT_DISPOSITION,
	SIP_H_CONTENT_ENCODING,
	SIP_H_CONTENT_LANGUAGE,
	SIP_H_CONTENT_LENGTH,
	SIP_H_CONTENT_TYPE,
	SIP_H_CSEQ,
	SIP_H_DATE,
	SIP_H_ERROR_INFO,
	SIP_H_EVENT,
	SIP_H_EXPIRES,
	SIP_H_FROM,
	SIP_H_IDENTITY,
	SIP_H_IDENTITY_INFO,
	SIP_H_IN_REPLY_TO,
	SIP_H_MAX_FORWARDS,
	SIP_H_MIME_VERSION,
	SIP_H_MIN_EXPIRES,
	SIP_H_ORGANIZATION,
	SIP_H_P_ASSERTED_IDENTITY,
	SIP_H_P_PREFERRED_IDENTITY,
	SIP_H_PRIORITY,
	SIP_H_PROXY_AUTHENTICATE,
	SIP_H_PROXY_AUTHORIZATION,
	SIP_H_PROXY_REQUIRE,
	SIP_H_RECORD_ROUTE,
	SIP_H_REFER_TO,
	SIP_H_REFERRED_BY,
	SIP_H_REJECT_CONTACT,
	SIP_H_REPLY_TO,
	SIP_H_REQUEST_DISPOSITION,
	SIP_H_REQUIRE,
	SIP_H_RETRY_AFTER,
	SIP_H_ROUTE,
	SIP_H_SERVER,
	SIP_H_SESSION_EXPIRES,
	SIP_H_SUBJECT,
	SIP_H_SUBSCRIPTION_STATE,
	SIP_H_SUPPORTED,
	SIP_H_TIMESTAMP,
	SIP_H_TO,
	SIP_H_UNSUPPORTED,
	SIP_H_USER_AGENT,
	SIP_H_VIA,
	SIP_H_WARNING,
	SIP_H_WWW_AUTHENTICATE,
	SIP_H_COUNT
};
_Static_assert(SIP_H_COUNT <= 64, "sip_msg.ids_seen holds one bit per header id");

/* Line endings. */
/* SIP_EOL_CUT: a CR that is the data's last byte, a CRLF cut short (the
 * sender's length left out the LF). */
enum sip_eol {
	SIP_EOL_NONE = 0,
	SIP_EOL_CRLF = 1,
	SIP_EOL_LF = 2,
	SIP_EOL_CR = 3,
	SIP_EOL_CUT = 4
};

/* Layout of one header line (sip_hdr.layout). */
enum sip_hdr_layout {
	SIP_HL_COMPACT = 1 << 0,  /* compact name ("v", "f", "i", ...) */
	SIP_HL_FOLDED = 1 << 1,	  /* continued on following lines */
	SIP_HL_TAB = 1 << 2,	  /* a tab around the colon */
	SIP_HL_TRAIL_WS = 1 << 3, /* blanks at the end of the line */
	SIP_HL_NUL = 1 << 4,	  /* a NUL byte in the line */
	SIP_HL_EMPTY = 1 << 5,	  /* no value */
	SIP_HL_ODD_CASE = 1 << 6, /* name's case differs from the usual spelling */
};

typedef struct sip_hdr {
	sip_str name;	   /* as written, without blanks before the colon */
	sip_str value;	   /* first to last non-blank byte; folds kept as written */
	uint32_t off;	   /* offset of the line from the start of the data */
	uint16_t id;	   /* enum sip_hdr_id */
	uint8_t layout;	   /* enum sip_hdr_layout bits */
	uint8_t ws_before; /* blanks between the name and ':' (capped at 255) */
	uint8_t ws_after;  /* blanks between ':' and the value (capped at 255) */
	uint8_t eol;	   /* enum sip_eol of its (last) line */
} sip_hdr;

/* What the sender did that a careful implementation would not. */
enum sip_quirk {
	SIP_Q_JUNK = 1u << 0,	       /* bytes before the start line */
	SIP_Q_LEADING_EOL = 1u << 1,   /* empty lines before the start line */
	SIP_Q_EOL_LF = 1u << 2,	       /* bare LF line endings */
	SIP_Q_EOL_CR = 1u << 3,	       /* bare CR line endings */
	SIP_Q_EOL_MIXED = 1u << 4,     /* more than one kind of line ending */
	SIP_Q_FOLDED = 1u << 5,	       /* a header continued on another line */
	SIP_Q_NUL = 1u << 6,	       /* NUL byte in the start line or headers */
	SIP_Q_NO_CL = 1u << 7,	       /* no Content-Length */
	SIP_Q_BAD_CL = 1u << 8,	       /* Content-Length is not a number >= 0 */
	SIP_Q_CL_MULTI = 1u << 9,      /* Content-Length given twice, differently */
	SIP_Q_CL_LONG = 1u << 10,      /* Content-Length beyond the data */
	SIP_Q_TRAILING = 1u << 11,     /* bytes after the body (datagram) */
	SIP_Q_NO_END = 1u << 12,       /* headers not ended by an empty line */
	SIP_Q_HDR_OVERFLOW = 1u << 13, /* more headers than the caller's array */
	SIP_Q_BAD_LINE = 1u << 14,     /* a header line without a name and ':' */
	SIP_Q_WS_COLON = 1u << 15,     /* blanks between a header name and ':' */
	SIP_Q_START_WS = 1u << 16,     /* start line: more than one blank between parts */
	SIP_Q_START_TRAIL = 1u << 17,  /* start line: blanks at its end */
	SIP_Q_BAD_VERSION = 1u << 18,  /* not SIP/2.0 */
	SIP_Q_BAD_STATUS = 1u << 19,   /* status not three digits in 100..699 */
	SIP_Q_BAD_URI = 1u << 20,      /* Request-URI without a scheme, or in <> */
	SIP_Q_DUP_SINGLE = 1u << 21,   /* Call-ID, From, To, CSeq or Max-Forwards twice */
	SIP_Q_MISSING = 1u << 22,      /* a request without Via, From, To, Call-ID or CSeq */
	SIP_Q_CSEQ_METHOD = 1u << 23,  /* CSeq method differs from the request's */
	SIP_Q_CSEQ_RANGE = 1u << 24,   /* CSeq number not below 2^31 */
	SIP_Q_QUOTE = 1u << 25,	       /* an unterminated quoted string */
	SIP_Q_EMPTY_NAME = 1u << 26,   /* a line starting with ':' */
	SIP_Q_MAXFWD = 1u << 27,       /* Max-Forwards not a number 0..255 */
	SIP_Q_NO_REASON_SP = 1u << 28, /* status line without the blank before the reason */
	SIP_Q_CUT_EOL = 1u << 29,      /* the data ends with the CR of a CRLF */
};
#define SIP_QUIRK_COUNT 30
const char *sip_quirk_name(unsigned bit_index);

typedef struct sip_msg {
	uint8_t kind;		    /* enum sip_kind */
	uint8_t method;		    /* enum sip_method (requests) */
	uint8_t eol;		    /* line ending of the start line */
	uint16_t status;	    /* responses: the code (0 if unreadable) */
	sip_str start;		    /* the start line, without its line ending */
	sip_str method_str;	    /* requests: the method token */
	sip_str uri;		    /* requests: the Request-URI */
	sip_str version;	    /* "SIP/2.0" as written */
	sip_str reason;		    /* responses: the reason phrase */
	uint32_t quirks;	    /* enum sip_quirk bits */
	uint32_t junk;		    /* bytes before the start line (junk and empty lines) */
	uint32_t head_len;	    /* start line .. empty line inclusive */
	uint32_t msg_len;	    /* bytes this message takes from the data's start */
	int64_t content_length;	    /* declared; -1 none, -2 unreadable */
	sip_str body;		    /* the body as far as it is there */
	sip_hdr *hdr;		    /* the caller's array */
	uint16_t cap;		    /* its size */
	uint16_t nhdr;		    /* headers kept in hdr[] */
	uint32_t nhdr_seen;	    /* headers seen (more than nhdr: overflow) */
	uint64_t ids_seen;	    /* bit (1 << id) for every header id seen, kept or not */
	int16_t first[SIP_H_COUNT]; /* index in hdr[] of the first header of each id, -1 none */
} sip_msg;

enum sip_result {
	SIP_OK = 0,	    /* a message (maybe with quirks) */
	SIP_NOT_SIP = -1,   /* no SIP start line */
	SIP_INCOMPLETE = 1, /* stream mode: the message needs more bytes */
};

enum sip_parse_flags {
	/* The data is the start of a stream (TCP): a head without its empty line,
	 * or a body shorter than Content-Length, is SIP_INCOMPLETE instead of a
	 * quirk, and a missing Content-Length means an empty body. */
	SIP_PARSE_STREAM = 1,
	/* Skip the checks of a request's meaning (mandatory headers, CSeq
	 * against the method, repeated single headers, Max-Forwards range,
	 * quoting): those quirks are then not set. Framing and layout quirks
	 * are. For hot paths that only need the message's layout. */
	SIP_PARSE_NO_CHECKS = 2,
};

/* Parses the message at the start of data. Returns enum sip_result. */
int sip_parse(sip_msg *m, const uint8_t *data, size_t len, sip_hdr *hdrs, uint16_t cap,
	      unsigned flags);
/* The checks SIP_PARSE_NO_CHECKS leaves out, on a message parsed with it (or
 * read by sip_parse_like): afterwards m is what sip_parse without that flag
 * gives. They only add quirks, those of SIP_Q_CHECKS. */
void sip_check(sip_msg *m);
#define SIP_Q_CHECKS                                                                               \
	(SIP_Q_MISSING | SIP_Q_CSEQ_METHOD | SIP_Q_CSEQ_RANGE | SIP_Q_MAXFWD | SIP_Q_BAD_VERSION | \
	 SIP_Q_QUOTE)

/* ---- Layout replay ---------------------------------------------------------
 * A scanner sends one request layout over and over, changing only values.
 * sip_layout keeps a request parsed with SIP_PARSE_NO_CHECKS whose layout is
 * plain (no quirk, CRLF, no fold, no NUL, no body, nothing empty, every
 * header kept); sip_parse_like then reads a message laid out the same way
 * (the same start line but for the Request-URI, the same header lines but
 * for their values, Content-Length written the same) without parsing it
 * again, and gives exactly what sip_parse(..., SIP_PARSE_NO_CHECKS) gives:
 * every byte that could make that parse differ (line ends, blanks at a
 * value's ends or in the URI, NUL) is checked. */
#define SIP_LAYOUT_BYTES 1024
#define SIP_LAYOUT_HDRS	 24

typedef struct sip_layout {
	uint32_t len; /* 0: empty */
	uint8_t bytes[SIP_LAYOUT_BYTES];
	sip_msg m;		      /* views as offsets into bytes (hdr unused) */
	sip_hdr hdr[SIP_LAYOUT_HDRS]; /* likewise */
} sip_layout;

/* Keeps m (sip_parse of data with SIP_PARSE_NO_CHECKS) in l if its layout
 * is plain; returns 0 if kept, else -1 (l is then empty). */
int sip_layout_keep(sip_layout *l, const sip_msg *m, const uint8_t *data, size_t len);
/* Reads data laid out as l: SIP_OK with m as sip_parse would fill it, or
 * -1 when data is not laid out so (then parse it). */
int sip_parse_like(const sip_layout *l, sip_msg *m, const uint8_t *data, size_t len, sip_hdr *hdrs,
		   uint16_t cap);

/* Cheap first look: 1 if the bytes start like a SIP request or response
 * line (a known method and a blank, or "SIP/"). For hot paths. */
int sip_looks_like(const uint8_t *p, size_t n);

/* The first header with this id, or the next one after h; NULL if none. */
const sip_hdr *sip_find(const sip_msg *m, unsigned id);
const sip_hdr *sip_next(const sip_msg *m, const sip_hdr *h);
/* Index of h in m->hdr. */
static inline unsigned sip_hdr_index(const sip_msg *m, const sip_hdr *h)
{
	return (unsigned)(h - m->hdr);
}

/* Canonical id of a header name (long or compact, any case); SIP_H_OTHER
 * if unknown. *compact is set to 1 for a compact form (may be NULL). */
unsigned sip_hdr_lookup(const uint8_t *name, size_t len, int *compact);
/* The usual spelling of an id ("Call-ID"), and its compact letter or 0. */
const char *sip_hdr_canon(unsigned id);
char sip_hdr_compact(unsigned id);
/* Method id of a token; SIP_M_OTHER if unknown. */
unsigned sip_method_lookup(const uint8_t *p, size_t len);
const char *sip_method_name(unsigned id);

/* ---- Values ---------------------------------------------------------------
 * Helpers over header values. Blanks and folds (CRLF + blank) inside a value
 * are skipped where the grammar allows linear white space. They return 0 on
 * success, -1 when the value does not have the form (the output then holds
 * what could be read). */

enum sip_host_kind { SIP_HOST_NONE = 0, SIP_HOST_NAME = 1, SIP_HOST_V4 = 2, SIP_HOST_V6 = 3 };

typedef struct sip_uri {
	sip_str scheme;	   /* "sip", "sips", "tel", ... */
	sip_str user;	   /* before '@' (without the password), may be empty */
	sip_str password;  /* after ':' in the user part */
	sip_str host;	   /* without [] for IPv6 */
	sip_str port_str;  /* as written */
	sip_str params;	   /* ";..." up to '?' or the end */
	sip_str headers;   /* after '?' */
	uint32_t v4;	   /* IPv4 host, host order (host_kind V4) */
	uint16_t port;	   /* 0 if none or unreadable */
	uint8_t host_kind; /* enum sip_host_kind */
	uint8_t has_at;	   /* the URI has a user part */
} sip_uri;
int sip_parse_uri(sip_str s, sip_uri *u);

/* How a header parameter was introduced (";tag=" and its variants). */
enum sip_param_sep {
	SIP_PSEP_NONE = 0, /* no such parameter */
	SIP_PSEP_SEMI,	   /* ";tag=" */
	SIP_PSEP_SEMI_WS,  /* "; tag=" */
	SIP_PSEP_WS_SEMI,  /* " ;tag=" (and " ; tag=") */
	SIP_PSEP_WS,	   /* " tag=": the ';' is missing */
	SIP_PSEP_NOTHING,  /* ">tag=": neither ';' nor a blank */
};

typedef struct sip_nameaddr {
	sip_str display;   /* display name, quotes stripped, escapes kept */
	sip_str uri;	   /* inside <>, or the bare URI */
	sip_str params;	   /* header parameters after the URI, as written */
	sip_str tag;	   /* tag parameter value */
	uint8_t quoted;	   /* display name was quoted */
	uint8_t angle;	   /* URI in <> */
	uint8_t ws_angle;  /* blanks between the display name and '<' (capped) */
	uint8_t tag_sep;   /* enum sip_param_sep of the tag */
	uint8_t bad_quote; /* unterminated quoted display name */
} sip_nameaddr;
int sip_parse_nameaddr(sip_str s, sip_nameaddr *na);
/* 1 when sip_parse_nameaddr(s) would fail on an unterminated quoted display
 * name (bad_quote), without parsing the rest. */
int sip_nameaddr_bad_quote(sip_str s);

typedef struct sip_via {
	sip_str protocol;  /* "SIP/2.0/UDP" as written (may contain blanks) */
	sip_str transport; /* "UDP" */
	sip_str host;	   /* sent-by host (no [] for IPv6) */
	sip_str port_str;
	sip_str params;	   /* ";branch=...;rport" as written */
	sip_str branch;	   /* branch value */
	uint32_t v4;	   /* IPv4 sent-by, host order */
	uint16_t port;	   /* 0 if none */
	uint8_t host_kind; /* enum sip_host_kind */
	uint8_t rport;	   /* has an rport parameter */
} sip_via;
/* The first Via value of a header (a Via header may list several). */
int sip_parse_via(sip_str s, sip_via *v);

typedef struct sip_cseq {
	uint64_t num; /* as written, saturated */
	sip_str method;
	uint8_t digits; /* digits written (leading zeros included) */
} sip_cseq;
int sip_parse_cseq(sip_str s, sip_cseq *c);

/* Digest credentials or challenges (Authorization, WWW-Authenticate, ...). */
typedef struct sip_auth {
	sip_str scheme; /* "Digest" */
	sip_str username, realm, nonce, uri, response, algorithm, qop, cnonce, nc, opaque;
} sip_auth;
int sip_parse_auth(sip_str s, sip_auth *a);

/* A ";name=value" parameter in params (case-insensitive name). Returns 1
 * and the value (may be empty) if present, 0 if not. */
int sip_param(sip_str params, const char *name, sip_str *value);

/* Parses a decimal number (blanks around allowed); -1 if not one. */
int64_t sip_number(sip_str s);
/* Parses a dotted IPv4 address that is the whole of s; 0 on success. */
int sip_ipv4(sip_str s, uint32_t *out);

/* Small helpers on views. */
static inline sip_str sip_str_of(const void *p, size_t n)
{
	sip_str s = {(const uint8_t *)p, (uint32_t)n};
	return s;
}
/* n bytes at a and b are equal: memcmp(a, b, n) == 0 without a call for
 * the short strings of headers and patterns (reads only the n bytes). */
static inline int sip_bytes_eq(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	uint64_t u, v;
	uint32_t s, t;
	if (n > 16)
		return memcmp(x, y, n) == 0;
	if (n >= 8) {
		memcpy(&u, x, 8);
		memcpy(&v, y, 8);
		if (u != v)
			return 0;
		memcpy(&u, x + n - 8, 8);
		memcpy(&v, y + n - 8, 8);
		return u == v;
	}
	if (n >= 4) {
		memcpy(&s, x, 4);
		memcpy(&t, y, 4);
		if (s != t)
			return 0;
		memcpy(&s, x + n - 4, 4);
		memcpy(&t, y + n - 4, 4);
		return s == t;
	}
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}
/* s equals the n bytes of lit: exactly, or ASCII case-insensitively. */
int sip_str_eqn(sip_str s, const char *lit, size_t n);
int sip_str_ieqn(sip_str s, const char *lit, size_t n);
/* The same for a C string; inline so that a literal's length is known when
 * compiling instead of counted on every call. */
static inline int sip_str_eq(sip_str s, const char *lit)
{
	return sip_str_eqn(s, lit, strlen(lit));
}
static inline int sip_str_ieq(sip_str s, const char *lit)
{
	return sip_str_ieqn(s, lit, strlen(lit));
}
/* Copies s into out (NUL-terminated, truncated to outlen - 1); bytes that are
 * not printable ASCII become '?'. Returns out. */
char *sip_str_copy(sip_str s, char *out, size_t outlen);

#endif
