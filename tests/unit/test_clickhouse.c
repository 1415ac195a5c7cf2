/* The ClickHouse store's own encodings, without a server: clickhouse://
 * locations, SQL and URL escaping, the Native block format (checked against
 * bytes ClickHouse 18.16 itself wrote), RowBinary reading, the sortable
 * sample encodings, the distinct-set merge done "the ClickHouse way"
 * (union, register max, sparse sketches) against the C merge, the
 * sensor messages' rows (Native out, RowBinary back) and the spool files. The server-side half is
 * tests/integration/test_clickhouse*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/clickhouse.h"

/* --- locations -------------------------------------------------------------- */

static void url_full(void **state)
{
	(void)state;
	ch_config c;
	char err[256];
	assert_int_equal(ch_parse_url("clickhouse://sp:s3cret%3Ap%40ss%2Fwd@127.0.0.1:18123/tele_1"
				      "?spool=/var/spool/sp&spool_max=2G&timeout=5&fsync=0",
				      &c, err, sizeof err),
			 0);
	assert_string_equal(c.user, "sp");
	assert_string_equal(c.password, "s3cret:p@ss/wd");
	assert_string_equal(c.host, "127.0.0.1");
	assert_int_equal(c.port, 18123);
	assert_string_equal(c.db, "tele_1");
	assert_string_equal(c.spool, "/var/spool/sp");
	assert_true(c.spool_max == (uint64_t)2 << 30);
	assert_int_equal(c.timeout_s, 5);
	assert_int_equal(c.fsync, 0);
	assert_string_equal(c.base, "http://127.0.0.1:18123/");
	/* the password never appears in what is shown */
	assert_string_equal(c.where, "clickhouse://sp@127.0.0.1:18123/tele_1");
}

static void url_defaults_and_raw_at(void **state)
{
	(void)state;
	ch_config c;
	char err[256];
	assert_int_equal(ch_parse_url("clickhouse://ch.example", &c, err, sizeof err), 0);
	assert_int_equal(c.port, CH_DEFAULT_PORT);
	assert_string_equal(c.db, CH_DEFAULT_DB);
	assert_string_equal(c.user, "");
	assert_int_equal(c.fsync, 1);
	/* an unencoded @ in the password: the last @ ends the user part */
	assert_int_equal(ch_parse_url("clickhouse://u:a@b@h:9/d", &c, err, sizeof err), 0);
	assert_string_equal(c.password, "a@b");
	assert_string_equal(c.host, "h");
	assert_int_equal(ch_parse_url("clickhouse://[::1]:8124/x", &c, err, sizeof err), 0);
	assert_string_equal(c.host, "[::1]");
	assert_int_equal(c.port, 8124);
	assert_string_equal(c.base, "http://[::1]:8124/");
}

static void url_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "sqlite://x",
	    "clickhouse://",
	    "clickhouse://h:0/d",
	    "clickhouse://h:65536/d",
	    "clickhouse://h:8x/d",
	    "clickhouse://h/bad-name",
	    "clickhouse://h/d;DROP",
	    "clickhouse://h/d?nosuch=1",
	    "clickhouse://h/d?spool_max=1K",
	    "clickhouse://h/d?spool_max=nan",
	    "clickhouse://h/d?spool_max=inf",
	    "clickhouse://h/d?spool_max=1e30G",
	    "clickhouse://h/d?timeout=0",
	    "clickhouse://h/d?fsync=yes",
	    "clickhouse://h/d?spool",
	    "clickhouse://u:%zz@h/d",
	    "clickhouse://u:%4@h/d",
	    "clickhouse://u:%00@h/d",
	    "clickhouse://h o/d",
	    "clickhouse://[::1/d",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ch_config c;
		char err[256] = "";
		if (ch_parse_url(bad[i], &c, err, sizeof err) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_true(err[0] != 0);
	}
}

static void url_redacted(void **state)
{
	(void)state;
	char out[256];
	ch_redact_url("clickhouse://sp:pw@h:1/d", out, sizeof out);
	assert_string_equal(out, "clickhouse://sp:***@h:1/d");
	ch_redact_url("clickhouse://sp:p@w@h:1/d?x=@", out, sizeof out);
	assert_string_equal(out, "clickhouse://sp:***@h:1/d?x=@");
	ch_redact_url("clickhouse://sp@h:1/d", out, sizeof out);
	assert_string_equal(out, "clickhouse://sp@h:1/d");
	ch_redact_url("store.db", out, sizeof out);
	assert_string_equal(out, "store.db");
}

