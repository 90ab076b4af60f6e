/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The data path of emulated packet sockets: which packets a socket takes (protocol,
 * direction, filter), receiving with the kernel's addresses and control messages, sending
 * (SOCK_DGRAM builds the Ethernet header), readiness.
 *
 * A socket's mirror handle delivers every frame of the port; packets are classified as they
 * are taken, in bursts, and those for the socket are held (zero-copy, in the shared region)
 * until the program reads them, so that readiness is exact: poll() says POLLIN only when a
 * read would return a packet that passed the filter. Blocking calls sleep on the handle's
 * doorbell and control descriptors, without the socket's lock, so that another thread may
 * send meanwhile.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <net/if_arp.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "preload_libc.h"
#include "preload_private.h"

#define TX_WAIT_NS 20000   /* a blocking send with no free buffer looks again after this */

int
preload_sock_failed(struct preload_sock *s, int rc)
{
	if (rc == -ECONNRESET) {
		s->dead = true;
		return -ENETDOWN;
	}
	return rc;
}

/* The frame's protocol as skb->protocol would be: the ethertype, or 802.3/802.2. */
static uint16_t
frame_proto(const uint8_t *d, uint32_t len)
{
	uint16_t type;

	if (len < ETH_HLEN)
		return 0;
	type = (uint16_t)(d[12] << 8 | d[13]);
	if (type >= ETH_P_802_3_MIN)
		return htons(type);
	return htons(len >= 16 && d[14] == 0xff && d[15] == 0xff ? ETH_P_802_3 : ETH_P_802_2);
}

bool
preload_sock_accept(struct preload_sock *s, const struct pktio_pkt *pkt, uint32_t *snap)
{
	const uint8_t *d = pkt->data;
	uint32_t off = 0, len = pkt->len, keep;

	if (pkt->flags & PKTIO_PKT_OUTGOING) {
		/* only ETH_P_ALL sockets see what others send (dev_queue_xmit_nit) */
		if (s->proto != htons(ETH_P_ALL) || s->ignore_outgoing)
			return false;
	}
	if (s->proto != htons(ETH_P_ALL) && frame_proto(d, len) != s->proto)
		return false;
	if (s->type == SOCK_DGRAM) {
		off = len < ETH_HLEN ? len : ETH_HLEN;
		len -= off;
	}
	keep = len;
	if (s->filter != NULL) {
		/* a SOCK_DGRAM socket's filter sees the packet after the link header */
		keep = preload_bpf_run(s->filter, d + off, len, len);
		if (keep == 0)
			return false;
		if (keep > len)
			keep = len;
	}
	*snap = keep;
	return true;
}

int
preload_sock_pump(struct preload_sock *s)
{
	struct preload_rx *rx = &s->rx;
	struct pktio_pkt pkts[PRELOAD_HELD], drop[PRELOAD_HELD];
	unsigned int ndrop = 0;
	int n, i;

	if (s->dead)
		return -ENETDOWN;
	if (rx->p == NULL || rx->nb > 0)
		return (int)rx->nb;
	PRELOAD_ENTER();
	n = pktio_rx_burst(rx->p, pkts, PRELOAD_HELD);
	PRELOAD_LEAVE();
	if (n < 0)
		return preload_sock_failed(s, n);
	rx->head = 0;
	for (i = 0; i < n; i++) {
		uint32_t snap;

		if (preload_sock_accept(s, &pkts[i], &snap)) {
			rx->held[rx->nb] = pkts[i];
			rx->snap[rx->nb++] = snap;
			s->st_packets++;
		} else {
			drop[ndrop++] = pkts[i];
		}
	}
	if (ndrop > 0) {
		PRELOAD_ENTER();
		pktio_rx_release(rx->p, drop, ndrop);
		PRELOAD_LEAVE();
	}
	return (int)rx->nb;
}

static uint8_t
pkt_type(const struct preload_sock *s, const struct pktio_pkt *pkt)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t *d = pkt->data;

	if (pkt->flags & PKTIO_PKT_OUTGOING)
		return PACKET_OUTGOING;
	if (pkt->len < 6)
		return PACKET_OTHERHOST;
	if (d[0] & 1)
		return memcmp(d, bcast, 6) == 0 ? PACKET_BROADCAST : PACKET_MULTICAST;
	return memcmp(d, s->mac, 6) == 0 ? PACKET_HOST : PACKET_OTHERHOST;
}

