/* Suricata rules for the modified kits found (docs/campaigns.md, "Rules").
 *
 * One rule per distinguishing token: each value the kit changed (its
 * `changes`), as it stands in the kit's own requests (the campaign's
 * payload samples), with the bytes around it that every sample shares and
 * that belong to the kit's layout: the header name before it, quotes,
 * `branch=`, `<sip:` after it. Growing the context stops at the end of the
 * line, at a digit (ports, numbers and addresses vary from host to host)
 * and where two samples differ, so the content matches every request of
 * the kit and little else. */
#include "campaign/rules.h"

#include "decode/decode.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

#define CTX_LEFT  40	   /* bytes of context before a token, at most */
#define CTX_RIGHT 16	   /* and after it */
#define SID_FIRST 1000000u /* the local range: 1000000-1999999 */
#define SID_SPAN  900000u

/* The longest piece of a change's value between masks (<ip>, <n>, <x>). */
static size_t literal_piece(const char *seen, const char **at)
{
	size_t best = 0;
	*at = seen;
	for (const char *p = seen; *p;) {
		const char *q = p;
		while (*q && !(*q == '<' && strchr(q, '>')))
			q++;
		if ((size_t)(q - p) > best) {
			best = (size_t)(q - p);
			*at = p;
		}
		if (!*q)
			break;
		p = strchr(q, '>') + 1;
	}
	return best;
}

/* Where tok starts in the sample, preferring the header line the field
 * names (From.display -> a line starting "From"); NULL if absent. */
static const uint8_t *find_token(const camp_sample *s, const char *tok, size_t n, const char *field)
{
	char hdr[32];
	snprintf(hdr, sizeof hdr, "%s", field);
	char *dot = strchr(hdr, '.');
	if (dot)
		*dot = 0;
	size_t hl = strlen(hdr);
	const uint8_t *first = NULL;
	for (const uint8_t *p = s->data; p + n <= s->data + s->m.len; p++) {
		if (memcmp(p, tok, n))
			continue;
		if (!first)
			first = p;
		const uint8_t *line = p;
		while (line > s->data && line[-1] != '\n')
			line--;
		if ((size_t)(p - line) >= hl && !strncasecmp((const char *)line, hdr, hl))
			return p;
	}
	return first;
}

static int stops(uint8_t c)
{
	return c == '\r' || c == '\n' || (c >= '0' && c <= '9');
}

/* The token with the context every sample agrees on. */
static size_t with_context(const camp_sample *const *smp, const uint8_t *const *at, int ns,
			   size_t n, uint8_t *out, size_t outlen)
{
	size_t left = 0, right = 0;
	for (; left < CTX_LEFT; left++) {
		int ok = 1;
		for (int i = 0; i < ns && ok; i++) {
			const uint8_t *p = at[i] - left - 1;
			ok = p >= smp[i]->data && !stops(*p) && *p == *(at[0] - left - 1);
		}
		if (!ok)
			break;
	}
	for (; right < CTX_RIGHT; right++) {
		int ok = 1;
		for (int i = 0; i < ns && ok; i++) {
			const uint8_t *p = at[i] + n + right;
			ok = p < smp[i]->data + smp[i]->m.len && !stops(*p) &&
			     *p == *(at[0] + n + right);
		}
		if (!ok)
			break;
		if (at[0][n + right] == '=') { /* a parameter's value follows: it varies */
			right++;
			break;
		}
	}
	size_t len = left + n + right;
	if (len > outlen)
		return 0;
	memcpy(out, at[0] - left, len);
	return len;
}

/* Suricata content: printable text as it is, everything else (and the
 * characters the rule syntax reserves, and ':') as |hex| blocks. */
static void put_content(FILE *out, const uint8_t *p, size_t n)
{
	int in_hex = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || (c && strchr(" .-_/@=<>+*!#$%&',?[]^{}~", c));
		if (plain && in_hex) {
			fputc('|', out);
			in_hex = 0;
		}
		if (plain) {
			fputc(c, out);
			continue;
		}
		fprintf(out, in_hex ? " %02x" : "|%02x", c);
		in_hex = 1;
	}
	if (in_hex)
		fputc('|', out);
}

/* msg text: the characters the rule syntax reserves are left out. */
static void put_msg(FILE *out, const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x20 && *s != '"' && *s != ';' && *s != '\\' &&
		    *s != '|' && (unsigned char)*s < 0x7f)
			fputc(*s, out);
}

