/* Honeypot settings (config.h). */
#include "honeypot/config.h"

#include "util/buf.h"
#include "util/num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hp_config_default(hp_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->personality, sizeof c->personality, "asterisk");
	snprintf(c->user, sizeof c->user, "nobody");
	hp_limits_default(&c->lim);
	c->max_connections = 256;
	c->max_per_source = 16;
	c->idle_timeout_s = 30;
	c->flush_s = 10;
	c->stats_s = 60;
	c->memory = (uint64_t)256 << 20;
	hp_accounts_init(&c->acc);
}

void hp_config_free(hp_config *c)
{
	hp_accounts_free(&c->acc);
}

/* "N" or "N/BURST" replies a second. */
static int rate(const char *v, double *r, double *b)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%s", v);
	char *slash = strchr(tmp, '/');
	if (slash)
		*slash = 0;
	if (num_double(tmp, 0.001, 1e9, r) < 0)
		return -1;
	*b = *r * 2 < 1 ? 1 : *r * 2;
	return slash ? num_double(slash + 1, 1, 1e9, b) : 0;
}

static int text(char *dst, size_t n, const char *v, const char *k, char *err, size_t errlen)
{
	if (!*v || strlen(v) >= n) {
		snprintf(err, errlen, "%s needs a value shorter than %zu bytes", k, n);
		return -1;
	}
	snprintf(dst, n, "%s", v);
	return 0;
}

static int sensor_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 31)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
			return 0;
	return 1;
}

static int bad(char *err, size_t errlen, const char *k, const char *what)
{
	snprintf(err, errlen, "%s: %s", k, what);
	return -1;
}

static int set_limits(hp_config *c, const char *k, const char *v, char *err, size_t errlen)
{
	uint64_t sz;
	if (!strcmp(k, "rate-source"))
		return rate(v, &c->lim.src_rate, &c->lim.src_burst) < 0
			   ? bad(err, errlen, k, "replies a second, e.g. 250 or 250/500")
			   : 0;
	if (!strcmp(k, "rate-global"))
		return rate(v, &c->lim.global_rate, &c->lim.global_burst) < 0
			   ? bad(err, errlen, k, "replies a second, e.g. 20000 or 20000/40000")
			   : 0;
	if (!strcmp(k, "max-message"))
		return num_size(v, NUM_SIZE_B, NUM_SIZE_U64_MAX, &sz) < 0 || sz < 512 || sz > 65535
			   ? bad(err, errlen, k, "bytes, 512 to 65535")
			   : (c->lim.max_message = (uint32_t)sz, 0);
	if (!strcmp(k, "max-sources"))
		return num_u32(v, 64, 1u << 26, &c->lim.max_sources) < 0
			   ? bad(err, errlen, k, "a number, 64 to 67108864")
			   : 0;
	if (!strcmp(k, "max-connections"))
		return num_u32(v, 1, 1u << 20, &c->max_connections) < 0
			   ? bad(err, errlen, k, "a number, 1 to 1048576")
			   : 0;
	if (!strcmp(k, "max-per-source"))
		return num_u32(v, 1, 1u << 20, &c->max_per_source) < 0
			   ? bad(err, errlen, k, "a number, 1 to 1048576")
			   : 0;
	if (!strcmp(k, "idle-timeout"))
		return num_u32(v, 1, 86400, &c->idle_timeout_s) < 0
			   ? bad(err, errlen, k, "seconds, 1 to 86400")
			   : 0;
	return 1; /* not a limit */
}

int hp_config_set(hp_config *c, const char *k, const char *v, char *err, size_t errlen)
{
	int rc = set_limits(c, k, v, err, errlen);
	if (rc <= 0)
		return rc;
	if (!strcmp(k, "listen"))
		return hp_listen_parse(v, c->listen, &c->nlisten, err, errlen);
	if (!strcmp(k, "personality"))
		return text(c->personality, sizeof c->personality, v, k, err, errlen);
	if (!strcmp(k, "user"))
		return text(c->user, sizeof c->user, v, k, err, errlen);
	if (!strcmp(k, "sensor"))
		return sensor_ok(v) ? text(c->sensor, sizeof c->sensor, v, k, err, errlen)
				    : bad(err, errlen, k, "1-31 of A-Z a-z 0-9 . _ -");
	if (!strcmp(k, "db"))
		return text(c->db, sizeof c->db, v, k, err, errlen);
	if (!strcmp(k, "log"))
		return text(c->log, sizeof c->log, v, k, err, errlen);
	if (!strcmp(k, "flush"))
		return num_u32(v, 1, 86400, &c->flush_s) < 0
			   ? bad(err, errlen, k, "seconds, 1 to 86400")
			   : 0;
	if (!strcmp(k, "stats"))
		return num_u32(v, 0, 86400, &c->stats_s) < 0
			   ? bad(err, errlen, k, "seconds (0: never)")
			   : 0;
	if (!strcmp(k, "memory"))
		return num_size(v, NUM_SIZE_B, NUM_SIZE_U64_MAX, &c->memory) < 0 ||
			       c->memory < (1u << 20)
			   ? bad(err, errlen, k, "a size of at least 1M, e.g. 256M")
			   : 0;
	if (!strcmp(k, "extension") || !strcmp(k, "weak-account")) {
		c->has_acc = 1;
		return hp_directive_accounts(&c->acc, k, v, err, errlen);
	}
	snprintf(err, errlen, "unknown setting '%s'", k);
	return -1;
}

int hp_config_parse(hp_config *c, const char *name, const char *text, size_t len, char *err,
		    size_t errlen)
{
	hp_lines l;
	hp_lines_init(&l, text, len);
	const char *line;
	size_t n;
	while (hp_lines_next(&l, &line, &n)) {
		char k[64], v[1024], msg[400];
		size_t i = 0;
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == n || line[i] == '#')
			continue;
		if (hp_split(line, n, k, sizeof k, v, sizeof v) < 0) {
			snprintf(err, errlen, "%s:%d: line too long", name, l.lineno);
			return -1;
		}
		if (hp_config_set(c, k, v, msg, sizeof msg) < 0) {
			snprintf(err, errlen, "%s:%d: %s", name, l.lineno, msg);
			return -1;
		}
	}
	hp_accounts_finish(&c->acc);
	return 0;
}

int hp_config_load(hp_config *c, const char *path, char *err, size_t errlen)
{
	buf text;
	buf_init(&text);
	if (buf_read_file(&text, path, HP_CONFIG_MAX, err, errlen) < 0) {
		buf_free(&text);
		return -1;
	}
	int rc = hp_config_parse(c, path, (const char *)text.p, text.len, err, errlen);
	buf_free(&text);
	return rc;
}
