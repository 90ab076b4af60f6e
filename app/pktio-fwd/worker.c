/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Workers: one thread per queue pair. Worker i attaches to queue i of every port
 * (exclusive, non-blocking) and loops: a readv burst from each port in turn, the mode's
 * processing, writev of what each output port got. When a whole pass finds nothing it
 * sleeps in epoll_wait on its ports' descriptors (level-triggered: readable exactly when a
 * read would return a packet), so an idle forwarder uses no CPU. With busy_poll it never
 * sleeps and its handles skip the doorbell: no fence, no syscall on the data path.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_common.h>

#include "cli.h"
#include "fwd.h"

#define EV_KICK  0xffffffffu
#define EV_CTL   0x10000u     /* or'ed with the port index: its control socket */

static void
tx_account(struct fwd_port_stats *ps, const struct iovec *iov, int n)
{
	int i;

	ps->tx_packets += n;
	for (i = 0; i < n; i++)
		ps->tx_bytes += iov[i].iov_len - FWD_HDR;
}

/*
 * writev everything queued for port @p p. A full port (the appliance has not taken our
 * earlier frames yet) is waited for, in short naps, up to tx_wait_us; then the rest is
 * dropped and counted: back-pressure for a moment, tail drop beyond.
 */
void
fwd_tx_flush(struct fwd_worker *w, unsigned int p)
{
	struct fwd_wport *wp = &w->port[p];
	struct fwd_port_stats *ps = &w->st.port[p];
	unsigned int done = 0, waited = 0, nap = 1;
	int rc;

	while (done < wp->nb_tx) {
		rc = pktio_writev(wp->h, wp->tx + done, wp->nb_tx - done);
		if (rc > 0) {
			tx_account(ps, wp->tx + done, rc);
			done += rc;
			nap = 1;
		} else if (rc == -EAGAIN && waited < w->fwd->conf.tx_wait_us) {
			usleep(nap);
			waited += nap;
			nap = RTE_MIN(nap * 2, 64u);
		} else if (rc == -EAGAIN) {
			ps->tx_full += wp->nb_tx - done;
			w->st.drop[FWD_DROP_TX_FULL] += wp->nb_tx - done;
			break;
		} else if (rc == -EMSGSIZE || rc == -EINVAL) {
			ps->too_long++;         /* the first one was refused: skip it */
			w->st.drop[FWD_DROP_TOO_LONG]++;
			done++;
		} else {
			w->error = rc;
			break;
		}
	}
	wp->nb_tx = 0;
}

/*
 * Send @p n frames received on port @p in out of port @p out with pktio_forward(), each
 * with its header of @p hdr_len bytes at @p hdrs (none when NULL). A full port is waited
 * for as fwd_tx_flush() waits; what it still does not take goes back to @p in, counted.
 */
void
fwd_forward(struct fwd_worker *w, unsigned int in, unsigned int out, struct pktio_pkt *pk,
	    unsigned int n, const uint8_t *hdrs, unsigned int hdr_len)
{
	struct fwd_port_stats *ps = &w->st.port[out];
	unsigned int done = 0, waited = 0, nap = 1, i;
	int rc;

	while (done < n) {
		rc = pktio_forward(w->port[out].h, w->port[in].h, pk + done, n - done,
				   hdrs != NULL ? hdrs + (size_t)done * hdr_len : NULL, hdr_len);
		if (rc > 0) {
			for (i = done; i < done + rc; i++)
				ps->tx_bytes += pk[i].len;
			ps->tx_packets += rc;
			w->st.in_place += rc;
			done += rc;
			nap = 1;
		} else if (rc == 0 && waited < w->fwd->conf.tx_wait_us) {
			usleep(nap);
			waited += nap;
			nap = RTE_MIN(nap * 2, 64u);
		} else {
			if (rc < 0)
				w->error = rc;
			ps->tx_full += n - done;
			w->st.drop[FWD_DROP_TX_FULL] += n - done;
			pktio_rx_release(w->port[in].h, pk + done, n - done);
			break;
		}
	}
}

void
fwd_tx_flush_all(struct fwd_worker *w)
{
	unsigned int p;

	for (p = 0; p < w->fwd->conf.nb_ports; p++)
		if (w->port[p].nb_tx > 0)
			fwd_tx_flush(w, p);
}

/* Queue a slot (hpio header + @p len bytes of frame) for port @p p; it must stay untouched
 * until the next flush. */
void
fwd_tx_queue(struct fwd_worker *w, unsigned int p, uint8_t *slot, uint32_t len)
{
	struct fwd_wport *wp = &w->port[p];

	if (unlikely(len > wp->max_frame)) {
		w->st.port[p].too_long++;
		w->st.drop[FWD_DROP_TOO_LONG]++;
		return;
	}
	if (wp->nb_tx == FWD_TXQ)
		fwd_tx_flush(w, p);
	pktio_hdr_set((struct pktio_hdr *)slot, len, 0);
	wp->tx[wp->nb_tx++] = (struct iovec){ .iov_base = slot, .iov_len = FWD_HDR + len };
}

