/* Reads signatures/sip.sig (docs/signatures.md): templates, kits, agents.
 * Every error names the file and line. */
#include "fingerprint/sip_sig.h"

#include "sip/sip.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/num.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const class_names[SC_COUNT] = {
    "any", "text", "dec", "hex", "alnum", "alpha", "word", "user", "host", "port", "method",
};

const char *sig_class_name(unsigned c)
{
	return c < SC_COUNT ? class_names[c] : "?";
}

typedef struct loader {
	const char *file;
	int line;
	char *err;
	size_t errlen;
	sip_sigs *s;
	sip_template *t; /* open template */
	sip_kit *k;	 /* open kit */
	int replaced_request;
} loader;

static int fail(loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(loader *L, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(L->err, L->errlen, "%s:%d: %s", L->file, L->line, msg);
	return -1;
}

/* Copies src into a fixed field, failing when it does not fit. */
static int set_field(loader *L, char *dst, size_t n, const char *src, const char *what)
{
	if (strlen(src) >= n)
		return fail(L, "%s too long (at most %zu characters)", what, n - 1);
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int sig_slot_find(const sip_template *t, const char *name)
{
	for (int i = 0; i < t->nslot; i++)
		if (!strcmp(t->slot[i].name, name))
			return i;
	return -1;
}

int sip_sigs_find(const sip_sigs *s, const char *name)
{
	for (int i = 0; i < s->ntemplate; i++)
		if (!strcmp(s->t[i]->name, name))
			return i;
	return -1;
}

static uint8_t role_of(const char *name)
{
	static const struct {
		const char *n;
		uint8_t r;
	} roles[] = {{"local", SR_LOCAL},   {"localport", SR_LOCALPORT},
		     {"target", SR_TARGET}, {"ext", SR_EXT},
		     {"tag", SR_TAG},	    {"method", SR_METHOD}};
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (!strcmp(name, roles[i].n))
			return roles[i].r;
	return SR_NONE;
}

static int slot_get(loader *L, const char *name, const char *stock)
{
	sip_template *t = L->t;
	int i = sig_slot_find(t, name);
	if (i < 0) {
		if (t->nslot == SIG_SLOTS)
			return fail(L, "more than %d slot names in template %s", SIG_SLOTS,
				    t->name);
		i = t->nslot++;
		memset(&t->slot[i], 0, sizeof t->slot[i]);
		if (set_field(L, t->slot[i].name, sizeof t->slot[i].name, name, "slot name") < 0)
			return -1;
		t->slot[i].role = role_of(name);
	}
	if (stock) {
		if (t->slot[i].has_stock && strcmp(t->slot[i].stock, stock))
			return fail(L, "slot {%s} has two stock values", name);
		if (set_field(L, t->slot[i].stock, sizeof t->slot[i].stock, stock, "stock value") <
		    0)
			return -1;
		t->slot[i].has_stock = 1;
	}
	return i;
}

static int parse_len(loader *L, const char *s, sig_elem *e)
{
	char *end;
	long a = strtol(s, &end, 10), b = a;
	if (*end == '-')
		b = strtol(end + 1, &end, 10);
	if (*end || a < 0 || b < a || b > 4096 || a > 255)
		return fail(L, "bad slot length '%s'", s);
	e->min = (uint8_t)a;
	e->max = (uint16_t)b;
	return 0;
}

/* "{name:class:len=stock}" without the braces. */
static int parse_slot(loader *L, char *spec, sig_elem *e)
{
	char *stock = strchr(spec, '=');
	if (stock)
		*stock++ = 0;
	char *cls = strchr(spec, ':');
	char *len = NULL;
	if (cls) {
		*cls++ = 0;
		len = strchr(cls, ':');
		if (len)
			*len++ = 0;
	}
	if (!*spec)
		return fail(L, "slot without a name");
	for (const char *p = spec; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_", *p))
			return fail(L, "bad slot name '%s'", spec);
	e->kind = SE_SLOT;
	e->cls = SC_ANY;
	if (!strcmp(spec, "method"))
		e->cls = SC_METHOD;
	if (cls) {
		unsigned c = 0;
		while (c < SC_COUNT && strcmp(class_names[c], cls))
			c++;
		if (c == SC_COUNT)
			return fail(L,
				    "unknown slot class '%s' (any, text, dec, hex, alnum, alpha, "
				    "word, user, host, port, method)",
				    cls);
		e->cls = (uint8_t)c;
	}
	e->min = (e->cls == SC_ANY || e->cls == SC_TEXT) ? 0 : 1;
	e->max = e->cls == SC_PORT ? 5 : 4096;
	if (len && parse_len(L, len, e) < 0)
		return -1;
	int i = slot_get(L, spec, stock);
	if (i < 0)
		return -1;
	e->slot = (uint8_t)i;
	return 0;
}

static int add_literal(loader *L, sig_pattern *p, const char *s, size_t n)
{
	if (!n)
		return 0;
	if (p->n == SIG_ELEMS)
		return fail(L, "pattern has more than %d parts", SIG_ELEMS);
	if (p->text_len + n >= SIG_TEXT)
		return fail(L, "pattern text too long");
	sig_elem *e = &p->e[p->n++];
	memset(e, 0, sizeof *e);
	e->kind = SE_LIT;
	e->off = p->text_len;
	e->len = (uint16_t)n;
	memcpy(p->text + p->text_len, s, n);
	p->text_len = (uint16_t)(p->text_len + n);
	p->text[p->text_len] = 0;
	return 0;
}

/* Literal text with {slots}; '\' makes the next character literal. */
static int parse_pattern(loader *L, const char *src, sig_pattern *p)
{
	memset(p, 0, sizeof *p);
	if (set_field(L, p->src, sizeof p->src, src, "pattern") < 0)
		return -1;
	char lit[SIG_TEXT];
	size_t nl = 0;
	for (const char *c = src; *c; c++) {
		if (*c == '\\' && c[1]) {
			lit[nl++] = *++c;
		} else if (*c == '{') {
			const char *close = strchr(c, '}');
			if (!close)
				return fail(L, "'{' without '}'");
			char spec[200];
			if ((size_t)(close - c - 1) >= sizeof spec)
				return fail(L, "slot too long");
			memcpy(spec, c + 1, (size_t)(close - c - 1));
			spec[close - c - 1] = 0;
			if (add_literal(L, p, lit, nl) < 0)
				return -1;
			nl = 0;
			if (p->n == SIG_ELEMS)
				return fail(L, "pattern has more than %d parts", SIG_ELEMS);
			if (parse_slot(L, spec, &p->e[p->n]) < 0)
				return -1;
			p->n++;
			c = close;
		} else if (*c == '}') {
			return fail(L, "'}' without '{'");
		} else {
			lit[nl++] = *c;
		}
		if (nl >= sizeof lit - 1)
			return fail(L, "pattern text too long");
	}
	return add_literal(L, p, lit, nl);
}

/* A new pattern in the pool, parsed from src. */
static int new_pattern(loader *L, const char *src, uint16_t *idx)
{
	sip_sigs *s = L->s;
	if (s->npat == UINT16_MAX)
		return fail(L, "too many patterns");
	sig_pattern *np = realloc(s->pat, (size_t)(s->npat + 1) * sizeof *np);
	if (!np)
		return fail(L, "out of memory");
	s->pat = np;
	*idx = (uint16_t)s->npat++;
	return parse_pattern(L, src, &s->pat[*idx]);
}

static int is_norm_tok(int c)
{
	return c == 1 || isalnum(c) || (c && strchr("-.!%*_+`'~", c));
}

static int is_norm_sep(int c)
{
	return c && strchr(";:<>=,@/\"", c) != NULL;
}

static int is_norm_lws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* token characters then '=' */
static int starts_param(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && is_norm_tok(p[i]))
		i++;
	return i > 0 && i < n && p[i] == '=';
}

size_t sig_norm(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int *inq)
{
	size_t o = 0;
#define PUT(ch)                                                                                    \
	do {                                                                                       \
		if (o < cap)                                                                       \
			out[o++] = (uint8_t)(ch);                                                  \
	} while (0)
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];
		if (*inq) {
			PUT(c);
			if (c == '\\' && i + 1 < n)
				PUT(in[++i]);
			else if (c == '"')
				*inq = 0;
			continue;
		}
		if (c == '"') {
			PUT(c);
			*inq = 1;
			continue;
		}
		if (is_norm_lws(c)) {
			size_t j = i;
			while (j < n && is_norm_lws(in[j]))
				j++;
			int prev = o ? out[o - 1] : 0, next = j < n ? in[j] : 0;
			if (prev && next && !is_norm_sep(prev) && !is_norm_sep(next))
				PUT(starts_param(in + j, n - j) ? ';' : ' ');
			i = j - 1;
			continue;
		}
		if (o && out[o - 1] == '>' && is_norm_tok(c))
			PUT(';');
		PUT(c);
	}
#undef PUT
	return o;
}

