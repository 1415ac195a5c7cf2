/* From a template match to an attribution: kits, changes against the stock
 * tool, layout deviations, confidence; header marks (agents); request
 * shapes; SIPVicious tags. */
#include "fingerprint/sip_match.h"

#include "util/hash.h"

#include <stdio.h>
#include <string.h>

/* ---- rendering ------------------------------------------------------------ */

/* A dotted IPv4 address at the start of p: 1 and its length in *len. */
static int dotted_quad(const uint8_t *p, size_t n, size_t *len)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= n || p[i] != '.')
				return 0;
			i++;
		}
		size_t d = 0;
		while (i < n && p[i] >= '0' && p[i] <= '9' && d < 4)
			i++, d++;
		if (!d || d > 3)
			return 0;
	}
	if (i < n && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
		return 0;
	*len = i;
	return 1;
}

/* Writes pattern p with captured values (e may be NULL), else stock
 * values, else <slot>. */
static void render(const sip_template *t, const sig_pattern *p, const sip_eval *e, char *out,
		   size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	for (int i = 0; i < p->n && o + 1 < cap; i++) {
		const sig_elem *el = &p->e[i];
		int w;
		if (el->kind == SE_LIT) {
			w = snprintf(out + o, cap - o, "%.*s", el->len, p->text + el->off);
		} else if (e && e->cap[el->slot].set) {
			char v[128];
			sip_str s = {e->cap[el->slot].p, e->cap[el->slot].len};
			w = snprintf(out + o, cap - o, "%s", sip_str_copy(s, v, sizeof v));
		} else if (t->slot[el->slot].has_stock) {
			w = snprintf(out + o, cap - o, "%s", t->slot[el->slot].stock);
		} else {
			w = snprintf(out + o, cap - o, "<%s>", t->slot[el->slot].name);
		}
		if (w < 0)
			break;
		o += (size_t)w;
		if (o >= cap)
			o = cap - 1;
	}
}

/* "…where they differ…" windows of a and b around their first difference. */
static void diff_windows(const char *a, const char *b, char *wa, char *wb, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), p = 0, q = 0;
	while (p < la && p < lb && a[p] == b[p])
		p++;
	while (q < la - p && q < lb - p && a[la - 1 - q] == b[lb - 1 - q])
		q++;
	/* from the start of the element where they differ */
	size_t start = p;
	while (start > 0 && p - start < 16 && !strchr("@;, :", a[start - 1]))
		start--;
	if (start > 0)
		start--; /* and the separator before it */
	size_t ea = la - q + 8 < la ? la - q + 8 : la, eb = lb - q + 8 < lb ? lb - q + 8 : lb;
	snprintf(wa, cap, "%s%.*s%s", start ? "..." : "", (int)(ea - start), a + start,
		 ea < la ? "..." : "");
	snprintf(wb, cap, "%s%.*s%s", start ? "..." : "", (int)(eb - start), b + start,
		 eb < lb ? "..." : "");
}

/* Text of a request with what varies from request to request replaced,
 * so that a change or deviation reads the same for every request of a kit
 * and every host running it: IPv4 addresses become <ip>, numbers of 4 or
 * more digits <n>, long hex or random-looking strings <x>. */
