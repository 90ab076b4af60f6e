/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * L2 cross-connect: what side a receives leaves on side b and the other way round,
 * unchanged unless the xconnect rewrites the MAC addresses of frames leaving a side.
 * Per-direction counters are the receiving port's rx and the sending port's tx counters
 * (a port belongs to one xconnect only).
 */

#include <errno.h>
#include <string.h>

#include "fwd.h"

static void
l2_runt(struct fwd_worker *w, unsigned int p)
{
	w->st.port[p].runt++;
	w->st.drop[FWD_DROP_RUNT]++;
}

unsigned int
fwd_l2_out(const struct fwd *f, unsigned int p)
{
	const struct fwd_xc_conf *xc = &f->conf.xc[f->port_xc[p]];

	return xc->port[xc->port[0] == p ? 1 : 0];
}

void
fwd_l2_burst(struct fwd_worker *w, unsigned int p, unsigned int n)
{
	const struct fwd_xc_conf *xc = &w->fwd->conf.xc[w->fwd->port_xc[p]];
	unsigned int o = xc->port[0] == p ? 1 : 0;   /* the side frames leave on */
	unsigned int out = xc->port[o], i;
	bool rewrite = xc->set_src[o] || xc->set_dst[o];
	uint32_t room = w->slot_size - FWD_HDR, len;
	uint8_t *slot;

	for (i = 0; i < n; i++) {
		slot = w->rx_iov[i].iov_base;
		len = ((const struct pktio_hdr *)slot)->pktlen;
		if (len == 0 || (rewrite && len < RTE_ETHER_HDR_LEN)) {
			l2_runt(w, p);
			continue;
		}
		if (unlikely(len > room)) {     /* cut by readv: cannot be sent whole */
			w->st.port[out].too_long++;
			w->st.drop[FWD_DROP_TOO_LONG]++;
			continue;
		}
		if (xc->set_dst[o])
			memcpy(slot + FWD_HDR, &xc->dst[o], RTE_ETHER_ADDR_LEN);
		if (xc->set_src[o])
			memcpy(slot + FWD_HDR + RTE_ETHER_ADDR_LEN, &xc->src[o], RTE_ETHER_ADDR_LEN);
		fwd_tx_queue(w, out, slot, len);
	}
}

/*
 * Without a copy: the frames are read where the device wrote them and sent from there
 * (a MAC rewrite goes as a 12-byte header).
 */
int
fwd_l2_zc(struct fwd_worker *w, unsigned int p)
{
	const struct fwd_xc_conf *xc = &w->fwd->conf.xc[w->fwd->port_xc[p]];
	unsigned int o = xc->port[0] == p ? 1 : 0, out = xc->port[o];
	struct fwd_port_stats *ps = &w->st.port[p];
	bool rewrite = xc->set_src[o] || xc->set_dst[o];
	struct pktio_pkt *pk = w->rx_pkt, keep[FWD_BURST_MAX];
	uint8_t hdr[FWD_BURST_MAX][2 * RTE_ETHER_ADDR_LEN];
	unsigned int i, k = 0;
	int n;

	n = pktio_rx_burst(w->port[p].h, pk, w->fwd->conf.burst);
	if (n <= 0)
		return n == 0 ? -EAGAIN : n;
	ps->rx_packets += n;
	for (i = 0; i < (unsigned int)n; i++) {
		const uint8_t *d = pk[i].data;

		ps->rx_bytes += pk[i].len;
		if (pk[i].len == 0 || (rewrite && pk[i].len < RTE_ETHER_HDR_LEN)) {
			l2_runt(w, p);
			pktio_rx_release(w->port[p].h, &pk[i], 1);
			continue;
		}
		if (unlikely(pk[i].len > w->port[out].max_frame)) {
			w->st.port[out].too_long++;
			w->st.drop[FWD_DROP_TOO_LONG]++;
			pktio_rx_release(w->port[p].h, &pk[i], 1);
			continue;
		}
		if (rewrite) {
			memcpy(hdr[k], xc->set_dst[o] ? xc->dst[o].addr_bytes : d,
			       RTE_ETHER_ADDR_LEN);
			memcpy(hdr[k] + RTE_ETHER_ADDR_LEN,
			       xc->set_src[o] ? xc->src[o].addr_bytes : d + RTE_ETHER_ADDR_LEN,
			       RTE_ETHER_ADDR_LEN);
		}
		keep[k++] = pk[i];
	}
	fwd_forward(w, p, out, keep, k, rewrite ? hdr[0] : NULL, rewrite ? sizeof(hdr[0]) : 0);
	return n;
}
