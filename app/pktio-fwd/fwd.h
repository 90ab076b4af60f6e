/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_FWD_H
#define PKTIO_FWD_H

/*
 * pktio-fwd: an L2 cross-connect or an IPv4 router over pktiod ports, using only the client
 * API (pktio.h) for packets. One worker thread per queue pair; each worker opens every port
 * on its own queue and owns everything it touches on the data path, except the shared
 * neighbour table (locked, slow path only) and the LPM table (read-only once built).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include <rte_ether.h>

#include <pktio.h>

#define FWD_PROG "pktio-fwd"

#define FWD_MAX_PORTS     16
#define FWD_MAX_XCONNECTS 8
#define FWD_MAX_IFACES    16
#define FWD_MAX_STATIC    64      /* static ARP entries per interface */
#define FWD_MAX_ROUTES    1024
#define FWD_MAX_WORKERS   16
#define FWD_BURST_MAX     64
#define FWD_ARP_PENDING_MAX 64    /* packets held per unresolved next hop */
#define FWD_PEND_MAX      64      /* unresolved next hops per worker */
#define FWD_CACHE_BITS    8
#define FWD_CACHE_SIZE    (1u << FWD_CACHE_BITS) /* a worker's private neighbour cache */
#define FWD_TXQ           (2 * FWD_BURST_MAX + 16)
#define FWD_NAMESIZE      32
#define FWD_EAL_LEN       256

/* An output slot: the hpio header, then the frame. */
#define FWD_HDR           sizeof(struct pktio_hdr)
/* ICMP errors quote at most this much: the whole error fits in 576 bytes (RFC 1812 4.3.2.3) */
#define FWD_ICMP_QUOTE    (576 - 20 - 8)
/* A packet the router builds (ARP, ICMP error): header + Ethernet + 576 bytes, rounded up. */
#define FWD_SCRATCH_SIZE  640
#define FWD_SCRATCH_NB    (2 * FWD_BURST_MAX + 16)

/* ICMP types and codes DPDK 22.11's rte_icmp.h does not name */
#define FWD_ICMP_UNREACH       3
#define FWD_ICMP_UNREACH_NET   0
#define FWD_ICMP_UNREACH_HOST  1
#define FWD_ICMP_TIME_EXCEEDED 11

enum fwd_mode {
	FWD_MODE_L2 = 1,
	FWD_MODE_ROUTER,
};

/*
 * Why a frame was dropped. The first group is decided on receipt (each received frame ends
 * in exactly one of: a drop of that group, ARP handled, echo request answered, routed); the
 * second on output, to routed and locally built packets alike.
 */
enum fwd_drop {
	FWD_DROP_RUNT,           /* shorter than an Ethernet header, or empty */
	FWD_DROP_OTHER_HOST,     /* Ethernet destination not the interface's MAC */
	FWD_DROP_UNSUPPORTED,    /* EtherType other than IPv4 and ARP, or an ARP op other than 1/2 */
	FWD_DROP_BAD_HEADER,     /* malformed IPv4 or ARP header; lengths beyond the frame */
	FWD_DROP_BAD_CHECKSUM,   /* IPv4 header (or ICMP echo) checksum wrong */
	FWD_DROP_NOT_ROUTABLE,   /* martian source or destination, directed broadcast */
	FWD_DROP_TTL,            /* TTL exceeded in transit */
	FWD_DROP_NO_ROUTE,       /* no route to the destination */
	FWD_DROP_LOCAL,          /* for the router itself, and not an echo request */
	FWD_DROP_ARP_OVERFLOW,   /* the next hop's pending queue (or the pending table) was full */
	FWD_DROP_ARP_UNRESOLVED, /* the next hop never answered ARP */
	FWD_DROP_NO_ROUTE_OUT,   /* a packet the router built has no route to its destination */
	FWD_DROP_TOO_LONG,       /* longer than the output port's max_frame */
	FWD_DROP_TX_FULL,        /* the output port stayed full for tx_wait_us */
	FWD_DROP_MAX
};

extern const char *const fwd_drop_names[FWD_DROP_MAX];

/* ---- configuration (config.c) ---- */

struct fwd_xc_conf {
	char name[FWD_NAMESIZE];
	uint16_t port[2];                /* side a, side b: indices into fwd_conf.port */
	bool set_src[2], set_dst[2];     /* rewrite frames leaving side i */
	struct rte_ether_addr src[2], dst[2];
};

struct fwd_arp_conf {
	uint32_t ip;                     /* host order */
	struct rte_ether_addr mac;
};

struct fwd_if_conf {
	char name[FWD_NAMESIZE];
	uint16_t port;
	uint32_t addr;                   /* host order */
	uint8_t plen;
	struct rte_ether_addr mac;
	unsigned int nb_arp;
	struct fwd_arp_conf arp[FWD_MAX_STATIC];
};

struct fwd_route_conf {
	uint32_t prefix;                 /* host order */
	uint8_t depth;
	bool via;                        /* gateway route; else directly connected on ifx */
	uint32_t gw;
	uint16_t ifx;
};

