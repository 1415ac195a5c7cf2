/* The personality loader (personality.h; the format is in docs/honeypot.md).
 *
 * A file is read line by line: directives ("key value"), "reply SELECTOR"
 * headers and the indented lines of the reply block that follows. Template
 * text is compiled once: placeholders become two bytes (HP_MARK, id), so
 * building a reply never looks a name up. Every error names file and line. */
#include "honeypot/personality.h"

#include "util/buf.h"
#include "util/num.h"

#include "sip/sip.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const ph_names[HP_PH_COUNT] = {
    "",	       "via",	   "from",	     "to",	 "call-id",
    "cseq",    "extra",	   "content-length", "realm",	 "nonce",
    "opaque",  "stale",	   "allow",	     "local-ip", "local-port",
    "src-ip",  "src-port", "transport",	     "date",	 "expires",
    "contact", "user",	   "require",	     "branch",
};

/* ---- lines ----------------------------------------------------------------- */

void hp_lines_init(hp_lines *l, const char *text, size_t len)
{
	l->p = text;
	l->end = text + len;
	l->lineno = 0;
}

int hp_lines_next(hp_lines *l, const char **line, size_t *len)
{
	if (l->p >= l->end)
		return 0;
	const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	const char *e = nl ? nl : l->end;
	*line = l->p;
	*len = (size_t)(e - l->p);
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	l->p = nl ? nl + 1 : l->end;
	l->lineno++;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int hp_split(const char *line, size_t len, char *k, size_t kn, char *v, size_t vn)
{
	size_t i = 0, ks, ke, vs, ve = len;
	while (i < len && is_blank(line[i]))
		i++;
	ks = i;
	while (i < len && !is_blank(line[i]))
		i++;
	ke = i;
	while (i < len && is_blank(line[i]))
		i++;
	vs = i;
	while (ve > vs && is_blank(line[ve - 1]))
		ve--;
	if (ke - ks >= kn || ve - vs >= vn)
		return -1;
	memcpy(k, line + ks, ke - ks);
	k[ke - ks] = 0;
	memcpy(v, line + vs, ve - vs);
	v[ve - vs] = 0;
	return 0;
}

/* ---- token formats and templates ------------------------------------------- */

static int parse_token(const char *name, size_t n, uint8_t *kind, uint8_t *count)
{
	static const struct {
		const char *prefix;
		uint8_t kind;
	} k[] = {{"hex", HP_TOK_HEX},
		 {"HEX", HP_TOK_HEXU},
		 {"dec", HP_TOK_DEC},
		 {"alnum", HP_TOK_ALNUM}};
	if (n == 4 && !memcmp(name, "uuid", 4)) {
		*kind = HP_TOK_UUID;
		*count = 36;
		return 0;
	}
	if (n == 4 && !memcmp(name, "time", 4)) {
		*kind = HP_TOK_TIME;
		*count = 10;
		return 0;
	}
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		size_t pl = strlen(k[i].prefix);
		if (n <= pl || n > pl + 2 || memcmp(name, k[i].prefix, pl) != 0)
			continue;
		unsigned c = 0;
		for (size_t j = pl; j < n; j++) {
			if (name[j] < '0' || name[j] > '9')
				return -1;
			c = c * 10 + (unsigned)(name[j] - '0');
		}
		if (c < 1 || c > 64)
			return -1;
		*kind = k[i].kind;
		*count = (uint8_t)c;
		return 0;
	}
	return -1;
}

static int lookup_ph(const char *name, size_t n)
{
	for (int i = 1; i < HP_PH_COUNT; i++)
		if (strlen(ph_names[i]) == n && !memcmp(ph_names[i], name, n))
			return i;
	return 0;
}

/* Appends the compiled form of "{name}" to out (up to 3 bytes). */
static int compile_brace(const char *name, size_t n, int allow_ph, char *out, size_t *o, char *err,
			 size_t errlen)
{
	int ph = allow_ph ? lookup_ph(name, n) : 0;
	if (allow_ph == 2 && ph != HP_PH_BRANCH)
		ph = 0; /* only {branch} among the placeholders */
	uint8_t kind, count;
	if (ph) {
		out[(*o)++] = HP_MARK;
		out[(*o)++] = (char)ph;
		return 0;
	}
	if (parse_token(name, n, &kind, &count) == 0) {
		out[(*o)++] = HP_MARK;
		out[(*o)++] = (char)(HP_TOK | kind);
		out[(*o)++] = (char)count;
		return 0;
	}
	snprintf(err, errlen, "unknown placeholder {%.*s}", (int)(n > 40 ? 40 : n), name);
	return -1;
}

