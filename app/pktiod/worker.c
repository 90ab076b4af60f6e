/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The data path. Each rx queue of a port is served by one worker lcore (a port has one
 * worker, or spreads its queues over a list of them), which also drains the tx rings of the
 * attachments homed on that queue; so each worker is the only producer and consumer on the
 * appliance side of every ring it touches. Per burst: receive, copy each frame into a free
 * slot of each receiver, publish descriptors, ring a doorbell only for a client that asked;
 * then drain each client's tx ring into mbufs. Everything read from a region is checked
 * first.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "pktiod.h"

/* Frames up to this long are copied even for a zero-copy sender: attaching a slot costs
 * more (pktio-bench -m txonly on net_null, medians of the worker's cycles per frame: 64
 * bytes 56 copied against 94 attached; 512 bytes 316 copied against 101). */
#define TX_COPY_MAX 128

/* Longest run of bursts dropped for a client that has no free slot (see deliver()). */
#define STARVED_MAX 16

static inline uint64_t
now_ns(void)
{
	return pktiod.base_ns + (uint64_t)((rte_rdtsc() - pktiod.base_tsc) * pktiod.ns_per_tsc);
}

/* Mark @p a for detaching and tell the control plane; the worker ignores it from now. */
static void __attribute__((cold, format(printf, 2, 3)))
violation(struct pktiod_att *a, const char *fmt, ...)
{
	va_list ap;

	a->violations++;
	if (a->bad)
		return;
	va_start(ap, fmt);
	vsnprintf(a->reason, sizeof(a->reason), fmt, ap);
	va_end(ap);
	__atomic_store_n(&a->bad, 1, __ATOMIC_RELEASE);
	eventfd_write(pktiod.kick_fd, 1);
}

/* Copy the frame of @p m, one segment or several, to @p dst. */
static inline void
frame_copy(void *dst, const struct rte_mbuf *m)
{
	const void *src = rte_pktmbuf_read(m, 0, m->pkt_len, dst); /* copies if chained */

	if (src != dst)
		rte_memcpy(dst, src, m->pkt_len);
}

/* Top up the stash of free rx slots from rx_free, checking each slot handed back. */
static unsigned int
stash_fill(struct pktiod_att *a, unsigned int want)
{
	struct pktio_desc d[PKTIOD_BURST * 2];
	unsigned int i;
	int n;

	if (a->nb_stash >= want)
		return a->nb_stash;
	n = gring_dequeue(&a->rx_free, d, RTE_MIN(RTE_DIM(d), a->nb_rx - a->nb_stash));
	if (unlikely(n < 0)) {
		violation(a, "rx_free ring index out of range");
		return 0;
	}
	for (i = 0; i < (unsigned int)n; i++) {
		uint32_t s = d[i].slot;

		if (unlikely(s >= a->nb_rx || a->owner[s] != OWN_CLIENT)) {
			violation(a, "rx_free: slot %u is not a free rx slot of the client", s);
			return 0;
		}
		a->owner[s] = OWN_APPLIANCE;
		a->stash[a->nb_stash++] = s;
	}
	return a->nb_stash;
}

/* Ring @p a's doorbell if it is going to sleep. */
static inline void
doorbell(struct pktiod_att *a)
{
	/* Order the rx tail store before the flag load (the client stores the flag, then
	 * loads the tail): one of us sees the other. */
	rte_smp_mb();
	if (unlikely(__atomic_load_n(&a->hdr->rx_wakeup, __ATOMIC_RELAXED) != 0) &&
	    __atomic_exchange_n(&a->hdr->rx_wakeup, 0, __ATOMIC_ACQ_REL) != 0)
		pktiod_bell_ring(a->bell);
}

/* After @p k frames (@p bytes) were published to @p a and @p dropped were not: count them,
 * in the header too, and ring the doorbell. */
static inline void
rx_published(struct pktiod_att *a, unsigned int k, uint64_t bytes, unsigned int dropped)
{
	a->rx_packets += k;
	a->rx_bytes += bytes;
	a->rx_no_slot += dropped;
	a->hdr->rx_packets = a->rx_packets;
	a->hdr->rx_bytes = a->rx_bytes;
	a->hdr->rx_no_slot = a->rx_no_slot;
	if (k > 0 && !a->nowake)
		doorbell(a);
}

