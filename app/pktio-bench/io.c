/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * io: receive a burst and send it back unchanged on the same handle, like testpmd's
 * iofwd.c. The forwarding loop here also serves macswap (macswap.c), which swaps the MAC
 * addresses of each frame on the way.
 *
 * readv fills the struct pktio_hdr at the start of each iovec and writev reads its pktlen,
 * so the same iovecs go straight back. Frames the port does not take after FWD_TX_RETRY
 * tries (busy mode) are given up and counted as unsent, as testpmd counts fwd drops.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define FWD_TX_RETRY 64

struct fwd {
	struct iovec iov[BENCH_BURST_MAX];      /* readv/writev: burst buffers; read: iov[0] */
	struct pktio_pkt rx[BENCH_BURST_MAX];   /* zc */
	struct bench_frames f;                  /* --tx-first */
	unsigned int max_frame;
	bool swap;
};

int
bench_fwd_init(struct bench_thread *t, bool swap)
{
	struct fwd *w;
	int rc;

	t->rx = bench_port_open(t, t->o->port, 0);
	if (t->rx == NULL)
		return -errno;
	t->tx = t->rx;
	if (t->o->tx_first > 0 && (rc = bench_size_check(t->o, t->tx, t->o->port)) < 0)
		return rc;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->swap = swap;
	w->max_frame = pktio_port_max_frame(t->rx);
	rc = t->o->tx_first > 0 ? bench_frames_build(&w->f, t->o, t->id) : 0;
	if (rc < 0)
		goto free_state;
	rc = bench_rxbufs_alloc(t->o, w->iov, w->max_frame);
	if (rc < 0)
		goto free_frames;
	t->priv = w;
	return 0;

free_frames:
	bench_frames_free(&w->f);
free_state:
	free(w);
	return rc;
}

void
bench_fwd_fini(struct bench_thread *t)
{
	struct fwd *w = t->priv;

	if (w == NULL)
		return;
	bench_rxbufs_free(w->iov);
	bench_frames_free(&w->f);
	free(w);
	t->priv = NULL;
}

/* Send @p n frames, retrying a while in busy mode. @return frames sent, or -errno. */
static int
fwd_writev(struct bench_thread *t, const struct iovec *iov, int n)
{
	int sent = 0, tries = 0, rc;

	while (sent < n) {
		rc = pktio_writev(t->tx, iov + sent, n - sent);
		if (rc > 0) {
			sent += rc;
			continue;
		}
		if (rc < 0 && rc != -EAGAIN && rc != -EINTR)
			return rc;
		if (++tries >= FWD_TX_RETRY || cli_stop)
			break;
		__builtin_ia32_pause();
	}
	return sent;
}

/* --tx-first: prime the loop with bursts of generated frames. */
int
bench_fwd_start(struct bench_thread *t)
{
	struct fwd *w = t->priv;
	unsigned int i;
	int n;

	for (i = 0; i < t->o->tx_first; i++) {
		n = fwd_writev(t, &w->f.iov[w->f.pos], t->o->burst);
		if (n < 0)
			return n;
		bench_count_tx(t, n, bench_frames_advance(&w->f, n));
		bench_count_unsent(t, t->o->burst - n);
	}
	return 0;
}

/* Count what was received and what of it went out. */
static void
fwd_count(struct bench_thread *t, const struct iovec *iov, int n, int sent, uint64_t bytes)
{
	uint64_t tx_bytes = bytes;
	int i;

	bench_count_rx(t, n, bytes);
	if (sent < n) {
		for (tx_bytes = 0, i = 0; i < sent; i++)
			tx_bytes += ((const struct pktio_hdr *)iov[i].iov_base)->pktlen;
		bench_count_unsent(t, n - sent);
	}
	bench_count_tx(t, sent, tx_bytes);
}

static int
fwd_readv(struct bench_thread *t, struct fwd *w)
{
	uint64_t bytes = 0;
	int i, n, sent;

	n = pktio_readv(t->rx, w->iov, t->o->burst);
	if (n <= 0)
		return n;
	for (i = 0; i < n; i++) {
		struct pktio_hdr *h = w->iov[i].iov_base;

		bytes += h->pktlen;
		if (w->swap)
			bench_macswap((unsigned char *)(h + 1));
	}
	sent = fwd_writev(t, w->iov, n);
	if (sent < 0)
		return sent;
	fwd_count(t, w->iov, n, sent, bytes);
	return n;
}

