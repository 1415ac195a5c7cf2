/* The raw-tool rule file: parser, and the per-packet evaluation of marks. */
#include "fingerprint/host_rules.h"

#include "profile/profile.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/num.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LINE_MAX_  1024
#define RULES_FILE "raw-tools.rules"

typedef struct parser {
	hr_set *s;
	const char *fname;
	int line;
	char *err;
	size_t errlen;
	hr_rule *r;   /* rule being read */
	int tcp_line; /* line of its first TCP-only mark (0 = none) */
	int have_req; /* it has a packet or series requirement */
	buf canon;    /* its definition, for the hash */
} parser;

__attribute__((format(printf, 2, 3))) static int fail(parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d: %s", p->fname, p->line, msg);
	return -1;
}

const hr_rule *hr_find(const hr_set *s, const char *name)
{
	for (int i = 0; s && i < s->nrules; i++)
		if (!strcmp(s->rule[i].name, name))
			return &s->rule[i];
	return NULL;
}

/* --- marks ------------------------------------------------------------ */

static int parse_num(const char *s, const char **end, uint32_t max, uint32_t *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	uint32_t v = 0;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > max)
			return -1;
		s++;
	}
	*end = s;
	*out = v;
	return 0;
}

/* "N", "A-B" or a comma list of them. */
static int parse_ranges(hr_mark *m, const char *v, uint32_t max)
{
	m->n = 0;
	while (*v) {
		uint32_t lo, hi;
		const char *e;
		if (m->n == HR_MAX_VALS || parse_num(v, &e, max, &lo) < 0)
			return -1;
		hi = lo;
		if (*e == '-' && (parse_num(e + 1, &e, max, &hi) < 0 || hi < lo))
			return -1;
		m->lo[m->n] = (uint16_t)lo;
		m->hi[m->n] = (uint16_t)hi;
		m->n++;
		if (*e == ',')
			e++;
		else if (*e)
			return -1;
		v = e;
	}
	return m->n ? 0 : -1;
}

/* p0f-style layout: mss,nop,ws,sok,sack,ts,eol+N,?N (or "none"). */
static int parse_layout(hr_mark *m, const char *v)
{
	if (!strcmp(v, "none")) {
		m->none = 1;
		return 0;
	}
	static const struct {
		const char *name;
		uint8_t kind;
	} names[] = {{"nop", 1}, {"mss", 2}, {"ws", 3}, {"sok", 4}, {"sack", 5}, {"ts", 8}};
	while (*v) {
		size_t n = strcspn(v, ",");
		uint8_t kind = 0;
		int found = 0;
		if (m->n == HR_MAX_OPTS)
			return -1;
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i].name) == n && !strncmp(v, names[i].name, n))
				kind = names[i].kind, found = 1;
		if (!found && n > 4 && !strncmp(v, "eol+", 4)) {
			uint32_t pad;
			const char *e;
			if (parse_num(v + 4, &e, 39, &pad) < 0 || e != v + n || v[n] == ',')
				return -1; /* EOL ends the options */
			m->eol_pad = (uint8_t)pad;
			found = 1;
		} else if (!found && n > 1 && v[0] == '?') {
			uint32_t k;
			const char *e;
			if (parse_num(v + 1, &e, 255, &k) < 0 || e != v + n)
				return -1;
			kind = (uint8_t)k;
			found = 1;
		}
		if (!found)
			return -1;
		m->opts[m->n++] = kind;
		v += n;
		if (*v == ',')
			v++;
	}
	return m->n ? 0 : -1;
}

typedef struct keyword {
	const char *field, *value;
	uint8_t cls, f, tcp;
} keyword;

