/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-bench: its argument errors, and a short run of each mode against pktiod with the
 * counts checked (not the speed). net_pcap ports make the runs deterministic: a file of
 * N frames in, a file out that is compared once pktiod has closed it.
 */

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define NB_FRAMES 1000u
#define FRAME_LEN 128u

static struct test_pktiod d;
static char ports[2048];
static char in_pcap[256], sink_pcap[256], io_pcap[256], swap_pcap[256];

/* Run pktio-bench with @p args (NULL-terminated); its output in @p out. @return status. */
static int
bench(char *out, size_t len, ...)
{
	char *argv[32] = { (char *)test_bin("app/pktio-bench/pktio-bench") };
	unsigned int n = 1;
	va_list ap;

	va_start(ap, len);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return test_run_capture(argv, out, len, 60000);
}

/* A number from pktio-bench's --json line in @p out. */
static double
json_num(const char *out, const char *key)
{
	char pat[64];
	const char *p = strstr(out, "{\"mode\"") ?: out;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(p, pat);
	assert_non_null(p);
	return strtod(p + strlen(pat), NULL);
}

static void
expect_usage(const char *what, ...)
{
	char out[4096];
	char *argv[7] = { NULL };
	unsigned int n = 0;
	va_list ap;

	va_start(ap, what);
	while (n < 6 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	assert_int_equal(bench(out, sizeof(out), argv[0], argv[1], argv[2], argv[3], argv[4],
			       argv[5], NULL), 2);
	if (strstr(out, what) == NULL)
		fail_msg("expected '%s' in: %s", what, out);
}

/* Read the frames of a pcap file. @return how many, at most @p max, into @p f. */
static unsigned int
pcap_frames(const char *path, uint8_t (*f)[FRAME_LEN], unsigned int *len, unsigned int max)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline(path, err);
	unsigned int n = 0;

	if (pc == NULL)
		fail_msg("%s: %s", path, err);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		if (n < max) {
			len[n] = h->caplen;
			memcpy(f[n], data, h->caplen < FRAME_LEN ? h->caplen : FRAME_LEN);
		}
		n++;
	}
	pcap_close(pc);
	return n;
}

static uint16_t
ip_csum(const uint8_t *ip)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static int
setup(void **state)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *out;
	uint8_t frame[FRAME_LEN];
	unsigned int i;

	(void)state;
	snprintf(in_pcap, sizeof(in_pcap), "%s/in.pcap", test_dir());
	snprintf(sink_pcap, sizeof(sink_pcap), "%s/sink.pcap", test_dir());
	snprintf(io_pcap, sizeof(io_pcap), "%s/io.pcap", test_dir());
	snprintf(swap_pcap, sizeof(swap_pcap), "%s/swap.pcap", test_dir());
	out = pcap_dump_open(dead, in_pcap);
	if (out == NULL) {
		fprintf(stderr, "%s: %s %s\n", in_pcap, pcap_geterr(dead), err);
		return -1;
	}
	for (i = 0; i < NB_FRAMES; i++) {
		struct pcap_pkthdr h = { .caplen = FRAME_LEN, .len = FRAME_LEN };

		test_frame(frame, FRAME_LEN, (uint16_t)(1000 + i % 7), i);
		pcap_dump((u_char *)out, &h, frame);
	}
	pcap_dump_close(out);
	pcap_close(dead);
	/* net_pcap reads its file only once a client is there (poll_idle = no) */
	snprintf(ports, sizeof(ports),
		 "[port src]\ndevice = net_pcap0,rx_pcap=%s\nring_size = 4096\npoll_idle = no\n\n"
		 "[port sink]\ndevice = net_pcap1,tx_pcap=%s\n\n"
		 "[port fwd]\ndevice = net_pcap2,rx_pcap=%s,tx_pcap=%s\nring_size = 4096\n"
		 "poll_idle = no\n\n"
		 "[port swap]\ndevice = net_pcap3,rx_pcap=%s,tx_pcap=%s\nring_size = 4096\n"
		 "poll_idle = no\n\n"
		 "[port loop]\ndevice = net_ring0\n",
		 in_pcap, sink_pcap, in_pcap, io_pcap, in_pcap, swap_pcap);
	return test_pktiod_start(&d, ports);
}