/* The normalised twin of pattern src: literals normalised as one text in
 * which each slot is the byte 0x01, then split again at the slots. */
static int norm_pattern(loader *L, uint16_t src, uint16_t *idx)
{
	sip_sigs *s = L->s;
	uint8_t flat[SIG_TEXT + SIG_ELEMS], nf[SIG_TEXT + SIG_ELEMS];
	size_t n = 0;
	const sig_pattern *p = &s->pat[src];
	for (int i = 0; i < p->n; i++) {
		if (p->e[i].kind == SE_SLOT) {
			flat[n++] = 1;
		} else {
			memcpy(flat + n, p->text + p->e[i].off, p->e[i].len);
			n += p->e[i].len;
		}
	}
	int inq = 0;
	size_t m = sig_norm(flat, n, nf, sizeof nf, &inq);
	if (s->npat == UINT16_MAX)
		return fail(L, "too many patterns");
	sig_pattern *np = realloc(s->pat, (size_t)(s->npat + 1) * sizeof *np);
	if (!np)
		return fail(L, "out of memory");
	s->pat = np;
	*idx = (uint16_t)s->npat++;
	sig_pattern *q = &s->pat[*idx];
	p = &s->pat[src];
	memset(q, 0, sizeof *q);
	memcpy(q->src, p->src, sizeof q->src);
	int slot = 0;
	size_t start = 0;
	for (size_t i = 0; i <= m; i++) {
		if (i < m && nf[i] != 1)
			continue;
		if (add_literal(L, q, (const char *)nf + start, i - start) < 0)
			return -1;
		if (i < m) {
			while (slot < p->n && p->e[slot].kind != SE_SLOT)
				slot++;
			if (q->n == SIG_ELEMS)
				return fail(L, "pattern has more than %d parts", SIG_ELEMS);
			q->e[q->n++] = p->e[slot++];
		}
		start = i + 1;
	}
	return 0;
}

