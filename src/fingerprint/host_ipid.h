/* What a source's IP ID series says about the host (IPv4 only).
 *
 * Classes (nmap's osscan2 names them Z, I, BI, RI, RD; scanprint adds what
 * a passive sensor sees across destinations):
 *   zero / zero-df      every packet had ID 0 (with DF on all of them)
 *   tool-formula        the IDs follow a raw tool's formula (ZMap 54321,
 *                       Masscan dst ^ dport ^ seq)
 *   constant            one non-zero value
 *   incremental         one counter across destinations: the slope is the
 *                       host's total send rate
 *   incremental-byteswapped  the same, written in little-endian (old Windows)
 *   per-destination     a counter per destination, unrelated between them
 *                       (Linux's hashed counters)
 *   interleaved         2-4 counters taking turns: several hosts behind one
 *                       address
 *   random-increments   always forward, by large random steps
 *   random              none of the above, with enough samples to say so
 * A class is given only when the chance that random IDs would show it is
 * below 1 in 1000; otherwise it is left unknown (""). */
#ifndef SP_HOST_IPID_H
#define SP_HOST_IPID_H
#include <stdint.h>

#include "profile/profile.h"

#define IPID_P_MAX 1e-3 /* largest chance of a coincidence we accept */

typedef struct ipid_result {
	char cls[32];	  /* "" = unknown */
	char formula[64]; /* for tool-formula: which one */
	char why[160];	  /* one line on how it was decided */
	int samples;	  /* observations used (IPv4) */
	int nonzero;	  /* of them non-zero */
	int dsts;	  /* distinct destinations among them */
	int series;	  /* counters found (incremental: 1) */
	uint16_t value;	  /* constant: the value */
	double rate_pps;  /* host send rate from the slope; < 0 unknown */
	double p_random;  /* chance random IDs pass the test that decided */
	int zero_udp_df;  /* zero-ID samples that were UDP with DF */
	int zero_tcp_df;  /* ... TCP with DF */
	int zero_other;	  /* ... anything else */
} ipid_result;

void ipid_classify(const profile *p, ipid_result *r);

/* Step fits a counter that advanced by d in dt_ns (see host-profiling.md);
 * returns the share of the 16-bit space that would fit, 0 if d does not. */
double ipid_step_fit(uint16_t d, int64_t dt_ns);

#endif