/* --- escaping ---------------------------------------------------------------- */

static void sql_strings(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	const char s[] = "it's a \\ test\n\x01\x7f\xc3\xa9";
	ch_sql_str(&b, s, sizeof s - 1);
	assert_string_equal(buf_cstr(&b), "'it\\'s a \\\\ test\\x0A\\x01\\x7F\xc3\xa9'");
	buf_reset(&b);
	ch_sql_str(&b, "a\0b", 3); /* a NUL cannot end the literal early */
	assert_string_equal(buf_cstr(&b), "'a\\x00b'");
	buf_reset(&b);
	const uint8_t ip[4] = {0x00, 0xff, 0x0a, 0x9c};
	ch_sql_bytes(&b, ip, 4);
	assert_string_equal(buf_cstr(&b), "unhex('00FF0A9C')");
	buf_reset(&b);
	const char q[] = "INSERT INTO d.t FORMAT Native&x=1/é";
	ch_url_escape(&b, q, strlen(q));
	assert_string_equal(buf_cstr(&b), "INSERT%20INTO%20d.t%20FORMAT%20Native%26x%3D1%2F%C3%A9");
	buf_free(&b);
}

/* --- Native -------------------------------------------------------------------- */

/* SELECT toUInt32(7) AS a, ['x','yz'] AS b, toFixedString('ab',2) AS c
 * FORMAT Native, as written by clickhouse-server 18.16.1 */
static const uint8_t server_block[] = {
    0x03, 0x01, 0x01, 'a',  0x06, 'U',	'I',  'n',  't', '3',  '2', 0x07, 0x00, 0x00, 0x00, 0x01,
    'b',  0x0d, 'A',  'r',  'r',  'a',	'y',  '(',  'S', 't',  'r', 'i',  'n',	'g',  ')',  0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 'x', 0x02, 'y', 'z',  0x01, 'c',  0x0e, 'F',
    'i',  'x',	'e',  'd',  'S',  't',	'r',  'i',  'n', 'g',  '(', '2',  ')',	'a',  'b'};

static void native_matches_server(void **state)
{
	(void)state;
	static const ch_coldef def[] = {
	    {"a", "UInt32", CH_FIXED, 4},
	    {"b", "Array(String)", CH_ARR_STRING, 0},
	    {"c", "FixedString(2)", CH_FIXED, 2},
	};
	ch_block b;
	assert_int_equal(ch_block_init(&b, def, 3), 0);
	ch_put_u32(&b, 0, 7);
	ch_arr_add_str(&b, 1, "x", 1);
	ch_arr_add_str(&b, 1, "yz", 2);
	ch_arr_end(&b, 1);
	ch_put_fixed(&b, 2, "ab", 2);
	ch_row_end(&b);
	buf out;
	buf_init(&out);
	uint64_t off;
	ch_block_write(&b, &out, 2, &off);
	assert_int_equal(out.len, sizeof server_block);
	assert_memory_equal(out.p, server_block, sizeof server_block);
	assert_int_equal(ch_block_size(&b), sizeof server_block);
	assert_int_equal(off, sizeof server_block - 2); /* where "ab" is */
	ch_block_reset(&b);
	assert_int_equal(b.rows, 0);
	buf_free(&out);
	ch_block_free(&b);
}

static void native_arrays_of_rows(void **state)
{
	(void)state;
	static const ch_coldef def[] = {{"v", "Array(UInt32)", CH_ARR_FIXED, 4}};
	ch_block b;
	assert_int_equal(ch_block_init(&b, def, 1), 0);
	const uint32_t v[3] = {1, 2, 0x01020304};
	ch_arr_add_u32s(&b, 0, v, 3);
	ch_arr_end(&b, 0);
	ch_row_end(&b);
	ch_arr_end(&b, 0); /* an empty array */
	ch_row_end(&b);
	buf out;
	buf_init(&out);
	ch_block_write(&b, &out, -1, NULL);
	static const uint8_t want[] = {1,   2,	 1,   'v', 13,	'A', 'r', 'r', 'a', 'y', '(', 'U',
				       'I', 'n', 't', '3', '2', ')', 3,	  0,   0,   0,	 0,   0,
				       0,   0,	 3,   0,   0,	0,   0,	  0,   0,   0,	 1,   0,
				       0,   0,	 2,   0,   0,	0,   4,	  3,   2,   1};
	assert_int_equal(out.len, sizeof want);
	assert_memory_equal(out.p, want, sizeof want);
	buf_free(&out);
	ch_block_free(&b);
}