static uint32_t method_bits(loader *L, char *words, int *ok)
{
	uint32_t bits = 0;
	*ok = 1;
	for (char *w = strtok(words, " \t"); w; w = strtok(NULL, " \t")) {
		if (!strcmp(w, "*"))
			return ~0u;
		unsigned m = sip_method_lookup((const uint8_t *)w, strlen(w));
		if (m == SIP_M_OTHER) {
			fail(L, "unknown method '%s'", w);
			*ok = 0;
			return 0;
		}
		bits |= 1u << m;
	}
	return bits;
}

static sig_header *find_header(sip_template *t, const char *name)
{
	for (int i = 0; i < t->nhdr; i++)
		if (!strcasecmp(t->hdr[i].name, name))
			return &t->hdr[i];
	return NULL;
}

/* "Name:<sep>pattern" after header / header? / alt. */
static int header_line(loader *L, char *rest, int optional, int alt, int append)
{
	sip_template *t = L->t;
	char *colon = strchr(rest, ':');
	if (!colon || colon == rest)
		return fail(L, "expected 'Name: pattern'");
	*colon = 0;
	const char *name = rest;
	char *v = colon + 1;
	char sep[8] = ":";
	size_t ns = 1;
	while (*v == ' ' && ns < sizeof sep - 1)
		sep[ns++] = *v++;
	sep[ns] = 0;
	sig_header *h = append ? NULL : find_header(t, name);
	if (alt) {
		if (!h)
			return fail(L, "alt for header %s, which the template does not have", name);
		if (h->nalt == SIG_ALTS)
			return fail(L, "more than %d patterns for header %s", SIG_ALTS, name);
		return new_pattern(L, v, &h->alt[h->nalt++]);
	}
	if (!h) { /* a derived template replaces an inherited header in place */
		if (t->nhdr == SIG_HEADERS)
			return fail(L, "more than %d headers", SIG_HEADERS);
		h = &t->hdr[t->nhdr++];
	}
	memset(h, 0, sizeof *h);
	if (set_field(L, h->name, sizeof h->name, name, "header name") < 0)
		return -1;
	memcpy(h->sep, sep, ns + 1);
	int compact;
	h->id = (uint16_t)sip_hdr_lookup((const uint8_t *)name, strlen(name), &compact);
	h->optional = (uint8_t)optional;
	h->nalt = 1;
	return new_pattern(L, v, &h->alt[0]);
}

