/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_SHM_H
#define PKTIO_SHM_H

/**
 * @file
 * The shared-memory contract between pktiod and one client attachment (an ABI).
 *
 * Each attachment has a region of its own (a memfd, MFD_HUGETLB when hugepages exist),
 * created and laid out by pktiod before its fd is passed to the client:
 *
 *   offset 0          struct pktio_shm_hdr (4 cache lines)
 *   hdr.rx_off        rte_ring rx       appliance -> client  descriptors of received frames
 *   hdr.rx_free_off   rte_ring rx_free client -> appliance  rx slots given back (AF_XDP fill)
 *   hdr.tx_off        rte_ring tx       client -> appliance  descriptors of frames to send
 *   hdr.tx_comp_off   rte_ring tx_comp appliance -> client  tx slots done with (completion)
 *   hdr.rx_meta_off   struct pktio_slot_meta[pktio_shm_rx_meta_nb(ring_size)]: the meta of
 *                     the frame at rx ring position p is entry p % that (see below)
 *   hdr.slots_off     nb_rx_slots rx slots (copy mode only), then nb_tx_slots tx slots,
 *                     slot_size apart; hdr.rx_slot_off and hdr.tx_slot_off say where
 *
 * Receive has two modes, chosen by the appliance at attach (hdr.rx_zerocopy):
 *  - copy: rx slots are in the region; the appliance copies each frame into one;
 *  - zero-copy (an exclusive client of one rx queue): rx slots are the packet buffers of
 *    the queue's pool, a second memfd the client maps read-only (the attach reply's fourth
 *    fd, hdr.rx_pool_size bytes). The device writes each frame there; the appliance
 *    writes the meta and passes the buffer's number. rx slot n is at rx_slot_off +
 *    n * rx_slot_size of that mapping, nb_rx_slots of them; the client holds at most
 *    ring_size at once (it cannot return more than rx_free holds).
 *
 * The rings are single-producer single-consumer rte_rings (rte_ring_init(), RING_F_SP_ENQ |
 * RING_F_SC_DEQ | RING_F_EXACT_SZ) of struct pktio_desc (8 bytes), each able to hold every
 * slot of its side, so an enqueue of a slot the producer owns never fails. The tx ring holds
 * twice as many (PKTIO_SHM_TX_RING()): the client enqueues inline forwards only while the
 * ring holds at most ring_size entries, so every tx slot still finds room.
 *
 * Receive metadata sit beside the rx ring, not in the slots: the appliance writes entry
 * p % pktio_shm_rx_meta_nb() before it publishes ring position p, and the client reads it
 * after taking p. Four entries share a cache line, so a burst moves a quarter line of
 * metadata per frame, and a frame's own lines only when it is read. Twice the ring's index
 * space, so the appliance cannot reach an entry again before the client has taken every
 * position in between (the ring holds at most its capacity beyond the consumer).
 *
 * A slot is PKTIO_SLOT_HEADROOM bytes (unused on receive; a struct pktio_fwd on a
 * forwarding tx slot) followed by room for max_frame bytes. Rx slots are
 * 0 .. nb_rx_slots-1, tx slots nb_rx_slots .. nb_rx_slots+nb_tx_slots-1. At attach time the appliance owns every rx slot
 * (as if the client had put them all on rx_free) and the client every tx slot.
 *
 * Trust: the client trusts the appliance. The appliance trusts nothing in the region: it
 * never calls rte_ring functions on it (a client could rewrite a ring's mask), it keeps
 * its own copy of every ring's geometry and of its own indices, validates each peer index
 * it loads, each slot number against range and ownership (a private table), and each length
 * against slot size and max frame. A violation detaches the client with a logged reason.
 */

#include <stdbool.h>
#include <stdint.h>
#include <rte_common.h>
#include <rte_ring_core.h>

#define PKTIO_SHM_MAGIC   0x4d48534f4954504bull /* "KPTIOSHM" */
#define PKTIO_SHM_VERSION 3

#define PKTIO_SHM_CACHE_LINE 64
#define PKTIO_SLOT_HEADROOM  64

/** hdr.state, written by the appliance. */
enum pktio_shm_state {
	PKTIO_SHM_ALIVE = 1,  /**< serving */
	PKTIO_SHM_GONE = 2,   /**< the appliance shut down or detached this client */
};

