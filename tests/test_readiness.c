/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The fd contract: readable exactly when a read would return a packet (poll, epoll,
 * select), -EAGAIN when non-blocking, and a blocking read that sleeps without burning CPU
 * and wakes on arrival (after a busy-poll, when one is set). A net_ring port loops what a TXONLY writer sends back to the reader.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static struct test_pktiod d;

static int
setup(void **state)
{
	(void)state;
	return test_pktiod_start(&d, "[port lo]\ndevice = net_ring0\n");
}

static int
teardown(void **state)
{
	(void)state;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

static struct pktio_port *
open_port(unsigned int flags)
{
	struct pktio_port *p = pktio_port_open("lo", PKTIO_QUEUE_ANY, flags, d.sock);

	assert_non_null(p);
	return p;
}

static void
send_frames(struct pktio_port *w, unsigned int n)
{
	uint8_t buf[128];
	unsigned int i;

	for (i = 0; i < n; i++) {
		test_frame(buf, sizeof(buf), 1000, i);
		assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	}
}

static short
poll_fd(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1 ? pfd.revents : 0;
}

static void
test_readiness_nonblock_eagain(void **state)
{
	struct pktio_port *r = open_port(PKTIO_F_NONBLOCK);
	struct iovec iov[4];
	uint8_t buf[4][256];
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		iov[i] = (struct iovec){ .iov_base = buf[i], .iov_len = sizeof(buf[i]) };
	assert_int_equal(pktio_read(r, buf[0], sizeof(buf[0]), NULL), -EAGAIN);
	assert_int_equal(pktio_readv(r, iov, 4), -EAGAIN);
	assert_int_equal(pktio_port_close(r), 0);
}

static void
test_readiness_poll_level_triggered(void **state)
{
	struct pktio_port *r = open_port(PKTIO_F_NONBLOCK), *w = open_port(PKTIO_F_TXONLY);
	uint8_t buf[256];
	int i;

	(void)state;
	assert_int_equal(poll_fd(pktio_port_fd(r), 0), 0);
	send_frames(w, 3);
	assert_true(poll_fd(pktio_port_fd(r), 5000) & POLLIN);
	/* partially drained: still readable */
	assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), 128);
	assert_true(poll_fd(pktio_port_fd(r), 0) & POLLIN);
	for (i = 0; i < 2; i++)
		assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), 128);
	/* drained: not readable, and a read says so */
	assert_int_equal(poll_fd(pktio_port_fd(r), 0), 0);
	assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), -EAGAIN);
	/* and readable again on the next arrival */
	send_frames(w, 1);
	assert_true(poll_fd(pktio_port_fd(r), 5000) & POLLIN);
	assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), 128);
	assert_int_equal(poll_fd(pktio_port_fd(r), 0), 0);
	pktio_port_close(w);
	pktio_port_close(r);
}

static void
test_readiness_epoll_and_select(void **state)
{
	struct pktio_port *r = open_port(PKTIO_F_NONBLOCK), *w = open_port(PKTIO_F_TXONLY);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct timeval tv = { 0 };
	uint8_t buf[256];
	fd_set set;
	int ep = epoll_create1(0), fd = pktio_port_fd(r);

	(void)state;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	assert_int_equal(epoll_wait(ep, &out, 1, 0), 0);
	send_frames(w, 2);
	assert_int_equal(epoll_wait(ep, &out, 1, 5000), 1);
	FD_ZERO(&set);
	FD_SET(fd, &set);
	assert_int_equal(select(fd + 1, &set, NULL, NULL, &tv), 1);
	assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), 128);
	assert_int_equal(epoll_wait(ep, &out, 1, 0), 1); /* level-triggered: one left */
	assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), 128);
	assert_int_equal(epoll_wait(ep, &out, 1, 0), 0);
	FD_SET(fd, &set);
	assert_int_equal(select(fd + 1, &set, NULL, NULL, &tv), 0);
	close(ep);
	pktio_port_close(w);
	pktio_port_close(r);
}

struct reader {
	struct pktio_port *p;
	ssize_t got;
	uint32_t seq;
	double cpu_ms;
	pid_t tid;
};

static void *
blocking_reader(void *arg)
{
	struct reader *rd = arg;
	uint8_t buf[256];
	double t0;

	__atomic_store_n(&rd->tid, gettid(), __ATOMIC_RELEASE);
	t0 = test_thread_cpu_ms();
	rd->got = pktio_read(rd->p, buf, sizeof(buf), NULL);
	rd->cpu_ms = test_thread_cpu_ms() - t0;
	rd->seq = test_frame_seq(buf, NULL);
	return NULL;
}

static void
test_readiness_blocking_read_wakes_idle(void **state)
{
	struct pktio_port *w = open_port(PKTIO_F_TXONLY);
	struct reader rd = { .p = open_port(0) };
	struct pktio_stats st;
	pthread_t th;
	uint8_t buf[128];

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, blocking_reader, &rd), 0);
	/* wait for the reader to be asleep on its fd (a state, not a time) */
	while (__atomic_load_n(&rd.tid, __ATOMIC_ACQUIRE) == 0 || !test_thread_sleeping(rd.tid))
		sched_yield();
	poll(NULL, 0, 300); /* idle for 300 ms: the measurement, not synchronisation */
	assert_true(test_thread_sleeping(rd.tid));
	test_frame(buf, sizeof(buf), 7, 4242);
	assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(rd.got, 128);
	assert_int_equal(rd.seq, 4242);
	/* a spinning reader would have used ~300 ms */
	print_message("blocked reader used %.2f ms CPU over 300 ms idle\n", rd.cpu_ms);
	assert_true(rd.cpu_ms < 30.0);
	assert_int_equal(pktio_stats_get(rd.p, &st), 0);
	assert_true(st.wakeups >= 1);
	pktio_port_close(rd.p);
	pktio_port_close(w);
}

