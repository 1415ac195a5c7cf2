/* What the SIP blob says about a source, as facts (analysis.h): the tools
 * with their changes and evidence, the host behind them (local addresses
 * and what they mean, concurrent processes, stages), and the counts. */
#include "sip/analysis.h"

#include "decode/decode.h"
#include "sip/blob.h"
#include "store/store.h"
#include "util/hash.h"
#include "util/json.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A private address sent by this many sources is a kit's constant. */
#define KIT_CONSTANT_SOURCES 5

/* The SIPVicious stages, in the order an attack runs them (blob stage[]). */
static const char *const stage_names[BLOB_STAGES] = {"svmap", "svwar", "svcrack"};
static const char *const stage_what[BLOB_STAGES] = {"finding SIP devices", "finding extensions",
						    "guessing passwords"};

static sip_blob *blob_of(const profile *p)
{
	const buf *e = &p->ext[EXT_SIP];
	if (!e->len)
		return NULL;
	sip_blob *b = malloc(sizeof *b);
	if (!b)
		return NULL;
	sip_blob_init(b);
	if (sip_blob_decode(b, e->p, e->len) < 0) {
		sip_blob_free(b);
		free(b);
		return NULL;
	}
	return b;
}

static void blob_done(sip_blob *b)
{
	if (b) {
		sip_blob_free(b);
		free(b);
	}
}

/* The store asks profile_tools and then profile_keys of each profile it
 * writes: both read the blob. Decoding is a function of the bytes, so the
 * last blob decoded on this thread is kept with its bytes and the same
 * bytes are decoded once. Only for those two, which call nothing that
 * could come back here while they use it. */
typedef struct blob_cache {
	uint8_t *bytes;
	size_t len, cap;
	int ok; /* the bytes decoded */
	sip_blob b;
} blob_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *v)
{
	blob_cache *c = v;
	if (c) {
		sip_blob_free(&c->b);
		free(c->bytes);
		free(c);
	}
}

static void cache_init(void)
{
	if (pthread_key_create(&cache_key, cache_free) != 0)
		abort(); /* no keys left: a process this small never gets there */
}

static const sip_blob *blob_cached(const profile *p)
{
	const buf *e = &p->ext[EXT_SIP];
	if (!e->len)
		return NULL;
	pthread_once(&cache_once, cache_init);
	blob_cache *c = pthread_getspecific(cache_key);
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c || pthread_setspecific(cache_key, c) != 0) {
			free(c);
			return NULL;
		}
		sip_blob_init(&c->b);
	}
	if (c->bytes && c->len == e->len && !memcmp(c->bytes, e->p, e->len))
		return c->ok ? &c->b : NULL;
	if (c->cap < e->len) {
		uint8_t *nb = realloc(c->bytes, e->len);
		if (!nb)
			return NULL;
		c->bytes = nb;
		c->cap = e->len;
	}
	sip_blob_free(&c->b);
	sip_blob_init(&c->b);
	c->ok = sip_blob_decode(&c->b, e->p, e->len) >= 0;
	memcpy(c->bytes, e->p, e->len);
	c->len = e->len;
	return c->ok ? &c->b : NULL;
}

static int has_agent_tool(const sip_blob *b, const char *tool)
{
	for (int i = 0; i < b->nagent; i++)
		if (!strcmp(b->agent[i].tool, tool))
			return 1;
	return 0;
}

int sip_blob_unknown_scanner(const sip_blob *b)
{
	if (!b->nunknown && !has_agent_tool(b, "unknown-sip-scanner"))
		return 0;
	if (b->responses || b->dialog)
		return 0;
	return has_agent_tool(b, "unknown-sip-scanner") || dset_count(&b->targets) >= 2 ||
	       dset_count(&b->users) >= 3 || dset_count(&b->auth_resp) >= 3;
}

/* ---- keys and tools --------------------------------------------------------- */

/* "template" for the stock tool, "template#hash" of what was changed. */
void sip_kit_key(const blob_attr *a, char *out, size_t n)
{
	uint64_t h = 0;
	int changed = 0;
	for (int i = 0; i < a->nchange; i++) {
		h = hash_bytes(a->change[i].field, strlen(a->change[i].field), h);
		h = hash_bytes(a->change[i].seen, strlen(a->change[i].seen), h);
		changed = 1;
	}
	if (changed)
		snprintf(out, n, "%s#%012" PRIx64, a->tmpl, (uint64_t)(h & 0xffffffffffffULL));
	else
		snprintf(out, n, "%s", a->tmpl);
}

