/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Churn: 1,000 clients attach in every mode and are SIGKILLed (some before their attach
 * completes), while a sender and a mirror keep traffic flowing on the same port; one in
 * seven instead forwards in place on a second port, killed with buffers in flight. pktiod's
 * descriptors, mbufs and resident memory end where they started, and the mirror never
 * stops receiving.
 */

#include <errno.h>
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define CYCLES 1000
#define WARMUP 50

static struct test_pktiod d;
static volatile int stop;
static uint64_t mirrored; /* frames the mirror read */

#define NB_MODES (sizeof(modes) / sizeof(modes[0]))
#define FORWARDER 0x80000000u /* exclusive on port n, forwarding in place when killed */

static const unsigned int modes[] = {
	PKTIO_F_EXCLUSIVE, PKTIO_F_FANOUT, PKTIO_F_MIRROR, PKTIO_F_TXONLY,
	PKTIO_F_EXCLUSIVE | PKTIO_F_BUSYPOLL, PKTIO_F_FANOUT | PKTIO_F_NONBLOCK, FORWARDER,
};

/* Receive on @p p and forward it all back out of @p p without a copy, forever; say so on
 * @p ready once frames are in flight. */
static void __attribute__((noreturn))
forwarder(struct pktio_port *p, int ready)
{
	struct pktio_pkt pkts[32];
	bool said = false;
	int n, k;

	if (!pktio_forward_zerocopy(p, p))
		_exit(3);
	for (;;) {
		n = pktio_rx_burst(p, pkts, 32);
		if (n < 0)
			_exit(4);
		k = n > 0 ? pktio_forward(p, p, pkts, n, NULL, 0) : 0;
		if (k < 0)
			_exit(5);
		pktio_rx_release(p, pkts + k, n - k);
		if (k > 0 && !said)
			said = write(ready, "r", 1) == 1;
	}
}

static void *
sender(void *arg)
{
	struct pktio_port *w = arg;
	uint8_t buf[128];
	uint32_t seq = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		test_frame(buf, sizeof(buf), (uint16_t)seq, seq);
		if (pktio_write(w, buf, sizeof(buf)) < 0)
			break;
		seq++;
	}
	return NULL;
}

