/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-dump at tcpdump parity: the capture filter and snapshot length against tcpdump's own
 * selection, nanosecond pcap and pcapng read back by tcpdump (and tshark where installed),
 * -C/-W rotation, -c, the "listening on" line and the summary, a clean end when the reader
 * of -w - goes away, the attach and usage messages, --version. Packets come from the shared
 * captures through a net_pcap port of pktiod.
 */

#include <errno.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"
#include "harness.h"

#define MAX_FRAME 9216
#define SNAP 96
#define RUN_MS 60000

static struct capture input;   /* every packet of the shared captures */
static char merged[256];       /* ... in one file */
static unsigned int nb_fits;   /* those pktiod passes (not over MAX_FRAME) */
static char out[8192];         /* pktio-dump's stdout and stderr */

static int
setup(void **state)
{
	unsigned int i;

	(void)state;
	snprintf(merged, sizeof(merged), "%s/all.pcap", test_dir());
	cap_load_shared(&input, merged);
	for (i = 0; i < input.n; i++)
		nb_fits += input.p[i].len <= MAX_FRAME;
	printf("%u captures, %u packets, %u under %d bytes\n", input.files, input.n, nb_fits,
	       MAX_FRAME);
	return input.n > 0 ? 0 : -1;
}

/* A shell command, formatted. @return its exit status, or -1. */
static int __attribute__((format(printf, 1, 2)))
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static bool
have(const char *prog)
{
	return sh("command -v %s >/dev/null 2>&1", prog) == 0;
}

/* A pktiod whose port "in" holds the packets of @p pcap until a reader attaches. */
static void
start(struct test_pktiod *d, const char *pcap)
{
	char ports[512];

	snprintf(ports, sizeof(ports), "[port in]\ndevice = net_pcap0,rx_pcap=%s\n"
		 "max_frame = %d\nring_size = 4096\npoll_idle = no\n", pcap, MAX_FRAME);
	assert_int_equal(test_pktiod_start(d, ports), 0);
}

/* Run pktio-dump with @p args (NULL-terminated) after its name. @return its exit status. */
static int
dump(const char *arg0, ...)
{
	char *argv[32] = { (char *)test_bin("app/pktio-dump/pktio-dump") };
	const char *a = arg0;
	unsigned int n = 1;
	va_list ap;
	int rc;

	va_start(ap, arg0);
	while (a != NULL && n < 31) {
		argv[n++] = (char *)a;
		a = va_arg(ap, const char *);
	}
	va_end(ap);
	argv[n] = NULL;
	rc = test_run_capture(argv, out, sizeof(out), RUN_MS);
	print_message("pktio-dump exit %d:\n%s", rc, out);
	return rc;
}

static char *
path(const char *name)
{
	static char p[8][256];
	static unsigned int next;
	char *s = p[next++ % 8];

	snprintf(s, 256, "%s/%s", test_dir(), name);
	return s;
}

/* @p got must be the input packets that pktiod passes, byte for byte, in order. */
static void
assert_all_input(const struct capture *got)
{
	unsigned int i, j = 0;

	for (i = 0; i < input.n; i++) {
		if (input.p[i].len > MAX_FRAME)
			continue;
		if (j >= got->n)
			fail_msg("output ends at %u packets; input packet %u missing", got->n, i);
		if (got->p[j].len != input.p[i].len ||
		    memcmp(got->p[j].data, input.p[i].data, input.p[i].len) != 0)
			fail_msg("output packet %u differs from input packet %u", j, i);
		j++;
	}
	assert_int_equal(got->n, j);
}

/* The records' time stamps, read at nanosecond precision, must be strictly increasing. */
static void
assert_ns_increasing(const char *file)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO,
							     err);
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t prev = 0, ns;
	unsigned int n = 0;

	assert_non_null(pc);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
		if (ns <= prev)
			fail_msg("%s: record %u at %lu ns, not after %lu", file, n, ns, prev);
		prev = ns;
		n++;
	}
	pcap_close(pc);
	assert_true(n > 1);
}

/* tcpdump, and tshark where installed, read @p file and copy the same frames out. */
static void
assert_readers_agree(const char *file)
{
	struct capture got = { 0 };
	const char *copy = path("copy.pcap");

	assert_int_equal(sh("tcpdump -r '%s' -w '%s' 2>/dev/null", file, copy), 0);
	assert_int_equal(cap_read(&got, copy, NULL), 0);
	assert_all_input(&got);
	cap_free(&got);
	if (!have("tshark")) {
		print_message("tshark not installed: read back by tcpdump only\n");
		return;
	}
	assert_int_equal(sh("tshark -r '%s' -F pcap -w '%s' 2>/dev/null", file, copy), 0);
	assert_int_equal(cap_read(&got, copy, NULL), 0);
	assert_all_input(&got);
	cap_free(&got);
}

