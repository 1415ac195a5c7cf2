/* p0f v3 signature files, read as they are, and SYN matching. */
#include "fingerprint/host_p0f.h"

#include "decode/decode.h"
#include "util/buf.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define P0F_MAX_DIST 35 /* p0f doubts a path longer than this */
#define LINE_MAX_    2048
#define MAX_CLASSES  16
#define MAX_ENTRIES  4096

enum section { SEC_NONE, SEC_MTU, SEC_TCP_REQ, SEC_TCP_RESP, SEC_OTHER };

typedef struct fp_parser {
	p0f_db *db;
	const char *fname;
	int line;
	char *err;
	size_t errlen;
	enum section sec;
	int have_label; /* a label was given in this section */
	int ncls;
	char cls[MAX_CLASSES][16];
	int cap_labels, cap_sigs, cap_mtu;
} fp_parser;

__attribute__((format(printf, 2, 3))) static int fp_fail(fp_parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d: %s", p->fname, p->line, msg);
	return -1;
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

/* Grows *arr (of elem bytes) to hold one more; -1 when full or no memory. */
static int grow(void **arr, int *cap, int n, size_t elem)
{
	if (n < *cap)
		return 0;
	if (n >= MAX_ENTRIES)
		return -1;
	int nc = *cap ? *cap * 2 : 64;
	void *np = realloc(*arr, (size_t)nc * elem);
	if (!np)
		return -1;
	*arr = np;
	*cap = nc;
	return 0;
}

static int num(const char *s, long max, long *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	char *e;
	errno = 0;
	long v = strtol(s, &e, 10);
	if (*e || errno || v > max)
		return -1;
	*out = v;
	return 0;
}

/* --- directives ------------------------------------------------------- */

static int set_classes(fp_parser *p, char *v)
{
	char *save = NULL;
	for (char *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = trim(t);
		if (!*t || strlen(t) >= sizeof p->cls[0] || p->ncls == MAX_CLASSES)
			return fp_fail(p, "bad class '%s'", t);
		snprintf(p->cls[p->ncls++], sizeof p->cls[0], "%s", t);
	}
	return 0;
}

static int known_class(const fp_parser *p, const char *c)
{
	if (!strcmp(c, "!"))
		return 1;
	for (int i = 0; i < p->ncls; i++)
		if (!strcmp(p->cls[i], c))
			return 1;
	return 0;
}

static int set_section(fp_parser *p, char *line)
{
	char *close = strchr(line, ']');
	if (!close || close[1] || close == line + 1)
		return fp_fail(p, "bad section header");
	*close = 0;
	const char *name = line + 1;
	p->have_label = 0;
	if (!strcmp(name, "mtu"))
		p->sec = SEC_MTU;
	else if (!strcmp(name, "tcp:request"))
		p->sec = SEC_TCP_REQ;
	else if (!strcmp(name, "tcp:response"))
		p->sec = SEC_TCP_RESP;
	else if (!strcmp(name, "http:request") || !strcmp(name, "http:response"))
		p->sec = SEC_OTHER; /* read, not used: p0f's HTTP signatures */
	else
		return fp_fail(p, "unknown section [%s]", name);
	return 0;
}

/* label = type:class:name:flavor (MTU labels are just a name). */
static int set_label(fp_parser *p, char *v)
{
	p0f_db *db = p->db;
	if (p->sec == SEC_NONE)
		return fp_fail(p, "label outside a section");
	if (grow((void **)&db->labels, &p->cap_labels, db->nlabels, sizeof *db->labels) < 0)
		return fp_fail(p, "too many labels");
	p0f_label *l = &db->labels[db->nlabels];
	memset(l, 0, sizeof *l);
	l->line = p->line;
	if (p->sec == SEC_MTU) {
		snprintf(l->name, sizeof l->name, "%s", v);
	} else {
		char *f[3];
		char *rest = v;
		for (int i = 0; i < 3; i++) {
			f[i] = rest;
			rest = strchr(rest, ':');
			if (!rest)
				return fp_fail(p, "label needs type:class:name:flavor");
			*rest++ = 0;
		}
		if ((strcmp(f[0], "s") && strcmp(f[0], "g")))
			return fp_fail(p, "label type '%s' is not s or g", f[0]);
		if (!known_class(p, f[1]))
			return fp_fail(p, "label class '%s' not declared in classes", f[1]);
		if (!*f[2])
			return fp_fail(p, "label without a name");
		l->type = f[0][0];
		snprintf(l->cls, sizeof l->cls, "%s", f[1]);
		snprintf(l->name, sizeof l->name, "%s", f[2]);
		snprintf(l->flavor, sizeof l->flavor, "%s", rest);
	}
	db->nlabels++;
	p->have_label = 1;
	return 0;
}

/* --- TCP signatures --------------------------------------------------- */

static int parse_ttl(fp_parser *p, char *f, p0f_sig *s)
{
	size_t n = strlen(f);
	long ttl, add = 0;
	char *plus = strchr(f, '+');
	if (n > 1 && f[n - 1] == '-') {
		f[n - 1] = 0;
		s->bad_ttl = 1;
	} else if (plus) {
		*plus = 0;
		if (num(plus + 1, 255, &add) < 0)
			return fp_fail(p, "bad TTL distance '%s'", plus + 1);
	}
	if (num(f, 255, &ttl) < 0 || ttl + add < 1 || ttl + add > 255)
		return fp_fail(p, "bad initial TTL '%s'", f);
	s->ttl = (uint8_t)(ttl + add);
	return 0;
}

static int parse_win(fp_parser *p, char *f, p0f_sig *s)
{
	char *comma = strchr(f, ',');
	if (!comma)
		return fp_fail(p, "window needs 'size,scale'");
	*comma = 0;
	const char *w = f, *sc = comma + 1;
	long v;
	s->win_type = P0F_WIN_NORMAL;
	if (!strcmp(w, "*")) {
		s->win_type = P0F_WIN_ANY;
	} else if (!strncmp(w, "mss*", 4) || !strncmp(w, "mtu*", 4)) {
		s->win_type = w[1] == 's' ? P0F_WIN_MSS : P0F_WIN_MTU;
		w += 4;
	} else if (*w == '%') {
		s->win_type = P0F_WIN_MOD;
		w++;
	}
	if (s->win_type != P0F_WIN_ANY) {
		if (num(w, 65535, &v) < 0 || (s->win_type == P0F_WIN_MOD && v == 0))
			return fp_fail(p, "bad window '%s'", f);
		s->win = (int32_t)v;
	}
	if (!strcmp(sc, "*"))
		s->wscale = -1;
	else if (num(sc, 255, &v) < 0)
		return fp_fail(p, "bad window scale '%s'", sc);
	else
		s->wscale = (int16_t)v;
	return 0;
}

static int parse_olayout(fp_parser *p, char *f, p0f_sig *s)
{
	if (!*f)
		return 0;
	char *save = NULL;
	for (char *t = strtok_r(f, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long v;
		uint8_t kind;
		if (s->nopt == sizeof s->opt || (s->nopt && s->opt[s->nopt - 1] == TCPOPT_EOL))
			return fp_fail(p, "option after eol, or too many options");
		if (!strcmp(t, "nop"))
			kind = TCPOPT_NOP;
		else if (!strcmp(t, "mss"))
			kind = TCPOPT_MSS;
		else if (!strcmp(t, "ws"))
			kind = TCPOPT_WS;
		else if (!strcmp(t, "sok"))
			kind = TCPOPT_SACKOK;
		else if (!strcmp(t, "sack"))
			kind = TCPOPT_SACK;
		else if (!strcmp(t, "ts"))
			kind = TCPOPT_TS;
		else if (!strncmp(t, "eol+", 4) && num(t + 4, 255, &v) == 0) {
			kind = TCPOPT_EOL;
			s->eol_pad = (uint8_t)v;
		} else if (t[0] == '?' && num(t + 1, 255, &v) == 0)
			kind = (uint8_t)v;
		else
			return fp_fail(p, "unknown TCP option '%s'", t);
		s->opt[s->nopt++] = kind;
	}
	return 0;
}

static int parse_quirks(fp_parser *p, char *f, p0f_sig *s)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} q[] = {{"df", P0F_DF},      {"id+", P0F_ID_NZ},   {"id-", P0F_ID_ZERO},
		 {"ecn", P0F_ECN},    {"0+", P0F_MBZ},	    {"flow", P0F_FLOW},
		 {"seq-", P0F_SEQ0},  {"ack+", P0F_ACK_NZ}, {"ack-", P0F_ACK0},
		 {"uptr+", P0F_UPTR}, {"urgf+", P0F_URGF},  {"pushf+", P0F_PUSHF},
		 {"ts1-", P0F_TS1},   {"ts2+", P0F_TS2},    {"opt+", P0F_OPTP},
		 {"exws", P0F_EXWS},  {"bad", P0F_BAD}};
	char *save = NULL;
	for (char *t = strtok_r(f, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof q / sizeof q[0]; i++)
			if (!strcmp(t, q[i].name))
				break;
		if (i == sizeof q / sizeof q[0])
			return fp_fail(p, "unknown quirk '%s'", t);
		s->quirks |= q[i].bit;
	}
	return 0;
}