char *hp_fmt_compile(const char *spec, int allow_ph, char *err, size_t errlen)
{
	size_t n = strlen(spec), o = 0;
	char *out = malloc(n + 2);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)spec[i];
		if (c < 0x20 && c != '\t') {
			snprintf(err, errlen, "control character 0x%02x in the text", c);
			goto fail;
		}
		if (c == '{' && i + 1 < n && spec[i + 1] == '{') {
			out[o++] = '{';
			i += 2;
			continue;
		}
		if (c != '{') {
			out[o++] = (char)c;
			i++;
			continue;
		}
		const char *close = memchr(spec + i, '}', n - i);
		if (!close) {
			snprintf(err, errlen, "'{' without '}' (write '{{' for a brace)");
			goto fail;
		}
		size_t nl = (size_t)(close - spec) - i - 1;
		if (compile_brace(spec + i + 1, nl, allow_ph, out, &o, err, errlen) < 0)
			goto fail;
		i += nl + 2;
	}
	out[o] = 0;
	return out;
fail:
	free(out);
	return NULL;
}

/* Whether compiled text holds placeholder ph. */
/* HP_MARK directly followed by the byte ph anywhere in t (also where the
 * mark is a token's count byte: what the responder looked for before this
 * was computed here). */
static int has_mark_then(const char *t, size_t n, int ph)
{
	for (size_t i = 0; i + 1 < n; i++)
		if ((unsigned char)t[i] == HP_MARK && t[i + 1] == ph)
			return 1;
	return 0;
}

static int has_ph(const char *t, size_t n, int ph)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if ((unsigned char)t[i] != HP_MARK)
			continue;
		unsigned char id = (unsigned char)t[i + 1];
		if (id == ph)
			return 1;
		i += (id & HP_TOK) ? 2 : 1;
	}
	return 0;
}

/* ---- accounts -------------------------------------------------------------- */

void hp_accounts_init(hp_accounts *a)
{
	memset(a, 0, sizeof *a);
}

void hp_accounts_free(hp_accounts *a)
{
	for (uint32_t i = 0; i < a->n; i++)
		free(a->ext[i]);
	free(a->ext);
	hp_accounts_init(a);
}

void hp_accounts_move(hp_accounts *dst, hp_accounts *src)
{
	hp_accounts_free(dst);
	*dst = *src;
	hp_accounts_init(src);
}

static int user_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._+-*#!~", c) != NULL;
}

