/* The store: where profiles, payload samples and the list of captures read
 * are kept. One interface, several implementations (SQLite now; ClickHouse
 * for many sensors). Nothing above this header knows any SQL.
 *
 * Writes happen in batches: store_begin() ... store_commit() is atomic. A
 * profile written for a source that is already stored is merged with it
 * (profile_merge), so reading more captures adds to what is known. Writes
 * may be carried out after the call returns (the SQLite store pipelines
 * them): a write that fails is reported by a later call of the batch, at
 * the latest by store_commit(), which then rolls the batch back. */
#ifndef SP_STORE_H
#define SP_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "profile/profile.h"
#include "profile/ptable.h"

typedef struct store store;

/* One capture (or live session) that was read into the store. */
typedef struct capture_rec {
	char path[512];
	char sensor[32];
	char format[16];      /* pcap, pcapng, live, honeypot */
	char compression[8];  /* none, gzip, zstd, xz */
	char status[16];      /* complete, truncated, interrupted */
	int linktype;
	uint64_t head_hash;   /* identity known before reading (plain files), else 0 */
	uint64_t content_hash;/* identity: size + first and last MiB (stream.h) */
	int64_t raw_size;     /* file size, -1 if unknown */
	uint64_t packets;     /* frames read */
	uint64_t ip_packets;  /* frames with an IP packet */
	uint64_t bytes;       /* wire bytes */
	int64_t first_ns, last_ns;
	int64_t read_ns;      /* when it was read (wall clock) */
	uint64_t sources;     /* distinct sources in it */
	uint64_t flushes;     /* early flushes forced by the memory cap */
} capture_rec;

/* One message a sensor received and what it did about it (the honeypot),
 * kept whole beside the profiles so that nothing a scanner sent is lost:
 * the raw bytes, both ends, the transport, the time and the reply sent.
 * docs/honeypot.md describes the table. */
typedef struct sensor_msg {
	int64_t ts_ns;            /* when it was received */
	const char *sensor;
	uint8_t src[16], dst[16]; /* IPv4 mapped into ::ffff:0:0/96 */
	uint16_t sport, dport;
	uint8_t proto;            /* 17 UDP, 6 TCP */
	const uint8_t *data;      /* the message as received (up to the size limit) */
	uint32_t len;
	uint32_t wire_len;        /* its real length */
	const uint8_t *reply;     /* what was sent back (reply_len 0: nothing) */
	uint32_t reply_len;
	uint16_t status;          /* the reply's status code (also when not sent), 0 none */
	const char *action;       /* replied, rate-limited-source, not-sip, ... */
	const char *note;         /* more, "key=value ..." (e.g. "auth=wrong user=1001") */
} sensor_msg;

/* Which sources to list, in what order. */
typedef struct source_query {
	const char *tool;      /* only sources attributed to this tool */
	const char *campaign;  /* only members of this campaign */
	const char *sensor;    /* only sources seen by this sensor */
	uint64_t limit;        /* 0 = all */
	int order;             /* SQ_ORDER_* */
} source_query;
enum { SQ_ORDER_PACKETS = 0, SQ_ORDER_FIRST_SEEN = 1, SQ_ORDER_IP = 2 };

/* Probes to one destination port on one UTC day (campaign/activity.c):
 * TCP SYNs without ACK and UDP datagrams, and the distinct sources that
 * sent them. Rows of the same (port, day) merge: packets sum, sources as a
 * distinct set (exact up to 64, then estimated), so captures, flushes and
 * sensors may split them any way. */
typedef struct port_day {
	int32_t day;	  /* days since 1970-01-01, UTC */
	uint32_t port;	  /* proto << 16 | port */
	uint64_t packets; /* probes */
	dset sources;	  /* sources: IPv4 address, or a hash of the IPv6 one */
} port_day;

/* Which port-day rows to read: days from..to (inclusive), one port or all
 * (port 0). Rows come merged, ordered by port, then day. */
typedef struct port_day_query {
	int32_t from_day, to_day;
	uint32_t port;
} port_day_query;

typedef int (*store_profile_cb)(void *ctx, const profile *p);
typedef int (*store_port_day_cb)(void *ctx, const port_day *r);
typedef int (*store_sample_cb)(void *ctx, const payload_sample *s);
typedef int (*store_capture_cb)(void *ctx, const capture_rec *c);
/* A key shared by `sources` sources. */
typedef int (*store_key_cb)(void *ctx, const char *key, uint64_t sources);
typedef int (*store_msg_cb)(void *ctx, const sensor_msg *m);

