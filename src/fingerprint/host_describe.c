/* The host analyser's describe function: TTL, IP ID, SYN fingerprints
 * (JA4T, p0f), raw tools, OS guess and traffic kind of one stored profile,
 * into the facts the JSON contract and `show` print. */
#include "fingerprint/host.h"

#include "fingerprint/host_attr.h"
#include "fingerprint/host_blob.h"
#include "fingerprint/host_ipid.h"
#include "fingerprint/host_os.h"
#include "fingerprint/host_p0f.h"
#include "fingerprint/host_traffic.h"
#include "util/hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct hdesc {
	const profile *p;
	host_blob b;
	const hr_set *rs;
	const char *rules_err;
	const p0f_db *db;
	const char *p0f_err, *p0f_path;
	int p0f_absent;
	ttl_result ttl;
	ipid_result ip;
	p0f_match syn[SYN_SAMPLES];
	host_attr attr[HA_MAX];
	int nattr;
	traffic_result tr;
} hdesc;

/* --- TTL and IP ID ---------------------------------------------------- */

static void describe_ttl(hdesc *d, facts *f)
{
	const ttl_result *t = &d->ttl;
	f->ttl_initial = t->initial;
	f->ttl_hops = t->hops;
	if (t->initial < 0)
		return;
	if (t->varies)
		facts_note(f,
			   "TTL varies from %d to %d (%d values): no OS does this; crafted packets "
			   "(Nmap draws 37-59 for every packet)",
			   t->min, t->max, t->distinct);
	else if (t->bands > 1)
		facts_note(f,
			   "TTLs below %d different initial values: several hosts behind this "
			   "address (NAT), or spoofed packets",
			   t->bands);
	if (t->doubtful)
		facts_note(f,
			   "%d hops from an initial TTL of %d is more than p0f believes (35): the "
			   "sender may use an unusual initial TTL",
			   t->hops, t->initial);
}

static void describe_ipid(hdesc *d, facts *f)
{
	const profile *p = d->p;
	const ipid_result *r = &d->ip;
	if (!addr_is_v4(p->ip))
		return;
	f->ipid_total = p->packets;
	f->ipid_zero = p->ipid_zero;
	snprintf(f->ipid_class, sizeof f->ipid_class, "%s", r->cls);
	if (p->ipid_zero)
		facts_note(f, "IP ID: %" PRIu64 " of %" PRIu64 " zero%s", p->ipid_zero, p->packets,
			   p->ipid_zero == p->ipid_zero_df ? ", all with DF" : "");
	if (r->why[0])
		facts_note(f, "IP ID series: %s%s", r->why, r->cls[0] ? "" : " (class unknown)");
	if (r->zero_udp_df || r->zero_tcp_df)
		facts_note(f, "IP ID 0 with DF in the first packets: %d UDP, %d TCP, %d other",
			   r->zero_udp_df, r->zero_tcp_df, r->zero_other);
	if (!strcmp(r->cls, "interleaved"))
		facts_note(f,
			   "IP ID: %d counters take turns: probably %d hosts behind this address",
			   r->series, r->series);
}

/* --- SYN signatures --------------------------------------------------- */

static void describe_syn(hdesc *d, facts *f)
{
	const profile *p = d->p;
	if (!p->n_syn)
		return;
	if (!d->db) {
		facts_note(f, "p0f: %s; SYN signatures are not matched", d->p0f_err);
		return;
	}
	for (uint32_t i = 0; i < p->n_syn; i++) {
		p0f_match *m = &d->syn[i];
		p0f_match_syn(d->db, &p->syn[i], m);
		char sig[200], l[160];
		p0f_syn_str(&p->syn[i], sig, sizeof sig);
		if (m->label) {
			p0f_label_str(m->label, l, sizeof l);
			facts_note(f, "SYN %u: p0f %s (%s match, p0f.fp line %d)%s%s", i + 1, l,
				   m->fuzzy	? "fuzzy"
				   : m->generic ? "generic"
						: "exact",
				   m->sig->line, m->link ? ", link: " : "", m->link ? m->link : "");
		} else {
			facts_note(f, "SYN %u: no p0f signature matches %s", i + 1, sig);
		}
	}
}

