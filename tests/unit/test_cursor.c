/* The bounds-checked cursor: every read past the end is caught, sticky, and
 * returns zeros; declared lengths are capped by what is there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode/cursor.h"

static void reads_big_endian(void **state)
{
	(void)state;
	const uint8_t b[] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01};
	cursor c = rd_init(b, sizeof b);
	assert_int_equal(rd_be16(&c), 0x1234);
	assert_int_equal(rd_be32(&c), 0x56789abc);
	assert_int_equal(rd_u8(&c), 0xde);
	assert_int_equal(rd_left(&c), 2);
	assert_true(rd_ok(&c));
	assert_int_equal(rd_le16(&c), 0x01f0);
	assert_int_equal(rd_left(&c), 0);
	assert_true(rd_ok(&c));
}

static void short_read_is_sticky_and_zero(void **state)
{
	(void)state;
	const uint8_t b[] = {0xff, 0xff, 0xff};
	cursor c = rd_init(b, sizeof b);
	assert_int_equal(rd_be32(&c), 0);
	assert_false(rd_ok(&c));
	assert_int_equal(rd_left(&c), 0);
	/* once short, later reads fail too, even small ones */
	assert_int_equal(rd_u8(&c), 0);
	assert_false(rd_ok(&c));
}

static void null_buffer_is_empty(void **state)
{
	(void)state;
	cursor c = rd_init(NULL, 100);
	assert_int_equal(rd_left(&c), 0);
	assert_int_equal(rd_u8(&c), 0);
	assert_false(rd_ok(&c));
}

static void sub_cursor_caps_declared_length(void **state)
{
	(void)state;
	const uint8_t b[] = {1, 2, 3, 4, 5};
	cursor c = rd_init(b, sizeof b);
	rd_skip(&c, 1);
	cursor s = rd_sub(&c, 1000); /* the packet claims 1000 bytes; 4 are there */
	assert_int_equal(rd_left(&s), 4);
	assert_true(s.capped);
	assert_true(c.capped);
	assert_int_equal(rd_left(&c), 0);
	assert_true(rd_ok(&c)); /* capping is not a short read */
	assert_int_equal(rd_u8(&s), 2);
	cursor t = rd_sub(&s, 2);
	assert_false(t.capped);
	assert_int_equal(rd_be16(&t), 0x0304);
	assert_int_equal(rd_left(&s), 1);
}

static void bytes_and_views(void **state)
{
	(void)state;
	const uint8_t b[] = {9, 8, 7};
	uint8_t out[4] = {1, 1, 1, 1};
	cursor c = rd_init(b, sizeof b);
	assert_non_null(rd_view(&c, 1));
	rd_bytes(&c, out, 4); /* asks for 4 of the 2 left */
	assert_false(rd_ok(&c));
	assert_memory_equal(out, "\0\0\0\0", 4);
	cursor d = rd_init(b, sizeof b);
	assert_null(rd_view(&d, 4));
	assert_false(rd_ok(&d));
}

static void varints_round_trip_and_overrun(void **state)
{
	(void)state;
	const uint8_t v[] = {0xac, 0x02, 0x03, 0x80};
	cursor c = rd_init(v, sizeof v);
	assert_int_equal(rd_uv(&c), 300);
	assert_int_equal(rd_sv(&c), -2);
	assert_int_equal(rd_uv(&c), 0); /* continuation bit with nothing after */
	assert_false(rd_ok(&c));
	const uint8_t eleven[11] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff, 0xff, 0xff, 0x01};
	cursor d = rd_init(eleven, sizeof eleven);
	rd_uv(&d);
	assert_false(rd_ok(&d)); /* more than 10 bytes is not a 64-bit varint */
}

/* The textbook reading of an unsigned LEB128 varint, byte by byte: what
 * rd_uv() must agree with on any bytes, whichever of its paths it takes. */
static uint64_t ref_uv(const uint8_t *p, size_t n, size_t *used, int *ok)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 10; i++) {
		if (i >= n) {
			*ok = 0;
			*used = n;
			return 0;
		}
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*ok = 1;
			*used = i + 1;
			return v;
		}
	}
	*ok = 0;
	*used = n;
	return 0;
}

static void varints_agree_with_the_reference(void **state)
{
	(void)state;
	uint64_t r = 0x2545f4914f6cdd1dULL;
	for (int t = 0; t < 200000; t++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		uint8_t b[14];
		size_t n = (size_t)(r % 15);      /* 0..14 bytes in the cursor */
		size_t len = 1 + (size_t)(r >> 8) % 11; /* the varint's length if all fit */
		for (size_t i = 0; i < sizeof b; i++) {
			b[i] = (uint8_t)(r >> (8 * (i % 8))) ^ (uint8_t)(i * 37);
			b[i] = (uint8_t)((b[i] & 0x7f) | (i + 1 < len ? 0x80 : 0));
		}
		size_t used;
		int ok;
		uint64_t want = ref_uv(b, n, &used, &ok);
		cursor c = rd_init(b, n);
		uint64_t got = rd_uv(&c);
		assert_int_equal(rd_ok(&c), ok);
		assert_true(got == want);
		assert_int_equal(rd_left(&c), ok ? n - used : 0);
	}
	const uint8_t max[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	cursor c = rd_init(max, sizeof max);
	assert_true(rd_uv(&c) == UINT64_MAX);
	assert_true(rd_ok(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reads_big_endian),
	    cmocka_unit_test(short_read_is_sticky_and_zero),
	    cmocka_unit_test(null_buffer_is_empty),
	    cmocka_unit_test(sub_cursor_caps_declared_length),
	    cmocka_unit_test(bytes_and_views),
	    cmocka_unit_test(varints_round_trip_and_overrun),
	    cmocka_unit_test(varints_agree_with_the_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
