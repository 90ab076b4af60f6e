/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * ICMP: echo replies for the router's own addresses, built in place, and the errors it
 * sends (time exceeded, destination unreachable), built in a scratch buffer after the
 * rules of RFC 1812 4.3.2.7 and limited per interface by a token bucket.
 */

#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "fwd.h"

#define ETH_LEN RTE_ETHER_HDR_LEN
#define ICMP_LEN 8              /* type, code, checksum, 4 bytes of rest-of-header */

/*
 * RFC 1624 eqn. 3: when a 16-bit word of the checksummed data changes from m to m', the
 * checksum HC becomes HC' = ~(~HC + ~m + m'). One's complement sums do not depend on byte
 * order, so the words may be taken straight from the packet.
 */
uint16_t
fwd_cksum_adjust(uint16_t hc, uint16_t m, uint16_t m1)
{
	uint32_t s = (uint16_t)~hc + (uint32_t)(uint16_t)~m + m1;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void
fwd_icmp_echo(struct fwd_worker *w, uint16_t in_ifx, uint8_t *slot, uint32_t len)
{
	struct rte_ipv4_hdr *ip = (void *)(slot + FWD_HDR + ETH_LEN);
	uint32_t ihl = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	struct rte_icmp_hdr *icmp = (void *)((uint8_t *)ip + ihl);
	rte_be32_t a = ip->src_addr;
	uint16_t old, new;

	/* the caller checked: len - ETH_LEN is the IP total length, >= ihl + 8 */
	if (rte_raw_cksum(icmp, len - ETH_LEN - ihl) != 0xffff) {
		w->st.drop[FWD_DROP_BAD_CHECKSUM]++;
		return;
	}
	w->st.echo_requests++;
	ip->src_addr = ip->dst_addr;    /* from the address that was pinged */
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(&old, icmp, sizeof(old));
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	memcpy(&new, icmp, sizeof(new));
	icmp->icmp_cksum = fwd_cksum_adjust(icmp->icmp_cksum, old, new);
	w->st.echo_replies++;
	fwd_local_output(w, slot, len, in_ifx);
}

static bool
icmp_is_error(uint8_t type)
{
	switch (type) {
	case 0: case 8: case 9: case 10: case 13: case 14: case 15: case 16: case 17: case 18:
		return false;           /* queries and their replies */
	default:
		return true;            /* errors, and types we do not know: assume the worst */
	}
}

/*
 * May an error be sent about this (header-checked) packet? Not about an ICMP error, a
 * non-first fragment, a link-layer or IP broadcast or multicast, or a source that does
 * not name one host.
 */
static bool
icmp_error_allowed(const uint8_t *frame)
{
	const struct rte_ether_hdr *eth = (const void *)frame;
	const struct rte_ipv4_hdr *ip = (const void *)(frame + ETH_LEN);
	uint32_t ihl = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	uint32_t src = rte_be_to_cpu_32(ip->src_addr), dst = rte_be_to_cpu_32(ip->dst_addr);
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);

	if (rte_is_multicast_ether_addr(&eth->dst_addr))
		return false;
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	if ((src >> 24) == 0 || (src >> 24) == 127 || (src >> 24) >= 224 || (dst >> 24) >= 224)
		return false;
	if (ip->next_proto_id == IPPROTO_ICMP && tot > ihl &&
	    icmp_is_error(((const uint8_t *)ip)[ihl]))
		return false;
	return true;
}

/* One token of @p ifx's bucket: credit is time, icmp_rate per second, icmp_burst deep. */
static bool
bucket_take(struct fwd_worker *w, uint16_t ifx)
{
	struct fwd_bucket *b = &w->bucket[ifx];
	uint64_t cost = w->fwd->cost_ns;

	if (cost == 0)
		return false;           /* icmp_rate = 0: no ICMP errors at all */
	b->credit_ns = RTE_MIN(b->credit_ns + (w->now - b->last_ns),
			       cost * w->fwd->conf.icmp_burst);
	b->last_ns = w->now;
	if (b->credit_ns < cost)
		return false;
	b->credit_ns -= cost;
	return true;
}

/* IPv4 + ICMP headers of an error from @p src about @p oip, quoting @p quote bytes of it. */
static void
icmp_error_build(struct fwd_worker *w, uint8_t *frame, uint32_t src,
		 const struct rte_ipv4_hdr *oip, uint32_t quote, uint8_t type, uint8_t code)
{
	struct rte_ether_hdr *eth = (void *)frame;
	struct rte_ipv4_hdr *ip = (void *)(frame + ETH_LEN);
	uint8_t *icmp = (uint8_t *)(ip + 1);

	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);  /* addresses: on output */
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xc0;    /* internetwork control, as RFC 1812 4.3.2.5 asks */
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + ICMP_LEN + quote);
	ip->packet_id = rte_cpu_to_be_16(w->ip_id++);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(icmp, 0, ICMP_LEN);
	icmp[0] = type;
	icmp[1] = code;
	memcpy(icmp + ICMP_LEN, oip, quote);
	((struct rte_icmp_hdr *)icmp)->icmp_cksum = ~rte_raw_cksum(icmp, ICMP_LEN + quote);
}

/*
 * An error about the received @p frame (its IPv4 header already checked) back to its
 * source, from the address of the interface it came in on.
 */
void
fwd_icmp_error(struct fwd_worker *w, uint16_t in_ifx, const uint8_t *frame, uint32_t len,
	       uint8_t type, uint8_t code)
{
	const struct rte_ipv4_hdr *oip = (const void *)(frame + ETH_LEN);
	uint32_t quote = RTE_MIN(rte_be_to_cpu_16(oip->total_length), (uint32_t)FWD_ICMP_QUOTE);
	uint8_t *slot;

	if (!icmp_error_allowed(frame)) {
		w->st.icmp_suppressed++;
		return;
	}
	if (!bucket_take(w, in_ifx)) {
		w->st.icmp_rate_limited++;
		return;
	}
	quote = RTE_MIN(quote, len - ETH_LEN);
	slot = fwd_scratch_get(w);
	icmp_error_build(w, slot + FWD_HDR, w->fwd->conf.ifc[in_ifx].addr, oip, quote, type,
			 code);
	if (type == FWD_ICMP_TIME_EXCEEDED)
		w->st.icmp_time_exceeded++;
	else
		w->st.icmp_unreachable++;
	fwd_local_output(w, slot, ETH_LEN + sizeof(*oip) + ICMP_LEN + quote, in_ifx);
}
