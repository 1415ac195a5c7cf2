#include "capture/stream.h"

#include "util/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define RAW_CHUNK (1u << 20)
#define OUT_CHUNK (1u << 20)
#define ID_BYTES (1u << 20) /* identity: content size + first and last MiB */

struct in_stream {
	int fd;
	int own_fd;
	enum stream_codec codec;
	FILE *fp;
	int64_t raw_size;
	uint64_t raw_read;
	uint64_t consumed;
	int raw_eof;
	int finished; /* the codec reported the end of its last frame */
	char err[160];
	/* raw input window */
	uint8_t *raw;
	size_t raw_pos, raw_len;
	/* decompressed output window */
	uint8_t *out;
	size_t out_pos, out_len;
	/* codecs */
	z_stream z;
	ZSTD_DStream *zs;
	lzma_stream lz;
	/* identity (see stream_content_hash) */
	uint64_t identity;        /* known at open for plain files, else at the end */
	uint8_t *id_head, *id_tail; /* first MiB, and a ring of the last MiB */
	size_t id_head_len;
	uint8_t magic[4];
};

static ssize_t raw_fill(in_stream *s)
{
	if (s->raw_pos < s->raw_len)
		return (ssize_t)(s->raw_len - s->raw_pos);
	if (s->raw_eof)
		return 0;
	ssize_t n;
	do
		n = read(s->fd, s->raw, RAW_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(s->err, sizeof s->err, "read error: %s", strerror(errno));
		return -1;
	}
	if (n == 0)
		s->raw_eof = 1;
	s->raw_pos = 0;
	s->raw_len = (size_t)n;
	s->raw_read += (uint64_t)n;
	return n;
}

static int gz_step(in_stream *s)
{
	if (s->finished) {
		/* gzip allows concatenated members: start again if more follows */
		if (raw_fill(s) <= 0)
			return 0;
		inflateReset(&s->z);
		s->finished = 0;
	}
	s->z.next_in = s->raw + s->raw_pos;
	s->z.avail_in = (uInt)(s->raw_len - s->raw_pos);
	s->z.next_out = s->out + s->out_len;
	s->z.avail_out = (uInt)(OUT_CHUNK - s->out_len);
	int rc = inflate(&s->z, Z_NO_FLUSH);
	s->raw_pos = s->raw_len - s->z.avail_in;
	s->out_len = OUT_CHUNK - s->z.avail_out;
	if (rc == Z_STREAM_END) {
		s->finished = 1;
		return 1;
	}
	if (rc != Z_OK && rc != Z_BUF_ERROR) {
		snprintf(s->err, sizeof s->err, "gzip data corrupt near compressed byte %llu: %s",
			 (unsigned long long)(s->raw_read - (s->raw_len - s->raw_pos)),
			 s->z.msg ? s->z.msg : "error");
		return -1;
	}
	return 1;
}

static int zstd_step(in_stream *s)
{
	ZSTD_inBuffer in = {s->raw + s->raw_pos, s->raw_len - s->raw_pos, 0};
	ZSTD_outBuffer out = {s->out, OUT_CHUNK, s->out_len};
	size_t rc = ZSTD_decompressStream(s->zs, &out, &in);
	s->raw_pos += in.pos;
	s->out_len = out.pos;
	if (ZSTD_isError(rc)) {
		snprintf(s->err, sizeof s->err, "zstd data corrupt near compressed byte %llu: %s",
			 (unsigned long long)(s->raw_read - (s->raw_len - s->raw_pos)),
			 ZSTD_getErrorName(rc));
		return -1;
	}
	s->finished = (rc == 0);
	return 1;
}

static int xz_step(in_stream *s)
{
	s->lz.next_in = s->raw + s->raw_pos;
	s->lz.avail_in = s->raw_len - s->raw_pos;
	s->lz.next_out = s->out + s->out_len;
	s->lz.avail_out = OUT_CHUNK - s->out_len;
	lzma_ret rc = lzma_code(&s->lz, s->raw_eof ? LZMA_FINISH : LZMA_RUN);
	s->raw_pos = s->raw_len - s->lz.avail_in;
	s->out_len = OUT_CHUNK - s->lz.avail_out;
	if (rc == LZMA_STREAM_END) {
		s->finished = 1;
		return 1;
	}
	if (rc != LZMA_OK && rc != LZMA_BUF_ERROR) {
		snprintf(s->err, sizeof s->err, "xz data corrupt near compressed byte %llu (lzma error %d)",
			 (unsigned long long)(s->raw_read - (s->raw_len - s->raw_pos)), (int)rc);
		return -1;
	}
	return 1;
}

