/* The core's conclusions from IP headers alone: TTL distance and a first
 * classification of the IP ID series. Analysers refine them. */
#include "decode/decode.h"
#include "report/facts.h"

#include <stdio.h>
#include <string.h>

static void describe_ttl(const profile *p, facts *f)
{
	int max = profile_ttl_max(p);
	if (max < 0)
		return;
	f->ttl_initial = ttl_initial(max);
	f->ttl_hops = f->ttl_initial - max;
}

/* Counts how many consecutive differences look like a counter. */
static int counter_steps(const profile *p, int swapped, uint32_t *dsts)
{
	int steps = 0;
	*dsts = 0;
	for (uint32_t i = 1; i < p->n_ipid; i++) {
		uint16_t a = p->ipid[i - 1].ipid, b = p->ipid[i].ipid;
		if (swapped) {
			a = (uint16_t)((a >> 8) | (a << 8));
			b = (uint16_t)((b >> 8) | (b << 8));
		}
		uint16_t d = (uint16_t)(b - a);
		if (d > 0 && d < 2048)
			steps++;
		if (p->ipid[i].dst != p->ipid[i - 1].dst)
			(*dsts)++;
	}
	return steps;
}

static const char *ipid_class(const profile *p)
{
	uint64_t v4 = p->n_ipid;
	if (v4 == 0)
		return "";
	if (p->ipid_zero == p->packets)
		return p->ipid_zero_df == p->packets ? "zero-df" : "zero";
	int constant = 1;
	for (uint32_t i = 1; i < p->n_ipid; i++)
		if (p->ipid[i].ipid != p->ipid[0].ipid)
			constant = 0;
	if (p->n_ipid < 3)
		return constant && p->n_ipid == 2 ? "constant" : "";
	if (constant)
		return "constant";
	uint32_t dsts;
	int n = (int)p->n_ipid - 1;
	if (counter_steps(p, 0, &dsts) == n)
		return "incremental";
	if (counter_steps(p, 1, &dsts) == n)
		return "incremental-le";
	return "random";
}

static int ipv4_source(const profile *p)
{
	return addr_is_v4(p->ip);
}

void describe_core(const profile *p, facts *f, const describe_ctx *ctx)
{
	(void)ctx;
	describe_ttl(p, f);
	if (!ipv4_source(p))
		return;
	f->ipid_total = p->packets;
	f->ipid_zero = p->ipid_zero;
	snprintf(f->ipid_class, sizeof f->ipid_class, "%s", ipid_class(p));
}
