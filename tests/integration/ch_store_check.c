/* The store operations of the ClickHouse store that the CLI does not reach
 * directly (keys of merged profiles; captures; rollback; samples' cap;
 * every field of a sensor message), against a real server, through
 * the store interface. Built and run by test_clickhouse.sh:
 *   ch_store_check clickhouse://.../db
 * Prints one line per check; exit status 1 if any failed.
 *   ch_store_check copy FROM TO
 * copies a store (profiles, samples, captures, sensor messages; messages
 * in batches of 7) through the interface: test_clickhouse_honeypot.sh
 * copies a honeypot's SQLite store into ClickHouse and compares what the
 * two answer, byte for byte. */
#include "store/clickhouse.h"

#include "decode/decode.h"
#include "sip/blob.h"

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

static void make(profile *p, const char *ip, uint64_t packets, const char *sensor)
{
	profile_init(p);
	addr_parse(ip, p->ip);
	p->first_ns = 1000;
	p->last_ns = 2000;
	p->packets = packets;
	p->bytes = packets * 60;
	p->pkts_udp = packets;
	dset_add(&p->targets, 7);
	dset_add(&p->dports, 17u << 16 | 5060);
	profile_add_sensor(p, sensor);
}

/* A source; with SIP, its blob names the local addresses it wrote
 * (comma-separated) and, with ua, a svmap whose User-Agent was changed: the
 * SIP analyser's keys come from that (sip.local, sip.kit, campaign). */
