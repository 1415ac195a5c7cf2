/* The exact part of a dset: up to DSET_INLINE values in the header, then an
 * open-addressing table with linear probing whose slot count steps through
 * 8, 16, 32, 64 and 96, never more than 3/4 full (64 values in 96 slots).
 * A value's first slot comes from two multiplies, so an add touches the
 * header, one line of slots and (past the limit) one sketch register. 0 marks an
 * empty slot; the value 0 itself is the header flag `empty`. The largest
 * value held (top) is kept in the header: a full set with a sketch turns a
 * value >= top away without looking at the table, and only a value below it
 * evicts the largest (about 64 ln(N/64) times over N random values). The
 * full table keeps its DSET_TOPK largest values, ascending, after its slots,
 * so that an eviction finds the next largest there; the slots are scanned
 * again only once every DSET_TOPK evictions or so. */
#include "util/dset.h"

#include "decode/cursor.h"
#include "util/hash.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY DSET_EMPTY_SLOT

_Static_assert(DSET_EXACT > DSET_INLINE, "the full exact part is a table");
_Static_assert(DSET_SLOTS_MAX * 3 / 4 >= DSET_EXACT, "a full table stays 3/4 full at most");
_Static_assert(DSET_SLOTS_MAX <= UINT8_MAX, "slot count fits dset.cap");
_Static_assert(DSET_TOPK < DSET_EXACT - 1, "a full table has more values than it caches");
_Static_assert((DSET_EXACT - 1) * 4 > 64 * 3, "a full exact part has the largest table");

/* Slots allocated for a table: the full one also holds the largest values. */
static size_t alloc_slots(uint32_t cap)
{
	return cap + (cap == DSET_SLOTS_MAX ? DSET_TOPK : 0);
}

void dset_init(dset *s)
{
	memset(s, 0, sizeof *s);
}

void dset_free(dset *s)
{
	if (s->cap)
		free(s->u.slot);
	free(s->hll);
	dset_init(s);
}

/* The sketch's hash (its top bits pick the register). */
static inline uint64_t value_hash(uint32_t v)
{
	return hash_mix64((uint64_t)v * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL);
}

/* The slot v probes first. The high half of a 64-bit product mixes every bit
 * of v; multiply-shift ("fastrange") maps it onto any slot count, 96
 * included, without a division. Cheaper than the sketch's hash: a table is
 * hashed again at every growth and a removal hashes the values it moves. */
static inline uint32_t home(uint32_t v, uint32_t cap)
{
	uint32_t h = (uint32_t)(((uint64_t)v * 0x9e3779b97f4a7c15ULL) >> 32);
	return (uint32_t)(((uint64_t)h * cap) >> 32);
}

static inline uint32_t hll_idx(uint64_t h)
{
	return (uint32_t)(h >> (64 - DSET_HLL_P));
}

static inline uint8_t hll_rank(uint64_t h)
{
	uint64_t rest = h << DSET_HLL_P;
	return rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - DSET_HLL_P + 1);
}

void dset_hll_pos(uint32_t v, uint32_t *idx, uint8_t *rank)
{
	uint64_t h = value_hash(v);
	*idx = hll_idx(h);
	*rank = hll_rank(h);
}

static inline void hll_put(uint8_t *reg, uint64_t h)
{
	uint32_t i = hll_idx(h);
	uint8_t rank = hll_rank(h);
	if (rank > reg[i])
		reg[i] = rank;
}

/* The values held, in no particular order; returns how many. */
static uint32_t collect(const dset *s, uint32_t out[DSET_EXACT])
{
	if (!s->cap) {
		memcpy(out, s->u.inl, s->n * sizeof *out);
		return s->n;
	}
	const uint32_t *t = s->u.slot;
	uint32_t k = 0, in_table = (uint32_t)(s->n - s->empty);
	for (uint32_t i = 0; i < s->cap && k < in_table; i++) {
		out[k] = t[i]; /* kept only if not empty: no branch to mispredict */
		k += t[i] != EMPTY;
	}
	if (s->empty)
		out[k++] = EMPTY;
	return k;
}