void
preload_sock_addr(const struct preload_sock *s, const struct pktio_pkt *pkt,
		  struct sockaddr_ll *sll)
{
	const uint8_t *d = pkt->data;

	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = frame_proto(d, pkt->len);
	sll->sll_ifindex = s->port >= 0 ? preload_port((unsigned int)s->port)->ifindex : 0;
	sll->sll_hatype = ARPHRD_ETHER;
	sll->sll_pkttype = pkt_type(s, pkt);
	sll->sll_halen = 6;
	if (pkt->len >= 12)
		memcpy(sll->sll_addr, d + 6, 6); /* the sender, as eth_header_parse() says */
}

/* Append one control message; MSG_CTRUNC when it does not fit. */
static void
cmsg_put(struct msghdr *msg, size_t *used, int level, int type, const void *data, size_t len)
{
	struct cmsghdr *c;

	if (msg->msg_control == NULL || *used + CMSG_LEN(len) > msg->msg_controllen) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	c = (struct cmsghdr *)((char *)msg->msg_control + *used);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	*used += CMSG_SPACE(len);
	if (*used > msg->msg_controllen)
		*used = msg->msg_controllen;
}

/* Timestamps first, then PACKET_AUXDATA, as packet_recvmsg() does. */
static void
cmsgs_fill(const struct preload_sock *s, const struct pktio_pkt *pkt, uint32_t view_len,
	   uint32_t snap, struct msghdr *msg)
{
	size_t used = 0;

	if (s->ts_ns) {
		struct timespec ts = {
			.tv_sec = (time_t)(pkt->tstamp / 1000000000u),
			.tv_nsec = (long)(pkt->tstamp % 1000000000u),
		};

		cmsg_put(msg, &used, SOL_SOCKET, SO_TIMESTAMPNS_OLD, &ts, sizeof(ts));
	} else if (s->ts_us) {
		struct timeval tv = {
			.tv_sec = (time_t)(pkt->tstamp / 1000000000u),
			.tv_usec = (suseconds_t)(pkt->tstamp % 1000000000u / 1000),
		};

		cmsg_put(msg, &used, SOL_SOCKET, SO_TIMESTAMP_OLD, &tv, sizeof(tv));
	}
	if (s->auxdata) {
		struct tpacket_auxdata aux = {
			.tp_status = TP_STATUS_USER,
			.tp_len = view_len,
			.tp_snaplen = snap,
			.tp_mac = 0,
			.tp_net = s->type == SOCK_DGRAM ? 0 : ETH_HLEN,
		};

		cmsg_put(msg, &used, SOL_PACKET, PACKET_AUXDATA, &aux, sizeof(aux));
	}
	msg->msg_controllen = used;
}

/* Copy one packet out as recvmsg() does. @return the length recvmsg returns. */
static ssize_t
deliver(struct preload_sock *s, const struct pktio_pkt *pkt, uint32_t snap, struct msghdr *msg,
	int flags)
{
	uint32_t off = s->type == SOCK_DGRAM ? (pkt->len < ETH_HLEN ? pkt->len : ETH_HLEN) : 0;
	const uint8_t *src = (const uint8_t *)pkt->data + off;
	size_t done = 0, i, n;

	msg->msg_flags = 0;
	for (i = 0; i < msg->msg_iovlen && done < snap; i++) {
		n = msg->msg_iov[i].iov_len;
		if (n > snap - done)
			n = snap - done;
		if (n > 0)
			memcpy(msg->msg_iov[i].iov_base, src + done, n);
		done += n;
	}
	if (done < snap)
		msg->msg_flags |= MSG_TRUNC;
	if (msg->msg_name != NULL && msg->msg_namelen > 0) {
		struct sockaddr_ll sll;

		preload_sock_addr(s, pkt, &sll);
		memcpy(msg->msg_name, &sll, msg->msg_namelen < sizeof(sll) ? msg->msg_namelen :
		       sizeof(sll));
		msg->msg_namelen = sizeof(sll);
	} else {
		msg->msg_namelen = 0;
	}
	if (msg->msg_control != NULL && msg->msg_controllen > 0)
		cmsgs_fill(s, pkt, pkt->len - off, snap, msg);
	else
		msg->msg_controllen = 0;
	s->last_ns = pkt->tstamp;
	return (flags & MSG_TRUNC) ? (ssize_t)snap : (ssize_t)done;
}

/* ms left before @p end (ns), or -1 without one. */
static int
ms_left(uint64_t end)
{
	uint64_t now;

	if (end == 0)
		return -1;
	now = preload_now_ns();
	return now >= end ? 0 : (int)((end - now + 999999) / 1000000);
}

