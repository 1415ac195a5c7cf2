/* The HTML report (html.h). Everything is written inline: the style sheet,
 * the charts (svg.c); nothing refers to a file or a URL. Text that comes
 * from packets is escaped, and with --redact it goes through the redactor
 * (redact.c) first. */
#include "report/html.h"

#include "campaign/campaign.h"
#include "campaign/trend.h"
#include "decode/decode.h"
#include "report/facts.h"
#include "report/redact.h"
#include "report/source_out.h"
#include "report/svg.h"
#include "util/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOP_SOURCES	  25
#define CAMPAIGNS_IN_FULL 40 /* written up; the rest are in the table */
#define TREND_PORTS	  8
/* colours that only the charts use for bars (tests look for them on screen) */
#define CHART_BAR  "#3b73c8"
#define CHART_RISE "#d81b60"

typedef struct src_row {
	uint8_t addr[16];
	char ip[46], first[32], last[32], ports[96], tools[160], campaign[32], os[48];
	uint64_t packets, targets;
} src_row;

typedef struct report {
	FILE *out;
	store *st;
	const report_opts *o;
	redactor red;
	campaign_cache *cache;
	campaign_set set;
	trends tr;
	uint64_t sources, packets, captures;
	int64_t first_ns, last_ns;
	uint32_t nsensors;
	char sensors[16][32];
	src_row top[TOP_SOURCES];
	uint32_t ntop;
	buf tmp;
} report;

static const char style[] =
    "body{font:15px/1.45 system-ui,sans-serif;color:#1d1d1f;max-width:980px;margin:2em auto;"
    "padding:0 1em}h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;"
    "padding-bottom:.2em;margin-top:2em}h3{margin-bottom:.3em}.meta{color:#666}"
    "table{border-collapse:collapse;margin:.6em 0;font-size:.92em}td,th{border-bottom:1px solid"
    " #e3e3e3;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f6}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}pre{background:#f6f6f8;"
    "border:1px solid #ddd;padding:.7em;overflow-x:auto;font-size:.85em}article{border:1px solid"
    " #ddd;border-radius:6px;padding:.2em 1.2em 1em;margin:1.2em 0}.badge{display:inline-block;"
    "padding:.05em .5em;border-radius:4px;font-size:.8em;color:#fff;background:#777;"
    "vertical-align:middle}.botnet{background:#c0392b}.group{background:#d68910}.single{"
    "background:#2e86c1}.decoys,.distributed{background:#7d3c98}.share{display:inline-block;"
    "height:.7em;background:#4a7bd0;vertical-align:middle}.chart text{font-size:11px;"
    "fill:#333}.chart .grid{stroke:#e6e6e6}.chart .axis{stroke:#999}.rise{color:#c0392b;"
    "font-weight:600}code{background:#f1f1f3;padding:0 .2em}";

/* --- text ---------------------------------------------------------------------------- */

static void txt(report *r, const char *s)
{
	html_text(r->out, s);
}

/* Text from packets or derived from them: redacted, then escaped. */
static void rtxt(report *r, const char *s, size_t n, int sip)
{
	buf_reset(&r->tmp);
	redact_text(&r->red, s, n, sip, &r->tmp);
	html_textn(r->out, (const char *)r->tmp.p, r->tmp.len);
}

static void rstr(report *r, const char *s)
{
	rtxt(r, s, strlen(s), 0);
}

static void day_str(int32_t d, char *out, size_t n)
{
	campaign_day_str(d, out, n);
}

static void time_short(int64_t ns, char *out, size_t n)
{
	time_rfc3339(ns, out, n);
	char *dot = strchr(out, '.');
	if (dot)
		snprintf(dot, 2, "Z");
	char *t = strchr(out, 'T');
	if (t)
		*t = ' ';
}

/* --- gathering ------------------------------------------------------------------------ */

static int capture_cb(void *vctx, const capture_rec *c)
{
	report *r = vctx;
	r->captures++;
	r->packets += c->ip_packets;
	if (c->packets) {
		if (!r->first_ns || c->first_ns < r->first_ns)
			r->first_ns = c->first_ns;
		if (c->last_ns > r->last_ns)
			r->last_ns = c->last_ns;
	}
	for (uint32_t i = 0; i < r->nsensors; i++)
		if (!strcmp(r->sensors[i], c->sensor))
			return 0;
	if (r->nsensors < 16)
		snprintf(r->sensors[r->nsensors++], sizeof r->sensors[0], "%s", c->sensor);
	return 0;
}

