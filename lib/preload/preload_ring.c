/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * PACKET_RX_RING emulated in the shim's own memory, with the kernel's layouts (linux/
 * if_packet.h), for libpcap 1.10, which captures through nothing else: TPACKET_V3 blocks
 * (tcpdump, tshark) and TPACKET_V2 frames (--immediate-mode). The ring is a memfd: the
 * program's mmap() of the socket maps it, the shim writes through a mapping of its own.
 *
 * Ownership, as with the kernel: a frame (V2) or block (V3) whose tp_status / block_status
 * is TP_STATUS_KERNEL (0) is the shim's to fill; it writes the headers and data, then stores
 * TP_STATUS_USER with release order, so that the program that loads the status with acquire
 * order (or after poll()) sees the rest; the program hands it back by storing
 * TP_STATUS_KERNEL. The shim fills in order and stops at the first slot the program still
 * holds: packets wait in the handle's region then (counted as drops by pktiod once that is
 * full, and reported by PACKET_STATISTICS).
 *
 * Offsets follow tpacket_rcv(): the sockaddr_ll after the header, the frame at tp_mac, the
 * network header at tp_net 16-aligned plus PACKET_RESERVE. A V3 block is closed when the
 * next packet does not fit, or when tp_retire_blk_tov ms have passed since its first packet
 * (TP_STATUS_BLK_TMO; the shim's poll() wakes for it); the last packet's tp_next_offset is 0.
 * VLAN tags stay inline (tp_vlan_tci 0, no TP_STATUS_VLAN_VALID).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload_libc.h"
#include "preload_private.h"

#define RING_MAX_BYTES (1ull << 32)       /* the kernel's own limit is lower: memory */
#define RETIRE_DEFAULT_MS 8u              /* prb_calc_retire_blk_tmo() without a speed */
#define BLK_HDR_LEN TPACKET_ALIGN(sizeof(struct tpacket_block_desc)) /* V3 block header */
#define ALIGN8(x) (((x) + 7u) & ~7u)
#define PUMP_ROUNDS 8                     /* bursts one pump takes at most */

struct preload_ring {
	int version;
	int memfd;
	uint8_t *base;            /* our mapping */
	uint64_t size;
	uint32_t block_size, block_nr, frame_size, frame_nr, fpb;
	uint32_t hdrlen;          /* TPACKET2_HDRLEN / TPACKET3_HDRLEN */
	uint32_t first_off;       /* V3: BLK_PLUS_PRIV(tp_sizeof_priv) */
	uint64_t tov_ns;          /* V3: block retire timeout */
	uint32_t head;            /* V2: next frame; V3: block being filled */
	/* V3 block being filled */
	bool open;
	uint32_t off, npkts, seq;
	uint64_t deadline;
	struct tpacket3_hdr *last;
	bool losing;
};

static inline uint8_t *
frame_at(const struct preload_ring *r, uint32_t i)
{
	return r->base + (uint64_t)(i / r->fpb) * r->block_size +
	       (uint64_t)(i % r->fpb) * r->frame_size;
}

static inline struct tpacket_block_desc *
block_at(const struct preload_ring *r, uint32_t i)
{
	return (struct tpacket_block_desc *)(r->base + (uint64_t)i * r->block_size);
}

int
preload_ring_setup(struct preload_sock *s, const void *val, socklen_t len)
{
	struct tpacket_req3 req = { 0 };
	struct preload_ring *r;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t size;
	int rc;

	if (val == NULL || len < sizeof(struct tpacket_req))
		return -EINVAL;
	memcpy(&req, val, len < sizeof(req) ? len : sizeof(req));
	if (req.tp_block_nr == 0) {
		/* tear down */
		if (s->ring != NULL) {
			preload_ring_destroy(s->ring);
			s->ring = NULL;
		}
		return 0;
	}
	if (s->ring != NULL)
		return -EBUSY;
	if (s->version == TPACKET_V1)
		return -EINVAL; /* not emulated: libpcap 1.10 asks for V3 or V2 */
	if (s->version == TPACKET_V3 && len < sizeof(struct tpacket_req3))
		return -EINVAL;
	if (req.tp_block_size == 0 || req.tp_block_size % (uint32_t)page != 0 ||
	    req.tp_frame_size < (s->version == TPACKET_V3 ? TPACKET3_HDRLEN : TPACKET2_HDRLEN) +
	    s->reserve || req.tp_frame_size % TPACKET_ALIGNMENT != 0 ||
	    req.tp_block_size / req.tp_frame_size == 0 ||
	    req.tp_frame_nr != req.tp_block_size / req.tp_frame_size * req.tp_block_nr)
		return -EINVAL;
	if (s->version == TPACKET_V3 &&
	    (uint64_t)BLK_HDR_LEN + ALIGN8(req.tp_sizeof_priv) + TPACKET3_HDRLEN >
	    req.tp_block_size)
		return -EINVAL;
	size = (uint64_t)req.tp_block_size * req.tp_block_nr;
	if (size > RING_MAX_BYTES)
		return -ENOMEM;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->memfd = memfd_create("pktio-rx-ring", MFD_CLOEXEC);
	if (r->memfd < 0) {
		rc = -errno;
		goto free_ring;
	}
	if (ftruncate(r->memfd, (off_t)size) < 0) {
		rc = -errno;
		goto close_memfd;
	}
	/* zero pages: every status TP_STATUS_KERNEL */
	r->base = libc_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd, 0);
	if (r->base == MAP_FAILED) {
		rc = -errno;
		goto close_memfd;
	}
	r->version = s->version;
	r->size = size;
	r->block_size = req.tp_block_size;
	r->block_nr = req.tp_block_nr;
	r->frame_size = req.tp_frame_size;
	r->frame_nr = req.tp_frame_nr;
	r->fpb = req.tp_block_size / req.tp_frame_size;
	if (r->version == TPACKET_V3) {
		r->hdrlen = TPACKET3_HDRLEN;
		r->first_off = BLK_HDR_LEN + ALIGN8(req.tp_sizeof_priv);
		r->tov_ns = (uint64_t)(req.tp_retire_blk_tov != 0 ? req.tp_retire_blk_tov :
				       RETIRE_DEFAULT_MS) * 1000000u;
	} else {
		r->hdrlen = TPACKET2_HDRLEN;
	}
	s->ring = r;
	return 0;

close_memfd:
	libc_close(r->memfd);
free_ring:
	free(r);
	return rc;
}

