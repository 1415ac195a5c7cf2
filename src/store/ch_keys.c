/* The ClickHouse store's keys (profile/analyzer.h; docs/clickhouse.md).
 *
 * A key is a function of a source's merged profile, and SQLite derives a
 * source's keys from its merged profile on every write. ClickHouse merges
 * a source's parts only when asked (GROUP BY ip), and the keys of a merged
 * profile are not the union of its parts' keys: a part may hold only SYNs
 * that follow Nmap's seqmask while the merged SYNs do not, or one Masscan
 * source port where the merged profile has several. So keys are derived
 * here, in C, from merged profiles:
 *
 *   - a source written once has the keys key_parts holds for it (those of
 *     the one profile written, which is its merged profile);
 *   - a source written in several parts (flushes, captures, sensors) is
 *     read merged and profile_keys() runs on it.
 *
 * The result, a sorted list of (kind, key, ip), answers every key
 * operation until the next write: counts, groups, co-occurrence, members,
 * and the --campaign filter of source listings. */
#include "store/clickhouse.h"

#include <stdlib.h>
#include <string.h>

typedef struct kx_ent {
	uint32_t kind, key; /* offsets of NUL-terminated text in the arena */
	uint8_t ip[16];
} kx_ent;

struct ch_keyidx {
	kx_ent *e;
	size_t n, cap;
	buf arena;
	int oom;
};

static const char *txt(const ch_keyidx *x, uint32_t off)
{
	return (const char *)x->arena.p + off;
}

static uint32_t intern(ch_keyidx *x, const char *s)
{
	size_t off = x->arena.len;
	buf_put(&x->arena, s, strlen(s) + 1);
	if (x->arena.oom || off > UINT32_MAX)
		x->oom = 1;
	return (uint32_t)off;
}

static void add(ch_keyidx *x, const char *kind, const char *key, const uint8_t ip[16])
{
	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 1024;
		kx_ent *ne = realloc(x->e, nc * sizeof *ne);
		if (!ne) {
			x->oom = 1;
			return;
		}
		x->e = ne;
		x->cap = nc;
	}
	kx_ent *e = &x->e[x->n++];
	e->kind = intern(x, kind);
	e->key = intern(x, key);
	memcpy(e->ip, ip, 16);
}

static int cmp_ent(const void *va, const void *vb, void *vx)
{
	const kx_ent *a = va, *b = vb;
	const ch_keyidx *x = vx;
	int c = strcmp(txt(x, a->kind), txt(x, b->kind));
	if (!c)
		c = strcmp(txt(x, a->key), txt(x, b->key));
	return c ? c : memcmp(a->ip, b->ip, 16);
}

/* Sorted by (kind, key, ip), each once. */
static void sort_unique(ch_keyidx *x)
{
	if (x->n < 2)
		return;
	qsort_r(x->e, x->n, sizeof *x->e, cmp_ent, x);
	size_t w = 1;
	for (size_t i = 1; i < x->n; i++)
		if (cmp_ent(&x->e[w - 1], &x->e[i], x))
			x->e[w++] = x->e[i];
	x->n = w;
}

/* --- building ------------------------------------------------------------------ */

static int merged_keys(void *ctx, const profile *p)
{
	ch_keyidx *x = ctx;
	key_list keys;
	profile_keys(p, &keys);
	for (int i = 0; i < keys.n; i++)
		add(x, keys.k[i].kind, keys.k[i].key, p->ip);
	return x->oom;
}

int ch_key_read(cursor *c, char kind[KEY_KIND_MAX], char key[KEY_TEXT_MAX], uint8_t ip[16])
{
	size_t kl, vl;
	const uint8_t *k = ch_rd_str(c, &kl);
	const uint8_t *v = k ? ch_rd_str(c, &vl) : NULL;
	if (v)
		rd_bytes(c, ip, 16);
	if (!v || !rd_ok(c))
		return 0;
	if (kl >= KEY_KIND_MAX || vl >= KEY_TEXT_MAX)
		return -1; /* no analyser writes such keys */
	memcpy(kind, k, kl);
	kind[kl] = 0;
	memcpy(key, v, vl);
	key[vl] = 0;
	return 1;
}