/* --- raw tools -------------------------------------------------------- */

static void marks_text(const hr_set *rs, const hr_rule *r, uint16_t want, uint16_t have, char *out,
		       size_t n)
{
	size_t at = 0;
	out[0] = 0;
	for (int i = 0; i < r->nlocal && at + 50 < n; i++) {
		uint16_t bit = (uint16_t)(1u << i);
		if ((want & bit) && (have & bit))
			at += (size_t)snprintf(out + at, n - at, "%s%s", at ? " " : "",
					       rs->mark[r->local[i]].text);
	}
}

static void require_text(const hr_set *rs, const hr_rule *r, char *out, size_t n)
{
	size_t at = 0;
	out[0] = 0;
	for (int i = 0; i < rs->nmarks && at + 50 < n; i++) {
		const hr_mark *m = &rs->mark[i];
		int in = (m->cls == HM_PACKET && ((r->req >> i) & 1)) ||
			 (m->cls == HM_SERIES && (r->series_req >> (m->field - HF_SEQ_SAME) & 1));
		for (int k = 0; k < r->nreq_profile; k++)
			in |= r->req_profile[k] == i;
		if (in)
			at += (size_t)snprintf(out + at, n - at, "%s%s", at ? " " : "", m->text);
	}
}

static const char *kind_word(int applies)
{
	static const char *const w[8] = {"probes",	     "SYNs",
					 "UDP probes",	     "SYN/UDP probes",
					 "ICMP echo probes", "SYN/ICMP probes",
					 "UDP/ICMP probes",  "SYN/UDP/ICMP probes"};
	return w[applies & 7];
}

static void tool_changes(const hdesc *d, const host_attr *a, fact_tool *t)
{
	const hr_rule *r = a->rule;
	for (int i = 0; i < r->nlocal; i++) {
		uint16_t bit = (uint16_t)(1u << i);
		if (!(r->expect & bit) || (a->all & bit))
			continue;
		const hr_mark *m = &d->rs->mark[r->local[i]];
		char field[32], seen[FACT_TEXT];
		const char *eq = strchr(m->text, '=');
		snprintf(field, sizeof field, "%.*s", (int)(eq - m->text), m->text);
		host_seen(d->p, m, seen, sizeof seen);
		fact_tool_change(t, field, eq + 1, seen);
	}
}

static void tool_evidence(const hdesc *d, const host_attr *a, fact_tool *t)
{
	const hr_rule *r = a->rule;
	char txt[FACT_TEXT];
	for (int i = 0; i < r->nwhy && i < 2; i++)
		fact_tool_evidence(t, "%s", r->why[i]);
	require_text(d->rs, r, txt, sizeof txt);
	fact_tool_evidence(t, "%s on %" PRIu64 " of %" PRIu64 " %s (rule %s)", txt, a->hits,
			   a->total, kind_word(r->applies), r->name);
	marks_text(d->rs, r, r->expect, a->all, txt, sizeof txt);
	if (txt[0])
		fact_tool_evidence(t, "as the stock tool: %s", txt);
	marks_text(d->rs, r, r->support, a->all, txt, sizeof txt);
	if (txt[0])
		fact_tool_evidence(t, "also: %s", txt);
	if (a->version >= 0) {
		marks_text(d->rs, r, r->version[a->version].local, a->all, txt, sizeof txt);
		fact_tool_evidence(t, "version %s%s%s", r->version[a->version].label,
				   txt[0] ? ": " : "", txt);
	} else if (r->nversions) {
		marks_text(d->rs, r, r->version[0].local, 0xffff, txt, sizeof txt);
		fact_tool_evidence(t, "no version's marks all hold (e.g. %s: %s)",
				   r->version[0].label, txt);
	}
}