/*
 * -s 96 with the filter 'udp' writes the frames tcpdump's compiler selects from the same
 * captures, each cut to 96 bytes. tcpdump -r ignores -s (it keeps each record as read; 4.99
 * checked), so the cut is applied here to tcpdump's selection.
 */
static void
test_dump_filter_snaplen(void **state)
{
	struct capture ref = { 0 }, got = { 0 };
	struct test_pktiod d;
	char err[PCAP_ERRBUF_SIZE], cnt[16];
	unsigned int i, j = 0, cut = 0;
	pcap_t *pc;

	(void)state;
	if (!have("tcpdump"))
		skip();
	assert_int_equal(sh("tcpdump -r '%s' -w '%s' udp 2>/dev/null", merged, path("ref.pcap")),
			 0);
	assert_int_equal(cap_read(&ref, path("ref.pcap"), NULL), 0);
	for (i = 0; i < ref.n; i++)
		j += ref.p[i].len <= MAX_FRAME;
	snprintf(cnt, sizeof(cnt), "%u", j);
	start(&d, merged);
	assert_int_equal(dump("--socket", d.sock, "-i", "in", "-s", "96", "-c", cnt, "-w",
			      path("udp.pcap"), "udp", NULL), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);

	pc = pcap_open_offline(path("udp.pcap"), err);
	assert_non_null(pc);
	assert_int_equal(pcap_snapshot(pc), SNAP);
	pcap_close(pc);
	assert_int_equal(cap_read(&got, path("udp.pcap"), NULL), 0);
	for (i = 0, j = 0; i < ref.n; i++) {
		uint32_t want = ref.p[i].len < SNAP ? ref.p[i].len : SNAP;

		if (ref.p[i].len > MAX_FRAME)
			continue;
		assert_true(j < got.n);
		if (got.p[j].len != want || memcmp(got.p[j].data, ref.p[i].data, want) != 0)
			fail_msg("record %u: %u bytes, tcpdump's udp record %u cut to %u differs",
				 j, got.p[j].len, i, want);
		cut += ref.p[i].len > SNAP;
		j++;
	}
	assert_int_equal(got.n, j);
	assert_true(cut > 0);
	print_message("%u udp frames, %u of them cut to %d bytes\n", j, cut, SNAP);
	cap_free(&ref);
	cap_free(&got);
}

/* --nano: a nanosecond pcap whose times are distinct and increasing, read by tcpdump. */
static void
test_dump_nano(void **state)
{
	struct test_pktiod d;
	char cnt[16];
	uint32_t magic = 0;
	FILE *f;

	(void)state;
	snprintf(cnt, sizeof(cnt), "%u", nb_fits);
	start(&d, merged);
	assert_int_equal(dump("--socket", d.sock, "-i", "in", "--nano", "-c", cnt, "-w",
			      path("nano.pcap"), NULL), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);
	f = fopen(path("nano.pcap"), "rb");
	assert_non_null(f);
	assert_int_equal(fread(&magic, sizeof(magic), 1, f), 1);
	fclose(f);
	assert_int_equal(magic, 0xa1b23c4d); /* nanosecond pcap */
	assert_ns_increasing(path("nano.pcap"));
	if (!have("tcpdump"))
		skip();
	assert_readers_agree(path("nano.pcap"));
}

/* --pcapng (and a .pcapng name): blocks tcpdump and tshark read, times in ns. */
static void
test_dump_pcapng(void **state)
{
	struct test_pktiod d;
	char cnt[16], *file;
	uint32_t shb = 0;
	FILE *f;
	int i;

	(void)state;
	snprintf(cnt, sizeof(cnt), "%u", nb_fits);
	for (i = 0; i < 2; i++) {
		file = path(i == 0 ? "out.pcapng" : "out.ng");
		start(&d, merged);
		assert_int_equal(dump("--socket", d.sock, "-i", "in", "-c", cnt, "-w", file,
				      i == 0 ? NULL : "--pcapng", NULL), 0);
		assert_int_equal(test_pktiod_stop(&d), 0);
		f = fopen(file, "rb");
		assert_non_null(f);
		assert_int_equal(fread(&shb, sizeof(shb), 1, f), 1);
		fclose(f);
		assert_int_equal(shb, 0x0A0D0D0A);
		assert_ns_increasing(file);
		if (have("tcpdump"))
			assert_readers_agree(file);
	}
}