/* Decompresses more, appending to the output window. Returns 1 if it grew,
 * 0 at the end of the input, -1 on error. */
static int produce(in_stream *s)
{
	size_t before = s->out_len;
	while (s->out_len < OUT_CHUNK) {
		if (s->codec == CODEC_GZIP && s->finished && s->raw_pos >= s->raw_len && s->raw_eof)
			return 0;
		if (raw_fill(s) < 0)
			return -1;
		if (s->raw_pos >= s->raw_len && s->raw_eof) {
			if (s->codec == CODEC_XZ && !s->finished && xz_step(s) < 0)
				return -1;
			if (s->out_len > before)
				return 1;
			if (!s->finished && !s->err[0])
				snprintf(s->err, sizeof s->err,
					 "%s stream ends early (compressed file cut at byte %llu)",
					 stream_codec_name(s->codec), (unsigned long long)s->raw_read);
			return 0;
		}
		int rc = s->codec == CODEC_GZIP ? gz_step(s)
			 : s->codec == CODEC_ZSTD ? zstd_step(s)
						  : xz_step(s);
		if (rc < 0)
			return -1;
		if (s->out_len > before)
			return 1;
		if (s->codec == CODEC_XZ && s->finished)
			return 0;
	}
	return 1;
}

/* The window the content is read from: the raw input for a plain file, the
 * decompressed output otherwise. */
static uint8_t *win(in_stream *s, size_t **pos, size_t **len)
{
	if (s->codec == CODEC_NONE) {
		*pos = &s->raw_pos;
		*len = &s->raw_len;
		return s->raw;
	}
	*pos = &s->out_pos;
	*len = &s->out_len;
	return s->out;
}

/* Makes `need` bytes (at most a window) contiguous at the read position,
 * reading or decompressing more as needed. Returns how many bytes are there
 * (fewer only at the end), -1 on error. */
