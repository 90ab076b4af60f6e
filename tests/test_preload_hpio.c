/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * /dev/hpio/<port> under pktio-run, doing what hpio's tools do: readv/writev loops with the
 * 12-byte header (hdrlen 3, as the module writes it), read/write of one frame, reads that
 * return 0 at once when nothing waits, poll with a timeout, O_WRONLY + O_RDONLY fd pairs,
 * one fd shared by threads, two receivers sharing a port's flows, and pktiod going away.
 * The ports are net_ring loopbacks.
 */

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/uio.h>

#include <cmocka.h>

#include "test_preload_common.h"

#define PORTS "[port p0]\ndevice = net_ring0\nring_size = 4096\n\n" \
	      "[port p1]\ndevice = net_ring1\nring_size = 4096\n"
#define PID_ENV "PKTIO_TEST_PKTIOD_PID"
#define SLOT 2048
#define FLEN 96

struct hpio_hdr {
	uint8_t version;
	uint8_t hdrlen;
	uint16_t pktlen;
	uint64_t tstamp;
} __attribute__((packed));

static struct test_pktiod d;

/* ---- child helpers ---- */

/* Frame @p seq of flow @p sport (UDP/IPv4, so that fanout hashes it) after a header. */
static void
slot_make(uint8_t *slot, uint16_t sport, uint32_t seq)
{
	struct hpio_hdr *h = (void *)slot;

	h->version = 2;
	h->hdrlen = 3;
	h->pktlen = FLEN;
	h->tstamp = 0;
	test_frame(slot + sizeof(*h), FLEN, sport, seq);
}

/* Send @p n frames of flow @p sport from @p first, in writev batches of 32. */
static int
send_all(int fd, uint16_t sport, uint32_t first, unsigned int n)
{
	static __thread uint8_t slots[32][SLOT];
	struct iovec iov[32];
	unsigned int done = 0, i, k;
	int rc;

	while (done < n) {
		k = n - done < 32 ? n - done : 32;
		for (i = 0; i < k; i++) {
			slot_make(slots[i], sport, first + done + i);
			iov[i] = (struct iovec){ slots[i], sizeof(struct hpio_hdr) + FLEN };
		}
		rc = (int)writev(fd, iov, (int)k);
		if (rc <= 0)
			return -1;
		done += (unsigned int)rc;
	}
	return 0;
}

/* Read with poll + readv until @p n frames came (or @p ms pass); seen[seq]++.
 * @return frames read. */
static unsigned int
recv_for(int fd, unsigned int n, uint8_t *seen, unsigned int max, unsigned int ms)
{
	static __thread uint8_t slots[32][SLOT];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t end = preload_ms() + ms;
	struct iovec iov[32];
	unsigned int got = 0, i;
	int rc;

	for (i = 0; i < 32; i++)
		iov[i] = (struct iovec){ slots[i], SLOT };
	while (got < n && preload_ms() < end) {
		if (poll(&pfd, 1, 100) < 0)
			break;
		rc = (int)readv(fd, iov, 32);
		if (rc < 0)
			break;
		for (i = 0; i < (unsigned int)rc; i++) {
			const struct hpio_hdr *h = (const void *)slots[i];
			uint32_t seq = test_frame_seq(slots[i] + sizeof(*h), NULL);

			if (h->version != 2 || h->hdrlen != 3 || h->pktlen != FLEN ||
			    h->tstamp == 0 || seq >= max)
				return 0;
			seen[seq]++;
		}
		got += (unsigned int)rc;
	}
	return got;
}

static unsigned int
recv_all(int fd, unsigned int n, uint8_t *seen, unsigned int max)
{
	return recv_for(fd, n, seen, max, 10000);
}

/* ---- child cases ---- */

