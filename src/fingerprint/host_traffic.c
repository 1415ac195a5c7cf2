/* Scan, backscatter or spoofed: the traffic kind of a source. */
#include "fingerprint/host_traffic.h"

#include "decode/decode.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void traffic_analyse(const profile *p, const host_blob *b, int tool_ttl255, traffic_result *t)
{
	memset(t, 0, sizeof *t);
	uint64_t udp = p->pkts_udp > b->dns ? p->pkts_udp - b->dns : 0;
	t->probes = p->tcp_syn + p->icmp_echo + udp;
	t->backscatter = p->tcp_synack + p->tcp_rst + p->icmp_error + b->replies + b->dns;
	t->spoofed = b->spoofed;
	t->spoof_why = b->spoof_why;
	if (tool_ttl255 && (b->spoof_why & SP_TTL200)) {
		t->ttl_excused = 1;
		t->spoofed -= b->spoof_ttl;
		if (b->spoof_ttl == b->spoofed || !(b->spoof_why & ~(uint32_t)SP_TTL200))
			t->spoof_why &= ~(uint32_t)SP_TTL200;
	}
	uint64_t n = p->packets;
	if (n && t->spoofed * 2 >= n)
		t->kind = "likely-spoofed";
	else if (n && t->backscatter * 10 >= n * 8)
		t->kind = "backscatter";
	else if (n && t->probes * 10 >= n * 8)
		t->kind = "scan";
	else if (t->probes && t->backscatter)
		t->kind = "mixed";
	else
		t->kind = "other";
	t->duration_s = p->last_ns > p->first_ns ? (double)(p->last_ns - p->first_ns) / 1e9 : 0;
	t->rate_pps = t->duration_s > 0 ? (double)n / t->duration_s : -1;
}

static void duration(double s, char *out, size_t n)
{
	uint64_t x = (uint64_t)s;
	if (s < 60)
		snprintf(out, n, "%.1fs", s);
	else if (x < 3600)
		snprintf(out, n, "%" PRIu64 "m%02" PRIu64 "s", x / 60, x % 60);
	else if (x < 86400)
		snprintf(out, n, "%" PRIu64 "h%02" PRIu64 "m", x / 3600, x % 3600 / 60);
	else
		snprintf(out, n, "%" PRIu64 "d%02" PRIu64 "h", x / 86400, x % 86400 / 3600);
}

static void ports_text(const dset *s, char *out, size_t n, int sources_tcp)
{
	size_t at = 0;
	out[0] = 0;
	uint32_t v[DSET_EXACT];
	dset_sorted(s, v);
	int shown = 0;
	for (uint32_t i = 0; i < s->n && shown < 5 && at + 16 < n; i++) {
		uint8_t proto = (uint8_t)(v[i] >> 16);
		if (sources_tcp && proto != 6)
			continue;
		at += (size_t)snprintf(out + at, n - at, "%s%u/%s", at ? ", " : "", v[i] & 0xffff,
				       proto_name(proto));
		shown++;
	}
	if (s->n > (uint32_t)shown && at + 5 < n)
		snprintf(out + at, n - at, ", ...");
}

static void spoof_names(uint32_t why, char *out, size_t n)
{
	size_t at = 0;
	out[0] = 0;
	for (unsigned i = 0; i < SP_COUNT && at + 24 < n; i++)
		if (why & (1u << i))
			at += (size_t)snprintf(out + at, n - at, "%s%s", at ? ", " : "",
					       spoof_test_name(i));
}

static void note_scan(facts *f, const profile *p, const traffic_result *t, double host_rate)
{
	char d[32], ports[160];
	duration(t->duration_s, d, sizeof d);
	ports_text(&p->dports, ports, sizeof ports, 0);
	facts_note(f, "Scan: %" PRIu64 " target%s%s on %" PRIu64 " port%s (%s) over %s",
		   dset_count(&p->targets), dset_count(&p->targets) == 1 ? "" : "s",
		   dset_is_estimate(&p->targets) ? " (estimated)" : "", dset_count(&p->dports),
		   dset_count(&p->dports) == 1 ? "" : "s", ports, d);
	if (t->rate_pps > 0)
		facts_note(f, "Rate: %.1f packets/s reach us", t->rate_pps);
	if (host_rate > 0 && t->rate_pps > 0)
		facts_note(f,
			   "Its IP ID counter says it sends about %.0f packets/s in all: we see "
			   "%.2g%% of them",
			   host_rate, 100 * t->rate_pps / host_rate);
}

