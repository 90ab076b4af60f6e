/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Attachments: one shared region per client, and the per-port tables that tell the
 * worker whom to deliver to. Tables are immutable once published; a change builds a new
 * one, publishes it, and frees the old one (and any detached client) after an RCU grace
 * period, so the worker never takes a lock.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "pktio_msg.h"
#include "pktiod.h"

#define HUGE_PAGE (2u << 20)

bool
pktiod_may_attach(const struct pktiod_port_conf *pc, const struct pktiod_cred *cr)
{
	unsigned int i, j;

	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	for (i = 0; i < pc->nb_uid; i++)
		if (pc->allow_uid[i] == cr->uid)
			return true;
	for (i = 0; i < pc->nb_gid; i++)
		for (j = 0; j < cr->nb_gids; j++)
			if (pc->allow_gid[i] == cr->gids[j])
				return true;
	return false;
}

/* Attachments of @p uid over every port. */
static unsigned int
uid_clients(const struct pktiod *d, uid_t uid)
{
	const struct pktiod_att *a;
	unsigned int i, n = 0;

	for (i = 0; i < d->nb_ports; i++)
		for (a = d->ports[i].atts; a != NULL; a = a->next)
			n += a->uid == uid;
	return n;
}

/* Does @p a share an rx queue with a request for @p queue? */
static bool
overlaps(const struct pktiod_att *a, uint16_t queue)
{
	return a->queue == PKTIO_QUEUE_ANY || queue == PKTIO_QUEUE_ANY || a->queue == queue;
}

/* The attachment that keeps this request off its queue(s), if any. */
static const struct pktiod_att *
mode_conflict(const struct pktiod_port *p, const struct pktiod_attach_req *req)
{
	const struct pktiod_att *a;

	for (a = p->atts; a != NULL; a = a->next) {
		/* mirrors and senders take nothing from anyone */
		if (req->txonly || a->txonly || a->mode == PKTIO_F_MIRROR ||
		    req->mode == PKTIO_F_MIRROR || !overlaps(a, req->queue))
			continue;
		if (a->mode == PKTIO_F_EXCLUSIVE || req->mode == PKTIO_F_EXCLUSIVE)
			return a;
	}
	return NULL;
}

/* Build and publish the port's table from its attachment list. */
static int
port_publish(struct pktiod *d, struct pktiod_port *p)
{
	uint16_t nq = p->conf->nb_rxq, q;
	struct port_tab *t = NULL, *old;
	struct pktiod_att *a;

	if (p->atts != NULL) {
		t = calloc(1, sizeof(*t) + nq * sizeof(t->rxq[0]));
		if (t == NULL)
			return -ENOMEM;
	}
	for (a = p->atts; a != NULL; a = a->next) {
		t->tx[t->nb_tx++] = a;
		if (a->outgoing)
			t->out[t->nb_out++] = a;
		for (q = 0; q < nq && !a->txonly; q++) {
			struct rxq_tab *rt = &t->rxq[q];

			if (a->queue != PKTIO_QUEUE_ANY && a->queue != q)
				continue;
			if (a->mode == PKTIO_F_MIRROR)
				rt->mirror[rt->nb_mirror++] = a;
			else if (a->mode == PKTIO_F_FANOUT)
				rt->fanout[rt->nb_fanout++] = a;
			else
				rt->excl = a;
		}
	}
	old = p->tab;
	__atomic_store_n(&p->tab, t, __ATOMIC_RELEASE);
	/* after this, no worker holds the old table or anything only it pointed to */
	rte_rcu_qsbr_synchronize(d->qs, RTE_QSBR_THRID_INVALID);
	free(old);
	return 0;
}

/*
 * A region the client can neither shrink (the worker's next load would be SIGBUS) nor
 * grow, sealed before its fd leaves pktiod; F_SEAL_SEAL so that stays so.
 */
