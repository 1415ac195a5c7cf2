/* The SIP message parser: start line, headers, framing (sip.h).
 *
 * RFC 3261 section 7 (message format), 7.3.1 (header folding, compact
 * forms), 18.3 (framing: Content-Length, optional over UDP), 20.14; RFC 4475
 * lists the oddities senders produce. The data is walked once through a
 * cursor: every line is taken with rd_view() after its length was found in
 * the bytes that are left, so nothing is read past the data. */
#include "sip/sip.h"

#include "decode/cursor.h"

#include <pthread.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char *const quirk_names[SIP_QUIRK_COUNT] = {
    "junk-before-start",
    "empty-lines-before-start",
    "lf-line-endings",
    "cr-line-endings",
    "mixed-line-endings",
    "folded-header",
    "nul-byte",
    "no-content-length",
    "bad-content-length",
    "content-length-twice",
    "content-length-beyond-data",
    "bytes-after-body",
    "no-empty-line",
    "too-many-headers",
    "bad-header-line",
    "blank-before-colon",
    "start-line-blanks",
    "start-line-trailing-blank",
    "bad-version",
    "bad-status",
    "bad-request-uri",
    "repeated-single-header",
    "missing-mandatory-header",
    "cseq-method-mismatch",
    "cseq-out-of-range",
    "unterminated-quote",
    "empty-header-name",
    "bad-max-forwards",
    "status-without-reason-blank",
    "data-ends-inside-crlf",
};

const char *sip_quirk_name(unsigned bit)
{
	return bit < SIP_QUIRK_COUNT ? quirk_names[bit] : "?";
}

/* ---- names ------------------------------------------------------------- */

typedef struct hdr_name {
	const char *name;
	uint8_t id;
	char compact; /* RFC 3261 20 and later RFCs' compact forms */
} hdr_name;

static const hdr_name hdr_names[] = {
    {"Accept", SIP_H_ACCEPT, 0},
    {"Accept-Contact", SIP_H_ACCEPT_CONTACT, 'a'},
    {"Accept-Encoding", SIP_H_ACCEPT_ENCODING, 0},
    {"Accept-Language", SIP_H_ACCEPT_LANGUAGE, 0},
    {"Alert-Info", SIP_H_ALERT_INFO, 0},
    {"Allow", SIP_H_ALLOW, 0},
    {"Allow-Events", SIP_H_ALLOW_EVENTS, 'u'},
    {"Authentication-Info", SIP_H_AUTHENTICATION_INFO, 0},
    {"Authorization", SIP_H_AUTHORIZATION, 0},
    {"Call-ID", SIP_H_CALL_ID, 'i'},
    {"Call-Info", SIP_H_CALL_INFO, 0},
    {"Contact", SIP_H_CONTACT, 'm'},
    {"Content-Disposition", SIP_H_CONTENT_DISPOSITION, 0},
    {"Content-Encoding", SIP_H_CONTENT_ENCODING, 'e'},
    {"Content-Language", SIP_H_CONTENT_LANGUAGE, 0},
    {"Content-Length", SIP_H_CONTENT_LENGTH, 'l'},
    {"Content-Type", SIP_H_CONTENT_TYPE, 'c'},
    {"CSeq", SIP_H_CSEQ, 0},
    {"Date", SIP_H_DATE, 0},
    {"Error-Info", SIP_H_ERROR_INFO, 0},
    {"Event", SIP_H_EVENT, 'o'},
    {"Expires", SIP_H_EXPIRES, 0},
    {"From", SIP_H_FROM, 'f'},
    {"Identity", SIP_H_IDENTITY, 'y'},
    {"Identity-Info", SIP_H_IDENTITY_INFO, 'n'},
    {"In-Reply-To", SIP_H_IN_REPLY_TO, 0},
    {"Max-Forwards", SIP_H_MAX_FORWARDS, 0},
    {"MIME-Version", SIP_H_MIME_VERSION, 0},
    {"Min-Expires", SIP_H_MIN_EXPIRES, 0},
    {"Organization", SIP_H_ORGANIZATION, 0},
    {"P-Asserted-Identity", SIP_H_P_ASSERTED_IDENTITY, 0},
    {"P-Preferred-Identity", SIP_H_P_PREFERRED_IDENTITY, 0},
    {"Priority", SIP_H_PRIORITY, 0},
    {"Proxy-Authenticate", SIP_H_PROXY_AUTHENTICATE, 0},
    {"Proxy-Authorization", SIP_H_PROXY_AUTHORIZATION, 0},
    {"Proxy-Require", SIP_H_PROXY_REQUIRE, 0},
    {"Record-Route", SIP_H_RECORD_ROUTE, 0},
    {"Refer-To", SIP_H_REFER_TO, 'r'},
    {"Referred-By", SIP_H_REFERRED_BY, 'b'},
    {"Reject-Contact", SIP_H_REJECT_CONTACT, 'j'},
    {"Reply-To", SIP_H_REPLY_TO, 0},
    {"Request-Disposition", SIP_H_REQUEST_DISPOSITION, 'd'},
    {"Require", SIP_H_REQUIRE, 0},
    {"Retry-After", SIP_H_RETRY_AFTER, 0},
    {"Route", SIP_H_ROUTE, 0},
    {"Server", SIP_H_SERVER, 0},
    {"Session-Expires", SIP_H_SESSION_EXPIRES, 'x'},
    {"Subject", SIP_H_SUBJECT, 's'},
    {"Subscription-State", SIP_H_SUBSCRIPTION_STATE, 0},
    {"Supported", SIP_H_SUPPORTED, 'k'},
    {"Timestamp", SIP_H_TIMESTAMP, 0},
    {"To", SIP_H_TO, 't'},
    {"Unsupported", SIP_H_UNSUPPORTED, 0},
    {"User-Agent", SIP_H_USER_AGENT, 0},
    {"Via", SIP_H_VIA, 'v'},
    {"Warning", SIP_H_WARNING, 0},
    {"WWW-Authenticate", SIP_H_WWW_AUTHENTICATE, 0},
};
#define N_HDR_NAMES (sizeof hdr_names / sizeof hdr_names[0])