static int tcp_fields(fp_parser *p, char *v, p0f_sig *s)
{
	char *f[8];
	char *rest = v;
	for (int i = 0; i < 8; i++) {
		f[i] = rest;
		rest = strchr(rest, ':');
		if ((i < 7 && !rest) || (i == 7 && rest))
			return fp_fail(p,
				       "TCP signature needs 8 fields ver:ittl:olen:mss:wsize,scale:"
				       "olayout:quirks:pclass");
		if (rest)
			*rest++ = 0;
	}
	long n;
	if (!strcmp(f[0], "4") || !strcmp(f[0], "6"))
		s->ver = (int8_t)(f[0][0] - '0');
	else if (!strcmp(f[0], "*"))
		s->ver = -1;
	else
		return fp_fail(p, "bad IP version '%s'", f[0]);
	if (parse_ttl(p, f[1], s) < 0)
		return -1;
	if (num(f[2], 255, &n) < 0)
		return fp_fail(p, "bad IP option length '%s'", f[2]);
	s->olen = (uint8_t)n;
	if (!strcmp(f[3], "*"))
		s->mss = -1;
	else if (num(f[3], 65535, &n) < 0)
		return fp_fail(p, "bad MSS '%s'", f[3]);
	else
		s->mss = (int32_t)n;
	if (parse_win(p, f[4], s) < 0 || parse_olayout(p, f[5], s) < 0 ||
	    parse_quirks(p, f[6], s) < 0)
		return -1;
	if (!strcmp(f[7], "0"))
		s->pclass = 0;
	else if (!strcmp(f[7], "+"))
		s->pclass = 1;
	else if (!strcmp(f[7], "*"))
		s->pclass = -1;
	else
		return fp_fail(p, "bad payload class '%s'", f[7]);
	return 0;
}