/* One frame per call; busy mode handles up to a burst before publishing the counters. */
static int
fwd_read(struct bench_thread *t, struct fwd *w)
{
	unsigned int want = t->o->block ? 1 : t->o->burst, n, sent = 0, tries;
	uint64_t rx_bytes = 0, tx_bytes = 0;
	ssize_t len = 0, rc;

	for (n = 0; n < want; n++) {
		len = pktio_read(t->rx, w->iov[0].iov_base, w->max_frame, NULL);
		if (len < 0)
			break;
		rx_bytes += len;
		if (w->swap)
			bench_macswap(w->iov[0].iov_base);
		tries = 0;
		while ((rc = pktio_write(t->tx, w->iov[0].iov_base, len)) == -EAGAIN &&
		       ++tries < FWD_TX_RETRY && !cli_stop)
			__builtin_ia32_pause();
		if (rc < 0 && rc != -EAGAIN)
			return (int)rc;
		sent += rc > 0;
		tx_bytes += rc > 0 ? len : 0;
	}
	if (n == 0)
		return (int)len;
	bench_count_rx(t, n, rx_bytes);
	bench_count_tx(t, sent, tx_bytes);
	bench_count_unsent(t, n - sent);
	return n;
}

/*
 * zc: pktio_forward() sends the received buffers themselves where pktiod can (the device
 * transmits the buffer it received into; macswap's new addresses go as a 12-byte header
 * rewrite), else through a copy into tx buffers. What the port does not take after
 * FWD_TX_RETRY tries is given back.
 */
static int
fwd_zc(struct bench_thread *t, struct fwd *w)
{
	uint8_t hdr[BENCH_BURST_MAX][12];
	uint64_t bytes = 0, tx_bytes = 0;
	int i, n, sent = 0, tries = 0, rc;

	n = pktio_rx_burst(t->rx, w->rx, t->o->burst);
	if (n == 0)
		return t->o->block ? bench_wait_rx(t->rx) : -EAGAIN;
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		const uint8_t *d = w->rx[i].data;

		bytes += w->rx[i].len;
		if (w->swap) {
			memcpy(hdr[i], d + 6, 6);
			memcpy(hdr[i] + 6, d, 6);
		}
	}
	while (sent < n) {
		rc = pktio_forward(t->tx, t->rx, w->rx + sent, n - sent,
				   w->swap ? hdr[sent] : NULL, w->swap ? sizeof(hdr[0]) : 0);
		if (rc < 0) {
			pktio_rx_release(t->rx, w->rx + sent, n - sent);
			return rc;
		}
		for (i = sent; i < sent + rc; i++)
			tx_bytes += w->rx[i].len;
		sent += rc;
		if (rc > 0 || sent == n)
			continue;
		if (cli_stop || (!t->o->block && ++tries >= FWD_TX_RETRY))
			break;
		if (t->o->block)
			bench_tx_pause();
		else
			__builtin_ia32_pause();
	}
	pktio_rx_release(t->rx, w->rx + sent, n - sent);
	bench_count_rx(t, n, bytes);
	bench_count_tx(t, sent, tx_bytes);
	bench_count_unsent(t, n - sent);
	return n;
}

int
bench_fwd_run(struct bench_thread *t)
{
	struct fwd *w = t->priv;

	switch (t->o->io) {
	case BENCH_IO_READV:
		return fwd_readv(t, w);
	case BENCH_IO_READ:
		return fwd_read(t, w);
	default:
		return fwd_zc(t, w);
	}
}

static int
io_init(struct bench_thread *t)
{
	return bench_fwd_init(t, false);
}

const struct bench_engine bench_io_engine = {
	.name = "io",
	.help = "send each received burst back out of the same port, unchanged: readv\n"
		"            then pktio_writev of the same iovecs; read then write; zc: rx_burst,\n"
		"            then pktio_forward (the device sends the buffer it received into\n"
		"            where pktiod can, else a copy). On a loopback, start the traffic\n"
		"            with --tx-first",
	.init = io_init,
	.start = bench_fwd_start,
	.run = bench_fwd_run,
	.fini = bench_fwd_fini,
};
