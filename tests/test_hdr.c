/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The public header's ABI (struct pktio_hdr and friends) and the errors pktio_port_open()
 * and pktio_query() give before any appliance is involved. No pktiod runs here: where a
 * peer is needed, a fake one (a child process on a socket of its own) squats the socket
 * or sends malformed replies.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pktio.h"
#include "pktio_msg.h"

#define NO_SOCKET "/nonexistent/dir/sock"

static char dir[] = "/tmp/pktio-test-hdr.XXXXXX";
static char refused[64];    /* a unix socket file nobody listens on */
static char fake[64];       /* where fake_start() listens */

static int
sock_create(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(refused, sizeof(refused), "%s/refused.sock", dir);
	snprintf(fake, sizeof(fake), "%s/fake.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", refused);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
sock_remove(void **state)
{
	(void)state;
	unlink(refused);
	unlink(fake);
	return rmdir(dir);
}

static void
test_hdr_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct pktio_hdr), 12);
	assert_int_equal(_Alignof(struct pktio_hdr), 1);
	assert_int_equal(offsetof(struct pktio_hdr, version), 0);
	assert_int_equal(offsetof(struct pktio_hdr, hdrlen), 1);
	assert_int_equal(offsetof(struct pktio_hdr, pktlen), 2);
	assert_int_equal(offsetof(struct pktio_hdr, tstamp), 4);
	assert_int_equal(PKTIO_HDR_VERSION, 2);
}

static void
test_hdr_set_fills_fields(void **state)
{
	uint8_t buf[1 + sizeof(struct pktio_hdr) + 1];
	struct pktio_hdr h;
	const uint16_t len = 0xbeef;
	const uint64_t ts = 0x0123456789abcdefull;

	(void)state;
	/* at an odd address: the header is packed, a readv iovec can start anywhere */
	memset(buf, 0xee, sizeof(buf));
	pktio_hdr_set((struct pktio_hdr *)(buf + 1), len, ts);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(buf[sizeof(buf) - 1], 0xee);
	memcpy(&h, buf + 1, sizeof(h));
	assert_int_equal(h.version, PKTIO_HDR_VERSION);
	assert_int_equal(h.hdrlen, 12);
	assert_int_equal(h.pktlen, len);
	assert_true(h.tstamp == ts);
	/* the fields sit where hpio expects them */
	assert_int_equal(buf[1], 2);
	assert_int_equal(buf[2], 12);
	assert_memory_equal(buf + 3, &len, sizeof(len));
	assert_memory_equal(buf + 5, &ts, sizeof(ts));

	pktio_hdr_set(&h, 0, 0);
	assert_int_equal(h.version, PKTIO_HDR_VERSION);
	assert_int_equal(h.hdrlen, sizeof(h));
	assert_int_equal(h.pktlen, 0);
	assert_true(h.tstamp == 0);
}

/* One spelling of the modes for pktioctl, telemetry and pktiod's log. */
static void
test_hdr_mode_names(void **state)
{
	(void)state;
	assert_string_equal(pktio_mode_name(PKTIO_F_EXCLUSIVE), "exclusive");
	assert_string_equal(pktio_mode_name(PKTIO_F_FANOUT | PKTIO_F_NONBLOCK), "fanout");
	assert_string_equal(pktio_mode_name(PKTIO_F_MIRROR | PKTIO_F_OUTGOING), "mirror");
	assert_string_equal(pktio_mode_name(PKTIO_F_TXONLY), "txonly");
	assert_string_equal(pktio_mode_name(PKTIO_F_MODE_MASK), "unknown");
}

static void
test_hdr_meta_layout(void **state)
{
	struct pktio_meta m;

	(void)state;
	/* no holes: every member after the one before it */
	assert_int_equal(offsetof(struct pktio_meta, tstamp), 0);
	assert_int_equal(offsetof(struct pktio_meta, len), 8);
	assert_int_equal(offsetof(struct pktio_meta, hash), 12);
	assert_int_equal(offsetof(struct pktio_meta, port), 16);
	assert_int_equal(offsetof(struct pktio_meta, queue), 18);
	assert_int_equal(offsetof(struct pktio_meta, flags), 20);
	assert_int_equal(sizeof(m), 24);
	assert_int_equal(sizeof(m.len), 4);
	assert_int_equal(sizeof(m.flags), 4);
}

