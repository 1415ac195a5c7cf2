/* Campaign candidates (campaign.h): their kinds and ids, the campaign keys
 * every member gets, which candidates are listed, and a source's campaign
 * in its description. */
#include "campaign/campaign.h"

#include "decode/decode.h"
#include "util/hash.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In the order a source's campaign is chosen: a kit says more than an
 * address, an address more than a raw tool's parameter. */
static const campaign_kind kinds[] = {
    {'K', "sip.kit", "sip-kit", 1, "a modified SIP kit: a tool's template with its own tokens"},
    {'S', "sip.kit", "sip-unknown", 2,
     "requests of one shape that no known tool writes, from several scanners"},
    {'L', "sip.local", "local-address", 5,
     "a private address written into the requests by sources that cannot share a network: "
     "a constant in the kit"},
    {'N', "nmap.seqmask", "nmap-decoys", 2,
     "one Nmap scan: every address carries its sequence mask (decoys are spoofed)"},
    {'U', "unicornscan.key", "unicornscan-drones", 2,
     "one Unicornscan run: its drones share the run's key"},
    {'M', "masscan.sport", "masscan-run", 2,
     "one Masscan run (or runs started in the same second): the same source port"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const campaign_kind *campaign_kind_of(const char *id)
{
	for (size_t i = 0; id && i < NKINDS; i++)
		if (id[0] == kinds[i].prefix)
			return &kinds[i];
	return NULL;
}

/* Addresses every host of a virtualisation default has: shared by
 * strangers, so no kit's constant. */
static int virtual_default(const uint8_t a[16])
{
	if (!addr_is_v4(a))
		return 0;
	uint32_t v = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
	return v == 0x0a00020f ||		     /* 10.0.2.15: QEMU and VirtualBox NAT */
	       (v >= 0xac110002 && v <= 0xac110009); /* 172.17.0.2-9: Docker's first containers */
}

/* RFC 1918, shared address space (RFC 6598), unique local IPv6 (RFC 4193). */
static int private_address(const char *text)
{
	uint8_t a[16];
	if (addr_parse(text, a) < 0 || virtual_default(a))
		return 0;
	if (!addr_is_v4(a))
		return (a[0] & 0xfe) == 0xfc;
	return a[12] == 10 || (a[12] == 172 && (a[13] & 0xf0) == 16) ||
	       (a[12] == 192 && a[13] == 168) || (a[12] == 100 && (a[13] & 0xc0) == 64);
}

const campaign_kind *campaign_kind_for(const char *key_kind, const char *key)
{
	if (!strcmp(key_kind, "sip.kit")) {
		if (!strncmp(key, "unknown#", 8))
			return &kinds[1];
		return strchr(key, '#') ? &kinds[0] : NULL; /* no '#': the stock tool */
	}
	if (!strcmp(key_kind, "sip.local"))
		return private_address(key) ? &kinds[2] : NULL;
	for (size_t i = 3; i < NKINDS; i++)
		if (!strcmp(key_kind, kinds[i].key_kind))
			return &kinds[i];
	return NULL;
}

void campaign_id(const campaign_kind *k, const char *key, char *out)
{
	uint64_t h = hash_bytes(k->key_kind, strlen(k->key_kind), 0xca3e1d5ULL);
	h = hash_bytes(key, strlen(key), h ^ (uint64_t)k->prefix);
	snprintf(out, CAMPAIGN_ID_MAX, "%c%010llx", k->prefix,
		 (unsigned long long)(h & 0xffffffffffULL));
}

int campaign_id_valid(const char *id)
{
	if (!campaign_kind_of(id) || strlen(id) != CAMPAIGN_ID_MAX - 1)
		return 0;
	for (int i = 1; i < CAMPAIGN_ID_MAX - 1; i++)
		if (!strchr("0123456789abcdef", id[i]))
			return 0;
	return 1;
}

void campaign_profile_keys(const profile *p, key_list *out)
{
	(void)p;
	int n = out->n;
	for (size_t k = 0; k < NKINDS; k++) {
		for (int i = 0; i < n; i++) {
			if (strcmp(out->k[i].kind, kinds[k].key_kind) ||
			    campaign_kind_for(out->k[i].kind, out->k[i].key) != &kinds[k])
				continue;
			char id[CAMPAIGN_ID_MAX];
			campaign_id(&kinds[k], out->k[i].key, id);
			key_list_add(out, "campaign", id);
		}
	}
}

/* --- the cache ------------------------------------------------------------------- */

typedef struct cc_entry {
	char id[CAMPAIGN_ID_MAX];
	char into[CAMPAIGN_ID_MAX];
	int8_t listed; /* -1: not decided yet */
	uint64_t members;
} cc_entry;

struct campaign_cache {
	store *st;
	cc_entry *e; /* open addressing; id[0] == 0: free */
	size_t n, cap;
	int masscan_known;
	uint64_t masscan_sources;
};

campaign_cache *campaign_cache_new(store *st)
{
	campaign_cache *c = calloc(1, sizeof *c);
	if (c)
		c->st = st;
	return c;
}

void campaign_cache_free(campaign_cache *c)
{
	if (c) {
		free(c->e);
		free(c);
	}
}

static int cache_grow(campaign_cache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 256;
	cc_entry *n = calloc(ncap, sizeof *n);
	if (!n)
		return -1;
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->e[i].id[0])
			continue;
		size_t h = hash_bytes(c->e[i].id, strlen(c->e[i].id), 0) & (ncap - 1);
		while (n[h].id[0])
			h = (h + 1) & (ncap - 1);
		n[h] = c->e[i];
	}
	free(c->e);
	c->e = n;
	c->cap = ncap;
	return 0;
}