static int add_sig(fp_parser *p, char *v)
{
	p0f_db *db = p->db;
	if (!p->have_label)
		return fp_fail(p, "sig before any label in this section");
	if (p->sec == SEC_OTHER)
		return 0;
	if (p->sec == SEC_MTU) {
		long n;
		if (num(v, 65535, &n) < 0)
			return fp_fail(p, "bad MTU '%s'", v);
		if (grow((void **)&db->mtu, &p->cap_mtu, db->nmtu, sizeof *db->mtu) < 0)
			return fp_fail(p, "too many MTU signatures");
		db->mtu[db->nmtu].mtu = (uint16_t)n;
		snprintf(db->mtu[db->nmtu].label, sizeof db->mtu[0].label, "%s",
			 db->labels[db->nlabels - 1].name);
		db->nmtu++;
		return 0;
	}
	if (grow((void **)&db->sigs, &p->cap_sigs, db->nsigs, sizeof *db->sigs) < 0)
		return fp_fail(p, "too many TCP signatures");
	p0f_sig *s = &db->sigs[db->nsigs];
	memset(s, 0, sizeof *s);
	snprintf(s->text, sizeof s->text, "%s", v);
	char tmp[LINE_MAX_];
	snprintf(tmp, sizeof tmp, "%s", v);
	if (tcp_fields(p, tmp, s) < 0)
		return -1;
	s->request = p->sec == SEC_TCP_REQ;
	s->label = (uint16_t)(db->nlabels - 1);
	s->line = p->line;
	db->nsigs++;
	return 0;
}

