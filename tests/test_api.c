/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The public API's contract, run through each driver: `test_api shm` on a pktiod port
 * (net_ring0, which loops what a TXONLY writer sends back to the reader), `test_api
 * afpacket` on a veth pair made for the test (a writer on one end, readers on the other),
 * which adds the cases only the kernel driver has; `test_api afpacket-immediate` runs all of
 * those again on the TPACKET_V2 ring of PKTIO_F_IMMEDIATE, and checks that a lone frame is
 * readable at once. The same checks, so the drivers cannot
 * drift apart: readiness (poll, epoll, select; level-triggered), EAGAIN, a blocking read
 * that sleeps without CPU and wakes on arrival, busy-poll then sleep, the readv/writev
 * layout, truncation, and writev's validation.
 *
 * The frames are raw Ethernet (locally administered MACs, 198.18.0.0/15) and never leave
 * the loop or the pair; on the veth pair IPv6 is off and neither end has an address, so
 * the kernel sends nothing of its own, and frames without this process's marker are
 * ignored anyway. afpacket needs root (CAP_NET_ADMIN, CAP_NET_RAW): skipped otherwise.
 *
 * Arrival is waited for with poll() bounded by a timeout, never by sleeping. TPACKET_V3
 * hands frames over a block at a time (within ~1 ms), so a burst may become readable in
 * two parts: the checks allow for that, and no more.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define FRAME   128u
#define MARK_AT 46u     /* after test_frame()'s seq */
#define WAIT_MS 5000    /* upper bound for an arrival */
#define QUIET_MS 50     /* a frame that was coming would have been seen by then */

static char ifa[16], ifb[16], ifc[16], ifd[16];
static char wname[32], rname[32];
static const char *sock;          /* shm: the pktiod's socket; afpacket: NULL */
static bool exact_doorbell;       /* shm: one wake-up per doorbell, never a spurious one */
static unsigned int extra_flags;  /* or'ed into every open: PKTIO_F_IMMEDIATE */
static struct test_pktiod d;
static uint32_t marker;

static int
sh(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void
ipv6_off(const char *ifname)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	f = fopen(path, "w");
	if (f != NULL) {
		fputs("1", f);
		fclose(f);
	}
}

/* A veth pair, up, silent. @return 0, or -1 with nothing left behind. */
static int
veth_make(const char *a, const char *b)
{
	if (sh("ip link add %s type veth peer name %s 2>/dev/null", a, b) != 0)
		return -1;
	ipv6_off(a); /* before up: no router solicitation, no DAD */
	ipv6_off(b);
	if (sh("ip link set %s up && ip link set %s up", a, b) != 0) {
		sh("ip link del %s 2>/dev/null", a);
		return -1;
	}
	return 0;
}

static void
veth_cleanup(void)
{
	sh("ip link del %s 2>/dev/null", ifa);
	sh("ip link del %s 2>/dev/null", ifc);
}

static int
setup_afpacket(void **state)
{
	int id = getpid() % 10000;

	(void)state;
	snprintf(ifa, sizeof(ifa), "pkv%da", id);
	snprintf(ifb, sizeof(ifb), "pkv%db", id);
	snprintf(ifc, sizeof(ifc), "pkv%dc", id);
	snprintf(ifd, sizeof(ifd), "pkv%dd", id);
	snprintf(wname, sizeof(wname), "afpacket:%s", ifa);
	snprintf(rname, sizeof(rname), "afpacket:%s", ifb);
	atexit(veth_cleanup);
	return veth_make(ifa, ifb);
}

static int
teardown_afpacket(void **state)
{
	(void)state;
	veth_cleanup();
	return 0;
}

static int
setup_shm(void **state)
{
	(void)state;
	snprintf(wname, sizeof(wname), "lo");
	snprintf(rname, sizeof(rname), "lo");
	sock = d.sock;
	exact_doorbell = true;
	return test_pktiod_start(&d, "[port lo]\ndevice = net_ring0\n");
}