/* Marks whose value is a word, not numbers. */
static const keyword keywords[] = {
    {"ipid", "dst^dport^seq", HM_PACKET, HF_IPID_MASSCAN, 1},
    {"seq", "dst", HM_PACKET, HF_SEQ_DST, 1},
    {"tsval", "clock", HM_PACKET, HF_TSVAL_CLOCK, 1},
    {"seq", "same", HM_SERIES, HF_SEQ_SAME, 1},
    {"seq", "nmap-try", HM_SERIES, HF_SEQ_NMAP, 1},
    {"seq^dst^ports", "same", HM_SERIES, HF_UNI_BE, 1},
    {"seq^dst_le^ports", "same", HM_SERIES, HF_UNI_LE, 1},
    {"sport", "fixed", HM_PROFILE, HF_P_SPORT_FIXED, 0},
    {"sport", "pair16", HM_PROFILE, HF_P_SPORT_PAIR16, 1},
    {"win", "fixed", HM_PROFILE, HF_P_WIN_FIXED, 1},
    {"ttl", "varies", HM_PROFILE, HF_P_TTL_VARIES, 0},
    {"dst", "conficker-octets", HM_PROFILE, HF_P_CONFICKER_OCTETS, 0},
    {"syn", "retrans-3-6", HM_PROFILE, HF_P_SYN_RETRANS, 1},
};

typedef struct numfield {
	const char *field;
	uint8_t f, tcp;
	uint32_t max;
} numfield;

static const numfield numfields[] = {
    {"ipid", HF_IPID, 0, 65535},   {"ttl", HF_TTL, 0, 255},	  {"ittl", HF_ITTL, 0, 255},
    {"win", HF_WIN, 1, 65535},	   {"mss", HF_MSS, 1, 65535},	  {"ws", HF_WS, 1, 255},
    {"df", HF_DF, 0, 1},	   {"dport", HF_DPORT, 0, 65535}, {"sport", HF_SPORT, 0, 65535},
    {"iplen", HF_IPLEN, 0, 65535},
};

/* Parses one "field=value" token into m; *tcp says it needs TCP. */
static int parse_mark_body(const char *tok, hr_mark *m, int *tcp)
{
	memset(m, 0, sizeof *m);
	const char *eq = strchr(tok, '=');
	if (!eq || eq == tok || !eq[1] || strlen(tok) >= sizeof m->text)
		return -1;
	size_t fl = (size_t)(eq - tok);
	const char *v = eq + 1;
	snprintf(m->text, sizeof m->text, "%s", tok);
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		if (strlen(keywords[i].field) == fl && !strncmp(tok, keywords[i].field, fl) &&
		    !strcmp(v, keywords[i].value)) {
			m->cls = keywords[i].cls;
			m->field = keywords[i].f;
			*tcp = keywords[i].tcp;
			return 0;
		}
	}
	if (fl == 4 && !strncmp(tok, "opts", 4)) {
		m->field = HF_OPTS;
		*tcp = 1;
		return parse_layout(m, v);
	}
	for (size_t i = 0; i < sizeof numfields / sizeof numfields[0]; i++) {
		if (strlen(numfields[i].field) == fl && !strncmp(tok, numfields[i].field, fl)) {
			m->field = numfields[i].f;
			*tcp = numfields[i].tcp;
			if (parse_ranges(m, v, numfields[i].max) < 0)
				return -1;
			if (m->field != HF_ITTL)
				return 0;
			for (int k = 0; k < m->n;
			     k++) /* initial TTLs are what ttl_initial() gives */
				if (m->lo[k] != m->hi[k] || ttl_initial(m->lo[k]) != m->lo[k])
					return -1;
			return 0;
		}
	}
	return -1;
}

/* "field=value", or "field!=value" for a packet mark that must not hold. */
static int parse_mark(const char *tok, hr_mark *m, int *tcp)
{
	const char *ne = strstr(tok, "!=");
	if (!ne)
		return parse_mark_body(tok, m, tcp);
	char pos[64];
	if (strlen(tok) >= sizeof pos)
		return -1;
	snprintf(pos, sizeof pos, "%.*s%s", (int)(ne - tok), tok, ne + 1);
	if (parse_mark_body(pos, m, tcp) < 0 || m->cls != HM_PACKET)
		return -1;
	m->neg = 1;
	snprintf(m->text, sizeof m->text, "%s", tok);
	return 0;
}

