/* SIP over TCP: messages framed by Content-Length across segments, with
 * retransmissions, holes, bodies too long to keep, and a full table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "decode/decode.h"
#include "sip/sip.h"
#include "sip/stream.h"

typedef struct got {
	int n;
	char msg[8][512];
	size_t len[8];
} got;

static void on_msg(void *ctx, const uint8_t *m, size_t n)
{
	got *g = ctx;
	if (g->n < 8) {
		size_t k = n < 511 ? n : 511;
		memcpy(g->msg[g->n], m, k);
		g->msg[g->n][k] = 0;
		g->len[g->n] = n;
	}
	g->n++;
}

static uint8_t A[16], B[16];

static int feed(sip_stream *s, uint16_t sport, uint32_t seq, uint8_t flags, const char *d, size_t n,
		got *g)
{
	sip_segment seg = {A, B, sport, 5060, seq, flags, (const uint8_t *)d, n};
	return sip_stream_feed(s, &seg, on_msg, g);
}

static const char M1[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nl: 5\r\n\r\nhello";
static const char M2[] = "REGISTER sip:b SIP/2.0\r\nContent-Length: 0\r\n\r\n";

static void split_across_segments(void **state)
{
	(void)state;
	addr_from_v4(A, 0x0a000001);
	addr_from_v4(B, 0x0a000002);
	sip_stream *s = sip_stream_new(16, 1024);
	got g = {0};
	size_t n = sizeof M1 - 1;
	assert_int_equal(feed(s, 1000, 100, TCP_ACK | TCP_PSH, M1, 10, &g), 0);
	assert_int_equal(feed(s, 1000, 110, TCP_ACK, M1 + 10, 30, &g), 0);
	/* a retransmission of bytes already taken changes nothing */
	assert_int_equal(feed(s, 1000, 100, TCP_ACK, M1, 20, &g), 0);
	assert_int_equal(feed(s, 1000, 140, TCP_ACK, M1 + 40, n - 40 - 2, &g), 0);
	assert_int_equal(feed(s, 1000, (uint32_t)(100 + n - 2), TCP_ACK, M1 + n - 2, 2, &g), 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], n);
	assert_string_equal(g.msg[0], M1);
	/* two messages in one segment */
	char two[256];
	snprintf(two, sizeof two, "%s%s", M2, M1);
	assert_int_equal(feed(s, 1000, (uint32_t)(100 + n), TCP_ACK, two, strlen(two), &g), 2);
	assert_string_equal(g.msg[1], M2);
	assert_string_equal(g.msg[2], M1);
	sip_stream_free(s);
}

static void holes_and_starts(void **state)
{
	(void)state;
	sip_stream *s = sip_stream_new(16, 1024);
	got g = {0};
	/* a connection is only followed from a segment that starts a message */
	assert_int_equal(feed(s, 2000, 1, TCP_ACK, "xx\r\n", 4, &g), 0);
	assert_int_equal(feed(s, 2000, 5, TCP_ACK, M1, 20, &g), 0);
	/* a hole: what was buffered is dropped, the next message is read */
	assert_int_equal(feed(s, 2000, 500, TCP_ACK, M2, sizeof M2 - 1, &g), 1);
	assert_string_equal(g.msg[0], M2);
	assert_int_equal(sip_stream_get_stats(s)->gaps, 1);
	/* RST forgets the connection; bytes after it are not a message start */
	feed(s, 2000, (uint32_t)(500 + sizeof M2 - 1), TCP_RST, "", 0, &g);
	assert_int_equal(feed(s, 2000, 9000, TCP_ACK, "l: 0\r\n\r\n", 8, &g), 0);
	sip_stream_free(s);
}

static void long_bodies_are_passed_over(void **state)
{
	(void)state;
	sip_stream *s = sip_stream_new(16, 256);
	got g = {0};
	static const char head[] = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 1000\r\n\r\n";
	char body[1000];
	memset(body, 'x', sizeof body);
	uint32_t seq = 1;
	/* the head is delivered at once, alone: the body cannot fit */
	assert_int_equal(feed(s, 3000, seq, TCP_ACK, head, sizeof head - 1, &g), 1);
	assert_int_equal(g.len[0], sizeof head - 1);
	seq += sizeof head - 1;
	assert_int_equal(feed(s, 3000, seq, TCP_ACK, body, 300, &g), 0);
	seq += 300;
	assert_int_equal(feed(s, 3000, seq, TCP_ACK, body + 300, 700, &g), 0);
	seq += 700;
	assert_int_equal(feed(s, 3000, seq, TCP_ACK, M2, sizeof M2 - 1, &g), 1);
	assert_string_equal(g.msg[1], M2);
	assert_int_equal(sip_stream_get_stats(s)->skipped, 1000);
	/* a head longer than the buffer is given up */
	char big[600];
	int k = snprintf(big, sizeof big, "OPTIONS sip:a@b SIP/2.0\r\nX: ");
	memset(big + k, 'y', sizeof big - (size_t)k);
	feed(s, 3001, 1, TCP_ACK, big, sizeof big, &g);
	assert_int_equal(sip_stream_get_stats(s)->oversize, 1);
	sip_stream_free(s);
}

static void table_is_bounded(void **state)
{
	(void)state;
	sip_stream *s = sip_stream_new(16, 512);
	got g = {0};
	for (uint16_t p = 1; p < 200; p++)
		feed(s, p, 1, TCP_ACK, M1, 20, &g); /* 200 open connections, 16 slots */
	assert_true(sip_stream_get_stats(s)->evicted >= 180);
	assert_true(sip_stream_mem(s) < 16 * (512 + 128) + 256);
	sip_stream_clear(s);
	assert_int_equal(feed(s, 1, 21, TCP_ACK, M1 + 20, sizeof M1 - 21, &g), 0);
	sip_stream_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(split_across_segments),
	    cmocka_unit_test(holes_and_starts),
	    cmocka_unit_test(long_bodies_are_passed_over),
	    cmocka_unit_test(table_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
