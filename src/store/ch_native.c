/* ClickHouse's Native format, for inserts: a block is the number of columns
 * and rows (varints), then per column its name, its type and its data, one
 * column after another. Fixed-width values are little-endian; a String is a
 * varint length and the bytes; an Array is the cumulative element counts
 * (UInt64) followed by all elements. Columnar data is what ClickHouse keeps
 * anyway, so the server parses it with a memcpy per column, and the
 * attempt-id column sits in one place where a retry can rewrite it.
 *
 * Query results come back as RowBinary and are read with the cursor. */
#include "store/clickhouse.h"

#include <stdlib.h>
#include <string.h>

/* Appends n bytes: the common case (room left) without a call. */
static inline void put(buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	if (b->len + n < b->cap) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
	} else {
		buf_put(b, p, n);
	}
}

static inline void put_uv(buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	while (v >= 0x80) {
		t[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (uint8_t)v;
	put(b, t, n);
}

/* Little-endian stores: a plain copy on little-endian hosts. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CH_LE 1
#else
#define CH_LE 0
#endif

void ch_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void ch_le32(uint8_t *p, uint32_t v)
{
	if (CH_LE) {
		memcpy(p, &v, 4);
		return;
	}
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void ch_le64(uint8_t *p, uint64_t v)
{
	if (CH_LE) {
		memcpy(p, &v, 8);
		return;
	}
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int ch_block_init(ch_block *b, const ch_coldef *def, int ncols)
{
	memset(b, 0, sizeof *b);
	b->cols = calloc((size_t)ncols, sizeof *b->cols);
	if (!b->cols)
		return -1;
	b->def = def;
	b->ncols = ncols;
	for (int i = 0; i < ncols; i++) {
		buf_init(&b->cols[i].data);
		buf_init(&b->cols[i].offs);
	}
	return 0;
}

void ch_block_free(ch_block *b)
{
	for (int i = 0; b->cols && i < b->ncols; i++) {
		buf_free(&b->cols[i].data);
		buf_free(&b->cols[i].offs);
	}
	free(b->cols);
	memset(b, 0, sizeof *b);
}

void ch_block_reset(ch_block *b)
{
	for (int i = 0; i < b->ncols; i++) {
		buf_reset(&b->cols[i].data);
		buf_reset(&b->cols[i].offs);
		b->cols[i].nelem = 0;
	}
	b->rows = 0;
}

int ch_block_oom(const ch_block *b)
{
	for (int i = 0; i < b->ncols; i++)
		if (b->cols[i].data.oom || b->cols[i].offs.oom)
			return 1;
	return 0;
}

static size_t uv_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t str_size(const char *s)
{
	size_t n = strlen(s);
	return uv_size(n) + n;
}

size_t ch_block_size(const ch_block *b)
{
	size_t n = uv_size((uint64_t)b->ncols) + uv_size(b->rows);
	for (int i = 0; i < b->ncols; i++)
		n += str_size(b->def[i].name) + str_size(b->def[i].type) + b->cols[i].offs.len +
		     b->cols[i].data.len;
	return n;
}

static void put_str(buf *out, const char *s)
{
	size_t n = strlen(s);
	buf_put_uv(out, n);
	buf_put(out, s, n);
}

void ch_block_emit(const ch_block *b, ch_sink out, void *ctx, int col, uint64_t *col_off)
{
	buf head;
	buf_init(&head);
	uint64_t at = 0;
	if (col_off)
		*col_off = (uint64_t)-1;
	buf_put_uv(&head, (uint64_t)b->ncols);
	buf_put_uv(&head, b->rows);
	for (int i = 0; i < b->ncols; i++) {
		put_str(&head, b->def[i].name);
		put_str(&head, b->def[i].type);
		out(ctx, head.p, head.len);
		at += head.len;
		buf_reset(&head);
		if (i == col && col_off)
			*col_off = at;
		if (b->cols[i].offs.len)
			out(ctx, b->cols[i].offs.p, b->cols[i].offs.len);
		if (b->cols[i].data.len)
			out(ctx, b->cols[i].data.p, b->cols[i].data.len);
		at += b->cols[i].offs.len + b->cols[i].data.len;
	}
	buf_free(&head);
}

static void to_buf(void *ctx, const void *p, size_t n)
{
	buf_put(ctx, p, n);
}

void ch_block_write(const ch_block *b, buf *out, int col, uint64_t *col_off)
{
	ch_block_emit(b, to_buf, out, col, col_off);
}

void ch_put_u8(ch_block *b, int col, uint8_t v)
{
	put(&b->cols[col].data, &v, 1);
}

void ch_put_u16(ch_block *b, int col, uint16_t v)
{
	uint8_t t[2];
	ch_le16(t, v);
	put(&b->cols[col].data, t, 2);
}

void ch_put_u32(ch_block *b, int col, uint32_t v)
{
	uint8_t t[4];
	ch_le32(t, v);
	put(&b->cols[col].data, t, 4);
}

void ch_put_u64(ch_block *b, int col, uint64_t v)
{
	uint8_t t[8];
	ch_le64(t, v);
	put(&b->cols[col].data, t, 8);
}

void ch_put_i64(ch_block *b, int col, int64_t v)
{
	ch_put_u64(b, col, (uint64_t)v);
}

void ch_put_fixed(ch_block *b, int col, const void *p, size_t n)
{
	put(&b->cols[col].data, p, n);
}

void ch_put_str(ch_block *b, int col, const void *p, size_t n)
{
	put_uv(&b->cols[col].data, n);
	put(&b->cols[col].data, p, n);
}

void ch_arr_add(ch_block *b, int col, const void *elem)
{
	put(&b->cols[col].data, elem, b->def[col].width);
	b->cols[col].nelem++;
}

void ch_arr_add_u32s(ch_block *b, int col, const uint32_t *v, size_t n)
{
	if (CH_LE) {
		put(&b->cols[col].data, v, n * 4);
	} else {
		for (size_t i = 0; i < n; i++) {
			uint8_t e[4];
			ch_le32(e, v[i]);
			put(&b->cols[col].data, e, 4);
		}
	}
	b->cols[col].nelem += n;
}

void ch_arr_add_u16s(ch_block *b, int col, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t e[2];
		ch_le16(e, v[i]);
		put(&b->cols[col].data, e, 2);
	}
	b->cols[col].nelem += n;
}

void ch_arr_add_bytes(ch_block *b, int col, const void *p, size_t n)
{
	put(&b->cols[col].data, p, n);
	b->cols[col].nelem += n;
}

void ch_arr_add_str(ch_block *b, int col, const void *p, size_t n)
{
	put_uv(&b->cols[col].data, n);
	put(&b->cols[col].data, p, n);
	b->cols[col].nelem++;
}

void ch_arr_end(ch_block *b, int col)
{
	uint8_t t[8];
	ch_le64(t, b->cols[col].nelem);
	put(&b->cols[col].offs, t, 8);
}

void ch_row_end(ch_block *b)
{
	b->rows++;
}

/* --- RowBinary ------------------------------------------------------------ */

uint16_t ch_rd_u16(cursor *c)
{
	return rd_le16(c);
}

uint32_t ch_rd_u32(cursor *c)
{
	return rd_le32(c);
}

uint64_t ch_rd_u64(cursor *c)
{
	uint64_t lo = rd_le32(c);
	return lo | (uint64_t)rd_le32(c) << 32;
}

int64_t ch_rd_i64(cursor *c)
{
	return (int64_t)ch_rd_u64(c);
}

const uint8_t *ch_rd_str(cursor *c, size_t *len)
{
	uint64_t n = rd_uv(c);
	if (!rd_ok(c) || n > rd_left(c)) {
		rd_fail(c);
		*len = 0;
		return NULL;
	}
	*len = (size_t)n;
	return rd_view(c, (size_t)n);
}

uint64_t ch_rd_len(cursor *c, size_t elem_min)
{
	uint64_t n = rd_uv(c);
	if (!rd_ok(c))
		return 0;
	if (elem_min && n > rd_left(c) / elem_min) {
		rd_fail(c);
		return 0;
	}
	return n;
}
