/* What kind of traffic a source sends: a scan, backscatter (replies to
 * packets someone else sent with our addresses as source: the victim is
 * named), or likely spoofed by CAIDA Corsaro's tests; and its breadth,
 * rate and duration. */
#ifndef SP_HOST_TRAFFIC_H
#define SP_HOST_TRAFFIC_H
#include "fingerprint/host_blob.h"
#include "profile/profile.h"
#include "report/facts.h"
#include "util/json.h"

typedef struct traffic_result {
	const char *kind;     /* scan, backscatter, likely-spoofed, mixed, other */
	uint64_t probes;      /* SYNs, UDP (but DNS responses), ICMP echo requests */
	uint64_t backscatter; /* SYN-ACK, RST, ICMP errors and replies, DNS responses */
	uint64_t
	    spoofed; /* packets that fail a spoofing test (TTL excused if a tool explains it) */
	uint32_t spoof_why; /* SP_* that count */
	int ttl_excused;    /* TTL >= 200 explained by an identified tool */
	double duration_s;
	double rate_pps; /* packets we saw per second */
} traffic_result;

/* tool_ttl255: a raw tool that sends TTL 255 was identified. */
void traffic_analyse(const profile *p, const host_blob *b, int tool_ttl255, traffic_result *t);
void traffic_notes(facts *f, const profile *p, const host_blob *b, const traffic_result *t,
		   double host_rate);
/* Writes the "traffic" object's members (after jw_key). */
void traffic_json(jw *w, const profile *p, const host_blob *b, const traffic_result *t,
		  double host_rate);

#endif