/* 2500 frames of 1000 bytes (records of 1016) in a file for net_pcap. */
static void
write_frames(const char *file, unsigned int n)
{
	struct capture c = { 0 };
	uint8_t frame[1000];
	unsigned int i;

	for (i = 0; i < n; i++) {
		test_frame(frame, sizeof(frame), 1000, i);
		cap_add(&c, frame, sizeof(frame));
	}
	cap_write(&c, file);
	cap_free(&c);
}

/* The frames of @p file must be seq @p first, first + 1, ... (@p n of them). */
static void
assert_seqs(const char *file, uint32_t first, unsigned int n)
{
	struct capture c = { 0 };
	unsigned int i;

	if (cap_read(&c, file, NULL) < 0)
		fail_msg("%s: missing or unreadable", file);
	assert_int_equal(c.n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(test_frame_seq(c.p[i].data, NULL), first + i);
	cap_free(&c);
}

/*
 * -C 1: before each packet, a file over 1,000,000 bytes is closed: 24 + 985 * 1016 bytes is
 * the first size over it, so 985 frames a file, named as tcpdump names them.
 */
static void
test_dump_rotate_size(void **state)
{
	struct test_pktiod d;
	const char *frames = path("frames.pcap");

	(void)state;
	write_frames(frames, 2500);
	start(&d, frames);
	assert_int_equal(dump("--socket", d.sock, "-i", "in", "-C", "1", "-c", "2500", "-w",
			      path("rot.pcap"), NULL), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);
	assert_seqs(path("rot.pcap"), 0, 985);
	assert_seqs(path("rot.pcap1"), 985, 985);
	assert_seqs(path("rot.pcap2"), 1970, 530);
	assert_int_equal(access(path("rot.pcap3"), F_OK), -1);

	/* -W 2: a ring of two files with one-digit numbers; the third chunk overwrote the first */
	start(&d, frames);
	assert_int_equal(dump("--socket", d.sock, "-i", "in", "-C", "1", "-W", "2", "-c", "2500",
			      "-w", path("ring.pcap"), NULL), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);
	assert_seqs(path("ring.pcap0"), 1970, 530);
	assert_seqs(path("ring.pcap1"), 985, 985);
	assert_int_equal(access(path("ring.pcap"), F_OK), -1);
	assert_int_equal(access(path("ring.pcap2"), F_OK), -1);
}

/* -c 5: exactly five records; the "listening on" line and tcpdump's summary on stderr. */
static void
test_dump_count(void **state)
{
	struct capture got = { 0 };
	struct test_pktiod d;

	(void)state;
	start(&d, merged);
	assert_int_equal(dump("--socket", d.sock, "-i", "in", "-c", "5", "-w", path("five.pcap"),
			      NULL), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);
	assert_int_equal(cap_read(&got, path("five.pcap"), NULL), 0);
	assert_int_equal(got.n, 5);
	cap_free(&got);
	assert_non_null(strstr(out, "pktio-dump: listening on in, link-type EN10MB (Ethernet), "
				    "snapshot length 262144 bytes\n"));
	assert_non_null(strstr(out, "5 packets captured\n5 packets received by filter\n"
				    "0 packets dropped by pktiod\n"));
}

/* `pktio-dump -w - | head -c 100`: the reader goes, pktio-dump prints its summary, exit 0. */
static void
test_dump_sigpipe(void **state)
{
	struct test_pktiod d;
	char rc[16] = "", err[4096] = "";
	FILE *f;
	size_t n;

	(void)state;
	start(&d, merged);
	assert_int_equal(sh("{ '%s' --socket '%s' -i in -w - 2>'%s'; echo $? >'%s'; } | "
			    "head -c 100 >/dev/null", test_bin("app/pktio-dump/pktio-dump"),
			    d.sock, path("pipe.err"), path("pipe.rc")), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);
	f = fopen(path("pipe.rc"), "r");
	assert_non_null(f);
	assert_non_null(fgets(rc, sizeof(rc), f));
	fclose(f);
	f = fopen(path("pipe.err"), "r");
	assert_non_null(f);
	n = fread(err, 1, sizeof(err) - 1, f);
	err[n] = '\0';
	fclose(f);
	print_message("exit %s%s", rc, err);
	assert_string_equal(rc, "0\n");
	assert_non_null(strstr(err, " packets captured\n"));
	assert_non_null(strstr(err, " packets received by filter\n"));
	assert_null(strstr(err, "Broken pipe"));
}

/* Every "cannot attach" names the socket and says what is wrong. */
static void
test_dump_attach_errors(void **state)
{
	struct test_pktiod d;
	struct pktio_port *holder;
	char want[512];
	const char *none = path("none.sock");

	(void)state;
	/* no pktiod: --socket, then $PKTIO_SOCKET */
	assert_int_equal(dump("--socket", none, "-i", "p0", NULL), 1);
	snprintf(want, sizeof(want), "cannot attach to p0 via %s: ", none);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "no pktiod listening there"));
	setenv("PKTIO_SOCKET", none, 1);
	assert_int_equal(dump("-i", "p0", NULL), 1);
	unsetenv("PKTIO_SOCKET");
	assert_non_null(strstr(out, want));

	start(&d, merged);
	assert_int_equal(dump("--socket", d.sock, "-i", "nosuch", NULL), 1);
	snprintf(want, sizeof(want), "cannot attach to nosuch via %s: ", d.sock);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "pktiod has no port of that name"));

	/* busy: the hint does not offer --fanout, which an exclusive holder refuses too */
	holder = pktio_port_open("in", PKTIO_QUEUE_ANY, PKTIO_F_EXCLUSIVE, d.sock);
	assert_non_null(holder);
	assert_int_equal(dump("--socket", d.sock, "-i", "in", "--fanout", NULL), 1);
	assert_non_null(strstr(out, "the queue is taken"));
	assert_null(strstr(out, "try --fanout"));
	pktio_port_close(holder);
	assert_int_equal(test_pktiod_stop(&d), 0);
}

