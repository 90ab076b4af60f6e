/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* rxonly: receive and count, like testpmd's rxonly.c. */

#include <errno.h>
#include <stdlib.h>

#include "bench.h"

struct rxonly {
	struct iovec iov[BENCH_BURST_MAX];      /* readv: burst buffers; read: iov[0] */
	struct pktio_pkt pkts[BENCH_BURST_MAX]; /* zc */
	unsigned int max_frame;
};

static int
rxonly_init(struct bench_thread *t)
{
	struct rxonly *r;
	int rc;

	t->rx = bench_port_open(t, t->o->port, 0);
	if (t->rx == NULL)
		return -errno;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->max_frame = pktio_port_max_frame(t->rx);
	rc = bench_rxbufs_alloc(t->o, r->iov, r->max_frame);
	if (rc < 0)
		goto free_state;
	t->priv = r;
	return 0;

free_state:
	free(r);
	return rc;
}

static void
rxonly_fini(struct bench_thread *t)
{
	struct rxonly *r = t->priv;

	if (r == NULL)
		return;
	bench_rxbufs_free(r->iov);
	free(r);
	t->priv = NULL;
}

static int
rxonly_readv(struct bench_thread *t, struct rxonly *r)
{
	uint64_t bytes = 0;
	int i, n;

	n = pktio_readv(t->rx, r->iov, t->o->burst);
	if (n <= 0)
		return n;
	for (i = 0; i < n; i++)
		bytes += ((const struct pktio_hdr *)r->iov[i].iov_base)->pktlen;
	bench_count_rx(t, n, bytes);
	return n;
}

/* One packet per call; busy mode drains up to a burst before publishing the counters. */
static int
rxonly_read(struct bench_thread *t, struct rxonly *r)
{
	unsigned int want = t->o->block ? 1 : t->o->burst, n;
	struct pktio_meta meta;
	uint64_t bytes = 0;
	ssize_t rc = 0;

	for (n = 0; n < want; n++) {
		rc = pktio_read(t->rx, r->iov[0].iov_base, r->max_frame, &meta);
		if (rc < 0)
			break;
		bytes += meta.len;
	}
	if (n == 0)
		return (int)rc;
	bench_count_rx(t, n, bytes);
	return n;
}

static int
rxonly_zc(struct bench_thread *t, struct rxonly *r)
{
	uint64_t bytes = 0;
	int i, n;

	n = pktio_rx_burst(t->rx, r->pkts, t->o->burst);
	if (n == 0)
		return t->o->block ? bench_wait_rx(t->rx) : -EAGAIN;
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		bytes += r->pkts[i].len;
	pktio_rx_release(t->rx, r->pkts, n);
	bench_count_rx(t, n, bytes);
	return n;
}

static int
rxonly_run(struct bench_thread *t)
{
	struct rxonly *r = t->priv;

	switch (t->o->io) {
	case BENCH_IO_READV:
		return rxonly_readv(t, r);
	case BENCH_IO_READ:
		return rxonly_read(t, r);
	default:
		return rxonly_zc(t, r);
	}
}

const struct bench_engine bench_rxonly_engine = {
	.name = "rxonly",
	.help = "receive and count (default); readv: a burst of iovecs, each a\n"
		"            pktio_hdr and room for the port's max frame; read: one frame\n"
		"            per call; zc: pktio_rx_burst then pktio_rx_release",
	.init = rxonly_init,
	.run = rxonly_run,
	.fini = rxonly_fini,
};
