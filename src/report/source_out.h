/* One source, written three ways: a JSON line (the contract), a row of the
 * sources table, and the analyst's text of `show`. */
#ifndef SP_SOURCE_OUT_H
#define SP_SOURCE_OUT_H
#include <stdio.h>

#include "profile/profile.h"
#include "report/facts.h"
#include "store/store.h"
#include "util/json.h"

void source_json(jw *w, const profile *p, const facts *f);
void source_table_header(FILE *out);
void source_table_row(FILE *out, const profile *p, const facts *f);
/* Writes `show`; samples come from the store (may be NULL). */
void source_show(FILE *out, store *st, const profile *p, const facts *f);
/* "5060/udp" from a dports value (proto << 16 | port). */
const char *port_str(uint32_t v, char *out, size_t n);

#endif