/*
 * Copy @p n frames into slots of @p a and publish them; frame i was received at @p ts + i
 * (or sent, with @p flags PKTIO_PKT_OUTGOING).
 */
static void
deliver(struct pktiod_att *a, struct rte_mbuf **m, unsigned int n, uint16_t q, uint64_t ts,
	uint16_t flags)
{
	struct pktio_desc d[PKTIOD_BURST];
	uint64_t bytes = 0;
	unsigned int i, k;

	if (unlikely(a->bad))
		return;
	if (unlikely(a->starved > 0)) {
		/* The client is behind: drop without touching its lines, which it needs. */
		a->starved--;
		a->rx_no_slot += n;
		return;
	}
	k = RTE_MIN(n, stash_fill(a, n));
	/* The client last read these lines: ask for them in write state, all at once. */
	for (i = 0; i < k; i++)
		__builtin_prefetch(a->rx_slots + (size_t)a->stash[a->nb_stash - 1 - i] *
				   a->slot_size + PKTIO_SLOT_HEADROOM, 1, 3);
	for (i = 0; i < k; i++) {
		uint32_t s = a->stash[--a->nb_stash];
		struct pktio_slot_meta *meta = &a->rx_meta[(a->rx.head + i) & a->meta_mask];
		char *dst = a->rx_slots + (size_t)s * a->slot_size + PKTIO_SLOT_HEADROOM;
		uint32_t len = m[i]->pkt_len;

		frame_copy(dst, m[i]);
		meta->tstamp = ts + i;
		meta->hash = (m[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? m[i]->hash.rss : 0;
		meta->queue = q;
		meta->flags = flags;
		a->owner[s] = OWN_CLIENT;
		d[i] = (struct pktio_desc){ .slot = s, .len = len };
		bytes += len;
	}
	if (k > 0 && unlikely(gring_enqueue(&a->rx, d, k) != (int)k)) {
		violation(a, "rx ring index out of range");
		return;
	}
	if (unlikely(k < n)) {
		a->backoff = RTE_MIN(a->backoff * 2 + 1, STARVED_MAX);
		a->starved = a->backoff;
	} else {
		a->backoff = 0;
	}
	rx_published(a, k, bytes, n - k);
}

/*
 * Zero-copy receive: the mbufs @p a gave back on rx_free return to the pool. An id it
 * does not hold (forged, or given back twice) is a violation, so this takes at most as
 * many as the client holds, however fast it refills the ring.
 */
static void
zc_reclaim(struct pktiod_att *a)
{
	struct att_zc *z = a->zc;
	struct pktio_desc d[PKTIOD_BURST * 2];
	struct rte_mbuf *m[PKTIOD_BURST * 2];
	unsigned int i;
	int n;

	do {
		n = gring_dequeue(&a->rx_free, d, RTE_DIM(d));
		if (unlikely(n < 0)) {
			violation(a, "rx_free ring index out of range");
			return;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			uint32_t s = d[i].slot;

			if (unlikely(s >= a->nb_rx || z->held[s] == NULL)) {
				violation(a, "rx_free: buffer %u is not one the client holds", s);
				rte_pktmbuf_free_bulk(m, i);
				z->nb_held -= i;
				return;
			}
			m[i] = z->held[s];
			z->held[s] = NULL;
		}
		rte_pktmbuf_free_bulk(m, n);
		z->nb_held -= n;
	} while (n == (int)RTE_DIM(d));
}

/* Buffers @p a may still take, after taking back what it gave. */
static inline unsigned int
zc_room(struct pktiod_att *a)
{
	if (unlikely(a->bad))
		return 0;
	zc_reclaim(a);
	return RTE_MIN(a->ring_size - a->zc->nb_held, (uint32_t)PKTIOD_BURST);
}

/*
 * An mbuf of @p z's pool, holding the frame of @p m: @p m itself when the device received
 * into the pool (one segment at the usual headroom), else a copy (a frame that came from
 * elsewhere, as net_ring passes the sender's mbufs, or a chained one); NULL without one.
 */
static inline struct rte_mbuf *
zc_mbuf(const struct rxq_pool *z, struct rte_mbuf *m)
{
	struct rte_mbuf *c;

	if (likely(m->pool == z->mp && m->nb_segs == 1 && m->data_off == RTE_PKTMBUF_HEADROOM &&
		   rte_mbuf_refcnt_read(m) == 1))
		return m;
	c = rte_pktmbuf_alloc(z->mp);
	if (c != NULL) {
		frame_copy(rte_pktmbuf_mtod(c, void *), m);
		c->data_len = c->pkt_len = m->pkt_len;
		c->hash.rss = m->hash.rss;
		c->ol_flags = m->ol_flags & RTE_MBUF_F_RX_RSS_HASH;
	}
	rte_pktmbuf_free(m);
	return c;
}

/*
 * Hand @p n frames to @p a in place (zero-copy receive): the mbufs are the client's until
 * it gives their buffers back; it holds at most ring_size, the rest are dropped.
 */
static void
deliver_zc(struct pktiod_att *a, struct rte_mbuf **m, unsigned int n, uint16_t q, uint64_t ts,
	   bool rt_mirrored)
{
	struct att_zc *z = a->zc;
	const struct rxq_pool *pool = z->pool;
	struct pktio_desc d[PKTIOD_BURST];
	unsigned int i, k, j = 0;
	uint64_t bytes = 0;

	if (unlikely(a->bad)) {
		rte_pktmbuf_free_bulk(m, n);
		return;
	}
	if (rt_mirrored)
		zc_reclaim(a); /* else port_rx() did, to size its burst */
	k = RTE_MIN(n, a->ring_size - z->nb_held);
	for (i = 0; i < k; i++) {
		struct rte_mbuf *b = zc_mbuf(pool, m[i]);
		struct pktio_slot_meta *meta;
		uint32_t id;

		if (unlikely(b == NULL))
			continue;
		id = rte_reciprocal_divide((uint32_t)((char *)b->buf_addr - pool->base), pool->div);
		meta = &a->rx_meta[(a->rx.head + j) & a->meta_mask];
		meta->tstamp = ts + i;
		meta->hash = (b->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? b->hash.rss : 0;
		meta->queue = q;
		meta->flags = 0;
		z->held[id] = b;
		d[j++] = (struct pktio_desc){ .slot = id, .len = b->pkt_len };
		bytes += b->pkt_len;
	}
	z->nb_held += j;
	if (unlikely(k < n))
		rte_pktmbuf_free_bulk(m + k, n - k);
	if (j > 0 && unlikely(gring_enqueue(&a->rx, d, j) != (int)j)) {
		violation(a, "rx ring index out of range");
		return;
	}
	rx_published(a, j, bytes, n - j);
}

/* Symmetric software flow hash (both directions of a flow hash alike), for fanout. */
static uint32_t
flow_hash(struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), off = 12, a = 0, b = 0, ports = 0, proto = 0;
	uint16_t type;

	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		return m->hash.rss;
	while (off + 2 <= len) {
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
		if (type != RTE_ETHER_TYPE_VLAN && type != RTE_ETHER_TYPE_QINQ)
			break;
		off += 4;
	}
	off += 2;
	if (off + 20 <= len && (p[off] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)(p + off);

		a = ip->src_addr;
		b = ip->dst_addr;
		proto = ip->next_proto_id;
		off += (ip->version_ihl & 0xf) * 4;
		if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && off + 4 <= len &&
		    !(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)))
			ports = (uint32_t)p[off] << 8 ^ p[off + 1] ^
				(uint32_t)p[off + 2] << 8 ^ p[off + 3];
	} else if (off + 40 <= len && (p[off] >> 4) == 6) {
		a = rte_jhash(p + off + 8, 16, 0);
		b = rte_jhash(p + off + 24, 16, 0);
		proto = p[off + 6];
	} else if (len >= 12) {
		a = rte_jhash(p, 6, 0);
		b = rte_jhash(p + 6, 6, 0);
	}
	return rte_jhash_3words(RTE_MIN(a, b), RTE_MAX(a, b), ports ^ proto, 0x9e3779b9);
}