static int
teardown_shm(void **state)
{
	(void)state;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

static struct pktio_port *
open_port(const char *name, unsigned int flags)
{
	struct pktio_port *p = pktio_port_open(name, PKTIO_QUEUE_ANY, flags | extra_flags, sock);

	if (p == NULL)
		print_error("open %s: %s\n", name, strerror(errno));
	assert_non_null(p);
	return p;
}

/* test_frame() with our marker: frames without it are the kernel's, not ours. */
static void
frame(void *buf, unsigned int len, uint16_t sport, uint32_t seq)
{
	uint32_t m = htonl(marker);

	test_frame(buf, len, sport, seq);
	memcpy((uint8_t *)buf + MARK_AT, &m, sizeof(m));
}

static bool
ours(const void *buf, size_t len)
{
	uint32_t m;

	if (len < MARK_AT + sizeof(m))
		return false;
	memcpy(&m, (const uint8_t *)buf + MARK_AT, sizeof(m));
	return m == htonl(marker);
}

static void
send_frames(struct pktio_port *w, unsigned int n, unsigned int len, uint32_t seq0)
{
	uint8_t buf[2048];
	unsigned int i;

	for (i = 0; i < n; i++) {
		frame(buf, len, 1000, seq0 + i);
		assert_int_equal(pktio_write(w, buf, len), len);
	}
}

static short
poll_fd(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1 ? pfd.revents : 0;
}

/* Read one of our frames, waiting for it (bounded). @return its length, or -errno. */
static ssize_t
read_ours(struct pktio_port *r, void *buf, size_t len, struct pktio_meta *meta)
{
	ssize_t rc;

	for (;;) {
		rc = pktio_read(r, buf, len, meta);
		if (rc == -EAGAIN && poll_fd(pktio_port_fd(r), WAIT_MS) & POLLIN)
			continue;
		if (rc < 0 || ours(buf, (size_t)rc))
			return rc;
	}
}

static void
test_afpacket_open_errors(void **state)
{
	struct pktio_port *p;

	(void)state;
	assert_null(pktio_port_open("afpacket:pkv-none0", PKTIO_QUEUE_ANY, 0, NULL));
	assert_int_equal(errno, ENOENT);
	assert_null(pktio_port_open(rname, 1, 0, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(pktio_port_open("afpacket:a-name-longer-than-ifnamsiz", 0, 0, NULL));
	assert_int_equal(errno, ENAMETOOLONG);
	p = pktio_port_open(rname, 0, PKTIO_F_NONBLOCK, NULL);
	assert_non_null(p);
	assert_true(pktio_port_fd(p) >= 0);
	assert_int_equal(pktio_port_ctl_fd(p), -1);
	assert_int_equal(pktio_port_max_frame(p), 1500 + 14 + 4);
	assert_int_equal(pktio_port_close(p), 0);
}

static void
test_api_nonblock_eagain(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK);
	struct pktio_pkt pkt;
	struct iovec iov[4];
	uint8_t buf[4][256];
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		iov[i] = (struct iovec){ .iov_base = buf[i], .iov_len = sizeof(buf[i]) };
	assert_int_equal(pktio_read(r, buf[0], sizeof(buf[0]), NULL), -EAGAIN);
	assert_int_equal(pktio_readv(r, iov, 4), -EAGAIN);
	assert_int_equal(pktio_rx_burst(r, &pkt, 1), 0);
	assert_int_equal(pktio_wait(r, 0), 0);
	assert_int_equal(pktio_port_close(r), 0);
}

static void
test_api_poll_level_triggered(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, PKTIO_F_TXONLY);
	uint8_t buf[256];
	int fd = pktio_port_fd(r), i;

	(void)state;
	assert_int_equal(poll_fd(fd, 0), 0);
	send_frames(w, 3, FRAME, 0);
	assert_true(poll_fd(fd, WAIT_MS) & POLLIN);
	assert_int_equal(read_ours(r, buf, sizeof(buf), NULL), FRAME);
	/* partially drained: readable, at once or when the rest of the burst is handed over */
	assert_true(poll_fd(fd, WAIT_MS) & POLLIN);
	for (i = 0; i < 2; i++)
		assert_int_equal(read_ours(r, buf, sizeof(buf), NULL), FRAME);
	/* drained: not readable, and a read says so */
	assert_int_equal(poll_fd(fd, 0), 0);
	assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(poll_fd(fd, QUIET_MS), 0);
	/* and readable again on the next arrival */
	send_frames(w, 1, FRAME, 3);
	assert_true(poll_fd(fd, WAIT_MS) & POLLIN);
	assert_int_equal(read_ours(r, buf, sizeof(buf), NULL), FRAME);
	assert_int_equal(test_frame_seq(buf, NULL), 3);
	assert_int_equal(poll_fd(fd, 0), 0);
	pktio_port_close(w);
	pktio_port_close(r);
}

static void
test_api_epoll_and_select(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, PKTIO_F_TXONLY);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct timeval tv = { 0 };
	uint8_t buf[256];
	fd_set set;
	int ep = epoll_create1(0), fd = pktio_port_fd(r);

	(void)state;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	assert_int_equal(epoll_wait(ep, &out, 1, 0), 0);
	send_frames(w, 2, FRAME, 0);
	assert_int_equal(epoll_wait(ep, &out, 1, WAIT_MS), 1);
	FD_ZERO(&set);
	FD_SET(fd, &set);
	assert_int_equal(select(fd + 1, &set, NULL, NULL, &tv), 1);
	assert_int_equal(read_ours(r, buf, sizeof(buf), NULL), FRAME);
	assert_int_equal(epoll_wait(ep, &out, 1, WAIT_MS), 1); /* level-triggered: one left */
	assert_int_equal(read_ours(r, buf, sizeof(buf), NULL), FRAME);
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
	do
		rd->got = pktio_read(rd->p, buf, sizeof(buf), NULL);
	while (rd->got > 0 && !ours(buf, (size_t)rd->got));
	rd->cpu_ms = test_thread_cpu_ms() - t0;
	if (rd->got > 0)
		rd->seq = test_frame_seq(buf, NULL);
	return NULL;
}