static int
child_rdwr(void)
{
	int fd = open("/dev/hpio/p0", O_RDWR), i;
	uint8_t slot[SLOT], buf[SLOT], seen[16] = { 0 };
	struct iovec iov[3];
	struct pollfd pfd = { .events = POLLOUT };
	uint8_t bad[3][SLOT];

	CHECK(fd >= 0);
	/* nothing there: 0 at once, never a sleep */
	iov[0] = (struct iovec){ buf, sizeof(buf) };
	CHECK(readv(fd, iov, 1) == 0 && read(fd, buf, sizeof(buf)) == 0);
	pfd.fd = fd;
	CHECK(poll(&pfd, 1, 0) == 0); /* the module never says POLLOUT */
	CHECK(send_all(fd, 1, 0, 16) == 0);
	CHECK(recv_all(fd, 16, seen, 16) == 16);
	for (i = 0; i < 16; i++)
		CHECK(seen[i] == 1);
	/* write: one frame, the byte count back; read: header and frame, the frame length */
	slot_make(slot, 1, 99);
	CHECK(write(fd, slot, sizeof(struct hpio_hdr) + FLEN) == sizeof(struct hpio_hdr) + FLEN);
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 5000) == 1 && pfd.revents == POLLIN);
	CHECK(read(fd, buf, sizeof(buf)) == FLEN);
	CHECK(((struct hpio_hdr *)buf)->pktlen == FLEN && ((struct hpio_hdr *)buf)->hdrlen == 3);
	CHECK(memcmp(buf + 12, slot + 12, FLEN) == 0);
	/* a frame cut by a short buffer: the header keeps the real length */
	CHECK(write(fd, slot, sizeof(struct hpio_hdr) + FLEN) > 0);
	CHECK(poll(&pfd, 1, 5000) == 1);
	CHECK(read(fd, buf, 12 + 40) == 40 && ((struct hpio_hdr *)buf)->pktlen == FLEN);
	/* a header of another version: write refuses, writev skips it */
	slot[0] = 3;
	CHECK(write(fd, slot, sizeof(struct hpio_hdr) + FLEN) < 0 && errno == EINVAL);
	for (i = 0; i < 3; i++) {
		slot_make(bad[i], 1, 200 + (uint32_t)i);
		iov[i] = (struct iovec){ bad[i], sizeof(struct hpio_hdr) + FLEN };
	}
	bad[1][0] = 1;
	CHECK(writev(fd, iov, 3) == 2);
	close(fd);
	return 0;
}

static int
child_pair(void)
{
	int tx = open("/dev/hpio/p1", O_WRONLY), rx = open("/dev/hpio/p1", O_RDONLY | O_CLOEXEC);
	static uint8_t seen[1000];
	uint8_t buf[SLOT];
	unsigned int i;

	CHECK(tx >= 0 && rx >= 0);
	CHECK(fcntl(rx, F_GETFD) & FD_CLOEXEC);
	CHECK(read(tx, buf, sizeof(buf)) < 0 && errno == EBADF);
	CHECK(write(rx, buf, sizeof(buf)) < 0 && errno == EBADF);
	CHECK(send_all(tx, 7, 0, 1000) == 0);
	CHECK(recv_all(rx, 1000, seen, 1000) == 1000);
	for (i = 0; i < 1000; i++)
		CHECK(seen[i] == 1);
	close(tx);
	close(rx);
	return 0;
}

struct worker {
	int fd;
	uint32_t first;
	uint8_t *seen;
	int rc;
};

static unsigned int total; /* frames the readers took, together */

static void *
writer(void *arg)
{
	struct worker *w = arg;

	w->rc = send_all(w->fd, 3, w->first, 500);
	return NULL;
}

