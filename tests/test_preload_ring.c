/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * PACKET_RX_RING emulation under pktio-run: the TPACKET_V3 blocks and TPACKET_V2 frames a
 * program maps (headers, offsets, the sockaddr_ll, block retire on timeout, handing
 * blocks back, a full ring losing nothing while pktiod has room), then libpcap 1.10 through
 * tcpdump: `tcpdump -i cap -w out.pcap` while a net_pcap port replays every frame of
 * ../shared/pcaps (merged into one file) writes exactly those frames, in order, also with
 * filters (udp port 53, arp, vlan), -c N and --immediate-mode; killing pktiod under a
 * running tcpdump ends it as a vanished interface does.
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "test_preload_common.h"

#define MAX_FRAME 1514          /* what the merged capture keeps */
#define TYPE_A 0x88b5

static struct test_pktiod d;
static char merged[256];        /* every frame of ../shared/pcaps up to MAX_FRAME bytes */
static unsigned int nb_merged;

/* ---- child cases ---- */

static int
tx_sock(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = (int)if_nametoindex("p0") };
	int fd = socket(AF_PACKET, SOCK_RAW, 0);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_seq(int fd, size_t len, uint32_t seq)
{
	uint8_t f[2048] = { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, TYPE_A >> 8, TYPE_A & 0xff };

	memcpy(f + 14, &seq, 4);
	return send(fd, f, len, 0) == (ssize_t)len ? 0 : -1;
}

