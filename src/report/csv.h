/* CSV output (RFC 4180) for `sources --csv` and `campaigns --csv`. */
#ifndef SP_CSV_H
#define SP_CSV_H
#include <stdio.h>

#include "profile/profile.h"
#include "report/facts.h"

/* One field: quoted when it holds a comma, a quote or a line break; then
 * a comma, or the line end when last. */
void csv_field(FILE *out, const char *s, int last);

/* The sources: one row per source, the contract's main fields flattened
 * (lists joined with spaces). */
void source_csv_header(FILE *out);
void source_csv_row(FILE *out, const profile *p, const facts *f);

#endif
