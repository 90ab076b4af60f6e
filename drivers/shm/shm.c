/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The shm driver: libpktio over a pktiod attachment (see pktio_shm.h for the region).
 *
 * Doorbell protocol, for a level-triggered fd. The doorbell is a pipe: the user polls its
 * read end, and a byte in it is the ring. pktiod writes through a write end of its own;
 * the client has a second write end, opened for it alone (both ends non-blocking, set
 * here). The pipe holds a byte whenever the rx ring holds packets, and none when it is
 * empty:
 *  - finding the ring empty, the client drains the pipe, sets hdr.rx_wakeup, and looks
 *    at the ring again (a full fence orders the flag store before that load);
 *  - after each enqueue the appliance fences, loads rx_wakeup, and if it is set, swaps it
 *    to 0 and writes a byte;
 *  - finding packets left with the pipe known to be empty, the client writes a byte;
 *  - finding the flag taken, the client knows a byte is owed and, before draining the
 *    pipe again, waits for it to land (else it could land after the drain).
 * Both sides use a store-fence-load, so at least one of them sees the other (no lost
 * wake-up). Each side writes only when the other has not, so the pipe never holds more
 * than a few bytes and one read drains it. A handle opened with PKTIO_F_BUSYPOLL skips all
 * of it and makes no syscall.
 *
 * Buffer ids. own[] records who holds each slot; every id the user hands back is checked
 * against it (one byte per packet), so a stale, forged or repeated id never reaches a
 * ring or the free stack: pktio_tx_submit() refuses it, pktio_rx_release() ignores it.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring_elem.h>

#include "pktio_private.h"
#include "pktio_shm.h"
#include "shm_private.h"

#define RX_MAX 256u         /* descriptors one rx_burst takes */
#define CTL_CHECK_POLLS 4096u/* busy-poll: empty polls between control socket checks */
#define BELL_TAKE_TRIES 1000u /* bell_take(): reads before giving up on a dead appliance */
#define BELL_BUF 64u         /* bytes one doorbell read takes: more than are ever queued */

_Static_assert(PKTIO_FORWARD_HDR_MAX == PKTIO_FWD_HDR_MAX, "one header limit");

/* own[slot]: who holds a slot, as far as the client knows. */
enum slot_owner {
	SLOT_APPLIANCE = 0,  /* rx: on rx_free or the rx ring; tx: submitted, not completed */
	SLOT_USER,           /* rx: handed out by rx_burst; tx: reserved */
	SLOT_FREE,           /* tx: on the free stack */
};

struct shm_port {
	struct pktio_shm_hdr *hdr;
	uint64_t size;
	struct rte_ring *rx, *rx_free, *tx, *tx_comp;
	char *rx_slots;         /* rx slot 0: in the region, or in the rx pool (zero-copy) */
	const struct pktio_slot_meta *rx_meta; /* entry (rx ring position & meta_mask) */
	uint32_t meta_mask;
	char *tx_slots;         /* tx slot nb_rx */
	void *pool;             /* zero-copy: the rx pool, mapped read-only; or NULL */
	uint64_t pool_size;
	uint32_t rx_slot_size;
	uint32_t slot_size;
	uint32_t nb_rx;         /* first tx slot */
	uint32_t nb_tx;
	uint32_t nb_free;       /* tx slots on the free stack */
	uint32_t idle;          /* busy-poll: empty polls since the last control check */
	int bell_wr;            /* our write end of the doorbell pipe (p->fd is the read end) */
	bool armed;             /* we set rx_wakeup and the appliance has not taken it */
	bool owed;              /* the appliance took rx_wakeup: its byte is coming */
	bool pending;           /* the doorbell pipe holds a byte */
	bool dead;
	bool fwd_source;        /* other handles' forwards have named its buffers */
	uint64_t tx_enq;        /* descriptors put on the tx ring (tx_done()) */
	uint64_t fwd_mark;      /* forwards_drain(): tx_enq to wait for */
	struct shm_port *next_open;
	uint8_t *own;           /* per slot: enum slot_owner (after tx_free[]) */
	uint32_t tx_free[];     /* stack of free tx slots */
};

