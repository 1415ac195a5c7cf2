/* Port trends: per destination port and day, the probes and the distinct
 * sources, with significant rises flagged the way the SANS ISC port
 * reports point at an uptick (docs/campaigns.md, "Trends").
 *
 * The rise test, per port and day d, on the distinct sources x(d):
 *   baseline: the TREND_BASELINE_DAYS days before d on which the sensors
 *     saw anything at all (days without data are not zeros); at least
 *     TREND_BASELINE_MIN of them, else no verdict;
 *   m = their median, s = 1.4826 x their median absolute deviation (a
 *     standard deviation that one earlier spike cannot inflate),
 *     sigma = max(s, sqrt(m), 1) (never below Poisson noise);
 *   a rise when x >= m + TREND_SIGMAS x sigma, x >= TREND_MIN_RATIO x m,
 *     and x - m >= TREND_MIN_RISE sources. */
#ifndef SP_CAMPAIGN_TREND_H
#define SP_CAMPAIGN_TREND_H
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"
#include "util/json.h"

#define TREND_BASELINE_DAYS 14
#define TREND_BASELINE_MIN  7
#define TREND_SIGMAS	    4.0
#define TREND_MIN_RATIO	    2.0
#define TREND_MIN_RISE	    5

typedef struct trend_day {
	uint64_t packets;
	uint64_t sources;
	double baseline; /* median sources of the baseline days; < 0: too few */
	double sigma;
	uint8_t rise;	  /* a significant rise */
	uint8_t observed; /* the sensors saw anything that day */
} trend_day;

typedef struct trend_port {
	uint32_t port; /* proto << 16 | port */
	uint64_t packets;
	uint64_t source_days; /* sum of the daily distinct sources */
	uint64_t sources_max; /* most distinct sources on one day */
	uint32_t nrises;
	trend_day *day; /* the window's days */
} trend_port;

typedef struct trends {
	int32_t first_day, last_day; /* the window; last_day < first_day: no data */
	uint32_t ndays;
	trend_day *total;    /* all ports together (sources: distinct over all ports) */
	uint64_t ports_seen; /* ports with any probe in the window */
	uint32_t nports;     /* kept: the busiest, and every port with a rise */
	trend_port *ports;
} trends;

typedef struct trend_opts {
	uint32_t days; /* window, ending on the last day with data (default 28) */
	uint32_t top;  /* busiest ports kept (default 10); ports with a rise are kept too */
	uint32_t port; /* only this port (proto << 16 | port), 0 = all */
} trend_opts;

/* 0, or -1 with the store's error. */
int trends_build(store *st, const trend_opts *o, trends *out);
void trends_free(trends *t);

/* The rise test on one day: values of the baseline days (n of them, at
 * least TREND_BASELINE_MIN; reordered), the day's value. Fills baseline
 * and sigma; 1 if it is a rise. */
int trend_rise(uint64_t *base, uint32_t n, uint64_t x, double *baseline, double *sigma);

/* "5060/udp" -> proto << 16 | port; 0 if not a port. */
uint32_t trend_parse_port(const char *s);

void trend_port_json(jw *w, const trends *t, const trend_port *p);
void trend_table(FILE *out, const trends *t);
void trend_csv(FILE *out, const trends *t);

#endif
