/* A growable byte buffer and the varint encoding used for stored blobs. */
#ifndef SP_BUF_H
#define SP_BUF_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buf {
	uint8_t *p;
	size_t len, cap;
	int oom; /* sticky: an allocation failed, contents are incomplete */
} buf;

void buf_init(buf *b);
void buf_free(buf *b);
void buf_reset(buf *b);
int buf_grow(buf *b, size_t extra);
/* Room for extra more bytes (and a NUL); -1 (oom set) if there is none. */
static inline int buf_reserve(buf *b, size_t extra)
{
	if (!b->oom && b->len + extra + 1 <= b->cap)
		return 0;
	return buf_grow(b, extra);
}
void buf_put(buf *b, const void *data, size_t len);
static inline void buf_putc(buf *b, uint8_t c)
{
	if (buf_reserve(b, 1) == 0)
		b->p[b->len++] = c;
}
void buf_puts(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Unsigned LEB128 and zig-zag signed varints. */
static inline void buf_put_uv(buf *b, uint64_t v)
{
	if (buf_reserve(b, 10) < 0)
		return;
	uint8_t *p = b->p + b->len;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	b->len = (size_t)(p - b->p);
}
static inline void buf_put_sv(buf *b, int64_t v)
{
	buf_put_uv(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}
/* Appends the whole file at path to b (a data file, not a stream). 0, or -1
 * with err set to "PATH: why": it cannot be opened or read, or it holds more
 * than max bytes (a file cut short is never handed on). */
int buf_read_file(buf *b, const char *path, size_t max, char *err, size_t errlen);
/* Returns a NUL-terminated view (the NUL is not counted in len). */
const char *buf_cstr(buf *b);

#endif