static int top_cb(void *vctx, const profile *p)
{
	report *r = vctx;
	src_row *x = &r->top[r->ntop++];
	facts f;
	describe_ctx dc = {r->st, r->cache};
	facts_init(&f);
	facts_describe(p, &f, &dc);
	memcpy(x->addr, p->ip, 16);
	addr_str(p->ip, x->ip);
	time_short(p->first_ns, x->first, sizeof x->first);
	time_short(p->last_ns, x->last, sizeof x->last);
	x->packets = p->packets;
	x->targets = dset_count(&p->targets);
	uint32_t v[DSET_EXACT], nv = dset_sorted(&p->dports, v);
	size_t k = 0;
	for (uint32_t i = 0; i < nv && k < sizeof x->ports - 40; i++) {
		char ps[32];
		k += (size_t)snprintf(x->ports + k, sizeof x->ports - k, "%s%s", i ? " " : "",
				      port_str(v[i], ps, sizeof ps));
		if (i == 4 && nv > 5) {
			snprintf(x->ports + k, sizeof x->ports - k, " +%" PRIu64,
				 dset_count(&p->dports) - 5);
			break;
		}
	}
	k = 0;
	for (int i = 0; i < f.ntools && k < sizeof x->tools - 80; i++)
		k += (size_t)snprintf(x->tools + k, sizeof x->tools - k, "%s%s%s%s%s%s%s",
				      i ? ", " : "", f.tools[i].tool,
				      f.tools[i].component[0] ? " " : "", f.tools[i].component,
				      f.tools[i].version[0] ? " " : "", f.tools[i].version,
				      f.tools[i].modified ? " (modified)" : "");
	snprintf(x->campaign, sizeof x->campaign, "%s", f.campaign);
	snprintf(x->os, sizeof x->os, "%s", f.os_guess);
	facts_free(&f);
	return r->ntop == TOP_SOURCES;
}

static int gather(report *r)
{
	source_query q = {0};
	q.limit = TOP_SOURCES;
	trend_opts to = {r->o->days ? r->o->days : 28, TREND_PORTS, 0};
	if (store_scan_captures(r->st, capture_cb, r) < 0 ||
	    store_count_sources(r->st, &r->sources) < 0 ||
	    campaigns_build(r->st, r->cache, &r->set) < 0 || trends_build(r->st, &to, &r->tr) < 0 ||
	    store_scan_profiles(r->st, &q, top_cb, r) < 0)
		return -1;
	for (size_t i = 0; i < r->set.n; i++)
		for (uint32_t k = 0; k < r->set.c[i].nsensor_addr; k++)
			redactor_add(&r->red, r->set.c[i].sensor_addr[k]);
	return 0;
}

/* --- overview --------------------------------------------------------------------------- */

