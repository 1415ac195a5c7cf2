/* The store operations campaigns and trends add (key co-occurrence, port-day
 * rows: put, scan, span) and the campaign key filter of source listings,
 * through the store interface, against any store:
 *
 *   campaign_store_check LOCATION
 *
 * Writes the same profiles and port-day rows in two transactions (rows of
 * one port and day in both, and a distinct set past its exact part), reads
 * them back, checks the values that must come out, and prints every answer
 * so that a test can compare two stores line by line. Exit status 1 if a
 * check failed. */
#include "campaign/campaign.h"
#include "decode/decode.h"
#include "sip/blob.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fails;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		fails++;
}

/* A source of a SIP kit: its blob says which template, what was changed
 * (the User-Agent) and which local address it wrote. */
static void kit_source(store *st, const char *ip, const char *ua, const char *local)
{
	profile p;
	profile_init(&p);
	addr_parse(ip, p.ip);
	p.first_ns = 1000000000;
	p.last_ns = 2000000000;
	p.packets = p.pkts_udp = 3;
	dset_add(&p.dports, 17u << 16 | 5060);
	profile_add_sensor(&p, "check");
	sip_blob *b = calloc(1, sizeof *b);
	sip_blob_init(b);
	blob_attr a;
	memset(&a, 0, sizeof a);
	snprintf(a.tmpl, sizeof a.tmpl, "sipvicious/svmap/0.3.x");
	snprintf(a.tool, sizeof a.tool, "sipvicious");
	snprintf(a.component, sizeof a.component, "svmap");
	snprintf(a.version, sizeof a.version, "0.3.x");
	if (ua) {
		a.nchange = 1;
		snprintf(a.change[0].field, sizeof a.change[0].field, "User-Agent");
		snprintf(a.change[0].expected, sizeof a.change[0].expected, "friendly-scanner");
		snprintf(a.change[0].seen, sizeof a.change[0].seen, "%s", ua);
	}
	a.count = 3;
	a.first_ns = p.first_ns;
	a.last_ns = p.last_ns;
	a.key = blob_attr_key(&a);
	sip_blob_add_attr(b, &a);
	uint8_t l[16];
	addr_parse(local, l);
	sip_blob_add_local(b, l, LOC_VIA | LOC_CONTACT | LOC_TEMPLATE, 3);
	b->requests = 3;
	sip_blob_encode(b, &p.ext[EXT_SIP]);
	sip_blob_free(b);
	free(b);
	if (store_put_profile(st, &p) < 0)
		check(0, store_error(st));
	profile_free(&p);
}

static void port_day_row(store *st, uint32_t port, int32_t day, uint64_t packets, uint32_t from,
			 uint32_t n)
{
	port_day r;
	r.port = port;
	r.day = day;
	r.packets = packets;
	dset_init(&r.sources);
	for (uint32_t i = 0; i < n; i++)
		dset_add(&r.sources, 0x0a000000u + from + i);
	if (store_put_port_day(st, &r) < 0)
		check(0, store_error(st));
	dset_free(&r.sources);
}

static int print_key(void *ctx, const char *key, uint64_t n)
{
	printf("  %s %s %llu\n", (const char *)ctx, key, (unsigned long long)n);
	return 0;
}

typedef struct pd_sum {
	int rows;
	uint64_t packets[8], sources[8];
} pd_sum;

static int print_row(void *ctx, const port_day *r)
{
	pd_sum *s = ctx;
	printf("  port %u/%u day %d packets %llu sources %llu%s\n", r->port & 0xffff, r->port >> 16,
	       (int)r->day, (unsigned long long)r->packets,
	       (unsigned long long)dset_count(&r->sources),
	       dset_is_estimate(&r->sources) ? " (estimate)" : "");
	if (s->rows < 8) {
		s->packets[s->rows] = r->packets;
		s->sources[s->rows] = dset_count(&r->sources);
	}
	s->rows++;
	return 0;
}

static int print_ip(void *ctx, const profile *p)
{
	char t[46];
	(*(int *)ctx)++;
	printf("  member %s\n", addr_str(p->ip, t));
	return 0;
}