/* An output that cannot be opened or written: the message names the file, exit 1. */
static void
test_dump_output_errors(void **state)
{
	struct test_pktiod d;
	char want[512];
	const char *bad = path("nodir/x.pcap");

	(void)state;
	start(&d, merged);
	assert_int_equal(dump("--socket", d.sock, "-i", "in", "-c", "5", "-w", bad, NULL), 1);
	snprintf(want, sizeof(want), "pktio-dump: %s: No such file or directory\n", bad);
	assert_non_null(strstr(out, want));
	/* a fresh pktiod: the failed run was attached, and may have taken every packet */
	assert_int_equal(test_pktiod_stop(&d), 0);
	start(&d, merged);
	/* the write fails when the buffer goes out, at the latest on close */
	assert_int_equal(dump("--socket", d.sock, "-i", "in", "-c", "5", "--pcapng", "-w",
			      "/dev/full", NULL), 1);
	assert_non_null(strstr(out, "pktio-dump: /dev/full: No space left on device\n"));
	assert_non_null(strstr(out, " packets captured\n"));
	assert_int_equal(test_pktiod_stop(&d), 0);
}

/* One line per usage error, then the pointer to --help. */
static void
test_dump_usage(void **state)
{
	(void)state;
	assert_int_equal(dump("--bogus", "-i", "p0", NULL), 2);
	assert_string_equal(out, "pktio-dump: unknown option '--bogus'\n"
				 "Try 'pktio-dump --help' for more information.\n");
	assert_int_equal(dump("-i", "p0", "-x", NULL), 2);
	assert_string_equal(out, "pktio-dump: unknown option '-x'\n"
				 "Try 'pktio-dump --help' for more information.\n");
	assert_int_equal(dump("-i", "p0", "-c", NULL), 2);
	assert_string_equal(out, "pktio-dump: option '-c' needs an argument\n"
				 "Try 'pktio-dump --help' for more information.\n");
	/* libpcap's own message, before any attach */
	assert_int_equal(dump("-i", "p0", "udp", "and", "and", NULL), 2);
	assert_non_null(strstr(out, "pktio-dump: bad filter 'udp and and': "));
	assert_non_null(strstr(out, "syntax error"));
	/* -s is the snapshot length now */
	assert_int_equal(dump("-i", "p0", "-s", "/tmp/pktio.sock", NULL), 2);
	assert_non_null(strstr(out, "--socket"));
	assert_int_equal(dump("-i", "p0", "-s", "262145", NULL), 2);
}

static void
test_dump_version(void **state)
{
	(void)state;
	assert_int_equal(dump("--version", NULL), 0);
	assert_string_equal(out, "pktio-dump (pktio) " PKTIO_VERSION "\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_version),
		cmocka_unit_test(test_dump_usage),
		cmocka_unit_test(test_dump_attach_errors),
		cmocka_unit_test(test_dump_count),
		cmocka_unit_test(test_dump_filter_snaplen),
		cmocka_unit_test(test_dump_nano),
		cmocka_unit_test(test_dump_pcapng),
		cmocka_unit_test(test_dump_rotate_size),
		cmocka_unit_test(test_dump_sigpipe),
		cmocka_unit_test(test_dump_output_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
