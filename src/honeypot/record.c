/* The recorder (record.h): the pipe of record batches, the thread that
 * feeds ingest and the store, and the JSON Lines event log. */
#include "honeypot/record.h"

#include "decode/decode.h"
#include "sip/sip.h"
#include "util/json.h"

#include <errno.h>
#include <pcap/dlt.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PIPE_BATCHES 64
#define BATCH_MIN    (256 * 1024)

static const char *const conn_names[HP_CONN_COUNT] = {
    "",
    "open",
    "closed-by-peer",
    "idle-timeout",
    "connection-limit",
    "message-too-large",
    "not-sip",
    "socket-error",
    "output-backlog",
    "shutdown",
};

const char *hp_conn_event_name(int e)
{
	return e > 0 && e < HP_CONN_COUNT ? conn_names[e] : "?";
}

/* ---- the pipe --------------------------------------------------------------------- */

struct hp_pipe {
	pthread_mutex_t mu;
	pthread_cond_t has_data, has_free;
	uint8_t *buf[PIPE_BATCHES];
	size_t len[PIPE_BATCHES];
	size_t cap;
	int queue[PIPE_BATCHES]; /* full batches, oldest first */
	int qhead, qcount;
	int free_[PIPE_BATCHES]; /* empty batches */
	int nfree;
	int cur; /* the loop's batch, -1 none */
	int closing;
	int sync_ok; /* the mutex and conditions were initialised */
};

hp_pipe *hp_pipe_new(size_t max_record)
{
	hp_pipe *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->cap = max_record * 2 > BATCH_MIN ? max_record * 2 : BATCH_MIN;
	for (int i = 0; i < PIPE_BATCHES; i++) {
		if (!(p->buf[i] = malloc(p->cap))) {
			hp_pipe_free(p);
			return NULL;
		}
		p->free_[p->nfree++] = i;
	}
	p->cur = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->has_data, NULL);
	pthread_cond_init(&p->has_free, NULL);
	p->sync_ok = 1;
	return p;
}

void hp_pipe_free(hp_pipe *p)
{
	if (!p)
		return;
	for (int i = 0; i < PIPE_BATCHES; i++)
		free(p->buf[i]);
	if (p->sync_ok) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->has_data);
		pthread_cond_destroy(&p->has_free);
	}
	free(p);
}

static void push_locked(hp_pipe *p)
{
	p->queue[(p->qhead + p->qcount) % PIPE_BATCHES] = p->cur;
	p->qcount++;
	p->cur = -1;
	pthread_cond_signal(&p->has_data);
}

void hp_pipe_flush(hp_pipe *p)
{
	if (p->cur < 0 || !p->len[p->cur])
		return;
	pthread_mutex_lock(&p->mu);
	push_locked(p);
	pthread_mutex_unlock(&p->mu);
}

hp_rec *hp_pipe_alloc(hp_pipe *p, size_t size)
{
	size = (size + 7) & ~(size_t)7;
	if (size > p->cap)
		return NULL;
	if (p->cur >= 0 && p->len[p->cur] + size <= p->cap)
		goto have;
	pthread_mutex_lock(&p->mu);
	if (p->cur >= 0)
		push_locked(p);
	while (!p->nfree)
		pthread_cond_wait(&p->has_free, &p->mu);
	p->cur = p->free_[--p->nfree];
	p->len[p->cur] = 0;
	pthread_mutex_unlock(&p->mu);
have:;
	hp_rec *r = (hp_rec *)(void *)(p->buf[p->cur] + p->len[p->cur]);
	memset(r, 0, sizeof *r);
	r->size = (uint32_t)size;
	p->len[p->cur] += size;
	return r;
}

void hp_pipe_close(hp_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->cur >= 0 && p->len[p->cur])
		push_locked(p);
	p->closing = 1;
	pthread_cond_signal(&p->has_data);
	pthread_mutex_unlock(&p->mu);
}

/* Recorder side: the oldest full batch, waiting up to ms; -1 if none
 * (*closed: and none will come). */