static void unknown_key(const blob_shape *s, char *out, size_t n)
{
	snprintf(out, n, "unknown#%016" PRIx64, s->hash);
}

static void put_tool(buf *out, const char *tool)
{
	char k[48];
	snprintf(k, sizeof k, ",%s,", tool);
	if (out->len && memmem(out->p, out->len, k, strlen(k)))
		return;
	buf_puts(out, tool);
	buf_putc(out, ',');
}

void sip_profile_tools(const profile *p, buf *out)
{
	const sip_blob *b = blob_cached(p);
	if (!b)
		return;
	for (int i = 0; i < b->nattr; i++)
		put_tool(out, b->attr[i].tool);
	for (int i = 0; i < b->nagent; i++)
		if (strcmp(b->agent[i].tool, "unknown-sip-scanner"))
			put_tool(out, b->agent[i].tool);
	if (sip_blob_unknown_scanner(b))
		put_tool(out, "unknown-sip-scanner");
}

void sip_profile_keys(const profile *p, key_list *out)
{
	const sip_blob *b = blob_cached(p);
	if (!b)
		return;
	char k[KEY_TEXT_MAX];
	for (int i = 0; i < b->nlocal; i++)
		key_list_add(out, "sip.local", addr_str(b->local[i].ip, k));
	for (int i = 0; i < b->nattr; i++) {
		sip_kit_key(&b->attr[i], k, sizeof k);
		key_list_add(out, "sip.kit", k);
	}
	if (sip_blob_unknown_scanner(b))
		for (int i = 0; i < b->nunknown; i++) {
			unknown_key(&b->unknown[i], k, sizeof k);
			key_list_add(out, "sip.kit", k);
		}
}

static uint64_t sources_with(const describe_ctx *ctx, const char *kind, const char *key)
{
	uint64_t n = 0;
	if (!ctx || !ctx->st || store_count_key(ctx->st, kind, key, &n) < 0)
		return 0;
	return n;
}

/* ---- tools ------------------------------------------------------------------- */

static void tool_name(const blob_attr *a, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s%s%s", a->tool, a->component[0] ? " " : "", a->component,
		 a->version[0] ? " " : "", a->version);
}

/* "OPTIONS Via,From,..." -> evidence about the layout. */
static void order_evidence(fact_tool *t, const blob_attr *a, uint64_t count)
{
	char name[96], method[24] = "";
	tool_name(a, name, sizeof name);
	const char *sp = strchr(a->order, ' ');
	snprintf(method, sizeof method, "%.*s", sp ? (int)(sp - a->order) : 0, a->order);
	fact_tool_evidence(t, "%" PRIu64 " %s request%s with the header order and layout of %s: %s",
			   count, method, count == 1 ? "" : "s", name, sp ? sp + 1 : a->order);
}

static void add_changes(fact_tool *t, const blob_attr *a)
{
	for (int i = 0; i < a->nchange; i++) {
		const sip_change *c = &a->change[i];
		int dup = 0;
		for (int j = 0; j < t->nchanges; j++)
			dup |= !strcmp(t->changes[j].field, c->field) &&
			       !strcmp(t->changes[j].seen, c->seen);
		if (!dup)
			fact_tool_change(t, c->field, c->expected, c->seen);
	}
}

static void leak_evidence(fact_tool *t, const blob_attr *a, const sip_blob *b)
{
	char ip[46], dst[46];
	if (!strcmp(a->component, "svmap") && b->tags_decoded) {
		fact_tool_evidence(t,
				   "%" PRIu64 " From tag%s to the address svmap was scanning "
				   "(hex of target address and port, 0x01, a random number)",
				   b->tags_decoded, b->tags_decoded == 1 ? " decodes" : "s decode");
		for (int i = 0; i < b->ntag; i++) {
			uint8_t a16[16], d16[16];
			addr_from_v4(a16, b->tag[i].target);
			addr_from_v4(d16, b->tag[i].dst);
			fact_tool_evidence(t, "a tag names %s:%u but the packet went to %s:%u",
					   addr_str(a16, ip), b->tag[i].port, addr_str(d16, dst),
					   b->tag[i].dport);
		}
	}
	if (!strcmp(a->component, "svwar") && dset_count(&b->exts))
		fact_tool_evidence(t,
				   "%" PRIu64 " extensions tried (From tags and users name them)",
				   dset_count(&b->exts));
	if (!strcmp(a->component, "svcrack") && dset_count(&b->passwords))
		fact_tool_evidence(t,
				   "%" PRIu64 " passwords tried: the From tag of each authorised "
				   "REGISTER is hex of user:password",
				   dset_count(&b->passwords));
}

