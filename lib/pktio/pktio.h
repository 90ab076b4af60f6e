/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_H
#define PKTIO_H

/**
 * @file
 * libpktio: packet I/O through a file descriptor.
 *
 * A process opens a port of the pktiod appliance (or, with another driver, a kernel
 * interface) and gets a handle whose file descriptor works with poll(), select() and
 * epoll. Packets move with read/readv/write/writev-style batch calls that copy, or with
 * a zero-copy burst API that hands out pointers into memory shared with the appliance.
 *
 * Conventions: functions return 0 or a count on success and a negative errno on failure;
 * pktio_port_open() returns NULL and sets errno. This header needs only libc.
 *
 * Threads: a handle may be used by one thread at a time; use one handle per thread (open
 * the port several times, in fanout mode for example) rather than locking one.
 *
 * fork: the attachment is not inherited. The child must not use the parent's handles
 * (its copy of the shared mapping is private to it, see MADV_DONTFORK); it calls
 * pktio_port_open() again. exec: the descriptors are close-on-exec and the attachment is
 * released when the last process holding its control socket exits.
 *
 * The appliance going away: calls return -ECONNRESET once pktiod has shut down or
 * crashed; the port fd turns readable (a clean shutdown rings it) so sleepers wake, and
 * pktio_port_ctl_fd() reports POLLHUP in every case. Close the handle and open again
 * once pktiod is back.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Control socket used when neither the caller nor $PKTIO_SOCKET names one. */
#define PKTIO_SOCKET_DEFAULT "/run/pktio/pktiod.sock"

/** Environment variable naming the control socket. */
#define PKTIO_SOCKET_ENV "PKTIO_SOCKET"

/** Queue argument to pktio_port_open(): receive from every queue of the port. */
#define PKTIO_QUEUE_ANY 0xffffu

/** Longest port name, terminating NUL included. */
#define PKTIO_NAMESIZE 32

/** @name Flags for pktio_port_open()
 * One attach mode (EXCLUSIVE is the default) may be or'ed with the other flags.
 * @{
 */
#define PKTIO_F_EXCLUSIVE 0x0000u /**< sole receiver of the queue(s) */
#define PKTIO_F_FANOUT    0x0001u /**< share the queue(s); each flow goes to one member */
#define PKTIO_F_MIRROR    0x0002u /**< receive a copy of every packet */
#define PKTIO_F_MODE_MASK 0x0003u
#define PKTIO_F_NONBLOCK  0x0010u /**< calls return -EAGAIN instead of sleeping */
#define PKTIO_F_BUSYPOLL  0x0020u /**< never arm the doorbell: no syscall on any data call,
				       *   the fd's readiness is not maintained */
#define PKTIO_F_TXONLY    0x0040u /**< transmit only: receive nothing, take no rx queue */
#define PKTIO_F_IMMEDIATE 0x0080u /**< hand each frame over as it arrives, never batched for
				       *   throughput (as pcap_set_immediate_mode()): afpacket
				       *   uses a TPACKET_V2 frame ring instead of TPACKET_V3
				       *   blocks; shm always does, the flag changes nothing */
#define PKTIO_F_OUTGOING  0x0100u /**< also receive a copy of each frame the port's other
				       *   clients send, flagged PKTIO_PKT_OUTGOING (as a packet
				       *   socket sees PACKET_OUTGOING frames); pktiod ports whose
				       *   rx queues have one worker; ignored by afpacket */
#define PKTIO_F_COPY      0x0200u /**< receive and send through copies even where pktiod
				       *   offers zero-copy (receive: an exclusive client of one
				       *   queue; transmit: a virtual device); for comparisons */
#define PKTIO_F_ZEROCOPY  0x0400u /**< pktio_client_info.mode: the client receives in
				       *   place, in buffers the device wrote (read-only) */
#define PKTIO_F_ZEROCOPY_TX 0x1000u /**< pktio_client_info.mode: the device sends from the
				       *   client's buffers, returned once it is done with them */
