/* IP ID series classification from the first observations of a source. */
#include "fingerprint/host_ipid.h"

#include "decode/decode.h"

#include <stdio.h>
#include <string.h>

#define STEP_BASE  2048	   /* a counter may move this much between any two packets */
#define RATE_MAX   20000.0 /* ... plus this many packets a second in between */
#define MAX_SERIES 4	   /* interleaved counters we look for */

typedef struct obs {
	int64_t ts;
	uint32_t dst;
	uint16_t id;
} obs;

double ipid_step_fit(uint16_t d, int64_t dt_ns)
{
	double b = STEP_BASE + (dt_ns > 0 ? RATE_MAX * (double)dt_ns / 1e9 : 0);
	if (b > 32767)
		b = 32767;
	if (d == 0 || d > b)
		return 0;
	return b / 65536.0;
}

static uint16_t swap16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

/* One counter through all samples (values byte-swapped if asked). */
static int one_counter(const obs *o, int n, int swapped, double *p, double *rate, double *adv)
{
	double pr = 1, total = 0;
	for (int i = 1; i < n; i++) {
		uint16_t a = swapped ? swap16(o[i - 1].id) : o[i - 1].id;
		uint16_t b = swapped ? swap16(o[i].id) : o[i].id;
		uint16_t d = (uint16_t)(b - a);
		double f = ipid_step_fit(d, o[i].ts - o[i - 1].ts);
		if (f == 0)
			return 0;
		pr *= f;
		total += d;
	}
	int64_t span = o[n - 1].ts - o[0].ts;
	*adv = total;
	*p = pr;
	*rate = span > 0 ? total / ((double)span / 1e9) : -1;
	return pr <= IPID_P_MAX;
}

/* A counter per destination: every destination's own steps fit. */
static int per_destination(const obs *o, int n, double *p, int *groups)
{
	double pr = 1;
	int steps = 0, ng = 0;
	uint8_t done[IPID_SAMPLES] = {0};
	for (int i = 0; i < n; i++) {
		if (done[i])
			continue;
		int last = i, members = 1;
		done[i] = 1;
		for (int j = i + 1; j < n; j++) {
			if (done[j] || o[j].dst != o[i].dst)
				continue;
			double f =
			    ipid_step_fit((uint16_t)(o[j].id - o[last].id), o[j].ts - o[last].ts);
			if (f == 0)
				return 0;
			pr *= f;
			steps++;
			members++;
			last = j;
			done[j] = 1;
		}
		ng += members > 1;
	}
	*p = pr;
	*groups = ng;
	return ng >= 2 && steps >= 2 && pr <= IPID_P_MAX;
}

/* Several counters taking turns: each sample joins the counter it follows
 * most closely, or starts one. *mixed says some counter crosses
 * destinations (a host), rather than each keeping to one. */
static int interleaved(const obs *o, int n, double *p, int *k, int *mixed)
{
	int last[MAX_SERIES], len[MAX_SERIES], multi[MAX_SERIES];
	int ns = 0;
	double pr = 1;
	for (int i = 0; i < n; i++) {
		int best = -1;
		uint16_t bestd = 0;
		double bestf = 0;
		for (int s = 0; s < ns; s++) {
			uint16_t d = (uint16_t)(o[i].id - o[last[s]].id);
			double f = ipid_step_fit(d, o[i].ts - o[last[s]].ts);
			if (f > 0 && (best < 0 || d < bestd))
				best = s, bestd = d, bestf = f;
		}
		if (best < 0) {
			if (ns == MAX_SERIES)
				return 0;
			last[ns] = i;
			len[ns] = 1;
			multi[ns] = 0;
			ns++;
			continue;
		}
		pr *= bestf * ns; /* any of ns counters could have taken it */
		multi[best] |= o[i].dst != o[last[best]].dst;
		last[best] = i;
		len[best]++;
	}
	*mixed = 0;
	for (int s = 0; s < ns; s++) {
		if (len[s] < 2)
			return 0;
		*mixed |= multi[s];
	}
	*p = pr;
	*k = ns;
	return ns >= 2 && pr <= IPID_P_MAX;
}

static int forward_only(const obs *o, int n, double *p)
{
	for (int i = 1; i < n; i++) {
		uint16_t d = (uint16_t)(o[i].id - o[i - 1].id);
		if (d == 0 || d > 32767)
			return 0;
	}
	double pr = 1;
	for (int i = 1; i < n; i++)
		pr *= 0.5;
	*p = pr;
	return pr <= IPID_P_MAX;
}

static void set(ipid_result *r, const char *cls, const char *why)
{
	snprintf(r->cls, sizeof r->cls, "%s", cls);
	snprintf(r->why, sizeof r->why, "%s", why);
}