static size_t key_rows(void *ctx, const uint8_t *p, size_t n)
{
	ch_keyidx *x = ctx;
	size_t used = 0;
	while (used < n) {
		cursor c = rd_init(p + used, n - used);
		char kind[KEY_KIND_MAX], key[KEY_TEXT_MAX];
		uint8_t ip[16];
		int r = ch_key_read(&c, kind, key, ip);
		if (r < 0)
			return (size_t)-2;
		if (r == 0)
			break;
		add(x, kind, key, ip);
		if (x->oom)
			return (size_t)-2;
		used = n - rd_left(&c);
	}
	return used;
}

/* The keys of sources written once, as written. */
static int single_part_keys(ch_store *s, ch_keyidx *x)
{
	buf sql;
	buf_init(&sql);
	buf_printf(&sql, "SELECT kind, key, ip FROM %s.key_parts WHERE ", s->cfg.db);
	ch_valid(s, &sql);
	buf_printf(&sql, " AND ip IN (SELECT ip FROM %s.source_parts WHERE ", s->cfg.db);
	ch_valid(s, &sql);
	buf_puts(&sql, " GROUP BY ip HAVING count() = 1)");
	int rc = ch_select(s, &sql, key_rows, x);
	buf_free(&sql);
	return rc;
}

static void idx_free(ch_keyidx *x)
{
	if (x) {
		free(x->e);
		buf_free(&x->arena);
		free(x);
	}
}

static ch_keyidx *idx(ch_store *s)
{
	if (s->kidx)
		return s->kidx;
	ch_keyidx *x = calloc(1, sizeof *x);
	if (!x) {
		ch_fail(s, "out of memory");
		return NULL;
	}
	buf_init(&x->arena);
	int rc = single_part_keys(s, x);
	if (rc == 0 && !x->oom)
		rc = ch_scan_merged(s, NULL, " HAVING count() > 1", merged_keys, x);
	if (rc < 0 || x->oom) {
		if (rc == 0)
			ch_fail(s, "out of memory");
		idx_free(x);
		return NULL;
	}
	sort_unique(x);
	s->kidx = x;
	return x;
}

void ch_keyidx_free(ch_keyidx *x)
{
	idx_free(x);
}

/* --- lookups ---------------------------------------------------------------------- */

