/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Zero-copy receive: an exclusive client of one rx queue reads frames in the buffers the
 * device wrote, mapped read-only. Every frame of shared/pcaps arrives byte-exact through
 * net_pcap (received into the queue's pool) and net_ring (the sender's mbufs, copied into
 * it), in place and, with PKTIO_F_COPY, through copies; pktiod reports which. A client that
 * stops giving buffers back, or is killed holding them, costs only its own queue, and its
 * buffers return at detach; one that gives back a buffer it does not hold is detached.
 * Received buffers forwarded (pktio_forward) leave byte-exact, their headers rewritten
 * where asked, without a copy or through one; forwards pktiod must not take detach.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_ring_elem.h>

#include "capture.h"
#include "harness.h"
#include "raw.h"

#define MAX_FRAME 9216
#define RING 256
#define PCAP_RING 4096 /* room for every frame of the captures at once */

static struct capture input;
static char merged[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(merged, sizeof(merged), "%s/all.pcap", test_dir());
	cap_load_shared(&input, merged);
	return input.n > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	cap_free(&input);
	return 0;
}

/* The mode pktiod reports for the port's only receiving (or only sending) client. */
static unsigned int
client_mode(const struct test_pktiod *d, bool txonly)
{
	struct pktio_client_info ci[4];
	struct pktio_port_info pi[2];
	unsigned int np = 2, nc = 4, i;

	assert_int_equal(pktio_query(d->sock, pi, &np, ci, &nc), 0);
	for (i = 0; i < nc; i++)
		if (!(ci[i].mode & PKTIO_F_TXONLY) != txonly)
			return ci[i].mode;
	fail_msg("no receiving client");
	return 0;
}

static sigjmp_buf segv_jmp;

static void
on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jmp, 1);
}

/* A write into a received frame faults: the pool is mapped read-only. */
static void
check_read_only(void *data)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	volatile bool faulted = false;

	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	if (sigsetjmp(segv_jmp, 1) == 0)
		*(volatile char *)data = *(volatile char *)data;
	else
		faulted = true;
	assert_int_equal(sigaction(SIGSEGV, &old, NULL), 0);
	assert_true(faulted);
}

/* Receive @p want frames from @p r with pktio_rx_burst and compare them with @p exp. */
static void
receive_exact(struct pktio_port *r, const struct pkt *const *exp, unsigned int want,
	      bool zc)
{
	struct pktio_pkt pkts[64];
	uint64_t end = test_now_ms() + 20000;
	unsigned int got = 0, i;
	int n;

	while (got < want && test_now_ms() < end) {
		n = pktio_rx_burst(r, pkts, RTE_MIN(64u, want - got));
		assert_true(n >= 0);
		if (n == 0) {
			assert_true(pktio_wait(r, 1000) >= 0);
			continue;
		}
		if (got == 0 && zc)
			check_read_only(pkts[0].data);
		for (i = 0; i < (unsigned int)n; i++, got++)
			if (pkts[i].len != exp[got]->len ||
			    memcmp(pkts[i].data, exp[got]->data, pkts[i].len) != 0)
				fail_msg("frame %u differs (%u vs %u bytes)", got, pkts[i].len,
					 exp[got]->len);
		pktio_rx_release(r, pkts, n);
	}
	assert_int_equal(got, want);
}

/* The input frames @p keep selects, in order. */
static unsigned int
select_frames(const struct pkt **out, uint32_t min, uint32_t max)
{
	unsigned int i, n = 0;

	for (i = 0; i < input.n; i++)
		if (input.p[i].len >= min && input.p[i].len <= max)
			out[n++] = &input.p[i];
	return n;
}

/* net_pcap receives into the queue's pool: every frame in place, or copied on request. */
static void
pcap_through(unsigned int flags)
{
	const struct pkt **exp = calloc(input.n, sizeof(*exp));
	unsigned int n = select_frames(exp, 0, MAX_FRAME);
	struct pktio_port_info pi;
	struct test_pktiod d;
	struct pktio_port *r;
	char ports[512];

	assert_non_null(exp);
	snprintf(ports, sizeof(ports), "[port in]\ndevice = net_pcap0,rx_pcap=%s\n"
		 "max_frame = %d\nring_size = %d\npoll_idle = no\nzerocopy = yes\n", merged,
		 MAX_FRAME, PCAP_RING);
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	r = pktio_port_open("in", PKTIO_QUEUE_ANY, flags, d.sock);
	assert_non_null(r);
	assert_int_equal(test_port_info(&d, "in", &pi), 0);
	assert_int_equal(pi.rx_zerocopy, 1);
	assert_int_equal(!!(client_mode(&d, false) & PKTIO_F_ZEROCOPY), !(flags & PKTIO_F_COPY));
	receive_exact(r, exp, n, !(flags & PKTIO_F_COPY));
	print_message("%u frames through net_pcap, %s\n", n,
		      flags & PKTIO_F_COPY ? "copied" : "in place");
	pktio_port_close(r);
	assert_int_equal(test_pktiod_stop(&d), 0);
	free(exp);
}