void
preload_ring_destroy(struct preload_ring *r)
{
	/* the program's own mapping stays valid until it unmaps it */
	munmap(r->base, r->size);
	libc_close(r->memfd);
	free(r);
}

void *
preload_ring_mmap(struct preload_sock *s, void *addr, size_t len, int prot, int flags,
		  off_t off)
{
	void *p = MAP_FAILED;

	preload_sock_lock(s);
	if (s->ring == NULL || off != 0 || len != s->ring->size)
		errno = EINVAL;
	else
		p = libc_mmap(addr, len, prot, flags, s->ring->memfd, 0);
	preload_sock_unlock(s);
	return p;
}

/* tp_mac and tp_net for a packet, as tpacket_rcv() places them. */
static void
offsets(const struct preload_sock *s, const struct preload_ring *r, uint32_t *mac,
	uint32_t *net)
{
	if (s->type == SOCK_DGRAM) {
		*mac = *net = TPACKET_ALIGN(r->hdrlen) + 16 + s->reserve;
	} else {
		*net = TPACKET_ALIGN(r->hdrlen + 16) + s->reserve; /* maclen 14 < 16 */
		*mac = *net - ETH_HLEN;
	}
}

/* The view of a packet the socket has: the frame, or what follows its Ethernet header. */
static inline const uint8_t *
view(const struct preload_sock *s, const struct pktio_pkt *pkt, uint32_t *len)
{
	uint32_t off = s->type == SOCK_DGRAM ? (pkt->len < ETH_HLEN ? pkt->len : ETH_HLEN) : 0;

	*len = pkt->len - off;
	return (const uint8_t *)pkt->data + off;
}