static int fp_line(fp_parser *p, char *line)
{
	line = trim(line);
	if (!*line || *line == ';')
		return 0;
	if (*line == '[')
		return set_section(p, line);
	char *eq = strchr(line, '=');
	if (!eq)
		return fp_fail(p, "expected 'key = value' or [section]");
	*eq = 0;
	char *key = trim(line), *val = trim(eq + 1);
	if (!strcmp(key, "classes"))
		return set_classes(p, val);
	if (!strcmp(key, "label"))
		return set_label(p, val);
	if (!strcmp(key, "sig"))
		return add_sig(p, val);
	if (!strcmp(key, "sys")) {
		if (!p->have_label)
			return fp_fail(p, "sys before any label");
		return 0;
	}
	if (!strcmp(key, "ua_os"))
		return p->sec == SEC_OTHER ? 0 : fp_fail(p, "ua_os outside an http section");
	return fp_fail(p, "unknown directive '%s'", key);
}

p0f_db *p0f_parse(const char *text, size_t len, const char *fname, char *err, size_t errlen)
{
	p0f_db *db = calloc(1, sizeof *db);
	if (!db) {
		snprintf(err, errlen, "%s: out of memory", fname);
		return NULL;
	}
	fp_parser p;
	memset(&p, 0, sizeof p);
	p.db = db;
	p.fname = fname;
	p.err = err;
	p.errlen = errlen;
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
		at++;
		if (n + 1 >= sizeof line) {
			rc = fp_fail(&p, "line longer than %d characters", LINE_MAX_ - 2);
			break;
		}
		line[n] = 0;
		if (memchr(line, 0, n))
			rc = fp_fail(&p, "NUL byte in the line");
		else
			rc = fp_line(&p, line);
	}
	if (rc == 0 && db->nsigs == 0) {
		p.line = p.line ? p.line : 1;
		rc = fp_fail(&p, "no TCP signatures");
	}
	if (rc < 0) {
		p0f_free(db);
		return NULL;
	}
	snprintf(db->path, sizeof db->path, "%s", fname);
	return db;
}

p0f_db *p0f_load(const char *path, char *err, size_t errlen)
{
	buf b;
	buf_init(&b);
	if (buf_read_file(&b, path, 1u << 24, err, errlen) < 0) {
		buf_free(&b);
		return NULL;
	}
	p0f_db *db = p0f_parse((const char *)b.p, b.len, path, err, errlen);
	buf_free(&b);
	return db;
}

void p0f_free(p0f_db *db)
{
	if (!db)
		return;
	free(db->labels);
	free(db->sigs);
	free(db->mtu);
	free(db);
}

static p0f_db *g_db;
static char g_err[800];
static int g_absent;
static char g_path[512];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

const char *p0f_default_path(void)
{
	const char *env = getenv("SCANPRINT_P0F_FP");
	return env && *env ? env : "/etc/p0f/p0f.fp";
}

