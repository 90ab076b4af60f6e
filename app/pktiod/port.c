/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* Ethernet devices: set up from the configuration, started, reported, closed. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "pktiod.h"

#define MBUF_CACHE 256
#define ZC_CACHE   64
#define HUGE_PAGE  (2u << 20)

/* "net_pcap0,rx_pcap=x" is known to ethdev as "net_pcap0". */
static void
dev_name(const char *device, char *name, size_t len)
{
	size_t n = strcspn(device, ",");

	snprintf(name, len, "%.*s", (int)RTE_MIN(n, len - 1), device);
}

/*
 * The largest frame the device takes, within max_frame: max_rx_pktlen, or max_mtu plus
 * the Ethernet header, CRC and a VLAN tag (net_tap: 1522). A frame the device cannot
 * send would stop its tx burst, so the port never advertises more than that.
 */
static uint32_t
frame_limit(const struct pktiod_port_conf *pc, const struct rte_eth_dev_info *info)
{
	uint32_t lim = info->max_rx_pktlen;

	if (info->max_mtu != 0 && info->max_mtu != UINT16_MAX)
		lim = RTE_MIN(lim, (uint32_t)info->max_mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN +
			      RTE_VLAN_HLEN);
	if (lim == 0 || lim >= pc->max_frame)
		return pc->max_frame;
	PKTIO_LOG(WARNING, "port %s: max_frame %u is over what the device takes: %u used",
		  pc->name, pc->max_frame, lim);
	return lim;
}

static void
rxq_pool_free(struct rxq_pool *z)
{
	if (z == NULL)
		return;
	rte_mempool_free(z->mp);
	if (z->dev != NULL) {
		(void)rte_dev_dma_unmap(z->dev, z->base, (uintptr_t)z->base, z->size);
		(void)rte_extmem_unregister(z->base, z->size);
	}
	if (z->base != NULL)
		munmap(z->base, z->size);
	if (z->fd >= 0)
		close(z->fd);
	free(z);
}

/*
 * The buffers of a zero-copy pool: a memfd of at least @p bytes in @p page pages, sealed
 * against resizing and against new writable mappings (F_SEAL_FUTURE_WRITE; pktiod's own
 * mapping stays writable).
 */
static int
rxq_pool_map(struct rxq_pool *z, uint64_t bytes, uint64_t page)
{
	int fd = memfd_create("pktio-rxq", MFD_CLOEXEC | MFD_ALLOW_SEALING |
			      (page == HUGE_PAGE ? MFD_HUGETLB : 0));
	uint64_t size = RTE_ALIGN_CEIL(bytes, page);
	void *base;
	int rc;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0)
		goto fail;
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (base == MAP_FAILED)
		goto fail;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE |
		  F_SEAL_SEAL) < 0) {
		rc = -errno;
		munmap(base, size);
		close(fd);
		return rc;
	}
	z->fd = fd;
	z->base = base;
	z->size = size;
	return 0;

fail:
	rc = -errno;
	close(fd);
	return rc;
}

/*
 * Give rx queue @p q a pool of its own over a memfd, for zero-copy receive. Virtual devices
 * take any memory; a device that does DMA needs IOVA-as-VA and the memory mapped for it.
 * @return 0, or -errno: the queue then uses the port's pool (copies only).
 */
static int
rxq_pool_create(struct pktiod *d, struct pktiod_port *p, uint16_t q, uint16_t nb_rxd,
		struct rte_device *dev, bool dma)
{
	const struct pktiod_port_conf *pc = p->conf;
	uint32_t elt = RTE_ALIGN_CEIL(RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
					      RTE_PKTMBUF_HEADROOM + p->max_frame), 64);
	/* the device's ring, what the client may hold, a burst in flight, the caches */
	uint64_t n = nb_rxd + pc->ring_size + 2 * PKTIOD_BURST + 4 * ZC_CACHE;
	struct rte_pktmbuf_extmem em;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rxq_pool *z;
	uint64_t page;
	int rc;

	if (dma && rte_eal_iova_mode() != RTE_IOVA_VA)
		return -ENOTSUP;
	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return -ENOMEM;
	z->fd = -1;
	z->elt = elt;
	z->div = rte_reciprocal_value(elt);
	page = d->hugetlb ? HUGE_PAGE : 4096;
	rc = rxq_pool_map(z, n * elt, page);
	if (rc < 0 && page != 4096)
		rc = rxq_pool_map(z, n * elt, page = 4096);
	if (rc < 0)
		goto fail;
	z->nb = z->size / elt;
	if (dma) {
		if (rte_extmem_register(z->base, z->size, NULL, 0, page) < 0) {
			rc = -rte_errno;
			goto fail;
		}
		z->dev = dev;
		if (rte_dev_dma_map(dev, z->base, (uintptr_t)z->base, z->size) < 0) {
			rc = -rte_errno;
			goto fail;
		}
	}
	em = (struct rte_pktmbuf_extmem){ .buf_ptr = z->base, .buf_iova = (uintptr_t)z->base,
					  .buf_len = z->size, .elt_size = elt };
	snprintf(name, sizeof(name), "zc_%u_%u", p->index, q);
	z->mp = rte_pktmbuf_pool_create_extbuf(name, z->nb, ZC_CACHE, 0, elt,
					       rte_eth_dev_socket_id(p->port_id), &em, 1);
	if (z->mp == NULL) {
		rc = -rte_errno;
		goto fail;
	}
	p->rxq[q].zc = z;
	return 0;