/* --- RowBinary --------------------------------------------------------------------- */

static void rowbinary_reads(void **state)
{
	(void)state;
	const uint8_t in[] = {0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff,
			      0xff, 0xff, 0xff, 0xff, 0x03, 'a',  'b',	'c',  0x02, 0x00};
	cursor c = rd_init(in, sizeof in);
	assert_int_equal(ch_rd_u16(&c), 0x1234);
	assert_int_equal(ch_rd_u32(&c), 0x12345678);
	assert_true(ch_rd_i64(&c) == -1);
	size_t n;
	const uint8_t *s = ch_rd_str(&c, &n);
	assert_non_null(s);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "abc", 3);
	/* an array of 2 UInt32 with only 1 byte left: not there yet */
	assert_int_equal(ch_rd_len(&c, 4), 0);
	assert_false(rd_ok(&c));
	const uint8_t cut[] = {0x05, 'a', 'b'};
	c = rd_init(cut, sizeof cut);
	assert_null(ch_rd_str(&c, &n));
	assert_false(rd_ok(&c));
}

/* --- sensor messages ---------------------------------------------------------------- */

static sensor_msg sample_msg(void)
{
	static const uint8_t data[] = "OPTIONS sip:100@x SIP/2.0\r\n\0\xff";
	sensor_msg m;
	memset(&m, 0, sizeof m);
	m.ts_ns = -5; /* before 1970: signed all the way */
	m.sensor = "hp-1";
	memcpy(m.src, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x33\x64\x07", 16);
	memcpy(m.dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	m.sport = 5060;
	m.dport = 0xfffe;
	m.proto = 6;
	m.data = data;
	m.len = sizeof data - 1;
	m.wire_len = 70000;
	m.reply = (const uint8_t *)"SIP/2.0 200 OK";
	m.reply_len = 14;
	m.status = 200;
	m.action = "replied";
	m.note = "user=100 exists=1";
	return m;
}

/* Walks a one-row Native block: the data of column `name`, or NULL. */
static const uint8_t *native_col(const buf *b, const char *name, const char **type, size_t *n)
{
	cursor c = rd_init(b->p, b->len);
	uint64_t ncols = rd_uv(&c), rows = rd_uv(&c);
	assert_true(rows == 1);
	for (uint64_t i = 0; i < ncols && rd_ok(&c); i++) {
		size_t nl, tl;
		const uint8_t *nm = ch_rd_str(&c, &nl);
		const uint8_t *ty = ch_rd_str(&c, &tl);
		assert_non_null(nm);
		assert_non_null(ty);
		size_t len;
		if (tl == 6 && !memcmp(ty, "String", 6)) {
			cursor v = c;
			size_t sl;
			assert_non_null(ch_rd_str(&v, &sl));
			len = rd_left(&c) - rd_left(&v);
		} else if (tl > 12 && !memcmp(ty, "FixedString(", 12)) {
			len = (size_t)strtoul((const char *)ty + 12, NULL, 10);
		} else {
			char t[16] = {0};
			memcpy(t, ty, tl < 15 ? tl : 15);
			len = strstr(t, "64") ? 8 : strstr(t, "32") ? 4 : strstr(t, "16") ? 2 : 1;
		}
		const uint8_t *d = rd_view(&c, len);
		if (nl == strlen(name) && !memcmp(nm, name, nl)) {
			static char tbuf[64];
			snprintf(tbuf, sizeof tbuf, "%.*s", (int)tl, (const char *)ty);
			*type = tbuf;
			*n = len;
			return d;
		}
	}
	return NULL;
}

static void expect_col(const buf *b, const char *name, const char *type, const void *want, size_t n)
{
	const char *t;
	size_t len;
	const uint8_t *d = native_col(b, name, &t, &len);
	assert_non_null(d);
	assert_string_equal(t, type);
	assert_int_equal(len, n);
	assert_memory_equal(d, want, n);
}

static void message_row_native(void **state)
{
	(void)state;
	sensor_msg m = sample_msg();
	ch_block b;
	assert_int_equal(ch_block_init(&b, ch_msg_cols, ch_msg_ncols), 0);
	ch_msg_row(&b, &m, 0x0102030405060708LL, 9);
	buf out;
	buf_init(&out);
	uint64_t off;
	ch_block_write(&b, &out, CH_COL_PART, &off);
	assert_int_equal(ch_block_size(&b), out.len);
	expect_col(&out, "part", "UInt64", "\0\0\0\0\0\0\0\0", 8);
	expect_col(&out, "bt", "Int64", "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	expect_col(&out, "seq", "UInt32", "\x09\0\0\0", 4);
	expect_col(&out, "ts_ns", "Int64", "\xfb\xff\xff\xff\xff\xff\xff\xff", 8);
	expect_col(&out, "sensor", "String", "\x04hp-1", 5);
	expect_col(&out, "src", "FixedString(16)", m.src, 16);
	expect_col(&out, "src_text", "String",
		   "\x0c"
		   "198.51.100.7",
		   13);
	expect_col(&out, "sport", "UInt16", "\xc4\x13", 2);
	expect_col(&out, "dst_text", "String",
		   "\x0b"
		   "2001:db8::1",
		   12);
	expect_col(&out, "dport", "UInt16", "\xfe\xff", 2);
	expect_col(&out, "transport", "String", "\x03tcp", 4);
	expect_col(&out, "wire_len", "UInt32", "\x70\x11\x01\0", 4);
	expect_col(&out, "data", "String", "\x1dOPTIONS sip:100@x SIP/2.0\r\n\0\xff", 30);
	expect_col(&out, "reply", "String", "\x0eSIP/2.0 200 OK", 15);
	expect_col(&out, "status", "UInt16", "\xc8\0", 2);
	expect_col(&out, "action", "String", "\x07replied", 8);
	expect_col(&out, "note", "String", "\x11user=100 exists=1", 18);
	/* the attempt id is the first column, where the sender rewrites it */
	const char *t;
	size_t n;
	assert_ptr_equal(native_col(&out, "part", &t, &n), out.p + off);
	/* no reply and no status: an empty string and 0 */
	ch_block_reset(&b);
	m.reply_len = 0;
	m.status = 0;
	m.proto = 17;
	ch_msg_row(&b, &m, 1, 0);
	buf_reset(&out);
	ch_block_write(&b, &out, -1, NULL);
	expect_col(&out, "reply", "String", "\0", 1);
	expect_col(&out, "status", "UInt16", "\0\0", 2);
	expect_col(&out, "transport", "String", "\x03udp", 4);
	buf_free(&out);
	ch_block_free(&b);
}

/* A row of the messages SELECT as RowBinary (ch_msg_select's order). */
static void put_rb_str(buf *b, const void *p, size_t n)
{
	buf_put_uv(b, n);
	buf_put(b, p, n);
}

static void rowbinary_message(buf *b, const sensor_msg *m)
{
	uint8_t t[8];
	ch_le64(t, (uint64_t)m->ts_ns);
	buf_put(b, t, 8);
	put_rb_str(b, m->sensor, strlen(m->sensor));
	buf_put(b, m->src, 16);
	ch_le16(t, m->sport);
	buf_put(b, t, 2);
	buf_put(b, m->dst, 16);
	ch_le16(t, m->dport);
	buf_put(b, t, 2);
	put_rb_str(b, m->proto == 6 ? "tcp" : "udp", 3);
	ch_le32(t, m->wire_len);
	buf_put(b, t, 4);
	put_rb_str(b, m->data, m->len);
	put_rb_str(b, m->reply, m->reply_len);
	ch_le16(t, m->status);
	buf_put(b, t, 2);
	put_rb_str(b, m->action, strlen(m->action));
	put_rb_str(b, m->note, strlen(m->note));
}

static void message_read_rowbinary(void **state)
{
	(void)state;
	sensor_msg m = sample_msg(), m2 = sample_msg();
	m2.proto = 17;
	m2.reply_len = 0;
	m2.status = 0;
	m2.note = "";
	buf in, text;
	buf_init(&in);
	buf_init(&text);
	rowbinary_message(&in, &m);
	size_t one = in.len;
	rowbinary_message(&in, &m2);
	cursor c = rd_init(in.p, in.len);
	sensor_msg r;
	assert_int_equal(ch_msg_read(&c, &r, &text), 1);
	assert_int_equal(in.len - rd_left(&c), one);
	assert_true(r.ts_ns == -5);
	assert_string_equal(r.sensor, "hp-1");
	assert_memory_equal(r.src, m.src, 16);
	assert_memory_equal(r.dst, m.dst, 16);
	assert_int_equal(r.sport, 5060);
	assert_int_equal(r.dport, 0xfffe);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.wire_len, 70000);
	assert_int_equal(r.len, m.len);
	assert_memory_equal(r.data, m.data, m.len);
	assert_ptr_equal(r.data, in.p + 8 + 5 + 16 + 2 + 16 + 2 + 4 + 4 + 1); /* into the input */
	assert_int_equal(r.reply_len, 14);
	assert_memory_equal(r.reply, "SIP/2.0 200 OK", 14);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.action, "replied");
	assert_string_equal(r.note, "user=100 exists=1");
	assert_int_equal(ch_msg_read(&c, &r, &text), 1);
	assert_int_equal(rd_left(&c), 0);
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.reply_len, 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.note, "");
	assert_string_equal(r.sensor, "hp-1");
	/* every cut of a row: "need more", never a row */
	for (size_t cut = 0; cut < one; cut++) {
		cursor k = rd_init(in.p, cut);
		assert_int_equal(ch_msg_read(&k, &r, &text), 0);
	}
	buf_free(&in);
	buf_free(&text);
}

