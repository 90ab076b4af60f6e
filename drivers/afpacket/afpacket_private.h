/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef AFPACKET_PRIVATE_H
#define AFPACKET_PRIVATE_H

/*
 * State of an afpacket handle, shared by the data path (afpacket.c) and the setup of the
 * socket, ring and buffers (afpacket_setup.c). Not installed.
 */

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "pktio_private.h"

#define AFP_NB_BLOCKS  64u            /**< rx ring blocks; a power of two */
#define AFP_BLOCK_SIZE (256u << 10)   /**< bytes per block: many frames, >= the largest */
#define AFP_RING_SIZE  ((size_t)AFP_NB_BLOCKS * AFP_BLOCK_SIZE)
#define AFP_FRAME_SIZE 2048u          /**< TPACKET_V3 only checks it; frames are packed */
#define AFP_RETIRE_MS  1u             /**< a partly filled block is handed over after this */
#define AFP_NB_TX      256u           /**< tx buffers; a power of two */
#define AFP_TX_BATCH   64u            /**< messages per sendmmsg() */
#define AFP_MAX_FRAME  9216u          /**< max_frame cap (jumbo) */
#define AFP_VLAN_HLEN  4u
#define AFP_ID_SHIFT   16             /**< rx pktio_pkt.id: block << 16 | packet index */
#define AFP_LINK_CHECK 4096u          /**< empty polls between link checks; a power of two */
#define AFP_DOWN_MS    100            /**< link down: wait_rx re-checks this often */
/** Most packets a block holds: each takes more than 64 bytes of it (its tpacket3_hdr and
 *  sockaddr_ll alone are 68). */
#define AFP_BLOCK_PKTS (AFP_BLOCK_SIZE / 64u)

_Static_assert(AFP_BLOCK_PKTS <= 1u << AFP_ID_SHIFT, "a packet index fits its id");

/** tx_own[]: who holds a tx buffer. */
enum afp_tx_owner {
	AFP_TX_FREE = 0,   /**< on the free stack */
	AFP_TX_USER,       /**< reserved by the user */
	AFP_TX_QUEUED,     /**< submitted, not yet taken by the kernel */
};

/** A frame submitted and not yet taken by the kernel. */
struct afp_txq_ent {
	uint32_t id;   /**< tx buffer */
	uint32_t len;
};

struct afp_port {
	/* rx: the TPACKET_V3 ring (or TPACKET_V2, PKTIO_F_IMMEDIATE) */
	char *ring;                        /**< AFP_NB_BLOCKS blocks, or NULL (TXONLY) */
	char *pos;                         /**< next packet header of the block being walked */
	uint32_t next;                     /**< next block to take from the kernel */
	uint32_t walk;                     /**< block being walked */
	uint32_t left;                     /**< packets of it not handed out yet */
	uint32_t idx;                      /**< index in it of the next packet */
	uint32_t idle;                     /**< empty polls since the last link check */
	uint32_t held[AFP_NB_BLOCKS];      /**< per block: packets not released yet */
	/** per block, per packet: handed out and not released (checks the ids released) */
	uint64_t rx_out[AFP_NB_BLOCKS][AFP_BLOCK_PKTS / 64];
	/* rx, TPACKET_V2: frames of frame_size, next is the next to hand out */
	uint8_t *out;                      /**< per frame: handed out, not released; or NULL */
	uint32_t nb_frames;                /**< a power of two */
	uint32_t frame_size;
	bool skip_out;                     /**< no PACKET_IGNORE_OUTGOING: filter own sends */
	bool down;                         /**< link seen down (it may be deleted next) */
	bool dead;                         /**< the interface was deleted */
	int ifindex;
	char name[IFNAMSIZ];
	/* tx: private buffers, handed to the kernel with sendmmsg() */
	char *bufs;
	uint32_t buf_size;
	uint32_t nb_free;                  /**< buffers on the free stack */
	uint32_t head, tail;               /**< txq: submitted, not yet taken by the kernel */
	int tx_err;                        /**< why the last flush stopped early, or 0 */
	uint32_t free[AFP_NB_TX];          /**< stack of free tx buffers */
	uint8_t tx_own[AFP_NB_TX];         /**< per buffer: enum afp_tx_owner */
	struct afp_txq_ent txq[AFP_NB_TX];
	struct mmsghdr msg[AFP_TX_BATCH];  /**< msg[i] sends iov[i] */
	struct iovec iov[AFP_TX_BATCH];
	/* counters beyond the library's */
	uint64_t rx_drops;                 /**< PACKET_STATISTICS tp_drops, summed */
	uint64_t tx_sent;
	uint64_t tx_dropped;
};

extern const struct pktio_driver pktio_afpacket_driver;

static inline struct afp_port *
afp(const struct pktio_port *p)
{
	return p->priv;
}

/**
 * Open the socket, map the ring, bind, join the fanout group, allocate the tx buffers;
 * set p->fd, p->max_frame, p->port_index and p->priv.
 *
 * @return 0, or -EINVAL (bad queue), -ENAMETOOLONG, -ENOENT (no such interface), -ENETDOWN
 *   (fanout asked on a link that is down), -EPERM (no CAP_NET_RAW), -ENOMEM, -EMFILE.
 */
int afp_setup(struct pktio_port *p, const char *name, unsigned int queue, unsigned int flags);

/** Undo afp_setup(). */
void afp_teardown(struct pktio_port *p);

/**
 * Take the error the kernel left on the socket (it turns the fd POLLERR) and look at the
 * link: s->down follows it; a deleted interface marks the handle dead.
 *
 * @return 0, or -ECONNRESET when the interface is gone.
 */
int afp_link_check(struct pktio_port *p);

#endif /* AFPACKET_PRIVATE_H */