static void
wait_asleep(struct reader *rd)
{
	/* a state, not a time */
	while (__atomic_load_n(&rd->tid, __ATOMIC_ACQUIRE) == 0 || !test_thread_sleeping(rd->tid))
		sched_yield();
}

static void
test_api_blocking_read_wakes_idle(void **state)
{
	struct pktio_port *w = open_port(wname, PKTIO_F_TXONLY);
	struct reader rd = { .p = open_port(rname, 0) };
	struct pktio_stats st;
	pthread_t th;
	uint8_t buf[FRAME];

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, blocking_reader, &rd), 0);
	wait_asleep(&rd);
	poll(NULL, 0, 300); /* idle for 300 ms: the measurement, not synchronisation */
	assert_true(test_thread_sleeping(rd.tid));
	frame(buf, sizeof(buf), 7, 4242);
	assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(rd.got, FRAME);
	assert_int_equal(rd.seq, 4242);
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
test_api_busy_poll_then_sleep(void **state)
{
	struct pktio_port *w = open_port(wname, PKTIO_F_TXONLY);
	struct reader rd = { .p = open_port(rname, 0) };
	struct pktio_stats st;
	uint64_t t0;
	pthread_t th;
	uint8_t buf[FRAME];

	(void)state;
	assert_int_equal(pktio_port_set_busy_poll(NULL, 10), -EINVAL);
	assert_int_equal(pktio_port_set_busy_poll(rd.p, PKTIO_BUSY_POLL_MAX_US + 1), -EINVAL);

	/* A long busy-poll: the reader spins (uses CPU, does not sleep) and takes the frame
	 * from the ring, not after a wake-up. */
	assert_int_equal(pktio_port_set_busy_poll(rd.p, PKTIO_BUSY_POLL_MAX_US), 0);
	assert_int_equal(pthread_create(&th, NULL, blocking_reader, &rd), 0);
	t0 = test_now_ms();
	do {
		sched_yield();
		/* then the poll would be over (whole ms: seconds alone would cut the window
		 * short whenever t0 fell late in one) */
		assert_true(test_now_ms() - t0 < 1000);
	} while (thread_cpu_ms(th) < 10.0);
	assert_false(test_thread_sleeping(rd.tid));
	frame(buf, sizeof(buf), 7, 1);
	assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(rd.got, FRAME);
	assert_int_equal(rd.seq, 1);
	assert_int_equal(pktio_stats_get(rd.p, &st), 0);
	assert_int_equal(st.wakeups, 0);

	/* A short one: the poll ends, the reader sleeps, and the arrival wakes it. */
	assert_int_equal(pktio_port_set_busy_poll(rd.p, 1000), 0);
	rd.tid = 0;
	assert_int_equal(pthread_create(&th, NULL, blocking_reader, &rd), 0);
	wait_asleep(&rd);
	frame(buf, sizeof(buf), 7, 2);
	assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(rd.seq, 2);
	assert_int_equal(pktio_stats_get(rd.p, &st), 0);
	if (exact_doorbell)
		assert_int_equal(st.wakeups, 1); /* no spurious wake-up from the first frame's ring */
	else
		assert_true(st.wakeups >= 1);
	pktio_port_close(rd.p);
	pktio_port_close(w);
}

/* readv until @p n of our frames are in @p iov, in order (strays dropped): hpio layout. */
static void
readv_ours(struct pktio_port *r, const struct iovec *iov, int n)
{
	int got = 0, rc, j;

	while (got < n) {
		rc = pktio_readv(r, iov + got, n - got);
		if (rc == -EAGAIN) {
			assert_true(poll_fd(pktio_port_fd(r), WAIT_MS) & POLLIN);
			continue;
		}
		assert_true(rc > 0);
		for (j = got, rc += got; j < rc; j++) {
			const uint8_t *f = (const uint8_t *)iov[j].iov_base +
					   sizeof(struct pktio_hdr);

			if (!ours(f, iov[j].iov_len - sizeof(struct pktio_hdr)))
				continue;
			if (j != got) /* close the gap a stray left */
				memcpy(iov[got].iov_base, iov[j].iov_base,
				       iov[got].iov_len < iov[j].iov_len ? iov[got].iov_len :
									   iov[j].iov_len);
			got++;
		}
	}
}

