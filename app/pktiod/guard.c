/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Ring access for the appliance side of a client region. The client runs rte_ring's own
 * SPSC inlines on these rings; the appliance cannot, because they read the ring's mask
 * and indices from memory the client may have rewritten. Here the mask, capacity and our
 * index are private, and the one shared value we load (the peer's tail) is bounds-checked
 * before use: every access stays inside the ring whatever the client wrote.
 */

#include <string.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "pktiod.h"

int
gring_init(struct gring *g, struct rte_ring *r, const char *name, uint32_t cap)
{
	int rc = rte_ring_init(r, name, cap, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);

	if (rc < 0)
		return rc;
	g->r = r;
	g->ring = (struct pktio_desc *)(r + 1);
	g->mask = rte_align32pow2(cap + 1) - 1;
	g->cap = cap;
	g->head = 0;
	return 0;
}

int
gring_enqueue(struct gring *g, const struct pktio_desc *d, unsigned int n)
{
	/* acquire: the consumer's reads of those entries are done before we reuse them */
	uint32_t cons = __atomic_load_n(&g->r->cons.tail, __ATOMIC_ACQUIRE);
	uint32_t used = g->head - cons;
	unsigned int i;

	if (unlikely(used > g->cap))
		return -1;
	n = RTE_MIN(n, g->cap - used);
	for (i = 0; i < n; i++)
		g->ring[(g->head + i) & g->mask] = d[i];
	g->head += n;
	g->r->prod.head = g->head;
	/* release: the entries are written before the consumer can see the new tail */
	__atomic_store_n(&g->r->prod.tail, g->head, __ATOMIC_RELEASE);
	return n;
}

int
gring_dequeue(struct gring *g, struct pktio_desc *d, unsigned int n)
{
	/* acquire: the producer's entry writes are visible before we read them */
	uint32_t prod = __atomic_load_n(&g->r->prod.tail, __ATOMIC_ACQUIRE);
	uint32_t avail = prod - g->head;
	unsigned int i;

	if (unlikely(avail > g->cap))
		return -1;
	n = RTE_MIN(n, avail);
	for (i = 0; i < n; i++)
		d[i] = g->ring[(g->head + i) & g->mask];
	g->head += n;
	g->r->cons.head = g->head;
	/* release: our reads are done before the producer may overwrite the entries */
	__atomic_store_n(&g->r->cons.tail, g->head, __ATOMIC_RELEASE);
	return n;
}