/* The first entry not below (kind, key); key NULL: below every key of kind. */
static size_t lower(const ch_keyidx *x, const char *kind, const char *key)
{
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(txt(x, x->e[mid].kind), kind);
		if (!c && key)
			c = strcmp(txt(x, x->e[mid].key), key);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int same_kind(const ch_keyidx *x, size_t i, const char *kind)
{
	return i < x->n && !strcmp(txt(x, x->e[i].kind), kind);
}

static int same_key(const ch_keyidx *x, size_t i, const char *kind, const char *key)
{
	return same_kind(x, i, kind) && !strcmp(txt(x, x->e[i].key), key);
}

int ch_key_ips(ch_store *s, const char *kind, const char *key, uint8_t (**ips)[16], size_t *n)
{
	*ips = NULL;
	*n = 0;
	ch_keyidx *x = idx(s);
	if (!x)
		return -1;
	size_t i = lower(x, kind, key), j = i;
	while (same_key(x, j, kind, key))
		j++;
	if (j == i)
		return 0;
	*ips = malloc((j - i) * sizeof **ips);
	if (!*ips)
		return ch_fail(s, "out of memory");
	for (size_t k = i; k < j; k++)
		memcpy((*ips)[k - i], x->e[k].ip, 16);
	*n = j - i; /* sorted, distinct: entries are */
	return 0;
}

int ch_count_key(store *base, const char *kind, const char *key, uint64_t *n)
{
	ch_store *s = (ch_store *)base;
	*n = 0;
	ch_keyidx *x = idx(s);
	if (!x)
		return -1;
	for (size_t i = lower(x, kind, key); same_key(x, i, kind, key); i++)
		(*n)++;
	return 0;
}

typedef struct kx_group {
	const char *key;
	uint64_t n;
} kx_group;

static int cmp_group(const void *va, const void *vb)
{
	const kx_group *a = va, *b = vb;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* Hands the groups to cb, most sources first (then by key). */
static int emit_groups(ch_store *s, kx_group *g, size_t ng, store_key_cb cb, void *ctx)
{
	(void)s;
	if (ng)
		qsort(g, ng, sizeof *g, cmp_group);
	for (size_t i = 0; i < ng; i++)
		if (cb(ctx, g[i].key, g[i].n))
			break;
	free(g);
	return 0;
}

static int push_group(ch_store *s, kx_group **g, size_t *ng, size_t *cap, const char *key,
		      uint64_t n)
{
	if (*ng == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		kx_group *p = realloc(*g, nc * sizeof *p);
		if (!p) {
			free(*g);
			return ch_fail(s, "out of memory");
		}
		*g = p;
		*cap = nc;
	}
	(*g)[(*ng)++] = (kx_group){key, n};
	return 0;
}

int ch_scan_key_groups(store *base, const char *kind, uint64_t min_sources, store_key_cb cb,
		       void *ctx)
{
	ch_store *s = (ch_store *)base;
	ch_keyidx *x = idx(s);
	if (!x)
		return -1;
	kx_group *g = NULL;
	size_t ng = 0, cap = 0;
	size_t i = lower(x, kind, NULL);
	while (same_kind(x, i, kind)) {
		const char *key = txt(x, x->e[i].key);
		size_t j = i;
		while (same_key(x, j, kind, key))
			j++;
		if (j - i >= min_sources && push_group(s, &g, &ng, &cap, key, j - i) < 0)
			return -1;
		i = j;
	}
	return emit_groups(s, g, ng, cb, ctx);
}

static int cmp_ip(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

int ch_scan_key_cooccur(store *base, const char *kind, const char *key, const char *other_kind,
			store_key_cb cb, void *ctx)
{
	ch_store *s = (ch_store *)base;
	uint8_t(*ips)[16];
	size_t nips;
	if (ch_key_ips(s, kind, key, &ips, &nips) < 0)
		return -1;
	ch_keyidx *x = s->kidx;
	kx_group *g = NULL;
	size_t ng = 0, cap = 0;
	size_t i = nips ? lower(x, other_kind, NULL) : x->n;
	while (same_kind(x, i, other_kind)) {
		const char *k = txt(x, x->e[i].key);
		uint64_t n = 0;
		for (; same_key(x, i, other_kind, k); i++)
			n += bsearch(x->e[i].ip, ips, nips, 16, cmp_ip) != NULL;
		if (n && push_group(s, &g, &ng, &cap, k, n) < 0) {
			free(ips);
			return -1;
		}
	}
	free(ips);
	return emit_groups(s, g, ng, cb, ctx);
}

/* Members are read merged in runs of this many addresses, each run one
 * query naming them (well below ClickHouse's max_query_size). */
#define IN_RUN 2000

void ch_sql_ip_list(buf *sql, const uint8_t (*ips)[16], size_t n)
{
	buf_puts(sql, " AND ip IN (");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(sql, ',');
		ch_sql_bytes(sql, ips[i], 16);
	}
	buf_putc(sql, ')');
}

typedef struct run_ctx {
	store_profile_cb cb;
	void *ctx;
	int stopped;
} run_ctx;

static int run_cb(void *vctx, const profile *p)
{
	run_ctx *k = vctx;
	if (k->cb(k->ctx, p)) {
		k->stopped = 1;
		return 1;
	}
	return 0;
}

int ch_scan_key_members(store *base, const char *kind, const char *key, store_profile_cb cb,
			void *ctx)
{
	ch_store *s = (ch_store *)base;
	uint8_t(*ips)[16];
	size_t n;
	if (ch_key_ips(s, kind, key, &ips, &n) < 0)
		return -1;
	run_ctx k = {cb, ctx, 0};
	int rc = 0;
	for (size_t at = 0; at < n && rc == 0 && !k.stopped; at += IN_RUN) {
		buf cond;
		buf_init(&cond);
		ch_sql_ip_list(&cond, (const uint8_t(*)[16])ips + at,
			       n - at < IN_RUN ? n - at : IN_RUN);
		rc = cond.oom ? ch_fail(s, "out of memory")
			      : ch_scan_merged(s, buf_cstr(&cond), " ORDER BY ip", run_cb, &k);
		buf_free(&cond);
	}
	free(ips);
	return rc;
}