static void figure(report *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void figure(report *r, const char *name, const char *fmt, ...)
{
	char v[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	fputs("<tr><th>", r->out);
	txt(r, name);
	fputs("</th><td>", r->out);
	txt(r, v);
	fputs("</td></tr>\n", r->out);
}

static void total_chart(report *r)
{
	const trends *t = &r->tr;
	if (t->last_day < t->first_day || !t->ndays)
		return;
	double *src = calloc(t->ndays, sizeof *src), *pk = calloc(t->ndays, sizeof *pk);
	uint8_t *mark = calloc(t->ndays, 1);
	if (src && pk && mark) {
		double pmax = 0, smax = 0;
		for (uint32_t d = 0; d < t->ndays; d++) {
			src[d] = (double)t->total[d].sources;
			pk[d] = (double)t->total[d].packets;
			mark[d] = t->total[d].rise;
			pmax = pk[d] > pmax ? pk[d] : pmax;
			smax = src[d] > smax ? src[d] : smax;
		}
		/* packets drawn to the sources' scale, named so in the legend */
		double scale = pmax > 0 && smax > 0 ? smax / pmax : 1;
		for (uint32_t d = 0; d < t->ndays; d++)
			pk[d] *= scale;
		char pname[64];
		snprintf(pname, sizeof pname, "probes (scaled, max %.0f)", pmax);
		svg_series s[2] = {{"sources", SVG_BARS, CHART_BAR, src, mark, CHART_RISE},
				   {pname, SVG_LINE, "#e08a1e", pk, NULL, NULL}};
		svg_chart c = {"Distinct sources and probes per day, all ports",
			       t->first_day,
			       t->ndays,
			       2,
			       s,
			       0,
			       0};
		svg_days_chart(r->out, &c);
	}
	free(src);
	free(pk);
	free(mark);
}

static void overview(report *r)
{
	char a[48], b[48];
	fputs("<section id=\"overview\"><h2>Overview</h2><table>\n", r->out);
	time_short(r->first_ns, a, sizeof a);
	time_short(r->last_ns, b, sizeof b);
	figure(r, "Period", "%s to %s", r->captures ? a : "-", r->captures ? b : "-");
	buf s;
	buf_init(&s);
	for (uint32_t i = 0; i < r->nsensors; i++)
		buf_printf(&s, "%s%s", i ? ", " : "", r->sensors[i]);
	figure(r, "Sensors", "%s", r->nsensors ? buf_cstr(&s) : "-");
	buf_free(&s);
	figure(r, "Captures and sessions read", "%" PRIu64, r->captures);
	figure(r, "IP packets", "%" PRIu64, r->packets);
	figure(r, "Sources", "%" PRIu64, r->sources);
	uint64_t by[4] = {0, 0, 0, 0};
	for (size_t i = 0; i < r->set.n; i++) {
		const char *cl = r->set.c[i].cls;
		by[!strcmp(cl, "botnet")   ? 0
		   : !strcmp(cl, "group")  ? 1
		   : !strcmp(cl, "single") ? 2
					   : 3]++;
	}
	figure(r, "Campaigns",
	       "%zu: %" PRIu64 " botnets, %" PRIu64 " groups, %" PRIu64 " single scanners, %" PRIu64
	       " single runs from several addresses",
	       r->set.n, by[0], by[1], by[2], by[3]);
	uint32_t rising = 0;
	for (uint32_t i = 0; i < r->tr.nports; i++)
		rising += r->tr.ports[i].nrises > 0;
	figure(r, "Ports with a significant rise", "%u of %" PRIu64 " ports probed", rising,
	       r->tr.ports_seen);
	fputs("</table>\n", r->out);
	total_chart(r);
	fputs("</section>\n", r->out);
}

/* --- campaigns ----------------------------------------------------------------------------- */

static void campaign_index(report *r)
{
	char a[48];
	fputs("<table><tr><th>Campaign</th><th>Class</th><th>Members</th><th>First seen</th>"
	      "<th>Days active</th><th>What</th></tr>\n",
	      r->out);
	for (size_t i = 0; i < r->set.n; i++) {
		const campaign *c = &r->set.c[i];
		time_short(c->first_ns, a, sizeof a);
		fprintf(r->out,
			"<tr><td><a href=\"#%s\">%s</a></td><td><span class=\"badge %s\">%s</span>"
			"</td><td class=\"n\">%" PRIu64
			"</td><td>%s</td><td class=\"n\">%u</td><td>",
			c->id, c->id, c->cls, c->cls, c->members, a, c->days_active);
		rstr(r, c->label);
		fputs("</td></tr>\n", r->out);
	}
	fputs("</table>\n", r->out);
}

static void kit_part(report *r, const campaign *c)
{
	if (c->kind->prefix == 'K') {
		fputs("<p>The order and layout of the headers are those of <b>", r->out);
		fprintf(r->out, "%s %s %s", c->tool, c->component, c->version);
		fputs("</b>", r->out);
		if (c->tmpl[0]) {
			fputs(" (template <code>", r->out);
			txt(r, c->tmpl);
			fputs("</code>)", r->out);
		}
		fputs(
		    ", but its tokens are not: a modified copy of the tool, not a tool of its own."
		    " Nobody writes the same layout by chance.",
		    r->out);
		if (c->kit[0]) {
			fputs(" It is the kit known as <b>", r->out);
			txt(r, c->kit);
			fputs("</b>.", r->out);
		}
		fputs("</p>\n", r->out);
	} else {
		fprintf(r->out, "<p>What the members share: %s (<code>", c->kind->what);
		rstr(r, c->key);
		fputs("</code>).</p>\n", r->out);
	}
	if (c->nchanges) {
		fputs("<p>What was changed:</p><ul>\n", r->out);
		for (uint32_t i = 0; i < c->nchanges; i++) {
			fputs("<li>\"", r->out);
			rstr(r, c->changes[i].seen);
			fputs("\" replaces the usual \"", r->out);
			rstr(r, c->changes[i].expected);
			fputs("\" in ", r->out);
			txt(r, c->changes[i].field);
			fprintf(r->out, " (%u of %u members described)</li>\n",
				c->changes[i].members, c->described);
		}
		fputs("</ul>\n", r->out);
	}
	if (c->nevidence) {
		fputs("<p>Evidence (from one member, <code>", r->out);
		char ip[46];
		txt(r, addr_str(c->example, ip));
		fputs("</code>):</p><ul>\n", r->out);
		for (uint32_t i = 0; i < c->nevidence; i++) {
			fputs("<li>", r->out);
			rstr(r, c->evidence[i]);
			fputs("</li>\n", r->out);
		}
		fputs("</ul>\n", r->out);
	}
}

static void addresses_part(report *r, const campaign *c)
{
	if (!c->nlocal && !c->nfolded)
		return;
	fputs("<p>Local addresses written into the requests (Via, Contact):</p><ul>\n", r->out);
	for (uint32_t i = 0; i < c->nlocal; i++) {
		uint8_t a[16];
		int priv = addr_parse(c->local[i].name, a) == 0 &&
			   campaign_kind_for("sip.local", c->local[i].name) != NULL;
		fputs("<li><code>", r->out);
		rstr(r, c->local[i].name);
		fprintf(r->out, "</code>: %" PRIu64 " of %" PRIu64 " members%s</li>\n",
			c->local[i].n, c->members,
			priv && c->local[i].n >= 5
			    ? ": one private address from many hosts that cannot"
			      " share a network is a constant in the kit, not a NAT"
			: !strncmp(c->local[i].name, "127.", 4)
			    ? ": the host name did not resolve (the tool's fallback)"
			    : "");
	}
	for (uint32_t i = 0; i < c->nfolded; i++) {
		fputs("<li><code>", r->out);
		rstr(r, c->folded[i].name);
		fprintf(r->out,
			"</code> is written by %" PRIu64 " sources in all, most of them members:"
			" hard-coded in this kit</li>\n",
			c->folded[i].n);
	}
	fputs("</ul>\n", r->out);
}

static void hosts_part(report *r, const campaign *c)
{
	static const char *const ttl[4] = {"32", "64", "128", "255"};
	fputs("<p>The hosts: initial TTL ", r->out);
	int any = 0;
	for (int i = 0; i < 4; i++)
		if (c->ttl_initial[i]) {
			fprintf(r->out, "%s%s on %" PRIu64 "", any ? ", " : "", ttl[i],
				c->ttl_initial[i]);
			any = 1;
		}
	if (!any)
		fputs("unknown", r->out);
	if (c->v4_members)
		fprintf(r->out,
			"; IP ID 0 with DF on every packet from %" PRIu64 " of %" PRIu64
			" (Linux 2.4/2.6 kept the ID at 0 for such UDP: CVE-2002-0510)",
			c->ipid_zero_df, c->v4_members);
	if (c->nos) {
		fprintf(r->out, "; OS of the %u members described: ", c->described);
		for (uint32_t i = 0; i < c->nos && i < 4; i++) {
			fputs(i ? ", " : "", r->out);
			txt(r, c->os[i].name);
			fprintf(r->out, " (%" PRIu64 ")", c->os[i].n);
		}
	}
	if (c->processes_max > 1)
		fprintf(r->out,
			"; %u of them ran several copies at once (up to %d: source ports"
			" counted up from the first)",
			c->multi_process, c->processes_max);
	fputs(".</p>\n", r->out);
}

static void ports_part(report *r, const campaign *c)
{
	char ps[32];
	(void)ps;
	fputs("<p>The ports the members probe:</p><table><tr><th>Port</th><th>Members</th>"
	      "<th>Share</th></tr>\n",
	      r->out);
	for (uint32_t i = 0; i < c->nports && i < 12; i++) {
		double sh = c->members ? (double)c->ports[i].n / (double)c->members : 0;
		fprintf(r->out,
			"<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td><td><span class=\"share\""
			" style=\"width:%.0fpx\"></span> %.0f%%</td></tr>\n",
			c->ports[i].name, c->ports[i].n, sh * 120, sh * 100);
	}
	fputs("</table>\n", r->out);
}

static void growth_part(report *r, const campaign *c)
{
	if (!c->ndays)
		return;
	double *nw = calloc(c->ndays, sizeof *nw), *act = calloc(c->ndays, sizeof *act),
	       *tot = calloc(c->ndays, sizeof *tot);
	if (nw && act && tot) {
		double sum = 0;
		for (uint32_t d = 0; d < c->ndays; d++) {
			nw[d] = c->days[d].new_members;
			act[d] = c->days[d].active;
			sum += nw[d];
			tot[d] = sum;
		}
		svg_series s[3] = {{"new members", SVG_BARS, CHART_BAR, nw, NULL, NULL},
				   {"active members", SVG_LINE, "#e08a1e", act, NULL, NULL},
				   {"members in all", SVG_LINE, "#333333", tot, NULL, NULL}};
		char title[64];
		snprintf(title, sizeof title, "Growth of campaign %s", c->id);
		svg_chart ch = {title, c->days[0].day, c->ndays, 3, s, 0, 200};
		svg_days_chart(r->out, &ch);
	}
	free(nw);
	free(act);
	free(tot);
}

static void sample_part(report *r, const campaign *c)
{
	if (!c->nsamples)
		return;
	const camp_sample *s = &c->samples[0];
	char ip[46], dst[46], t[48];
	time_short(s->m.ts_ns, t, sizeof t);
	fputs("<p>A typical request", r->out);
	if (r->red.on)
		fputs(" (redacted: the sensor's address, tags, Call-ID and branch)", r->out);
	fputs(":</p><pre>Source: ", r->out);
	txt(r, addr_str(s->ip, ip));
	fprintf(r->out, ":%u\nDestination: ", s->m.sport);
	txt(r, redactor_map(&r->red, s->m.dst_ip, dst));
	fprintf(r->out, ":%u/%s\nTime: %s\nMessage:\n", s->m.dport, proto_name(s->m.proto), t);
	rtxt(r, (const char *)s->data, s->m.len, 1);
	fputs("</pre>\n", r->out);
}

static void related_part(report *r, const campaign *c)
{
	if (c->nrelated) {
		fputs("<p>Members also belong to: ", r->out);
		for (uint32_t i = 0; i < c->nrelated; i++)
			fprintf(r->out, "%s<a href=\"#%s\">%s</a> (%" PRIu64 ")", i ? ", " : "",
				c->related[i].name, c->related[i].name, c->related[i].n);
		fputs(".</p>\n", r->out);
	}
	if (c->nsensors) {
		fputs("<p class=\"meta\">Seen by: ", r->out);
		for (uint32_t i = 0; i < c->nsensors; i++) {
			fputs(i ? ", " : "", r->out);
			txt(r, c->sensors[i].name);
			fprintf(r->out, " (%" PRIu64 ")", c->sensors[i].n);
		}
		fputs("</p>\n", r->out);
	}
}

static void campaign_article(report *r, const campaign *c)
{
	char a[48], b[48];
	time_short(c->first_ns, a, sizeof a);
	time_short(c->last_ns, b, sizeof b);
	fprintf(r->out, "<article id=\"%s\"><h3>%s: ", c->id, c->id);
	rstr(r, c->label);
	fprintf(r->out, " <span class=\"badge %s\">%s</span></h3>\n<p><b>", c->cls, c->cls);
	txt(r, c->verdict);
	fprintf(r->out,
		".</b> %" PRIu64 " member%s, first seen %s, last seen %s; %" PRIu64
		" probes from %" PRIu64 " /24 networks.</p>\n",
		c->members, c->members == 1 ? "" : "s", a, b, c->packets, c->nets24);
	kit_part(r, c);
	addresses_part(r, c);
	hosts_part(r, c);
	ports_part(r, c);
	growth_part(r, c);
	sample_part(r, c);
	related_part(r, c);
	fputs("</article>\n", r->out);
}

static void campaigns_section(report *r)
{
	fputs(
	    "<section id=\"campaigns\"><h2>Campaigns</h2>\n<p>Sources that share a kit"
	    " fingerprint: a modified tool's changed tokens, a request shape no known tool writes,"
	    " a hard-coded local address, or one scan's parameters. Each id names the fingerprint,"
	    " so it stays the same as more data arrives.</p>\n",
	    r->out);
	if (!r->set.n) {
		fputs("<p>No campaign: no kit fingerprint is shared.</p></section>\n", r->out);
		return;
	}
	campaign_index(r);
	for (size_t i = 0; i < r->set.n && i < CAMPAIGNS_IN_FULL; i++)
		campaign_article(r, &r->set.c[i]);
	fputs("</section>\n", r->out);
}

/* --- trends ----------------------------------------------------------------------------------- */

/* Campaigns whose members probe the port and were active on day d. */
static void rise_explained(report *r, uint32_t port, int32_t d)
{
	char ps[32];
	port_str(port, ps, sizeof ps);
	int any = 0;
	for (size_t i = 0; i < r->set.n; i++) {
		const campaign *c = &r->set.c[i];
		uint64_t probing = 0;
		for (uint32_t k = 0; k < c->nports; k++)
			if (!strcmp(c->ports[k].name, ps))
				probing = c->ports[k].n;
		if (!probing || !c->ndays || d < c->days[0].day ||
		    d >= c->days[0].day + (int32_t)c->ndays)
			continue;
		uint32_t active = c->days[d - c->days[0].day].active;
		if (!active)
			continue;
		fprintf(r->out, "%s<a href=\"#%s\">%s</a> (%u active members that day)",
			any ? ", " : " Campaigns active that day: ", c->id, c->id, active);
		any = 1;
	}
}

static void trend_port_part(report *r, const trend_port *p)
{
	const trends *t = &r->tr;
	char ps[32], d[16];
	port_str(p->port, ps, sizeof ps);
	double *src = calloc(t->ndays, sizeof *src), *base = calloc(t->ndays, sizeof *base);
	uint8_t *mark = calloc(t->ndays, 1);
	fprintf(r->out, "<h3 id=\"port-%s\">%s</h3>\n", ps, ps);
	if (src && base && mark) {
		for (uint32_t k = 0; k < t->ndays; k++) {
			src[k] = (double)p->day[k].sources;
			base[k] = p->day[k].baseline;
			mark[k] = p->day[k].rise;
		}
		svg_series s[2] = {{"sources", SVG_BARS, CHART_BAR, src, mark, CHART_RISE},
				   {"baseline (median of the 14 days before)", SVG_LINE, "#333333",
				    base, NULL, NULL}};
		char title[64];
		snprintf(title, sizeof title, "Distinct sources per day to %s", ps);
		svg_chart c = {title, t->first_day, t->ndays, 2, s, 0, 180};
		svg_days_chart(r->out, &c);
	}
	free(src);
	free(base);
	free(mark);
	fprintf(r->out, "<p>%" PRIu64 " probes; at most %" PRIu64 " sources a day.", p->packets,
		p->sources_max);
	for (uint32_t k = 0; k < t->ndays; k++) {
		if (!p->day[k].rise)
			continue;
		day_str(t->first_day + (int32_t)k, d, sizeof d);
		fprintf(r->out,
			" <span class=\"rise\">Rise on %s: %" PRIu64 " sources against a baseline"
			" of %.1f (sigma %.1f).</span>",
			d, p->day[k].sources, p->day[k].baseline, p->day[k].sigma);
		rise_explained(r, p->port, t->first_day + (int32_t)k);
	}
	fputs("</p>\n", r->out);
}

static void trends_section(report *r)
{
	const trends *t = &r->tr;
	fprintf(r->out,
		"<section id=\"trends\"><h2>Port trends</h2>\n<p>Probes (TCP SYN, UDP) and"
		" distinct sources per destination port and day. A day is a <span class=\"rise\">"
		"significant rise</span> when its sources reach the median of the %d days before"
		" (days the sensors saw nothing at all left out; at least %d of them) plus %.0f"
		" robust standard deviations (1.4826 x the median absolute deviation, at least the"
		" square root of the median and 1), twice the median, and %d sources more.</p>\n",
		TREND_BASELINE_DAYS, TREND_BASELINE_MIN, TREND_SIGMAS, TREND_MIN_RISE);
	if (t->last_day < t->first_day || !t->nports) {
		fputs("<p>No probes stored.</p></section>\n", r->out);
		return;
	}
	for (uint32_t i = 0; i < t->nports; i++)
		trend_port_part(r, &t->ports[i]);
	fputs("</section>\n", r->out);
}

/* --- top sources
 * ----------------------------------------------------------------------------------- */

static void sources_section(report *r)
{
	fputs(
	    "<section id=\"sources\"><h2>Top sources</h2>\n<table><tr><th>Source</th><th>First seen"
	    "</th><th>Last seen</th><th>Packets</th><th>Targets</th><th>Ports</th><th>Tools</th>"
	    "<th>OS</th><th>Campaign</th></tr>\n",
	    r->out);
	for (uint32_t i = 0; i < r->ntop; i++) {
		const src_row *x = &r->top[i];
		char ip[46];
		fputs("<tr><td>", r->out); /* a sensor that answered is a source too */
		txt(r, redactor_map(&r->red, x->addr, ip));
		fprintf(r->out,
			"</td><td>%s</td><td>%s</td><td class=\"n\">%" PRIu64
			"</td><td class=\"n\">%" PRIu64 "</td><td>",
			x->first, x->last, x->packets, x->targets);
		txt(r, x->ports);
		fputs("</td><td>", r->out);
		rstr(r, x->tools[0] ? x->tools : "-");
		fputs("</td><td>", r->out);
		txt(r, x->os[0] ? x->os : "-");
		if (x->campaign[0])
			fprintf(r->out, "</td><td><a href=\"#%s\">%s</a></td></tr>\n", x->campaign,
				x->campaign);
		else
			fputs("</td><td>-</td></tr>\n", r->out);
	}
	fputs("</table></section>\n", r->out);
}

static void head(report *r)
{
	char now[48];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	time_short((int64_t)ts.tv_sec * 1000000000, now, sizeof now);
	fprintf(
	    r->out,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta "
	    "name=\"viewport\""
	    " content=\"width=device-width\">\n<title>scanprint report</title>\n<style>%s</style>\n"
	    "</head><body>\n<h1>Scanning seen by the sensors</h1>\n<p class=\"meta\">scanprint %s,"
	    " %s%s. Sections: <a href=\"#overview\">overview</a>, <a href=\"#campaigns\">campaigns"
	    "</a>, <a href=\"#trends\">port trends</a>, <a href=\"#sources\">top "
	    "sources</a>.</p>\n",
	    style, SP_VERSION, now,
	    r->o->redact ? "; redacted: sensor addresses are documentation addresses"
			   " (192.0.2.0/24, 2001:db8::/32), tags, Call-IDs and branches removed"
			 : "");
}

int report_html(FILE *out, store *st, const report_opts *o)
{
	report *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(st->err, sizeof st->err, "out of memory");
		return -1;
	}
	r->out = out;
	r->st = st;
	r->o = o;
	redactor_init(&r->red, o->redact);
	buf_init(&r->tmp);
	r->cache = campaign_cache_new(st);
	int rc = r->cache ? gather(r) : -1;
	if (rc == 0) {
		head(r);
		overview(r);
		campaigns_section(r);
		trends_section(r);
		sources_section(r);
		fputs("<p class=\"meta\">Written by scanprint: profiles of every source, kit "
		      "fingerprints"
		      " from SIP templates and raw-packet marks, campaigns grouped by shared"
		      " fingerprints.</p>\n</body></html>\n",
		      out);
		if (ferror(out)) {
			snprintf(st->err, sizeof st->err, "write error");
			rc = -1;
		}
	}
	campaigns_free(&r->set);
	trends_free(&r->tr);
	campaign_cache_free(r->cache);
	redactor_free(&r->red);
	buf_free(&r->tmp);
	free(r);
	return rc;
}
