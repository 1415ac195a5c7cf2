/* The in-memory table of sources being profiled.
 *
 * One compact accumulator per source (struct acc, ~190 bytes), found through
 * an open-addressing index of 8-byte slots (32-bit hash tag + record number)
 * so that a miss rarely touches the record. Records live in fixed chunks that
 * never move, so growth never copies them and a source's record number is
 * stable: analysers key their own state by it. Anything a source has more of
 * than one or two (targets, ports, TTLs, IP IDs, SYN signatures, payload
 * samples) goes into a detail block allocated only for such sources.
 *
 * When the memory used passes the cap, the owner flushes the whole table to
 * the store (profiles merge there) and clears it: nothing is forgotten. */
#ifndef SP_PTABLE_H
#define SP_PTABLE_H
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "profile/profile.h"
#include "util/hash.h"

#define SAMPLES_PER_SOURCE 3 /* payload samples kept per source */
#define SAMPLE_MAX 1500      /* bytes kept of each payload sample */

/* A payload sample, for the application analysers and the report. */
typedef struct payload_sample {
	int64_t ts_ns;
	uint64_t key;     /* what makes it distinct: proto, port, first bytes */
	uint32_t count;   /* packets with this key */
	uint32_t dst;     /* destination (IPv4 or hash) */
	uint8_t dst_ip[16];
	uint16_t sport, dport;
	uint8_t proto;
	uint16_t len;     /* bytes kept */
	uint32_t wire_len;/* payload bytes on the wire */
	uint8_t *data;
} payload_sample;

typedef struct acc_detail acc_detail;

/* Laid out by heat: a packet of a known source touches the first two cache
 * lines (the table prefetches those), the rest only at a source's first
 * packets and at export. 256 bytes, 64-byte aligned. */
typedef struct acc {
	/* line 0 */
	uint8_t ip[16];
	int64_t last_ns;
	uint64_t bytes;
	uint32_t packets;
	uint32_t detail;   /* detail block number, 0 if none */
	uint32_t quirks;
#define X(name, label) uint32_t name;
	PROFILE_COUNTERS_HOT(X)
	/* line 1 */
	PROFILE_COUNTERS_WARM(X)
#undef X
	uint32_t syn_count0; /* SYNs with the first signature */
	uint64_t syn_key0;   /* its key (syn_sig_key) */
	/* cold */
	int64_t first_ns;
	uint32_t tgt[2];   /* first distinct targets (ntgt of them) */
	uint32_t dport[2]; /* first distinct proto<<16|dport */
	uint32_t sport[2]; /* first distinct proto<<16|sport */
	uint32_t seq0;     /* first packet: TCP sequence number */
	uint16_t ipid0;    /* first packet: IP ID */
	uint8_t ttl[2];    /* first distinct TTLs */
	uint8_t ntgt, ndport, nsport, nttl;
	uint8_t flags0;    /* first packet: TCP flags */
	uint8_t df0;       /* first packet: DF */
	uint8_t proto0;    /* first packet: protocol */
	uint8_t nohdr0;    /* first packet: its IP header was not seen (socket sensor) */
	uint32_t an[2];    /* analysers' own state numbers (0 = none) */
	syn_sig syn0;      /* first SYN signature (syn_count0 == 0: none); its
			      key and count are the hot copies above */
} __attribute__((aligned(64))) acc;

typedef struct ptable ptable;

typedef struct ptable_stats {
	uint64_t sources;   /* sources in the table */
	uint64_t mem;       /* bytes used by the table and details */
	uint64_t details;   /* sources with a detail block */
} ptable_stats;

ptable *ptable_new(void);
void ptable_free(ptable *t);
/* The record of the packet's source (created if new); NULL only when out of
 * memory. *idx gets the record number. */
acc *ptable_get(ptable *t, const uint8_t ip[16], uint32_t hash, uint32_t *idx);
acc *ptable_at(ptable *t, uint32_t idx);
/* Adds one decoded IP packet to its source's profile; returns the record
 * number (0 if out of memory). */
uint32_t ptable_observe(ptable *t, const pkt_view *v);

/* The same in steps, so that a batch of packets can overlap its memory
 * latency: prefetch every packet's index slot, look every source up (and
 * prefetch its record), prefetch the details, then update. */
void ptable_prefetch_slot(const ptable *t, uint32_t hash);
uint32_t ptable_lookup(ptable *t, const uint8_t ip[16], uint32_t hash);
void ptable_prefetch_record(ptable *t, uint32_t idx);
void ptable_prefetch_detail(ptable *t, uint32_t idx);
void ptable_prefetch_sets(ptable *t, uint32_t idx, const pkt_view *v);
void ptable_update(ptable *t, uint32_t idx, const pkt_view *v);
void ptable_stats_get(const ptable *t, ptable_stats *st);
uint64_t ptable_mem(const ptable *t);
uint32_t ptable_count(const ptable *t);
/* Record numbers run 1..ptable_count(). */
/* Builds the stored form of record idx (profile_init'ed by the caller). */
void ptable_export(ptable *t, uint32_t idx, profile *p);
/* The same, moving the record's distinct sets into the profile instead of
 * copying them: for a flush that clears the table next (the record's sets
 * are then empty; its other fields, samples included, stay). */
void ptable_export_take(ptable *t, uint32_t idx, profile *p);
/* Payload samples of record idx (n of them, owned by the table). */
const payload_sample *ptable_samples(ptable *t, uint32_t idx, uint32_t *n);
/* Record numbers in address order (the store's key order: writes in that
 * order touch each page once). Free it; NULL when out of memory. */
uint32_t *ptable_sorted(ptable *t);
/* Forgets every source (after a flush). */
void ptable_clear(ptable *t);
/* Set when a counter is about to overflow its in-memory width: flush soon. */
int ptable_needs_flush(const ptable *t);

static inline uint32_t ptable_hash(const pkt_view *v)
{
	if (v->family == 4)
		return hash_u32(v->src4);
	return (uint32_t)hash_bytes(v->src, 16, 0x5ca1ab1e);
}

/* Destination as a 32-bit value: the IPv4 address, or a hash of IPv6. */
static inline uint32_t addr_key32(const uint8_t a[16])
{
	if (addr_is_v4(a))
		return ((uint32_t)a[12] << 24) | ((uint32_t)a[13] << 16) | ((uint32_t)a[14] << 8) |
		       a[15];
	return (uint32_t)hash_bytes(a, 16, 0xd57);
}

#endif