static void *
mirror(void *arg)
{
	struct pktio_port *r = arg;
	uint8_t buf[256];

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (pktio_wait(r, 50) < 0)
			break;
		while (pktio_read(r, buf, sizeof(buf), NULL) > 0)
			__atomic_fetch_add(&mirrored, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static unsigned long
rss_kb(pid_t pid)
{
	char path[64], line[256];
	unsigned long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* One client: attach in mode @p i, say so, take a few frames, wait for the kill. */
static void
child(unsigned int i, int ready)
{
	unsigned int flags = modes[i % NB_MODES];
	struct pktio_port *p;
	uint64_t end = test_now_ms() + 5000;
	uint8_t buf[256];
	int k;

	/* the client killed just before may not be detached yet: its queue is busy till then */
	while ((p = pktio_port_open(flags == FORWARDER ? "n" : "lo", PKTIO_QUEUE_ANY,
				    flags == FORWARDER ? PKTIO_F_EXCLUSIVE : flags, d.sock)) == NULL &&
	       errno == EBUSY && test_now_ms() < end)
		sched_yield();
	if (p == NULL) {
		fprintf(stderr, "client %u (flags %#x): %s\n", i, flags, strerror(errno));
		_exit(1);
	}
	if (flags == FORWARDER)
		forwarder(p, ready);
	(void)!write(ready, "r", 1);
	for (k = 0; k < 8 && !(flags & PKTIO_F_TXONLY); k++)
		if (pktio_read(p, buf, sizeof(buf), NULL) < 0 && (flags & PKTIO_F_NONBLOCK) == 0)
			break;
	pause();
	_exit(0);
}

/* @p n attach/SIGKILL cycles; every fourth client is killed before it may have attached. */
static void
churn(unsigned int first, unsigned int n)
{
	unsigned int i;
	int p[2];
	char c;
	pid_t pid;

	for (i = first; i < first + n; i++) {
		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			child(i, p[1]);
		}
		close(p[1]);
		if (i % 4 != 3)
			assert_int_equal(read(p[0], &c, 1), 1); /* attached */
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		close(p[0]);
	}
}

/* Wait (5 s at most) until pktiod reports @p n attachments. */
static void
wait_clients(int n)
{
	assert_int_equal(test_wait_clients(&d, n, 5000), n);
}

static void
test_churn_kill_in_every_mode(void **state)
{
	struct pktio_port *w, *r;
	struct pktio_port_info before, after, n_before, n_after;
	unsigned int fds0, fds1;
	unsigned long rss0, rss1;
	pthread_t ts, tm;
	uint64_t seen, t0 = test_now_ms();

	(void)state;
	w = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	r = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR | PKTIO_F_NONBLOCK, d.sock);
	assert_non_null(w);
	assert_non_null(r);
	assert_int_equal(pthread_create(&ts, NULL, sender, w), 0);
	assert_int_equal(pthread_create(&tm, NULL, mirror, r), 0);
	churn(0, WARMUP); /* pools, caches and the heap settle */
	wait_clients(2);
	fds0 = (unsigned int)test_nb_fds(d.pid);
	rss0 = rss_kb(d.pid);
	seen = __atomic_load_n(&mirrored, __ATOMIC_RELAXED);
	churn(WARMUP, CYCLES);
	wait_clients(2);
	print_message("%u cycles in %lu ms; mirror read %lu frames meanwhile\n", CYCLES + WARMUP,
		      (unsigned long)(test_now_ms() - t0),
		      (unsigned long)(__atomic_load_n(&mirrored, __ATOMIC_RELAXED) - seen));
	assert_true(__atomic_load_n(&mirrored, __ATOMIC_RELAXED) > seen);
	/* a query or a kill may still be in flight at either count: wait (5 s at most) for
	 * the count to come back down; a leak never does */
	for (t0 = test_now_ms(); (fds1 = (unsigned int)test_nb_fds(d.pid)) > fds0 && test_now_ms() - t0 < 5000; )
		sched_yield();
	rss1 = rss_kb(d.pid);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(ts, NULL);
	pthread_join(tm, NULL);
	pktio_port_close(w);
	pktio_port_close(r);
	wait_clients(0);
	print_message("pktiod fds %u -> %u, RSS %lu -> %lu kB\n", fds0, fds1, rss0, rss1);
	assert_true(fds1 <= fds0);
	assert_true(rss1 <= rss0 + 2048);
	/* no mbuf held by anyone: the same count with and without the churn behind it */
	assert_int_equal(test_port_info(&d, "lo", &before), 0);
	assert_int_equal(test_port_info(&d, "n", &n_before), 0);
	churn(WARMUP + CYCLES, 2 * NB_MODES);
	wait_clients(0);
	assert_int_equal(test_port_info(&d, "lo", &after), 0);
	assert_int_equal(test_port_info(&d, "n", &n_after), 0);
	print_message("mbufs in use: %lu, then %lu; on the forwarding port %lu, then %lu, "
		      "%lu frames forwarded in all\n", (unsigned long)before.mbuf_in_use,
		      (unsigned long)after.mbuf_in_use, (unsigned long)n_before.mbuf_in_use,
		      (unsigned long)n_after.mbuf_in_use, (unsigned long)n_after.tx_packets);
	assert_int_equal(after.mbuf_in_use, before.mbuf_in_use);
	assert_int_equal(n_after.mbuf_in_use, n_before.mbuf_in_use);
	assert_true(n_after.tx_packets > 0);
	assert_int_equal(after.detach_violation + after.detach_protocol, 0);
	assert_int_equal(n_after.detach_violation + n_after.detach_protocol, 0);
	assert_true(after.detach_closed + n_after.detach_closed >= (WARMUP + CYCLES) * 3 / 4);
}

static int
setup(void **state)
{
	(void)state;
	/* zerocopy = yes: the exclusive clients receive in place, holding mbufs when killed;
	 * on n they forward in place, buffers in flight both ways */
	return test_pktiod_start(&d, "[port lo]\ndevice = net_ring0\nring_size = 64\n"
				 "zerocopy = yes\n[port n]\ndevice = net_null0,size=64\n"
				 "ring_size = 64\nzerocopy = yes\npoll_idle = no\n");
}

static int
teardown(void **state)
{
	(void)state;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_churn_kill_in_every_mode),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
