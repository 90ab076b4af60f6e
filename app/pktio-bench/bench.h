/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_BENCH_H
#define PKTIO_BENCH_H

/*
 * pktio-bench: what main.c (options, threads), stats.c (output), frame.c (generated frames),
 * hist.c (latency histogram) and the forwarding-mode engines share. One engine per file, as
 * in testpmd: rxonly.c, txonly.c, io.c, macswap.c, latency.c.
 */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <pktio.h>

#include "cli.h"

#define PROG "pktio-bench"

#define BENCH_CACHE_LINE 64
#define BENCH_BURST_MAX 1024
#define BENCH_THREADS_MAX 64
#define BENCH_SIZE_MIN 64
#define BENCH_SIZE_MAX 9000
#define BENCH_SIZE_IMIX 0       /* opts.size: the 7:4:1 IMIX of 64, 570 and 1518 bytes */
#define BENCH_IMIX_MAX 1518     /* longest IMIX frame */

#define bench_likely(x) __builtin_expect(!!(x), 1)
#define bench_unlikely(x) __builtin_expect(!!(x), 0)

enum bench_io { BENCH_IO_READV, BENCH_IO_READ, BENCH_IO_ZC };

struct bench_engine;

/* The command line, read-only once the threads run. */
struct bench_opts {
	const char *port;
	const char *sock;
	const char *peer;               /* latency: receive on this port; NULL: on port */
	const struct bench_engine *eng;
	enum bench_io io;
	bool block;                     /* --wait block; else busy */
	bool json;
	bool immediate;                 /* --immediate: PKTIO_F_IMMEDIATE */
	bool copy;                      /* --copy: PKTIO_F_COPY */
	unsigned int burst;
	unsigned int size;              /* frame bytes, or BENCH_SIZE_IMIX */
	unsigned int threads;
	unsigned int tx_first;          /* io, macswap: bursts to send before forwarding */
	unsigned int busy_poll_us;      /* block: pktio_port_set_busy_poll() */
	double time_s;                  /* 0: until a signal */
	double period_s;
};

/*
 * Counters of one thread. Only that thread writes them (relaxed stores, once per burst);
 * the main thread reads them each period. A cache line of their own.
 */
struct bench_counters {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t unsent;        /* frames this tool gave up sending (forwarding, busy mode) */
	uint64_t rx_no_slot;    /* pktio_stats of the thread's handles, since it started */
	uint64_t tx_dropped;
} __attribute__((aligned(BENCH_CACHE_LINE)));

struct bench_hist;

/* One benchmark thread and its handles. */
struct bench_thread {
	struct bench_counters c;
	const struct bench_opts *o;
	unsigned int id;
	struct pktio_port *rx;          /* receiving handle; NULL for txonly */
	struct pktio_port *tx;          /* sending handle; == rx in io and macswap */
	void *priv;                     /* the engine's state */
	struct bench_hist *hist;        /* latency only */
	uint64_t lost;                  /* latency: pings that never came back */
	uint64_t cpu_ns;                /* CLOCK_THREAD_CPUTIME_ID spent in the loop */
	uint64_t busy_tsc;              /* TSC cycles of the iterations that moved packets */
	uint64_t base_no_slot;          /* handle counters when the loop started */
	uint64_t base_tx_dropped;
	pthread_t tid;
	int err;                        /* what ended the loop: 0, or -errno */
	int done;                       /* the loop is over (atomic) */
} __attribute__((aligned(BENCH_CACHE_LINE)));

/*
 * A forwarding mode. init runs in the main thread before any thread starts: it opens the
 * handles (bench_port_open()) and sets up priv; start, if set, runs once in the thread
 * before the loop; run does one iteration (one burst) and returns what it handled, or
 * -EAGAIN / -EINTR (nothing, go on), or another -errno that ends the run; fini frees priv
 * (main closes the handles).
 */
struct bench_engine {
	const char *name;
	const char *help;               /* for --help: lines after the first indented 12 */
	int (*init)(struct bench_thread *t);
	int (*start)(struct bench_thread *t);
	int (*run)(struct bench_thread *t);
	void (*fini)(struct bench_thread *t);
};

extern const struct bench_engine bench_rxonly_engine;
extern const struct bench_engine bench_txonly_engine;
extern const struct bench_engine bench_io_engine;
extern const struct bench_engine bench_macswap_engine;
extern const struct bench_engine bench_latency_engine;

/* cli_stop (cli.h) is set by SIGINT, SIGTERM, the end of --time, or a thread's fatal
 * error: every loop checks it. */

/* TSC ticks per second, measured at startup. */
extern double bench_tsc_hz;

static inline uint64_t
bench_rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}

/* Block until a zero-copy receive can find something. @return 0 or -errno (-EINTR). */
static inline int
bench_wait_rx(struct pktio_port *p)
{
	int rc = pktio_wait(p, -1);

	return rc < 0 ? rc : 0;
}