/** @} */

/** Metadata flag: the packet was cut to fit the caller's buffer. */
#define PKTIO_PKT_TRUNCATED 0x0001u
/** Metadata flag: a frame another client of the port sent (PKTIO_F_OUTGOING). */
#define PKTIO_PKT_OUTGOING  0x0002u

/** hpio's header version, the value of pktio_hdr.version. */
#define PKTIO_HDR_VERSION 2

/**
 * The packed 12-byte header that starts every iovec of pktio_readv() and pktio_writev(),
 * as hpio defines it. The frame follows it immediately.
 */
struct pktio_hdr {
	uint8_t version;   /**< PKTIO_HDR_VERSION */
	uint8_t hdrlen;    /**< sizeof(struct pktio_hdr): where the frame starts */
	uint16_t pktlen;   /**< frame length; on receive the real length, even when cut */
	uint64_t tstamp;   /**< receive time, ns since the Unix epoch; ignored on send */
} __attribute__((packed));

/** Receive metadata, filled by pktio_read() and pktio_rx_burst(). */
struct pktio_meta {
	uint64_t tstamp;   /**< receive time, ns since the Unix epoch */
	uint32_t len;      /**< real frame length */
	uint32_t hash;     /**< flow hash used for fanout (RSS or software); 0 where the
			    *   transport has none (afpacket with PKTIO_F_IMMEDIATE) */
	uint16_t port;     /**< appliance port index */
	uint16_t queue;    /**< receive queue */
	uint32_t flags;    /**< PKTIO_PKT_* */
};

/** One packet of the zero-copy API. */
struct pktio_pkt {
	void *data;        /**< frame bytes, in the shared region */
	uint32_t len;      /**< rx: frame length; tx: set by the caller before submit */
	uint32_t cap;      /**< bytes available at data (tx), or len (rx) */
	uint32_t id;       /**< opaque buffer id; do not change */
	uint32_t hash;     /**< rx: flow hash */
	uint64_t tstamp;   /**< rx: receive time, ns */
	uint16_t queue;    /**< rx: receive queue */
	uint16_t flags;    /**< PKTIO_PKT_* */
	uint32_t reserved;
};

/** Statistics of one handle. The appliance counts rx_* and tx_sent; the library the rest. */
struct pktio_stats {
	uint64_t rx_packets;     /**< packets handed to this handle */
	uint64_t rx_bytes;
	uint64_t rx_no_slot;     /**< dropped: this handle had no free buffer (too slow) */
	uint64_t rx_truncated;   /**< cut to fit the caller's buffer */
	uint64_t tx_packets;     /**< packets submitted by this handle */
	uint64_t tx_bytes;
	uint64_t tx_sent;        /**< accepted by the device */
	uint64_t tx_dropped;     /**< dropped by the appliance (device full, no mbuf, bad length) */
	uint64_t wakeups;        /**< times a blocking call slept on the doorbell */
};

