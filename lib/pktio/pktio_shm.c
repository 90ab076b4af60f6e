/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* Region geometry, shared by pktiod (which lays a region out) and the shm driver. */

#include <errno.h>
#include <rte_common.h>
#include <rte_ring_elem.h>

#include "pktio_shm.h"

#define RING_MAX (1u << 16)
#define FRAME_MAX 9216u
#define RX_POOL_MAX (1u << 20) /* buffers of one rx queue's pool */

/* rte_ring_get_memsize_elem() for an EXACT_SZ ring, without needing librte_ring. */
static uint32_t
ring_bytes(uint32_t ring_size)
{
	uint32_t count = rte_align32pow2(ring_size + 1);

	return RTE_ALIGN(sizeof(struct rte_ring) + (size_t)count * sizeof(struct pktio_desc),
			 RTE_CACHE_LINE_SIZE);
}

int
pktio_shm_layout(struct pktio_shm_layout *l, uint32_t ring_size, uint32_t max_frame,
		 bool rx_zerocopy, uint64_t page)
{
	uint64_t slots;

	if (ring_size < 2 || ring_size > RING_MAX || max_frame < 64 || max_frame > FRAME_MAX ||
	    page == 0 || (page & (page - 1)) != 0)
		return -EINVAL;
	l->ring_size = ring_size;
	l->max_frame = max_frame;
	l->slot_size = RTE_ALIGN(PKTIO_SLOT_HEADROOM + max_frame, PKTIO_SHM_CACHE_LINE);
	l->ring_bytes = ring_bytes(ring_size);
	l->tx_ring_bytes = ring_bytes(PKTIO_SHM_TX_RING(ring_size));
	l->rx_off = sizeof(struct pktio_shm_hdr);
	l->rx_free_off = l->rx_off + l->ring_bytes;
	l->tx_off = l->rx_free_off + l->ring_bytes;
	l->tx_comp_off = l->tx_off + l->tx_ring_bytes;
	l->rx_meta_off = l->tx_comp_off + l->ring_bytes;
	l->slots_off = RTE_ALIGN(l->rx_meta_off + (uint64_t)pktio_shm_rx_meta_nb(ring_size) *
				 sizeof(struct pktio_slot_meta), 4096);
	slots = (rx_zerocopy ? 0ull : ring_size) * l->slot_size;
	l->tx_slot_off = l->slots_off + slots;
	slots += (uint64_t)ring_size * l->slot_size;
	l->region_size = RTE_ALIGN_CEIL(l->slots_off + slots, page);
	return 0;
}

/* Where rx slots live: the region's own, or the pool's buffers (zero-copy). */
static int
rx_check(const struct pktio_shm_hdr *h, const struct pktio_shm_layout *l, uint64_t pool_size)
{
	if (h->rx_zerocopy == 0)
		return h->nb_rx_slots == l->ring_size && h->rx_slot_off == l->slots_off &&
		       h->rx_slot_size == l->slot_size && h->rx_pool_size == 0 ? 0 : -EPROTO;
	if (h->rx_zerocopy != 1 || h->nb_rx_slots == 0 || h->nb_rx_slots > RX_POOL_MAX ||
	    h->rx_slot_size < l->slot_size || h->rx_slot_size % PKTIO_SHM_CACHE_LINE != 0 ||
	    h->rx_slot_off % PKTIO_SHM_CACHE_LINE != 0 || h->rx_pool_size > pool_size ||
	    h->rx_slot_off + (uint64_t)(h->nb_rx_slots - 1) * h->rx_slot_size + l->slot_size >
	    h->rx_pool_size)
		return -EPROTO;
	return 0;
}

int
pktio_shm_check(const struct pktio_shm_hdr *h, uint64_t mapped, uint64_t pool_size)
{
	struct pktio_shm_layout l;

	if (h->magic != PKTIO_SHM_MAGIC || h->version != PKTIO_SHM_VERSION ||
	    h->region_size > mapped)
		return -EPROTO;
	if (pktio_shm_layout(&l, h->ring_size, h->max_frame, h->rx_zerocopy != 0, 4096) < 0 ||
	    h->nb_tx_slots != l.ring_size ||
	    h->slot_size != l.slot_size || h->rx_off != l.rx_off ||
	    h->rx_free_off != l.rx_free_off || h->tx_off != l.tx_off ||
	    h->tx_comp_off != l.tx_comp_off || h->rx_meta_off != l.rx_meta_off ||
	    h->slots_off != l.slots_off ||
	    h->tx_slot_off != l.tx_slot_off || l.region_size > mapped)
		return -EPROTO;
	return rx_check(h, &l, pool_size);
}
