/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Every packet of every capture in shared/pcaps goes through pktiod and comes out byte for
 * byte, in order: net_pcap rx -> pktiod -> pktio-dump, and pktio-replay -> pktiod ->
 * net_pcap tx. What cannot pass is counted, not lost: frames over max_frame (9216) as
 * rx_oversize, and zero-length records (no Ethernet frame) as skipped by pktio-replay.
 */

#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "harness.h"

#define MAX_FRAME 9216

static struct capture input;
static char merged[256];

/* All captures, in name order, into one file and into memory. */
static int
setup(void **state)
{
	(void)state;
	snprintf(merged, sizeof(merged), "%s/all.pcap", test_dir());
	cap_load_shared(&input, merged);
	printf("%u captures (%u unreadable by libpcap), %u packets\n", input.files,
	       input.unreadable, input.n);
	return input.n > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	cap_free(&input);
	return 0;
}

/* @p got must equal the input packets that @p keep selects, in order. */
static void
compare(const struct capture *got, bool (*keep)(const struct pkt *))
{
	unsigned int i, j = 0;

	for (i = 0; i < input.n; i++) {
		if (!keep(&input.p[i]))
			continue;
		if (j >= got->n)
			fail_msg("output ends at %u packets; input packet %u missing", got->n, i);
		if (got->p[j].len != input.p[i].len ||
		    memcmp(got->p[j].data, input.p[i].data, input.p[i].len) != 0)
			fail_msg("output packet %u differs from input packet %u (%u vs %u bytes)",
				 j, i, got->p[j].len, input.p[i].len);
		j++;
	}
	assert_int_equal(got->n, j);
}

static bool
fits(const struct pkt *p)
{
	return p->len <= MAX_FRAME;
}

static bool
sendable(const struct pkt *p)
{
	return p->len > 0 && p->len <= MAX_FRAME;
}

static unsigned int
count(bool (*keep)(const struct pkt *))
{
	unsigned int i, n = 0;

	for (i = 0; i < input.n; i++)
		n += keep(&input.p[i]);
	return n;
}

static void
test_pcap_roundtrip_dump(void **state)
{
	struct test_pktiod d;
	struct pktio_port_info pi;
	struct capture got = { 0 };
	char ports[512], out[256], cnt[16], log[256];
	char *argv[] = { (char *)test_bin("app/pktio-dump/pktio-dump"), "--socket", d.sock,
			 "-i", "in", "-c", cnt, "-w", out, NULL };

	(void)state;
	/* hold the file until the reader attaches; room for every packet at once */
	snprintf(ports, sizeof(ports), "[port in]\ndevice = net_pcap0,rx_pcap=%s\n"
		 "max_frame = %d\nring_size = 4096\npoll_idle = no\n", merged, MAX_FRAME);
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	snprintf(out, sizeof(out), "%s/dump.pcap", test_dir());
	snprintf(log, sizeof(log), "%s/dump.log", test_dir());
	snprintf(cnt, sizeof(cnt), "%u", count(fits));
	assert_int_equal(test_run(argv, log, 120000), 0);
	assert_int_equal(test_port_info(&d, "in", &pi), 0);
	assert_int_equal(cap_read(&got, out, NULL), 0);
	compare(&got, fits);
	print_message("%u packets through, %lu over %d bytes counted as oversize\n", got.n,
		      pi.rx_oversize, MAX_FRAME);
	assert_int_equal(pi.rx_oversize, input.n - count(fits));
	assert_int_equal(test_pktiod_stop(&d), 0);
	cap_free(&got);
}

static void
test_pcap_roundtrip_replay(void **state)
{
	struct test_pktiod d;
	struct capture got = { 0 };
	char ports[512], out[256], log[256];
	char *argv[] = { (char *)test_bin("app/pktio-replay/pktio-replay"), "-s", d.sock, "-i",
			 "out", merged, NULL };

	(void)state;
	snprintf(out, sizeof(out), "%s/replay.pcap", test_dir());
	snprintf(ports, sizeof(ports), "[port out]\ndevice = net_pcap1,tx_pcap=%s\n"
		 "max_frame = %d\n", out, MAX_FRAME);
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	snprintf(log, sizeof(log), "%s/replay.log", test_dir());
	assert_int_equal(test_run(argv, log, 120000), 0);
	assert_int_equal(test_pktiod_stop(&d), 0); /* closing the port completes the file */
	assert_int_equal(cap_read(&got, out, NULL), 0);
	compare(&got, sendable);
	print_message("%u packets replayed; %u empty and %u oversize skipped\n", got.n,
		      count(fits) - count(sendable), input.n - count(fits));
	cap_free(&got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_roundtrip_dump),
		cmocka_unit_test(test_pcap_roundtrip_replay),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
