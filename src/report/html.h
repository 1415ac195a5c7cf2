/* The analyst's report (`scanprint report --html FILE`): one self-contained
 * HTML file, with no script and nothing fetched from anywhere: the
 * overview, each campaign written up as the seed write-ups are (kit,
 * changes, evidence, host traits, growth chart, sample message), the port
 * trend charts with their rises, and the top sources. */
#ifndef SP_HTML_H
#define SP_HTML_H
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

typedef struct report_opts {
	int redact;    /* sensors' addresses, tags, Call-IDs, branches hidden */
	uint32_t days; /* the trend window (default 28) */
} report_opts;

/* 0, or -1 with the store's error. */
int report_html(FILE *out, store *st, const report_opts *o);

#endif
