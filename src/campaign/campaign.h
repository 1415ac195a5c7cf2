/* Campaigns: sources grouped by a kit fingerprint they share (docs/campaigns.md).
 *
 * A candidate is a key (profile/analyzer.h) that only one kit or one
 * operator's run would give many sources:
 *
 *   K  sip.kit         a modified SIP kit: template + its changed tokens
 *   S  sip.kit         the shape of requests no template matches (unknown#...)
 *   L  sip.local       a private local address written into the requests
 *   N  nmap.seqmask    one Nmap scan's sequence mask (decoys share it)
 *   U  unicornscan.key one Unicornscan run's key (its drones share it)
 *   M  masscan.sport   one Masscan run's source port
 *
 * Its id is the letter and 10 hex digits of a hash of (kind, key): it
 * names the kit, never the order things were read in, so it is the same in
 * every store and never changes when more data arrives. Every source with
 * such a key gets the key ("campaign", id) (campaign_profile_keys), which
 * is how `sources --campaign ID` finds the members in either store. A
 * candidate is *listed* as a campaign when it has enough members for its
 * kind (and passes the kind's own test: below). */
#ifndef SP_CAMPAIGN_H
#define SP_CAMPAIGN_H
#include <stdint.h>
#include <stdio.h>

#include "profile/analyzer.h"
#include "profile/ptable.h"
#include "report/facts.h"
#include "store/store.h"
#include "util/json.h"

#define CAMPAIGN_ID_MAX 12 /* letter + 10 hex digits + NUL */

typedef struct campaign_kind {
	char prefix;
	const char *key_kind; /* the key it groups by */
	const char *name;     /* as output: "sip-kit", ... */
	uint64_t min_members; /* to be listed */
	const char *what;     /* what the shared key means, for the write-up */
} campaign_kind;

/* The kind an id names (by its letter); NULL if none. */
const campaign_kind *campaign_kind_of(const char *id);
/* The kind a key of this kind and value would be a candidate of; NULL if
 * the key groups nothing (a stock template, a public or loopback address). */
const campaign_kind *campaign_kind_for(const char *key_kind, const char *key);
/* out gets the id (CAMPAIGN_ID_MAX bytes). */
void campaign_id(const campaign_kind *k, const char *key, char *out);
/* 1 if the text has the form of a campaign id. */
int campaign_id_valid(const char *id);

/* profile_keys_fn: ("campaign", id) for each candidate key already in the
 * list (so it runs after the analysers' keys), kit fingerprints first. */
void campaign_profile_keys(const profile *p, key_list *out);

/* --- which candidates are listed -------------------------------------------- */

/* What has been asked of the store about candidates, so that a listing of
 * many sources asks once per candidate. */
typedef struct campaign_cache campaign_cache;
campaign_cache *campaign_cache_new(store *st);
void campaign_cache_free(campaign_cache *c);

/* Whether the candidate (key_kind, key) is listed. 1 listed, 0 not, -1 on a
 * store error. When an L candidate is not listed because most of its
 * sources belong to one kit campaign, *into (if not NULL) gets that id. */
int campaign_listed(campaign_cache *c, const char *key_kind, const char *key, uint64_t *members,
		    char *into);
/* M: the chance that this many of the store's Masscan sources share the
 * port by accident (-1 on a store error). */
double campaign_masscan_chance(campaign_cache *c, const char *key, uint64_t members);

/* describe_fn: the source's campaign: the first of its candidates (kit
 * fingerprints first) that is listed. */
void campaign_describe(const profile *p, facts *f, const describe_ctx *ctx);

/* --- the campaigns, built from the store ------------------------------------------ */

#define CAMP_SAMPLES   6  /* payload samples kept per campaign (members' requests) */
#define CAMP_DESCRIBED 24 /* members described in full (the smallest hashes) */
#define CAMP_PORTS     64 /* ports listed: those the most members probe */

typedef struct camp_day {
	int32_t day;
	uint32_t new_members; /* first seen that day */
	uint32_t active;      /* active that day */
} camp_day;

/* A counted name: a port, a local address, a sensor, an OS, a campaign. */
typedef struct camp_count {
	char name[KEY_TEXT_MAX];
	uint64_t n;
} camp_count;

typedef struct camp_change {
	char field[32];
	char expected[FACT_TEXT];
	char seen[FACT_TEXT];
	uint32_t members; /* described members that show it */
} camp_change;

typedef struct camp_sample {
	uint8_t ip[16]; /* the member that sent it */
	payload_sample m;
	uint8_t data[SAMPLE_MAX];
} camp_sample;

typedef struct campaign {
	char id[CAMPAIGN_ID_MAX];
	const campaign_kind *kind;
	char key[KEY_TEXT_MAX];
	char cls[16];	   /* botnet, group, single, decoys, distributed */
	char label[200];   /* one line: what ran */
	char verdict[400]; /* why it is a botnet, a single scanner, ... */
	uint64_t members, packets, v4_members, nets16, nets24;
	int64_t first_ns, last_ns;
	uint32_t ndays; /* every day from the first to the last */
	camp_day *days;
	uint32_t days_new, days_active; /* days with new members, with any member active */
	uint64_t ttl_initial[4];	/* members by initial TTL 32, 64, 128, 255 */
	uint64_t ipid_zero_df;		/* IPv4 members whose IP IDs were all 0 with DF */
	double p_chance;		/* M: chance of this many sharing the port by accident */
	uint32_t ports_total;		/* distinct ports the members probe (nports: the first) */
	/* lists, most first */
	uint32_t nports, nsensors, nlocal, nrelated, nfolded, nos, ntools;
	camp_count *ports, *sensors, *local, *related, *folded, *os, *tools;
	/* from the members described in full */
	uint32_t described;
	char tool[32], component[24], version[16], kit[48], tmpl[80];
	int modified;
	uint32_t nchanges, nevidence;
	camp_change *changes;
	char (*evidence)[FACT_TEXT];
	int processes_max;	/* most copies seen on one member */
	uint32_t multi_process; /* described members running more than one copy */
	uint32_t nsamples;
	camp_sample *samples;
	uint8_t example[16]; /* the member whose write-up gave the kit */
	/* sensor addresses the described members' requests name (destinations
	 * of the samples, addresses svmap tags decode to): what --redact hides */
	uint32_t nsensor_addr;
	uint8_t sensor_addr[32][16];
} campaign;

typedef struct campaign_set {
	size_t n;
	campaign *c;
} campaign_set;

/* Every listed campaign, most members first (then by id). 0, or -1 with
 * the store's error. The cache may be NULL. */
int campaigns_build(store *st, campaign_cache *cache, campaign_set *out);
void campaigns_free(campaign_set *s);
/* The one with this id, or NULL. */
const campaign *campaign_find(const campaign_set *s, const char *id);

/* Output: one JSON object (a line of `campaigns --json`), the table, CSV. */
void campaign_json(jw *w, const campaign *c);
void campaign_table_header(FILE *out);
void campaign_table_row(FILE *out, const campaign *c);
void campaign_csv_header(FILE *out);
void campaign_csv_row(FILE *out, const campaign *c);
/* "2010-07-09" */
void campaign_day_str(int32_t day, char *out, size_t n);

#endif