/* Split a burst over the fanout group by flow hash; no division per packet. */
static void
fanout(const struct rxq_tab *rt, struct rte_mbuf **m, unsigned int n, uint16_t q, uint64_t ts)
{
	struct rte_mbuf *grp[PKTIOD_MAX_CLIENTS][PKTIOD_BURST];
	uint16_t cnt[PKTIOD_MAX_CLIENTS] = { 0 };
	unsigned int i, g;

	for (i = 0; i < n; i++) {
		uint32_t h = flow_hash(m[i]);

		m[i]->hash.rss = h;
		m[i]->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
		g = (uint32_t)(((uint64_t)h * rt->nb_fanout) >> 32);
		grp[g][cnt[g]++] = m[i];
	}
	for (g = 0; g < rt->nb_fanout; g++)
		if (cnt[g] > 0)
			deliver(rt->fanout[g], grp[g], cnt[g], q, ts, 0);
}

static unsigned int
port_rx(struct pktiod_port *p, const struct port_tab *t, uint16_t q)
{
	const struct rxq_tab *rt = t != NULL ? &t->rxq[q] : NULL;
	struct pktiod_rxq *r = &p->rxq[q];
	struct rte_mbuf *m[PKTIOD_BURST];
	unsigned int i, n, k = 0, want = PKTIOD_BURST;
	uint64_t ts, t0;

	if (!p->conf->poll_idle && (rt == NULL || (rt->excl == NULL && rt->nb_fanout == 0 &&
						   rt->nb_mirror == 0)))
		return 0; /* leave the frames in the device until someone attaches */
	if (rt != NULL && rt->excl != NULL && rt->excl->zc != NULL && rt->nb_mirror == 0) {
		/* Zero-copy: take no more than the client has room for; the rest wait in the
		 * device (and it drops them, as a NIC whose queue is not served), so a client
		 * that stops giving buffers back costs the worker nothing. */
		want = zc_room(rt->excl);
		if (want == 0)
			return 0;
	}
	t0 = rte_rdtsc();
	n = rte_eth_rx_burst(p->port_id, q, m, want);
	if (n == 0)
		return 0;
	r->rx_polled += n;
	for (i = 0; i < n; i++) {
		if (likely(m[i]->pkt_len <= p->max_frame)) {
			m[k++] = m[i];
			continue;
		}
		r->rx_oversize++;
		rte_pktmbuf_free(m[i]);
	}
	if (rt != NULL) {
		/* One clock read a burst. The frames of a burst are stamped 1 ns apart, and
		 * every burst after the last, so that the times are distinct and keep the order
		 * of arrival, as a capture's reader expects. */
		ts = RTE_MAX(now_ns(), r->rx_last_ts);
		r->rx_last_ts = ts + k;
		for (i = 0; i < rt->nb_mirror; i++)
			deliver(rt->mirror[i], m, k, q, ts, 0);
		if (rt->excl != NULL && rt->excl->zc != NULL) {
			/* the mbufs are the client's now */
			deliver_zc(rt->excl, m, k, q, ts, rt->nb_mirror > 0);
			r->rx_cycles += rte_rdtsc() - t0;
			return n;
		}
		if (rt->excl != NULL)
			deliver(rt->excl, m, k, q, ts, 0);
		else if (rt->nb_fanout > 0)
			fanout(rt, m, k, q, ts);
	}
	if (rt == NULL || (rt->excl == NULL && rt->nb_fanout == 0))
		r->rx_no_client += k;
	rte_pktmbuf_free_bulk(m, k);
	r->rx_cycles += rte_rdtsc() - t0;
	return n;
}

