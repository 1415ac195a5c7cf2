/* A campaign written out: a JSON line (`campaigns --json`), a table row, a
 * CSV row. The HTML write-up is report/html.c. */
#include "campaign/campaign.h"

#include "campaign/activity.h"
#include "decode/decode.h"
#include "report/csv.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

void campaign_day_str(int32_t day, char *out, size_t n)
{
	time_t t = (time_t)day * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}

static void json_counts(jw *w, const char *key, const char *name, const camp_count *l, uint32_t n,
			uint64_t of)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (uint32_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_kstr(w, name, l[i].name);
		jw_kuint(w, "members", l[i].n);
		if (of) {
			jw_key(w, "share");
			jw_double(w, (double)l[i].n / (double)of);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_growth(jw *w, const campaign *c)
{
	char d[16];
	uint64_t total = 0;
	jw_key(w, "growth");
	jw_arr_begin(w);
	for (uint32_t i = 0; i < c->ndays; i++) {
		total += c->days[i].new_members;
		campaign_day_str(c->days[i].day, d, sizeof d);
		jw_obj_begin(w);
		jw_kstr(w, "day", d);
		jw_kuint(w, "new", c->days[i].new_members);
		jw_kuint(w, "active", c->days[i].active);
		jw_kuint(w, "members", total);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kuint(w, "days_with_new_members", c->days_new);
	jw_kuint(w, "days_active", c->days_active);
}

static void json_kit(jw *w, const campaign *c)
{
	jw_key(w, "kit");
	jw_obj_begin(w);
	jw_kstr_nonempty(w, "tool", c->tool);
	jw_kstr_nonempty(w, "component", c->component);
	jw_kstr_nonempty(w, "version", c->version);
	jw_kstr_nonempty(w, "template", c->tmpl);
	jw_kstr_nonempty(w, "kit", c->kit);
	jw_kbool(w, "modified", c->modified);
	jw_key(w, "changes");
	jw_arr_begin(w);
	for (uint32_t i = 0; i < c->nchanges; i++) {
		jw_obj_begin(w);
		jw_kstr(w, "field", c->changes[i].field);
		jw_kstr(w, "expected", c->changes[i].expected);
		jw_kstr(w, "seen", c->changes[i].seen);
		jw_kuint(w, "members", c->changes[i].members);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "evidence");
	jw_arr_begin(w);
	for (uint32_t i = 0; i < c->nevidence; i++)
		jw_str(w, c->evidence[i]);
	jw_arr_end(w);
	jw_obj_end(w);
}

static void json_host(jw *w, const campaign *c)
{
	static const char *const ttl[4] = {"32", "64", "128", "255"};
	jw_key(w, "host");
	jw_obj_begin(w);
	jw_key(w, "ttl_initial");
	jw_obj_begin(w);
	for (int i = 0; i < 4; i++)
		jw_kuint(w, ttl[i], c->ttl_initial[i]);
	jw_obj_end(w);
	jw_kuint(w, "ipv4_members", c->v4_members);
	jw_kuint(w, "ip_id_zero_df", c->ipid_zero_df);
	jw_kuint(w, "described", c->described);
	json_counts(w, "os", "guess", c->os, c->nos, 0);
	jw_kint(w, "processes_max", c->processes_max);
	jw_kuint(w, "members_with_several_processes", c->multi_process);
	jw_obj_end(w);
}

static void json_sample(jw *w, const campaign *c)
{
	char ip[46], dst[46], port[32];
	jw_key(w, "sample");
	if (!c->nsamples) {
		jw_null(w);
		return;
	}
	const camp_sample *s = &c->samples[0];
	jw_obj_begin(w);
	jw_kstr(w, "source", addr_str(s->ip, ip));
	jw_ktime(w, "time", s->m.ts_ns);
	jw_kstr(w, "destination", addr_str(s->m.dst_ip, dst));
	snprintf(port, sizeof port, "%u/%s", s->m.dport, proto_name(s->m.proto));
	jw_kstr(w, "port", port);
	jw_key(w, "message");
	jw_strn(w, (const char *)s->data, s->m.len);
	jw_obj_end(w);
}

void campaign_json(jw *w, const campaign *c)
{
	char ip[46];
	jw_obj_begin(w);
	jw_kstr(w, "campaign", c->id);
	jw_kstr(w, "kind", c->kind->name);
	jw_kstr(w, "key", c->key);
	jw_kstr(w, "class", c->cls);
	jw_kstr(w, "label", c->label);
	jw_kstr(w, "verdict", c->verdict);
	jw_kuint(w, "members", c->members);
	jw_kuint(w, "packets", c->packets);
	jw_ktime(w, "first_seen", c->first_ns);
	jw_ktime(w, "last_seen", c->last_ns);
	jw_key(w, "networks");
	jw_obj_begin(w);
	jw_kuint(w, "/16", c->nets16);
	jw_kuint(w, "/24", c->nets24);
	jw_obj_end(w);
	json_growth(w, c);
	json_counts(w, "ports", "port", c->ports, c->nports, c->members);
	jw_kuint(w, "ports_total", c->ports_total);
	json_kit(w, c);
	json_counts(w, "local_addresses", "address", c->local, c->nlocal, c->members);
	json_counts(w, "hard_coded_addresses", "address", c->folded, c->nfolded, 0);
	json_host(w, c);
	json_counts(w, "tools", "tool", c->tools, c->ntools, 0);
	json_counts(w, "sensors", "sensor", c->sensors, c->nsensors, 0);
	json_counts(w, "related", "campaign", c->related, c->nrelated, c->members);
	if (c->kind->prefix == 'M') {
		jw_key(w, "chance_by_accident");
		jw_double(w, c->p_chance);
	}
	jw_kstr(w, "example", c->described ? addr_str(c->example, ip) : NULL);
	json_sample(w, c);
	jw_obj_end(w);
}

static void short_time(int64_t ns, char *out, size_t n)
{
	time_rfc3339(ns, out, n);
	char *dot = strchr(out, '.');
	if (dot)
		snprintf(dot, 2, "Z");
}

void campaign_table_header(FILE *out)
{
	fprintf(out, "%-11s %-18s %-11s %8s %-20s %-20s %5s %s\n", "CAMPAIGN", "KIND", "CLASS",
		"MEMBERS", "FIRST SEEN", "LAST SEEN", "DAYS", "WHAT");
}

void campaign_table_row(FILE *out, const campaign *c)
{
	char first[48], last[48];
	short_time(c->first_ns, first, sizeof first);
	short_time(c->last_ns, last, sizeof last);
	fprintf(out, "%-11s %-18s %-11s %8" PRIu64 " %-20s %-20s %5u %s\n", c->id, c->kind->name,
		c->cls, c->members, first, last, c->days_active, c->label);
}

void campaign_csv_header(FILE *out)
{
	fputs("campaign,kind,class,members,packets,first_seen,last_seen,days_active,"
	      "days_with_new_members,networks_16,networks_24,label,tool,component,version,kit,"
	      "modified,changes,ports,local_addresses,related,verdict\n",
	      out);
}

static void csv_counts(FILE *out, const camp_count *l, uint32_t n, uint64_t of)
{
	char s[2048] = "";
	size_t k = 0;
	for (uint32_t i = 0; i < n && k < sizeof s - 200; i++)
		k += (size_t)snprintf(s + k, sizeof s - k, "%s%s %.0f%%", i ? "; " : "", l[i].name,
				      of ? 100.0 * (double)l[i].n / (double)of : 0);
	csv_field(out, s, 0);
}

void campaign_csv_row(FILE *out, const campaign *c)
{
	char t[64], changes[2048] = "";
	csv_field(out, c->id, 0);
	csv_field(out, c->kind->name, 0);
	csv_field(out, c->cls, 0);
	fprintf(out, "%" PRIu64 ",%" PRIu64 ",", c->members, c->packets);
	short_time(c->first_ns, t, sizeof t);
	csv_field(out, t, 0);
	short_time(c->last_ns, t, sizeof t);
	csv_field(out, t, 0);
	fprintf(out, "%u,%u,%" PRIu64 ",%" PRIu64 ",", c->days_active, c->days_new, c->nets16,
		c->nets24);
	csv_field(out, c->label, 0);
	csv_field(out, c->tool, 0);
	csv_field(out, c->component, 0);
	csv_field(out, c->version, 0);
	csv_field(out, c->kit, 0);
	csv_field(out, c->modified ? "true" : "false", 0);
	size_t k = 0;
	for (uint32_t i = 0; i < c->nchanges && k < sizeof changes - 300; i++)
		k += (size_t)snprintf(changes + k, sizeof changes - k, "%s%s: %s -> %s",
				      i ? "; " : "", c->changes[i].field, c->changes[i].expected,
				      c->changes[i].seen);
	csv_field(out, changes, 0);
	csv_counts(out, c->ports, c->nports, c->members);
	csv_counts(out, c->local, c->nlocal, c->members);
	csv_counts(out, c->related, c->nrelated, c->members);
	csv_field(out, c->verdict, 1);
}