/* Index of the mark in the set (added if new), or -1. */
static int intern_mark(parser *p, const char *tok)
{
	hr_mark m;
	int tcp = 0;
	if (parse_mark(tok, &m, &tcp) < 0)
		return fail(p, "bad mark '%s' (see docs/signatures-raw.md)", tok);
	if (tcp && !p->tcp_line)
		p->tcp_line = p->line;
	hr_set *s = p->s;
	for (int i = 0; i < s->nmarks; i++) {
		if (!strcmp(s->mark[i].text, m.text)) {
			s->mark[i].kinds |= p->r->applies;
			return i;
		}
	}
	if (s->nmarks == HR_MAX_MARKS)
		return fail(p, "more than %d distinct marks", HR_MAX_MARKS);
	m.kinds = p->r->applies;
	s->mark[s->nmarks] = m;
	return s->nmarks++;
}

/* --- rules ------------------------------------------------------------ */

static char *trim(char *s);

static int add_local(parser *p, int mi)
{
	hr_rule *r = p->r;
	for (int i = 0; i < r->nlocal; i++)
		if (r->local[i] == mi)
			return i;
	if (r->nlocal == HR_MAX_LOCAL)
		return fail(p, "more than %d expect/version marks in one rule", HR_MAX_LOCAL);
	r->local[r->nlocal] = (uint8_t)mi;
	if (p->s->mark[mi].cls == HM_PACKET) {
		if (!r->req) /* packet marks are judged on hits: there must be some */
			return fail(p,
				    "rule [%s]: a packet mark in expect/support/version needs a "
				    "packet mark in require (given first)",
				    r->name);
		r->local_packet |= (uint16_t)(1u << r->nlocal);
	}
	return r->nlocal++;
}

/* Applies fn to every space-separated token of v. */
static int each_token(parser *p, char *v, int (*fn)(parser *, const char *))
{
	char *save = NULL;
	int n = 0;
	for (char *t = strtok_r(v, " \t", &save); t; t = strtok_r(NULL, " \t", &save), n++)
		if (fn(p, t) < 0)
			return -1;
	return n ? 0 : fail(p, "no marks given");
}

static int on_require(parser *p, const char *tok)
{
	int mi = intern_mark(p, tok);
	if (mi < 0)
		return -1;
	hr_rule *r = p->r;
	const hr_mark *m = &p->s->mark[mi];
	buf_printf(&p->canon, "|r:%s", m->text);
	if (m->cls == HM_PACKET) {
		if (!(r->req >> mi & 1)) {
			if (r->nreq == HR_MAX_LOCAL)
				return fail(p, "more than %d packet marks in require",
					    HR_MAX_LOCAL);
			r->reqv[r->nreq++] = (uint8_t)mi; /* evaluated in this order */
		}
		r->req |= 1ull << mi;
		p->have_req = 1;
	} else if (m->cls == HM_SERIES) {
		r->series_req |= (uint8_t)(1u << (m->field - HF_SEQ_SAME));
		p->have_req = 1;
	} else {
		if (r->nreq_profile == 4)
			return fail(p, "more than 4 profile marks in require");
		r->req_profile[r->nreq_profile++] = (uint8_t)mi;
	}
	return 0;
}

static int on_expect(parser *p, const char *tok)
{
	int mi = intern_mark(p, tok);
	if (mi < 0)
		return -1;
	buf_printf(&p->canon, "|e:%s", tok);
	int li = add_local(p, mi);
	if (li < 0)
		return -1;
	p->r->expect |= (uint16_t)(1u << li);
	return 0;
}

static int on_support(parser *p, const char *tok)
{
	int mi = intern_mark(p, tok);
	if (mi < 0)
		return -1;
	buf_printf(&p->canon, "|s:%s", tok);
	int li = add_local(p, mi);
	if (li < 0)
		return -1;
	p->r->support |= (uint16_t)(1u << li);
	return 0;
}

