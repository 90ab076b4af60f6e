/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Bad clients: one killed with SIGKILL mid-stream, hostile ones that scribble on their
 * rings, malformed control messages. pktiod must detach the offender, leak nothing, and
 * keep serving everyone else.
 */

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_ring_elem.h>

#include "harness.h"
#include "raw.h"

#define RING 32

static struct test_pktiod d;

static int
setup(void **state)
{
	(void)state;
	return test_pktiod_start(&d, "[port lo]\ndevice = net_ring0\nring_size = 32\n");
}

static int
teardown(void **state)
{
	(void)state;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

/* Wait (5 s at most) until pktiod reports @p n attachments. */
static void
wait_clients(int n)
{
	assert_int_equal(test_wait_clients(&d, n, 5000), n);
}

/* A well-behaved pair still moves packets: pktiod serves the others. */
static void
check_service(void)
{
	assert_int_equal(test_check_service(&d, "lo", 0), 0);
}

static void
test_robust_sigkill_mid_stream(void **state)
{
	struct pktio_port *w = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	struct pktio_port_info before, after;
	uint8_t buf[128];
	int ready[2], i;
	char c;
	pid_t pid;

	(void)state;
	assert_non_null(w);
	check_service(); /* warm the pool's caches before taking the baseline */
	assert_int_equal(test_port_info(&d, "lo", &before), 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	if (pid == 0) {
		struct pktio_port *r = pktio_port_open("lo", PKTIO_QUEUE_ANY, 0, d.sock);

		if (r == NULL)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		for (i = 0; i < 100; i++) /* take some, then hold the rest unread */
			pktio_read(r, buf, sizeof(buf), NULL);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	for (i = 0; i < 300; i++) {
		test_frame(buf, sizeof(buf), 2, i);
		assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
		if (i == 150)
			kill(pid, SIGKILL);
	}
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	wait_clients(1);
	assert_int_equal(test_port_info(&d, "lo", &after), 0);
	print_message("mbufs in use: %lu before, %lu after\n", before.mbuf_in_use,
		      after.mbuf_in_use);
	assert_int_equal(after.mbuf_in_use, before.mbuf_in_use);
	check_service();
	pktio_port_close(w);
	close(ready[0]);
	close(ready[1]);
}

static int
raw_attach(struct raw *x, const char *port, uint16_t queue, uint16_t mode, uint32_t flags)
{
	return raw_attach_to(d.sock, x, port, queue, mode, flags);
}

static void
expect_bye(struct raw *x)
{
	raw_expect_bye(x);
}

static void
tx_desc(struct raw *x, uint32_t slot, uint16_t len)
{
	struct pktio_desc desc = { .slot = slot, .len = len };

	assert_int_equal(rte_ring_sp_enqueue_burst_elem(pktio_shm_ring(x->h, x->h->tx_off),
							&desc, sizeof(desc), 1, NULL), 1);
}

static void
test_robust_hostile_tx_slot(void **state)
{
	struct pktio_port_info before, after;
	struct raw x;

	(void)state;
	assert_int_equal(test_port_info(&d, "lo", &before), 0);
	assert_int_equal(raw_attach(&x, "lo", PKTIO_QUEUE_ANY, 0, PKTIO_MSG_F_TXONLY), 0);
	tx_desc(&x, 0xffffffffu, 60);           /* far out of range */
	expect_bye(&x);
	assert_int_equal(raw_attach(&x, "lo", PKTIO_QUEUE_ANY, 0, PKTIO_MSG_F_TXONLY), 0);
	tx_desc(&x, 0, 60);                     /* an rx slot, not a tx one */
	expect_bye(&x);
	assert_int_equal(raw_attach(&x, "lo", PKTIO_QUEUE_ANY, 0, PKTIO_MSG_F_TXONLY), 0);
	tx_desc(&x, RING, 60000);               /* longer than the max frame */
	expect_bye(&x);
	assert_true(test_pktiod_alive(&d));
	check_service();
	/* the reason outlives the client: pktioctl counts it per port */
	assert_int_equal(test_port_info(&d, "lo", &after), 0);
	assert_int_equal(after.detach_violation, before.detach_violation + 3);
}

static void
test_robust_hostile_ring_indices(void **state)
{
	struct rte_ring *r;
	struct raw x;

	(void)state;
	/* a producer index far ahead of anything possible */
	assert_int_equal(raw_attach(&x, "lo", PKTIO_QUEUE_ANY, 0, PKTIO_MSG_F_TXONLY), 0);
	r = pktio_shm_ring(x.h, x.h->tx_off);
	r->mask = 0xffffffffu;                  /* never believed */
	r->prod.tail = 0x7fff0000u;
	expect_bye(&x);
	assert_true(test_pktiod_alive(&d));
	check_service();
}

static void
test_robust_hostile_double_free(void **state)
{
	struct pktio_port *w = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	struct pktio_desc desc = { .slot = RING + 1 }; /* a tx slot, never an rx one */
	struct rte_ring *rf;
	uint8_t buf[64];
	struct raw x;
	int i;

	(void)state;
	assert_non_null(w);
	assert_int_equal(raw_attach(&x, "lo", PKTIO_QUEUE_ANY, 0, 0), 0);
	rf = pktio_shm_ring(x.h, x.h->rx_free_off);
	assert_int_equal(rte_ring_sp_enqueue_burst_elem(rf, &desc, sizeof(desc), 1, NULL), 1);
	/* pktiod reads rx_free once its own RING free slots are used up */
	for (i = 0; i < RING + 8; i++) {
		test_frame(buf, sizeof(buf), 3, i);
		assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	}
	expect_bye(&x);
	pktio_port_close(w);
	check_service();
}

/* Send raw bytes as a first message; @return the reply's status (or 1 on no reply). */
static int
raw_message(const void *msg, size_t len)
{
	struct pktio_msg_attach_reply rep;
	int fd = test_connect(d.sock), rc = 1;

	assert_true(fd >= 0);
	assert_int_equal(send(fd, msg, len, 0), (ssize_t)len);
	if (recv(fd, &rep, sizeof(rep), 0) >= (ssize_t)sizeof(rep.hdr))
		rc = rep.hdr.status;
	close(fd);
	return rc;
}

static void
test_robust_malformed_messages(void **state)
{
	struct pktio_msg_attach m = {
		.hdr = { .version = PKTIO_MSG_VERSION, .type = PKTIO_MSG_ATTACH },
		.port = "lo",
	};
	static const char junk[3] = "xyz";
	struct pktio_port_info pi;
	uint64_t protocol;
	struct raw x;

	(void)state;
	assert_int_equal(raw_message(junk, sizeof(junk)), -EPROTO);
	m.hdr.version = 99;
	assert_int_equal(raw_message(&m, sizeof(m)), -EPROTO);
	m.hdr.version = PKTIO_MSG_VERSION;
	assert_int_equal(raw_message(&m, sizeof(m) - 1), -EPROTO);  /* short */
	memset(m.port, 'A', sizeof(m.port));                        /* no NUL */
	assert_int_equal(raw_message(&m, sizeof(m)), -EINVAL);
	snprintf(m.port, sizeof(m.port), "nosuch");
	assert_int_equal(raw_message(&m, sizeof(m)), -ENOENT);
	snprintf(m.port, sizeof(m.port), "lo");
	m.mode = 7;
	assert_int_equal(raw_message(&m, sizeof(m)), -EINVAL);
	m.mode = 0;
	m.queue = 9;
	assert_int_equal(raw_message(&m, sizeof(m)), -EINVAL);
	m.queue = 0;
	m.flags = 0x80;
	assert_int_equal(raw_message(&m, sizeof(m)), -EINVAL);
	/* a message after attaching is a protocol error: detached, and counted */
	assert_int_equal(test_port_info(&d, "lo", &pi), 0);
	assert_int_equal(raw_attach(&x, "lo", 0, 0, PKTIO_MSG_F_TXONLY), 0);
	assert_int_equal(send(x.sock, junk, sizeof(junk), 0), sizeof(junk));
	expect_bye(&x);
	protocol = pi.detach_protocol;
	assert_int_equal(test_port_info(&d, "lo", &pi), 0);
	assert_int_equal(pi.detach_protocol, protocol + 1);
	assert_true(test_pktiod_alive(&d));
	wait_clients(0);
	check_service();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_robust_sigkill_mid_stream),
		cmocka_unit_test(test_robust_hostile_tx_slot),
		cmocka_unit_test(test_robust_hostile_ring_indices),
		cmocka_unit_test(test_robust_hostile_double_free),
		cmocka_unit_test(test_robust_malformed_messages),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