static const char *const method_names[SIP_M_COUNT] = {
    "",		 "INVITE", "ACK",     "BYE",  "CANCEL", "OPTIONS", "REGISTER", "PRACK",
    "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER",	"MESSAGE", "UPDATE",
};

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static int ieq_n(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower((uint8_t)b[i]))
			return 0;
	return 1;
}

/* hdr_names by length and first letter (a few names share both), built
 * once (pthread_once: parsers may run on several threads). */
#define NAME_MAX_LEN 24
#define NAME_BUCKET  4
static uint8_t by_name[NAME_MAX_LEN][32][NAME_BUCKET]; /* hdr_names index + 1 */
static char lower_names[sizeof hdr_names / sizeof hdr_names[0]][NAME_MAX_LEN];
static int8_t by_compact[32]; /* hdr_names index + 1 of each compact letter */
static pthread_once_t by_len_once = PTHREAD_ONCE_INIT;
static int16_t by_id[SIP_H_COUNT]; /* hdr_names index of each id + 1 */

static void index_names(void)
{
	for (size_t i = 0; i < N_HDR_NAMES; i++) {
		if (hdr_names[i].id < SIP_H_COUNT && !by_id[hdr_names[i].id])
			by_id[hdr_names[i].id] = (int16_t)(i + 1);
		if (hdr_names[i].compact && !by_compact[hdr_names[i].compact & 31])
			by_compact[hdr_names[i].compact & 31] = (int8_t)(i + 1);
		size_t l = strlen(hdr_names[i].name);
		if (l >= NAME_MAX_LEN)
			continue;
		for (size_t k = 0; k < l; k++)
			lower_names[i][k] = (char)lower((uint8_t)hdr_names[i].name[k]);
		uint8_t *b = by_name[l][lower_names[i][0] & 31];
		for (int k = 0; k < NAME_BUCKET; k++)
			if (!b[k]) {
				b[k] = (uint8_t)(i + 1);
				break;
			}
	}
}

/* The hdr_names index of a name written in full, or -1; *exact is set when
 * it is written as hdr_names spells it. */
static int name_index(const uint8_t *name, size_t len, int *exact)
{
	*exact = 0;
	if (len < 2 || len >= NAME_MAX_LEN)
		return -1;
	pthread_once(&by_len_once, index_names);
	const uint8_t *b = by_name[len][lower(name[0]) & 31];
	for (int k = 0; k < NAME_BUCKET && b[k]; k++) {
		int i = b[k] - 1;
		if (lower(name[0]) != (uint8_t)lower_names[i][0])
			continue;
		if (sip_bytes_eq(name, hdr_names[i].name, len)) {
			*exact = 1;
			return i;
		}
		size_t j = 1;
		while (j < len && lower(name[j]) == (uint8_t)lower_names[i][j])
			j++;
		if (j == len)
			return i;
	}
	return -1;
}

unsigned sip_hdr_lookup(const uint8_t *name, size_t len, int *compact)
{
	if (compact)
		*compact = 0;
	if (len == 1) {
		uint8_t c = lower(name[0]);
		if (c < 'a' || c > 'z')
			return SIP_H_OTHER;
		pthread_once(&by_len_once, index_names);
		int i = by_compact[c & 31];
		if (!i)
			return SIP_H_OTHER;
		if (compact)
			*compact = 1;
		return hdr_names[i - 1].id;
	}
	int exact;
	int i = name_index(name, len, &exact);
	return i < 0 ? SIP_H_OTHER : hdr_names[i].id;
}