static void
test_api_readv_writev_layout(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, PKTIO_F_TXONLY);
	static uint8_t out[8][sizeof(struct pktio_hdr) + 1600];
	static uint8_t in[8][sizeof(struct pktio_hdr) + 1600];
	static const uint16_t lens[8] = { 60, 64, 100, 128, 512, 1000, 1200, 1514 };
	struct iovec oiov[8], iiov[8];
	struct timespec now;
	uint64_t t0;
	int i;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &now);
	t0 = (uint64_t)now.tv_sec * 1000000000u + now.tv_nsec;
	for (i = 0; i < 8; i++) {
		pktio_hdr_set((void *)out[i], lens[i], 0);
		frame(out[i] + sizeof(struct pktio_hdr), lens[i], 2000, i);
		oiov[i] = (struct iovec){ out[i], sizeof(struct pktio_hdr) + lens[i] };
		iiov[i] = (struct iovec){ in[i], sizeof(in[i]) };
	}
	assert_int_equal(pktio_writev(w, oiov, 8), 8);
	readv_ours(r, iiov, 8);
	for (i = 0; i < 8; i++) {
		const struct pktio_hdr *h = (const void *)in[i];

		assert_int_equal(h->version, PKTIO_HDR_VERSION);
		assert_int_equal(h->hdrlen, sizeof(*h));
		assert_int_equal(h->pktlen, lens[i]);
		assert_true(h->tstamp >= t0 - 1000000000u && h->tstamp < t0 + 10000000000u);
		assert_memory_equal(in[i] + sizeof(*h), out[i] + sizeof(*h), lens[i]);
	}
	pktio_port_close(w);
	pktio_port_close(r);
}

static void
test_api_readv_truncates(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, PKTIO_F_TXONLY);
	uint8_t small[sizeof(struct pktio_hdr) + 60], big[sizeof(struct pktio_hdr) + 256];
	struct iovec iov[2] = {
		{ .iov_base = small, .iov_len = sizeof(small) },
		{ .iov_base = big, .iov_len = sizeof(big) },
	};
	const struct pktio_hdr *h = (const void *)small;
	struct pktio_stats st;
	uint8_t ref[FRAME];

	(void)state;
	send_frames(w, 2, FRAME, 0);
	readv_ours(r, iov, 1);
	assert_int_equal(h->version, PKTIO_HDR_VERSION);
	assert_int_equal(h->pktlen, FRAME);       /* the real length */
	assert_true(h->tstamp > 0);
	frame(ref, sizeof(ref), 1000, 0);
	assert_memory_equal(small + sizeof(*h), ref, 60);
	assert_int_equal(pktio_stats_get(r, &st), 0);
	assert_true(st.rx_truncated >= 1);
	readv_ours(r, iov + 1, 1);
	h = (const void *)big;
	assert_int_equal(h->pktlen, FRAME);
	frame(ref, sizeof(ref), 1000, 1);
	assert_memory_equal(big + sizeof(*h), ref, FRAME);
	pktio_port_close(w);
	pktio_port_close(r);
}

static void
test_api_writev_validates(void **state)
{
	struct pktio_port *w = open_port(wname, PKTIO_F_TXONLY);
	uint8_t buf[sizeof(struct pktio_hdr) + 64];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct pktio_hdr *h = (void *)buf;

	(void)state;
	pktio_hdr_set(h, 64, 0);
	frame(h + 1, 64, 1, 0);
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

/* readv/writev take a count as readv(2) does: <= 0 is EINVAL, on any handle. */
static void
test_api_iovcnt_bounded(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, PKTIO_F_TXONLY);
	uint8_t buf[2][sizeof(struct pktio_hdr) + FRAME];
	struct iovec iov[2] = {
		{ .iov_base = buf[0], .iov_len = sizeof(buf[0]) },
		{ .iov_base = buf[1], .iov_len = sizeof(buf[1]) },
	};
	struct pktio_stats st;

	(void)state;
	pktio_hdr_set((void *)buf[0], FRAME, 0);
	frame(buf[0] + sizeof(struct pktio_hdr), FRAME, 1, 0);
	assert_int_equal(pktio_readv(r, iov, -1), -EINVAL);
	assert_int_equal(pktio_readv(r, iov, 0), -EINVAL);
	assert_int_equal(pktio_readv(r, iov, -0x7fffffff - 1), -EINVAL);
	assert_int_equal(pktio_writev(w, iov, 0), -EINVAL);
	assert_int_equal(pktio_writev(w, iov, -1), -EINVAL);
	assert_int_equal(pktio_stats_get(w, &st), 0);
	assert_int_equal(st.tx_packets, 0);
	pktio_port_close(r);
	/* a blocking handle (the queue's exclusive reader now): 0 would sleep for a packet it
	 * has no room for */
	r = open_port(rname, 0);
	assert_int_equal(pktio_readv(r, iov, 0), -EINVAL);
	assert_int_equal(pktio_readv(r, iov, -1), -EINVAL);
	pktio_port_close(r);
	pktio_port_close(w);
}