static ssize_t ensure(in_stream *s, size_t need)
{
	size_t *pos, *len;
	uint8_t *w = win(s, &pos, &len);
	if (*len - *pos >= need)
		return (ssize_t)(*len - *pos);
	if (*pos) { /* keep what is left, at the start */
		memmove(w, w + *pos, *len - *pos);
		*len -= *pos;
		*pos = 0;
	}
	while (*len < need) {
		if (s->codec != CODEC_NONE) {
			int r = produce(s);
			if (r < 0)
				return -1;
			if (r == 0)
				break;
			continue;
		}
		if (s->raw_eof)
			break;
		ssize_t n;
		do
			n = read(s->fd, s->raw + s->raw_len, RAW_CHUNK - s->raw_len);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			snprintf(s->err, sizeof s->err, "read error: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			s->raw_eof = 1;
		s->raw_len += (size_t)n;
		s->raw_read += (uint64_t)n;
	}
	return (ssize_t)(*len - *pos);
}

static void account(in_stream *s, const void *p, size_t n)
{
	for (size_t i = 0; s->consumed + i < 4 && i < n; i++)
		s->magic[s->consumed + i] = ((const uint8_t *)p)[i];
	if (s->id_head) {
		const uint8_t *b = p;
		if (s->id_head_len < ID_BYTES) {
			size_t take = n < ID_BYTES - s->id_head_len ? n : ID_BYTES - s->id_head_len;
			memcpy(s->id_head + s->id_head_len, b, take);
			s->id_head_len += take;
		}
		/* the ring keeps the last ID_BYTES: write at consumed % ID_BYTES */
		size_t skip = n > ID_BYTES ? n - ID_BYTES : 0;
		uint64_t pos = s->consumed + skip;
		for (size_t done = skip; done < n;) {
			size_t at = (size_t)(pos % ID_BYTES);
			size_t take = n - done < ID_BYTES - at ? n - done : ID_BYTES - at;
			memcpy(s->id_tail + at, b + done, take);
			done += take;
			pos += take;
		}
	}
	s->consumed += n;
}

ssize_t stream_peek(in_stream *s, size_t need, const uint8_t **p)
{
	if (need > RAW_CHUNK || need > OUT_CHUNK) {
		snprintf(s->err, sizeof s->err, "record of %zu bytes is too large", need);
		return -1;
	}
	ssize_t n = ensure(s, need);
	size_t *pos, *len;
	uint8_t *w = win(s, &pos, &len);
	*p = w + *pos;
	return n;
}

void stream_consume(in_stream *s, size_t n)
{
	size_t *pos, *len;
	uint8_t *w = win(s, &pos, &len);
	if (n > *len - *pos)
		n = *len - *pos;
	account(s, w + *pos, n);
	*pos += n;
}

static ssize_t cookie_read(void *cookie, char *dst, size_t want)
{
	in_stream *s = cookie;
	size_t done = 0;
	while (done < want) {
		const uint8_t *src;
		ssize_t r = stream_peek(s, 1, &src);
		if (r < 0)
			return done ? (ssize_t)done : -1;
		if (r == 0)
			break;
		size_t n = want - done < (size_t)r ? want - done : (size_t)r;
		memcpy(dst + done, src, n);
		stream_consume(s, n);
		done += n;
	}
	return (ssize_t)done;
}

/* Only answers "where am I" (ftell): the stream cannot seek. */
static int cookie_seek(void *cookie, off64_t *off, int whence)
{
	in_stream *s = cookie;
	if (whence != SEEK_CUR || *off != 0)
		return -1;
	*off = (off64_t)s->consumed;
	return 0;
}

static int cookie_close(void *cookie)
{
	(void)cookie;
	return 0;
}

static enum stream_codec sniff(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return CODEC_GZIP;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return CODEC_ZSTD;
	if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return CODEC_XZ;
	return CODEC_NONE;
}

static int codec_init(in_stream *s, char *err, size_t errlen)
{
	if (s->codec == CODEC_NONE)
		return 0;
	s->out = malloc(OUT_CHUNK);
	if (!s->out)
		goto oom;
	if (s->codec == CODEC_GZIP) {
		if (inflateInit2(&s->z, 15 + 32) != Z_OK)
			goto oom;
	} else if (s->codec == CODEC_ZSTD) {
		s->zs = ZSTD_createDStream();
		if (!s->zs)
			goto oom;
		ZSTD_initDStream(s->zs);
	} else {
		lzma_stream init = LZMA_STREAM_INIT;
		s->lz = init;
		if (lzma_stream_decoder(&s->lz, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory setting up %s decompression", stream_codec_name(s->codec));
	return -1;
}

static uint64_t identity_of(uint64_t size, const uint8_t *head, size_t hlen,
			    const uint8_t *tail, size_t tlen)
{
	return hash_mix64(hash_bytes(head, hlen, size) ^
			  hash_mix64(hash_bytes(tail, tlen, size ^ 0x7a11)));
}

static int pread_all(int fd, uint8_t *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* A plain regular file's identity is known before reading it (so that a
 * capture already read can be skipped at once): its size and the hashes of
 * its first and last MiB. Compressed and piped input build the same from
 * the decompressed bytes as they pass (account()). */
static int plain_identity(in_stream *s)
{
	uint64_t size = (uint64_t)s->raw_size;
	size_t n = size < ID_BYTES ? (size_t)size : ID_BYTES;
	uint8_t *head = malloc(n ? n : 1), *tail = malloc(n ? n : 1);
	int rc = -1;
	if (head && tail && pread_all(s->fd, head, n, 0) == 0 &&
	    pread_all(s->fd, tail, n, size - n) == 0) {
		s->identity = identity_of(size, head, n, tail, n);
		rc = 0;
	} else {
		snprintf(s->err, sizeof s->err, "read error: %s", errno ? strerror(errno) : "short read");
	}
	free(head);
	free(tail);
	return rc;
}

in_stream *stream_open(const char *path, char *err, size_t errlen)
{
	in_stream *s = calloc(1, sizeof *s);
	if (!s || !(s->raw = malloc(RAW_CHUNK))) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->raw_size = -1;
	if (strcmp(path, "-") == 0) {
		s->fd = 0;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			snprintf(err, errlen, "cannot open: %s", strerror(errno));
			goto fail;
		}
		s->own_fd = 1;
	}
	struct stat st;
	if (fstat(s->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "is a directory, not a capture file");
			goto fail;
		}
		if (S_ISREG(st.st_mode))
			s->raw_size = st.st_size;
	}
	if (s->raw_size > 0)
		posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (raw_fill(s) < 0) {
		snprintf(err, errlen, "%s", s->err);
		goto fail;
	}
	s->codec = sniff(s->raw, s->raw_len);
	if (codec_init(s, err, errlen) < 0)
		goto fail;
	if (s->codec == CODEC_NONE && s->raw_size >= 0) {
		if (plain_identity(s) < 0) {
			snprintf(err, errlen, "%s", s->err);
			goto fail;
		}
	} else {
		s->id_head = malloc(ID_BYTES);
		s->id_tail = malloc(ID_BYTES);
		if (!s->id_head || !s->id_tail) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	cookie_io_functions_t io = {cookie_read, NULL, cookie_seek, cookie_close};
	s->fp = fopencookie(s, "r", io);
	if (!s->fp) {
		snprintf(err, errlen, "cannot create input stream: %s", strerror(errno));
		goto fail;
	}
	setvbuf(s->fp, NULL, _IOFBF, 1u << 16);
	__fsetlocking(s->fp, FSETLOCKING_BYCALLER); /* one thread reads it */
	return s;
fail:
	stream_close(s);
	return NULL;
}

void stream_file_closed(in_stream *s)
{
	if (s)
		s->fp = NULL;
}

FILE *stream_file(in_stream *s)
{
	return s->fp;
}

void stream_close(in_stream *s)
{
	if (!s)
		return;
	if (s->fp)
		fclose(s->fp);
	if (s->codec == CODEC_GZIP)
		inflateEnd(&s->z);
	if (s->zs)
		ZSTD_freeDStream(s->zs);
	if (s->codec == CODEC_XZ)
		lzma_end(&s->lz);
	if (s->own_fd)
		close(s->fd);
	free(s->raw);
	free(s->out);
	free(s->id_head);
	free(s->id_tail);
	free(s);
}

enum stream_codec stream_codec(const in_stream *s)
{
	return s->codec;
}

const char *stream_codec_name(enum stream_codec c)
{
	switch (c) {
	case CODEC_GZIP:
		return "gzip";
	case CODEC_ZSTD:
		return "zstd";
	case CODEC_XZ:
		return "xz";
	default:
		return "none";
	}
}

int64_t stream_raw_size(const in_stream *s)
{
	return s->raw_size;
}

uint64_t stream_raw_read(const in_stream *s)
{
	return s->codec == CODEC_NONE ? s->consumed : s->raw_read - (s->raw_len - s->raw_pos);
}

/* Where libpcap is: what we handed to stdio minus what stdio still holds. */
uint64_t stream_offset(const in_stream *s)
{
#ifdef __GLIBC__
	if (s->fp && s->fp->_IO_read_ptr && s->fp->_IO_read_end >= s->fp->_IO_read_ptr)
		return s->consumed - (uint64_t)(s->fp->_IO_read_end - s->fp->_IO_read_ptr);
	return s->consumed;
#else
	long pos = s->fp ? ftell(s->fp) : -1;
	return pos >= 0 ? (uint64_t)pos : s->consumed;
#endif
}

uint32_t stream_magic(const in_stream *s)
{
	return ((uint32_t)s->magic[0] << 24) | ((uint32_t)s->magic[1] << 16) |
	       ((uint32_t)s->magic[2] << 8) | s->magic[3];
}

uint64_t stream_early_identity(const in_stream *s)
{
	return s->id_head ? 0 : s->identity;
}

uint64_t stream_content_hash(in_stream *s)
{
	if (!s->id_head)
		return s->identity;
	/* linearise the ring: oldest byte first */
	size_t tlen = s->consumed < ID_BYTES ? (size_t)s->consumed : ID_BYTES;
	uint8_t *lin = malloc(tlen ? tlen : 1);
	if (!lin)
		return hash_bytes(s->id_head, s->id_head_len, s->consumed); /* weaker, still stable */
	size_t start = (size_t)((s->consumed - tlen) % ID_BYTES);
	size_t first = ID_BYTES - start < tlen ? ID_BYTES - start : tlen;
	memcpy(lin, s->id_tail + start, first);
	memcpy(lin + first, s->id_tail, tlen - first);
	uint64_t id = identity_of(s->consumed, s->id_head, s->id_head_len, lin, tlen);
	free(lin);
	return id;
}

const char *stream_error(const in_stream *s)
{
	return s->err[0] ? s->err : NULL;
}

void stream_drain(in_stream *s)
{
	char tmp[65536];
	while (cookie_read(s, tmp, sizeof tmp) > 0)
		;
}