static void add_tool(const hdesc *d, const host_attr *a, facts *f)
{
	const char *name = a->rule ? a->rule->tool : a->stored->tool;
	fact_tool *t = facts_add_tool(f, name);
	if (a->confidence > t->confidence)
		t->confidence = a->confidence;
	if (!a->rule) {
		fact_tool_evidence(t, "%s matched %" PRIu64 " packets; %s", a->stored->name,
				   a->hits, a->reason);
		return;
	}
	if (!t->component[0])
		snprintf(t->component, sizeof t->component, "%s", a->rule->component);
	if (!t->version[0] && a->version >= 0)
		snprintf(t->version, sizeof t->version, "%s", a->rule->version[a->version].label);
	tool_evidence(d, a, t);
	tool_changes(d, a, t);
}

static void describe_tools(hdesc *d, facts *f)
{
	if (!d->rs && d->b.nrules)
		facts_note(f, "raw-tool rules not loaded (%s): stored matches only", d->rules_err);
	d->nattr = host_attribute(d->p, &d->b, d->rs, d->attr, HA_MAX);
	for (int i = 0; i < d->nattr; i++) {
		const host_attr *a = &d->attr[i];
		if (a->accepted)
			add_tool(d, a, f);
		else if (a->hits)
			facts_note(f,
				   "rule %s (%s) hit %" PRIu64 " of %" PRIu64
				   " probes, not reported: %s",
				   a->stored->name, a->stored->tool, a->hits, a->total, a->reason);
	}
	for (uint32_t i = 0; i < d->p->n_syn; i++) {
		const p0f_match *m = &d->syn[i];
		if (m->label && !strcmp(m->label->cls, "!"))
			facts_note(f, "p0f names an application for SYN %u: %s (%s)", i + 1,
				   m->label->name, m->label->flavor);
	}
}

/* --- JSON ------------------------------------------------------------- */

static void json_ttl(jw *w, const ttl_result *t)
{
	jw_key(w, "ttl");
	jw_obj_begin(w);
	jw_kint(w, "initial", t->initial);
	jw_kint(w, "hops", t->hops);
	jw_kint(w, "bands", t->bands);
	jw_kbool(w, "varies", t->varies);
	jw_kbool(w, "hops_doubtful", t->doubtful);
	jw_obj_end(w);
}

static void json_ipid(jw *w, const ipid_result *r)
{
	jw_key(w, "ip_id");
	jw_obj_begin(w);
	jw_kstr_nonempty(w, "class", r->cls);
	jw_kstr(w, "why", r->why);
	jw_kint(w, "samples", r->samples);
	jw_kint(w, "nonzero", r->nonzero);
	jw_kint(w, "destinations", r->dsts);
	jw_kint(w, "series", r->series);
	jw_kstr_nonempty(w, "formula", r->formula);
	jw_key(w, "rate_pps");
	if (r->rate_pps > 0)
		jw_double(w, r->rate_pps);
	else
		jw_null(w);
	jw_key(w, "p_random");
	jw_double(w, r->p_random);
	jw_obj_end(w);
}