static void
test_hdr_pkt_layout(void **state)
{
	struct pktio_pkt p;

	(void)state;
	assert_int_equal(offsetof(struct pktio_pkt, data), 0);
	assert_int_equal(offsetof(struct pktio_pkt, len), sizeof(void *));
	assert_int_equal(offsetof(struct pktio_pkt, cap), offsetof(struct pktio_pkt, len) + 4);
	assert_int_equal(offsetof(struct pktio_pkt, id), offsetof(struct pktio_pkt, cap) + 4);
	assert_int_equal(offsetof(struct pktio_pkt, hash), offsetof(struct pktio_pkt, id) + 4);
	assert_int_equal(offsetof(struct pktio_pkt, tstamp) % 8, 0);
	assert_int_equal(offsetof(struct pktio_pkt, queue), offsetof(struct pktio_pkt, tstamp) + 8);
	assert_int_equal(offsetof(struct pktio_pkt, flags), offsetof(struct pktio_pkt, queue) + 2);
	assert_int_equal(offsetof(struct pktio_pkt, reserved),
			 offsetof(struct pktio_pkt, flags) + 2);
	assert_int_equal(sizeof(p), offsetof(struct pktio_pkt, reserved) + 4);
	assert_int_equal(sizeof(p) % 8, 0);
	if (sizeof(void *) == 8)
		assert_int_equal(sizeof(p), 40);
}

/* pktio_port_open() fails with NULL and @p err. */
static void
open_fails(const char *name, unsigned int flags, const char *sock, int err)
{
	struct pktio_port *p;

	errno = 0;
	p = pktio_port_open(name, 0, flags, sock);
	if (p != NULL) {
		pktio_port_close(p);
		fail_msg("open(%s, 0x%x, %s) succeeded", name, flags, sock);
	}
	if (errno != err)
		fail_msg("open(%s, 0x%x, %s): errno %d (%s), expected %d (%s)", name, flags,
			 sock, errno, strerror(errno), err, strerror(err));
}

static void
test_hdr_open_bad_flags(void **state)
{
	(void)state;
	/* checked before the socket: even a reachable one would not change the answer */
	open_fails("p0", PKTIO_F_FANOUT | PKTIO_F_MIRROR, refused, EINVAL);
	open_fails("p0", PKTIO_F_FANOUT | PKTIO_F_MIRROR | PKTIO_F_NONBLOCK, refused, EINVAL);
	open_fails("p0", 0x8000, refused, EINVAL);
	open_fails("p0", 0x0004, refused, EINVAL);
	open_fails("p0", 0x0800, refused, EINVAL);
	open_fails("p0", ~0u, refused, EINVAL);
	open_fails(NULL, 0, refused, EINVAL);
	/* every known flag together is fine: the socket decides */
	open_fails("p0", PKTIO_F_MIRROR | PKTIO_F_NONBLOCK | PKTIO_F_BUSYPOLL, refused,
		   ECONNREFUSED);
	open_fails("p0", PKTIO_F_FANOUT, refused, ECONNREFUSED);
}

static void
test_hdr_open_no_socket(void **state)
{
	(void)state;
	open_fails("p0", 0, NO_SOCKET, ENOENT);
	open_fails("shm:p0", PKTIO_F_NONBLOCK, NO_SOCKET, ENOENT);
}

static void
test_hdr_open_refused(void **state)
{
	(void)state;
	open_fails("p0", 0, refused, ECONNREFUSED);
	open_fails("shm:p0", PKTIO_F_FANOUT, refused, ECONNREFUSED);
}

static void
test_hdr_open_unknown_driver(void **state)
{
	(void)state;
	/* the refused socket shows the driver lookup answered, not the connection */
	open_fails("nosuch:eth0", 0, refused, ENOENT);
	open_fails(":eth0", 0, refused, ENOENT);
	open_fails("sh:p0", 0, refused, ENOENT);
	open_fails("shmx:p0", 0, refused, ENOENT);
}

static void
test_hdr_open_socket_from_env(void **state)
{
	const char *old = getenv(PKTIO_SOCKET_ENV);
	char *saved = old != NULL ? strdup(old) : NULL;

	(void)state;
	assert_int_equal(setenv(PKTIO_SOCKET_ENV, refused, 1), 0);
	open_fails("p0", 0, NULL, ECONNREFUSED);
	open_fails("p0", 0, "", ECONNREFUSED);
	/* an explicit path wins over the environment */
	open_fails("p0", 0, NO_SOCKET, ENOENT);
	assert_int_equal(setenv(PKTIO_SOCKET_ENV, NO_SOCKET, 1), 0);
	open_fails("p0", 0, NULL, ENOENT);
	open_fails("p0", 0, refused, ECONNREFUSED);
	if (saved != NULL)
		setenv(PKTIO_SOCKET_ENV, saved, 1);
	else
		unsetenv(PKTIO_SOCKET_ENV);
	free(saved);
}