static int is_alnum_c(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void mask_text(const char *in, char *out, size_t cap, int keep_ip, size_t min_num,
		      size_t min_hex)
{
	size_t o = 0, i = 0, n = strlen(in);
	while (i < n && o + 6 < cap) {
		size_t j = i;
		while (j < n && is_alnum_c((uint8_t)in[j]))
			j++;
		if (j == i) {
			out[o++] = in[i++];
			continue;
		}
		size_t quad = 0;
		if (!keep_ip && dotted_quad((const uint8_t *)in + i, n - i, &quad)) {
			memcpy(out + o, "<ip>", 4);
			o += 4;
			i += quad;
			continue;
		}
		int digits = 0, letters = 0;
		for (size_t k = i; k < j; k++)
			digits += in[k] >= '0' && in[k] <= '9';
		letters = (int)(j - i) - digits;
		const char *rep = NULL;
		if (!letters && j - i >= min_num)
			rep = "<n>";
		else if (digits && letters && j - i >= min_hex)
			rep = "<x>";
		if (rep) {
			memcpy(out + o, rep, 3);
			o += 3;
		} else {
			size_t k = j - i < cap - o - 1 ? j - i : cap - o - 1;
			memcpy(out + o, in + i, k);
			o += k;
		}
		i = j;
	}
	out[o] = 0;
}

/* Headers: addresses, numbers of 4 digits and more, mixed strings of 6. */
void sip_mask_volatile(const char *in, char *out, size_t cap)
{
	mask_text(in, out, cap, 0, 4, 6);
}

static void mask_volatile(const char *in, char *out, size_t cap)
{
	mask_text(in, out, cap, 0, 4, 6);
}

/* A slot's value: the addresses stay (a kit's hard-coded 192.168.1.9 is
 * the point), only long numbers and long random strings go. */
static void mask_value(const char *in, char *out, size_t cap)
{
	mask_text(in, out, cap, 1, 6, 12);
}

/* ---- changes --------------------------------------------------------------- */

/* strlcpy: copies what fits, always terminated. */
static void copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void add_change(sip_attr *a, uint8_t kind, const char *field, const char *expected,
		       const char *seen)
{
	if (a->nchange == ATTR_CHANGES)
		return;
	sip_change *c = &a->change[a->nchange++];
	c->kind = kind;
	copy(c->field, sizeof c->field, field);
	copy(c->expected, sizeof c->expected, expected);
	copy(c->seen, sizeof c->seen, seen);
}

/* "<where> written "<seen>" where <tool> writes "<want>"" */
static void add_dev(sip_attr *a, const char *where, const char *seen, const char *tool,
		    const char *want)
{
	if (a->ndev == ATTR_DEVS)
		return;
	snprintf(a->dev[a->ndev++], sizeof a->dev[0], "%s written \"%s\" where %s writes \"%s\"",
		 where, seen, tool, want);
}

static void add_note_dev(sip_attr *a, const char *text)
{
	if (a->ndev < ATTR_DEVS)
		snprintf(a->dev[a->ndev++], sizeof a->dev[0], "%s", text);
}

/* The kit whose marks the captured values carry best (at least half of
 * them); sets a->kit. Returns 1 if it is a stock release. */
static int find_kit(const sip_sigs *s, const sip_eval *e, sip_attr *a)
{
	float best = 0;
	a->kit = -1;
	for (int k = 0; k < s->nkit; k++) {
		const sip_kit *kit = &s->kit[k];
		size_t at = (size_t)k * (size_t)s->ntemplate + (size_t)e->tmpl;
		if (!s->kit_on[at])
			continue;
		int same = 0;
		for (int i = 0; i < kit->nmark; i++)
			if (sip_str_eq(sip_eval_slot(e, s->kitslot[at][i]), kit->mark[i].value))
				same++;
		float f = (float)same / (float)kit->nmark;
		if (2 * same >= kit->nmark && same && f > best) {
			best = f;
			a->kit = k;
			a->kit_marks = (uint8_t)same;
			a->kit_total = kit->nmark;
		}
	}
	return a->kit >= 0 && s->kit[a->kit].release[0] && a->kit_marks == a->kit_total &&
	       s->kit[a->kit].base == e->tmpl;
}

static int is_release_mark(const sip_sigs *s, const sip_attr *a, int release, const sip_template *t,
			   int slot)
{
	if (!release)
		return 0;
	const sip_kit *k = &s->kit[a->kit];
	for (int i = 0; i < k->nmark; i++)
		if (!strcmp(s->t[k->base]->slot[k->mark[i].slot].name, t->slot[slot].name))
			return 1;
	return 0;
}

static void value_changes(const sip_sigs *s, const sip_eval *e, sip_attr *a, int release)
{
	const sip_template *t = s->t[e->tmpl];
	for (int i = 0; i < t->nslot; i++) {
		sip_str v = sip_eval_slot(e, i);
		if (!t->slot[i].has_stock || !e->cap[i].set || sip_str_eq(v, t->slot[i].stock) ||
		    is_release_mark(s, a, release, t, i))
			continue;
		char raw[ATTR_TEXT], seen[ATTR_TEXT];
		sip_str_copy(v, raw, sizeof raw);
		mask_value(raw, seen, sizeof seen);
		add_change(a, CH_VALUE, t->slot[i].name, t->slot[i].stock, seen);
	}
}

static void header_changes(const sip_sigs *s, const sip_msg *m, const sip_eval *e, sip_attr *a)
{
	const sip_template *t = s->t[e->tmpl];
	char exp[200], seen[ATTR_TEXT], raw[256];
	for (int i = 0; i < t->nhdr; i++) {
		const sig_header *h = &t->hdr[i];
		if (e->level[i] == LV_FAIL) {
			render(t, sig_pat(s, h->alt[0]), NULL, exp, sizeof exp);
			sip_str_copy(m->hdr[e->msg_idx[i]].value, raw, sizeof raw);
			mask_volatile(raw, seen, sizeof seen);
			add_change(a, CH_HEADER, h->name, exp, seen);
		} else if (e->msg_idx[i] < 0 && !h->optional) {
			render(t, sig_pat(s, h->alt[0]), NULL, exp, sizeof exp);
			add_change(a, CH_MISSING, h->name, exp, "(absent)");
		}
	}
	for (int i = 0; i < e->extra && i < EVAL_EXTRA; i++) {
		const sip_hdr *mh = &m->hdr[e->extra_idx[i]];
		char name[32];
		sip_str_copy(mh->value, raw, sizeof raw);
		mask_volatile(raw, seen, sizeof seen);
		add_change(a, CH_ADDED, sip_str_copy(mh->name, name, sizeof name), "(absent)",
			   seen);
	}
}

/* diff_windows of the two texts with what varies masked. */
static void masked_diff(const char *got, const char *want, char *wa, char *wb, size_t cap)
{
	char mg[256], mw[256];
	mask_volatile(got, mg, sizeof mg);
	mask_volatile(want, mw, sizeof mw);
	diff_windows(mg, mw, wa, wb, cap);
}

/* Values that only matched once normalised: where the layout differs. */
static void layout_devs(const sip_sigs *s, const sip_msg *m, const sip_eval *e, sip_attr *a)
{
	const sip_template *t = s->t[e->tmpl];
	char want[256], got[256], wa[80], wb[80], text[160];
	if (e->req_level == LV_NORM) {
		render(t, sig_pat(s, t->request[0]), e, want, sizeof want);
		sip_str_copy(m->start, got, sizeof got);
		masked_diff(got, want, wa, wb, sizeof wa);
		add_dev(a, "request line", wa, t->tool, wb);
	}
	for (int i = 0; i < t->nhdr; i++) {
		if (e->msg_idx[i] < 0)
			continue;
		const sip_hdr *mh = &m->hdr[e->msg_idx[i]];
		const sig_header *h = &t->hdr[i];
		if (e->level[i] == LV_NORM) {
			render(t, sig_pat(s, h->alt[0]), e, want, sizeof want);
			sip_str_copy(mh->value, got, sizeof got);
			masked_diff(got, want, wa, wb, sizeof wa);
			add_dev(a, h->name, wa, t->tool, wb);
		}
		if (e->name_dev[i]) {
			char n[48];
			snprintf(wa, sizeof wa, "%s%*s:%*s", sip_str_copy(mh->name, n, 40),
				 mh->ws_before, "", mh->ws_after, "");
			snprintf(wb, sizeof wb, "%s%s", h->name, h->sep);
			add_dev(a, "header name", wa, t->tool, wb);
		}
	}
	if (e->end_dev) {
		snprintf(text, sizeof text, "%s, which %s %s",
			 t->no_end ? "headers end with an empty line"
				   : "no empty line after the headers",
			 t->tool, t->no_end ? "does not send" : "sends");
		add_note_dev(a, text);
	}
	if (e->eol_dev) {
		snprintf(text, sizeof text, "bare LF or CR line endings where %s writes CRLF",
			 t->tool);
		add_note_dev(a, text);
	}
}

/* svmap and svwar tags encode what they scan; a kit that writes its own
 * tags changed the tool's createTag. */
static void tag_change(const sip_template *t, const sip_eval *e, sip_attr *a)
{
	if (t->leak != LEAK_SVMAP && t->leak != LEAK_SVWAR)
		return;
	sip_str tag = sip_eval_slot(e, t->role[SR_TAG]);
	sv_tag d;
	if (!tag.len || (sv_tag_decode(tag, &d) == 0 && (t->leak != LEAK_SVMAP || d.target_ok)))
		return;
	int digits = 1;
	for (uint32_t i = 0; i < tag.len; i++)
		if (tag.p[i] < '0' || tag.p[i] > '9')
			digits = 0;
	/* not the length: a kit's random tags vary in it */
	const char *seen = digits ? "decimal digits, not decodable" : "hex digits, not decodable";
	add_change(a, CH_VALUE, "From.tag",
		   t->leak == LEAK_SVMAP ? "hex of target address:port, 0x01, random"
					 : "hex of extension, 0x01, random",
		   seen);
}

void sip_attr_from_eval(const sip_sigs *s, const sip_msg *m, const sip_eval *e, sip_attr *a)
{
	/* per request: the lists are defined up to their counts only */
	a->tmpl = e->tmpl;
	a->kit = -1;
	a->kit_marks = a->kit_total = 0;
	a->version[0] = 0;
	a->confidence = 0;
	a->nchange = a->ndev = 0;
	if (e->tmpl < 0)
		return;
	const sip_template *t = s->t[e->tmpl];
	int release = find_kit(s, e, a);
	value_changes(s, e, a, release);
	tag_change(t, e, a);
	header_changes(s, m, e, a);
	layout_devs(s, m, e, a);
	if (release)
		copy(a->version, sizeof a->version, s->kit[a->kit].release);
	else if (t->version[0] == '{') {
		sip_str_copy(sip_eval_slot(e, t->version_slot), a->version, sizeof a->version);
	} else
		copy(a->version, sizeof a->version, t->version);
	float c = 0.99f * e->score - 0.01f * (float)a->ndev;
	a->confidence = c < 0.5f ? 0.5f : c;
}

/* ---- agents ----------------------------------------------------------------- */

static int contains(sip_str v, const char *needle)
{
	size_t n = strlen(needle);
	if (!n || v.len < n)
		return 0;
	return memmem(v.p, v.len, needle, n) != NULL;
}

int sip_agent_find(const sip_sigs *s, const sip_msg *m)
{
	for (int i = 0; i < s->nagent; i++) {
		const sip_agent *ag = &s->agent[i];
		for (unsigned j = 0; j < m->nhdr; j++) {
			const sip_hdr *h = &m->hdr[j];
			if (h->id != ag->id ||
			    (ag->id == SIP_H_OTHER && !sip_str_ieq(h->name, ag->header)))
				continue;
			if (contains(h->value, ag->needle))
				return i;
		}
	}
	return -1;
}

/* ---- shapes ----------------------------------------------------------------- */

/* The shape is hashed as it is produced (FNV-1a); the text is kept only
 * when the caller asks for it. */
typedef struct shaper {
	char *out; /* NULL: hash only */
	size_t cap, len;
	uint64_t h;
} shaper;

static void sh_put(shaper *s, const char *p, size_t n)
{
	uint64_t h = s->h;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ULL;
	s->h = h;
	if (s->out) {
		size_t room = s->cap - 1 - s->len, k = n < room ? n : room;
		memcpy(s->out + s->len, p, k);
		s->len += k;
	}
}

static void sh_c(shaper *s, char c)
{
	sh_put(s, &c, 1);
}

/* Letters whose case flips more than twice look random (ZMap, Metasploit). */
static int random_case(const uint8_t *p, size_t n)
{
	int flips = 0;
	for (size_t i = 1; i < n; i++) {
		int a = p[i - 1] >= 'A' && p[i - 1] <= 'Z', b = p[i] >= 'A' && p[i] <= 'Z';
		if (a != b)
			flips++;
	}
	return flips > 2;
}

/* One run of letters and digits: kept when it is a word the tool wrote,
 * reduced to its class when it looks like a number or a random string. */
static void sh_run(shaper *s, const uint8_t *p, size_t n)
{
	int digits = 0, hexl = 0, other = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			digits++;
		else if ((p[i] >= 'a' && p[i] <= 'f') || (p[i] >= 'A' && p[i] <= 'F'))
			hexl++;
		else
			other++;
	}
	char cls = 0;
	if (digits == (int)n)
		cls = n <= 3 ? 0 : 'D';
	else if (!other && digits && n >= 6)
		cls = 'H';
	else if (digits && n > 8)
		cls = 'W';
	else if (!digits && (n > 16 || (n >= 5 && random_case(p, n))))
		cls = 'A';
	if (!cls) {
		sh_put(s, (const char *)p, n);
		return;
	}
	size_t k = n > 99 ? 99 : n;
	char tok[3] = {cls, (char)('0' + k / 10), (char)('0' + k % 10)};
	sh_put(s, tok, 3);
}

