/* Per-source state of the honeypot: what keeps it from being abused.
 *
 * For every source address: a reply token bucket (per-source rate limit),
 * the byte credit (bytes received from it minus bytes sent to it: a reply
 * goes out only if it fits, so the honeypot never amplifies), the nonces
 * recently issued to it, and its open TCP connections. The table has a
 * fixed size chosen at start (set-associative, 8 ways): a new source
 * evicts the least recently seen one of its set that holds no connection.
 * An evicted source starts again from zero credit, which keeps the
 * guarantee: over each entry's life, bytes sent <= bytes received. */
#ifndef SP_HP_SRCTAB_H
#define SP_HP_SRCTAB_H
#include <stdint.h>

#define HP_NONCES 4 /* nonces remembered per source */

/* A token bucket: `rate` tokens a second, at most `burst` saved. */
typedef struct hp_bucket {
	double tokens;
	int64_t last_ns;
} hp_bucket;
/* Refills b to `now`; returns 1 if a token is there (does not take it). */
int hp_bucket_ready(hp_bucket *b, int64_t now_ns, double rate, double burst);
void hp_bucket_take(hp_bucket *b);

typedef struct hp_src {
	uint8_t ip[16];
	uint32_t hash;		     /* 0: free slot */
	uint16_t conns;		     /* TCP connections open */
	uint8_t nonce_next;	     /* ring position in nonce[] */
	uint8_t layout;		     /* responder's layout slot of its last request + 1, 0 none */
	int64_t seen_ns;	     /* last message */
	int64_t credit;		     /* bytes received minus bytes sent */
	hp_bucket bucket;	     /* replies */
	uint64_t nonce[HP_NONCES];   /* seeds of the nonces issued (0: none) */
	int64_t nonce_ns[HP_NONCES]; /* when */
} hp_src;

typedef struct hp_srctab hp_srctab;

/* A table for about `max_sources` sources (rounded up to a power of two). */
hp_srctab *hp_srctab_new(uint32_t max_sources);
void hp_srctab_free(hp_srctab *t);
/* The source's entry, created (evicting an older one) if new; NULL when
 * its set is full of sources holding connections. A new entry's bucket is
 * full (`burst` tokens) and its credit zero. */
hp_src *hp_srctab_get(hp_srctab *t, const uint8_t ip[16], int64_t now_ns, double burst);
/* The entry if it exists, else NULL. */
hp_src *hp_srctab_find(hp_srctab *t, const uint8_t ip[16]);
uint64_t hp_srctab_evictions(const hp_srctab *t);
uint64_t hp_srctab_mem(const hp_srctab *t);

#endif
