/* Small, fast non-cryptographic hashing used for table lookups, distinct
 * counting and capture identity. Written for this project. */
#ifndef SP_HASH_H
#define SP_HASH_H
#include <stddef.h>
#include <stdint.h>

/* Finaliser of a 64-bit value: every input bit affects every output bit. */
static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	return x;
}

static inline uint32_t hash_u32(uint32_t x)
{
	return (uint32_t)hash_mix64((uint64_t)x * 0x9e3779b97f4a7c15ULL);
}

/* Hash of an arbitrary byte string (seeded). */
uint64_t hash_bytes(const void *data, size_t len, uint64_t seed);

/* Streaming hash: same result however the input is cut (spool checksums). */
typedef struct hash_stream {
	uint64_t lane[4];
	uint64_t total;
	uint8_t tail[32];
	size_t ntail;
} hash_stream;

void hash_stream_init(hash_stream *h);
void hash_stream_update(hash_stream *h, const void *data, size_t len);
uint64_t hash_stream_final(const hash_stream *h);

#endif
