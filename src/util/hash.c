#include "util/hash.h"

#include <string.h>

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8); /* little-endian hosts only matter for speed, not safety */
	return v;
}

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
	while (len >= 8) {
		h = rotl64(h ^ hash_mix64(load64(p)), 27) * 0x100000001b3ULL + 0x52dce729;
		p += 8;
		len -= 8;
	}
	uint64_t last = 0;
	for (size_t i = 0; i < len; i++)
		last |= (uint64_t)p[i] << (8 * i);
	return hash_mix64(h ^ hash_mix64(last ^ len));
}
