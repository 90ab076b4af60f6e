/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * /dev/hpio/<port>: the character devices of hpio's kernel module (hatanoke/hpio), on a
 * pktio port, with the module's semantics as its tools rely on them:
 *  - O_WRONLY opens transmit-only (PKTIO_F_TXONLY); O_RDONLY and O_RDWR receive, in fanout
 *    mode by default (several fds share the port's frames, each frame going to one, as the
 *    module's per-CPU rings share a device; $PKTIO_HPIO_MODE=mirror or exclusive instead);
 *  - readv() fills one iovec per packet with the 12-byte struct hpio_hdr and the frame, and
 *    returns the number of packets; read() writes one such header and frame and returns
 *    the frame's length copied; both return 0 at once when no packet waits (never block);
 *  - writev() sends one frame per iovec (header, then pktlen bytes; a header of another
 *    version is skipped) and returns the number sent; write() sends one and returns the
 *    byte count it was given;
 *  - poll() reports POLLIN while packets wait, and nothing else (the module never says
 *    POLLOUT); POLLERR|POLLHUP once pktiod is gone.
 *
 * hdrlen: the module writes sizeof(struct hpio_hdr) >> 2, that is 3 (32-bit words), while
 * hpio.h calls it the header's length, and it ignores the field on write (the frame always
 * starts 12 bytes in). These fds do what the module does: 3 on receive, ignored on send.
 * (libpktio's own pktio_readv() writes 12, in bytes.) tstamp is the receive time in ns
 * since the Epoch (the module's is the NIC's hardware stamp, 0 without one).
 *
 * One lock per fd: several threads may share one; libpktio handles are single-threaded.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload_libc.h"
#include "preload_private.h"

#define HPIO_DIR "/dev/hpio/"
#define HPIO_VERSION 2
#define HPIO_HDRLEN_WORDS 3     /* what the module writes in hdrlen */
#define TX_WAIT_NS 20000

struct hpio_hdr {
	uint8_t version;
	uint8_t hdrlen;
	uint16_t pktlen;
	uint64_t tstamp;
} __attribute__((packed));

_Static_assert(sizeof(struct hpio_hdr) == 12, "hpio header");

struct preload_hpio {
	struct preload_file f;
	int port;
	unsigned int flags;       /* PKTIO_F_* it was opened with */
	bool dead;
	struct preload_rx rx;     /* the handle (receiving unless O_WRONLY) */
};

static unsigned int
rx_mode(void)
{
	const char *m = getenv(PRELOAD_ENV_HPIO_MODE);

	if (m != NULL && strcmp(m, "mirror") == 0)
		return PKTIO_F_MIRROR;
	if (m != NULL && strcmp(m, "exclusive") == 0)
		return PKTIO_F_EXCLUSIVE;
	return PKTIO_F_FANOUT;
}

int
preload_hpio_open(const char *path, int flags, int *fd)
{
	const char *name = path + strlen(HPIO_DIR);
	struct preload_hpio *h;
	struct pktio_port *p;
	unsigned int pf;
	int port = preload_port_by_name(name), acc = flags & O_ACCMODE, rc;

	if (port < 0)
		return 0;
	pf = PKTIO_F_NONBLOCK | (acc == O_WRONLY ? PKTIO_F_TXONLY : rx_mode());
	p = preload_port_open((unsigned int)port, pf);
	if (p == NULL) {
		*fd = errno == ENOENT || errno == ECONNREFUSED ? -ENODEV : -errno;
		return 1;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		rc = -ENOMEM;
		goto close_port;
	}
	preload_file_init(&h->f, PRELOAD_HPIO, acc | (flags & O_NONBLOCK));
	h->port = port;
	h->flags = pf;
	h->rx.p = p;
	/* the program's fd: the doorbell, so that its own poll/epoll sleep in the kernel */
	rc = libc_fcntl(pktio_port_fd(p), (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD,
			(void *)0L);
	if (rc < 0) {
		rc = -errno;
		goto free_dev;
	}
	*fd = rc;
	rc = preload_fd_install(*fd, &h->f);
	preload_file_put(&h->f);
	if (rc < 0) {
		libc_close(*fd);
		*fd = rc;
	}
	return 1;

free_dev:
	free(h);
close_port:
	PRELOAD_ENTER();
	pktio_port_close(p);
	PRELOAD_LEAVE();
	*fd = rc;
	return 1;
}

/* Lock; in a fork child, attach again first (the parent's handle is not ours). */
static void
hpio_lock(struct preload_hpio *h)
{
	struct pktio_port *p;

	pthread_mutex_lock(&h->f.lock);
	if (h->f.gen == preload_gen)
		return;
	preload_handle_forget(h->rx.p);
	h->rx.p = NULL;
	h->rx.nb = 0;
	h->f.gen = preload_gen;
	p = preload_port_open((unsigned int)h->port, h->flags);
	if (p == NULL || preload_file_retarget(&h->f, pktio_port_fd(p)) < 0) {
		if (p != NULL) {
			PRELOAD_ENTER();
			pktio_port_close(p);
			PRELOAD_LEAVE();
		}
		h->dead = true;
		return;
	}
	h->rx.p = p;
	preload_epoll_refresh(&h->f);
}

static int
hpio_failed(struct preload_hpio *h, int rc)
{
	if (rc == -ECONNRESET) {
		h->dead = true;
		return -ENETDOWN;
	}
	return rc;
}

/* Packets waiting, taken into the held queue. Under the lock. */
static int
hpio_pump(struct preload_hpio *h)
{
	struct preload_rx *rx = &h->rx;
	int n;

	if (h->dead)
		return -ENETDOWN;
	if (rx->p == NULL || (h->flags & PKTIO_F_TXONLY))
		return 0;
	if (rx->nb > 0)
		return (int)rx->nb;
	PRELOAD_ENTER();
	n = pktio_rx_burst(rx->p, rx->held, PRELOAD_HELD);
	PRELOAD_LEAVE();
	if (n < 0)
		return hpio_failed(h, n);
	rx->head = 0;
	rx->nb = (unsigned int)n;
	return n;
}

/* Copy held packet i into @p buf (@p len bytes): header and frame. @return frame bytes. */
static uint32_t
hpio_copy(const struct pktio_pkt *pkt, void *buf, size_t len)
{
	struct hpio_hdr hdr = {
		.version = HPIO_VERSION,
		.hdrlen = HPIO_HDRLEN_WORDS,
		.pktlen = (uint16_t)pkt->len,
		.tstamp = pkt->tstamp,
	};
	/* the module's packet_copy_len() */
	uint32_t copy = len > pkt->len + sizeof(hdr) ? pkt->len : (uint32_t)(len - sizeof(hdr));

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy((char *)buf + sizeof(hdr), pkt->data, copy);
	return copy;
}

static void
hpio_release(struct preload_hpio *h, unsigned int n)
{
	struct preload_rx *rx = &h->rx;

	PRELOAD_ENTER();
	pktio_rx_release(rx->p, &rx->held[rx->head], n);
	PRELOAD_LEAVE();
	rx->head += n;
	rx->nb -= n;
}

ssize_t
preload_hpio_read(struct preload_hpio *h, void *buf, size_t len)
{
	ssize_t rc;

	if ((h->f.status & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (len < sizeof(struct hpio_hdr))
		return -EINVAL;
	hpio_lock(h);
	rc = hpio_pump(h);
	if (rc > 0) {
		rc = hpio_copy(&h->rx.held[h->rx.head], buf, len);
		hpio_release(h, 1);
	}
	pthread_mutex_unlock(&h->f.lock);
	return rc;
}

ssize_t
preload_hpio_readv(struct preload_hpio *h, const struct iovec *iov, int iovcnt)
{
	int i = 0, n;

	if ((h->f.status & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (n = 0; n < iovcnt; n++)
		if (iov[n].iov_len < sizeof(struct hpio_hdr))
			return -EINVAL;
	hpio_lock(h);
	while (i < iovcnt) {
		unsigned int k;

		n = hpio_pump(h);
		if (n <= 0) {
			if (i == 0 && n < 0)
				i = n;
			break;
		}
		for (k = 0; k < (unsigned int)n && i < iovcnt; k++, i++)
			hpio_copy(&h->rx.held[h->rx.head + k], iov[i].iov_base, iov[i].iov_len);
		hpio_release(h, k);
	}
	pthread_mutex_unlock(&h->f.lock);
	return i;
}

/* Reserve up to @p n tx buffers, waiting for one unless non-blocking. Under the lock,
 * which it drops while it waits. */
static int
hpio_reserve(struct preload_hpio *h, struct pktio_pkt *pkts, unsigned int n)
{
	const struct timespec pause = { .tv_nsec = TX_WAIT_NS };
	int rc;

	for (;;) {
		if (h->dead || h->rx.p == NULL)
			return -ENETDOWN;
		PRELOAD_ENTER();
		rc = pktio_tx_reserve(h->rx.p, pkts, n);
		PRELOAD_LEAVE();
		if (rc != 0)
			return rc < 0 ? hpio_failed(h, rc) : rc;
		if (h->f.status & O_NONBLOCK)
			return -EAGAIN;
		pthread_mutex_unlock(&h->f.lock);
		nanosleep(&pause, NULL);
		hpio_lock(h);
	}
}

/* Frame length of one iovec as the module takes it; -1: wrong version (skipped). */
static int
hpio_frame(const void *base, size_t len, unsigned int max)
{
	struct hpio_hdr hdr;
	size_t copy;

	if (len < sizeof(hdr))
		return -1;
	memcpy(&hdr, base, sizeof(hdr));
	if (hdr.version != HPIO_VERSION)
		return -1;
	copy = hdr.pktlen + sizeof(hdr) > len ? len - sizeof(hdr) : hdr.pktlen;
	return (int)(copy > max ? max : copy);
}

static int
hpio_submit(struct preload_hpio *h, struct pktio_pkt *pkts, unsigned int n)
{
	int rc;

	PRELOAD_ENTER();
	rc = pktio_tx_submit(h->rx.p, pkts, n);
	PRELOAD_LEAVE();
	return rc < 0 ? hpio_failed(h, rc) : rc;
}

ssize_t
preload_hpio_write(struct preload_hpio *h, const void *buf, size_t len)
{
	struct pktio_pkt pkt;
	ssize_t rc;
	int flen;

	if ((h->f.status & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (len < sizeof(struct hpio_hdr) ||
	    ((const struct hpio_hdr *)buf)->version != HPIO_VERSION)
		return -EINVAL;
	hpio_lock(h);
	rc = hpio_reserve(h, &pkt, 1);
	if (rc > 0) {
		flen = hpio_frame(buf, len, pkt.cap);
		memcpy(pkt.data, (const char *)buf + sizeof(struct hpio_hdr), (size_t)flen);
		pkt.len = (uint32_t)flen; /* 0: given back unsent */
		rc = hpio_submit(h, &pkt, 1);
		if (rc >= 0)
			rc = (ssize_t)len;
	}
	pthread_mutex_unlock(&h->f.lock);
	return rc;
}

ssize_t
preload_hpio_writev(struct preload_hpio *h, const struct iovec *iov, int iovcnt)
{
	struct pktio_pkt pkts[PRELOAD_HELD];
	int done = 0, i = 0, n, k, flen, rc = 0;

	if ((h->f.status & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	hpio_lock(h);
	while (i < iovcnt) {
		int want = iovcnt - i < PRELOAD_HELD ? iovcnt - i : PRELOAD_HELD;

		n = done == 0 ? hpio_reserve(h, pkts, (unsigned int)want) : 0;
		if (done > 0) { /* after the first batch: what is free, without waiting */
			PRELOAD_ENTER();
			n = pktio_tx_reserve(h->rx.p, pkts, (unsigned int)want);
			PRELOAD_LEAVE();
		}
		if (n <= 0) {
			rc = n;
			break;
		}
		for (k = 0; k < n; k++, i++) {
			flen = hpio_frame(iov[i].iov_base, iov[i].iov_len, pkts[k].cap);
			if (flen > 0)
				memcpy(pkts[k].data, (const char *)iov[i].iov_base +
				       sizeof(struct hpio_hdr), (size_t)flen);
			pkts[k].len = flen > 0 ? (uint32_t)flen : 0; /* 0: not sent */
		}
		rc = hpio_submit(h, pkts, (unsigned int)n);
		if (rc < 0)
			break;
		done += rc;
	}
	pthread_mutex_unlock(&h->f.lock);
	return done > 0 || rc >= 0 ? done : rc;
}

int
preload_hpio_poll(struct preload_hpio *h, short events, bool hup, int *ctl)
{
	int rev = 0;

	*ctl = -1;
	hpio_lock(h);
	if (hup)
		h->dead = true;
	if (h->dead) {
		rev = POLLERR | POLLHUP;
	} else if (h->rx.p != NULL) {
		*ctl = pktio_port_ctl_fd(h->rx.p);
		if (hpio_pump(h) > 0)
			rev = POLLIN | POLLRDNORM;
		else if (h->dead)
			rev = POLLERR | POLLHUP;
	}
	pthread_mutex_unlock(&h->f.lock);
	return rev & (events | POLLERR | POLLHUP | POLLNVAL);
}

void
preload_hpio_destroy(struct preload_hpio *h)
{
	preload_rx_close(&h->rx, h->f.gen);
	pthread_mutex_destroy(&h->f.lock);
	free(h);
}
