/* Raw-tool attribution from a stored profile. */
#include "fingerprint/host_attr.h"

#include "decode/decode.h"

#include <stdio.h>
#include <string.h>

uint64_t host_kind_total(const profile *p, int applies)
{
	uint64_t n = 0;
	if (applies & HK_SYN)
		n += p->tcp_syn;
	if (applies & HK_UDP)
		n += p->pkts_udp;
	if (applies & HK_ICMP)
		n += p->icmp_echo;
	return n;
}

/* Distinct TCP source ports (exact sets only); -1 if not known exactly. */
static int tcp_sports(const profile *p, uint32_t *out, int max)
{
	if (dset_is_estimate(&p->sports))
		return -1;
	int n = 0;
	uint32_t v[DSET_EXACT];
	dset_sorted(&p->sports, v);
	for (uint32_t i = 0; i < p->sports.n; i++) {
		if ((v[i] >> 16) != 6)
			continue;
		if (n == max)
			return -1;
		out[n++] = v[i] & 0xffff;
	}
	return n;
}

static int win_fixed(const profile *p)
{
	uint64_t counted = 0;
	for (uint32_t i = 0; i < p->n_syn; i++) {
		if (p->syn[i].win != p->syn[0].win)
			return 0;
		counted += p->syn[i].count;
	}
	return p->n_syn > 0 && counted == p->tcp_syn; /* every SYN is in the kept signatures */
}

static int ttl_varies(const profile *p)
{
	return profile_ttl_distinct(p) >= 3 && profile_ttl_max(p) - profile_ttl_min(p) >= 6;
}

/* The PRNG flaw reported for Conficker: 2nd and 4th octet below 128. */
static int conficker_octets(const profile *p)
{
	if (!addr_is_v4(p->ip) || dset_is_estimate(&p->targets) || p->targets.n < 4)
		return 0;
	uint32_t v[DSET_EXACT];
	dset_sorted(&p->targets, v);
	for (uint32_t i = 0; i < p->targets.n; i++)
		if (((v[i] >> 16) & 0xff) >= 128 || (v[i] & 0xff) >= 128)
			return 0;
	return 1;
}

