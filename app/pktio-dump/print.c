/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* Without -w: one line per packet, like tcpdump -e -q. */

#include <stdio.h>
#include <time.h>

#include "dump.h"

#define ETH_HLEN 14

static const char *
ether_type_name(unsigned int type)
{
	switch (type) {
	case 0x0800: return "IPv4";
	case 0x0806: return "ARP";
	case 0x8035: return "Reverse ARP";
	case 0x86dd: return "IPv6";
	case 0x8100: return "802.1Q";
	case 0x88a8: return "802.1Q-QinQ";
	case 0x8847: return "MPLS unicast";
	case 0x8848: return "MPLS multicast";
	case 0x8863: return "PPPoE D";
	case 0x8864: return "PPPoE S";
	case 0x888e: return "EAPOL";
	case 0x88cc: return "LLDP";
	case 0x88f7: return "PTP";
	default: return "Unknown";
	}
}

void
dump_print(const struct dump_rec *r, bool nano)
{
	time_t sec = (time_t)(r->ns / NSEC_PER_SEC);
	unsigned long frac = (unsigned long)(r->ns % NSEC_PER_SEC);
	const uint8_t *d = r->data;
	unsigned int type;
	struct tm tm;

	localtime_r(&sec, &tm);
	if (nano)
		printf("%02d:%02d:%02d.%09lu ", tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	else
		printf("%02d:%02d:%02d.%06lu ", tm.tm_hour, tm.tm_min, tm.tm_sec, frac / 1000);
	if (r->caplen < ETH_HLEN) {
		printf("[|ether], length %u\n", r->len);
		return;
	}
	type = (unsigned int)d[12] << 8 | d[13];
	printf("%02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x, ",
	       d[6], d[7], d[8], d[9], d[10], d[11], d[0], d[1], d[2], d[3], d[4], d[5]);
	if (type <= 1500)
		printf("802.3, length %u\n", r->len);
	else
		printf("ethertype %s (0x%04x), length %u\n", ether_type_name(type), type, r->len);
}