/* Check and take the tx descriptors a client queued; @return how many are valid. */
static int
tx_take(struct pktiod_att *a, struct pktio_desc *d, unsigned int n)
{
	unsigned int i;
	int rc = gring_dequeue(&a->tx, d, n);

	if (unlikely(rc < 0)) {
		violation(a, "tx ring index out of range");
		return -1;
	}
	for (i = 0; i < (unsigned int)rc; i++) {
		uint32_t s = d[i].slot;
		uint16_t f = d[i].flags;

		if (unlikely(f != 0 && (a->txzc == NULL ||
			     (f != PKTIO_DESC_FWD && (!(f & PKTIO_DESC_FWD_BUF) ||
						      (f & ~PKTIO_DESC_FWD_BUF_MASK) != 0))))) {
			violation(a, "tx: descriptor flags %#x not allowed", f);
			return -1;
		}
		if (unlikely(d[i].len > a->max_frame)) {
			violation(a, "tx: length %u above max frame %u", d[i].len, a->max_frame);
			return -1;
		}
		if (f & PKTIO_DESC_FWD_BUF)
			continue; /* no tx slot: fwd_take() checks the buffer */
		if (unlikely(s - a->nb_rx >= a->nb_tx || a->owner[s] != OWN_CLIENT)) {
			violation(a, "tx: slot %u is not a tx slot the client owns", s);
			return -1;
		}
		a->owner[s] = OWN_APPLIANCE;
	}
	return rc;
}

