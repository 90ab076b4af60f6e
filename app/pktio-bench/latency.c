/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * latency: ping-pong. Send one frame carrying a sequence number and the TSC, wait for it to
 * come back (on --peer, else on the same port: a loopback such as net_ring), and add the
 * round trip to a histogram. Two handles: a PKTIO_F_TXONLY one to send, one to receive.
 *
 * busy: both handles PKTIO_F_NONBLOCK | PKTIO_F_BUSYPOLL; spin on the receive call.
 * block: sleep in pktio_wait() on the eventfd, as a blocking read does, but with a timeout
 * so that a lost frame costs LAT_TIMEOUT_MS rather than the rest of the run; then read.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define LAT_MAGIC 0x42544b50u   /* "PKTB" */
#define LAT_TIMEOUT_MS 100      /* a ping not back by then is lost */

struct lat_payload {
	uint32_t magic;
	uint32_t seq;
	uint64_t tsc;           /* when it was sent */
};

_Static_assert(BENCH_PAYLOAD_OFF + sizeof(struct lat_payload) <= BENCH_SIZE_MIN,
	       "the latency payload must fit the smallest frame");

struct lat {
	struct bench_frames f;                  /* frame 0 is the ping */
	struct iovec iov[BENCH_BURST_MAX];      /* readv: burst buffers; read: iov[0] */
	struct pktio_pkt pkts[BENCH_BURST_MAX]; /* zc */
	unsigned char *frame;
	unsigned int len;
	unsigned int max_frame;
	uint32_t seq;
	uint64_t timeout;                       /* TSC cycles */
};

/* Open both handles; each must carry the ping. */
static int
lat_open(struct bench_thread *t)
{
	const char *rx_name = t->o->peer != NULL ? t->o->peer : t->o->port;
	int rc;

	t->tx = bench_port_open(t, t->o->port, PKTIO_F_TXONLY);
	if (t->tx == NULL)
		return -errno;
	rc = bench_size_check(t->o, t->tx, t->o->port);
	if (rc < 0)
		return rc;
	t->rx = bench_port_open(t, rx_name, 0);
	if (t->rx == NULL)
		return -errno;
	return bench_size_check(t->o, t->rx, rx_name);
}

static int
latency_init(struct bench_thread *t)
{
	struct lat *l;
	int rc;

	rc = lat_open(t);
	if (rc < 0)
		return rc;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->max_frame = pktio_port_max_frame(t->rx);
	l->timeout = (uint64_t)(bench_tsc_hz * LAT_TIMEOUT_MS / 1000);
	rc = bench_frames_build(&l->f, t->o, t->id);
	if (rc < 0)
		goto free_state;
	l->frame = (unsigned char *)((struct pktio_hdr *)l->f.iov[0].iov_base + 1);
	l->len = l->f.iov[0].iov_len - sizeof(struct pktio_hdr);
	rc = bench_rxbufs_alloc(t->o, l->iov, l->max_frame);
	if (rc < 0)
		goto free_frames;
	t->hist = bench_hist_new();
	if (t->hist == NULL) {
		rc = -ENOMEM;
		goto free_bufs;
	}
	t->priv = l;
	return 0;

free_bufs:
	bench_rxbufs_free(l->iov);
free_frames:
	bench_frames_free(&l->f);
free_state:
	free(l);
	return rc;
}

static void
latency_fini(struct bench_thread *t)
{
	struct lat *l = t->priv;

	if (l == NULL)
		return;
	bench_rxbufs_free(l->iov);
	bench_frames_free(&l->f);
	free(l);
	t->priv = NULL;
	bench_hist_free(t->hist);
	t->hist = NULL;
}

/* Send the ping once. @return 1, -EAGAIN (no buffer now), or -errno. */
static int
lat_send_one(struct bench_thread *t, struct lat *l)
{
	struct pktio_pkt pkt;
	int rc;

	switch (t->o->io) {
	case BENCH_IO_READV:
		return pktio_writev(t->tx, &l->f.iov[0], 1);
	case BENCH_IO_READ:
		rc = (int)pktio_write(t->tx, l->frame, l->len);
		return rc < 0 ? rc : 1;
	default:
		rc = pktio_tx_reserve(t->tx, &pkt, 1);
		if (rc <= 0)
			return rc == 0 ? -EAGAIN : rc;
		memcpy(pkt.data, l->frame, l->len);
		pkt.len = l->len;
		return pktio_tx_submit(t->tx, &pkt, 1);
	}
}