/* V2: one frame. @return false when the next frame is still the program's. */
static bool
put_v2(struct preload_sock *s, struct preload_ring *r, const struct pktio_pkt *pkt,
       uint32_t snap)
{
	uint8_t *f = frame_at(r, r->head);
	struct tpacket2_hdr *h = (struct tpacket2_hdr *)f;
	uint32_t mac, net, len;
	const uint8_t *data = view(s, pkt, &len);

	if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_KERNEL)
		return false;
	offsets(s, r, &mac, &net);
	if (mac + snap > r->frame_size)
		snap = mac >= r->frame_size ? 0 : r->frame_size - mac;
	memcpy(f + mac, data, snap);
	h->tp_len = len;
	h->tp_snaplen = snap;
	h->tp_mac = (uint16_t)mac;
	h->tp_net = (uint16_t)net;
	h->tp_sec = (uint32_t)(pkt->tstamp / 1000000000u);
	h->tp_nsec = (uint32_t)(pkt->tstamp % 1000000000u);
	h->tp_vlan_tci = 0;
	h->tp_vlan_tpid = 0;
	preload_sock_addr(s, pkt, (struct sockaddr_ll *)(f + TPACKET_ALIGN(sizeof(*h))));
	/* everything above before the status the program polls */
	__atomic_store_n(&h->tp_status, TP_STATUS_USER | (r->losing ? TP_STATUS_LOSING : 0),
			 __ATOMIC_RELEASE);
	r->losing = false;
	r->head = (r->head + 1) % r->frame_nr;
	return true;
}

/* V3: close the block being filled and hand it to the program. */
static void
block_close(struct preload_ring *r, bool timeout)
{
	struct tpacket_block_desc *b = block_at(r, r->head);
	uint32_t st = TP_STATUS_USER;

	b->hdr.bh1.num_pkts = r->npkts;
	b->hdr.bh1.blk_len = r->off;
	if (r->last != NULL)
		r->last->tp_next_offset = 0;
	if (timeout)
		st |= TP_STATUS_BLK_TMO;
	if (r->losing)
		st |= TP_STATUS_LOSING;
	r->losing = false;
	/* the block's packets and header before its status */
	__atomic_store_n(&b->hdr.bh1.block_status, st, __ATOMIC_RELEASE);
	r->open = false;
	r->head = (r->head + 1) % r->block_nr;
}

/* V3: start filling the block at head. @return false when the program still holds it. */
static bool
block_open(struct preload_ring *r, uint64_t now)
{
	struct tpacket_block_desc *b = block_at(r, r->head);

	if (__atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) != TP_STATUS_KERNEL)
		return false;
	b->version = TPACKET_V3;
	b->offset_to_priv = BLK_HDR_LEN;
	b->hdr.bh1.num_pkts = 0;
	b->hdr.bh1.offset_to_first_pkt = r->first_off;
	b->hdr.bh1.blk_len = r->first_off;
	b->hdr.bh1.seq_num = ++r->seq;
	memset(&b->hdr.bh1.ts_first_pkt, 0, sizeof(b->hdr.bh1.ts_first_pkt));
	memset(&b->hdr.bh1.ts_last_pkt, 0, sizeof(b->hdr.bh1.ts_last_pkt));
	r->open = true;
	r->off = r->first_off;
	r->npkts = 0;
	r->last = NULL;
	r->deadline = now + r->tov_ns;
	return true;
}