static void load_default(void)
{
	snprintf(g_path, sizeof g_path, "%s", p0f_default_path());
	if (access(g_path, F_OK) != 0 && errno == ENOENT) {
		g_absent = 1;
		snprintf(g_err, sizeof g_err,
			 "%s: no such file (install p0f, or set SCANPRINT_P0F_FP)", g_path);
		return;
	}
	g_db = p0f_load(g_path, g_err, sizeof g_err);
}

const p0f_db *p0f_default(const char **err, int *absent, const char **path)
{
	pthread_once(&g_once, load_default);
	if (err)
		*err = g_db ? NULL : g_err;
	if (absent)
		*absent = g_absent;
	if (path)
		*path = g_path;
	return g_db;
}

/* --- matching --------------------------------------------------------- */

uint32_t p0f_syn_quirks(const syn_sig *s)
{
	uint32_t q = 0;
	if (s->ver == 4) {
		if (s->has & SYNF_DF) {
			q |= P0F_DF;
			if (s->ipid)
				q |= P0F_ID_NZ;
		} else if (!s->ipid) {
			q |= P0F_ID_ZERO;
		}
		if (s->quirks & Q_IP_RESERVED)
			q |= P0F_MBZ;
	} else if (s->has & SYNF_FLOW) {
		q |= P0F_FLOW;
	}
	if ((s->tos & 3) || (s->flags & (TCP_ECE | TCP_CWR)) || (s->quirks & Q_TCP_RESERVED))
		q |= P0F_ECN;
	if (!s->seq)
		q |= P0F_SEQ0;
	if (s->quirks & Q_TCP_ACK_NZ)
		q |= P0F_ACK_NZ;
	if (s->quirks & Q_TCP_URG_NZ)
		q |= P0F_UPTR;
	if (s->flags & TCP_URG)
		q |= P0F_URGF;
	if (s->flags & TCP_PSH)
		q |= P0F_PUSHF;
	if ((s->has & SYNF_TS) && !s->tsval)
		q |= P0F_TS1;
	if (s->quirks & Q_TCP_TS_ECR)
		q |= P0F_TS2;
	if (s->quirks & Q_TCP_OPT_PAD)
		q |= P0F_OPTP;
	if (s->quirks & Q_TCP_WS_HIGH)
		q |= P0F_EXWS;
	if (s->quirks & Q_TCP_OPT_BAD)
		q |= P0F_BAD;
	return q;
}

/* Option bytes, from the kinds (the lengths RFC 9293 and friends fix). */
static unsigned option_bytes(const syn_sig *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->nopt; i++) {
		switch (s->opt[i]) {
		case TCPOPT_EOL:
		case TCPOPT_NOP:
			n += 1;
			break;
		case TCPOPT_MSS:
			n += 4;
			break;
		case TCPOPT_WS:
			n += 3;
			break;
		case TCPOPT_TS:
			n += 10;
			break;
		default:
			n += 2;
			break;
		}
	}
	return n + s->eol_pad;
}

/* Whether the window is a multiple of MSS or MTU, tried in p0f's order:
 * returns the multiplier (or -1) and sets *use_mtu. */
static int win_multi(const syn_sig *s, int *use_mtu)
{
	int win = s->win, mss = (s->has & SYNF_MSS) ? s->mss : 0;
	int hdr = (s->ver == 6 ? 40 : 20 + s->ip_opt_len) + 20 + (int)option_bytes(s);
	*use_mtu = 0;
	if (!win || mss < 100)
		return -1;
	const int ts = (s->has & SYNF_TS) && s->tsval, v6 = s->ver == 6;
	const struct {
		int div, mtu, when;
	} d[] = {{mss, 0, 1},	    {mss - 12, 0, ts}, {1460, 0, 1},	 {1448, 0, 1},
		 {1440, 0, v6},	    {1428, 0, v6},     {mss + 40, 1, 1}, {mss + hdr, 1, 1},
		 {mss + 60, 1, v6}, {1500, 1, 1}};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
		if (d[i].when && d[i].div > 0 && win % d[i].div == 0) {
			*use_mtu = d[i].mtu;
			return win / d[i].div;
		}
	}
	return -1;
}