static int hll_start(dset *s)
{
	s->hll = calloc(1, DSET_HLL_M);
	if (!s->hll)
		return -1;
	uint32_t v[DSET_EXACT];
	uint32_t n = collect(s, v);
	for (uint32_t i = 0; i < n; i++)
		hll_put(s->hll, value_hash(v[i]));
	return 0;
}

/* The slot holding v (not EMPTY), or else the empty slot where v goes: the
 * table is never full, so the walk ends. */
static inline uint32_t probe(const uint32_t *t, uint32_t cap, uint32_t v, uint32_t i)
{
	while (t[i] != v && t[i] != EMPTY)
		if (++i == cap)
			i = 0;
	return i;
}

static int inline_has(const dset *s, uint32_t v)
{
	int found = 0;
	for (uint32_t i = 0; i < s->n; i++)
		found |= s->u.inl[i] == v;
	return found;
}

int dset_has(const dset *s, uint32_t v)
{
	if (!s->cap)
		return inline_has(s, v);
	if (v == EMPTY)
		return s->empty;
	return s->u.slot[probe(s->u.slot, s->cap, v, home(v, s->cap))] == v;
}

/* v (absent) into the table, which has room for it. */
static void table_put(dset *s, uint32_t v)
{
	if (v == EMPTY)
		s->empty = 1;
	else
		s->u.slot[probe(s->u.slot, s->cap, v, home(v, s->cap))] = v;
}

/* Removes v (held) from the table. The later values of its run move back
 * into the gap when that keeps them at or after their first slot, so every
 * value stays reachable by probing from there (no tombstones). */
static void table_remove(dset *s, uint32_t v)
{
	if (v == EMPTY) {
		s->empty = 0;
		return;
	}
	uint32_t *t = s->u.slot, cap = s->cap;
	uint32_t gap = probe(t, cap, v, home(v, cap));
	for (uint32_t j = gap;;) {
		if (++j == cap)
			j = 0;
		if (t[j] == EMPTY)
			break;
		uint32_t k = home(t[j], cap);
		uint32_t from_home = j >= k ? j - k : j + cap - k;
		uint32_t from_gap = j >= gap ? j - gap : j + cap - gap;
		if (from_home >= from_gap) { /* the gap lies between its first slot and j */
			t[gap] = t[j];
			gap = j;
		}
	}
	t[gap] = EMPTY;
}

/* The cache of a full table: its DSET_TOPK largest values, ascending, found
 * by one scan of the slots. */
static void top_fill(dset *s)
{
	const uint32_t *t = s->u.slot;
	uint32_t c[DSET_TOPK], m = 0;
	for (uint32_t i = 0; i < DSET_SLOTS_MAX; i++) {
		uint32_t x = t[i], j;
		if (x == EMPTY || (m == DSET_TOPK && x < c[0]))
			continue;
		if (m < DSET_TOPK) { /* room: move the larger ones up */
			for (j = m++; j > 0 && c[j - 1] > x; j--)
				c[j] = c[j - 1];
		} else { /* full: the smallest leaves, the smaller ones move down */
			for (j = 0; j + 1 < DSET_TOPK && c[j + 1] < x; j++)
				c[j] = c[j + 1];
		}
		c[j] = x;
	}
	memcpy(s->u.slot + DSET_SLOTS_MAX, c, m * sizeof *c);
	s->ntop = (uint8_t)m;
}

static uint8_t next_cap(uint32_t cap)
{
	return (uint8_t)(cap == 0 ? 8 : cap * 2 <= 64 ? cap * 2 : DSET_SLOTS_MAX);
}

/* Would one more value pass the inline slots or 3/4 of the table? */
static int needs_room(const dset *s)
{
	if (!s->cap)
		return s->n == DSET_INLINE;
	return (uint32_t)(s->n - s->empty + 1) * 4 > (uint32_t)s->cap * 3;
}

