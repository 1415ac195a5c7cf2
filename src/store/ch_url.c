/* clickhouse:// locations, and the escaping of what goes into SQL text and
 * URLs. Values from users (sensor names, keys, tool names) only ever reach
 * ClickHouse through these functions or as binary insert data. */
#include "store/clickhouse.h"
#include "util/num.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) into out (size outlen); -1 if bad or too long. */
static int pct_decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = h << 4 | l;
			i += 2;
		}
		if (c == 0 || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

static int parse_param(ch_config *c, const char *k, size_t kn, const char *v, char *err,
		       size_t errlen)
{
	char val[512];
	if (pct_decode(v, strlen(v), val, sizeof val) < 0)
		return fail(err, errlen, "bad parameter value in the location");
	if (kn == 5 && !strncmp(k, "spool", 5)) {
		snprintf(c->spool, sizeof c->spool, "%s", val);
	} else if (kn == 9 && !strncmp(k, "spool_max", 9)) {
		if (num_size(val, 0, 1e18, &c->spool_max) < 0 || c->spool_max < (1u << 20))
			return fail(err, errlen, "bad spool_max (e.g. 512M, 4G; at least 1M)");
	} else if (kn == 7 && !strncmp(k, "timeout", 7)) {
		uint32_t t;
		if (num_u32(val, 1, 86400, &t) < 0)
			return fail(err, errlen, "bad timeout (seconds, 1-86400)");
		c->timeout_s = (int)t;
	} else if (kn == 5 && !strncmp(k, "fsync", 5)) {
		if (strcmp(val, "0") && strcmp(val, "1"))
			return fail(err, errlen, "bad fsync (0 or 1)");
		c->fsync = val[0] == '1';
	} else {
		snprintf(err, errlen, "unknown parameter '%.*s' (spool, spool_max, timeout, fsync)",
			 (int)kn, k);
		return -1;
	}
	return 0;
}

static int parse_query(ch_config *c, const char *q, char *err, size_t errlen)
{
	char tmp[1024];
	if (strlen(q) >= sizeof tmp)
		return fail(err, errlen, "location too long");
	snprintf(tmp, sizeof tmp, "%s", q);
	char *save = NULL;
	for (char *kv = strtok_r(tmp, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			return fail(err, errlen, "parameters are key=value");
		if (parse_param(c, kv, (size_t)(eq - kv), eq + 1, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int parse_userinfo(ch_config *c, const char *s, size_t n, char *err, size_t errlen)
{
	const char *colon = memchr(s, ':', n);
	size_t un = colon ? (size_t)(colon - s) : n;
	if (un == 0 || pct_decode(s, un, c->user, sizeof c->user) < 0)
		return fail(err, errlen, "bad user name in the location");
	if (colon && pct_decode(colon + 1, n - un - 1, c->password, sizeof c->password) < 0)
		return fail(err, errlen, "bad password in the location");
	return 0;
}

static int parse_hostport(ch_config *c, const char *s, size_t n, char *err, size_t errlen)
{
	const char *port = NULL;
	size_t hn;
	if (n && s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (!rb)
			return fail(err, errlen, "bad IPv6 host in the location (no ])");
		hn = (size_t)(rb - s) + 1;
		if (hn < n && s[hn] != ':')
			return fail(err, errlen, "bad host in the location");
		port = hn < n ? s + hn + 1 : NULL;
	} else {
		const char *colon = memchr(s, ':', n);
		hn = colon ? (size_t)(colon - s) : n;
		port = colon ? colon + 1 : NULL;
	}
	if (hn == 0 || hn >= sizeof c->host)
		return fail(err, errlen, "no host in the location");
	for (size_t i = 0; i < hn; i++) {
		int ch = (unsigned char)s[i];
		if (!isalnum(ch) && !strchr(".-_[]:", ch))
			return fail(err, errlen, "bad host name in the location");
	}
	memcpy(c->host, s, hn);
	c->host[hn] = 0;
	if (port) {
		size_t pn = n - (size_t)(port - s);
		char pb[8];
		if (pn == 0 || pn >= sizeof pb)
			return fail(err, errlen, "bad port in the location");
		memcpy(pb, port, pn);
		pb[pn] = 0;
		uint32_t p;
		if (num_u32(pb, 1, 65535, &p) < 0)
			return fail(err, errlen, "bad port in the location");
		c->port = (int)p;
	}
	return 0;
}

static int valid_db(const char *d)
{
	if (!*d)
		return 0;
	for (; *d; d++)
		if (!isalnum((unsigned char)*d) && *d != '_')
			return 0;
	return 1;
}

int ch_parse_url(const char *url, ch_config *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->port = CH_DEFAULT_PORT;
	c->spool_max = CH_DEFAULT_SPOOL_MAX;
	c->timeout_s = 60;
	c->connect_timeout_s = 3;
	c->fsync = 1;
	snprintf(c->db, sizeof c->db, "%s", CH_DEFAULT_DB);
	if (strncmp(url, "clickhouse://", 13) != 0)
		return fail(err, errlen, "not a clickhouse:// location");
	const char *s = url + 13;
	const char *q = strchr(s, '?');
	const char *end = q ? q : s + strlen(s);
	const char *slash = memchr(s, '/', (size_t)(end - s));
	const char *auth_end = slash ? slash : end;
	const char *at = NULL;
	for (const char *p = s; p < auth_end; p++)
		if (*p == '@')
			at = p; /* the last @: passwords may hold one, percent-encoded or not */
	if (at && parse_userinfo(c, s, (size_t)(at - s), err, errlen) < 0)
		return -1;
	const char *hs = at ? at + 1 : s;
	if (parse_hostport(c, hs, (size_t)(auth_end - hs), err, errlen) < 0)
		return -1;
	if (slash && slash + 1 < end) {
		if (pct_decode(slash + 1, (size_t)(end - slash - 1), c->db, sizeof c->db) < 0 ||
		    !valid_db(c->db))
			return fail(err, errlen, "bad database name (letters, digits and _)");
	}
	if (q && q[1] && parse_query(c, q + 1, err, errlen) < 0)
		return -1;
	if (c->user[0] && !c->password[0]) {
		const char *pw = getenv("SCANPRINT_DB_PASSWORD");
		if (pw)
			snprintf(c->password, sizeof c->password, "%s", pw);
	}
	snprintf(c->base, sizeof c->base, "http://%s:%d/", c->host, c->port);
	snprintf(c->where, sizeof c->where, "clickhouse://%s%s%s:%d/%s", c->user,
		 c->user[0] ? "@" : "", c->host, c->port, c->db);
	return 0;
}

void ch_redact_url(const char *url, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", url);
	if (strncmp(url, "clickhouse://", 13) != 0)
		return;
	const char *s = url + 13;
	size_t n = strcspn(s, "/?");
	const char *at = NULL;
	for (const char *p = s; p < s + n; p++)
		if (*p == '@')
			at = p;
	const char *colon = at ? memchr(s, ':', (size_t)(at - s)) : NULL;
	if (!colon)
		return;
	snprintf(out, outlen, "clickhouse://%.*s:***%s", (int)(colon - s), s, at);
}

void ch_sql_str(buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_putc(out, '\'');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '\'' || c == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, c);
		} else if (c < 0x20 || c == 0x7f) {
			uint8_t e[4] = {'\\', 'x', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 15]};
			buf_put(out, e, 4);
		} else {
			buf_putc(out, c);
		}
	}
	buf_putc(out, '\'');
}

void ch_sql_bytes(buf *out, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_puts(out, "unhex('");
	for (size_t i = 0; i < n; i++) {
		buf_putc(out, (uint8_t)hex[p[i] >> 4]);
		buf_putc(out, (uint8_t)hex[p[i] & 15]);
	}
	buf_puts(out, "')");
}

void ch_url_escape(buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			buf_putc(out, c);
		} else {
			uint8_t e[3] = {'%', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 15]};
			buf_put(out, e, 3);
		}
	}
}
