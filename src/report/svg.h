/* Charts for the HTML report: inline SVG, one value per day, drawn as bars
 * or lines on one axis. No script, no external resource: the file renders
 * anywhere, and printed. */
#ifndef SP_SVG_H
#define SP_SVG_H
#include <stdint.h>
#include <stdio.h>

enum { SVG_BARS = 0, SVG_LINE = 1 };

typedef struct svg_series {
	const char *name;    /* legend */
	int kind;	     /* SVG_BARS or SVG_LINE */
	const char *color;   /* CSS color */
	const double *v;     /* one value per day; < 0: none that day */
	const uint8_t *mark; /* bars only: days drawn in mark_color (may be NULL) */
	const char *mark_color;
} svg_series;

typedef struct svg_chart {
	const char *title; /* the chart's accessible title (escaped here) */
	int32_t first_day; /* days since 1970 */
	uint32_t ndays;
	int nseries;
	const svg_series *series;
	int width, height;
} svg_chart;

/* Writes <svg class="chart">...</svg>. */
void svg_days_chart(FILE *out, const svg_chart *c);
/* HTML text: & < > " ' escaped. */
void html_text(FILE *out, const char *s);
void html_textn(FILE *out, const char *s, size_t n);

#endif