/* Sets of bytes that end a field of a value. */
static const uint8_t END_USER[256] = {['@'] = 1};
static const uint8_t END_URI[256] = {[';'] = 1, ['>'] = 1, [','] = 1, [' '] = 1, ['\t'] = 1};
static const uint8_t END_HOST[256] = {
    [':'] = 1, [';'] = 1, ['>'] = 1, ['?'] = 1, [','] = 1, [' '] = 1, ['\t'] = 1};
static const uint8_t END_PARAM[256] = {[';'] = 1, [','] = 1, ['>'] = 1, [' '] = 1, ['\t'] = 1};

/* Index of the first byte of p[i..n) in the set (n if none). */
static size_t find_any(const uint8_t *p, size_t n, size_t i, const uint8_t *set)
{
	while (i < n && !set[p[i]])
		i++;
	return i;
}

/* Masks a whole field up to any of stop: its class only. */
static size_t sh_field(shaper *s, const uint8_t *p, size_t n, size_t i, const uint8_t *stop,
		       char cls)
{
	size_t j = find_any(p, n, i, stop);
	if (j > i)
		sh_c(s, cls);
	return j;
}

static void sh_value(shaper *s, const sip_hdr *h)
{
	size_t k4;
	const uint8_t *p = h->value.p;
	size_t n = h->value.len;
	if (h->id == SIP_H_USER_AGENT || h->id == SIP_H_SERVER || h->id == SIP_H_CALL_ID) {
		sh_c(s, h->id == SIP_H_CALL_ID ? 'C' : 'T');
		if (h->id == SIP_H_CALL_ID && memchr(p, '@', n))
			sh_put(s, "@h", 2);
		return;
	}
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		if (c == '"') { /* quoted string */
			size_t j = i + 1;
			while (j < n && p[j] != '"')
				j += (p[j] == '\\' && j + 1 < n) ? 2 : 1;
			sh_put(s, "\"q\"", 3);
			i = j + 1;
		} else if (n - i >= 4 && (!memcmp(p + i, "sip:", 4) || !memcmp(p + i, "tel:", 4))) {
			sh_put(s, (const char *)p + i, 4);
			i += 4;
			const uint8_t *at = memchr(p + i, '@', n - i);
			const uint8_t *end = p + find_any(p, n, i, END_URI);
			if (at && at < end)
				i = sh_field(s, p, n, i, END_USER, 'u') + 1, sh_c(s, '@');
			i = sh_field(s, p, n, i, END_HOST, 'h');
		} else if ((n - i >= 4 && !memcmp(p + i, "tag=", 4)) ||
			   (n - i >= 7 && !memcmp(p + i, "branch=", 7))) {
			size_t k = p[i] == 't' ? 4 : 7;
			sh_put(s, (const char *)p + i, k);
			i += k;
			if (k == 7 && n - i >= 7 && !memcmp(p + i, "z9hG4bK", 7)) {
				sh_put(s, "z9hG4bK", 7);
				i += 7;
			}
			i = sh_field(s, p, n, i, END_PARAM, k == 4 ? 't' : 'b');
		} else if (c >= '0' && c <= '9' && dotted_quad(p + i, n - i, &k4)) {
			sh_c(s, 'I');
			i += k4;
		} else if (is_alnum_c(c)) {
			size_t j = i;
			while (j < n && is_alnum_c(p[j]))
				j++;
			sh_run(s, p + i, j - i);
			i = j;
		} else {
			sh_c(s, (char)c);
			i++;
		}
	}
}

