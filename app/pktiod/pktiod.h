/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIOD_H
#define PKTIOD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_mbuf_core.h>
#include <rte_reciprocal.h>

#include "pktio.h"
#include "pktio_msg.h"
#include "pktio_shm.h"

extern int pktiod_logtype;
#define PKTIO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, pktiod_logtype, "pktiod: " fmt "\n", ##__VA_ARGS__)

#define PKTIOD_MAX_PORTS   32
#define PKTIOD_MAX_IDS     16   /* allow_uid / allow_gid entries */
#define PKTIOD_MAX_CLIENTS 64   /* attachments per port */
#define PKTIOD_BURST       32
#define PKTIOD_MAX_RXQ     64   /* rx (and tx) queues of a port */

/* ---- configuration (config.c) ---- */

/* zerocopy = auto | yes | no (port.c decides what auto means for a device). */
enum { PKTIOD_ZC_AUTO, PKTIOD_ZC_YES, PKTIOD_ZC_NO };

struct pktiod_port_conf {
	char name[PKTIO_NAMESIZE];
	char section[64];        /* "port NAME", as written */
	char device[256];        /* vdev string or PCI address */
	uint16_t nb_rxq, nb_txq;
	uint32_t ring_size;      /* slots per side of each attachment */
	uint32_t max_frame;
	uint32_t nb_desc;        /* device ring descriptors */
	unsigned int nb_lcores;  /* 0: pktiod gives the port one worker lcore */
	uint16_t lcores[PKTIOD_MAX_RXQ]; /* rx queue q is served by lcores[q % nb_lcores] */
	bool poll_idle;          /* poll rx (and drop) with no client attached */
	uint8_t zerocopy;        /* PKTIOD_ZC_*: zero-copy receive and transmit */
	unsigned int nb_uid, nb_gid;
	uid_t allow_uid[PKTIOD_MAX_IDS];
	gid_t allow_gid[PKTIOD_MAX_IDS];
};

struct pktiod_conf {
	char path[256];          /* the file, for messages */
	char socket[108];
	char eal[256];           /* rte_cfgfile values are at most 255 characters */
	uint32_t mbufs;          /* per port */
	uint32_t idle_spins;     /* empty polls before a worker sleeps */
	uint32_t idle_sleep_us;  /* longest idle sleep; 0 = always busy-poll */
	/* access to the control socket (ctl.c) */
	uint32_t socket_mode;    /* permission bits of the socket file (default 0660) */
	char socket_group[32];   /* its group, a name or a number as written; "" keeps ours */
	int64_t socket_gid;      /* socket_group resolved at load, -1 when unset */
	uint32_t max_conns_per_uid;   /* open connections of one uid (root, pktiod exempt) */
	uint32_t max_clients_per_uid; /* attachments of one uid over all ports (same) */
	uint32_t hello_timeout_ms;    /* a connection silent this long is closed */
	unsigned int nb_ports;
	struct pktiod_port_conf ports[PKTIOD_MAX_PORTS];
};

/**
 * Load and check @p path. On error, fill @p err with "file:line: problem" and return
 * -EINVAL (or -errno when the file cannot be read).
 */
int pktiod_conf_load(struct pktiod_conf *c, const char *path, char *err, size_t errlen);

/* ---- control messages (msg.c) ---- */

/** A checked first message of a connection. */
struct pktiod_msg {
	uint16_t type;                   /* PKTIO_MSG_ATTACH or PKTIO_MSG_QUERY */
	char port[PKTIO_NAMESIZE];       /* attach: NUL-terminated */
	uint16_t queue;
	uint16_t mode;
	bool txonly;
	bool nowake;
	bool outgoing;
	bool copy;
};

/**
 * Check the @p len bytes at @p buf (a datagram of that length) as a first message.
 * @return 0 (@p m filled); -EPROTO (not a message of this version) or -EINVAL (a
 * malformed attach), with the reason in @p reason.
 */
int pktiod_msg_parse(const void *buf, size_t len, struct pktiod_msg *m, char *reason,
		     size_t rlen);