static int pipe_take(hp_pipe *p, int ms, int *closed)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	until.tv_sec += ms / 1000 + until.tv_nsec / 1000000000;
	until.tv_nsec %= 1000000000;
	pthread_mutex_lock(&p->mu);
	while (!p->qcount && !p->closing)
		if (pthread_cond_timedwait(&p->has_data, &p->mu, &until) == ETIMEDOUT)
			break;
	int b = -1;
	if (p->qcount) {
		b = p->queue[p->qhead];
		p->qhead = (p->qhead + 1) % PIPE_BATCHES;
		p->qcount--;
	}
	*closed = p->closing && b < 0;
	pthread_mutex_unlock(&p->mu);
	return b;
}

static void pipe_release(hp_pipe *p, int b)
{
	pthread_mutex_lock(&p->mu);
	p->len[b] = 0;
	p->free_[p->nfree++] = b;
	pthread_cond_signal(&p->has_free);
	pthread_mutex_unlock(&p->mu);
}

/* ---- the view ------------------------------------------------------------------------ */

static uint32_t v4_of(const uint8_t a[16])
{
	return (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
}

void hp_rec_view(const hp_rec *r, pkt_view *v)
{
	pkt_view_reset(v);
	int v4 = addr_is_v4(r->src);
	uint32_t ip = v4 ? 20 : 40, l4 = r->proto == 6 ? 20 : 8;
	v->ts_ns = r->ts_ns;
	v->family = (uint8_t)(v4 ? 4 : 6);
	v->proto = r->proto;
	v->ttl = r->ttl;
	memcpy(v->src, r->src, 16);
	memcpy(v->dst, r->dst, 16);
	if (v4) {
		v->src4 = v4_of(r->src);
		v->dst4 = v4_of(r->dst);
	}
	v->sport = r->sport;
	v->dport = r->dport;
	v->l4_ok = 1;
	v->payload = hp_rec_data(r);
	v->payload_len = r->len;
	v->cap_len = ip + l4 + r->len;
	v->wire_len = ip + l4 + r->wire_len;
	v->ip_len = (uint16_t)(v->wire_len > 65535 ? 65535 : v->wire_len);
	if (r->proto == 6) {
		v->tcp_flags = TCP_ACK | TCP_PSH;
		v->tcp_hlen = 20;
	} else {
		v->udp_len = (uint16_t)(8 + r->wire_len > 65535 ? 65535 : 8 + r->wire_len);
	}
	if (!memcmp(v->src, v->dst, 16))
		v->quirks |= Q_SRC_EQ_DST;
	if (!v->sport || !v->dport)
		v->quirks |= Q_PORT_ZERO;
}

/* ---- the recorder ---------------------------------------------------------------------- */

struct hp_recorder {
	hp_recorder_opts o;
	store *st;
	ingest *g;
	hp_pipe *p;
	FILE *log;
	int reopen; /* atomic: SIGHUP asked to reopen the log */
	pthread_t th;
	int started;
	int failed;
	int64_t first_ns, last_ns, start_ns;
	uint64_t msgs, bytes;
	double last_commit;
	buf line;
	buf head;     /* ,"event":"message","sensor":"..." escaped once */
	int64_t tsec; /* the second whose text is in tstr */
	char tstr[48];
	size_t tlen;
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static FILE *open_log(const char *path, char *err, size_t errlen)
{
	if (!strcmp(path, "-"))
		return stdout;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

/* A literal: its length known when compiled. */
#define PUTL(b, lit) buf_put((b), (lit), sizeof(lit) - 1)

hp_recorder *hp_recorder_new(const hp_recorder_opts *o, store *st, ingest *g, hp_pipe *p, char *err,
			     size_t errlen)
{
	hp_recorder *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->o = *o;
	r->st = st;
	r->g = g;
	r->p = p;
	buf_init(&r->line);
	buf_init(&r->head);
	PUTL(&r->head, ",\"event\":\"message\",\"sensor\":\"");
	json_escape(&r->head, o->sensor, strlen(o->sensor));
	buf_putc(&r->head, '"');
	if (r->head.oom) {
		snprintf(err, errlen, "out of memory");
		buf_free(&r->line);
		buf_free(&r->head);
		free(r);
		return NULL;
	}
	if (o->log_path && !(r->log = open_log(o->log_path, err, errlen))) {
		buf_free(&r->head);
		free(r);
		return NULL;
	}
	return r;
}

int hp_recorder_log_fd(const hp_recorder *r)
{
	return r->log && r->log != stdout ? fileno(r->log) : -1;
}

void hp_recorder_reopen(hp_recorder *r)
{
	__atomic_store_n(&r->reopen, 1, __ATOMIC_RELAXED);
}

/* ---- the event log ---------------------------------------------------------------------- */

static void ev_begin(hp_recorder *r, jw *w, int64_t ts, const char *event)
{
	buf_reset(&r->line);
	jw_init(w, &r->line);
	jw_obj_begin(w);
	jw_ktime(w, "time", ts);
	jw_kstr(w, "event", event);
	jw_kstr(w, "sensor", r->o.sensor);
}

static void write_line(hp_recorder *r)
{
	if (!r->log)
		return;
	buf_putc(&r->line, '\n');
	if (fwrite(r->line.p, 1, r->line.len, r->log) != r->line.len && !r->failed) {
		fprintf(stderr, "scanprint honeypot: %s: cannot write the log: %s\n", r->o.log_path,
			strerror(errno));
		r->failed = 1;
	}
}

static void ev_end(hp_recorder *r, jw *w)
{
	jw_obj_end(w);
	write_line(r);
}

static void ev_ends(jw *w, const hp_rec *x)
{
	char a[46];
	jw_kstr(w, "transport", x->proto == 6 ? "tcp" : "udp");
	jw_kstr(w, "src", addr_str(x->src, a));
	jw_kint(w, "sport", x->sport);
	jw_kstr(w, "dst", addr_str(x->dst, a));
	jw_kint(w, "dport", x->dport);
	if (x->conn)
		jw_kuint(w, "connection", x->conn);
}

/* ---- message events, written by hand: one per message, the hot path -------------------- */

/* ,"key": with the key's length known (keys are literals but in fauth):
 * one copy, no strlen. Keys need no escaping. */
static void fkey(buf *b, const char *key, size_t klen)
{
	if (buf_reserve(b, klen + 4) < 0)
		return;
	uint8_t *o = b->p + b->len;
	o[0] = ',';
	o[1] = '"';
	memcpy(o + 2, key, klen);
	o[klen + 2] = '"';
	o[klen + 3] = ':';
	b->len += klen + 4;
}

/* ,"key":"value" */
static void fkstrn(buf *b, const char *key, size_t klen, const void *v, size_t n)
{
	fkey(b, key, klen);
	buf_putc(b, '"');
	json_escape(b, v, n);
	buf_putc(b, '"');
}

/* ,"key":"value" for a value that needs no escaping (the honeypot's own
 * names, address texts): one copy. */
static void fkplain(buf *b, const char *key, size_t klen, const char *v, size_t n)
{
	if (buf_reserve(b, klen + n + 6) < 0)
		return;
	uint8_t *o = b->p + b->len;
	o[0] = ',';
	o[1] = '"';
	memcpy(o + 2, key, klen);
	memcpy(o + 2 + klen, "\":\"", 3);
	memcpy(o + 5 + klen, v, n);
	o[5 + klen + n] = '"';
	b->len += klen + n + 6;
}

/* ,"key":123, the digits written in place. */
static void fkintn(buf *b, const char *key, size_t klen, uint64_t v)
{
	if (buf_reserve(b, klen + 4 + 21) < 0)
		return;
	uint8_t *o = b->p + b->len;
	o[0] = ',';
	o[1] = '"';
	memcpy(o + 2, key, klen);
	o[klen + 2] = '"';
	o[klen + 3] = ':';
	b->len += klen + 4 + hp_utoa(v, (char *)o + klen + 4);
}

static void fkspann(buf *b, const char *key, size_t klen, const hp_rec *x, int f)
{
	const hp_span *sp = &x->u.r.field[f];
	if (sp->len && sp->off + sp->len <= x->len)
		fkstrn(b, key, klen, hp_rec_data(x) + sp->off, sp->len);
}

/* The same with a literal key ("" key "" does not compile for a pointer). */
#define LIT(key)	     "" key "", sizeof("" key "") - 1
#define fkstr(b, key, v, n)  fkstrn((b), LIT(key), (v), (n))
#define fkcstr(b, key, v)    fkstr_c((b), LIT(key), (v))
#define fkint(b, key, v)     fkintn((b), LIT(key), (v))
#define fkspan(b, key, x, f) fkspann((b), LIT(key), (x), (f))
#define fklit(b, key, v)     fkplain((b), LIT(key), LIT(v))
#define fkpstr(b, key, v)    fkplain_c((b), LIT(key), (v))

static void fkstr_c(buf *b, const char *key, size_t klen, const char *v)
{
	fkstrn(b, key, klen, v, strlen(v));
}

static void fkplain_c(buf *b, const char *key, size_t klen, const char *v)
{
	fkplain(b, key, klen, v, strlen(v));
}

/* "time":"2010-07-09T14:03:11.123Z", the date part kept for the second. */
static void ftime(hp_recorder *r, buf *b, int64_t ns)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	if (sec != r->tsec) {
		time_rfc3339(sec * 1000000000, r->tstr, sizeof r->tstr);
		r->tsec = sec;
		r->tlen = strlen(r->tstr) - 1; /* without the Z */
	}
	PUTL(b, "{\"time\":\"");
	buf_put(b, r->tstr, r->tlen);
	if (frac > 0) {
		char f[10];
		int n = 9;
		for (int i = 8; i >= 0; i--, frac /= 10)
			f[i] = (char)('0' + frac % 10);
		while (n > 1 && f[n - 1] == '0')
			n--;
		buf_putc(b, '.');
		buf_put(b, f, (size_t)n);
	}
	PUTL(b, "Z\"");
}

static void fends(buf *b, const hp_rec *x)
{
	char a[46];
	if (x->proto == 6)
		fklit(b, "transport", "tcp");
	else
		fklit(b, "transport", "udp");
	fkpstr(b, "src", addr_str(x->src, a));
	fkint(b, "sport", x->sport);
	fkpstr(b, "dst", addr_str(x->dst, a));
	fkint(b, "dport", x->dport);
	if (x->conn)
		fkint(b, "connection", x->conn);
}

static void fauth(buf *b, const hp_rec *x)
{
	const hp_result *res = &x->u.r;
	const hp_span *sp = &res->field[HP_F_AUTH];
	if (!sp->len && res->auth == HP_AUTH_NONE)
		return;
	PUTL(b, ",\"auth\":{\"result\":\"");
	buf_puts(b, hp_auth_name(res->auth));
	buf_putc(b, '"');
	sip_auth a;
	if (sp->len && sp->off + sp->len <= x->len &&
	    sip_parse_auth(sip_str_of(hp_rec_data(x) + sp->off, sp->len), &a) == 0) {
		const struct {
			const char *k;
			sip_str v;
		} f[] = {{"username", a.username}, {"realm", a.realm},
			 {"nonce", a.nonce},	   {"uri", a.uri},
			 {"response", a.response}, {"algorithm", a.algorithm},
			 {"qop", a.qop},	   {"nc", a.nc},
			 {"cnonce", a.cnonce}};
		for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
			if (f[i].v.len)
				fkstrn(b, f[i].k, strlen(f[i].k), f[i].v.p, f[i].v.len);
	}
	buf_putc(b, '}');
}

static void fsip(buf *b, const hp_rec *x)
{
	const hp_result *res = &x->u.r;
	if (res->action == HP_ACT_NOT_SIP || !res->kind) {
		fklit(b, "kind", "not-sip");
		return;
	}
	if (res->kind == SIP_REQUEST)
		fklit(b, "kind", "request");
	else
		fklit(b, "kind", "response");
	fkspan(b, "method", x, HP_F_METHOD);
	fkspan(b, "request_uri", x, HP_F_URI);
	if (res->kind == SIP_RESPONSE)
		fkint(b, "response_status", res->rstatus);
	fkspan(b, "from", x, HP_F_FROM);
	fkspan(b, "to", x, HP_F_TO);
	fkspan(b, "call_id", x, HP_F_CALL_ID);
	fkspan(b, "cseq", x, HP_F_CSEQ);
	fkspan(b, "user_agent", x, HP_F_USER_AGENT);
	fkspan(b, "contact", x, HP_F_CONTACT);
	if (res->user[0]) {
		fkcstr(b, "user", res->user);
		buf_puts(b, res->exists ? ",\"exists\":true" : ",\"exists\":false");
	}
	fauth(b, x);
	if (res->quirks) {
		PUTL(b, ",\"quirks\":[");
		int first = 1;
		for (unsigned q = 0; q < SIP_QUIRK_COUNT; q++)
			if (res->quirks & (1u << q)) {
				buf_puts(b, first ? "\"" : ",\"");
				buf_puts(b, sip_quirk_name(q));
				buf_putc(b, '"');
				first = 0;
			}
		buf_putc(b, ']');
	}
}

static void ev_message(hp_recorder *r, const hp_rec *x)
{
	const hp_result *res = &x->u.r;
	buf *b = &r->line;
	buf_reset(b);
	ftime(r, b, x->ts_ns);
	buf_put(b, r->head.p, r->head.len);
	fends(b, x);
	fkint(b, "size", x->wire_len);
	if (x->ttl)
		fkint(b, "ttl", x->ttl);
	if (res->action != HP_ACT_TOO_LARGE && res->action != HP_ACT_INCOMPLETE)
		fsip(b, x);
	fkpstr(b, "action", hp_action_name(res->action));
	if (res->status)
		fkint(b, "status", res->status);
	if (x->reply_len)
		fkint(b, "reply_size", x->reply_len);
	if (res->dropped)
		fkint(b, "dropped_lines", res->dropped);
	fkstr(b, "message", hp_rec_data(x), x->len);
	buf_putc(b, '}');
	write_line(r);
}

static void alert(hp_recorder *r, const hp_rec *x)
{
	char src[46];
	const hp_result *res = &x->u.r;
	jw w;
	ev_begin(r, &w, x->ts_ns, "alert");
	jw_kstr(&w, "alert", "weak-password-accepted");
	ev_ends(&w, x);
	jw_kstr(&w, "username", res->auth_user);
	jw_kstr(&w, "method", sip_method_name(res->method));
	jw_kint(&w, "status", res->status);
	ev_end(r, &w);
	fprintf(stderr,
		"scanprint honeypot: ALERT: %s port %u/%s logged in as '%s' with its weak "
		"password (%s, answered %d)\n",
		addr_str(x->src, src), x->sport, x->proto == 6 ? "tcp" : "udp", res->auth_user,
		sip_method_name(res->method), res->status);
}

static void ev_conn(hp_recorder *r, const hp_rec *x)
{
	jw w;
	ev_begin(r, &w, x->ts_ns, "connection");
	ev_ends(&w, x);
	jw_kstr(&w, "state", x->event == HP_CONN_OPEN ? "open" : "closed");
	if (x->event != HP_CONN_OPEN)
		jw_kstr(&w, "reason", hp_conn_event_name(x->event));
	ev_end(r, &w);
}

static void ev_counts(jw *w, const hp_counts *c, const hp_loop_stats *l)
{
	jw_kuint(w, "messages", c->messages);
	jw_kuint(w, "replies", c->replies);
	jw_kuint(w, "bytes_in", c->bytes_in);
	jw_kuint(w, "bytes_out", c->bytes_out);
	jw_key(w, "actions");
	jw_obj_begin(w);
	for (int a = 1; a < HP_ACT_COUNT; a++)
		jw_kuint(w, hp_action_name(a), c->action[a]);
	jw_obj_end(w);
	jw_key(w, "auth");
	jw_obj_begin(w);
	for (int a = 1; a < HP_AUTH_COUNT; a++)
		jw_kuint(w, hp_auth_name(a), c->auth[a]);
	jw_obj_end(w);
	jw_kuint(w, "kernel_drops", l->kernel_drops);
	jw_kuint(w, "connections", l->conns);
	jw_kuint(w, "connections_refused", l->conns_refused);
	jw_kuint(w, "send_errors", l->send_errors);
}

static void summary(const hp_recorder *r, const hp_rec *x)
{
	const hp_counts *c = &x->u.st.counts;
	const hp_loop_stats *l = &x->u.st.loop;
	fprintf(stderr,
		"scanprint honeypot: %llu messages (%llu bytes), %llu replies (%llu bytes); "
		"%llu rate-limited, %llu held back by the amplification guard, %llu not SIP, "
		"%llu too large; %llu dropped by the kernel; %llu TCP connections (%llu refused)\n",
		(unsigned long long)c->messages, (unsigned long long)c->bytes_in,
		(unsigned long long)c->replies, (unsigned long long)c->bytes_out,
		(unsigned long long)(c->action[HP_ACT_RATE_SOURCE] + c->action[HP_ACT_RATE_GLOBAL]),
		(unsigned long long)c->action[HP_ACT_AMPLIFICATION],
		(unsigned long long)c->action[HP_ACT_NOT_SIP],
		(unsigned long long)c->action[HP_ACT_TOO_LARGE],
		(unsigned long long)l->kernel_drops, (unsigned long long)l->conns,
		(unsigned long long)l->conns_refused);
	(void)r;
}

static void ev_stats(hp_recorder *r, const hp_rec *x)
{
	jw w;
	ev_begin(r, &w, x->ts_ns, x->u.st.final ? "stop" : "stats");
	ev_counts(&w, &x->u.st.counts, &x->u.st.loop);
	ev_end(r, &w);
	if (x->u.st.final && !r->o.quiet)
		summary(r, x);
}

/* ---- what each record becomes ----------------------------------------------------------- */

/* "key=value" pairs, by hand (no printf per message). */
static void note_add(char *out, size_t n, size_t *k, const char *key, const char *v)
{
	size_t kl = strlen(key), vl = strlen(v);
	if (*k + kl + vl + 3 > n)
		return;
	if (*k)
		out[(*k)++] = ' ';
	memcpy(out + *k, key, kl);
	out[*k + kl] = '=';
	memcpy(out + *k + kl + 1, v, vl + 1);
	*k += kl + 1 + vl;
}

static void note_num(char *out, size_t n, size_t *k, const char *key, uint64_t v)
{
	char t[21];
	t[hp_utoa(v, t)] = 0;
	note_add(out, n, k, key, t);
}

static void note_of(const hp_rec *x, char *out, size_t n)
{
	const hp_result *res = &x->u.r;
	size_t k = 0;
	out[0] = 0;
	if (res->user[0]) {
		note_add(out, n, &k, "user", res->user);
		note_num(out, n, &k, "exists", res->exists);
	}
	if (res->auth)
		note_add(out, n, &k, "auth", hp_auth_name(res->auth));
	if (res->auth_user[0])
		note_add(out, n, &k, "auth_user", res->auth_user);
	if (res->dropped)
		note_num(out, n, &k, "dropped_lines", res->dropped);
	if (x->ttl)
		note_num(out, n, &k, "ttl", x->ttl);
	if (x->conn)
		note_num(out, n, &k, "connection", x->conn);
}

static void store_fail(hp_recorder *r, const char *what)
{
	if (!r->failed)
		fprintf(stderr, "scanprint honeypot: %s: %s: %s\n", r->st->where, what,
			store_error(r->st));
	r->failed = 1;
}

static void rec_message(hp_recorder *r, const hp_rec *x)
{
	pkt_view v;
	hp_rec_view(x, &v);
	ingest_observe(r->g, &v);
	char note[256];
	note_of(x, note, sizeof note);
	sensor_msg m = {
	    .ts_ns = x->ts_ns,
	    .sensor = r->o.sensor,
	    .sport = x->sport,
	    .dport = x->dport,
	    .proto = x->proto,
	    .data = hp_rec_data(x),
	    .len = x->len,
	    .wire_len = x->wire_len,
	    .reply = hp_rec_reply(x),
	    .reply_len = x->reply_len,
	    .status = x->u.r.status,
	    .action = hp_action_name(x->u.r.action),
	    .note = note,
	};
	memcpy(m.src, x->src, 16);
	memcpy(m.dst, x->dst, 16);
	if (store_put_message(r->st, &m) < 0)
		store_fail(r, "storing a message");
	if (!r->msgs || x->ts_ns < r->first_ns)
		r->first_ns = x->ts_ns;
	if (x->ts_ns > r->last_ns)
		r->last_ns = x->ts_ns;
	r->msgs++;
	r->bytes += x->wire_len;
	ev_message(r, x);
	if (x->u.r.auth == HP_AUTH_ACCEPTED)
		alert(r, x);
}

/* A SYN's headers as the kernel saved them: decoded like a captured packet. */
static void rec_syn(hp_recorder *r, const hp_rec *x)
{
	pkt_view v;
	if (decode_packet(DLT_RAW, hp_rec_data(x), x->len, x->len, x->ts_ns, &v))
		ingest_observe(r->g, &v);
}

static void process_batch(hp_recorder *r, int b)
{
	const uint8_t *p = r->p->buf[b], *end = p + r->p->len[b];
	while (p < end) {
		const hp_rec *x = (const hp_rec *)(const void *)p;
		switch (x->kind) {
		case HP_REC_MSG:
			rec_message(r, x);
			break;
		case HP_REC_SYN:
			rec_syn(r, x);
			break;
		case HP_REC_CONN:
			ev_conn(r, x);
			break;
		case HP_REC_STATS:
			ev_stats(r, x);
			break;
		default:
			break;
		}
		p += x->size;
	}
}

static void commit(hp_recorder *r)
{
	if (ingest_commit(r->g) < 0)
		store_fail(r, "committing");
	if (ingest_begin(r->g) < 0)
		store_fail(r, "starting a transaction");
	r->last_commit = mono_s();
	if (r->log)
		fflush(r->log);
}

static void do_reopen(hp_recorder *r)
{
	char err[600];
	if (!r->log || r->log == stdout)
		return;
	FILE *f = open_log(r->o.log_path, err, sizeof err);
	if (!f) {
		fprintf(stderr,
			"scanprint honeypot: cannot reopen the log (%s); still writing to the old "
			"one\n",
			err);
		return;
	}
	fflush(r->log);
	fclose(r->log);
	r->log = f;
}

static void ev_start(hp_recorder *r)
{
	jw w;
	ev_begin(r, &w, r->start_ns, "start");
	jw_kstr(&w, "personality", r->o.personality);
	jw_kstr(&w, "listen", r->o.listen);
	jw_kint(&w, "pid", getpid());
	jw_kuint(&w, "uid", getuid());
	ev_end(r, &w);
}

static void *rec_main(void *arg)
{
	hp_recorder *r = arg;
	int closed = 0;
	while (!closed) {
		int b = pipe_take(r->p, 250, &closed);
		if (b >= 0) {
			process_batch(r, b);
			pipe_release(r->p, b);
		}
		if (__atomic_exchange_n(&r->reopen, 0, __ATOMIC_RELAXED))
			do_reopen(r);
		if (mono_s() - r->last_commit >= r->o.flush_s || ingest_mem(r->g) >= r->o.mem_cap)
			commit(r);
		else if (b < 0 && r->log)
			fflush(r->log);
	}
	return NULL;
}

int hp_recorder_start(hp_recorder *r)
{
	r->start_ns = wall_ns();
	r->last_commit = mono_s();
	if (ingest_begin(r->g) < 0) {
		store_fail(r, "starting a transaction");
		return -1;
	}
	ev_start(r);
	if (r->log)
		fflush(r->log);
	if (pthread_create(&r->th, NULL, rec_main, r) != 0)
		return -1;
	r->started = 1;
	return 0;
}

/* The session, in the captures table beside the files read. */
static void add_session(hp_recorder *r)
{
	capture_rec c;
	memset(&c, 0, sizeof c);
	snprintf(c.path, sizeof c.path, "honeypot %s", r->o.listen);
	snprintf(c.sensor, sizeof c.sensor, "%s", r->o.sensor);
	snprintf(c.format, sizeof c.format, "honeypot");
	snprintf(c.compression, sizeof c.compression, "none");
	snprintf(c.status, sizeof c.status, "complete");
	c.content_hash = (uint64_t)wall_ns(); /* a session is never a duplicate */
	c.raw_size = -1;
	c.packets = c.ip_packets = r->msgs;
	c.bytes = r->bytes;
	c.first_ns = r->first_ns;
	c.last_ns = r->last_ns;
	c.read_ns = r->start_ns;
	c.sources = ingest_get_stats(r->g)->sources;
	if (store_begin(r->st) < 0 || store_add_capture(r->st, &c) < 0 || store_commit(r->st) < 0)
		store_fail(r, "recording the session");
}

int hp_recorder_finish(hp_recorder *r)
{
	if (r->started) {
		pthread_join(r->th, NULL);
		if (ingest_commit(r->g) < 0)
			store_fail(r, "committing");
		add_session(r);
	}
	if (r->log) {
		fflush(r->log);
		if (r->log != stdout) {
			fsync(fileno(r->log));
			fclose(r->log);
		}
	}
	int failed = r->failed;
	buf_free(&r->line);
	buf_free(&r->head);
	free(r);
	return failed;
}
