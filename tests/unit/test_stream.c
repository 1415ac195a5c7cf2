/* Capture input: the decompressing stream (gzip with concatenated members,
 * zstd, xz; cut and corrupt input; the content hash that makes a capture
 * recognisable compressed or not) and capture files on top of it (pcap in
 * micro- and nanoseconds, pcapng, cuts mid-record with the byte offset of
 * the last whole packet, files that are not captures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "capture/capture.h"
#include "capture/stream.h"
#include "util/buf.h"

static char dir[] = "/tmp/sp-test-stream-XXXXXX";

static const char *path_of(const char *name)
{
	static char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const void *d, size_t n)
{
	FILE *f = fopen(path_of(name), "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(d, 1, n, f), n);
	fclose(f);
}

/* 3 MiB of text-like content (compressible, crosses the 1 MiB chunks). */
static uint8_t *content(size_t *n)
{
	*n = 3u << 20;
	uint8_t *c = malloc(*n);
	uint32_t x = 12345;
	for (size_t i = 0; i < *n; i++) {
		x = x * 1103515245 + 12345;
		c[i] = (uint8_t)("abcdefgh \n0123"[(x >> 16) % 14]);
	}
	return c;
}

static void gzip_member(buf *out, const uint8_t *d, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, (uLong)n) + 64;
	buf_reserve(out, cap);
	z.next_in = (Bytef *)d;
	z.avail_in = (uInt)n;
	z.next_out = out->p + out->len;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->len += cap - z.avail_out;
	deflateEnd(&z);
}

static void zstd_frame(buf *out, const uint8_t *d, size_t n)
{
	size_t cap = ZSTD_compressBound(n);
	buf_reserve(out, cap);
	ZSTD_CCtx *z = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1); /* as the zstd command does */
	size_t r = ZSTD_compress2(z, out->p + out->len, cap, d, n);
	ZSTD_freeCCtx(z);
	assert_false(ZSTD_isError(r));
	out->len += r;
}

static void xz_stream(buf *out, const uint8_t *d, size_t n)
{
	size_t cap = lzma_stream_buffer_bound(n), pos = 0;
	buf_reserve(out, cap);
	assert_int_equal(
	    lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, d, n, out->p + out->len, &pos, cap),
	    LZMA_OK);
	out->len += pos;
}

/* Reads the whole stream through its FILE*; returns the bytes. */
static uint8_t *read_all(in_stream *s, size_t *n)
{
	size_t cap = 4u << 20;
	uint8_t *o = malloc(cap);
	*n = 0;
	size_t r;
	while ((r = fread(o + *n, 1, 100003, stream_file(s))) > 0) {
		*n += r;
		if (cap - *n < 100003) {
			cap *= 2;
			o = realloc(o, cap);
		}
	}
	return o;
}

typedef void (*compress_fn)(buf *out, const uint8_t *d, size_t n);

static uint64_t check_codec(const char *name, compress_fn fn, int pieces, const char *codec)
{
	size_t n;
	uint8_t *c = content(&n);
	buf z;
	buf_init(&z);
	if (fn) {
		for (int i = 0; i < pieces; i++) /* members / frames / streams one after another */
			fn(&z, c + n * (size_t)i / (size_t)pieces,
			   n * (size_t)(i + 1) / (size_t)pieces - n * (size_t)i / (size_t)pieces);
	} else {
		buf_put(&z, c, n);
	}
	write_file(name, z.p, z.len);
	char err[256];
	in_stream *s = stream_open(path_of(name), err, sizeof err);
	assert_non_null(s);
	assert_string_equal(stream_codec_name(stream_codec(s)), codec);
	assert_int_equal(stream_raw_size(s), (int64_t)z.len);
	size_t got;
	uint8_t *o = read_all(s, &got);
	assert_int_equal(got, n);
	assert_memory_equal(o, c, n);
	assert_null(stream_error(s));
	assert_int_equal(stream_offset(s), n);
	assert_int_equal(stream_raw_read(s), z.len);
	uint64_t h = stream_content_hash(s);
	stream_close(s);
	free(o);
	free(c);
	buf_free(&z);
	return h;
}

static void codecs_round_trip(void **state)
{
	(void)state;
	uint64_t plain = check_codec("plain", NULL, 1, "none");
	assert_int_equal(check_codec("one.gz", gzip_member, 1, "gzip"), plain);
	assert_int_equal(check_codec("three.gz", gzip_member, 3, "gzip"), plain);
	assert_int_equal(check_codec("one.zst", zstd_frame, 1, "zstd"), plain);
	assert_int_equal(check_codec("four.zst", zstd_frame, 4, "zstd"), plain);
	assert_int_equal(check_codec("one.xz", xz_stream, 1, "xz"), plain);
	assert_int_equal(check_codec("two.xz", xz_stream, 2, "xz"), plain);
}