/* --- sortable encodings ---------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int ipid_less(const ipid_obs *a, const ipid_obs *b)
{
	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns;
	if (a->dst != b->dst)
		return a->dst < b->dst;
	return a->ipid < b->ipid;
}

static void ipid_blob_order(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		ipid_obs a = {0}, b = {0};
		a.ts_ns = (int64_t)(rnd() % 5) - 2 + (rnd() % 2 ? INT64_MIN / 2 : 0);
		b.ts_ns = (int64_t)(rnd() % 5) - 2;
		a.dst = rnd() % 3 ? rnd() : 7;
		b.dst = rnd() % 3 ? rnd() : 7;
		a.ipid = (uint16_t)(rnd() % 3);
		b.ipid = (uint16_t)(rnd() % 3);
		a.dport = (uint16_t)rnd(), a.proto = 6, a.df = 1, a.ttl = 55, a.flags = 2;
		a.seq = rnd();
		uint8_t x[CH_IPID_BLOB], y[CH_IPID_BLOB];
		ch_ipid_blob(&a, 100, 1, 0, x);
		ch_ipid_blob(&b, 100, 2, 0, y);
		int cmp = memcmp(x, y, CH_IPID_BLOB);
		if (ipid_less(&a, &b))
			assert_true(cmp < 0);
		else if (ipid_less(&b, &a))
			assert_true(cmp > 0);
		else
			assert_true(cmp < 0); /* a tie: the one written first */
		ipid_obs back;
		ch_ipid_unblob(x, &back);
		assert_memory_equal(&back, &a, sizeof a);
	}
}

