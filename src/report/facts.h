/* What scanprint concludes about one source, assembled from its stored
 * profile by the core and by each analyser (their describe functions), and
 * then written out once as JSON (the contract's fields), as a table row, or
 * as the analyst's text of `show`. */
#ifndef SP_FACTS_H
#define SP_FACTS_H
#include <stdint.h>

#include "profile/profile.h"
#include "util/buf.h"

#define FACT_TOOLS 8
#define FACT_CHANGES 12
#define FACT_EVIDENCE 10
#define FACT_LOCAL 8
#define FACT_METHODS 16
#define FACT_TEXT 200

typedef struct fact_change {
	char field[32];
	char expected[FACT_TEXT];
	char seen[FACT_TEXT];
} fact_change;

typedef struct fact_tool {
	char tool[32];       /* lower-case name from the contract's list */
	char component[24];  /* e.g. svmap; "" = null */
	char version[16];    /* e.g. 0.2.x; "" = null */
	int modified;
	int nchanges;
	fact_change changes[FACT_CHANGES];
	double confidence;   /* 0..1 */
	int nevidence;
	char evidence[FACT_EVIDENCE][FACT_TEXT];
} fact_tool;

typedef struct facts {
	int ntools;
	fact_tool tools[FACT_TOOLS];
	int processes;            /* -1 = unknown */
	int nlocal;
	char local_addresses[FACT_LOCAL][46];
	char ipid_class[32];      /* "" = unknown */
	uint64_t ipid_zero, ipid_total;
	int ttl_initial, ttl_hops;/* -1 = unknown */
	char os_guess[48];        /* "" = unknown */
	int nos_evidence;
	char os_evidence[FACT_EVIDENCE][FACT_TEXT];
	char campaign[32];        /* "" = none */
	int nmethods;
	char method[FACT_METHODS][24];
	uint64_t method_count[FACT_METHODS];
	uint64_t extensions_tried, passwords_tried;
	buf extra_json;           /* more "key":value pairs, each preceded by a comma */
	buf notes;                /* analyst's lines for `show`, one per line */
} facts;

void facts_init(facts *f);
void facts_free(facts *f);
/* What describe functions may consult beyond the profile: the store, for
 * questions about other sources (may be NULL: then they answer alone). */
struct store;
struct campaign_cache;
typedef struct describe_ctx {
	struct store *st;
	/* campaigns' sizes asked so far (campaign/campaign.h): a listing
	 * passes one for all its sources; NULL: each describe asks anew */
	struct campaign_cache *campaigns;
} describe_ctx;

/* Runs every describe function over p. */
void facts_describe(const profile *p, facts *f, const describe_ctx *ctx);

/* Helpers for describe functions. */
fact_tool *facts_add_tool(facts *f, const char *tool);
void fact_tool_evidence(fact_tool *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fact_tool_change(fact_tool *t, const char *field, const char *expected, const char *seen);
void facts_os_evidence(facts *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void facts_note(facts *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void facts_add_local(facts *f, const char *addr);
void facts_add_method(facts *f, const char *method, uint64_t count);

typedef void (*describe_fn)(const profile *p, facts *f, const describe_ctx *ctx);
/* The describe functions, in order (core first). NULL-terminated. */
extern const describe_fn describe_list[];
/* The core's: TTL, IP ID, ports. */
void describe_core(const profile *p, facts *f, const describe_ctx *ctx);

#endif
