/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * ARP: the responder for the interfaces' own addresses, and the resolver of next hops.
 *
 * The neighbour table is shared by the workers and locked; the data path never takes the
 * lock: each worker looks next hops up in a private direct-mapped cache and goes to the
 * shared table only on a miss. Any change to the shared table bumps its generation; a
 * worker that sees a new generation (once per burst) empties its cache.
 *
 * A next hop with no entry gets a pending entry in the worker that needs it: up to
 * arp_pending packets are copied aside, an ARP request goes out, and is repeated every
 * arp_retry_ms until arp_retries requests went unanswered; then the packets are dropped
 * (arp_unresolved) and the first one's source gets an ICMP host unreachable. A reply, or a
 * request addressed to us, fills the shared table, releases the learning worker's pending
 * packets at once and kicks the other workers to look at theirs.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>

#include "fwd.h"

#define ARP_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr))

static inline uint32_t
ip_hash(uint32_t ip)
{
	return ip * 2654435761u;        /* Knuth's multiplicative hash: the top bits are good */
}

/* ---- the shared table (callers hold the lock) ---- */

/*
 * The entry of (ip, ifx); with @p create, else where to put it: the first expired learned
 * entry on its probe sequence, or the free slot ending it. NULL if absent (or full).
 * Slots are never emptied again, so probe sequences stay whole.
 */
static struct fwd_nbr *
nbr_find(struct fwd_nbr_table *t, uint32_t ip, uint16_t ifx, uint64_t now, bool create,
	 uint32_t cap)
{
	struct fwd_nbr *e, *reuse = NULL;
	uint32_t h = ip_hash(ip), i;

	h ^= h >> 16;
	for (i = 0; i <= t->mask; i++) {
		e = &t->e[(h + i) & t->mask];
		if (e->ip == ip && e->ifx == ifx)
			return e;
		if (e->ip == 0)
			return !create ? NULL : reuse != NULL ? reuse : t->used < cap ? e : NULL;
		if (reuse == NULL && !(e->flags & FWD_NBR_STATIC) && e->expires_ns <= now)
			reuse = e;
	}
	return create ? reuse : NULL;
}

/* Set (ip, ifx) -> mac. @return true when something changed that caches may hold. */
static bool
nbr_set(struct fwd *f, uint32_t ip, uint16_t ifx, const struct rte_ether_addr *mac,
	uint16_t flags, uint64_t expires, uint64_t now, bool create)
{
	struct fwd_nbr_table *t = &f->nbr;
	struct fwd_nbr *e = nbr_find(t, ip, ifx, now, create, f->conf.arp_entries);
	bool changed;

	if (e == NULL || (e->ip == ip && (e->flags & FWD_NBR_STATIC) && !(flags & FWD_NBR_STATIC)))
		return false;
	changed = e->ip != ip || e->expires_ns <= now || !rte_is_same_ether_addr(&e->mac, mac);
	if (e->ip == 0)
		t->used++;
	*e = (struct fwd_nbr){ .ip = ip, .ifx = ifx, .flags = flags, .mac = *mac,
			       .expires_ns = expires };
	if (changed)
		__atomic_add_fetch(&t->gen, 1, __ATOMIC_RELEASE);
	return changed;
}

int
fwd_nbr_init(struct fwd *f)
{
	struct fwd_nbr_table *t = &f->nbr;
	uint32_t size = rte_align32pow2(2 * f->conf.arp_entries), i, k;
	int rc = -pthread_mutex_init(&t->lock, NULL);

	if (rc < 0)
		return rc;
	t->e = calloc(size, sizeof(*t->e));
	if (t->e == NULL)
		return -ENOMEM;
	t->mask = size - 1;
	for (i = 0; i < f->conf.nb_if; i++)
		for (k = 0; k < f->conf.ifc[i].nb_arp; k++)
			nbr_set(f, f->conf.ifc[i].arp[k].ip, i, &f->conf.ifc[i].arp[k].mac,
				FWD_NBR_STATIC, UINT64_MAX, 0, true);
	f->cost_ns = f->conf.icmp_rate == 0 ? 0 :
		     1000000000ull * f->conf.queues / f->conf.icmp_rate;
	return 0;
}

void
fwd_nbr_free(struct fwd *f)
{
	if (f->nbr.e == NULL)
		return;
	free(f->nbr.e);
	f->nbr.e = NULL;
	pthread_mutex_destroy(&f->nbr.lock);
}

