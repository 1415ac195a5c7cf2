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

/* Four independent lanes over 32-byte blocks keep the multiplier pipelines
 * busy; this runs at several GB/s, well under the cost of decoding. */
static const uint64_t K1 = 0x9e3779b97f4a7c15ULL, K2 = 0xc2b2ae3d27d4eb4fULL;

static inline uint64_t lane_round(uint64_t acc, uint64_t in)
{
	acc += in * K2;
	acc = rotl64(acc, 31);
	return acc * K1;
}

void hash_stream_init(hash_stream *h)
{
	memset(h, 0, sizeof *h);
	h->lane[0] = K1 + K2;
	h->lane[1] = K2;
	h->lane[2] = 0;
	h->lane[3] = (uint64_t)0 - K1;
}

static void block(hash_stream *h, const uint8_t *p)
{
	h->lane[0] = lane_round(h->lane[0], load64(p));
	h->lane[1] = lane_round(h->lane[1], load64(p + 8));
	h->lane[2] = lane_round(h->lane[2], load64(p + 16));
	h->lane[3] = lane_round(h->lane[3], load64(p + 24));
}

void hash_stream_update(hash_stream *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	h->total += len;
	if (h->ntail) {
		size_t need = 32 - h->ntail;
		size_t take = len < need ? len : need;
		memcpy(h->tail + h->ntail, p, take);
		h->ntail += take;
		p += take;
		len -= take;
		if (h->ntail < 32)
			return;
		block(h, h->tail);
		h->ntail = 0;
	}
	while (len >= 32) {
		block(h, p);
		p += 32;
		len -= 32;
	}
	memcpy(h->tail, p, len);
	h->ntail = len;
}

uint64_t hash_stream_final(const hash_stream *h)
{
	uint64_t acc = rotl64(h->lane[0], 1) + rotl64(h->lane[1], 7) + rotl64(h->lane[2], 12) +
		       rotl64(h->lane[3], 18);
	acc ^= hash_bytes(h->tail, h->ntail, h->total);
	return hash_mix64(acc + h->total);
}
