#include "store/store.h"

#include "store/clickhouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *location(const char *db)
{
	if (db && *db)
		return db;
	const char *env = getenv("SCANPRINT_DB");
	if (env && *env)
		return env;
	return "scanprint.db";
}

/* For messages: a password in a clickhouse:// location is never shown. */
const char *store_location(const char *db)
{
	static char shown[1024];
	const char *where = location(db);
	if (strncmp(where, "clickhouse://", 13) != 0)
		return where;
	ch_redact_url(where, shown, sizeof shown);
	return shown;
}

store *store_open(const char *db, int mode, char *err, size_t errlen)
{
	const char *where = location(db);
	if (err && errlen)
		err[0] = 0;
	if (strncmp(where, "clickhouse://", 13) == 0)
		return store_clickhouse_open(where, mode, err, errlen);
	return store_sqlite_open(where, mode, err, errlen);
}

void store_close(store *s)
{
	if (s)
		s->ops->close(s);
}

const char *store_error(const store *s)
{
	return s->err[0] ? s->err : "unknown error";
}

int store_begin(store *s)
{
	return s->ops->begin(s);
}

int store_commit(store *s)
{
	return s->ops->commit(s);
}

int store_rollback(store *s)
{
	return s->ops->rollback(s);
}

int store_put_profile(store *s, const profile *p)
{
	return s->ops->put_profile(s, p);
}

int store_put_sample(store *s, const uint8_t ip[16], const payload_sample *smp)
{
	return s->ops->put_sample(s, ip, smp);
}

int store_find_capture(store *s, uint64_t head_hash, int64_t raw_size, uint64_t content_hash,
		       capture_rec *out)
{
	return s->ops->find_capture(s, head_hash, raw_size, content_hash, out);
}

int store_add_capture(store *s, const capture_rec *c)
{
	return s->ops->add_capture(s, c);
}

int store_get_profile(store *s, const uint8_t ip[16], profile *out)
{
	return s->ops->get_profile(s, ip, out);
}

int store_scan_profiles(store *s, const source_query *q, store_profile_cb cb, void *ctx)
{
	return s->ops->scan_profiles(s, q, cb, ctx);
}

int store_scan_samples(store *s, const uint8_t ip[16], store_sample_cb cb, void *ctx)
{
	return s->ops->scan_samples(s, ip, cb, ctx);
}

int store_scan_captures(store *s, store_capture_cb cb, void *ctx)
{
	return s->ops->scan_captures(s, cb, ctx);
}

int store_count_sources(store *s, uint64_t *n)
{
	return s->ops->count_sources(s, n);
}

int store_count_key(store *s, const char *kind, const char *key, uint64_t *n)
{
	return s->ops->count_key(s, kind, key, n);
}

int store_scan_key_groups(store *s, const char *kind, uint64_t min_sources, store_key_cb cb,
			  void *ctx)
{
	return s->ops->scan_key_groups(s, kind, min_sources, cb, ctx);
}

int store_scan_key_members(store *s, const char *kind, const char *key, store_profile_cb cb,
			   void *ctx)
{
	return s->ops->scan_key_members(s, kind, key, cb, ctx);
}

int store_put_message(store *s, const sensor_msg *m)
{
	if (!s->ops->put_message) {
		snprintf(s->err, sizeof s->err, "this store does not keep sensor messages");
		return -1;
	}
	return s->ops->put_message(s, m);
}

int store_scan_messages(store *s, const uint8_t ip[16], store_msg_cb cb, void *ctx)
{
	if (!s->ops->scan_messages)
		return 0;
	return s->ops->scan_messages(s, ip, cb, ctx);
}

int store_give_to(store *s, unsigned uid, unsigned gid)
{
	return s->ops->give_to ? s->ops->give_to(s, uid, gid) : 0;
}

int store_scan_key_cooccur(store *s, const char *kind, const char *key, const char *other_kind,
			   store_key_cb cb, void *ctx)
{
	return s->ops->scan_key_cooccur(s, kind, key, other_kind, cb, ctx);
}

int store_put_port_day(store *s, const port_day *r)
{
	return s->ops->put_port_day(s, r);
}

int store_scan_port_days(store *s, const port_day_query *q, store_port_day_cb cb, void *ctx)
{
	return s->ops->scan_port_days(s, q, cb, ctx);
}

int store_port_day_span(store *s, int32_t *first, int32_t *last)
{
	return s->ops->port_day_span(s, first, last);
}