ssize_t
preload_sock_recvmsg(struct preload_sock *s, struct msghdr *msg, int flags)
{
	int tmo = preload_timeout_ms(&s->rcvtimeo), fd, ctl, rc;
	uint64_t end = tmo >= 0 ? preload_now_ns() + (uint64_t)tmo * 1000000u : 0;
	bool nonblock;
	ssize_t n;

	if (flags & MSG_ERRQUEUE)
		return -EAGAIN; /* nothing ever queued there */
	for (;;) {
		preload_sock_lock(s);
		nonblock = (flags & MSG_DONTWAIT) || (s->f.status & O_NONBLOCK);
		if (s->dead) {
			preload_sock_unlock(s);
			return -ENETDOWN;
		}
		fd = -1;
		ctl = -1;
		if (s->rx.p != NULL && s->ring == NULL) {
			rc = preload_sock_pump(s);
			if (rc < 0) {
				preload_sock_unlock(s);
				return rc;
			}
			if (rc > 0) {
				struct preload_rx *rx = &s->rx;

				n = deliver(s, &rx->held[rx->head], rx->snap[rx->head], msg, flags);
				if (!(flags & MSG_PEEK)) {
					PRELOAD_ENTER();
					pktio_rx_release(rx->p, &rx->held[rx->head], 1);
					PRELOAD_LEAVE();
					rx->head++;
					rx->nb--;
				}
				preload_sock_unlock(s);
				return n;
			}
			fd = pktio_port_fd(s->rx.p);
			ctl = pktio_port_ctl_fd(s->rx.p);
		}
		preload_sock_unlock(s);
		if (nonblock)
			return -EAGAIN;
		if (fd < 0) {
			/* nothing can arrive: sleep out the timeout, or until a signal */
			if (libc_poll(NULL, 0, ms_left(end)) < 0)
				return -errno;
			return -EAGAIN;
		}
		rc = preload_wait(fd, ctl, ms_left(end));
		if (rc == -ECONNRESET) {
			preload_sock_lock(s);
			s->dead = true;
			preload_sock_unlock(s);
			continue;
		}
		if (rc < 0)
			return rc;
		if (rc == 0 && end != 0 && preload_now_ns() >= end)
			return -EAGAIN;
	}
}

/* The handle that sends on @p port: the receiver's when bound there (so that this socket
 * does not see its own frames), else a transmit-only one. Under the lock. */
static struct pktio_port *
tx_handle(struct preload_sock *s, int port, int *err)
{
	if (s->rx.p != NULL && port == s->port)
		return s->rx.p;
	if (s->tx != NULL && s->tx_port == port)
		return s->tx;
	if (s->tx != NULL) {
		PRELOAD_ENTER();
		pktio_port_close(s->tx);
		PRELOAD_LEAVE();
		s->tx = NULL;
	}
	s->tx = preload_port_open((unsigned int)port, PKTIO_F_TXONLY | PKTIO_F_NONBLOCK);
	if (s->tx == NULL) {
		*err = errno == ECONNREFUSED || errno == ENOENT ? -ENETDOWN : -errno;
		return NULL;
	}
	s->tx_port = port;
	return s->tx;
}

/* Where and what to send: port, protocol and destination from the address or the bind. */
static int
tx_target(struct preload_sock *s, const struct msghdr *msg, uint16_t *proto,
	  const uint8_t **dst)
{
	const struct sockaddr_ll *sll = msg->msg_name;
	int port;

	*proto = s->proto;
	*dst = NULL;
	if (sll == NULL || msg->msg_namelen == 0)
		return s->port >= 0 ? s->port : -ENXIO;
	if (msg->msg_namelen < offsetof(struct sockaddr_ll, sll_addr) ||
	    sll->sll_family != AF_PACKET)
		return -EINVAL;
	if (sll->sll_protocol != 0)
		*proto = sll->sll_protocol;
	if (msg->msg_namelen >= offsetof(struct sockaddr_ll, sll_addr) + 6 && sll->sll_halen >= 6)
		*dst = sll->sll_addr;
	port = preload_port_by_ifindex(sll->sll_ifindex);
	return port >= 0 ? port : -ENXIO;
}