const char *sip_hdr_canon(unsigned id)
{
	pthread_once(&by_len_once, index_names);
	return id < SIP_H_COUNT && by_id[id] ? hdr_names[by_id[id] - 1].name : "";
}

char sip_hdr_compact(unsigned id)
{
	pthread_once(&by_len_once, index_names);
	return id < SIP_H_COUNT && by_id[id] ? hdr_names[by_id[id] - 1].compact : 0;
}

unsigned sip_method_lookup(const uint8_t *p, size_t len)
{
	static const uint8_t method_len[SIP_M_COUNT] = {0, 6, 3, 3, 6, 7, 8, 5,
							9, 6, 7, 4, 5, 7, 6};
	for (unsigned i = 1; i < SIP_M_COUNT; i++)
		if (method_len[i] == len && sip_bytes_eq(p, method_names[i], len))
			return i;
	return SIP_M_OTHER;
}

const char *sip_method_name(unsigned id)
{
	return id < SIP_M_COUNT ? method_names[id] : "";
}

/* ---- characters ---------------------------------------------------------- */

/* RFC 3261 token characters. */
static int is_token(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("-.!%*_+`'~", c) != NULL;
}

static int is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* ---- lines --------------------------------------------------------------- */

/* One line of the data: its bytes (without the ending) and the ending. */
typedef struct line {
	const uint8_t *p;
	uint32_t len;
	uint32_t off; /* from the start of the data */
	uint8_t eol;  /* enum sip_eol; NONE = the data ended */
} line;

/* Takes the next line off the cursor. Returns 0 when nothing is left. */
static int next_line(cursor *c, const uint8_t *base, line *l)
{
	size_t left = rd_left(c);
	if (!left)
		return 0;
	const uint8_t *p = rd_ptr(c);
	const uint8_t *lf = memchr(p, '\n', left);
	size_t n = lf ? (size_t)(lf - p) : left;
	const uint8_t *cr = memchr(p, '\r', n);
	if (cr)
		n = (size_t)(cr - p);
	l->p = rd_view(c, n);
	l->len = (uint32_t)n;
	l->off = (uint32_t)(p - base);
	l->eol = SIP_EOL_NONE;
	if (n < left) {
		uint8_t e = rd_u8(c);
		if (e == '\n') {
			l->eol = SIP_EOL_LF;
		} else if (rd_left(c) && rd_ptr(c)[0] == '\n') {
			rd_skip(c, 1);
			l->eol = SIP_EOL_CRLF;
		} else if (!rd_left(c)) {
			l->eol = SIP_EOL_CUT;
		} else {
			l->eol = SIP_EOL_CR;
		}
	}
	return 1;
}

/* Peeks whether the next line starts with a blank (a fold). */
static int next_is_fold(const cursor *c)
{
	return rd_left(c) && is_blank(rd_ptr(c)[0]);
}

static void note_eol(sip_msg *m, uint8_t eol, uint8_t *seen)
{
	if (eol == SIP_EOL_NONE)
		return;
	if (eol == SIP_EOL_CUT) {
		m->quirks |= SIP_Q_CUT_EOL;
		eol = SIP_EOL_CRLF;
	}
	*seen |= (uint8_t)(1u << eol);
	if (eol == SIP_EOL_LF)
		m->quirks |= SIP_Q_EOL_LF;
	else if (eol == SIP_EOL_CR)
		m->quirks |= SIP_Q_EOL_CR;
}

/* ---- start line ---------------------------------------------------------- */

/* "SIP/" digit+ "." digit+ at p (n bytes). Returns its length or 0. */
static size_t version_len(const uint8_t *p, size_t n)
{
	if (n < 7 || memcmp(p, "SIP/", 4) != 0)
		return 0;
	size_t i = 4;
	while (i < n && is_digit(p[i]))
		i++;
	if (i == 4 || i >= n || p[i] != '.')
		return 0;
	size_t j = ++i;
	while (i < n && is_digit(p[i]))
		i++;
	return i > j ? i : 0;
}

static size_t skip_blanks(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && is_blank(p[i]))
		i++;
	return i;
}