unsigned int
fwd_nbr_count(struct fwd *f)
{
	uint64_t now = fwd_now_ns();
	unsigned int i, n = 0;

	if (f->nbr.e == NULL)
		return 0;
	pthread_mutex_lock(&f->nbr.lock);
	for (i = 0; i <= f->nbr.mask; i++)
		n += f->nbr.e[i].ip != 0 && f->nbr.e[i].expires_ns > now;
	pthread_mutex_unlock(&f->nbr.lock);
	return n;
}

/* ---- ARP packets ---- */

static void
arp_request(struct fwd_worker *w, uint16_t ifx, uint32_t tip)
{
	const struct fwd_if_conf *ifc = &w->fwd->conf.ifc[ifx];
	uint8_t *slot = fwd_scratch_get(w);
	struct rte_ether_hdr *eth = (void *)(slot + FWD_HDR);
	struct rte_arp_hdr *arp = (void *)(eth + 1);

	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = ifc->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = ifc->mac;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(ifc->addr);
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	fwd_tx_queue(w, ifc->port, slot, ARP_LEN);
	w->st.arp_requests_out++;
}

/* Turn a request for our address into the reply, in place. */
static void
arp_reply(struct fwd_worker *w, uint16_t ifx, uint8_t *slot)
{
	const struct fwd_if_conf *ifc = &w->fwd->conf.ifc[ifx];
	struct rte_ether_hdr *eth = (void *)(slot + FWD_HDR);
	struct rte_arp_hdr *arp = (void *)(eth + 1);

	eth->dst_addr = arp->arp_data.arp_sha;
	eth->src_addr = ifc->mac;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	arp->arp_data.arp_sha = ifc->mac;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(ifc->addr);
	fwd_tx_queue(w, ifc->port, slot, ARP_LEN);  /* Ethernet padding dropped */
	w->st.arp_replies_out++;
}

/* ---- a worker's cache ---- */

static struct fwd_cache *
cache_slot(struct fwd_worker *w, uint32_t ip)
{
	return &w->cache[ip_hash(ip) >> (32 - FWD_CACHE_BITS)];
}

/*
 * Miss: copy the shared entry into the cache, if there is a valid one. A learned entry in
 * use is refreshed before it expires, so that traffic to a neighbour that still answers
 * never waits: in the last arp_retries * arp_retry_ms of its life (at most half of it), a
 * request goes out every arp_retry_ms and the caches keep the entry only until the next.
 */