uint64_t sip_shape(const sip_msg *m, char *out, size_t outlen)
{
	shaper s = {outlen ? out : NULL, outlen, 0, 0xcbf29ce484222325ULL};
	sh_put(&s, (const char *)m->method_str.p, m->method_str.len);
	sh_c(&s, ' ');
	sip_hdr rl = {0};
	rl.value = m->uri;
	sh_value(&s, &rl);
	for (unsigned i = 0; i < m->nhdr; i++) {
		const sip_hdr *h = &m->hdr[i];
		sh_c(&s, '|');
		sh_put(&s, (const char *)h->name.p, h->name.len);
		for (int k = 0; k < h->ws_before && k < 4; k++)
			sh_c(&s, ' ');
		sh_c(&s, ':');
		for (int k = 0; k < h->ws_after && k < 4; k++)
			sh_c(&s, (h->layout & SIP_HL_TAB) ? '\t' : ' ');
		sh_value(&s, h);
	}
	char tail[48];
	int w = snprintf(tail, sizeof tail, "|q%x|n%u",
			 m->quirks & (SIP_Q_NO_END | SIP_Q_EOL_LF | SIP_Q_EOL_CR | SIP_Q_CUT_EOL |
				      SIP_Q_TRAILING | SIP_Q_HDR_OVERFLOW),
			 m->nhdr_seen);
	sh_put(&s, tail, (size_t)w);
	if (s.out)
		s.out[s.len] = 0;
	return hash_mix64(s.h);
}

