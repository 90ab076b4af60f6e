/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * txonly: send prebuilt Ethernet/IPv4/UDP frames as fast as the port takes them, like
 * testpmd's txonly.c. The handle is PKTIO_F_TXONLY: it takes no receive queue.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct txonly {
	struct bench_frames f;
	struct pktio_pkt pkts[BENCH_BURST_MAX]; /* zc */
};

static int
txonly_init(struct bench_thread *t)
{
	struct txonly *x;
	int rc;

	t->tx = bench_port_open(t, t->o->port, PKTIO_F_TXONLY);
	if (t->tx == NULL)
		return -errno;
	rc = bench_size_check(t->o, t->tx, t->o->port);
	if (rc < 0)
		return rc;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -ENOMEM;
	rc = bench_frames_build(&x->f, t->o, t->id);
	if (rc < 0)
		goto free_state;
	t->priv = x;
	return 0;

free_state:
	free(x);
	return rc;
}

static void
txonly_fini(struct bench_thread *t)
{
	struct txonly *x = t->priv;

	if (x == NULL)
		return;
	bench_frames_free(&x->f);
	free(x);
	t->priv = NULL;
}

static int
txonly_writev(struct bench_thread *t, struct txonly *x)
{
	int n;

	n = pktio_writev(t->tx, &x->f.iov[x->f.pos], t->o->burst);
	if (n <= 0)
		return n;
	bench_count_tx(t, n, bench_frames_advance(&x->f, n));
	return n;
}

static int
txonly_write(struct bench_thread *t, struct txonly *x)
{
	const struct iovec *iov = &x->f.iov[x->f.pos];
	unsigned int n;
	ssize_t rc = 0;

	for (n = 0; n < t->o->burst; n++) {
		rc = pktio_write(t->tx, (const struct pktio_hdr *)iov[n].iov_base + 1,
				 iov[n].iov_len - sizeof(struct pktio_hdr));
		if (rc < 0)
			break;
	}
	if (n == 0)
		return (int)rc;
	bench_count_tx(t, n, bench_frames_advance(&x->f, n));
	return n;
}

static int
txonly_zc(struct bench_thread *t, struct txonly *x)
{
	const struct iovec *iov = &x->f.iov[x->f.pos];
	int i, n;

	n = pktio_tx_reserve(t->tx, x->pkts, t->o->burst);
	if (n == 0)
		return t->o->block ? bench_tx_pause() : -EAGAIN;
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		x->pkts[i].len = iov[i].iov_len - sizeof(struct pktio_hdr);
		memcpy(x->pkts[i].data, (const struct pktio_hdr *)iov[i].iov_base + 1,
		       x->pkts[i].len);
	}
	n = pktio_tx_submit(t->tx, x->pkts, n);
	if (n <= 0)
		return n;
	bench_count_tx(t, n, bench_frames_advance(&x->f, n));
	return n;
}

static int
txonly_run(struct bench_thread *t)
{
	struct txonly *x = t->priv;

	switch (t->o->io) {
	case BENCH_IO_READV:
		return txonly_writev(t, x);
	case BENCH_IO_READ:
		return txonly_write(t, x);
	default:
		return txonly_zc(t, x);
	}
}

const struct bench_engine bench_txonly_engine = {
	.name = "txonly",
	.help = "send prebuilt Ethernet/IPv4/UDP frames of --size bytes\n"
		"            (198.18.0.0/15, 02:00:00:00:00:01 > 02:00:00:00:00:02) on a\n"
		"            PKTIO_F_TXONLY handle; readv: pktio_writev; read: pktio_write;\n"
		"            zc: pktio_tx_reserve, copy, pktio_tx_submit",
	.init = txonly_init,
	.run = txonly_run,
	.fini = txonly_fini,
};
