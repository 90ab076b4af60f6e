/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-replay at tcpreplay parity: the rate options hold their rate as measured on the
 * receiving side (a reader on a net_ring loop port, from pktiod's receive timestamps), the
 * original timing follows the capture's gaps without spinning a core, the summary says what
 * was sent, how fast and what was lost, frames dropped by pktiod make it fail, truncated
 * records are warned about once, and every error names the file, the socket or the option.
 */

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <cmocka.h>

#include "harness.h"

#define REPLAY "app/pktio-replay/pktio-replay"
#define FRAME_MAX 1514
#define SMALL_MAX 128   /* max_frame of port "small" */
#define TOLERANCE 0.10  /* the rate options hold within 10% */

static struct test_pktiod d;

/*
 * lo: net_ring0 loops what is sent back to the reader. drop: net_ring1 that nobody reads
 * and pktiod does not poll (poll_idle = no), so its ring fills and the rest is dropped.
 * nul: net_null0 takes everything. small: frames over 128 bytes do not fit.
 */
static int
setup(void **state)
{
	(void)state;
	return test_pktiod_start(&d, "[port lo]\ndevice = net_ring0\n"
				 "[port drop]\ndevice = net_ring1\npoll_idle = no\n"
				 "[port nul]\ndevice = net_null0\n"
				 "[port small]\ndevice = net_null1\nmax_frame = 128\n");
}

static int
teardown(void **state)
{
	(void)state;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

/* ---- captures ---- */

struct rec {
	uint64_t ts_ns;          /* capture time */
	unsigned int len;        /* frame length on the wire */
	unsigned int caplen;     /* bytes in the file */
};

/* A capture at nanosecond precision, frames from test_frame() numbered by their index. */
static void
write_pcap(const char *path, const struct rec *r, unsigned int n)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
							     PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *out = pcap_dump_open(dead, path);
	uint8_t frame[FRAME_MAX];
	struct pcap_pkthdr h;
	unsigned int i;

	assert_non_null(out);
	for (i = 0; i < n; i++) {
		test_frame(frame, r[i].len, 7, i);
		h.ts.tv_sec = (time_t)(r[i].ts_ns / 1000000000);
		h.ts.tv_usec = (suseconds_t)(r[i].ts_ns % 1000000000); /* ns: NANO precision */
		h.len = r[i].len;
		h.caplen = r[i].caplen;
		pcap_dump((u_char *)out, &h, frame);
	}
	pcap_dump_close(out);
	pcap_close(dead);
}

static const char *
scratch(const char *name)
{
	static char path[4][256];
	static unsigned int k;
	char *p = path[k++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", test_dir(), name);
	return p;
}

/* ---- running pktio-replay ---- */

/* pktio-replay -s SOCK -i @p port and up to three more arguments (NULL ends them). */
static int
replay(char *out, size_t len, const char *port, const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { (char *)test_bin(REPLAY), "-s", d.sock, "-i", (char *)port,
			 (char *)a1, (char *)a2, (char *)a3, NULL };

	return test_run_capture(argv, out, len, 60000);
}

static unsigned int
occurrences(const char *hay, const char *needle)
{
	unsigned int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* The number after @p label in the summary. */
static double
summary_value(const char *out, const char *label)
{
	const char *p = strstr(out, label);

	if (p == NULL)
		fail_msg("no '%s' in the output:\n%s", label, out);
	return strtod(p + strlen(label), NULL);
}

/* ---- the receiving side ---- */

struct rx {
	unsigned int n;
	uint64_t *ts;            /* receive time of frame i (by its seq), ns */
	unsigned int *len;
	int status;              /* pktio-replay's exit status */
	double cpu_s, wall_s;    /* its CPU time (user + sys) and run time */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t
spawn(char *const argv[], const char *out)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	assert_true(pid > 0);
	return pid;
}

/* Read @p n frames on lo while pktio-replay sends @p file with @p opt @p val. */
static void
receive(struct rx *rx, unsigned int n, const char *file, const char *opt, const char *val)
{
	char *argv[] = { (char *)test_bin(REPLAY), "-s", d.sock, "-i", "lo", (char *)opt,
			 (char *)val, (char *)file, NULL };
	struct pktio_port *p = pktio_port_open("lo", PKTIO_QUEUE_ANY, PKTIO_F_NONBLOCK, d.sock);
	struct pollfd pfd = { .events = POLLIN };
	struct pktio_meta meta;
	uint8_t buf[2048];
	double t0, deadline;
	struct rusage ru;
	ssize_t got;
	uint32_t seq;
	pid_t pid;
	int st;

	assert_non_null(p);
	pfd.fd = pktio_port_fd(p);
	rx->ts = calloc(n, sizeof(*rx->ts));
	rx->len = calloc(n, sizeof(*rx->len));
	assert_true(rx->ts != NULL && rx->len != NULL);
	rx->n = 0;
	t0 = now_s();
	deadline = t0 + 60;
	pid = spawn(argv, scratch("rate.out"));
	while (rx->n < n && now_s() < deadline) {
		got = pktio_read(p, buf, sizeof(buf), &meta);
		if (got == -EAGAIN) {
			poll(&pfd, 1, 100);
			continue;
		}
		assert_true(got >= 46);
		seq = test_frame_seq(buf, NULL);
		if (seq >= n || rx->len[seq] != 0)
			fail_msg("frame seq %u unexpected (%u received)", seq, rx->n);
		rx->ts[seq] = meta.tstamp;
		rx->len[seq] = meta.len;
		rx->n++;
	}
	assert_int_equal(wait4(pid, &st, 0, &ru), pid);
	rx->wall_s = now_s() - t0;
	rx->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	rx->cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		    ru.ru_stime.tv_usec / 1e6;
	pktio_port_close(p);
	if (rx->n < n)
		fail_msg("%u of %u frames received on lo", rx->n, n);
	assert_int_equal(rx->status, 0);
}

static void
rx_free(struct rx *rx)
{
	free(rx->ts);
	free(rx->len);
}

static void
assert_near(double got, double want, const char *what)
{
	print_message("%s: %.4g, requested %.4g (%+.1f%%)\n", what, got, want,
		      (got / want - 1) * 100);
	if (got < want * (1 - TOLERANCE) || got > want * (1 + TOLERANCE))
		fail_msg("%s: %.4g, not within %.0f%% of %.4g", what, got, TOLERANCE * 100, want);
}

/* ---- the tests ---- */

/* --mbps 10: frame bytes at 10 Mbit/s (sizes vary, so a packet rate would not do). */
static void
test_replay_mbps(void **state)
{
	const char *file = scratch("mbps.pcap");
	struct rec *r = calloc(8000, sizeof(*r));
	uint64_t bytes = 0;
	unsigned int n, i;
	struct rx rx;
	double secs;

	(void)state;
	assert_non_null(r);
	/* 2.5 MB: 2 s at 10 Mbit/s; one timestamp for all, which --mbps must ignore */
	for (n = 0; bytes < 2500000; n++) {
		r[n].len = r[n].caplen = 64 + (n * 397) % (FRAME_MAX - 64);
		bytes += r[n].len;
	}
	write_pcap(file, r, n);
	receive(&rx, n, file, "--mbps", "10");
	/* packet i is due when the bytes before it had their time: the last one's bytes do
	 * not count towards the span from the first to the last */
	for (bytes = 0, i = 0; i + 1 < n; i++)
		bytes += rx.len[i];
	secs = (double)(rx.ts[n - 1] - rx.ts[0]) / 1e9;
	print_message("%u frames, %.3f s between the first and the last\n", n, secs);
	assert_near(bytes * 8 / secs / 1e6, 10, "Mbit/s received");
	rx_free(&rx);
	free(r);
}

/*
 * --multiplier 2 on a capture of 2 s at 1 ms gaps, then 2 s at 0.5 ms gaps: 1 s at 2000 pps
 * and 1 s at 4000 pps received, and the pacing sleeps rather than spins.
 */
static void
test_replay_multiplier(void **state)
{
	const unsigned int n1 = 2000, n = 6000;
	const char *file = scratch("timing.pcap");
	struct rec *r = calloc(n, sizeof(*r));
	uint64_t ts = 1700000000ULL * 1000000000ULL; /* some day in 2023 */
	unsigned int i;
	struct rx rx;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < n; i++) {
		r[i] = (struct rec){ .ts_ns = ts, .len = 200, .caplen = 200 };
		ts += i + 1 < n1 ? 1000000 : 500000;
	}
	write_pcap(file, r, n);
	receive(&rx, n, file, "--multiplier", "2");
	/* frames 0..n1-1: n1-1 gaps of 0.5 ms; frames n1-1..n-1: n-n1 gaps of 0.25 ms */
	assert_near((n1 - 1) / ((rx.ts[n1 - 1] - rx.ts[0]) / 1e9), 2000, "pps, first half");
	assert_near((n - n1) / ((rx.ts[n - 1] - rx.ts[n1 - 1]) / 1e9), 4000, "pps, second half");
	assert_near((rx.ts[n - 1] - rx.ts[0]) / 1e9, (r[n - 1].ts_ns - r[0].ts_ns) / 2e9,
		    "seconds from first to last");
	print_message("pktio-replay used %.3f s of CPU in %.3f s\n", rx.cpu_s, rx.wall_s);
	if (rx.cpu_s > rx.wall_s / 2)
		fail_msg("pktio-replay spun: %.3f s of CPU in %.3f s", rx.cpu_s, rx.wall_s);
	rx_free(&rx);
	free(r);
}

/* --multiplier 1 is the capture's own timing: 20 frames 50 ms apart take 0.95 s. */
static void
test_replay_original_timing(void **state)
{
	const char *file = scratch("orig.pcap");
	struct rec r[20];
	unsigned int i;
	struct rx rx;

	(void)state;
	for (i = 0; i < 20; i++)
		r[i] = (struct rec){ .ts_ns = 1000000000ULL + i * 50000000ULL, .len = 100,
				     .caplen = 100 };
	write_pcap(file, r, 20);
	receive(&rx, 20, file, "--multiplier", "1");
	assert_near((rx.ts[19] - rx.ts[0]) / 1e9, 0.95, "seconds from first to last");
	rx_free(&rx);
}

/* The summary: frames, bytes, elapsed time, the achieved rate, the port's counters. */
static void
test_replay_summary(void **state)
{
	const char *file = scratch("summary.pcap");
	struct rec r[200];
	char out[4096];
	double secs;
	unsigned int i;

	(void)state;
	for (i = 0; i < 200; i++)
		r[i] = (struct rec){ .ts_ns = 0, .len = 100, .caplen = 100 };
	write_pcap(file, r, 200);
	assert_int_equal(replay(out, sizeof(out), "nul", "--pps", "1000", (char *)file), 0);
	print_message("%s", out);
	assert_non_null(strstr(out, "Actual: 200 packets (20000 bytes) sent in "));
	secs = summary_value(out, "sent in ");
	assert_near(secs, 0.199, "elapsed seconds"); /* 199 gaps of 1 ms */
	assert_near(summary_value(out, "Mbps, "), 200 / secs, "pps in the summary");
	assert_near(summary_value(out, "Rated: "), 20000 / secs, "Bps in the summary");
	assert_near(summary_value(out, "Bps, "), 20000 * 8 / secs / 1e6, "Mbps in the summary");
	assert_int_equal(summary_value(out, "Accepted by the device (tx_sent):"), 200);
	assert_int_equal(summary_value(out, "Dropped by pktiod (tx_dropped):"), 0);
	assert_int_equal(summary_value(out, "Failed sends:"), 0);
	assert_int_equal(summary_value(out, "Truncated records (sent as captured):"), 0);
	assert_null(strstr(out, "pktio-replay: ")); /* no warning */
}

/* A port whose device drops (its ring full, nobody reading): exit 1, and the count. */
static void
test_replay_drops_fail(void **state)
{
	const char *file = scratch("drops.pcap");
	struct rec r[3000];
	char out[4096];
	unsigned int i;

	(void)state;
	for (i = 0; i < 3000; i++)
		r[i] = (struct rec){ .len = 64, .caplen = 64 };
	write_pcap(file, r, 3000);
	assert_int_equal(replay(out, sizeof(out), "drop", (char *)file, NULL, NULL), 1);
	print_message("%s", out);
	assert_non_null(strstr(out, "Actual: 3000 packets (192000 bytes)"));
	assert_true(summary_value(out, "Dropped by pktiod (tx_dropped):") > 0);
	assert_int_equal(summary_value(out, "Accepted by the device (tx_sent):") +
			 summary_value(out, "Dropped by pktiod (tx_dropped):"), 3000);
	assert_non_null(strstr(out, "pktio-replay: pktiod dropped "));
}

/* Frames over the port's max frame are skipped and counted by pktio-replay, not sent. */
static void
test_replay_oversize_skipped(void **state)
{
	const char *file = scratch("oversize.pcap");
	struct pktio_port_info pi;
	struct rec r[10];
	char out[4096];
	unsigned int i;

	(void)state;
	for (i = 0; i < 10; i++)
		r[i] = (struct rec){ .len = i % 2 ? 300 : 100, .caplen = i % 2 ? 300 : 100 };
	write_pcap(file, r, 10);
	assert_int_equal(replay(out, sizeof(out), "small", (char *)file, NULL, NULL), 0);
	print_message("%s", out);
	assert_non_null(strstr(out, "Actual: 5 packets (500 bytes)"));
	assert_int_equal(summary_value(out, "Skipped (empty or over 128 bytes):"), 5);
	assert_int_equal(test_port_info(&d, "small", &pi), 0);
	assert_int_equal(pi.detach_violation, 0);
}

/* Records cut short in the capture are sent as captured, with one warning and a count. */
static void
test_replay_truncated_warning(void **state)
{
	const char *file = scratch("truncated.pcap");
	struct rec r[10];
	char out[4096], want[512];
	unsigned int i;

	(void)state;
	for (i = 0; i < 10; i++)
		r[i] = (struct rec){ .len = 200, .caplen = i < 3 ? 60 : 200 };
	write_pcap(file, r, 10);
	assert_int_equal(replay(out, sizeof(out), "nul", "--loop", "2", (char *)file), 0);
	print_message("%s", out);
	/* sent as captured: 3 of 60 bytes and 7 of 200, twice */
	assert_non_null(strstr(out, "Actual: 20 packets (3160 bytes)"));
	assert_int_equal(summary_value(out, "Truncated records (sent as captured):"), 6);
	snprintf(want, sizeof(want), "pktio-replay: %s: 6 truncated records (caplen < len): "
		 "sent as captured", file);
	assert_non_null(strstr(out, want));
	assert_int_equal(occurrences(out, "truncated records"), 1);
}

/* Each message about the file names it: missing, not a capture, cut in the middle. */
static void
test_replay_file_errors(void **state)
{
	const char *missing = scratch("missing.pcap"), *text = scratch("text.pcap");
	const char *cut = scratch("cut.pcap");
	struct rec r[4] = { { .len = 100, .caplen = 100 }, { .len = 100, .caplen = 100 },
			    { .len = 100, .caplen = 100 }, { .len = 100, .caplen = 100 } };
	char out[4096], want[512];
	FILE *f;

	(void)state;
	assert_int_equal(replay(out, sizeof(out), "nul", (char *)missing, NULL, NULL), 1);
	print_message("%s", out);
	snprintf(want, sizeof(want), "pktio-replay: %s: No such file", missing);
	assert_non_null(strstr(out, want));
	assert_int_equal(occurrences(out, missing), 1);

	f = fopen(text, "w");
	assert_non_null(f);
	fputs("not a capture, only words in a file that is long enough to be read\n", f);
	fclose(f);
	assert_int_equal(replay(out, sizeof(out), "nul", (char *)text, NULL, NULL), 1);
	print_message("%s", out);
	snprintf(want, sizeof(want), "pktio-replay: %s: ", text);
	assert_non_null(strstr(out, want));

	write_pcap(cut, r, 4);
	assert_int_equal(truncate(cut, 24 + 3 * (16 + 100) + 50), 0);
	assert_int_equal(replay(out, sizeof(out), "nul", (char *)cut, NULL, NULL), 1);
	print_message("%s", out);
	snprintf(want, sizeof(want), "pktio-replay: %s: truncated dump file", cut);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "Actual: 3 packets (300 bytes)"));
}

