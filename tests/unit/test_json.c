/* The JSON writer: structure and commas, escaping, bytes that are not
 * UTF-8 (written as \u00XX so the output stays valid), times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"

static const char *escaped(const char *s, size_t n)
{
	static buf b;
	buf_reset(&b);
	json_escape(&b, s, n);
	return buf_cstr(&b);
}

#define ESC(lit) escaped(lit, sizeof lit - 1)

static void escapes_specials(void **state)
{
	(void)state;
	assert_string_equal(ESC("plain text"), "plain text");
	assert_string_equal(ESC("a\"b\\c"), "a\\\"b\\\\c");
	assert_string_equal(ESC("l1\r\nl2\tx"), "l1\\r\\nl2\\tx");
	assert_string_equal(ESC("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f");
	assert_string_equal(ESC("nul\0inside"), "nul\\u0000inside");
	assert_string_equal(ESC(""), "");
	/* line ends: CRLF (written as one), bare CR and LF, CR at the end, a
	 * CRLF across the first 16-byte step */
	assert_string_equal(ESC("\r\n\r\r\n\n\r"), "\\r\\n\\r\\r\\n\\n\\r");
	assert_string_equal(ESC("OPTIONS sip:1 S\r\nVia: x\r\n\r\n"),
			    "OPTIONS sip:1 S\\r\\nVia: x\\r\\n\\r\\n");
}