/* A buffer for a packet the router builds, valid until the end of the current burst. */
uint8_t *
fwd_scratch_get(struct fwd_worker *w)
{
	if (w->nb_scratch == FWD_SCRATCH_NB) {
		fwd_tx_flush_all(w);    /* writev copied them: every buffer is free again */
		w->nb_scratch = 0;
	}
	return w->scratch + (size_t)FWD_SCRATCH_SIZE * w->nb_scratch++;
}

void
fwd_kick_others(struct fwd_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->fwd->nb_workers; i++)
		if (w->fwd->w[i] != w)
			eventfd_write(w->fwd->w[i]->kick_fd, 1);
}

static void
rx_account(struct fwd_worker *w, unsigned int p, unsigned int n)
{
	struct fwd_port_stats *ps = &w->st.port[p];
	unsigned int i;

	ps->rx_packets += n;
	for (i = 0; i < n; i++)
		ps->rx_bytes += ((const struct pktio_hdr *)w->rx_iov[i].iov_base)->pktlen;
}

/* --count: the worker whose burst crosses the limit tells the main thread. */
static void
count_consumed(struct fwd_worker *w, unsigned int n)
{
	struct fwd *f = w->fwd;
	uint64_t c;

	if (f->count == 0 || n == 0)
		return;
	c = __atomic_add_fetch(&f->consumed, n, __ATOMIC_RELAXED);
	if (c >= f->count && c - n < f->count)
		eventfd_write(f->done_fd, 1);
}

/* One burst from each port. @return frames received. */
static unsigned int
worker_pass(struct fwd_worker *w)
{
	struct fwd *f = w->fwd;
	unsigned int p, total = 0;
	int n;

	for (p = 0; p < f->conf.nb_ports && w->error == 0; p++) {
		if (w->port[p].zc_to != 0) {
			n = f->conf.mode == FWD_MODE_L2 ? fwd_l2_zc(w, p) : fwd_router_zc(w, p);
			if (n == -EAGAIN)
				continue;
			if (n < 0) {
				w->error = n;
				break;
			}
			total += n;
			continue;
		}
		n = pktio_readv(w->port[p].h, w->rx_iov, f->conf.burst);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			w->error = n;
			break;
		}
		rx_account(w, p, n);
		if (f->conf.mode == FWD_MODE_L2)
			fwd_l2_burst(w, p, n);
		else
			fwd_router_burst(w, p, n);
		fwd_tx_flush_all(w);
		w->nb_scratch = 0;
		total += n;
	}
	count_consumed(w, total);
	return total;
}

static void
worker_sleep(struct fwd_worker *w)
{
	struct epoll_event ev[2 * FWD_MAX_PORTS + 1];
	int timeout = w->fwd->conf.mode == FWD_MODE_ROUTER ? fwd_arp_timeout_ms(w) : -1;
	int i, n = epoll_wait(w->epfd, ev, RTE_DIM(ev), timeout);
	eventfd_t v;

	for (i = 0; i < n; i++) {
		if (ev[i].data.u32 == EV_KICK)
			eventfd_read(w->kick_fd, &v);
		else if (ev[i].data.u32 & EV_CTL)
			w->error = -ECONNRESET; /* the control socket hung up: pktiod is gone */
	}
}

static void *
worker_main(void *arg)
{
	struct fwd_worker *w = arg;
	struct fwd *f = w->fwd;
	unsigned int got;

	while (!__atomic_load_n(&f->quit, __ATOMIC_ACQUIRE) && w->error == 0) {
		w->now = fwd_now_ns();
		got = worker_pass(w);
		if (f->conf.mode == FWD_MODE_ROUTER && w->error == 0)
			fwd_arp_timers(w);
		if (got == 0 && w->error == 0 && !f->conf.busy_poll)
			worker_sleep(w);
	}
	if (w->error != 0) {
		fprintf(stderr, FWD_PROG ": worker %u: %s%s\n", w->id, strerror(-w->error),
			w->error == -ECONNRESET ? " (pktiod went away)" : "");
		eventfd_write(f->done_fd, 1);
	}
	return NULL;
}