static inline struct shm_port *
shm(const struct pktio_port *p)
{
	return p->priv;
}

/* Every open handle of the process (forwards_drain() looks at their tx rings). */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shm_port *open_list;

/* Empty the doorbell pipe. @return bytes taken (0: it was empty). One read, as a pipe
 * holds far fewer than BELL_BUF bytes; only a full read looks again. */
static unsigned int
bell_drain(int fd)
{
	char buf[BELL_BUF];
	unsigned int got = 0;
	ssize_t n;

	do {
		n = read(fd, buf, sizeof(buf)); /* non-blocking: EAGAIN when empty */
		if (n > 0)
			got += n;
	} while (n == (ssize_t)sizeof(buf));
	return got;
}

/* Make the doorbell readable ourselves. A full pipe (EAGAIN) is readable already. */
static void
bell_ring(struct shm_port *s)
{
	static const char one = 1;

	if (write(s->bell_wr, &one, 1) < 0)
		return;
}

static bool
shm_dead(struct pktio_port *p)
{
	struct shm_port *s = shm(p);

	if (!s->dead && __atomic_load_n(&s->hdr->state, __ATOMIC_ACQUIRE) != PKTIO_SHM_ALIVE)
		s->dead = true;
	return s->dead;
}

/* Has the control connection closed (pktiod crashed, or sent BYE)? */
static bool
ctl_hup(struct pktio_port *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->ctl_fd, .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return false;
	shm_ctl_bye(p->ctl_fd);
	shm(p)->dead = true;
	return true;
}

/* The appliance took the flag: its byte has landed or is a moment away. Wait for it and
 * consume it; a plain drain could come first and leave the fd readable on an empty ring.
 * Bounded, in case the appliance died in between. */
static void
bell_take(int fd)
{
	unsigned int i;

	for (i = 0; i < BELL_TAKE_TRIES && bell_drain(fd) == 0; i++)
		rte_pause();
}

/* The appliance took the flag we set, so it rings (or has rung). */
static inline bool
ring_taken(struct shm_port *s)
{
	if (!s->armed || __atomic_load_n(&s->hdr->rx_wakeup, __ATOMIC_ACQUIRE) != 0)
		return false;
	s->armed = false;
	s->owed = true;
	return true;
}

/* The ring was seen empty: drain the pipe and ask the appliance for a doorbell. */
static void
rx_arm(struct pktio_port *p)
{
	struct shm_port *s = shm(p);

	if (s->armed && !ring_taken(s))
		return; /* still armed, pipe still empty */
	if (s->owed)
		bell_take(p->fd);
	else if (s->pending)
		bell_drain(p->fd);
	s->owed = false;
	s->pending = false;
	__atomic_store_n(&s->hdr->rx_wakeup, 1, __ATOMIC_RELAXED);
	/* Order the flag store before the ring load (the appliance does the reverse). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rte_ring_count(s->rx) == 0) {
		s->armed = true;
		return;
	}
	/* Packets raced in. Whoever takes the flag back rings. */
	if (__atomic_exchange_n(&s->hdr->rx_wakeup, 0, __ATOMIC_ACQ_REL) != 0) {
		bell_ring(s);
		s->pending = true;
	} else {
		s->owed = true;
	}
}

/* After a dequeue that left @p avail packets: keep the fd's readiness true. */
static void
rx_upkeep(struct pktio_port *p, unsigned int avail)
{
	struct shm_port *s = shm(p);

	if (avail == 0) {
		rx_arm(p);
		return;
	}
	if (s->armed && !ring_taken(s))
		return; /* the appliance will ring: it enqueued and checks next */
	if (!s->pending && !s->owed) {
		bell_ring(s);
		s->pending = true;
	}
}

