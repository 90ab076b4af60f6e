/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Attacks through what a client holds besides its ring bytes: the region memfd, the
 * doorbell descriptors, the control socket (as root and as an unprivileged user), its
 * timing, and the names it sends into pktiod's log. After each, pktiod is alive, answers
 * a query within a second, and a well-behaved pair of clients on the same port still
 * exchanges frames.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "raw.h"

#define NOBODY 65534
#define CONNS_PER_UID 8
#define HELLO_MS 1000
#define FLOOD 2000

static struct test_pktiod d;

/* [pktiod] keys (the harness's section is still open), then the ports. */
static const char conf[] =
	"socket_mode = 0666\n"
	"max_conns_per_uid = 8\n"
	"max_clients_per_uid = 2\n"
	"hello_timeout_ms = 1000\n"
	"[port lo]\ndevice = net_ring0\nring_size = 32\nallow_uid = 65534\n"
	"[port other]\ndevice = net_null0\n";

static int
setup(void **state)
{
	(void)state;
	/* nobody must reach the socket in the scratch directory (mkdtemp makes it 0700) */
	if (chmod(test_dir(), 0755) < 0)
		return -1;
	return test_pktiod_start(&d, conf);
}

static int
teardown(void **state)
{
	(void)state;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

/* pktiod answers a query, within a second. */
static void
check_answers(void)
{
	struct pktio_port_info pi;
	uint64_t t0 = test_now_ms();

	assert_int_equal(test_port_info(&d, "lo", &pi), 0);
	assert_true(test_now_ms() - t0 < 1000);
}

/* A well-behaved pair still moves frames on the attacked port. */
static void
check_service(void)
{
	assert_int_equal(test_check_service(&d, "lo", PKTIO_F_MIRROR), 0);
	check_answers();
}

/* Wait (5 s at most) until pktiod reports @p n attachments. */
static void
wait_clients(int n)
{
	assert_int_equal(test_wait_clients(&d, n, 5000), n);
}

/* The region can neither shrink, nor grow, nor take new seals; a punched hole only
 * costs the client its own data. */
static void
test_hostile_region_fd(void **state)
{
	struct raw x;

	(void)state;
	assert_int_equal(raw_attach_to(d.sock, &x, "lo", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR, 0), 0);
	assert_true(fcntl(x.memfd, F_GET_SEALS) & F_SEAL_SHRINK);
	assert_int_equal(ftruncate(x.memfd, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(x.memfd, 4096), -1);
	assert_int_equal(ftruncate(x.memfd, x.size * 2), -1);
	assert_int_equal(fcntl(x.memfd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	assert_int_equal(errno, EPERM);
	/* a hole is given fresh zeroed pages on the next touch: pktiod reads a ring of
	 * zeros, never a SIGBUS */
	assert_int_equal(fallocate(x.memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				   x.size), 0);
	check_service();
	assert_true(test_pktiod_alive(&d));
	raw_close(&x);
	wait_clients(0);
}

/* Fill the doorbell pipe through the client's write end, make every client descriptor
 * blocking, and ask for wake-ups: pktiod's own write end stays non-blocking. */
static void
test_hostile_doorbell_flags(void **state)
{
	struct pktio_port_info before, after;
	char fill[4096] = { 0 };
	struct raw x;
	int i;

	(void)state;
	assert_int_equal(test_port_info(&d, "lo", &before), 0);
	assert_int_equal(raw_attach_to(d.sock, &x, "lo", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR, 0), 0);
	while (write(x.bell_wr, fill, sizeof(fill)) > 0)
		;
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fcntl(x.bell_wr, F_SETFL, 0), 0);
	assert_int_equal(fcntl(x.bell_rd, F_SETFL, 0), 0);
	assert_int_equal(fcntl(x.memfd, F_SETFL, 0), 0);
	for (i = 0; i < 5; i++) {
		x.h->rx_wakeup = 1; /* the mirror gets every frame: pktiod rings each time */
		check_service();
	}
	/* The detach rings too, from the control plane. */
	raw_close(&x);
	wait_clients(0);
	check_answers();
	assert_int_equal(test_port_info(&d, "lo", &after), 0);
	assert_int_equal(after.detach_closed, before.detach_closed + 1 + 5 * 2);
}

/* File descriptors sent to pktiod with a message are never kept: 10 queries carrying 100
 * each leave pktiod's fd count where it was. */
static void
test_hostile_fds_sent_to_pktiod(void **state)
{
	struct pktio_msg_hdr q = { .version = PKTIO_MSG_VERSION, .type = PKTIO_MSG_QUERY };
	char cbuf[CMSG_SPACE(100 * sizeof(int))], reply[PKTIO_MSG_MAX];
	struct iovec iov = { .iov_base = &q, .iov_len = sizeof(q) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int fds[100], before, after, i, s;
	uint64_t end;

	(void)state;
	for (i = 0; i < 100; i++)
		fds[i] = STDERR_FILENO;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	check_answers();
	before = test_nb_fds(d.pid);
	for (i = 0; i < 10; i++) {
		s = test_connect(d.sock);
		assert_true(s >= 0);
		assert_int_equal(sendmsg(s, &mh, 0), sizeof(q));
		assert_true(recv(s, reply, sizeof(reply), 0) > 0); /* served, then closed */
		close(s);
	}
	/* pktiod closes its end after the reply, so either count may still hold a connection
	 * it is closing (the baseline one of check_answers' query): wait (5 s at most) for the
	 * count to come back down. A kept fd would add 100 per message and never go away. */
	for (end = test_now_ms() + 5000; (after = test_nb_fds(d.pid)) > before &&
	     test_now_ms() < end; )
		sched_yield();
	print_message("pktiod fds: %d before, %d after\n", before, after);
	assert_true(after <= before);
}

/* A client that asks for copies of what others send, and never reads, loses only its own
 * copies: the sender and another receiver on the port are served throughout. */
static void
test_hostile_outgoing_never_read(void **state)
{
	struct pktio_port_info pi;
	struct pktio_client_info ci[16];
	unsigned int np = 1, nc = 16, i;
	uint64_t no_slot = 0;
	struct raw x;

	(void)state;
	assert_int_equal(raw_attach_to(d.sock, &x, "lo", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR,
				       PKTIO_MSG_F_OUTGOING), 0);
	for (i = 0; i < 5; i++) /* 20 frames each, the ring holds 32 */
		check_service();
	assert_int_equal(pktio_query(d.sock, &pi, &np, ci, &nc), 0);
	for (i = 0; i < nc; i++)
		if (ci[i].mode & PKTIO_F_OUTGOING)
			no_slot = ci[i].rx_no_slot;
	print_message("the stalled client dropped %lu of its own copies\n",
		      (unsigned long)no_slot);
	assert_true(no_slot > 0);
	raw_close(&x);
	wait_clients(0);
}

/* A connection that says nothing is closed after hello_timeout_ms. */
static void
test_hostile_silent_connection(void **state)
{
	int fd = test_connect(d.sock);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t t0 = test_now_ms();
	char c;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(recv(fd, &c, 1, 0), 0);
	print_message("closed after %lu ms\n", (unsigned long)(test_now_ms() - t0));
	assert_true(test_now_ms() - t0 >= HELLO_MS - 50);
	close(fd);
}

/* Run @p fn as @p uid (and gid) in a child, to its end; it must exit 0. */
static void
run_as(uid_t uid, int (*fn)(int unused))
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
			_exit(99);
		_exit(fn(-1));
	}
	st = test_wait_pid(pid, 10000);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * As nobody: open connections (silent) as fast as possible; tell the parent, which makes
 * sure pktiod has taken them all; then count those refused (an -EUSERS reply) and those
 * still held.
 */
static int
flood(int ready, int go)
{
	int fds[FLOOD], n, held = 0, refused = 0;
	struct pktio_msg_attach_reply rep;
	struct pollfd pfd;
	char c;

	for (n = 0; n < FLOOD; n++) {
		fds[n] = test_connect(d.sock);
		if (fds[n] < 0)
			break;
	}
	dprintf(ready, "%d\n", n);
	if (read(go, &c, 1) != 1)
		return 1;
	for (int i = 0; i < n; i++) {
		pfd = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(&pfd, 1, 0) == 0)
			held++;
		else if (recv(fds[i], &rep, sizeof(rep), 0) == sizeof(rep) &&
			 rep.hdr.status == -EUSERS)
			refused++;
	}
	dprintf(ready, "%d %d\n", held, refused);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return 0;
}

static void
test_hostile_unprivileged_flood(void **state)
{
	int up[2], down[2], n = 0, held = 0, refused = 0, st;
	char line[64] = "";
	struct raw x;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		_exit(flood(up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	assert_true(read(up[0], line, sizeof(line) - 1) > 0);
	assert_int_equal(sscanf(line, "%d", &n), 1);
	/* root is exempt, and served at once while the flood holds its connections; its
	 * connection queues behind the flood's, so pktiod has taken all of those by now */
	check_answers();
	assert_int_equal(raw_attach_to(d.sock, &x, "other", PKTIO_QUEUE_ANY, 0, 0), 0);
	raw_close(&x);
	assert_int_equal(write(down[1], "g", 1), 1);
	memset(line, 0, sizeof(line));
	assert_true(read(up[0], line, sizeof(line) - 1) > 0);
	assert_int_equal(sscanf(line, "%d %d", &held, &refused), 2);
	print_message("nobody: %d connections, %d held, %d refused\n", n, held, refused);
	assert_int_equal(n, FLOOD);
	assert_true(held <= CONNS_PER_UID);
	assert_true(refused >= FLOOD - CONNS_PER_UID);
	st = test_wait_pid(pid, 10000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(up[0]);
	close(down[1]);
	check_service();
}

/* As nobody: may attach to lo only, may query, at most 2 attachments. */
static int
unprivileged_client(int ready)
{
	struct pktio_port_info pi[4];
	unsigned int n = 4;
	struct raw x[3];
	uint64_t end = test_now_ms() + 5000;
	int rc;

	(void)ready;
	/* the flood before may still be closing: its connections count until then */
	while ((rc = raw_attach_to(d.sock, &x[0], "other", PKTIO_QUEUE_ANY, 0, 0)) == -EUSERS &&
	       test_now_ms() < end)
		sched_yield();
	if (rc != -EACCES)
		return 1;
	if (strstr(x[0].reason, "allow_uid") == NULL)
		return 2;
	if (raw_attach_to(d.sock, &x[0], "lo", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR, 0) != 0 ||
	    raw_attach_to(d.sock, &x[1], "lo", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR, 0) != 0)
		return 3;
	rc = raw_attach_to(d.sock, &x[2], "lo", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR, 0);
	if (rc != -EUSERS || strstr(x[2].reason, "max_clients_per_uid") == NULL)
		return 4;
	if (pktio_query(d.sock, pi, &n, NULL, NULL) != 0)
		return 5;
	return 0;
}

static void
test_hostile_unprivileged_limits(void **state)
{
	(void)state;
	run_as(NOBODY, unprivileged_client);
	wait_clients(0);
	check_service();
}

/* Who may not attach anywhere may not query either. */
static int
stranger_query(int ready)
{
	struct pktio_port_info pi[4];
	unsigned int n = 4;

	(void)ready;
	return pktio_query(d.sock, pi, &n, NULL, NULL) == -EACCES ? 0 : 1;
}

static void
test_hostile_stranger_cannot_query(void **state)
{
	(void)state;
	run_as(12345, stranger_query);
}

/* A busy queue's refusal names its holder and the modes that would fit. */
static void
test_hostile_busy_names_holder(void **state)
{
	char want[64];
	struct raw x, y;

	(void)state;
	assert_int_equal(raw_attach_to(d.sock, &x, "other", PKTIO_QUEUE_ANY, PKTIO_F_EXCLUSIVE, 0),
			 0);
	assert_int_equal(raw_attach_to(d.sock, &y, "other", 0, PKTIO_F_FANOUT, 0), -EBUSY);
	print_message("refused: %s\n", y.reason);
	snprintf(want, sizeof(want), "(pid %d) holds it exclusive", (int)getpid());
	assert_non_null(strstr(y.reason, want));
	assert_non_null(strstr(y.reason, "mirror or txonly would fit"));
	raw_close(&x);
	wait_clients(0);
}

/* A port name with a newline and an escape sequence reaches the log escaped. */
static void
test_hostile_log_escaped(void **state)
{
	char log[65536], cmd[256];
	struct raw x;
	FILE *f;
	size_t n;

	(void)state;
	assert_int_equal(raw_attach_to(d.sock, &x, "p0\nFAKE LINE\x1b[31m", PKTIO_QUEUE_ANY, 0,
				       0), -ENOENT);
	print_message("refused: %s\n", x.reason);
	check_answers();
	snprintf(cmd, sizeof(cmd), "%s", d.log);
	f = fopen(cmd, "r");
	assert_non_null(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	fclose(f);
	log[n] = '\0';
	assert_non_null(strstr(log, "p0\\x0aFAKE LINE\\x1b[31m"));
	assert_null(strstr(log, "\nFAKE LINE"));
	assert_null(strchr(log, '\x1b'));
}

/* pktiod out of fds: it sheds new connections instead of spinning on accept, and serves
 * again once they are gone. A pktiod of its own, with a low fd limit and a long hello. */
static void
test_hostile_fd_exhaustion(void **state)
{
	struct rlimit lim = { 64, 64 };
	struct test_pktiod e;
	int fds[200], n, extra;
	struct pollfd pfd;
	uint64_t t0;

	(void)state;
	assert_int_equal(test_pktiod_start(&e, "hello_timeout_ms = 60000\n"
					  "[port lo]\ndevice = net_ring1\n"), 0);
	assert_int_equal(prlimit(e.pid, RLIMIT_NOFILE, &lim, NULL), 0);
	for (n = 0; n < 200; n++)
		fds[n] = test_connect(e.sock);
	/* one more: shed (accepted and closed) at once, not left to a spinning accept */
	t0 = test_now_ms();
	extra = test_connect(e.sock);
	assert_true(extra >= 0);
	pfd = (struct pollfd){ .fd = extra, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	print_message("shed after %lu ms\n", (unsigned long)(test_now_ms() - t0));
	close(extra);
	for (n = 0; n < 200; n++)
		if (fds[n] >= 0)
			close(fds[n]);
	/* and back in service */
	t0 = test_now_ms();
	while (test_nb_clients(&e) != 0 && test_now_ms() - t0 < 5000)
		sched_yield();
	assert_int_equal(test_nb_clients(&e), 0);
	assert_true(test_pktiod_alive(&e));
	assert_int_equal(test_pktiod_stop(&e), 0);
}

/* A device that takes shorter frames than max_frame: the port advertises its limit. */
static void
test_hostile_max_frame_clamped(void **state)
{
	struct test_pktiod t;
	struct pktio_port_info pi;
	char ports[256];

	(void)state;
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		print_message("skipped: no /dev/net/tun for a TAP port\n");
		skip();
	}
	snprintf(ports, sizeof(ports), "[port t]\ndevice = net_tap0,iface=pktioh%d\n"
		 "max_frame = 9000\n", (int)getpid() % 100000);
	assert_int_equal(test_pktiod_start(&t, ports), 0);
	assert_int_equal(test_port_info(&t, "t", &pi), 0);
	print_message("max_frame 9000 on net_tap: %u advertised\n", pi.max_frame);
	assert_true(pi.max_frame < 9000);
	assert_true(pi.max_frame >= 1514);
	assert_int_equal(test_pktiod_stop(&t), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_region_fd),
		cmocka_unit_test(test_hostile_doorbell_flags),
		cmocka_unit_test(test_hostile_fds_sent_to_pktiod),
		cmocka_unit_test(test_hostile_outgoing_never_read),
		cmocka_unit_test(test_hostile_silent_connection),
		cmocka_unit_test(test_hostile_unprivileged_flood),
		cmocka_unit_test(test_hostile_unprivileged_limits),
		cmocka_unit_test(test_hostile_stranger_cannot_query),
		cmocka_unit_test(test_hostile_busy_names_holder),
		cmocka_unit_test(test_hostile_log_escaped),
		cmocka_unit_test(test_hostile_fd_exhaustion),
		cmocka_unit_test(test_hostile_max_frame_clamped),
	};

	signal(SIGPIPE, SIG_IGN);
	if (geteuid() != 0) {
		printf("skipped: the attacks as another user need root to setuid\n");
		return TEST_SKIP;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