fail:
	rxq_pool_free(z);
	return rc;
}

/*
 * Header-only mbufs for zero-copy transmit: each is attached to a client's tx slot. Only
 * for virtual devices that are done with a frame when their tx burst returns (they copy
 * it out or drop it): a device that holds mbufs (net_ring hands them to its reader, a NIC
 * until it has sent them) would hold the client's slots for as long, and a device that
 * does DMA would need every client region registered and mapped for it (not done).
 */
static void
tx_pool_create(struct pktiod *d, struct pktiod_port *p, const char *driver)
{
	static const char *const sync_tx[] = {
		"net_null", "net_pcap", "net_tap", "net_af_packet", "net_memif",
	};
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int i;

	for (i = 0; i < RTE_DIM(sync_tx) && strcmp(driver, sync_tx[i]) != 0; i++)
		;
	if (i == RTE_DIM(sync_tx))
		return;

	snprintf(name, sizeof(name), "ext_%u", p->index);
	p->ext_mp = rte_pktmbuf_pool_create(name, d->conf.mbufs, MBUF_CACHE, 0, 0,
					    rte_eth_dev_socket_id(p->port_id));
	if (p->ext_mp == NULL)
		PKTIO_LOG(WARNING, "port %s: no zero-copy transmit (%s): copies only",
			  p->conf->name, rte_strerror(rte_errno));
}

static int
port_configure(struct pktiod *d, struct pktiod_port *p)
{
	const struct pktiod_port_conf *pc = p->conf;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = pc->nb_desc, nb_txd = pc->nb_desc, q;
	bool vdev, rx_zc;
	int rc;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc < 0)
		return rc;
	/* auto: zero-copy receive where the device writes the frame itself (DMA) or writes
	 * nothing (net_null). On a virtual device that copies each frame into its mbuf it pays
	 * for an exclusive root client too (net_pcap, medians: pktio-fwd l2 17.9 Mpps against
	 * 12.0 through copies), but every copying client of such a queue (mirrors, fanout,
	 * other users) pays about 10% for freeing pinned external-buffer mbufs: there it
	 * takes zerocopy = yes. */
	vdev = strcmp(rte_bus_name(rte_dev_bus(info.device)), "vdev") == 0;
	rx_zc = pc->zerocopy == PKTIOD_ZC_YES || (pc->zerocopy == PKTIOD_ZC_AUTO &&
						 (!vdev || strcmp(info.driver_name, "net_null") == 0));
	p->max_frame = frame_limit(pc, &info);
	if (pc->nb_rxq > info.max_rx_queues || pc->nb_txq > info.max_tx_queues) {
		PKTIO_LOG(ERR, "port %s: device has %u rx / %u tx queues at most", pc->name,
			  info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (pc->nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
		conf.rxmode.offloads |= info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH;
	}
	if (p->max_frame > RTE_ETHER_MAX_LEN)
		conf.rxmode.offloads |= info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER;
	rc = rte_eth_dev_configure(p->port_id, pc->nb_rxq, pc->nb_txq, &conf);
	if (rc < 0)
		return rc;
	if (p->max_frame > RTE_ETHER_MAX_LEN)
		(void)rte_eth_dev_set_mtu(p->port_id, p->max_frame - RTE_ETHER_HDR_LEN -
					  RTE_ETHER_CRC_LEN); /* not every vdev has an MTU */
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (pc->zerocopy != PKTIOD_ZC_NO && vdev)
		tx_pool_create(d, p, info.driver_name); /* zero-copy transmit */
	for (q = 0; rc == 0 && q < pc->nb_rxq; q++) {
		if (rx_zc && (rc = rxq_pool_create(d, p, q, nb_rxd, info.device, !vdev)) < 0)
			PKTIO_LOG(WARNING, "port %s: rx queue %u: no zero-copy receive (%s): "
				  "copies only", pc->name, q, strerror(-rc));
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, rte_eth_dev_socket_id(p->port_id),
					    NULL, p->rxq[q].zc != NULL ? p->rxq[q].zc->mp : p->mp);
	}
	for (q = 0; rc == 0 && q < pc->nb_txq; q++)
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, rte_eth_dev_socket_id(p->port_id),
					    NULL);
	return rc;
}

