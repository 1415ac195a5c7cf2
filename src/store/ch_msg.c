/* Sensor messages (the honeypot's) in the ClickHouse store: the `messages`
 * table, one row per message as the sensor received it and the reply it
 * sent, written into the transaction's batch like every other row (so it is
 * spooled, retried and read only from a valid part), and read back in
 * arrival order: batch time, then the row's place in its batch. The SQLite
 * store keeps the same fields in its table of the same name. */
#include "store/clickhouse.h"

#include "decode/decode.h"

#include <string.h>

enum {
	G_PART,
	G_BT,
	G_SEQ,
	G_TS,
	G_SENSOR,
	G_SRC,
	G_SRC_TEXT,
	G_SPORT,
	G_DST,
	G_DST_TEXT,
	G_DPORT,
	G_TRANSPORT,
	G_WIRE,
	G_DATA,
	G_REPLY,
	G_STATUS,
	G_ACTION,
	G_NOTE,
	G_NCOLS
};

#define FIX(n, t, w)                                                                               \
	{                                                                                          \
		n, t, CH_FIXED, w                                                                  \
	}
#define STR(n)                                                                                     \
	{                                                                                          \
		n, "String", CH_STRING, 0                                                          \
	}

const ch_coldef ch_msg_cols[G_NCOLS] = {
    [G_PART] = FIX("part", "UInt64", 8),
    [G_BT] = FIX("bt", "Int64", 8),
    [G_SEQ] = FIX("seq", "UInt32", 4),
    [G_TS] = FIX("ts_ns", "Int64", 8),
    [G_SENSOR] = STR("sensor"),
    [G_SRC] = FIX("src", "FixedString(16)", 16),
    [G_SRC_TEXT] = STR("src_text"),
    [G_SPORT] = FIX("sport", "UInt16", 2),
    [G_DST] = FIX("dst", "FixedString(16)", 16),
    [G_DST_TEXT] = STR("dst_text"),
    [G_DPORT] = FIX("dport", "UInt16", 2),
    [G_TRANSPORT] = STR("transport"),
    [G_WIRE] = FIX("wire_len", "UInt32", 4),
    [G_DATA] = STR("data"),
    [G_REPLY] = STR("reply"),
    [G_STATUS] = FIX("status", "UInt16", 2),
    [G_ACTION] = STR("action"),
    [G_NOTE] = STR("note"),
};
const int ch_msg_ncols = G_NCOLS;

static void put_text(ch_block *b, int col, const char *s)
{
	ch_put_str(b, col, s ? s : "", s ? strlen(s) : 0);
}

/* No reply is an empty `reply`, no status due is 0: ClickHouse keeps no
 * NULLs without a column of flags beside each, and the store interface
 * says the same with reply_len 0 and status 0. */
void ch_msg_row(ch_block *b, const sensor_msg *m, int64_t bt, uint32_t seq)
{
	char src[46], dst[46];
	ch_put_u64(b, G_PART, 0);
	ch_put_i64(b, G_BT, bt);
	ch_put_u32(b, G_SEQ, seq);
	ch_put_i64(b, G_TS, m->ts_ns);
	put_text(b, G_SENSOR, m->sensor);
	ch_put_fixed(b, G_SRC, m->src, 16);
	put_text(b, G_SRC_TEXT, addr_str(m->src, src));
	ch_put_u16(b, G_SPORT, m->sport);
	ch_put_fixed(b, G_DST, m->dst, 16);
	put_text(b, G_DST_TEXT, addr_str(m->dst, dst));
	ch_put_u16(b, G_DPORT, m->dport);
	put_text(b, G_TRANSPORT, proto_name(m->proto));
	ch_put_u32(b, G_WIRE, m->wire_len);
	ch_put_str(b, G_DATA, m->data, m->len);
	ch_put_str(b, G_REPLY, m->reply, m->reply_len);
	ch_put_u16(b, G_STATUS, m->status);
	put_text(b, G_ACTION, m->action);
	put_text(b, G_NOTE, m->note);
	ch_row_end(b);
}

void ch_msg_select(buf *sql)
{
	buf_puts(sql, "ts_ns, sensor, src, sport, dst, dport, transport, wire_len, data, reply,"
		      " status, action, note");
}

/* A String column copied into text, NUL-terminated (the interface's texts
 * are C strings); its offset in text, or -1 if cut. */
static long text_col(cursor *c, buf *text)
{
	size_t n;
	const uint8_t *p = ch_rd_str(c, &n);
	if (!p)
		return -1;
	long at = (long)text->len;
	buf_put(text, p, n);
	buf_putc(text, 0);
	return at;
}

static const uint8_t *bytes_col(cursor *c, uint32_t *len)
{
	size_t n;
	const uint8_t *p = ch_rd_str(c, &n);
	*len = (uint32_t)n;
	if (p && n > UINT32_MAX)
		rd_fail(c);
	return p;
}

int ch_msg_read(cursor *c, sensor_msg *m, buf *text)
{
	memset(m, 0, sizeof *m);
	buf_reset(text);
	m->ts_ns = ch_rd_i64(c);
	long sensor = text_col(c, text);
	rd_bytes(c, m->src, 16);
	m->sport = ch_rd_u16(c);
	rd_bytes(c, m->dst, 16);
	m->dport = ch_rd_u16(c);
	size_t tl;
	const uint8_t *t = ch_rd_str(c, &tl);
	/* as the SQLite store reads its `transport` */
	m->proto = t && tl == 3 && !memcmp(t, "tcp", 3) ? 6 : 17;
	m->wire_len = ch_rd_u32(c);
	m->data = bytes_col(c, &m->len);
	m->reply = bytes_col(c, &m->reply_len);
	m->status = ch_rd_u16(c);
	long action = text_col(c, text);
	long note = text_col(c, text);
	if (!rd_ok(c) || sensor < 0 || action < 0 || note < 0)
		return 0;
	if (text->oom)
		return -1;
	m->sensor = (const char *)text->p + sensor;
	m->action = (const char *)text->p + action;
	m->note = (const char *)text->p + note;
	return 1;
}