static cc_entry *cache_get(campaign_cache *c, const char *id)
{
	if ((c->n + 1) * 2 > c->cap && cache_grow(c) < 0)
		return NULL;
	size_t h = hash_bytes(id, strlen(id), 0) & (c->cap - 1);
	while (c->e[h].id[0]) {
		if (!strcmp(c->e[h].id, id))
			return &c->e[h];
		h = (h + 1) & (c->cap - 1);
	}
	snprintf(c->e[h].id, sizeof c->e[h].id, "%s", id);
	c->e[h].listed = -1;
	c->n++;
	return &c->e[h];
}

/* --- the kinds' own tests ------------------------------------------------------------ */

static int add_count(void *ctx, const char *key, uint64_t n)
{
	(void)key;
	*(uint64_t *)ctx += n;
	return 0;
}

/* P(X >= k) for X ~ Poisson(lambda), summed in log space from k up. */
static double poisson_tail(double lambda, uint64_t k)
{
	if (k == 0)
		return 1;
	if (lambda <= 0)
		return 0;
	double sum = 0, lg = log(lambda);
	for (uint64_t i = k; i < k + 400; i++) {
		double t = exp(-lambda + (double)i * lg - lgamma((double)i + 1));
		sum += t;
		if ((double)i > lambda && t < sum * 1e-12)
			break;
	}
	return sum > 1 ? 1 : sum;
}

/* Masscan draws its source port as 40000 + (seconds % 20000) when not
 * told one (main.c): unrelated runs share a port by chance. A port is one
 * run only when that many sharing it by chance is very unlikely. Ports
 * outside the default range were chosen by users, from far fewer values
 * (taken as 1000). */
static int masscan_test(campaign_cache *c, const char *key, uint64_t members, double *p)
{
	if (!c->masscan_known) {
		uint64_t n = 0;
		if (store_scan_key_groups(c->st, "masscan.sport", 1, add_count, &n) < 0)
			return -1;
		c->masscan_sources = n;
		c->masscan_known = 1;
	}
	long port = strtol(key, NULL, 10);
	double range = port >= 40000 && port < 60000 ? 20000 : 1000;
	*p = poisson_tail((double)c->masscan_sources / range, members);
	return *p <= 1e-6;
}