/* The next table size, every value hashed into it again. */
static int grow(dset *s)
{
	uint8_t cap = next_cap(s->cap);
	uint32_t *t = calloc(alloc_slots(cap), sizeof *t); /* all EMPTY */
	if (!t)
		return -1;
	dset old = *s;
	s->u.slot = t;
	s->cap = cap;
	s->ntop = 0;
	if (!old.cap) {
		s->empty = 0;
		for (uint32_t i = 0; i < old.n; i++)
			table_put(s, old.u.inl[i]);
		return 0;
	}
	for (uint32_t i = 0; i < old.cap; i++) /* the flag `empty` stays as it was */
		if (old.u.slot[i] != EMPTY)
			table_put(s, old.u.slot[i]);
	free(old.u.slot);
	return 0;
}

/* Adds v (absent) to a set below DSET_EXACT values. */
static int place(dset *s, uint32_t v)
{
	if (needs_room(s) && grow(s) < 0)
		return 0;
	if (s->cap)
		table_put(s, v);
	else
		s->u.inl[s->n] = v;
	if (s->n == 0 || v > s->top)
		s->top = v;
	s->n++;
	return 1;
}

/* The full exact part keeps the DSET_EXACT smallest values: v (absent)
 * replaces the largest if it is smaller. The first value past the limit
 * starts the sketch with every value held. */
static int evict_add(dset *s, uint32_t v)
{
	if (!s->hll) {
		if (hll_start(s) < 0)
			return 0;
		hll_put(s->hll, value_hash(v));
		if (v >= s->top)
			return 1;
	}
	if (!s->ntop)
		top_fill(s);
	uint32_t *c = s->u.slot + DSET_SLOTS_MAX;
	uint32_t m = s->ntop - 1u; /* c[m] is the largest: it leaves */
	table_remove(s, c[m]);
	table_put(s, v);
	if (m && v > c[0]) { /* v is among the largest now: it joins them */
		uint32_t j = m++;
		for (; j > 0 && c[j - 1] > v; j--)
			c[j] = c[j - 1];
		c[j] = v;
	}
	s->ntop = (uint8_t)m;
	if (!m) /* the cache ran out: every value left is below what it held */
		top_fill(s);
	s->top = c[s->ntop - 1];
	return 1;
}

/* The common case of a table below the limit: one probe finds v or the slot
 * it goes to. Returns 0 (held), 1 (added) or -1 (needs the slow path). */
static int table_add(dset *s, uint32_t v)
{
	if (v == EMPTY)
		return s->empty ? 0 : -1;
	uint32_t *t = s->u.slot;
	uint32_t i = probe(t, s->cap, v, home(v, s->cap));
	if (t[i] == v)
		return 0;
	if (s->n == DSET_EXACT || needs_room(s))
		return -1;
	t[i] = v;
	if (v > s->top)
		s->top = v;
	s->n++;
	return 1;
}

int dset_add(dset *s, uint32_t v)
{
	if (s->hll) {
		hll_put(s->hll, value_hash(v));
		/* full: only values below the largest kept can enter the exact part */
		if (s->n == DSET_EXACT && v >= s->top)
			return 0;
	}
	if (s->cap) {
		int r = table_add(s, v);
		if (r >= 0)
			return r;
	} else if (inline_has(s, v)) {
		return 0;
	}
	return s->n == DSET_EXACT ? evict_add(s, v) : place(s, v);
}

