/* Redaction for published reports (report --redact): the sensors' own
 * addresses become documentation addresses (192.0.2.0/24, 2001:db8::/32,
 * RFC 5737 and RFC 3849), and the values a SIP request carries that would
 * tie it to one sensor and moment (From/To tags, Call-IDs, Via branches)
 * are removed, as the seed write-ups did by hand. */
#ifndef SP_REDACT_H
#define SP_REDACT_H
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct redactor {
	int on;
	size_t n, cap;
	uint8_t (*addr)[16]; /* sensor addresses, sorted once sealed */
	int sealed;
} redactor;

void redactor_init(redactor *r, int on);
void redactor_free(redactor *r);
/* An address that belongs to a sensor (a destination of what was seen). */
void redactor_add(redactor *r, const uint8_t ip[16]);
/* The documentation address that stands for a sensor address (text). */
const char *redactor_map(redactor *r, const uint8_t ip[16], char out[46]);
/* Appends s with every sensor address mapped; SIP messages (sip = 1) also
 * lose their tag, branch and Call-ID values. When off, s as it is. */
void redact_text(redactor *r, const char *s, size_t n, int sip, buf *out);

#endif
