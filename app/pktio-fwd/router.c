/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The IPv4 router's receive path, one frame at a time in arrival order: Ethernet checks,
 * ARP to arp.c, IPv4 header checks (every length against the frame before it is read),
 * route lookup, local delivery (ICMP echo) or TTL decrement with an incremental checksum
 * update (RFC 1624), then output through the neighbour table. Every received frame ends
 * in exactly one counter: a receive-side drop reason, ARP, echo request, or routed.
 */

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_prefetch.h>

#include "fwd.h"

#define ETH_LEN RTE_ETHER_HDR_LEN

static inline void
drop(struct fwd_worker *w, enum fwd_drop why)
{
	w->st.drop[why]++;
}

/* 0/8, 127/8, multicast, class E and limited broadcast: never forwarded. */
static inline bool
martian(uint32_t a)
{
	uint32_t first = a >> 24;

	return first == 0 || first == 127 || first >= 224;
}

/*
 * Header checks, in the order RFC 1812 5.2.2 gives them. @return -1 when good, else the
 * drop reason. @p room: frame bytes after the Ethernet header.
 */
static int
ip_check(const struct rte_ipv4_hdr *ip, uint32_t room, uint32_t *ihl, uint32_t *tot)
{
	if (room < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return FWD_DROP_BAD_HEADER;
	*ihl = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	*tot = rte_be_to_cpu_16(ip->total_length);
	if (*ihl < sizeof(*ip) || *ihl > room || *tot < *ihl || *tot > room)
		return FWD_DROP_BAD_HEADER;
	if (rte_raw_cksum(ip, *ihl) != 0xffff)
		return FWD_DROP_BAD_CHECKSUM;
	return -1;
}

/* For the router itself: ICMP echo requests are answered, the rest dropped. */
static void
local_input(struct fwd_worker *w, uint16_t ifx, uint8_t *slot, uint32_t ihl, uint32_t tot)
{
	const struct rte_ipv4_hdr *ip = (const void *)(slot + FWD_HDR + ETH_LEN);
	const uint8_t *l4 = (const uint8_t *)ip + ihl;
	bool frag = (ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;

	if (ip->next_proto_id == IPPROTO_ICMP && !frag && tot >= ihl + 8 &&
	    l4[0] == RTE_IP_ICMP_ECHO_REQUEST && l4[1] == 0)
		fwd_icmp_echo(w, ifx, slot, ETH_LEN + tot);
	else
		drop(w, FWD_DROP_LOCAL);
}

/* TTL - 1 and the checksum adjusted for the changed 16-bit word (TTL, protocol). */
static inline void
ttl_decrement(struct rte_ipv4_hdr *ip)
{
	uint16_t old, new;

	memcpy(&old, &ip->time_to_live, sizeof(old));
	ip->time_to_live--;
	memcpy(&new, &ip->time_to_live, sizeof(new));
	ip->hdr_checksum = fwd_cksum_adjust(ip->hdr_checksum, old, new);
}

/* Where a good IPv4 packet goes; NULL when it was handled here (dropped, local, ICMP error). */
static const struct fwd_nh *
ipv4_route(struct fwd_worker *w, uint16_t ifx, uint8_t *slot, uint32_t len, uint32_t ihl,
	   uint32_t tot)
{
	uint8_t *frame = slot + FWD_HDR;
	const struct rte_ipv4_hdr *ip = (const void *)(frame + ETH_LEN);
	const struct fwd_nh *nh = fwd_route_lookup(w->fwd, rte_be_to_cpu_32(ip->dst_addr));

	if (nh == NULL) {
		drop(w, FWD_DROP_NO_ROUTE);
		fwd_icmp_error(w, ifx, frame, len, FWD_ICMP_UNREACH, FWD_ICMP_UNREACH_NET);
	} else if (nh->type == FWD_NH_LOCAL) {
		local_input(w, ifx, slot, ihl, tot);
	} else if (nh->type == FWD_NH_BCAST) {
		drop(w, FWD_DROP_NOT_ROUTABLE);
	} else if (ip->time_to_live <= 1) {
		drop(w, FWD_DROP_TTL);
		fwd_icmp_error(w, ifx, frame, len, FWD_ICMP_TIME_EXCEEDED, 0);
	} else {
		return nh;
	}
	return NULL;
}

static void
ipv4_input(struct fwd_worker *w, uint16_t ifx, uint8_t *slot, uint32_t len, bool l2bcast)
{
	struct rte_ipv4_hdr *ip = (void *)(slot + FWD_HDR + ETH_LEN);
	const struct fwd_nh *nh;
	uint32_t ihl, tot, dst;
	int why = ip_check(ip, len - ETH_LEN, &ihl, &tot);

	if (why >= 0) {
		drop(w, why);
		return;
	}
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (l2bcast || martian(rte_be_to_cpu_32(ip->src_addr)) || martian(dst)) {
		drop(w, FWD_DROP_NOT_ROUTABLE);
		return;
	}
	nh = ipv4_route(w, ifx, slot, len, ihl, tot);
	if (nh == NULL)
		return;
	ttl_decrement(ip);
	w->st.routed++;
	/* the frame ends with the IP packet: Ethernet padding is not forwarded */
	fwd_ip_output(w, slot, ETH_LEN + tot, nh->ifx, nh->type == FWD_NH_GATEWAY ? nh->gw : dst,
		      ifx, true);
}

static void
router_input(struct fwd_worker *w, uint16_t ifx, uint8_t *slot)
{
	const struct rte_ether_hdr *eth = (const void *)(slot + FWD_HDR);
	uint32_t len = ((const struct pktio_hdr *)slot)->pktlen;
	bool bcast;

	if (unlikely(len > w->slot_size - FWD_HDR)) {     /* cut by readv: cannot be whole */
		drop(w, FWD_DROP_TOO_LONG);
		return;
	}
	if (len < ETH_LEN) {
		drop(w, FWD_DROP_RUNT);
		return;
	}
	bcast = rte_is_broadcast_ether_addr(&eth->dst_addr);
	if (!bcast && !rte_is_same_ether_addr(&eth->dst_addr, &w->fwd->conf.ifc[ifx].mac))
		drop(w, FWD_DROP_OTHER_HOST);
	else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		ipv4_input(w, ifx, slot, len, bcast);
	else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		fwd_arp_input(w, ifx, slot, len);
	else
		drop(w, FWD_DROP_UNSUPPORTED);
}

void
fwd_router_burst(struct fwd_worker *w, unsigned int p, unsigned int n)
{
	uint16_t ifx = w->fwd->port_if[p];
	unsigned int i;

	fwd_nbr_sync(w);
	for (i = 0; i < n; i++)
		router_input(w, ifx, w->rx_iov[i].iov_base);
}

/* ---- without a copy ---- */

#define ZC_HDR (ETH_LEN + sizeof(struct rte_ipv4_hdr)) /* what routing rewrites */

/*
 * The zero-copy fast path: a good IPv4 packet for another host (the checks of
 * router_input() and ipv4_input(), in their order), its next hop resolved, out of a port
 * it reaches without a copy, within that port's max frame. Writes its new Ethernet and
 * IPv4 header (addresses, TTL, checksum) to @p hdr and @return the output port; -1 sends
 * the frame the copying way, which counts whatever befalls it.
 */
static int
route_in_place(struct fwd_worker *w, unsigned int p, uint16_t ifx, const struct pktio_pkt *pk,
	       uint8_t *hdr, uint32_t *len)
{
	const struct fwd_if_conf *ifc = w->fwd->conf.ifc;
	const struct rte_ether_hdr *eth = pk->data;
	const struct rte_ipv4_hdr *ip = (const void *)((const uint8_t *)pk->data + ETH_LEN);
	const struct rte_ether_addr *mac;
	const struct fwd_nh *nh;
	uint32_t ihl, tot, dst;
	unsigned int out;

	if (pk->len < ZC_HDR || eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    !rte_is_same_ether_addr(&eth->dst_addr, &ifc[ifx].mac) ||
	    ip_check(ip, pk->len - ETH_LEN, &ihl, &tot) >= 0)
		return -1;
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (martian(rte_be_to_cpu_32(ip->src_addr)) || martian(dst) || ip->time_to_live <= 1)
		return -1;
	nh = fwd_route_lookup(w->fwd, dst);
	if (nh == NULL || (nh->type != FWD_NH_CONNECTED && nh->type != FWD_NH_GATEWAY))
		return -1;
	out = ifc[nh->ifx].port;
	if (!(w->port[p].zc_to & 1u << out) || ETH_LEN + tot > w->port[out].max_frame)
		return -1;
	mac = fwd_nbr_resolve(w, nh->type == FWD_NH_GATEWAY ? nh->gw : dst, nh->ifx);
	if (mac == NULL)
		return -1;
	memcpy(hdr, mac, RTE_ETHER_ADDR_LEN);
	memcpy(hdr + RTE_ETHER_ADDR_LEN, &ifc[nh->ifx].mac, RTE_ETHER_ADDR_LEN);
	memcpy(hdr + 2 * RTE_ETHER_ADDR_LEN, &eth->ether_type, sizeof(eth->ether_type));
	memcpy(hdr + ETH_LEN, ip, sizeof(*ip));
	ttl_decrement((struct rte_ipv4_hdr *)(hdr + ETH_LEN));
	*len = ETH_LEN + tot; /* the frame ends with the IP packet, as ipv4_input() sends it */
	return out;
}

int
fwd_router_zc(struct fwd_worker *w, unsigned int p)
{
	uint8_t hdr[FWD_BURST_MAX][ZC_HDR] __attribute__((aligned(8)));
	struct pktio_pkt *pk = w->rx_pkt, batch[FWD_BURST_MAX];
	uint16_t ifx = w->fwd->port_if[p];
	struct pktio_port *h = w->port[p].h;
	unsigned int i, k = 0, cur = 0;
	uint32_t len;
	int n, o;

	n = pktio_rx_burst(h, pk, w->fwd->conf.burst);
	if (n <= 0)
		return n == 0 ? -EAGAIN : n;
	for (i = 0; i < (unsigned int)n; i++) /* written on another core: all misses at once */
		rte_prefetch0(pk[i].data);
	fwd_nbr_sync(w);
	w->st.port[p].rx_packets += n;
	for (i = 0; i < (unsigned int)n; i++) {
		uint8_t *slot = w->rx_iov[i].iov_base;

		w->st.port[p].rx_bytes += pk[i].len;
		o = route_in_place(w, p, ifx, &pk[i], hdr[k], &len);
		if (o < 0) {
			/* everything else goes the copying way, from a slot of its own */
			pktio_hdr_set((struct pktio_hdr *)slot, pk[i].len, pk[i].tstamp);
			memcpy(slot + FWD_HDR, pk[i].data, RTE_MIN(pk[i].len, w->slot_size - FWD_HDR));
			pktio_rx_release(h, &pk[i], 1);
			router_input(w, ifx, slot);
			continue;
		}
		if (k > 0 && (unsigned int)o != cur) { /* a run per output port */
			fwd_forward(w, p, cur, batch, k, hdr[0], ZC_HDR);
			memcpy(hdr[0], hdr[k], ZC_HDR);
			k = 0;
		}
		batch[k] = pk[i];
		batch[k++].len = len;
		cur = o;
		w->st.routed++;
	}
	if (k > 0)
		fwd_forward(w, p, cur, batch, k, hdr[0], ZC_HDR);
	fwd_tx_flush_all(w);
	w->nb_scratch = 0;
	return n;
}

/* A packet the router built (echo reply, ICMP error): route it to its destination. */
void
fwd_local_output(struct fwd_worker *w, uint8_t *slot, uint32_t len, uint16_t in_ifx)
{
	const struct rte_ipv4_hdr *ip = (const void *)(slot + FWD_HDR + ETH_LEN);
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
	const struct fwd_nh *nh = fwd_route_lookup(w->fwd, dst);

	if (nh == NULL || nh->type == FWD_NH_LOCAL || nh->type == FWD_NH_BCAST) {
		drop(w, FWD_DROP_NO_ROUTE_OUT);
		return;
	}
	fwd_ip_output(w, slot, len, nh->ifx, nh->type == FWD_NH_GATEWAY ? nh->gw : dst, in_ifx,
		      false);
}
