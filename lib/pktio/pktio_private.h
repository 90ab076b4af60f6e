/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_PRIVATE_H
#define PKTIO_PRIVATE_H

/* Internals of libpktio: the driver interface behind the public calls. Not installed. */

#include <stdarg.h>
#include <stdbool.h>
#include "pktio.h"

/** Packets a copy call moves per driver burst. */
#define PKTIO_BURST 64

/** Environment variable: the control socket's send and receive timeout, in ms. */
#define PKTIO_CTL_TIMEOUT_ENV "PKTIO_CTL_TIMEOUT_MS"
#define PKTIO_CTL_TIMEOUT_DEFAULT_MS 5000
#define PKTIO_CTL_TIMEOUT_MAX_MS 3600000

/**
 * A transport. The library builds read/readv/write/writev on the zero-copy operations;
 * each driver keeps its own state behind port->priv.
 */
struct pktio_driver {
	const char *prefix;  /**< selects the driver: "prefix:name" */
	int (*open)(struct pktio_port *p, const char *name, unsigned int queue,
		    unsigned int flags, const char *sock);
	int (*close)(struct pktio_port *p);
	int (*rx_burst)(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n);
	void (*rx_release)(struct pktio_port *p, const struct pktio_pkt *pkts, unsigned int n);
	int (*tx_reserve)(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n);
	int (*tx_submit)(struct pktio_port *p, struct pktio_pkt *pkts, unsigned int n);
	/** pktio_forward() without a copy, from @p in of the same driver (where forward_ok()
	 * holds): packets sent, or -errno */
	int (*forward)(struct pktio_port *out, struct pktio_port *in,
		       const struct pktio_pkt *pkts, unsigned int n, const void *hdrs,
		       unsigned int hdr_len);
	/** can forward() take packets from @p in? */
	bool (*forward_ok)(const struct pktio_port *out, const struct pktio_port *in);
	/** sleep until rx is possible: 1, 0 on timeout, or -errno */
	int (*wait_rx)(struct pktio_port *p, int timeout_ms);
	/** is a packet there for rx_burst? No syscall: the busy-poll spin calls it */
	bool (*rx_ready)(const struct pktio_port *p);
	/** sleep until a tx buffer may be free: 0, or -errno */
	int (*wait_tx)(struct pktio_port *p);
	/** add the driver's counters to @p st */
	void (*stats)(const struct pktio_port *p, struct pktio_stats *st);
};

struct pktio_port {
	const struct pktio_driver *drv;
	unsigned int flags;       /**< PKTIO_F_* */
	int fd;                   /**< what the user polls */
	int ctl_fd;               /**< control connection, or -1 */
	unsigned int max_frame;
	uint16_t port_index;      /**< reported in pktio_meta.port */
	uint64_t busy_poll_ns;    /**< spin this long before sleeping (pktio_port_set_busy_poll) */
	struct pktio_stats st;    /**< counters kept by the library */
	uint64_t bad_ids;         /**< ids released that the user did not hold (ignored) */
	void *priv;               /**< the driver's state */
};

extern const struct pktio_driver pktio_shm_driver;
extern const struct pktio_driver pktio_afpacket_driver;

/** Log through the user's callback, if any. */
void pktio_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * A driver's rx_release found @p id, which the user does not hold (never handed out,
 * released already, or forged), and ignored it: count it, and log the first of the handle.
 */
void pktio_bad_id(struct pktio_port *p, const char *call, uint32_t id);

/** The control socket path: @p sock, else $PKTIO_SOCKET, else the default. */
const char *pktio_sock_path(const char *sock);

/**
 * Connect a SOCK_SEQPACKET socket to @p path, with a send and receive timeout
 * ($PKTIO_CTL_TIMEOUT_MS, else PKTIO_CTL_TIMEOUT_DEFAULT_MS): a peer that never answers
 * makes the call fail with EAGAIN rather than hang. @return fd, or -errno (-ETIMEDOUT
 * when the listener's backlog stayed full).
 */
int pktio_sock_connect(const char *path);

#endif /* PKTIO_PRIVATE_H */
