/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Unmodified tools under pktio-run, each skipped (with the reason) where it is not
 * installed: tcpreplay delivering every frame byte-exact to another client while tcpdump
 * shows them as outgoing; tshark capturing a replay; arping and scapy's srp() answered by
 * pktio-fwd's router; scapy's sendp() and sniff(filter=, count=); a plain python AF_PACKET
 * script (bind, send, recv with a timeout, non-blocking); and tcpdump on a pktio port
 * writing the same bytes as native tcpdump on a kernel veth for the same replay.
 *
 * Ports: p0 and p1 are net_ring loopbacks (what is sent comes back), cap a net_pcap port
 * replaying the merged capture of ../shared/pcaps to its first client.
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "test_preload_common.h"

#define MAX_FRAME 1514
#define WAIT_MS 30000
#define ROUTER_IP "198.18.1.1"
#define ROUTER_MAC "02:00:00:12:01:01"
#define HOST_IP "198.18.1.2"

static struct test_pktiod d;
static char merged[256];
static unsigned int nb_merged;
static const char *python;      /* a python3 with scapy, or NULL */
static pid_t fwd_pid;

/* ---- helpers ---- */

static int
merge_pcaps(const char *dir, const char *out)
{
	char err[PCAP_ERRBUF_SIZE], path[512];
	struct dirent **names;
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *w = pcap_dump_open(dead, out);
	int n, i;

	if (w == NULL)
		return -1;
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *r = NULL;

		if (strstr(names[i]->d_name, ".pcap") != NULL) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			r = pcap_open_offline(path, err);
		}
		free(names[i]);
		if (r == NULL)
			continue;
		while (pcap_datalink(r) == DLT_EN10MB && pcap_next_ex(r, &h, &data) == 1) {
			/* whole frames only: tcpreplay and the kernel send what was captured */
			if (h->caplen < 14 || h->caplen > MAX_FRAME || h->caplen != h->len)
				continue;
			pcap_dump((u_char *)w, h, data);
			nb_merged++;
		}
		pcap_close(r);
	}
	free(names);
	pcap_dump_close(w);
	pcap_close(dead);
	return n > 0 ? 0 : -1;
}

/* The frames of a capture, in order, for comparing. */
struct frames {
	unsigned int n;
	uint32_t *len;
	uint8_t **data;
};

static void
frames_free(struct frames *f)
{
	unsigned int i;

	for (i = 0; i < f->n; i++)
		free(f->data[i]);
	free(f->data);
	free(f->len);
	memset(f, 0, sizeof(*f));
}

static void
frames_add(struct frames *f, const void *data, uint32_t len)
{
	if (f->n % 1024 == 0) {
		f->len = realloc(f->len, (f->n + 1024) * sizeof(*f->len));
		f->data = realloc(f->data, (f->n + 1024) * sizeof(*f->data));
		assert_non_null(f->len);
		assert_non_null(f->data);
	}
	f->data[f->n] = malloc(len);
	assert_non_null(f->data[f->n]);
	memcpy(f->data[f->n], data, len);
	f->len[f->n++] = len;
}

static void
frames_read(struct frames *f, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *r = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *data;

	if (r == NULL)
		fail_msg("%s: %s", path, err);
	memset(f, 0, sizeof(*f));
	while (pcap_next_ex(r, &h, &data) == 1)
		frames_add(f, data, h->caplen);
	pcap_close(r);
}

static void
frames_equal(const struct frames *a, const struct frames *b, const char *what)
{
	unsigned int i;

	if (a->n != b->n)
		fail_msg("%s: %u frames, %u expected", what, b->n, a->n);
	for (i = 0; i < a->n; i++)
		if (a->len[i] != b->len[i] || memcmp(a->data[i], b->data[i], a->len[i]) != 0)
			fail_msg("%s: frame %u differs (%u/%u bytes)", what, i, b->len[i],
				 a->len[i]);
}

