/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * A latency histogram in the manner of HdrHistogram: each power of two is cut into
 * HIST_SUB linear sub-buckets, so a value is known to within 1/HIST_SUB (12.5%) of itself
 * over the whole 64-bit range in 4 KiB. Values below HIST_SUB are exact.
 */

#include <stdlib.h>

#include "bench.h"

#define HIST_SUB_BITS 3
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct bench_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

static inline unsigned int
hist_index(uint64_t v)
{
	unsigned int e;

	if (v < HIST_SUB)
		return v;
	e = 63 - __builtin_clzll(v); /* >= HIST_SUB_BITS */
	return (e - HIST_SUB_BITS + 1) * HIST_SUB + ((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* The largest value that falls in bucket @p i. */
static uint64_t
hist_upper(unsigned int i)
{
	unsigned int e, sub;
	uint64_t lower;

	if (i < HIST_SUB)
		return i;
	e = i / HIST_SUB + HIST_SUB_BITS - 1;
	sub = i % HIST_SUB;
	lower = (uint64_t)(HIST_SUB + sub) << (e - HIST_SUB_BITS);
	return lower + ((uint64_t)1 << (e - HIST_SUB_BITS)) - 1;
}

struct bench_hist *
bench_hist_new(void)
{
	struct bench_hist *h = calloc(1, sizeof(*h));

	if (h != NULL)
		h->min = UINT64_MAX;
	return h;
}

void
bench_hist_free(struct bench_hist *h)
{
	free(h);
}

void
bench_hist_add(struct bench_hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
	if (v < h->min)
		h->min = v;
}

uint64_t
bench_hist_count(const struct bench_hist *h)
{
	return h->count;
}

uint64_t
bench_hist_max(const struct bench_hist *h)
{
	return h->max;
}

uint64_t
bench_hist_min(const struct bench_hist *h)
{
	return h->count > 0 ? h->min : 0;
}

/*
 * The value at quantile @p q (0..1]: the top of the bucket holding the ceil(q * count)-th
 * smallest sample, never above the largest sample. 0 when empty.
 */
uint64_t
bench_hist_percentile(const struct bench_hist *h, double q)
{
	uint64_t rank, seen = 0, up;
	unsigned int i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	up = hist_upper(i);
	return up < h->max ? up : h->max;
}
