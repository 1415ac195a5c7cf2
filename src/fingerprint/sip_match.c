/* Template matching (sip_match.h): pattern matcher with backtracking over
 * slot lengths, header alignment, scoring. */
#include "fingerprint/sip_match.h"

#include <pthread.h>
#include <string.h>

/* ---- characters ---------------------------------------------------------- */

static int is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_dec(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static int is_hexd(uint8_t c)
{
	return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_tok(uint8_t c)
{
	return is_alpha(c) || is_dec(c) || (c && strchr("-.!%*_+`'~", c));
}

static int in_class_slow(unsigned cls, uint8_t c)
{
	switch (cls) {
	case SC_ANY:
		return 1;
	case SC_TEXT:
		return c != '"';
	case SC_DEC:
	case SC_PORT:
		return is_dec(c);
	case SC_HEX:
		return is_hexd(c);
	case SC_ALNUM:
		return is_alpha(c) || is_dec(c);
	case SC_ALPHA:
		return is_alpha(c);
	case SC_WORD:
	case SC_METHOD:
		return is_tok(c);
	case SC_USER:
		return c > ' ' && c != 0x7f && !strchr("@<>:;,\"", c);
	case SC_HOST:
		return is_alpha(c) || is_dec(c) || c == '.' || c == '-' || c == '_';
	default:
		return 0;
	}
}

/* in_class as a table: the matcher asks it for every character it scans. */
static uint16_t class_bits[256];
static pthread_once_t class_once = PTHREAD_ONCE_INIT;

static void class_init(void)
{
	for (unsigned c = 0; c < 256; c++)
		for (unsigned k = 0; k < SC_COUNT; k++)
			if (in_class_slow(k, (uint8_t)c))
				class_bits[c] |= (uint16_t)(1u << k);
}

static inline int in_class(unsigned cls, uint8_t c)
{
	return (class_bits[c] >> cls) & 1;
}

/* ---- pattern matching ---------------------------------------------------- */

typedef struct mctx {
	const sip_template *t;
	sip_str method; /* the request's method */
	sip_cap *cap;	/* the template's slots */
	int budget;	/* steps left: bounds backtracking */
} mctx;

/* Longest run of class characters from pos (for hosts: a bracketed IPv6). */
static size_t class_run(unsigned cls, const uint8_t *s, size_t n, size_t pos, size_t max)
{
	size_t k = 0;
	if (cls == SC_HOST && pos < n && s[pos] == '[') {
		while (pos + k < n && s[pos + k] != ']')
			k++;
		return pos + k < n ? k + 1 : 0;
	}
	while (pos + k < n && k < max && in_class(cls, s[pos + k]))
		k++;
	return k;
}

static int match_el(mctx *x, const sig_pattern *p, int ei, const uint8_t *s, size_t n, size_t pos);

static int try_len(mctx *x, const sig_pattern *p, int ei, const uint8_t *s, size_t n, size_t pos,
		   size_t k)
{
	sip_cap *c = &x->cap[p->e[ei].slot];
	c->p = s + pos;
	c->len = (uint16_t)k;
	c->set = 1;
	if (match_el(x, p, ei + 1, s, n, pos + k))
		return 1;
	c->set = 0;
	return 0;
}

static int match_slot(mctx *x, const sig_pattern *p, int ei, const uint8_t *s, size_t n, size_t pos)
{
	const sig_elem *e = &p->e[ei];
	sip_cap *c = &x->cap[e->slot];
	if (c->set) { /* a slot seen before must repeat its value */
		if (n - pos < c->len || memcmp(s + pos, c->p, c->len))
			return 0;
		return match_el(x, p, ei + 1, s, n, pos + c->len);
	}
	if (e->cls == SC_METHOD) {
		size_t k = x->method.len;
		if (n - pos < k || memcmp(s + pos, x->method.p, k))
			return 0;
		return try_len(x, p, ei, s, n, pos, k);
	}
	size_t run = class_run(e->cls, s, n, pos, e->max);
	if (run > e->max)
		run = e->max;
	if (ei + 1 == p->n) /* the last element takes the rest, or fails */
		return run == n - pos && run >= e->min && try_len(x, p, ei, s, n, pos, run);
	/* the next literal's first byte tells where a slot can end */
	int next = -1;
	if (ei + 1 < p->n && p->e[ei + 1].kind == SE_LIT)
		next = (uint8_t)p->text[p->e[ei + 1].off];
	if (e->cls == SC_ANY || e->cls == SC_TEXT) {
		for (size_t k = e->min; k <= run; k++)
			if ((next < 0 || (pos + k < n && s[pos + k] == next)) &&
			    try_len(x, p, ei, s, n, pos, k))
				return 1;
		return 0;
	}
	for (size_t k = run + 1; k-- > e->min;)
		if ((next < 0 || (pos + k < n && s[pos + k] == next)) &&
		    try_len(x, p, ei, s, n, pos, k))
			return 1;
	return 0;
}

static int match_el(mctx *x, const sig_pattern *p, int ei, const uint8_t *s, size_t n, size_t pos)
{
	if (--x->budget < 0)
		return 0;
	if (ei == p->n)
		return pos == n;
	const sig_elem *e = &p->e[ei];
	if (e->kind == SE_LIT) {
		if (n - pos < e->len || memcmp(s + pos, p->text + e->off, e->len))
			return 0;
		return match_el(x, p, ei + 1, s, n, pos + e->len);
	}
	return match_slot(x, p, ei, s, n, pos);
}

/* Matches value v against one pattern; on failure the captures are as
 * they were before. */
static int match_pattern(mctx *x, const sig_pattern *p, const uint8_t *v, size_t n)
{
	/* no undo needed: every capture a failing path made was unset on
	 * its way back (try_len) */
	x->budget = 20000;
	return match_el(x, p, 0, v, n, 0);
}

/* Matches a value against every alternative, as written and then
 * normalised (into the scratch space). Returns the level. */
static uint8_t match_value(const sip_sigs *s, mctx *x, sip_eval *e, const uint16_t *alt,
			   const uint16_t *norm, int nalt, sip_str v)
{
	for (int i = 0; i < nalt; i++)
		if (match_pattern(x, sig_pat(s, alt[i]), v.p, v.len))
			return LV_EXACT;
	size_t room = EVAL_SCRATCH - e->scratch_used;
	if (room < (size_t)v.len + 8)
		return LV_FAIL;
	uint8_t *out = e->scratch + e->scratch_used;
	int inq = 0;
	size_t m = sig_norm(v.p, v.len, out, room, &inq);
	for (int i = 0; i < nalt; i++)
		if (match_pattern(x, sig_pat(s, norm[i]), out, m)) {
			e->scratch_used = (uint16_t)(e->scratch_used + m);
			return LV_NORM;
		}
	return LV_FAIL;
}

/* ---- alignment ------------------------------------------------------------ */

static int same_header(const sig_header *th, const sip_hdr *mh)
{
	if (th->id != mh->id)
		return 0;
	if (th->id != SIP_H_OTHER)
		return 1;
	return sip_str_ieq(mh->name, th->name);
}

/* Longest common subsequence of the template's and the message's headers;
 * fills e->msg_idx. */
static int align(const sip_template *t, const sip_msg *m, sip_eval *e)
{
	enum { MAXM = SIP_HDRS };
	int nt = t->nhdr, nm = m->nhdr < MAXM ? m->nhdr : MAXM;
	/* the usual case: the headers are the template's, in its order */
	int same = nt == nm;
	for (int k = 0; same && k < nt; k++)
		same = same_header(&t->hdr[k], &m->hdr[k]);
	if (same) {
		for (int k = 0; k < nt; k++)
			e->msg_idx[k] = (int16_t)k;
		return nt;
	}
	uint8_t L[SIG_HEADERS + 1][MAXM + 1];
	for (int i = nt; i >= 0; i--)
		for (int j = nm; j >= 0; j--) {
			if (i == nt || j == nm)
				L[i][j] = 0;
			else if (same_header(&t->hdr[i], &m->hdr[j]))
				L[i][j] = (uint8_t)(L[i + 1][j + 1] + 1);
			else
				L[i][j] = L[i + 1][j] > L[i][j + 1] ? L[i + 1][j] : L[i][j + 1];
		}
	for (int i = 0; i < nt; i++)
		e->msg_idx[i] = -1;
	int i = 0, j = 0;
	while (i < nt && j < nm) {
		if (same_header(&t->hdr[i], &m->hdr[j])) {
			e->msg_idx[i++] = (int16_t)j++;
		} else if (L[i + 1][j] >= L[i][j + 1]) {
			i++;
		} else {
			j++;
		}
	}
	return L[0][0];
}

/* The name and separator exactly as the tool writes them? */
static int name_differs(const sig_header *th, const sip_hdr *mh)
{
	if (!sip_str_eq(mh->name, th->name) || mh->ws_before || (mh->layout & SIP_HL_TAB))
		return 1;
	return (size_t)mh->ws_after + 1 != strlen(th->sep);
}

/* ---- evaluation ------------------------------------------------------------ */

static void note_extras(const sip_template *t, const sip_msg *m, sip_eval *e)
{
	uint8_t used[SIP_HDRS] = {0};
	for (int i = 0; i < t->nhdr; i++)
		if (e->msg_idx[i] >= 0)
			used[e->msg_idx[i]] = 1;
	e->extra = 0;
	for (int j = 0; j < m->nhdr; j++)
		if (!used[j]) {
			if (e->extra < EVAL_EXTRA)
				e->extra_idx[e->extra] = (uint8_t)j;
			e->extra++;
		}
	e->extra = (uint8_t)(e->extra + (m->nhdr_seen > m->nhdr ? 1 : 0));
}

static float level_value(uint8_t lv)
{
	return lv == LV_EXACT ? 1.0f : lv == LV_NORM ? 0.75f : lv == LV_FAIL ? 0.25f : 0.0f;
}

static void score(const sip_template *t, const sip_msg *m, sip_eval *e)
{
	float sum = 0;
	int n_t = 0;
	for (int i = 0; i < t->nhdr; i++) {
		if (e->msg_idx[i] < 0) {
			if (!t->hdr[i].optional)
				n_t++;
			continue;
		}
		n_t++;
		float v = level_value(e->level[i]);
		if (e->name_dev[i])
			v = v > 0.2f ? v - 0.1f : 0.1f;
		sum += v;
	}
	float s_hdr = sum / (float)(n_t + e->extra);
	int seen = (int)m->nhdr_seen;
	float s_order = (float)e->aligned / (float)(n_t > seen ? n_t : seen);
	float s_rl = level_value(e->req_level);
	if (e->req_level == LV_FAIL)
		s_rl = 0;
	float sc = 0.5f * s_hdr + 0.35f * s_order + 0.15f * s_rl;
	if (e->end_dev)
		sc -= 0.02f;
	if (e->eol_dev)
		sc -= 0.02f;
	e->score = sc < 0 ? 0 : sc;
}

static void count_stock(const sip_template *t, sip_eval *e)
{
	e->stock_total = e->stock_same = 0;
	for (int i = 0; i < t->nslot; i++) {
		if (!t->slot[i].has_stock || !e->cap[i].set)
			continue;
		e->stock_total++;
		sip_str v = {e->cap[i].p, e->cap[i].len};
		if (sip_str_eq(v, t->slot[i].stock))
			e->stock_same++;
	}
	e->rank = e->score +
		  (e->stock_total ? 0.03f * (float)e->stock_same / (float)e->stock_total : 0.0f);
}

static uint64_t levels_digest(const sip_template *t, const sip_eval *e)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ e->req_level;
	for (int i = 0; i < t->nhdr; i++)
		h = (h ^ (uint64_t)(e->level[i] | e->name_dev[i] << 2 |
				    (uint64_t)(uint16_t)e->msg_idx[i] << 8)) *
		    0x100000001b3ULL;
	/* and what else the score and the deviations depend on */
	return h ^ ((uint64_t)e->extra << 56) ^ ((uint64_t)e->end_dev << 48) ^
	       ((uint64_t)e->eol_dev << 49) ^ ((uint64_t)e->nhdr_seen << 32);
}

float sip_eval_template(const sip_sigs *s, int ti, const sip_msg *m, sip_eval *e)
{
	pthread_once(&class_once, class_init);
	const sip_template *t = s->t[ti];
	memset(e, 0, offsetof(sip_eval, scratch));
	e->tmpl = ti;
	e->alt = -1;
	mctx x = {t, m->method_str, e->cap, 0};
	e->req_level = match_value(s, &x, e, t->request, t->request_norm, t->nrequest, m->start);
	e->aligned = (uint8_t)align(t, m, e);
	/* headers in the message's order, so that repeated slots are first
	 * captured where the tool writes them first */
	for (int j = 0; j < m->nhdr; j++)
		for (int i = 0; i < t->nhdr; i++) {
			if (e->msg_idx[i] != j)
				continue;
			const sig_header *th = &t->hdr[i];
			e->level[i] =
			    match_value(s, &x, e, th->alt, th->norm, th->nalt, m->hdr[j].value);
			e->name_dev[i] = (uint8_t)name_differs(th, &m->hdr[j]);
		}
	for (int i = 0; i < t->nhdr; i++)
		if (e->msg_idx[i] < 0 && !t->hdr[i].optional)
			e->missing++;
	note_extras(t, m, e);
	e->end_dev = (uint8_t)(((m->quirks & SIP_Q_NO_END) != 0) != (t->no_end != 0));
	e->eol_dev = (uint8_t)((m->quirks & (SIP_Q_EOL_LF | SIP_Q_EOL_CR)) != 0);
	e->nhdr_seen = (uint16_t)(m->nhdr_seen > 65535 ? 65535 : m->nhdr_seen);
	score(t, m, e);
	count_stock(t, e);
	e->levels = levels_digest(t, e);
	return e->score;
}

static int popcount64(uint64_t v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

/* dst = src, with the captures that point into src's scratch moved to
 * dst's copy of it. */
void sip_eval_copy(sip_eval *dst, const sip_eval *src)
{
	memcpy(dst, src, offsetof(sip_eval, scratch) + src->scratch_used);
	for (int i = 0; i < SIG_SLOTS; i++) {
		const uint8_t *p = src->cap[i].p;
		if (src->cap[i].set && p >= src->scratch && p < src->scratch + EVAL_SCRATCH)
			dst->cap[i].p = dst->scratch + (p - src->scratch);
	}
}

int sip_eval_best(const sip_sigs *s, const sip_msg *m, sip_eval *e)
{
	static __thread sip_eval cur;
	int best = -1, alt = -1;
	float best_score = 0, alt_score = -1;
	uint64_t alt_levels = 0;
	e->rank = -1;
	for (int i = 0; i < s->ntemplate; i++) {
		const sip_template *t = s->t[i];
		if (m->kind != SIP_REQUEST || !((t->methods >> m->method) & 1))
			continue;
		if (2 * popcount64(t->id_mask & m->ids_seen) < t->nrequired)
			continue;
		sip_eval_template(s, i, m, &cur);
		if (cur.score > best_score)
			best_score = cur.score;
		if (cur.score < t->threshold)
			continue;
		if (best < 0 || cur.rank > e->rank) {
			if (best >= 0 && e->score > alt_score) {
				alt = best;
				alt_score = e->score;
				alt_levels = e->levels;
			}
			best = i;
			sip_eval_copy(e, &cur);
		} else if (cur.score > alt_score) {
			alt = i;
			alt_score = cur.score;
			alt_levels = cur.levels;
		}
	}
	if (best < 0) {
		memset(e, 0, offsetof(sip_eval, scratch));
		e->tmpl = -1;
		e->alt = -1;
		e->score = best_score;
		return -1;
	}
	/* stock values can only reorder templates whose scores are this close */
	e->alt = alt >= 0 && e->score - alt_score <= RANK_STOCK_WEIGHT ? alt : -1;
	e->alt_levels = alt_levels;
	return best;
}

sip_str sip_eval_slot(const sip_eval *e, int slot)
{
	if (slot < 0 || slot >= SIG_SLOTS || !e->cap[slot].set)
		return sip_str_of(NULL, 0);
	return sip_str_of(e->cap[slot].p, e->cap[slot].len);
}