static void
test_hdr_query_no_appliance(void **state)
{
	struct pktio_port_info ports[2];
	struct pktio_client_info clients[2];
	unsigned int np = 2, nc = 2;

	(void)state;
	assert_int_equal(pktio_query(NO_SOCKET, ports, &np, clients, &nc), -ENOENT);
	assert_int_equal(pktio_query(refused, ports, &np, NULL, NULL), -ECONNREFUSED);
	assert_int_equal(pktio_query(refused, NULL, NULL, NULL, NULL), -EINVAL);
	np = 1;
	assert_int_equal(pktio_query(refused, NULL, &np, NULL, NULL), -EINVAL);
}

static void
test_hdr_null_handle(void **state)
{
	struct pktio_stats st;

	(void)state;
	assert_int_equal(pktio_port_close(NULL), -EINVAL);
	assert_int_equal(pktio_stats_get(NULL, &st), -EINVAL);
}

static void
test_hdr_open_queue_out_of_range(void **state)
{
	(void)state;
	/* the wire carries 16 bits: 0x10000 must not turn into queue 0 */
	errno = 0;
	assert_null(pktio_port_open("p0", PKTIO_QUEUE_ANY + 1, 0, refused));
	assert_int_equal(errno, EINVAL);
	assert_null(pktio_port_open("p0", ~0u, 0, refused));
	assert_int_equal(errno, EINVAL);
	/* the largest value is PKTIO_QUEUE_ANY itself: the socket decides */
	open_fails("p0", 0, refused, ECONNREFUSED);
	assert_null(pktio_port_open("p0", PKTIO_QUEUE_ANY, 0, refused));
	assert_int_equal(errno, ECONNREFUSED);
}

/* Open file descriptors of this process. */
static int
fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Send @p len bytes with @p nfds fds (of /dev/null) attached. */
static void
send_with_fds(int c, const void *buf, size_t len, unsigned int nfds)
{
	char cbuf[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int fds[8];
	unsigned int i;

	for (i = 0; i < nfds; i++)
		fds[i] = open("/dev/null", O_RDWR);
	if (nfds > 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	(void)sendmsg(c, &mh, MSG_NOSIGNAL);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

/*
 * A fake pktiod on @p fake: a child that accepts every connection, reads its request and
 * hands the connection to @p serve, then keeps it open (a squatter never answers; the
 * client closes the others). @return its pid.
 */
static pid_t
fake_start(void (*serve)(int conn))
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[256];
	pid_t pid;
	int l, c;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fake);
	unlink(fake);
	l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 8), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* the test may die on an alarm: follow it */
		for (;;) {
			c = accept(l, NULL, NULL);
			if (c < 0)
				_exit(1);
			if (recv(c, req, sizeof(req), 0) > 0 && serve != NULL)
				serve(c);
		}
	}
	close(l);
	return pid;
}

static void
fake_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(fake);
}

static struct pktio_msg_attach_reply
attach_reply(int32_t status)
{
	struct pktio_msg_attach_reply rep = {
		.hdr = { .version = PKTIO_MSG_VERSION, .type = PKTIO_MSG_ATTACH_REPLY,
			 .status = status },
		.region_size = 1 << 20,
	};

	snprintf(rep.reason, sizeof(rep.reason), "fake");
	return rep;
}

static void
serve_shorter_than_hdr(int c)
{
	send_with_fds(c, "\2\0\2\0", 4, PKTIO_MSG_NB_FDS);
}

static void
serve_oversize(int c)
{
	char big[sizeof(struct pktio_msg_attach_reply) + 64] = { 0 };
	struct pktio_msg_attach_reply rep = attach_reply(0);

	memcpy(big, &rep, sizeof(rep));
	send_with_fds(c, big, sizeof(big), PKTIO_MSG_NB_FDS);
}

static void
serve_missing_fd(int c)
{
	struct pktio_msg_attach_reply rep = attach_reply(0);

	send_with_fds(c, &rep, sizeof(rep), PKTIO_MSG_NB_FDS - 1);
}

static void
serve_extra_fds(int c)
{
	struct pktio_msg_attach_reply rep = attach_reply(-EBUSY);

	send_with_fds(c, &rep, sizeof(rep), PKTIO_MSG_NB_FDS + 3);
}

static void
serve_positive_status(int c)
{
	struct pktio_msg_attach_reply rep = attach_reply(5);

	send_with_fds(c, &rep, sizeof(rep), PKTIO_MSG_NB_FDS);
}

