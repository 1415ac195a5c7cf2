/* Activity over time, for campaigns' growth and the port trends
 * (docs/campaigns.md):
 *
 *  - per source, the UTC days it sent anything on: the EXT_CAMPAIGN blob,
 *    a set of day numbers that merges by union (the latest ACT_DAYS_MAX
 *    are kept, which is still associative and commutative);
 *  - per destination port and day, the probes (TCP SYN without ACK, UDP)
 *    and the distinct sources that sent them: port-day rows (store.h)
 *    written beside the profiles at every flush.
 *
 * Per packet the analyser costs a time comparison, one 12-byte record of
 * the source and, for a probe, one slot in a page of 256 ports. */
#ifndef SP_CAMPAIGN_ACTIVITY_H
#define SP_CAMPAIGN_ACTIVITY_H
#include <stddef.h>
#include <stdint.h>

#include "profile/analyzer.h"
#include "util/buf.h"

#define ACT_DAYS_MAX 1024 /* days kept per source: the latest */
#define ACT_DAY_NS   86400000000000LL
#define ACT_DAY_LAST 65534 /* 2149-06-05: the last day a source can be active on */

extern const analyzer_ops activity_analyzer;
extern const profile_ext_ops campaign_ext_ops;

/* The UTC day of a time: 0 and *day, or -1 before 1970 or after
 * ACT_DAY_LAST (such times are no day's activity). */
int act_day_of(int64_t ns, int32_t *day);

/* The days a source was active on, ascending, without repeats. */
typedef struct act_days {
	uint32_t n;
	int32_t day[ACT_DAYS_MAX];
} act_days;

/* Stored form: version byte, varint count, the first day, then the
 * differences to the previous day. */
void act_days_encode(const act_days *d, buf *out);
/* 0, or -1 if the bytes are not such a blob (d is then empty). */
int act_days_decode(const uint8_t *p, size_t len, act_days *d);
/* d = d | o, keeping the latest ACT_DAYS_MAX. */
void act_days_union(act_days *d, const act_days *o);
/* Adds one day (keeps the order and the cap). */
void act_days_add(act_days *d, int32_t day);
/* The days of a stored profile (none if it has no blob). */
int act_days_of(const profile *p, act_days *d);

#endif
