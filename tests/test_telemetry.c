/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktiod's DPDK telemetry read by Debian's dpdk-telemetry.py (package dpdk-dev): the port
 * list, every counter of a port and the attachments, compared with what pktio_query() and
 * `pktioctl --json` say of the same pktiod once the traffic is over. And pktioctl's own
 * messages: --version, one line per bad option, each query error naming the socket and
 * what to look at.
 *
 * The telemetry cases need dpdk-telemetry.py; without it the others still run and the
 * program exits 77 (skipped) with the reason.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define FRAMES 100
#define FRAME_LEN 128
#define STRANGER 12345          /* a uid no port allows */
#define NOBODY 65534
#define OUT_MAX 65536

static struct test_pktiod d;
static char telemetry_py[256];  /* "" when absent */
static char prefix[64];         /* pktiod's EAL file prefix */

/*
 * [pktiod] keys (the harness's section is still open: the socket is for all to reach, the
 * ports for root alone), then two ring ports: lo, and one with a name JSON must escape and
 * a byte that is not UTF-8.
 */
static const char conf[] =
	"socket_mode = 0666\n"
	"[port lo]\ndevice = net_ring0\nring_size = 256\n"
	"[port we\"ird\\\xff]\ndevice = net_ring1\n";

static const char *
find_telemetry_py(void)
{
	static const char *const where[] = {
		"/usr/bin/dpdk-telemetry.py",
		"/usr/local/bin/dpdk-telemetry.py",
		"/usr/share/dpdk/usertools/dpdk-telemetry.py",
	};
	unsigned int i;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

/* The --file-prefix the harness wrote into pktiod's configuration. */
static int
prefix_read(void)
{
	char line[512], *p;
	FILE *f = fopen(d.conf, "r");
	int rc = -1;

	if (f == NULL)
		return -1;
	while (rc < 0 && fgets(line, sizeof(line), f) != NULL) {
		p = strstr(line, "--file-prefix ");
		if (p != NULL && sscanf(p + 14, "%63s", prefix) == 1)
			rc = 0;
	}
	fclose(f);
	return rc;
}

static int
setup(void **state)
{
	(void)state;
	/* others must reach the socket in the scratch directory (mkdtemp makes it 0700) */
	if (chmod(test_dir(), 0755) < 0)
		return -1;
	if (test_pktiod_start(&d, conf) < 0 || prefix_read() < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

/* Read a file into a NUL-terminated buffer. */
static char *
slurp(const char *path)
{
	char *buf = calloc(1, OUT_MAX);
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(buf);
	assert_non_null(f);
	n = fread(buf, 1, OUT_MAX - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * Run @p argv as @p uid (0: as we are), stdin from @p in (NULL: /dev/null), stdout and
 * stderr into a buffer; the environment plus @p env ("K=V", or NULL).
 * @return the output (free() it); the exit status in *@p st.
 */
static char *
run_as(uid_t uid, const char *env, const char *in, int *st, char *const argv[])
{
	char out[256];
	int fd, ifd;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/run.out", test_dir());
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ifd = open(in != NULL ? in : "/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0 && ifd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(ifd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (uid != 0 && (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0))
			_exit(99);
		if (env != NULL)
			putenv((char *)env);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd);
	close(ifd);
	*st = test_wait_pid(pid, 20000);
	if (*st == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("%s did not finish", argv[0]);
	}
	*st = WIFEXITED(*st) ? WEXITSTATUS(*st) : 128 + WTERMSIG(*st);
	return slurp(out);
}

/* dpdk-telemetry.py -f PREFIX with @p cmds on stdin: one reply a line. */
static char *
telemetry(const char *cmds)
{
	char in[256], *out;
	char *argv[] = { "/usr/bin/python3", telemetry_py, "-f", prefix, NULL };
	FILE *f;
	int st;

	snprintf(in, sizeof(in), "%s/telemetry.in", test_dir());
	f = fopen(in, "w");
	assert_non_null(f);
	fputs(cmds, f);
	fclose(f);
	out = run_as(0, NULL, in, &st, argv);
	print_message("%s", out);
	assert_int_equal(st, 0);
	return out;
}

/*
 * The next line of the replies at *@p cur, which must answer @p cmd ({"CMD": ...);
 * NUL-terminated in place, *@p cur moved past it.
 */
static char *
reply_next(char **cur, const char *cmd)
{
	char pat[64], *line = *cur, *nl;

	snprintf(pat, sizeof(pat), "{\"%s\": ", cmd);
	nl = strchr(line, '\n');
	if (nl == NULL)
		fail_msg("no reply to %s", cmd);
	*nl = '\0';
	*cur = nl + 1;
	if (strncmp(line, pat, strlen(pat)) != 0)
		fail_msg("not a reply to %s: %s", cmd, line);
	return line;
}

/* The number after "key": in @p s (DPDK, json.dumps and pktioctl all write ": "). */
static uint64_t
num(const char *s, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(s, pat);
	if (p == NULL)
		fail_msg("no %s in %s", key, s);
	return strtoull(p + strlen(pat), NULL, 10);
}

/* Every number of struct pktio_port_info, under its pktioctl --json key. */
#define PORT_FIELDS(X) \
	X(index) X(nb_rxq) X(nb_txq) X(nb_clients) X(max_frame) X(ring_size) \
	X(rx_packets) X(rx_bytes) X(tx_packets) X(tx_bytes) X(rx_missed) X(rx_errors) \
	X(tx_errors) X(rx_no_client) X(rx_oversize) X(tx_full) X(tx_nombuf) X(tx_invalid) \
	X(mbuf_in_use) X(detach_closed) X(detach_violation) X(detach_protocol) \
	X(worker_rx_packets) X(worker_rx_cycles) X(worker_tx_packets) X(worker_tx_cycles) \
	X(tsc_hz)

/* @p s (a telemetry reply or pktioctl's line of the port) says what @p pi says. */
static void
port_matches(const char *s, const struct pktio_port_info *pi)
{
#define CHECK(f) \
	if (num(s, #f) != (uint64_t)pi->f) \
		fail_msg(#f ": %" PRIu64 " here, %" PRIu64 " from pktio_query()", num(s, #f), \
			 (uint64_t)pi->f);
	PORT_FIELDS(CHECK)
#undef CHECK
	assert_non_null(strstr(s, "\"device\": \"net_ring0\""));
}

/* Two attachments on lo (an exclusive one and a mirror), FRAMES sent and received. */
struct traffic {
	struct pktio_port *excl, *mirror;
	struct pktio_port_info pi;
	struct pktio_client_info ci[8];
	unsigned int nb_ci;
};

/* Port lo from pktio_query(), and the attachments. */
static void
lo_query(struct traffic *t)
{
	struct pktio_port_info ports[4];
	unsigned int np = 4, i;

	t->nb_ci = 8;
	assert_int_equal(pktio_query(d.sock, ports, &np, t->ci, &t->nb_ci), 0);
	for (i = 0; i < np && strcmp(ports[i].name, "lo") != 0; i++)
		;
	assert_true(i < np);
	t->pi = ports[i];
}

static void
traffic_run(struct traffic *t)
{
	uint64_t end = test_now_ms() + 10000, rx0, tx0;
	unsigned int sent, got = 0;
	uint8_t buf[FRAME_LEN];

	/* the attachments of an earlier case are gone (pktiod counted their detach) */
	for (lo_query(t); t->nb_ci > 0 && test_now_ms() < end; lo_query(t))
		usleep(10000);
	assert_int_equal(t->nb_ci, 0);
	rx0 = t->pi.rx_packets;
	tx0 = t->pi.tx_packets;
	t->excl = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_EXCLUSIVE | PKTIO_F_NONBLOCK,
				  d.sock);
	t->mirror = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR | PKTIO_F_NONBLOCK,
				    d.sock);
	assert_non_null(t->excl);
	assert_non_null(t->mirror);
	for (sent = 0; sent < FRAMES; sent++) {
		test_frame(buf, sizeof(buf), sent % 8, sent);
		assert_int_equal(pktio_write(t->excl, buf, sizeof(buf)), sizeof(buf));
	}
	/* net_ring0 loops them back: the exclusive reader and the mirror get each */
	while (got < 2 * FRAMES && test_now_ms() < end) {
		struct pollfd pfd[2] = {
			{ .fd = pktio_port_fd(t->excl), .events = POLLIN },
			{ .fd = pktio_port_fd(t->mirror), .events = POLLIN },
		};

		poll(pfd, 2, 1000);
		while (pktio_read(t->excl, buf, sizeof(buf), NULL) > 0)
			got++;
		while (pktio_read(t->mirror, buf, sizeof(buf), NULL) > 0)
			got++;
	}
	assert_int_equal(got, 2 * FRAMES);
	/* all delivered: the worker is done with them, and nothing moves any more */
	lo_query(t);
	assert_int_equal(t->pi.rx_packets - rx0, FRAMES);
	assert_int_equal(t->pi.tx_packets - tx0, FRAMES);
	assert_int_equal(t->nb_ci, 2);
}

static void
traffic_end(struct traffic *t)
{
	pktio_port_close(t->mirror);
	pktio_port_close(t->excl);
}

#define SKIP_WITHOUT_TELEMETRY() \
	do { \
		if (telemetry_py[0] == '\0') \
			skip(); \
	} while (0)

/* /pktio/ports and /pktio/port: the same numbers as pktio_query() and pktioctl --json. */
static void
test_telemetry_port_counters(void **state)
{
	char *argv[] = { (char *)test_bin("app/pktioctl/pktioctl"), "-s", d.sock, "--json",
			 NULL };
	char *out, *cur, *ctl, *line, *lo;
	struct traffic t;
	int st;

	(void)state;
	SKIP_WITHOUT_TELEMETRY();
	traffic_run(&t);
	out = telemetry("/pktio/ports\n/pktio/port,lo\n/pktio/port,0\n/pktio/port,nope\n"
			"/pktio/port\n/pktio/ports,x\n/pktio/port,we\"ird\\x5c\\xff\n");
	ctl = run_as(0, NULL, NULL, &st, argv);
	assert_int_equal(st, 0);
	cur = out;
	/* outside printable ASCII, and '\\', as pktiod's log writes them */
	assert_string_equal(reply_next(&cur, "/pktio/ports"),
			    "{\"/pktio/ports\": [\"lo\", \"we\\\"ird\\\\x5c\\\\xff\"]}");
	line = reply_next(&cur, "/pktio/port");
	assert_non_null(strstr(line, "\"name\": \"lo\""));
	port_matches(line, &t.pi);
	/* by index: the same port */
	line = reply_next(&cur, "/pktio/port");
	assert_non_null(strstr(line, "\"name\": \"lo\""));
	port_matches(line, &t.pi);
	/* an unknown port, no port, a parameter where none is taken: null */
	assert_string_equal(reply_next(&cur, "/pktio/port"), "{\"/pktio/port\": null}");
	assert_string_equal(reply_next(&cur, "/pktio/port"), "{\"/pktio/port\": null}");
	assert_string_equal(reply_next(&cur, "/pktio/ports"), "{\"/pktio/ports\": null}");
	/* a name as /pktio/ports writes it */
	line = reply_next(&cur, "/pktio/port");
	assert_non_null(strstr(line, "\"index\": 1,"));
	/* what the library call said, pktioctl says */
	lo = strstr(ctl, "{\"name\": \"lo\"");
	assert_non_null(lo);
	*strchr(lo, '\n') = '\0';
	port_matches(lo, &t.pi);
	free(ctl);
	free(out);
	traffic_end(&t);
}

/* The entries of column @p key in a /pktio/clients reply @p s, quotes removed. @return how many. */
static unsigned int
column(const char *s, const char *key, char item[][32], unsigned int max)
{
	char pat[64];
	const char *p;
	unsigned int n = 0;
	size_t len;

	snprintf(pat, sizeof(pat), "\"%s\": [", key);
	p = strstr(s, pat);
	if (p == NULL)
		fail_msg("no column %s in %s", key, s);
	for (p += strlen(pat); *p != ']' && *p != '\0' && n < max; n++) {
		if (*p == '"')
			p++;
		len = strcspn(p, "\",]");
		assert_true(len < 32);
		memcpy(item[n], p, len);
		item[n][len] = '\0';
		p += len;
		p += *p == '"';
		p += strspn(p, ", ");
	}
	return n;
}

/* /pktio/clients: each attachment as pktio_query() reports it; a port names its own. */
static void
test_telemetry_clients(void **state)
{
	char *out, *cur, *line, cmds[256], item[8][32];
	const struct pktio_client_info *ci;
	unsigned int i, j, nb;
	struct traffic t;

	(void)state;
	SKIP_WITHOUT_TELEMETRY();
	traffic_run(&t);
	/* the other port by its index: its name is no UTF-8, for the script's stdin */
	snprintf(cmds, sizeof(cmds), "/pktio/clients\n/pktio/clients,lo\n/pktio/clients,1\n"
		 "/pktio/clients,nope\n/pktio/client,%u\n/pktio/client,999999\n/pktio/client\n",
		 t.ci[1].id);
	out = telemetry(cmds);
	cur = out;
	for (i = 0; i < 2; i++) {
		/* all of them, then lo's: the same two */
		line = reply_next(&cur, "/pktio/clients");
		assert_int_equal(num(line, "nb_clients"), t.nb_ci);
		nb = column(line, "id", item, 8);
		assert_int_equal(nb, t.nb_ci);
		for (j = 0; j < nb; j++) {
			char v[8][32];

			for (ci = t.ci; ci < t.ci + t.nb_ci && ci->id != strtoul(item[j], NULL, 10);
			     ci++)
				;
			assert_true(ci < t.ci + t.nb_ci);
#define COL_EQ(key, want) \
	do { \
		assert_int_equal(column(line, key, v, 8), nb); \
		assert_string_equal(v[j], want); \
	} while (0)
#define COL_U64(key, want) \
	do { \
		snprintf(v[7], sizeof(v[7]), "%" PRIu64, (uint64_t)(want)); \
		COL_EQ(key, v[7]); \
	} while (0)
			COL_U64("pid", getpid());
			COL_U64("uid", getuid());
			COL_EQ("port", "lo");
			COL_U64("queue", PKTIO_QUEUE_ANY);
			COL_U64("mode", ci->mode);
			COL_EQ("mode_name", pktio_mode_name(ci->mode));
			COL_U64("rx_packets", FRAMES);
			COL_U64("rx_packets", ci->rx_packets);
			COL_U64("rx_no_slot", ci->rx_no_slot);
			COL_U64("tx_packets", ci->tx_packets);
			COL_U64("tx_dropped", ci->tx_dropped);
			COL_U64("violations", ci->violations);
#undef COL_U64
#undef COL_EQ
		}
	}
	/* the other port has none; an unknown port is null */
	line = reply_next(&cur, "/pktio/clients");
	assert_int_equal(num(line, "nb_clients"), 0);
	assert_int_equal(column(line, "id", item, 8), 0);
	assert_string_equal(reply_next(&cur, "/pktio/clients"), "{\"/pktio/clients\": null}");
	/* one by its id, every field */
	line = reply_next(&cur, "/pktio/client");
	ci = &t.ci[1];
	assert_int_equal(num(line, "id"), ci->id);
	assert_int_equal(num(line, "pid"), getpid());
	assert_int_equal(num(line, "uid"), getuid());
	assert_int_equal(num(line, "queue"), PKTIO_QUEUE_ANY);
	assert_int_equal(num(line, "mode"), ci->mode);
	assert_non_null(strstr(line, "\"port\": \"lo\""));
	assert_int_equal(num(line, "rx_packets"), ci->rx_packets);
	assert_int_equal(num(line, "rx_no_slot"), ci->rx_no_slot);
	assert_int_equal(num(line, "tx_packets"), ci->tx_packets);
	assert_int_equal(num(line, "tx_dropped"), ci->tx_dropped);
	assert_int_equal(num(line, "violations"), ci->violations);
	assert_string_equal(reply_next(&cur, "/pktio/client"), "{\"/pktio/client\": null}");
	assert_string_equal(reply_next(&cur, "/pktio/client"), "{\"/pktio/client\": null}");
	free(out);
	traffic_end(&t);
}

/* ---- pktioctl's messages ---- */

/* Run pktioctl (as @p uid) with @p args; its output must be @p want, its status @p status. */
static void
ctl_expect(uid_t uid, const char *env, int status, const char *want, ...)
{
	char *argv[8] = { (char *)test_bin("app/pktioctl/pktioctl") }, *out;
	unsigned int n = 1;
	va_list ap;
	int st;

	va_start(ap, want);
	while (n < 7 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	out = run_as(uid, env, NULL, &st, argv);
	if (strcmp(out, want) != 0 || st != status)
		fail_msg("pktioctl %s: status %d, printed:\n%s\nwanted status %d and:\n%s", argv[1],
			 st, out, status, want);
	free(out);
}

static void
test_telemetry_ctl_version_and_options(void **state)
{
	(void)state;
	ctl_expect(0, NULL, 0, "pktioctl (pktio) " PKTIO_VERSION "\n", "--version", NULL);
	/* one message per mistake, not getopt's and ours */
	ctl_expect(0, NULL, 2, "pktioctl: unknown option '--bogus'\n"
		   "Try 'pktioctl --help' for more information.\n", "--bogus", NULL);
	ctl_expect(0, NULL, 2, "pktioctl: unknown option '-x'\n"
		   "Try 'pktioctl --help' for more information.\n", "-x", NULL);
	ctl_expect(0, NULL, 2, "pktioctl: option '-s' needs an argument\n"
		   "Try 'pktioctl --help' for more information.\n", "-s", NULL);
	ctl_expect(0, NULL, 2, "pktioctl: option '--json' takes no argument\n"
		   "Try 'pktioctl --help' for more information.\n", "--json=1", NULL);
	ctl_expect(0, NULL, 2, "pktioctl: unknown command 'portz'\n"
		   "Try 'pktioctl --help' for more information.\n", "-s", d.sock, "portz", NULL);
}

/* A unix socket at @p path: bound (mode @p mode), listening if @p backlog >= 0. */
static int
sock_make(const char *path, mode_t mode, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(chmod(path, mode), 0);
	if (backlog >= 0)
		assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

/* Every query error names the socket and says where to look. */
static void
test_telemetry_ctl_query_errors(void **state)
{
	char none[128], refused[128], closed[128], squat[128], want[1024];
	int rfd, cfd, sfd;

	(void)state;
	if (geteuid() != 0)
		skip(); /* it runs pktioctl as other users */
	snprintf(none, sizeof(none), "%s/none.sock", test_dir());
	snprintf(want, sizeof(want), "pktioctl: cannot query pktiod via %s: No such file or "
		 "directory (no pktiod listening there: is it running, with this socket?)\n", none);
	ctl_expect(0, NULL, 1, want, "-s", none, NULL);
	/* the socket from the environment when -s is not given */
	ctl_expect(0, NULL, 1, want, NULL);

	snprintf(refused, sizeof(refused), "%s/refused.sock", test_dir());
	rfd = sock_make(refused, 0666, -1);
	snprintf(want, sizeof(want), "pktioctl: cannot query pktiod via %s: Connection refused "
		 "(no pktiod listening there: is it running, with this socket?)\n", refused);
	ctl_expect(0, NULL, 1, want, "-s", refused, NULL);

	/* a socket only root may open */
	snprintf(closed, sizeof(closed), "%s/closed.sock", test_dir());
	cfd = sock_make(closed, 0600, 4);
	snprintf(want, sizeof(want), "pktioctl: cannot query pktiod via %s: Permission denied "
		 "(no permission on the socket: pktiod's socket_mode and socket_group)\n", closed);
	ctl_expect(NOBODY, NULL, 1, want, "-s", closed, NULL);

	/* a listener that never answers */
	snprintf(squat, sizeof(squat), "%s/squat.sock", test_dir());
	sfd = sock_make(squat, 0666, 4);
	snprintf(want, sizeof(want), "pktioctl: cannot query pktiod via %s: Connection timed "
		 "out (pktiod did not answer)\n", squat);
	ctl_expect(0, "PKTIO_CTL_TIMEOUT_MS=200", 1, want, "-s", squat, NULL);

	/* pktiod itself: a user no port allows may not query */
	snprintf(want, sizeof(want), "pktioctl: cannot query pktiod via %s: Permission denied "
		 "(this user may not query: only users who may attach to some port may; pktiod's "
		 "allow_uid and allow_gid)\n", d.sock);
	ctl_expect(STRANGER, NULL, 1, want, "-s", d.sock, NULL);
	close(sfd);
	close(cfd);
	close(rfd);
}

/* A reply of another protocol version. */
static void
test_telemetry_ctl_bad_reply(void **state)
{
	struct { uint16_t version, type; int32_t status; } bad = { 99, 4, 0 };
	char path[128], want[512];
	int lfd, st;
	pid_t pid;

	(void)state;
	snprintf(path, sizeof(path), "%s/fake.sock", test_dir());
	lfd = sock_make(path, 0666, 4);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[256];
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0 || recv(fd, buf, sizeof(buf), 0) <= 0 ||
		    send(fd, &bad, sizeof(bad), 0) != sizeof(bad))
			_exit(1);
		(void)!recv(fd, buf, sizeof(buf), 0); /* until pktioctl closes */
		_exit(0);
	}
	close(lfd);
	snprintf(want, sizeof(want), "pktioctl: cannot query pktiod via %s: Protocol error "
		 "(a bad reply: pktiod speaks another protocol version)\n", path);
	ctl_expect(0, NULL, 1, want, "-s", path, NULL);
	st = test_wait_pid(pid, 5000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_telemetry_port_counters),
		cmocka_unit_test(test_telemetry_clients),
		cmocka_unit_test(test_telemetry_ctl_version_and_options),
		cmocka_unit_test(test_telemetry_ctl_query_errors),
		cmocka_unit_test(test_telemetry_ctl_bad_reply),
	};
	const char *py = find_telemetry_py();
	char env[160];
	int failed;

	snprintf(telemetry_py, sizeof(telemetry_py), "%s", py != NULL ? py : "");
	/* pktioctl without -s reads this: one that does not exist */
	snprintf(env, sizeof(env), "PKTIO_SOCKET=%s/none.sock", test_dir());
	putenv(env);
	failed = cmocka_run_group_tests(tests, setup, teardown);
	if (failed == 0 && py == NULL) {
		printf("skipped: no dpdk-telemetry.py (Debian package dpdk-dev): the telemetry "
		       "cases did not run\n");
		return TEST_SKIP;
	}
	return failed;
}