static void write_all(const char *where)
{
	char err[600];
	store *st = store_open(where, STORE_WRITE, err, sizeof err);
	if (!st) {
		fprintf(stderr, "campaign_store_check: %s\n", err);
		exit(1);
	}
	/* first transaction */
	store_begin(st);
	kit_source(st, "10.1.0.1", "kitX", "192.168.1.9");
	kit_source(st, "10.1.0.2", "kitX", "192.168.1.9");
	kit_source(st, "10.1.0.5", "kitY", "192.168.1.9");
	kit_source(st, "10.1.0.6", NULL, "10.0.0.7");
	port_day_row(st, 17u << 16 | 5060, 100, 3, 1, 2);
	port_day_row(st, 6u << 16 | 22, 101, 1, 1, 1);
	port_day_row(st, 17u << 16 | 5060, 102, 70, 0, 70);
	if (store_commit(st) < 0)
		check(0, store_error(st));
	/* second: the same port and day again, overlapping sources */
	store_begin(st);
	kit_source(st, "10.1.0.3", "kitX", "192.168.1.9");
	kit_source(st, "10.1.0.4", "kitX", "192.168.1.9");
	port_day_row(st, 17u << 16 | 5060, 100, 2, 2, 2);
	port_day_row(st, 17u << 16 | 5060, 102, 50, 40, 60);
	if (store_commit(st) < 0)
		check(0, store_error(st));
	store_close(st);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: campaign_store_check LOCATION\n");
		return 2;
	}
	write_all(argv[1]);
	char err[600];
	store *st = store_open(argv[1], STORE_READ, err, sizeof err);
	if (!st) {
		fprintf(stderr, "campaign_store_check: %s\n", err);
		return 1;
	}
	const campaign_kind *k = campaign_kind_for("sip.kit", "sipvicious/svmap/0.3.x#x");
	char kx[CAMPAIGN_ID_MAX];
	key_list keys;
	profile p;
	profile_init(&p); /* the kit key of kitX, as the analyser derives it */
	store_get_profile(st, (const uint8_t[16]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 0, 1},
			  &p);
	profile_keys(&p, &keys);
	profile_free(&p);
	kx[0] = 0;
	for (int i = 0; i < keys.n; i++)
		if (!strcmp(keys.k[i].kind, "campaign") && keys.k[i].key[0] == 'K')
			snprintf(kx, sizeof kx, "%.11s", keys.k[i].key);
	check(k && kx[0] == 'K', "kitX sources have a kit campaign key");
	uint64_t n = 0;
	check(store_count_key(st, "campaign", kx, &n) == 0 && n == 4, "4 sources share kitX");
	printf("key groups of kind campaign:\n");
	check(store_scan_key_groups(st, "campaign", 1, print_key, "group") == 0, "key groups");
	printf("local addresses of kitX's sources:\n");
	check(store_scan_key_cooccur(st, "campaign", kx, "sip.local", print_key, "local") == 0,
	      "co-occurrence: campaign -> sip.local");
	printf("campaigns of the sources that write 192.168.1.9:\n");
	check(store_scan_key_cooccur(st, "sip.local", "192.168.1.9", "campaign", print_key, "with") ==
		  0,
	      "co-occurrence: sip.local -> campaign");
	printf("members of kitX:\n");
	source_query q = {0};
	q.campaign = kx;
	q.order = SQ_ORDER_IP;
	int members = 0;
	check(store_scan_profiles(st, &q, print_ip, &members) == 0 && members == 4,
	      "sources --campaign: the 4 members");
	printf("port days, all:\n");
	pd_sum all = {0};
	port_day_query pq = {0, 1000, 0};
	check(store_scan_port_days(st, &pq, print_row, &all) == 0 && all.rows == 3,
	      "three port-day rows, merged");
	check(all.packets[0] == 1 && all.packets[1] == 5 && all.sources[1] == 3,
	      "22/tcp first; 5060/udp day 100: packets summed, sources a union");
	check(all.packets[2] == 120 && all.sources[2] >= 90 && all.sources[2] <= 110,
	      "5060/udp day 102: 120 packets, ~100 sources (estimated past 64)");
	printf("port days, 5060/udp, days 100-101:\n");
	pd_sum one = {0};
	port_day_query pq1 = {100, 101, 17u << 16 | 5060};
	check(store_scan_port_days(st, &pq1, print_row, &one) == 0 && one.rows == 1,
	      "one port, some days");
	int32_t first, last;
	check(store_port_day_span(st, &first, &last) == 1 && first == 100 && last == 102,
	      "span: days 100 to 102");
	printf("span %d %d\n", (int)first, (int)last);
	store_close(st);
	return fails ? 1 : 0;
}