static int layout_same(const p0f_sig *g, const syn_sig *s)
{
	if (g->nopt != s->nopt || memcmp(g->opt, s->opt, s->nopt) != 0)
		return 0;
	return !(s->nopt && s->opt[s->nopt - 1] == TCPOPT_EOL) || g->eol_pad == s->eol_pad;
}

static int window_fits(const p0f_sig *g, const syn_sig *s, int multi, int use_mtu)
{
	switch (g->win_type) {
	case P0F_WIN_NORMAL:
		return g->win == s->win;
	case P0F_WIN_MOD:
		return s->win % g->win == 0;
	case P0F_WIN_MSS:
		return !use_mtu && multi == g->win;
	case P0F_WIN_MTU:
		return use_mtu && multi == g->win;
	default:
		return 1;
	}
}

/* 0: no, 1: exact, 2: fuzzy. */
static int sig_fits(const p0f_sig *g, const syn_sig *s, uint32_t q, int multi, int use_mtu,
		    int have_fuzzy)
{
	if (!layout_same(g, s) || (g->ver != -1 && g->ver != s->ver))
		return 0;
	uint32_t gq = g->quirks;
	if (g->ver == -1) /* quirks of the other IP version do not count */
		gq &= s->ver == 4 ? ~(uint32_t)P0F_FLOW
				  : ~(uint32_t)(P0F_DF | P0F_ID_NZ | P0F_ID_ZERO);
	int fuzzy = 0;
	if (gq != q) {
		uint32_t gone = (gq ^ q) & gq, added = (gq ^ q) & q;
		if (have_fuzzy || (gone & ~(uint32_t)(P0F_DF | P0F_ID_NZ)) ||
		    (added & ~(uint32_t)(P0F_ID_ZERO | P0F_ECN)))
			return 0;
		fuzzy = 1;
	}
	if (g->olen != s->ip_opt_len)
		return 0;
	if (g->bad_ttl) {
		if (g->ttl < s->ttl)
			return 0;
	} else if (g->ttl < s->ttl || g->ttl - s->ttl > P0F_MAX_DIST) {
		fuzzy = 1;
	}
	if (g->mss != -1 && g->mss != ((s->has & SYNF_MSS) ? s->mss : 0))
		return 0;
	if (g->wscale != -1 && g->wscale != ((s->has & SYNF_WS) ? s->wscale : 0))
		return 0;
	if (g->pclass != -1 && g->pclass != (s->payload ? 1 : 0))
		return 0;
	if (!window_fits(g, s, multi, use_mtu))
		return 0;
	return fuzzy ? 2 : 1;
}

static int guess_dist(int ttl)
{
	return ttl_initial(ttl) - ttl;
}

static void link_type(const p0f_db *db, const syn_sig *s, p0f_match *m)
{
	if (!(s->has & SYNF_MSS))
		return;
	int mtu = s->mss + (s->ver == 6 ? 60 : 40);
	for (int i = 0; i < db->nmtu; i++) {
		if (db->mtu[i].mtu == mtu) {
			m->link = db->mtu[i].label;
			m->mtu = mtu;
			return;
		}
	}
}

