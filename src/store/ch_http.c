/* ClickHouse's HTTP interface through libcurl. One handle keeps its
 * connection alive between requests. Statements go in the POST body;
 * inserts put the statement in the URL and the Native data in the body.
 * Results are asked for with wait_end_of_query=1, so that an error the
 * server meets halfway becomes an HTTP error instead of a body that stops
 * in the middle of a row. */
#include "store/clickhouse.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct ch_http {
	CURL *curl;
	struct curl_slist *headers;
	const ch_config *cfg;
	buf url;
	char curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

ch_http *ch_http_new(const ch_config *cfg)
{
	pthread_once(&curl_once, curl_start);
	ch_http *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->cfg = cfg;
	h->curl = curl_easy_init();
	/* no "Expect: 100-continue" round trip before large bodies */
	h->headers = curl_slist_append(NULL, "Expect:");
	if (!h->curl || !h->headers) {
		ch_http_free(h);
		return NULL;
	}
	buf_init(&h->url);
	return h;
}

void ch_http_free(ch_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	buf_free(&h->url);
	free(h);
}

typedef struct sink {
	ch_http *h;
	buf *out;    /* whole answer (exec) */
	buf pending; /* bytes not yet consumed (select) */
	buf errbody; /* the answer of a failed request */
	ch_rows_fn row;
	void *ctx;
	long status;
	int stopped, corrupt;
} sink;

static size_t consume(sink *k)
{
	size_t used = k->row(k->ctx, k->pending.p, k->pending.len);
	if (used == (size_t)-1) {
		k->stopped = 1;
		return 0;
	}
	if (used == (size_t)-2 || used > k->pending.len) {
		k->corrupt = 1;
		return 0;
	}
	memmove(k->pending.p, k->pending.p + used, k->pending.len - used);
	k->pending.len -= used;
	return 1;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *vk)
{
	sink *k = vk;
	size_t n = size * nmemb;
	if (!k->status)
		curl_easy_getinfo(k->h->curl, CURLINFO_RESPONSE_CODE, &k->status);
	if (k->status != 200) {
		if (k->errbody.len < 4096)
			buf_put(&k->errbody, p, n);
		return n;
	}
	if (!k->row) {
		if (k->out)
			buf_put(k->out, p, n);
		return n;
	}
	buf_put(&k->pending, p, n);
	if (k->pending.oom) {
		k->corrupt = 1;
		return 0;
	}
	return consume(k) ? n : 0;
}

static void set_url(ch_http *h, const char *extra)
{
	buf_reset(&h->url);
	/* no database=: every statement names its tables in full, and the
	 * database may not exist yet */
	buf_puts(&h->url, h->cfg->base);
	if (extra) {
		buf_putc(&h->url, '?');
		buf_puts(&h->url, extra);
	}
}

/* The first line of ClickHouse's exception text, without its boilerplate. */
static void server_error(const buf *body, long status, char *err, size_t errlen)
{
	size_t n = body->len;
	const char *p = (const char *)body->p;
	const char *nl = n ? memchr(p, '\n', n) : NULL;
	if (nl)
		n = (size_t)(nl - p);
	const char *e = n ? memmem(p, n, ", e.what()", 10) : NULL;
	if (e)
		n = (size_t)(e - p);
	if (n > 300)
		n = 300;
	snprintf(err, errlen, "ClickHouse answered %ld: %.*s", status, (int)n, n ? p : "");
}

static int is_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

static int perform(ch_http *h, const void *body, size_t len, long timeout, sink *k, char *err,
		   size_t errlen, int *transient)
{
	CURL *c = h->curl;
	const ch_config *cfg = h->cfg;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, (const char *)buf_cstr(&h->url));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)cfg->connect_timeout_s);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_err);
	curl_easy_setopt(c, CURLOPT_PROXY, ""); /* a store on loopback is never proxied */
	if (cfg->user[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->password);
	}
	h->curl_err[0] = 0;
	CURLcode rc = curl_easy_perform(c);
	if (!k->status)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &k->status);
	*transient = 0;
	if (rc == CURLE_WRITE_ERROR && k->stopped)
		return 0;
	if (k->corrupt) {
		snprintf(err, errlen, "ClickHouse sent a result that does not parse");
		return -1;
	}
	if (rc != CURLE_OK) {
		*transient = is_transient(rc);
		snprintf(err, errlen, "%s", h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc));
		return -1;
	}
	if (k->status != 200) {
		server_error(&k->errbody, k->status, err, errlen);
		/* overloaded or starting up: worth retrying later */
		*transient = k->status == 503 || strstr(err, "Too many") != NULL;
		return -1;
	}
	return 0;
}

int ch_http_exec(ch_http *h, const char *sql, buf *out, char *err, size_t errlen, int *transient)
{
	sink k;
	memset(&k, 0, sizeof k);
	k.h = h;
	k.out = out;
	set_url(h, "wait_end_of_query=1");
	int rc = perform(h, sql, strlen(sql), h->cfg->timeout_s, &k, err, errlen, transient);
	buf_free(&k.errbody);
	return rc;
}

int ch_http_insert(ch_http *h, const char *table, const uint8_t *body, size_t len, char *err,
		   size_t errlen, int *transient)
{
	char q[256];
	buf extra;
	buf_init(&extra);
	/* a Distributed table acknowledges only what its shards have written:
	 * the batch marker must never be visible before the rows it names */
	buf_puts(&extra, "insert_distributed_sync=1&query=");
	snprintf(q, sizeof q, "INSERT INTO %s FORMAT Native", table);
	ch_url_escape(&extra, q, strlen(q));
	set_url(h, buf_cstr(&extra));
	buf_free(&extra);
	sink k;
	memset(&k, 0, sizeof k);
	k.h = h;
	int rc = perform(h, body, len, h->cfg->timeout_s, &k, err, errlen, transient);
	buf_free(&k.errbody);
	return rc;
}

int ch_http_select(ch_http *h, const char *sql, long timeout, ch_rows_fn row, void *ctx, char *err,
		   size_t errlen)
{
	sink k;
	memset(&k, 0, sizeof k);
	k.h = h;
	k.row = row;
	k.ctx = ctx;
	buf_init(&k.pending);
	set_url(h, "wait_end_of_query=1");
	int transient;
	int rc = perform(h, sql, strlen(sql), timeout, &k, err, errlen, &transient);
	if (rc == 0 && !k.stopped && k.pending.len) {
		snprintf(err, errlen, "ClickHouse's result ended in the middle of a row");
		rc = -1;
	}
	buf_free(&k.pending);
	buf_free(&k.errbody);
	return rc;
}