/** One ring entry. */
struct pktio_desc {
	uint32_t slot;   /**< slot number */
	uint16_t len;    /**< frame length (0 in rx_free and tx_comp) */
	uint16_t flags;  /**< tx: 0, PKTIO_DESC_FWD or PKTIO_DESC_FWD_BUF; else 0 */
};

/**
 * tx desc flag: forward a received buffer instead of sending the slot's frame. The tx slot
 * carries a struct pktio_fwd at its start (in the headroom) naming a zero-copy rx buffer
 * the client holds; the appliance sends that buffer's first desc.len bytes, the first
 * hdr_len of them replaced by hdr[], and returns the tx slot at once. The buffer is no
 * longer the client's (it comes back on an rx ring when the device has received into it
 * again). Allowed where the source attachment is the same process's, on the same worker
 * (hdr.worker equal), and the sending attachment has hdr.tx_forward.
 */
#define PKTIO_DESC_FWD 0x1

/**
 * tx desc flag: the same without a header rewrite and without a tx slot: desc.slot is the
 * rx buffer number itself, the source attachment's port and queue are in the flags
 * (PKTIO_DESC_FWD_SRC()); nothing comes back on tx_comp for it. Ports 0-31, queues 0-63.
 */
#define PKTIO_DESC_FWD_BUF 0x2
#define PKTIO_DESC_FWD_SRC(port, queue) ((uint16_t)((port) << 4 | (queue) << 9))
#define PKTIO_DESC_FWD_PORT(flags)      (((flags) >> 4) & 0x1f)
#define PKTIO_DESC_FWD_QUEUE(flags)     (((flags) >> 9) & 0x3f)
#define PKTIO_DESC_FWD_BUF_MASK         (PKTIO_DESC_FWD_BUF | PKTIO_DESC_FWD_SRC(0x1f, 0x3f))

#define PKTIO_FWD_HDR_MAX 52   /**< header bytes a forward may rewrite */

/** What a PKTIO_DESC_FWD tx slot holds at its start. */
struct pktio_fwd {
	uint32_t buf;      /**< rx buffer number, held by the client on the source attachment */
	uint16_t port;     /**< source attachment: appliance port index (hdr.port) */
	uint16_t queue;    /**< and its rx queue (hdr.queue) */
	uint16_t hdr_len;  /**< bytes of hdr[] that replace the frame's first bytes */
	uint16_t reserved;
	uint8_t hdr[PKTIO_FWD_HDR_MAX];
};

/** Per-packet receive metadata, in the rx_meta array; written by the appliance. */
struct pktio_slot_meta {
	uint64_t tstamp; /**< ns since the epoch */
	uint32_t hash;   /**< flow hash */
	uint16_t queue;  /**< rx queue */
	uint16_t flags;  /**< PKTIO_PKT_OUTGOING: another client sent it */
};

struct pktio_shm_hdr {
	/* Cache line 0: written by the appliance before the region is handed over;
	 * read-only afterwards for both sides. */
	uint64_t magic;          /**< PKTIO_SHM_MAGIC */
	uint32_t version;        /**< PKTIO_SHM_VERSION */
	uint32_t ring_size;      /**< entries each ring holds (= slots of its side) */
	uint64_t region_size;    /**< bytes mapped */
	uint32_t nb_rx_slots;
	uint32_t nb_tx_slots;
	uint32_t slot_size;      /**< slot stride: headroom + room for max_frame, 64-aligned */
	uint32_t max_frame;      /**< longest frame, either direction */
	uint16_t port;           /**< appliance port index */
	uint16_t queue;          /**< attached rx queue or PKTIO_QUEUE_ANY */
	uint32_t rx_off;
	uint32_t rx_free_off;
	uint32_t tx_off;
	uint32_t tx_comp_off;
	uint32_t slots_off;

	/* Cache line 1: written by the client only. */
	uint32_t rx_wakeup __attribute__((aligned(PKTIO_SHM_CACHE_LINE)));
	/**< 1: the client is going to sleep on an empty rx ring; the appliance clears it and
	 * rings the doorbell (a byte into its pipe) after its next enqueue */