static int
shm_rx_burst(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	struct shm_port *s = shm(p);
	struct pktio_desc d[RX_MAX];
	unsigned int i, avail;
	uint64_t bytes = 0;
	uint32_t pos;

	if (unlikely(shm_dead(p)))
		return -ECONNRESET;
	pos = s->rx->cons.head; /* ours: the single consumer */
	n = rte_ring_sc_dequeue_burst_elem(s->rx, d, sizeof(d[0]), RTE_MIN(n, RX_MAX), &avail);
	for (i = 0; i < n; i++) {
		const struct pktio_slot_meta *m = &s->rx_meta[(pos + i) & s->meta_mask];

		pkts[i].data = s->rx_slots + (size_t)d[i].slot * s->rx_slot_size +
			       PKTIO_SLOT_HEADROOM;
		pkts[i].len = d[i].len;
		pkts[i].cap = d[i].len;
		pkts[i].id = d[i].slot;
		pkts[i].hash = m->hash;
		pkts[i].tstamp = m->tstamp;
		pkts[i].queue = m->queue;
		pkts[i].flags = m->flags & PKTIO_PKT_OUTGOING;
		bytes += d[i].len;
		s->own[d[i].slot] = SLOT_USER; /* the appliance's slot numbers are trusted */
	}
	p->st.rx_packets += n;
	p->st.rx_bytes += bytes;
	if (!(p->flags & PKTIO_F_BUSYPOLL))
		rx_upkeep(p, avail);
	else if (n == 0 && ++s->idle >= CTL_CHECK_POLLS) {
		s->idle = 0;
		if (ctl_hup(p, 0))
			return -ECONNRESET;
	}
	return n;
}

static void
shm_rx_release(struct pktio_port *p, const struct pktio_pkt *pkts, unsigned int n)
{
	struct shm_port *s = shm(p);
	struct pktio_desc d[RX_MAX];
	unsigned int i, k, m;

	while (n > 0) {
		k = RTE_MIN(n, RX_MAX);
		for (i = 0, m = 0; i < k; i++) {
			uint32_t id = pkts[i].id;

			if (unlikely(id >= s->nb_rx || s->own[id] != SLOT_USER)) {
				pktio_bad_id(p, "pktio_rx_release", id);
				continue;
			}
			s->own[id] = SLOT_APPLIANCE;
			d[m++] = (struct pktio_desc){ .slot = id };
		}
		/* rx_free holds every rx slot: this cannot fail */
		rte_ring_sp_enqueue_burst_elem(s->rx_free, d, sizeof(d[0]), m, NULL);
		pkts += k;
		n -= k;
	}
}

/* Move completed tx slots back onto the free stack. */
static void
tx_reclaim(struct shm_port *s)
{
	struct pktio_desc d[RX_MAX];
	unsigned int i, n;

	do {
		n = rte_ring_sc_dequeue_burst_elem(s->tx_comp, d, sizeof(d[0]), RX_MAX, NULL);
		for (i = 0; i < n; i++) {
			s->own[d[i].slot] = SLOT_FREE;
			s->tx_free[s->nb_free++] = d[i].slot;
		}
	} while (n == RX_MAX);
}

static int
shm_tx_reserve(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	struct shm_port *s = shm(p);
	unsigned int i;

	if (unlikely(shm_dead(p)))
		return -ECONNRESET;
	if (s->nb_free < n)
		tx_reclaim(s);
	n = RTE_MIN(n, s->nb_free);
	for (i = 0; i < n; i++) {
		uint32_t slot = s->tx_free[--s->nb_free];

		pkts[i].data = s->tx_slots + (size_t)(slot - s->nb_rx) * s->slot_size +
			       PKTIO_SLOT_HEADROOM;
		pkts[i].len = 0;
		pkts[i].cap = p->max_frame;
		pkts[i].id = slot;
		s->own[slot] = SLOT_USER;
	}
	return n;
}

/*
 * Check a submit before anything is sent: each length, and each id against own[]. An id
 * passes once (it is marked the appliance's as it passes, so a repeat fails); a failure
 * hands those passed back to the user. @return 0, -EMSGSIZE or -EINVAL.
 */
static int
tx_claim(struct pktio_port *p, const struct pktio_pkt *pkts, unsigned int n)
{
	struct shm_port *s = shm(p);
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		uint32_t id = pkts[i].id;

		if (unlikely(pkts[i].len > p->max_frame))
			rc = -EMSGSIZE;
		else if (unlikely(id - s->nb_rx >= s->nb_tx || s->own[id] != SLOT_USER))
			rc = -EINVAL; /* not a tx slot, or not reserved by the user */
		else {
			s->own[id] = SLOT_APPLIANCE;
			continue;
		}
		while (i-- > 0)
			s->own[pkts[i].id] = SLOT_USER;
		return rc;
	}
	return 0;
}