/* Start argv (stdout and stderr to a pipe, returned in *out). */
static pid_t
spawn(char *const argv[], int *out)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* Read @p fd until @p text shows (true) or it ends or WAIT_MS pass. */
static bool
wait_text(int fd, const char *text, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t end = preload_ms() + WAIT_MS;
	size_t got = strlen(buf);
	ssize_t n;

	while (strstr(buf, text) == NULL && got < size - 1 && preload_ms() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf + got, size - 1 - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
		buf[got] = '\0';
	}
	return strstr(buf, text) != NULL;
}

static int
finish(pid_t pid, int sig)
{
	int st;

	if (sig != 0)
		kill(pid, sig);
	st = test_wait_pid(pid, WAIT_MS);
	if (st == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char txt[262144]; /* what a tool printed (tcpreplay warns a line per frame) */

static int
run(char *const argv[], char *out, size_t size)
{
	int rc = test_run_capture(argv, out, size, WAIT_MS);

	if (rc != 0)
		fprintf(stderr, "---- %s ... exit %d ----\n%s\n", argv[3], rc, out);
	return rc;
}

static const char *
find_python(void)
{
	static const char *const cands[] = { "/usr/bin/python3", "python3" };
	char cmd[128];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "%s -c 'import scapy.all' >/dev/null 2>&1", cands[i]);
		if (system(cmd) == 0)
			return cands[i];
	}
	return NULL;
}

static const char *
write_file(const char *name, const char *text)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", test_dir(), name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* pktio-fwd's router on p1 (198.18.1.1), for arping and srp. */
static bool
router_start(void)
{
	char conf[512], buf[16] = "";
	const char *path;
	struct pollfd pfd;
	int p[2];

	if (access(test_bin("app/pktio-fwd/pktio-fwd"), X_OK) != 0)
		return false;
	snprintf(conf, sizeof(conf), "[fwd]\nmode = router\nsocket = %s\n\n"
		 "[interface left]\nport = p1\naddress = " ROUTER_IP "/24\nmac = " ROUTER_MAC
		 "\n", d.sock);
	path = write_file("router.conf", conf);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fwd_pid = fork();
	if (fwd_pid == 0) {
		int log = open("/dev/null", O_WRONLY);

		dup2(log, 1);
		dup2(log, 2);
		dup2(p[1], 3);
		execl(test_bin("app/pktio-fwd/pktio-fwd"), "pktio-fwd", "-f", path,
		      "--notify-fd", "3", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pfd, 1, WAIT_MS) != 1 || read(p[0], buf, sizeof(buf) - 1) <= 0 ||
	    strncmp(buf, "READY", 5) != 0) {
		close(p[0]);
		fail_msg("pktio-fwd did not get ready");
	}
	close(p[0]);
	return true;
}

/* ---- tests ---- */

static int
start(void)
{
	char ports[1024];

	snprintf(ports, sizeof(ports),
		 "[port p0]\ndevice = net_ring0\nring_size = 16384\n\n"
		 "[port p1]\ndevice = net_ring1\n\n"
		 "[port cap]\ndevice = net_pcap0,rx_pcap=%s\nring_size = 4096\npoll_idle = no\n",
		 merged);
	return test_pktiod_start(&d, ports);
}

static int
setup(void **state)
{
	const char *dir = getenv("PKTIO_PCAPS");

	(void)state;
	snprintf(merged, sizeof(merged), "%s/merged.pcap", test_dir());
	if (dir == NULL || merge_pcaps(dir, merged) < 0 || nb_merged == 0)
		return -1;
	python = find_python();
	return start();
}