/* A ring socket as libpcap sets one up: protocol 0, version, reserve, ring, map, bind. */
static int
ring_sock(int version, struct tpacket_req3 *req, uint8_t **map, size_t *size)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = (int)if_nametoindex("p0") };
	unsigned int reserve = 4;
	int fd = socket(AF_PACKET, SOCK_RAW, 0), hdrlen = version;
	socklen_t len = sizeof(hdrlen);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    getsockopt(fd, SOL_PACKET, PACKET_HDRLEN, &hdrlen, &len) < 0 ||
	    hdrlen != (version == TPACKET_V3 ? 48 : 32) ||
	    setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, sizeof(*req)) < 0)
		return -1;
	*size = (size_t)req->tp_block_size * req->tp_block_nr;
	if (mmap(NULL, *size + 4096, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED)
		return -1; /* the size must be the ring's */
	*map = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	sll.sll_protocol = htons(ETH_P_ALL);
	if (*map == MAP_FAILED || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	return fd;
}

/* One packet as tpacket_rcv() lays it out for a SOCK_RAW socket with reserve 4. */
static int
check_pkt(const uint8_t *base, unsigned int hdr, uint32_t len, uint32_t snap, uint16_t mac,
	  uint16_t net, uint32_t sec, uint32_t *seq)
{
	const struct sockaddr_ll *sll = (const void *)(base + TPACKET_ALIGN(hdr));

	CHECK(net == TPACKET_ALIGN(hdr + sizeof(*sll) + 16) + 4 && mac == net - 14);
	CHECK(len == 64 && snap == 64);
	CHECK(sec > 1600000000);
	CHECK(sll->sll_family == AF_PACKET && sll->sll_ifindex == (int)if_nametoindex("p0"));
	CHECK(sll->sll_protocol == htons(TYPE_A) && sll->sll_halen == 6);
	CHECK(base[mac + 12] == TYPE_A >> 8);
	memcpy(seq, base + mac + 14, 4);
	return 0;
}

static int
child_v3(void)
{
	struct tpacket_req3 req = { .tp_block_size = 1 << 16, .tp_block_nr = 4,
				    .tp_frame_size = 2048, .tp_frame_nr = 128,
				    .tp_retire_blk_tov = 50 };
	struct pollfd pfd = { .events = POLLIN };
	unsigned int seen[10] = { 0 }, i, got = 0, blk = 0;
	uint8_t *map;
	size_t size;
	int tx = tx_sock();

	pfd.fd = ring_sock(TPACKET_V3, &req, &map, &size);
	CHECK(pfd.fd >= 0 && tx >= 0);
	CHECK(poll(&pfd, 1, 100) == 0);
	for (i = 0; i < 10; i++)
		CHECK(send_seq(tx, 64, i) == 0);
	/* 10 OUTGOING copies and 10 looped frames, in blocks retired by the timeout */
	while (got < 20) {
		struct tpacket_block_desc *b = (void *)(map + (size_t)blk * req.tp_block_size);
		const uint8_t *p;
		uint32_t k, seq;

		CHECK(poll(&pfd, 1, 5000) == 1 && pfd.revents == POLLIN);
		CHECK(b->hdr.bh1.block_status & TP_STATUS_USER);
		CHECK(b->hdr.bh1.block_status & TP_STATUS_BLK_TMO);
		CHECK(b->version == TPACKET_V3 && b->hdr.bh1.seq_num == blk + 1);
		p = (const uint8_t *)b + b->hdr.bh1.offset_to_first_pkt;
		for (k = 0; k < b->hdr.bh1.num_pkts; k++) {
			const struct tpacket3_hdr *h = (const void *)p;

			if (check_pkt(p, sizeof(*h), h->tp_len, h->tp_snaplen, h->tp_mac,
				      h->tp_net, h->tp_sec, &seq) != 0)
				return 1;
			CHECK(seq < 10);
			seen[seq]++;
			CHECK((k + 1 == b->hdr.bh1.num_pkts) == (h->tp_next_offset == 0));
			p += h->tp_next_offset;
		}
		got += b->hdr.bh1.num_pkts;
		__atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		blk = (blk + 1) % req.tp_block_nr;
	}
	for (i = 0; i < 10; i++)
		CHECK(seen[i] == 2);
	CHECK(poll(&pfd, 1, 100) == 0);
	munmap(map, size);
	close(pfd.fd);
	close(tx);
	return 0;
}

/* V2, a ring of 8 frames for 40 packets: what does not fit waits, nothing is lost. */
static int
child_v2(void)
{
	struct tpacket_req3 req = { .tp_block_size = 4096, .tp_block_nr = 4,
				    .tp_frame_size = 2048, .tp_frame_nr = 8 };
	struct pollfd pfd = { .events = POLLIN };
	unsigned int seen[20] = { 0 }, i, got = 0, fr = 0;
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	uint8_t *map;
	size_t size;
	int tx = tx_sock();

	pfd.fd = ring_sock(TPACKET_V2, &req, &map, &size);
	CHECK(pfd.fd >= 0 && tx >= 0);
	for (i = 0; i < 20; i++)
		CHECK(send_seq(tx, 64, i) == 0);
	while (got < 40) {
		struct tpacket2_hdr *h = (void *)(map + (size_t)fr * req.tp_frame_size);
		uint32_t seq;

		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
			CHECK(poll(&pfd, 1, 5000) == 1 && pfd.revents == POLLIN);
			continue;
		}
		if (check_pkt((const uint8_t *)h, sizeof(*h), h->tp_len, h->tp_snaplen, h->tp_mac,
			      h->tp_net, h->tp_sec, &seq) != 0)
			return 1;
		CHECK(seq < 20);
		seen[seq]++;
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		fr = (fr + 1) % req.tp_frame_nr;
		got++;
	}
	for (i = 0; i < 20; i++)
		CHECK(seen[i] == 2);
	CHECK(getsockopt(pfd.fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0);
	CHECK(st.tp_packets == 40 && st.tp_drops == 0);
	CHECK(poll(&pfd, 1, 100) == 0);
	close(pfd.fd);
	close(tx);
	return 0;
}

static const struct preload_case cases[] = {
	{ "v3", child_v3 },
	{ "v2", child_v2 },
	{ NULL, NULL },
};

/* ---- the merged capture ---- */

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
		pcap_t *r;

		if (strstr(names[i]->d_name, ".pcap") == NULL) {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		r = pcap_open_offline(path, err);
		if (r == NULL)
			continue;
		if (pcap_datalink(r) == DLT_EN10MB) {
			while (pcap_next_ex(r, &h, &data) == 1) {
				if (h->caplen < 14 || h->caplen > MAX_FRAME)
					continue;
				pcap_dump((u_char *)w, h, data);
				nb_merged++;
			}
		}
		pcap_close(r);
	}
	free(names);
	pcap_dump_close(w);
	pcap_close(dead);
	return n > 0 ? 0 : -1;
}