/* An attach failure names the socket and what to do; a port pktiod lacks says so. */
static void
test_replay_attach_error(void **state)
{
	const char *sock = scratch("nobody.sock"), *file = scratch("attach.pcap");
	struct rec r[1] = { { .len = 100, .caplen = 100 } };
	char *argv[] = { (char *)test_bin(REPLAY), "-s", (char *)sock, "-i", "p0", (char *)file,
			 NULL };
	char out[4096], want[512];

	(void)state;
	write_pcap(file, r, 1);
	assert_int_equal(test_run_capture(argv, out, sizeof(out), 10000), 1);
	print_message("%s", out);
	snprintf(want, sizeof(want), "pktio-replay: cannot attach to p0 via %s: ", sock);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "no pktiod listening there"));

	assert_int_equal(replay(out, sizeof(out), "nope", (char *)file, NULL, NULL), 1);
	print_message("%s", out);
	snprintf(want, sizeof(want), "cannot attach to nope via %s: ", d.sock);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "pktioctl ports lists them"));
}

/* --version; a bad option is one error and the hint; one rate option only. */
static void
test_replay_usage(void **state)
{
	char *version[] = { (char *)test_bin(REPLAY), "--version", NULL };
	char *bad[] = { (char *)test_bin(REPLAY), "--bogus", "-i", "p0", "f.pcap", NULL };
	char *noval[] = { (char *)test_bin(REPLAY), "-i", "p0", "f.pcap", "--mbps", NULL };
	char *two[] = { (char *)test_bin(REPLAY), "-i", "p0", "--mbps", "10", "--pps", "5",
			"f.pcap", NULL };
	char *top[] = { (char *)test_bin(REPLAY), "-i", "p0", "--topspeed", "--multiplier",
			"2", "f.pcap", NULL };
	char out[4096];

	(void)state;
	assert_int_equal(test_run_capture(version, out, sizeof(out), 10000), 0);
	assert_non_null(strstr(out, "pktio-replay (pktio) "));

	assert_int_equal(test_run_capture(bad, out, sizeof(out), 10000), 2);
	print_message("%s", out);
	assert_string_equal(out, "pktio-replay: unknown or ambiguous option '--bogus'\n"
			    "Try 'pktio-replay --help' for more information.\n");
	assert_int_equal(test_run_capture(noval, out, sizeof(out), 10000), 2);
	assert_string_equal(out, "pktio-replay: option '--mbps' needs a value\n"
			    "Try 'pktio-replay --help' for more information.\n");
	assert_int_equal(test_run_capture(two, out, sizeof(out), 10000), 2);
	print_message("%s", out);
	assert_non_null(strstr(out, "--mbps and --pps: give one of"));
	assert_int_equal(test_run_capture(top, out, sizeof(out), 10000), 2);
	assert_non_null(strstr(out, "--topspeed and --multiplier: give one of"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_usage),
		cmocka_unit_test(test_replay_file_errors),
		cmocka_unit_test(test_replay_attach_error),
		cmocka_unit_test(test_replay_summary),
		cmocka_unit_test(test_replay_truncated_warning),
		cmocka_unit_test(test_replay_oversize_skipped),
		cmocka_unit_test(test_replay_drops_fail),
		cmocka_unit_test(test_replay_mbps),
		cmocka_unit_test(test_replay_multiplier),
		cmocka_unit_test(test_replay_original_timing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
