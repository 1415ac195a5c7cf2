/* A small streaming JSON writer. Strings are escaped; bytes that are not
 * valid UTF-8 (attackers' headers often are not) are written as \u00XX, so
 * the output is always valid JSON and no byte is silently lost. */
#ifndef SP_JSON_H
#define SP_JSON_H
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct jw {
	buf *out;
	int depth;
	uint8_t need_comma[32];
} jw;

void jw_init(jw *w, buf *out);
void jw_obj_begin(jw *w);
void jw_obj_end(jw *w);
void jw_arr_begin(jw *w);
void jw_arr_end(jw *w);
void jw_key(jw *w, const char *key);
void jw_str(jw *w, const char *s);
void jw_strn(jw *w, const char *s, size_t n);
void jw_int(jw *w, int64_t v);
void jw_uint(jw *w, uint64_t v);
void jw_double(jw *w, double v);
void jw_bool(jw *w, int v);
void jw_null(jw *w);
/* RFC 3339 UTC time from ns since the epoch. */
void jw_time(jw *w, int64_t ns);
/* Pre-formatted JSON value (trusted). */
void jw_raw(jw *w, const char *json);

/* Shorthands for "key": value. */
void jw_kstr(jw *w, const char *k, const char *v);
/* "key": v, or null when v is empty (a field that was not found). */
void jw_kstr_nonempty(jw *w, const char *k, const char *v);
void jw_kint(jw *w, const char *k, int64_t v);
void jw_kuint(jw *w, const char *k, uint64_t v);
void jw_kbool(jw *w, const char *k, int v);
void jw_ktime(jw *w, const char *k, int64_t ns);
void jw_knull(jw *w, const char *k);

/* Escapes s into out as JSON string contents (no quotes). */
void json_escape(buf *out, const char *s, size_t n);
/* RFC 3339 UTC: 2010-07-09T14:03:11Z, with a fraction when not whole. */
void time_rfc3339(int64_t ns, char *out, size_t n);
/* Parses RFC 3339 / "YYYY-MM-DD[ HH:MM:SS]" into ns; 0 on success. */
int time_parse(const char *s, int64_t *ns);

#endif