static int drop_header(loader *L, const char *name)
{
	sip_template *t = L->t;
	sig_header *h = find_header(t, name);
	if (!h)
		return fail(L, "drop %s: the template has no such header", name);
	int i = (int)(h - t->hdr);
	memmove(&t->hdr[i], &t->hdr[i + 1], (size_t)(t->nhdr - i - 1) * sizeof t->hdr[0]);
	t->nhdr--;
	return 0;
}

static int request_line(loader *L, const char *rest)
{
	sip_template *t = L->t;
	if (!L->replaced_request) {
		t->nrequest = 0; /* a derived template's first request line replaces */
		L->replaced_request = 1;
	}
	if (t->nrequest == SIG_ALTS)
		return fail(L, "more than %d request lines", SIG_ALTS);
	return new_pattern(L, rest, &t->request[t->nrequest++]);
}

static int begin_template(loader *L, const char *name)
{
	if (!*name)
		return fail(L, "template needs a name");
	if (sip_sigs_find(L->s, name) >= 0)
		return fail(L, "template %s defined twice", name);
	sip_sigs *s = L->s;
	sip_template **nt = realloc(s->t, (size_t)(s->ntemplate + 1) * sizeof *nt);
	if (!nt)
		return fail(L, "out of memory");
	s->t = nt;
	L->t = calloc(1, sizeof *L->t);
	if (!L->t)
		return fail(L, "out of memory");
	if (set_field(L, L->t->name, sizeof L->t->name, name, "template name") < 0) {
		free(L->t);
		L->t = NULL;
		return -1;
	}
	L->t->methods = ~0u;
	L->t->threshold = 0.80f;
	L->t->line = L->line;
	L->replaced_request = 0;
	s->t[s->ntemplate++] = L->t;
	return 0;
}

static int like(loader *L, const char *base)
{
	int b = sip_sigs_find(L->s, base);
	if (b < 0 || L->s->t[b] == L->t)
		return fail(L, "like %s: no such template above", base);
	sip_template *t = L->t;
	char name[SIG_NAME];
	int line = t->line;
	memcpy(name, t->name, sizeof name);
	*t = *L->s->t[b];
	memcpy(t->name, name, sizeof name);
	t->line = line;
	t->nnote = 0;
	t->ref[0] = 0;
	L->replaced_request = 0;
	return 0;
}

