/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* The public calls: driver selection, and the copy API built on the zero-copy one. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "pktio_private.h"

static pktio_log_fn log_fn;
static int log_level = LOG_ERR;

static const struct pktio_driver *const drivers[] = {
	&pktio_shm_driver,
	&pktio_afpacket_driver,
};

void
pktio_log_set(pktio_log_fn fn, int level)
{
	log_fn = fn;
	log_level = level;
}

void
pktio_log(int level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (log_fn == NULL || level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(level, msg);
}

const char *
pktio_sock_path(const char *sock)
{
	if (sock != NULL && sock[0] != '\0')
		return sock;
	sock = getenv(PKTIO_SOCKET_ENV);
	return sock != NULL && sock[0] != '\0' ? sock : PKTIO_SOCKET_DEFAULT;
}

void
pktio_bad_id(struct pktio_port *p, const char *call, uint32_t id)
{
	if (p->bad_ids++ == 0)
		pktio_log(LOG_WARNING, "pktio: %s: buffer id %u is not the caller's: ignored "
			  "(logged once per handle)", call, id);
}

/* $PKTIO_CTL_TIMEOUT_MS when it is a number of 1..PKTIO_CTL_TIMEOUT_MAX_MS, else the
 * default. */
static long
ctl_timeout_ms(void)
{
	const char *env = getenv(PKTIO_CTL_TIMEOUT_ENV);
	char *end;
	long ms;

	if (env == NULL || *env < '0' || *env > '9')
		return PKTIO_CTL_TIMEOUT_DEFAULT_MS;
	ms = strtol(env, &end, 10);
	if (*end != '\0' || ms <= 0 || ms > PKTIO_CTL_TIMEOUT_MAX_MS)
		return PKTIO_CTL_TIMEOUT_DEFAULT_MS;
	return ms;
}

int
pktio_sock_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long ms = ctl_timeout_ms();
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A squatter on the path, or a pktiod that stopped answering, cannot hang us. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		rc = -errno;
		goto close_sock;
	}
	/* a full backlog is waited for up to the send timeout, then EAGAIN */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
		goto close_sock;
	}
	return fd;

close_sock:
	close(fd);
	return rc;
}

/* "drv:name" picks a driver by prefix; a bare name is a pktiod port. */
static const struct pktio_driver *
driver_lookup(const char **name)
{
	const char *colon = strchr(*name, ':');
	size_t i;

	if (colon == NULL)
		return &pktio_shm_driver;
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (strlen(drivers[i]->prefix) == (size_t)(colon - *name) &&
		    strncmp(drivers[i]->prefix, *name, colon - *name) == 0) {
			*name = colon + 1;
			return drivers[i];
		}
	}
	return NULL;
}

struct pktio_port *
pktio_port_open(const char *name, unsigned int queue, unsigned int flags, const char *sock)
{
	const unsigned int known = PKTIO_F_MODE_MASK | PKTIO_F_NONBLOCK | PKTIO_F_BUSYPOLL |
				   PKTIO_F_TXONLY | PKTIO_F_IMMEDIATE | PKTIO_F_OUTGOING |
				   PKTIO_F_COPY;
	struct pktio_port *p;
	int rc;

	if (name == NULL || queue > PKTIO_QUEUE_ANY || (flags & ~known) != 0 ||
	    (flags & PKTIO_F_MODE_MASK) == PKTIO_F_MODE_MASK) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->drv = driver_lookup(&name);
	if (p->drv == NULL) {
		rc = -ENOENT;
		goto free_port;
	}
	p->flags = flags;
	p->fd = -1;
	p->ctl_fd = -1;
	rc = p->drv->open(p, name, queue, flags, sock);
	if (rc < 0)
		goto free_port;
	return p;

free_port:
	free(p);
	errno = -rc;
	return NULL;
}

int
pktio_port_close(struct pktio_port *p)
{
	int rc;

	if (p == NULL)
		return -EINVAL;
	rc = p->drv->close(p);
	free(p);
	return rc;
}

int
pktio_port_fd(const struct pktio_port *p)
{
	return p->fd;
}

int
pktio_port_ctl_fd(const struct pktio_port *p)
{
	return p->ctl_fd;
}

unsigned int
pktio_port_max_frame(const struct pktio_port *p)
{
	return p->max_frame;
}

int
pktio_rx_burst(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	return p->drv->rx_burst(p, pkts, n);
}

void
pktio_rx_release(struct pktio_port *p, const struct pktio_pkt *pkts, unsigned int n)
{
	p->drv->rx_release(p, pkts, n);
}

int
pktio_tx_reserve(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	return p->drv->tx_reserve(p, pkts, n);
}

int
pktio_tx_submit(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	return p->drv->tx_submit(p, pkts, n);
}