double campaign_masscan_chance(campaign_cache *c, const char *key, uint64_t members)
{
	double p = 1;
	if (masscan_test(c, key, members, &p) < 0)
		return -1;
	return p;
}

typedef struct fold_ctx {
	const char *self;
	uint64_t members;
	char into[CAMPAIGN_ID_MAX];
} fold_ctx;

static int fold_cb(void *vctx, const char *key, uint64_t n)
{
	fold_ctx *k = vctx;
	const campaign_kind *ck = campaign_kind_of(key);
	if (strcmp(key, k->self) && ck && (ck->prefix == 'K' || ck->prefix == 'S') &&
	    n >= ck->min_members && 2 * n >= k->members) {
		snprintf(k->into, sizeof k->into, "%s", key);
		return 1;
	}
	return 0;
}

/* An address most of whose sources run one kit is that kit's constant:
 * evidence of the kit's campaign, not a campaign of its own. */
static int local_folded(campaign_cache *c, const char *id, uint64_t members, char *into)
{
	fold_ctx k = {id, members, ""};
	if (store_scan_key_cooccur(c->st, "campaign", id, "campaign", fold_cb, &k) < 0)
		return -1;
	if (!k.into[0])
		return 0;
	snprintf(into, CAMPAIGN_ID_MAX, "%s", k.into);
	return 1;
}

int campaign_listed(campaign_cache *c, const char *key_kind, const char *key, uint64_t *members,
		    char *into)
{
	const campaign_kind *k = campaign_kind_for(key_kind, key);
	if (into)
		into[0] = 0;
	if (!k)
		return 0;
	char id[CAMPAIGN_ID_MAX];
	campaign_id(k, key, id);
	cc_entry *e = cache_get(c, id);
	if (!e) {
		snprintf(c->st->err, sizeof c->st->err, "out of memory");
		return -1;
	}
	if (e->listed < 0) {
		if (members && *members)
			e->members = *members;
		else if (store_count_key(c->st, "campaign", id, &e->members) < 0)
			return -1;
		int listed = e->members >= k->min_members;
		double p;
		if (listed && k->prefix == 'M')
			listed = masscan_test(c, key, e->members, &p);
		if (listed > 0 && k->prefix == 'L') {
			int folded = local_folded(c, id, e->members, e->into);
			listed = folded < 0 ? -1 : !folded;
		}
		if (listed < 0)
			return -1;
		e->listed = (int8_t)listed;
	}
	if (members)
		*members = e->members;
	if (into)
		snprintf(into, CAMPAIGN_ID_MAX, "%s", e->into);
	return e->listed;
}

/* --- describe ---------------------------------------------------------------- */

void campaign_describe(const profile *p, facts *f, const describe_ctx *ctx)
{
	if (!ctx || !ctx->st)
		return;
	key_list *keys = malloc(sizeof *keys);
	if (!keys)
		return;
	profile_keys(p, keys);
	campaign_cache *own = ctx->campaigns ? NULL : campaign_cache_new(ctx->st);
	campaign_cache *c = ctx->campaigns ? ctx->campaigns : own;
	for (size_t k = 0; c && k < NKINDS && !f->campaign[0]; k++) {
		for (int i = 0; i < keys->n && !f->campaign[0]; i++) {
			if (strcmp(keys->k[i].kind, kinds[k].key_kind) ||
			    campaign_kind_for(keys->k[i].kind, keys->k[i].key) != &kinds[k])
				continue;
			if (campaign_listed(c, keys->k[i].kind, keys->k[i].key, NULL, NULL) == 1)
				campaign_id(&kinds[k], keys->k[i].key, f->campaign);
		}
	}
	campaign_cache_free(own);
	free(keys);
}