static int
shm_tx_submit(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n)
{
	struct shm_port *s = shm(p);
	struct pktio_desc d[RX_MAX];
	unsigned int i, k, done = 0;
	uint64_t bytes = 0;
	int rc;

	rc = tx_claim(p, pkts, n);
	if (rc < 0)
		return rc;
	while (n > 0) {
		unsigned int m = RTE_MIN(n, RX_MAX);

		for (i = 0, k = 0; i < m; i++) {
			if (pkts[i].len == 0) {
				s->own[pkts[i].id] = SLOT_FREE;
				s->tx_free[s->nb_free++] = pkts[i].id;
				continue;
			}
			d[k++] = (struct pktio_desc){ .slot = pkts[i].id, .len = pkts[i].len };
			bytes += pkts[i].len;
		}
		/* tx holds every tx slot: this cannot fail */
		rte_ring_sp_enqueue_burst_elem(s->tx, d, sizeof(d[0]), k, NULL);
		done += k;
		pkts += m;
		n -= m;
	}
	p->st.tx_packets += done;
	__atomic_store_n(&s->tx_enq, s->tx_enq + done, __ATOMIC_RELAXED);
	p->st.tx_bytes += bytes;
	return done;
}

static bool
shm_forward_ok(const struct pktio_port *out, const struct pktio_port *in)
{
	const struct pktio_shm_hdr *o = shm(out)->hdr, *i = shm(in)->hdr;

	return shm(in)->pool != NULL && o->tx_forward == 1 && o->worker == i->worker &&
	       o->instance == i->instance;
}

/*
 * Forward without a copy. Without a header, the descriptor names the rx buffer itself
 * (PKTIO_DESC_FWD_BUF) and takes no tx slot; with one, each packet takes a tx slot of
 * @p out to carry a struct pktio_fwd, which pktiod returns at once. Ids are checked as
 * tx_claim() checks them.
 */
static int
shm_forward(struct pktio_port *out, struct pktio_port *in, const struct pktio_pkt *pkts,
	    unsigned int n, const void *hdrs, unsigned int hdr_len)
{
	struct shm_port *so = shm(out), *si = shm(in);
	uint16_t port = si->hdr->port, queue = si->hdr->queue;
	bool inline_buf;
	struct pktio_desc d[RX_MAX];
	unsigned int i, k;
	uint64_t bytes = 0;

	if (unlikely(shm_dead(out) || shm_dead(in)))
		return -ECONNRESET;
	if (queue == PKTIO_QUEUE_ANY)
		queue = 0; /* zero-copy only there when the port has one queue */
	si->fwd_source = true;
	inline_buf = hdr_len == 0 && port < 32 && queue < 64;
	if (!inline_buf && so->nb_free < n)
		tx_reclaim(so);
	n = RTE_MIN(n, RX_MAX);
	if (inline_buf) /* leave room for every tx slot (PKTIO_SHM_TX_RING) */
		n = RTE_MIN(n, so->nb_tx - RTE_MIN(rte_ring_count(so->tx), so->nb_tx));
	else
		n = RTE_MIN(n, so->nb_free);
	for (i = 0; i < n; i++) {
		uint32_t id = pkts[i].id;

		if (unlikely(id >= si->nb_rx || si->own[id] != SLOT_USER)) {
			while (i-- > 0)
				si->own[pkts[i].id] = SLOT_USER;
			return -EINVAL;
		}
		si->own[id] = SLOT_APPLIANCE; /* a repeat in pkts fails */
	}
	if (inline_buf) {
		for (k = 0; k < n; k++) {
			d[k] = (struct pktio_desc){ .slot = pkts[k].id, .len = pkts[k].len,
				.flags = PKTIO_DESC_FWD_BUF | PKTIO_DESC_FWD_SRC(port, queue) };
			bytes += pkts[k].len;
		}
		rte_ring_sp_enqueue_burst_elem(so->tx, d, sizeof(d[0]), n, NULL); /* fits */
		out->st.tx_packets += n;
	__atomic_store_n(&so->tx_enq, so->tx_enq + n, __ATOMIC_RELAXED);
		out->st.tx_bytes += bytes;
		return n;
	}
	/* pktiod read these lines last: ask for them in write state, all at once */
	for (k = 0; k < n; k++)
		__builtin_prefetch(so->tx_slots + (size_t)(so->tx_free[so->nb_free - 1 - k] -
							   so->nb_rx) * so->slot_size, 1, 3);
	for (k = 0; k < n; k++) {
		uint32_t slot = so->tx_free[--so->nb_free];
		struct pktio_fwd *f = (void *)(so->tx_slots +
					       (size_t)(slot - so->nb_rx) * so->slot_size);

		f->buf = pkts[k].id;
		f->port = port;
		f->queue = queue;
		f->hdr_len = hdr_len;
		memcpy(f->hdr, (const uint8_t *)hdrs + (size_t)k * hdr_len, hdr_len);
		so->own[slot] = SLOT_APPLIANCE;
		d[k] = (struct pktio_desc){ .slot = slot, .len = pkts[k].len,
					    .flags = PKTIO_DESC_FWD };
		bytes += pkts[k].len;
	}
	/* tx holds every tx slot: this cannot fail */
	rte_ring_sp_enqueue_burst_elem(so->tx, d, sizeof(d[0]), n, NULL);
	out->st.tx_packets += n;
	__atomic_store_n(&so->tx_enq, so->tx_enq + n, __ATOMIC_RELAXED);
	out->st.tx_bytes += bytes;
	return n;
}