static bool
put_v3(struct preload_sock *s, struct preload_ring *r, const struct pktio_pkt *pkt,
       uint32_t snap, uint64_t now)
{
	uint32_t mac, net, len, need, max;
	const uint8_t *data = view(s, pkt, &len);
	struct tpacket_block_desc *b;
	struct tpacket3_hdr *h;
	uint8_t *p;

	offsets(s, r, &mac, &net);
	max = r->block_size - r->first_off;
	if (mac + snap > max)
		snap = mac >= max ? 0 : max - mac;
	need = ALIGN8(mac + snap);
	if (r->open && r->off + need > r->block_size)
		block_close(r, false);
	if (!r->open && !block_open(r, now))
		return false;
	b = block_at(r, r->head);
	p = (uint8_t *)b + r->off;
	h = (struct tpacket3_hdr *)p;
	memset(h, 0, sizeof(*h));
	memcpy(p + mac, data, snap);
	h->tp_next_offset = need;
	h->tp_sec = (uint32_t)(pkt->tstamp / 1000000000u);
	h->tp_nsec = (uint32_t)(pkt->tstamp % 1000000000u);
	h->tp_snaplen = snap;
	h->tp_len = len;
	h->tp_status = TP_STATUS_USER;
	h->tp_mac = (uint16_t)mac;
	h->tp_net = (uint16_t)net;
	preload_sock_addr(s, pkt, (struct sockaddr_ll *)(p + TPACKET_ALIGN(sizeof(*h))));
	if (r->npkts == 0) {
		b->hdr.bh1.ts_first_pkt.ts_sec = h->tp_sec;
		b->hdr.bh1.ts_first_pkt.ts_nsec = h->tp_nsec;
	}
	b->hdr.bh1.ts_last_pkt.ts_sec = h->tp_sec;
	b->hdr.bh1.ts_last_pkt.ts_nsec = h->tp_nsec;
	r->last = h;
	r->off += need;
	r->npkts++;
	return true;
}

int
preload_ring_pump(struct preload_sock *s, uint64_t now_ns)
{
	struct preload_ring *r = s->ring;
	struct preload_rx *rx = &s->rx;
	unsigned int round, done = 0, from;
	int n;

	if (r == NULL || rx->p == NULL)
		return 0;
	if (r->version == TPACKET_V3 && r->open && r->npkts > 0 && now_ns >= r->deadline)
		block_close(r, true);
	for (round = 0; round < PUMP_ROUNDS; round++) {
		n = preload_sock_pump(s); /* accepted packets, held */
		if (n <= 0)
			return n < 0 ? n : (int)done;
		from = rx->head;
		while (rx->nb > 0) {
			const struct pktio_pkt *pkt = &rx->held[rx->head];
			bool ok = r->version == TPACKET_V3 ?
				  put_v3(s, r, pkt, rx->snap[rx->head], now_ns) :
				  put_v2(s, r, pkt, rx->snap[rx->head]);

			if (!ok)
				break;
			rx->head++;
			rx->nb--;
			done++;
		}
		if (rx->head > from) {
			PRELOAD_ENTER();
			pktio_rx_release(rx->p, &rx->held[from], rx->head - from);
			PRELOAD_LEAVE();
		}
		if (rx->nb > 0) {
			r->losing = true; /* the program is behind */
			break;
		}
	}
	return (int)done;
}

bool
preload_ring_ready(struct preload_sock *s, uint64_t now_ns, uint64_t *deadline)
{
	struct preload_ring *r = s->ring;

	if (r == NULL)
		return false;
	if (r->version == TPACKET_V3) {
		const struct tpacket_block_desc *b = block_at(r, (r->head + r->block_nr - 1) %
							      r->block_nr);

		if (r->open && r->npkts > 0 && (*deadline == 0 || r->deadline < *deadline))
			*deadline = r->deadline > now_ns ? r->deadline : now_ns;
		/* as packet_poll(): the block before the current one is the program's */
		return __atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) !=
		       TP_STATUS_KERNEL;
	}
	return __atomic_load_n(&((const struct tpacket2_hdr *)
				 frame_at(r, (r->head + r->frame_nr - 1) % r->frame_nr))->tp_status,
			       __ATOMIC_ACQUIRE) != TP_STATUS_KERNEL;
}
