/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * A port past one core: two rx queues served by two worker lcores (lcore = 1,2). The
 * device is DPDK's af_packet PMD on one end of a veth pair with two queue pairs, which the
 * kernel fills by flow hash (PACKET_FANOUT_HASH); frames of 32 UDP flows go in at the other
 * end. Each flow reaches exactly one queue's client, both queues get flows, every frame
 * arrives, and each client sends through its own queue's worker.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define FLOWS 32
#define PER_FLOW 8

static struct test_pktiod d;
static char veth_a[IFNAMSIZ], veth_b[IFNAMSIZ];
static int raw_b = -1;

static int
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int
setup(void **state)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	char ports[512];

	(void)state;
	snprintf(veth_a, sizeof(veth_a), "pmqa%d", (int)getpid() % 100000);
	snprintf(veth_b, sizeof(veth_b), "pmqb%d", (int)getpid() % 100000);
	if (sh("ip link add %s type veth peer name %s 2>/dev/null && ip link set %s up && "
	       "ip link set %s up", veth_a, veth_b, veth_a, veth_b) != 0) {
		printf("skipped: cannot create a veth pair (needs root and CONFIG_VETH)\n");
		exit(TEST_SKIP);
	}
	raw_b = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sll.sll_ifindex = if_nametoindex(veth_b);
	if (raw_b < 0 || bind(raw_b, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	/* three lcores on this 2-CPU machine: the main one and a worker share a CPU */
	test_lcores = "--lcores 0@0,1@1,2@0";
	snprintf(ports, sizeof(ports), "[port mq]\ndevice = net_af_packet0,iface=%s,qpairs=2\n"
		 "rx_queues = 2\ntx_queues = 2\nlcore = 1,2\n", veth_a);
	return test_pktiod_start(&d, ports);
}

static int
teardown(void **state)
{
	int st;

	(void)state;
	st = test_pktiod_stop(&d);
	close(raw_b);
	sh("ip link del %s 2>/dev/null", veth_a);
	return st == 0 ? 0 : -1;
}

/* Read what @p p has, by flow, until @p want frames in all came (5 s at most). */
static unsigned int
drain(struct pktio_port **p, unsigned int np, unsigned int counts[][FLOWS], unsigned int want)
{
	struct timespec t0, t;
	struct pktio_meta meta;
	unsigned int got = 0, i;
	uint8_t buf[256];
	uint16_t sport;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < np; i++) {
			if (pktio_wait(p[i], 10) < 0)
				return got;
			while ((n = pktio_read(p[i], buf, sizeof(buf), &meta)) > 0) {
				if (n < 46 || buf[12] != 0x08 || buf[23] != 17)
					continue; /* the kernel's own frames (IPv6 router solicitations) */
				test_frame_seq(buf, &sport);
				assert_int_equal(meta.queue, i);
				if (sport >= 1000 && sport < 1000 + FLOWS) {
					counts[i][sport - 1000]++;
					got++;
				}
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (got < want && (t.tv_sec - t0.tv_sec) * 1000 +
		 (t.tv_nsec - t0.tv_nsec) / 1000000 < 5000);
	return got;
}

static void
test_multicore_flows_stay_on_one_queue(void **state)
{
	unsigned int counts[2][FLOWS] = { { 0 } }, f, k, flows[2] = { 0, 0 };
	struct pktio_port *p[2];
	uint8_t frame[128];

	(void)state;
	/* a receiver of every queue would have two producers: refused, with the reason */
	assert_null(pktio_port_open("mq", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR, d.sock));
	assert_int_equal(errno, EINVAL);
	p[0] = pktio_port_open("mq", 0, PKTIO_F_NONBLOCK, d.sock);
	p[1] = pktio_port_open("mq", 1, PKTIO_F_NONBLOCK, d.sock);
	assert_non_null(p[0]);
	assert_non_null(p[1]);
	for (k = 0; k < PER_FLOW; k++)
		for (f = 0; f < FLOWS; f++) {
			test_frame(frame, sizeof(frame), 1000 + f, k);
			assert_int_equal(send(raw_b, frame, sizeof(frame), 0), sizeof(frame));
		}
	assert_int_equal(drain(p, 2, counts, FLOWS * PER_FLOW), FLOWS * PER_FLOW);
	for (f = 0; f < FLOWS; f++) {
		/* all of a flow on one queue */
		assert_true(counts[0][f] == 0 || counts[1][f] == 0);
		flows[counts[0][f] == 0]++;
	}
	print_message("flows: %u on queue 0, %u on queue 1\n", flows[0], flows[1]);
	assert_true(flows[0] > 0 && flows[1] > 0);
	/* and two workers served them */
	assert_int_equal(sh("grep -q 'worker on lcore 1 serves port mq, rx queues 0x1' %s && "
			    "grep -q 'worker on lcore 2 serves port mq, rx queues 0x2' %s",
			    d.log, d.log), 0);
	pktio_port_close(p[1]);
	pktio_port_close(p[0]);
}

/* Each queue's client sends through its own worker and tx queue: all of it comes out. */
static void
test_multicore_send_from_each_queue(void **state)
{
	struct pktio_port *p[3];
	uint8_t frame[128], buf[256];
	unsigned int i, k, got[3] = { 0 };
	struct pollfd pfd = { .fd = raw_b, .events = POLLIN };
	uint16_t sport;
	ssize_t n;

	(void)state;
	p[0] = pktio_port_open("mq", 0, PKTIO_F_TXONLY, d.sock);
	p[1] = pktio_port_open("mq", 1, PKTIO_F_TXONLY, d.sock);
	p[2] = pktio_port_open("mq", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	for (i = 0; i < 3; i++) {
		assert_non_null(p[i]);
		for (k = 0; k < 20; k++) {
			test_frame(frame, sizeof(frame), 2000 + i, k);
			assert_int_equal(pktio_write(p[i], frame, sizeof(frame)), sizeof(frame));
		}
	}
	while (got[0] + got[1] + got[2] < 60 && poll(&pfd, 1, 5000) == 1) {
		n = recv(raw_b, buf, sizeof(buf), 0);
		if (n < 46 || buf[12] != 0x08 || buf[23] != 17)
			continue;
		test_frame_seq(buf, &sport);
		if (sport >= 2000 && sport < 2003)
			got[sport - 2000]++;
	}
	print_message("sent through queue 0, 1, any: %u %u %u\n", got[0], got[1], got[2]);
	for (i = 0; i < 3; i++) {
		assert_int_equal(got[i], 20);
		pktio_port_close(p[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multicore_flows_stay_on_one_queue),
		cmocka_unit_test(test_multicore_send_from_each_queue),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