static void
test_zerocopy_pcap_in_place(void **state)
{
	(void)state;
	pcap_through(0);
}

static void
test_zerocopy_pcap_copied(void **state)
{
	(void)state;
	pcap_through(PKTIO_F_COPY);
}

/*
 * net_ring hands pktiod the mbufs another client's frames were sent in: they are copied
 * into the queue's pool, and still reach the zero-copy client byte-exact.
 */
static void
test_zerocopy_net_ring(void **state)
{
	const struct pkt **exp = calloc(input.n, sizeof(*exp));
	unsigned int n = select_frames(exp, 1, MAX_FRAME), i, k;
	struct test_pktiod d;
	struct pktio_port *r, *w;
	char ports[256];

	(void)state;
	assert_non_null(exp);
	snprintf(ports, sizeof(ports), "[port lo]\ndevice = net_ring0\nmax_frame = %d\n"
		 "ring_size = %d\nzerocopy = yes\n", MAX_FRAME, RING);
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	r = pktio_port_open("lo", PKTIO_QUEUE_ANY, 0, d.sock);
	w = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	assert_non_null(r);
	assert_non_null(w);
	assert_true(client_mode(&d, false) & PKTIO_F_ZEROCOPY);
	for (i = 0; i < n; i += k) {   /* in chunks the client's ring holds */
		for (k = 0; k < RING / 2 && i + k < n; k++)
			assert_int_equal(pktio_write(w, exp[i + k]->data, exp[i + k]->len),
					 (int)exp[i + k]->len);
		receive_exact(r, exp + i, k, i == 0);
	}
	print_message("%u frames sent and received through net_ring\n", n);
	pktio_port_close(w);
	pktio_port_close(r);
	assert_int_equal(test_pktiod_stop(&d), 0);
	free(exp);
}

/*
 * After the last client of @p d closed: the mbufs of @p port back at @p before, pktiod
 * stopped (closing a net_pcap port completes its file), and the file @p out read.
 */
static void
pcap_finish(struct test_pktiod *d, const char *port, const struct pktio_port_info *before,
	    const char *out, struct capture *got)
{
	struct pktio_port_info after;

	assert_int_equal(test_wait_clients(d, 0, 5000), 0);
	assert_int_equal(test_port_info(d, port, &after), 0);
	assert_int_equal(after.mbuf_in_use, before->mbuf_in_use);
	assert_int_equal(test_pktiod_stop(d), 0);
	assert_int_equal(cap_read(got, out, NULL), 0);
}

/*
 * net_pcap sends from the client's slots (zero-copy transmit): every frame of the captures,
 * half through pktio_tx_reserve/submit and half through pktio_write, many times the ring,
 * lands in the file byte-exact and in order; with PKTIO_F_COPY through copies. The
 * header-only mbufs all come back.
 */
static void
pcap_sent(unsigned int flags)
{
	const struct pkt **exp = calloc(input.n, sizeof(*exp));
	unsigned int n = select_frames(exp, 1, MAX_FRAME), i;
	struct pktio_port_info before;
	struct capture got = { 0 };
	struct test_pktiod d;
	struct pktio_port *w;
	struct pktio_pkt pkt;
	char ports[512], out[256];
	uint64_t end;

	assert_non_null(exp);
	snprintf(out, sizeof(out), "%s/sent.pcap", test_dir());
	snprintf(ports, sizeof(ports), "[port out]\ndevice = net_pcap1,tx_pcap=%s\n"
		 "max_frame = %d\nring_size = 64\n", out, MAX_FRAME);
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	assert_int_equal(test_port_info(&d, "out", &before), 0);
	assert_int_equal(before.tx_zerocopy, 1);
	w = pktio_port_open("out", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY | flags, d.sock);
	assert_non_null(w);
	assert_int_equal(!!(client_mode(&d, true) & PKTIO_F_ZEROCOPY_TX), !(flags & PKTIO_F_COPY));
	for (i = 0; i < n; i++) {
		if (i % 2 == 1) {
			assert_int_equal(pktio_write(w, exp[i]->data, exp[i]->len),
					 (int)exp[i]->len);
			continue;
		}
		for (end = test_now_ms() + 5000; pktio_tx_reserve(w, &pkt, 1) == 0; )
			assert_true(test_now_ms() < end); /* slots come back as the device is done */
		memcpy(pkt.data, exp[i]->data, exp[i]->len);
		pkt.len = exp[i]->len;
		assert_int_equal(pktio_tx_submit(w, &pkt, 1), 1);
	}
	pktio_port_close(w); /* waits for its slots: every frame went out */
	pcap_finish(&d, "out", &before, out, &got);
	assert_int_equal(got.n, n);
	for (i = 0; i < n; i++)
		if (got.p[i].len != exp[i]->len || memcmp(got.p[i].data, exp[i]->data, exp[i]->len))
			fail_msg("frame %u differs", i);
	print_message("%u frames sent through net_pcap, %s\n", n,
		      flags & PKTIO_F_COPY ? "copied" : "from the client's slots");
	cap_free(&got);
	free(exp);
}

