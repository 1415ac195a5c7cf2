#include "util/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b)
{
	memset(b, 0, sizeof *b);
}

void buf_free(buf *b)
{
	free(b->p);
	buf_init(b);
}

void buf_reset(buf *b)
{
	b->len = 0;
	b->oom = 0;
}

int buf_grow(buf *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	uint8_t *np = realloc(b->p, cap);
	if (!np) {
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = cap;
	return 0;
}

void buf_put(buf *b, const void *data, size_t len)
{
	if (len == 0 || buf_reserve(b, len) < 0)
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void buf_puts(buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_vprintf(buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || buf_reserve(b, (size_t)n + 1) < 0)
		return;
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

int buf_read_file(buf *b, const char *path, size_t max, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char chunk[8192];
	size_t n, got = 0;
	while (got <= max && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_put(b, chunk, n);
		got += n;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad || b->oom) {
		snprintf(err, errlen, "%s: cannot read it", path);
		return -1;
	}
	if (got > max) { /* never parse a file cut short */
		snprintf(err, errlen, "%s: larger than %zu bytes, the most this file may hold",
			 path, max);
		return -1;
	}
	return 0;
}

const char *buf_cstr(buf *b)
{
	if (buf_reserve(b, 1) < 0)
		return "";
	b->p[b->len] = 0;
	return (const char *)b->p;
}