/* Ids the caller does not hold are refused by tx_submit, with nothing sent. */
static void
test_api_tx_submit_stale_ids(void **state)
{
	struct pktio_port *w = open_port(wname, PKTIO_F_TXONLY);
	static struct pktio_pkt all[8192];
	struct pktio_pkt a, pk[2], forged;
	struct pktio_stats st;
	int i, n;

	(void)state;
	assert_int_equal(pktio_tx_reserve(w, pk, 2), 2);
	a = pk[0];
	/* given back unsent: a is the library's again */
	assert_int_equal(pktio_tx_submit(w, &a, 1), 0);
	assert_int_equal(pktio_tx_submit(w, &a, 1), -EINVAL);  /* given back twice */
	frame(a.data, FRAME, 1, 0);
	a.len = FRAME;
	assert_int_equal(pktio_tx_submit(w, &a, 1), -EINVAL);  /* stale */
	/* one id twice in a batch: refused as a whole, and still the caller's */
	pk[0] = pk[1];
	assert_int_equal(pktio_tx_submit(w, pk, 2), -EINVAL);
	/* forged ids, next to a good one that must not be sent either */
	forged = pk[1];
	forged.id = UINT32_MAX;
	frame(pk[1].data, FRAME, 1, 1);
	pk[1].len = FRAME;
	pk[0] = forged;
	assert_int_equal(pktio_tx_submit(w, &pk[0], 2), -EINVAL);
	forged.id = pk[1].id + 100000;
	assert_int_equal(pktio_tx_submit(w, &forged, 1), -EINVAL);
	assert_int_equal(pktio_stats_get(w, &st), 0);
	assert_int_equal(st.tx_packets, 0);
	/* the refused batches left pk[1] reserved: it goes */
	assert_int_equal(pktio_tx_submit(w, &pk[1], 1), 1);
	assert_int_equal(pktio_tx_submit(w, &pk[1], 1), -EINVAL); /* submitted already */
	assert_int_equal(pktio_stats_get(w, &st), 0);
	assert_int_equal(st.tx_packets, 1);
	/* the free stack is intact: every buffer reserved at once is a different one */
	n = pktio_tx_reserve(w, all, 8192);
	assert_true(n > 1);
	for (i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			assert_int_not_equal(all[i].id, all[j].id);
	assert_int_equal(pktio_tx_submit(w, all, n), 0);
	pktio_port_close(w);
}

/* Take one of our frames, zero-copy (strays are released). */
static struct pktio_pkt
take_ours(struct pktio_port *r)
{
	struct pktio_pkt pkt;

	for (;;) {
		int n = pktio_rx_burst(r, &pkt, 1);

		assert_true(n >= 0);
		if (n == 0) {
			assert_int_equal(pktio_wait(r, WAIT_MS), 1);
			continue;
		}
		if (ours(pkt.data, pkt.len))
			return pkt;
		pktio_rx_release(r, &pkt, 1);
	}
}

/* Ids the caller does not hold are ignored by rx_release: released twice, forged, or
 * naming buffers that hold frames not read yet. Every frame still arrives, once. */
static void
test_api_rx_release_stale_ids(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, PKTIO_F_TXONLY);
	struct pktio_pkt p, bad[4];
	uint8_t buf[256];
	int i;

	(void)state;
	send_frames(w, 1, FRAME, 0);
	p = take_ours(r);
	/* the next two frames land in the buffers after p's (the order of a frame ring) */
	send_frames(w, 2, FRAME, 1);
	assert_true(poll_fd(pktio_port_fd(r), WAIT_MS) & POLLIN);
	for (i = 0; i < 4; i++)
		bad[i] = p;
	bad[0].id = p.id + 1;
	bad[1].id = p.id + 2;
	bad[2].id = UINT32_MAX;
	bad[3].id = p.id ^ 0x8000u;
	pktio_rx_release(r, bad, 4);
	assert_int_equal(test_frame_seq(p.data, NULL), 0); /* still ours to read */
	pktio_rx_release(r, &p, 1);
	pktio_rx_release(r, &p, 1);
	for (i = 1; i <= 2; i++) {
		assert_int_equal(read_ours(r, buf, sizeof(buf), NULL), FRAME);
		assert_int_equal(test_frame_seq(buf, NULL), i);
	}
	assert_int_equal(pktio_read(r, buf, sizeof(buf), NULL), -EAGAIN);
	/* and the handle goes on */
	send_frames(w, 1, FRAME, 3);
	assert_int_equal(read_ours(r, buf, sizeof(buf), NULL), FRAME);
	assert_int_equal(test_frame_seq(buf, NULL), 3);
	assert_int_equal(pktio_port_close(w), 0);
	assert_int_equal(pktio_port_close(r), 0);
}

/* Zero-copy both ways, more bytes than the ring holds, released in reverse order. */
static void
test_afpacket_zero_copy_blocks_recycle(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, 0);
	enum { ROUND = 200, ROUNDS = 100, LEN = 1000 };   /* 20 MB through a 16 MiB ring */
	struct pktio_pkt tx[ROUND], rx[ROUND];
	uint32_t seq = 0, expect = 0;
	struct pktio_stats st;
	int i, k, n, got, round;

	(void)state;
	for (round = 0; round < ROUNDS; round++) {
		for (k = 0; k < ROUND; k += n) {
			n = pktio_tx_reserve(w, tx, ROUND - k);
			assert_true(n > 0);
			for (i = 0; i < n; i++) {
				frame(tx[i].data, LEN, 3000, seq++);
				tx[i].len = LEN;
			}
			assert_int_equal(pktio_tx_submit(w, tx, n), n);
		}
		for (got = 0; got < ROUND; ) {
			n = pktio_rx_burst(r, rx, ROUND - got);
			assert_true(n >= 0);
			if (n == 0) {
				assert_int_equal(pktio_wait(r, WAIT_MS), 1);
				continue;
			}
			for (i = 0; i < n; i++) {
				if (!ours(rx[i].data, rx[i].len))
					continue;
				assert_int_equal(rx[i].len, LEN);
				assert_int_equal(test_frame_seq(rx[i].data, NULL), expect);
				expect++;
				got++;
			}
			for (i = n - 1; i >= 0; i--)
				pktio_rx_release(r, &rx[i], 1);
		}
	}
	assert_int_equal(expect, ROUND * ROUNDS);
	assert_int_equal(pktio_stats_get(r, &st), 0);
	assert_int_equal(st.rx_no_slot, 0);
	assert_true(st.rx_packets >= ROUND * ROUNDS);
	assert_int_equal(pktio_stats_get(w, &st), 0);
	assert_int_equal(st.tx_packets, ROUND * ROUNDS);
	assert_int_equal(st.tx_sent, ROUND * ROUNDS);
	assert_int_equal(st.tx_dropped, 0);
	pktio_port_close(w);
	pktio_port_close(r);
}