static int
region_map(uint64_t size, bool huge, int *memfd, void **base)
{
	int fd = memfd_create("pktio-region",
			      MFD_CLOEXEC | MFD_ALLOW_SEALING | (huge ? MFD_HUGETLB : 0));
	int rc;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		rc = -errno;
		goto close_fd;
	}
	*base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (*base == MAP_FAILED) {
		rc = -errno;
		goto close_fd;
	}
	*memfd = fd;
	return 0;

close_fd:
	close(fd);
	return rc;
}

/* Give back every buffer the client held (after the grace period: no worker looks). */
static void
zc_free(struct att_zc *z)
{
	uint32_t i;

	if (z == NULL)
		return;
	for (i = 0; i < z->pool->nb && z->nb_held > 0; i++)
		if (z->held[i] != NULL) {
			rte_pktmbuf_free(z->held[i]);
			z->nb_held--;
		}
	free(z);
}

static void
att_free(struct pktiod_att *a)
{
	zc_free(a->zc);
	if (a->txzc != NULL)
		free(a->txzc->fifo);
	free(a->txzc);
	if (a->hdr != NULL)
		munmap(a->hdr, a->size);
	if (a->bell >= 0)
		close(a->bell);
	free(a->stash);
	free(a->owner);
	free(a);
}

