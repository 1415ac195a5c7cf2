/* Building the campaigns from the store (campaign.h, docs/campaigns.md).
 *
 * 1. Candidates: every key of the kinds that group (store_scan_key_groups),
 *    listed or not by campaign_listed().
 * 2. Members: one pass over each campaign's sources
 *    (store_scan_key_members("campaign", id)) adds up what every member's
 *    stored profile says cheaply: times, days new and active, ports,
 *    networks, initial TTL, IP IDs, sensors.
 * 3. The CAMP_DESCRIBED members with the smallest hashes of their address
 *    (a fixed sample: the same in every store) are described in full, as
 *    `show` would: the kit, its changes and evidence, OS, processes, and
 *    their payload samples.
 * 4. The store says which local addresses and other campaigns the members
 *    share (store_scan_key_cooccur); then the class and the verdict. */
#include "campaign/campaign.h"

#include "campaign/activity.h"
#include "decode/decode.h"
#include "report/source_out.h"
#include "sip/analysis.h"
#include "sip/blob.h"
#include "util/hash.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define BOTNET_MIN_MEMBERS  10 /* sources */
#define BOTNET_MIN_NETWORKS 3  /* distinct /16 networks among them */
#define SPREAD_MIN_DAYS	    3  /* days with new members: it is growing */

/* --- small containers ----------------------------------------------------------- */

/* A set of 32-bit values (open addressing; 0 is stored as a flag). */
typedef struct u32set {
	uint32_t *v;
	size_t n, cap;
	int has_zero;
} u32set;

static int u32set_add(u32set *s, uint32_t x)
{
	if (!x) {
		s->n += !s->has_zero;
		s->has_zero = 1;
		return 0;
	}
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint32_t *nv = calloc(ncap, sizeof *nv);
		if (!nv)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->v[i])
				continue;
			size_t h = hash_u32(s->v[i]) & (ncap - 1);
			while (nv[h])
				h = (h + 1) & (ncap - 1);
			nv[h] = s->v[i];
		}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	size_t h = hash_u32(x) & (s->cap - 1);
	while (s->v[h]) {
		if (s->v[h] == x)
			return 0;
		h = (h + 1) & (s->cap - 1);
	}
	s->v[h] = x;
	s->n++;
	return 0;
}

/* Counts per 32-bit key (ports). */
typedef struct u32count {
	uint32_t *k;
	uint64_t *n;
	size_t used, cap;
} u32count;

