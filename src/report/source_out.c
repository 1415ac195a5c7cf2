#include "report/source_out.h"

#include "decode/decode.h"
#include "profile/ptable.h"

#include <inttypes.h>
#include <string.h>

const char *port_str(uint32_t v, char *out, size_t n)
{
	snprintf(out, n, "%u/%s", v & 0xffff, proto_name((uint8_t)(v >> 16)));
	return out;
}

static void json_tools(jw *w, const facts *f)
{
	jw_key(w, "tools");
	jw_arr_begin(w);
	for (int i = 0; i < f->ntools; i++) {
		const fact_tool *t = &f->tools[i];
		jw_obj_begin(w);
		jw_kstr(w, "tool", t->tool);
		jw_kstr_nonempty(w, "component", t->component);
		jw_kstr_nonempty(w, "version", t->version);
		jw_kbool(w, "modified", t->modified);
		jw_key(w, "changes");
		jw_arr_begin(w);
		for (int c = 0; c < t->nchanges; c++) {
			jw_obj_begin(w);
			jw_kstr(w, "field", t->changes[c].field);
			jw_kstr(w, "expected", t->changes[c].expected);
			jw_kstr(w, "seen", t->changes[c].seen);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_key(w, "confidence");
		jw_double(w, t->confidence);
		jw_key(w, "evidence");
		jw_arr_begin(w);
		for (int e = 0; e < t->nevidence; e++)
			jw_str(w, t->evidence[e]);
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_ports(jw *w, const char *key, const dset *s)
{
	char ps[32];
	uint32_t v[DSET_EXACT];
	uint32_t n = dset_sorted(s, v);
	jw_key(w, key);
	jw_arr_begin(w);
	for (uint32_t i = 0; i < n; i++)
		jw_str(w, port_str(v[i], ps, sizeof ps));
	jw_arr_end(w);
}

static void json_host(jw *w, const profile *p, const facts *f)
{
	jw_key(w, "ip_id");
	if (f->ipid_total) {
		jw_obj_begin(w);
		jw_kstr_nonempty(w, "class", f->ipid_class);
		jw_kuint(w, "zero", f->ipid_zero);
		jw_kuint(w, "total", f->ipid_total);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "ttl");
	if (f->ttl_initial >= 0) {
		jw_obj_begin(w);
		jw_kint(w, "initial", f->ttl_initial);
		jw_kint(w, "hops", f->ttl_hops);
		jw_kint(w, "min", profile_ttl_min(p));
		jw_kint(w, "max", profile_ttl_max(p));
		jw_kint(w, "distinct", profile_ttl_distinct(p));
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "os");
	if (f->os_guess[0]) {
		jw_obj_begin(w);
		jw_kstr(w, "guess", f->os_guess);
		jw_key(w, "evidence");
		jw_arr_begin(w);
		for (int i = 0; i < f->nos_evidence; i++)
			jw_str(w, f->os_evidence[i]);
		jw_arr_end(w);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
}

static void json_sip(jw *w, const facts *f)
{
	jw_key(w, "sip");
	jw_obj_begin(w);
	jw_key(w, "methods");
	jw_obj_begin(w);
	for (int i = 0; i < f->nmethods; i++)
		jw_kuint(w, f->method[i], f->method_count[i]);
	jw_obj_end(w);
	jw_kuint(w, "extensions_tried", f->extensions_tried);
	jw_kuint(w, "passwords_tried", f->passwords_tried);
	jw_obj_end(w);
}

static void json_counts(jw *w, const profile *p)
{
	jw_key(w, "protocols");
	jw_obj_begin(w);
	jw_kuint(w, "tcp", p->pkts_tcp);
	jw_kuint(w, "udp", p->pkts_udp);
	jw_kuint(w, "icmp", p->pkts_icmp);
	jw_kuint(w, "other", p->pkts_other);
	jw_obj_end(w);
	jw_key(w, "tcp_flags");
	jw_obj_begin(w);
	jw_kuint(w, "syn", p->tcp_syn);
	jw_kuint(w, "synack", p->tcp_synack);
	jw_kuint(w, "rst", p->tcp_rst);
	jw_kuint(w, "fin", p->tcp_fin);
	jw_kuint(w, "ack", p->tcp_ack);
	jw_kuint(w, "payload", p->tcp_data);
	jw_obj_end(w);
	jw_kuint(w, "df", p->df);
	jw_kuint(w, "icmp_echo", p->icmp_echo);
	jw_kuint(w, "icmp_errors", p->icmp_error);
}

static void json_syn(jw *w, const profile *p)
{
	char ja4t[SYN_JA4T_MAX];
	jw_key(w, "syn_signatures");
	jw_arr_begin(w);
	for (uint32_t i = 0; i < p->n_syn; i++) {
		syn_sig_ja4t(&p->syn[i], ja4t, sizeof ja4t);
		jw_obj_begin(w);
		jw_kstr(w, "ja4t", ja4t);
		jw_kuint(w, "count", p->syn[i].count);
		jw_kint(w, "ttl", p->syn[i].ttl);
		jw_kbool(w, "df", (p->syn[i].has & SYNF_DF) != 0);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_quirks(jw *w, const profile *p)
{
	jw_key(w, "quirks");
	jw_arr_begin(w);
	for (unsigned b = 0; b < QUIRK_COUNT; b++)
		if (p->quirks & (1u << b))
			jw_str(w, quirk_name(b));
	jw_arr_end(w);
	jw_kuint(w, "malformed", p->malformed);
}

void source_json(jw *w, const profile *p, const facts *f)
{
	char ip[46];
	jw_obj_begin(w);
	jw_kstr(w, "ip", addr_str(p->ip, ip));
	jw_ktime(w, "first_seen", p->first_ns);
	jw_ktime(w, "last_seen", p->last_ns);
	jw_kuint(w, "packets", p->packets);
	jw_kuint(w, "bytes", p->bytes);
	jw_kuint(w, "targets", dset_count(&p->targets));
	jw_kbool(w, "targets_estimated", dset_is_estimate(&p->targets));
	json_ports(w, "ports", &p->dports);
	jw_kuint(w, "ports_total", dset_count(&p->dports));
	json_ports(w, "source_ports", &p->sports);
	json_tools(w, f);
	jw_key(w, "processes");
	if (f->processes >= 0)
		jw_int(w, f->processes);
	else
		jw_null(w);
	jw_key(w, "local_addresses");
	jw_arr_begin(w);
	for (int i = 0; i < f->nlocal; i++)
		jw_str(w, f->local_addresses[i]);
	jw_arr_end(w);
	json_host(w, p, f);
	jw_kstr_nonempty(w, "campaign", f->campaign);
	json_sip(w, f);
	json_counts(w, p);
	json_syn(w, p);
	json_quirks(w, p);
	jw_key(w, "sensors");
	jw_arr_begin(w);
	for (uint32_t i = 0; i < p->n_sensors; i++)
		jw_str(w, p->sensors[i]);
	jw_arr_end(w);
	jw_kuint(w, "memory_flushes", p->evictions);
	if (f->extra_json.len)
		buf_put(w->out, f->extra_json.p, f->extra_json.len);
	jw_obj_end(w);
}

void source_table_header(FILE *out)
{
	fprintf(out, "%-39s %-20s %-20s %10s %8s %-24s %-26s %s\n", "SOURCE", "FIRST SEEN",
		"LAST SEEN", "PACKETS", "TARGETS", "PORTS", "TOOLS", "CAMPAIGN");
}

static void short_time(int64_t ns, char *out, size_t n)
{
	char t[48];
	time_rfc3339(ns, t, sizeof t);
	char *dot = strchr(t, '.');
	if (dot)
		snprintf(dot, 2, "Z");
	snprintf(out, n, "%s", t);
}

void source_table_row(FILE *out, const profile *p, const facts *f)
{
	char ip[46], first[48], last[48], ports[64] = "", tools[64] = "", ps[32];
	short_time(p->first_ns, first, sizeof first);
	short_time(p->last_ns, last, sizeof last);
	uint32_t v[DSET_EXACT];
	uint32_t nv = dset_sorted(&p->dports, v), shown = 0;
	size_t n = 0;
	for (uint32_t i = 0; i < nv; i++) {
		char one[32];
		port_str(v[i], one, sizeof one);
		if (n + strlen(one) + 1 > 18 && i > 0)
			break;
		n += (size_t)snprintf(ports + n, sizeof ports - n, "%s%s", i ? "," : "", one);
		shown++;
	}
	uint64_t np = dset_count(&p->dports);
	if (np > shown)
		snprintf(ports + n, sizeof ports - n, " +%" PRIu64, np - shown);
	(void)ps;
	n = 0;
	for (int i = 0; i < f->ntools && n < sizeof tools - 1; i++) {
		const fact_tool *t = &f->tools[i];
		n += (size_t)snprintf(tools + n, sizeof tools - n, "%s%s%s%s%s", i ? "," : "",
				      t->tool, t->component[0] ? "/" : "", t->component,
				      t->modified ? "*" : "");
	}
	fprintf(out, "%-39s %-20s %-20s %10" PRIu64 " %8" PRIu64 " %-24s %-26s %s\n",
		addr_str(p->ip, ip), first, last, p->packets, dset_count(&p->targets), ports,
		tools[0] ? tools : "-", f->campaign[0] ? f->campaign : "-");
}
