/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * L2 cross-connect: what side a receives leaves on side b and the other way round,
 * unchanged unless the xconnect rewrites the MAC addresses of frames leaving a side.
 * Per-direction counters are the receiving port's rx and the sending port's tx counters
 * (a port belongs to one xconnect only).
 */

#include <string.h>

#include "fwd.h"

static void
l2_runt(struct fwd_worker *w, unsigned int p)
{
	w->st.port[p].runt++;
	w->st.drop[FWD_DROP_RUNT]++;
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
