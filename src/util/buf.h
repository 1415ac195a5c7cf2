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
int buf_reserve(buf *b, size_t extra);
void buf_put(buf *b, const void *data, size_t len);
void buf_putc(buf *b, uint8_t c);
void buf_puts(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Unsigned LEB128 and zig-zag signed varints. */
void buf_put_uv(buf *b, uint64_t v);
void buf_put_sv(buf *b, int64_t v);
/* Returns a NUL-terminated view (the NUL is not counted in len). */
const char *buf_cstr(buf *b);

#endif