/* Publish a burst: only the owning thread writes, the main thread reads (relaxed). */
static inline void
bench_count_rx(struct bench_thread *t, uint64_t pkts, uint64_t bytes)
{
	__atomic_store_n(&t->c.rx_pkts, t->c.rx_pkts + pkts, __ATOMIC_RELAXED);
	__atomic_store_n(&t->c.rx_bytes, t->c.rx_bytes + bytes, __ATOMIC_RELAXED);
}

static inline void
bench_count_tx(struct bench_thread *t, uint64_t pkts, uint64_t bytes)
{
	__atomic_store_n(&t->c.tx_pkts, t->c.tx_pkts + pkts, __ATOMIC_RELAXED);
	__atomic_store_n(&t->c.tx_bytes, t->c.tx_bytes + bytes, __ATOMIC_RELAXED);
}

static inline void
bench_count_unsent(struct bench_thread *t, uint64_t pkts)
{
	__atomic_store_n(&t->c.unsent, t->c.unsent + pkts, __ATOMIC_RELAXED);
}

/* opts.c: @return -1 to go on, else the exit status. */
int bench_parse_args(int argc, char **argv, struct bench_opts *o);

/* main.c */
struct pktio_port *bench_port_open(const struct bench_thread *t, const char *name,
				   unsigned int flags);
int bench_tx_pause(void);

/* frame.c: a pool of prebuilt frames, each a struct pktio_hdr then the frame. */
struct bench_frames {
	unsigned char *buf;
	struct iovec *iov;      /* nb + BENCH_BURST_MAX entries: a burst never wraps */
	uint64_t *cum;          /* cum[i]: bytes of frames 0 .. i-1 along iov */
	unsigned int nb;        /* distinct frames */
	unsigned int pos;       /* next to send, < nb */
};

int bench_frames_build(struct bench_frames *f, const struct bench_opts *o, unsigned int seed);
void bench_frames_free(struct bench_frames *f);
int bench_size_check(const struct bench_opts *o, struct pktio_port *p, const char *name);
int bench_rxbufs_alloc(const struct bench_opts *o, struct iovec *iov, unsigned int max_frame);
void bench_rxbufs_free(struct iovec *iov);

#define BENCH_PAYLOAD_OFF 42    /* after Ethernet, IPv4 and UDP headers */

/* Swap the destination and source MAC addresses of a frame, as testpmd's macswap. */
static inline void
bench_macswap(unsigned char *frame)
{
	uint8_t tmp[6];

	__builtin_memcpy(tmp, frame, 6);
	__builtin_memcpy(frame, frame + 6, 6);
	__builtin_memcpy(frame + 6, tmp, 6);
}

/* Frames f->pos .. f->pos + n - 1 were sent: bytes, and move on. */
static inline uint64_t
bench_frames_advance(struct bench_frames *f, unsigned int n)
{
	uint64_t bytes = f->cum[f->pos + n] - f->cum[f->pos];

	f->pos += n;
	if (f->pos >= f->nb)
		f->pos -= f->nb;
	return bytes;
}

/* io.c: the forwarding loop io and macswap share; @p swap is macswap's per-frame step. */
int bench_fwd_init(struct bench_thread *t, bool swap);
int bench_fwd_start(struct bench_thread *t);
int bench_fwd_run(struct bench_thread *t);
void bench_fwd_fini(struct bench_thread *t);

/* hist.c: round-trip times in TSC cycles; log2 buckets of 8 linear sub-buckets. */
struct bench_hist *bench_hist_new(void);
void bench_hist_free(struct bench_hist *h);
void bench_hist_add(struct bench_hist *h, uint64_t v);
uint64_t bench_hist_count(const struct bench_hist *h);
uint64_t bench_hist_max(const struct bench_hist *h);
uint64_t bench_hist_min(const struct bench_hist *h);
uint64_t bench_hist_percentile(const struct bench_hist *h, double q);

/* stats.c */
struct bench_totals {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t rx_no_slot, tx_dropped, unsent;
	uint64_t cpu_ns;        /* summary only */
};

void bench_tsc_calibrate(void);
void bench_totals_sum(const struct bench_thread *th, unsigned int n, struct bench_totals *s);
void bench_period_print(const struct bench_opts *o, double t, double dt,
			const struct bench_totals *now, const struct bench_totals *prev);
/* pktiod's own cost over a run, from its workers' TSC counters (a pktiod port only). */
struct bench_appliance {
	bool known;
	double rx_cpp;          /* worker cycles per frame taken from the device */
	double tx_cpp;          /* worker cycles per frame taken from the clients */
};

void bench_summary_print(const struct bench_opts *o, const struct bench_thread *th,
			 double duration, const struct bench_appliance *ap);

#endif /* PKTIO_BENCH_H */
