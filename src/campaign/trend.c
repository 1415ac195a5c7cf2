/* Port trends (trend.h): one pass over the port-day rows of the window and
 * the TREND_BASELINE_DAYS before it, then the rise test per port and day. */
#include "campaign/trend.h"

#include "campaign/campaign.h"
#include "report/source_out.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- the test -------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median_sorted(const uint64_t *v, uint32_t n)
{
	return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

int trend_rise(uint64_t *base, uint32_t n, uint64_t x, double *baseline, double *sigma)
{
	*baseline = -1;
	*sigma = 0;
	if (n < TREND_BASELINE_MIN)
		return 0;
	qsort(base, n, sizeof *base, cmp_u64);
	double m = median_sorted(base, n);
	uint64_t d[TREND_BASELINE_DAYS];
	for (uint32_t i = 0; i < n && i < TREND_BASELINE_DAYS; i++)
		d[i] = (uint64_t)llround(fabs((double)base[i] - m) * 2); /* halves stay exact */
	qsort(d, n, sizeof *d, cmp_u64);
	double mad = median_sorted(d, n) / 2;
	double s = 1.4826 * mad;
	double sg = s;
	if (sg < sqrt(m))
		sg = sqrt(m);
	if (sg < 1)
		sg = 1;
	*baseline = m;
	*sigma = sg;
	double v = (double)x;
	return v >= m + TREND_SIGMAS * sg && v >= TREND_MIN_RATIO * m && v - m >= TREND_MIN_RISE;
}

/* --- reading ------------------------------------------------------------------------ */

typedef struct row {
	uint32_t port;
	int32_t day;
	uint64_t packets;
	uint64_t sources;
} row;

typedef struct read_ctx {
	int32_t from; /* first day read (baseline included) */
	uint32_t nfetch;
	row *rows;
	size_t n, cap;
	uint8_t *observed;
	uint64_t *packets;
	dset *sources;
	int oom;
} read_ctx;

static int take_row(void *vctx, const port_day *r)
{
	read_ctx *k = vctx;
	if (r->day < k->from || r->day >= k->from + (int32_t)k->nfetch)
		return 0;
	uint32_t i = (uint32_t)(r->day - k->from);
	k->observed[i] = 1;
	k->packets[i] += r->packets;
	dset_merge(&k->sources[i], &r->sources);
	if (k->n == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 4096;
		row *nr = realloc(k->rows, ncap * sizeof *nr);
		if (!nr) {
			k->oom = 1;
			return 1;
		}
		k->rows = nr;
		k->cap = ncap;
	}
	k->rows[k->n++] = (row){r->port, r->day, r->packets, dset_count(&r->sources)};
	return 0;
}

/* The rise test over the window's days of one series (nfetch values, of
 * which the last ndays are the window). */
static uint32_t test_series(const read_ctx *k, uint32_t ndays, trend_day *out, const uint64_t *src)
{
	uint32_t rises = 0, off = k->nfetch - ndays;
	for (uint32_t i = 0; i < ndays; i++) {
		uint32_t at = off + i;
		uint64_t base[TREND_BASELINE_DAYS];
		uint32_t nb = 0;
		for (uint32_t j = at > TREND_BASELINE_DAYS ? at - TREND_BASELINE_DAYS : 0; j < at;
		     j++)
			if (k->observed[j])
				base[nb++] = src[j];
		int r = trend_rise(base, nb, src[at], &out[i].baseline, &out[i].sigma);
		out[i].observed = k->observed[at];
		out[i].rise = (uint8_t)(k->observed[at] && r);
		rises += out[i].rise;
	}
	return rises;
}

static int cmp_port(const void *a, const void *b)
{
	const trend_port *x = a, *y = b;
	if (x->source_days != y->source_days)
		return x->source_days > y->source_days ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/* Ports of the rows (ordered by port, then day) as series. */
static int make_ports(read_ctx *k, trends *t, const trend_opts *o)
{
	uint32_t off = k->nfetch - t->ndays;
	uint64_t *src = calloc(k->nfetch, sizeof *src), *pk = calloc(k->nfetch, sizeof *pk);
	trend_port *all = NULL;
	size_t nall = 0, capall = 0;
	int rc = src && pk ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < k->n;) {
		size_t j = i;
		memset(src, 0, k->nfetch * sizeof *src);
		memset(pk, 0, k->nfetch * sizeof *pk);
		for (; j < k->n && k->rows[j].port == k->rows[i].port; j++) {
			src[k->rows[j].day - k->from] = k->rows[j].sources;
			pk[k->rows[j].day - k->from] = k->rows[j].packets;
		}
		trend_port p;
		memset(&p, 0, sizeof p);
		p.port = k->rows[i].port;
		for (uint32_t d = off; d < k->nfetch; d++) {
			p.packets += pk[d];
			p.source_days += src[d];
			if (src[d] > p.sources_max)
				p.sources_max = src[d];
		}
		i = j;
		if (!p.packets)
			continue; /* only baseline days: not in the window */
		p.day = calloc(t->ndays, sizeof *p.day);
		if (!p.day) {
			rc = -1;
			break;
		}
		for (uint32_t d = 0; d < t->ndays; d++) {
			p.day[d].packets = pk[off + d];
			p.day[d].sources = src[off + d];
		}
		p.nrises = test_series(k, t->ndays, p.day, src);
		if (nall == capall) {
			size_t nc = capall ? capall * 2 : 256;
			trend_port *n = realloc(all, nc * sizeof *n);
			if (!n) {
				free(p.day);
				rc = -1;
				break;
			}
			all = n;
			capall = nc;
		}
		all[nall++] = p;
	}
	free(src);
	free(pk);
	t->ports_seen = nall;
	if (nall)
		qsort(all, nall, sizeof *all, cmp_port);
	/* keep the busiest, and every port with a rise */
	uint32_t top = o && o->top ? o->top : 10;
	size_t kept = 0;
	for (size_t i = 0; i < nall; i++) {
		if (rc == 0 && (i < top || all[i].nrises))
			all[kept++] = all[i];
		else
			free(all[i].day);
	}
	t->ports = all;
	t->nports = (uint32_t)kept;
	return rc;
}

int trends_build(store *st, const trend_opts *o, trends *t)
{
	memset(t, 0, sizeof *t);
	int32_t first, last;
	int have = store_port_day_span(st, &first, &last);
	if (have < 0)
		return -1;
	t->last_day = -1;
	if (!have)
		return 0;
	uint32_t days = o && o->days ? o->days : 28;
	t->first_day = last - (int32_t)days + 1 < first ? first : last - (int32_t)days + 1;
	t->last_day = last;
	t->ndays = (uint32_t)(last - t->first_day + 1);
	read_ctx k;
	memset(&k, 0, sizeof k);
	k.from = t->first_day - TREND_BASELINE_DAYS;
	k.nfetch = t->ndays + TREND_BASELINE_DAYS;
	k.observed = calloc(k.nfetch, 1);
	k.packets = calloc(k.nfetch, sizeof *k.packets);
	k.sources = calloc(k.nfetch, sizeof *k.sources);
	t->total = calloc(t->ndays, sizeof *t->total);
	int rc = k.observed && k.packets && k.sources && t->total ? 0 : -1;
	port_day_query q = {k.from, last, o ? o->port : 0};
	if (rc == 0)
		rc = store_scan_port_days(st, &q, take_row, &k);
	if (rc == 0 && k.oom)
		rc = -1;
	if (rc == 0) {
		uint64_t *tot = calloc(k.nfetch, sizeof *tot);
		for (uint32_t d = 0; tot && d < k.nfetch; d++)
			tot[d] = dset_count(&k.sources[d]);
		for (uint32_t d = 0; tot && d < t->ndays; d++) {
			t->total[d].packets = k.packets[k.nfetch - t->ndays + d];
			t->total[d].sources = tot[k.nfetch - t->ndays + d];
		}
		if (tot)
			test_series(&k, t->ndays, t->total, tot);
		free(tot);
		rc = tot ? make_ports(&k, t, o) : -1;
	}
	for (uint32_t d = 0; k.sources && d < k.nfetch; d++)
		dset_free(&k.sources[d]);
	free(k.sources);
	free(k.packets);
	free(k.observed);
	free(k.rows);
	if (rc < 0) {
		if (!st->err[0])
			snprintf(st->err, sizeof st->err, "out of memory");
		trends_free(t);
		return -1;
	}
	return 0;
}

void trends_free(trends *t)
{
	for (uint32_t i = 0; t->ports && i < t->nports; i++)
		free(t->ports[i].day);
	free(t->ports);
	free(t->total);
	memset(t, 0, sizeof *t);
}

uint32_t trend_parse_port(const char *s)
{
	char *end;
	long port = strtol(s, &end, 10);
	if (end == s || port < 0 || port > 65535 || *end != '/')
		return 0;
	uint32_t proto = !strcmp(end + 1, "tcp") ? 6 : !strcmp(end + 1, "udp") ? 17 : 0;
	return proto ? proto << 16 | (uint32_t)port : 0;
}

/* --- output ------------------------------------------------------------------------ */

void trend_port_json(jw *w, const trends *t, const trend_port *p)
{
	char ps[32], d[16];
	jw_obj_begin(w);
	jw_kstr(w, "port", port_str(p->port, ps, sizeof ps));
	jw_kuint(w, "packets", p->packets);
	jw_kuint(w, "source_days", p->source_days);
	jw_kuint(w, "sources_max", p->sources_max);
	jw_kuint(w, "rises", p->nrises);
	jw_key(w, "days");
	jw_arr_begin(w);
	for (uint32_t i = 0; i < t->ndays; i++) {
		const trend_day *x = &p->day[i];
		campaign_day_str(t->first_day + (int32_t)i, d, sizeof d);
		jw_obj_begin(w);
		jw_kstr(w, "day", d);
		jw_kbool(w, "observed", x->observed);
		jw_kuint(w, "packets", x->packets);
		jw_kuint(w, "sources", x->sources);
		jw_key(w, "baseline");
		if (x->baseline >= 0)
			jw_double(w, x->baseline);
		else
			jw_null(w);
		jw_key(w, "sigma");
		if (x->baseline >= 0)
			jw_double(w, x->sigma);
		else
			jw_null(w);
		jw_kbool(w, "rise", x->rise);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

void trend_table(FILE *out, const trends *t)
{
	char ps[32], d[16];
	fprintf(out, "%-11s %12s %12s %11s  %s\n", "PORT", "PACKETS", "SOURCE-DAYS", "MAX/DAY",
		"RISES (day: sources, baseline)");
	for (uint32_t i = 0; i < t->nports; i++) {
		const trend_port *p = &t->ports[i];
		fprintf(out, "%-11s %12" PRIu64 " %12" PRIu64 " %11" PRIu64 " ",
			port_str(p->port, ps, sizeof ps), p->packets, p->source_days,
			p->sources_max);
		int any = 0;
		for (uint32_t k = 0; k < t->ndays; k++) {
			if (!p->day[k].rise)
				continue;
			campaign_day_str(t->first_day + (int32_t)k, d, sizeof d);
			fprintf(out, " %s: %" PRIu64 ", %.1f", d, p->day[k].sources,
				p->day[k].baseline);
			any = 1;
		}
		fprintf(out, "%s\n", any ? "" : " -");
	}
	fprintf(out, "(%u of %" PRIu64 " ports", t->nports, t->ports_seen);
	if (t->ndays) {
		char a[16], b[16];
		campaign_day_str(t->first_day, a, sizeof a);
		campaign_day_str(t->last_day, b, sizeof b);
		fprintf(out, ", %s to %s", a, b);
	}
	fprintf(out, ")\n");
}

void trend_csv(FILE *out, const trends *t)
{
	char ps[32], d[16];
	fputs("port,day,observed,packets,sources,baseline,sigma,rise\n", out);
	for (uint32_t i = 0; i < t->nports; i++) {
		const trend_port *p = &t->ports[i];
		for (uint32_t k = 0; k < t->ndays; k++) {
			const trend_day *x = &p->day[k];
			campaign_day_str(t->first_day + (int32_t)k, d, sizeof d);
			fprintf(out, "%s,%s,%d,%" PRIu64 ",%" PRIu64 ",",
				port_str(p->port, ps, sizeof ps), d, x->observed, x->packets,
				x->sources);
			if (x->baseline >= 0)
				fprintf(out, "%.1f,%.2f,", x->baseline, x->sigma);
			else
				fputs(",,", out);
			fprintf(out, "%s\n", x->rise ? "true" : "false");
		}
	}
}