static void *
reader(void *arg)
{
	static __thread uint8_t slots[32][SLOT];
	struct worker *w = arg;
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	uint64_t end = preload_ms() + 10000;
	struct iovec iov[32];
	int rc, i;

	for (i = 0; i < 32; i++)
		iov[i] = (struct iovec){ slots[i], SLOT };
	while (__atomic_load_n(&total, __ATOMIC_RELAXED) < 1000 && preload_ms() < end) {
		poll(&pfd, 1, 20);
		rc = (int)readv(w->fd, iov, 32);
		if (rc < 0) {
			w->rc = -1;
			break;
		}
		for (i = 0; i < rc; i++) {
			uint32_t seq = test_frame_seq(slots[i] + sizeof(struct hpio_hdr), NULL);

			if (seq < 2000)
				w->seen[seq]++;
		}
		__atomic_add_fetch(&total, (unsigned int)rc, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* One fd, four threads: two send 500 frames each, two read; all 1000 arrive once. */
static int
child_threads(void)
{
	int fd = open("/dev/hpio/p0", O_RDWR);
	static uint8_t seen[2][2000];
	struct worker w[4];
	pthread_t t[4];
	unsigned int i;

	CHECK(fd >= 0);
	for (i = 0; i < 4; i++)
		w[i] = (struct worker){ .fd = fd, .first = (i % 2) * 1000, .seen = seen[i % 2] };
	for (i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, i < 2 ? writer : reader, &w[i]) == 0);
	for (i = 0; i < 4; i++)
		CHECK(pthread_join(t[i], NULL) == 0 && w[i].rc == 0);
	for (i = 0; i < 500; i++)
		CHECK(seen[0][i] + seen[1][i] == 1 && seen[0][1000 + i] + seen[1][1000 + i] == 1);
	CHECK(total == 1000);
	close(fd);
	return 0;
}

/* Two receivers on one port share its flows (fanout): each frame reaches one of them. */
static int
child_two_rx(void)
{
	int tx = open("/dev/hpio/p1", O_WRONLY), rx[2];
	static uint8_t seen[2][64 * 16];
	unsigned int got[2] = { 0, 0 }, f, i;
	uint64_t end = preload_ms() + 10000;

	rx[0] = open("/dev/hpio/p1", O_RDONLY);
	rx[1] = open("/dev/hpio/p1", O_RDONLY);
	CHECK(tx >= 0 && rx[0] >= 0 && rx[1] >= 0);
	for (f = 0; f < 64; f++)
		CHECK(send_all(tx, (uint16_t)(1000 + f), f * 16, 16) == 0);
	while (got[0] + got[1] < 64 * 16 && preload_ms() < end)
		for (i = 0; i < 2; i++)
			got[i] += recv_for(rx[i], 64 * 16, seen[i], 64 * 16, 20);
	CHECK(got[0] + got[1] == 64 * 16 && got[0] > 0 && got[1] > 0);
	for (i = 0; i < 64 * 16; i++)
		CHECK(seen[0][i] + seen[1][i] == 1);
	close(tx);
	close(rx[0]);
	close(rx[1]);
	return 0;
}

static int
child_gone(void)
{
	const char *env = getenv(PID_ENV);
	int fd = open("/dev/hpio/p0", O_RDWR);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[SLOT];
	struct iovec iov = { buf, sizeof(buf) };

	CHECK(env != NULL && fd >= 0);
	CHECK(open("/dev/hpio/nosuchport", O_RDWR) < 0);
	CHECK(poll(&pfd, 1, 0) == 0);
	CHECK(kill((pid_t)atoi(env), SIGKILL) == 0);
	CHECK(poll(&pfd, 1, 10000) == 1 && (pfd.revents & (POLLERR | POLLHUP)));
	CHECK(readv(fd, &iov, 1) < 0 && errno == ENETDOWN);
	close(fd);
	return 0;
}

static const struct preload_case cases[] = {
	{ "rdwr", child_rdwr },
	{ "pair", child_pair },
	{ "threads", child_threads },
	{ "two_rx", child_two_rx },
	{ "gone", child_gone },
	{ NULL, NULL },
};

/* ---- cmocka side ---- */

static int
setup(void **state)
{
	(void)state;
	return test_pktiod_start(&d, PORTS);
}

static int
teardown(void **state)
{
	(void)state;
	if (d.pid <= 0)
		return 0;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

#define CASE(name)								\
static void									\
test_preload_hpio_##name(void **state)						\
{										\
	(void)state;								\
	assert_int_equal(preload_run_case(&d, #name), 0);			\
}

CASE(rdwr)
CASE(pair)
CASE(threads)
CASE(two_rx)

static void
test_preload_hpio_gone(void **state)
{
	char pid[16];

	(void)state;
	snprintf(pid, sizeof(pid), "%d", (int)d.pid);
	setenv(PID_ENV, pid, 1);
	assert_int_equal(preload_run_case(&d, "gone"), 0);
	unsetenv(PID_ENV);
	test_wait_pid(d.pid, 10000);
	d.pid = 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preload_hpio_rdwr),
		cmocka_unit_test(test_preload_hpio_pair),
		cmocka_unit_test(test_preload_hpio_threads),
		cmocka_unit_test(test_preload_hpio_two_rx),
		cmocka_unit_test(test_preload_hpio_gone), /* last: kills pktiod */
	};
	int rc = preload_child(cases, argc, argv);

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, setup, teardown);
}