bool
pktio_forward_zerocopy(const struct pktio_port *out, const struct pktio_port *in)
{
	return out != NULL && in != NULL && out->drv == in->drv && out->drv->forward_ok != NULL &&
	       out->drv->forward_ok(out, in);
}

/* pktio_forward() through copies: into tx buffers of @p out, then the rx buffers go back. */
static int
forward_copy(struct pktio_port *out, struct pktio_port *in, const struct pktio_pkt *pkts,
	     unsigned int n, const uint8_t *hdrs, unsigned int hdr_len)
{
	struct pktio_pkt tx[PKTIO_BURST];
	unsigned int done = 0, i;
	int k, rc;

	while (done < n) {
		k = pktio_tx_reserve(out, tx, RTE_MIN(n - done, (unsigned int)PKTIO_BURST));
		if (k <= 0)
			return done > 0 ? (int)done : k;
		for (i = 0; i < (unsigned int)k; i++) {
			const struct pktio_pkt *rx = &pkts[done + i];

			memcpy(tx[i].data, rx->data, rx->len);
			if (hdr_len > 0)
				memcpy(tx[i].data, hdrs + (size_t)(done + i) * hdr_len, hdr_len);
			tx[i].len = rx->len;
		}
		rc = pktio_tx_submit(out, tx, k);
		if (rc < 0)
			return done > 0 ? (int)done : rc;
		pktio_rx_release(in, pkts + done, k);
		done += k;
	}
	return done;
}

int
pktio_forward(struct pktio_port *out, struct pktio_port *in, const struct pktio_pkt *pkts,
	      unsigned int n, const void *hdrs, unsigned int hdr_len)
{
	unsigned int i;

	if (out == NULL || in == NULL || (pkts == NULL && n > 0) ||
	    hdr_len > PKTIO_FORWARD_HDR_MAX || (hdr_len > 0 && hdrs == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (pkts[i].len == 0 || pkts[i].len < hdr_len)
			return -EINVAL;
		if (pkts[i].len > out->max_frame || pkts[i].len > in->max_frame)
			return -EMSGSIZE; /* in's buffers hold max_frame bytes */
	}
	if (pktio_forward_zerocopy(out, in))
		return out->drv->forward(out, in, pkts, n, hdrs, hdr_len);
	return forward_copy(out, in, pkts, n, hdrs, hdr_len);
}

int
pktio_port_set_busy_poll(struct pktio_port *p, unsigned int usec)
{
	if (p == NULL || usec > PKTIO_BUSY_POLL_MAX_US)
		return -EINVAL;
	p->busy_poll_ns = usec * 1000ull;
	return 0;
}

static uint64_t
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t); /* vDSO: no syscall */
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Before sleeping: poll up to @p ns for a packet. @return true when one came. */
static bool
rx_spin(struct pktio_port *p, uint64_t ns)
{
	uint64_t end;
	unsigned int i;

	if (ns == 0 || (p->flags & PKTIO_F_BUSYPOLL))
		return false; /* off, or the driver spins for ever itself */
	end = mono_ns() + ns;
	do {
		for (i = 0; i < 64; i++) {
			if (p->drv->rx_ready(p))
				return true;
			rte_pause();
		}
	} while (mono_ns() < end);
	return false;
}

int
pktio_wait(struct pktio_port *p, int timeout_ms)
{
	uint64_t spin = p->busy_poll_ns;

	if (timeout_ms >= 0 && spin > timeout_ms * 1000000ull)
		spin = timeout_ms * 1000000ull; /* the poll is part of the timeout */
	if (rx_spin(p, spin))
		return 1;
	if (timeout_ms > 0)
		timeout_ms -= (int)(spin / 1000000);
	return p->drv->wait_rx(p, timeout_ms);
}

int
pktio_stats_get(const struct pktio_port *p, struct pktio_stats *st)
{
	if (p == NULL || st == NULL)
		return -EINVAL;
	*st = p->st;
	p->drv->stats(p, st);
	return 0;
}

/* Receive at least one packet (or fail): the blocking part shared by read and readv. */
static int
rx_some(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	int rc;

	for (;;) {
		rc = p->drv->rx_burst(p, pkts, n);
		if (rc != 0)
			return rc;
		if (p->flags & PKTIO_F_NONBLOCK)
			return -EAGAIN;
		if (rx_spin(p, p->busy_poll_ns))
			continue;
		rc = p->drv->wait_rx(p, -1);
		if (rc < 0)
			return rc;
		p->st.wakeups++;
	}
}

ssize_t
pktio_read(struct pktio_port *p, void *buf, size_t len, struct pktio_meta *meta)
{
	struct pktio_pkt pkt;
	size_t copy;
	int rc;

	rc = rx_some(p, &pkt, 1);
	if (rc < 0)
		return rc;
	copy = pkt.len <= len ? pkt.len : len;
	memcpy(buf, pkt.data, copy);
	if (copy < pkt.len) {
		pkt.flags |= PKTIO_PKT_TRUNCATED;
		p->st.rx_truncated++;
	}
	if (meta != NULL) {
		meta->tstamp = pkt.tstamp;
		meta->len = pkt.len;
		meta->hash = pkt.hash;
		meta->port = p->port_index;
		meta->queue = pkt.queue;
		meta->flags = pkt.flags;
	}
	p->drv->rx_release(p, &pkt, 1);
	return copy;
}

