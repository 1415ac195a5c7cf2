/* The one way scanprint reads bytes it did not write: a cursor over
 * (pointer, bytes left) with a sticky "short" flag.
 *
 * Every read checks the bytes left. A read past the end returns zero, sets
 * `short_` and leaves the cursor empty, so a decoder can read a whole header
 * and test the flag once. Lengths a packet declares go through rd_sub(),
 * which caps them by what was captured (and notes when it had to).
 * No struct is ever cast onto packet memory. */
#ifndef SP_CURSOR_H
#define SP_CURSOR_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct cursor {
	const uint8_t *p; /* next byte to read */
	size_t left;      /* bytes that may still be read */
	uint8_t short_;   /* sticky: a read wanted more than was left */
	uint8_t capped;   /* sticky: a declared length exceeded what was there */
} cursor;

static inline cursor rd_init(const void *p, size_t len)
{
	/* never NULL: pointer arithmetic on NULL, even + 0, is undefined */
	static const uint8_t nothing[1];
	cursor c = {p ? (const uint8_t *)p : nothing, p ? len : 0, 0, 0};
	return c;
}

static inline int rd_ok(const cursor *c)
{
	return !c->short_;
}

static inline size_t rd_left(const cursor *c)
{
	return c->left;
}

static inline const uint8_t *rd_ptr(const cursor *c)
{
	return c->p;
}

static inline void rd_fail(cursor *c)
{
	c->short_ = 1;
	c->p += c->left;
	c->left = 0;
}

static inline int rd_need(cursor *c, size_t n)
{
	if (c->left >= n)
		return 1;
	rd_fail(c);
	return 0;
}

static inline uint8_t rd_u8(cursor *c)
{
	if (!rd_need(c, 1))
		return 0;
	uint8_t v = c->p[0];
	c->p++;
	c->left--;
	return v;
}

static inline uint16_t rd_be16(cursor *c)
{
	if (!rd_need(c, 2))
		return 0;
	uint16_t v = (uint16_t)((c->p[0] << 8) | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return v;
}

static inline uint16_t rd_le16(cursor *c)
{
	if (!rd_need(c, 2))
		return 0;
	uint16_t v = (uint16_t)((c->p[1] << 8) | c->p[0]);
	c->p += 2;
	c->left -= 2;
	return v;
}

static inline uint32_t rd_be32(cursor *c)
{
	if (!rd_need(c, 4))
		return 0;
	uint32_t v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) |
		     ((uint32_t)c->p[2] << 8) | c->p[3];
	c->p += 4;
	c->left -= 4;
	return v;
}

static inline uint32_t rd_le32(cursor *c)
{
	if (!rd_need(c, 4))
		return 0;
	uint32_t v = ((uint32_t)c->p[3] << 24) | ((uint32_t)c->p[2] << 16) |
		     ((uint32_t)c->p[1] << 8) | c->p[0];
	c->p += 4;
	c->left -= 4;
	return v;
}

static inline uint64_t rd_be64(cursor *c)
{
	uint64_t hi = rd_be32(c);
	return (hi << 32) | rd_be32(c);
}

/* Copies n bytes out (zero-filled if short). */
static inline void rd_bytes(cursor *c, void *out, size_t n)
{
	if (!rd_need(c, n)) {
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
}

/* Points at n bytes and skips them; NULL if short. */
static inline const uint8_t *rd_view(cursor *c, size_t n)
{
	if (!rd_need(c, n))
		return NULL;
	const uint8_t *v = c->p;
	c->p += n;
	c->left -= n;
	return v;
}

/* Loads from a fixed-size header that rd_view() has already bounds-checked:
 * one check for the whole header instead of one per field. Only for offsets
 * inside the length given to rd_view(). */
static inline uint16_t ld_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t ld_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void rd_skip(cursor *c, size_t n)
{
	(void)rd_view(c, n);
}

/* A sub-cursor over the next `declared` bytes, capped by what is left. The
 * parent skips past them. If the declaration was larger than the data, the
 * sub-cursor gets what there is and both are marked `capped`. */
static inline cursor rd_sub(cursor *c, size_t declared)
{
	size_t n = declared;
	uint8_t capped = 0;
	if (n > c->left) {
		n = c->left;
		capped = 1;
		c->capped = 1;
	}
	cursor s = {c->p, n, 0, capped};
	c->p += n;
	c->left -= n;
	return s;
}

/* Unsigned LEB128 varint (for stored blobs): sets short on overrun or on
 * more than 10 bytes. One bounds check per value, not per byte: the bytes
 * it may read are those left, at most 10, and running out of them is the
 * same failure either way. */
static inline uint64_t rd_uv(cursor *c)
{
	size_t max = c->left < 10 ? c->left : 10;
	uint64_t v = 0;
	for (size_t i = 0; i < max; i++) {
		v |= (uint64_t)(c->p[i] & 0x7f) << (7 * i);
		if (!(c->p[i] & 0x80)) {
			c->p += i + 1;
			c->left -= i + 1;
			return v;
		}
	}
	rd_fail(c);
	return 0;
}

static inline int64_t rd_sv(cursor *c)
{
	uint64_t u = rd_uv(c);
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

#endif