typedef struct rule {
	uint8_t content[CTX_LEFT + 128 + CTX_RIGHT];
	size_t len;
	uint32_t sid;
} rule;

static int has_letter(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z'))
			return 1;
	return 0;
}

/* One change of one campaign: its content, or 0. */
static size_t change_content(const campaign *c, const camp_change *ch, rule *r, uint8_t *proto)
{
	const char *tok;
	size_t n = literal_piece(ch->seen, &tok);
	if (n < 2 || n > 128)
		return 0;
	/* what the stock tool writes too tells nothing apart, nor does a
	 * number (a proxy on the way turns Max-Forwards 70 into 69) */
	char piece[129];
	snprintf(piece, sizeof piece, "%.*s", (int)n, tok);
	if (strstr(ch->expected, piece) || !has_letter((const uint8_t *)piece, n))
		return 0;
	const camp_sample *smp[CAMP_SAMPLES];
	const uint8_t *at[CAMP_SAMPLES];
	int ns = 0;
	for (uint32_t i = 0; i < c->nsamples; i++) {
		const uint8_t *p = find_token(&c->samples[i], tok, n, ch->field);
		if (!p)
			continue;
		smp[ns] = &c->samples[i];
		at[ns++] = p;
	}
	if (!ns)
		return 0;
	*proto = smp[0]->m.proto;
	r->len = with_context(smp, at, ns, n, r->content, sizeof r->content);
	/* short or letterless contents would match far more than the kit */
	if (r->len < 6 || !has_letter(r->content, r->len))
		return 0;
	return r->len;
}

static uint32_t sid_of(const char *id, const rule *r, const uint32_t *used, size_t nused)
{
	uint64_t h = hash_bytes(r->content, r->len, hash_bytes(id, strlen(id), 0x51d));
	uint32_t sid = SID_FIRST + (uint32_t)(h % SID_SPAN);
	for (size_t i = 0; i < nused; i++)
		if (used[i] == sid) { /* taken in this export: the next free one */
			sid = SID_FIRST + (sid - SID_FIRST + 1) % SID_SPAN;
			i = (size_t)-1;
		}
	return sid;
}

int campaign_rules_write(FILE *out, const campaign_set *s)
{
	size_t cap = 64, nused = 0;
	uint32_t *used = malloc(cap * sizeof *used);
	if (!used)
		return -1;
	int written = 0;
	fprintf(out, "# Suricata rules for the modified kits scanprint found (scanprint campaigns"
		     " --suricata).\n# One rule per token the kit changed; sids derive from the"
		     " campaign and the token.\n");
	for (size_t i = 0; i < s->n; i++) {
		const campaign *c = &s->c[i];
		if (c->kind->prefix != 'K')
			continue;
		rule seen[32];
		int nseen = 0;
		for (uint32_t k = 0; k < c->nchanges && nseen < 32; k++) {
			rule r;
			uint8_t proto = 17;
			if (!change_content(c, &c->changes[k], &r, &proto))
				continue;
			int dup = 0;
			for (int j = 0; j < nseen && !dup; j++)
				dup = seen[j].len == r.len &&
				      !memcmp(seen[j].content, r.content, r.len);
			if (dup)
				continue;
			seen[nseen++] = r;
			if (nused == cap) {
				uint32_t *nu = realloc(used, 2 * cap * sizeof *nu);
				if (!nu)
					break;
				used = nu;
				cap *= 2;
			}
			r.sid = sid_of(c->id, &r, used, nused);
			used[nused++] = r.sid;
			fprintf(out, "alert %s any any -> any any (msg:\"scanprint campaign %s: ",
				proto == 6 ? "tcp" : "udp", c->id);
			put_msg(out, c->label);
			fprintf(out, " - %s ", c->changes[k].field);
			put_msg(out, c->changes[k].seen);
			fputs("\"; ", out);
			if (proto == 6)
				fputs("flow:to_server; ", out);
			fputs("content:\"", out);
			put_content(out, r.content, r.len);
			fprintf(out,
				"\"; classtype:attempted-recon; sid:%u; rev:1; metadata:"
				"scanprint_campaign %s;)\n",
				r.sid, c->id);
			written++;
		}
	}
	free(used);
	return written;
}
