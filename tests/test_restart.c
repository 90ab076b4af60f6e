/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The appliance going away: clients get -ECONNRESET, the fd turns readable and the control
 * fd reports POLLHUP, on a clean shutdown and on SIGKILL; after a restart they reopen.
 * Starting: one pktiod per socket (refused before EAL, the first one untouched), a runtime
 * directory per socket by default, SIGTERM honoured during start-up, no hugepage file left.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
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

static pid_t spawned[8];  /* pktiods started here, killed if a test fails */

static int
teardown(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(spawned) / sizeof(spawned[0]); i++)
		if (spawned[i] > 0 && kill(spawned[i], SIGKILL) == 0)
			test_wait_pid(spawned[i], 5000);
	return test_pktiod_alive(&d) && test_pktiod_stop(&d) != 0 ? -1 : 0;
}

/* One of our own configurations: a ring port on <dir>/NAME.sock with @p eal. */
struct inst {
	char conf[256], sock[108], lock[120], log[256];
	pid_t pid;
};

static void
inst_conf(struct inst *in, const char *name, const char *eal)
{
	FILE *f;

	memset(in, 0, sizeof(*in));
	snprintf(in->conf, sizeof(in->conf), "%s/%s.conf", test_dir(), name);
	snprintf(in->sock, sizeof(in->sock), "%s/%s.sock", test_dir(), name);
	snprintf(in->lock, sizeof(in->lock), "%s.lock", in->sock);
	snprintf(in->log, sizeof(in->log), "%s/%s.log", test_dir(), name);
	f = fopen(in->conf, "w");
	assert_non_null(f);
	fprintf(f, "[pktiod]\nsocket = %s\neal = %s\n[port lo]\ndevice = net_ring0\n", in->sock,
		eal);
	assert_int_equal(fclose(f), 0);
}

#define SPAWN_TERM_BLOCKED 1 /* SIGTERM blocked from before exec: one sent at once is pending */
#define SPAWN_LOW_NOFILE   2 /* soft RLIMIT_NOFILE lowered to 256 */

