/* Redaction (redact.h). Sensor addresses are numbered in address order, so
 * the same store gives the same mapping every time: 192.0.2.1, .2, ...
 * (IPv4) and 2001:db8::1, ::2, ... (IPv6). */
#include "report/redact.h"

#include "decode/decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void redactor_init(redactor *r, int on)
{
	memset(r, 0, sizeof *r);
	r->on = on;
}

void redactor_free(redactor *r)
{
	free(r->addr);
	memset(r, 0, sizeof *r);
}

void redactor_add(redactor *r, const uint8_t ip[16])
{
	if (!r->on)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (!memcmp(r->addr[i], ip, 16))
			return;
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		uint8_t(*na)[16] = realloc(r->addr, nc * sizeof *na);
		if (!na)
			return;
		r->addr = na;
		r->cap = nc;
	}
	memcpy(r->addr[r->n++], ip, 16);
	r->sealed = 0;
}

static int cmp_addr(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* Index + 1 of a sensor address, 0 if it is none. */
static size_t sensor_index(redactor *r, const uint8_t ip[16])
{
	if (!r->sealed) {
		if (r->n)
			qsort(r->addr, r->n, sizeof *r->addr, cmp_addr);
		r->sealed = 1;
	}
	const uint8_t(*hit)[16] =
	    r->n ? bsearch(ip, r->addr, r->n, sizeof *r->addr, cmp_addr) : NULL;
	return hit ? (size_t)(hit - r->addr) + 1 : 0;
}

const char *redactor_map(redactor *r, const uint8_t ip[16], char out[46])
{
	size_t i = sensor_index(r, ip);
	if (!i)
		return addr_str(ip, out);
	if (addr_is_v4(ip)) /* 254 usable addresses in 192.0.2.0/24: more wrap around */
		snprintf(out, 46, "192.0.2.%zu", (i - 1) % 254 + 1);
	else
		snprintf(out, 46, "2001:db8::%zx", i);
	return out;
}

static int addr_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == '.' || c == ':';
}

static int word_char(char c)
{
	return addr_char(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* SIP values that are removed: "tag=", "branch=" up to the next ; , > or
 * blank, and the whole value of a Call-ID header. */
static size_t sip_value(const char *s, size_t i, size_t n, buf *out)
{
	static const char *const params[] = {"tag=", "branch="};
	for (int k = 0; k < 2; k++) {
		size_t l = strlen(params[k]);
		if (i + l <= n && !strncasecmp(s + i, params[k], l) &&
		    (i == 0 || s[i - 1] == ';' || s[i - 1] == ' ')) {
			size_t j = i + l;
			while (j < n && !strchr(";,> \t\r\n", s[j]))
				j++;
			buf_put(out, s + i, l);
			buf_puts(out, "removed");
			return j - i;
		}
	}
	static const char *const callid[] = {"Call-ID:", "i:"};
	for (int k = 0; k < 2; k++) {
		size_t l = strlen(callid[k]);
		if (i + l <= n && !strncasecmp(s + i, callid[k], l) &&
		    (i == 0 || s[i - 1] == '\n')) {
			size_t j = i + l;
			while (j < n && s[j] != '\r' && s[j] != '\n')
				j++;
			buf_put(out, s + i, l);
			buf_puts(out, " removed");
			return j - i;
		}
	}
	return 0;
}

void redact_text(redactor *r, const char *s, size_t n, int sip, buf *out)
{
	if (!r->on) {
		buf_put(out, s, n);
		return;
	}
	for (size_t i = 0; i < n;) {
		size_t used = sip ? sip_value(s, i, n, out) : 0;
		if (used) {
			i += used;
			continue;
		}
		/* a run that may be an address, starting at a boundary */
		if (addr_char(s[i]) && (i == 0 || !word_char(s[i - 1]))) {
			size_t j = i;
			while (j < n && addr_char(s[j]) && j - i < 45)
				j++;
			/* trailing ':' or '.' (a port's colon, a sentence's end) is not part of it
			 */
			size_t e = j;
			while (e > i && (s[e - 1] == ':' || s[e - 1] == '.'))
				e--;
			char t[46];
			uint8_t ip[16];
			/* a:b:c.d.e.f:port: an IPv4 address followed by its port */
			size_t k = e;
			for (int tries = 0; tries < 2 && k > i; tries++) {
				snprintf(t, sizeof t, "%.*s", (int)(k - i), s + i);
				if (strpbrk(t, ".:") && addr_parse(t, ip) == 0 &&
				    sensor_index(r, ip)) {
					char m[46];
					buf_puts(out, redactor_map(r, ip, m));
					i = k;
					goto next;
				}
				const char *colon = memchr(s + i, ':', k - i);
				if (!colon || !memchr(s + i, '.', (size_t)(colon - (s + i))))
					break;
				k = (size_t)(colon - s);
			}
			buf_put(out, s + i, j - i);
			i = j;
			continue;
		}
		buf_putc(out, (uint8_t)s[i]);
		i++;
	next:;
	}
}