int p0f_match_syn(const p0f_db *db, const syn_sig *s, p0f_match *m)
{
	memset(m, 0, sizeof *m);
	m->dist = guess_dist(s->ttl);
	if (!db)
		return 0;
	link_type(db, s, m);
	uint32_t q = p0f_syn_quirks(s);
	int use_mtu;
	int multi = win_multi(s, &use_mtu);
	const p0f_sig *gmatch = NULL, *fmatch = NULL;
	for (int i = 0; i < db->nsigs; i++) {
		const p0f_sig *g = &db->sigs[i];
		if (!g->request)
			continue;
		int fit = sig_fits(g, s, q, multi, use_mtu, fmatch != NULL);
		if (fit == 1) {
			if (db->labels[g->label].type == 's') {
				m->sig = g;
				break;
			}
			if (!gmatch)
				gmatch = g;
		} else if (fit == 2 && !fmatch) {
			fmatch = g;
		}
	}
	if (!m->sig && gmatch) {
		m->sig = gmatch;
	} else if (!m->sig && fmatch && strcmp(db->labels[fmatch->label].cls, "!")) {
		m->sig = fmatch; /* no fuzzy matches for applications, as in p0f */
		m->fuzzy = 1;
	}
	if (!m->sig)
		return 0;
	m->label = &db->labels[m->sig->label];
	m->generic = m->label->type == 'g';
	if (m->sig->ttl >= s->ttl && (m->sig->bad_ttl || m->sig->ttl - s->ttl <= P0F_MAX_DIST))
		m->dist = m->sig->ttl - s->ttl;
	return 1;
}

static const char *opt_name(uint8_t k, char *tmp, size_t n)
{
	switch (k) {
	case TCPOPT_NOP:
		return "nop";
	case TCPOPT_MSS:
		return "mss";
	case TCPOPT_WS:
		return "ws";
	case TCPOPT_SACKOK:
		return "sok";
	case TCPOPT_SACK:
		return "sack";
	case TCPOPT_TS:
		return "ts";
	default:
		snprintf(tmp, n, "?%u", k);
		return tmp;
	}
}

static void quirks_str(uint32_t q, char *out, size_t n)
{
	static const char *names[] = {"df",   "id+",  "id-",  "ecn",   "0+",	"flow",
				      "seq-", "ack+", "ack-", "uptr+", "urgf+", "pushf+",
				      "ts1-", "ts2+", "opt+", "exws",  "bad"};
	size_t at = 0;
	out[0] = 0;
	for (unsigned i = 0; i < sizeof names / sizeof names[0] && at + 8 < n; i++)
		if (q & (1u << i))
			at += (size_t)snprintf(out + at, n - at, "%s%s", at ? "," : "", names[i]);
}

void p0f_syn_str(const syn_sig *s, char *out, size_t n)
{
	char lay[160] = "", tmp[8], win[24], q[128];
	size_t at = 0;
	for (unsigned i = 0; i < s->nopt && at + 12 < sizeof lay; i++) {
		if (s->opt[i] == TCPOPT_EOL)
			at += (size_t)snprintf(lay + at, sizeof lay - at, "%seol+%u", i ? "," : "",
					       s->eol_pad);
		else
			at += (size_t)snprintf(lay + at, sizeof lay - at, "%s%s", i ? "," : "",
					       opt_name(s->opt[i], tmp, sizeof tmp));
	}
	int use_mtu, multi = win_multi(s, &use_mtu);
	if (multi > 0)
		snprintf(win, sizeof win, "%s*%d", use_mtu ? "mtu" : "mss", multi);
	else
		snprintf(win, sizeof win, "%u", s->win);
	quirks_str(p0f_syn_quirks(s), q, sizeof q);
	char mss[8] = "*";
	if (s->has & SYNF_MSS)
		snprintf(mss, sizeof mss, "%u", s->mss);
	snprintf(out, n, "%u:%u+%d:%u:%s:%s,%u:%s:%s:%c", s->ver, s->ttl, guess_dist(s->ttl),
		 s->ip_opt_len, mss, win, (s->has & SYNF_WS) ? s->wscale : 0, lay, q,
		 s->payload ? '+' : '0');
}

void p0f_label_str(const p0f_label *l, char *out, size_t n)
{
	snprintf(out, n, "%c:%s:%s:%s", l->type, l->cls, l->name, l->flavor);
}