static int end_template(loader *L)
{
	sip_template *t = L->t;
	if (!t->tool[0])
		return fail(L, "template %s has no tool", t->name);
	if (!t->nrequest)
		return fail(L, "template %s has no request line", t->name);
	if (!t->nhdr)
		return fail(L, "template %s has no header", t->name);
	t->version_slot = -1;
	if (t->version[0] == '{') {
		char slot[32];
		size_t n = strlen(t->version);
		if (t->version[n - 1] != '}' || n - 2 >= sizeof slot)
			return fail(L, "version {slot} is not closed");
		memcpy(slot, t->version + 1, n - 2);
		slot[n - 2] = 0;
		t->version_slot = (int8_t)sig_slot_find(t, slot);
		if (t->version_slot < 0)
			return fail(L, "version names slot {%s}, which no pattern has", slot);
	}
	for (int r = 0; r < SR_COUNT; r++)
		t->role[r] = -1;
	for (int i = 0; i < t->nslot; i++)
		if (t->slot[i].role)
			t->role[t->slot[i].role] = (int8_t)i;
	t->from_host = (int8_t)sig_slot_find(t, "From.host");
	for (int i = 0; i < t->nrequest; i++)
		if (norm_pattern(L, t->request[i], &t->request_norm[i]) < 0)
			return -1;
	for (int h = 0; h < t->nhdr; h++)
		for (int i = 0; i < t->hdr[h].nalt; i++)
			if (norm_pattern(L, t->hdr[h].alt[i], &t->hdr[h].norm[i]) < 0)
				return -1;
	t->id_mask = 0;
	t->nrequired = 0;
	t->stock_mask = 0;
	for (int i = 0; i < t->nslot; i++) {
		t->slot[i].stock_len = (uint8_t)strlen(t->slot[i].stock);
		if (t->slot[i].has_stock)
			t->stock_mask |= (uint64_t)1 << i;
	}
	for (int i = 0; i < t->nhdr; i++) {
		t->hdr[i].name_len = (uint8_t)strlen(t->hdr[i].name);
		t->hdr[i].sep_len = (uint8_t)strlen(t->hdr[i].sep);
	}
	for (int i = 0; i < t->nhdr; i++)
		if (!t->hdr[i].optional) {
			t->nrequired++;
			t->id_mask |= (uint64_t)1 << t->hdr[i].id;
		}
	L->t = NULL;
	return 0;
}

static int add_note(loader *L, char (*notes)[SIG_NOTE_LEN], uint8_t *n, const char *text)
{
	if (*n == SIG_NOTES)
		return fail(L, "more than %d notes", SIG_NOTES);
	return set_field(L, notes[(*n)++], SIG_NOTE_LEN, text, "note");
}

static int float_arg(loader *L, const char *s, float *out)
{
	double v;
	if (num_double(s, 0, 1, &v) < 0)
		return fail(L, "expected a number from 0 to 1, not '%s'", s);
	*out = (float)v;
	return 0;
}

static int template_directive(loader *L, const char *d, char *rest)
{
	sip_template *t = L->t;
	if (!strcmp(d, "like"))
		return like(L, rest);
	if (!strcmp(d, "tool"))
		return set_field(L, t->tool, sizeof t->tool, rest, "tool");
	if (!strcmp(d, "component"))
		return set_field(L, t->component, sizeof t->component, rest, "component");
	if (!strcmp(d, "version"))
		return set_field(L, t->version, sizeof t->version, rest, "version");
	if (!strcmp(d, "methods")) {
		int ok;
		t->methods = method_bits(L, rest, &ok);
		return ok ? 0 : -1;
	}
	if (!strcmp(d, "request"))
		return request_line(L, rest);
	if (!strcmp(d, "header") || !strcmp(d, "header?") || !strcmp(d, "header+"))
		return header_line(L, rest, d[6] == '?', 0, d[6] == '+');
	if (!strcmp(d, "alt"))
		return header_line(L, rest, 0, 1, 0);
	if (!strcmp(d, "drop"))
		return drop_header(L, rest);
	if (!strcmp(d, "leak")) {
		static const char *const k[] = {"", "svmap", "svwar", "svcrack"};
		for (uint8_t i = 1; i < 4; i++)
			if (!strcmp(rest, k[i])) {
				t->leak = i;
				return 0;
			}
		return fail(L, "leak must be svmap, svwar or svcrack");
	}
	if (!strcmp(d, "localport")) {
		uint32_t p;
		if (num_u32(rest, 1, 65535, &p) < 0)
			return fail(L, "bad port '%s'", rest);
		t->localport = (uint16_t)p;
		return 0;
	}
	if (!strcmp(d, "threshold"))
		return float_arg(L, rest, &t->threshold);
	if (!strcmp(d, "no-empty-line")) {
		t->no_end = 1;
		return 0;
	}
	if (!strcmp(d, "note"))
		return add_note(L, t->note, &t->nnote, rest);
	if (!strcmp(d, "ref"))
		return set_field(L, t->ref, sizeof t->ref, rest, "ref");
	if (!strcmp(d, "end"))
		return end_template(L);
	return fail(L, "unknown line '%s' in template %s", d, t->name);
}