/** A port as the appliance reports it (pktio_query()). */
struct pktio_port_info {
	char name[PKTIO_NAMESIZE];
	char device[96];        /**< DPDK device name */
	uint16_t index;         /**< port index */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	uint16_t nb_clients;
	uint32_t max_frame;
	uint32_t ring_size;
	uint64_t rx_packets;    /**< received from the device */
	uint64_t rx_bytes;
	uint64_t tx_packets;    /**< sent to the device */
	uint64_t tx_bytes;
	uint64_t rx_missed;     /**< device: no room in its rx ring (imissed) */
	uint64_t rx_errors;     /**< device: ierrors + rx_nombuf */
	uint64_t tx_errors;     /**< device: oerrors */
	uint64_t rx_no_client;  /**< dropped: no exclusive or fanout client */
	uint64_t rx_oversize;   /**< dropped: longer than max_frame */
	uint64_t tx_full;       /**< dropped: the device did not take them */
	uint64_t tx_nombuf;     /**< dropped: no mbuf to copy into */
	uint64_t tx_invalid;    /**< dropped: a client gave a length of 0 */
	uint64_t mbuf_in_use;   /**< mbufs of the port's pools (its own and its rx queues')
				 *   not in them now */
	uint64_t detach_closed;    /**< clients gone: closed their connection (exit, crash) */
	uint64_t detach_violation; /**< clients detached: broke the shared-memory contract */
	uint64_t detach_protocol;  /**< clients detached: a message after attaching */
	uint8_t mac[6];            /**< the device's MAC address */
	uint8_t link_up;           /**< 1: link up */
	uint8_t rx_zerocopy;       /**< 1: its rx queues receive into buffers that an exclusive
				    *   client maps (zero-copy receive); 0: copies only */
	uint32_t mtu;              /**< the device's MTU, 0 where it has none */
	uint32_t link_speed;       /**< Mbit/s, 0 unknown */
	/* The workers' own cost, from their TSC, as testpmd's --record-core-cycles: cycles of
	 * the bursts that moved frames, over those frames. */
	uint64_t worker_rx_packets; /**< frames the workers took from the device */
	uint64_t worker_rx_cycles;  /**< TSC cycles of those receive bursts, delivery included */
	uint64_t worker_tx_packets; /**< frames the workers took from clients' tx rings */
	uint64_t worker_tx_cycles;  /**< TSC cycles of those, until the device took them */
	uint64_t tsc_hz;            /**< TSC frequency, to turn cycles into time */
	uint32_t tx_zerocopy;       /**< 1: the device sends from clients' buffers (a virtual
				     *   device), 0: copies */
	uint32_t pad;
};

/** An attachment as the appliance reports it (pktio_query()). */
struct pktio_client_info {
	char port[PKTIO_NAMESIZE];
	uint32_t id;            /**< attachment id */
	int32_t pid;
	uint32_t uid;
	uint16_t queue;         /**< or PKTIO_QUEUE_ANY */
	uint16_t mode;          /**< PKTIO_F_EXCLUSIVE, _FANOUT or _MIRROR, or'ed with
				 *   PKTIO_F_TXONLY, PKTIO_F_OUTGOING and PKTIO_F_ZEROCOPY
				 *   as attached */
	uint64_t rx_packets;
	uint64_t rx_no_slot;
	uint64_t tx_packets;
	uint64_t tx_dropped;
	uint64_t violations;    /**< hostile values found in its shared memory */
};

struct pktio_port;

/**
 * Attach to a port.
 *
 * @param name
 *   The port name from pktiod's configuration ("p0", or "shm:p0"), or "afpacket:IFNAME"
 *   for a kernel interface through an AF_PACKET socket, without pktiod (needs
 *   CAP_NET_RAW; @p sock is ignored; fanout joins a PACKET_FANOUT_HASH group per
 *   interface).
 * @param queue
 *   Receive queue to attach to, or PKTIO_QUEUE_ANY for all of them. Transmission uses
 *   queue % nb_txq (queue 0 for PKTIO_QUEUE_ANY).
 * @param flags
 *   PKTIO_F_* flags.
 * @param sock
 *   Control socket path; NULL for $PKTIO_SOCKET, then PKTIO_SOCKET_DEFAULT.
 * Modes: an exclusive client is the only receiver of its queue(s) apart from mirrors; fanout
 * clients share them, each flow (symmetric hash of addresses and ports) going to one; a
 * mirror gets a copy of everything and takes nothing from the others. PKTIO_F_TXONLY
 * attaches without receiving, next to any of them.
 *
 * The control socket has a send and receive timeout: 5 s, or $PKTIO_CTL_TIMEOUT_MS
 * milliseconds (1 to 3600000) when set, so that a process squatting the socket path, or a
 * pktiod that stopped answering, fails the call instead of hanging it.
 *
 * @return
 *   A handle, or NULL with errno: ENOENT (no such port or socket), ECONNREFUSED (no
 *   pktiod listening), EBUSY (the queue has an exclusive client, or exclusive was
 *   asked of a queue that has exclusive or fanout clients), EACCES (this uid/gid may not
 *   attach, or no permission on the socket), EUSERS (this uid holds pktiod's
 *   max_conns_per_uid connections or max_clients_per_uid attachments), EINVAL (bad flags,
 *   a queue above PKTIO_QUEUE_ANY or that the port lacks, an all-queues receiver or
 *   PKTIO_F_OUTGOING on a port spread over several workers), EPROTO
 *   (protocol or layout mismatch, or a malformed reply), ETIMEDOUT (no answer within the
 *   control socket's timeout), ENAMETOOLONG (port name or socket path too long), ENOMEM,
 *   EMFILE; afpacket also EPERM (no CAP_NET_RAW) and ENETDOWN (fanout on a link that is
 *   down). afpacket has one queue (0 or
 *   PKTIO_QUEUE_ANY); exclusive is not enforced there (the kernel copies to every socket).
 */
