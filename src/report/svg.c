/* Day charts as inline SVG (svg.h). */
#include "report/svg.h"

#include <math.h>
#include <string.h>
#include <time.h>

void html_textn(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			/* control bytes (but line ends and tabs) and bytes that
			 * are not text are shown, never passed raw */
			if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
				fprintf(out, "\\x%02x", c);
			else if (c != '\r')
				fputc(c, out);
		}
	}
}

void html_text(FILE *out, const char *s)
{
	html_textn(out, s, strlen(s));
}

/* 1, 2 or 5 times a power of ten, at least v/4: four grid steps cover v. */
static double nice_step(double v)
{
	if (v <= 0)
		return 1;
	double raw = v / 4, p = pow(10, floor(log10(raw)));
	double m = raw / p;
	double step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
	return step < 1 ? 1 : step;
}

static void day_label(int32_t day, char *out, size_t n)
{
	time_t t = (time_t)day * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%m-%d", &tm);
}

static void legend(FILE *out, const svg_chart *c, int left)
{
	int x = left;
	for (int s = 0; s < c->nseries; s++) {
		const svg_series *se = &c->series[s];
		if (se->kind == SVG_BARS)
			fprintf(out,
				"<rect class=\"key\" x=\"%d\" y=\"6\" width=\"10\" height=\"10\" "
				"fill=\"%s\"/>",
				x, se->color);
		else
			fprintf(out,
				"<line x1=\"%d\" y1=\"11\" x2=\"%d\" y2=\"11\" stroke=\"%s\" "
				"stroke-width=\"2\"/>",
				x, x + 10, se->color);
		fprintf(out, "<text x=\"%d\" y=\"15\">", x + 14);
		html_text(out, se->name);
		fputs("</text>", out);
		x += 24 + 7 * (int)strlen(se->name);
	}
}

static void axes(FILE *out, const svg_chart *c, int left, int top, int w, int h, double step,
		 double ymax)
{
	for (double y = 0; y <= ymax + step / 2; y += step) {
		double py = top + h - (y / ymax) * h;
		fprintf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
			left, py, left + w, py);
		fprintf(out,
			"<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>",
			left - 4, py + 4, y);
	}
	uint32_t every = c->ndays <= 10 ? 1 : (c->ndays + 9) / 10;
	double bw = (double)w / c->ndays;
	for (uint32_t d = 0; d < c->ndays; d += every) {
		char lab[16];
		day_label(c->first_day + (int32_t)d, lab, sizeof lab);
		fprintf(out,
			"<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
			left + bw * (d + 0.5), top + h + 14, lab);
	}
}

void svg_days_chart(FILE *out, const svg_chart *c)
{
	int width = c->width ? c->width : 760, height = c->height ? c->height : 220;
	int left = 56, top = 26, w = width - left - 12, h = height - top - 24;
	double vmax = 0;
	for (int s = 0; s < c->nseries; s++)
		for (uint32_t d = 0; d < c->ndays; d++)
			if (c->series[s].v[d] > vmax)
				vmax = c->series[s].v[d];
	double step = nice_step(vmax);
	double ymax = ceil(vmax / step) * step;
	if (ymax <= 0)
		ymax = step;
	fprintf(out,
		"<svg class=\"chart\" width=\"%d\" height=\"%d\""
		" viewBox=\"0 0 %d %d\" role=\"img\"><title>",
		width, height, width, height);
	html_text(out, c->title);
	fputs("</title>", out);
	legend(out, c, left);
	axes(out, c, left, top, w, h, step, ymax);
	double bw = c->ndays ? (double)w / c->ndays : w;
	int nbars = 0;
	for (int s = 0; s < c->nseries; s++)
		nbars += c->series[s].kind == SVG_BARS;
	int bi = 0;
	for (int s = 0; s < c->nseries; s++) {
		const svg_series *se = &c->series[s];
		if (se->kind == SVG_BARS) {
			double slot = bw * 0.8 / (nbars ? nbars : 1);
			for (uint32_t d = 0; d < c->ndays; d++) {
				if (se->v[d] <= 0)
					continue;
				double bh = se->v[d] / ymax * h;
				int mark = se->mark && se->mark[d];
				fprintf(out,
					"<rect class=\"bar%s\" x=\"%.1f\" y=\"%.1f\" "
					"width=\"%.1f\" height=\"%.1f\""
					" fill=\"%s\"><title>%.0f</title></rect>",
					mark ? " mark" : "", left + bw * d + bw * 0.1 + slot * bi,
					top + h - bh, slot > 1 ? slot - 0.5 : slot, bh,
					mark ? se->mark_color : se->color, se->v[d]);
			}
			bi++;
			continue;
		}
		fprintf(out,
			"<polyline class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
			"points=\"",
			se->color);
		for (uint32_t d = 0; d < c->ndays; d++)
			if (se->v[d] >= 0)
				fprintf(out, "%.1f,%.1f ", left + bw * (d + 0.5),
					top + h - se->v[d] / ymax * h);
		fputs("\"/>", out);
		/* the points too, so that a line of one day shows */
		for (uint32_t d = 0; c->ndays <= 62 && d < c->ndays; d++)
			if (se->v[d] >= 0)
				fprintf(out,
					"<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
					"fill=\"%s\"/>",
					left + bw * (d + 0.5), top + h - se->v[d] / ymax * h,
					se->color);
	}
	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></svg>\n", left,
		top + h, left + w, top + h);
}