/* Copy the frame into a reserved buffer. @return its length, or -errno. */
static int
tx_fill(struct preload_sock *s, struct pktio_pkt *pkt, const struct msghdr *msg, size_t total,
	uint16_t proto, const uint8_t *dst, int port)
{
	uint8_t *d = pkt->data;
	size_t off = 0, i;

	if (s->type == SOCK_DGRAM) {
		struct pktio_port_info pi;

		if (dst == NULL)
			return -EINVAL;
		memcpy(d, dst, 6);
		if (port == s->port)
			memcpy(d + 6, s->mac, 6);
		else if (preload_port_info((unsigned int)port, &pi) == 0)
			memcpy(d + 6, pi.mac, 6);
		else
			memset(d + 6, 0, 6);
		memcpy(d + 12, &proto, 2);
		off = ETH_HLEN;
	}
	if (off + total > pkt->cap)
		return -EMSGSIZE;
	for (i = 0; i < msg->msg_iovlen; i++) {
		memcpy(d + off, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
		off += msg->msg_iov[i].iov_len;
	}
	return (int)off;
}

ssize_t
preload_sock_sendmsg(struct preload_sock *s, const struct msghdr *msg, int flags)
{
	int tmo = preload_timeout_ms(&s->sndtimeo), port, rc = 0;
	uint64_t end = tmo >= 0 ? preload_now_ns() + (uint64_t)tmo * 1000000u : 0;
	const struct timespec pause = { .tv_nsec = TX_WAIT_NS };
	const uint8_t *dst;
	struct pktio_port *p;
	struct pktio_pkt pkt;
	size_t total = 0, i;
	uint16_t proto;

	for (i = 0; i < msg->msg_iovlen; i++)
		total += msg->msg_iov[i].iov_len;
	for (;;) {
		preload_sock_lock(s);
		if (s->dead) {
			rc = -ENETDOWN;
			goto unlock;
		}
		port = tx_target(s, msg, &proto, &dst);
		if (port < 0) {
			rc = port;
			goto unlock;
		}
		if (s->type == SOCK_RAW && total < ETH_HLEN) {
			rc = -EINVAL;
			goto unlock;
		}
		p = tx_handle(s, port, &rc);
		if (p == NULL)
			goto unlock;
		if ((s->type == SOCK_DGRAM ? ETH_HLEN : 0) + total > pktio_port_max_frame(p)) {
			rc = -EMSGSIZE;
			goto unlock;
		}
		PRELOAD_ENTER();
		rc = pktio_tx_reserve(p, &pkt, 1);
		PRELOAD_LEAVE();
		if (rc < 0) {
			rc = preload_sock_failed(s, rc);
			goto unlock;
		}
		if (rc == 1)
			break;
		preload_sock_unlock(s);
		/* no free buffer: pktiod takes them within its idle back-off */
		if ((flags & MSG_DONTWAIT) || (s->f.status & O_NONBLOCK) ||
		    (end != 0 && preload_now_ns() >= end))
			return -EAGAIN;
		nanosleep(&pause, NULL);
	}
	rc = tx_fill(s, &pkt, msg, total, proto, dst, port);
	if (rc < 0)
		pkt.len = 0; /* given back unsent */
	else
		pkt.len = (uint32_t)rc;
	PRELOAD_ENTER();
	if (pktio_tx_submit(p, &pkt, 1) < 0 && rc >= 0)
		rc = -ENETDOWN;
	PRELOAD_LEAVE();
	if (rc >= 0)
		rc = (int)total;
unlock:
	preload_sock_unlock(s);
	return rc;
}

int
preload_sock_poll(struct preload_sock *s, short events, bool hup, uint64_t *deadline, int *ctl)
{
	int rev = 0;

	*ctl = -1;
	preload_sock_lock(s);
	if (preload_sock_kernel(s)) {
		preload_sock_unlock(s);
		return -1;
	}
	if (hup)
		s->dead = true;
	if (!s->dead && s->rx.p != NULL) {
		*ctl = pktio_port_ctl_fd(s->rx.p);
		if (s->ring != NULL) {
			uint64_t now = preload_now_ns();

			preload_ring_pump(s, now);
			if (preload_ring_ready(s, now, deadline))
				rev |= POLLIN | POLLRDNORM;
		} else if (preload_sock_pump(s) > 0) {
			rev |= POLLIN | POLLRDNORM;
		}
	}
	if (s->dead)
		rev |= POLLERR; /* SO_ERROR: ENETDOWN, as for a vanished interface */
	rev |= POLLOUT | POLLWRNORM;
	preload_sock_unlock(s);
	return rev & (events | POLLERR | POLLHUP | POLLNVAL);
}