static bool
shm_rx_ready(const struct pktio_port *p)
{
	return rte_ring_count(shm(p)->rx) > 0;
}

static int
shm_wait_busy(struct pktio_port *p, int timeout_ms)
{
	struct shm_port *s = shm(p);
	struct timespec t0, t;
	unsigned int spins = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (rte_ring_count(s->rx) == 0) {
		if (shm_dead(p))
			return -ECONNRESET;
		if (++spins % CTL_CHECK_POLLS == 0) {
			if (ctl_hup(p, 0))
				return -ECONNRESET;
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (timeout_ms >= 0 && (t.tv_sec - t0.tv_sec) * 1000 +
			    (t.tv_nsec - t0.tv_nsec) / 1000000 >= timeout_ms)
				return 0;
		}
		rte_pause();
	}
	return 1;
}

static int
shm_wait_rx(struct pktio_port *p, int timeout_ms)
{
	struct shm_port *s = shm(p);
	struct pollfd pfd[2] = {
		{ .fd = p->fd, .events = POLLIN },
		{ .fd = p->ctl_fd, .events = POLLIN },
	};
	int rc;

	if (shm_dead(p))
		return -ECONNRESET;
	if (p->flags & PKTIO_F_BUSYPOLL)
		return shm_wait_busy(p, timeout_ms);
	if (rte_ring_count(s->rx) > 0)
		return 1;
	rx_arm(p);
	if (s->pending)
		return 1;
	rc = poll(pfd, 2, timeout_ms);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return 0;
	if (pfd[1].revents != 0 && ctl_hup(p, 0))
		return -ECONNRESET;
	if (pfd[0].revents & POLLIN) {
		s->armed = false; /* the appliance's ring (the only writer while armed) landed */
		s->owed = false;
		s->pending = true;
	}
	return shm_dead(p) ? -ECONNRESET : 1;
}

static int
shm_wait_tx(struct pktio_port *p)
{
	const struct timespec ts = { .tv_nsec = 10000 };

	/* No doorbell for completions: a worker takes tx within its idle back-off. */
	if (shm_dead(p) || ctl_hup(p, 0))
		return -ECONNRESET;
	nanosleep(&ts, NULL);
	return 0;
}

static void
shm_stats(const struct pktio_port *p, struct pktio_stats *st)
{
	const struct pktio_shm_hdr *h = shm(p)->hdr;

	st->rx_no_slot = h->rx_no_slot;
	st->tx_sent = h->tx_sent;
	st->tx_dropped = h->tx_dropped;
}