typedef struct store_ops {
	const char *name;
	int (*begin)(store *s);
	int (*commit)(store *s);
	int (*rollback)(store *s);
	int (*put_profile)(store *s, const profile *p);
	int (*put_sample)(store *s, const uint8_t ip[16], const payload_sample *smp);
	/* 1 and fills *out if a capture with this content (or, when
	 * content_hash is 0, this head hash and raw size) was read; 0 if not. */
	int (*find_capture)(store *s, uint64_t head_hash, int64_t raw_size, uint64_t content_hash,
			    capture_rec *out);
	int (*add_capture)(store *s, const capture_rec *c);
	int (*get_profile)(store *s, const uint8_t ip[16], profile *out);
	int (*scan_profiles)(store *s, const source_query *q, store_profile_cb cb, void *ctx);
	int (*scan_samples)(store *s, const uint8_t ip[16], store_sample_cb cb, void *ctx);
	int (*scan_captures)(store *s, store_capture_cb cb, void *ctx);
	int (*count_sources)(store *s, uint64_t *n);
	/* Keys (analyzer.h): how many sources have (kind, key); every key of a
	 * kind with at least min_sources sources, most shared first; the
	 * profiles of the sources that have (kind, key). */
	int (*count_key)(store *s, const char *kind, const char *key, uint64_t *n);
	int (*scan_key_groups)(store *s, const char *kind, uint64_t min_sources, store_key_cb cb,
			       void *ctx);
	int (*scan_key_members)(store *s, const char *kind, const char *key, store_profile_cb cb,
				void *ctx);
	/* Sensor messages (optional: NULL when the store does not keep them):
	 * one more, inside the open transaction; those from ip (NULL: all),
	 * oldest first. */
	int (*put_message)(store *s, const sensor_msg *m);
	int (*scan_messages)(store *s, const uint8_t ip[16], store_msg_cb cb, void *ctx);
	/* Optional: a sensor that drops root after opening the store becomes
	 * uid:gid; files the store makes later must be made by that user.
	 * -1 (err set) when that user could not write the store. */
	int (*give_to)(store *s, unsigned uid, unsigned gid);
	/* Among the sources that have (kind, key): every key of other_kind
	 * they have, with how many of them have it, most shared first (then
	 * by key). */
	int (*scan_key_cooccur)(store *s, const char *kind, const char *key, const char *other_kind,
				store_key_cb cb, void *ctx);
	/* Port-day rows (above): one is added to (merged with) what is stored;
	 * a scan returns the merged rows; the span is the first and last day
	 * of any row (1), or 0 when there is none. */
	int (*put_port_day)(store *s, const port_day *r);
	int (*scan_port_days)(store *s, const port_day_query *q, store_port_day_cb cb, void *ctx);
	int (*port_day_span)(store *s, int32_t *first, int32_t *last);
	void (*close)(store *s);
} store_ops;

struct store {
	const store_ops *ops;
	char where[512]; /* path or URL, for messages */
	char err[512];   /* last error */
};

enum { STORE_READ = 0, STORE_WRITE = 1 };

/* Opens "path/to/file.db" (SQLite) or "clickhouse://host:port/db". The
 * location comes from `db`, else $SCANPRINT_DB, else ./scanprint.db. */
store *store_open(const char *db, int mode, char *err, size_t errlen);
const char *store_location(const char *db);
void store_close(store *s);
const char *store_error(const store *s);

/* Convenience wrappers over the ops. */
int store_begin(store *s);
int store_commit(store *s);
int store_rollback(store *s);
int store_put_profile(store *s, const profile *p);
int store_put_sample(store *s, const uint8_t ip[16], const payload_sample *smp);
int store_find_capture(store *s, uint64_t head_hash, int64_t raw_size, uint64_t content_hash,
		       capture_rec *out);
int store_add_capture(store *s, const capture_rec *c);
int store_get_profile(store *s, const uint8_t ip[16], profile *out);
int store_scan_profiles(store *s, const source_query *q, store_profile_cb cb, void *ctx);
int store_scan_samples(store *s, const uint8_t ip[16], store_sample_cb cb, void *ctx);
int store_scan_captures(store *s, store_capture_cb cb, void *ctx);
int store_count_sources(store *s, uint64_t *n);
int store_count_key(store *s, const char *kind, const char *key, uint64_t *n);
int store_scan_key_groups(store *s, const char *kind, uint64_t min_sources, store_key_cb cb,
			  void *ctx);
int store_scan_key_members(store *s, const char *kind, const char *key, store_profile_cb cb,
			   void *ctx);
int store_put_message(store *s, const sensor_msg *m);
int store_scan_messages(store *s, const uint8_t ip[16], store_msg_cb cb, void *ctx);
int store_give_to(store *s, unsigned uid, unsigned gid);
int store_scan_key_cooccur(store *s, const char *kind, const char *key, const char *other_kind,
			   store_key_cb cb, void *ctx);
int store_put_port_day(store *s, const port_day *r);
int store_scan_port_days(store *s, const port_day_query *q, store_port_day_cb cb, void *ctx);
int store_port_day_span(store *s, int32_t *first, int32_t *last);

/* Implementations. */
store *store_sqlite_open(const char *path, int mode, char *err, size_t errlen);
/* clickhouse://[user[:password]@]host[:port]/database[?spool=DIR&spool_max=SIZE&...]
 * (store/clickhouse.h, docs/clickhouse.md) */
store *store_clickhouse_open(const char *url, int mode, char *err, size_t errlen);

#endif