/*
 * Hand @p n mbufs to the device. A PMD stops its burst at a frame it refuses (net_tap at
 * one over its MTU) just as at a full ring: after a few tries without progress the frame
 * at the head is dropped alone and the rest go on. @return frames sent.
 */
static unsigned int
dev_tx(struct pktiod_port *p, struct pktiod_rxq *r, struct rte_mbuf **m, unsigned int n)
{
	unsigned int sent = 0, k, stuck = 0;

	while (sent < n) {
		k = rte_eth_tx_burst(p->port_id, r->txq, m + sent, n - sent);
		sent += k;
		if (k > 0) {
			stuck = 0;
			continue;
		}
		if (++stuck < 4 || sent == n)
			continue;
		r->tx_full++;
		rte_pktmbuf_free(m[sent]);
		memmove(m + sent, m + sent + 1, (n - sent - 1) * sizeof(*m));
		n--;
		stuck = 0;
	}
	return sent;
}

/* Copies of the frames @p a sends, to the port's other PKTIO_F_OUTGOING receivers. */
static void
tx_copies(struct pktiod_rxq *r, const struct port_tab *t, const struct pktiod_att *a,
	  struct rte_mbuf **m, unsigned int n)
{
	uint64_t ts = RTE_MAX(now_ns(), r->rx_last_ts);
	unsigned int i;

	r->rx_last_ts = ts + n;
	for (i = 0; i < t->nb_out; i++)
		if (t->out[i] != a)
			deliver(t->out[i], m, n, a->home, ts, PKTIO_PKT_OUTGOING);
}

void
pktiod_txzc_done(void *addr, void *opaque)
{
	struct txzc_slot *s = opaque;

	(void)addr;
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
}

/* Return the zero-copy tx slots the device is done with, in the order they were sent. */
static void
txzc_complete(struct pktiod_att *a)
{
	struct att_txzc *z = a->txzc;
	struct pktio_desc d[PKTIOD_BURST];
	unsigned int k = 0;

	while (z->nb_out > 0 && k < RTE_DIM(d)) {
		uint32_t s = z->fifo[z->head];
		struct txzc_slot *sl = &z->slot[s - a->nb_rx];

		if (!__atomic_load_n(&sl->done, __ATOMIC_ACQUIRE))
			break;
		sl->done = 0;
		a->owner[s] = OWN_CLIENT;
		d[k++] = (struct pktio_desc){ .slot = s };
		z->head = z->head + 1 == a->nb_tx ? 0 : z->head + 1;
		z->nb_out--;
	}
	if (k > 0 && unlikely(gring_enqueue(&a->tx_comp, d, k) != (int)k))
		violation(a, "tx_comp ring index out of range");
}

_Static_assert(PKTIOD_MAX_PORTS <= 32 && PKTIOD_MAX_RXQ <= 64,
	       "every queue can be named in an inline forward (PKTIO_DESC_FWD_SRC)");

/* The source of the forwards of one burst, looked up and checked once for all of them. */
struct fwd_src {
	uint32_t key;                    /* port << 16 | queue; UINT32_MAX: none yet */
	struct pktiod_att *att;          /* NULL: gone, or refused */
};

/*
 * Find the attachment that forwards from queue @p queue of port @p port take their buffers
 * from: that queue's zero-copy client, of @p a's process, on a queue this worker serves (so
 * its held table is ours to change). NULL, and a violation where it can never be one; NULL
 * alone where it is gone (detached meanwhile: its buffers went back with it).
 */