/* Lay out the region: header, four rings, slots; the appliance holds every rx slot. */
static int
region_init(struct pktiod_att *a, const struct pktio_shm_layout *l, const struct pktiod_port *p)
{
	struct pktio_shm_hdr *h = a->hdr;
	uint32_t i;
	int rc;

	h->version = PKTIO_SHM_VERSION;
	h->ring_size = l->ring_size;
	h->region_size = a->size;
	h->nb_rx_slots = h->nb_tx_slots = l->ring_size;
	h->slot_size = l->slot_size;
	h->max_frame = l->max_frame;
	h->port = p->index;
	h->queue = a->queue;
	h->rx_off = l->rx_off;
	h->rx_free_off = l->rx_free_off;
	h->tx_off = l->tx_off;
	h->tx_comp_off = l->tx_comp_off;
	h->rx_meta_off = l->rx_meta_off;
	h->slots_off = l->slots_off;
	h->rx_slot_off = l->slots_off;
	h->rx_slot_size = l->slot_size;
	h->tx_slot_off = l->tx_slot_off;
	h->worker = p->rxq[a->home].lcore;
	h->instance = pktiod.instance;
	if (a->zc != NULL) {
		const struct rxq_pool *z = a->zc->pool;

		h->rx_zerocopy = 1;
		h->rx_pool_size = z->size;
		h->nb_rx_slots = z->nb;
		h->rx_slot_off = RTE_PKTMBUF_HEADROOM - PKTIO_SLOT_HEADROOM;
		h->rx_slot_size = z->elt;
	}
	rc = gring_init(&a->rx, pktio_shm_ring(h, h->rx_off), "rx", l->ring_size);
	rc = rc ?: gring_init(&a->rx_free, pktio_shm_ring(h, h->rx_free_off), "rx_free",
			      l->ring_size);
	rc = rc ?: gring_init(&a->tx, pktio_shm_ring(h, h->tx_off), "tx",
			      PKTIO_SHM_TX_RING(l->ring_size));
	rc = rc ?: gring_init(&a->tx_comp, pktio_shm_ring(h, h->tx_comp_off), "tx_comp",
			      l->ring_size);
	if (rc < 0)
		return rc;
	a->rx_slots = (char *)h + h->rx_slot_off;
	a->rx_meta = (struct pktio_slot_meta *)((char *)h + h->rx_meta_off);
	a->meta_mask = pktio_shm_rx_meta_nb(l->ring_size) - 1;
	a->tx_slots = (char *)h + h->tx_slot_off;
	a->slot_size = l->slot_size;
	a->ring_size = l->ring_size;
	a->nb_rx = h->nb_rx_slots;
	a->nb_tx = l->ring_size;
	a->max_frame = l->max_frame;
	a->owner = calloc(a->nb_rx + a->nb_tx, 1); /* OWN_CLIENT */
	if (a->owner == NULL)
		return -ENOMEM;
	if (a->zc == NULL) {
		a->stash = malloc(a->nb_rx * sizeof(*a->stash));
		if (a->stash == NULL)
			return -ENOMEM;
		for (i = 0; i < a->nb_rx; i++) {
			a->stash[a->nb_stash++] = a->nb_rx - 1 - i;
			a->owner[i] = OWN_APPLIANCE;
		}
	}
	h->state = PKTIO_SHM_ALIVE;
	/* last: a region with a magic is complete */
	__atomic_store_n(&h->magic, PKTIO_SHM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

static int
att_region(struct pktiod *d, struct pktiod_att *a, const struct pktiod_port *p, int *memfd)
{
	const struct pktiod_port_conf *pc = p->conf;
	bool zc = a->zc != NULL;
	struct pktio_shm_layout l;
	void *base = NULL;
	int rc = -EINVAL;

	if (d->hugetlb && pktio_shm_layout(&l, pc->ring_size, p->max_frame, zc, HUGE_PAGE) == 0)
		rc = region_map(l.region_size, true, memfd, &base);
	if (rc < 0) {
		rc = pktio_shm_layout(&l, pc->ring_size, p->max_frame, zc, 4096);
		rc = rc ?: region_map(l.region_size, false, memfd, &base);
		if (rc < 0)
			return rc;
	}
	a->hdr = base;
	a->size = l.region_size;
	rc = region_init(a, &l, p);
	if (rc < 0)
		close(*memfd);
	return rc;
}

/*
 * Zero-copy receive for an exclusive client of one rx queue that has a pool of its own (and
 * asked neither for copies nor for outgoing frames, which are copies): the client gets
 * that pool's memfd reopened read-only, so it can neither write, truncate nor punch the
 * memory the device receives into. But a mapping outlives the attachment, and the pool
 * goes on receiving the queue's frames, whoever they are for next: so only root and
 * pktiod's own user, who may read every port anyway, get one; other users get copies.
 */
static int
att_zc(struct pktiod_att *a, const struct pktiod_port *p, const struct pktiod_attach_req *req,
       int *fd)
{
	const struct rxq_pool *z;
	char path[64];

	*fd = -1;
	if (req->txonly || req->copy || req->outgoing || req->mode != PKTIO_F_EXCLUSIVE ||
	    (req->queue == PKTIO_QUEUE_ANY && p->conf->nb_rxq > 1) ||
	    (req->cred->uid != 0 && req->cred->uid != geteuid()))
		return 0;
	z = p->rxq[req->queue == PKTIO_QUEUE_ANY ? 0 : req->queue].zc;
	if (z == NULL)
		return 0;
	a->zc = calloc(1, sizeof(*a->zc) + z->nb * sizeof(a->zc->held[0]));
	if (a->zc == NULL)
		return -ENOMEM;
	a->zc->pool = z;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", z->fd);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

/*
 * Zero-copy transmit, where the port has header-only mbufs for it (a virtual device: see
 * port.c) and the client did not ask for copies.
 */
static int
att_txzc(struct pktiod_att *a, const struct pktiod_port *p, const struct pktiod_attach_req *req)
{
	struct att_txzc *z;
	uint32_t i;

	if (p->ext_mp == NULL || req->copy)
		return 0;
	z = calloc(1, sizeof(*z) + a->nb_tx * sizeof(z->slot[0]));
	if (z == NULL)
		return -ENOMEM;
	a->txzc = z;
	z->fifo = malloc(a->nb_tx * sizeof(z->fifo[0]));
	if (z->fifo == NULL)
		return -ENOMEM;
	for (i = 0; i < a->nb_tx; i++) {
		z->slot[i].sh.free_cb = pktiod_txzc_done;
		z->slot[i].sh.fcb_opaque = &z->slot[i];
	}
	return 0;
}

/* Have all of @p a's zero-copy tx slots come back? (The worker no longer looks at it.) */
static bool
txzc_idle(const struct pktiod_att *a)
{
	const struct att_txzc *z = a->txzc;
	uint32_t i;

	for (i = 0; z != NULL && i < z->nb_out; i++)
		if (!__atomic_load_n(&z->slot[z->fifo[(z->head + i) % a->nb_tx] - a->nb_rx].done,
				     __ATOMIC_ACQUIRE))
			return false;
	return true;
}

unsigned int
pktiod_zombies_reap(struct pktiod *d, bool force)
{
	struct pktiod_att **pp = &d->zombies, *a;
	unsigned int left = 0;

	while ((a = *pp) != NULL) {
		if (force || txzc_idle(a)) {
			*pp = a->next;
			att_free(a);
		} else {
			pp = &a->next;
			left++;
		}
	}
	return left;
}

/*
 * The doorbell: a pipe. pktiod keeps a write end of its own, non-blocking, that never
 * leaves the process; the client gets the read end and a second write end opened anew
 * through /proc, so it is another file description: whatever the client does to its
 * descriptors' flags, pktiod's write cannot block (a full pipe is readable anyway).
 */
static int
bell_open(struct pktiod_att *a, int *rd, int *wr)
{
	char path[64];
	int fds[2], rc;

	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	*wr = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (*wr < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	*rd = fds[0];
	a->bell = fds[1];
	return 0;
}

static int
attach_check(const struct pktiod *d, const struct pktiod_port *p,
	     const struct pktiod_attach_req *req, char *reason, size_t len)
{
	const struct pktiod_port_conf *pc = p->conf;
	const struct pktiod_cred *cr = req->cred;
	const struct pktiod_att *a;

	if (!pktiod_may_attach(pc, cr)) {
		snprintf(reason, len, "uid %u may not attach to %s (allow_uid, allow_gid)",
			 cr->uid, pc->name);
		return -EACCES;
	}
	if (req->queue != PKTIO_QUEUE_ANY && req->queue >= pc->nb_rxq) {
		snprintf(reason, len, "port %s has %u rx queues", pc->name, pc->nb_rxq);
		return -EINVAL;
	}
	if (req->queue == PKTIO_QUEUE_ANY && !req->txonly && p->nb_workers > 1) {
		/* its rx ring would have a producer per worker: it must be single-producer */
		snprintf(reason, len, "port %s spreads its %u rx queues over %u lcores: attach "
			 "to one queue", pc->name, pc->nb_rxq, p->nb_workers);
		return -EINVAL;
	}
	if (req->outgoing && p->nb_workers > 1) {
		snprintf(reason, len, "port %s spreads its rx queues over %u lcores: no "
			 "copies of outgoing frames there", pc->name, p->nb_workers);
		return -EINVAL;
	}
	if (cr->uid != 0 && cr->uid != geteuid() &&
	    uid_clients(d, cr->uid) >= d->conf.max_clients_per_uid) {
		snprintf(reason, len, "uid %u has %u attachments (max_clients_per_uid)", cr->uid,
			 d->conf.max_clients_per_uid);
		return -EUSERS;
	}
	if (p->nb_atts >= PKTIOD_MAX_CLIENTS) {
		snprintf(reason, len, "port %s has %d clients already", pc->name,
			 PKTIOD_MAX_CLIENTS);
		return -EBUSY;
	}
	a = mode_conflict(p, req);
	if (a != NULL) {
		snprintf(reason, len, "queue busy: client %u (pid %d) holds it %s; %s", a->id,
			 a->pid, a->mode == PKTIO_F_EXCLUSIVE ? "exclusive" : "in fanout",
			 a->mode == PKTIO_F_EXCLUSIVE ? "mirror or txonly would fit" :
			 "fanout, mirror or txonly would fit");
		return -EBUSY;
	}
	return 0;
}

struct pktiod_att *
pktiod_attach(struct pktiod *d, struct pktiod_port *p, const struct pktiod_attach_req *req,
	      int fds[PKTIO_MSG_NB_FDS], int *err, char *reason, size_t len)
{
	struct pktiod_att *a;
	int rc;

	rc = attach_check(d, p, req, reason, len);
	if (rc < 0)
		goto fail;
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		rc = -ENOMEM;
		goto fail_why;
	}
	a->port = p;
	a->id = ++d->next_id;
	a->queue = req->queue;
	a->home = req->queue == PKTIO_QUEUE_ANY ? 0 : req->queue;
	a->mode = req->mode;
	a->txonly = req->txonly;
	a->nowake = req->nowake;
	a->outgoing = req->outgoing && !req->txonly;
	a->pid = req->cred->pid;
	a->uid = req->cred->uid;
	a->sock = req->sock;
	rc = att_zc(a, p, req, &fds[3]);
	if (rc < 0) {
		a->bell = -1;
		goto free_att;
	}
	rc = bell_open(a, &fds[1], &fds[2]);
	if (rc < 0) {
		a->bell = -1;
		goto close_pool;
	}
	rc = att_region(d, a, p, &fds[0]);
	if (rc < 0)
		goto close_bell;
	rc = att_txzc(a, p, req);
	if (rc < 0)
		goto close_region;
	a->hdr->tx_forward = a->txzc != NULL;
	a->next = p->atts;
	p->atts = a;
	p->nb_atts++;
	rc = port_publish(d, p);
	if (rc < 0)
		goto unlink;
	return a;

unlink:
	p->atts = a->next;
	p->nb_atts--;
close_region:
	close(fds[0]);
close_bell:
	close(fds[1]);
	close(fds[2]);
close_pool:
	if (fds[3] >= 0)
		close(fds[3]);
free_att:
	att_free(a);
fail_why:
	snprintf(reason, len, "cannot set up the attachment: %s", strerror(-rc));
fail:
	*err = rc;
	return NULL;
}

void
pktiod_detach(struct pktiod *d, struct pktiod_att *a, enum pktiod_detach why,
	      const char *reason)
{
	struct pktiod_port *p = a->port;
	struct pktiod_att **pp;
	struct pktio_msg_bye bye = {
		.hdr = { .version = PKTIO_MSG_VERSION, .type = PKTIO_MSG_BYE },
	};

	for (pp = &p->atts; *pp != NULL && *pp != a; pp = &(*pp)->next)
		;
	if (*pp == a) {
		*pp = a->next;
		p->nb_atts--;
	}
	while (port_publish(d, p) < 0) /* the grace period must pass before the free */
		rte_delay_us_sleep(1000);
	p->detached[why]++;
	PKTIO_LOG(INFO, "client %u (pid %d) detached from %s: %s", a->id, a->pid,
		  p->conf->name, reason != NULL ? reason : "closed");
	a->hdr->state = PKTIO_SHM_GONE;
	pktiod_bell_ring(a->bell); /* wake a sleeper: its next call sees GONE */
	if (reason != NULL) {
		snprintf(bye.reason, sizeof(bye.reason), "%s", reason);
		send(a->sock, &bye, sizeof(bye), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	close(a->sock);
	if (txzc_idle(a)) {
		att_free(a);
		return;
	}
	/* the device may still read slots of its region: keep it until they come back; the
	 * rx buffers it held go back now, while their pool exists */
	zc_free(a->zc);
	a->zc = NULL;
	close(a->bell);
	a->bell = -1;
	a->next = d->zombies;
	d->zombies = a;
}

void
pktiod_att_info(const struct pktiod_att *a, struct pktio_client_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	snprintf(ci->port, sizeof(ci->port), "%s", a->port->conf->name);
	ci->id = a->id;
	ci->pid = a->pid;
	ci->uid = a->uid;
	ci->queue = a->queue;
	ci->mode = a->mode | (a->txonly ? PKTIO_F_TXONLY : 0) |
		   (a->outgoing ? PKTIO_F_OUTGOING : 0) | (a->zc != NULL ? PKTIO_F_ZEROCOPY : 0) |
		   (a->txzc != NULL ? PKTIO_F_ZEROCOPY_TX : 0);
	ci->rx_packets = a->rx_packets;
	ci->rx_no_slot = a->rx_no_slot;
	ci->tx_packets = a->tx_packets;
	ci->tx_dropped = a->tx_dropped;
	ci->violations = a->violations;
}