static int on_version_mark(parser *p, const char *tok)
{
	int mi = intern_mark(p, tok);
	if (mi < 0)
		return -1;
	buf_printf(&p->canon, ",%s", tok);
	int li = add_local(p, mi);
	if (li < 0)
		return -1;
	p->r->version[p->r->nversions].local |= (uint16_t)(1u << li);
	return 0;
}

static int set_version(parser *p, char *v)
{
	hr_rule *r = p->r;
	char *colon = strchr(v, ':');
	if (!colon)
		return fail(p, "version needs 'LABEL : marks'");
	if (r->nversions == HR_MAX_VERSIONS)
		return fail(p, "more than %d versions in one rule", HR_MAX_VERSIONS);
	*colon = 0;
	char *label = v, *end = colon;
	while (end > label && isspace((unsigned char)end[-1]))
		*--end = 0;
	if (!*label || strlen(label) >= sizeof r->version[0].label || strchr(label, ' '))
		return fail(p, "bad version label '%s' (one word, at most 23 characters)", label);
	hr_version *ver = &r->version[r->nversions];
	memset(ver, 0, sizeof *ver);
	snprintf(ver->label, sizeof ver->label, "%s", label);
	buf_printf(&p->canon, "|v:%s=", label);
	/* no marks: the version follows from what the rule requires */
	if (*trim(colon + 1) && each_token(p, colon + 1, on_version_mark) < 0)
		return -1;
	r->nversions++;
	return 0;
}

static int set_applies(parser *p, char *v)
{
	uint8_t k = 0;
	char *save = NULL;
	for (char *t = strtok_r(v, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (!strcmp(t, "tcp-syn"))
			k |= HK_SYN;
		else if (!strcmp(t, "udp"))
			k |= HK_UDP;
		else if (!strcmp(t, "icmp-echo"))
			k |= HK_ICMP;
		else if (!strcmp(t, "any"))
			k |= HK_ANY;
		else
			return fail(p, "applies: '%s' is not tcp-syn, udp, icmp-echo or any", t);
	}
	if (!k)
		return fail(p, "applies: nothing given");
	if (p->r->req || p->r->nlocal || p->r->series_req)
		return fail(p, "applies must come before the marks");
	p->r->applies = k;
	buf_printf(&p->canon, "|a:%u", k);
	return 0;
}

static int set_double(parser *p, const char *key, const char *v, double *out)
{
	double d;
	if (num_double(v, 0, 1, &d) < 0)
		return fail(p, "%s: '%s' is not a number from 0 to 1", key, v);
	*out = d;
	return 0;
}

static int set_name(parser *p, const char *key, const char *v, char *out, size_t n)
{
	if (!*v || strlen(v) >= n)
		return fail(p, "%s: empty or longer than %zu characters", key, n - 1);
	for (const char *c = v; *c; c++)
		if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
		      strchr("._-+", *c)))
			return fail(p, "%s: '%s' has characters other than a-z 0-9 . _ - +", key,
				    v);
	snprintf(out, n, "%s", v);
	return 0;
}

