/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PRELOAD_PRIVATE_H
#define PRELOAD_PRIVATE_H

/*
 * Internals of libpktio-preload, the LD_PRELOAD shim behind pktio-run. Not installed.
 *
 * The shim keeps a table of the program's descriptors that it emulates: each entry points
 * to a file object (a packet socket, or an hpio device), shared by the descriptors that
 * dup() made of it. Every such descriptor is a real kernel fd: a placeholder eventfd, the
 * real packet socket before it is bound to a port, or the read end of a libpktio doorbell
 * pipe dup'ed onto the number, so that the program's poll/select/epoll over a mix of kernel
 * and pktio descriptors sleeps in the kernel. The shim's own calls (and libpktio's, which
 * land in the shim's wrappers) go straight to libc: preload_inside counts them.
 *
 * Error convention: internal functions return -errno like the rest of pktio; only the
 * wrappers in preload.c turn that into errno and -1.
 */

#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "pktio.h"

/** Ports of one pktio-run at most. */
#define PRELOAD_MAX_PORTS 64
/** First interface index of the ports when $PKTIO_IFINDEX_BASE is not set. */
#define PRELOAD_IFINDEX_BASE 0x7000
/** Packets a socket or device takes from its handle ahead of the program. */
#define PRELOAD_HELD 64

/** @name Environment, set by pktio-run
 * @{ */
#define PRELOAD_ENV_PORTS "PKTIO_PORTS"           /**< "p0,p1": the names to intercept */
#define PRELOAD_ENV_IFINDEX "PKTIO_IFINDEX_BASE"  /**< ifindex of the first port */
#define PRELOAD_ENV_HPIO_MODE "PKTIO_HPIO_MODE"   /**< fanout (default), mirror, exclusive */
#define PRELOAD_ENV_DEBUG "PKTIO_PRELOAD_DEBUG"   /**< 1: libpktio's log on stderr */
/** @} */

/** Calls the shim or libpktio make on their own behalf pass straight to libc. */
extern __thread int preload_inside;
#define PRELOAD_ENTER() (preload_inside++)
#define PRELOAD_LEAVE() (preload_inside--)

/** Bumped in the child of every fork(): handles attached before it are the parent's. */
extern unsigned int preload_gen;

/**
 * Are we the child of a vfork() (or of a clone sharing our memory), between it and exec?
 * Such a child shares the descriptor table of the shim with its parent but not the kernel
 * one: closing or dup'ing its descriptors must leave the shim's table alone.
 */
bool preload_vforked(void);

/* ---- preload_conf.c: the ports, their names and indexes, pktiod's view of them ---- */

struct preload_port {
	char name[16];      /**< IFNAMSIZ */
	int ifindex;
};

/** Read the environment (once). */
void preload_conf_init(void);
unsigned int preload_nb_ports(void);
const struct preload_port *preload_port(unsigned int i);
/** @return the port index of @p name, or -1. */
int preload_port_by_name(const char *name);
/** @return the port index of interface index @p ifindex, or -1. */
int preload_port_by_ifindex(int ifindex);
/**
 * pktiod's description of port @p i (cached for a second).
 * @return 0, -ENETDOWN (no pktiod answers) or -ENODEV (pktiod has no such port).
 */
int preload_port_info(unsigned int i, struct pktio_port_info *pi);
/** The control socket (absolute) or NULL for libpktio's default. */
const char *preload_sock(void);
/** Keep LD_PRELOAD and PKTIO_* in an environment a program passes to exec/spawn.
 * @return @p envp, or a new array (freed with preload_env_free()). */
char **preload_env_fix(char *const envp[]);
void preload_env_free(char **fixed, char *const envp[]);
/** Open a libpktio handle on port @p i. @return NULL with errno. */
struct pktio_port *preload_port_open(unsigned int i, unsigned int flags);

/* ---- preload_fd.c: descriptor table and file objects ---- */

enum preload_kind {
	PRELOAD_SOCK = 1,
	PRELOAD_HPIO,
};

/** What a file object and the descriptors pointing to it share. */
struct preload_file {
	enum preload_kind kind;
	int refs;                /**< table entries + calls in progress (atomic) */
	pthread_mutex_t lock;    /**< the object's state and its libpktio handles */
	int status;              /**< O_NONBLOCK and the access mode: kept here, since the
				  *   kernel file under the fd is a doorbell pipe we must not
				  *   change */
	unsigned int gen;        /**< preload_gen its handles were opened in */
};

