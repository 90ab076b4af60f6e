/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The ports as network interfaces: getifaddrs() (an AF_PACKET entry each, as glibc gives
 * for a kernel Ethernet interface), if_nameindex(), and the netdevice ioctls that name them
 * (on any descriptor: glibc's if_nametoindex and libpcap ask through sockets of their own).
 * A port shadows a kernel interface of the same name. Its index comes from pktio-run
 * ($PKTIO_IFINDEX_BASE, chosen clear of the kernel's); its flags, MAC, MTU and link from
 * pktiod: without pktiod the port is there but down.
 */

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <ifaddrs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload_libc.h"
#include "preload_private.h"

#define TXQLEN 1000
#define MTU_DEFAULT 1500

/* What one port's getifaddrs() entry points to. */
struct ifa_port {
	struct ifaddrs ifa;
	struct sockaddr_ll addr, brd;
	struct rtnl_link_stats stats;
	char name[IF_NAMESIZE];
};

/* Lists we returned: the head the program has, glibc's list, our block. */
struct ifa_list {
	struct ifaddrs *head;
	struct ifaddrs *libc;
	struct ifa_port *ours;
	struct ifa_list *next;
};

static pthread_mutex_t ifa_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ifa_list *ifa_lists;

static unsigned int
port_flags(int rc, const struct pktio_port_info *pi)
{
	unsigned int fl = IFF_BROADCAST | IFF_MULTICAST;

	if (rc == 0)
		fl |= IFF_UP | (pi->link_up ? IFF_RUNNING : 0);
	return fl;
}

static unsigned int
port_mtu(int rc, const struct pktio_port_info *pi)
{
	if (rc < 0)
		return MTU_DEFAULT;
	if (pi->mtu != 0)
		return pi->mtu;
	return pi->max_frame > 18 ? pi->max_frame - 18 : MTU_DEFAULT;
}

static void
port_entry(unsigned int i, struct ifa_port *e)
{
	const struct preload_port *pp = preload_port(i);
	struct pktio_port_info pi;
	int rc = preload_port_info(i, &pi);

	memset(e, 0, sizeof(*e));
	if (rc < 0)
		memset(&pi, 0, sizeof(pi));
	memcpy(e->name, pp->name, sizeof(e->name));
	e->addr = (struct sockaddr_ll){ .sll_family = AF_PACKET, .sll_ifindex = pp->ifindex,
					.sll_hatype = ARPHRD_ETHER, .sll_halen = 6 };
	memcpy(e->addr.sll_addr, pi.mac, 6);
	e->brd = e->addr;
	memset(e->brd.sll_addr, 0xff, 6);
	e->stats.rx_packets = (uint32_t)pi.rx_packets;
	e->stats.tx_packets = (uint32_t)pi.tx_packets;
	e->stats.rx_bytes = (uint32_t)pi.rx_bytes;
	e->stats.tx_bytes = (uint32_t)pi.tx_bytes;
	e->stats.rx_errors = (uint32_t)pi.rx_errors;
	e->stats.tx_errors = (uint32_t)pi.tx_errors;
	e->stats.rx_dropped = (uint32_t)(pi.rx_no_client + pi.rx_oversize);
	e->stats.tx_dropped = (uint32_t)(pi.tx_full + pi.tx_nombuf + pi.tx_invalid);
	e->stats.rx_missed_errors = (uint32_t)pi.rx_missed;
	e->ifa.ifa_name = e->name;
	e->ifa.ifa_flags = port_flags(rc, &pi);
	e->ifa.ifa_addr = (struct sockaddr *)&e->addr;
	e->ifa.ifa_broadaddr = (struct sockaddr *)&e->brd;
	e->ifa.ifa_data = &e->stats;
}

int
preload_getifaddrs(struct ifaddrs **ifap)
{
	unsigned int n = preload_nb_ports(), i;
	struct ifaddrs *libc = NULL, *head = NULL, **tail = &head, *k;
	struct ifa_list *l;
	struct ifa_port *ours;

	if (libc_getifaddrs(&libc) < 0)
		return -errno;
	ours = calloc(n, sizeof(*ours));
	l = calloc(1, sizeof(*l));
	if (ours == NULL || l == NULL) {
		free(ours);
		free(l);
		libc_freeifaddrs(libc);
		return -ENOMEM;
	}
	/* the kernel's entries, less those a port shadows, then the ports */
	for (k = libc; k != NULL; k = k->ifa_next) {
		if (preload_port_by_name(k->ifa_name) >= 0)
			continue;
		*tail = k;
		tail = &k->ifa_next;
	}
	for (i = 0; i < n; i++) {
		port_entry(i, &ours[i]);
		*tail = &ours[i].ifa;
		tail = &ours[i].ifa.ifa_next;
	}
	*tail = NULL;
	l->head = head;
	l->libc = libc;
	l->ours = ours;
	pthread_mutex_lock(&ifa_lock);
	l->next = ifa_lists;
	ifa_lists = l;
	pthread_mutex_unlock(&ifa_lock);
	*ifap = head;
	return 0;
}

void
preload_freeifaddrs(struct ifaddrs *ifa)
{
	struct ifa_list **pl, *l = NULL;

	if (ifa == NULL)
		return;
	pthread_mutex_lock(&ifa_lock);
	for (pl = &ifa_lists; *pl != NULL; pl = &(*pl)->next) {
		if ((*pl)->head == ifa) {
			l = *pl;
			*pl = l->next;
			break;
		}
	}
	pthread_mutex_unlock(&ifa_lock);
	if (l == NULL) {
		libc_freeifaddrs(ifa); /* not one of ours */
		return;
	}
	libc_freeifaddrs(l->libc);
	free(l->ours);
	free(l);
}

struct if_nameindex *
preload_if_nameindex(void)
{
	struct if_nameindex *libc = libc_if_nameindex(), *out;
	unsigned int n = 0, i, k = 0, nports = preload_nb_ports();

	while (libc != NULL && libc[n].if_name != NULL)
		n++;
	/* built as glibc builds it, so that its if_freenameindex() frees it */
	out = calloc(n + nports + 1, sizeof(*out));
	if (out == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if (preload_port_by_name(libc[i].if_name) >= 0)
			continue;
		out[k].if_index = libc[i].if_index;
		out[k].if_name = strdup(libc[i].if_name);
		if (out[k++].if_name == NULL)
			goto fail;
	}
	for (i = 0; i < nports; i++) {
		out[k].if_index = (unsigned int)preload_port(i)->ifindex;
		out[k].if_name = strdup(preload_port(i)->name);
		if (out[k++].if_name == NULL)
			goto fail;
	}
	libc_if_freenameindex(libc);
	return out;

fail:
	if (out != NULL)
		libc_if_freenameindex(out);
	if (libc != NULL)
		libc_if_freenameindex(libc);
	errno = ENOBUFS;
	return NULL;
}

/* SIOCETHTOOL: the link state, the driver; nothing else (EOPNOTSUPP, which libpcap takes). */
static int
if_ethtool(unsigned int i, struct ifreq *ifr)
{
	struct pktio_port_info pi;
	uint32_t cmd;
	int rc = preload_port_info(i, &pi);

	if (ifr->ifr_data == NULL)
		return -EFAULT;
	memcpy(&cmd, ifr->ifr_data, sizeof(cmd));
	switch (cmd) {
	case ETHTOOL_GLINK: {
		struct ethtool_value v = { .cmd = cmd, .data = rc == 0 && pi.link_up };

		memcpy(ifr->ifr_data, &v, sizeof(v));
		return 0;
	}
	case ETHTOOL_GDRVINFO: {
		struct ethtool_drvinfo d = { .cmd = cmd };

		snprintf(d.driver, sizeof(d.driver), "pktio");
		snprintf(d.version, sizeof(d.version), "%s", PKTIO_VERSION);
		if (rc == 0)
			snprintf(d.bus_info, sizeof(d.bus_info), "%.*s",
				 (int)sizeof(d.bus_info) - 1, pi.device);
		memcpy(ifr->ifr_data, &d, sizeof(d));
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}

/* An ioctl about port @p i. */
static int
if_port_ioctl(unsigned int i, unsigned long req, struct ifreq *ifr)
{
	struct pktio_port_info pi;
	int rc = preload_port_info(i, &pi);

	switch (req) {
	case SIOCGIFINDEX:
		ifr->ifr_ifindex = preload_port(i)->ifindex;
		return 0;
	case SIOCGIFFLAGS:
		ifr->ifr_flags = (short)port_flags(rc, &pi);
		return 0;
	case SIOCGIFHWADDR:
		memset(&ifr->ifr_hwaddr, 0, sizeof(ifr->ifr_hwaddr));
		ifr->ifr_hwaddr.sa_family = ARPHRD_ETHER;
		if (rc == 0)
			memcpy(ifr->ifr_hwaddr.sa_data, pi.mac, 6);
		return 0;
	case SIOCGIFMTU:
		ifr->ifr_mtu = (int)port_mtu(rc, &pi);
		return 0;
	case SIOCGIFTXQLEN:
		ifr->ifr_qlen = TXQLEN;
		return 0;
	case SIOCGIFMETRIC:
		ifr->ifr_metric = 0;
		return 0;
	case SIOCGIFPFLAGS:
		ifr->ifr_flags = 0;
		return 0;
	case SIOCGIFADDR:
	case SIOCGIFDSTADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK:
		return -EADDRNOTAVAIL; /* an interface without IPv4 */
	case SIOCSIFFLAGS:
	case SIOCADDMULTI:
	case SIOCDELMULTI:
		return 0; /* promiscuous, multicast: a port gives every frame already */
	case SIOCETHTOOL:
		return if_ethtool(i, ifr);
	default:
		return -EOPNOTSUPP;
	}
}

/* Netdevice ioctls whose argument is a struct ifreq naming the interface. */
static bool
ifreq_by_name(unsigned long req)
{
	return (req >= 0x8910 && req <= 0x894f && req != SIOCGIFCONF && req != SIOCGIFNAME &&
		req != SIOCGSKNS) ||
	       (req >= 0x8970 && req <= 0x8971) ||   /* SIOCGIFMAP, SIOCSIFMAP */
	       (req >= 0x8990 && req <= 0x8995) ||   /* bonding */
	       (req >= 0x89b0 && req <= 0x89b1) ||   /* SIOCSHWTSTAMP, SIOCGHWTSTAMP */
	       (req >= 0x89f0 && req <= 0x89ff) ||   /* SIOCDEVPRIVATE */
	       (req >= 0x8b00 && req <= 0x8bff);     /* wireless extensions */
}

int
preload_if_ioctl(unsigned long req, void *arg, int *rc)
{
	struct ifreq ifr; /* the caller's may be unaligned (CPython's is): work on a copy */
	int i;

	if (arg == NULL || req < 0x8910 || req > 0x8bff || preload_nb_ports() == 0)
		return 0;
	memcpy(&ifr, arg, sizeof(ifr));
	if (req == SIOCGIFNAME) {
		i = preload_port_by_ifindex(ifr.ifr_ifindex);
		if (i < 0)
			return 0;
		memset(ifr.ifr_name, 0, sizeof(ifr.ifr_name));
		memcpy(ifr.ifr_name, preload_port((unsigned int)i)->name, IF_NAMESIZE);
		*rc = 0;
	} else {
		if (!ifreq_by_name(req))
			return 0;
		ifr.ifr_name[IF_NAMESIZE - 1] = '\0';
		i = preload_port_by_name(ifr.ifr_name);
		if (i < 0)
			return 0;
		*rc = if_port_ioctl((unsigned int)i, req, &ifr);
	}
	memcpy(arg, &ifr, sizeof(ifr));
	return 1;
}