static void note_backscatter(facts *f, const profile *p, const host_blob *b)
{
	char ports[160], ip[46];
	if (p->tcp_synack || p->tcp_rst) {
		ports_text(&p->sports, ports, sizeof ports, 1);
		facts_note(f,
			   "Backscatter: %" PRIu64 " SYN-ACK and %" PRIu64 " RST that answer "
			   "packets nobody here sent: this host is the victim of an attack with "
			   "spoofed sources (its ports: %s)",
			   p->tcp_synack, p->tcp_rst, ports);
	}
	if (b->replies)
		facts_note(f,
			   "Backscatter: %" PRIu64 " ICMP replies to requests nobody here sent: "
			   "it answered spoofed pings (a flood against it)",
			   b->replies);
	if (b->dns)
		facts_note(f,
			   "Backscatter: %" PRIu64 " DNS responses to queries nobody here sent: "
			   "a DNS server queried with our addresses as source",
			   b->dns);
	for (int i = 0; i < b->nvictims; i++) {
		const hb_victim *v = &b->victim[i];
		facts_note(f,
			   "Victim: ICMP errors quote %" PRIu64 " packet%s \"from\" us to %s port "
			   "%u/%s: that address was attacked with spoofed sources; this source is "
			   "a router or host on its path",
			   v->count, v->count == 1 ? "" : "s", addr_str(v->addr, ip), v->port,
			   proto_name(v->proto));
	}
	if (b->flags & HBF_MORE_VICTIMS)
		facts_note(f, "Victim: more than %d quoted victims; %d kept", HB_VICTIMS,
			   HB_VICTIMS);
}

void traffic_notes(facts *f, const profile *p, const host_blob *b, const traffic_result *t,
		   double host_rate)
{
	char why[200];
	if (!strcmp(t->kind, "likely-spoofed")) {
		spoof_names(t->spoof_why, why, sizeof why);
		facts_note(f,
			   "Likely spoofed: %" PRIu64 " of %" PRIu64 " packets fail CAIDA "
			   "Corsaro's spoofing tests (%s): the source address is probably not "
			   "the sender's",
			   t->spoofed, p->packets, why);
	} else if (t->spoofed) {
		spoof_names(t->spoof_why, why, sizeof why);
		facts_note(f,
			   "%" PRIu64 " of %" PRIu64 " packets fail Corsaro's spoofing tests (%s)",
			   t->spoofed, p->packets, why);
	}
	if (t->ttl_excused)
		facts_note(f,
			   "TTL >= 200 is the identified tool's default here, not taken as a sign "
			   "of spoofing");
	if (t->backscatter)
		note_backscatter(f, p, b);
	if (t->probes)
		note_scan(f, p, t, host_rate);
}

static void json_victims(jw *w, const profile *p, const host_blob *b)
{
	char ip[46];
	jw_key(w, "victims");
	jw_arr_begin(w);
	if (p->tcp_synack || p->tcp_rst || b->replies || b->dns) {
		jw_obj_begin(w); /* the source itself answered spoofed packets */
		jw_kstr(w, "ip", addr_str(p->ip, ip));
		jw_knull(w, "port");
		jw_knull(w, "proto");
		jw_kuint(w, "packets", p->tcp_synack + p->tcp_rst + b->replies + b->dns);
		jw_kstr(w, "from", "replies");
		jw_obj_end(w);
	}
	for (int i = 0; i < b->nvictims; i++) {
		const hb_victim *v = &b->victim[i];
		jw_obj_begin(w);
		jw_kstr(w, "ip", addr_str(v->addr, ip));
		jw_kint(w, "port", v->port);
		jw_kstr(w, "proto", proto_name(v->proto));
		jw_kuint(w, "packets", v->count);
		jw_kstr(w, "from", "icmp-quote");
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kbool(w, "victims_more", (b->flags & HBF_MORE_VICTIMS) != 0);
}

void traffic_json(jw *w, const profile *p, const host_blob *b, const traffic_result *t,
		  double host_rate)
{
	jw_obj_begin(w);
	jw_kstr(w, "kind", t->kind);
	jw_kuint(w, "probes", t->probes);
	jw_kuint(w, "backscatter", t->backscatter);
	jw_kuint(w, "spoofed", t->spoofed);
	jw_key(w, "spoof_tests");
	jw_arr_begin(w);
	for (unsigned i = 0; i < SP_COUNT; i++)
		if (t->spoof_why & (1u << i))
			jw_str(w, spoof_test_name(i));
	jw_arr_end(w);
	jw_key(w, "backscatter_by");
	jw_obj_begin(w);
	jw_kuint(w, "synack", p->tcp_synack);
	jw_kuint(w, "rst", p->tcp_rst);
	jw_kuint(w, "icmp_error", p->icmp_error);
	jw_kuint(w, "icmp_reply", b->replies);
	jw_kuint(w, "dns_response", b->dns);
	jw_obj_end(w);
	json_victims(w, p, b);
	jw_kuint(w, "targets", dset_count(&p->targets));
	jw_kuint(w, "ports", dset_count(&p->dports));
	jw_key(w, "duration_s");
	jw_double(w, t->duration_s);
	jw_key(w, "rate_pps");
	if (t->rate_pps >= 0)
		jw_double(w, t->rate_pps);
	else
		jw_null(w);
	jw_key(w, "host_rate_pps");
	if (host_rate > 0)
		jw_double(w, host_rate);
	else
		jw_null(w);
	jw_obj_end(w);
}