/* CPU time the thread @p th has used, in ms. */
static double
thread_cpu_ms(pthread_t th)
{
	struct timespec ts;
	clockid_t cid;

	assert_int_equal(pthread_getcpuclockid(th, &cid), 0);
	clock_gettime(cid, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
test_readiness_busy_poll_then_sleep(void **state)
{
	struct pktio_port *w = open_port(PKTIO_F_TXONLY);
	struct reader rd = { .p = open_port(0) };
	struct pktio_stats st;
	struct timespec t0, t;
	pthread_t th;
	uint8_t buf[128];

	(void)state;
	assert_int_equal(pktio_port_set_busy_poll(NULL, 10), -EINVAL);
	assert_int_equal(pktio_port_set_busy_poll(rd.p, PKTIO_BUSY_POLL_MAX_US + 1), -EINVAL);

	/* A long busy-poll: the reader spins (uses CPU, does not sleep) and takes the frame
	 * from the ring, not from a doorbell. */
	assert_int_equal(pktio_port_set_busy_poll(rd.p, PKTIO_BUSY_POLL_MAX_US), 0);
	assert_int_equal(pthread_create(&th, NULL, blocking_reader, &rd), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &t);
		assert_true(t.tv_sec - t0.tv_sec < 1); /* then the poll would be over */
	} while (thread_cpu_ms(th) < 10.0);
	assert_false(test_thread_sleeping(rd.tid));
	test_frame(buf, sizeof(buf), 7, 1);
	assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(rd.got, 128);
	assert_int_equal(rd.seq, 1);
	assert_int_equal(pktio_stats_get(rd.p, &st), 0);
	assert_int_equal(st.wakeups, 0);

	/* A short one: the poll ends, the reader sleeps on the doorbell, which wakes it. */
	assert_int_equal(pktio_port_set_busy_poll(rd.p, 1000), 0);
	rd.tid = 0;
	assert_int_equal(pthread_create(&th, NULL, blocking_reader, &rd), 0);
	while (__atomic_load_n(&rd.tid, __ATOMIC_ACQUIRE) == 0 || !test_thread_sleeping(rd.tid))
		sched_yield();
	test_frame(buf, sizeof(buf), 7, 2);
	assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(rd.seq, 2);
	assert_int_equal(pktio_stats_get(rd.p, &st), 0);
	assert_int_equal(st.wakeups, 1);
	pktio_port_close(rd.p);
	pktio_port_close(w);
}

static void
test_readiness_readv_truncates(void **state)
{
	struct pktio_port *r = open_port(PKTIO_F_NONBLOCK), *w = open_port(PKTIO_F_TXONLY);
	uint8_t small[sizeof(struct pktio_hdr) + 60], big[sizeof(struct pktio_hdr) + 256];
	struct iovec iov[2] = {
		{ .iov_base = small, .iov_len = sizeof(small) },
		{ .iov_base = big, .iov_len = sizeof(big) },
	};
	const struct pktio_hdr *h = (const void *)small;
	struct pktio_stats st;
	uint8_t ref[128];

	(void)state;
	send_frames(w, 2);
	assert_true(poll_fd(pktio_port_fd(r), 5000) & POLLIN);
	while (pktio_readv(r, iov, 1) == -EAGAIN) /* the second may trail the first */
		poll_fd(pktio_port_fd(r), 1000);
	assert_int_equal(h->version, PKTIO_HDR_VERSION);
	assert_int_equal(h->hdrlen, sizeof(struct pktio_hdr));
	assert_int_equal(h->pktlen, 128);      /* the real length */
	assert_true(h->tstamp > 0);
	test_frame(ref, sizeof(ref), 1000, 0);
	assert_memory_equal(small + sizeof(*h), ref, 60);
	assert_int_equal(pktio_stats_get(r, &st), 0);
	assert_int_equal(st.rx_truncated, 1);
	while (pktio_readv(r, iov + 1, 1) == -EAGAIN)
		poll_fd(pktio_port_fd(r), 1000);
	h = (const void *)big;
	assert_int_equal(h->pktlen, 128);
	test_frame(ref, sizeof(ref), 1000, 1);
	assert_memory_equal(big + sizeof(*h), ref, 128);
	pktio_port_close(w);
	pktio_port_close(r);
}

static void
test_readiness_writev_validates(void **state)
{
	struct pktio_port *w = open_port(PKTIO_F_TXONLY);
	uint8_t buf[sizeof(struct pktio_hdr) + 64];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct pktio_hdr *h = (void *)buf;

	(void)state;
	pktio_hdr_set(h, 64, 0);
	assert_int_equal(pktio_writev(w, &iov, 1), 1);
	h->version = 1;
	assert_int_equal(pktio_writev(w, &iov, 1), -EINVAL);
	pktio_hdr_set(h, 65, 0);       /* beyond its iovec */
	assert_int_equal(pktio_writev(w, &iov, 1), -EINVAL);
	pktio_hdr_set(h, 0, 0);
	assert_int_equal(pktio_writev(w, &iov, 1), -EMSGSIZE);
	assert_int_equal(pktio_write(w, buf, pktio_port_max_frame(w) + 1), -EMSGSIZE);
	pktio_port_close(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readiness_nonblock_eagain),
		cmocka_unit_test(test_readiness_poll_level_triggered),
		cmocka_unit_test(test_readiness_epoll_and_select),
		cmocka_unit_test(test_readiness_blocking_read_wakes_idle),
		cmocka_unit_test(test_readiness_busy_poll_then_sleep),
		cmocka_unit_test(test_readiness_readv_truncates),
		cmocka_unit_test(test_readiness_writev_validates),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