/* Start pktiod on @p in with SPAWN_* @p flags. @return the READY pipe. */
static int
inst_spawn(struct inst *in, unsigned int flags)
{
	int pipefd[2], log;
	sigset_t set, old;
	unsigned int i;

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	/* blocked before fork, so that a kill() right after it finds the child blocking */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	in->pid = fork();
	if (in->pid != 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	assert_true(in->pid >= 0);
	if (in->pid == 0) {
		struct rlimit rl;

		if (!(flags & SPAWN_TERM_BLOCKED))
			sigprocmask(SIG_SETMASK, &old, NULL);
		if ((flags & SPAWN_LOW_NOFILE) && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			rl.rlim_cur = 256;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		log = open(in->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(log, 1);
		dup2(log, 2);
		dup2(pipefd[1], 3);
		execl(test_bin("app/pktiod/pktiod"), "pktiod", "-f", in->conf, "--notify-fd", "3",
		      (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	for (i = 0; i < sizeof(spawned) / sizeof(spawned[0]) && spawned[i] > 0; i++)
		;
	if (i < sizeof(spawned) / sizeof(spawned[0]))
		spawned[i] = in->pid;
	return pipefd[0];
}

static void
inst_ready(struct inst *in, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[16] = "";

	if (poll(&pfd, 1, 30000) != 1 || read(fd, buf, sizeof(buf) - 1) <= 0 ||
	    strncmp(buf, "READY", 5) != 0) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", in->log);
		(void)!system(cmd);
		fail_msg("pktiod on %s did not get ready", in->sock);
	}
	close(fd);
}

static void
forget(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < sizeof(spawned) / sizeof(spawned[0]); i++)
		if (spawned[i] == pid)
			spawned[i] = 0;
}

/* SIGTERM @p in (unless 0) and assert a clean exit that leaves no socket or lock file. */
static void
inst_stopped(struct inst *in, int sig)
{
	int st;

	if (sig != 0)
		kill(in->pid, sig);
	st = test_wait_pid(in->pid, 30000);
	forget(in->pid);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", in->log);
		(void)!system(cmd);
		fail_msg("pktiod did not exit cleanly (wait status %d)", st);
	}
	assert_int_equal(access(in->sock, F_OK), -1);
	assert_int_equal(access(in->lock, F_OK), -1);
}

/* The runtime directory (and file prefix) pktiod reports in @p log, last start. */
static void
log_rundir(const char *log, char *prefix, char *rundir, size_t len)
{
	char line[512], *p;
	FILE *f = fopen(log, "r");

	assert_non_null(f);
	prefix[0] = rundir[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		p = strstr(line, "EAL file prefix ");
		if (p != NULL && sscanf(p, "EAL file prefix %255[^,], runtime directory %255s",
					prefix, rundir) != 2)
			prefix[0] = rundir[0] = '\0';
	}
	fclose(f);
	(void)len;
	if (rundir[0] == '\0')
		fail_msg("%s does not name its runtime directory", log);
}

/* Does @p log hold @p text? */
static bool
log_has(const char *log, const char *text)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(log, "r");

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

/* Run pktiod on @p conf to its end. @return its exit status, its output in @p out. */
static int
run_once(const char *conf, char *out, size_t len)
{
	char *argv[] = { (char *)test_bin("app/pktiod/pktiod"), "-f", (char *)conf, NULL };

	return test_run_capture(argv, out, len, 30000);
}

/* Refused before EAL: the message names the holder, and nothing of DPDK ran. */
static void
refused_before_eal(const char *conf, const char *sock, pid_t holder)
{
	char out[8192], want[400];

	assert_int_equal(run_once(conf, out, sizeof(out)), 1);
	print_message("%s", out);
	snprintf(want, sizeof(want), "socket %s is served by another pktiod (pid %d)", sock,
		 (int)holder);
	if (strstr(out, want) == NULL)
		fail_msg("'%s' not in '%s'", want, out);
	assert_null(strstr(out, "EAL"));
}

static void
loopback_on(const char *sock)
{
	struct pktio_port *r = pktio_port_open("lo", PKTIO_QUEUE_ANY, 0, sock);
	struct pktio_port *w = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, sock);
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

static void
loopback_works(void)
{
	loopback_on(d.sock);
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

/* A second pktiod on a served socket stops before EAL and leaves the first untouched. */
static void
test_restart_second_instance_refused(void **state)
{
	char prefix[256], rundir[256];

	(void)state;
	log_rundir(d.log, prefix, rundir, sizeof(rundir));
	assert_int_equal(access(rundir, F_OK), 0);
	refused_before_eal(d.conf, d.sock, d.pid);
	assert_int_equal(access(rundir, F_OK), 0); /* its runtime directory is still there */
	assert_true(test_pktiod_alive(&d));
	loopback_works();
}

/* The lock is what counts (before the socket exists), then a live socket without one. */
static void
test_restart_lock_and_live_socket(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct inst in;
	char pid[16];
	int fd, lsn;

	(void)state;
	inst_conf(&in, "locked", "-l 0-1 --no-huge -m 128 --no-shconf --log-level=lib.eal:error");
	fd = open(in.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	assert_int_equal(write(fd, pid, strlen(pid)), (ssize_t)strlen(pid));
	refused_before_eal(in.conf, in.sock, getpid());
	assert_int_equal(access(in.sock, F_OK), -1);
	close(fd);
	unlink(in.lock);

	/* a listener that holds no lock (an older pktiod): SO_PEERCRED names it */
	lsn = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", in.sock);
	assert_int_equal(bind(lsn, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lsn, 4), 0);
	refused_before_eal(in.conf, in.sock, getpid());
	close(lsn);

	/* now a stale socket file: replaced */
	inst_ready(&in, inst_spawn(&in, 0));
	inst_stopped(&in, SIGTERM);
}

/* A SIGTERM pending from before exec on: a clean exit, and the next start works. */
static void
test_restart_sigterm_at_start(void **state)
{
	struct inst in;
	char eal[256], rundir[300];
	int fd;

	(void)state;
	snprintf(eal, sizeof(eal), "-l 0-1 --no-huge -m 128 --file-prefix pktio-term-%d",
		 (int)getpid());
	snprintf(rundir, sizeof(rundir), "/var/run/dpdk/pktio-term-%d", (int)getpid());
	inst_conf(&in, "term", eal);
	fd = inst_spawn(&in, SPAWN_TERM_BLOCKED);
	kill(in.pid, SIGTERM);
	inst_stopped(&in, 0);
	close(fd);
	assert_false(log_has(in.log, "EAL:")); /* it stopped before starting anything */
	assert_true(log_has(in.log, "signalled during start-up"));
	if (getuid() == 0)
		assert_int_equal(access(rundir, F_OK), -1);
	inst_ready(&in, inst_spawn(&in, 0));
	inst_stopped(&in, SIGTERM);
}

/* Has pktiod @p pid (exec'd: our child blocks SIGTERM for a moment before) blocked SIGTERM?
 * It does so before taking its lock and initialising EAL. */
static bool
term_blocked(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	bool pktiod = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strcmp(line, "Name:\tpktiod\n") == 0)
			pktiod = true;
		if (sscanf(line, "SigBlk: %llx", &mask) == 1)
			break;
	}
	fclose(f);
	return pktiod && (mask >> (SIGTERM - 1) & 1) != 0;
}

/* A SIGTERM that arrives while pktiod starts (EAL init, ports) ends it cleanly. */
static void
test_restart_sigterm_during_start(void **state)
{
	struct inst in;
	char eal[256], rundir[300];
	struct timespec t0, t;
	int fd;

	(void)state;
	snprintf(eal, sizeof(eal), "-l 0-1 --no-huge -m 128 --file-prefix pktio-term2-%d",
		 (int)getpid());
	snprintf(rundir, sizeof(rundir), "/var/run/dpdk/pktio-term2-%d", (int)getpid());
	inst_conf(&in, "term2", eal);
	fd = inst_spawn(&in, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* no event says "signals blocked": look at the mask until it is (a few ms) */
	do {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!term_blocked(in.pid) && t.tv_sec - t0.tv_sec < 30);
	assert_true(term_blocked(in.pid));
	kill(in.pid, SIGTERM);
	inst_stopped(&in, 0);
	close(fd);
	if (getuid() == 0)
		assert_int_equal(access(rundir, F_OK), -1);
}

/* Without --file-prefix, pktiods on two sockets get runtime directories of their own. */
static void
test_restart_default_prefix(void **state)
{
	static const char eal[] = "-l 0-1 --no-huge -m 128 --log-level=lib.eal:error";
	char p1[256], p2[256], r1[256], r2[256];
	struct inst a, b;

	(void)state;
	inst_conf(&a, "prefix-a", eal);
	inst_ready(&a, inst_spawn(&a, 0));
	inst_conf(&b, "prefix-b", eal);
	inst_ready(&b, inst_spawn(&b, 0));
	log_rundir(a.log, p1, r1, sizeof(r1));
	log_rundir(b.log, p2, r2, sizeof(r2));
	print_message("%s %s\n", r1, r2);
	assert_string_not_equal(p1, p2);
	assert_int_equal(strncmp(p1, "pktiod-", 7), 0);
	assert_int_equal(access(r1, F_OK), 0);
	assert_int_equal(access(r2, F_OK), 0);
	inst_stopped(&a, SIGTERM);
	assert_int_equal(access(r1, F_OK), -1);
	assert_int_equal(access(r2, F_OK), 0);
	inst_stopped(&b, SIGTERM);
	assert_int_equal(access(r2, F_OK), -1);
}

/* The soft limit on open files of @p pid. */
static unsigned long long
soft_nofile(pid_t pid)
{
	char path[64], line[256];
	unsigned long long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Max open files %llu", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* pktiod raises its soft fd limit to the hard one: every client holds descriptors. */
static void
test_restart_nofile_raised(void **state)
{
	struct rlimit rl;
	struct inst in;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max <= 256) {
		print_message("skipped: the hard fd limit is %llu\n",
			      (unsigned long long)rl.rlim_max);
		skip();
	}
	inst_conf(&in, "nofile", "-l 0-1 --no-huge -m 128 --no-shconf --log-level=lib.eal:error");
	inst_ready(&in, inst_spawn(&in, SPAWN_LOW_NOFILE));
	assert_true(soft_nofile(in.pid) > 256);
	if (rl.rlim_max != RLIM_INFINITY)
		assert_int_equal(soft_nofile(in.pid), rl.rlim_max);
	inst_stopped(&in, SIGTERM);
}

/* Free 2 MiB hugepages on a mounted hugetlbfs, or 0. */
static long
hugepages_free(void)
{
	struct statfs sf;
	char line[128];
	long n = 0;
	FILE *f;

	if (statfs("/dev/hugepages", &sf) < 0 || sf.f_type != 0x958458f6 /* HUGETLBFS_MAGIC */)
		return 0;
	f = fopen("/proc/meminfo", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Files in /dev/hugepages named PREFIX... */
static unsigned int
hugepage_files(const char *prefix)
{
	DIR *dir = opendir("/dev/hugepages");
	unsigned int n = 0;
	struct dirent *e;

	if (dir == NULL)
		return 0;
	while ((e = readdir(dir)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(dir);
	return n;
}

/* With hugepages and neither --in-memory nor --huge-unlink, a clean stop left the files. */
static void
test_restart_hugepages_released(void **state)
{
	char prefix[256], rundir[256];
	long free_pages = hugepages_free();
	struct inst in;

	(void)state;
	if (free_pages < 64) {
		print_message("skipped: %ld free 2 MiB hugepages on /dev/hugepages, 64 needed "
			      "(echo 512 > /proc/sys/vm/nr_hugepages)\n", free_pages);
		skip();
	}
	inst_conf(&in, "huge", "-l 0-1 -m 64 --log-level=lib.eal:error");
	inst_ready(&in, inst_spawn(&in, 0));
	log_rundir(in.log, prefix, rundir, sizeof(rundir));
	assert_true(hugepages_free() < free_pages); /* EAL does use hugepages */
	loopback_on(in.sock);
	inst_stopped(&in, SIGTERM);
	assert_int_equal(hugepage_files(prefix), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_clean_shutdown),
		cmocka_unit_test(test_restart_after_sigkill),
		cmocka_unit_test(test_restart_second_instance_refused),
		cmocka_unit_test(test_restart_lock_and_live_socket),
		cmocka_unit_test(test_restart_sigterm_at_start),
		cmocka_unit_test(test_restart_sigterm_during_start),
		cmocka_unit_test(test_restart_default_prefix),
		cmocka_unit_test(test_restart_hugepages_released),
		cmocka_unit_test(test_restart_nofile_raised),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