void dset_prefetch(const dset *s, uint32_t v)
{
	if (s->hll)
		__builtin_prefetch(s->hll + hll_idx(value_hash(v)), 1);
	if (!s->cap || (s->hll && s->n == DSET_EXACT && v >= s->top))
		return; /* inline, or turned away by the full set */
	const uint32_t *t = s->u.slot;
	__builtin_prefetch(t + home(v, s->cap), 1);
	if (s->n < DSET_EXACT || !s->hll)
		return;
	/* v, if new, evicts the largest: its slot and the cache, or every slot
	 * when the cache runs out (the scan that fills it again) */
	if (s->ntop > 1) {
		__builtin_prefetch(t + home(s->top, s->cap), 1);
		__builtin_prefetch(t + DSET_SLOTS_MAX, 1);
	} else {
		for (uint32_t i = 0; i < DSET_SLOTS_MAX + DSET_TOPK; i += 16)
			__builtin_prefetch(t + i, 1);
		__builtin_prefetch(t + DSET_SLOTS_MAX + DSET_TOPK - 1, 1);
	}
	/* GCC counts a function of loads and prefetches as pure and drops calls
	 * to it whose result is unused (it did so to the static prefetch_set
	 * ptable.c had): the empty volatile asm keeps every call, LTO or not. */
	__asm__ volatile("");
}

static void insertion_sort(uint32_t *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = a[i], j = i;
		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

/* Merges the ascending runs a[0..na) and b[0..nb) into out, choosing
 * without a branch (the choice is random for hashed values). */
static void merge_runs(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb,
		       uint32_t *out)
{
	uint32_t i = 0, j = 0, k = 0;
	while (i < na && j < nb) {
		uint32_t x = a[i], y = b[j], take_b = y < x;
		out[k++] = take_b ? y : x;
		j += take_b;
		i += 1 - take_b;
	}
	while (i < na)
		out[k++] = a[i++];
	while (j < nb)
		out[k++] = b[j++];
}

/* Ascending order: runs of 8 by insertion, then merged pairwise (the cost
 * of insertion alone grows with the square of up to 64 values). */
static void sort_u32(uint32_t *a, uint32_t n)
{
	enum { RUN = 8 };
	for (uint32_t i = 0; i < n; i += RUN)
		insertion_sort(a + i, n - i < RUN ? n - i : RUN);
	uint32_t tmp[DSET_EXACT], *from = a, *to = tmp;
	for (uint32_t w = RUN; w < n; w *= 2) {
		for (uint32_t i = 0; i < n; i += 2 * w) {
			uint32_t na = n - i < w ? n - i : w;
			uint32_t nb = n - i - na < w ? n - i - na : w;
			merge_runs(from + i, na, from + i + na, nb, to + i);
		}
		uint32_t *t = from;
		from = to;
		to = t;
	}
	if (from != a)
		memcpy(a, from, n * sizeof *a);
}

uint32_t dset_sorted(const dset *s, uint32_t out[DSET_EXACT])
{
	uint32_t n = collect(s, out);
	sort_u32(out, n);
	return n;
}

void dset_merge(dset *dst, const dset *src)
{
	if (src->hll) {
		if (!dst->hll && hll_start(dst) < 0)
			return;
		for (uint32_t i = 0; i < DSET_HLL_M; i++)
			if (src->hll[i] > dst->hll[i])
				dst->hll[i] = src->hll[i];
	}
	uint32_t v[DSET_EXACT];
	uint32_t n = collect(src, v);
	for (uint32_t i = 0; i < n; i++)
		dset_add(dst, v[i]);
}

int dset_copy(dset *dst, const dset *src)
{
	dset_free(dst);
	*dst = *src;
	dst->hll = NULL;
	if (src->cap) {
		dst->u.slot = malloc(alloc_slots(src->cap) * sizeof(uint32_t));
		if (!dst->u.slot) {
			dset_init(dst);
			return -1;
		}
		memcpy(dst->u.slot, src->u.slot, alloc_slots(src->cap) * sizeof(uint32_t));
	}
	if (src->hll) {
		dst->hll = malloc(DSET_HLL_M);
		if (!dst->hll) {
			dset_free(dst);
			return -1;
		}
		memcpy(dst->hll, src->hll, DSET_HLL_M);
	}
	return 0;
}

int dset_is_estimate(const dset *s)
{
	return s->hll != NULL;
}

uint64_t dset_count(const dset *s)
{
	if (!s->hll)
		return s->n;
	/* registers counted by rank, then summed: no division per register
	 * (every term is a power of two, so the sum is the same) */
	uint32_t by_rank[64] = {0};
	for (uint32_t i = 0; i < DSET_HLL_M; i++)
		by_rank[s->hll[i] < 63 ? s->hll[i] : 63]++;
	double sum = 0;
	for (int r = 63; r >= 0; r--)
		if (by_rank[r])
			sum += ldexp((double)by_rank[r], -r);
	uint32_t zeros = by_rank[0];
	double m = DSET_HLL_M;
	double est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros); /* linear counting for the small range */
	/* a set of 32-bit values has at most 2^32 of them; registers from a
	 * corrupt stored set can claim far more than a uint64_t holds */
	if (!(est <= 4294967296.0))
		est = 4294967296.0;
	uint64_t r = (uint64_t)(est + 0.5);
	return r > DSET_EXACT ? r : DSET_EXACT + 1; /* it did overflow the exact part */
}