static int
teardown(void **state)
{
	(void)state;
	if (fwd_pid > 0)
		finish(fwd_pid, SIGTERM);
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

/* tcpreplay -i p0 at top speed: a pktio client on p0 gets every frame, byte-exact, and
 * tcpdump -Q out on p0 meanwhile shows them all as outgoing. */
static void
test_preload_tools_tcpreplay(void **state)
{
	char out[256], log[4096] = "";
	char count[16];
	char *td[] = { (char *)preload_run_bin(), (char *)"-s", d.sock, (char *)"tcpdump",
		       (char *)"-i", (char *)"p0", (char *)"-Q", (char *)"out", (char *)"-w", out,
		       (char *)"-c", count, NULL };
	char *tr[] = { (char *)preload_run_bin(), (char *)"-s", d.sock, (char *)"tcpreplay",
		       (char *)"-t", (char *)"-i", (char *)"p0", merged, NULL };
	struct frames want, got = { 0 }, shown;
	struct pktio_port *p;
	uint8_t buf[2048];
	uint64_t end;
	int fd;
	pid_t pid;

	(void)state;
	if (!preload_have("tcpreplay") || !preload_have("tcpdump")) {
		print_message("skipped: tcpreplay or tcpdump not installed\n");
		skip();
	}
	snprintf(out, sizeof(out), "%s/outgoing.pcap", test_dir());
	snprintf(count, sizeof(count), "%u", nb_merged);
	p = pktio_port_open("p0", PKTIO_QUEUE_ANY, PKTIO_F_MIRROR | PKTIO_F_NONBLOCK, d.sock);
	assert_non_null(p);
	pid = spawn(td, &fd);
	assert_true(wait_text(fd, "listening on p0", log, sizeof(log)));
	assert_int_equal(run(tr, txt, sizeof(txt)), 0);
	assert_non_null(strstr(txt, "Failed packets:            0"));
	frames_read(&want, merged);
	end = preload_ms() + WAIT_MS;
	while (got.n < want.n && preload_ms() < end) {
		ssize_t n = pktio_read(p, buf, sizeof(buf), NULL);

		if (n > 0)
			frames_add(&got, buf, (uint32_t)n);
		else if (n == -EAGAIN)
			pktio_wait(p, 100);
	}
	pktio_port_close(p);
	frames_equal(&want, &got, "received from tcpreplay");
	/* tcpdump stops at its count: the outgoing copies, all of them */
	assert_int_equal(finish(pid, 0), 0);
	close(fd);
	frames_read(&shown, out);
	frames_equal(&want, &shown, "tcpdump -Q out");
	frames_free(&want);
	frames_free(&got);
	frames_free(&shown);
}

/* tshark (through dumpcap) captures a replay like tcpdump. */
static void
test_preload_tools_tshark(void **state)
{
	char out[256], count[16];
	char *ts[] = { (char *)preload_run_bin(), (char *)"-s", d.sock, (char *)"tshark",
		       (char *)"-i", (char *)"cap", (char *)"-F", (char *)"pcap", (char *)"-w",
		       out, (char *)"-c", count, NULL };
	struct frames want, got;

	(void)state;
	if (!preload_have("tshark")) {
		print_message("skipped: tshark not installed\n");
		skip();
	}
#ifdef __SANITIZE_ADDRESS__
	/* libasan preloaded into tshark, which is not built with it: dumpcap never starts */
	print_message("skipped under ASan: tshark runs in the plain stage\n");
	skip();
#endif
	snprintf(out, sizeof(out), "%s/tshark.pcap", test_dir());
	snprintf(count, sizeof(count), "%u", nb_merged);
	/* a fresh pktiod: net_pcap replays its file once */
	assert_int_equal(test_pktiod_stop(&d), 0);
	assert_int_equal(start(), 0);
	assert_int_equal(run(ts, txt, sizeof(txt)), 0);
	frames_read(&want, merged);
	frames_read(&got, out);
	frames_equal(&want, &got, "tshark");
	frames_free(&want);
	frames_free(&got);
}

static void
test_preload_tools_arping(void **state)
{
	char *ar[] = { (char *)preload_run_bin(), (char *)"-s", d.sock, (char *)"arping",
		       (char *)"-c", (char *)"3", (char *)"-I", (char *)"p1", (char *)"-s",
		       (char *)HOST_IP, (char *)ROUTER_IP, NULL };

	(void)state;
	if (!preload_have("arping")) {
		print_message("skipped: arping not installed (iputils-arping)\n");
		skip();
	}
	if (fwd_pid <= 0 && !router_start()) {
		print_message("skipped: no pktio-fwd\n");
		skip();
	}
	assert_int_equal(run(ar, txt, sizeof(txt)), 0);
	assert_non_null(strstr(txt, "Received 3 response(s)"));
	assert_non_null(strstr(txt, "[" ROUTER_MAC "]"));
}

static const char scapy_script[] =
	"import sys, threading\n"
	"from scapy.all import *\n"
	"conf.verb = 0\n"
	"# srp: an ARP request, answered by the router\n"
	"ans, unans = srp(Ether(dst='ff:ff:ff:ff:ff:ff')/ARP(pdst='" ROUTER_IP "', psrc='"
	HOST_IP "'), iface='p1', timeout=5)\n"
	"assert len(ans) == 1 and ans[0][1][ARP].hwsrc == '" ROUTER_MAC "', ans\n"
	"# sniff with a filter and a count while sendp sends\n"
	"got = []\n"
	"up = threading.Event()\n"
	"# p0 is a loopback: each frame shows twice, as sent (OUTGOING) and as received\n"
	"t = threading.Thread(target=lambda: got.extend(sniff(iface='p0', filter='udp port 4242',"
	" count=6, timeout=20, started_callback=up.set)))\n"
	"t.start()\n"
	"assert up.wait(20)\n"
	"pkts = [Ether(dst='02:00:00:00:00:09')/IP(dst='198.18.0.9')/UDP(sport=4000, dport=p)"
	"/Raw(b'x' * i)"
	" for i, p in ((1, 4242), (2, 53), (3, 4242), (4, 4242), (5, 80))]\n"
	"sendp(pkts, iface='p0')\n"
	"t.join()\n"
	"assert sorted(len(p) for p in got) == [43, 43, 45, 45, 46, 46], got\n"
	"print('scapy ok')\n";

static void
test_preload_tools_scapy(void **state)
{
	char *py[] = { (char *)preload_run_bin(), (char *)"-s", d.sock, (char *)python,
		       (char *)write_file("scapy_test.py", scapy_script), NULL };

	(void)state;
	if (python == NULL) {
		print_message("skipped: no python3 with scapy (python3-scapy)\n");
		skip();
	}
	if (fwd_pid <= 0 && !router_start()) {
		print_message("skipped: no pktio-fwd\n");
		skip();
	}
	assert_int_equal(run(py, txt, sizeof(txt)), 0);
	assert_non_null(strstr(txt, "scapy ok"));
}

static const char socket_script[] =
	"import socket, struct, time\n"
	"ETH_P_ALL = 3\n"
	"tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))\n"
	"tx.bind(('p0', 0))\n"
	"rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))\n"
	"rx.bind(('p0', 0x88b5))\n"
	"assert rx.getsockname()[0] == 'p0'\n"
	"rx.settimeout(0.2)\n"
	"t0 = time.monotonic()\n"
	"try:\n"
	"    rx.recv(2048)\n"
	"    raise SystemExit('nothing was sent')\n"
	"except socket.timeout:\n"
	"    assert time.monotonic() - t0 >= 0.19\n"
	"frame = b'\\xff' * 6 + b'\\x02\\x00\\x00\\x00\\x00\\x01' + b'\\x88\\xb5' + b'pktio' * 10\n"
	"assert tx.send(frame) == len(frame)\n"
	"rx.settimeout(5)\n"
	"data, addr = rx.recvfrom(2048)\n"
	"assert data == frame and addr[0] == 'p0' and addr[1] == 0x88b5 and addr[2] == 1, addr\n"
	"rx.setblocking(False)\n"
	"try:\n"
	"    rx.recv(2048)\n"
	"    raise SystemExit('one frame was sent')\n"
	"except BlockingIOError:\n"
	"    pass\n"
	"print('socket ok')\n";

static void
test_preload_tools_python_socket(void **state)
{
	char *py[] = { (char *)preload_run_bin(), (char *)"-s", d.sock,
		       (char *)(python != NULL ? python : "python3"),
		       (char *)write_file("socket_test.py", socket_script), NULL };

	(void)state;
	if (!preload_have("python3")) {
		print_message("skipped: no python3\n");
		skip();
	}
	assert_int_equal(run(py, txt, sizeof(txt)), 0);
	assert_non_null(strstr(txt, "socket ok"));
}

/* A network namespace with a veth pair, for native tcpdump. @return false if none. */
static bool
veth_up(const char *ns)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "ip netns add %s && ip -n %s link add va type veth peer name vb && "
		 "ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
		 "net.ipv6.conf.default.disable_ipv6=1 && "
		 "ip -n %s link set va up && ip -n %s link set vb up", ns, ns, ns, ns, ns);
	return system(cmd) == 0;
}