/* SIP-Version SP Status-Code SP Reason-Phrase. */
static int parse_status_line(sip_msg *m, const line *l)
{
	const uint8_t *p = l->p;
	size_t n = l->len, vl = version_len(p, n);
	if (!vl || (vl < n && !is_blank(p[vl])))
		return -1;
	m->kind = SIP_RESPONSE;
	m->version = sip_str_of(p, vl);
	size_t cs = skip_blanks(p, n, vl), ce = cs;
	while (ce < n && !is_blank(p[ce]))
		ce++;
	uint32_t v = 0;
	int ok = ce - cs == 3;
	for (size_t i = cs; i < ce; i++) {
		if (!is_digit(p[i]))
			ok = 0;
		else if (v < 100000)
			v = v * 10 + (uint32_t)(p[i] - '0');
	}
	if (!ok || v < 100 || v > 699)
		m->quirks |= SIP_Q_BAD_STATUS;
	else
		m->status = (uint16_t)v;
	size_t rs = skip_blanks(p, n, ce);
	if (cs - vl > 1 || rs - ce > 1)
		m->quirks |= SIP_Q_START_WS;
	if (rs == ce)
		m->quirks |= SIP_Q_NO_REASON_SP;
	m->reason = sip_str_of(p + rs, n - rs);
	return 0;
}

/* A method token that is a known method preceded by junk ("DBREGISTER"):
 * returns the junk length, or 0. */
static size_t junk_before_method(sip_str t)
{
	for (unsigned i = 1; i < SIP_M_COUNT; i++) {
		size_t ml = strlen(method_names[i]);
		if (t.len > ml && memcmp(t.p + t.len - ml, method_names[i], ml) == 0)
			return t.len - ml;
	}
	return 0;
}

/* METHOD SP Request-URI SP SIP-Version. The method is the first word and
 * the version the last, so that a URI with blanks in it (RFC 4475 3.1.2.8)
 * is still read, and noted. */
static int parse_request_line(sip_msg *m, const line *l, size_t *junk)
{
	const uint8_t *p = l->p;
	size_t n = l->len, e = n;
	*junk = 0;
	while (e && is_blank(p[e - 1]))
		e--;
	size_t ms = 0;
	while (ms < e && is_token(p[ms]))
		ms++;
	if (ms == 0 || ms == e || !is_blank(p[ms]))
		return -1;
	size_t vs = e;
	while (vs > ms && !is_blank(p[vs - 1]))
		vs--;
	if (version_len(p + vs, e - vs) != e - vs)
		return -1;
	size_t us = ms, ue = vs;
	while (us < ue && is_blank(p[us]))
		us++;
	while (ue > us && is_blank(p[ue - 1]))
		ue--;
	if (us == ue)
		return -1;
	sip_str method = sip_str_of(p, ms);
	m->method = (uint8_t)sip_method_lookup(method.p, method.len);
	if (m->method == SIP_M_OTHER && (*junk = junk_before_method(method)) != 0) {
		method.p += *junk;
		method.len -= (uint32_t)*junk;
		m->method = (uint8_t)sip_method_lookup(method.p, method.len);
	}
	m->kind = SIP_REQUEST;
	m->method_str = method;
	m->uri = sip_str_of(p + us, ue - us);
	m->version = sip_str_of(p + vs, e - vs);
	if (us - ms > 1 || vs - ue > 1)
		m->quirks |= SIP_Q_START_WS;
	if (e < n)
		m->quirks |= SIP_Q_START_TRAIL;
	const uint8_t *colon = memchr(m->uri.p, ':', m->uri.len);
	if (!colon || m->uri.p[0] == '<' || memchr(m->uri.p, ' ', m->uri.len) ||
	    memchr(m->uri.p, '\t', m->uri.len))
		m->quirks |= SIP_Q_BAD_URI;
	return 0;
}

/* Parses l as a start line. Returns 0 and sets *junk (bytes of junk glued
 * to the method) or -1. */
static int parse_start_line(sip_msg *m, const line *l, size_t *junk)
{
	*junk = 0;
	if (l->len >= 4 && memcmp(l->p, "SIP/", 4) == 0)
		return parse_status_line(m, l);
	return parse_request_line(m, l, junk);
}

/* Finds the start line: empty lines first (keep-alives), then each line in
 * the first KiB until one parses. Leaves the cursor after it. */
static int find_start(sip_msg *m, cursor *c, const uint8_t *base, line *l, uint8_t *eols)
{
	while (rd_left(c) && (rd_ptr(c)[0] == '\r' || rd_ptr(c)[0] == '\n')) {
		rd_skip(c, 1);
		m->quirks |= SIP_Q_LEADING_EOL;
	}
	size_t skipped = (size_t)(rd_ptr(c) - base);
	while (next_line(c, base, l)) {
		size_t junk;
		memset(&m->kind, 0, offsetof(sip_msg, quirks) - offsetof(sip_msg, kind));
		if (parse_start_line(m, l, &junk) == 0) {
			if (l->off > skipped || junk)
				m->quirks |= SIP_Q_JUNK;
			m->junk = l->off + (uint32_t)junk;
			m->start = sip_str_of(l->p + junk, l->len - junk);
			m->eol = l->eol;
			note_eol(m, l->eol, eols);
			if (memchr(l->p, 0, l->len))
				m->quirks |= SIP_Q_NUL;
			return 0;
		}
		if (l->off + l->len >= 1024)
			break;
	}
	return -1;
}