/* A compressed file cut short: what was there is delivered, then the
 * stream says where it ended. */
static void check_cut(const char *name, compress_fn fn, const char *codec)
{
	size_t n;
	uint8_t *c = content(&n);
	buf z;
	buf_init(&z);
	fn(&z, c, n);
	size_t keep = z.len * 2 / 3;
	write_file(name, z.p, keep);
	char err[256];
	in_stream *s = stream_open(path_of(name), err, sizeof err);
	assert_non_null(s);
	size_t got;
	uint8_t *o = read_all(s, &got);
	assert_true(got > 0 && got < n);
	assert_memory_equal(o, c, got); /* what came out is right */
	const char *e = stream_error(s);
	assert_non_null(e);
	assert_non_null(strstr(e, codec));
	assert_non_null(strstr(e, "ends early"));
	char at[32];
	snprintf(at, sizeof at, "byte %zu", keep);
	assert_non_null(strstr(e, at));
	stream_close(s);
	free(o);
	free(c);
	buf_free(&z);
}

static void cut_files(void **state)
{
	(void)state;
	check_cut("cut.gz", gzip_member, "gzip");
	check_cut("cut.zst", zstd_frame, "zstd");
	check_cut("cut.xz", xz_stream, "xz");
}

static void check_corrupt(const char *name, compress_fn fn)
{
	size_t n;
	uint8_t *c = content(&n);
	buf z;
	buf_init(&z);
	fn(&z, c, n);
	for (size_t i = z.len / 2; i < z.len / 2 + 64; i++)
		z.p[i] ^= 0x5a;
	write_file(name, z.p, z.len);
	char err[256];
	in_stream *s = stream_open(path_of(name), err, sizeof err);
	assert_non_null(s);
	size_t got;
	uint8_t *o = read_all(s, &got);
	assert_true(got < n || memcmp(o, c, n) != 0 || stream_error(s));
	assert_non_null(stream_error(s));
	stream_close(s);
	free(o);
	free(c);
	buf_free(&z);
}

static void corrupt_data(void **state)
{
	(void)state;
	check_corrupt("bad.gz", gzip_member);
	check_corrupt("bad.zst", zstd_frame);
	check_corrupt("bad.xz", xz_stream);
	/* a gzip header and nothing that inflates */
	static const uint8_t junk[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff};
	write_file("junk.gz", junk, sizeof junk);
	char err[256];
	in_stream *s = stream_open(path_of("junk.gz"), err, sizeof err);
	assert_non_null(s);
	size_t got;
	uint8_t *o = read_all(s, &got);
	assert_int_equal(got, 0);
	assert_non_null(stream_error(s));
	free(o);
	stream_close(s);
}

static void open_errors(void **state)
{
	(void)state;
	char err[256];
	assert_null(stream_open(path_of("does-not-exist"), err, sizeof err));
	assert_non_null(strstr(err, "No such file"));
	assert_null(stream_open(dir, err, sizeof err));
	assert_non_null(strstr(err, "directory"));
	write_file("empty", "", 0);
	in_stream *s = stream_open(path_of("empty"), err, sizeof err);
	assert_non_null(s);
	assert_int_equal(stream_raw_size(s), 0);
	size_t got;
	uint8_t *o = read_all(s, &got);
	assert_int_equal(got, 0);
	assert_null(stream_error(s));
	free(o);
	stream_close(s);
}

/* --- capture files ---------------------------------------------------- */

static void pcap_header(buf *b, uint32_t magic, uint32_t linktype)
{
	uint32_t h[6] = {magic, 0x00040002, 0, 0, 65535, linktype};
	buf_put(b, h, sizeof h); /* host order: libpcap reads either */
}

static void pcap_record(buf *b, uint32_t sec, uint32_t frac, const uint8_t *d, uint32_t n,
			uint32_t wire)
{
	uint32_t h[4] = {sec, frac, n, wire};
	buf_put(b, h, sizeof h);
	buf_put(b, d, n);
}

/* A raw-IP UDP packet from 192.0.2.<i>. */
static size_t udp_packet(uint8_t *p, int i)
{
	static const uint8_t tmpl[] = {0x45, 0,	   0, 32, 0, 1,	  0x40, 0,   64,  17,	0,
				       0,    192,  0, 2,  0, 203, 0,	113, 9,	  0x13, 0xc4,
				       0x13, 0xc4, 0, 12, 0, 0,	  'p',	'i', 'n', 'g'};
	memcpy(p, tmpl, sizeof tmpl);
	p[15] = (uint8_t)i;
	return sizeof tmpl;
}

static cap_source *open_capture(const char *name, char *err)
{
	return cap_open_file(path_of(name), err, 256);
}

