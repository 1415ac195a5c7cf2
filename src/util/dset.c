#include "util/dset.h"

#include "decode/cursor.h"
#include "util/hash.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dset_init(dset *s)
{
	memset(s, 0, sizeof *s);
}

static inline uint32_t *vals(dset *s)
{
	return s->cap ? s->u.heap : s->u.inl;
}

void dset_free(dset *s)
{
	if (s->cap)
		free(s->u.heap);
	free(s->hll);
	dset_init(s);
}

size_t dset_mem(const dset *s)
{
	return s->cap * sizeof(uint32_t) + (s->hll ? DSET_HLL_M : 0);
}

static uint32_t capacity(const dset *s)
{
	return s->cap ? s->cap : DSET_INLINE;
}

void dset_hll_pos(uint32_t v, uint32_t *idx, uint8_t *rank)
{
	uint64_t h = hash_mix64((uint64_t)v * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL);
	uint64_t rest = h << DSET_HLL_P;
	*idx = (uint32_t)(h >> (64 - DSET_HLL_P));
	*rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - DSET_HLL_P + 1);
}

static void hll_add(uint8_t *reg, uint32_t v)
{
	uint32_t idx;
	uint8_t rank;
	dset_hll_pos(v, &idx, &rank);
	if (rank > reg[idx])
		reg[idx] = rank;
}

static int hll_start(dset *s)
{
	s->hll = calloc(1, DSET_HLL_M);
	if (!s->hll)
		return -1;
	const uint32_t *v = dset_values(s);
	for (uint32_t i = 0; i < s->n; i++)
		hll_add(s->hll, v[i]);
	return 0;
}

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Is v among the n values at a? Four at a time, no early exit: the sets are
 * small and a data-dependent branch would cost more than the compares. */
static int contains(const uint32_t *a, uint32_t n, uint32_t v)
{
	uint32_t i = 0;
	int found = 0;
#ifdef __SSE2__
	__m128i key = _mm_set1_epi32((int)v), acc = _mm_setzero_si128();
	for (; i + 4 <= n; i += 4)
		acc = _mm_or_si128(acc, _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(a + i)), key));
	found = _mm_movemask_epi8(acc) != 0;
#endif
	for (; i < n; i++)
		found |= a[i] == v;
	return found;
}

int dset_has(const dset *s, uint32_t v)
{
	return contains(dset_values(s), s->n, v);
}

static void sift_down(uint32_t *a, uint32_t n, uint32_t i)
{
	uint32_t v = a[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[c] <= v)
			break;
		a[i] = a[c];
		i = c;
	}
	a[i] = v;
}

static void sift_up(uint32_t *a, uint32_t i)
{
	uint32_t v = a[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (a[parent] >= v)
			break;
		a[i] = a[parent];
		i = parent;
	}
	a[i] = v;
}

static void heapify(uint32_t *a, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(a, n, i);
}

/* Ascending order in place from a max-heap (heapsort). */
static void heap_sort(uint32_t *a, uint32_t n)
{
	for (uint32_t end = n; end > 1; end--) {
		uint32_t t = a[0];
		a[0] = a[end - 1];
		a[end - 1] = t;
		sift_down(a, end - 1, 0);
	}
}

uint32_t dset_sorted(const dset *s, uint32_t out[DSET_EXACT])
{
	memcpy(out, dset_values(s), s->n * sizeof(uint32_t));
	if (!s->sorted)
		heap_sort(out, s->n);
	return s->n;
}

/* The largest value held, cached in the header: the full set's common case
 * (a value above it) then needs no look at the values at all. */
static uint32_t top(const dset *s)
{
	return s->top;
}

static int grow(dset *s)
{
	uint8_t cap = (uint8_t)(capacity(s) * 2);
	if (cap > DSET_EXACT)
		cap = DSET_EXACT;
	uint32_t *nv;
	if (s->cap) {
		nv = realloc(s->u.heap, cap * sizeof *nv);
	} else {
		nv = malloc(cap * sizeof *nv);
		if (nv)
			memcpy(nv, s->u.inl, s->n * sizeof *nv);
	}
	if (!nv)
		return -1;
	s->u.heap = nv;
	s->cap = cap;
	return 0;
}

int dset_add(dset *s, uint32_t v)
{
	if (s->hll) {
		hll_add(s->hll, v);
		/* full: only values below the largest kept can enter the exact part */
		if (s->n == DSET_EXACT && v >= top(s))
			return 0;
	}
	uint32_t *a = vals(s);
	if (contains(a, s->n, v))
		return 0;
	if (s->sorted) { /* decoded ascending: make it a heap before changing it */
		heapify(a, s->n);
		s->sorted = 0;
		s->top = s->n ? a[0] : 0;
	}
	if (s->n == DSET_EXACT) {
		/* keep the DSET_EXACT smallest: v replaces the largest */
		if (!s->hll) {
			if (hll_start(s) < 0)
				return 0;
			hll_add(s->hll, v);
			if (v >= a[0])
				return 1;
		}
		a[0] = v;
		sift_down(a, s->n, 0);
		s->top = a[0];
		return 1;
	}
	if (s->n == capacity(s)) {
		if (grow(s) < 0)
			return 0;
		a = vals(s);
	}
	a[s->n] = v;
	sift_up(a, s->n);
	s->n++;
	s->top = a[0];
	return 1;
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
	const uint32_t *v = dset_values(src);
	for (uint32_t i = 0; i < src->n; i++)
		dset_add(dst, v[i]);
}

int dset_copy(dset *dst, const dset *src)
{
	dset_free(dst);
	*dst = *src;
	dst->hll = NULL;
	if (src->cap) {
		dst->u.heap = malloc(src->cap * sizeof(uint32_t));
		if (!dst->u.heap) {
			dset_init(dst);
			return -1;
		}
		memcpy(dst->u.heap, src->u.heap, src->n * sizeof(uint32_t));
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
	double sum = 0;
	uint32_t zeros = 0;
	for (uint32_t i = 0; i < DSET_HLL_M; i++) {
		uint8_t r = s->hll[i] < 63 ? s->hll[i] : 63;
		sum += 1.0 / (double)((uint64_t)1 << r);
		zeros += s->hll[i] == 0;
	}
	double m = DSET_HLL_M;
	double est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros); /* linear counting for the small range */
	uint64_t r = (uint64_t)(est + 0.5);
	return r > DSET_EXACT ? r : DSET_EXACT + 1; /* it did overflow the exact part */
}

void dset_encode(const dset *s, buf *out)
{
	uint32_t sorted[DSET_EXACT];
	dset_sorted(s, sorted);
	buf_put_uv(out, s->n);
	const uint32_t *v = sorted;
	uint32_t prev = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		buf_put_uv(out, v[i] - prev);
		prev = v[i];
	}
	buf_putc(out, s->hll ? 1 : 0);
	if (s->hll)
		buf_put(out, s->hll, DSET_HLL_M);
}

int dset_decode(dset *s, cursor *c)
{
	dset_init(s);
	uint64_t n = rd_uv(c);
	if (!rd_ok(c) || n > DSET_EXACT)
		return -1;
	uint64_t prev = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t d = rd_uv(c);
		prev += d;
		if (!rd_ok(c) || prev > UINT32_MAX || (i > 0 && d == 0)) {
			dset_free(s);
			return -1; /* stored values are distinct and ascending */
		}
		if (s->n == capacity(s) && grow(s) < 0) {
			dset_free(s);
			return -1;
		}
		vals(s)[s->n++] = (uint32_t)prev;
	}
	s->sorted = 1;
	s->top = s->n ? vals(s)[s->n - 1] : 0;
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
