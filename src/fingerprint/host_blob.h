/* The host analyser's stored blob (profile ext slot EXT_HOST): what it saw
 * that the core profile does not keep, in a form that merges associatively
 * and commutatively, and that names rules by name and definition hash so a
 * later edit of the rule file never misreads old stores.
 *
 *   u8 version (1)
 *   uv flags      bit0: a SYN was seen (seq0.. valid); bits 1-4: HS_* that
 *                 held over every SYN; bit5: more victims than kept
 *   uv seq0 uni0 unile0      first SYN's values while their flag holds (else 0)
 *   uv spoofed spoof_ttl spoof_why replies dns
 *                 (spoof_ttl: packets whose only failed test was TTL >= 200)
 *   uv nrules, then per rule: name, tool (uv len + bytes), uv hash, uv hits,
 *                 uv and, uv or   (rule-local marks: held on every / some probe)
 *   uv nvictims, then per victim: 16 address bytes, uv port, u8 proto, uv count
 */
#ifndef SP_HOST_BLOB_H
#define SP_HOST_BLOB_H
#include <stddef.h>
#include <stdint.h>

#include "fingerprint/host_rules.h"
#include "util/buf.h"

#define HB_RULES   8
#define HB_VICTIMS 8
#define HB_VERSION 1

/* Corsaro's spoofing tests (libcorsaro_filtering.c), one bit each. */
enum {
	SP_ABNORMAL = 1 << 0, /* protocol other than TCP/UDP/ICMP/IPv6, or odd TCP flags */
	SP_TTL200 = 1 << 1,   /* TTL >= 200, not ICMP, not a Masscan-like SYN */
	SP_FRAGMENT = 1 << 2, /* fragment offset or reserved flag set */
	SP_SRC0 = 1 << 3,     /* source address ends in .0 */
	SP_SRC255 = 1 << 4,   /* source address ends in .255 */
	SP_SAME = 1 << 5,     /* source == destination */
	SP_UDP0 = 1 << 6,     /* UDP port 0 */
	SP_TCP0 = 1 << 7,     /* TCP port 0 */
	SP_UDP80 = 1 << 8,    /* UDP to port 80 */
	SP_COUNT = 9
};
const char *spoof_test_name(unsigned bit_index);

enum { HBF_SYN = 1, HBF_SERIES_SHIFT = 1, HBF_MORE_VICTIMS = 1 << 5 };

typedef struct hb_rule {
	char name[HR_NAME];
	char tool[HR_NAME];
	uint32_t hash;
	uint64_t hits;
	uint16_t and_m, or_m;
} hb_rule;

typedef struct hb_victim {
	uint8_t addr[16];
	uint16_t port;
	uint8_t proto;
	uint64_t count;
} hb_victim;

typedef struct host_blob {
	uint32_t flags;
	uint32_t seq0, uni0, unile0;
	uint64_t spoofed;   /* packets failing one of Corsaro's spoofing tests */
	uint64_t spoof_ttl; /* ... failing only the TTL >= 200 one */
	uint64_t replies;   /* ICMP echo/timestamp/info/mask replies */
	uint64_t dns;	    /* DNS responses (UDP from 53 with QR set) */
	uint32_t spoof_why;
	int nrules;
	hb_rule rule[HB_RULES];
	int nvictims;
	hb_victim victim[HB_VICTIMS];
} host_blob;

void hb_init(host_blob *b);
int hb_decode(host_blob *b, const uint8_t *p, size_t n);
void hb_encode(const host_blob *b, buf *out);
/* Keeps series values only while their flag holds (nmap's in its
 * canonical form): equal meaning, equal bytes. */
void hb_normalise(host_blob *b);
/* dst = dst + src. */
void hb_merge(host_blob *dst, const host_blob *src);
/* Adds (or counts) one rule result / victim, keeping the caps. */
void hb_add_rule(host_blob *b, const hb_rule *r);
void hb_add_victim(host_blob *b, const hb_victim *v);
/* The same on a bare list of at most HB_VICTIMS (sets HBF_MORE_VICTIMS). */
void hb_victims_add(hb_victim *arr, int *n, uint32_t *flags, const hb_victim *v);
/* The blob of a profile; 0 if there is one and it decoded. */
struct profile;
int hb_from_profile(const struct profile *p, host_blob *b);

int hb_merge_blobs(buf *out, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
