/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The appliance going away: clients get -ECONNRESET, the fd turns readable and the control
 * fd reports POLLHUP, on a clean shutdown and on SIGKILL; after a restart they reopen.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
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
	return test_pktiod_alive(&d) && test_pktiod_stop(&d) != 0 ? -1 : 0;
}

static void
loopback_works(void)
{
	struct pktio_port *r = pktio_port_open("lo", PKTIO_QUEUE_ANY, 0, d.sock);
	struct pktio_port *w = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	uint8_t buf[100];

	assert_non_null(r);
	assert_non_null(w);
	test_frame(buf, sizeof(buf), 5, 77);
	assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), sizeof(buf));
	assert_int_equal(test_frame_seq(buf, NULL), 77);
	assert_int_equal(pktio_port_close(w), 0);
	assert_int_equal(pktio_port_close(r), 0);
}

static void *
blocked_read(void *arg)
{
	uint8_t buf[100];

	return (void *)(intptr_t)pktio_read(arg, buf, sizeof(buf), NULL);
}

/* A reader blocked in pktio_read() when pktiod goes returns -ECONNRESET. */
static void
check_gone(struct pktio_port *r, pthread_t th)
{
	struct pollfd pfd[2] = {
		{ .fd = pktio_port_fd(r), .events = POLLIN },
		{ .fd = pktio_port_ctl_fd(r), .events = POLLIN },
	};
	uint8_t buf[100];
	void *rc;

	assert_int_equal(pthread_join(th, &rc), 0);
	assert_int_equal((intptr_t)rc, -ECONNRESET);
	assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), -ECONNRESET);
	assert_int_equal(pktio_write(r, buf, sizeof(buf)), -ECONNRESET);
	assert_int_equal(poll(&pfd[1], 1, 0), 1);
	assert_true(pfd[1].revents & (POLLHUP | POLLIN));
	assert_int_equal(pktio_port_close(r), -ECONNRESET);
}

static void
test_restart_clean_shutdown(void **state)
{
	struct pktio_port *r = pktio_port_open("lo", PKTIO_QUEUE_ANY, 0, d.sock);
	struct pollfd pfd;
	pthread_t th;

	(void)state;
	assert_non_null(r);
	assert_int_equal(pthread_create(&th, NULL, blocked_read, r), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);  /* exit status 0 */
	pfd = (struct pollfd){ .fd = pktio_port_fd(r), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);   /* shutdown rings the doorbell */
	check_gone(r, th);
	assert_null(pktio_port_open("lo", PKTIO_QUEUE_ANY, 0, d.sock));
	assert_true(errno == ENOENT || errno == ECONNREFUSED);
	assert_int_equal(access(d.sock, F_OK), -1); /* the socket file is gone */
	assert_int_equal(test_pktiod_restart(&d), 0);
	loopback_works();
}

static void
test_restart_after_sigkill(void **state)
{
	struct pktio_port *r = pktio_port_open("lo", PKTIO_QUEUE_ANY, 0, d.sock);
	pthread_t th;

	(void)state;
	assert_non_null(r);
	assert_int_equal(pthread_create(&th, NULL, blocked_read, r), 0);
	kill(d.pid, SIGKILL);
	assert_true(test_wait_pid(d.pid, 5000) != -1);
	d.pid = 0;
	check_gone(r, th);
	/* the stale socket file is replaced on restart */
	assert_int_equal(test_pktiod_restart(&d), 0);
	loopback_works();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_clean_shutdown),
		cmocka_unit_test(test_restart_after_sigkill),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