static void syn_blob_round_trip(void **state)
{
	(void)state;
	syn_sig s;
	memset(&s, 0, sizeof s);
	s.first_ns = -5;
	s.count = 42;
	s.quirks = 0x81;
	s.tsval = 123456;
	s.seq = 0xdeadbeef;
	s.win = 64240;
	s.mss = 1460;
	s.ipid = 9;
	s.ver = 4;
	s.ttl = 57;
	s.wscale = 7;
	s.has = SYNF_MSS | SYNF_WS | SYNF_TS | SYNF_SACK | SYNF_DF;
	s.flags = 2;
	s.nopt = 5;
	memcpy(s.opt, "\x02\x04\x08\x01\x03", 5);
	s.tos = 0x10;
	s.key = syn_sig_key(&s);
	uint8_t b[CH_SYN_BLOB];
	ch_syn_blob(&s, 7, 8, 1, b);
	syn_sig back;
	assert_int_equal(ch_syn_unblob(b, &back), 0);
	assert_memory_equal(&back, &s, sizeof s);
	/* earlier first copies sort first */
	syn_sig later = s;
	later.first_ns = 3;
	uint8_t c[CH_SYN_BLOB];
	ch_syn_blob(&later, 1, 1, 0, c);
	assert_true(memcmp(b, c, CH_SYN_BLOB) < 0);
	/* a blob whose fields do not give its key is refused */
	b[CH_SYN_KEY_AT + 8 + 17] ^= 1;
	assert_int_equal(ch_syn_unblob(b, &back), -1);
	b[CH_SYN_KEY_AT + 8 + 17] ^= 1;
	b[CH_SYN_KEY_AT + 8 + 22 + 6] = SYN_OPTS + 1;
	assert_int_equal(ch_syn_unblob(b, &back), -1);
}

/* Merging profiles in either order gives the same SYN list, in time order,
 * as ClickHouse's merge does. */