static int set_key(parser *p, const char *key, char *v)
{
	hr_rule *r = p->r;
	if (!strcmp(key, "tool")) {
		buf_printf(&p->canon, "|t:%s", v);
		return set_name(p, key, v, r->tool, sizeof r->tool);
	}
	if (!strcmp(key, "component")) {
		buf_printf(&p->canon, "|c:%s", v);
		return set_name(p, key, v, r->component, sizeof r->component);
	}
	if (!strcmp(key, "applies"))
		return set_applies(p, v);
	if (!strcmp(key, "require"))
		return each_token(p, v, on_require);
	if (!strcmp(key, "expect"))
		return each_token(p, v, on_expect);
	if (!strcmp(key, "support"))
		return each_token(p, v, on_support);
	if (!strcmp(key, "version"))
		return set_version(p, v);
	if (!strcmp(key, "confidence"))
		return set_double(p, key, v, &r->confidence);
	if (!strcmp(key, "min_share"))
		return set_double(p, key, v, &r->min_share);
	if (!strcmp(key, "min_packets")) {
		uint32_t n;
		const char *e;
		if (parse_num(v, &e, 1000000, &n) < 0 || *e || n == 0)
			return fail(p, "min_packets: '%s' is not a number from 1 to 1000000", v);
		r->min_packets = n;
		return 0;
	}
	if (!strcmp(key, "crafted")) {
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return fail(p, "crafted: '%s' is not yes or no", v);
		r->crafted = v[0] == 'y';
		buf_printf(&p->canon, "|k:%s", v);
		return 0;
	}
	if (!strcmp(key, "host_os")) {
		if (strlen(v) >= sizeof r->host_os)
			return fail(p, "host_os: longer than %zu characters",
				    sizeof r->host_os - 1);
		snprintf(r->host_os, sizeof r->host_os, "%s", v);
		buf_printf(&p->canon, "|o:%s", v);
		return 0;
	}
	if (!strcmp(key, "why")) {
		if (r->nwhy == HR_MAX_WHY)
			return fail(p, "more than %d why lines", HR_MAX_WHY);
		if (strlen(v) >= HR_TEXT)
			return fail(p, "why: longer than %d characters", HR_TEXT - 1);
		snprintf(r->why[r->nwhy++], HR_TEXT, "%s", v);
		return 0;
	}
	return fail(p, "unknown key '%s'", key);
}

/* Rules are found by a packet mark that holds: '!=' alone would hit
 * almost every packet. */
static int only_negative(const hr_set *s, const hr_rule *r)
{
	for (int k = 0; k < r->nreq; k++)
		if (!s->mark[r->reqv[k]].neg)
			return 0;
	return 1;
}

static int end_rule(parser *p)
{
	hr_rule *r = p->r;
	if (!r)
		return 0;
	int line = p->line;
	p->line = r->line;
	int rc = 0;
	if (!r->tool[0])
		rc = fail(p, "rule [%s] has no tool", r->name);
	else if (!p->have_req)
		rc = fail(p, "rule [%s] requires no packet or series mark", r->name);
	else if (r->nreq && only_negative(p->s, r))
		rc = fail(p,
			  "rule [%s]: its packet marks in require are all negated ('!='): give "
			  "one that must hold",
			  r->name);
	else if (p->tcp_line && r->applies != HK_SYN) {
		p->line = p->tcp_line;
		rc = fail(p, "rule [%s]: a TCP mark needs applies = tcp-syn", r->name);
	}
	p->line = line;
	r->hash = (uint32_t)hash_bytes(p->canon.p, p->canon.len, 0x7a11);
	p->r = NULL;
	return rc;
}