static void
test_zerocopy_pcap_sent_in_place(void **state)
{
	(void)state;
	pcap_sent(0);
}

static void
test_zerocopy_pcap_sent_copied(void **state)
{
	(void)state;
	pcap_sent(PKTIO_F_COPY);
}

/* Frames @p r receives within @p ms (given back at once). */
static unsigned int
rx_for(struct pktio_port *r, unsigned int ms)
{
	struct pktio_pkt pkts[64];
	uint64_t end = test_now_ms() + ms;
	unsigned int got = 0;
	int n;

	while (test_now_ms() < end) {
		n = pktio_rx_burst(r, pkts, 64);
		assert_true(n >= 0);
		pktio_rx_release(r, pkts, n);
		got += n;
	}
	return got;
}

/* Take buffers without giving any back until the library has none left to take. */
static unsigned int
hoard(struct pktio_port *r)
{
	struct pktio_pkt pkts[64];
	uint64_t end = test_now_ms() + 5000;
	unsigned int held = 0;
	int n;

	while (held < RING && test_now_ms() < end) {
		n = pktio_rx_burst(r, pkts, 64);
		assert_true(n >= 0);
		held += n;
	}
	return held;
}

/* What queue 0's client was given, and what was dropped for want of room. */
static void
hoarder_counts(const struct test_pktiod *d, uint64_t *rx, uint64_t *no_slot)
{
	struct pktio_client_info ci[4];
	struct pktio_port_info pi;
	unsigned int np = 1, nc = 4, i;

	assert_int_equal(pktio_query(d->sock, &pi, &np, ci, &nc), 0);
	for (i = 0; i < nc; i++)
		if (ci[i].queue == 0) {
			*rx = ci[i].rx_packets;
			*no_slot = ci[i].rx_no_slot;
			return;
		}
	fail_msg("no client on queue 0");
}

/*
 * Queue 0's client hoards every buffer it may hold, then is SIGKILLed holding them: the
 * worker takes no more frames from queue 0 than it has room for (they stay in the device),
 * queue 1's client receives throughout, and once both are gone the pools are back where
 * they started.
 */
