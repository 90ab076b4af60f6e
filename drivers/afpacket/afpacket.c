/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The afpacket driver: libpktio over a kernel interface, without pktiod
 * (pktio_port_open("afpacket:veth0", ...)). The kernel baseline, measured through the same
 * calls as the shm driver.
 *
 * Receive: a TPACKET_V3 mmap ring on an AF_PACKET socket. The kernel packs frames into
 * blocks and hands a block over (block_status |= TP_STATUS_USER) when it is full or
 * AFP_RETIRE_MS after it was opened. rx_burst walks the oldest block handed over and returns
 * pointers into it; the block goes back to the kernel once each of its packets was released,
 * in any order (held[] counts them per block; pkt.id carries the block). The kernel takes the
 * outer VLAN tag out of every frame it receives; rx_burst writes it back in front of the
 * ethertype, in the room PACKET_RESERVE keeps before each frame.
 *
 * PKTIO_F_IMMEDIATE: a TPACKET_V2 ring instead, as libpcap's immediate mode does. Each frame
 * has a slot of its own (frame_size, a power of two that holds the largest frame) and is
 * handed over as soon as it is written, with no block to wait for; the price is a status
 * handshake per frame, no flow hash, and a fixed slot size. rx_burst hands frames out in
 * ring order; each goes back to the kernel when it is released, in any order (out[] marks
 * those handed out, since a frame held for a whole lap is user-owned too).
 *
 * Transmit: AFP_NB_TX private buffers, and one sendmmsg() per batch on the same socket with
 * PACKET_QDISC_BYPASS. Chosen over PACKET_TX_RING: the kernel sends a tx ring's frames only
 * in ring order, while pktio_tx_submit() may return reserved buffers in another order or
 * unsent (len 0), which would leave holes the kernel stops at; and a ring frame is busy
 * until its skb is freed, after the peer took it. The costs are alike: one system call per
 * batch, one skb and one copy per frame either way (TX_RING skips the copy for the payload
 * but not the header, and adds a status handshake per frame). A frame the kernel does not
 * take yet (full socket buffer, stopped device queue) stays queued, in order, and its
 * buffer busy: tx_reserve then finds fewer free, and wait_tx waits for room.
 *
 * fd readiness. The fd is the socket. With TPACKET_V3 the kernel reports POLLIN while the
 * block before the one it is filling is user-owned. We walk blocks in order and give each
 * back as soon as its last packet is released, so POLLIN means a read returns a packet, and
 * its absence that none is there, as far as the kernel allows:
 *  - frames in the block the kernel is still filling are invisible to poll and to reads
 *    alike until it retires the block, at most AFP_RETIRE_MS after it opened it (rounded up
 *    to a jiffy): a lone frame becomes readable up to ~1 ms late, and a burst may become
 *    readable in two parts (not so with PKTIO_F_IMMEDIATE: V2 reports POLLIN as soon as the
 *    frame the kernel wrote last is user-owned);
 *  - a block whose packets were all handed out stays user-owned until they are released: a
 *    zero-copy user holding packets sees the fd readable with nothing to read (the copy
 *    calls release before they return). wait_rx naps 1 ms at a time then, not to spin;
 *  - the kernel makes the fd POLLERR (ENETDOWN) when the link goes down or is deleted; the
 *    next wait_rx, or rx_burst after AFP_LINK_CHECK empty polls, takes the error back. A
 *    deleted interface turns every call to -ECONNRESET, as pktiod going away does.
 * PKTIO_F_BUSYPOLL: wait_rx spins on the ring instead of sleeping in poll(). No other data
 * call makes a system call but the sendmmsg() of tx_submit (and a link check every
 * AFP_LINK_CHECK empty polls).
 *
 * Buffer ids are checked against what the user holds (rx_out[] bits, out[], tx_own[]): a
 * stale, forged or repeated id cannot give a block or frame back to the kernel early nor
 * put a tx buffer on the free stack twice. pktio_tx_submit() refuses it, rx_release
 * ignores it.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "afpacket_private.h"

#define afp_unlikely(x) __builtin_expect(!!(x), 0)

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

static inline struct tpacket_block_desc *
block(const struct afp_port *s, uint32_t b)
{
	return (struct tpacket_block_desc *)(s->ring + (size_t)b * AFP_BLOCK_SIZE);
}