/**
 * Copy at most @p inlen bytes of @p in (up to a NUL) into @p out for the log, with every
 * byte outside printable ASCII, and '\\', written as \xHH; cut to fit @p outlen.
 * @return @p out.
 */
const char *pktiod_escape(const char *in, size_t inlen, char *out, size_t outlen);

/* ---- validated access to rings in client memory (guard.c) ---- */

/**
 * The appliance's private view of one rte_ring in a client region. Geometry and our own
 * index live here; only the peer's tail is read from shared memory, and checked.
 */
struct gring {
	struct rte_ring *r;
	struct pktio_desc *ring;
	uint32_t mask;
	uint32_t cap;
	uint32_t head;           /* our index: prod as producer, cons as consumer */
};

/** rte_ring_init() the ring at @p r for @p cap entries and set up @p g's view of it. */
int gring_init(struct gring *g, struct rte_ring *r, const char *name, uint32_t cap);

/** Enqueue up to @p n; @return enqueued, or -1 when the consumer's index is impossible. */
int gring_enqueue(struct gring *g, const struct pktio_desc *d, unsigned int n);

/** Dequeue up to @p n; @return dequeued, or -1 when the producer's index is impossible. */
int gring_dequeue(struct gring *g, struct pktio_desc *d, unsigned int n);


/* ---- runtime ---- */

enum { OWN_CLIENT = 0, OWN_APPLIANCE = 1 };

/** One client attachment. The control plane creates and frees it; the port's worker
 * uses it between being published in a port_tab and the RCU grace period after removal. */
struct pktiod_att {
	struct pktiod_att *next;         /* port's list (control plane) */
	struct pktiod_port *port;
	uint32_t id;
	uint16_t queue;                  /* rx queue or PKTIO_QUEUE_ANY */
	uint16_t home;                   /* rx queue whose worker drains its tx ring */
	uint16_t mode;                   /* PKTIO_F_EXCLUSIVE/_FANOUT/_MIRROR */
	bool txonly;                     /* receives nothing */
	bool nowake;                     /* busy-polls: no doorbell, no fence */
	bool outgoing;                   /* gets copies of what the others send */
	pid_t pid;
	uid_t uid;
	int sock;                        /* control connection */
	void *conn;                      /* the control plane's record of it */
	int bell;                        /* doorbell: pktiod's own write end of the pipe */
	struct pktio_shm_hdr *hdr;       /* shared: never trusted */
	uint64_t size;
	char *rx_slots;                  /* rx slot 0 (copy mode) */
	struct pktio_slot_meta *rx_meta; /* beside the rx ring: entry (position & meta_mask) */
	uint32_t meta_mask;
	char *tx_slots;                  /* tx slot nb_rx */
	uint32_t slot_size, ring_size, nb_rx, nb_tx, max_frame;
	struct gring rx, rx_free, tx, tx_comp;
	uint32_t nb_stash;               /* free rx slots we hold */
	uint16_t starved;                /* bursts left to drop without looking */
	uint16_t backoff;                /* next starved period */
	uint32_t *stash;
	uint8_t *owner;                  /* per slot: OWN_* (private) */
	struct att_zc *zc;               /* zero-copy receive, or NULL (copy) */
	struct att_txzc *txzc;           /* zero-copy transmit, or NULL (copy) */
	/* written by the worker */
	uint32_t bad;                    /* a violation was found: detach pending */
	char reason[96];
	uint64_t rx_packets, rx_bytes, rx_no_slot;
	uint64_t tx_packets, tx_sent, tx_dropped, violations;
};

/** Why an attachment ended (per-port counters, pktio_port_info.detach_*). */
enum pktiod_detach {
	PKTIOD_DETACH_CLOSED,            /* the client closed its connection */
	PKTIOD_DETACH_VIOLATION,         /* it broke the shared-memory contract */
	PKTIOD_DETACH_PROTOCOL,          /* it sent a message after attaching */
	PKTIOD_DETACH_SHUTDOWN,          /* pktiod is stopping */
	PKTIOD_DETACH_MAX
};

