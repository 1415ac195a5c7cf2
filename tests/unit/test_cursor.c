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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reads_big_endian),
	    cmocka_unit_test(short_read_is_sticky_and_zero),
	    cmocka_unit_test(null_buffer_is_empty),
	    cmocka_unit_test(sub_cursor_caps_declared_length),
	    cmocka_unit_test(bytes_and_views),
	    cmocka_unit_test(varints_round_trip_and_overrun),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