static void json_syn(jw *w, const hdesc *d)
{
	jw_key(w, "syn");
	jw_arr_begin(w);
	for (uint32_t i = 0; i < d->p->n_syn; i++) {
		const p0f_match *m = &d->syn[i];
		char s[SYN_JA4T_MAX];
		jw_obj_begin(w);
		syn_sig_ja4t(&d->p->syn[i], s, sizeof s);
		jw_kstr(w, "ja4t", s);
		p0f_syn_str(&d->p->syn[i], s, sizeof s);
		jw_kstr(w, "p0f_sig", s);
		jw_key(w, "p0f");
		if (m->label) {
			p0f_label_str(m->label, s, sizeof s);
			jw_obj_begin(w);
			jw_kstr(w, "label", s);
			jw_kstr(w, "match", m->fuzzy ? "fuzzy" : m->generic ? "generic" : "exact");
			jw_kint(w, "line", m->sig->line);
			jw_kint(w, "distance", m->dist);
			jw_obj_end(w);
		} else {
			jw_null(w);
		}
		jw_kstr(w, "link", m->link);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_status(jw *w, const char *key, const char *path, const char *err, int absent)
{
	jw_key(w, key);
	jw_obj_begin(w);
	jw_kstr(w, "path", path);
	jw_kstr(w, "status", !err ? "loaded" : absent ? "absent" : "error");
	jw_kstr(w, "error", err);
	jw_obj_end(w);
}

static void json_rules(jw *w, const hdesc *d)
{
	jw_key(w, "tool_rules");
	jw_arr_begin(w);
	for (int i = 0; i < d->nattr; i++) {
		const host_attr *a = &d->attr[i];
		jw_obj_begin(w);
		jw_kstr(w, "rule", a->stored->name);
		jw_kstr(w, "tool", a->stored->tool);
		jw_kuint(w, "hits", a->hits);
		jw_kuint(w, "of", a->total);
		jw_kbool(w, "accepted", a->accepted);
		jw_kstr_nonempty(w, "reason", a->reason);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_extra(const hdesc *d, facts *f)
{
	jw w;
	jw_init(&w, &f->extra_json);
	w.depth = 1; /* members of the source object: each one after a comma */
	w.need_comma[1] = 1;
	jw_key(&w, "host");
	jw_obj_begin(&w);
	json_ttl(&w, &d->ttl);
	if (addr_is_v4(d->p->ip))
		json_ipid(&w, &d->ip);
	json_syn(&w, d);
	json_rules(&w, d);
	/* the rules' directory depends on the installation: the error names it */
	json_status(&w, "rules_file", "raw-tools.rules", d->rules_err, 0);
	json_status(&w, "p0f_file", d->p0f_path, d->p0f_err, d->p0f_absent);
	jw_obj_end(&w);
	jw_key(&w, "traffic");
	traffic_json(&w, d->p, &d->b, &d->tr, d->ip.rate_pps);
}

/* --- the describe function -------------------------------------------- */

static int tool_sends_ttl255(const hdesc *d)
{
	for (int i = 0; i < d->nattr; i++)
		if (d->attr[i].accepted && d->attr[i].rule && d->attr[i].rule->crafted)
			return d->ttl.initial == 255;
	return 0;
}

void host_describe(const profile *p, facts *f, const describe_ctx *ctx)
{
	(void)ctx;
	static __thread hdesc d; /* large: kept off the stack */
	memset(&d, 0, sizeof d);
	d.p = p;
	if (hb_from_profile(p, &d.b) < 0)
		hb_init(&d.b);
	d.rs = hr_default(&d.rules_err);
	host_series_rules(p, &d.b, d.rs);
	d.db = p0f_default(&d.p0f_err, &d.p0f_absent, &d.p0f_path);
	ttl_analyse(p, &d.ttl);
	ipid_classify(p, &d.ip);
	describe_ttl(&d, f);
	describe_ipid(&d, f);
	describe_syn(&d, f);
	describe_tools(&d, f);
	traffic_analyse(p, &d.b, tool_sends_ttl255(&d), &d.tr);
	os_input in = {p,
		       &d.ttl,
		       &d.ip,
		       d.syn,
		       (int)p->n_syn,
		       d.attr,
		       d.nattr,
		       !strcmp(d.tr.kind, "likely-spoofed")};
	os_guess(&in, f);
	traffic_notes(f, p, &d.b, &d.tr, d.ip.rate_pps);
	json_extra(&d, f);
}

/* --- tools and keys for the store ------------------------------------- */

/* The store asks for tools and then keys of the same merged profile: the
 * attribution is made once. The cache is checked against the profile's
 * identity and its whole blob. */
typedef struct attr_cache {
	uint8_t ip[16];
	uint64_t packets, tcp_syn, blob_hash;
	int64_t first_ns, last_ns;
	size_t blob_len;
	int valid, n;
	host_blob b;
	host_attr a[HA_MAX];
} attr_cache;

static __thread attr_cache c;

/* The blob of the last cached_attribution(). */
static const host_blob *cached_blob(void)
{
	return &c.b;
}

static int cached_attribution(const profile *p, const host_attr **out)
{
	const buf *e = &p->ext[EXT_HOST];
	uint64_t h = e->len ? hash_bytes(e->p, e->len, 0x4a77) : 0;
	if (c.valid && c.blob_len == e->len && c.blob_hash == h && c.packets == p->packets &&
	    c.tcp_syn == p->tcp_syn && c.first_ns == p->first_ns && c.last_ns == p->last_ns &&
	    !memcmp(c.ip, p->ip, 16)) {
		*out = c.a;
		return c.n;
	}
	c.n = 0;
	const hr_set *rs = hr_default(NULL);
	if (hb_from_profile(p, &c.b) == 0) {
		host_series_rules(p, &c.b, rs);
		if (c.b.nrules)
			c.n = host_attribute(p, &c.b, rs, c.a, HA_MAX);
	}
	memcpy(c.ip, p->ip, 16);
	c.packets = p->packets;
	c.tcp_syn = p->tcp_syn;
	c.first_ns = p->first_ns;
	c.last_ns = p->last_ns;
	c.blob_len = e->len;
	c.blob_hash = h;
	c.valid = 1;
	*out = c.a;
	return c.n;
}

void host_profile_tools(const profile *p, buf *out)
{
	const host_attr *a;
	int n = cached_attribution(p, &a);
	for (int i = 0; i < n; i++) {
		if (!a[i].accepted)
			continue;
		const char *tool = a[i].rule ? a[i].rule->tool : a[i].stored->tool;
		char needle[HR_NAME + 2];
		snprintf(needle, sizeof needle, ",%s,", tool);
		if (!strstr(buf_cstr(out), needle)) {
			buf_puts(out, tool);
			buf_putc(out, ',');
		}
	}
}

/* Keys: parameters a tool draws once per run and that several addresses
 * share when one operator drives them (Nmap's decoys share its seqmask,
 * Unicornscan's drones its syn_key, a distributed Masscan its source port).
 * Only attributed sources have them: a key row costs the store far more
 * than anything computed here. */
static void tool_keys(const profile *p, const host_blob *b, const host_attr *a, key_list *out)
{
	char s[40];
	const char *tool = a->rule->tool;
	uint32_t series = b->flags >> HBF_SERIES_SHIFT;
	if (!strcmp(tool, "nmap") && host_series_mark(p, b, HF_SEQ_NMAP)) {
		snprintf(s, sizeof s, "%08x", b->seq0);
		key_list_add(out, "nmap.seqmask", s);
	} else if (!strcmp(tool, "unicornscan") && (series & (HS_UNI_BE | HS_UNI_LE))) {
		snprintf(s, sizeof s, "%08x", (series & HS_UNI_LE) ? b->unile0 : b->uni0);
		key_list_add(out, "unicornscan.key", s);
	} else if (!strcmp(tool, "masscan") && !dset_is_estimate(&p->sports) && p->sports.n &&
		   p->sports.n <= 2) {
		uint32_t v[DSET_EXACT], lo = UINT32_MAX;
		uint32_t n = dset_sorted(&p->sports, v);
		for (uint32_t i = 0; i < n; i++)
			if ((v[i] & 0xffff) < lo)
				lo = v[i] & 0xffff;
		snprintf(s, sizeof s, "%u", lo);
		key_list_add(out, "masscan.sport", s);
	}
}

void host_profile_keys(const profile *p, key_list *out)
{
	const host_attr *a;
	int n = cached_attribution(p, &a);
	for (int i = 0; i < n; i++)
		if (a[i].accepted && a[i].rule)
			tool_keys(p, cached_blob(), &a[i], out);
}
