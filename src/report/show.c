/* `show IP`: a source written up the way an analyst would, conclusions with
 * their evidence first, then the raw facts, then what the source sent. */
#include "decode/decode.h"
#include "report/source_out.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

static void duration(int64_t ns, char *out, size_t n)
{
	int64_t s = ns / 1000000000;
	if (s < 60)
		snprintf(out, n, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(out, n, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, n, "%" PRId64 "h%02" PRId64 "m", s / 3600, (s % 3600) / 60);
	else
		snprintf(out, n, "%" PRId64 "d%02" PRId64 "h", s / 86400, (s % 86400) / 3600);
}

static void show_tools(FILE *out, const facts *f)
{
	if (!f->ntools) {
		fprintf(out, "  No scanning tool recognised.\n");
		return;
	}
	for (int i = 0; i < f->ntools; i++) {
		const fact_tool *t = &f->tools[i];
		fprintf(out, "  %s%s%s%s%s%s (confidence %.2f)%s\n", t->tool,
			t->component[0] ? " " : "", t->component, t->version[0] ? " " : "",
			t->version, t->modified ? ", MODIFIED" : "", t->confidence,
			t->modified ? ":" : "");
		for (int c = 0; c < t->nchanges; c++)
			fprintf(out, "      %s: \"%s\" instead of \"%s\"\n", t->changes[c].field,
				t->changes[c].seen, t->changes[c].expected);
		for (int e = 0; e < t->nevidence; e++)
			fprintf(out, "    - %s\n", t->evidence[e]);
	}
}

static void show_host(FILE *out, const profile *p, const facts *f)
{
	fprintf(out, "\nHost\n");
	if (f->ttl_initial >= 0)
		fprintf(out, "  TTL %d..%d: initial %d, %d hops away%s\n", profile_ttl_min(p),
			profile_ttl_max(p), f->ttl_initial, f->ttl_hops,
			profile_ttl_distinct(p) > 1 ? " (TTL varies)" : "");
	if (f->ipid_total)
		fprintf(out, "  IP ID: %" PRIu64 " of %" PRIu64 " zero%s%s%s\n", f->ipid_zero,
			f->ipid_total, f->ipid_class[0] ? "; series looks " : "", f->ipid_class,
			p->df ? "; DF set" : "");
	if (f->os_guess[0]) {
		fprintf(out, "  OS: %s\n", f->os_guess);
		for (int i = 0; i < f->nos_evidence; i++)
			fprintf(out, "    - %s\n", f->os_evidence[i]);
	}
	if (f->processes >= 0)
		fprintf(out, "  Processes: at least %d running the scan at once\n", f->processes);
	for (int i = 0; i < f->nlocal; i++)
		fprintf(out, "  Local address it reveals: %s\n", f->local_addresses[i]);
	char ja4t[SYN_JA4T_MAX];
	for (uint32_t i = 0; i < p->n_syn; i++) {
		syn_sig_ja4t(&p->syn[i], ja4t, sizeof ja4t);
		fprintf(out, "  SYN: JA4T %s, TTL %u%s (%u SYNs)\n", ja4t, p->syn[i].ttl,
			(p->syn[i].has & SYNF_DF) ? ", DF" : "", p->syn[i].count);
	}
}

static void show_traffic(FILE *out, const profile *p, const facts *f)
{
	char ps[32], d[32];
	duration(p->last_ns - p->first_ns, d, sizeof d);
	fprintf(out, "\nTraffic\n");
	fprintf(out, "  %" PRIu64 " packets, %" PRIu64 " bytes over %s to %" PRIu64 " target%s%s\n",
		p->packets, p->bytes, d, dset_count(&p->targets),
		dset_count(&p->targets) == 1 ? "" : "s",
		dset_is_estimate(&p->targets) ? " (estimated)" : "");
	fprintf(out, "  protocols: tcp %" PRIu64 ", udp %" PRIu64 ", icmp %" PRIu64 ", other %" PRIu64 "\n",
		p->pkts_tcp, p->pkts_udp, p->pkts_icmp, p->pkts_other);
	if (p->pkts_tcp)
		fprintf(out, "  tcp: %" PRIu64 " SYN, %" PRIu64 " SYN-ACK, %" PRIu64 " RST, %" PRIu64
			" FIN, %" PRIu64 " with payload\n",
			p->tcp_syn, p->tcp_synack, p->tcp_rst, p->tcp_fin, p->tcp_data);
	uint32_t v[DSET_EXACT], n = dset_sorted(&p->dports, v);
	fprintf(out, "  ports (%" PRIu64 "):", dset_count(&p->dports));
	for (uint32_t i = 0; i < n && i < 32; i++)
		fprintf(out, " %s", port_str(v[i], ps, sizeof ps));
	fprintf(out, "%s\n", dset_count(&p->dports) > 32 ? " ..." : "");
	n = dset_sorted(&p->sports, v);
	fprintf(out, "  source ports (%" PRIu64 "):", dset_count(&p->sports));
	for (uint32_t i = 0; i < n && i < 16; i++)
		fprintf(out, " %s", port_str(v[i], ps, sizeof ps));
	fprintf(out, "%s\n", dset_count(&p->sports) > 16 ? " ..." : "");
	if (f->nmethods) {
		fprintf(out, "  SIP:");
		for (int i = 0; i < f->nmethods; i++)
			fprintf(out, " %s %" PRIu64 "%s", f->method[i], f->method_count[i],
				i + 1 < f->nmethods ? "," : "");
		fprintf(out, "; %" PRIu64 " extensions tried, %" PRIu64 " passwords tried\n",
			f->extensions_tried, f->passwords_tried);
	}
	if (p->quirks) {
		fprintf(out, "  quirks:");
		for (unsigned b = 0; b < QUIRK_COUNT; b++)
			if (p->quirks & (1u << b))
				fprintf(out, " %s", quirk_name(b));
		fprintf(out, " (%" PRIu64 " malformed)\n", p->malformed);
	}
	if (p->evictions)
		fprintf(out, "  note: profile was flushed early %" PRIu64
			" time(s) because the memory cap was reached (merged, nothing lost)\n",
			p->evictions);
}

/* Prints a payload as text, escaping what is not printable. */
static void show_payload(FILE *out, const uint8_t *d, size_t n)
{
	fprintf(out, "    | ");
	for (size_t i = 0; i < n; i++) {
		uint8_t c = d[i];
		if (c == '\n') {
			if (i + 1 < n)
				fprintf(out, "\n    | ");
		} else if (c == '\r') {
			continue;
		} else if (isprint(c)) {
			fputc(c, out);
		} else {
			fprintf(out, "\\x%02x", c);
		}
	}
	fputc('\n', out);
}

typedef struct show_ctx {
	FILE *out;
	int n;
} show_ctx;

static int show_sample(void *vctx, const payload_sample *s)
{
	show_ctx *c = vctx;
	char dst[46], t[48];
	time_rfc3339(s->ts_ns, t, sizeof t);
	fprintf(c->out, "  %s from port %u to %s port %u/%s, %u bytes%s, %u like it\n", t, s->sport,
		addr_str(s->dst_ip, dst), s->dport, proto_name(s->proto), s->wire_len,
		s->len < s->wire_len ? " (kept the first part)" : "", s->count);
	show_payload(c->out, s->data, s->len);
	return ++c->n >= 3;
}

/* What a honeypot exchanged with the source (the store's sensor messages):
 * how many, how they were answered, and the last few. */
#define SHOW_LAST 6
typedef struct hp_show {
	uint64_t n, replied, limited, auth;
	int last;
	struct {
		int64_t ts;
		char line[100], note[100], action[24];
		uint16_t status, dport;
		uint8_t proto;
	} ring[SHOW_LAST];
} hp_show;

static int show_message(void *vctx, const sensor_msg *m)
{
	hp_show *h = vctx;
	h->n++;
	h->replied += m->reply_len > 0;
	h->limited += strncmp(m->action, "rate-limited", 12) == 0;
	h->auth += strstr(m->note, "auth_user=") != NULL;
	int k = h->last++ % SHOW_LAST;
	size_t l = 0;
	while (l < m->len && l < sizeof h->ring[k].line - 1 && m->data[l] != '\r' &&
	       m->data[l] != '\n')
		l++;
	for (size_t i = 0; i < l; i++)
		h->ring[k].line[i] = isprint(m->data[i]) ? (char)m->data[i] : '?';
	h->ring[k].line[l] = 0;
	snprintf(h->ring[k].note, sizeof h->ring[k].note, "%s", m->note);
	snprintf(h->ring[k].action, sizeof h->ring[k].action, "%s", m->action);
	h->ring[k].ts = m->ts_ns;
	h->ring[k].status = m->status;
	h->ring[k].dport = m->dport;
	h->ring[k].proto = m->proto;
	return 0;
}

static void show_honeypot(FILE *out, store *st, const profile *p)
{
	hp_show h;
	memset(&h, 0, sizeof h);
	if (store_scan_messages(st, p->ip, show_message, &h) < 0 || !h.n)
		return;
	fprintf(out, "\nHoneypot\n  %" PRIu64 " messages, %" PRIu64 " answered, %" PRIu64
		     " rate-limited, %" PRIu64 " with credentials; the last ones:\n",
		h.n, h.replied, h.limited, h.auth);
	int n = h.last < SHOW_LAST ? h.last : SHOW_LAST;
	for (int i = 0; i < n; i++) {
		int k = (h.last - n + i) % SHOW_LAST;
		char t[48], st_[16] = "-";
		time_rfc3339(h.ring[k].ts, t, sizeof t);
		if (h.ring[k].status)
			snprintf(st_, sizeof st_, "%u", h.ring[k].status);
		fprintf(out, "  %s %u/%s %s\n      -> %s %s%s%s\n", t, h.ring[k].dport,
			proto_name(h.ring[k].proto), h.ring[k].line, st_, h.ring[k].action,
			h.ring[k].note[0] ? ", " : "", h.ring[k].note);
	}
}

void source_show(FILE *out, store *st, const profile *p, const facts *f)
{
	char ip[46], first[48], last[48];
	time_rfc3339(p->first_ns, first, sizeof first);
	time_rfc3339(p->last_ns, last, sizeof last);
	fprintf(out, "%s\n", addr_str(p->ip, ip));
	fprintf(out, "  seen %s .. %s", first, last);
	if (p->n_sensors) {
		fprintf(out, " by");
		for (uint32_t i = 0; i < p->n_sensors; i++)
			fprintf(out, "%s %s", i ? "," : "", p->sensors[i]);
	}
	fprintf(out, "\n%s%s\n\nWhat it is\n", f->campaign[0] ? "  campaign " : "",
		f->campaign[0] ? f->campaign : "");
	show_tools(out, f);
	if (f->notes.len) {
		fprintf(out, "\nNotes\n");
		const char *s = (const char *)f->notes.p;
		size_t n = f->notes.len;
		while (n) {
			const char *nl = memchr(s, '\n', n);
			size_t l = nl ? (size_t)(nl - s) : n;
			fprintf(out, "  %.*s\n", (int)l, s);
			n -= nl ? l + 1 : l;
			s += nl ? l + 1 : l;
		}
	}
	show_host(out, p, f);
	show_traffic(out, p, f);
	if (st) {
		fprintf(out, "\nWhat it sent\n");
		show_ctx c = {out, 0};
		store_scan_samples(st, p->ip, show_sample, &c);
		if (!c.n)
			fprintf(out, "  (no payload)\n");
		show_honeypot(out, st, p);
	}
}