/* ---- headers ------------------------------------------------------------- */

/* Notes a header id; single-valued ones may appear once. */
static void note_id(sip_msg *m, unsigned id)
{
	uint64_t bit = (uint64_t)1 << id;
	if ((m->ids_seen & bit) && (id == SIP_H_CALL_ID || id == SIP_H_FROM || id == SIP_H_TO ||
				    id == SIP_H_CSEQ || id == SIP_H_MAX_FORWARDS))
		m->quirks |= SIP_Q_DUP_SINGLE;
	m->ids_seen |= bit;
}

/* Content-Length values seen, for the framing decision. */
typedef struct cl_state {
	int64_t value; /* -1 none yet, -2 unreadable */
	int count;
} cl_state;

static void note_content_length(sip_msg *m, cl_state *cl, sip_str v)
{
	int64_t n = sip_number(v);
	if (n < 0) {
		m->quirks |= SIP_Q_BAD_CL;
		n = -2;
	}
	if (cl->count && cl->value != n)
		m->quirks |= SIP_Q_CL_MULTI;
	if (!cl->count || cl->value == -2)
		cl->value = n;
	cl->count++;
}

static uint8_t count_blanks(const uint8_t *p, size_t n, size_t *i, int *tab)
{
	size_t s = *i;
	while (*i < n && is_blank(p[*i])) {
		if (p[*i] == '\t')
			*tab = 1;
		(*i)++;
	}
	size_t k = *i - s;
	return (uint8_t)(k > 255 ? 255 : k);
}

/* Fills h from the first line of a header. Returns -1 if the line has no
 * name and colon. */
static int header_line(sip_msg *m, const line *l, sip_hdr *h)
{
	size_t i = 0;
	while (i < l->len && l->p[i] != ':' && !is_blank(l->p[i]))
		i++;
	size_t name_len = i;
	int tab = 0;
	uint8_t before = count_blanks(l->p, l->len, &i, &tab);
	if (i >= l->len || l->p[i] != ':')
		return -1;
	if (name_len == 0) {
		m->quirks |= SIP_Q_EMPTY_NAME;
		return -1;
	}
	i++;
	uint8_t after = count_blanks(l->p, l->len, &i, &tab);
	memset(h, 0, sizeof *h);
	h->name = sip_str_of(l->p, name_len);
	h->off = l->off;
	h->ws_before = before;
	h->ws_after = after;
	h->eol = l->eol;
	h->value = sip_str_of(l->p + i, l->len - i);
	if (tab)
		h->layout |= SIP_HL_TAB;
	if (before)
		m->quirks |= SIP_Q_WS_COLON;
	if (name_len == 1) {
		int compact;
		h->id = (uint16_t)sip_hdr_lookup(h->name.p, h->name.len, &compact);
		if (compact)
			h->layout |= SIP_HL_COMPACT;
		return 0;
	}
	/* each id has one name: written otherwise than it, it is odd case */
	int exact, k = name_index(h->name.p, name_len, &exact);
	if (k >= 0) {
		h->id = hdr_names[k].id;
		if (!exact)
			h->layout |= SIP_HL_ODD_CASE;
	}
	return 0;
}

/* The value of h now ends at the end of l (a continuation line). */
static void extend_value(sip_hdr *h, const line *l)
{
	const uint8_t *end = l->p + l->len;
	if (!h->value.len) {
		size_t i = 0;
		while (i < l->len && is_blank(l->p[i]))
			i++;
		h->value = sip_str_of(l->p + i, l->len - i);
	} else {
		h->value.len = (uint32_t)(end - h->value.p);
	}
	h->layout |= SIP_HL_FOLDED;
	h->eol = l->eol;
}

static void finish_value(sip_hdr *h, int lines_nul)
{
	while (h->value.len && is_blank(h->value.p[h->value.len - 1])) {
		h->value.len--;
		h->layout |= SIP_HL_TRAIL_WS;
	}
	if (!h->value.len)
		h->layout |= SIP_HL_EMPTY;
	if (lines_nul && h->value.len && memchr(h->value.p, 0, h->value.len))
		h->layout |= SIP_HL_NUL;
}

static void add_header(sip_msg *m, cl_state *cl, const sip_hdr *h)
{
	m->nhdr_seen++;
	note_id(m, h->id);
	if (h->id == SIP_H_CONTENT_LENGTH)
		note_content_length(m, cl, h->value);
	if (m->nhdr == m->cap) {
		m->quirks |= SIP_Q_HDR_OVERFLOW;
		return;
	}
	m->hdr[m->nhdr] = *h;
	if (m->first[h->id] < 0)
		m->first[h->id] = (int16_t)m->nhdr;
	m->nhdr++;
}