/* Stamp the next sequence number and the TSC, and send. @return 0 or -errno. */
static int
lat_send(struct bench_thread *t, struct lat *l)
{
	struct lat_payload pl = { .magic = LAT_MAGIC, .seq = ++l->seq };
	int rc;

	do {
		pl.tsc = bench_rdtsc();
		memcpy(l->frame + BENCH_PAYLOAD_OFF, &pl, sizeof(pl));
		rc = lat_send_one(t, l);
		if (rc == -EAGAIN && t->o->block)
			bench_tx_pause();
	} while (rc == -EAGAIN && !cli_stop);
	if (rc < 0)
		return rc;
	bench_count_tx(t, 1, l->len);
	return 0;
}

/* Is this our ping? Then *stamp is when it left. */
static bool
lat_match(const struct lat *l, const unsigned char *frame, uint32_t len, uint64_t *stamp)
{
	struct lat_payload pl;

	if (len < BENCH_PAYLOAD_OFF + sizeof(pl))
		return false;
	memcpy(&pl, frame + BENCH_PAYLOAD_OFF, sizeof(pl));
	if (pl.magic != LAT_MAGIC || pl.seq != l->seq)
		return false;
	*stamp = pl.tsc;
	return true;
}

/* Receive what is there with the copying calls. @return packets, 0, or -errno. */
static int
lat_recv_copy(struct bench_thread *t, struct lat *l, uint64_t *stamp, bool *found)
{
	uint64_t bytes = 0;
	int i, n;

	if (t->o->io == BENCH_IO_READV) {
		n = pktio_readv(t->rx, l->iov, t->o->burst);
	} else {
		n = (int)pktio_read(t->rx, (struct pktio_hdr *)l->iov[0].iov_base + 1,
				    l->max_frame, NULL);
		if (n >= 0) {
			pktio_hdr_set(l->iov[0].iov_base, n, 0);
			n = 1;
		}
	}
	if (n <= 0)
		return n == -EAGAIN ? 0 : n;
	for (i = 0; i < n; i++) {
		const struct pktio_hdr *h = l->iov[i].iov_base;

		bytes += h->pktlen;
		if (!*found)
			*found = lat_match(l, (const unsigned char *)(h + 1), h->pktlen, stamp);
	}
	bench_count_rx(t, n, bytes);
	return n;
}

/* The same with the zero-copy calls. */
static int
lat_recv_zc(struct bench_thread *t, struct lat *l, uint64_t *stamp, bool *found)
{
	uint64_t bytes = 0;
	int i, n;

	n = pktio_rx_burst(t->rx, l->pkts, t->o->burst);
	if (n <= 0)
		return n;
	for (i = 0; i < n; i++) {
		bytes += l->pkts[i].len;
		if (!*found)
			*found = lat_match(l, l->pkts[i].data, l->pkts[i].len, stamp);
	}
	pktio_rx_release(t->rx, l->pkts, n);
	bench_count_rx(t, n, bytes);
	return n;
}

/* Wait for the ping to come back. @return 1 back, 0 lost or stopped, or -errno. */
static int
lat_wait(struct bench_thread *t, struct lat *l)
{
	uint64_t deadline = bench_rdtsc() + l->timeout, stamp = 0, now;
	bool found = false;
	int rc;

	for (;;) {
		rc = t->o->block ? pktio_wait(t->rx, LAT_TIMEOUT_MS) : 1;
		if (rc > 0)
			rc = t->o->io == BENCH_IO_ZC ? lat_recv_zc(t, l, &stamp, &found) :
				lat_recv_copy(t, l, &stamp, &found);
		now = bench_rdtsc();
		if (rc < 0)
			return rc;
		if (found) {
			bench_hist_add(t->hist, now - stamp);
			return 1;
		}
		if (now > deadline || cli_stop)
			break;
	}
	if (!cli_stop)
		t->lost++;
	return 0;
}

static int
latency_run(struct bench_thread *t)
{
	struct lat *l = t->priv;
	int rc;

	rc = lat_send(t, l);
	if (rc < 0)
		return rc;
	return lat_wait(t, l);
}

const struct bench_engine bench_latency_engine = {
	.name = "latency",
	.help = "ping-pong: send one frame carrying the TSC and a sequence number\n"
		"            on a PKTIO_F_TXONLY handle, wait for it on a second handle\n"
		"            (--peer PORT, else the same port: a loopback), record the round\n"
		"            trip; one thread, one --size; block: pktio_wait, 100 ms timeout",
	.init = latency_init,
	.run = latency_run,
	.fini = latency_fini,
};