/** Any object at @p fd? No lock, no reference: for the fast path of every wrapper. */
bool preload_fd_busy(int fd);
/** The object at @p fd with a reference taken, or NULL. */
struct preload_file *preload_fd_get(int fd);
/** Drop a reference; the last one destroys the object. */
void preload_file_put(struct preload_file *f);
/** Put @p f at @p fd (the table takes a reference). @return 0 or -ENOMEM/-EBADF. */
int preload_fd_install(int fd, struct preload_file *f);
/** Take the object off @p fd. @return its reference (the caller puts it), or NULL. */
struct preload_file *preload_fd_remove(int fd);
/** The descriptors that point to @p f, up to @p max. @return how many there are. */
unsigned int preload_file_fds(const struct preload_file *f, int *fds, unsigned int max);
/** Initialise the common part (one reference, held by the caller). */
void preload_file_init(struct preload_file *f, enum preload_kind kind, int status);
/** Place @p src on every descriptor of @p f (dup3, keeping each one's close-on-exec). */
int preload_file_retarget(struct preload_file *f, int src);
/** Replace what is under every descriptor of @p f by a fresh eventfd. */
void preload_file_park(struct preload_file *f);

/* ---- receive helper shared by sockets and hpio devices ---- */

/** A libpktio receiver and the packets taken from it that the program has not read. */
struct preload_rx {
	struct pktio_port *p;
	unsigned int head, nb;
	struct pktio_pkt held[PRELOAD_HELD];
	uint32_t snap[PRELOAD_HELD];     /**< bytes the program may see of each */
};

/** Release what is held and close the handle (or forget it, in a fork child). */
void preload_rx_close(struct preload_rx *rx, unsigned int gen);
/** Forget a handle inherited through fork(): close our copies of its descriptors. */
void preload_handle_forget(struct pktio_port *p);

/* ---- preload_socket.c / preload_io.c: AF_PACKET sockets ---- */

struct preload_ring;

struct preload_sock {
	struct preload_file f;
	int type;                 /**< SOCK_RAW or SOCK_DGRAM */
	uint16_t proto;           /**< protocol, network order (0: receive nothing) */
	int port;                 /**< port bound to, or -1 */
	bool backed;              /**< the fd is still a real kernel packet socket */
	bool dead;                /**< pktiod went away: ENETDOWN */
	struct preload_rx rx;     /**< mirror handle while bound with a protocol */
	struct pktio_port *tx;    /**< TXONLY handle when there is no receiver */
	int tx_port;
	/* options */
	bool auxdata, origdev, ts_ns, ts_us, ignore_outgoing;
	uint8_t mac[6];           /**< the bound port's, for SOCK_DGRAM headers */
	int rcvbuf, sndbuf, prio, mark;
	struct timeval rcvtimeo, sndtimeo;
	struct sock_filter *filter;
	unsigned int filter_len;
	bool filter_locked;
	int version;              /**< TPACKET_V1..V3 */
	unsigned int reserve;     /**< PACKET_RESERVE */
	/* counters for PACKET_STATISTICS, reset when read */
	uint64_t st_packets, st_drops, no_slot_seen;
	uint64_t last_ns;         /**< time of the last packet read, for SIOCGSTAMP */
	struct preload_ring *ring;
};

int preload_sock_create(int domain, int type, int protocol);
/** Lock the socket, re-opening its handles first in a fork child. */
void preload_sock_lock(struct preload_sock *s);
void preload_sock_unlock(struct preload_sock *s);
int preload_sock_bind(struct preload_sock *s, int fd, const struct sockaddr *sa, socklen_t len);
int preload_sock_getname(struct preload_sock *s, struct sockaddr *sa, socklen_t *len);
int preload_sock_setopt(struct preload_sock *s, int fd, int level, int name, const void *val,
			socklen_t len);
int preload_sock_getopt(struct preload_sock *s, int fd, int level, int name, void *val,
			socklen_t *len);
int preload_sock_ioctl(struct preload_sock *s, unsigned long req, void *arg);
void preload_sock_destroy(struct preload_sock *s);
/** Does the kernel socket under the fd still do the work (not bound to a port)? */
bool preload_sock_kernel(struct preload_sock *s);
ssize_t preload_sock_recvmsg(struct preload_sock *s, struct msghdr *msg, int flags);
ssize_t preload_sock_sendmsg(struct preload_sock *s, const struct msghdr *msg, int flags);
/** Readiness for @p events (see preload_file_poll()). */
int preload_sock_poll(struct preload_sock *s, short events, bool hup, uint64_t *deadline,
		      int *ctl);
/** Re-open the handles of a socket inherited through fork(). Under the lock. */
int preload_sock_refork(struct preload_sock *s);
/** Receive: take up to PRELOAD_HELD accepted packets into s->rx. Under the lock. */
int preload_sock_pump(struct preload_sock *s);
/** Is @p pkt for @p s (protocol, direction, filter)? *snap: the bytes of its view (the
 * frame, or after the Ethernet header for SOCK_DGRAM) it may see. */