/* A SYN to one target repeated after about 3 s (RTO 3 s: Windows XP). */
static int syn_retrans(const profile *p)
{
	for (uint32_t i = 0; i < p->n_ipid; i++) {
		const ipid_obs *a = &p->ipid[i];
		if (a->proto != 6 || (a->flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
			continue;
		for (uint32_t j = i + 1; j < p->n_ipid; j++) {
			const ipid_obs *b = &p->ipid[j];
			int64_t dt = b->ts_ns - a->ts_ns;
			if (b->proto == 6 && b->dst == a->dst && b->dport == a->dport &&
			    (b->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && dt >= 2500000000LL &&
			    dt <= 3500000000LL)
				return 1;
		}
	}
	return 0;
}

int host_profile_mark(const profile *p, const hr_mark *m)
{
	uint32_t sp[2];
	int n;
	switch (m->field) {
	case HF_P_SPORT_FIXED:
		return tcp_sports(p, sp, 2) == 1 ||
		       (p->pkts_tcp == 0 && dset_count(&p->sports) == 1);
	case HF_P_SPORT_PAIR16:
		n = tcp_sports(p, sp, 2);
		return n == 1 || (n == 2 && (sp[0] - sp[1] == 16 || sp[1] - sp[0] == 16));
	case HF_P_WIN_FIXED:
		return win_fixed(p);
	case HF_P_TTL_VARIES:
		return ttl_varies(p);
	case HF_P_CONFICKER_OCTETS:
		return conficker_octets(p);
	case HF_P_SYN_RETRANS:
		return syn_retrans(p);
	default:
		return 0;
	}
}

int host_series_mark(const profile *p, const host_blob *b, int field)
{
	if (!(b->flags & HBF_SYN) || p->tcp_syn < 2)
		return 0;
	int bit = 1 << (field - HF_SEQ_SAME);
	if (!((b->flags >> HBF_SERIES_SHIFT) & (uint32_t)bit))
		return 0;
	if (field == HF_SEQ_SAME || field == HF_SEQ_NMAP) /* not one connection's retries */
		return dset_count(&p->targets) >= 2 || dset_count(&p->dports) >= 2;
	/* constant while the sequence number itself changed */
	return !((b->flags >> HBF_SERIES_SHIFT) & HS_SEQ_SAME);
}

static void decide_local(const profile *p, const host_blob *b, const hr_set *rs, host_attr *a)
{
	const hr_rule *r = a->rule;
	a->all = a->stored->and_m;
	a->some = a->stored->or_m;
	for (int i = 0; i < r->nlocal; i++) {
		const hr_mark *m = &rs->mark[r->local[i]];
		int v;
		if (m->cls == HM_PROFILE)
			v = host_profile_mark(p, m);
		else if (m->cls == HM_SERIES)
			v = host_series_mark(p, b, m->field);
		else
			continue;
		uint16_t bit = (uint16_t)(1u << i);
		a->all = (uint16_t)(v ? a->all | bit : a->all & ~bit);
		a->some = (uint16_t)(v ? a->some | bit : a->some & ~bit);
	}
	a->version = -1;
	for (int i = 0; i < r->nversions && a->version < 0; i++)
		if ((r->version[i].local & a->all) == r->version[i].local)
			a->version = i;
}

static int requirements_hold(const profile *p, const host_blob *b, const hr_set *rs, host_attr *a)
{
	const hr_rule *r = a->rule;
	for (int f = HF_SEQ_SAME; f <= HF_UNI_LE; f++) {
		if ((r->series_req & (1 << (f - HF_SEQ_SAME))) && !host_series_mark(p, b, f)) {
			snprintf(a->reason, sizeof a->reason, "its series mark does not hold");
			return 0;
		}
	}
	for (int i = 0; i < r->nreq_profile; i++) {
		const hr_mark *m = &rs->mark[r->req_profile[i]];
		if (!host_profile_mark(p, m)) {
			snprintf(a->reason, sizeof a->reason, "%s does not hold", m->text);
			return 0;
		}
	}
	return 1;
}

/* The rule's confidence, more with its supporting marks, less for each
 * expectation the stock tool would meet and this source does not, and for
 * few packets or a small share. */
static double confidence(const host_attr *a)
{
	const hr_rule *r = a->rule;
	double c = r->confidence;
	int failed = 0;
	for (int i = 0; i < r->nlocal; i++) {
		uint16_t bit = (uint16_t)(1u << i);
		if ((r->support & bit) && (a->all & bit))
			c += 0.03;
		failed += (r->expect & bit) && !(a->all & bit);
	}
	if (c > 0.99)
		c = 0.99;
	if (a->hits == 1)
		c *= 0.85;
	else if (a->hits == 2)
		c *= 0.95;
	c *= 0.8 + 0.2 * a->share;
	c -= 0.05 * failed;
	return c < 0.1 ? 0.1 : c;
}

static void judge(const profile *p, const host_blob *b, const hr_set *rs, host_attr *a)
{
	const hb_rule *s = a->stored;
	a->rule = hr_find(rs, s->name);
	a->version = -1;
	if (!a->rule || a->rule->hash != s->hash) {
		/* the file changed since: only the stored count can be used */
		a->changed = 1;
		a->total = p->tcp_syn + p->pkts_udp + p->icmp_echo;
		a->hits = s->hits < a->total ? s->hits : a->total;
		a->share = a->total ? (double)a->hits / (double)a->total : 0;
		a->accepted = a->hits > 0 && a->share >= 0.5;
		a->confidence = 0.5;
		snprintf(a->reason, sizeof a->reason, "rule %s %s since these packets were read",
			 s->name, a->rule ? "changed" : "was removed");
		a->rule = NULL;
		return;
	}
	const hr_rule *r = a->rule;
	a->total = host_kind_total(p, r->applies);
	a->hits = s->hits < a->total ? s->hits : a->total;
	a->share = a->total ? (double)a->hits / (double)a->total : 0;
	decide_local(p, b, rs, a);
	if (!requirements_hold(p, b, rs, a))
		return;
	if (a->hits < r->min_packets) {
		snprintf(a->reason, sizeof a->reason, "%llu of %u packets needed",
			 (unsigned long long)a->hits, r->min_packets);
		return;
	}
	if (a->share < r->min_share) {
		snprintf(a->reason, sizeof a->reason, "only %.0f%% of the probes, %.0f%% needed",
			 a->share * 100, r->min_share * 100);
		return;
	}
	a->accepted = 1;
	a->confidence = confidence(a);
}

static int series_only(const hr_rule *r)
{
	return !r->req && r->series_req;
}

void host_series_rules(const profile *p, host_blob *b, const hr_set *rs)
{
	if (!rs)
		return;
	int n = 0;
	for (int i = 0; i < b->nrules; i++) {
		const hr_rule *r = hr_find(rs, b->rule[i].name);
		if (r && r->hash == b->rule[i].hash && series_only(r))
			continue;
		b->rule[n++] = b->rule[i];
	}
	b->nrules = n;
	if (!(b->flags & HBF_SYN))
		return;
	uint32_t series = b->flags >> HBF_SERIES_SHIFT & HS_ALL;
	for (int i = 0; i < rs->nrules; i++) {
		const hr_rule *r = &rs->rule[i];
		if (!series_only(r) || (series & r->series_req) != r->series_req)
			continue;
		hb_rule e;
		memset(&e, 0, sizeof e);
		memcpy(e.name, r->name, sizeof e.name); /* both HR_NAME, NUL-terminated */
		memcpy(e.tool, r->tool, sizeof e.tool);
		e.hash = r->hash;
		e.hits = p->tcp_syn;
		for (int k = 0; k < r->nlocal; k++) {
			const hr_mark *m = &rs->mark[r->local[k]];
			if (m->cls == HM_SERIES && ((series >> (m->field - HF_SEQ_SAME)) & 1)) {
				e.and_m |= (uint16_t)(1u << k);
				e.or_m |= (uint16_t)(1u << k);
			}
		}
		hb_add_rule(b, &e);
	}
}

int host_attribute(const profile *p, const host_blob *b, const hr_set *rs, host_attr *out, int max)
{
	int n = 0;
	for (int i = 0; i < b->nrules && n < max; i++) {
		host_attr *a = &out[n++];
		memset(a, 0, sizeof *a);
		a->stored = &b->rule[i];
		judge(p, b, rs, a);
	}
	return n;
}

/* --- what was seen, for changes ----------------------------------------- */

static void syn_value(const syn_sig *s, int field, char *v, size_t n)
{
	char ja4t[SYN_JA4T_MAX];
	char *a, *b;
	switch (field) {
	case HF_WIN:
		snprintf(v, n, "%u", s->win);
		return;
	case HF_MSS:
		if (s->has & SYNF_MSS)
			snprintf(v, n, "%u", s->mss);
		else
			snprintf(v, n, "none");
		return;
	case HF_WS:
		if (s->has & SYNF_WS)
			snprintf(v, n, "%u", s->wscale);
		else
			snprintf(v, n, "none");
		return;
	default: /* the option kinds, as JA4T writes them */
		syn_sig_ja4t(s, ja4t, sizeof ja4t);
		a = strchr(ja4t, '_');
		b = a ? strchr(a + 1, '_') : NULL;
		if (b)
			*b = 0;
		snprintf(v, n, "%s", a ? a + 1 : "?");
		return;
	}
}

/* The distinct values of the kept SYN signatures. */
static void syn_values(const profile *p, int field, char *out, size_t n)
{
	size_t at = 0;
	out[0] = 0;
	for (uint32_t i = 0; i < p->n_syn && at + 8 < n; i++) {
		char v[80];
		syn_value(&p->syn[i], field, v, sizeof v);
		if (!strstr(out, v))
			at += (size_t)snprintf(out + at, n - at, "%s%s", at ? "," : "", v);
	}
	if (!at)
		snprintf(out, n, "no SYN kept");
	else if (field == HF_OPTS)
		snprintf(out + at, n - at, " (option kinds)");
}

static void ports_seen(const dset *s, char *out, size_t n)
{
	size_t at = 0;
	out[0] = 0;
	uint32_t v[DSET_EXACT];
	dset_sorted(s, v);
	for (uint32_t i = 0; i < s->n && i < 6 && at + 8 < n; i++)
		at += (size_t)snprintf(out + at, n - at, "%s%u", at ? "," : "", v[i] & 0xffff);
	if (s->n > 6)
		snprintf(out + at, n - at, ",...");
}

void host_seen(const profile *p, const hr_mark *m, char *out, size_t n)
{
	switch (m->field) {
	case HF_TTL:
		snprintf(out, n, "%d-%d", profile_ttl_min(p), profile_ttl_max(p));
		return;
	case HF_ITTL:
		snprintf(out, n, "%d (TTL %d-%d)", ttl_initial(profile_ttl_max(p)),
			 profile_ttl_min(p), profile_ttl_max(p));
		return;
	case HF_WIN:
	case HF_MSS:
	case HF_WS:
	case HF_OPTS:
		syn_values(p, m->field, out, n);
		return;
	case HF_DF:
		snprintf(out, n, "%s", p->df == 0 ? "0" : p->df == p->packets ? "1" : "0 and 1");
		return;
	case HF_DPORT:
		ports_seen(&p->dports, out, n);
		return;
	case HF_SPORT:
	case HF_P_SPORT_FIXED:
	case HF_P_SPORT_PAIR16:
		ports_seen(&p->sports, out, n);
		return;
	default:
		snprintf(out, n, "not on every packet");
		return;
	}
}