/* Frames held across bursts are released in any order; the fd tracks what is left. */
static void
test_afpacket_hold_and_release_any_order(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, 0);
	struct pktio_pkt held[32], pkt;
	int n = 0;

	(void)state;
	send_frames(w, 32, FRAME, 0);
	while (n < 32) {
		if (pktio_rx_burst(r, &pkt, 1) == 0) {
			assert_int_equal(pktio_wait(r, WAIT_MS), 1);
			continue;
		}
		if (ours(pkt.data, pkt.len))
			held[n++] = pkt;
		else
			pktio_rx_release(r, &pkt, 1);
	}
	/* all handed out, none released: the data stays put */
	for (n = 0; n < 32; n++)
		assert_int_equal(test_frame_seq(held[n].data, NULL), n);
	for (n = 0; n < 32; n += 2)
		pktio_rx_release(r, &held[n], 1);
	for (n = 31; n > 0; n -= 2)
		pktio_rx_release(r, &held[n], 1);
	assert_int_equal(poll_fd(pktio_port_fd(r), 0), 0);
	/* the blocks went back: more frames flow */
	send_frames(w, 1, FRAME, 99);
	assert_int_equal(pktio_wait(r, WAIT_MS), 1);
	assert_int_equal(pktio_rx_burst(r, &pkt, 1), 1);
	assert_int_equal(test_frame_seq(pkt.data, NULL), 99);
	pktio_rx_release(r, &pkt, 1);
	pktio_port_close(w);
	pktio_port_close(r);
}

/* A forged id naming a held packet's block (or the frame after it) does not give the block
 * back under it: the fd keeps reporting the held packet's block as the user's. */
static void
test_afpacket_forged_release_keeps_block(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, 0);
	struct pktio_pkt p, forged;
	int fd = pktio_port_fd(r);

	(void)state;
	send_frames(w, 1, FRAME, 0);
	p = take_ours(r);
	assert_true(poll_fd(fd, 0) & POLLIN); /* a held packet keeps its block user-owned */
	forged = p;
	forged.id = p.id + 1;
	pktio_rx_release(r, &forged, 1);
	forged.id = p.id + 2;
	pktio_rx_release(r, &forged, 1);
	assert_true(poll_fd(fd, 0) & POLLIN);
	assert_int_equal(test_frame_seq(p.data, NULL), 0);
	pktio_rx_release(r, &p, 1);
	assert_int_equal(poll_fd(fd, 0), 0);
	pktio_port_close(w);
	pktio_port_close(r);
}

/* The kernel strips the outer VLAN tag on receive; the driver puts it back. */
static void
test_afpacket_vlan_tag_kept(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, 0);
	static const uint16_t tpids[2] = { 0x8100, 0x88a8 };
	uint8_t f[FRAME + 8], in[FRAME + 8];
	uint32_t m = htonl(marker);
	struct pktio_meta meta;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		uint8_t *p = f;

		frame(f + 4, FRAME, 5000, i); /* untagged frame, 4 bytes in */
		memmove(p, p + 4, 12);        /* MACs to the front ... */
		p[12] = tpids[i] >> 8;        /* ... and a tag after them */
		p[13] = tpids[i] & 0xff;
		p[14] = 0x2 << 5 | 0x1;       /* PCP 2, VID 0x123 */
		p[15] = 0x23;
		/* ours() looks at MARK_AT: put the marker there in the tagged frame too */
		memcpy(f + MARK_AT, &m, sizeof(m));
		assert_int_equal(pktio_write(w, f, FRAME + 4), FRAME + 4);
		assert_int_equal(read_ours(r, in, sizeof(in), &meta), FRAME + 4);
		assert_int_equal(meta.len, FRAME + 4);
		assert_memory_equal(in, f, FRAME + 4);
	}
	pktio_port_close(w);
	pktio_port_close(r);
}