/* Frames of the merged capture that @p filter keeps (all when NULL), at most @p max. */
static unsigned int
expected(const char *filter, unsigned int max, const char *out)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *r = pcap_open_offline(merged, err);
	pcap_dumper_t *w = pcap_dump_open(r, out);
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned int n = 0;

	if (filter != NULL && pcap_compile(r, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return 0;
	while (n < max && pcap_next_ex(r, &h, &data) == 1) {
		if (filter != NULL && !pcap_offline_filter(&prog, h, data))
			continue;
		pcap_dump((u_char *)w, h, data);
		n++;
	}
	if (filter != NULL)
		pcap_freecode(&prog);
	pcap_dump_close(w);
	pcap_close(r);
	return n;
}

/* Do two captures hold the same frames (bytes, order)? Times are the receiver's. */
static bool
same_frames(const char *a, const char *b)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *ra = pcap_open_offline(a, err), *rb = pcap_open_offline(b, err);
	struct pcap_pkthdr *ha, *hb;
	const u_char *da, *db;
	unsigned int i = 0;
	bool same = ra != NULL && rb != NULL;
	int ea, eb;

	while (same) {
		ea = pcap_next_ex(ra, &ha, &da);
		eb = pcap_next_ex(rb, &hb, &db);
		if (ea != 1 || eb != 1) {
			same = ea == eb;
			if (!same)
				fprintf(stderr, "frame %u: one capture ends first\n", i);
			break;
		}
		if (ha->caplen != hb->caplen || hb->len != hb->caplen ||
		    memcmp(da, db, ha->caplen) != 0) {
			fprintf(stderr, "frame %u differs (%u/%u bytes)\n", i, ha->caplen,
				hb->caplen);
			same = false;
		}
		i++;
	}
	if (ra != NULL)
		pcap_close(ra);
	if (rb != NULL)
		pcap_close(rb);
	return same;
}

/* ---- cmocka side ---- */

static int
start(void)
{
	char ports[1024];

	snprintf(ports, sizeof(ports),
		 "[port p0]\ndevice = net_ring0\nring_size = 4096\n\n"
		 "[port cap]\ndevice = net_pcap0,rx_pcap=%s\nring_size = 4096\npoll_idle = no\n",
		 merged);
	return test_pktiod_start(&d, ports);
}

static int
setup(void **state)
{
	const char *dir = getenv("PKTIO_PCAPS");

	(void)state;
	if (dir == NULL)
		return -1;
	snprintf(merged, sizeof(merged), "%s/merged.pcap", test_dir());
	if (merge_pcaps(dir, merged) < 0 || nb_merged == 0)
		return -1;
	return start();
}