static void
shm_unmap(struct shm_port *s)
{
	if (s->pool != NULL)
		munmap(s->pool, s->pool_size);
	munmap(s->hdr, s->size);
	free(s);
}

/*
 * Map the region and, for zero-copy receive, the rx pool read-only (the size fstat
 * gives), and check what the appliance laid out there against both.
 */
static int
shm_map_check(const struct shm_attach *a, struct pktio_shm_hdr **h, void **pool,
	      uint64_t *pool_size)
{
	struct stat st = { 0 };
	int rc = -EPROTO;

	*pool = NULL;
	*h = mmap(NULL, a->region_size, PROT_READ | PROT_WRITE, MAP_SHARED, a->memfd, 0);
	if (*h == MAP_FAILED)
		return -errno;
	if (a->pool >= 0) {
		*pool = fstat(a->pool, &st) < 0 ? MAP_FAILED :
			mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, a->pool, 0);
		if (*pool == MAP_FAILED) {
			rc = -errno;
			*pool = NULL;
			goto unmap;
		}
	}
	*pool_size = st.st_size;
	if (pktio_shm_check(*h, a->region_size, *pool_size) == 0 &&
	    ((*h)->rx_zerocopy != 0) == (*pool != NULL))
		return 0;
unmap:
	if (*pool != NULL)
		munmap(*pool, *pool_size);
	munmap(*h, a->region_size);
	return rc;
}

static int
shm_map(struct pktio_port *p, const struct shm_attach *a)
{
	struct pktio_shm_hdr *h;
	struct shm_port *s;
	uint64_t pool_size = 0;
	void *pool;
	uint32_t i;
	int rc;

	rc = shm_map_check(a, &h, &pool, &pool_size);
	if (rc < 0)
		return rc;
	s = calloc(1, sizeof(*s) + h->nb_tx_slots * sizeof(s->tx_free[0]) +
		   h->nb_rx_slots + h->nb_tx_slots);
	if (s == NULL) {
		if (pool != NULL)
			munmap(pool, pool_size);
		munmap(h, a->region_size);
		return -ENOMEM;
	}
	madvise(h, a->region_size, MADV_DONTFORK);
	if (pool != NULL)
		madvise(pool, pool_size, MADV_DONTFORK);
	s->hdr = h;
	s->size = a->region_size;
	s->pool = pool;
	s->pool_size = pool_size;
	s->rx = pktio_shm_ring(h, h->rx_off);
	s->rx_free = pktio_shm_ring(h, h->rx_free_off);
	s->tx = pktio_shm_ring(h, h->tx_off);
	s->tx_comp = pktio_shm_ring(h, h->tx_comp_off);
	s->rx_slots = (char *)(pool != NULL ? pool : (void *)h) + h->rx_slot_off;
	s->rx_meta = (const struct pktio_slot_meta *)((char *)h + h->rx_meta_off);
	s->meta_mask = pktio_shm_rx_meta_nb(h->ring_size) - 1;
	s->rx_slot_size = h->rx_slot_size;
	s->tx_slots = (char *)h + h->tx_slot_off;
	s->slot_size = h->slot_size;
	s->nb_rx = h->nb_rx_slots;
	s->nb_tx = h->nb_tx_slots;
	s->bell_wr = -1;
	s->own = (uint8_t *)&s->tx_free[s->nb_tx]; /* rx slots: SLOT_APPLIANCE (0) */
	for (i = 0; i < s->nb_tx; i++) {
		s->tx_free[s->nb_free++] = s->nb_rx + s->nb_tx - 1 - i;
		s->own[s->nb_rx + i] = SLOT_FREE;
	}
	p->priv = s;
	p->max_frame = h->max_frame;
	p->port_index = h->port;
	return 0;
}