static void syn_merge_order_free(void **state)
{
	(void)state;
	for (int round = 0; round < 500; round++) {
		profile a, b, ab, ba;
		profile_init(&a);
		profile_init(&b);
		for (int i = 0; i < 3; i++) {
			syn_sig s;
			memset(&s, 0, sizeof s);
			s.win = (uint16_t)(rnd() % 4);
			s.ver = 4;
			s.ttl = 64;
			s.count = 1;
			/* ties between different signatures keep write order,
			 * which is the one order a merge cannot ignore */
			s.first_ns = (rnd() % 1000) * 4 + s.win;
			s.key = syn_sig_key(&s);
			profile_add_syn(i % 2 ? &a : &b, &s);
		}
		profile_init(&ab);
		profile_init(&ba);
		profile_merge(&ab, &a);
		profile_merge(&ab, &b);
		profile_merge(&ba, &b);
		profile_merge(&ba, &a);
		assert_int_equal(ab.n_syn, ba.n_syn);
		for (uint32_t i = 0; i < ab.n_syn; i++) {
			assert_true(ab.syn[i].key == ba.syn[i].key);
			assert_true(ab.syn[i].first_ns == ba.syn[i].first_ns);
			assert_int_equal(ab.syn[i].count, ba.syn[i].count);
			if (i)
				assert_true(ab.syn[i - 1].first_ns <= ab.syn[i].first_ns);
		}
		profile_free(&a);
		profile_free(&b);
		profile_free(&ab);
		profile_free(&ba);
	}
}

/* --- distinct sets, merged the way the SELECT merges them ------------------------------- */

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return (a > b) - (a < b);
}

/* What ClickHouse computes from the parts' rows (ch_rows.c select_dset). */
static void clickhouse_merge(dset *const *parts, int n, dset *out)
{
	uint32_t *u = malloc(64 * (size_t)n * sizeof *u);
	size_t nu = 0;
	uint8_t regs[DSET_HLL_M] = {0};
	int have_regs = 0;
	uint8_t best[DSET_HLL_M] = {0};
	for (int i = 0; i < n; i++) {
		uint32_t sorted[DSET_EXACT];
		uint32_t ns = dset_sorted(parts[i], sorted);
		for (uint32_t k = 0; k < ns; k++)
			u[nu++] = sorted[k];
		if (parts[i]->hll) {
			have_regs = 1;
			for (uint32_t r = 0; r < DSET_HLL_M; r++)
				if (parts[i]->hll[r] > regs[r])
					regs[r] = parts[i]->hll[r];
		}
		uint16_t hv[DSET_EXACT];
		size_t nh = ch_dset_sparse(parts[i], hv);
		for (size_t k = 0; k < nh; k++)
			if ((hv[k] & 255) > best[hv[k] >> 8])
				best[hv[k] >> 8] = (uint8_t)hv[k];
	}
	qsort(u, nu, sizeof *u, cmp_u32);
	size_t d = 0;
	for (size_t i = 0; i < nu; i++)
		if (!d || u[d - 1] != u[i])
			u[d++] = u[i];
	int estimate = d > DSET_EXACT || have_regs;
	uint16_t sparse[DSET_HLL_M];
	size_t ns = 0;
	for (uint32_t r = 0; estimate && r < DSET_HLL_M; r++)
		if (best[r])
			sparse[ns++] = (uint16_t)(r << 8 | best[r]);
	assert_int_equal(ch_dset_build(out, u, d < DSET_EXACT ? d : DSET_EXACT, d,
				       have_regs ? regs : NULL, have_regs ? DSET_HLL_M : 0, sparse,
				       ns),
			 0);
	free(u);
}

static void dset_merge_like_c(void **state)
{
	(void)state;
	static const int sizes[] = {0, 1, 3, 40, 64, 65, 200, 5000};
	for (int round = 0; round < 300; round++) {
		dset p[3];
		dset *pp[3];
		int np = 1 + round % 3;
		for (int i = 0; i < np; i++) {
			dset_init(&p[i]);
			pp[i] = &p[i];
			int n = sizes[rnd() % 8];
			uint32_t base = rnd() % 4 ? 0 : rnd();
			for (int k = 0; k < n; k++)
				dset_add(&p[i], base + rnd() % (uint32_t)(n * 2 + 1));
		}
		dset c;
		dset_init(&c);
		for (int i = 0; i < np; i++)
			dset_merge(&c, &p[i]);
		dset ch;
		dset_init(&ch);
		clickhouse_merge(pp, np, &ch);
		buf x, y;
		buf_init(&x);
		buf_init(&y);
		dset_encode(&c, &x);
		dset_encode(&ch, &y);
		assert_int_equal(x.len, y.len);
		assert_memory_equal(x.p, y.p, x.len);
		assert_true(dset_count(&c) == dset_count(&ch));
		buf_free(&x);
		buf_free(&y);
		dset_free(&c);
		dset_free(&ch);
		for (int i = 0; i < np; i++)
			dset_free(&p[i]);
	}
}