bool preload_sock_accept(struct preload_sock *s, const struct pktio_pkt *pkt, uint32_t *snap);
/** A libpktio call failed with @p rc: mark the socket dead on -ECONNRESET. */
int preload_sock_failed(struct preload_sock *s, int rc);
/** Fill a sockaddr_ll for a received packet. */
void preload_sock_addr(const struct preload_sock *s, const struct pktio_pkt *pkt,
		       struct sockaddr_ll *sll);

/* ---- preload_bpf.c: classic BPF, through libpcap's interpreter ---- */

/** Check a program as the kernel would. @return 0 or -EINVAL (-ENOSYS: no libpcap). */
int preload_bpf_check(const struct sock_filter *insns, unsigned int len);
/** Run it. @return the snap length (0: drop). */
uint32_t preload_bpf_run(const struct sock_filter *insns, const uint8_t *pkt, uint32_t wirelen,
			 uint32_t buflen);

/* ---- preload_ring.c: PACKET_RX_RING emulation ---- */

int preload_ring_setup(struct preload_sock *s, const void *req, socklen_t len);
void preload_ring_destroy(struct preload_ring *r);
void *preload_ring_mmap(struct preload_sock *s, void *addr, size_t len, int prot, int flags,
			off_t off);
/** Move accepted packets from the handle into the ring. Under the lock. */
int preload_ring_pump(struct preload_sock *s, uint64_t now_ns);
/** Is a frame or block waiting for the program? *deadline: next block retire time. */
bool preload_ring_ready(struct preload_sock *s, uint64_t now_ns, uint64_t *deadline);

/* ---- preload_hpio.c: /dev/hpio/<port> devices ---- */

struct preload_hpio;

/** @return 1 and the fd in *fd when @p path is an hpio device of a port, else 0. */
int preload_hpio_open(const char *path, int flags, int *fd);
ssize_t preload_hpio_read(struct preload_hpio *h, void *buf, size_t len);
ssize_t preload_hpio_readv(struct preload_hpio *h, const struct iovec *iov, int iovcnt);
ssize_t preload_hpio_write(struct preload_hpio *h, const void *buf, size_t len);
ssize_t preload_hpio_writev(struct preload_hpio *h, const struct iovec *iov, int iovcnt);
int preload_hpio_poll(struct preload_hpio *h, short events, bool hup, int *ctl);
void preload_hpio_destroy(struct preload_hpio *h);

/* ---- preload_if.c: interfaces by name and index ---- */

int preload_getifaddrs(struct ifaddrs **ifap);
void preload_freeifaddrs(struct ifaddrs *ifa);
struct if_nameindex *preload_if_nameindex(void);
/** An interface ioctl naming a port? @return 1 handled (*rc: 0 or -errno), 0 not ours. */
int preload_if_ioctl(unsigned long req, void *arg, int *rc);

/* ---- preload_poll.c: readiness ---- */

/** Readiness of @p f for @p events (POLL*), pumping what waits. Under no lock.
 * @p hup: its control descriptor (from an earlier call) reported pktiod gone.
 * @p deadline: lowered to when the answer may change without a wake-up (ns, monotonic);
 * @p ctl: set to a descriptor whose POLLIN/POLLHUP means pktiod went away, or -1.
 * @return revents; -1 when the kernel socket under the fd answers for itself. */
int preload_file_poll(struct preload_file *f, short events, bool hup, uint64_t *deadline,
		      int *ctl);
int preload_poll(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
		 const sigset_t *sigmask, bool ppoll);
int preload_select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timespec *ts,
		   const sigset_t *sigmask, bool pselect);
int preload_epoll_ctl(int epfd, int op, int fd, struct preload_file *f, struct epoll_event *ev);
int preload_epoll_wait(int epfd, struct epoll_event *ev, int maxevents, int timeout,
		       const sigset_t *sigmask);
/** Is any descriptor of this process in an epoll set through the shim? */
bool preload_epoll_any(void);
/** The handle under @p f changed: register its new descriptors in the epoll sets. */
void preload_epoll_refresh(struct preload_file *f);
/** @p fd is closing: forget its epoll registrations. */
void preload_epoll_forget(int fd);

/* ---- helpers ---- */

/** CLOCK_MONOTONIC, ns. */
uint64_t preload_now_ns(void);
/** Sleep on @p fd (POLLIN) and @p ctl for at most @p timeout_ms (-1: no limit).
 * @return 1 readable, 0 timed out, -EINTR, -ECONNRESET (ctl hung up). */
int preload_wait(int fd, int ctl, int timeout_ms);
/** Timeout in ms from a SO_RCVTIMEO-style value (0: none, -1). */
int preload_timeout_ms(const struct timeval *tv);

#endif /* PRELOAD_PRIVATE_H */