static struct pktiod_att *
fwd_source(struct pktiod_att *a, uint16_t port, uint16_t queue)
{
	const struct port_tab *t;
	struct pktiod_att *src;

	if (unlikely(port >= pktiod.nb_ports || queue >= pktiod.ports[port].conf->nb_rxq ||
		     pktiod.ports[port].rxq[queue].lcore != rte_lcore_id())) {
		violation(a, "tx: forward from port %u queue %u: not a queue of this worker",
			  port, queue);
		return NULL;
	}
	t = __atomic_load_n(&pktiod.ports[port].tab, __ATOMIC_ACQUIRE);
	src = t != NULL ? t->rxq[queue].excl : NULL;
	if (unlikely(src == NULL || src->zc == NULL || src->bad))
		return NULL;
	if (unlikely(src->pid != a->pid || src->uid != a->uid)) {
		violation(a, "tx: forward from client %u, another process's", src->id);
		return NULL;
	}
	return src;
}

/*
 * A forward: the zero-copy rx buffer @p buf that @p a's process holds on queue @p queue of
 * port @p port, taken from the holder, its first @p hdr_len bytes replaced by @p hdr; it
 * goes back to its pool when the device is done with it. NULL: dropped, or a violation.
 */
static struct rte_mbuf *
fwd_take(struct pktiod_att *a, struct fwd_src *fs, uint16_t port, uint16_t queue, uint32_t buf,
	 uint16_t len, const uint8_t *hdr, uint16_t hdr_len)
{
	uint32_t key = (uint32_t)port << 16 | queue;
	struct pktiod_att *src;
	struct rte_mbuf *m;

	if (unlikely(fs->key != key)) {
		fs->key = key;
		fs->att = fwd_source(a, port, queue);
	}
	src = fs->att;
	if (unlikely(src == NULL || a->bad))
		return NULL;
	if (unlikely(hdr_len > PKTIO_FWD_HDR_MAX || hdr_len > len)) {
		violation(a, "tx: forward with a %u-byte header in a %u-byte frame", hdr_len, len);
		return NULL;
	}
	if (unlikely(buf >= src->nb_rx || (m = src->zc->held[buf]) == NULL)) {
		violation(a, "tx: forward of buffer %u, not one the client holds", buf);
		return NULL;
	}
	if (unlikely(len > m->buf_len - m->data_off)) {
		violation(a, "tx: forward of %u bytes, more than buffer %u has", len, buf);
		return NULL;
	}
	src->zc->held[buf] = NULL;
	src->zc->nb_held--;
	if (hdr_len > 0)
		rte_memcpy(rte_pktmbuf_mtod(m, void *), hdr, hdr_len);
	m->ol_flags = 0;
	return m;
}

/* The forward descriptor @p d names (in a tx slot of @p a, or inline), as fwd_take(). */
static struct rte_mbuf *
fwd_mbuf(struct pktiod_att *a, struct fwd_src *fs, const struct pktio_desc *d)
{
	const struct pktio_fwd *in;
	struct pktio_fwd f;

	if (d->flags & PKTIO_DESC_FWD_BUF)
		return fwd_take(a, fs, PKTIO_DESC_FWD_PORT(d->flags),
				PKTIO_DESC_FWD_QUEUE(d->flags), d->slot, d->len, NULL, 0);
	in = (const void *)(a->tx_slots + (size_t)(d->slot - a->nb_rx) * a->slot_size);
	memcpy(&f, in, offsetof(struct pktio_fwd, hdr)); /* once: the client may change it */
	return fwd_take(a, fs, f.port, f.queue, f.buf, d->len, in->hdr, f.hdr_len);
}

/*
 * Make mbufs of @p d's frames: copies into the port's pool, or (zero-copy) header-only
 * mbufs attached to the slots, which come back through txzc_complete(); frames of up to
 * TX_COPY_MAX bytes are copied even then. A descriptor of length 0 gets none.
 * @return mbufs made, in @p m; -1 without mbufs (all dropped).
 */
static int
tx_mbufs(struct pktiod_port *p, struct pktiod_rxq *r, struct pktiod_att *a,
	 struct pktio_desc *d, unsigned int n, struct rte_mbuf **m)
{
	struct rte_mbuf *c[PKTIOD_BURST], *x[PKTIOD_BURST];
	struct fwd_src fs = { .key = UINT32_MAX };
	struct att_txzc *z = a->txzc;
	unsigned int i, k = 0, nx = 0, nf = 0, nc, ic = 0, ix = 0;