static void dset_build_refuses_nonsense(void **state)
{
	(void)state;
	dset d;
	dset_init(&d);
	const uint32_t v[3] = {1, 5, 3};
	uint8_t regs[DSET_HLL_M] = {0};
	assert_int_equal(ch_dset_build(&d, v, 3, 3, NULL, 0, NULL, 0), -1); /* not ascending */
	assert_int_equal(ch_dset_build(&d, v, 2, 3, NULL, 0, NULL, 0), -1); /* count mismatch */
	assert_int_equal(ch_dset_build(&d, v, 2, 2, regs, 7, NULL, 0), -1); /* register count */
	assert_int_equal(ch_dset_build(&d, v, 2, 2, NULL, 0, NULL, 0), 0);
	assert_int_equal(d.n, 2);
	assert_false(dset_is_estimate(&d));
	dset_free(&d);
}

/* --- the spool ----------------------------------------------------------------------- */

static char spool_dir[256];

static int make_dir(void **state)
{
	(void)state;
	snprintf(spool_dir, sizeof spool_dir, "/tmp/sp-spool-test-XXXXXX");
	return mkdtemp(spool_dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", spool_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void small_block(ch_block *b, uint32_t rows)
{
	ch_block_init(b, ch_key_cols, ch_key_ncols);
	uint8_t ip[16] = {0};
	for (uint32_t i = 0; i < rows; i++) {
		ip[15] = (uint8_t)i;
		ch_key_row(b, "sip.local", "192.168.1.9", ip);
	}
}

static void spool_round_trip(void **state)
{
	(void)state;
	ch_spool_w w;
	assert_int_equal(ch_spool_begin(&w, spool_dir, 0xabcdef, 1000, "a"), 0);
	ch_block b;
	small_block(&b, 5);
	assert_int_equal(ch_spool_block(&w, CH_T_KEYS, &b), 0);
	assert_int_equal(ch_spool_block(&w, CH_T_KEYS, &b), 0);
	capture_rec cap;
	memset(&cap, 0, sizeof cap);
	snprintf(cap.path, sizeof cap.path, "x.pcap");
	cap.content_hash = 77;
	cap.head_hash = 66;
	cap.raw_size = 55;
	ch_spool_capture(&w, &cap);
	snprintf(w.sensor, sizeof w.sensor, "sensor-a");
	assert_int_equal(ch_spool_commit(&w, 1), 0);

	ch_spool_list l;
	assert_int_equal(ch_spool_scan(spool_dir, &l), 0);
	assert_int_equal(l.n, 1);
	ch_spool_r r;
	char err[1200];
	assert_int_equal(ch_spool_read(l.path[0], &r, 0, err, sizeof err), 0);
	assert_true(r.batch == 0xabcdef);
	assert_true(r.bt == 1000);
	assert_string_equal(r.sensor, "sensor-a");
	assert_int_equal(r.nsec, 2);
	assert_int_equal(r.ncaps, 1);
	assert_string_equal(r.caps[0].path, "x.pcap");
	assert_true(r.caps[0].content_hash == 77 && r.caps[0].raw_size == 55);
	/* the body is the block; patching sets every row's attempt id */
	buf want;
	buf_init(&want);
	uint64_t off;
	ch_block_write(&b, &want, CH_COL_PART, &off);
	assert_int_equal(r.sec[1].len, want.len);
	assert_int_equal(r.sec[1].part_off, off);
	assert_memory_equal(r.map + r.sec[1].off, want.p, want.len);
	ch_spool_patch(&r, 1, 0x1122334455667788ULL);
	cursor c = rd_init(r.map + r.sec[1].off + off, 8 * 5);
	for (int i = 0; i < 5; i++)
		assert_true(ch_rd_u64(&c) == 0x1122334455667788ULL);
	ch_spool_close(&r);
	/* the mapping was private: the file still holds zeros */
	assert_int_equal(ch_spool_read(l.path[0], &r, 0, err, sizeof err), 0);
	assert_memory_equal(r.map + r.sec[1].off, want.p, want.len);
	ch_spool_close(&r);
	unlink(l.path[0]);
	ch_spool_list_free(&l);
	buf_free(&want);
	ch_block_free(&b);
}

static void spool_damage_is_caught(void **state)
{
	(void)state;
	ch_spool_w w;
	assert_int_equal(ch_spool_begin(&w, spool_dir, 1, 2000, "b"), 0);
	ch_block b;
	small_block(&b, 3);
	assert_int_equal(ch_spool_block(&w, CH_T_KEYS, &b), 0);
	assert_int_equal(ch_spool_commit(&w, 0), 0);
	ch_spool_list l;
	assert_int_equal(ch_spool_scan(spool_dir, &l), 0);
	assert_int_equal(l.n, 1);
	struct stat st;
	assert_int_equal(stat(l.path[0], &st), 0);
	char err[1200];
	ch_spool_r r;
	/* one bit flipped in a row */
	int fd = open(l.path[0], O_RDWR);
	uint8_t byte;
	assert_int_equal(pread(fd, &byte, 1, 40), 1);
	byte ^= 4;
	assert_int_equal(pwrite(fd, &byte, 1, 40), 1);
	assert_int_equal(ch_spool_read(l.path[0], &r, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "damaged"));
	/* the index alone still reads (for "already read?") */
	assert_int_equal(ch_spool_read(l.path[0], &r, 1, err, sizeof err), 0);
	ch_spool_close(&r);
	/* cut short */
	assert_int_equal(ftruncate(fd, st.st_size - 3), 0);
	assert_int_equal(ch_spool_read(l.path[0], &r, 1, err, sizeof err), -1);
	assert_int_equal(ftruncate(fd, 5), 0);
	assert_int_equal(ch_spool_read(l.path[0], &r, 1, err, sizeof err), -1);
	close(fd);
	unlink(l.path[0]);
	ch_spool_list_free(&l);
	ch_block_free(&b);
}

static void spool_order_and_dead_writers(void **state)
{
	(void)state;
	int64_t times[3] = {3000, 1000, 2000};
	for (int i = 0; i < 3; i++) {
		ch_spool_w w;
		assert_int_equal(ch_spool_begin(&w, spool_dir, (uint64_t)i + 10, times[i], "c"), 0);
		assert_int_equal(ch_spool_commit(&w, 0), 0);
	}
	/* a batch being written is neither listed nor removed ... */
	ch_spool_w live;
	assert_int_equal(ch_spool_begin(&live, spool_dir, 99, 500, "c"), 0);
	/* ... one whose writer died (no lock held) is removed */
	char dead[512];
	snprintf(dead, sizeof dead, "%s/.tmp-dead", spool_dir);
	int fd = open(dead, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	ch_spool_list l;
	assert_int_equal(ch_spool_scan(spool_dir, &l), 0);
	assert_int_equal(l.n, 3);
	assert_non_null(strstr(l.path[0], "00000000000000001000-"));
	assert_non_null(strstr(l.path[1], "00000000000000002000-"));
	assert_non_null(strstr(l.path[2], "00000000000000003000-"));
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(live.tmp, F_OK), 0);
	ch_spool_abort(&live);
	assert_int_equal(access(live.tmp, F_OK), -1);
	for (size_t i = 0; i < l.n; i++)
		unlink(l.path[i]);
	ch_spool_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(url_full),
	    cmocka_unit_test(url_defaults_and_raw_at),
	    cmocka_unit_test(url_errors),
	    cmocka_unit_test(url_redacted),
	    cmocka_unit_test(sql_strings),
	    cmocka_unit_test(native_matches_server),
	    cmocka_unit_test(native_arrays_of_rows),
	    cmocka_unit_test(rowbinary_reads),
	    cmocka_unit_test(message_row_native),
	    cmocka_unit_test(message_read_rowbinary),
	    cmocka_unit_test(ipid_blob_order),
	    cmocka_unit_test(syn_blob_round_trip),
	    cmocka_unit_test(syn_merge_order_free),
	    cmocka_unit_test(dset_merge_like_c),
	    cmocka_unit_test(dset_build_refuses_nonsense),
	    cmocka_unit_test_setup_teardown(spool_round_trip, make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(spool_damage_is_caught, make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(spool_order_and_dead_writers, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
