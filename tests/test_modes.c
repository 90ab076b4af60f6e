/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* Attach modes: exclusive conflicts, fanout keeps flows whole, mirror copies everything. */

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"

#define FLOWS 64
#define PER_FLOW 16
#define FRAME_LEN 96
#define TS_SLACK_NS 10000000ull /* 10 ms */

static struct test_pktiod d;

static int
setup(void **state)
{
	(void)state;
	return test_pktiod_start(&d, "[port lo]\ndevice = net_ring0\nring_size = 2048\n");
}

static int
teardown(void **state)
{
	(void)state;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

static struct pktio_port *
open_mode(unsigned int flags)
{
	return pktio_port_open("lo", PKTIO_QUEUE_ANY, flags, d.sock);
}

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Read from @p n ports until @p total packets arrived (or 10 s); flows[sport] = reader.
 * Checks each packet's metadata: length, port, queue, a receive time between the
 * sending and now (within TS_SLACK_NS), and (fanout, @p owner given) one hash per flow. */
static unsigned int
collect(struct pktio_port **r, unsigned int n, unsigned int total, int *owner,
	unsigned int *count, uint64_t sent_ns)
{
	struct pollfd pfd[4];
	uint64_t end = test_now_ms() + 10000;
	unsigned int got = 0, i;
	uint32_t next[4][FLOWS] = { { 0 } }, hash[FLOWS] = { 0 };
	struct pktio_meta m;
	uint8_t buf[256];
	uint16_t sport;

	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = pktio_port_fd(r[i]), .events = POLLIN };
	while (got < total && test_now_ms() < end) {
		poll(pfd, n, 1000);
		for (i = 0; i < n; i++) {
			while (pktio_read(r[i], buf, sizeof(buf), &m) > 0) {
				uint32_t seq = test_frame_seq(buf, &sport);

				assert_true(sport < FLOWS);
				assert_int_equal(seq, next[i][sport]++); /* in order within a flow */
				assert_int_equal(m.len, FRAME_LEN);
				assert_int_equal(m.port, 0);
				assert_int_equal(m.queue, 0);
				/* pktiod stamps from the TSC, calibrated at start: allow drift */
				assert_in_range(m.tstamp, sent_ns - TS_SLACK_NS, wall_ns() + TS_SLACK_NS);
				if (owner != NULL) {
					assert_true(owner[sport] < 0 || owner[sport] == (int)i);
					owner[sport] = i;
					assert_int_not_equal(m.hash, 0);
					assert_true(hash[sport] == 0 || hash[sport] == m.hash);
					hash[sport] = m.hash;
				}
				count[i]++;
				got++;
			}
		}
	}
	return got;
}

static void
send_flows(struct pktio_port *w)
{
	uint8_t buf[FRAME_LEN];
	unsigned int f, k;

	for (k = 0; k < PER_FLOW; k++)
		for (f = 0; f < FLOWS; f++) {
			test_frame(buf, sizeof(buf), f, k);
			assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
		}
}

static void
test_modes_exclusive_conflicts(void **state)
{
	struct pktio_port *a = open_mode(PKTIO_F_EXCLUSIVE), *m, *w;

	(void)state;
	assert_non_null(a);
	assert_null(open_mode(PKTIO_F_FANOUT));
	assert_int_equal(errno, EBUSY);
	assert_null(open_mode(PKTIO_F_EXCLUSIVE));
	assert_int_equal(errno, EBUSY);
	m = open_mode(PKTIO_F_MIRROR);     /* a tap takes nothing: allowed */
	assert_non_null(m);
	w = open_mode(PKTIO_F_TXONLY);
	assert_non_null(w);
	pktio_port_close(a);
	a = open_mode(PKTIO_F_FANOUT);     /* free again once the owner left */
	assert_non_null(a);
	assert_null(open_mode(PKTIO_F_EXCLUSIVE));
	assert_int_equal(errno, EBUSY);
	assert_null(pktio_port_open("lo", 3, 0, d.sock)); /* no queue 3 */
	assert_int_equal(errno, EINVAL);
	pktio_port_close(a);
	pktio_port_close(m);
	pktio_port_close(w);
}

static void
test_modes_fanout_keeps_flows(void **state)
{
	struct pktio_port *r[2] = { open_mode(PKTIO_F_FANOUT | PKTIO_F_NONBLOCK),
				    open_mode(PKTIO_F_FANOUT | PKTIO_F_NONBLOCK) };
	struct pktio_port *w = open_mode(PKTIO_F_TXONLY);
	unsigned int count[2] = { 0 };
	int owner[FLOWS];
	uint64_t t0;

	(void)state;
	assert_non_null(r[0]);
	assert_non_null(r[1]);
	memset(owner, -1, sizeof(owner));
	t0 = wall_ns();
	send_flows(w);
	assert_int_equal(collect(r, 2, FLOWS * PER_FLOW, owner, count, t0), FLOWS * PER_FLOW);
	print_message("fanout: %u and %u packets\n", count[0], count[1]);
	/* both got work; 64 flows in a 50/50 split land nowhere near all-on-one */
	assert_true(count[0] >= 8 * PER_FLOW);
	assert_true(count[1] >= 8 * PER_FLOW);
	pktio_port_close(w);
	pktio_port_close(r[0]);
	pktio_port_close(r[1]);
}