struct pktio_port *pktio_port_open(const char *name, unsigned int queue, unsigned int flags,
				   const char *sock);

/**
 * Detach and free the handle. Waits (at most one second) for packets still being sent
 * to be taken by the appliance: its own, and, when pktio_forward() sent its buffers out of
 * other handles, the forwards queued on those so far (the appliance drops a forward whose
 * source handle is gone).
 *
 * @return 0, or -ECONNRESET when the appliance had gone.
 */
int pktio_port_close(struct pktio_port *p);

/**
 * The descriptor to poll: readable exactly when a read would return a packet (level
 * triggered), or the appliance has gone. POLLOUT is always reported: a write that finds
 * no free buffer waits, briefly, for the appliance to take packets. With pktiod it is the
 * read end of the attachment's doorbell pipe (the appliance writes a byte into it when
 * asked to wake the handle; the library drains it); with afpacket, the socket. Poll it
 * only: reading from it or changing its flags breaks the readiness it reports.
 */
int pktio_port_fd(const struct pktio_port *p);

/** The control connection; POLLHUP on it means the appliance is gone. */
int pktio_port_ctl_fd(const struct pktio_port *p);

/** Largest frame the port carries. */
unsigned int pktio_port_max_frame(const struct pktio_port *p);

/**
 * Receive one packet, copying it into @p buf.
 *
 * @param meta
 *   If not NULL, filled with the packet's metadata (meta->len is the real length).
 * @return
 *   Bytes copied (the frame is cut to @p len and flagged PKTIO_PKT_TRUNCATED), or
 *   -EAGAIN (non-blocking and nothing waiting), -ECONNRESET (appliance gone),
 *   -EINTR (a signal interrupted the sleep).
 */
ssize_t pktio_read(struct pktio_port *p, void *buf, size_t len, struct pktio_meta *meta);

/**
 * Receive up to @p iovcnt packets, one per iovec. Each iovec gets a struct pktio_hdr
 * followed by the frame; a frame longer than the room left is cut, its header keeps the
 * real length and stats.rx_truncated counts it. Blocks until at least one packet is
 * there unless the handle is non-blocking.
 *
 * @return
 *   Packets received (>= 1), or -EAGAIN, -ECONNRESET, -EINTR as pktio_read(), or -EINVAL
 *   when @p iovcnt <= 0 (as readv(2)) or an iovec is shorter than the header.
 */
int pktio_readv(struct pktio_port *p, const struct iovec *iov, int iovcnt);

/**
 * Send one frame of @p len bytes.
 *
 * @return
 *   @p len, or -EMSGSIZE (longer than the port's max frame, or empty), -EAGAIN
 *   (non-blocking and no free buffer), -ECONNRESET.
 */
ssize_t pktio_write(struct pktio_port *p, const void *buf, size_t len);

