/* TTL analysis and the OS guess: initial TTL and hops, TTLs that vary as
 * no OS varies them, and an OS guess that weighs TTL, DF, the IP ID class
 * and the p0f SYN match, lists its evidence, and says when a rule only held
 * for old systems. */
#ifndef SP_HOST_OS_H
#define SP_HOST_OS_H
#include "fingerprint/host_attr.h"
#include "fingerprint/host_ipid.h"
#include "fingerprint/host_p0f.h"
#include "report/facts.h"

typedef struct ttl_result {
	int min, max, distinct; /* -1 when no packet */
	int initial, hops;	/* from the highest TTL seen */
	int bands;		/* distinct initial TTLs among the TTLs seen */
	int varies;		/* spread no OS produces (>= 3 values over >= 6) */
	int doubtful;		/* more hops than p0f believes (35) */
} ttl_result;

void ttl_analyse(const profile *p, ttl_result *t);

typedef struct os_input {
	const profile *p;
	const ttl_result *ttl;
	const ipid_result *ipid;
	const p0f_match *syn; /* one per stored SYN signature */
	int nsyn;
	const host_attr *attr; /* raw-tool attributions */
	int nattr;
	int spoofed; /* the traffic looks spoofed */
} os_input;

/* Fills f->os_guess and its evidence (or leaves it empty), and adds notes. */
void os_guess(const os_input *in, facts *f);

#endif