static int
shm_attach_open(struct pktio_port *p, const char *name, unsigned int queue, unsigned int flags,
	 const char *sock)
{
	struct shm_attach a;
	int rc;

	rc = shm_ctl_attach(sock, name, queue, flags, &a);
	if (rc < 0)
		return rc;
	rc = shm_map(p, &a);
	close(a.memfd); /* the mappings keep the region and the pool */
	if (a.pool >= 0)
		close(a.pool);
	if (rc < 0)
		goto close_fds;
	shm(p)->bell_wr = a.bell_wr;
	p->fd = a.bell;
	p->ctl_fd = a.sock;
	if (!(flags & (PKTIO_F_BUSYPOLL | PKTIO_F_TXONLY)))
		rx_arm(p); /* readable from the first packet on */
	pthread_mutex_lock(&open_lock);
	shm(p)->next_open = open_list;
	open_list = shm(p);
	pthread_mutex_unlock(&open_lock);
	return 0;

close_fds:
	close(a.bell);
	close(a.bell_wr);
	close(a.sock);
	return rc;
}

/*
 * Has pktiod finished with every descriptor queued on @p s up to @p mark (tx_enq)? It
 * counts each one it took as sent or dropped once the device has it, after the burst.
 */
static inline bool
tx_done(const struct shm_port *s, uint64_t mark)
{
	const struct pktio_shm_hdr *h = s->hdr;

	return __atomic_load_n(&h->tx_sent, __ATOMIC_ACQUIRE) +
	       __atomic_load_n(&h->tx_dropped, __ATOMIC_ACQUIRE) >= mark;
}

/*
 * Handle @p s lent its buffers to forwards queued on other handles: wait (one second at
 * most) until pktiod has taken every descriptor queued on them up to now, while @p s is
 * still attached; pktiod drops a forward whose source has gone. Later traffic on those
 * handles is not waited for.
 */
static void
forwards_drain(struct shm_port *s)
{
	const struct timespec ts = { .tv_nsec = 100000 };
	struct shm_port *o;
	bool busy = true;
	int i;

	pthread_mutex_lock(&open_lock); /* no handle in the list is freed meanwhile */
	for (o = open_list; o != NULL; o = o->next_open)
		o->fwd_mark = __atomic_load_n(&o->tx_enq, __ATOMIC_RELAXED);
	for (i = 0; busy && i < 10000; i++) {
		busy = false;
		for (o = open_list; o != NULL && !busy; o = o->next_open)
			busy = o != s && o->hdr->state == PKTIO_SHM_ALIVE &&
			       !tx_done(o, o->fwd_mark);
		if (busy)
			nanosleep(&ts, NULL);
	}
	pthread_mutex_unlock(&open_lock);
}

static int
shm_detach(struct pktio_port *p)
{
	const struct timespec ts = { .tv_nsec = 100000 };
	struct shm_port *s = shm(p), **pp;
	int i, rc;

	if (s->fwd_source)
		forwards_drain(s);

	/* Let the appliance take what is still queued for sending (at most 1 s): every slot
	 * back, and the inline forwards, which come back as nothing, done. */
	for (i = 0; i < 10000 && !shm_dead(p); i++) {
		tx_reclaim(s);
		if (s->nb_free == s->nb_tx && tx_done(s, s->tx_enq))
			break;
		if (ctl_hup(p, 0))
			break;
		nanosleep(&ts, NULL);
	}
	rc = shm_dead(p) ? -ECONNRESET : 0;
	pthread_mutex_lock(&open_lock);
	for (pp = &open_list; *pp != NULL && *pp != s; pp = &(*pp)->next_open)
		;
	if (*pp == s)
		*pp = s->next_open;
	pthread_mutex_unlock(&open_lock);
	close(p->fd);
	close(s->bell_wr);
	close(p->ctl_fd);
	shm_unmap(s);
	return rc;
}

const struct pktio_driver pktio_shm_driver = {
	.prefix = "shm",
	.open = shm_attach_open,
	.close = shm_detach,
	.rx_burst = shm_rx_burst,
	.rx_release = shm_rx_release,
	.tx_reserve = shm_tx_reserve,
	.tx_submit = shm_tx_submit,
	.forward = shm_forward,
	.forward_ok = shm_forward_ok,
	.rx_ready = shm_rx_ready,
	.wait_rx = shm_wait_rx,
	.wait_tx = shm_wait_tx,
	.stats = shm_stats,
};