/**
 * Send up to @p iovcnt frames, one per iovec, each a struct pktio_hdr followed by
 * hdr.pktlen bytes of frame.
 *
 * @return
 *   Packets queued (may be fewer than iovcnt when non-blocking), or -EINVAL (@p iovcnt
 *   <= 0, as writev(2); or a header with the wrong version, or a pktlen beyond its
 *   iovec, when the first is bad), -EMSGSIZE, -EAGAIN, -ECONNRESET. A bad iovec after the
 *   first ends the batch there; so does a failed send of a later batch (the frames
 *   queued before it are counted; the error is returned when there were none).
 */
int pktio_writev(struct pktio_port *p, const struct iovec *iov, int iovcnt);

/**
 * Zero-copy receive: up to @p n packets whose data point into the shared region and
 * stay valid until released. Never blocks; use pktio_wait() to sleep. The data are
 * read-only: an exclusive client of one pktiod queue (root or pktiod's own user, on a port
 * whose zerocopy setting gives the queue a pool) reads the buffers the device wrote,
 * mapped without write access (PKTIO_F_ZEROCOPY in pktio_client_info.mode), and a write
 * there faults.
 *
 * @return Packets returned (0 when none), or -ECONNRESET.
 */
int pktio_rx_burst(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n);

/**
 * Give buffers from pktio_rx_burst() back, in any order and number. An id this handle
 * does not hold (never handed out, released already, or altered) is ignored, and the
 * first of each handle is logged (pktio_log_set()): a stale id cannot hand a buffer
 * back early or twice.
 */
void pktio_rx_release(struct pktio_port *p, const struct pktio_pkt *pkts, unsigned int n);

/**
 * Zero-copy transmit, step 1: reserve up to @p n buffers (cap bytes each) to fill in
 * place. Reclaims completed buffers first; never blocks.
 *
 * @return Buffers reserved (0 when none is free), or -ECONNRESET.
 */
int pktio_tx_reserve(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n);

/**
 * Zero-copy transmit, step 2: send @p n reserved buffers with their len set. A buffer
 * with len 0 is given back unsent. Each buffer must be one reserved by
 * pktio_tx_reserve() and not submitted since, with its id unchanged.
 *
 * @return Packets submitted, or -EMSGSIZE (a len above cap), -EINVAL (an id the caller
 *   does not hold: never reserved, submitted already, or twice in @p pkts), in both
 *   cases with nothing sent and every buffer still the caller's; or -ECONNRESET.
 */
int pktio_tx_submit(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n);

/** Header bytes pktio_forward() may rewrite in each packet. */
#define PKTIO_FORWARD_HDR_MAX 52

/**
 * Forward: send @p n packets received on @p in (pktio_rx_burst(), not released) out of
 * @p out, which may be the same handle. Each goes out with pkts[i].len bytes (at most
 * pktio_port_max_frame() of either handle), its first @p hdr_len bytes replaced by the
 * @p hdr_len bytes at @p hdrs + i * @p hdr_len when @p hdr_len > 0 (a router's new
 * Ethernet and IP header: the received data are read-only).
 *
 * Where pktio_forward_zerocopy() says so, the device sends the very buffer it received
 * into; elsewhere the frame is copied into a tx buffer of @p out. Either way a packet
 * sent is no longer the caller's: it must not be released. Never blocks.
 *
 * @return Packets sent, from the first; the rest (no tx buffer was free) are still the
 *   caller's. Or, with nothing sent: -EMSGSIZE (a len too long), -EINVAL (a len of 0,
 *   @p hdr_len above PKTIO_FORWARD_HDR_MAX or a len, or, zero-copy, an id the caller does
 *   not hold on @p in or names twice), -ECONNRESET.
 */
int pktio_forward(struct pktio_port *out, struct pktio_port *in, const struct pktio_pkt *pkts,
		  unsigned int n, const void *hdrs, unsigned int hdr_len);