static int
epoll_add(int epfd, int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int
port_open(struct fwd_worker *w, unsigned int p)
{
	const struct fwd_conf *c = &w->fwd->conf;
	struct pktio_port *h;
	int rc;

	h = pktio_port_open(c->port[p], w->id, PKTIO_F_EXCLUSIVE | PKTIO_F_NONBLOCK |
			    (c->busy_poll ? PKTIO_F_BUSYPOLL : 0),
			    c->socket[0] != '\0' ? c->socket : NULL);
	if (h == NULL) {
		rc = -errno;
		cli_attach_error(c->socket[0] != '\0' ? c->socket : NULL, c->port[p], -rc);
		return rc;
	}
	w->port[p].h = h;
	w->port[p].max_frame = pktio_port_max_frame(h);
	rc = epoll_add(w->epfd, pktio_port_fd(h), EPOLLIN, p);
	/* no events asked: epoll still reports EPOLLHUP, which is all we want from it */
	return rc ?: epoll_add(w->epfd, pktio_port_ctl_fd(h), 0, EV_CTL | p);
}

static int
worker_buffers(struct fwd_worker *w)
{
	const struct fwd_conf *c = &w->fwd->conf;
	unsigned int p, max = 0, i;

	for (p = 0; p < c->nb_ports; p++)
		max = RTE_MAX(max, w->port[p].max_frame);
	w->slot_size = RTE_ALIGN(FWD_HDR + max, 64);
	w->rx_buf = aligned_alloc(64, w->slot_size * c->burst);
	w->scratch = aligned_alloc(64, (size_t)FWD_SCRATCH_SIZE * FWD_SCRATCH_NB);
	if (w->rx_buf == NULL || w->scratch == NULL)
		return -ENOMEM;
	for (i = 0; i < c->burst; i++)
		w->rx_iov[i] = (struct iovec){ .iov_base = w->rx_buf + w->slot_size * i,
					       .iov_len = w->slot_size };
	return c->mode == FWD_MODE_ROUTER ? fwd_arp_worker_init(w) : 0;
}

static int
worker_init(struct fwd *f, unsigned int id)
{
	struct fwd_worker *w = aligned_alloc(64, RTE_ALIGN(sizeof(*w), 64));
	unsigned int p, o;
	int rc;

	if (w == NULL)
		return -ENOMEM;
	memset(w, 0, sizeof(*w));
	w->fwd = f;
	w->id = id;
	w->kick_fd = -1;
	f->w[f->nb_workers++] = w;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->kick_fd < 0)
		return -errno;
	rc = epoll_add(w->epfd, w->kick_fd, EPOLLIN, EV_KICK);
	for (p = 0; p < f->conf.nb_ports && rc == 0; p++)
		rc = port_open(w, p);
	for (p = 0; p < f->conf.nb_ports && rc == 0; p++)
		for (o = 0; o < f->conf.nb_ports; o++)
			if ((f->conf.mode == FWD_MODE_ROUTER || o == fwd_l2_out(f, p)) &&
			    pktio_forward_zerocopy(w->port[o].h, w->port[p].h))
				w->port[p].zc_to |= 1u << o;
	return rc ?: worker_buffers(w);
}

/* Attach every worker to every port first, then start them: no frame is read before every
 * output port is there. */
int
fwd_workers_start(struct fwd *f)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < f->conf.queues && rc == 0; i++)
		rc = worker_init(f, i);
	if (rc == -ENOMEM)
		fprintf(stderr, FWD_PROG ": %s\n", strerror(ENOMEM));
	f->start_ns = fwd_now_ns();
	for (i = 0; i < f->nb_workers && rc == 0; i++) {
		rc = -pthread_create(&f->w[i]->thread, NULL, worker_main, f->w[i]);
		f->w[i]->started = rc == 0;
		if (rc < 0)
			fprintf(stderr, FWD_PROG ": worker %u: %s\n", i, strerror(-rc));
	}
	return rc;
}

/* Stop and join the workers, then detach (each close waits for our frames to be taken).
 * @return the first worker's error, or 0. */
int
fwd_workers_stop(struct fwd *f)
{
	unsigned int i, p;
	int rc = 0;

	f->stop_ns = fwd_now_ns();
	__atomic_store_n(&f->quit, true, __ATOMIC_RELEASE);
	for (i = 0; i < f->nb_workers; i++) {
		struct fwd_worker *w = f->w[i];

		if (w->kick_fd >= 0)
			eventfd_write(w->kick_fd, 1);
		if (w->started)
			pthread_join(w->thread, NULL);
		w->started = false;
		rc = rc ?: w->error;
		for (p = 0; p < FWD_MAX_PORTS; p++) {
			if (w->port[p].h != NULL)
				pktio_port_close(w->port[p].h);
			w->port[p].h = NULL; /* the rest stays for the final stats */
		}
	}
	return rc;
}

void
fwd_workers_free(struct fwd *f)
{
	unsigned int i;

	for (i = 0; i < f->nb_workers; i++) {
		struct fwd_worker *w = f->w[i];

		if (w->epfd >= 0)
			close(w->epfd);
		if (w->kick_fd >= 0)
			close(w->kick_fd);
		free(w->pend_buf);
		free(w->scratch);
		free(w->rx_buf);
		free(w);
		f->w[i] = NULL;
	}
	f->nb_workers = 0;
}