/* Reads header lines up to the empty line. Returns 1 if it was found. */
static int parse_headers(sip_msg *m, cursor *c, const uint8_t *base, uint8_t *eols, cl_state *cl)
{
	sip_hdr cur;
	line l;
	while (next_line(c, base, &l)) {
		note_eol(m, l.eol, eols);
		if (l.len == 0 && l.eol != SIP_EOL_NONE)
			return 1;
		int nul = memchr(l.p, 0, l.len) != NULL;
		if (nul)
			m->quirks |= SIP_Q_NUL;
		if (header_line(m, &l, &cur) == 0) {
			while (next_is_fold(c) && next_line(c, base, &l)) {
				note_eol(m, l.eol, eols);
				extend_value(&cur, &l);
				nul |= memchr(l.p, 0, l.len) != NULL;
				m->quirks |= SIP_Q_FOLDED;
			}
			/* a value lies within its lines: without a NUL in them
			 * it has none */
			finish_value(&cur, nul);
			add_header(m, cl, &cur);
		} else {
			m->quirks |= SIP_Q_BAD_LINE;
		}
		if (l.eol == SIP_EOL_NONE)
			return 0;
	}
	return 0;
}

/* ---- checks -------------------------------------------------------------- */

/* cs: the CSeq parsed (NULL if there is none or it does not parse). */
static void check_request(sip_msg *m, const sip_cseq *cs)
{
	static const uint8_t need[] = {SIP_H_VIA, SIP_H_FROM, SIP_H_TO, SIP_H_CALL_ID, SIP_H_CSEQ};
	for (size_t i = 0; i < sizeof need; i++)
		if (!(m->ids_seen & ((uint64_t)1 << need[i])))
			m->quirks |= SIP_Q_MISSING;
	if (cs && (cs->method.len != m->method_str.len ||
		   memcmp(cs->method.p, m->method_str.p, cs->method.len) != 0))
		m->quirks |= SIP_Q_CSEQ_METHOD;
}

static void check_common(sip_msg *m, const sip_cseq *cs)
{
	if (cs && cs->num >= ((uint64_t)1 << 31))
		m->quirks |= SIP_Q_CSEQ_RANGE;
	const sip_hdr *h = sip_find(m, SIP_H_MAX_FORWARDS);
	if (h) {
		int64_t mf = sip_number(h->value);
		if (mf < 0 || mf > 255)
			m->quirks |= SIP_Q_MAXFWD;
	}
	if (!sip_str_eq(m->version, "SIP/2.0"))
		m->quirks |= SIP_Q_BAD_VERSION;
	for (uint16_t i = 0; i < m->nhdr; i++) {
		unsigned id = m->hdr[i].id;
		sip_str v = m->hdr[i].value;
		if ((id == SIP_H_FROM || id == SIP_H_TO || id == SIP_H_CONTACT) && v.len &&
		    memchr(v.p, '"', v.len) && sip_nameaddr_bad_quote(v))
			m->quirks |= SIP_Q_QUOTE;
	}
}

/* Decides the body and the message length from Content-Length. */
static int frame_body(sip_msg *m, const cl_state *cl, size_t head_end, size_t len, unsigned flags)
{
	size_t avail = len - head_end;
	m->content_length = cl->count ? cl->value : -1;
	size_t want;
	if (!cl->count) {
		m->quirks |= SIP_Q_NO_CL;
		want = (flags & SIP_PARSE_STREAM) ? 0 : avail;
	} else if (cl->value < 0 || (m->quirks & SIP_Q_CL_MULTI)) {
		/* unknowable: a datagram ends where it ends; a stream cannot be
		 * framed, so take no body rather than guess */
		want = (flags & SIP_PARSE_STREAM) ? 0 : avail;
	} else {
		want = (size_t)cl->value;
	}
	if (want > avail) {
		if (flags & SIP_PARSE_STREAM)
			return SIP_INCOMPLETE;
		m->quirks |= SIP_Q_CL_LONG;
		want = avail;
	} else if (want < avail && !(flags & SIP_PARSE_STREAM)) {
		m->quirks |= SIP_Q_TRAILING;
	}
	m->body.len = (uint32_t)want;
	m->msg_len = (uint32_t)(head_end + want);
	return SIP_OK;
}