	for (i = 0; z != NULL && i < n; i++) {
		nf += d[i].flags != 0;
		nx += d[i].flags == 0 && d[i].len > TX_COPY_MAX;
	}
	/* the client just wrote these lines: start every miss at once */
	for (i = 0; i < n; i++)
		if (!(d[i].flags & PKTIO_DESC_FWD_BUF))
			rte_prefetch0(a->tx_slots + (size_t)(d[i].slot - a->nb_rx) * a->slot_size +
				      (d[i].flags == PKTIO_DESC_FWD ? 0 : PKTIO_SLOT_HEADROOM));
	nc = n - nx - nf;
	if (unlikely(rte_pktmbuf_alloc_bulk(p->mp, c, nc) != 0))
		goto nombuf;
	if (nx > 0 && unlikely(rte_pktmbuf_alloc_bulk(p->ext_mp, x, nx) != 0)) {
		rte_pktmbuf_free_bulk(c, nc);
		goto nombuf;
	}
	for (i = 0; i < n; i++) {
		char *slot;
		uint16_t len = d[i].len;

		if (unlikely(len == 0)) {
			r->tx_invalid++;
			continue;
		}
		if (d[i].flags != 0) {
			m[k] = fwd_mbuf(a, &fs, &d[i]); /* a tx slot comes back at once */
			if (unlikely(m[k] == NULL))
				continue;
		} else if (z != NULL && len > TX_COPY_MAX) {
			struct txzc_slot *sl = &z->slot[d[i].slot - a->nb_rx];

			slot = a->tx_slots + (size_t)(d[i].slot - a->nb_rx) * a->slot_size;
			m[k] = x[ix++];
			rte_mbuf_ext_refcnt_set(&sl->sh, 1);
			rte_pktmbuf_attach_extbuf(m[k], slot, (uintptr_t)slot, a->slot_size, &sl->sh);
			m[k]->data_off = PKTIO_SLOT_HEADROOM; /* room for a PMD that prepends */
			z->fifo[(z->head + z->nb_out++) % a->nb_tx] = d[i].slot;
			d[i].len = UINT16_MAX; /* out: txzc_complete() returns it */
		} else {
			slot = a->tx_slots + (size_t)(d[i].slot - a->nb_rx) * a->slot_size;
			m[k] = c[ic++];
			rte_memcpy(rte_pktmbuf_mtod(m[k], void *), slot + PKTIO_SLOT_HEADROOM, len);
		}
		m[k]->data_len = len;
		m[k]->pkt_len = len;
		k++;
	}
	if (ic < nc) /* the copies of zero-length frames */
		rte_pktmbuf_free_bulk(c + ic, nc - ic);
	return k;

nombuf:
	r->tx_nombuf += n;
	for (i = 0; nf > 0 && i < n; i++) /* forwarded buffers are not the client's now */
		if (d[i].flags != 0 && d[i].len > 0)
			rte_pktmbuf_free(fwd_mbuf(a, &fs, &d[i]));
	return -1;
}

static unsigned int
att_tx(struct pktiod_port *p, const struct port_tab *t, struct pktiod_att *a)
{
	struct pktiod_rxq *r = &p->rxq[a->home];
	struct pktio_desc d[PKTIOD_BURST];
	struct rte_mbuf *m[PKTIOD_BURST];
	unsigned int i, j, sent = 0;
	uint64_t t0;
	int n, k;

	if (unlikely(a->bad))
		return 0;
	if (a->txzc != NULL)
		txzc_complete(a);
	t0 = rte_rdtsc();
	n = tx_take(a, d, PKTIOD_BURST);
	if (n <= 0)
		return 0;
	k = tx_mbufs(p, r, a, d, n, m);
	if (k > 0) {
		if (unlikely(t->nb_out > 0))
			tx_copies(r, t, a, m, k);
		sent = dev_tx(p, r, m, k);
	}
	a->tx_dropped += n - sent;
	/* the slots copied or dropped go back now; zero-copy ones when the device is done */
	for (i = 0, j = 0; i < (unsigned int)n; i++) {
		if (d[i].len == UINT16_MAX || (d[i].flags & PKTIO_DESC_FWD_BUF))
			continue; /* out, or no slot */
		a->owner[d[i].slot] = OWN_CLIENT;
		d[j++] = (struct pktio_desc){ .slot = d[i].slot };
	}
	if (j > 0 && unlikely(gring_enqueue(&a->tx_comp, d, j) != (int)j))
		violation(a, "tx_comp ring index out of range");
	if (a->txzc != NULL)
		txzc_complete(a); /* those the device is already done with */
	a->tx_packets += n;
	a->tx_sent += sent;
	a->hdr->tx_sent = a->tx_sent;
	a->hdr->tx_dropped = a->tx_dropped;
	r->tx_polled += n;
	r->tx_cycles += rte_rdtsc() - t0;
	return n;
}