/* Has the kernel handed block @p b over to us? */
static inline bool
block_user(const struct afp_port *s, uint32_t b)
{
	/* Acquire: pairs with the smp_wmb() the kernel issues before it sets TP_STATUS_USER
	 * (prb_close_block): the block's packets are visible once the status is. */
	return __atomic_load_n(&block(s, b)->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
	       TP_STATUS_USER;
}

static inline void
block_give(struct afp_port *s, uint32_t b)
{
	/* Release: our loads of the block's packets, and the tags written into it, are done
	 * before the kernel sees TP_STATUS_KERNEL and may fill the block again. */
	__atomic_store_n(&block(s, b)->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

/* One packet of block @p b is done with. */
static inline void
pkt_put(struct afp_port *s, uint32_t b)
{
	if (--s->held[b] == 0)
		block_give(s, b);
}

/* Start walking the next block, if the kernel handed it over. */
static bool
block_take(struct afp_port *s)
{
	const struct tpacket_block_desc *bd;
	uint32_t b = s->next;

	if (!block_user(s, b))
		return false;
	bd = block(s, b);
	s->walk = b;
	s->next = (b + 1) & (AFP_NB_BLOCKS - 1);
	s->left = bd->hdr.bh1.num_pkts;
	s->idx = 0;
	s->pos = (char *)bd + bd->hdr.bh1.offset_to_first_pkt;
	s->held[b] = s->left; /* not 0 until the walk is over: handed out or skipped */
	if (s->left == 0)
		block_give(s, b);
	return true;
}

/* TPACKET_V2 (PKTIO_F_IMMEDIATE): frame @p f of the ring. */
static inline struct tpacket2_hdr *
frame2(const struct afp_port *s, uint32_t f)
{
	return (struct tpacket2_hdr *)(s->ring + (size_t)f * s->frame_size);
}

/* Is frame @p f ours to hand out: filled by the kernel, and not handed out already (a
 * frame held since the last lap is user-owned too)? */
static inline bool
frame_ready(const struct afp_port *s, uint32_t f)
{
	/* Acquire: pairs with the kernel's smp_wmb() before it sets TP_STATUS_USER. */
	return !s->out[f] &&
	       (__atomic_load_n(&frame2(s, f)->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER);
}

static inline void
frame_give(struct afp_port *s, uint32_t f)
{
	s->out[f] = 0;
	/* Release: our loads (and the tag we wrote) are done before the kernel refills it. */
	__atomic_store_n(&frame2(s, f)->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

static inline bool
rx_ready(const struct afp_port *s)
{
	if (s->out != NULL)
		return frame_ready(s, s->next);
	return s->left > 0 || (s->ring != NULL && block_user(s, s->next));
}

/* Without PACKET_IGNORE_OUTGOING, frames this host sent show up too. The address follows
 * the frame header (@p hdr_size bytes: a tpacket3_hdr or tpacket2_hdr). */
static bool
pkt_outgoing(const void *h, size_t hdr_size)
{
	const struct sockaddr_ll *sll = (const void *)((const char *)h + TPACKET_ALIGN(hdr_size));

	return sll->sll_pkttype == PACKET_OUTGOING;
}

/* Put the VLAN tag the kernel took out back in front of the ethertype. */
static char *
vlan_insert(char *mac, uint16_t tpid, uint16_t tci)
{
	uint16_t tag[2] = { htons(tpid), htons(tci) };

	/* PACKET_RESERVE left >= AFP_VLAN_HLEN bytes before the frame: still our ring */
	memmove(mac - AFP_VLAN_HLEN, mac, 2 * ETH_ALEN);
	memcpy(mac - AFP_VLAN_HLEN + 2 * ETH_ALEN, tag, sizeof(tag));
	return mac - AFP_VLAN_HLEN;
}

/* What both ring versions tell alike: the frame at @p data with its tag put back, and
 * whether the ring cut it. */
static void
pkt_set(struct pktio_port *p, struct pktio_pkt *pkt, char *data, uint32_t snaplen, uint32_t len,
	uint32_t status, uint16_t tpid, uint16_t tci)
{
	pkt->flags = 0;
	if (afp_unlikely(status & TP_STATUS_VLAN_VALID) && snaplen >= 2 * ETH_ALEN) {
		data = vlan_insert(data, status & TP_STATUS_VLAN_TPID_VALID ? tpid : ETH_P_8021Q,
				   tci);
		snaplen += AFP_VLAN_HLEN;
		len += AFP_VLAN_HLEN;
	}
	if (afp_unlikely(snaplen < len)) { /* longer than a block or frame: the ring cut it */
		pkt->flags = PKTIO_PKT_TRUNCATED;
		p->st.rx_truncated++;
	}
	pkt->data = data;
	pkt->len = snaplen;
	pkt->cap = snaplen;
	pkt->queue = 0;
}

/* TPACKET_V3: hand out packets of the blocks the kernel handed over, in order. */
static unsigned int
rx_burst_v3(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	struct afp_port *s = afp(p);
	const struct tpacket3_hdr *h;
	unsigned int got = 0;

	while (got < n) {
		if (s->left == 0) {
			if (!block_take(s))
				break;
			continue;
		}
		h = (const void *)s->pos;
		s->pos += h->tp_next_offset;
		s->left--;
		__builtin_prefetch(s->pos); /* the kernel wrote it on another core */
		if (afp_unlikely(s->skip_out) && pkt_outgoing(h, sizeof(*h))) {
			s->idx++;
			pkt_put(s, s->walk);
			continue;
		}
		pkt_set(p, &pkts[got], (char *)h + h->tp_mac, h->tp_snaplen, h->tp_len,
			h->tp_status, h->hv1.tp_vlan_tpid, (uint16_t)h->hv1.tp_vlan_tci);
		/* idx < num_pkts < AFP_BLOCK_PKTS: the kernel's counts are trusted */
		s->rx_out[s->walk][s->idx / 64] |= 1ull << (s->idx % 64);
		pkts[got].id = s->walk << AFP_ID_SHIFT | s->idx++;
		pkts[got].hash = h->hv1.tp_rxhash; /* TP_FT_REQ_FILL_RXHASH: skb_get_hash() */
		pkts[got++].tstamp = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
	}
	return got;
}

/* TPACKET_V2: hand out the frames the kernel filled, in ring order. */
static unsigned int
rx_burst_v2(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	struct afp_port *s = afp(p);
	unsigned int got = 0;

	while (got < n && frame_ready(s, s->next)) {
		uint32_t f = s->next;
		struct tpacket2_hdr *h = frame2(s, f);

		s->next = (f + 1) & (s->nb_frames - 1);
		if (afp_unlikely(s->skip_out) && pkt_outgoing(h, sizeof(*h))) {
			frame_give(s, f);
			continue;
		}
		pkt_set(p, &pkts[got], (char *)h + h->tp_mac, h->tp_snaplen, h->tp_len,
			h->tp_status, h->tp_vlan_tpid, h->tp_vlan_tci);
		pkts[got].id = f;
		pkts[got].hash = 0; /* V2 frames carry no hash */
		pkts[got++].tstamp = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
		s->out[f] = 1;
	}
	return got;
}

/* Nothing to read: now and then, look for an error the kernel left (link down, deleted). */
static int
rx_idle(struct pktio_port *p)
{
	struct afp_port *s = afp(p);

	if (afp_unlikely(s->dead))
		return -ECONNRESET;
	if ((++s->idle & (AFP_LINK_CHECK - 1)) == 0)
		return afp_link_check(p);
	return 0;
}

static int
afp_rx_burst(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	struct afp_port *s = afp(p);
	unsigned int got = 0, i;
	uint64_t bytes = 0;

	if (s->out != NULL)
		got = rx_burst_v2(p, pkts, n);
	else if (s->ring != NULL)
		got = rx_burst_v3(p, pkts, n);
	if (got == 0)
		return rx_idle(p);
	for (i = 0; i < got; i++)
		bytes += pkts[i].len;
	p->st.rx_packets += got;
	p->st.rx_bytes += bytes;
	return got;
}

/* TPACKET_V3: is packet @p id handed out and not released? Then it is released now. */
static inline bool
pkt_unmark(struct afp_port *s, uint32_t id)
{
	uint32_t b = id >> AFP_ID_SHIFT, k = id & ((1u << AFP_ID_SHIFT) - 1);
	uint64_t bit = 1ull << (k % 64);

	if (b >= AFP_NB_BLOCKS || k >= AFP_BLOCK_PKTS || !(s->rx_out[b][k / 64] & bit))
		return false;
	s->rx_out[b][k / 64] &= ~bit;
	return true;
}

static void
afp_rx_release(struct pktio_port *p, const struct pktio_pkt *pkts, unsigned int n)
{
	struct afp_port *s = afp(p);
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t id = pkts[i].id;

		if (s->out != NULL && id < s->nb_frames && s->out[id])
			frame_give(s, id);
		else if (s->out == NULL && pkt_unmark(s, id))
			pkt_put(s, id >> AFP_ID_SHIFT);
		else
			pktio_bad_id(p, "pktio_rx_release", id);
	}
}

static inline char *
tx_buf(const struct afp_port *s, uint32_t id)
{
	return s->bufs + (size_t)id * s->buf_size;
}

/* The @p k oldest queued frames are done with (sent or dropped): free their buffers. */
static void
txq_pop(struct afp_port *s, uint32_t k)
{
	while (k-- > 0) {
		uint32_t id = s->txq[s->head++ & (AFP_NB_TX - 1)].id;

		s->tx_own[id] = AFP_TX_FREE;
		s->free[s->nb_free++] = id;
	}
}

/*
 * sendmmsg() took nothing. @return 0 when the frame at the head was dropped (go on), or
 * -errno to stop: the kernel pushes back (retry later), or the link is down or gone.
 */
static int
tx_error(struct afp_port *s, int err)
{
	switch (err) {
	case EAGAIN:  /* socket send buffer full */
	case ENOBUFS: /* device queue stopped (no qdisc to hold the frame) */
	case EINTR:
		s->tx_err = err;
		return -err;
	case ENETDOWN:
	case ENXIO:   /* unbound: the interface was deleted */
		s->down = true;
		s->dead = err == ENXIO;
		s->tx_dropped += s->tail - s->head;
		txq_pop(s, s->tail - s->head);
		return -err;
	default:      /* this frame only: EMSGSIZE (untagged, > MTU + 14), EINVAL (< 14) */
		s->tx_dropped++;
		txq_pop(s, 1);
		return 0;
	}
}

/* Hand queued frames to the kernel, AFP_TX_BATCH per system call, until it pushes back. */
static void
tx_flush(struct pktio_port *p)
{
	struct afp_port *s = afp(p);
	uint32_t i, k;
	int rc;

	s->tx_err = 0;
	while (s->head != s->tail) {
		k = s->tail - s->head < AFP_TX_BATCH ? s->tail - s->head : AFP_TX_BATCH;
		for (i = 0; i < k; i++) {
			const struct afp_txq_ent *e = &s->txq[(s->head + i) & (AFP_NB_TX - 1)];

			s->iov[i].iov_base = tx_buf(s, e->id);
			s->iov[i].iov_len = e->len;
		}
		/* A short count leaves the error of the next frame on the socket: the next
		 * call returns it for that frame. */
		rc = sendmmsg(p->fd, s->msg, k, MSG_DONTWAIT);
		if (rc > 0) {
			s->tx_sent += rc;
			txq_pop(s, rc);
		} else if (tx_error(s, errno) < 0) {
			break;
		}
	}
}

static int
afp_tx_reserve(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	struct afp_port *s = afp(p);
	unsigned int i;

	if (s->nb_free < n && s->head != s->tail)
		tx_flush(p);
	if (afp_unlikely(s->dead))
		return -ECONNRESET;
	if (n > s->nb_free)
		n = s->nb_free;
	for (i = 0; i < n; i++) {
		uint32_t id = s->free[--s->nb_free];

		pkts[i].data = tx_buf(s, id);
		pkts[i].len = 0;
		pkts[i].cap = p->max_frame;
		pkts[i].id = id;
		s->tx_own[id] = AFP_TX_USER;
	}
	return n;
}

/*
 * Check a submit before anything is queued: each length, and each id against tx_own[].
 * An id passes once (marked queued as it passes, so a repeat fails); a failure hands
 * those passed back to the user. @return 0, -EMSGSIZE or -EINVAL.
 */
static int
tx_claim(struct pktio_port *p, const struct pktio_pkt *pkts, unsigned int n)
{
	struct afp_port *s = afp(p);
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		uint32_t id = pkts[i].id;

		if (afp_unlikely(pkts[i].len > p->max_frame))
			rc = -EMSGSIZE;
		else if (afp_unlikely(id >= AFP_NB_TX || s->tx_own[id] != AFP_TX_USER))
			rc = -EINVAL;
		else {
			s->tx_own[id] = AFP_TX_QUEUED;
			continue;
		}
		while (i-- > 0)
			s->tx_own[pkts[i].id] = AFP_TX_USER;
		return rc;
	}
	return 0;
}

static int
afp_tx_submit(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	struct afp_port *s = afp(p);
	unsigned int i, done = 0;
	uint64_t bytes = 0;
	int rc;

	rc = tx_claim(p, pkts, n);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		uint32_t id = pkts[i].id;

		if (pkts[i].len == 0 || s->dead) {
			s->tx_own[id] = AFP_TX_FREE;
			s->free[s->nb_free++] = id;
			continue;
		}
		s->txq[s->tail++ & (AFP_NB_TX - 1)] =
			(struct afp_txq_ent){ .id = id, .len = pkts[i].len };
		bytes += pkts[i].len;
		done++;
	}
	if (afp_unlikely(s->dead))
		return -ECONNRESET;
	p->st.tx_packets += done;
	p->st.tx_bytes += bytes;
	tx_flush(p);
	return done;
}

static int
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* BUSYPOLL: spin on the ring, no system call but a link check now and then. */
static int
wait_busy(struct pktio_port *p, int timeout_ms)
{
	struct afp_port *s = afp(p);
	struct timespec t0;
	unsigned int spins = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!rx_ready(s)) {
		if ((++spins & (AFP_LINK_CHECK - 1)) == 0) {
			if (afp_link_check(p) < 0)
				return -ECONNRESET;
			if (timeout_ms >= 0 && elapsed_ms(&t0) >= timeout_ms)
				return 0;
		}
		cpu_relax();
	}
	return 1;
}

/* One poll() on the socket. @return 1 when a block is there, 0 when not (yet), or -errno. */
static int
wait_once(struct pktio_port *p, int timeout_ms)
{
	struct afp_port *s = afp(p);
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	int rc;

	/* A link that went down may be deleted next, and that wakes nobody: look again. */
	if (s->down && (timeout_ms < 0 || timeout_ms > AFP_DOWN_MS))
		timeout_ms = AFP_DOWN_MS;
	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return -errno;
	if (((pfd.revents & POLLERR) || s->down) && afp_link_check(p) < 0)
		return -ECONNRESET;
	if (rx_ready(s))
		return 1;
	if (pfd.revents & POLLIN)
		poll(NULL, 0, 1); /* a block still held by the user: nap, do not spin */
	return 0;
}

static bool
afp_rx_ready(const struct pktio_port *p)
{
	return rx_ready(afp(p));
}

static int
afp_wait_rx(struct pktio_port *p, int timeout_ms)
{
	struct afp_port *s = afp(p);
	struct timespec t0;
	int rc, left = timeout_ms;

	if (rx_ready(s))
		return 1;
	if (s->dead)
		return -ECONNRESET;
	if (p->flags & PKTIO_F_BUSYPOLL)
		return wait_busy(p, timeout_ms);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		rc = wait_once(p, left);
		if (rc != 0)
			return rc;
		if (timeout_ms >= 0) {
			left = timeout_ms - elapsed_ms(&t0);
			if (left <= 0)
				return 0;
		}
	}
}

static int
afp_wait_tx(struct pktio_port *p)
{
	struct afp_port *s = afp(p);
	struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
	const struct timespec ts = { .tv_nsec = 20000 };

	tx_flush(p);
	if (s->dead)
		return -ECONNRESET;
	if (s->nb_free > 0)
		return 0;
	if (s->tx_err == EAGAIN)
		poll(&pfd, 1, 10); /* the send buffer drains as the device frees skbs */
	else
		nanosleep(&ts, NULL); /* a stopped device queue wakes nobody: back off */
	return 0;
}

static void
afp_stats(const struct pktio_port *p, struct pktio_stats *st)
{
	struct afp_port *s = afp(p);
	struct tpacket_stats_v3 ks;
	socklen_t len = sizeof(ks);

	/* Reading the kernel's counters zeroes them: keep the sum. */
	if (s->ring != NULL && getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
		s->rx_drops += ks.tp_drops;
	st->rx_no_slot = s->rx_drops;
	st->tx_sent = s->tx_sent;
	st->tx_dropped = s->tx_dropped;
}

static int
afp_open(struct pktio_port *p, const char *name, unsigned int queue, unsigned int flags,
	 const char *sock)
{
	(void)sock; /* no appliance */
	return afp_setup(p, name, queue, flags);
}

static int
afp_close(struct pktio_port *p)
{
	struct afp_port *s = afp(p);
	int i, rc;

	/* Let the kernel take what is still queued (at most one second). */
	for (i = 0; i < 1000 && s->head != s->tail; i++) {
		tx_flush(p);
		if (s->head != s->tail)
			poll(NULL, 0, 1);
	}
	s->tx_dropped += s->tail - s->head;
	rc = s->dead ? -ECONNRESET : 0;
	afp_teardown(p);
	return rc;
}

const struct pktio_driver pktio_afpacket_driver = {
	.prefix = "afpacket",
	.open = afp_open,
	.close = afp_close,
	.rx_burst = afp_rx_burst,
	.rx_release = afp_rx_release,
	.tx_reserve = afp_tx_reserve,
	.tx_submit = afp_tx_submit,
	.rx_ready = afp_rx_ready,
	.wait_rx = afp_wait_rx,
	.wait_tx = afp_wait_tx,
	.stats = afp_stats,
};