int sip_parse(sip_msg *m, const uint8_t *data, size_t len, sip_hdr *hdrs, uint16_t cap,
	      unsigned flags)
{
	memset(m, 0, sizeof *m);
	memset(m->first, 0xff, sizeof m->first);
	m->hdr = hdrs;
	m->cap = hdrs ? cap : 0;
	m->content_length = -1;
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	static const uint8_t none[1];
	if (!data) {
		data = none;
		len = 0;
	}
	cursor c = rd_init(data, len);
	uint8_t eols = 0;
	line l;
	if (find_start(m, &c, data, &l, &eols) < 0) {
		m->kind = SIP_NONE;
		/* a stream may hold only the first part of its start line */
		if ((flags & SIP_PARSE_STREAM) && len < 1024 && len && data[len - 1] != '\n')
			return SIP_INCOMPLETE;
		return SIP_NOT_SIP;
	}
	cl_state cl = {-1, 0};
	int ended = parse_headers(m, &c, data, &eols, &cl);
	size_t head_end = len - rd_left(&c);
	if (!ended) {
		if (flags & SIP_PARSE_STREAM)
			return SIP_INCOMPLETE;
		m->quirks |= SIP_Q_NO_END;
	}
	m->head_len = (uint32_t)(head_end - m->junk);
	m->body = sip_str_of(rd_left(&c) ? rd_ptr(&c) : NULL, 0);
	int r = frame_body(m, &cl, head_end, len, flags);
	if (r != SIP_OK)
		return r;
	if (eols & (eols - 1))
		m->quirks |= SIP_Q_EOL_MIXED;
	if (!(flags & SIP_PARSE_NO_CHECKS))
		sip_check(m);
	return SIP_OK;
}

void sip_check(sip_msg *m)
{
	const sip_hdr *h = sip_find(m, SIP_H_CSEQ);
	sip_cseq cs;
	const sip_cseq *csp = h && sip_parse_cseq(h->value, &cs) == 0 ? &cs : NULL;
	if (m->kind == SIP_REQUEST)
		check_request(m, csp);
	check_common(m, csp);
}

static int starts(const uint8_t *p, size_t n, const char *lit)
{
	size_t k = strlen(lit);
	return n >= k && memcmp(p, lit, k) == 0;
}

int sip_looks_like(const uint8_t *p, size_t n)
{
	if (n < 8)
		return 0;
	switch (p[0]) {
	case 'S':
		return starts(p, n, "SIP/") || starts(p, n, "SUBSCRIBE ");
	case 'O':
		return starts(p, n, "OPTIONS ");
	case 'I':
		return starts(p, n, "INVITE ") || starts(p, n, "INFO ");
	case 'R':
		return starts(p, n, "REGISTER ") || starts(p, n, "REFER ");
	case 'A':
		return starts(p, n, "ACK ");
	case 'B':
		return starts(p, n, "BYE ");
	case 'C':
		return starts(p, n, "CANCEL ");
	case 'N':
		return starts(p, n, "NOTIFY ");
	case 'M':
		return starts(p, n, "MESSAGE ");
	case 'P':
		return starts(p, n, "PRACK ") || starts(p, n, "PUBLISH ");
	case 'U':
		return starts(p, n, "UPDATE ");
	default:
		return 0;
	}
}

const sip_hdr *sip_find(const sip_msg *m, unsigned id)
{
	if (id >= SIP_H_COUNT || m->first[id] < 0)
		return NULL;
	return &m->hdr[m->first[id]];
}

const sip_hdr *sip_next(const sip_msg *m, const sip_hdr *h)
{
	for (unsigned i = sip_hdr_index(m, h) + 1; i < m->nhdr; i++)
		if (m->hdr[i].id == h->id &&
		    (h->id != SIP_H_OTHER ||
		     (m->hdr[i].name.len == h->name.len &&
		      ieq_n(m->hdr[i].name.p, (const char *)h->name.p, h->name.len))))
			return &m->hdr[i];
	return NULL;
}

/* ---- layout replay ------------------------------------------------------- */

static void rebase(sip_str *s, const uint8_t *from, const uint8_t *to)
{
	if (s->p)
		s->p = to + (s->p - from);
}

int sip_layout_keep(sip_layout *l, const sip_msg *m, const uint8_t *data, size_t len)
{
	l->len = 0;
	if (m->kind != SIP_REQUEST || m->quirks || m->junk || m->eol != SIP_EOL_CRLF || !len ||
	    len > SIP_LAYOUT_BYTES || m->msg_len != len || m->head_len != len || m->body.len ||
	    m->nhdr != m->nhdr_seen || m->nhdr > SIP_LAYOUT_HDRS || !m->uri.len)
		return -1;
	for (uint16_t i = 0; i < m->nhdr; i++) {
		const sip_hdr *h = &m->hdr[i];
		if (h->eol != SIP_EOL_CRLF || !h->value.len ||
		    (h->layout & (SIP_HL_FOLDED | SIP_HL_NUL | SIP_HL_EMPTY | SIP_HL_TRAIL_WS)))
			return -1;
	}
	memcpy(l->bytes, data, len);
	l->m = *m;
	l->m.hdr = NULL;
	sip_str *views[] = {&l->m.start,   &l->m.method_str, &l->m.uri,
			    &l->m.version, &l->m.reason,     &l->m.body};
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
		rebase(views[i], data, l->bytes);
	for (uint16_t i = 0; i < m->nhdr; i++) {
		l->hdr[i] = m->hdr[i];
		rebase(&l->hdr[i].name, data, l->bytes);
		rebase(&l->hdr[i].value, data, l->bytes);
	}
	l->len = (uint32_t)len;
	return 0;
}

