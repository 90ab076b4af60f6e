/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#ifdef __SANITIZE_ADDRESS__
/*
 * ASan build (scripts/test's asan stage): ASan's defaults for every test program, before
 * ASAN_OPTIONS. A test program that pktio-run starts again, or that one of its cases execs
 * with an environment of its own, has libpktio-preload.so ahead of libasan in its library
 * list: tell ASan that this order is wanted (libasan still comes before libc).
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "verify_asan_link_order=0";
}
#endif

#define MAX_PROCS 8

const char *test_lcores = "-l 0-1";

static struct test_pktiod *procs[MAX_PROCS];
static char scratch[64];
static int instance;

static void
cleanup(void)
{
	char cmd[128];
	int i;

	for (i = 0; i < MAX_PROCS; i++)
		if (procs[i] != NULL && procs[i]->pid > 0) {
			kill(procs[i]->pid, SIGKILL);
			waitpid(procs[i]->pid, NULL, 0);
		}
	if (scratch[0] != '\0' && getenv("PKTIO_TEST_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		(void)!system(cmd);
	}
	/* EAL's runtime directories of the pktiods this test started (and, by SIGKILL,
	 * perhaps kept from removing them): the prefix is the test's own, see below */
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/pktio-t%d-* 2>/dev/null", (int)getpid());
	if (geteuid() == 0)
		(void)!system(cmd);
}

const char *
test_dir(void)
{
	if (scratch[0] == '\0') {
		strcpy(scratch, "/tmp/pktio-test-XXXXXX");
		if (mkdtemp(scratch) == NULL) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(cleanup);
	}
	return scratch;
}

const char *
test_bin(const char *rel)
{
	static char path[4][512];
	static int next;
	const char *b = getenv("PKTIO_BUILD");
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", b != NULL ? b : ".", rel);
	return p;
}

static void
dump_log(const struct test_pktiod *d)
{
	char cmd[200];

	fprintf(stderr, "---- pktiod log %s ----\n", d->log);
	snprintf(cmd, sizeof(cmd), "tail -n 30 '%s' >&2", d->log);
	(void)!system(cmd);
}

int
test_wait_pid(pid_t pid, int ms)
{
	int fd = syscall(SYS_pidfd_open, pid, 0), st = -1;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (fd < 0)
		return -1;
	if (poll(&pfd, 1, ms) == 1 && waitpid(pid, &st, 0) == pid) {
		close(fd);
		return st;
	}
	close(fd);
	return -1;
}