static void put_sip(store *st, const char *ip, uint64_t packets, const char *sensor,
		    const char *locals, const char *ua)
{
	profile p;
	make(&p, ip, packets, sensor);
	if (locals) {
		sip_blob *b = calloc(1, sizeof *b);
		sip_blob_init(b);
		if (ua) {
			blob_attr a;
			memset(&a, 0, sizeof a);
			snprintf(a.tmpl, sizeof a.tmpl, "sipvicious/svmap/0.3.x");
			snprintf(a.tool, sizeof a.tool, "sipvicious");
			snprintf(a.component, sizeof a.component, "svmap");
			snprintf(a.version, sizeof a.version, "0.3.x");
			a.nchange = 1;
			snprintf(a.change[0].field, sizeof a.change[0].field, "User-Agent");
			snprintf(a.change[0].expected, sizeof a.change[0].expected,
				 "friendly-scanner");
			snprintf(a.change[0].seen, sizeof a.change[0].seen, "%s", ua);
			a.count = 1;
			a.first_ns = p.first_ns;
			a.last_ns = p.last_ns;
			a.key = blob_attr_key(&a);
			sip_blob_add_attr(b, &a);
		}
		char list[128];
		snprintf(list, sizeof list, "%s", locals);
		for (char *save, *t = strtok_r(list, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			uint8_t l[16];
			addr_parse(t, l);
			sip_blob_add_local(b, l, LOC_VIA | LOC_CONTACT, 1);
		}
		b->requests = 1;
		sip_blob_encode(b, &p.ext[EXT_SIP]);
		sip_blob_free(b);
		free(b);
	}
	if (store_put_profile(st, &p) < 0)
		check(0, store_error(st));
	profile_free(&p);
}

static void put(store *st, const char *ip, uint64_t packets, const char *sensor)
{
	put_sip(st, ip, packets, sensor, NULL, NULL);
}

static void sample(store *st, const char *ip, uint64_t key, int64_t ts, const char *data)
{
	payload_sample m;
	memset(&m, 0, sizeof m);
	uint8_t a[16];
	addr_parse(ip, a);
	m.key = key;
	m.ts_ns = ts;
	m.count = 1;
	m.proto = 17;
	m.sport = 5060;
	m.dport = 5060;
	m.data = (uint8_t *)data;
	m.len = (uint16_t)strlen(data);
	m.wire_len = m.len;
	if (store_put_sample(st, a, &m) < 0)
		check(0, store_error(st));
}

static void write_batches(store *st)
{
	store_begin(st);
	put_sip(st, "198.51.100.1", 10, "a", "192.168.1.9", "kitX");
	sample(st, "198.51.100.1", 5, 300, "OPTIONS sip:100@x SIP/2.0");
	sample(st, "198.51.100.1", 6, 100, "REGISTER sip:x SIP/2.0");
	put_sip(st, "198.51.100.2", 30, "a", "192.168.1.9,10.0.0.1", NULL);
	put(st, "2001:db8::1", 5, "a");
	capture_rec c;
	memset(&c, 0, sizeof c);
	snprintf(c.path, sizeof c.path, "first.pcap");
	snprintf(c.sensor, sizeof c.sensor, "a");
	snprintf(c.status, sizeof c.status, "complete");
	c.content_hash = 0x1234;
	c.head_hash = 0x99;
	c.raw_size = 4096;
	c.packets = 45;
	store_add_capture(st, &c);
	check(store_commit(st) == 0, "first batch committed");
	/* a second batch: the same source again, from another sensor */
	store_begin(st);
	put_sip(st, "198.51.100.1", 1, "b", "192.168.1.9", NULL);
	sample(st, "198.51.100.1", 7, 50, "INVITE sip:x SIP/2.0");
	sample(st, "198.51.100.1", 8, 40, "BYE sip:x SIP/2.0");
	sample(st, "198.51.100.1", 5, 10, "OPTIONS again");
	check(store_commit(st) == 0, "second batch committed");
	/* rolled back: never seen */
	store_begin(st);
	put_sip(st, "203.0.113.9", 1000, "c", "192.168.1.9", "kitX");
	check(store_rollback(st) == 0, "third batch rolled back");
}

/* Writes outside a transaction are kept, as SQLite's autocommit keeps them. */
static void write_unbegun(const char *url)
{
	char err[600];
	store *st = store_open(url, STORE_WRITE, err, sizeof err);
	if (!st) {
		check(0, err);
		return;
	}
	put(st, "192.0.2.77", 2, "c");
	store_close(st);
	st = store_open(url, STORE_READ, err, sizeof err);
	profile p;
	profile_init(&p);
	uint8_t a[16];
	addr_parse("192.0.2.77", a);
	check(st && store_get_profile(st, a, &p) == 1 && p.packets == 2,
	      "a write outside a transaction is kept");
	profile_free(&p);
	store_close(st);
}

typedef struct seen {
	int n;
	char key[8][64];
	uint64_t count[8];
	char ip[8][46];
	uint64_t packets[8];
	char data[8][64];
	int64_t ts[8];
	uint32_t scount[8];
} seen;

static int on_key(void *ctx, const char *key, uint64_t n)
{
	seen *s = ctx;
	if (s->n < 8) {
		snprintf(s->key[s->n], 64, "%s", key);
		s->count[s->n++] = n;
	}
	return 0;
}

static int on_profile(void *ctx, const profile *p)
{
	seen *s = ctx;
	if (s->n < 8) {
		addr_str(p->ip, s->ip[s->n]);
		s->packets[s->n++] = p->packets;
	}
	return 0;
}

static int on_sample(void *ctx, const payload_sample *m)
{
	seen *s = ctx;
	if (s->n < 8) {
		snprintf(s->data[s->n], 64, "%.*s", (int)m->len, (const char *)m->data);
		s->ts[s->n] = m->ts_ns;
		s->scount[s->n++] = m->count;
	}
	return 0;
}

static int on_capture(void *ctx, const capture_rec *c)
{
	seen *s = ctx;
	if (s->n < 8)
		snprintf(s->data[s->n++], 64, "%.60s", c->path);
	return 0;
}

static void check_keys(store *st)
{
	uint64_t n = 99;
	check(store_count_key(st, "sip.local", "192.168.1.9", &n) == 0 && n == 2,
	      "count_key: 2 sources share 192.168.1.9 (counted once each, rollback left out)");
	check(store_count_key(st, "sip.local", "10.0.0.1", &n) == 0 && n == 1, "count_key: 1");
	check(store_count_key(st, "sip.local", "nothing", &n) == 0 && n == 0, "count_key: 0");
	check(store_count_key(st, "other", "192.168.1.9", &n) == 0 && n == 0, "count_key: kind");
	seen g = {0};
	store_scan_key_groups(st, "sip.local", 1, on_key, &g);
	check(g.n == 2 && !strcmp(g.key[0], "192.168.1.9") && g.count[0] == 2 &&
		  !strcmp(g.key[1], "10.0.0.1") && g.count[1] == 1,
	      "scan_key_groups: most shared first");
	seen g2 = {0};
	store_scan_key_groups(st, "sip.local", 2, on_key, &g2);
	check(g2.n == 1, "scan_key_groups: min_sources");
	seen m = {0};
	store_scan_key_members(st, "sip.local", "192.168.1.9", on_profile, &m);
	check(m.n == 2 && !strcmp(m.ip[0], "198.51.100.1") && m.packets[0] == 11 &&
		  !strcmp(m.ip[1], "198.51.100.2") && m.packets[1] == 30,
	      "scan_key_members: merged profiles in address order");
	/* the kit's campaign, as the keys of its source's merged profile name it */
	profile p;
	profile_init(&p);
	uint8_t a[16];
	addr_parse("198.51.100.1", a);
	key_list keys;
	keys.n = 0;
	if (store_get_profile(st, a, &p) == 1)
		profile_keys(&p, &keys);
	profile_free(&p);
	char id[16] = "";
	for (int i = 0; i < keys.n; i++)
		if (!strcmp(keys.k[i].kind, "campaign") && keys.k[i].key[0] == 'K')
			snprintf(id, sizeof id, "%.12s", keys.k[i].key);
	seen c = {0};
	source_query q = {0};
	q.campaign = id;
	store_scan_profiles(st, &q, on_profile, &c);
	check(id[0] && c.n == 1 && !strcmp(c.ip[0], "198.51.100.1"),
	      "sources --campaign: the kit's one source (its other was rolled back)");
}

static void check_reads(store *st)
{
	uint64_t n = 0;
	check(store_count_sources(st, &n) == 0 && n == 3, "count_sources: 3");
	profile p;
	profile_init(&p);
	uint8_t a[16];
	addr_parse("198.51.100.1", a);
	check(store_get_profile(st, a, &p) == 1 && p.packets == 11 && p.n_sensors == 2 &&
		  !strcmp(p.sensors[0], "a") && !strcmp(p.sensors[1], "b"),
	      "get_profile merges the two batches");
	profile_free(&p);
	profile_init(&p);
	addr_parse("203.0.113.9", a);
	check(store_get_profile(st, a, &p) == 0, "get_profile: a rolled-back source is not there");
	profile_free(&p);
	seen s = {0};
	addr_parse("198.51.100.1", a);
	store_scan_samples(st, a, on_sample, &s);
	/* the first three keys written (5, 6, 7), by time; key 5 from both batches */
	check(s.n == 3 && !strcmp(s.data[0], "OPTIONS sip:100@x SIP/2.0") && s.ts[0] == 10 &&
		  s.scount[0] == 2 && !strcmp(s.data[1], "INVITE sip:x SIP/2.0") &&
		  !strcmp(s.data[2], "REGISTER sip:x SIP/2.0"),
	      "scan_samples: first three keys, first copy's bytes, earliest time, counts summed");
	seen c = {0};
	store_scan_captures(st, on_capture, &c);
	check(c.n == 1 && !strcmp(c.data[0], "first.pcap"), "scan_captures");
}

/* --- sensor messages ------------------------------------------------------------------ */

static void message(store *st, const char *src, uint16_t sport, int64_t ts, const char *data,
		    size_t len, const char *reply, uint16_t status, const char *action)
{
	sensor_msg m;
	memset(&m, 0, sizeof m);
	addr_parse(src, m.src);
	addr_parse("192.0.2.10", m.dst);
	m.ts_ns = ts;
	m.sensor = "hp-check";
	m.sport = sport;
	m.dport = 5060;
	m.proto = sport == 5061 ? 6 : 17;
	m.data = (const uint8_t *)data;
	m.len = (uint32_t)len;
	m.wire_len = (uint32_t)len + (status == 0);
	m.reply = (const uint8_t *)reply;
	m.reply_len = reply ? (uint32_t)strlen(reply) : 0;
	m.status = status;
	m.action = action;
	m.note = status == 401 ? "user=100 exists=1 auth=challenged" : "";
	if (store_put_message(st, &m) < 0)
		check(0, store_error(st));
}

/* Batch 1, then batch 2 (in which a source comes back), then a rolled-back
 * batch: messages are read in the order they were put, across batches,
 * with every field as it was given (bytes with NULs and high bits). */
static void write_messages(const char *url)
{
	char err[600];
	store *st = store_open(url, STORE_WRITE, err, sizeof err);
	if (!st) {
		check(0, err);
		return;
	}
	store_begin(st);
	message(st, "198.51.100.7", 5060, 300, "OPTIONS sip:100@x SIP/2.0\r\n\r\n", 29,
		"SIP/2.0 200 OK\r\n\r\n", 200, "replied");
	message(st, "2001:db8::7", 5062, 100, "\0\x01\xff not SIP", 11, NULL, 0, "not-sip");
	message(st, "198.51.100.7", 5061, 200, "REGISTER sip:x SIP/2.0", 22, NULL, 401,
		"rate-limited-source");
	check(store_commit(st) == 0, "messages: first batch committed");
	store_begin(st);
	message(st, "198.51.100.7", 5060, 50, "INVITE sip:x SIP/2.0", 20, "SIP/2.0 401 x", 401,
		"replied");
	check(store_commit(st) == 0, "messages: second batch committed");
	store_begin(st);
	message(st, "198.51.100.7", 5060, 10, "BYE sip:x SIP/2.0", 17, NULL, 0, "no-reply");
	check(store_rollback(st) == 0, "messages: third batch rolled back");
	store_close(st);
}

typedef struct msgs {
	int n;
	char text[8][128];
} msgs;

static int on_message(void *ctx, const sensor_msg *m)
{
	msgs *k = ctx;
	char src[46], dst[46], hex[64] = "";
	for (uint32_t i = 0; i < m->len && i < 3; i++)
		snprintf(hex + 2 * i, 3, "%02x", m->data[i]);
	if (k->n < 8)
		snprintf(k->text[k->n], sizeof k->text[0],
			 "%lld %s %s:%u>%s:%u/%u %u/%u %s %.*s|%u %s|%s", (long long)m->ts_ns,
			 m->sensor, addr_str(m->src, src), m->sport, addr_str(m->dst, dst),
			 m->dport, m->proto, m->len, m->wire_len, hex, (int)m->reply_len,
			 m->reply_len ? (const char *)m->reply : "", m->status, m->action, m->note);
	k->n++;
	return 0;
}

static void check_messages(store *st)
{
	static const char *const want[] = {
	    "300 hp-check 198.51.100.7:5060>192.0.2.10:5060/17 29/29 4f5054 SIP/2.0 200 "
	    "OK\r\n\r\n|200 replied|",
	    "100 hp-check 2001:db8::7:5062>192.0.2.10:5060/17 11/12 0001ff |0 not-sip|",
	    "200 hp-check 198.51.100.7:5061>192.0.2.10:5060/6 22/22 524547 |401 "
	    "rate-limited-source|user=100 exists=1 auth=challenged",
	    "50 hp-check 198.51.100.7:5060>192.0.2.10:5060/17 20/20 494e56 SIP/2.0 401 x|401 "
	    "replied|user=100 exists=1 auth=challenged",
	};
	msgs all = {0};
	check(store_scan_messages(st, NULL, on_message, &all) == 0 && all.n == 4,
	      "scan_messages: every message of the committed batches");
	for (int i = 0; i < 4 && i < all.n; i++) {
		char what[64];
		snprintf(what, sizeof what, "scan_messages: message %d, every field as put", i + 1);
		check(!strcmp(all.text[i], want[i]), what);
		if (strcmp(all.text[i], want[i]))
			printf("  got: %s\n  not: %s\n", all.text[i], want[i]);
	}
	msgs one = {0};
	uint8_t a[16];
	addr_parse("198.51.100.7", a);
	check(store_scan_messages(st, a, on_message, &one) == 0 && one.n == 3 &&
		  !strcmp(one.text[0], want[0]) && !strcmp(one.text[1], want[2]) &&
		  !strcmp(one.text[2], want[3]),
	      "scan_messages: one source's, in arrival order");
	msgs none = {0};
	addr_parse("203.0.113.1", a);
	check(store_scan_messages(st, a, on_message, &none) == 0 && none.n == 0,
	      "scan_messages: a source without messages");
}

/* --- copying a store ------------------------------------------------------------------- */

typedef struct copy_ctx {
	store *from, *to;
	uint64_t profiles, samples, captures, messages;
	int failed;
} copy_ctx;

static uint8_t copy_ip[16];
static int put_sample_cb(void *ctx, const payload_sample *m)
{
	copy_ctx *k = ctx;
	if (store_put_sample(k->to, copy_ip, m) < 0)
		k->failed = 1;
	k->samples++;
	return k->failed;
}

static int copy_profile(void *ctx, const profile *p)
{
	copy_ctx *k = ctx;
	if (store_put_profile(k->to, p) < 0)
		k->failed = 1;
	memcpy(copy_ip, p->ip, 16);
	if (store_scan_samples(k->from, p->ip, put_sample_cb, k) < 0)
		k->failed = 1;
	k->profiles++;
	return k->failed;
}

static int copy_capture(void *ctx, const capture_rec *c)
{
	copy_ctx *k = ctx;
	if (store_add_capture(k->to, c) < 0)
		k->failed = 1;
	k->captures++;
	return k->failed;
}

static int copy_message(void *ctx, const sensor_msg *m)
{
	copy_ctx *k = ctx;
	if (k->messages && k->messages % 7 == 0 &&
	    (store_commit(k->to) < 0 || store_begin(k->to) < 0))
		k->failed = 1;
	if (store_put_message(k->to, m) < 0)
		k->failed = 1;
	k->messages++;
	return k->failed;
}

static int copy_store(const char *from, const char *to)
{
	char err[600];
	copy_ctx k = {0};
	k.from = store_open(from, STORE_READ, err, sizeof err);
	if (k.from)
		k.to = store_open(to, STORE_WRITE, err, sizeof err);
	if (!k.from || !k.to) {
		fprintf(stderr, "ch_store_check: %s\n", err);
		return 1;
	}
	source_query q = {0};
	q.order = SQ_ORDER_IP;
	int rc = store_begin(k.to) < 0 || store_scan_profiles(k.from, &q, copy_profile, &k) < 0 ||
		 store_scan_captures(k.from, copy_capture, &k) < 0 || store_commit(k.to) < 0 ||
		 store_begin(k.to) < 0 || store_scan_messages(k.from, NULL, copy_message, &k) < 0 ||
		 store_commit(k.to) < 0 || k.failed;
	if (rc)
		fprintf(stderr, "ch_store_check: copy failed: %s / %s\n", store_error(k.from),
			store_error(k.to));
	else
		printf("copied %llu profiles, %llu samples, %llu captures, %llu messages\n",
		       (unsigned long long)k.profiles, (unsigned long long)k.samples,
		       (unsigned long long)k.captures, (unsigned long long)k.messages);
	store_close(k.from);
	store_close(k.to);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "copy"))
		return copy_store(argv[2], argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: ch_store_check clickhouse://...\n");
		return 2;
	}
	char err[600];
	store *st = store_open(argv[1], STORE_WRITE, err, sizeof err);
	if (!st) {
		fprintf(stderr, "ch_store_check: %s\n", err);
		return 1;
	}
	write_batches(st);
	store_close(st);
	st = store_open(argv[1], STORE_WRITE, err, sizeof err);
	capture_rec c;
	check(st && store_find_capture(st, 0, -1, 0x1234, &c) == 1 && !strcmp(c.path, "first.pcap"),
	      "find_capture by content");
	check(st && store_find_capture(st, 0x99, 4096, 0, &c) == 1,
	      "find_capture by head and size");
	check(st && store_find_capture(st, 0x99, 4097, 0, &c) == 0, "find_capture: other size");
	check(st && store_find_capture(st, 0, -1, 0x4321, &c) == 0, "find_capture: unknown");
	store_close(st);
	st = store_open(argv[1], STORE_READ, err, sizeof err);
	if (!st) {
		fprintf(stderr, "ch_store_check: %s\n", err);
		return 1;
	}
	check_keys(st);
	check_reads(st);
	store_close(st);
	write_unbegun(argv[1]);
	write_messages(argv[1]);
	st = store_open(argv[1], STORE_READ, err, sizeof err);
	if (!st) {
		fprintf(stderr, "ch_store_check: %s\n", err);
		return 1;
	}
	check_messages(st);
	store_close(st);
	return fails ? 1 : 0;
}