static int start_rule(parser *p, char *line)
{
	if (end_rule(p) < 0)
		return -1;
	char *close = strchr(line, ']');
	if (!close || close[1])
		return fail(p, "a rule starts with [name]");
	*close = 0;
	const char *name = line + 1;
	if (p->s->nrules == HR_MAX_RULES)
		return fail(p, "more than %d rules", HR_MAX_RULES);
	hr_rule *r = &p->s->rule[p->s->nrules];
	memset(r, 0, sizeof *r);
	if (set_name(p, "rule name", name, r->name, sizeof r->name) < 0)
		return -1;
	if (hr_find(p->s, name))
		return fail(p, "rule [%s] defined twice", name);
	p->s->nrules++;
	r->applies = HK_SYN;
	r->crafted = 1;
	r->confidence = 0.9;
	r->min_share = 0.5;
	r->min_packets = 1;
	r->line = p->line;
	p->r = r;
	p->tcp_line = 0;
	p->have_req = 0;
	buf_reset(&p->canon);
	buf_printf(&p->canon, "%s", name);
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int parse_line(parser *p, char *line)
{
	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	if (*line == '[')
		return start_rule(p, line);
	char *eq = strchr(line, '=');
	if (!eq)
		return fail(p, "expected 'key = value' or [rule]");
	*eq = 0;
	char *key = trim(line), *val = trim(eq + 1);
	if (!p->r)
		return fail(p, "'%s' outside a rule (start one with [name])", key);
	if (!*val)
		return fail(p, "%s: no value", key);
	return set_key(p, key, val);
}

static void build_eval(hr_set *s)
{
	memset(s->neval, 0, sizeof s->neval);
	s->series_used = 0;
	for (int i = 0; i < s->nmarks; i++) {
		const hr_mark *m = &s->mark[i];
		if (m->cls == HM_SERIES)
			s->series_used |= (uint8_t)(1u << (m->field - HF_SEQ_SAME));
		if (m->cls != HM_PACKET)
			continue;
		for (int k = 0; k < 3; k++) {
			if (!(m->kinds & (1 << k)))
				continue;
			s->eval[k][s->neval[k]++] = (uint8_t)i;
		}
	}
}

hr_set *hr_parse(const char *text, size_t len, const char *fname, char *err, size_t errlen)
{
	hr_set *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", fname);
		return NULL;
	}
	parser p = {s, fname, 0, err, errlen, NULL, 0, 0, {0}};
	buf_init(&p.canon);
	char line[LINE_MAX_];
	size_t at = 0;
	int rc = 0;
	while (at < len && rc == 0) {
		p.line++;
		size_t n = 0;
		while (at < len && text[at] != '\n') {
			if (n + 1 < sizeof line)
				line[n] = text[at];
			n++;
			at++;
		}
		at++; /* the newline */
		if (n + 1 >= sizeof line) {
			rc = fail(&p, "line longer than %d characters", LINE_MAX_ - 2);
			break;
		}
		line[n] = 0;
		if (memchr(line, 0, n)) {
			rc = fail(&p, "NUL byte in the line");
			break;
		}
		rc = parse_line(&p, line);
	}
	if (rc == 0)
		rc = end_rule(&p);
	if (rc == 0 && s->nrules == 0) {
		p.line = p.line ? p.line : 1;
		rc = fail(&p, "no rules");
	}
	buf_free(&p.canon);
	if (rc < 0) {
		free(s);
		return NULL;
	}
	snprintf(s->path, sizeof s->path, "%s", fname);
	build_eval(s);
	return s;
}

hr_set *hr_load(const char *path, char *err, size_t errlen)
{
	buf b;
	buf_init(&b);
	if (buf_read_file(&b, path, 1u << 22, err, errlen) < 0) {
		buf_free(&b);
		return NULL;
	}
	hr_set *s = hr_parse((const char *)b.p, b.len, path, err, errlen);
	buf_free(&b);
	return s;
}

void hr_free(hr_set *s)
{
	free(s);
}

static int is_dir(const char *p)
{
	struct stat st;
	return p && *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void hr_sigpath(const char *name, char *out, size_t outlen)
{
	const char *env = getenv("SCANPRINT_SIGNATURES");
	const char *dir = SP_SIGDIR_INSTALL;
	if (env && *env)
		dir = env;
	else if (is_dir(SP_SIGDIR_BUILD))
		dir = SP_SIGDIR_BUILD; /* a binary built from a source tree uses its files */
	snprintf(out, outlen, "%s/%s", dir, name);
}

static hr_set *g_rules;
static char g_err[512];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void load_default(void)
{
	char path[512];
	hr_sigpath(RULES_FILE, path, sizeof path);
	g_rules = hr_load(path, g_err, sizeof g_err);
}

const hr_set *hr_default(const char **err)
{
	pthread_once(&g_once, load_default);
	if (err)
		*err = g_rules ? NULL : g_err;
	return g_rules;
}

/* --- evaluation ------------------------------------------------------- */

uint64_t hr_eval(const hr_set *s, int ki, const pkt_view *v)
{
	uint64_t m = 0;
	for (int i = 0; i < s->neval[ki]; i++) {
		uint8_t mi = s->eval[ki][i];
		if (hr_mark_holds(&s->mark[mi], v))
			m |= 1ull << mi;
	}
	return m;
}