void sip_shape_summary(const sip_msg *m, char *out, size_t outlen)
{
	char tmp[48];
	size_t o = 0;
	int w = snprintf(out, outlen, "%s", sip_str_copy(m->method_str, tmp, 24));
	o = w > 0 ? (size_t)w : 0;
	for (unsigned i = 0; i < m->nhdr && o + 1 < outlen; i++) {
		w = snprintf(out + o, outlen - o, "%c%s", i ? ',' : ' ',
			     sip_str_copy(m->hdr[i].name, tmp, 32));
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* ---- SIPVicious tags ---------------------------------------------------------- */

/* Hex digit values, -1 for other bytes. */
static const int8_t hex_tab[256] = {
    ['0'] = 1,	['1'] = 2,  ['2'] = 3,	['3'] = 4,  ['4'] = 5,	['5'] = 6,  ['6'] = 7,	['7'] = 8,
    ['8'] = 9,	['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16};

static int hexval(uint8_t c)
{
	return hex_tab[c] - 1; /* stored + 1: 0 is not a digit */
}

int sv_tag_decode(sip_str tag, sv_tag *out)
{
	memset(out, 0, sizeof *out);
	if (tag.len < 6 || (tag.len & 1) || tag.len > 2 * (sizeof out->text + 12))
		return -1;
	uint8_t bytes[sizeof out->text + 16];
	size_t n = tag.len / 2, sep = n;
	for (size_t i = 0; i < n; i++) {
		int a = hexval(tag.p[2 * i]), b = hexval(tag.p[2 * i + 1]);
		if (a < 0 || b < 0)
			return -1;
		bytes[i] = (uint8_t)(a << 4 | b);
		if (bytes[i] == 1 && sep == n)
			sep = i;
	}
	if (sep == n || sep == 0 || sep >= sizeof out->text || sep + 1 == n)
		return -1;
	for (size_t i = sep + 1; i < n; i++)
		if (bytes[i] < '0' || bytes[i] > '9')
			return -1;
	for (size_t i = 0; i < sep; i++) {
		if (bytes[i] < 0x20 || bytes[i] > 0x7e)
			return -1;
		out->text[i] = (char)bytes[i];
	}
	out->text[sep] = 0;
	out->ok = 1;
	if (sep == 12) {
		uint32_t v = 0;
		int ok = 1;
		for (int i = 0; i < 12; i++) {
			int d = hexval((uint8_t)out->text[i]);
			if (d < 0)
				ok = 0;
			else if (i < 8)
				v = v << 4 | (uint32_t)d;
			else
				out->port = (uint16_t)(out->port << 4 | d);
		}
		if (ok) {
			out->target_ok = 1;
			out->ip = v;
		} else {
			out->port = 0;
		}
	}
	return 0;
}