static void reads_pcap_micro_and_nano(void **state)
{
	(void)state;
	for (int nano = 0; nano < 2; nano++) {
		buf b;
		buf_init(&b);
		pcap_header(&b, nano ? 0xa1b23c4d : 0xa1b2c3d4, 12 /* DLT_RAW */);
		uint8_t pk[64];
		for (int i = 1; i <= 3; i++)
			pcap_record(&b, 1278678191, nano ? 123456789 : 123456, pk,
				    (uint32_t)udp_packet(pk, i), 32);
		const char *name = nano ? "nano.pcap" : "micro.pcap";
		write_file(name, b.p, b.len);
		char err[256];
		cap_source *c = open_capture(name, err);
		assert_non_null(c);
		assert_string_equal(cap_format(c), "pcap");
		assert_string_equal(cap_compression(c), "none");
		assert_int_equal(cap_datalink(c), 12);
		cap_pkt p;
		for (int i = 1; i <= 3; i++) {
			assert_int_equal(cap_next(c, &p), CAP_PACKET);
			assert_int_equal(p.caplen, 32);
			assert_int_equal(p.data[15], i);
			assert_int_equal(p.ts_ns, 1278678191LL * 1000000000 +
						      (nano ? 123456789 : 123456000));
		}
		assert_int_equal(cap_next(c, &p), CAP_END);
		assert_int_equal(cap_good_offset(c), b.len);
		assert_int_equal(cap_size(c), (int64_t)b.len);
		cap_close(c);
		buf_free(&b);
	}
}

static void pcapng_block(buf *b, uint32_t type, const void *body, uint32_t n)
{
	uint32_t pad = (4 - n % 4) % 4, total = 12 + n + pad, zero = 0;
	buf_put(b, &type, 4);
	buf_put(b, &total, 4);
	buf_put(b, body, n);
	buf_put(b, &zero, pad);
	buf_put(b, &total, 4);
}

static void pcapng_file(buf *b, int npk)
{
	uint8_t shb[16] = {0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0};
	uint32_t bom = 0x1a2b3c4d;
	memcpy(shb, &bom, 4);
	memset(shb + 8, 0xff, 8); /* section length unknown */
	pcapng_block(b, 0x0a0d0d0a, shb, sizeof shb);
	uint8_t idb[8] = {0};
	uint16_t lt = 101; /* LINKTYPE_RAW */
	uint32_t snap = 65535;
	memcpy(idb, &lt, 2);
	memcpy(idb + 4, &snap, 4);
	pcapng_block(b, 1, idb, sizeof idb);
	for (int i = 1; i <= npk; i++) {
		uint8_t epb[20 + 64];
		uint32_t f[5] = {0, 0x00048a5f, (uint32_t)i * 1000, 32, 32};
		memcpy(epb, f, 20);
		udp_packet(epb + 20, i);
		pcapng_block(b, 6, epb, 20 + 32);
	}
}

static void reads_pcapng(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	pcapng_file(&b, 4);
	write_file("x.pcapng", b.p, b.len);
	char err[256];
	cap_source *c = open_capture("x.pcapng", err);
	assert_non_null(c);
	assert_string_equal(cap_format(c), "pcapng");
	assert_int_equal(cap_datalink(c), 12);
	cap_pkt p;
	int n = 0;
	while (cap_next(c, &p) == CAP_PACKET) {
		n++;
		assert_int_equal(p.data[15], n);
	}
	assert_int_equal(n, 4);
	assert_int_equal(cap_good_offset(c), b.len);
	cap_close(c);
	buf_free(&b);
}

/* Times a capture may claim but int64 nanoseconds cannot hold are clamped
 * (found by fuzz_capture: the multiplication overflowed). */
static void far_timestamps(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	pcapng_file(&b, 0);
	uint8_t epb[20 + 64];
	uint32_t f[5] = {0, 0xffffffff, 0xffffff00, 32, 32}; /* 2^64 us: year 586,000 */
	memcpy(epb, f, 20);
	udp_packet(epb + 20, 1);
	pcapng_block(&b, 6, epb, 20 + 32);
	f[1] = 0;
	f[2] = 1000000; /* 1 s after the epoch: sane */
	memcpy(epb, f, 20);
	pcapng_block(&b, 6, epb, 20 + 32);
	write_file("far.pcapng", b.p, b.len);
	char err[256];
	cap_source *c = open_capture("far.pcapng", err);
	assert_non_null(c);
	cap_pkt p;
	assert_int_equal(cap_next(c, &p), CAP_PACKET);
	assert_int_equal(p.ts_ns, INT64_MAX);
	assert_int_equal(cap_next(c, &p), CAP_PACKET);
	assert_int_equal(p.ts_ns, 1000000000);
	cap_close(c);
	buf_free(&b);
}

