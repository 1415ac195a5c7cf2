/* What the SIP analyser knows about one source, in the form it is stored
 * (the EXT_SIP blob of a profile) and merged.
 *
 * Every part merges so that the result depends only on the requests seen,
 * never on how captures, flushes or sensors split them (associative and
 * commutative): counts add, first/last times take min/max, bit sets OR,
 * distinct sets are util/dset, and lists capped at N keep the N smallest by
 * a key that merging does not change (a hash of their content, an address,
 * a string), so an entry that survives in the whole survives in every part. */
#ifndef SP_SIP_BLOB_H
#define SP_SIP_BLOB_H
#include <stddef.h>
#include <stdint.h>

#include "fingerprint/sip_match.h"
#include "util/buf.h"
#include "util/dset.h"

#define BLOB_ATTRS   8
#define BLOB_UNKNOWN 4
#define BLOB_AGENTS  4
#define BLOB_METHODS 16
#define BLOB_LOCALS  8
#define BLOB_TAGS    4
#define BLOB_SAMPLES 8
#define BLOB_STAGES  3 /* svmap, svwar, svcrack */

/* One attribution: a template (maybe a kit) and what was changed in it. */
typedef struct blob_attr {
	uint64_t key;	     /* hash of everything below but the counts */
	char tmpl[SIG_NAME]; /* template name */
	char tool[32], component[24], version[24];
	char kit[SIG_NAME]; /* "" = none */
	uint8_t kit_marks, kit_total;
	uint8_t release;	     /* the kit is a stock release */
	uint16_t confidence;	     /* per mille */
	char order[160];	     /* method and header names of a request */
	char note[SIG_NOTE_LEN];     /* the template's first note */
	char kit_note[SIG_NOTE_LEN]; /* the kit's first note */
	uint8_t nchange;
	sip_change change[ATTR_CHANGES];
	uint8_t ndev;
	char dev[ATTR_DEVS][300];
	uint64_t count;
	int64_t first_ns, last_ns;
} blob_attr;

/* A request shape no template matched. */
typedef struct blob_shape {
	uint64_t hash;
	char summary[160];
	uint64_t count;
	int64_t first_ns, last_ns;
} blob_shape;

typedef struct blob_agent {
	char tool[32];
	char header[40];
	char needle[64];
	uint64_t count;
} blob_agent;

/* Where a local address was seen. */
enum { LOC_VIA = 1, LOC_CONTACT = 2, LOC_FROM = 4, LOC_TEMPLATE = 8 };

typedef struct blob_local {
	uint8_t ip[16];
	uint8_t where; /* LOC_* */
	uint64_t count;
} blob_local;

/* A decoded svmap tag: the address svmap was scanning, and where the
 * packet went. */
typedef struct blob_tag {
	uint32_t target;
	uint16_t port;
	uint32_t dst; /* IPv4 destination of the packet (0 if IPv6) */
	uint16_t dport;
} blob_tag;

typedef struct blob_stage {
	uint64_t count;
	int64_t first_ns, last_ns;
} blob_stage;

/* Counts and scalars first; the capped lists last: only their first n
 * entries are defined, so initialising a blob does not clear them. */
typedef struct sip_blob {
	uint8_t nattr, nunknown, nagent, nmethod, nlocal, ntag, next, npass;
	uint64_t requests, responses, dialog, auth;
	dset exts;	/* extensions tried (hashes) */
	dset passwords; /* user:password tried (hashes) */
	/* of the requests no template matched: */
	dset auth_resp;	     /* distinct digest responses sent */
	dset users;	     /* distinct To users */
	dset targets;	     /* destinations */
	uint64_t localports; /* bit k: the tool bound its first port + k */
	uint16_t port_base;  /* that first port (5060) */
	uint16_t concurrent; /* most ports busy within a minute */
	uint64_t tags_decoded, tags_elsewhere;
	blob_stage stage[BLOB_STAGES];
	/* lists */
	blob_attr attr[BLOB_ATTRS];
	blob_shape unknown[BLOB_UNKNOWN];
	blob_agent agent[BLOB_AGENTS];
	struct {
		char name[24];
		uint64_t count;
	} method[BLOB_METHODS];
	blob_local local[BLOB_LOCALS];
	blob_tag tag[BLOB_TAGS];
	char ext_sample[BLOB_SAMPLES][24];
	char pass_sample[BLOB_SAMPLES][48];
} sip_blob;

/* The blob must be initialised (it holds distinct sets) and freed. */
void sip_blob_init(sip_blob *b);
void sip_blob_free(sip_blob *b);
void sip_blob_encode(const sip_blob *b, buf *out);
/* 0 or -1 if the bytes are not a SIP blob (b is then empty). */
int sip_blob_decode(sip_blob *b, const uint8_t *p, size_t len);
/* dst = dst + src. */
void sip_blob_merge(sip_blob *dst, const sip_blob *src);

/* Adders that keep the caps and the order (for the analyser and merge). */
void sip_blob_add_attr(sip_blob *b, const blob_attr *a);
void sip_blob_add_unknown(sip_blob *b, const blob_shape *s);
void sip_blob_add_agent(sip_blob *b, const blob_agent *a);
void sip_blob_add_method(sip_blob *b, const char *name, uint64_t count);
void sip_blob_add_local(sip_blob *b, const uint8_t ip[16], uint8_t where, uint64_t count);
void sip_blob_add_tag(sip_blob *b, const blob_tag *t);
void sip_blob_add_sample(char (*list)[24], uint8_t *n, const char *v);
void sip_blob_add_pass(sip_blob *b, const char *v);
/* The attribution's key: a hash of its content (blob_attr_hash of its
 * template name, version, kit name, changes and deviations). */
uint64_t blob_attr_key(const blob_attr *a);
uint64_t blob_attr_hash(const char *tmpl, const char *version, const char *kit,
			const sip_change *ch, int nch, const char (*dev)[300], int ndev);

/* The profile_ext_ops of EXT_SIP. */
struct profile_ext_ops;
extern const struct profile_ext_ops sip_ext_ops;

#endif
