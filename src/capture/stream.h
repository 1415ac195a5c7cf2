/* Input streams for captures: a file or stdin, plain or gzip/zstd/xz
 * compressed (detected by magic, decompressed as a stream, never to disk),
 * presented to libpcap as an unbuffered FILE*. The stream knows exactly how
 * many decompressed bytes libpcap has consumed (for error offsets), how many
 * raw bytes were read (for progress), and hashes the content (capture
 * identity: the same capture read twice is recognised, compressed or not). */
#ifndef SP_STREAM_H
#define SP_STREAM_H
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum stream_codec { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD, CODEC_XZ };

typedef struct in_stream in_stream;

/* path "-" is stdin. Returns NULL and fills err on failure. */
in_stream *stream_open(const char *path, char *err, size_t errlen);
/* Direct access without copies: a pointer to the next `need` bytes (at most
 * 1 MiB), valid until the next call on the stream. Returns how many bytes
 * are there (fewer than asked only at the end), -1 on error. */
ssize_t stream_peek(in_stream *s, size_t need, const uint8_t **p);
/* Marks n peeked bytes as read. */
void stream_consume(in_stream *s, size_t n);

/* The FILE* to hand to libpcap; owned by the stream. */
FILE *stream_file(in_stream *s);
void stream_close(in_stream *s);
/* libpcap closed the FILE* itself (pcap_close): do not close it again. */
void stream_file_closed(in_stream *s);

enum stream_codec stream_codec(const in_stream *s);
const char *stream_codec_name(enum stream_codec c);
int64_t stream_raw_size(const in_stream *s);   /* -1 if not a regular file */
uint64_t stream_raw_read(const in_stream *s);  /* compressed bytes read so far */
uint64_t stream_offset(const in_stream *s);    /* decompressed bytes consumed */
/* Capture identity: a hash of the decompressed size and of the first and last
 * MiB, the same for a capture plain, compressed or piped. Known at open for a
 * plain regular file (else 0); stream_content_hash() gives it at the end. */
uint64_t stream_early_identity(const in_stream *s);
/* First four decompressed bytes consumed (the capture's magic number). */
uint32_t stream_magic(const in_stream *s);
uint64_t stream_content_hash(in_stream *s);
/* A decompression error or a compressed stream that ended early, or NULL. */
const char *stream_error(const in_stream *s);
/* Reads and discards the rest (so the content hash covers the whole input). */
void stream_drain(in_stream *s);

#endif