/* Cut inside the 3rd record: two packets come out, then an error; the
 * good offset is where the 2nd record ended. */
static void check_truncated(const char *name, const buf *whole, size_t cut, size_t end2, int gz)
{
	buf z;
	buf_init(&z);
	if (gz)
		gzip_member(&z, whole->p, cut);
	else
		buf_put(&z, whole->p, cut);
	write_file(name, z.p, z.len);
	char err[256];
	cap_source *c = open_capture(name, err);
	assert_non_null(c);
	cap_pkt p;
	assert_int_equal(cap_next(c, &p), CAP_PACKET);
	assert_int_equal(cap_next(c, &p), CAP_PACKET);
	assert_int_equal(cap_next(c, &p), CAP_ERROR);
	assert_int_equal(cap_good_offset(c), end2);
	assert_true(strlen(cap_error(c)) > 0);
	cap_close(c);
	buf_free(&z);
}

static void truncated_captures(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	pcap_header(&b, 0xa1b2c3d4, 12);
	uint8_t pk[64];
	for (int i = 1; i <= 3; i++)
		pcap_record(&b, 1, 0, pk, (uint32_t)udp_packet(pk, i), 32);
	size_t end2 = 24 + 2 * 48;
	check_truncated("cut.pcap", &b, end2 + 30, end2, 0);	/* in the data */
	check_truncated("cut2.pcap", &b, end2 + 7, end2, 0);	/* in the record header */
	check_truncated("cut.pcap.gz", &b, end2 + 30, end2, 1); /* compressed, cut before */
	buf_reset(&b);
	pcapng_file(&b, 3);
	end2 = b.len - 64;
	check_truncated("cut.pcapng", &b, end2 + 40, end2, 0);
	buf_free(&b);
}

/* A compressed capture whose compressed data is cut mid-record. */
static void truncated_compressed(void **state)
{
	(void)state;
	buf b, z;
	buf_init(&b);
	buf_init(&z);
	pcap_header(&b, 0xa1b2c3d4, 12);
	uint8_t pk[64];
	for (int i = 0; i < 20000; i++)
		pcap_record(&b, (uint32_t)i, 0, pk, (uint32_t)udp_packet(pk, i & 0xff), 32);
	zstd_frame(&z, b.p, b.len);
	write_file("cut.pcap.zst", z.p, z.len / 2);
	char err[256];
	cap_source *c = open_capture("cut.pcap.zst", err);
	assert_non_null(c);
	cap_pkt p;
	int n = 0, rc;
	while ((rc = cap_next(c, &p)) == CAP_PACKET)
		n++;
	assert_int_equal(rc, CAP_ERROR);
	assert_true(n > 100 && n < 20000);
	assert_int_equal(cap_good_offset(c), 24 + (size_t)n * 48); /* the last whole record */
	assert_non_null(strstr(cap_error(c), "zstd stream ends early"));
	cap_close(c);
	buf_free(&b);
	buf_free(&z);
}

static void not_captures(void **state)
{
	(void)state;
	char err[256];
	write_file("empty.pcap", "", 0);
	assert_null(open_capture("empty.pcap", err));
	assert_non_null(strstr(err, "empty"));
	const char text[] = "This is a text file, not a packet capture at all.\n";
	write_file("text.pcap", text, sizeof text - 1);
	assert_null(open_capture("text.pcap", err));
	assert_non_null(strstr(err, "not a capture"));
	write_file("short.pcap", "\xd4\xc3\xb2\xa1\x02\x00", 6);
	assert_null(open_capture("short.pcap", err));
	assert_non_null(strstr(err, "not a capture"));
	buf b;
	buf_init(&b);
	pcap_header(&b, 0xa1b2c3d4, 105); /* 802.11 */
	write_file("wifi.pcap", b.p, b.len);
	assert_null(open_capture("wifi.pcap", err));
	assert_non_null(strstr(err, "unsupported link type 105"));
	buf_reset(&b);
	gzip_member(&b, (const uint8_t *)text, sizeof text - 1);
	write_file("text.gz", b.p, b.len);
	assert_null(open_capture("text.gz", err));
	assert_non_null(strstr(err, "not a capture"));
	buf_free(&b);
	assert_null(open_capture("nope.pcap", err));
	assert_non_null(strstr(err, "No such file"));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(codecs_round_trip),
	    cmocka_unit_test(cut_files),
	    cmocka_unit_test(corrupt_data),
	    cmocka_unit_test(open_errors),
	    cmocka_unit_test(reads_pcap_micro_and_nano),
	    cmocka_unit_test(reads_pcapng),
	    cmocka_unit_test(far_timestamps),
	    cmocka_unit_test(truncated_captures),
	    cmocka_unit_test(truncated_compressed),
	    cmocka_unit_test(not_captures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
