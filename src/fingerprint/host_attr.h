/* Which raw-packet tools a stored profile shows: the analyser's stored rule
 * hits judged against the rules' thresholds, their expectations, versions
 * and the profile marks (decided here, on the merged profile). */
#ifndef SP_HOST_ATTR_H
#define SP_HOST_ATTR_H
#include <stdint.h>

#include "fingerprint/host_blob.h"
#include "fingerprint/host_rules.h"
#include "profile/profile.h"

#define HA_MAX HB_RULES

typedef struct host_attr {
	const hr_rule *rule; /* NULL: the rule is no longer in the file */
	const hb_rule *stored;
	int changed;	      /* the rule's definition differs from the stored one */
	int accepted;	      /* reported as the source's tool */
	uint64_t hits, total; /* probes that hit / probes of the rule's kinds */
	double share, confidence;
	uint16_t all, some; /* local marks on every / some probe (profile marks decided) */
	int version;	    /* index into rule->version, -1 none */
	char reason[120];   /* why not accepted */
} host_attr;

/* Puts into b the results of the rules that require only series marks
 * (every SYN is a hit while the series holds), decided on the merged
 * series flags and SYN count: decided per flushed part, a part with one
 * SYN would hold any series. Stored results of such rules (older stores)
 * are replaced. */
void host_series_rules(const profile *p, host_blob *b, const hr_set *rs);

/* Judges every stored rule result of p; returns how many went to out. */
int host_attribute(const profile *p, const host_blob *b, const hr_set *rs, host_attr *out, int max);

/* Decides one profile mark on the stored profile. */
int host_profile_mark(const profile *p, const hr_mark *m);
/* Decides one series mark: the stored flag, and enough variety to mean it. */
int host_series_mark(const profile *p, const host_blob *b, int field);

/* What the profile shows for a mark's field, for "expected X, seen Y". */
void host_seen(const profile *p, const hr_mark *m, char *out, size_t n);
/* The packets of the rule's kinds in the profile. */
uint64_t host_kind_total(const profile *p, int applies);

#endif