struct fwd_conf {
	char path[256];
	char socket[108];
	enum fwd_mode mode;
	uint32_t queues;
	uint32_t burst;
	bool busy_poll;                  /* never sleep; handles opened PKTIO_F_BUSYPOLL */
	uint32_t tx_wait_us;
	uint32_t eal_mem;                /* EAL -m, MiB */
	char eal[FWD_EAL_LEN];           /* extra EAL arguments */
	char stats_json[256];
	unsigned int nb_ports;
	char port[FWD_MAX_PORTS][PKTIO_NAMESIZE];
	unsigned int nb_xc;
	struct fwd_xc_conf xc[FWD_MAX_XCONNECTS];
	unsigned int nb_if;
	struct fwd_if_conf ifc[FWD_MAX_IFACES];
	unsigned int nb_routes;
	struct fwd_route_conf route[FWD_MAX_ROUTES];
	int default_route;               /* index into route[], or -1 */
	uint32_t arp_timeout_s;
	uint32_t arp_retries;
	uint32_t arp_retry_ms;
	uint32_t arp_pending;
	uint32_t arp_entries;
	uint32_t icmp_rate;
	uint32_t icmp_burst;
};

/**
 * Read and check a configuration. @return 0, or -EINVAL with "file:line: problem" in @p err.
 */
int fwd_conf_load(struct fwd_conf *c, const char *path, char *err, size_t errlen);

/* ---- runtime ---- */

struct fwd_port_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t runt;
	uint64_t too_long;
	uint64_t tx_full;
};

/* Written by one worker only; read (racily, whole 64-bit words) by the stats printer. */
struct fwd_wstats {
	struct fwd_port_stats port[FWD_MAX_PORTS];
	uint64_t drop[FWD_DROP_MAX];
	uint64_t routed;
	uint64_t arp_requests_in, arp_replies_in, arp_requests_out, arp_replies_out;
	uint64_t arp_learned;
	uint64_t echo_requests, echo_replies;
	uint64_t icmp_time_exceeded, icmp_unreachable, icmp_rate_limited, icmp_suppressed;
	uint64_t pending;                /* packets held for ARP now */
	uint64_t in_place;               /* frames sent in the buffer they arrived in */
};

/* One port of one worker: the handle and the frames queued for it. */
struct fwd_wport {
	struct pktio_port *h;
	unsigned int max_frame;
	uint32_t zc_to;                  /* ports its frames reach by pktio_forward() without
					  * a copy (bit per port); 0: it is read by readv */
	unsigned int nb_tx;
	struct iovec tx[FWD_TXQ];
};

struct fwd_cache {
	uint32_t ip;
	uint16_t ifx;
	struct rte_ether_addr mac;
	uint64_t expires_ns;
};

/* A next hop being resolved, and the packets waiting for it (slot_size bytes each). */
struct fwd_pend {
	uint32_t ip;
	uint16_t ifx;
	uint16_t n;
	uint32_t tries;
	uint64_t next_ns;
	uint8_t *buf;
	uint32_t len[FWD_ARP_PENDING_MAX];
	uint16_t in_ifx[FWD_ARP_PENDING_MAX];
	bool routed[FWD_ARP_PENDING_MAX];
};

struct fwd_bucket {
	uint64_t credit_ns;
	uint64_t last_ns;
};

struct fwd;

struct fwd_worker {
	struct fwd *fwd;
	unsigned int id;                 /* also the queue it serves */
	pthread_t thread;
	bool started;
	int epfd;
	int kick_fd;                     /* eventfd: quit, or the neighbour table changed */
	int error;                       /* first fatal error (-ECONNRESET, ...) */
	uint64_t now;                    /* ns, CLOCK_MONOTONIC, once per pass */
	size_t slot_size;                /* rx buffers: header + the largest port's max_frame */
	size_t pend_slot;                /* pending buffers: slot_size, or a scratch if larger */
	uint8_t *rx_buf;
	struct iovec rx_iov[FWD_BURST_MAX];
	struct pktio_pkt rx_pkt[FWD_BURST_MAX]; /* ports read in place (zc_to) */
	uint8_t *scratch;
	unsigned int nb_scratch;
	struct fwd_wport port[FWD_MAX_PORTS];
	/* router only */
	uint32_t cache_gen;
	struct fwd_cache cache[FWD_CACHE_SIZE];
	unsigned int nb_pend;
	struct fwd_pend pend[FWD_PEND_MAX];
	uint8_t *pend_buf;
	struct fwd_bucket bucket[FWD_MAX_IFACES];
	uint16_t ip_id;
	struct fwd_wstats st __attribute__((aligned(64)));
};

enum fwd_nh_type {
	FWD_NH_CONNECTED,                /* the destination is on the interface's link */
	FWD_NH_GATEWAY,                  /* through gw */
	FWD_NH_LOCAL,                    /* one of the router's addresses */
	FWD_NH_BCAST,                    /* a connected subnet's broadcast address */
};

struct fwd_nh {
	uint8_t type;
	uint16_t ifx;
	uint32_t gw;
};

#define FWD_NBR_STATIC 0x1