static void
test_afpacket_own_sends_not_received(void **state)
{
	struct pktio_port *w = open_port(wname, PKTIO_F_NONBLOCK);
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK);
	uint8_t buf[256];

	(void)state;
	send_frames(w, 4, FRAME, 0);
	send_frames(r, 1, FRAME, 100); /* and back: proves w's ring works */
	assert_int_equal(read_ours(w, buf, sizeof(buf), NULL), FRAME);
	assert_int_equal(test_frame_seq(buf, NULL), 100);
	assert_int_equal(poll_fd(pktio_port_fd(w), QUIET_MS), 0);
	assert_int_equal(pktio_read(w, buf, sizeof(buf), NULL), -EAGAIN);
	pktio_port_close(w);
	pktio_port_close(r);
}

static void
test_afpacket_txonly_receives_nothing(void **state)
{
	struct pktio_port *t = open_port(rname, PKTIO_F_TXONLY | PKTIO_F_NONBLOCK);
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK), *w = open_port(wname, 0);
	uint8_t buf[256];

	(void)state;
	send_frames(w, 2, FRAME, 0);
	assert_int_equal(read_ours(r, buf, sizeof(buf), NULL), FRAME); /* they did arrive */
	assert_int_equal(poll_fd(pktio_port_fd(t), QUIET_MS), 0);
	assert_int_equal(pktio_read(t, buf, sizeof(buf), NULL), -EAGAIN);
	pktio_port_close(w);
	pktio_port_close(r);
	pktio_port_close(t);
}

static void
test_afpacket_mirror_both_receive(void **state)
{
	struct pktio_port *m[2] = { open_port(rname, PKTIO_F_MIRROR | PKTIO_F_NONBLOCK),
				    open_port(rname, PKTIO_F_MIRROR | PKTIO_F_NONBLOCK) };
	struct pktio_port *w = open_port(wname, 0);
	uint8_t buf[256];
	int i, j;

	(void)state;
	send_frames(w, 8, FRAME, 0);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 8; j++) {
			assert_int_equal(read_ours(m[i], buf, sizeof(buf), NULL), FRAME);
			assert_int_equal(test_frame_seq(buf, NULL), j);
		}
	pktio_port_close(w);
	pktio_port_close(m[0]);
	pktio_port_close(m[1]);
}

/* Read our frames from both members until @p n arrived; note which flow went where. */
static void
fanout_collect(struct pktio_port *f[2], unsigned int n, int owner[16], unsigned int count[2])
{
	uint8_t buf[256];
	unsigned int got = 0;
	uint16_t sport;
	ssize_t rc;
	int i;

	while (got < n) {
		struct pollfd pfd[2] = { { .fd = pktio_port_fd(f[0]), .events = POLLIN },
					 { .fd = pktio_port_fd(f[1]), .events = POLLIN } };

		assert_true(poll(pfd, 2, WAIT_MS) > 0);
		for (i = 0; i < 2; i++) {
			while ((rc = pktio_read(f[i], buf, sizeof(buf), NULL)) > 0) {
				if (!ours(buf, (size_t)rc))
					continue;
				test_frame_seq(buf, &sport);
				assert_true(owner[sport % 16] == -1 || owner[sport % 16] == i);
				owner[sport % 16] = i;
				count[i]++;
				got++;
			}
		}
	}
}