/* What one worker serves of one port: a bit per rx queue. */
struct served {
	struct pktiod_port *p;
	uint64_t queues;
};

static unsigned int
port_poll(const struct served *sv)
{
	struct pktiod_port *p = sv->p;
	const struct port_tab *t = __atomic_load_n(&p->tab, __ATOMIC_ACQUIRE);
	unsigned int work = 0;
	uint16_t q;

	for (q = 0; q < p->conf->nb_rxq; q++)
		if (sv->queues & (1ull << q))
			work += port_rx(p, t, q);
	for (q = 0; t != NULL && q < t->nb_tx; q++)
		if (sv->queues & (1ull << t->tx[q]->home))
			work += att_tx(p, t, t->tx[q]);
	return work;
}

/* Idle: spin a while (cheap to resume), then sleep, longer each time up to the knob. */
static void
backoff(unsigned int *idle, uint32_t *sleep_us, unsigned int wid)
{
	struct timespec ts;

	if (++*idle < pktiod.conf.idle_spins || pktiod.conf.idle_sleep_us == 0) {
		rte_pause();
		return;
	}
	*sleep_us = RTE_MIN(*sleep_us == 0 ? 1 : *sleep_us * 2, pktiod.conf.idle_sleep_us);
	ts.tv_sec = 0;
	ts.tv_nsec = *sleep_us * 1000L;
	rte_rcu_qsbr_thread_offline(pktiod.qs, wid); /* the control plane need not wait */
	nanosleep(&ts, NULL);
	rte_rcu_qsbr_thread_online(pktiod.qs, wid);
}

int
pktiod_worker(void *arg)
{
	unsigned int wid = (uintptr_t)arg, lcore = rte_lcore_id(), idle = 0, i, n = 0, work;
	struct served mine[PKTIOD_MAX_PORTS];
	uint32_t sleep_us = 0;
	uint16_t q;

	for (i = 0; i < pktiod.nb_ports; i++) {
		struct pktiod_port *p = &pktiod.ports[i];

		mine[n] = (struct served){ .p = p };
		for (q = 0; q < p->conf->nb_rxq; q++)
			if (p->rxq[q].lcore == lcore)
				mine[n].queues |= 1ull << q;
		if (mine[n].queues == 0)
			continue;
		PKTIO_LOG(INFO, "worker on lcore %u serves port %s, rx queues %#" PRIx64, lcore,
			  p->conf->name, mine[n].queues);
		n++;
	}
	/* The back-off sleeps are a few microseconds; the default 50 us timer slack would
	 * stretch every one of them (and the latency of the next packet) past 50 us. */
	prctl(PR_SET_TIMERSLACK, 1000UL);
	rte_rcu_qsbr_thread_register(pktiod.qs, wid);
	rte_rcu_qsbr_thread_online(pktiod.qs, wid);
	while (!pktiod.quit) {
		for (work = 0, i = 0; i < n; i++)
			work += port_poll(&mine[i]);
		rte_rcu_qsbr_quiescent(pktiod.qs, wid);
		if (work > 0) {
			idle = 0;
			sleep_us = 0;
		} else {
			backoff(&idle, &sleep_us, wid);
		}
	}
	rte_rcu_qsbr_thread_offline(pktiod.qs, wid);
	rte_rcu_qsbr_thread_unregister(pktiod.qs, wid);
	return 0;
}