/* Raw tools' IDs: ZMap <= 4.0 writes 54321, Masscan dst ^ dport ^ seq. */
static int tool_formula(const profile *p, ipid_result *r)
{
	int zmap = 0, masscan = 0, syn = 0;
	for (uint32_t i = 0; i < p->n_ipid; i++) {
		const ipid_obs *o = &p->ipid[i];
		if (!o->ipid)
			continue;
		zmap += o->ipid == 54321;
		if (o->proto == 6 && (o->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
			syn++;
			masscan += o->ipid == (uint16_t)(o->dst ^ o->dport ^ o->seq);
		}
	}
	if (zmap >= 2 && zmap == r->nonzero) {
		snprintf(r->formula, sizeof r->formula, "zmap: ip_id = 54321");
		r->value = 54321;
	} else if (masscan >= 2 && masscan == r->nonzero) {
		snprintf(r->formula, sizeof r->formula, "masscan: ip_id = dst ^ dport ^ seq");
	} else {
		return 0;
	}
	snprintf(r->cls, sizeof r->cls, "tool-formula");
	snprintf(r->why, sizeof r->why, "the %d non-zero IDs of the first packets follow %s",
		 r->nonzero, r->formula);
	r->p_random = 0;
	return 1;
}

static void count_zero(const ipid_obs *o, ipid_result *r)
{
	if (o->df && o->proto == 17)
		r->zero_udp_df++;
	else if (o->df && o->proto == 6)
		r->zero_tcp_df++;
	else
		r->zero_other++;
}

static int collect(const profile *p, ipid_result *r, obs *o)
{
	int n = 0;
	for (uint32_t i = 0; i < p->n_ipid; i++) {
		const ipid_obs *s = &p->ipid[i];
		r->samples++;
		if (!s->ipid) {
			count_zero(s, r);
			continue;
		}
		int seen = 0;
		for (int j = 0; j < n; j++)
			seen |= o[j].dst == s->dst;
		r->dsts += !seen;
		o[n].ts = s->ts_ns;
		o[n].dst = s->dst;
		o[n].id = s->ipid;
		n++;
	}
	r->nonzero = n;
	return n;
}

static int classify_counters(const obs *o, int n, ipid_result *r)
{
	char why[160];
	int groups, k, mixed;
	double p_be = 1, p_le = 1, rate_be, rate_le, adv_be = 0, adv_le = 0;
	int be = one_counter(o, n, 0, &p_be, &rate_be, &adv_be);
	int le = one_counter(o, n, 1, &p_le, &rate_le, &adv_le);
	/* both fit when the steps are small either way: a little-endian
	 * counter read big-endian advances by multiples of 256 */
	if (le && (!be || adv_le * 16 < adv_be)) {
		r->series = 1;
		r->p_random = p_le;
		r->rate_pps = rate_le;
		snprintf(why, sizeof why,
			 "%d IDs rise like one counter once their bytes are swapped", n);
		set(r, "incremental-byteswapped", why);
		return 1;
	}
	if (be) {
		r->series = 1;
		r->p_random = p_be;
		r->rate_pps = rate_be;
		snprintf(why, sizeof why, "%d IDs%s rise like one counter", n,
			 r->dsts > 1 ? " to different destinations" : " (one destination)");
		set(r, "incremental", why);
		return 1;
	}
	r->rate_pps = -1;
	if (per_destination(o, n, &r->p_random, &groups)) {
		r->series = groups;
		snprintf(why, sizeof why,
			 "IDs rise per destination (%d destinations with several "
			 "packets) but not across them",
			 groups);
		set(r, "per-destination", why);
		return 1;
	}
	if (interleaved(o, n, &r->p_random, &k, &mixed) && mixed) {
		r->series = k;
		snprintf(why, sizeof why, "%d IDs form %d counters taking turns", n, k);
		set(r, "interleaved", why);
		return 1;
	}
	if (forward_only(o, n, &r->p_random)) {
		snprintf(why, sizeof why, "%d IDs always move forward, by large steps", n);
		set(r, "random-increments", why);
		return 1;
	}
	return 0;
}

void ipid_classify(const profile *p, ipid_result *r)
{
	memset(r, 0, sizeof *r);
	r->rate_pps = -1;
	r->p_random = 1;
	if (!addr_is_v4(p->ip) || p->n_ipid == 0)
		return;
	obs o[IPID_SAMPLES];
	int n = collect(p, r, o);
	if (p->ipid_zero == p->packets) {
		int df = p->ipid_zero_df == p->packets;
		set(r, df ? "zero-df" : "zero",
		    df ? "every packet had IP ID 0 and DF" : "every packet had IP ID 0");
		return;
	}
	if (tool_formula(p, r))
		return;
	int constant = n >= 2;
	for (int i = 1; i < n; i++)
		constant &= o[i].id == o[0].id;
	if (constant) {
		r->value = o[0].id;
		char why[160];
		snprintf(why, sizeof why, "%d non-zero IDs all %u", n, o[0].id);
		set(r, "constant", why);
		return;
	}
	if (n < 3) {
		snprintf(r->why, sizeof r->why, "%d non-zero IDs: too few to classify", n);
		return;
	}
	if (classify_counters(o, n, r))
		return;
	if (n >= 4) {
		char why[160];
		snprintf(why, sizeof why, "%d IDs follow no counter", n);
		set(r, "random", why);
		r->p_random = 1;
		return;
	}
	snprintf(r->why, sizeof r->why, "%d non-zero IDs: too few to tell a counter from chance",
		 n);
}
