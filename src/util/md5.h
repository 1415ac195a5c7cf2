/* MD5 (RFC 1321), for SIP digest authentication (RFC 2617 / RFC 3261 22.4),
 * where the protocol fixes the hash: nothing here is used for security of
 * our own. Written for this project from the RFC's description. */
#ifndef SP_MD5_H
#define SP_MD5_H
#include <stddef.h>
#include <stdint.h>

typedef struct md5_ctx {
	uint32_t s[4];	 /* A, B, C, D */
	uint64_t len;	 /* bytes hashed so far */
	uint8_t blk[64]; /* the block being filled */
} md5_ctx;

void md5_init(md5_ctx *c);
void md5_update(md5_ctx *c, const void *data, size_t n);
void md5_final(md5_ctx *c, uint8_t out[16]);
/* Lower-case hex of the digest: 32 characters and a NUL. */
void md5_hex(const uint8_t d[16], char out[33]);

#endif