static void
veth_down(const char *ns)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns);
	(void)!system(cmd);
}

/* The same replay, native tcpdump on a veth and tcpdump under pktio-run on a pktio port:
 * the same bytes. */
static void
test_preload_tools_native_compare(void **state)
{
	char ns[64], native[256], log[4096] = "", cmd[1024];
	char count[16];
	char *td[] = { (char *)"ip", (char *)"netns", (char *)"exec", ns, (char *)"tcpdump",
		       (char *)"-i", (char *)"vb", (char *)"-w", native, (char *)"-c", count,
		       NULL };
	struct frames want, got;
	int fd, rc;
	pid_t pid;

	(void)state;
	if (getuid() != 0 || !preload_have("tcpreplay") || !preload_have("tcpdump") ||
	    !preload_have("ip")) {
		print_message("skipped: needs root, ip, tcpdump and tcpreplay\n");
		skip();
	}
	snprintf(ns, sizeof(ns), "pktio-pr-%d", (int)getpid());
	if (!veth_up(ns)) {
		veth_down(ns);
		print_message("skipped: cannot make a network namespace with a veth pair\n");
		skip();
	}
	snprintf(native, sizeof(native), "%s/native.pcap", test_dir());
	snprintf(count, sizeof(count), "%u", nb_merged);
	pid = spawn(td, &fd);
	if (!wait_text(fd, "listening on vb", log, sizeof(log))) {
		finish(pid, SIGKILL);
		veth_down(ns);
		fail_msg("native tcpdump did not start: %s", log);
	}
	/* paced: at top speed the veth's backlog (netdev_max_backlog) drops frames */
	snprintf(cmd, sizeof(cmd), "ip netns exec %s tcpreplay -p 20000 -i va %s > %s/native.log "
		 "2>&1", ns, merged, test_dir());
	rc = system(cmd);
	rc = rc == 0 ? finish(pid, 0) : (finish(pid, SIGKILL), rc);
	close(fd);
	veth_down(ns);
	assert_int_equal(rc, 0);
	/* the pktio side: tcpdump under pktio-run on the replay port */
	{
		char out[256];
		char *pk[] = { (char *)preload_run_bin(), (char *)"-s", d.sock,
			       (char *)"tcpdump", (char *)"-i", (char *)"cap", (char *)"-w", out,
			       (char *)"-c", count, NULL };

		snprintf(out, sizeof(out), "%s/pktio.pcap", test_dir());
		snprintf(count, sizeof(count), "%u", nb_merged);
		assert_int_equal(test_pktiod_stop(&d), 0);
		assert_int_equal(start(), 0);
		assert_int_equal(run(pk, txt, sizeof(txt)), 0);
		frames_read(&want, native);
		frames_read(&got, out);
	}
	frames_equal(&want, &got, "pktio tcpdump vs native tcpdump");
	frames_free(&want);
	frames_free(&got);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preload_tools_tcpreplay),
		cmocka_unit_test(test_preload_tools_tshark),
		cmocka_unit_test(test_preload_tools_arping),
		cmocka_unit_test(test_preload_tools_scapy),
		cmocka_unit_test(test_preload_tools_python_socket),
		cmocka_unit_test(test_preload_tools_native_compare),
	};

	(void)argc;
	(void)argv;
	return cmocka_run_group_tests(tests, setup, teardown);
}