static void attr_evidence(fact_tool *t, const blob_attr *a, const sip_blob *b)
{
	order_evidence(t, a, a->count);
	if (a->kit[0] && a->release)
		fact_tool_evidence(t, "%s", a->kit_note[0] ? a->kit_note : a->kit);
	else if (a->kit[0])
		fact_tool_evidence(t, "the %s kit seen in the wild (%u of its %u marks): %s",
				   a->kit, a->kit_marks, a->kit_total, a->kit_note);
	for (int i = 0; i < a->ndev; i++)
		fact_tool_evidence(t, "layout: %s", a->dev[i]);
	leak_evidence(t, a, b);
	if (a->note[0])
		fact_tool_evidence(t, "%s", a->note);
}

/* Attributions of one tool/component/version become one entry, in the
 * order they were first seen. */
static int by_first(const void *x, const void *y)
{
	const blob_attr *a = *(const blob_attr *const *)x, *b = *(const blob_attr *const *)y;
	if (a->first_ns != b->first_ns)
		return a->first_ns < b->first_ns ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

static fact_tool *tool_entry(facts *f, const blob_attr *a)
{
	for (int i = 0; i < f->ntools; i++) {
		fact_tool *t = &f->tools[i];
		if (!strcmp(t->tool, a->tool) && !strcmp(t->component, a->component) &&
		    !strcmp(t->version, a->version))
			return t;
	}
	if (f->ntools == FACT_TOOLS)
		return NULL;
	fact_tool *t = &f->tools[f->ntools++];
	memset(t, 0, sizeof *t);
	snprintf(t->tool, sizeof t->tool, "%s", a->tool);
	snprintf(t->component, sizeof t->component, "%s", a->component);
	snprintf(t->version, sizeof t->version, "%.15s", a->version);
	return t;
}

static void describe_attrs(const sip_blob *b, facts *f)
{
	const blob_attr *order[BLOB_ATTRS];
	for (int i = 0; i < b->nattr; i++)
		order[i] = &b->attr[i];
	qsort(order, b->nattr, sizeof order[0], by_first);
	for (int i = 0; i < b->nattr; i++) {
		const blob_attr *a = order[i];
		fact_tool *t = tool_entry(f, a);
		if (!t)
			break;
		add_changes(t, a);
		double c = a->confidence / 1000.0;
		if (c > t->confidence)
			t->confidence = c;
		attr_evidence(t, a, b);
	}
}

static void describe_agents(const sip_blob *b, facts *f)
{
	for (int i = 0; i < b->nagent; i++) {
		const blob_agent *g = &b->agent[i];
		if (!strcmp(g->tool, "unknown-sip-scanner"))
			continue;
		int known = 0;
		for (int j = 0; j < f->ntools; j++)
			known |= !strcmp(f->tools[j].tool, g->tool);
		fact_tool *t = known ? NULL : facts_add_tool(f, g->tool);
		if (!t)
			continue;
		if (t->confidence < 0.6)
			t->confidence = 0.6;
		fact_tool_evidence(t,
				   "%" PRIu64 " request%s whose %s contains \"%s\", a mark of %s; "
				   "their layout matches no known template (a reworked copy?)",
				   g->count, g->count == 1 ? "" : "s", g->header, g->needle,
				   g->tool);
	}
}

static void describe_unknown(const sip_blob *b, facts *f, const describe_ctx *ctx)
{
	if (!sip_blob_unknown_scanner(b))
		return;
	fact_tool *t = facts_add_tool(f, "unknown-sip-scanner");
	t->confidence = 0.7;
	fact_tool_evidence(t, "SIP requests only: no responses and no dialogs (no ACK, BYE, "
			      "CANCEL or To tag)");
	if (dset_count(&b->targets) >= 2)
		fact_tool_evidence(t, "requests to %" PRIu64 " different addresses",
				   dset_count(&b->targets));
	if (dset_count(&b->users) >= 3)
		fact_tool_evidence(t, "%" PRIu64 " different users asked for (enumeration)",
				   dset_count(&b->users));
	if (dset_count(&b->auth_resp) >= 3)
		fact_tool_evidence(t, "%" PRIu64 " different digest responses (password guessing)",
				   dset_count(&b->auth_resp));
	for (int i = 0; i < b->nagent; i++)
		if (!strcmp(b->agent[i].tool, "unknown-sip-scanner"))
			fact_tool_evidence(t, "%s contains \"%s\", on scanner block lists",
					   b->agent[i].header, b->agent[i].needle);
	for (int i = 0; i < b->nunknown; i++) {
		char k[KEY_TEXT_MAX];
		unknown_key(&b->unknown[i], k, sizeof k);
		uint64_t n = sources_with(ctx, "sip.kit", k);
		fact_tool_evidence(t, "shape %s (%" PRIu64 " request%s): %s", k + 8,
				   b->unknown[i].count, b->unknown[i].count == 1 ? "" : "s",
				   b->unknown[i].summary);
		if (n > 1)
			fact_tool_evidence(t,
					   "the same shape comes from %" PRIu64
					   " sources in this store: one kit",
					   n);
	}
}

/* ---- host --------------------------------------------------------------------- */

static int is_loopback(const uint8_t ip[16])
{
	static const uint8_t v6lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	return (addr_is_v4(ip) && ip[12] == 127) || !memcmp(ip, v6lo, 16);
}

static int is_private(const uint8_t ip[16])
{
	if (addr_is_v4(ip)) {
		const uint8_t *a = ip + 12;
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
		       (a[0] == 169 && a[1] == 254);
	}
	return (ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80);
}

/* What a local address means, as a sentence; returns its store count. */
static uint64_t local_meaning(const profile *p, const blob_local *l, const sip_blob *b,
			      const describe_ctx *ctx, char *out, size_t n)
{
	char ip[46];
	addr_str(l->ip, ip);
	uint64_t shared = sources_with(ctx, "sip.local", ip);
	int sv = 0;
	for (int i = 0; i < b->nattr; i++)
		sv |= !strcmp(b->attr[i].tool, "sipvicious");
	if (!memcmp(l->ip, p->ip, 16))
		snprintf(out, n, "%s is the source's own address: no NAT in front of the scanner",
			 ip);
	else if (is_loopback(l->ip))
		snprintf(out, n,
			 "%s: the scanner could not learn its own address (its host name did not "
			 "resolve)%s",
			 ip, sv ? "; SIPVicious then falls back to 127.0.0.1" : "");
	else if (is_private(l->ip) && shared >= KIT_CONSTANT_SOURCES)
		snprintf(out, n,
			 "%s: private, and written by %" PRIu64
			 " sources in this store: a constant "
			 "hard-coded in the kit, not a NAT",
			 ip, shared);
	else if (is_private(l->ip) && (l->where & LOC_FROM))
		snprintf(out, n,
			 "%s: private, and it also stands where the tool writes 1.1.1.1 (From/To): "
			 "most likely hard-coded in the kit (%" PRIu64 " source%s so far)",
			 ip, shared ? shared : 1, shared > 1 ? "s" : "");
	else if (is_private(l->ip))
		snprintf(out, n, "%s: private: the scanner sits behind a NAT%s", ip,
			 shared > 1 ? " (or the address is a kit constant: more sources write it)"
				    : "");
	else
		snprintf(out, n,
			 "%s: a public address other than the source: a NAT with a public inside "
			 "address, a multi-homed host, or traffic leaving through a proxy",
			 ip);
	return shared;
}

static int highest_bit(uint64_t v)
{
	int k = -1;
	while (v) {
		k++;
		v >>= 1;
	}
	return k;
}

static void describe_processes(const sip_blob *b, facts *f)
{
	if (!b->localports)
		return;
	int k = highest_bit(b->localports);
	int n = k + 1 > b->concurrent ? k + 1 : b->concurrent;
	f->processes = n;
	char ports[160] = "";
	size_t o = 0;
	for (int i = 0; i < 64 && o + 8 < sizeof ports; i++)
		if (b->localports & ((uint64_t)1 << i))
			o += (size_t)snprintf(ports + o, sizeof ports - o, "%s%u", o ? ", " : "",
					      b->port_base + i);
	if (n > 1)
		facts_note(f,
			   "At least %d copies ran on this host: its requests name local ports %s "
			   "(SIPVicious binds %u and counts up while a port is taken)%s.",
			   n, ports, b->port_base,
			   b->concurrent > 1 ? "; several were busy within the same minute" : "");
	else
		facts_note(f, "One copy running: local port %s (SIPVicious binds %u first).", ports,
			   b->port_base);
}

static void describe_stages(const sip_blob *b, facts *f)
{
	int n = 0;
	for (int i = 0; i < BLOB_STAGES; i++)
		n += b->stage[i].count > 0;
	if (!n)
		return;
	buf line;
	buf_init(&line);
	buf_puts(&line, n > 1 ? "Stages: " : "Stage: ");
	int64_t prev_last = 0;
	for (int i = 0, k = 0; i < BLOB_STAGES; i++) {
		const blob_stage *s = &b->stage[i];
		if (!s->count)
			continue;
		char a[48], z[48];
		time_rfc3339(s->first_ns, a, sizeof a);
		time_rfc3339(s->last_ns, z, sizeof z);
		buf_printf(&line, "%s%s (%s) %s .. %s, %" PRIu64 " request%s", k++ ? "; then " : "",
			   stage_names[i], stage_what[i], a, z, s->count, s->count == 1 ? "" : "s");
		if (prev_last && s->first_ns >= prev_last)
			buf_printf(&line, " (%.0f s after the previous stage)",
				   (double)(s->first_ns - prev_last) / 1e9);
		prev_last = s->last_ns;
	}
	facts_note(f, "%s.", buf_cstr(&line));
	buf_free(&line);
}

/* ---- JSON beside the contract's fields ------------------------------------------ */

static void detail_json(const profile *p, const sip_blob *b, const describe_ctx *ctx, facts *f)
{
	jw w;
	char s[300], ip[46], dst[46];
	buf_putc(&f->extra_json, ',');
	jw_init(&w, &f->extra_json);
	jw_key(&w, "sip_detail");
	jw_obj_begin(&w);
	jw_key(&w, "kits");
	jw_arr_begin(&w);
	for (int i = 0; i < b->nattr; i++) {
		sip_kit_key(&b->attr[i], s, sizeof s);
		jw_obj_begin(&w);
		jw_kstr(&w, "template", b->attr[i].tmpl);
		jw_kstr_nonempty(&w, "kit", b->attr[i].kit);
		jw_kstr(&w, "key", s);
		jw_kuint(&w, "requests", b->attr[i].count);
		jw_kuint(&w, "sources", sources_with(ctx, "sip.kit", s));
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "local_addresses");
	jw_arr_begin(&w);
	for (int i = 0; i < b->nlocal; i++) {
		uint64_t n = local_meaning(p, &b->local[i], b, ctx, s, sizeof s);
		jw_obj_begin(&w);
		jw_kstr(&w, "address", addr_str(b->local[i].ip, ip));
		jw_kstr(&w, "meaning", s);
		jw_kuint(&w, "sources", n);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_kuint(&w, "tags_decoded", b->tags_decoded);
	jw_kuint(&w, "tags_elsewhere", b->tags_elsewhere);
	jw_key(&w, "tag_targets");
	jw_arr_begin(&w);
	for (int i = 0; i < b->ntag; i++) {
		uint8_t a16[16], d16[16];
		addr_from_v4(a16, b->tag[i].target);
		addr_from_v4(d16, b->tag[i].dst);
		snprintf(s, sizeof s, "%s:%u", addr_str(a16, ip), b->tag[i].port);
		jw_obj_begin(&w);
		jw_kstr(&w, "scanned", s);
		snprintf(s, sizeof s, "%s:%u", addr_str(d16, dst), b->tag[i].dport);
		jw_kstr(&w, "destination", s);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "stages");
	jw_arr_begin(&w);
	for (int i = 0; i < BLOB_STAGES; i++) {
		if (!b->stage[i].count)
			continue;
		jw_obj_begin(&w);
		jw_kstr(&w, "component", stage_names[i]);
		jw_ktime(&w, "first", b->stage[i].first_ns);
		jw_ktime(&w, "last", b->stage[i].last_ns);
		jw_kuint(&w, "requests", b->stage[i].count);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "extensions_sample");
	jw_arr_begin(&w);
	for (int i = 0; i < b->next; i++)
		jw_str(&w, b->ext_sample[i]);
	jw_arr_end(&w);
	jw_key(&w, "passwords_sample");
	jw_arr_begin(&w);
	for (int i = 0; i < b->npass; i++)
		jw_str(&w, b->pass_sample[i]);
	jw_arr_end(&w);
	jw_key(&w, "unknown_shapes");
	jw_arr_begin(&w);
	for (int i = 0; i < b->nunknown; i++) {
		unknown_key(&b->unknown[i], s, sizeof s);
		jw_obj_begin(&w);
		jw_kstr(&w, "key", s);
		jw_kstr(&w, "shape", b->unknown[i].summary);
		jw_kuint(&w, "requests", b->unknown[i].count);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_kuint(&w, "requests", b->requests);
	jw_kuint(&w, "responses", b->responses);
	jw_obj_end(&w);
}

/* ---- notes -------------------------------------------------------------------- */

static void tool_notes(const facts *f, facts *out)
{
	for (int i = 0; i < f->ntools; i++) {
		const fact_tool *t = &f->tools[i];
		if (!strcmp(t->tool, "unknown-sip-scanner"))
			continue;
		buf line;
		buf_init(&line);
		buf_printf(&line, "Runs %s%s%s%s%s", t->tool, t->component[0] ? " " : "",
			   t->component, t->version[0] ? " " : "", t->version);
		if (t->modified) {
			buf_puts(&line, ", modified: ");
			for (int c = 0; c < t->nchanges && c < 6; c++)
				buf_printf(&line, "%s%s \"%s\" instead of \"%s\"", c ? "; " : "",
					   t->changes[c].field, t->changes[c].seen,
					   t->changes[c].expected);
			if (t->nchanges > 6)
				buf_printf(&line, "; and %d more", t->nchanges - 6);
		} else {
			buf_puts(&line, ", as distributed (no string changed)");
		}
		facts_note(out, "%s.", buf_cstr(&line));
		buf_free(&line);
	}
}

static void leak_notes(const sip_blob *b, facts *f)
{
	char ip[46], dst[46];
	if (b->tags_elsewhere && b->ntag) {
		uint8_t a16[16], d16[16];
		addr_from_v4(a16, b->tag[0].target);
		addr_from_v4(d16, b->tag[0].dst);
		facts_note(
		    f,
		    "%" PRIu64 " of %" PRIu64 " svmap tags name another target than the packet's "
		    "destination, e.g. %s:%u for a packet to %s:%u: the destination was "
		    "translated on the way (NAT, port forwarding) or the capture's addresses "
		    "were rewritten (anonymised).",
		    b->tags_elsewhere, b->tags_decoded, addr_str(a16, ip), b->tag[0].port,
		    addr_str(d16, dst), b->tag[0].dport);
	} else if (b->tags_decoded) {
		if (b->tags_decoded == 1)
			facts_note(f,
				   "The decoded svmap tag names the address the packet went to.");
		else
			facts_note(f,
				   "All %" PRIu64 " decoded svmap tags name the address the "
				   "packets went to.",
				   b->tags_decoded);
	}
	if (b->next) {
		buf l;
		buf_init(&l);
		for (int i = 0; i < b->next; i++)
			buf_printf(&l, "%s%s", i ? ", " : "", b->ext_sample[i]);
		facts_note(f, "Extensions tried: %" PRIu64 " (%s%s).", dset_count(&b->exts),
			   buf_cstr(&l), dset_count(&b->exts) > b->next ? ", ..." : "");
		buf_free(&l);
	}
	if (b->npass) {
		buf l;
		buf_init(&l);
		for (int i = 0; i < b->npass; i++)
			buf_printf(&l, "%s%s", i ? ", " : "", b->pass_sample[i]);
		facts_note(f, "Passwords tried: %" PRIu64 " (user:password %s%s).",
			   dset_count(&b->passwords), buf_cstr(&l),
			   dset_count(&b->passwords) > b->npass ? ", ..." : "");
		buf_free(&l);
	}
}

void sip_describe(const profile *p, facts *f, const describe_ctx *ctx)
{
	sip_blob *b = blob_of(p);
	if (!b)
		return;
	describe_attrs(b, f);
	describe_agents(b, f);
	describe_unknown(b, f, ctx);
	for (int i = 0; i < b->nmethod; i++)
		facts_add_method(f, b->method[i].name, b->method[i].count);
	f->extensions_tried = dset_count(&b->exts);
	f->passwords_tried = dset_count(&b->passwords);
	if (sip_blob_unknown_scanner(b)) {
		if (!f->extensions_tried && dset_count(&b->users) >= 3)
			f->extensions_tried = dset_count(&b->users);
		if (!f->passwords_tried)
			f->passwords_tried = dset_count(&b->auth_resp);
	}
	tool_notes(f, f);
	char s[300];
	for (int i = 0; i < b->nlocal; i++) {
		facts_add_local(f, addr_str(b->local[i].ip, s));
		local_meaning(p, &b->local[i], b, ctx, s, sizeof s);
		facts_note(f, "Local address %s.", s);
	}
	describe_processes(b, f);
	describe_stages(b, f);
	leak_notes(b, f);
	detail_json(p, b, ctx, f);
	blob_done(b);
}
