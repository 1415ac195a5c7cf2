/* Checked number parsing (see num.h). Written for this project. */
#include "util/num.h"

#include <errno.h>
#include <stdlib.h>

/* strtod over the whole of s; ERANGE (overflow to infinity, underflow to a
 * denormal or zero) fails, as does a leading space or sign strtod would skip. */
static int whole_double(const char *s, char **end, double *out)
{
	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	*out = strtod(s, end);
	return *end == s || errno ? -1 : 0;
}

int num_double(const char *s, double min, double max, double *out)
{
	char *end;
	double x;
	if (whole_double(s, &end, &x) < 0 || *end || !(x >= min && x <= max))
		return -1;
	*out = x;
	return 0;
}

int num_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!(*s >= '0' && *s <= '9'))
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		if (!(*s >= '0' && *s <= '9'))
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int num_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	if (num_u64(s, min, max, &v) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int num_size(const char *s, unsigned flags, double max, uint64_t *out)
{
	char *end;
	double x, mul = 1;
	if (whole_double(s, &end, &x) < 0 || !(x >= 0))
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		mul = 1024;
		break;
	case 'm':
	case 'M':
		mul = 1024.0 * 1024;
		break;
	case 'g':
	case 'G':
		mul = 1024.0 * 1024 * 1024;
		break;
	default:
		break;
	}
	if (mul > 1)
		end++;
	if ((flags & NUM_SIZE_B) && (*end == 'B' || *end == 'b'))
		end++;
	/* max is at most NUM_SIZE_U64_MAX, so the conversion below is defined */
	if (*end || !(x * mul <= max) || !(max <= NUM_SIZE_U64_MAX))
		return -1;
	*out = (uint64_t)(x * mul);
	return 0;
}