void dset_encode(const dset *s, buf *out)
{
	uint32_t v[DSET_EXACT];
	uint32_t n = dset_sorted(s, v);
	buf_put_uv(out, n);
	uint32_t prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		buf_put_uv(out, v[i] - prev);
		prev = v[i];
	}
	buf_putc(out, s->hll ? 1 : 0);
	if (s->hll)
		buf_put(out, s->hll, DSET_HLL_M);
}

/* The slot count that adding nz values other than DSET_EMPTY_SLOT one by
 * one ends with, past the inline values: the first step that holds them 3/4
 * full (needs_room() grows one step at a time, and one step always makes
 * room for one more value). */
static uint8_t final_cap(uint32_t nz)
{
	uint8_t cap = next_cap(0);
	while (nz * 4 > (uint32_t)cap * 3)
		cap = next_cap(cap);
	return cap;
}

/* The n values v (distinct, ascending) into the empty set s at once: the
 * table is allocated at its final size and filled, where adding them one by
 * one would grow and rehash it up to four times. The set is the one those
 * adds make (same values, slot count, largest value and flag); only where
 * values sit in the table may differ, which nothing observes. */
static int fill_sorted(dset *s, const uint32_t *v, uint32_t n)
{
	if (n == 0)
		return 1;
	if (n <= DSET_INLINE) {
		memcpy(s->u.inl, v, n * sizeof *v);
	} else {
		uint32_t first = v[0] == EMPTY; /* ascending: EMPTY can only come first */
		uint8_t cap = final_cap(n - first);
		uint32_t *t = calloc(alloc_slots(cap), sizeof *t); /* all EMPTY */
		if (!t)
			return 0;
		s->u.slot = t;
		s->cap = cap;
		s->empty = (uint8_t)first;
		for (uint32_t i = first; i < n; i++)
			t[probe(t, cap, v[i], home(v[i], cap))] = v[i];
	}
	s->n = (uint8_t)n;
	s->top = v[n - 1];
	return 1;
}

int dset_decode(dset *s, cursor *c)
{
	dset_init(s);
	uint64_t n = rd_uv(c);
	if (!rd_ok(c) || n > DSET_EXACT)
		return -1;
	uint32_t v[DSET_EXACT];
	uint64_t prev = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t d = rd_uv(c);
		if (!rd_ok(c) || d > UINT32_MAX - prev || (i > 0 && d == 0))
			return -1; /* stored values are distinct and ascending */
		prev += d;
		v[i] = (uint32_t)prev;
	}
	if (!fill_sorted(s, v, (uint32_t)n))
		return -1;
	uint8_t has = rd_u8(c);
	if (has) {
		const uint8_t *reg = rd_view(c, DSET_HLL_M);
		if (!reg || (!s->hll && hll_start(s) < 0)) {
			dset_free(s);
			return -1;
		}
		for (uint32_t i = 0; i < DSET_HLL_M; i++)
			if (reg[i] > s->hll[i])
				s->hll[i] = reg[i];
	}
	return rd_ok(c) ? 0 : (dset_free(s), -1);
}