static int u32count_add(u32count *m, uint32_t key, uint64_t by)
{
	if ((m->used + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		uint32_t *nk = malloc(ncap * sizeof *nk);
		uint64_t *nn = calloc(ncap, sizeof *nn);
		if (!nk || !nn) {
			free(nk);
			free(nn);
			return -1;
		}
		memset(nk, 0xff, ncap * sizeof *nk); /* UINT32_MAX: free (no port key is) */
		for (size_t i = 0; i < m->cap; i++) {
			if (m->k[i] == UINT32_MAX)
				continue;
			size_t h = hash_u32(m->k[i]) & (ncap - 1);
			while (nk[h] != UINT32_MAX)
				h = (h + 1) & (ncap - 1);
			nk[h] = m->k[i];
			nn[h] = m->n[i];
		}
		free(m->k);
		free(m->n);
		m->k = nk;
		m->n = nn;
		m->cap = ncap;
	}
	size_t h = hash_u32(key) & (m->cap - 1);
	while (m->k[h] != UINT32_MAX && m->k[h] != key)
		h = (h + 1) & (m->cap - 1);
	if (m->k[h] == UINT32_MAX) {
		m->k[h] = key;
		m->used++;
	}
	m->n[h] += by;
	return 0;
}

/* Appends a name known not to be in the list yet. The list doubles when
 * its length reaches a power of two. */
static void count_push(camp_count **list, uint32_t *n, const char *name, uint64_t by)
{
	if (!(*n & (*n - 1))) {
		camp_count *nl = realloc(*list, (*n ? 2 * (size_t)*n : 1) * sizeof **list);
		if (!nl)
			return;
		*list = nl;
	}
	snprintf((*list)[*n].name, sizeof(*list)[*n].name, "%s", name);
	(*list)[*n].n = by;
	(*n)++;
}

/* A short list of counted names (sensors, OSes, tools), summed by name. */
static void count_add(camp_count **list, uint32_t *n, const char *name, uint64_t by)
{
	for (uint32_t i = 0; i < *n; i++) {
		if (!strcmp((*list)[i].name, name)) {
			(*list)[i].n += by;
			return;
		}
	}
	count_push(list, n, name, by);
}

static int cmp_count(const void *a, const void *b)
{
	const camp_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void count_sort(camp_count *list, uint32_t n)
{
	if (n > 1)
		qsort(list, n, sizeof *list, cmp_count);
}

/* --- 1. candidates --------------------------------------------------------------- */

typedef struct cand {
	const campaign_kind *kind;
	char key_kind[KEY_KIND_MAX];
	char key[KEY_TEXT_MAX];
	uint64_t n;
} cand;

typedef struct cand_list {
	const char *key_kind;
	cand *c;
	size_t n, cap;
	int oom;
} cand_list;

static int collect_cand(void *vctx, const char *key, uint64_t n)
{
	cand_list *l = vctx;
	const campaign_kind *k = campaign_kind_for(l->key_kind, key);
	if (!k)
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		cand *nc = realloc(l->c, ncap * sizeof *nc);
		if (!nc) {
			l->oom = 1;
			return 1;
		}
		l->c = nc;
		l->cap = ncap;
	}
	cand *c = &l->c[l->n++];
	c->kind = k;
	snprintf(c->key_kind, sizeof c->key_kind, "%s", l->key_kind);
	snprintf(c->key, sizeof c->key, "%s", key);
	c->n = n;
	return 0;
}

static const char *const grouping_kinds[] = {"sip.kit", "sip.local", "nmap.seqmask",
					     "unicornscan.key", "masscan.sport"};

static int candidates(store *st, cand_list *l)
{
	for (size_t i = 0; i < sizeof grouping_kinds / sizeof grouping_kinds[0]; i++) {
		l->key_kind = grouping_kinds[i];
		if (store_scan_key_groups(st, grouping_kinds[i], 1, collect_cand, l) < 0)
			return -1;
		if (l->oom) {
			snprintf(st->err, sizeof st->err, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* --- 2. members ------------------------------------------------------------------ */

typedef struct sampled {
	uint64_t h;
	uint8_t ip[16];
} sampled;

typedef struct agg {
	campaign *c;
	int32_t d0;  /* first day of the arrays */
	uint32_t nd; /* days they cover */
	uint32_t *newc, *act;
	u32count ports;
	u32set n16, n24;
	act_days *days; /* scratch */
	sampled smp[CAMP_DESCRIBED];
	uint32_t nsmp;
	int oom;
} agg;

/* Makes day d an index of the day arrays (grows them either way). */
static int day_slot(agg *g, int32_t d, uint32_t *slot)
{
	if (!g->nd) {
		g->d0 = d;
	} else if (d < g->d0 || d >= g->d0 + (int32_t)g->nd) {
		int32_t lo = d < g->d0 ? d : g->d0;
		int32_t hi = d >= g->d0 + (int32_t)g->nd ? d : g->d0 + (int32_t)g->nd - 1;
		uint32_t nn = (uint32_t)(hi - lo + 1), shift = (uint32_t)(g->d0 - lo);
		uint32_t *a = calloc(nn, sizeof *a), *b = calloc(nn, sizeof *b);
		if (!a || !b) {
			free(a);
			free(b);
			return -1;
		}
		memcpy(a + shift, g->newc, g->nd * sizeof *a);
		memcpy(b + shift, g->act, g->nd * sizeof *b);
		free(g->newc);
		free(g->act);
		g->newc = a;
		g->act = b;
		g->d0 = lo;
		g->nd = nn;
	}
	if (!g->nd) {
		g->newc = calloc(1, sizeof *g->newc);
		g->act = calloc(1, sizeof *g->act);
		if (!g->newc || !g->act)
			return -1;
		g->nd = 1;
	}
	*slot = (uint32_t)(d - g->d0);
	return 0;
}

static void sample_offer(agg *g, const uint8_t ip[16])
{
	uint64_t h = hash_bytes(ip, 16, 0x5a3b1e);
	uint32_t i = g->nsmp;
	if (i == CAMP_DESCRIBED) {
		if (h >= g->smp[i - 1].h)
			return;
		i--;
	} else {
		g->nsmp++;
	}
	while (i > 0 && g->smp[i - 1].h > h) {
		g->smp[i] = g->smp[i - 1];
		i--;
	}
	g->smp[i].h = h;
	memcpy(g->smp[i].ip, ip, 16);
}

static void member_networks(agg *g, const uint8_t ip[16])
{
	if (addr_is_v4(ip)) {
		uint32_t v = addr_key32(ip);
		g->oom |= u32set_add(&g->n16, v >> 16) | u32set_add(&g->n24, v >> 8);
	} else { /* /32 and /48 of IPv6 stand for /16 and /24 */
		g->oom |= u32set_add(&g->n16, (uint32_t)hash_bytes(ip, 4, 16)) |
			  u32set_add(&g->n24, (uint32_t)hash_bytes(ip, 6, 24));
	}
}

static int member(void *vctx, const profile *p)
{
	agg *g = vctx;
	campaign *c = g->c;
	if (!c->members || p->first_ns < c->first_ns)
		c->first_ns = p->first_ns;
	if (!c->members || p->last_ns > c->last_ns)
		c->last_ns = p->last_ns;
	c->members++;
	c->packets += p->packets;
	uint32_t slot;
	int32_t d;
	if (act_day_of(p->first_ns, &d) == 0 && day_slot(g, d, &slot) == 0)
		g->newc[slot]++;
	if (act_days_of(p, g->days) == 0)
		for (uint32_t i = 0; i < g->days->n; i++)
			if (day_slot(g, g->days->day[i], &slot) == 0)
				g->act[slot]++;
	uint32_t v[DSET_EXACT];
	uint32_t nv = dset_sorted(&p->dports, v);
	for (uint32_t i = 0; i < nv; i++)
		g->oom |= u32count_add(&g->ports, v[i], 1);
	member_networks(g, p->ip);
	int ttl = profile_ttl_max(p);
	if (ttl > 0) {
		int it = ttl_initial(ttl);
		c->ttl_initial[it == 32 ? 0 : it == 64 ? 1 : it == 128 ? 2 : 3]++;
	}
	if (addr_is_v4(p->ip)) {
		c->v4_members++;
		if (p->packets && p->ipid_zero_df == p->packets)
			c->ipid_zero_df++;
	}
	for (uint32_t i = 0; i < p->n_sensors; i++)
		count_add(&c->sensors, &c->nsensors, p->sensors[i], 1);
	sample_offer(g, p->ip);
	return g->oom;
}

/* Days from the first to the last, with the members per day. */
static void growth(agg *g)
{
	campaign *c = g->c;
	c->days = calloc(g->nd ? g->nd : 1, sizeof *c->days);
	if (!c->days)
		return;
	c->ndays = g->nd;
	for (uint32_t i = 0; i < g->nd; i++) {
		c->days[i].day = g->d0 + (int32_t)i;
		c->days[i].new_members = g->newc[i];
		c->days[i].active = g->act[i];
		c->days_new += g->newc[i] > 0;
		c->days_active += g->act[i] > 0;
	}
}

static void ports_list(agg *g)
{
	campaign *c = g->c;
	char ps[32];
	for (size_t i = 0; i < g->ports.cap; i++) {
		if (g->ports.k[i] == UINT32_MAX)
			continue;
		count_push(&c->ports, &c->nports, port_str(g->ports.k[i], ps, sizeof ps),
			   g->ports.n[i]);
	}
	count_sort(c->ports, c->nports);
	/* members of a big campaign probe thousands of ports once: keep the
	 * ones most of them share */
	c->ports_total = c->nports;
	if (c->nports > CAMP_PORTS)
		c->nports = CAMP_PORTS;
}

/* --- 3. the described members ------------------------------------------------------ */

static void sensor_addr(campaign *c, const uint8_t ip[16])
{
	for (uint32_t i = 0; i < c->nsensor_addr; i++)
		if (!memcmp(c->sensor_addr[i], ip, 16))
			return;
	if (c->nsensor_addr < sizeof c->sensor_addr / sizeof c->sensor_addr[0])
		memcpy(c->sensor_addr[c->nsensor_addr++], ip, 16);
}

/* The SIP attribution a K or S candidate's key names, from the blob. */
static void kit_from_blob(campaign *c, const profile *p)
{
	const buf *e = &p->ext[EXT_SIP];
	if (!e->len)
		return;
	sip_blob *b = malloc(sizeof *b);
	if (!b)
		return;
	sip_blob_init(b);
	if (sip_blob_decode(b, e->p, e->len) == 0) {
		for (int i = 0; i < b->ntag; i++) {
			uint8_t a[16];
			addr_from_v4(a, b->tag[i].target);
			sensor_addr(c, a);
			if (b->tag[i].dst) {
				addr_from_v4(a, b->tag[i].dst);
				sensor_addr(c, a);
			}
		}
		for (int i = 0; i < b->nattr && c->kind->prefix == 'K'; i++) {
			char k[KEY_TEXT_MAX];
			sip_kit_key(&b->attr[i], k, sizeof k);
			if (strcmp(k, c->key))
				continue;
			const blob_attr *a = &b->attr[i];
			if (!c->tool[0]) {
				snprintf(c->tool, sizeof c->tool, "%s", a->tool);
				snprintf(c->component, sizeof c->component, "%s", a->component);
				snprintf(c->version, sizeof c->version, "%s", a->version);
				snprintf(c->kit, sizeof c->kit, "%s", a->kit);
				snprintf(c->tmpl, sizeof c->tmpl, "%s", a->tmpl);
				c->modified = 1;
				memcpy(c->example, p->ip, 16);
			}
			for (int j = 0; j < a->nchange; j++) {
				uint32_t x = 0;
				while (x < c->nchanges &&
				       (strcmp(c->changes[x].field, a->change[j].field) ||
					strcmp(c->changes[x].seen, a->change[j].seen)))
					x++;
				if (x == c->nchanges) {
					camp_change *n = realloc(c->changes, (x + 1) * sizeof *n);
					if (!n)
						break;
					c->changes = n;
					memset(&n[x], 0, sizeof n[x]);
					snprintf(n[x].field, sizeof n[x].field, "%s",
						 a->change[j].field);
					snprintf(n[x].expected, sizeof n[x].expected, "%s",
						 a->change[j].expected);
					snprintf(n[x].seen, sizeof n[x].seen, "%s",
						 a->change[j].seen);
					c->nchanges++;
				}
				c->changes[x].members++;
			}
		}
		for (int i = 0; i < b->nunknown && c->kind->prefix == 'S' && !c->tool[0]; i++) {
			char k[KEY_TEXT_MAX];
			snprintf(k, sizeof k, "unknown#%016" PRIx64, b->unknown[i].hash);
			if (strcmp(k, c->key))
				continue;
			snprintf(c->tool, sizeof c->tool, "unknown-sip-scanner");
			snprintf(c->tmpl, sizeof c->tmpl, "%.79s", b->unknown[i].summary);
			memcpy(c->example, p->ip, 16);
		}
	}
	sip_blob_free(b);
	free(b);
}

/* The tool the campaign is about, among a member's tools. */
static const fact_tool *campaign_tool(const campaign *c, const facts *f)
{
	static const char *const by_kind[] = {"N", "nmap", "U", "unicornscan", "M", "masscan"};
	for (int k = 0; k < 6; k += 2)
		if (c->kind->prefix == by_kind[k][0])
			for (int i = 0; i < f->ntools; i++)
				if (!strcmp(f->tools[i].tool, by_kind[k + 1]))
					return &f->tools[i];
	for (int i = 0; i < f->ntools; i++) {
		const fact_tool *t = &f->tools[i];
		if (c->tool[0] && !strcmp(t->tool, c->tool) &&
		    !strcmp(t->component, c->component) && !strcmp(t->version, c->version))
			return t;
	}
	return f->ntools ? &f->tools[0] : NULL;
}

static void take_evidence(campaign *c, const fact_tool *t, const profile *p)
{
	if (c->nevidence || !t || !t->nevidence)
		return;
	c->evidence = calloc((size_t)t->nevidence, sizeof *c->evidence);
	if (!c->evidence)
		return;
	for (int i = 0; i < t->nevidence; i++)
		snprintf(c->evidence[i], FACT_TEXT, "%s", t->evidence[i]);
	c->nevidence = (uint32_t)t->nevidence;
	if (!c->tool[0]) {
		snprintf(c->tool, sizeof c->tool, "%s", t->tool);
		snprintf(c->component, sizeof c->component, "%s", t->component);
		snprintf(c->version, sizeof c->version, "%s", t->version);
		c->modified = t->modified;
		memcpy(c->example, p->ip, 16);
	}
}

static int looks_like_request(const payload_sample *m)
{
	uint32_t i = 0;
	while (i < m->len && m->data[i] >= 'A' && m->data[i] <= 'Z')
		i++;
	return i >= 3 && i < m->len && m->data[i] == ' ';
}

typedef struct sample_ctx {
	campaign *c;
	const uint8_t *ip;
	int taken;
} sample_ctx;

static int take_sample(void *vctx, const payload_sample *m)
{
	sample_ctx *k = vctx;
	campaign *c = k->c;
	if (k->taken || c->nsamples == CAMP_SAMPLES || !looks_like_request(m))
		return k->taken;
	camp_sample *s = &c->samples[c->nsamples++];
	sensor_addr(c, m->dst_ip);
	memcpy(s->ip, k->ip, 16);
	s->m = *m;
	memcpy(s->data, m->data, m->len);
	s->m.data = s->data;
	k->taken = 1;
	return 1;
}

static int describe_members(store *st, campaign_cache *cache, campaign *c, const agg *g)
{
	describe_ctx dc = {st, cache};
	c->samples = calloc(CAMP_SAMPLES, sizeof *c->samples);
	facts *f = malloc(sizeof *f);
	if (!c->samples || !f) {
		free(f);
		return -1;
	}
	char tname[96];
	for (uint32_t i = 0; i < g->nsmp; i++) {
		profile p;
		profile_init(&p);
		int found = store_get_profile(st, g->smp[i].ip, &p);
		if (found < 0) {
			profile_free(&p);
			free(f);
			return -1;
		}
		if (!found) {
			profile_free(&p);
			continue;
		}
		kit_from_blob(c, &p);
		facts_init(f);
		facts_describe(&p, f, &dc);
		c->described++;
		take_evidence(c, campaign_tool(c, f), &p);
		if (f->os_guess[0])
			count_add(&c->os, &c->nos, f->os_guess, 1);
		for (int t = 0; t < f->ntools; t++) {
			snprintf(tname, sizeof tname, "%s%s%s%s", f->tools[t].tool,
				 f->tools[t].component[0] ? "/" : "", f->tools[t].component,
				 f->tools[t].modified ? "*" : "");
			count_add(&c->tools, &c->ntools, tname, 1);
		}
		if (f->processes > c->processes_max)
			c->processes_max = f->processes;
		c->multi_process += f->processes > 1;
		sample_ctx sk = {c, g->smp[i].ip, 0};
		if (c->nsamples < CAMP_SAMPLES &&
		    store_scan_samples(st, g->smp[i].ip, take_sample, &sk) < 0) {
			facts_free(f);
			profile_free(&p);
			free(f);
			return -1;
		}
		facts_free(f);
		profile_free(&p);
	}
	free(f);
	count_sort(c->os, c->nos);
	count_sort(c->tools, c->ntools);
	return 0;
}

/* --- 4. what the members share, and the verdict ---------------------------------------- */

typedef struct co_ctx {
	camp_count **list;
	uint32_t *n;
	const char *self;
} co_ctx;

static int co_add(void *vctx, const char *key, uint64_t n)
{
	co_ctx *k = vctx;
	if (!k->self || strcmp(key, k->self))
		count_push(k->list, k->n, key, n); /* the store gives each key once */
	return 0;
}

static void label_and_verdict(campaign *c)
{
	char what[sizeof c->label] = "";
	switch (c->kind->prefix) {
	case 'K': {
		/* a kit without a name is named by what it changed, the
		 * User-Agent first */
		const camp_change *tell = c->nchanges ? &c->changes[0] : NULL;
		for (uint32_t i = 0; i < c->nchanges; i++)
			if (!strcmp(c->changes[i].field, "User-Agent"))
				tell = &c->changes[i];
		snprintf(what, sizeof what, "modified %s%s%s%s%s", c->tool[0] ? c->tool : "SIP kit",
			 c->component[0] ? " " : "", c->component, c->version[0] ? " " : "",
			 c->version);
		size_t n = strlen(what);
		if (c->kit[0])
			snprintf(what + n, sizeof what - n, ", the kit %.47s", c->kit);
		else if (tell)
			snprintf(what + n, sizeof what - n, ", %.31s \"%.60s\"", tell->field,
				 tell->seen);
		break;
	}
	case 'S':
		snprintf(what, sizeof what, "unknown SIP scanner: %.100s",
			 c->tmpl[0] ? c->tmpl : c->key);
		break;
	case 'L':
		snprintf(what, sizeof what,
			 "SIP scanners that write the local address %.46s%s%.80s", c->key,
			 c->ntools ? ", mostly " : "", c->ntools ? c->tools[0].name : "");
		break;
	case 'N':
		snprintf(what, sizeof what, "one Nmap scan with decoys (sequence mask %.40s)",
			 c->key);
		break;
	case 'U':
		snprintf(what, sizeof what, "one Unicornscan run (key %.40s)", c->key);
		break;
	default:
		snprintf(what, sizeof what, "one Masscan run (source port %.40s)", c->key);
		break;
	}
	snprintf(c->label, sizeof c->label, "%s", what);
	int sip = strchr("KSL", c->kind->prefix) != NULL;
	char grow[160] = "";
	if (c->ndays > 1)
		snprintf(grow, sizeof grow, "; new members on %u of %u days%s", c->days_new,
			 c->ndays, c->days_new >= SPREAD_MIN_DAYS ? ": it is spreading" : "");
	if (strchr("NUM", c->kind->prefix)) {
		snprintf(c->cls, sizeof c->cls, "%s",
			 c->kind->prefix == 'N' ? "decoys" : "distributed");
		if (c->kind->prefix == 'N')
			snprintf(c->verdict, sizeof c->verdict,
				 "one scan: %" PRIu64
				 " addresses carry one Nmap scan's sequence mask;"
				 " all but one of them are decoys the scanner spoofed",
				 c->members);
		else
			snprintf(c->verdict, sizeof c->verdict,
				 "one operator: %" PRIu64 " addresses in %" PRIu64
				 " /16 networks ran one %s run%s",
				 c->members, c->nets16,
				 c->kind->prefix == 'U' ? "Unicornscan" : "Masscan", grow);
		return;
	}
	if (c->members == 1) {
		snprintf(c->cls, sizeof c->cls, "single");
		snprintf(c->verdict, sizeof c->verdict,
			 "one scanner: a single address runs this kit");
	} else if (c->members >= BOTNET_MIN_MEMBERS && c->nets16 >= BOTNET_MIN_NETWORKS) {
		snprintf(c->cls, sizeof c->cls, "botnet");
		snprintf(c->verdict, sizeof c->verdict,
			 "a botnet, not one scanner: %" PRIu64 " addresses in %" PRIu64
			 " /16 networks run one kit%s%s",
			 c->members, c->nets16, grow,
			 sip ? "; SIP scanning needs the replies, so the addresses are not spoofed"
			     : "");
	} else {
		snprintf(c->cls, sizeof c->cls, "group");
		snprintf(c->verdict, sizeof c->verdict,
			 "a few hosts: %" PRIu64 " addresses in %" PRIu64
			 " /16 networks run one kit (one operator's machines, or a small botnet)%s",
			 c->members, c->nets16, grow);
	}
}

static void agg_free(agg *g)
{
	free(g->newc);
	free(g->act);
	free(g->ports.k);
	free(g->ports.n);
	free(g->n16.v);
	free(g->n24.v);
	free(g->days);
}

static int build_one(store *st, campaign_cache *cache, campaign *c)
{
	agg g;
	memset(&g, 0, sizeof g);
	g.c = c;
	g.days = malloc(sizeof *g.days);
	int rc = g.days ? store_scan_key_members(st, "campaign", c->id, member, &g) : -1;
	if (rc == 0 && g.oom)
		rc = -1;
	if (rc == 0) {
		c->nets16 = g.n16.n;
		c->nets24 = g.n24.n;
		growth(&g);
		ports_list(&g);
		count_sort(c->sensors, c->nsensors);
		rc = describe_members(st, cache, c, &g);
	}
	agg_free(&g);
	if (rc < 0)
		return -1;
	co_ctx lk = {&c->local, &c->nlocal, NULL};
	co_ctx rk = {&c->related, &c->nrelated, c->id};
	if (store_scan_key_cooccur(st, "campaign", c->id, "sip.local", co_add, &lk) < 0 ||
	    store_scan_key_cooccur(st, "campaign", c->id, "campaign", co_add, &rk) < 0)
		return -1;
	if (c->kind->prefix == 'M')
		c->p_chance = campaign_masscan_chance(cache, c->key, c->members);
	label_and_verdict(c);
	return 0;
}

/* --- the set -------------------------------------------------------------------------- */

static int cmp_campaign(const void *a, const void *b)
{
	const campaign *x = a, *y = b;
	if (x->members != y->members)
		return x->members > y->members ? -1 : 1;
	return strcmp(x->id, y->id);
}

const campaign *campaign_find(const campaign_set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].id, id))
			return &s->c[i];
	return NULL;
}

/* Related campaigns: only those listed. */
static void keep_listed_related(campaign_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		campaign *c = &s->c[i];
		uint32_t k = 0;
		for (uint32_t j = 0; j < c->nrelated; j++)
			if (campaign_find(s, c->related[j].name))
				c->related[k++] = c->related[j];
		c->nrelated = k;
	}
}

int campaigns_build(store *st, campaign_cache *cache_in, campaign_set *out)
{
	memset(out, 0, sizeof *out);
	campaign_cache *cache = cache_in ? cache_in : campaign_cache_new(st);
	cand_list l;
	memset(&l, 0, sizeof l);
	int rc = cache ? candidates(st, &l) : -1;
	typedef struct fold {
		char into[CAMPAIGN_ID_MAX], id[CAMPAIGN_ID_MAX];
		char addr[KEY_TEXT_MAX];
		uint64_t n;
	} fold;
	fold *folds = calloc(l.n ? l.n : 1, sizeof *folds);
	size_t nfolds = 0;
	out->c = calloc(l.n ? l.n : 1, sizeof *out->c);
	if (!out->c || !folds)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		uint64_t n = l.c[i].n;
		char into[CAMPAIGN_ID_MAX];
		int listed = campaign_listed(cache, l.c[i].key_kind, l.c[i].key, &n, into);
		if (listed < 0) {
			rc = -1;
		} else if (listed) {
			campaign *c = &out->c[out->n++];
			c->kind = l.c[i].kind;
			campaign_id(c->kind, l.c[i].key, c->id);
			snprintf(c->key, sizeof c->key, "%s", l.c[i].key);
			rc = build_one(st, cache, c);
		} else if (into[0]) {
			fold *f = &folds[nfolds++];
			snprintf(f->into, sizeof f->into, "%s", into);
			campaign_id(l.c[i].kind, l.c[i].key, f->id);
			snprintf(f->addr, sizeof f->addr, "%s", l.c[i].key);
			f->n = n;
		}
	}
	for (size_t i = 0; rc == 0 && i < nfolds; i++) {
		campaign *c = (campaign *)campaign_find(out, folds[i].into);
		if (c)
			count_add(&c->folded, &c->nfolded, folds[i].addr, folds[i].n);
	}
	free(folds);
	free(l.c);
	if (cache != cache_in)
		campaign_cache_free(cache);
	if (rc < 0) {
		campaigns_free(out);
		return -1;
	}
	keep_listed_related(out);
	qsort(out->c, out->n, sizeof *out->c, cmp_campaign);
	return 0;
}

void campaigns_free(campaign_set *s)
{
	for (size_t i = 0; s->c && i < s->n; i++) {
		campaign *c = &s->c[i];
		free(c->days);
		free(c->ports);
		free(c->sensors);
		free(c->local);
		free(c->related);
		free(c->folded);
		free(c->os);
		free(c->tools);
		free(c->changes);
		free(c->evidence);
		free(c->samples);
	}
	free(s->c);
	memset(s, 0, sizeof *s);
}
