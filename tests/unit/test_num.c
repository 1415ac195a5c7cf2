/* Checked number parsing (util/num.h): whole strings only, NaN, infinity,
 * signs, spaces, overflow and out-of-range values fail; sizes take k/m/g and,
 * where allowed, B. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/num.h"

static void test_double(void **state)
{
	(void)state;
	double d = -1;
	assert_int_equal(num_double("0.25", 0, 1, &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(num_double("1", 0, 1, &d), 0);
	assert_true(d == 1);
	assert_int_equal(num_double("1e-1", 0, 1, &d), 0);
	assert_true(d == 0.1);
	assert_int_equal(num_double(".5", 0, 1, &d), 0);
	assert_true(d == 0.5);
	const char *bad[] = {"",    " 0.5", "+0.5",	 "-0",	  "0.5 ",   "0.5x", "nan", "NaN",
			     "inf", "-inf", "1.0000001", "1e400", "1e-400", ".",    "e5",  "x"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		d = 42;
		if (num_double(bad[i], 0, 1, &d) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(d == 42); /* untouched on failure */
	}
}

static void test_unsigned(void **state)
{
	(void)state;
	uint32_t v = 7;
	assert_int_equal(num_u32("1", 1, 86400, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(num_u32("86400", 1, 86400, &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(num_u32("0", 0, 5, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(num_u32("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	const char *bad[] = {"",    "0",  "86401", "-1",  "+1",		" 1",
			     "1 ",  "5x", "1.0",   "1e3", "4294967296", "99999999999999999999999",
			     "0x10"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		v = 7;
		if (num_u32(bad[i], 1, 86400, &v) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(v, 7);
	}
	uint64_t w = 0;
	assert_int_equal(num_u64("18446744073709551615", 0, UINT64_MAX, &w), 0);
	assert_true(w == UINT64_MAX);
	assert_int_equal(num_u64("18446744073709551616", 0, UINT64_MAX, &w), -1);
	assert_int_equal(num_u64("184467440737095516150", 0, UINT64_MAX, &w), -1);
}

static void test_size(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_int_equal(num_size("4096", NUM_SIZE_B, NUM_SIZE_U64_MAX, &v), 0);
	assert_true(v == 4096);
	assert_int_equal(num_size("512M", NUM_SIZE_B, NUM_SIZE_U64_MAX, &v), 0);
	assert_true(v == 512ull << 20);
	assert_int_equal(num_size("1.5GB", NUM_SIZE_B, NUM_SIZE_U64_MAX, &v), 0);
	assert_true(v == 3ull << 29);
	assert_int_equal(num_size("2kb", NUM_SIZE_B, NUM_SIZE_U64_MAX, &v), 0);
	assert_true(v == 2048);
	assert_int_equal(num_size("100B", NUM_SIZE_B, NUM_SIZE_U64_MAX, &v), 0);
	assert_true(v == 100);
	/* the largest size a 64-bit count holds, and the first one past it */
	assert_int_equal(num_size("17179869183G", NUM_SIZE_B, NUM_SIZE_U64_MAX, &v), 0);
	assert_true(v == 17179869183ull << 30);
	assert_int_equal(num_size("17179869184G", NUM_SIZE_B, NUM_SIZE_U64_MAX, &v), -1);
	/* without NUM_SIZE_B (the ClickHouse location) a B is trailing text */
	assert_int_equal(num_size("512M", 0, 1e18, &v), 0);
	assert_true(v == 512ull << 20);
	assert_int_equal(num_size("512MB", 0, 1e18, &v), -1);
	assert_int_equal(num_size("1e18", 0, 1e18, &v), 0);
	assert_true(v == 1000000000000000000ull);
	assert_int_equal(num_size("1.1e18", 0, 1e18, &v), -1);
	/* a max past what a 64-bit count holds is refused, not converted */
	assert_int_equal(num_size("1e30", 0, 1e30, &v), -1);
	const char *bad[] = {"",     "M",     "-1M",   "+1M",	 " 1M",	 "1M ",
			     "1T",   "1MBB",  "1BM",   "nan",	 "nanM", "inf",
			     "infG", "1e30G", "1e400", "1e-400", "0x"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		v = 9;
		if (num_size(bad[i], NUM_SIZE_B, NUM_SIZE_U64_MAX, &v) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(v == 9);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_double),
	    cmocka_unit_test(test_unsigned),
	    cmocka_unit_test(test_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