	/* Cache line 2: written by the appliance, once; the client reads it on every call,
	 * so nothing that changes often may share this line. */
	uint32_t state __attribute__((aligned(PKTIO_SHM_CACHE_LINE))); /**< pktio_shm_state */
	uint32_t rx_zerocopy;    /**< 1: rx slots are buffers of the queue's pool (above) */
	uint64_t rx_pool_size;   /**< zero-copy: bytes of the pool to map; else 0 */
	uint32_t rx_slot_off;    /**< rx slot 0: offset in the region, or in the pool */
	uint32_t rx_slot_size;   /**< rx slot stride */
	uint32_t tx_slot_off;    /**< offset in the region of tx slot nb_rx_slots */
	uint32_t worker;         /**< the lcore that serves this attachment's rings */
	uint32_t tx_forward;     /**< 1: its tx ring takes PKTIO_DESC_FWD descriptors */
	uint64_t instance;       /**< the appliance's run: equal for attachments of one pktiod */
	uint32_t rx_meta_off;    /**< the rx_meta array */

	/* Cache line 3: counters, written by the appliance per burst. */
	uint64_t rx_packets __attribute__((aligned(PKTIO_SHM_CACHE_LINE)));
	/**< frames put on the rx ring */
	uint64_t rx_bytes;
	uint64_t rx_no_slot;     /**< frames dropped: rx_free was empty */
	uint64_t tx_sent;        /**< frames from the tx ring accepted by the device */
	uint64_t tx_dropped;     /**< frames from the tx ring dropped */
} __attribute__((aligned(PKTIO_SHM_CACHE_LINE)));

_Static_assert(sizeof(struct pktio_desc) == 8, "pktio_desc is 8 bytes");
_Static_assert(sizeof(struct pktio_slot_meta) <= PKTIO_SLOT_HEADROOM, "slot meta fits headroom");
_Static_assert(sizeof(struct pktio_fwd) == PKTIO_SLOT_HEADROOM, "forward fills the headroom");
_Static_assert(sizeof(struct pktio_shm_hdr) == 4 * PKTIO_SHM_CACHE_LINE, "shm header size");
_Static_assert(__builtin_offsetof(struct pktio_shm_hdr, rx_wakeup) == 64, "client line");
_Static_assert(__builtin_offsetof(struct pktio_shm_hdr, state) == 128, "appliance line");
_Static_assert(__builtin_offsetof(struct pktio_shm_hdr, rx_packets) == 192, "counters line");

/** Geometry of a region, computed by pktio_shm_layout(). */
struct pktio_shm_layout {
	uint32_t ring_size;
	uint32_t slot_size;
	uint32_t max_frame;
	uint32_t ring_bytes;     /**< bytes of the rx, rx_free and tx_comp rings, headers included */
	uint32_t tx_ring_bytes;  /**< bytes of the tx ring */
	uint32_t rx_off, rx_free_off, tx_off, tx_comp_off, rx_meta_off, slots_off;
	uint32_t tx_slot_off;    /**< the first tx slot */
	uint64_t region_size;
};

/**
 * Compute the layout for @p ring_size slots per side (tx only when @p rx_zerocopy) and
 * frames of @p max_frame bytes, rounded up to @p page (the backing page size).
 * @return 0, or -EINVAL for sizes out of range.
 */
int pktio_shm_layout(struct pktio_shm_layout *l, uint32_t ring_size, uint32_t max_frame,
		     bool rx_zerocopy, uint64_t page);

/**
 * Check a header read from a region against its mapped size, and against @p pool_size,
 * the size of the pool fd in zero-copy mode (0 without one); the client's check of what
 * the appliance gave it. @return 0, or -EPROTO.
 */
int pktio_shm_check(const struct pktio_shm_hdr *h, uint64_t mapped, uint64_t pool_size);

/** Entries of the rx_meta array: twice the index space of a ring of @p ring_size. */
static inline uint32_t
pktio_shm_rx_meta_nb(uint32_t ring_size)
{
	return 2 * rte_align32pow2(ring_size + 1);
}

/** Entries the tx ring holds: every tx slot, and as many inline forwards (PKTIO_DESC_FWD_BUF). */
#define PKTIO_SHM_TX_RING(ring_size) (2 * (ring_size))

/** The ring at byte offset @p off. */
static inline struct rte_ring *
pktio_shm_ring(const struct pktio_shm_hdr *h, uint32_t off)
{
	return (struct rte_ring *)((uintptr_t)h + off);
}

#endif /* PKTIO_SHM_H */