static void
test_zerocopy_stall_and_kill(void **state)
{
	struct pktio_port_info before, after;
	struct test_pktiod d;
	struct pktio_port *q1;
	unsigned int alone, stalled;
	uint64_t held, dropped;
	int ready[2];
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(test_pktiod_start(&d, "[port n]\ndevice = net_null0,size=64\n"
					   "rx_queues = 2\ntx_queues = 2\nring_size = 256\n"
					   "poll_idle = no\n"), 0);
	assert_int_equal(test_port_info(&d, "n", &before), 0);
	q1 = pktio_port_open("n", 1, PKTIO_F_NONBLOCK | PKTIO_F_BUSYPOLL, d.sock);
	assert_non_null(q1);
	alone = rx_for(q1, 200);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	if (pid == 0) {
		struct pktio_port *q0 = pktio_port_open("n", 0, PKTIO_F_NONBLOCK |
							PKTIO_F_BUSYPOLL, d.sock);

		if (q0 == NULL || hoard(q0) < RING)
			_exit(1);
		(void)!write(ready[1], "h", 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	stalled = rx_for(q1, 200);
	print_message("queue 1: %u frames in 200 ms alone, %u beside a stalled queue 0\n",
		      alone, stalled);
	assert_true(stalled > 0);
	/* the worker left queue 0's frames in the device: nothing taken that had no room */
	hoarder_counts(&d, &held, &dropped);
	assert_int_equal(held, RING);
	assert_int_equal(dropped, 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(test_wait_clients(&d, 1, 5000), 1);
	assert_true(rx_for(q1, 100) > 0);
	pktio_port_close(q1);
	assert_int_equal(test_wait_clients(&d, 0, 5000), 0);
	assert_int_equal(test_port_info(&d, "n", &after), 0);
	print_message("mbufs in use: %lu before, %lu after\n", (unsigned long)before.mbuf_in_use,
		      (unsigned long)after.mbuf_in_use);
	assert_int_equal(after.mbuf_in_use, before.mbuf_in_use);
	/* the worker counted what it took from the device, and what that cost it */
	assert_true(after.worker_rx_packets >= (uint64_t)alone + stalled + RING);
	assert_true(after.worker_rx_cycles > after.worker_rx_packets);
	print_message("worker: %.1f TSC cycles per received frame\n",
		      (double)after.worker_rx_cycles / after.worker_rx_packets);
	assert_int_equal(test_pktiod_stop(&d), 0);
	close(ready[0]);
	close(ready[1]);
}

/* Give back @p id on @p x's rx_free ring. */
static void
give_back(struct raw *x, uint32_t id)
{
	struct pktio_desc desc = { .slot = id };

	assert_int_equal(rte_ring_sp_enqueue_burst_elem(pktio_shm_ring(x->h, x->h->rx_free_off),
							&desc, sizeof(desc), 1, NULL), 1);
}

/* Take one frame's descriptor off @p x's rx ring (5 s at most). */
static struct pktio_desc
take_one(struct raw *x)
{
	struct pktio_desc desc;
	uint64_t end = test_now_ms() + 5000;

	while (rte_ring_sc_dequeue_burst_elem(pktio_shm_ring(x->h, x->h->rx_off), &desc,
					      sizeof(desc), 1, NULL) == 0)
		assert_true(test_now_ms() < end);
	return desc;
}

/*
 * The pool fd cannot be written through; a buffer given back twice, or one never given,
 * detaches the client with the reason.
 * On net_ring nothing arrives but what the test sends, so the client holds only that.
 */
static void
test_zerocopy_bad_ids(void **state)
{
	static const uint32_t forged[] = { 0, 1000, UINT32_MAX };
	struct pktio_port_info pi;
	struct pktio_port *w;
	struct test_pktiod d;
	struct pktio_desc desc;
	uint8_t frame[64];
	struct raw x;
	unsigned int i;

	(void)state;
	assert_int_equal(test_pktiod_start(&d, "[port lo]\ndevice = net_ring0\nzerocopy = yes\n"),
			 0);
	w = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	assert_non_null(w);
	assert_int_equal(raw_attach_to(d.sock, &x, "lo", PKTIO_QUEUE_ANY, 0, 0), 0);
	assert_int_equal(x.h->rx_zerocopy, 1);
	assert_true(x.pool >= 0);
	/* the pool fd is read-only: no writable mapping, no truncation, no hole punched */
	assert_true(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, x.pool, 0) == MAP_FAILED);
	assert_int_equal(ftruncate(x.pool, 0), -1);
	assert_int_equal(fallocate(x.pool, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), -1);
	test_frame(frame, sizeof(frame), 1, 1);
	assert_int_equal(pktio_write(w, frame, sizeof(frame)), sizeof(frame));
	desc = take_one(&x);
	assert_int_equal(desc.len, sizeof(frame));
	assert_memory_equal(x.rx_pool + x.h->rx_slot_off + (size_t)desc.slot *
			    x.h->rx_slot_size + PKTIO_SLOT_HEADROOM, frame, sizeof(frame));
	give_back(&x, desc.slot);
	give_back(&x, desc.slot);
	assert_int_equal(pktio_write(w, frame, sizeof(frame)), sizeof(frame)); /* reclaims */
	raw_expect_bye(&x);
	for (i = 0; i < RTE_DIM(forged); i++) {
		assert_int_equal(raw_attach_to(d.sock, &x, "lo", PKTIO_QUEUE_ANY, 0, 0), 0);
		give_back(&x, forged[i]);
		assert_int_equal(pktio_write(w, frame, sizeof(frame)), sizeof(frame));
		raw_expect_bye(&x);
	}
	assert_int_equal(test_port_info(&d, "lo", &pi), 0);
	assert_int_equal(pi.detach_violation, 1 + RTE_DIM(forged));
	pktio_port_close(w);
	assert_int_equal(test_pktiod_stop(&d), 0);
}

/*
 * A zero-copy mapping would outlive the attachment and keep showing the queue's frames,
 * whoever they are for next: a user other than root and pktiod's own gets copies.
 */
static void
test_zerocopy_other_user_copies(void **state)
{
	struct pktio_client_info ci[4];
	struct pktio_port_info pi;
	unsigned int np = 1, nc = 4, i, mode = 0;
	struct test_pktiod d;
	int ready[2], st;
	char c;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: attaching as another user needs root to setuid\n");
		skip();
	}
	/* nobody must reach the socket in the scratch directory (mkdtemp makes it 0700) */
	assert_int_equal(chmod(test_dir(), 0755), 0);
	assert_int_equal(test_pktiod_start(&d, "socket_mode = 0666\n[port n]\n"
					   "device = net_null0,size=64\nzerocopy = yes\n"
					   "allow_uid = 65534\n"), 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	if (pid == 0) {
		struct pktio_port *r;

		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(1);
		r = pktio_port_open("n", PKTIO_QUEUE_ANY, 0, d.sock);
		if (r == NULL)
			_exit(2);
		(void)!write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(pktio_query(d.sock, &pi, &np, ci, &nc), 0);
	for (i = 0; i < nc; i++)
		if (ci[i].uid == 65534)
			mode = ci[i].mode | 0x10000;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(mode & 0x10000);                 /* it attached */
	assert_int_equal(mode & PKTIO_F_ZEROCOPY, 0); /* through copies */
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(test_pktiod_stop(&d), 0);
}

/*
 * Forward (pktio_forward) from net_pcap rx to net_pcap tx: every frame of the captures
 * leaves byte-exact and in order, every other one with its MAC addresses swapped through
 * the header rewrite; without a copy where both handles allow it (the device sends the
 * buffer it received into), else through copies. Every buffer comes back to its pool.
 */
static void
forward_through(unsigned int flags)
{
	const struct pkt **exp = calloc(input.n, sizeof(*exp));
	unsigned int n = select_frames(exp, 0, MAX_FRAME), i, seen = 0, sent = 0;
	struct pktio_port_info before;
	struct capture got = { 0 };
	struct test_pktiod d;
	struct pktio_port *r, *w;
	struct pktio_pkt pkts[64];
	char ports[1024], out[256];
	uint64_t end = test_now_ms() + 20000;
	uint8_t hdr[12];
	int k, rc;

	assert_non_null(exp);
	snprintf(out, sizeof(out), "%s/forwarded.pcap", test_dir());
	snprintf(ports, sizeof(ports), "[port in]\ndevice = net_pcap0,rx_pcap=%s\n"
		 "max_frame = %d\nring_size = %d\npoll_idle = no\nzerocopy = yes\n"
		 "[port out]\ndevice = net_pcap1,tx_pcap=%s\nmax_frame = %d\nring_size = 64\n",
		 merged, MAX_FRAME, PCAP_RING, out, MAX_FRAME);
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	assert_int_equal(test_port_info(&d, "in", &before), 0);
	r = pktio_port_open("in", PKTIO_QUEUE_ANY, flags, d.sock);
	w = pktio_port_open("out", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	assert_non_null(r);
	assert_non_null(w);
	assert_int_equal(pktio_forward_zerocopy(w, r), !(flags & PKTIO_F_COPY));
	assert_false(pktio_forward_zerocopy(r, w)); /* w receives nothing */
	while (seen < n) {
		assert_true(test_now_ms() < end);
		k = pktio_rx_burst(r, pkts, RTE_MIN(64u, n - seen));
		assert_true(k >= 0);
		if (k == 0) {
			assert_true(pktio_wait(r, 1000) >= 0);
			continue;
		}
		for (i = 0; i < (unsigned int)k; i++, seen++) {
			bool swap = sent % 2 == 1 && pkts[i].len >= sizeof(hdr);

			assert_int_equal(pkts[i].len, exp[seen]->len);
			if (pkts[i].len == 0) { /* nothing to send: given back */
				assert_int_equal(pktio_forward(w, r, &pkts[i], 1, NULL, 0), -EINVAL);
				pktio_rx_release(r, &pkts[i], 1);
				continue;
			}
			exp[sent++] = exp[seen];
			if (swap) {
				memcpy(hdr, (const uint8_t *)pkts[i].data + 6, 6);
				memcpy(hdr + 6, pkts[i].data, 6);
			}
			/* one at a time: the output keeps the order; a full ring is retried */
			while ((rc = pktio_forward(w, r, &pkts[i], 1, swap ? hdr : NULL,
						   swap ? sizeof(hdr) : 0)) == 0)
				assert_true(test_now_ms() < end);
			assert_int_equal(rc, 1);
		}
	}
	pktio_port_close(w); /* waits for its frames to be taken */
	pktio_port_close(r);
	pcap_finish(&d, "in", &before, out, &got);
	assert_int_equal(got.n, sent);
	for (i = 0; i < sent; i++) {
		const uint8_t *e = exp[i]->data, *g = got.p[i].data;
		bool swap = i % 2 == 1 && exp[i]->len >= sizeof(hdr);

		if (got.p[i].len != exp[i]->len ||
		    (swap && (memcmp(g, e + 6, 6) != 0 || memcmp(g + 6, e, 6) != 0 ||
			      memcmp(g + 12, e + 12, exp[i]->len - 12) != 0)) ||
		    (!swap && memcmp(g, e, exp[i]->len) != 0))
			fail_msg("frame %u differs", i);
	}
	print_message("%u frames forwarded net_pcap -> net_pcap, %s\n", sent,
		      flags & PKTIO_F_COPY ? "copied" : "without a copy");
	cap_free(&got);
	free(exp);
}

static void
test_zerocopy_forward(void **state)
{
	(void)state;
	forward_through(0);
}

static void
test_zerocopy_forward_copied(void **state)
{
	(void)state;
	forward_through(PKTIO_F_COPY);
}

/*
 * Queue @p n forward descriptors of @p f on @p x's tx ring at once: with @p flags
 * PKTIO_DESC_FWD in tx slots 0 .. n-1, else (PKTIO_DESC_FWD_BUF...) inline.
 */
static void
forward_raw(struct raw *x, const struct pktio_fwd *f, uint16_t len, unsigned int n,
	    uint16_t flags)
{
	struct pktio_desc desc[8]; /* rte_ring copies 8 at a time */
	unsigned int i;

	for (i = 0; i < n; i++) {
		desc[i] = (struct pktio_desc){ .slot = f->buf, .len = len, .flags = flags };
		if (flags != PKTIO_DESC_FWD)
			continue;
		desc[i].slot = x->h->nb_rx_slots + i;
		memcpy((char *)x->h + x->h->tx_slot_off + (size_t)i * x->h->slot_size, f,
		       sizeof(*f));
	}
	assert_int_equal(rte_ring_sp_enqueue_burst_elem(pktio_shm_ring(x->h, x->h->tx_off),
							desc, sizeof(desc[0]), n, NULL), n);
}

/*
 * Forwards pktiod must refuse, each detaching the sender with the reason: a buffer the
 * client does not hold (forwarded already, through a tx slot or inline), a header longer
 * than the frame, a source that is another process's attachment, a stray flag bit; and
 * the flag on a port whose device does not send from client memory (net_ring). A forward
 * whose source attachment has gone is dropped, not refused. The library refuses the same
 * before they leave it: an id not held, a header too long.
 */
static void
test_zerocopy_forward_refused(void **state)
{
	struct pktio_port_info pi;
	struct pktio_port *w, *r;
	struct test_pktiod d;
	struct pktio_desc desc;
	struct pktio_pkt pkt;
	struct raw x, y;
	uint8_t frame[64];
	struct pktio_fwd f = { 0 };
	uint64_t end;
	uint32_t len;
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(test_pktiod_start(&d, "[port lo]\ndevice = net_ring0\nzerocopy = yes\n"
					   "[port n]\ndevice = net_null0\nzerocopy = yes\n"
					   "poll_idle = no\n"), 0);
	w = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	assert_non_null(w);
	test_frame(frame, sizeof(frame), 1, 1);

	/* the library: an id not held, a header above the limit or the frame */
	r = pktio_port_open("n", PKTIO_QUEUE_ANY, 0, d.sock);
	assert_non_null(r);
	assert_true(pktio_forward_zerocopy(r, r));
	assert_int_equal(pktio_wait(r, 5000), 1);
	assert_int_equal(pktio_rx_burst(r, &pkt, 1), 1);
	assert_int_equal(pktio_forward(r, r, &pkt, 1, frame, PKTIO_FORWARD_HDR_MAX + 1), -EINVAL);
	len = pkt.len;
	pkt.len = 8;
	assert_int_equal(pktio_forward(r, r, &pkt, 1, frame, 12), -EINVAL);
	pkt.len = len;
	pkt.id ^= 1;
	assert_int_equal(pktio_forward(r, r, &pkt, 1, NULL, 0), -EINVAL);
	pkt.id ^= 1;
	assert_int_equal(pktio_forward(r, r, &pkt, 1, NULL, 0), 1);
	pktio_port_close(r);
	assert_int_equal(test_wait_clients(&d, 1, 5000), 1);

	/* pktiod: net_ring's tx takes no forward (it holds frames past its burst) */
	assert_int_equal(raw_attach_to(d.sock, &x, "lo", PKTIO_QUEUE_ANY, 0, 0), 0);
	assert_int_equal(x.h->rx_zerocopy, 1);
	assert_int_equal(x.h->tx_forward, 0);
	assert_int_equal(pktio_write(w, frame, sizeof(frame)), sizeof(frame));
	desc = take_one(&x);
	f = (struct pktio_fwd){ .buf = desc.slot, .port = x.h->port };
	forward_raw(&x, &f, desc.len, 1, PKTIO_DESC_FWD);
	raw_expect_bye(&x);

	/* net_null sends from client memory: a long header, a buffer twice, another's */
	assert_int_equal(raw_attach_to(d.sock, &x, "n", PKTIO_QUEUE_ANY, 0, 0), 0);
	assert_int_equal(x.h->tx_forward, 1);
	desc = take_one(&x);
	f = (struct pktio_fwd){ .buf = desc.slot, .port = x.h->port, .hdr_len = 16 };
	forward_raw(&x, &f, 8, 1, PKTIO_DESC_FWD);
	raw_expect_bye(&x);
	assert_int_equal(raw_attach_to(d.sock, &x, "n", PKTIO_QUEUE_ANY, 0, 0), 0);
	desc = take_one(&x);
	f = (struct pktio_fwd){ .buf = desc.slot, .port = x.h->port };
	forward_raw(&x, &f, desc.len, 2, PKTIO_DESC_FWD); /* sent; then it is not held */
	raw_expect_bye(&x);
	/* the same inline (no tx slot: the buffer in the descriptor), and a stray flag bit */
	assert_int_equal(raw_attach_to(d.sock, &x, "n", PKTIO_QUEUE_ANY, 0, 0), 0);
	desc = take_one(&x);
	f = (struct pktio_fwd){ .buf = desc.slot };
	forward_raw(&x, &f, desc.len, 2, PKTIO_DESC_FWD_BUF | PKTIO_DESC_FWD_SRC(x.h->port, 0));
	raw_expect_bye(&x);
	assert_int_equal(raw_attach_to(d.sock, &x, "n", PKTIO_QUEUE_ANY, 0, 0), 0);
	desc = take_one(&x);
	f = (struct pktio_fwd){ .buf = desc.slot };
	forward_raw(&x, &f, desc.len, 1,
		    PKTIO_DESC_FWD_BUF | 0x8 | PKTIO_DESC_FWD_SRC(x.h->port, 0));
	raw_expect_bye(&x);
	assert_int_equal(raw_attach_to(d.sock, &x, "n", PKTIO_QUEUE_ANY, 0, 0), 0);
	desc = take_one(&x);
	pid = fork();
	if (pid == 0) {
		/* another process of the same user: it may send on n, not the parent's buffers */
		struct pktio_msg_bye bye;
		struct pollfd pfd = { .fd = -1, .events = POLLIN };

		if (raw_attach_to(d.sock, &y, "n", PKTIO_QUEUE_ANY, 0, PKTIO_MSG_F_TXONLY) != 0)
			_exit(2);
		f = (struct pktio_fwd){ .buf = desc.slot, .port = x.h->port };
		forward_raw(&y, &f, desc.len, 1, PKTIO_DESC_FWD);
		pfd.fd = y.sock;
		if (poll(&pfd, 1, 5000) != 1 || recv(y.sock, &bye, sizeof(bye), 0) != sizeof(bye) ||
		    bye.hdr.type != PKTIO_MSG_BYE)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	raw_close(&x);
	assert_int_equal(test_wait_clients(&d, 1, 5000), 1);

	/* a forward whose source is gone is dropped, not a violation: its buffers went back
	 * with it, and a client cannot know how far pktiod got */
	assert_int_equal(raw_attach_to(d.sock, &x, "n", PKTIO_QUEUE_ANY, 0, 0), 0);
	assert_int_equal(raw_attach_to(d.sock, &y, "n", PKTIO_QUEUE_ANY, 0, PKTIO_MSG_F_TXONLY), 0);
	desc = take_one(&x);
	f = (struct pktio_fwd){ .buf = desc.slot };
	raw_close(&x);
	assert_int_equal(test_wait_clients(&d, 2, 5000), 2);
	forward_raw(&y, &f, desc.len, 1, PKTIO_DESC_FWD_BUF | PKTIO_DESC_FWD_SRC(y.h->port, 0));
	for (end = test_now_ms() + 5000; __atomic_load_n(&y.h->tx_dropped, __ATOMIC_ACQUIRE) == 0; )
		assert_true(test_now_ms() < end);
	assert_int_equal(y.h->state, PKTIO_SHM_ALIVE);
	raw_close(&y);
	assert_int_equal(test_wait_clients(&d, 1, 5000), 1);
	assert_int_equal(test_port_info(&d, "lo", &pi), 0);
	assert_int_equal(pi.detach_violation, 1);
	assert_int_equal(test_port_info(&d, "n", &pi), 0);
	assert_int_equal(pi.detach_violation, 5);
	assert_int_equal(pi.mbuf_in_use, 0);
	pktio_port_close(w);
	assert_int_equal(test_pktiod_stop(&d), 0);
}

/*
 * Closing the handle a forward took its buffer from, right after the forward, loses
 * nothing: the close waits until pktiod has finished the forwards queued on other handles.
 * pktiod's worker is given time to fall into its longest idle sleep first (one frame, then
 * nothing to receive), so that, without that wait, it would find the source gone and drop.
 */
static void
test_zerocopy_forward_then_close(void **state)
{
	struct pktio_stats st;
	struct test_pktiod d;
	struct pktio_port *r, *w;
	struct pktio_pkt pkt;
	struct capture one = { 0 };
	char ports[512], in[256];
	uint8_t frame[64];

	(void)state;
	test_frame(frame, sizeof(frame), 1, 1);
	cap_add(&one, frame, sizeof(frame));
	snprintf(in, sizeof(in), "%s/one.pcap", test_dir());
	cap_write(&one, in);
	cap_free(&one);
	snprintf(ports, sizeof(ports), "idle_spins = 10\nidle_sleep_us = 100000\n"
		 "[port in]\ndevice = net_pcap0,rx_pcap=%s\npoll_idle = no\nzerocopy = yes\n"
		 "[port out]\ndevice = net_null1\npoll_idle = no\n", in);
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	r = pktio_port_open("in", PKTIO_QUEUE_ANY, 0, d.sock);
	w = pktio_port_open("out", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	assert_non_null(r);
	assert_non_null(w);
	assert_true(pktio_forward_zerocopy(w, r));
	assert_int_equal(pktio_wait(r, 5000), 1);
	assert_int_equal(pktio_rx_burst(r, &pkt, 1), 1);
	poll(NULL, 0, 300); /* not a synchronisation: the worker backs off to 100 ms naps */
	assert_int_equal(pktio_forward(w, r, &pkt, 1, NULL, 0), 1);
	assert_int_equal(pktio_port_close(r), 0);
	assert_int_equal(pktio_stats_get(w, &st), 0);
	print_message("forward after close of its source: sent %lu, dropped %lu\n",
		      (unsigned long)st.tx_sent, (unsigned long)st.tx_dropped);
	assert_int_equal(st.tx_sent, 1);
	assert_int_equal(st.tx_dropped, 0);
	pktio_port_close(w);
	assert_int_equal(test_pktiod_stop(&d), 0);
}

/*
 * Two ports on two workers: pktio_forward() between them goes through copies, and a
 * forward descriptor naming a queue of the other worker (whose held table this worker
 * must not touch) detaches its sender.
 */
static void
test_zerocopy_forward_other_worker(void **state)
{
	struct pktio_port_info pi;
	struct pktio_port *r, *w;
	struct test_pktiod d;
	struct pktio_desc desc;
	struct pktio_fwd f;
	struct pktio_pkt pkt;
	struct raw x, y;
	const char *lcores = test_lcores;
	int rc;

	(void)state;
	test_lcores = "--lcores 0@0,1@1,2@0"; /* the main lcore and worker 2 share a CPU */
	rc = test_pktiod_start(&d, "[port a]\ndevice = net_null0\nzerocopy = yes\n"
			       "poll_idle = no\nlcore = 1\n"
			       "[port b]\ndevice = net_null1\npoll_idle = no\nlcore = 2\n");
	test_lcores = lcores;
	assert_int_equal(rc, 0);
	r = pktio_port_open("a", PKTIO_QUEUE_ANY, 0, d.sock);
	w = pktio_port_open("b", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d.sock);
	assert_non_null(r);
	assert_non_null(w);
	assert_true(client_mode(&d, false) & PKTIO_F_ZEROCOPY);
	assert_false(pktio_forward_zerocopy(w, r)); /* lcores 1 and 2 */
	assert_true(pktio_forward_zerocopy(r, r));
	assert_int_equal(pktio_wait(r, 5000), 1);
	assert_int_equal(pktio_rx_burst(r, &pkt, 1), 1);
	assert_int_equal(pktio_forward(w, r, &pkt, 1, NULL, 0), 1); /* copied */
	pktio_port_close(w);
	pktio_port_close(r);
	assert_int_equal(test_wait_clients(&d, 0, 5000), 0);

	assert_int_equal(raw_attach_to(d.sock, &x, "a", PKTIO_QUEUE_ANY, 0, 0), 0);
	assert_int_equal(raw_attach_to(d.sock, &y, "b", PKTIO_QUEUE_ANY, 0, PKTIO_MSG_F_TXONLY),
			 0);
	assert_true(x.h->worker != y.h->worker);
	assert_int_equal(y.h->tx_forward, 1);
	desc = take_one(&x);
	f = (struct pktio_fwd){ .buf = desc.slot };
	forward_raw(&y, &f, desc.len, 1, PKTIO_DESC_FWD_BUF | PKTIO_DESC_FWD_SRC(x.h->port, 0));
	raw_expect_bye(&y);
	raw_close(&x);
	assert_int_equal(test_wait_clients(&d, 0, 5000), 0);
	assert_int_equal(test_port_info(&d, "b", &pi), 0);
	assert_int_equal(pi.detach_violation, 1);
	assert_int_equal(test_port_info(&d, "a", &pi), 0);
	assert_int_equal(pi.mbuf_in_use, 0);
	assert_int_equal(test_pktiod_stop(&d), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zerocopy_pcap_in_place),
		cmocka_unit_test(test_zerocopy_pcap_copied),
		cmocka_unit_test(test_zerocopy_net_ring),
		cmocka_unit_test(test_zerocopy_pcap_sent_in_place),
		cmocka_unit_test(test_zerocopy_pcap_sent_copied),
		cmocka_unit_test(test_zerocopy_stall_and_kill),
		cmocka_unit_test(test_zerocopy_bad_ids),
		cmocka_unit_test(test_zerocopy_other_user_copies),
		cmocka_unit_test(test_zerocopy_forward),
		cmocka_unit_test(test_zerocopy_forward_copied),
		cmocka_unit_test(test_zerocopy_forward_refused),
		cmocka_unit_test(test_zerocopy_forward_then_close),
		cmocka_unit_test(test_zerocopy_forward_other_worker),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