/**
 * Does pktio_forward() from @p in to @p out go without a copy? True when @p in receives
 * zero-copy (PKTIO_F_ZEROCOPY), @p out's device sends from client memory
 * (PKTIO_F_ZEROCOPY_TX), and one pktiod worker serves both queues.
 */
bool pktio_forward_zerocopy(const struct pktio_port *out, const struct pktio_port *in);

/**
 * Sleep until a packet can be read, the appliance goes, or @p timeout_ms passes
 * (-1: no limit). Used by blocking reads; exposed for zero-copy loops.
 *
 * @return 1 readable, 0 timed out, -ECONNRESET, -EINTR.
 */
int pktio_wait(struct pktio_port *p, int timeout_ms);

/** Longest busy-poll time pktio_port_set_busy_poll() takes, in microseconds. */
#define PKTIO_BUSY_POLL_MAX_US 1000000u

/**
 * Hybrid waiting, like SO_BUSY_POLL: before a blocking call (or pktio_wait()) sleeps on
 * the doorbell, it polls the receive ring for up to @p usec microseconds (pktio_wait():
 * at most its timeout, of which the poll is part), without a syscall. A packet that arrives
 * within that time is taken without the wake-up latency of the doorbell, at the price of
 * that much CPU per wait.
 * 0 (the default) sleeps at once. No effect with PKTIO_F_BUSYPOLL (which never sleeps)
 * or PKTIO_F_NONBLOCK (which never waits). Same for both drivers.
 *
 * @return 0, or -EINVAL (@p p NULL or @p usec above PKTIO_BUSY_POLL_MAX_US).
 */
int pktio_port_set_busy_poll(struct pktio_port *p, unsigned int usec);

/** Fill @p st with this handle's counters. @return 0, or -EINVAL. */
int pktio_stats_get(const struct pktio_port *p, struct pktio_stats *st);

/**
 * Ask the appliance for its ports and attachments.
 *
 * @param sock
 *   Control socket path, as for pktio_port_open().
 * @param ports, nb_ports
 *   Array and, in/out, its size / the number of ports filled.
 * @param clients, nb_clients
 *   Same for attachments; may be NULL/0.
 * @return
 *   0, or -ENOENT/-ECONNREFUSED (no appliance), -EPROTO (malformed reply), -EACCES,
 *   -ETIMEDOUT (no answer within the control socket's timeout, see pktio_port_open()),
 *   -ENAMETOOLONG (socket path), -EINVAL (@p nb_ports NULL, or @p ports NULL with
 *   *@p nb_ports > 0), -ENOMEM.
 */
int pktio_query(const char *sock, struct pktio_port_info *ports, unsigned int *nb_ports,
		struct pktio_client_info *clients, unsigned int *nb_clients);

/** Print callback for the library's diagnostics; NULL (the default) keeps it quiet. */
typedef void (*pktio_log_fn)(int level, const char *msg);

/** Install a log callback; @p level is a syslog level, messages at or below it pass. */
void pktio_log_set(pktio_log_fn fn, int level);

/**
 * The name of an attachment's mode, as pktioctl, telemetry and pktiod's log show it:
 * "txonly" when @p flags holds PKTIO_F_TXONLY, else "exclusive", "fanout" or "mirror" for
 * its PKTIO_F_MODE_MASK bits ("unknown" for the one value that names none).
 */
static inline const char *
pktio_mode_name(unsigned int flags)
{
	static const char *const names[] = { "exclusive", "fanout", "mirror", "unknown" };

	return (flags & PKTIO_F_TXONLY) ? "txonly" : names[flags & PKTIO_F_MODE_MASK];
}

/** The pktio_hdr for a received packet, as readv writes it. */
static inline void
pktio_hdr_set(struct pktio_hdr *h, uint16_t pktlen, uint64_t tstamp)
{
	h->version = PKTIO_HDR_VERSION;
	h->hdrlen = sizeof(*h);
	h->pktlen = pktlen;
	h->tstamp = tstamp;
}

#ifdef __cplusplus
}
#endif

#endif /* PKTIO_H */