static const struct rte_ether_addr *
cache_fill(struct fwd_worker *w, struct fwd_cache *c, uint32_t ip, uint16_t ifx)
{
	const struct fwd_conf *conf = &w->fwd->conf;
	uint64_t retry = conf->arp_retry_ms * 1000000ull;
	uint64_t window = RTE_MIN(retry * conf->arp_retries, conf->arp_timeout_s * 500000000ull);
	struct fwd_nbr_table *t = &w->fwd->nbr;
	struct fwd_nbr *e;
	bool ok, probe = false;

	pthread_mutex_lock(&t->lock);
	e = nbr_find(t, ip, ifx, w->now, false, 0);
	ok = e != NULL && e->expires_ns > w->now;
	if (ok) {
		*c = (struct fwd_cache){ .ip = ip, .ifx = ifx, .mac = e->mac,
					 .expires_ns = e->expires_ns };
		if (!(e->flags & FWD_NBR_STATIC) && e->expires_ns - w->now <= window) {
			probe = e->probe_ns <= w->now;
			if (probe)
				e->probe_ns = w->now + retry;
			c->expires_ns = RTE_MIN(e->expires_ns, e->probe_ns);
		} else if (!(e->flags & FWD_NBR_STATIC)) {
			c->expires_ns = e->expires_ns - window;
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (probe)
		arp_request(w, ifx, ip);
	return ok ? &c->mac : NULL;
}

static inline const struct rte_ether_addr *
nbr_resolve(struct fwd_worker *w, uint32_t ip, uint16_t ifx)
{
	struct fwd_cache *c = cache_slot(w, ip);

	if (likely(c->ip == ip && c->ifx == ifx && w->now < c->expires_ns))
		return &c->mac;
	return cache_fill(w, c, ip, ifx);
}

const struct rte_ether_addr *
fwd_nbr_resolve(struct fwd_worker *w, uint32_t ip, uint16_t ifx)
{
	return nbr_resolve(w, ip, ifx);
}

/* ---- pending packets ---- */

static struct fwd_pend *
pend_find(struct fwd_worker *w, uint32_t ip, uint16_t ifx)
{
	unsigned int i;

	for (i = 0; i < FWD_PEND_MAX; i++)
		if (w->pend[i].ip == ip && w->pend[i].ifx == ifx)
			return &w->pend[i];
	return NULL;
}

static void
pend_free(struct fwd_worker *w, struct fwd_pend *pe)
{
	w->st.pending -= pe->n;
	pe->ip = 0;
	pe->ifx = 0;
	pe->n = 0;
	w->nb_pend--;
}

/* The next hop answered: send its packets, then free the entry. */
static void
pend_release(struct fwd_worker *w, struct fwd_pend *pe, const struct rte_ether_addr *mac)
{
	const struct fwd_if_conf *ifc = &w->fwd->conf.ifc[pe->ifx];
	struct rte_ether_hdr *eth;
	unsigned int k;

	for (k = 0; k < pe->n; k++) {
		eth = (void *)(pe->buf + w->pend_slot * k + FWD_HDR);
		eth->dst_addr = *mac;
		eth->src_addr = ifc->mac;
		fwd_tx_queue(w, ifc->port, pe->buf + w->pend_slot * k, pe->len[k]);
	}
	fwd_tx_flush(w, ifc->port);     /* writev copied them: the buffers are free again */
	pend_free(w, pe);
}

/* It never answered: drop its packets and tell the first routed one's source. */
static void
pend_give_up(struct fwd_worker *w, struct fwd_pend *pe)
{
	unsigned int k, first = pe->n;

	for (k = 0; k < pe->n && first == pe->n; k++)
		if (pe->routed[k])
			first = k;
	w->st.drop[FWD_DROP_ARP_UNRESOLVED] += pe->n;
	k = pe->n;
	pend_free(w, pe);
	/* the buffer is only reused once an ICMP error built from it was copied out */
	if (first < k)
		fwd_icmp_error(w, pe->in_ifx[first], pe->buf + w->pend_slot * first + FWD_HDR,
			       pe->len[first], FWD_ICMP_UNREACH, FWD_ICMP_UNREACH_HOST);
}

static struct fwd_pend *
pend_new(struct fwd_worker *w, uint32_t ip, uint16_t ifx)
{
	struct fwd_pend *pe = pend_find(w, 0, 0);

	if (pe == NULL)
		return NULL;
	pe->ip = ip;
	pe->ifx = ifx;
	pe->n = 0;
	pe->tries = 0;
	pe->next_ns = w->now;           /* the first request goes out once the packet is in */
	w->nb_pend++;
	return pe;
}

static void
pend_add(struct fwd_worker *w, const uint8_t *slot, uint32_t len, uint16_t ifx,
	 uint32_t nh_ip, uint16_t in_ifx, bool routed)
{
	struct fwd_pend *pe = pend_find(w, nh_ip, ifx);

	if (pe == NULL)
		pe = pend_new(w, nh_ip, ifx);
	if (pe == NULL || pe->n == w->fwd->conf.arp_pending) {
		w->st.drop[FWD_DROP_ARP_OVERFLOW]++;
		return;
	}
	memcpy(pe->buf + w->pend_slot * pe->n, slot, FWD_HDR + len);
	pe->len[pe->n] = len;
	pe->in_ifx[pe->n] = in_ifx;
	pe->routed[pe->n] = routed;
	pe->n++;
	w->st.pending++;
	if (pe->tries == 0) {           /* after the copy: the request may reuse scratch */
		arp_request(w, ifx, nh_ip);
		pe->tries = 1;
		pe->next_ns = w->now + w->fwd->conf.arp_retry_ms * 1000000ull;
	}
}

void
fwd_ip_output(struct fwd_worker *w, uint8_t *slot, uint32_t len, uint16_t out_ifx,
	      uint32_t nh_ip, uint16_t in_ifx, bool routed)
{
	const struct fwd_if_conf *ifc = &w->fwd->conf.ifc[out_ifx];
	const struct rte_ether_addr *mac = nbr_resolve(w, nh_ip, out_ifx);
	struct rte_ether_hdr *eth = (void *)(slot + FWD_HDR);

	if (unlikely(mac == NULL)) {
		pend_add(w, slot, len, out_ifx, nh_ip, in_ifx, routed);
		return;
	}
	eth->dst_addr = *mac;
	eth->src_addr = ifc->mac;
	fwd_tx_queue(w, ifc->port, slot, len);
}

/* ---- input ---- */

/* Learn from an ARP packet: create the entry when it was meant for us, else only refresh. */
static void
arp_learn(struct fwd_worker *w, uint16_t ifx, const struct rte_ether_addr *mac, uint32_t sip,
	  bool for_us)
{
	struct fwd *f = w->fwd;
	const struct fwd_if_conf *ifc = &f->conf.ifc[ifx];
	uint32_t mask = ~0u << (32 - ifc->plen);
	struct fwd_pend *pe;
	bool changed;

	if (sip == ifc->addr || (sip & mask) != (ifc->addr & mask))
		return;                 /* a probe (0.0.0.0), a conflict, or off-link */
	pthread_mutex_lock(&f->nbr.lock);
	changed = nbr_set(f, sip, ifx, mac, 0, w->now + f->conf.arp_timeout_s * 1000000000ull,
			  w->now, for_us);
	pthread_mutex_unlock(&f->nbr.lock);
	if (!changed)
		return;
	w->st.arp_learned++;
	pe = pend_find(w, sip, ifx);
	if (pe != NULL)
		pend_release(w, pe, mac);
	fwd_kick_others(w);
}

void
fwd_arp_input(struct fwd_worker *w, uint16_t ifx, uint8_t *slot, uint32_t len)
{
	struct rte_arp_hdr *arp = (void *)(slot + FWD_HDR + RTE_ETHER_HDR_LEN);
	struct rte_ether_addr sha;
	uint32_t sip, tip;
	uint16_t op;

	if (len < ARP_LEN || arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    !rte_is_valid_assigned_ether_addr(&arp->arp_data.arp_sha)) {
		w->st.drop[FWD_DROP_BAD_HEADER]++;
		return;
	}
	op = rte_be_to_cpu_16(arp->arp_opcode);
	if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) {
		w->st.drop[FWD_DROP_UNSUPPORTED]++;
		return;
	}
	if (op == RTE_ARP_OP_REQUEST)
		w->st.arp_requests_in++;
	else
		w->st.arp_replies_in++;
	sha = arp->arp_data.arp_sha;   /* the reply is built in place: read them first */
	sip = rte_be_to_cpu_32(arp->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
	if (op == RTE_ARP_OP_REQUEST && tip == w->fwd->conf.ifc[ifx].addr)
		arp_reply(w, ifx, slot);
	arp_learn(w, ifx, &sha, sip, tip == w->fwd->conf.ifc[ifx].addr);
}

/* ---- time ---- */

/* Another worker changed the table: forget the cache, look again for what is pending. */
void
fwd_nbr_sync(struct fwd_worker *w)
{
	uint32_t gen = __atomic_load_n(&w->fwd->nbr.gen, __ATOMIC_ACQUIRE);
	const struct rte_ether_addr *mac;
	unsigned int i;

	if (likely(gen == w->cache_gen))
		return;
	memset(w->cache, 0, sizeof(w->cache));
	w->cache_gen = gen;
	for (i = 0; i < FWD_PEND_MAX && w->nb_pend > 0; i++) {
		if (w->pend[i].ip == 0)
			continue;
		mac = nbr_resolve(w, w->pend[i].ip, w->pend[i].ifx);
		if (mac != NULL)
			pend_release(w, &w->pend[i], mac);
	}
}

void
fwd_arp_timers(struct fwd_worker *w)
{
	struct fwd_pend *pe;
	unsigned int i;

	fwd_nbr_sync(w);
	for (i = 0; i < FWD_PEND_MAX && w->nb_pend > 0; i++) {
		pe = &w->pend[i];
		if (pe->ip == 0 || w->now < pe->next_ns)
			continue;
		if (pe->tries >= w->fwd->conf.arp_retries) {
			pend_give_up(w, pe);
			continue;
		}
		arp_request(w, pe->ifx, pe->ip);
		pe->tries++;
		pe->next_ns = w->now + w->fwd->conf.arp_retry_ms * 1000000ull;
	}
	fwd_tx_flush_all(w);
	w->nb_scratch = 0;
}

/* How long the worker may sleep: until the next retry, or for ever. */
int
fwd_arp_timeout_ms(const struct fwd_worker *w)
{
	uint64_t now = fwd_now_ns(), next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < FWD_PEND_MAX && w->nb_pend > 0; i++)
		if (w->pend[i].ip != 0)
			next = RTE_MIN(next, w->pend[i].next_ns);
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)RTE_MIN((next - now + 999999) / 1000000, 3600000ull);
}

int
fwd_arp_worker_init(struct fwd_worker *w)
{
	const struct fwd_conf *c = &w->fwd->conf;
	size_t per = c->arp_pending;
	unsigned int i;

	w->pend_slot = RTE_MAX(w->slot_size, (size_t)FWD_SCRATCH_SIZE);
	/* untouched pages cost nothing: only next hops being resolved use theirs */
	w->pend_buf = malloc(w->pend_slot * per * FWD_PEND_MAX);
	if (w->pend_buf == NULL)
		return -ENOMEM;
	for (i = 0; i < FWD_PEND_MAX; i++)
		w->pend[i].buf = w->pend_buf + w->pend_slot * per * i;
	return 0;
}