static int
teardown(void **state)
{
	(void)state;
	return d.pid > 0 ? test_pktiod_stop(&d) : 0;
}

static void
test_bench_usage_errors(void **state)
{
	(void)state;
	expect_usage("no port given", "--time", "1", NULL);
	expect_usage("unknown mode 'bogus'", "-i", "src", "-m", "bogus", NULL);
	expect_usage("bad burst '0'", "-i", "src", "--burst", "0", NULL);
	expect_usage("bad burst '2000'", "-i", "src", "--burst", "2000", NULL);
	expect_usage("bad size '63'", "-i", "src", "--size", "63", NULL);
	expect_usage("bad size '9001'", "-i", "src", "--size", "9001", NULL);
	expect_usage("bad thread count '0'", "-i", "src", "--threads", "0", NULL);
	expect_usage("unknown or ambiguous option '--frobnicate'", "-i", "src", "--frobnicate", NULL);
	expect_usage("bad --busy-poll '1000001'", "-i", "src", "--wait", "block", "--busy-poll",
		     "1000001", NULL);
	expect_usage("--busy-poll is for --wait block", "-i", "src", "--busy-poll", "20", NULL);
}

static void
test_bench_attach_errors(void **state)
{
	char out[4096], none[256];

	(void)state;
	snprintf(none, sizeof(none), "%s/none.sock", test_dir());
	assert_int_equal(bench(out, sizeof(out), "-s", none, "-i", "src", "--time", "1", NULL), 1);
	assert_non_null(strstr(out, "no pktiod listening there"));
	assert_int_equal(bench(out, sizeof(out), "-s", d.sock, "-i", "nosuch", "--time", "1",
			       NULL), 1);
	assert_non_null(strstr(out, "no port of that name"));
	/* pktiod's default max frame is 1518 */
	assert_int_equal(bench(out, sizeof(out), "-s", d.sock, "-i", "sink", "-m", "txonly",
			       "--size", "9000", "--time", "1", NULL), 1);
	assert_non_null(strstr(out, "--size 9000 does not fit port sink"));
}

static void
test_bench_rxonly_counts(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(bench(out, sizeof(out), "-s", d.sock, "-i", "src", "-m", "rxonly",
			       "--time", "2", "--json", NULL), 0);
	assert_int_equal(json_num(out, "rx_packets"), NB_FRAMES);
	assert_int_equal(json_num(out, "rx_bytes"), NB_FRAMES * FRAME_LEN);
	assert_int_equal(json_num(out, "rx_dropped"), 0);
	assert_int_equal(json_num(out, "tx_packets"), 0);
}

/*
 * Forwarding modes: every frame in comes out, in order, MACs swapped if @p swap. pktiod
 * is stopped to complete the tx file (and started again: starting truncates it).
 */
