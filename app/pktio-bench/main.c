/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-bench: a testpmd-style benchmark of libpktio. Threads, signals, the periodic
 * sampling; options in opts.c, output in stats.c, the forwarding modes in rxonly.c,
 * txonly.c, io.c, macswap.c and latency.c.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define STATS_HZ 100            /* threads refresh their handles' drop counters */
#define TX_PAUSE_NS 10000       /* block mode, no tx buffer: as long as pktio_write waits */
#define MAIN_NAP_S 0.1          /* the main thread looks at the stop flag this often */

/* SIGUSR1 only interrupts a thread's sleep (no SA_RESTART); the thread then sees the flag. */
static void
on_kick(int sig)
{
	(void)sig;
}

/* SIGINT and SIGTERM stop (cli_signals_install()); SIGUSR1 interrupts a thread's sleep. */
static int
signals_install(void)
{
	struct sigaction kick = { .sa_handler = on_kick };

	sigemptyset(&kick.sa_mask);
	if (sigaction(SIGUSR1, &kick, NULL) < 0)
		return -errno;
	return cli_signals_install();
}

/* Open a handle with the flags the options call for. Prints why not; NULL and errno. */
struct pktio_port *
bench_port_open(const struct bench_thread *t, const char *name, unsigned int flags)
{
	const struct bench_opts *o = t->o;
	struct pktio_port *p;
	int err;

	if (!o->block)
		flags |= PKTIO_F_NONBLOCK | PKTIO_F_BUSYPOLL;
	if (o->immediate)
		flags |= PKTIO_F_IMMEDIATE;
	if (o->copy)
		flags |= PKTIO_F_COPY;
	if (o->threads > 1 && !(flags & PKTIO_F_TXONLY))
		flags |= PKTIO_F_FANOUT;
	p = pktio_port_open(name, PKTIO_QUEUE_ANY, flags, o->sock);
	if (p == NULL) {
		err = errno;
		cli_attach_error(o->sock, name, err); /* pktiod's reason came first, logged */
		errno = err;
		return NULL;
	}
	pktio_port_set_busy_poll(p, o->busy_poll_us); /* checked by the option parser */
	return p;
}

