#include "util/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void jw_init(jw *w, buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
}

static void sep(jw *w)
{
	if (w->depth > 0 && w->depth < 32) {
		if (w->need_comma[w->depth])
			buf_putc(w->out, ',');
		w->need_comma[w->depth] = 1;
	}
}

static void open_(jw *w, char c)
{
	sep(w);
	buf_putc(w->out, (uint8_t)c);
	w->depth++;
	if (w->depth < 32)
		w->need_comma[w->depth] = 0;
}

static void close_(jw *w, char c)
{
	buf_putc(w->out, (uint8_t)c);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj_begin(jw *w)
{
	open_(w, '{');
}

void jw_obj_end(jw *w)
{
	close_(w, '}');
}

void jw_arr_begin(jw *w)
{
	open_(w, '[');
}

void jw_arr_end(jw *w)
{
	close_(w, ']');
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void json_escape(buf *out, const char *str, size_t n)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			size_t j = i;
			while (j < n && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\')
				j++;
			buf_put(out, s + i, j - i);
			i = j;
			continue;
		}
		switch (c) {
		case '"':
			buf_puts(out, "\\\"");
			break;
		case '\\':
			buf_puts(out, "\\\\");
			break;
		case '\n':
			buf_puts(out, "\\n");
			break;
		case '\r':
			buf_puts(out, "\\r");
			break;
		case '\t':
			buf_puts(out, "\\t");
			break;
		default: {
			size_t l = c >= 0x80 ? utf8_len(s + i, n - i) : 0;
			if (l) {
				buf_put(out, s + i, l);
				i += l;
				continue;
			}
			buf_printf(out, "\\u%04x", c);
		}
		}
		i++;
	}
}

void jw_key(jw *w, const char *key)
{
	sep(w);
	buf_putc(w->out, '"');
	json_escape(w->out, key, strlen(key));
	buf_puts(w->out, "\":");
	if (w->depth < 32)
		w->need_comma[w->depth] = 0; /* the value follows without a comma */
}

static void value_done(jw *w)
{
	if (w->depth > 0 && w->depth < 32)
		w->need_comma[w->depth] = 1;
}

void jw_strn(jw *w, const char *s, size_t n)
{
	sep(w);
	buf_putc(w->out, '"');
	json_escape(w->out, s, n);
	buf_putc(w->out, '"');
	value_done(w);
}

void jw_str(jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void jw_int(jw *w, int64_t v)
{
	sep(w);
	buf_printf(w->out, "%" PRId64, v);
	value_done(w);
}

void jw_uint(jw *w, uint64_t v)
{
	sep(w);
	buf_printf(w->out, "%" PRIu64, v);
	value_done(w);
}

void jw_double(jw *w, double v)
{
	sep(w);
	if (isfinite(v))
		buf_printf(w->out, "%.4g", v);
	else
		buf_puts(w->out, "null");
	value_done(w);
}

void jw_bool(jw *w, int v)
{
	sep(w);
	buf_puts(w->out, v ? "true" : "false");
	value_done(w);
}

void jw_null(jw *w)
{
	sep(w);
	buf_puts(w->out, "null");
	value_done(w);
}

void jw_raw(jw *w, const char *json)
{
	sep(w);
	buf_puts(w->out, json);
	value_done(w);
}

void time_rfc3339(int64_t ns, char *out, size_t n)
{
	int64_t sec = ns / 1000000000;
	int64_t frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t len = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac) {
		char f[16];
		snprintf(f, sizeof f, ".%09" PRId64, frac);
		size_t fl = strlen(f);
		while (fl > 1 && f[fl - 1] == '0')
			f[--fl] = 0;
		snprintf(out + len, n - len, "%sZ", f);
	} else {
		snprintf(out + len, n - len, "Z");
	}
}

int time_parse(const char *s, int64_t *ns)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	const char *r = s + n;
	if (*r == 'T' || *r == ' ') {
		if (sscanf(r + 1, "%2d:%2d:%2d", &h, &mi, &se) != 3)
			return -1;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*ns = (int64_t)timegm(&tm) * 1000000000;
	return 0;
}

void jw_time(jw *w, int64_t ns)
{
	char t[48];
	time_rfc3339(ns, t, sizeof t);
	jw_str(w, t);
}

void jw_kstr(jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_str(w, v);
}

void jw_kint(jw *w, const char *k, int64_t v)
{
	jw_key(w, k);
	jw_int(w, v);
}

void jw_kuint(jw *w, const char *k, uint64_t v)
{
	jw_key(w, k);
	jw_uint(w, v);
}

void jw_kbool(jw *w, const char *k, int v)
{
	jw_key(w, k);
	jw_bool(w, v);
}

void jw_ktime(jw *w, const char *k, int64_t ns)
{
	jw_key(w, k);
	jw_time(w, ns);
}

void jw_knull(jw *w, const char *k)
{
	jw_key(w, k);
	jw_null(w);
}