static void
forward(const char *port, const char *mode, const char *io, const char *pcap, bool swap)
{
	static uint8_t in[NB_FRAMES][FRAME_LEN], got[NB_FRAMES][FRAME_LEN];
	static unsigned int in_len[NB_FRAMES], got_len[NB_FRAMES];
	char out[8192];
	unsigned int i;

	assert_int_equal(bench(out, sizeof(out), "-s", d.sock, "-i", port, "-m", mode, "--io", io,
			       "--time", "2", "--json", NULL), 0);
	assert_int_equal(json_num(out, "rx_packets"), NB_FRAMES);
	assert_int_equal(json_num(out, "tx_packets"), NB_FRAMES);
	assert_int_equal(json_num(out, "tx_dropped"), 0);
	assert_int_equal(test_pktiod_stop(&d), 0); /* closing the port writes the file out */
	assert_int_equal(pcap_frames(in_pcap, in, in_len, NB_FRAMES), NB_FRAMES);
	assert_int_equal(pcap_frames(pcap, got, got_len, NB_FRAMES), NB_FRAMES);
	for (i = 0; i < NB_FRAMES; i++) {
		assert_int_equal(got_len[i], in_len[i]);
		if (swap) {
			assert_memory_equal(got[i], in[i] + 6, 6);
			assert_memory_equal(got[i] + 6, in[i], 6);
			assert_memory_equal(got[i] + 12, in[i] + 12, FRAME_LEN - 12);
		} else {
			assert_memory_equal(got[i], in[i], FRAME_LEN);
		}
	}
	assert_int_equal(test_pktiod_start(&d, ports), 0);
}

static void
test_bench_io_forwards_all(void **state)
{
	(void)state;
	forward("fwd", "io", "readv", io_pcap, false);
}

static void
test_bench_macswap_forwards_all(void **state)
{
	(void)state;
	forward("swap", "macswap", "zc", swap_pcap, true);
}

static void
test_bench_txonly_frames(void **state)
{
	static uint8_t got[64][FRAME_LEN];
	unsigned int len[64], i, n;
	char out[8192];
	double sent;

	(void)state;
	assert_int_equal(bench(out, sizeof(out), "-s", d.sock, "-i", "sink", "-m", "txonly",
			       "--size", "100", "--time", "1", "--json", NULL), 0);
	sent = json_num(out, "tx_packets");
	assert_true(sent > 0);
	assert_int_equal(json_num(out, "tx_dropped"), 0);
	assert_int_equal(json_num(out, "tx_bytes"), sent * 100);
	assert_int_equal(test_pktiod_stop(&d), 0); /* closing the port writes the file out */
	n = pcap_frames(sink_pcap, got, len, 64);
	assert_int_equal(n, sent); /* every frame handed over reached the port */
	for (i = 0; i < 64 && i < n; i++) {
		const uint8_t *ip = got[i] + 14;

		assert_int_equal(len[i], 100);
		assert_int_equal(got[i][12] << 8 | got[i][13], 0x0800);
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(ip[9], 17); /* UDP */
		assert_int_equal(ip[2] << 8 | ip[3], 100 - 14);
		assert_int_equal(ip_csum(ip), 0xffff);
		assert_int_equal(ip[12], 198); /* 198.18.0.0/15 */
		assert_int_equal(ip[13] & 0xfe, 18);
	}
	assert_int_equal(test_pktiod_start(&d, ports), 0);
}

static void
test_bench_latency_round_trips(void **state)
{
	char out[8192];
	const char *lat;
	double samples;

	(void)state;
	assert_int_equal(bench(out, sizeof(out), "-s", d.sock, "-i", "loop", "-m", "latency",
			       "--time", "1", "--json", NULL), 0);
	lat = strstr(out, "\"latency_us\":");
	assert_non_null(lat);
	samples = json_num(lat, "samples");
	assert_true(samples > 0);
	assert_int_equal(json_num(lat, "lost"), 0);
	assert_int_equal(json_num(out, "rx_packets"), samples);
	assert_true(json_num(lat, "p50") > 0);
	assert_true(json_num(lat, "p50") <= json_num(lat, "p99"));
	assert_true(json_num(lat, "p99") <= json_num(lat, "max"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench_usage_errors),
		cmocka_unit_test(test_bench_attach_errors),
		cmocka_unit_test(test_bench_rxonly_counts),
		cmocka_unit_test(test_bench_io_forwards_all),
		cmocka_unit_test(test_bench_macswap_forwards_all),
		cmocka_unit_test(test_bench_txonly_frames),
		cmocka_unit_test(test_bench_latency_round_trips),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