struct fwd_nbr {
	uint32_t ip;                     /* 0: never used */
	uint16_t ifx;
	uint16_t flags;
	struct rte_ether_addr mac;
	uint64_t expires_ns;
	uint64_t probe_ns;               /* refresh: no request before this */
};

/* The neighbour table all workers share: locked, touched only on cache misses and ARP. */
struct fwd_nbr_table {
	pthread_mutex_t lock;
	uint32_t mask;
	uint32_t used;
	uint32_t gen;                    /* bumped on every change; workers drop their caches */
	struct fwd_nbr *e;
};

struct rte_lpm;

struct fwd {
	struct fwd_conf conf;
	bool eal;
	unsigned int nb_workers;
	struct fwd_worker *w[FWD_MAX_WORKERS];
	int port_if[FWD_MAX_PORTS];      /* router: interface of each port */
	int port_xc[FWD_MAX_PORTS];      /* l2: xconnect of each port */
	struct rte_lpm *lpm;
	unsigned int nb_nh;
	struct fwd_nh *nh;
	int default_nh;
	struct fwd_nbr_table nbr;
	uint64_t cost_ns;                /* one ICMP error's worth of token, per worker */
	int done_fd;                     /* eventfd: a worker finished (--count) or failed */
	bool quit;
	uint64_t count;                  /* --count: stop after this many frames; 0: never */
	uint64_t consumed;
	uint64_t start_ns;               /* the workers started */
	uint64_t stop_ns;                /* they were told to stop; 0: running */
	uint64_t end_ns;                 /* --duration: when to stop; 0: never */
	const char *stats_json;
};

/* main.c */
uint64_t fwd_now_ns(void);

/* worker.c */
int fwd_workers_start(struct fwd *f);
int fwd_workers_stop(struct fwd *f);
void fwd_workers_free(struct fwd *f);
void fwd_tx_queue(struct fwd_worker *w, unsigned int p, uint8_t *slot, uint32_t len);
void fwd_tx_flush(struct fwd_worker *w, unsigned int p);
void fwd_tx_flush_all(struct fwd_worker *w);
uint8_t *fwd_scratch_get(struct fwd_worker *w);
void fwd_kick_others(struct fwd_worker *w);

void fwd_forward(struct fwd_worker *w, unsigned int in, unsigned int out,
		 struct pktio_pkt *pk, unsigned int n, const uint8_t *hdrs, unsigned int hdr_len);

/* l2.c */
void fwd_l2_burst(struct fwd_worker *w, unsigned int p, unsigned int n);
/* The port a cross-connect sends port @p p's frames out of. */
unsigned int fwd_l2_out(const struct fwd *f, unsigned int p);
/* A burst from port @p p sent on without a copy; @return frames received, -EAGAIN, -errno. */
int fwd_l2_zc(struct fwd_worker *w, unsigned int p);

/* router.c */
void fwd_router_burst(struct fwd_worker *w, unsigned int p, unsigned int n);
/* A burst from port @p p, routed without a copy where it can; as fwd_l2_zc(). */
int fwd_router_zc(struct fwd_worker *w, unsigned int p);
void fwd_local_output(struct fwd_worker *w, uint8_t *slot, uint32_t len, uint16_t in_ifx);

/* route.c */
int fwd_route_init(struct fwd *f, char *err, size_t errlen);
void fwd_route_free(struct fwd *f);
const struct fwd_nh *fwd_route_lookup(const struct fwd *f, uint32_t dst);

/* arp.c */
int fwd_nbr_init(struct fwd *f);
void fwd_nbr_free(struct fwd *f);
int fwd_arp_worker_init(struct fwd_worker *w);
void fwd_nbr_sync(struct fwd_worker *w);
/* The MAC address of @p ip on interface @p ifx, or NULL while it is not resolved. */
const struct rte_ether_addr *fwd_nbr_resolve(struct fwd_worker *w, uint32_t ip, uint16_t ifx);
void fwd_arp_input(struct fwd_worker *w, uint16_t ifx, uint8_t *slot, uint32_t len);
void fwd_ip_output(struct fwd_worker *w, uint8_t *slot, uint32_t len, uint16_t out_ifx,
		   uint32_t nh_ip, uint16_t in_ifx, bool routed);
void fwd_arp_timers(struct fwd_worker *w);
int fwd_arp_timeout_ms(const struct fwd_worker *w);
unsigned int fwd_nbr_count(struct fwd *f);

/* icmp.c */
void fwd_icmp_echo(struct fwd_worker *w, uint16_t in_ifx, uint8_t *slot, uint32_t len);
void fwd_icmp_error(struct fwd_worker *w, uint16_t in_ifx, const uint8_t *frame, uint32_t len,
		    uint8_t type, uint8_t code);
uint16_t fwd_cksum_adjust(uint16_t hc, uint16_t m, uint16_t m1);

/* stats.c */
void fwd_stats_print(struct fwd *f, FILE *out);
int fwd_stats_json(struct fwd *f, const char *path);

/* eal.c */
int fwd_eal_init(struct fwd *f, char *err, size_t errlen);
void fwd_eal_cleanup(struct fwd *f);

#endif /* PKTIO_FWD_H */