/* An attach to the fake pktiod fails with @p err and leaves no fd behind. */
static void
attach_fails_clean(void (*serve)(int conn), int err)
{
	pid_t pid = fake_start(serve);
	int before = fd_count();
	struct pktio_port *p;

	errno = 0;
	p = pktio_port_open("p0", 0, 0, fake);
	fake_stop(pid);
	if (p != NULL)
		fail_msg("attach to a fake pktiod succeeded");
	if (errno != err)
		fail_msg("errno %d (%s), expected %d (%s)", errno, strerror(errno), err,
			 strerror(err));
	assert_int_equal(fd_count(), before);
}

/* The fds that came with a reply are closed whatever is wrong with it. */
static void
test_hdr_malformed_reply_closes_fds(void **state)
{
	(void)state;
	attach_fails_clean(serve_shorter_than_hdr, EPROTO);
	attach_fails_clean(serve_oversize, EPROTO);
	attach_fails_clean(serve_missing_fd, EPROTO);
	attach_fails_clean(serve_positive_status, EPROTO);
	attach_fails_clean(serve_extra_fds, EBUSY);
}

static void
serve_query_bare_hdr(int c)
{
	struct pktio_msg_hdr h = { .version = PKTIO_MSG_VERSION, .type = PKTIO_MSG_QUERY_REPLY };

	send_with_fds(c, &h, sizeof(h), 1);
}

static void
serve_query_denied(int c)
{
	struct pktio_msg_hdr h = { .version = PKTIO_MSG_VERSION, .type = PKTIO_MSG_QUERY_REPLY,
				   .status = -EACCES };

	send(c, &h, sizeof(h), MSG_NOSIGNAL);
}

/* A query reply too short for its counts is refused before they are read; an error
 * reply may be a bare header. */
static void
test_hdr_query_short_reply(void **state)
{
	struct pktio_port_info ports[2];
	unsigned int np = 2;
	int before = fd_count();
	pid_t pid;

	(void)state;
	pid = fake_start(serve_query_bare_hdr);
	assert_int_equal(pktio_query(fake, ports, &np, NULL, NULL), -EPROTO);
	fake_stop(pid);
	assert_int_equal(np, 2);
	pid = fake_start(serve_query_denied);
	assert_int_equal(pktio_query(fake, ports, &np, NULL, NULL), -EACCES);
	fake_stop(pid);
	assert_int_equal(fd_count(), before);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Something that accepts on the socket path and never answers: attach and query give up
 * after the control timeout instead of hanging. */
static void
test_hdr_squatter_times_out(void **state)
{
	struct pktio_port_info ports[1];
	unsigned int np = 1;
	struct timespec t0;
	pid_t pid = fake_start(NULL);
	int before = fd_count();
	long ms;

	(void)state;
	assert_int_equal(setenv("PKTIO_CTL_TIMEOUT_MS", "200", 1), 0);
	alarm(10); /* without a timeout the call would never return: fail, do not hang */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	assert_null(pktio_port_open("p0", 0, 0, fake));
	assert_int_equal(errno, ETIMEDOUT);
	ms = ms_since(&t0);
	print_message("attach gave up after %ld ms\n", ms);
	assert_true(ms >= 150 && ms < 2000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pktio_query(fake, ports, &np, NULL, NULL), -ETIMEDOUT);
	ms = ms_since(&t0);
	assert_true(ms >= 150 && ms < 2000);
	alarm(0);
	unsetenv("PKTIO_CTL_TIMEOUT_MS");
	fake_stop(pid);
	assert_int_equal(fd_count(), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_layout),
		cmocka_unit_test(test_hdr_set_fills_fields),
		cmocka_unit_test(test_hdr_meta_layout),
		cmocka_unit_test(test_hdr_mode_names),
		cmocka_unit_test(test_hdr_pkt_layout),
		cmocka_unit_test(test_hdr_open_bad_flags),
		cmocka_unit_test(test_hdr_open_no_socket),
		cmocka_unit_test(test_hdr_open_refused),
		cmocka_unit_test(test_hdr_open_unknown_driver),
		cmocka_unit_test(test_hdr_open_socket_from_env),
		cmocka_unit_test(test_hdr_query_no_appliance),
		cmocka_unit_test(test_hdr_null_handle),
		cmocka_unit_test(test_hdr_open_queue_out_of_range),
		cmocka_unit_test(test_hdr_malformed_reply_closes_fds),
		cmocka_unit_test(test_hdr_query_short_reply),
		cmocka_unit_test(test_hdr_squatter_times_out),
	};

	return cmocka_run_group_tests(tests, sock_create, sock_remove);
}
