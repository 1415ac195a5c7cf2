#include "util/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* Length of the valid UTF-8 sequence at s (2..4), 0 if not one: no
 * overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	uint8_t c = s[0];
	size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (!len || len > n)
		return 0;
	uint32_t cp = c & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A byte that goes into a JSON string as it is: printable ASCII but " and \. */
static inline int plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Copies the run of plain bytes that starts at s[i] to *o (advanced past
 * it) and returns its end. 16 bytes a test and a store where SSE2 is (text
 * is mostly long plain runs: a SIP line between its CRLFs, a User-Agent, a
 * URI): the 16 bytes are stored whole and *o advanced only past the plain
 * ones, so the caller must have room for 16 bytes beyond what is written
 * (json_escape reserves 6 per input byte and stores only while 16 input
 * bytes are left). */
static inline size_t copy_plain(const uint8_t *s, size_t i, size_t n, uint8_t **o)
{
	uint8_t *d = *o;
#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8(0x20), span = _mm_set1_epi8(0x5e),
		      quote = _mm_set1_epi8('"'), bsl = _mm_set1_epi8('\\');
	while (i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		_mm_storeu_si128((__m128i *)(void *)d, x);
		/* plain when (c - 0x20) <= 0x5e unsigned, and not " or \ */
		__m128i dx = _mm_sub_epi8(x, lo);
		__m128i ok = _mm_cmpeq_epi8(_mm_min_epu8(dx, span), dx);
		__m128i bad = _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bsl));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(ok, _mm_set1_epi8(-1))) |
			     (unsigned)_mm_movemask_epi8(bad);
		if (m) {
			unsigned k = (unsigned)__builtin_ctz(m);
			*o = d + k;
			return i + k;
		}
		i += 16;
		d += 16;
	}
#endif
	/* 8 bytes a test for the rest (a short value, a message's last line) */
	const uint64_t ones = 0x0101010101010101ULL, highs = ones * 0x80;
	while (i + 8 <= n) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		/* any byte below 0x20, above 0x7e, '"' or '\\' (exact tests
		 * for "any", not for which) */
		uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
		uint64_t bad = ((x - ones * 0x20) & ~x) | ((x + ones) | x) | ((q - ones) & ~q) |
			       ((b - ones) & ~b);
		if (bad & highs)
			break;
		memcpy(d, &x, 8);
		i += 8;
		d += 8;
	}
	while (i < n && plain(s[i]))
		*d++ = s[i++];
	*o = d;
	return i;
}

/* Runs of plain bytes are copied, the rest escaped; bytes that are not
 * UTF-8 become \u00XX, so any input gives valid JSON. */
void json_escape(buf *out, const char *str, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	const uint8_t *s = (const uint8_t *)str;
	if (buf_reserve(out, n * 6) < 0) /* at most 6 bytes out for one in */
		return;
	uint8_t *o = out->p + out->len;
	size_t i = 0;
	while ((i = copy_plain(s, i, n, &o)) < n) {
		uint8_t c = s[i];
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			/* the end of a SIP or HTTP line: one store */
			memcpy(o, "\\r\\n", 4);
			o += 4;
			i += 2;
			continue;
		}
		size_t l = c >= 0x80 ? utf8_len(s + i, n - i) : 0;
		if (l) {
			memcpy(o, s + i, l);
			o += l;
			i += l;
			continue;
		}
		*o++ = '\\';
		if (c == '"' || c == '\\')
			*o++ = c;
		else if (c == '\n')
			*o++ = 'n';
		else if (c == '\r')
			*o++ = 'r';
		else if (c == '\t')
			*o++ = 't';
		else {
			memcpy(o, "u00", 3);
			o[3] = (uint8_t)hx[c >> 4];
			o[4] = (uint8_t)hx[c & 15];
			o += 5;
		}
		i++;
	}
	out->len = (size_t)(o - out->p);
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

void jw_kstr_nonempty(jw *w, const char *k, const char *v)
{
	jw_kstr(w, k, v && v[0] ? v : NULL);
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