static void
test_modes_mirror_gets_copies(void **state)
{
	struct pktio_port *r[2] = { open_mode(PKTIO_F_EXCLUSIVE | PKTIO_F_NONBLOCK),
				    open_mode(PKTIO_F_MIRROR | PKTIO_F_NONBLOCK) };
	struct pktio_port *w = open_mode(PKTIO_F_TXONLY);
	unsigned int count[2] = { 0 };
	uint64_t t0;

	(void)state;
	assert_non_null(r[0]);
	assert_non_null(r[1]);
	t0 = wall_ns();
	send_flows(w);
	assert_int_equal(collect(r, 2, 2 * FLOWS * PER_FLOW, NULL, count, t0),
			 2 * FLOWS * PER_FLOW);
	assert_int_equal(count[0], FLOWS * PER_FLOW);
	assert_int_equal(count[1], FLOWS * PER_FLOW);
	pktio_port_close(w);
	pktio_port_close(r[0]);
	pktio_port_close(r[1]);
}

static void
test_modes_no_client_counted(void **state)
{
	struct pktio_port *m = open_mode(PKTIO_F_MIRROR | PKTIO_F_NONBLOCK);
	struct pktio_port *w = open_mode(PKTIO_F_TXONLY);
	struct pktio_port_info before, after;
	unsigned int count[1] = { 0 };
	uint64_t t0 = wall_ns();

	(void)state;
	assert_int_equal(test_port_info(&d, "lo", &before), 0);
	send_flows(w);
	/* the mirror sees them all; nobody takes them, so each is dropped and counted */
	assert_int_equal(collect(&m, 1, FLOWS * PER_FLOW, NULL, count, t0), FLOWS * PER_FLOW);
	assert_int_equal(test_port_info(&d, "lo", &after), 0);
	assert_int_equal(after.rx_no_client - before.rx_no_client, FLOWS * PER_FLOW);
	pktio_port_close(w);
	pktio_port_close(m);
}

/*
 * PKTIO_F_OUTGOING: a copy of each frame another client sends, flagged, with the sent
 * bytes; net_ring loops the frame back, so the receiver then sees it again, unflagged. The
 * sender never gets its own copy. Timestamps stay in order and distinct.
 */
static void
test_modes_outgoing_copies(void **state)
{
	struct pktio_port *w = open_mode(PKTIO_F_OUTGOING), *r, *t;
	struct pktio_port_info pi[4];
	struct pktio_client_info ci[8];
	unsigned int np = 4, nc = 8, seen = 0;
	unsigned int out = 0, in = 0, i;
	uint8_t frame[FRAME_LEN], buf[256];
	struct pktio_meta meta;
	uint64_t last = 0, end;
	ssize_t n;

	(void)state;
	t = open_mode(PKTIO_F_TXONLY);
	r = open_mode(PKTIO_F_MIRROR | PKTIO_F_OUTGOING | PKTIO_F_NONBLOCK);
	assert_non_null(w);
	assert_non_null(r);
	assert_non_null(t);
	/* pktioctl sees each attachment as it attached */
	assert_int_equal(pktio_query(d.sock, pi, &np, ci, &nc), 0);
	for (i = 0; i < nc; i++)
		seen |= 1u << (ci[i].mode == PKTIO_F_OUTGOING ? 0 :
			       ci[i].mode == (PKTIO_F_MIRROR | PKTIO_F_OUTGOING) ? 1 :
			       ci[i].mode == PKTIO_F_TXONLY ? 2 : 3);
	assert_int_equal(seen, 7);
	pktio_port_close(t);
	for (i = 0; i < 10; i++) {
		test_frame(frame, sizeof(frame), 7, i);
		assert_int_equal(pktio_write(w, frame, sizeof(frame)), sizeof(frame));
	}
	for (end = test_now_ms() + 5000; out + in < 20 && test_now_ms() < end; ) {
		if (pktio_wait(r, 100) < 0)
			break;
		while ((n = pktio_read(r, buf, sizeof(buf), &meta)) > 0) {
			assert_int_equal(n, FRAME_LEN);
			assert_true(meta.tstamp > last);
			last = meta.tstamp;
			if (meta.flags & PKTIO_PKT_OUTGOING)
				assert_int_equal(test_frame_seq(buf, NULL), out++);
			else
				in++;
		}
	}
	assert_int_equal(out, 10);
	assert_int_equal(in, 10);
	/* the sender (exclusive receiver) got the 10 back from the ring, none flagged */
	for (i = 0; i < 10; i++) {
		assert_int_equal(pktio_read(w, buf, sizeof(buf), &meta), FRAME_LEN);
		assert_int_equal(meta.flags & PKTIO_PKT_OUTGOING, 0);
	}
	pktio_port_close(r);
	pktio_port_close(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes_exclusive_conflicts),
		cmocka_unit_test(test_modes_fanout_keeps_flows),
		cmocka_unit_test(test_modes_mirror_gets_copies),
		cmocka_unit_test(test_modes_no_client_counted),
		cmocka_unit_test(test_modes_outgoing_copies),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
