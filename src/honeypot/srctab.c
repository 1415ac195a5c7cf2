/* The honeypot's per-source table (srctab.h). */
#include "honeypot/srctab.h"

#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

#define WAYS 8

struct hp_srctab {
	hp_src *slot;  /* nsets * WAYS */
	uint32_t mask; /* nsets - 1 */
	uint64_t evictions;
};

int hp_bucket_ready(hp_bucket *b, int64_t now_ns, double rate, double burst)
{
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) * 1e-9 * rate;
		if (b->tokens > burst)
			b->tokens = burst;
		b->last_ns = now_ns;
	}
	return b->tokens >= 1.0;
}

void hp_bucket_take(hp_bucket *b)
{
	b->tokens -= 1.0;
}

hp_srctab *hp_srctab_new(uint32_t max_sources)
{
	hp_srctab *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	uint32_t sets = 1;
	while (sets * WAYS < max_sources && sets < (1u << 24))
		sets <<= 1;
	t->slot = calloc((size_t)sets * WAYS, sizeof *t->slot);
	if (!t->slot) {
		free(t);
		return NULL;
	}
	t->mask = sets - 1;
	return t;
}

void hp_srctab_free(hp_srctab *t)
{
	if (t) {
		free(t->slot);
		free(t);
	}
}

static uint32_t src_hash(const uint8_t ip[16])
{
	uint32_t h = (uint32_t)hash_bytes(ip, 16, 0x5eed);
	return h ? h : 1;
}

hp_src *hp_srctab_find(hp_srctab *t, const uint8_t ip[16])
{
	uint32_t h = src_hash(ip);
	hp_src *set = &t->slot[(size_t)(h & t->mask) * WAYS];
	for (int i = 0; i < WAYS; i++)
		if (set[i].hash == h && memcmp(set[i].ip, ip, 16) == 0)
			return &set[i];
	return NULL;
}

hp_src *hp_srctab_get(hp_srctab *t, const uint8_t ip[16], int64_t now_ns, double burst)
{
	uint32_t h = src_hash(ip);
	hp_src *set = &t->slot[(size_t)(h & t->mask) * WAYS], *victim = NULL;
	for (int i = 0; i < WAYS; i++) {
		hp_src *e = &set[i];
		if (e->hash == h && memcmp(e->ip, ip, 16) == 0)
			return e;
		if (!e->hash) {
			if (!victim || victim->hash)
				victim = e;
		} else if (!e->conns &&
			   (!victim || (victim->hash && e->seen_ns < victim->seen_ns))) {
			victim = e;
		}
	}
	if (!victim)
		return NULL;
	if (victim->hash)
		t->evictions++;
	memset(victim, 0, sizeof *victim);
	memcpy(victim->ip, ip, 16);
	victim->hash = h;
	victim->seen_ns = now_ns;
	victim->bucket.tokens = burst;
	victim->bucket.last_ns = now_ns;
	return victim;
}

uint64_t hp_srctab_evictions(const hp_srctab *t)
{
	return t->evictions;
}

uint64_t hp_srctab_mem(const hp_srctab *t)
{
	return sizeof *t + (uint64_t)(t->mask + 1) * WAYS * sizeof(hp_src);
}
