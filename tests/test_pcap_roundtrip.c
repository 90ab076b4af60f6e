/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Every packet of every capture in shared/pcaps goes through pktiod and comes out byte for
 * byte, in order: net_pcap rx -> pktiod -> pktio-dump, and pktio-replay -> pktiod ->
 * net_pcap tx. What cannot pass is counted, not lost: frames over max_frame (9216) as
 * rx_oversize, and zero-length records (no Ethernet frame) as skipped by pktio-replay.
 */

#include <dirent.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define MAX_FRAME 9216

struct pkt {
	uint32_t len;
	uint8_t *data;
};

struct capture {
	struct pkt *p;
	unsigned int n, cap;
	unsigned int files, unreadable;
};

static struct capture input;
static char merged[256];

static void
cap_add(struct capture *c, const uint8_t *data, uint32_t len)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->p = realloc(c->p, c->cap * sizeof(*c->p));
		assert_non_null(c->p);
	}
	c->p[c->n].data = malloc(len ? len : 1);
	memcpy(c->p[c->n].data, data, len);
	c->p[c->n++].len = len;
}

/* Read every packet libpcap can read from @p path into @p c. @return 0, -1 unreadable. */
static int
cap_read(struct capture *c, const char *path, pcap_dumper_t *out)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline(path, err);

	if (pc == NULL)
		return -1;
	if (pcap_datalink(pc) != DLT_EN10MB) {
		pcap_close(pc);
		return -1;
	}
	while (pcap_next_ex(pc, &h, &data) == 1) {
		cap_add(c, data, h->caplen);
		if (out != NULL)
			pcap_dump((u_char *)out, h, data);
	}
	pcap_close(pc);
	return 0;
}

static int
only_pcaps(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && strcmp(e->d_name + n - 5, ".pcap") == 0;
}

/* All captures, in name order, into one file and into memory. */
static int
setup(void **state)
{
	const char *dir = getenv("PKTIO_PCAPS");
	struct dirent **names;
	char path[512];
	pcap_dumper_t *out;
	pcap_t *dead;
	int i, n;

	(void)state;
	n = dir != NULL ? scandir(dir, &names, only_pcaps, alphasort) : -1;
	if (n <= 0) {
		printf("skipped: no captures in PKTIO_PCAPS=%s\n", dir ? dir : "(unset)");
		exit(TEST_SKIP);
	}
	snprintf(merged, sizeof(merged), "%s/all.pcap", test_dir());
	dead = pcap_open_dead(DLT_EN10MB, 262144);
	out = pcap_dump_open(dead, merged);
	assert_non_null(out);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (cap_read(&input, path, out) < 0)
			input.unreadable++;
		else
			input.files++;
		free(names[i]);
	}
	free(names);
	pcap_dump_close(out);
	pcap_close(dead);
	printf("%u captures (%u unreadable by libpcap), %u packets\n", input.files,
	       input.unreadable, input.n);
	return input.n > 0 ? 0 : -1;
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
	char *argv[] = { (char *)test_bin("app/pktio-dump/pktio-dump"), "-s", d.sock, "-i", "in",
			 "-c", cnt, "-w", out, NULL };

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
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_roundtrip_dump),
		cmocka_unit_test(test_pcap_roundtrip_replay),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