int
pktio_readv(struct pktio_port *p, const struct iovec *iov, int iovcnt)
{
	struct pktio_pkt pkts[PKTIO_BURST];
	int i, n, rc;

	if (iovcnt <= 0)
		return -EINVAL; /* as readv(2); 0 would wait for a packet it cannot take */
	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len < sizeof(struct pktio_hdr))
			return -EINVAL;
	n = rx_some(p, pkts, iovcnt < PKTIO_BURST ? (unsigned int)iovcnt : PKTIO_BURST);
	if (n <= 0)
		return n;
	for (i = 0;; ) {
		/* written on another core: start every frame's first miss at once */
		for (rc = 0; rc < n; rc++)
			rte_prefetch0(pkts[rc].data);
		for (rc = 0; rc < n; rc++, i++) {
			struct pktio_hdr *h = iov[i].iov_base;
			size_t room = iov[i].iov_len - sizeof(*h);
			uint32_t len = pkts[rc].len;

			if (len > room) {
				len = room;
				p->st.rx_truncated++;
			}
			pktio_hdr_set(h, pkts[rc].len, pkts[rc].tstamp);
			memcpy(h + 1, pkts[rc].data, len);
		}
		p->drv->rx_release(p, pkts, n);
		if (i == iovcnt)
			break;
		/* more room: take what is already there, without sleeping */
		n = p->drv->rx_burst(p, pkts, iovcnt - i < PKTIO_BURST ?
				     (unsigned int)(iovcnt - i) : PKTIO_BURST);
		if (n <= 0)
			break;
	}
	return i;
}

/* Reserve at least one tx buffer (or fail): the blocking part of write and writev. */
static int
tx_some(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	int rc;

	for (;;) {
		rc = p->drv->tx_reserve(p, pkts, n);
		if (rc != 0)
			return rc;
		if (p->flags & PKTIO_F_NONBLOCK)
			return -EAGAIN;
		rc = p->drv->wait_tx(p);
		if (rc < 0)
			return rc;
	}
}

ssize_t
pktio_write(struct pktio_port *p, const void *buf, size_t len)
{
	struct pktio_pkt pkt;
	int rc;

	if (len == 0 || len > p->max_frame)
		return -EMSGSIZE;
	rc = tx_some(p, &pkt, 1);
	if (rc < 0)
		return rc;
	memcpy(pkt.data, buf, len);
	pkt.len = len;
	rc = p->drv->tx_submit(p, &pkt, 1);
	return rc < 0 ? rc : (ssize_t)len;
}

/* Validate one writev iovec; @return the frame length, or -errno. */
static int
iov_frame(const struct pktio_port *p, const struct iovec *v)
{
	const struct pktio_hdr *h = v->iov_base;

	if (v->iov_len < sizeof(*h) || h->version != PKTIO_HDR_VERSION ||
	    h->hdrlen < sizeof(*h) || h->hdrlen + (size_t)h->pktlen > v->iov_len)
		return -EINVAL;
	if (h->pktlen == 0 || h->pktlen > p->max_frame)
		return -EMSGSIZE;
	return h->pktlen;
}

int
pktio_writev(struct pktio_port *p, const struct iovec *iov, int iovcnt)
{
	struct pktio_pkt pkts[PKTIO_BURST];
	int done = 0, want, n, i, len, rc;

	if (iovcnt <= 0)
		return -EINVAL; /* as writev(2) */
	len = iov_frame(p, &iov[0]);
	if (len < 0)
		return len;
	while (done < iovcnt) {
		want = iovcnt - done < PKTIO_BURST ? iovcnt - done : PKTIO_BURST;
		n = done == 0 ? tx_some(p, pkts, want) : p->drv->tx_reserve(p, pkts, want);
		if (n <= 0)
			return done > 0 ? done : n;
		for (i = 0; i < n; i++) {
			const struct iovec *v = &iov[done + i];
			const struct pktio_hdr *h = v->iov_base;

			len = iov_frame(p, v);
			if (len < 0)
				break;
			memcpy(pkts[i].data, (const char *)h + h->hdrlen, len);
			pkts[i].len = len;
		}
		for (int j = i; j < n; j++)
			pkts[j].len = 0; /* unused reservations go back */
		rc = p->drv->tx_submit(p, pkts, n);
		if (rc < 0) /* none of this batch was sent */
			return done > 0 ? done : rc;
		done += i;
		if (i < n)
			break;
	}
	return done;
}