/* Block mode found no tx buffer: let pktiod take some. @return -EAGAIN. */
int
bench_tx_pause(void)
{
	const struct timespec ts = { .tv_nsec = TX_PAUSE_NS };

	nanosleep(&ts, NULL);
	return -EAGAIN;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* The handles' drop counters, summed. */
static void
drops_get(const struct bench_thread *t, uint64_t *no_slot, uint64_t *tx_dropped)
{
	struct pktio_stats st;

	*no_slot = 0;
	*tx_dropped = 0;
	if (t->rx != NULL && pktio_stats_get(t->rx, &st) == 0) {
		*no_slot += st.rx_no_slot;
		*tx_dropped += st.tx_dropped;
	}
	if (t->tx != NULL && t->tx != t->rx && pktio_stats_get(t->tx, &st) == 0) {
		*no_slot += st.rx_no_slot;
		*tx_dropped += st.tx_dropped;
	}
}

static void
drops_publish(struct bench_thread *t)
{
	uint64_t no_slot, tx_dropped;

	drops_get(t, &no_slot, &tx_dropped);
	__atomic_store_n(&t->c.rx_no_slot, no_slot - t->base_no_slot, __ATOMIC_RELAXED);
	__atomic_store_n(&t->c.tx_dropped, tx_dropped - t->base_tx_dropped, __ATOMIC_RELAXED);
}

#define PKTIO_BENCH_MAX_PORTS 32 /* pktiod's PKTIOD_MAX_PORTS */

/* A benchmark thread: the engine's loop, and every 1/STATS_HZ s the drop counters. */
static void *
thread_main(void *arg)
{
	struct bench_thread *t = arg;
	const struct bench_engine *eng = t->o->eng;
	uint64_t cpu0, next, every = (uint64_t)(bench_tsc_hz / STATS_HZ), now, prev;
	int rc = 0;

	drops_get(t, &t->base_no_slot, &t->base_tx_dropped);
	cpu0 = cpu_ns();
	if (eng->start != NULL)
		rc = eng->start(t);
	prev = bench_rdtsc();
	next = prev + every;
	while (rc >= 0 && !cli_stop) {
		rc = eng->run(t);
		if (bench_unlikely(rc < 0) && (rc == -EAGAIN || rc == -EINTR))
			rc = 0;
		now = bench_rdtsc();
		if (rc > 0) /* testpmd's --record-core-cycles: busy iterations only */
			t->busy_tsc += now - prev;
		prev = now;
		if (bench_unlikely(now >= next)) {
			drops_publish(t);
			next = now + every;
		}
	}
	t->cpu_ns = cpu_ns() - cpu0;
	drops_publish(t);
	if (rc < 0) {
		t->err = rc;
		cli_stop = 1;
	}
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Open the handles and set up every thread. @return 0 or -errno (already reported). */
static int
threads_init(const struct bench_opts *o, struct bench_thread *th)
{
	unsigned int i;
	int rc;

	for (i = 0; i < o->threads; i++) {
		th[i].o = o;
		th[i].id = i;
		rc = o->eng->init(&th[i]);
		if (rc == -ENOMEM)
			fprintf(stderr, PROG ": %s\n", strerror(ENOMEM));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void
threads_fini(const struct bench_opts *o, struct bench_thread *th)
{
	unsigned int i;

	for (i = 0; i < o->threads; i++) {
		o->eng->fini(&th[i]);
		if (th[i].tx != NULL && th[i].tx != th[i].rx)
			pktio_port_close(th[i].tx);
		if (th[i].rx != NULL)
			pktio_port_close(th[i].rx);
	}
}

/* Stop the first @p n threads: a thread asleep in the library is woken by SIGUSR1. */
static void
threads_stop(struct bench_thread *th, unsigned int n)
{
	const struct timespec ms = { .tv_nsec = 1000000 };
	unsigned int i;

	cli_stop = 1;
	for (i = 0; i < n; i++) {
		while (!__atomic_load_n(&th[i].done, __ATOMIC_ACQUIRE)) {
			pthread_kill(th[i].tid, SIGUSR1);
			nanosleep(&ms, NULL);
		}
		pthread_join(th[i].tid, NULL);
	}
}

/* Start the threads with SIGINT and SIGTERM blocked in them: the main thread takes those. */
static int
threads_start(const struct bench_opts *o, struct bench_thread *th)
{
	sigset_t set, old;
	unsigned int i;
	int rc = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	for (i = 0; i < o->threads; i++) {
		rc = -pthread_create(&th[i].tid, NULL, thread_main, &th[i]);
		if (rc < 0)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		fprintf(stderr, PROG ": cannot start a thread: %s\n", strerror(-rc));
		threads_stop(th, i);
	}
	return rc;
}

/* Sleep until @p t (CLOCK_MONOTONIC seconds), a signal, or MAIN_NAP_S. */
static void
nap_until(double t)
{
	double now = now_s(), until = t < now + MAIN_NAP_S ? t : now + MAIN_NAP_S;
	struct timespec ts;

	if (until <= now)
		return;
	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* Print a line each period until --time, a signal, or a thread's error. */
static void
sample_loop(const struct bench_opts *o, struct bench_thread *th, double t0)
{
	struct bench_totals prev = { 0 }, cur;
	double next = t0 + o->period_s, end = t0 + o->time_s, last = t0, now;

	while (!cli_stop) {
		nap_until(o->time_s > 0 && end < next ? end : next);
		now = now_s();
		if (now >= next) {
			bench_totals_sum(th, o->threads, &cur);
			bench_period_print(o, now - t0, now - last, &cur, &prev);
			prev = cur;
			last = now;
			next += o->period_s;
		}
		if (o->time_s > 0 && now >= end)
			cli_stop = 1;
	}
}

/* The first thread error, reported. @return the exit status. */
static int
threads_status(const struct bench_opts *o, const struct bench_thread *th)
{
	unsigned int i;

	for (i = 0; i < o->threads; i++) {
		if (th[i].err == 0)
			continue;
		if (th[i].err == -ECONNRESET)
			fprintf(stderr, PROG ": pktiod went away\n");
		else
			fprintf(stderr, PROG ": thread %u: %s\n", i, strerror(-th[i].err));
		return 1;
	}
	return 0;
}

/* pktiod's counters of the port under test; false for a port that is not pktiod's. */
static bool
appliance_get(const struct bench_opts *o, struct pktio_port_info *out)
{
	struct pktio_port_info pi[PKTIO_BENCH_MAX_PORTS];
	const char *name = o->port;
	unsigned int np = PKTIO_BENCH_MAX_PORTS, nc = 0, i;

	if (strncmp(name, "afpacket:", 9) == 0)
		return false;
	if (strncmp(name, "shm:", 4) == 0)
		name += 4;
	if (pktio_query(o->sock, pi, &np, NULL, &nc) < 0)
		return false;
	for (i = 0; i < np; i++)
		if (strncmp(pi[i].name, name, sizeof(pi[i].name)) == 0) {
			*out = pi[i];
			return true;
		}
	return false;
}

/* The workers' cycles per frame between two snapshots. */
static void
appliance_cost(const struct pktio_port_info *a, const struct pktio_port_info *b,
	       struct bench_appliance *ap)
{
	uint64_t rx = b->worker_rx_packets - a->worker_rx_packets;
	uint64_t tx = b->worker_tx_packets - a->worker_tx_packets;

	ap->rx_cpp = rx > 0 ? (double)(b->worker_rx_cycles - a->worker_rx_cycles) / rx : 0;
	ap->tx_cpp = tx > 0 ? (double)(b->worker_tx_cycles - a->worker_tx_cycles) / tx : 0;
}

static int
bench_run(const struct bench_opts *o, struct bench_thread *th)
{
	struct pktio_port_info before, after;
	struct bench_appliance ap = { 0 };
	double t0;

	ap.known = appliance_get(o, &before);
	t0 = now_s();
	if (threads_start(o, th) < 0)
		return 1;
	sample_loop(o, th, t0);
	threads_stop(th, o->threads);
	if (ap.known && (ap.known = appliance_get(o, &after)))
		appliance_cost(&before, &after, &ap);
	bench_summary_print(o, th, now_s() - t0, &ap);
	return threads_status(o, th);
}

int
main(int argc, char **argv)
{
	struct bench_opts o = {
		.eng = &bench_rxonly_engine, .io = BENCH_IO_READV, .burst = 32, .size = 64,
		.threads = 1, .time_s = 10, .period_s = 1,
	};
	struct bench_thread *th;
	int rc;

	cli_prog = PROG;
	rc = bench_parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	pktio_log_set(cli_log_stderr, LOG_WARNING);
	rc = signals_install();
	if (rc < 0) {
		fprintf(stderr, PROG ": sigaction: %s\n", strerror(-rc));
		return 1;
	}
	bench_tsc_calibrate();
	th = aligned_alloc(BENCH_CACHE_LINE, o.threads * sizeof(*th));
	if (th == NULL) {
		fprintf(stderr, PROG ": %s\n", strerror(ENOMEM));
		return 1;
	}
	memset(th, 0, o.threads * sizeof(*th));
	rc = threads_init(&o, th) < 0 ? 1 : bench_run(&o, th);
	threads_fini(&o, th);
	free(th);
	return rc;
}