static int
spawn(struct test_pktiod *d)
{
	char nfd[16], buf[64] = "";
	struct pollfd pfd;
	int pipefd[2], i;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	d->pid = fork();
	if (d->pid == 0) {
		int log = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		/* a test killed by its timeout runs no atexit(): pktiod goes with it */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(log, 1);
		dup2(log, 2);
		dup2(pipefd[1], 3); /* dup2 clears close-on-exec */
		snprintf(nfd, sizeof(nfd), "%d", 3);
		execl(test_bin("app/pktiod/pktiod"), "pktiod", "-f", d->conf, "--notify-fd", nfd,
		      (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	for (i = 0; i < MAX_PROCS && procs[i] != NULL && procs[i] != d; i++)
		;
	if (i < MAX_PROCS)
		procs[i] = d;
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	n = poll(&pfd, 1, 30000) == 1 ? read(pipefd[0], buf, sizeof(buf) - 1) : -1;
	close(pipefd[0]);
	if (n <= 0 || strncmp(buf, "READY", 5) != 0) {
		fprintf(stderr, "pktiod did not get ready\n");
		dump_log(d);
		kill(d->pid, SIGKILL);
		test_wait_pid(d->pid, 5000);
		d->pid = 0;
		return -1;
	}
	return 0;
}

int
test_pktiod_start(struct test_pktiod *d, const char *ports)
{
	const char *dir = test_dir();
	FILE *f;
	int n = instance++;

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	snprintf(d->sock, sizeof(d->sock), "%s/pktiod%d.sock", dir, n);
	snprintf(d->conf, sizeof(d->conf), "%s/pktiod%d.conf", dir, n);
	snprintf(d->log, sizeof(d->log), "%s/pktiod%d.log", dir, n);
	f = fopen(d->conf, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "[pktiod]\nsocket = %s\n"
		"eal = %s --no-pci --no-huge -m 256 --no-shconf --file-prefix pktio-t%d-%d "
		"--log-level=lib.eal:error\n"
		"%s\n%s",
		d->sock, test_lcores, (int)getpid(), n,
		strstr(ports, "idle_sleep_us") != NULL ? "" : "idle_sleep_us = 100\n", ports);
	fclose(f);
	return spawn(d);
}

int
test_pktiod_restart(struct test_pktiod *d)
{
	return spawn(d);
}

int
test_pktiod_stop(struct test_pktiod *d)
{
	int st;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	st = test_wait_pid(d->pid, 10000);
	if (st == -1) {
		fprintf(stderr, "pktiod did not stop on SIGTERM\n");
		dump_log(d);
		kill(d->pid, SIGKILL);
		test_wait_pid(d->pid, 5000);
	}
	d->pid = 0;
	return st;
}

bool
test_pktiod_alive(const struct test_pktiod *d)
{
	return d->pid > 0 && kill(d->pid, 0) == 0 && waitpid(d->pid, NULL, WNOHANG) == 0;
}

int
test_run(char *const argv[], const char *out, int timeout_ms)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (out != NULL) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	st = test_wait_pid(pid, timeout_ms);
	if (st == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
test_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int
test_port_info(const struct test_pktiod *d, const char *port, struct pktio_port_info *pi)
{
	struct pktio_port_info all[32];
	unsigned int n = 32, i;
	int rc = pktio_query(d->sock, all, &n, NULL, NULL);

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		if (strcmp(all[i].name, port) == 0) {
			*pi = all[i];
			return 0;
		}
	return -ENOENT;
}

int
test_nb_clients(const struct test_pktiod *d)
{
	struct pktio_port_info ports[32];
	struct pktio_client_info c[64];
	unsigned int np = 32, nc = 64;
	int rc = pktio_query(d->sock, ports, &np, c, &nc);

	return rc < 0 ? rc : (int)nc;
}

int
test_check_service(const struct test_pktiod *d, const char *port, unsigned int rx_flags)
{
	struct pktio_port *r = pktio_port_open(port, PKTIO_QUEUE_ANY, rx_flags, d->sock);
	struct pktio_port *w = pktio_port_open(port, PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, d->sock);
	uint8_t buf[128];
	uint32_t i;
	int rc = r == NULL || w == NULL ? 1 : 0;

	for (i = 0; rc == 0 && i < 20; i++) {
		test_frame(buf, sizeof(buf), 1, i);
		if (pktio_write(w, buf, sizeof(buf)) != sizeof(buf))
			rc = 2;
		else if (pktio_read(r, buf, sizeof(buf), NULL) != sizeof(buf))
			rc = 3;
		else if (test_frame_seq(buf, NULL) != i)
			rc = 4;
	}
	pktio_port_close(w);
	pktio_port_close(r);
	return rc;
}

int
test_nb_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dir);
	return n;
}

uint64_t
test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

int
test_wait_clients(const struct test_pktiod *d, int n, int ms)
{
	uint64_t end = test_now_ms() + ms;
	int got;

	while ((got = test_nb_clients(d)) != n && test_now_ms() < end)
		sched_yield();
	return got;
}

void
test_frame(void *buf, unsigned int len, uint16_t sport, uint32_t seq)
{
	static const uint8_t hdr[34] = {
		0x02, 0, 0, 0, 0, 2,  0x02, 0, 0, 0, 0, 1,  0x08, 0x00,
		0x45, 0, 0, 0,  0, 0, 0x40, 0,  64, 17, 0, 0,
		198, 18, 0, 1,  198, 18, 0, 2,
	};
	uint8_t *p = buf;
	uint16_t v;
	uint32_t s = htonl(seq);

	memset(p, 0, len);
	memcpy(p, hdr, sizeof(hdr));
	v = htons(len - 14);
	memcpy(p + 16, &v, 2);
	v = htons(sport);
	memcpy(p + 34, &v, 2);
	v = htons(9);
	memcpy(p + 36, &v, 2);
	v = htons(len - 34);
	memcpy(p + 38, &v, 2);
	memcpy(p + 42, &s, 4);
}

uint32_t
test_frame_seq(const void *buf, uint16_t *sport)
{
	const uint8_t *p = buf;
	uint32_t s;
	uint16_t v;

	memcpy(&v, p + 34, 2);
	if (sport != NULL)
		*sport = ntohs(v);
	memcpy(&s, p + 42, 4);
	return ntohl(s);
}

int
test_run_capture(char *const argv[], char *out, size_t len, int timeout_ms)
{
	char log[256];
	size_t n = 0;
	FILE *f;
	int rc;

	snprintf(log, sizeof(log), "%s/run.out", test_dir());
	rc = test_run(argv, log, timeout_ms);
	f = fopen(log, "r");
	if (f == NULL)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
	return rc;
}

double
test_thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

bool
test_thread_sleeping(pid_t tid)
{
	char path[64], stat[256], *p;
	bool s = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	if (fgets(stat, sizeof(stat), f) != NULL) {
		p = strrchr(stat, ')');
		s = p != NULL && p[2] == 'S';
	}
	fclose(f);
	return s;
}