static void
test_afpacket_fanout_splits_flows(void **state)
{
	struct pktio_port *f[2] = { open_port(rname, PKTIO_F_FANOUT | PKTIO_F_NONBLOCK),
				    open_port(rname, PKTIO_F_FANOUT | PKTIO_F_NONBLOCK) };
	struct pktio_port *w = open_port(wname, 0);
	unsigned int count[2] = { 0, 0 }, i;
	int owner[16];
	uint8_t buf[FRAME];

	(void)state;
	memset(owner, -1, sizeof(owner));
	for (i = 0; i < 128; i++) {
		frame(buf, sizeof(buf), 6000 + i % 16, i);
		assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
	}
	fanout_collect(f, 128, owner, count);
	print_message("fanout: %u + %u frames\n", count[0], count[1]);
	assert_int_equal(count[0] + count[1], 128);
	assert_true(count[0] > 0 && count[1] > 0);
	pktio_port_close(w);
	pktio_port_close(f[0]);
	pktio_port_close(f[1]);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* PKTIO_F_IMMEDIATE: a lone frame is readable at once, not when its block is retired. */
static void
test_afpacket_immediate_lone_frame(void **state)
{
	struct pktio_port *r = open_port(rname, PKTIO_F_NONBLOCK);
	struct pktio_port *w = open_port(wname, PKTIO_F_TXONLY);
	enum { N = 21 };
	uint64_t us[N];
	struct timespec t0, t1;
	uint8_t buf[FRAME];
	int i;

	(void)state;
	for (i = 0; i < N; i++) {
		frame(buf, sizeof(buf), 8, i);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(pktio_write(w, buf, sizeof(buf)), sizeof(buf));
		assert_int_equal(read_ours(r, buf, sizeof(buf), NULL), FRAME);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_int_equal(test_frame_seq(buf, NULL), i);
		us[i] = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
			(uint64_t)(t1.tv_nsec - t0.tv_nsec) / 1000;
	}
	qsort(us, N, sizeof(us[0]), cmp_u64);
	print_message("write to read of a lone frame: median %lu us, max %lu us\n",
		      (unsigned long)us[N / 2], (unsigned long)us[N - 1]);
	/* TPACKET_V3 waits for the block retire timer (1 ms, or a 4 ms jiffy): a median
	 * well under that is the frame ring at work */
	assert_true(us[N / 2] < 250);
	pktio_port_close(w);
	pktio_port_close(r);
}

/* Deleting the interface wakes a blocked reader with -ECONNRESET, like pktiod going away. */
static void
test_afpacket_link_gone(void **state)
{
	char rn[32], wn[32];
	struct reader rd = { 0 };
	struct pktio_port *w;
	uint8_t buf[FRAME];
	pthread_t th;
	int i;

	(void)state;
	assert_int_equal(veth_make(ifc, ifd), 0);
	snprintf(rn, sizeof(rn), "afpacket:%s", ifd);
	snprintf(wn, sizeof(wn), "afpacket:%s", ifc);
	rd.p = open_port(rn, 0);
	w = open_port(wn, 0);
	assert_int_equal(pthread_create(&th, NULL, blocking_reader, &rd), 0);
	wait_asleep(&rd);
	assert_int_equal(sh("ip link del %s", ifc), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(rd.got, -ECONNRESET);
	assert_int_equal(pktio_wait(rd.p, 0), -ECONNRESET);
	/* the writer finds out on its next send or the one after */
	frame(buf, sizeof(buf), 1, 0);
	for (i = 0; i < 2 && pktio_write(w, buf, sizeof(buf)) > 0; i++)
		;
	assert_int_equal(pktio_write(w, buf, sizeof(buf)), -ECONNRESET);
	assert_int_equal(pktio_port_close(w), -ECONNRESET);
	assert_int_equal(pktio_port_close(rd.p), -ECONNRESET);
}

/* What every driver must do. */
static const struct CMUnitTest api_tests[] = {
	cmocka_unit_test(test_api_nonblock_eagain),
	cmocka_unit_test(test_api_poll_level_triggered),
	cmocka_unit_test(test_api_epoll_and_select),
	cmocka_unit_test(test_api_blocking_read_wakes_idle),
	cmocka_unit_test(test_api_busy_poll_then_sleep),
	cmocka_unit_test(test_api_readv_writev_layout),
	cmocka_unit_test(test_api_readv_truncates),
	cmocka_unit_test(test_api_writev_validates),
	cmocka_unit_test(test_api_iovcnt_bounded),
	cmocka_unit_test(test_api_tx_submit_stale_ids),
	cmocka_unit_test(test_api_rx_release_stale_ids),
};

/* What only the afpacket driver has (the shm driver's own are in test_modes, test_robust). */
static const struct CMUnitTest afpacket_tests[] = {
	cmocka_unit_test(test_afpacket_open_errors),
	cmocka_unit_test(test_afpacket_zero_copy_blocks_recycle),
	cmocka_unit_test(test_afpacket_hold_and_release_any_order),
	cmocka_unit_test(test_afpacket_forged_release_keeps_block),
	cmocka_unit_test(test_afpacket_vlan_tag_kept),
	cmocka_unit_test(test_afpacket_own_sends_not_received),
	cmocka_unit_test(test_afpacket_txonly_receives_nothing),
	cmocka_unit_test(test_afpacket_mirror_both_receive),
	cmocka_unit_test(test_afpacket_fanout_splits_flows),
	cmocka_unit_test(test_afpacket_link_gone),
};

static const struct CMUnitTest immediate_tests[] = {
	cmocka_unit_test(test_afpacket_immediate_lone_frame),
};

int
main(int argc, char **argv)
{
	bool immediate = argc == 2 && strcmp(argv[1], "afpacket-immediate") == 0;
	int rc;

	marker = 0x504b0000u | (uint32_t)(getpid() % 10000);
	if (argc == 2 && strcmp(argv[1], "shm") == 0)
		return cmocka_run_group_tests_name("api_shm", api_tests, setup_shm, teardown_shm);
	if (argc != 2 || (strcmp(argv[1], "afpacket") != 0 && !immediate)) {
		fprintf(stderr, "usage: %s shm|afpacket|afpacket-immediate\n", argv[0]);
		return 2;
	}
	if (immediate)
		extra_flags = PKTIO_F_IMMEDIATE; /* the TPACKET_V2 ring: the same contract */
	if (geteuid() != 0) {
		printf("skipped: needs root to create a veth pair\n");
		return TEST_SKIP;
	}
	if (setup_afpacket(NULL) != 0) {
		printf("skipped: cannot create a veth pair (ip link add ... type veth)\n");
		return TEST_SKIP;
	}
	rc = cmocka_run_group_tests_name("api_afpacket", api_tests, NULL, NULL);
	if (immediate)
		rc += cmocka_run_group_tests_name("immediate", immediate_tests, NULL, NULL);
	rc += cmocka_run_group_tests_name("afpacket", afpacket_tests, NULL, teardown_afpacket);
	return rc;
}
