/* Header values: URIs, name-addr (From/To/Contact), Via, CSeq, digest
 * credentials and parameters (RFC 3261 19.1, 20, 25.1). Each works on a view
 * into the message through a cursor, skipping linear white space (blanks,
 * and the CRLF of a fold) where the grammar allows it, and records how the
 * sender laid the value out where fingerprints care (the blank before '<',
 * how ";tag=" was written). */
#include "sip/sip.h"

#include "decode/cursor.h"

#include <string.h>

/* A cursor over a view; an empty view may have no pointer, and the cursor
 * must never do arithmetic on NULL. */
static cursor vcur(sip_str s)
{
	static const uint8_t none[1];
	return rd_init(s.p ? s.p : none, s.p ? s.len : 0);
}

static int peek(const cursor *c)
{
	return rd_left(c) ? rd_ptr(c)[0] : -1;
}

static int is_lws(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static uint32_t skip_lws(cursor *c)
{
	uint32_t n = 0;
	while (is_lws(peek(c))) {
		rd_skip(c, 1);
		n++;
	}
	return n;
}

/* Stop sets of take_until: a byte per byte value, non-zero where the take
 * stops. Constant tables (one per call site's set) instead of a set rebuilt
 * from a string on every call. "_lws" sets also stop at linear white space. */
#define STOP_LWS [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1
typedef uint8_t stop_set[256];
static const stop_set stop_rbracket = {[']'] = 1};
static const stop_set stop_gt = {['>'] = 1};
static const stop_set stop_comma = {[','] = 1};
static const stop_set stop_colon = {[':'] = 1};
static const stop_set stop_qgt = {['?'] = 1, ['>'] = 1};
static const stop_set stop_lws = {STOP_LWS};
static const stop_set stop_colon_lws = {[':'] = 1, STOP_LWS};
static const stop_set stop_semi_lws = {[';'] = 1, STOP_LWS};
static const stop_set stop_comma_lws = {[','] = 1, STOP_LWS};
static const stop_set stop_semi_comma_lws = {[';'] = 1, [','] = 1, STOP_LWS};
static const stop_set stop_param_name_lws = {['='] = 1, [';'] = 1, [','] = 1, STOP_LWS};
static const stop_set stop_via_part_lws = {['/'] = 1, [';'] = 1, [','] = 1, STOP_LWS};
static const stop_set stop_auth_scheme_lws = {[','] = 1, ['='] = 1, STOP_LWS};
/* host and port of a URI (the port stops where the host's stops do, but ':') */
static const stop_set stop_uri_host_lws = {[':'] = 1, [';'] = 1, ['?'] = 1, ['>'] = 1, STOP_LWS};
static const stop_set stop_uri_port_lws = {[';'] = 1, ['?'] = 1, ['>'] = 1, STOP_LWS};
/* host and port of a Via's sent-by */
static const stop_set stop_via_host_lws = {[':'] = 1, [';'] = 1, [','] = 1, STOP_LWS};
static const stop_set stop_via_port_lws = {[';'] = 1, [','] = 1, STOP_LWS};

/* Takes bytes while none of stop is next. */
static sip_str take_until(cursor *c, const stop_set stop)
{
	const uint8_t *p = rd_ptr(c);
	size_t n = 0, left = rd_left(c);
	while (n < left && !stop[p[n]])
		n++;
	return sip_str_of(rd_view(c, n), n);
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

int sip_str_eqn(sip_str s, const char *lit, size_t n)
{
	return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

int sip_str_ieqn(sip_str s, const char *lit, size_t n)
{
	if (s.len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(s.p[i]) != lower((uint8_t)lit[i]))
			return 0;
	return 1;
}

char *sip_str_copy(sip_str s, char *out, size_t outlen)
{
	if (!outlen)
		return out;
	size_t n = s.len < outlen - 1 ? s.len : outlen - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (s.p[i] >= 0x20 && s.p[i] < 0x7f) ? (char)s.p[i] : '?';
	out[n] = 0;
	return out;
}

int64_t sip_number(sip_str s)
{
	cursor c = vcur(s);
	skip_lws(&c);
	int64_t v = 0;
	int digits = 0;
	while (peek(&c) >= '0' && peek(&c) <= '9') {
		if (v < ((int64_t)1 << 55))
			v = v * 10 + (rd_u8(&c) - '0');
		else
			rd_skip(&c, 1);
		digits++;
	}
	skip_lws(&c);
	return digits && !rd_left(&c) ? v : -1;
}

int sip_ipv4(sip_str s, uint32_t *out)
{
	cursor c = vcur(s);
	uint32_t v = 0;
	for (int part = 0; part < 4; part++) {
		if (part && rd_u8(&c) != '.')
			return -1;
		uint32_t o = 0;
		int d = 0;
		while (peek(&c) >= '0' && peek(&c) <= '9' && d < 4) {
			o = o * 10 + (uint32_t)(rd_u8(&c) - '0');
			d++;
		}
		if (!d || d > 3 || o > 255)
			return -1;
		v = v << 8 | o;
	}
	if (rd_left(&c) || !rd_ok(&c))
		return -1;
	*out = v;
	return 0;
}

static void classify_host(sip_str h, uint8_t *kind, uint32_t *v4)
{
	*v4 = 0;
	if (!h.len)
		*kind = SIP_HOST_NONE;
	else if (sip_ipv4(h, v4) == 0)
		*kind = SIP_HOST_V4;
	else if (memchr(h.p, ':', h.len))
		*kind = SIP_HOST_V6;
	else
		*kind = SIP_HOST_NAME;
}

/* host [":" port], IPv6 in brackets. The host stops at host_stop (which
 * holds ':' and LWS), the port at port_stop (the same without ':'). */
static void read_hostport(cursor *c, const stop_set host_stop, const stop_set port_stop,
			  sip_str *host, sip_str *port_str, uint16_t *port)
{
	if (peek(c) == '[') {
		rd_skip(c, 1);
		*host = take_until(c, stop_rbracket);
		rd_skip(c, 1);
	} else {
		*host = take_until(c, host_stop);
	}
	*port = 0;
	*port_str = sip_str_of(NULL, 0);
	cursor save = *c;
	skip_lws(c);
	if (peek(c) != ':') {
		*c = save;
		return;
	}
	rd_skip(c, 1);
	skip_lws(c);
	*port_str = take_until(c, port_stop);
	int64_t v = sip_number(*port_str);
	*port = (v > 0 && v < 65536) ? (uint16_t)v : 0;
}

int sip_parse_uri(sip_str s, sip_uri *u)
{
	memset(u, 0, sizeof *u);
	cursor c = vcur(s);
	u->scheme = take_until(&c, stop_colon_lws);
	if (peek(&c) != ':')
		return -1;
	rd_skip(&c, 1);
	int sip = sip_str_ieq(u->scheme, "sip") || sip_str_ieq(u->scheme, "sips");
	const uint8_t *rest = rd_ptr(&c);
	size_t left = rd_left(&c), at = left;
	for (size_t i = 0; i < left && rest[i] != '?' && rest[i] != '>'; i++)
		if (rest[i] == '@') {
			at = i;
			break;
		}
	if (!sip) {
		u->host = sip_str_of(rd_view(&c, left), left);
		return 0;
	}
	if (at < left) {
		cursor uc = rd_init(rest, at);
		u->user = take_until(&uc, stop_colon);
		if (peek(&uc) == ':') {
			rd_skip(&uc, 1);
			u->password = sip_str_of(rd_ptr(&uc), rd_left(&uc));
		}
		u->has_at = 1;
		rd_skip(&c, at + 1);
	}
	read_hostport(&c, stop_uri_host_lws, stop_uri_port_lws, &u->host, &u->port_str, &u->port);
	classify_host(u->host, &u->host_kind, &u->v4);
	skip_lws(&c);
	if (peek(&c) == ';')
		u->params = take_until(&c, stop_qgt);
	if (peek(&c) == '?') {
		rd_skip(&c, 1);
		u->headers = take_until(&c, stop_gt);
	}
	return u->host.len ? 0 : -1;
}

/* How the parameter at params[at] was introduced. */
static uint8_t param_sep(sip_str params, size_t at)
{
	size_t i = at;
	int ws_after = 0, ws_before = 0;
	while (i && is_lws(params.p[i - 1])) {
		i--;
		ws_after = 1;
	}
	if (!i || params.p[i - 1] != ';')
		return ws_after ? SIP_PSEP_WS : SIP_PSEP_NOTHING;
	i--;
	while (i && is_lws(params.p[i - 1])) {
		i--;
		ws_before = 1;
	}
	if (ws_before)
		return SIP_PSEP_WS_SEMI;
	return ws_after ? SIP_PSEP_SEMI_WS : SIP_PSEP_SEMI;
}

/* Finds "tag" LWS "=" at the start of a parameter name in params, however
 * it was introduced. */
static int find_tag(sip_str params, sip_str *value, uint8_t *sep)
{
	for (size_t i = 0; i + 3 <= params.len; i++) {
		if (lower(params.p[i]) != 't' || lower(params.p[i + 1]) != 'a' ||
		    lower(params.p[i + 2]) != 'g')
			continue;
		if (i && !is_lws(params.p[i - 1]) && params.p[i - 1] != ';' &&
		    params.p[i - 1] != '>')
			continue;
		cursor c = rd_init(params.p + i + 3, params.len - i - 3);
		skip_lws(&c);
		if (peek(&c) != '=')
			continue;
		rd_skip(&c, 1);
		skip_lws(&c);
		*value = take_until(&c, stop_semi_comma_lws);
		*sep = param_sep(params, i);
		return 1;
	}
	return 0;
}

/* A quoted string from the opening quote: contents without the quotes,
 * escapes kept. Returns -1 if it is not closed. */
static int read_quoted(cursor *c, sip_str *out)
{
	rd_skip(c, 1);
	const uint8_t *p = rd_ptr(c);
	size_t n = 0, left = rd_left(c);
	while (n < left && p[n] != '"')
		n += (p[n] == '\\' && n + 1 < left) ? 2 : 1;
	if (n > left)
		n = left;
	*out = sip_str_of(rd_view(c, n), n);
	if (peek(c) != '"')
		return -1;
	rd_skip(c, 1);
	return 0;
}

int sip_parse_nameaddr(sip_str s, sip_nameaddr *na)
{
	memset(na, 0, sizeof *na);
	cursor c = vcur(s);
	skip_lws(&c);
	if (peek(&c) == '"') {
		na->quoted = 1;
		if (read_quoted(&c, &na->display) < 0) {
			na->bad_quote = 1;
			return -1;
		}
		uint32_t ws = skip_lws(&c);
		na->ws_angle = (uint8_t)(ws > 255 ? 255 : ws);
	} else {
		const uint8_t *lt = memchr(rd_ptr(&c), '<', rd_left(&c));
		if (lt) {
			size_t n = (size_t)(lt - rd_ptr(&c)), e = n;
			while (e && is_lws(rd_ptr(&c)[e - 1]))
				e--;
			na->display = sip_str_of(rd_ptr(&c), e);
			na->ws_angle = (uint8_t)(n - e > 255 ? 255 : n - e);
			rd_skip(&c, n);
		}
	}
	if (peek(&c) == '<') {
		rd_skip(&c, 1);
		na->angle = 1;
		na->uri = take_until(&c, stop_gt);
		if (peek(&c) != '>')
			return -1;
		rd_skip(&c, 1);
	} else {
		na->uri = take_until(&c, stop_semi_lws);
	}
	na->params = sip_str_of(rd_ptr(&c), rd_left(&c));
	if (!find_tag(na->params, &na->tag, &na->tag_sep))
		na->tag_sep = SIP_PSEP_NONE;
	return na->uri.len ? 0 : -1;
}

int sip_nameaddr_bad_quote(sip_str s)
{
	cursor c = vcur(s);
	skip_lws(&c);
	sip_str display;
	return peek(&c) == '"' && read_quoted(&c, &display) < 0;
}

int sip_param(sip_str params, const char *name, sip_str *value)
{
	size_t nl = strlen(name);
	cursor c = vcur(params);
	while (rd_left(&c)) {
		if (rd_u8(&c) != ';')
			continue;
		skip_lws(&c);
		sip_str n = take_until(&c, stop_param_name_lws);
		skip_lws(&c);
		if (!sip_str_ieqn(n, name, nl))
			continue;
		*value = sip_str_of(NULL, 0);
		if (peek(&c) == '=') {
			rd_skip(&c, 1);
			skip_lws(&c);
			*value = take_until(&c, stop_semi_comma_lws);
		}
		return 1;
	}
	return 0;
}

/* What sip_param(params, "branch") and sip_param(params, "rport") give, in
 * one pass over the parameters: the first of each name counts, and a
 * value never holds the ';' that starts the next parameter. */
static void via_params(sip_via *v)
{
	cursor c = vcur(v->params);
	int branch = 0, rport = 0;
	while (rd_left(&c) && !(branch && rport)) {
		if (rd_u8(&c) != ';')
			continue;
		skip_lws(&c);
		sip_str n = take_until(&c, stop_param_name_lws);
		skip_lws(&c);
		int is_branch = !branch && sip_str_ieq(n, "branch");
		if (!is_branch && (rport || !sip_str_ieq(n, "rport")))
			continue;
		sip_str value = sip_str_of(NULL, 0);
		if (peek(&c) == '=') {
			rd_skip(&c, 1);
			skip_lws(&c);
			value = take_until(&c, stop_semi_comma_lws);
		}
		if (is_branch) {
			v->branch = value;
			branch = 1;
		} else {
			rport = 1;
		}
	}
	v->rport = (uint8_t)rport;
}

int sip_parse_via(sip_str s, sip_via *v)
{
	memset(v, 0, sizeof *v);
	cursor c = vcur(s);
	skip_lws(&c);
	const uint8_t *ps = rd_ptr(&c);
	for (int part = 0; part < 3; part++) {
		if (part) {
			skip_lws(&c);
			if (peek(&c) != '/')
				return -1;
			rd_skip(&c, 1);
			skip_lws(&c);
		}
		sip_str w = take_until(&c, stop_via_part_lws);
		if (!w.len)
			return -1;
		if (part == 2)
			v->transport = w;
	}
	v->protocol = sip_str_of(ps, (size_t)(rd_ptr(&c) - ps));
	if (!skip_lws(&c))
		return -1;
	read_hostport(&c, stop_via_host_lws, stop_via_port_lws, &v->host, &v->port_str, &v->port);
	classify_host(v->host, &v->host_kind, &v->v4);
	skip_lws(&c);
	v->params = take_until(&c, stop_comma);
	via_params(v);
	return v->host.len ? 0 : -1;
}

int sip_parse_cseq(sip_str s, sip_cseq *cs)
{
	memset(cs, 0, sizeof *cs);
	cursor c = vcur(s);
	skip_lws(&c);
	while (peek(&c) >= '0' && peek(&c) <= '9') {
		uint8_t d = rd_u8(&c);
		if (cs->num < ((uint64_t)1 << 59))
			cs->num = cs->num * 10 + (uint64_t)(d - '0');
		if (cs->digits < 255)
			cs->digits++;
	}
	if (!cs->digits || !skip_lws(&c))
		return -1;
	cs->method = take_until(&c, stop_lws);
	skip_lws(&c);
	return cs->method.len && !rd_left(&c) ? 0 : -1;
}

static void auth_field(sip_auth *a, sip_str name, sip_str value)
{
	static const struct {
		const char *n;
		size_t off;
	} f[] = {
	    {"username", offsetof(sip_auth, username)},
	    {"realm", offsetof(sip_auth, realm)},
	    {"nonce", offsetof(sip_auth, nonce)},
	    {"uri", offsetof(sip_auth, uri)},
	    {"response", offsetof(sip_auth, response)},
	    {"algorithm", offsetof(sip_auth, algorithm)},
	    {"qop", offsetof(sip_auth, qop)},
	    {"cnonce", offsetof(sip_auth, cnonce)},
	    {"nc", offsetof(sip_auth, nc)},
	    {"opaque", offsetof(sip_auth, opaque)},
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (sip_str_ieq(name, f[i].n)) {
			sip_str *dst = (sip_str *)(void *)((char *)a + f[i].off);
			*dst = value;
			return;
		}
}

int sip_parse_auth(sip_str s, sip_auth *a)
{
	memset(a, 0, sizeof *a);
	cursor c = vcur(s);
	skip_lws(&c);
	a->scheme = take_until(&c, stop_auth_scheme_lws);
	if (!a->scheme.len)
		return -1;
	while (rd_left(&c)) {
		skip_lws(&c);
		if (peek(&c) == ',') {
			rd_skip(&c, 1);
			continue;
		}
		sip_str name = take_until(&c, stop_auth_scheme_lws);
		skip_lws(&c);
		if (peek(&c) != '=') {
			if (!name.len)
				rd_skip(&c, 1);
			continue;
		}
		rd_skip(&c, 1);
		skip_lws(&c);
		sip_str value;
		if (peek(&c) == '"') {
			if (read_quoted(&c, &value) < 0)
				return -1;
		} else {
			value = take_until(&c, stop_comma_lws);
		}
		auth_field(a, name, value);
	}
	return 0;
}