static int push_ext(hp_accounts *a, const char *s, char *err, size_t errlen)
{
	if (a->n >= HP_MAX_EXT) {
		snprintf(err, errlen, "more than %d extensions", HP_MAX_EXT);
		return -1;
	}
	if (a->n == a->cap) {
		uint32_t cap = a->cap ? a->cap * 2 : 64;
		char **e = realloc(a->ext, cap * sizeof *e);
		if (!e) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		a->ext = e;
		a->cap = cap;
	}
	if (!(a->ext[a->n] = strdup(s))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->n++;
	return 0;
}

static int all_digits(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "100-199": every number, as wide as the first (leading zeros kept). */
static int add_range(hp_accounts *a, const char *item, const char *dash, char *err, size_t errlen)
{
	size_t w = (size_t)(dash - item);
	if (w > 18 || strlen(dash + 1) > 18) {
		snprintf(err, errlen, "range '%s' has numbers too long", item);
		return -1;
	}
	unsigned long long lo = strtoull(item, NULL, 10), hi = strtoull(dash + 1, NULL, 10);
	if (hi < lo || hi - lo >= HP_MAX_EXT) {
		snprintf(err, errlen, "bad range '%s' (low-high, at most %d numbers)", item,
			 HP_MAX_EXT);
		return -1;
	}
	for (unsigned long long x = lo; x <= hi; x++) {
		char s[32];
		snprintf(s, sizeof s, "%0*llu", (int)w, x);
		if (push_ext(a, s, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int hp_accounts_add(hp_accounts *a, const char *item, char *err, size_t errlen)
{
	size_t n = strlen(item);
	if (n == 0 || n >= HP_USER_MAX) {
		snprintf(err, errlen, "extension '%.40s' is empty or too long", item);
		return -1;
	}
	const char *dash = strchr(item, '-');
	if (dash && dash > item && all_digits(item, (size_t)(dash - item)) &&
	    all_digits(dash + 1, strlen(dash + 1)))
		return add_range(a, item, dash, err, errlen);
	for (size_t i = 0; i < n; i++)
		if (!user_char(item[i])) {
			snprintf(err, errlen,
				 "extension '%s' has a character SIP users cannot have", item);
			return -1;
		}
	return push_ext(a, item, err, errlen);
}

int hp_accounts_add_weak(hp_accounts *a, const char *user, const char *pass, char *err,
			 size_t errlen)
{
	if (a->nweak >= HP_MAX_WEAK) {
		snprintf(err, errlen, "more than %d weak accounts", HP_MAX_WEAK);
		return -1;
	}
	if (!*pass || strlen(pass) >= HP_USER_MAX) {
		snprintf(err, errlen, "weak-account needs a user and a password (< %d bytes)",
			 HP_USER_MAX);
		return -1;
	}
	if (strchr(user, '-') || hp_accounts_add(a, user, err, errlen) < 0) {
		if (strchr(user, '-'))
			snprintf(err, errlen, "weak-account takes one user, not a range");
		return -1;
	}
	snprintf(a->weak[a->nweak].user, HP_USER_MAX, "%s", user);
	snprintf(a->weak[a->nweak].pass, HP_USER_MAX, "%s", pass);
	a->nweak++;
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

void hp_accounts_finish(hp_accounts *a)
{
	if (!a->n)
		return;
	qsort(a->ext, a->n, sizeof *a->ext, cmp_str);
	uint32_t o = 1;
	for (uint32_t i = 1; i < a->n; i++) {
		if (strcmp(a->ext[i], a->ext[o - 1]) == 0)
			free(a->ext[i]);
		else
			a->ext[o++] = a->ext[i];
	}
	a->n = o;
}

static int cmp_view(const char *s, const uint8_t *u, size_t n)
{
	size_t sl = strlen(s), m = sl < n ? sl : n;
	int c = memcmp(s, u, m);
	if (c)
		return c;
	return sl < n ? -1 : sl > n ? 1 : 0;
}

int hp_accounts_exists(const hp_accounts *a, const uint8_t *user, size_t n)
{
	uint32_t lo = 0, hi = a->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = cmp_view(a->ext[mid], user, n);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

const char *hp_accounts_weak(const hp_accounts *a, const uint8_t *user, size_t n)
{
	for (int i = 0; i < a->nweak; i++)
		if (cmp_view(a->weak[i].user, user, n) == 0)
			return a->weak[i].pass;
	return NULL;
}

/* ---- the personality file --------------------------------------------------- */

typedef struct pstate {
	hp_personality *p;
	const char *file;
	int lineno;
	hp_block *cur; /* block being filled, NULL outside one */
	int in_body;   /* after its "--" line */
	char *err;
	size_t errlen;
} pstate;

static int perr(pstate *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(pstate *s, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(s->err, s->errlen, "%s:%d: %s", s->file, s->lineno, msg);
	return -1;
}

static int parse_status(const char *v, int *out)
{
	uint32_t x;
	if (num_u32(v, 100, 699, &x) < 0)
		return -1;
	*out = (int)x;
	return 0;
}

static int method_id(const char *m)
{
	unsigned id = sip_method_lookup((const uint8_t *)m, strlen(m));
	return id == SIP_M_OTHER ? -1 : (int)id;
}

/* "reply *", "reply 401", "reply REGISTER 200". */
static int start_block(pstate *s, const char *sel)
{
	hp_personality *p = s->p;
	char a[32], b[32];
	int method = -1, status = 0;
	if (hp_split(sel, strlen(sel), a, sizeof a, b, sizeof b) < 0 || !a[0])
		return perr(s, "reply needs '*', a status, or a method and a status");
	if (!strcmp(a, "*")) {
		if (b[0])
			return perr(s, "'reply *' takes nothing after the '*'");
	} else if (!b[0]) {
		if (parse_status(a, &status) < 0)
			return perr(s, "'%s' is not a status code 100-699", a);
	} else {
		if ((method = method_id(a)) < 0)
			return perr(s, "unknown SIP method '%s'", a);
		if (parse_status(b, &status) < 0)
			return perr(s, "'%s' is not a status code 100-699", b);
	}
	for (int i = 0; i < p->nblocks; i++)
		if (p->blocks[i].method == method && p->blocks[i].status == status)
			return perr(s, "this reply was already defined on line %d",
				    p->blocks[i].src_line);
	if (p->nblocks == HP_MAX_BLOCKS)
		return perr(s, "more than %d reply blocks", HP_MAX_BLOCKS);
	hp_block *blk = &p->blocks[p->nblocks++];
	memset(blk, 0, sizeof *blk);
	blk->method = method;
	blk->status = status;
	blk->src_line = s->lineno;
	s->cur = blk;
	s->in_body = 0;
	return 0;
}

static int add_body_line(pstate *s, const char *text)
{
	char msg[256];
	char *c = hp_fmt_compile(text, 1, msg, sizeof msg);
	if (!c)
		return perr(s, "%s", msg);
	hp_block *b = s->cur;
	size_t n = strlen(c);
	if (b->body_len + n + 2 > 4096) {
		free(c);
		return perr(s, "body longer than 4096 bytes");
	}
	char *nb = realloc(b->body, b->body_len + n + 3);
	if (!nb) {
		free(c);
		return perr(s, "out of memory");
	}
	memcpy(nb + b->body_len, c, n);
	memcpy(nb + b->body_len + n, "\r\n", 3);
	b->body = nb;
	b->body_len = (uint16_t)(b->body_len + n + 2);
	free(c);
	return 0;
}

/* An indented line inside a reply block. */
static int block_line(pstate *s, const char *text)
{
	hp_block *b = s->cur;
	if (!strcmp(text, "--") || !strcmp(text, "?--")) {
		if (s->in_body)
			return perr(s, "a second body separator");
		s->in_body = 1;
		b->body_optional = text[0] == '?';
		return 0;
	}
	if (s->in_body)
		return add_body_line(s, text);
	int optional = 0;
	while (text[0] == '?' && optional < 2) {
		optional++;
		text++;
	}
	const char *colon = strchr(text, ':');
	if (strcmp(text, "{extra}") != 0 && (!colon || colon == text))
		return perr(s, "a reply line is 'Name: value' (or {extra}, or -- before a body)");
	if (b->nlines == HP_MAX_LINES)
		return perr(s, "more than %d lines in one reply", HP_MAX_LINES);
	char msg[256];
	char *c = hp_fmt_compile(text, 1, msg, sizeof msg);
	if (!c)
		return perr(s, "%s", msg);
	hp_line *l = &b->lines[b->nlines++];
	l->text = c;
	l->len = (uint16_t)strlen(c);
	l->optional = (uint8_t)optional;
	l->via = (uint8_t)has_ph(c, l->len, HP_PH_VIA);
	l->content_length = (uint8_t)has_mark_then(c, l->len, HP_PH_CONTENT_LENGTH);
	l->content_type =
	    (uint8_t)(l->len >= 13 && sip_str_ieq(sip_str_of(c, 13), "Content-Type:"));
	if (l->via && b->status)
		return perr(s, "{via} belongs in 'reply *'");
	return 0;
}

static int set_text(pstate *s, char *dst, size_t n, const char *v, const char *k)
{
	if (!*v)
		return perr(s, "%s needs a value", k);
	if (strlen(v) >= n)
		return perr(s, "%s is longer than %zu bytes", k, n - 1);
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return perr(s, "control character in %s", k);
	snprintf(dst, n, "%s", v);
	return 0;
}

static int set_allow(pstate *s, const char *v)
{
	hp_personality *p = s->p;
	if (set_text(s, p->allow, sizeof p->allow, v, "allow") < 0)
		return -1;
	p->allow_mask = 0;
	const char *c = v;
	while (*c) {
		while (*c == ',' || is_blank(*c))
			c++;
		size_t n = 0;
		while (c[n] && c[n] != ',' && !is_blank(c[n]))
			n++;
		if (!n)
			break;
		unsigned id = sip_method_lookup((const uint8_t *)c, n);
		if (id == SIP_M_OTHER)
			return perr(s, "unknown SIP method '%.*s' in allow", (int)n, c);
		p->allow_mask |= 1u << id;
		c += n;
	}
	return 0;
}

/* Token formats hold literal text and random tokens; a to-tag may also be
 * the request's branch ({branch}, what PJSIP does). */
static int set_fmt(pstate *s, char **dst, const char *v, const char *k)
{
	char msg[256];
	if (!*v)
		return perr(s, "%s needs a format, e.g. as{hex8}", k);
	int tag = !strcmp(k, "to-tag");
	char *c = hp_fmt_compile(v, tag ? 2 : 0, msg, sizeof msg);
	if (!c)
		return perr(s, "%s: %s", k, msg);
	if (!strchr(c, HP_MARK)) {
		free(c);
		return perr(s, "%s must hold a random token such as {hex8}", k);
	}
	free(*dst);
	*dst = c;
	return 0;
}

static int set_status(pstate *s, uint16_t *dst, const char *v, const char *k)
{
	int st;
	if (parse_status(v, &st) < 0)
		return perr(s, "%s needs a status code 100-699", k);
	*dst = (uint16_t)st;
	return 0;
}

static int set_reason(pstate *s, const char *v)
{
	hp_personality *p = s->p;
	char code[16], text[128];
	int st;
	if (hp_split(v, strlen(v), code, sizeof code, text, sizeof text) < 0 ||
	    parse_status(code, &st) < 0 || !text[0] || strlen(text) >= sizeof p->reasons[0].text)
		return perr(s, "reason takes a status code and a phrase");
	if (p->nreasons == HP_MAX_REASONS)
		return perr(s, "more than %d reason phrases", HP_MAX_REASONS);
	p->reasons[p->nreasons].code = (uint16_t)st;
	snprintf(p->reasons[p->nreasons].text, sizeof p->reasons[0].text, "%s", text);
	p->nreasons++;
	return 0;
}

/* "extension 100-105, 200 alice" and "weak-account 200 1234". */
int hp_directive_accounts(hp_accounts *a, const char *k, const char *v, char *err, size_t errlen)
{
	if (!strcmp(k, "weak-account")) {
		char user[HP_USER_MAX + 1], pass[HP_TEXT];
		if (hp_split(v, strlen(v), user, sizeof user, pass, sizeof pass) < 0 || !user[0]) {
			snprintf(err, errlen, "weak-account takes a user and a password");
			return -1;
		}
		return hp_accounts_add_weak(a, user, pass, err, errlen);
	}
	int any = 0;
	for (const char *c = v; *c;) {
		while (*c == ',' || is_blank(*c))
			c++;
		size_t n = 0;
		while (c[n] && c[n] != ',' && !is_blank(c[n]))
			n++;
		if (!n)
			break;
		char item[HP_USER_MAX + 1];
		if (n > HP_USER_MAX) {
			snprintf(err, errlen, "extension '%.20s...' is too long", c);
			return -1;
		}
		memcpy(item, c, n);
		item[n] = 0;
		if (hp_accounts_add(a, item, err, errlen) < 0)
			return -1;
		any = 1;
		c += n;
	}
	if (!any) {
		snprintf(err, errlen, "extension needs numbers, ranges (100-199) or names");
		return -1;
	}
	return 0;
}

static int set_number(pstate *s, uint32_t *dst, const char *v, uint32_t max, const char *k)
{
	if (num_u32(v, 0, max, dst) < 0)
		return perr(s, "%s needs a number up to %u", k, max);
	return 0;
}

static int directive(pstate *s, const char *k, const char *v)
{
	hp_personality *p = s->p;
	if (!strcmp(k, "name"))
		return set_text(s, p->name, sizeof p->name, v, k);
	if (!strcmp(k, "description"))
		return set_text(s, p->description, sizeof p->description, v, k);
	if (!strcmp(k, "realm"))
		return set_text(s, p->realm, sizeof p->realm, v, k);
	if (!strcmp(k, "allow"))
		return set_allow(s, v);
	if (!strcmp(k, "to-tag"))
		return set_fmt(s, &p->tag, v, k);
	if (!strcmp(k, "nonce"))
		return set_fmt(s, &p->nonce, v, k);
	if (!strcmp(k, "opaque"))
		return set_fmt(s, &p->opaque, v, k);
	if (!strcmp(k, "expires"))
		return set_number(s, &p->expires, v, 86400 * 7, k);
	if (!strcmp(k, "nonce-lifetime"))
		return set_number(s, &p->nonce_life_s, v, 86400, k);
	if (!strcmp(k, "unknown-user"))
		return set_status(s, &p->unknown_user, v, k);
	if (!strcmp(k, "options-unknown-user"))
		return set_status(s, &p->options_unknown, v, k);
	if (!strcmp(k, "unsupported-method"))
		return set_status(s, &p->unsupported, v, k);
	if (!strcmp(k, "call-answer"))
		return set_status(s, &p->call_answer, v, k);
	if (!strcmp(k, "in-dialog"))
		return set_status(s, &p->in_dialog, v, k);
	if (!strcmp(k, "reason"))
		return set_reason(s, v);
	if (!strcmp(k, "registrar")) {
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return perr(s, "registrar is 'yes' or 'no'");
		p->registrar = !strcmp(v, "yes");
		return 0;
	}
	if (!strcmp(k, "via-params")) {
		if (strcmp(v, "append") && strcmp(v, "inplace"))
			return perr(s, "via-params is 'append' or 'inplace'");
		p->via_inplace = !strcmp(v, "inplace");
		return 0;
	}
	if (!strcmp(k, "extension") || !strcmp(k, "weak-account")) {
		char msg[300];
		if (hp_directive_accounts(&p->acc, k, v, msg, sizeof msg) < 0)
			return perr(s, "%s", msg);
		return 0;
	}
	return perr(s, "unknown directive '%s'", k);
}

/* Checks what every personality must have, once the file is read. */
static int check_complete(pstate *s)
{
	hp_personality *p = s->p;
	s->lineno = 0;
	if (!p->name[0] || !p->realm[0] || !p->tag || !p->nonce || !p->allow[0])
		return perr(s, "a personality needs name, realm, allow, to-tag and nonce");
	const hp_block *base = hp_personality_block(p, -1, 0);
	if (!base)
		return perr(s, "no 'reply *' block (the lines of every reply)");
	static const int need[] = {HP_PH_VIA,	  HP_PH_FROM, HP_PH_TO,
				   HP_PH_CALL_ID, HP_PH_CSEQ, HP_PH_CONTENT_LENGTH};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		int found = 0;
		for (int j = 0; j < base->nlines && !found; j++)
			found = has_ph(base->lines[j].text, base->lines[j].len, need[i]);
		if (!found) {
			s->lineno = base->src_line;
			return perr(s, "'reply *' has no {%s}", ph_names[need[i]]);
		}
	}
	const hp_block *ch = hp_personality_block(p, SIP_M_REGISTER, 401);
	int nonce = 0;
	for (int j = 0; ch && j < ch->nlines && !nonce; j++)
		nonce = has_ph(ch->lines[j].text, ch->lines[j].len, HP_PH_NONCE);
	if (!nonce)
		return perr(s,
			    "no 'reply 401' block with {nonce}: the personality cannot challenge");
	return 0;
}

static void defaults(hp_personality *p)
{
	memset(p, 0, sizeof *p);
	p->expires = 3600;
	p->nonce_life_s = 300;
	p->unknown_user = 404;
	p->options_unknown = 404;
	p->unsupported = 501;
	p->call_answer = 480;
	p->in_dialog = 481;
	p->registrar = 1;
	hp_accounts_init(&p->acc);
}

static int parse_line(pstate *s, const char *line, size_t len)
{
	char k[64], v[2048];
	if (len > 2000)
		return perr(s, "line longer than 2000 bytes");
	size_t i = 0;
	while (i < len && is_blank(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return 0; /* blank lines and comments */
	if (hp_split(line, len, k, sizeof k, v, sizeof v) < 0)
		return perr(s, "directive name too long");
	if (i > 0) {
		if (!s->cur)
			return perr(s, "indented line outside a reply block");
		char text[2048];
		size_t e = len;
		while (e > i && is_blank(line[e - 1]))
			e--;
		memcpy(text, line + i, e - i);
		text[e - i] = 0;
		return block_line(s, text);
	}
	s->cur = NULL;
	if (!strcmp(k, "reply"))
		return start_block(s, v);
	return directive(s, k, v);
}

int hp_personality_parse(hp_personality *p, const char *name, const char *text, size_t len,
			 char *err, size_t errlen)
{
	defaults(p);
	snprintf(p->path, sizeof p->path, "%s", name);
	p->blocks = calloc(HP_MAX_BLOCKS, sizeof *p->blocks);
	pstate s = {p, name, 0, NULL, 0, err, errlen};
	if (!p->blocks)
		return perr(&s, "out of memory");
	if (memchr(text, 0, len)) {
		hp_personality_free(p);
		return perr(&s, "a NUL byte: not a text file");
	}
	hp_lines l;
	hp_lines_init(&l, text, len);
	const char *line;
	size_t n;
	while (hp_lines_next(&l, &line, &n)) {
		s.lineno = l.lineno;
		if (parse_line(&s, line, n) < 0) {
			hp_personality_free(p);
			return -1;
		}
	}
	if (check_complete(&s) < 0) {
		hp_personality_free(p);
		return -1;
	}
	hp_accounts_finish(&p->acc);
	return 0;
}

int hp_personality_load(hp_personality *p, const char *path, char *err, size_t errlen)
{
	buf text;
	buf_init(&text);
	int rc = buf_read_file(&text, path, 1u << 20, err, errlen);
	if (rc == 0)
		rc = hp_personality_parse(p, path, (const char *)text.p, text.len, err, errlen);
	buf_free(&text);
	return rc;
}

void hp_personality_free(hp_personality *p)
{
	for (int i = 0; p->blocks && i < p->nblocks; i++) {
		for (int j = 0; j < p->blocks[i].nlines; j++)
			free(p->blocks[i].lines[j].text);
		free(p->blocks[i].body);
	}
	free(p->blocks);
	free(p->tag);
	free(p->nonce);
	free(p->opaque);
	hp_accounts_free(&p->acc);
	p->blocks = NULL;
	p->tag = p->nonce = p->opaque = NULL;
	p->nblocks = 0;
}

const hp_block *hp_personality_block(const hp_personality *p, int method, int status)
{
	const hp_block *any = NULL;
	for (int i = 0; i < p->nblocks; i++) {
		const hp_block *b = &p->blocks[i];
		if (b->status != status)
			continue;
		if (b->method == method)
			return b;
		if (b->method == -1)
			any = b;
	}
	return any;
}

const char *hp_reason(const hp_personality *p, int status)
{
	static const struct {
		int code;
		const char *text;
	} std[] = {
	    {100, "Trying"},
	    {180, "Ringing"},
	    {200, "OK"},
	    {400, "Bad Request"},
	    {401, "Unauthorized"},
	    {403, "Forbidden"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {407, "Proxy Authentication Required"},
	    {420, "Bad Extension"},
	    {480, "Temporarily Unavailable"},
	    {481, "Call/Transaction Does Not Exist"},
	    {483, "Too Many Hops"},
	    {486, "Busy Here"},
	    {488, "Not Acceptable Here"},
	    {500, "Server Internal Error"},
	    {501, "Not Implemented"},
	    {503, "Service Unavailable"},
	    {513, "Message Too Large"},
	    {603, "Decline"},
	};
	for (int i = 0; p && i < p->nreasons; i++)
		if (p->reasons[i].code == status)
			return p->reasons[i].text;
	for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
		if (std[i].code == status)
			return std[i].text;
	return status < 300 ? "OK" : status < 500 ? "Request Failure" : "Server Failure";
}

static int valid_name(const char *name)
{
	if (!*name || strlen(name) > 64)
		return 0;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			return 0;
	return 1;
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int hp_personality_find(const char *name, char *path, size_t n)
{
	size_t nl = strlen(name), sl = strlen(".personality");
	if (strchr(name, '/') || (nl > sl && !strcmp(name + nl - sl, ".personality"))) {
		snprintf(path, n, "%s", name);
		return is_file(path) ? 0 : -1;
	}
	if (!valid_name(name))
		return -1;
	const char *env = getenv("SCANPRINT_SIGNATURES");
	const char *dirs[] = {env && *env ? env : NULL, SP_SIGDIR_BUILD, SP_SIGDIR_INSTALL};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!dirs[i])
			continue;
		snprintf(path, n, "%s/honeypot/%s.personality", dirs[i], name);
		if (is_file(path))
			return 0;
	}
	return -1;
}