static void keeps_valid_utf8(void **state)
{
	(void)state;
	assert_string_equal(ESC("caf\xc3\xa9"), "caf\xc3\xa9");		    /* 2 bytes */
	assert_string_equal(ESC("\xe2\x82\xac 5"), "\xe2\x82\xac 5");	    /* 3 bytes */
	assert_string_equal(ESC("\xf0\x9f\x98\x80!"), "\xf0\x9f\x98\x80!"); /* 4 bytes */
	assert_string_equal(ESC("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");   /* U+10FFFF */
}

static void escapes_invalid_utf8(void **state)
{
	(void)state;
	assert_string_equal(ESC("\x80"), "\\u0080");			   /* lone continuation */
	assert_string_equal(ESC("\xc0\x80"), "\\u00c0\\u0080");		   /* overlong NUL */
	assert_string_equal(ESC("\xe0\x80\xaf"), "\\u00e0\\u0080\\u00af"); /* overlong / */
	assert_string_equal(ESC("\xed\xa0\x80"), "\\u00ed\\u00a0\\u0080"); /* surrogate */
	assert_string_equal(ESC("\xf4\x90\x80\x80"),
			    "\\u00f4\\u0090\\u0080\\u0080");	    /* > U+10FFFF */
	assert_string_equal(ESC("ab\xe2\x82"), "ab\\u00e2\\u0082"); /* cut at the end */
	assert_string_equal(ESC("\xf8\x88\x80\x80\x80"),
			    "\\u00f8\\u0088\\u0080\\u0080\\u0080"); /* 5-byte form */
	assert_string_equal(ESC("\xc3("), "\\u00c3(");		    /* bad continuation */
	assert_string_equal(ESC("\xff\xfe"), "\\u00ff\\u00fe");
	/* every output byte is printable ASCII or part of valid UTF-8 */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	const char *e = escaped(all, sizeof all);
	for (const unsigned char *p = (const unsigned char *)e; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
}

static void writer_structure(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	jw w;
	jw_init(&w, &b);
	jw_obj_begin(&w);
	jw_kstr(&w, "ip", "192.0.2.1");
	jw_kstr(&w, "none", NULL);
	jw_kint(&w, "neg", -42);
	jw_kuint(&w, "max", UINT64_MAX);
	jw_kbool(&w, "t", 1);
	jw_kbool(&w, "f", 0);
	jw_knull(&w, "n");
	jw_key(&w, "arr");
	jw_arr_begin(&w);
	jw_int(&w, 1);
	jw_str(&w, "two");
	jw_obj_begin(&w);
	jw_key(&w, "empty");
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_double(&w, 0.97);
	jw_double(&w, NAN);
	jw_double(&w, INFINITY);
	jw_arr_end(&w);
	jw_key(&w, "raw");
	jw_raw(&w, "{\"a\":1}");
	jw_ktime(&w, "t0", 0);
	jw_key(&w, "k\"ey");
	jw_strn(&w, "x\0y", 3);
	jw_obj_end(&w);
	assert_string_equal(buf_cstr(&b),
			    "{\"ip\":\"192.0.2.1\",\"none\":null,\"neg\":-42,"
			    "\"max\":18446744073709551615,\"t\":true,\"f\":false,\"n\":null,"
			    "\"arr\":[1,\"two\",{\"empty\":[]},0.97,null,null],\"raw\":{\"a\":1},"
			    "\"t0\":\"1970-01-01T00:00:00Z\",\"k\\\"ey\":\"x\\u0000y\"}");
	assert_int_equal(w.depth, 0);
	buf_free(&b);
}

static void deep_nesting_stays_balanced(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	jw w;
	jw_init(&w, &b);
	for (int i = 0; i < 31; i++) /* the writer tracks commas 31 levels deep */
		jw_arr_begin(&w);
	jw_int(&w, 1);
	jw_int(&w, 2);
	for (int i = 0; i < 31; i++)
		jw_arr_end(&w);
	const char *s = buf_cstr(&b);
	assert_int_equal(strlen(s), 65);
	assert_non_null(strstr(s, "[1,2]"));
	assert_int_equal(w.depth, 0);
	buf_free(&b);
}

static void times(void **state)
{
	(void)state;
	char t[48];
	time_rfc3339(0, t, sizeof t);
	assert_string_equal(t, "1970-01-01T00:00:00Z");
	time_rfc3339(1278678191LL * 1000000000, t, sizeof t);
	assert_string_equal(t, "2010-07-09T12:23:11Z");
	time_rfc3339(1278678191LL * 1000000000 + 500000000, t, sizeof t);
	assert_string_equal(t, "2010-07-09T12:23:11.5Z");
	time_rfc3339(1278678191LL * 1000000000 + 123456789, t, sizeof t);
	assert_string_equal(t, "2010-07-09T12:23:11.123456789Z");
	time_rfc3339(-1, t, sizeof t);
	assert_string_equal(t, "1969-12-31T23:59:59.999999999Z");
	int64_t ns;
	assert_int_equal(time_parse("2010-07-09T12:23:11Z", &ns), 0);
	assert_int_equal(ns, 1278678191LL * 1000000000);
	assert_int_equal(time_parse("2010-07-09 12:23:11", &ns), 0);
	assert_int_equal(ns, 1278678191LL * 1000000000);
	assert_int_equal(time_parse("2010-07-09", &ns), 0);
	assert_int_equal(ns, 1278633600LL * 1000000000);
	assert_int_equal(time_parse("yesterday", &ns), -1);
	assert_int_equal(time_parse("2010-07-09Tnoon", &ns), -1);
}

static void buffer_and_varints(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	assert_string_equal(buf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(b.len, 3890);
	assert_int_equal(memcmp(b.p, "0,1,2,", 6), 0);
	buf_reset(&b);
	buf_put_uv(&b, 0);
	buf_put_uv(&b, 300);
	buf_put_uv(&b, UINT64_MAX);
	buf_put_sv(&b, -1);
	buf_put_sv(&b, INT64_MIN);
	static const uint8_t want[] = {0x00, 0xac, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff, 0x01, 0x01, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	assert_int_equal(b.len, sizeof want);
	assert_memory_equal(b.p, want, sizeof want);
	buf_free(&b);
}

/* The escaping written the slow way, one byte at a time, straight from the
 * rules: printable ASCII but " and \ as it is; " \ LF CR TAB as their
 * escapes; a valid UTF-8 sequence (no overlong form, no surrogate, at most
 * U+10FFFF) as it is; any other byte as \u00XX. */
static size_t ref_utf8(const uint8_t *s, size_t n)
{
	size_t len = s[0] >= 0xf0 && s[0] < 0xf8 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (s[0] >= 0xf8 || !len || len > n)
		return 0;
	uint32_t cp = s[0] & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
		cp = cp * 64 + (s[i] & 0x3f);
	}
	uint32_t least = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
	if (cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void ref_escape(buf *out, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		size_t l;
		if (c == '"')
			buf_puts(out, "\\\"");
		else if (c == '\\')
			buf_puts(out, "\\\\");
		else if (c == '\n')
			buf_puts(out, "\\n");
		else if (c == '\r')
			buf_puts(out, "\\r");
		else if (c == '\t')
			buf_puts(out, "\\t");
		else if (c >= 0x20 && c < 0x7f)
			buf_putc(out, (char)c);
		else if (c >= 0x80 && (l = ref_utf8(s + i, n - i)) > 0) {
			buf_put(out, s + i, l);
			i += l - 1;
		} else
			buf_printf(out, "\\u%04x", c);
	}
}

/* The fast escaping (16 bytes a test) gives the reference's output for
 * every kind of byte at every position and length around the 16-byte
 * steps, and a UTF-8 sequence cut by the end of the input. */
static void escape_matches_reference(void **state)
{
	(void)state;
	static const uint8_t pool[] = {'a',  'Z',  ' ',	 '~',  '"',  '\\', '\n', '\r', '\t', 0,
				       0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xa9, 0xe2, 0x82, 0xac,
				       0xed, 0xa0, 0xf0, 0x9f, 0x98, 0x80, 0xf4, 0x90, 0xff};
	uint32_t r = 12345;
	buf got, want;
	buf_init(&got);
	buf_init(&want);
	uint8_t s[80];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (size_t)(iter % 70);
		int mostly_plain = iter % 3 != 0;
		for (size_t i = 0; i < n; i++) {
			r = r * 1103515245u + 12345u;
			uint32_t x = r >> 16;
			s[i] =
			    mostly_plain && x % 8 ? (uint8_t)('a' + x % 26) : pool[x % sizeof pool];
		}
		buf_reset(&got);
		buf_reset(&want);
		json_escape(&got, (const char *)s, n);
		ref_escape(&want, s, n);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.p, want.p, got.len);
	}
	buf_free(&got);
	buf_free(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(escapes_specials),
	    cmocka_unit_test(keeps_valid_utf8),
	    cmocka_unit_test(escapes_invalid_utf8),
	    cmocka_unit_test(escape_matches_reference),
	    cmocka_unit_test(writer_structure),
	    cmocka_unit_test(deep_nesting_stays_balanced),
	    cmocka_unit_test(times),
	    cmocka_unit_test(buffer_and_varints),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}