static int begin_kit(loader *L, const char *name)
{
	sip_sigs *s = L->s;
	for (int i = 0; i < s->nkit; i++)
		if (!strcmp(s->kit[i].name, name))
			return fail(L, "kit %s defined twice", name);
	sip_kit *nk = realloc(s->kit, (size_t)(s->nkit + 1) * sizeof *nk);
	if (!nk)
		return fail(L, "out of memory");
	s->kit = nk;
	L->k = &s->kit[s->nkit++];
	memset(L->k, 0, sizeof *L->k);
	L->k->base = -1;
	return set_field(L, L->k->name, sizeof L->k->name, name, "kit name");
}

static int kit_directive(loader *L, const char *d, char *rest)
{
	sip_kit *k = L->k;
	if (!strcmp(d, "base")) {
		k->base = sip_sigs_find(L->s, rest);
		return k->base < 0 ? fail(L, "base %s: no such template above", rest) : 0;
	}
	if (!strcmp(d, "mark")) {
		if (k->base < 0)
			return fail(L, "mark before base");
		char *v = strchr(rest, ' ');
		if (!v)
			return fail(L, "expected 'mark SLOT VALUE'");
		*v++ = 0;
		int slot = sig_slot_find(L->s->t[k->base], rest);
		if (slot < 0)
			return fail(L, "template %s has no slot {%s}", L->s->t[k->base]->name,
				    rest);
		if (k->nmark == SIG_MARKS)
			return fail(L, "more than %d marks", SIG_MARKS);
		k->mark[k->nmark].slot = (uint8_t)slot;
		return set_field(L, k->mark[k->nmark++].value, sizeof k->mark[0].value, v, "value");
	}
	if (!strcmp(d, "release"))
		return set_field(L, k->release, sizeof k->release, rest, "release");
	if (!strcmp(d, "note"))
		return add_note(L, k->note, &k->nnote, rest);
	if (!strcmp(d, "ref"))
		return set_field(L, k->ref, sizeof k->ref, rest, "ref");
	if (!strcmp(d, "end")) {
		if (k->base < 0 || !k->nmark)
			return fail(L, "kit %s needs a base and at least one mark", k->name);
		L->k = NULL;
		return 0;
	}
	return fail(L, "unknown line '%s' in kit %s", d, k->name);
}

/* agent TOOL HEADER NEEDLE... */
static int agent_line(loader *L, char *rest)
{
	char *hdr = strchr(rest, ' ');
	char *needle = hdr ? strchr(hdr + 1, ' ') : NULL;
	if (!needle)
		return fail(L, "expected 'agent TOOL HEADER TEXT'");
	*hdr++ = 0;
	*needle++ = 0;
	sip_sigs *s = L->s;
	sip_agent *na = realloc(s->agent, (size_t)(s->nagent + 1) * sizeof *na);
	if (!na)
		return fail(L, "out of memory");
	s->agent = na;
	sip_agent *a = &s->agent[s->nagent++];
	memset(a, 0, sizeof *a);
	a->id = (uint16_t)sip_hdr_lookup((const uint8_t *)hdr, strlen(hdr), NULL);
	if (set_field(L, a->tool, sizeof a->tool, rest, "tool") < 0 ||
	    set_field(L, a->header, sizeof a->header, hdr, "header") < 0)
		return -1;
	return set_field(L, a->needle, sizeof a->needle, needle, "text");
}

static int one_line(loader *L, char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = 0;
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return 0;
	char *rest = p;
	while (*rest && *rest != ' ')
		rest++;
	if (*rest)
		*rest++ = 0;
	if (L->t)
		return template_directive(L, p, rest);
	if (L->k)
		return kit_directive(L, p, rest);
	if (!strcmp(p, "template"))
		return begin_template(L, rest);
	if (!strcmp(p, "kit"))
		return begin_kit(L, rest);
	if (!strcmp(p, "agent"))
		return agent_line(L, rest);
	return fail(L, "unknown line '%s' (template, kit or agent expected)", p);
}