static int
port_init(struct pktiod *d, struct pktiod_port *p)
{
	const struct pktiod_port_conf *pc = p->conf;
	char name[RTE_ETH_NAME_MAX_LEN], pool[RTE_MEMPOOL_NAMESIZE];
	int rc;

	dev_name(pc->device, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		PKTIO_LOG(ERR, "port %s: no ethdev '%s' (device = %s)", pc->name, name, pc->device);
		return -ENODEV;
	}
	snprintf(pool, sizeof(pool), "mb_%u", p->index);
	p->mp = rte_pktmbuf_pool_create(pool, d->conf.mbufs, MBUF_CACHE, 0,
					RTE_MAX(RTE_MBUF_DEFAULT_BUF_SIZE,
						RTE_PKTMBUF_HEADROOM + (int)pc->max_frame),
					rte_eth_dev_socket_id(p->port_id));
	if (p->mp == NULL) {
		PKTIO_LOG(ERR, "port %s: no memory for %u mbufs: %s", pc->name, d->conf.mbufs,
			  rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = port_configure(d, p);
	rc = rc ?: rte_eth_dev_start(p->port_id);
	if (rc < 0) {
		PKTIO_LOG(ERR, "port %s: cannot set up %s: %s", pc->name, name, rte_strerror(-rc));
		return rc;
	}
	(void)rte_eth_promiscuous_enable(p->port_id);
	return 0;
}

static bool
is_worker(unsigned int lcore)
{
	return lcore < RTE_MAX_LCORE && rte_lcore_is_enabled(lcore) &&
	       lcore != rte_get_main_lcore();
}

/*
 * Give each rx queue its worker: the port's lcore list, queue q to the (q mod n)th, or,
 * without a list, one worker for the whole port, the next one round robin.
 */
static int
ports_place(struct pktiod *d)
{
	unsigned int i, q, k, next = rte_get_next_lcore(-1, 1, 1);

	if (next >= RTE_MAX_LCORE) {
		PKTIO_LOG(ERR, "no worker lcore: give EAL at least two (e.g. -l 0-1)");
		return -EINVAL;
	}
	for (i = 0; i < d->nb_ports; i++) {
		struct pktiod_port *p = &d->ports[i];
		const struct pktiod_port_conf *pc = p->conf;

		for (k = 0; k < pc->nb_lcores; k++)
			if (!is_worker(pc->lcores[k])) {
				PKTIO_LOG(ERR, "%s: port %s: lcore %u is not a worker lcore",
					  d->conf.path, pc->name, pc->lcores[k]);
				return -EINVAL;
			}
		for (q = 0; q < pc->nb_rxq; q++) {
			p->rxq[q].lcore = pc->nb_lcores > 0 ? pc->lcores[q % pc->nb_lcores] : next;
			p->rxq[q].txq = q % pc->nb_txq;
		}
		for (p->nb_workers = 0, q = 0; q < pc->nb_rxq; q++) {
			for (k = 0; k < q && p->rxq[k].lcore != p->rxq[q].lcore; k++)
				;
			p->nb_workers += k == q;
		}
		if (pc->nb_lcores == 0) {
			next = rte_get_next_lcore(next, 1, 1);
			if (next >= RTE_MAX_LCORE)
				next = rte_get_next_lcore(-1, 1, 1);
		}
	}
	return 0;
}

int
pktiod_ports_init(struct pktiod *d)
{
	unsigned int i;
	int rc;

	d->nb_ports = d->conf.nb_ports;
	for (i = 0; i < d->nb_ports; i++) {
		d->ports[i].conf = &d->conf.ports[i];
		d->ports[i].index = i;
	}
	rc = ports_place(d);
	for (i = 0; rc == 0 && i < d->nb_ports; i++)
		rc = port_init(d, &d->ports[i]);
	return rc;
}

void
pktiod_ports_close(struct pktiod *d)
{
	unsigned int i;
	uint16_t q;

	for (i = 0; i < d->nb_ports; i++) {
		struct pktiod_port *p = &d->ports[i];

		if (p->mp == NULL)
			continue;
		(void)rte_eth_dev_stop(p->port_id);
		(void)rte_eth_dev_close(p->port_id); /* net_pcap closes its tx file here */
		for (q = 0; q < p->conf->nb_rxq; q++) {
			rxq_pool_free(p->rxq[q].zc);
			p->rxq[q].zc = NULL;
		}
		rte_mempool_free(p->mp);
		rte_mempool_free(p->ext_mp);
		p->mp = NULL;
		p->ext_mp = NULL;
	}
}

struct pktiod_port *
pktiod_port_find(struct pktiod *d, const char *name)
{
	unsigned int i;

	for (i = 0; i < d->nb_ports; i++)
		if (strcmp(d->ports[i].conf->name, name) == 0)
			return &d->ports[i];
	return NULL;
}

void
pktiod_port_info(const struct pktiod_port *p, struct pktio_port_info *pi)
{
	struct rte_eth_stats st = { 0 };
	struct rte_ether_addr mac;
	struct rte_eth_link link;
	uint16_t q, mtu;

	memset(pi, 0, sizeof(*pi));
	(void)rte_eth_stats_get(p->port_id, &st);
	snprintf(pi->name, sizeof(pi->name), "%s", p->conf->name);
	snprintf(pi->device, sizeof(pi->device), "%.*s", (int)sizeof(pi->device) - 1,
		 p->conf->device);
	pi->index = p->index;
	pi->nb_rxq = p->conf->nb_rxq;
	pi->nb_txq = p->conf->nb_txq;
	pi->nb_clients = p->nb_atts;
	pi->max_frame = p->max_frame;
	pi->ring_size = p->conf->ring_size;
	pi->rx_packets = st.ipackets;
	pi->rx_bytes = st.ibytes;
	pi->tx_packets = st.opackets;
	pi->tx_bytes = st.obytes;
	pi->rx_missed = st.imissed;
	pi->rx_errors = st.ierrors + st.rx_nombuf;
	pi->tx_errors = st.oerrors;
	for (q = 0; q < p->conf->nb_rxq; q++) {
		const struct pktiod_rxq *r = &p->rxq[q];

		pi->rx_no_client += r->rx_no_client;
		pi->rx_oversize += r->rx_oversize;
		pi->tx_full += r->tx_full;
		pi->tx_nombuf += r->tx_nombuf;
		pi->tx_invalid += r->tx_invalid;
		pi->worker_rx_packets += r->rx_polled;
		pi->worker_rx_cycles += r->rx_cycles;
		pi->worker_tx_packets += r->tx_polled;
		pi->worker_tx_cycles += r->tx_cycles;
	}
	pi->tsc_hz = rte_get_tsc_hz();
	pi->mbuf_in_use = rte_mempool_in_use_count(p->mp);
	if (p->ext_mp != NULL) {
		pi->mbuf_in_use += rte_mempool_in_use_count(p->ext_mp);
		pi->tx_zerocopy = 1;
	}
	for (q = 0; q < p->conf->nb_rxq; q++)
		if (p->rxq[q].zc != NULL) {
			pi->mbuf_in_use += rte_mempool_in_use_count(p->rxq[q].zc->mp);
			pi->rx_zerocopy = 1;
		}
	pi->detach_closed = p->detached[PKTIOD_DETACH_CLOSED];
	pi->detach_violation = p->detached[PKTIOD_DETACH_VIOLATION];
	pi->detach_protocol = p->detached[PKTIOD_DETACH_PROTOCOL];
	if (rte_eth_macaddr_get(p->port_id, &mac) == 0)
		memcpy(pi->mac, mac.addr_bytes, sizeof(pi->mac));
	if (rte_eth_link_get_nowait(p->port_id, &link) == 0) {
		pi->link_up = link.link_status == RTE_ETH_LINK_UP;
		pi->link_speed = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	}
	if (rte_eth_dev_get_mtu(p->port_id, &mtu) == 0)
		pi->mtu = mtu;
}