/*
 * Zero-copy receive: an rx queue's pool, whose packet buffers are in a memfd (hugetlb when
 * it can be) that an exclusive client of the queue maps read-only: buffer n is at
 * base + (n << shift), its frame RTE_PKTMBUF_HEADROOM in, the slot meta just before.
 * The mbuf headers are pktiod's own (a pinned external-buffer pool).
 */
struct rxq_pool {
	struct rte_mempool *mp;
	char *base;
	uint64_t size;
	int fd;                          /* read-write; clients get a read-only reopen */
	struct rte_device *dev;          /* a DMA device it is registered and mapped for */
	uint32_t nb;                     /* buffers */
	uint32_t elt;                    /* buffer size */
	struct rte_reciprocal div;       /* divides by elt */
};

/* An exclusive client's share of its queue's rxq_pool: the mbufs it holds, by buffer. */
struct att_zc {
	const struct rxq_pool *pool;
	uint32_t nb_held;                /* at most ring_size: rx_free never overflows */
	struct rte_mbuf *held[];         /* per buffer: the mbuf the client holds, or NULL */
};

/*
 * Zero-copy transmit: a tx slot goes to the device as an mbuf of the port's header-only pool
 * attached to the slot (an external buffer); when whoever frees it (the PMD, a ring's
 * consumer) does, txzc_done() marks the slot done, and the worker returns done slots on
 * tx_comp in the order sent. An attachment whose slots are still out when it detaches is
 * kept (a zombie) until they are all done: the device may still read its region.
 */
struct txzc_slot {
	struct rte_mbuf_ext_shared_info sh;
	uint8_t done;                    /* set once the mbuf is freed, on any lcore */
};

struct att_txzc {
	uint32_t head, nb_out;           /* fifo[head], the nb_out slots after it (mod nb_tx) */
	uint32_t *fifo;
	struct txzc_slot slot[];         /* per tx slot, slot - nb_rx */
};

/** Receivers of one rx queue. */
struct rxq_tab {
	struct pktiod_att *excl;
	uint16_t nb_fanout, nb_mirror;
	struct pktiod_att *fanout[PKTIOD_MAX_CLIENTS];
	struct pktiod_att *mirror[PKTIOD_MAX_CLIENTS];
};

/** What a port's worker serves; immutable once published, replaced under RCU. */
struct port_tab {
	uint16_t nb_tx;
	uint16_t nb_out;
	struct pktiod_att *tx[PKTIOD_MAX_CLIENTS];
	struct pktiod_att *out[PKTIOD_MAX_CLIENTS]; /* PKTIO_F_OUTGOING receivers */
	struct rxq_tab rxq[];
};

/*
 * One rx queue of a port and the worker lcore that serves it: it polls the queue, feeds its
 * receivers, and drains the tx rings of the attachments homed on the queue (those attached
 * to it; PKTIO_QUEUE_ANY ones are homed on queue 0) into device tx queue @txq. Its counters
 * have that one writer.
 */
struct pktiod_rxq {
	unsigned int lcore;
	uint16_t txq;
	struct rxq_pool *zc;             /* zero-copy receive: the queue's own pool, or NULL */
	uint64_t rx_last_ts;             /* the first ns after the last receive stamp given */
	uint64_t rx_no_client, rx_oversize, tx_full, tx_nombuf, tx_invalid;
	uint64_t rx_polled, rx_cycles;   /* frames taken from the device, TSC cycles of it */
	uint64_t tx_polled, tx_cycles;   /* frames taken from clients, TSC cycles of it */
} __attribute__((aligned(64)));

struct pktiod_port {
	const struct pktiod_port_conf *conf;
	uint16_t index;
	uint16_t port_id;                /* ethdev */
	uint16_t nb_workers;             /* distinct lcores serving its rx queues */
	struct rte_mempool *mp;
	struct rte_mempool *ext_mp;      /* header-only mbufs for zero-copy transmit, or NULL */
	struct port_tab *tab;            /* RCU-published to the workers */
	struct pktiod_att *atts;         /* control plane */
	unsigned int nb_atts;
	uint32_t max_frame;              /* effective: max_frame within the device's limit */
	/* written by the control plane */
	uint64_t detached[PKTIOD_DETACH_MAX];
	struct pktiod_rxq rxq[PKTIOD_MAX_RXQ];
};