/* Takes n bytes off the cursor that must equal lit. */
static int take_same(cursor *c, const uint8_t *lit, size_t n)
{
	const uint8_t *p = rd_view(c, n);
	return p && sip_bytes_eq(p, lit, n);
}

/* Index of the first CR, LF or NUL in p[0..n), n if none: one pass instead
 * of a memchr for each (16 bytes a test where SSE2 is: the message goes on
 * after a value, so the test rarely falls to the tail loop). */
static size_t first_cr_lf_nul(const uint8_t *p, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n'), z = _mm_setzero_si128();
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i hit =
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf)),
				 _mm_cmpeq_epi8(x, z));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < n; i++)
		if (p[i] == '\r' || p[i] == '\n' || !p[i])
			return i;
	return n;
}

/* Takes a line's rest up to its CR LF: a value sip_parse would take as is
 * (no LF, NUL or blank at either end before it). Returns its length, or
 * -1. */
static int64_t take_value(cursor *c, const uint8_t **v)
{
	const uint8_t *p = rd_ptr(c);
	size_t left = rd_left(c);
	/* the value ends at a CR with no LF or NUL before it */
	size_t n = left ? first_cr_lf_nul(p, left) : 0;
	if (n == 0 || n == left || p[n] != '\r')
		return -1;
	*v = rd_view(c, n);
	if (!*v || is_blank((*v)[0]) || is_blank((*v)[n - 1]))
		return -1;
	return rd_u8(c) == '\r' && rd_u8(c) == '\n' && rd_ok(c) ? (int64_t)n : -1;
}

int sip_parse_like(const sip_layout *l, sip_msg *m, const uint8_t *data, size_t len, sip_hdr *hdrs,
		   uint16_t cap)
{
	const sip_msg *pm = &l->m;
	const uint8_t *pb = l->bytes;
	if (!l->len || !data || !hdrs || len > UINT32_MAX || cap < pm->nhdr)
		return -1;
	cursor c = rd_init(data, len);
	/* the start line: the method and its blank as before, a URI, the
	 * blank and the version as before */
	size_t u0 = (size_t)(pm->uri.p - pb), vl = pm->version.len;
	const uint8_t *sl;
	if (!take_same(&c, pb, u0))
		return -1;
	int64_t n = take_value(&c, &sl);
	if (n < (int64_t)vl + 2)
		return -1;
	size_t ul = (size_t)n - vl - 1;
	if (sl[ul] != pm->version.p[-1] || /* the blank before the version */
	    !sip_bytes_eq(sl + ul + 1, pm->version.p, vl) || sl[0] == '<' || !memchr(sl, ':', ul) ||
	    memchr(sl, ' ', ul) || memchr(sl, '\t', ul))
		return -1;
	*m = *pm;
	m->hdr = hdrs;
	m->cap = cap;
	m->start = sip_str_of(data, u0 + (size_t)n);
	m->method_str = sip_str_of(data, pm->method_str.len);
	m->uri = sip_str_of(sl, ul);
	m->version = sip_str_of(sl + ul + 1, vl);
	/* the header lines: name and blanks as before, a value */
	for (uint16_t i = 0; i < pm->nhdr; i++) {
		const sip_hdr *ph = &l->hdr[i];
		size_t pre = (size_t)(ph->value.p - ph->name.p);
		const uint8_t *v;
		uint32_t off = (uint32_t)(rd_ptr(&c) - data);
		if (!take_same(&c, ph->name.p, pre) || (n = take_value(&c, &v)) < 0)
			return -1;
		/* Content-Length frames the message: as before */
		if (ph->id == SIP_H_CONTENT_LENGTH &&
		    ((uint32_t)n != ph->value.len || !sip_bytes_eq(v, ph->value.p, (size_t)n)))
			return -1;
		hdrs[i] = *ph;
		hdrs[i].name.p = data + off;
		hdrs[i].value = sip_str_of(v, (size_t)n);
		hdrs[i].off = off;
	}
	if (rd_u8(&c) != '\r' || rd_u8(&c) != '\n' || !rd_ok(&c) || rd_left(&c))
		return -1;
	m->head_len = m->msg_len = (uint32_t)len;
	return SIP_OK;
}