static int
teardown(void **state)
{
	(void)state;
	if (d.pid <= 0)
		return 0;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

static void
test_preload_ring_v3(void **state)
{
	(void)state;
	assert_int_equal(preload_run_case(&d, "v3"), 0);
}

static void
test_preload_ring_v2(void **state)
{
	(void)state;
	assert_int_equal(preload_run_case(&d, "v2"), 0);
}

/* tcpdump -i cap -w out.pcap [opts] -c N [filter] on a fresh replay; compare with what the
 * merged capture holds for the same filter and count. */
static void
tcpdump_capture(const char *opt, const char *filter, unsigned int max)
{
	char out[256], want[256], count[16], log[8192];
	char *argv[16];
	unsigned int n, k = 0;

	if (!preload_have("tcpdump"))
		skip();
	/* a fresh pktiod: net_pcap replays its file once, to its first client */
	if (d.pid > 0)
		assert_int_equal(test_pktiod_stop(&d), 0);
	assert_int_equal(start(), 0);
	snprintf(out, sizeof(out), "%s/out.pcap", test_dir());
	snprintf(want, sizeof(want), "%s/want.pcap", test_dir());
	n = expected(filter, max, want);
	assert_true(n > 0);
	snprintf(count, sizeof(count), "%u", n);
	argv[k++] = (char *)preload_run_bin();
	argv[k++] = (char *)"-s";
	argv[k++] = d.sock;
	argv[k++] = (char *)"tcpdump";
	argv[k++] = (char *)"-i";
	argv[k++] = (char *)"cap";
	argv[k++] = (char *)"-w";
	argv[k++] = out;
	argv[k++] = (char *)"-c";
	argv[k++] = count;
	if (opt != NULL)
		argv[k++] = (char *)opt;
	if (filter != NULL)
		argv[k++] = (char *)filter;
	argv[k] = NULL;
	assert_int_equal(test_run_capture(argv, log, sizeof(log), 60000), 0);
	if (!same_frames(want, out)) {
		fprintf(stderr, "%s\n", log);
		fail_msg("tcpdump's capture is not the replay (%u frames expected)", n);
	}
}

static void
test_preload_ring_tcpdump_all(void **state)
{
	(void)state;
	tcpdump_capture(NULL, NULL, nb_merged);
}

static void
test_preload_ring_tcpdump_count(void **state)
{
	(void)state;
	tcpdump_capture(NULL, NULL, 100);
}

static void
test_preload_ring_tcpdump_filters(void **state)
{
	(void)state;
	tcpdump_capture(NULL, "udp port 53", nb_merged);
	tcpdump_capture(NULL, "arp", nb_merged);
	tcpdump_capture(NULL, "vlan", nb_merged);
}

static void
test_preload_ring_tcpdump_immediate(void **state)
{
	(void)state;
	tcpdump_capture("--immediate-mode", NULL, nb_merged);
	tcpdump_capture("--immediate-mode", "ip6", nb_merged);
}

/* pktiod killed under a running tcpdump: it ends, with an error, as for a vanished
 * interface, and does not hang. */
static void
test_preload_ring_tcpdump_pktiod_gone(void **state)
{
	char log[256];
	int pfd[2], st;
	pid_t pid;
	char buf[512];
	ssize_t n;
	size_t got = 0;

	(void)state;
	if (!preload_have("tcpdump"))
		skip();
	assert_int_equal(pipe(pfd), 0);
	snprintf(log, sizeof(log), "%s/gone.pcap", test_dir());
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], 2);
		execl(preload_run_bin(), "pktio-run", "-s", d.sock, "tcpdump", "-i", "p0", "-w",
		      log, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	/* tcpdump says it listens once its ring is set */
	while (got < sizeof(buf) - 1 && (n = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "listening on") != NULL)
			break;
	}
	assert_non_null(strstr(buf, "listening on p0"));
	kill(d.pid, SIGKILL);
	test_wait_pid(d.pid, 10000);
	d.pid = 0;
	st = test_wait_pid(pid, 10000);
	if (st == -1)
		kill(pid, SIGKILL);
	assert_int_not_equal(st, -1);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	got = 0;
	while (got < sizeof(buf) - 1 && (n = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(pfd[0]);
	assert_non_null(strstr(buf, "The interface disappeared"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preload_ring_v3),
		cmocka_unit_test(test_preload_ring_v2),
		cmocka_unit_test(test_preload_ring_tcpdump_all),
		cmocka_unit_test(test_preload_ring_tcpdump_count),
		cmocka_unit_test(test_preload_ring_tcpdump_filters),
		cmocka_unit_test(test_preload_ring_tcpdump_immediate),
		cmocka_unit_test(test_preload_ring_tcpdump_pktiod_gone),
	};
	int rc = preload_child(cases, argc, argv);

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, setup, teardown);
}
