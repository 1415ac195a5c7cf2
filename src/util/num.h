/* Checked parsing of the numbers users write: command-line options, the honeypot
 * config, the ClickHouse location, the signature files. Every function takes the
 * whole string or fails: no sign, no space, no trailing text, and NaN, infinity and
 * values out of range fail too (a range check written `x < min || x > max` lets NaN
 * through, and converting an out-of-range double to an integer is undefined).
 * Written for this project. */
#ifndef SP_NUM_H
#define SP_NUM_H
#include <stdint.h>

/* The largest double below 2^64: the top of num_size's range for a 64-bit count. */
#define NUM_SIZE_U64_MAX 0x1.fffffffffffffp63

/* A decimal number (strtod's forms, "1e3" too) from min to max. */
int num_double(const char *s, double min, double max, double *out);

/* Decimal digits only, from min to max. */
int num_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int num_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* A byte count: a non-negative number, optionally with k, m or g (powers of 1024),
 * then, when NUM_SIZE_B is given, an optional B ("512M", "1.5GB", "4096").
 * Fails above max bytes. */
enum { NUM_SIZE_B = 1 };
int num_size(const char *s, unsigned flags, double max, uint64_t *out);

#endif