struct pktiod {
	struct pktiod_conf conf;
	unsigned int nb_ports;
	struct pktiod_port ports[PKTIOD_MAX_PORTS];
	struct rte_rcu_qsbr *qs;
	volatile bool quit;
	int kick_fd;                     /* eventfd: a worker found a violation */
	bool hugetlb;                    /* regions can use MFD_HUGETLB */
	uint32_t next_id;
	struct pktiod_att *zombies;      /* detached, zero-copy tx slots still out (attach.c) */
	double ns_per_tsc;               /* receive timestamps */
	uint64_t base_tsc, base_ns;
	uint64_t instance;               /* this run, in every region (hdr.instance) */
};

extern struct pktiod pktiod;

/* port.c */
int pktiod_ports_init(struct pktiod *d);
void pktiod_ports_close(struct pktiod *d);
void pktiod_port_info(const struct pktiod_port *p, struct pktio_port_info *pi);
struct pktiod_port *pktiod_port_find(struct pktiod *d, const char *name);

/* attach.c */
#define PKTIOD_MAX_GIDS 64

/** Who is on the other end of a connection (SO_PEERCRED, SO_PEERGROUPS). */
struct pktiod_cred {
	pid_t pid;
	uid_t uid;
	unsigned int nb_gids;            /* primary first, then supplementary */
	gid_t gids[PKTIOD_MAX_GIDS];
};

/** The request of one client, checked by the control plane. */
struct pktiod_attach_req {
	uint16_t queue;
	uint16_t mode;
	bool txonly;
	bool nowake;
	bool outgoing;
	bool copy;                       /* no zero-copy receive */
	const struct pktiod_cred *cred;
	int sock;
};

/** May @p cr attach to the port of @p pc? Root and pktiod's own uid always may. */
bool pktiod_may_attach(const struct pktiod_port_conf *pc, const struct pktiod_cred *cr);

/**
 * Create an attachment. On success @p fds holds what goes to the client (region memfd,
 * doorbell read end, the client's doorbell write end, the rx pool read-only or -1), the
 * caller's to close after sending. On failure return NULL, set *err (-errno) and @p reason.
 */
struct pktiod_att *pktiod_attach(struct pktiod *d, struct pktiod_port *p,
				 const struct pktiod_attach_req *req, int fds[PKTIO_MSG_NB_FDS], int *err,
				 char *reason, size_t len);

/** Unpublish, tell the client (BYE with @p reason unless NULL), free after the grace period. */
void pktiod_detach(struct pktiod *d, struct pktiod_att *a, enum pktiod_detach why,
		   const char *reason);
void pktiod_att_info(const struct pktiod_att *a, struct pktio_client_info *ci);

/**
 * Free the detached attachments whose zero-copy tx slots have all come back (all of them
 * with @p force, once the devices are closed). @return how many are still waiting.
 */
unsigned int pktiod_zombies_reap(struct pktiod *d, bool force);

/** Ring a doorbell: one byte into the pipe; never blocks (a full pipe is readable). */
static inline void
pktiod_bell_ring(int bell)
{
	(void)!write(bell, "", 1);
}

/* worker.c */
int pktiod_worker(void *arg);
/** The free callback of a zero-copy tx mbuf (@p opaque: its struct txzc_slot). */
void pktiod_txzc_done(void *addr, void *opaque);

/* ctl.c */
int pktiod_ctl_run(struct pktiod *d, int notify_fd);

/* telemetry.c */
/**
 * Register the DPDK telemetry commands /pktio/ports, /pktio/port, /pktio/clients and
 * /pktio/client.
 * Their callbacks, on DPDK's telemetry threads, ask @p d's control plane through its
 * socket (pktio_query()), so they answer once pktiod_ctl_run() listens.
 * @return 0, or -errno of rte_telemetry_register_cmd() (-ENOMEM).
 */
int pktiod_telemetry_init(struct pktiod *d);

#endif /* PKTIOD_H */