/* Where each kit's marks are in each template the kit applies to: its base,
 * and the other versions of the base's tool and component (a kit's strings
 * outlive the tool's releases). */
static int resolve_kits(sip_sigs *s)
{
	size_t n = (size_t)s->nkit * (size_t)s->ntemplate;
	s->kitslot = malloc(n ? n * sizeof *s->kitslot : 1);
	s->kit_on = calloc(n ? n : 1, 1);
	if (!s->kitslot || !s->kit_on)
		return -1;
	for (int k = 0; k < s->nkit; k++) {
		const sip_kit *kit = &s->kit[k];
		const sip_template *b = s->t[kit->base];
		for (int ti = 0; ti < s->ntemplate; ti++) {
			const sip_template *t = s->t[ti];
			size_t at = (size_t)k * (size_t)s->ntemplate + (size_t)ti;
			s->kit_on[at] = kit->base == ti || (!strcmp(b->tool, t->tool) &&
							    !strcmp(b->component, t->component));
			for (int i = 0; i < SIG_MARKS; i++)
				s->kitslot[at][i] =
				    i < kit->nmark
					? (int8_t)sig_slot_find(t, b->slot[kit->mark[i].slot].name)
					: -1;
		}
	}
	return 0;
}

sip_sigs *sip_sigs_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	sip_sigs *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(s->path, sizeof s->path, "%s", name);
	s->digest = hash_bytes(text, len, 0x5195);
	loader L = {name, 0, err, errlen, s, NULL, NULL, 0};
	size_t i = 0;
	while (i < len) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		L.line++;
		char line[1024];
		if (e - i >= sizeof line) {
			fail(&L, "line too long");
			goto bad;
		}
		memcpy(line, text + i, e - i);
		line[e - i] = 0;
		if (memchr(text + i, 0, e - i)) {
			fail(&L, "NUL byte in the line");
			goto bad;
		}
		if (one_line(&L, line) < 0)
			goto bad;
		i = e + 1;
	}
	if (L.t || L.k) {
		fail(&L, "%s %s is not closed with 'end'", L.t ? "template" : "kit",
		     L.t ? L.t->name : L.k->name);
		goto bad;
	}
	if (!s->ntemplate) {
		fail(&L, "no templates");
		goto bad;
	}
	if (resolve_kits(s) < 0) {
		fail(&L, "out of memory");
		goto bad;
	}
	return s;
bad:
	sip_sigs_free(s);
	return NULL;
}

sip_sigs *sip_sigs_load(const char *path, char *err, size_t errlen)
{
	buf b;
	buf_init(&b);
	if (buf_read_file(&b, path, 8u << 20, err, errlen) < 0) {
		buf_free(&b);
		return NULL;
	}
	sip_sigs *s = sip_sigs_parse(path, (const char *)b.p, b.len, err, errlen);
	buf_free(&b);
	return s;
}

void sip_sigs_free(sip_sigs *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->ntemplate; i++)
		free(s->t[i]);
	free(s->t);
	free(s->kit);
	free(s->agent);
	free(s->pat);
	free(s->kitslot);
	free(s->kit_on);
	free(s);
}

const char *sip_sigs_default_path(char *out, size_t outlen)
{
	const char *dir = getenv("SCANPRINT_SIGNATURES");
	if (dir && *dir)
		snprintf(out, outlen, "%s/sip.sig", dir);
	else if (snprintf(out, outlen, "%s/sip.sig", SP_SIGDIR_BUILD) > 0 && access(out, R_OK) == 0)
		;
	else
		snprintf(out, outlen, "%s/sip.sig", SP_SIGDIR_INSTALL);
	return out;
}

const sip_sigs *sip_sigs_default(void)
{
	static sip_sigs *loaded;
	if (loaded)
		return loaded;
	char path[600], err[700];
	sip_sigs_default_path(path, sizeof path);
	loaded = sip_sigs_load(path, err, sizeof err);
	if (!loaded) {
		fprintf(stderr, "scanprint: %s\n", err);
		exit(1);
	}
	return loaded;
}
