/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-fwd against pktiod on net_pcap ports: a capture in, a capture out, compared once
 * pktiod has closed the files. L2: every frame of the captures in $PKTIO_PCAPS crosses both
 * ways unchanged (what cannot is counted: oversize frames by pktiod, empty ones by
 * pktio-fwd), and the MAC rewrite. Router: crafted frames, each forwarded, answered or
 * dropped under its counter (read from pktio-fwd's JSON), and every capture thrown at it
 * without a crash. Waits are on events (READY on a pipe, a pidfd, a renamed file), each
 * bounded.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"
#include "harness.h"

#define MAX_FRAME 9216
#define WAIT_MS   30000

/* A pktio-fwd run: its files in the test directory, named after @p name. */
struct fwd_run {
	pid_t pid;
	char conf[256], log[256], json[256], json_name[64];
};

static struct capture all;      /* every capture of $PKTIO_PCAPS, in name order */
static char all_pcap[256];
static struct fwd_run *running;

/* ---- captures ---- */

static int
setup(void **state)
{
	(void)state;
	if (access(test_bin("app/pktio-fwd/pktio-fwd"), X_OK) != 0) {
		printf("skipped: no %s\n", test_bin("app/pktio-fwd/pktio-fwd"));
		exit(TEST_SKIP);
	}
	snprintf(all_pcap, sizeof(all_pcap), "%s/all.pcap", test_dir());
	cap_load_shared(&all, all_pcap);
	return all.n > 0 ? 0 : -1;
}

static unsigned int
count_len(const struct capture *c, uint32_t min, uint32_t max)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->p[i].len >= min && c->p[i].len <= max;
	return n;
}

/* @p got must be the frames of @p in whose length is in 1..MAX_FRAME, in order. */
static void
compare_sendable(const struct capture *got, const struct capture *in)
{
	unsigned int i, j = 0;

	for (i = 0; i < in->n; i++) {
		if (in->p[i].len == 0 || in->p[i].len > MAX_FRAME)
			continue;
		if (j >= got->n)
			fail_msg("output ends at %u frames; input frame %u missing", got->n, i);
		if (got->p[j].len != in->p[i].len ||
		    memcmp(got->p[j].data, in->p[i].data, in->p[i].len) != 0)
			fail_msg("output frame %u differs from input frame %u (%u vs %u bytes)", j,
				 i, got->p[j].len, in->p[i].len);
		j++;
	}
	assert_int_equal(got->n, j);
}

/* ---- pktio-fwd ---- */

static void
kill_running(void)
{
	if (running != NULL && running->pid > 0)
		kill(running->pid, SIGKILL);
}

/* Write @p conf and start pktio-fwd on it with @p args (NULL-terminated); wait for READY. */
static void
fwd_start(struct fwd_run *r, const char *name, const char *conf, ...)
{
	char *argv[24] = { (char *)test_bin("app/pktio-fwd/pktio-fwd"), "-f", r->conf, "-j",
			   r->json, "--notify-fd", "3" };
	char buf[16] = "";
	struct pollfd pfd;
	int pipefd[2], n = 7;
	va_list ap;
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(r->conf, sizeof(r->conf), "%s/%s.conf", test_dir(), name);
	snprintf(r->log, sizeof(r->log), "%s/%s.log", test_dir(), name);
	snprintf(r->json_name, sizeof(r->json_name), "%s.json", name);
	snprintf(r->json, sizeof(r->json), "%s/%s", test_dir(), r->json_name);
	f = fopen(r->conf, "w");
	assert_non_null(f);
	fputs(conf, f);
	fclose(f);
	va_start(ap, conf);
	while (n < 23 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	r->pid = fork();
	if (r->pid == 0) {
		int log = open(r->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(log, 1);
		dup2(log, 2);
		dup2(pipefd[1], 3);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	running = r;
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	if (poll(&pfd, 1, WAIT_MS) != 1 || read(pipefd[0], buf, sizeof(buf) - 1) <= 0 ||
	    strncmp(buf, "READY", 5) != 0) {
		close(pipefd[0]);
		fail_msg("pktio-fwd did not get ready (log %s)", r->log);
	}
	close(pipefd[0]);
}

/* Wait for pktio-fwd to exit by itself (--count); its exit status. */
static int
fwd_wait(struct fwd_run *r)
{
	int st = test_wait_pid(r->pid, WAIT_MS);

	if (st == -1)
		fail_msg("pktio-fwd did not finish in %d ms (log %s)", WAIT_MS, r->log);
	r->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* SIGTERM it; its exit status. */
static int
fwd_stop(struct fwd_run *r)
{
	kill(r->pid, SIGTERM);
	return fwd_wait(r);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(s);
	n = fread(s, 1, (1 << 16) - 1, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

/*
 * Fresh counters from the running pktio-fwd: SIGUSR1 makes it write its JSON file through a
 * rename, which inotify reports. The caller frees the text.
 */
static char *
fwd_json_now(struct fwd_run *r)
{
	char buf[4096] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	struct pollfd pfd;
	bool seen = false;
	ssize_t n, k;
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, test_dir(), IN_MOVED_TO) >= 0);
	assert_int_equal(kill(r->pid, SIGUSR1), 0);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (!seen && poll(&pfd, 1, WAIT_MS) == 1) {
		n = read(fd, buf, sizeof(buf));
		for (k = 0; k < n; k += sizeof(*ev) + ev->len) {
			ev = (const void *)(buf + k);
			seen |= ev->len > 0 && strcmp(ev->name, r->json_name) == 0;
		}
	}
	close(fd);
	if (!seen)
		fail_msg("pktio-fwd wrote no counters on SIGUSR1 (log %s)", r->log);
	return slurp(r->json);
}

/* The number after "key": that follows @p section (NULL: from the start) in @p js. */
static uint64_t
json_u64(const char *js, const char *section, const char *key)
{
	char pat[80];
	const char *p = section != NULL ? strstr(js, section) : js;

	if (p == NULL)
		fail_msg("no %s in the counters:\n%s", section, js);
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(p, pat);
	if (p == NULL)
		fail_msg("no %s in the counters:\n%s", key, js);
	return strtoull(p + strlen(pat), NULL, 10);
}

#define DROPS "\"drops\": {"
#define ARP   "\"arp\": {"
#define ICMP  "\"icmp\": {"

/* ---- frames ---- */

static const uint8_t R0_MAC[6] = { 2, 0, 0, 0, 1, 1 };  /* router, interface i0 */
static const uint8_t H1_MAC[6] = { 2, 0, 0, 0, 1, 2 };  /* host 198.18.1.2 (static) */
static const uint8_t G9_MAC[6] = { 2, 0, 0, 0, 1, 9 };  /* 198.18.1.9, learned */
static const uint8_t R1_MAC[6] = { 2, 0, 0, 0, 2, 1 };  /* router, interface i1 */
static const uint8_t H2_MAC[6] = { 2, 0, 0, 0, 2, 2 };  /* host 198.18.2.2 (static) */
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t ZERO[6];

#define IP(c, d) (0xc6120000u | (c) << 8 | (d))          /* 198.18.c.d */

static uint16_t
cksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += p[i] << 8 | p[i + 1];
	if (len & 1)
		s += p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint16_t
get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void
eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
}

/*
 * Ethernet + IPv4 + @p l4len bytes of protocol @p proto (a UDP header and a counting
 * payload for UDP), checksums right. @return the frame length.
 */
static uint32_t
ipv4(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t src, uint32_t dst,
     uint8_t ttl, uint8_t proto, uint16_t id, uint32_t l4len)
{
	uint8_t *ip = f + 14, *l4 = ip + 20;
	uint32_t i;

	eth(f, dmac, smac, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, 20 + l4len);
	put16(ip + 4, id);
	ip[8] = ttl;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, cksum(ip, 20));
	for (i = 0; i < l4len; i++)
		l4[i] = i;
	if (proto == IPPROTO_UDP) {
		put16(l4, 1000 + id);
		put16(l4 + 2, 9);
		put16(l4 + 4, l4len);
		put16(l4 + 6, 0);
	}
	return 14 + 20 + l4len;
}

/* An ICMP message of @p l4len bytes: type, code, checksum, id/seq, counting payload. */
static uint32_t
icmp(uint8_t *f, const uint8_t *dmac, uint32_t src, uint32_t dst, uint8_t ttl, uint8_t type,
     uint16_t id, uint32_t l4len)
{
	uint32_t len = ipv4(f, dmac, H1_MAC, src, dst, ttl, IPPROTO_ICMP, id, l4len);
	uint8_t *m = f + 34;

	m[0] = type;
	m[1] = 0;
	put16(m + 2, 0);
	put16(m + 4, id);
	put16(m + 6, 1);
	put16(m + 2, cksum(m, l4len));
	return len;
}

static uint32_t
arp(uint8_t *f, const uint8_t *dmac, uint16_t op, const uint8_t *sha, uint32_t sip,
    const uint8_t *tha, uint32_t tip)
{
	uint8_t *a = f + 14;

	eth(f, dmac, sha, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	put32(a + 14, sip);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tip);
	return 42;
}

/* ---- L2 ---- */

static void
l2_captures(bool zc)
{
	struct capture out_a = { 0 }, out_b = { 0 };
	struct pktio_port_info pa, pb;
	struct test_pktiod d;
	struct fwd_run r;
	char ports[2048], conf[512], cnt[16], oa[256], ob[256];
	unsigned int fits = count_len(&all, 0, MAX_FRAME), empty = count_len(&all, 0, 0);
	char *js;

	snprintf(oa, sizeof(oa), "%s/l2_out_a.pcap", test_dir());
	snprintf(ob, sizeof(ob), "%s/l2_out_b.pcap", test_dir());
	/* the same captures into both ports: both directions at once; every frame fits in the
	 * rings, and stays in the file until pktio-fwd attaches */
	snprintf(ports, sizeof(ports),
		 "[port a]\ndevice = net_pcap0,rx_pcap=%s,tx_pcap=%s\nmax_frame = %d\n"
		 "ring_size = 4096\npoll_idle = no\nzerocopy = %s\n\n"
		 "[port b]\ndevice = net_pcap1,rx_pcap=%s,tx_pcap=%s\nmax_frame = %d\n"
		 "ring_size = 4096\npoll_idle = no\nzerocopy = %s\n", all_pcap, oa, MAX_FRAME,
		 zc ? "yes" : "no", all_pcap, ob, MAX_FRAME, zc ? "yes" : "no");
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	snprintf(conf, sizeof(conf), "[fwd]\nmode = l2\nsocket = %s\ntx_wait_us = 1000000\n\n"
		 "[xconnect x]\na = a\nb = b\n", d.sock);
	snprintf(cnt, sizeof(cnt), "%u", 2 * fits);
	fwd_start(&r, "l2", conf, "-c", cnt, NULL);
	assert_int_equal(fwd_wait(&r), 0);
	assert_int_equal(test_port_info(&d, "a", &pa), 0);
	assert_int_equal(test_port_info(&d, "b", &pb), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);     /* closing the ports completes the files */

	js = slurp(r.json);
	assert_non_null(strstr(js, zc ? "\"zerocopy\": true" : "\"zerocopy\": false"));
	assert_int_equal(json_u64(js, NULL, "tx_in_place"), zc ? 2 * (fits - empty) : 0);
	assert_int_equal(json_u64(js, "\"a_to_b\"", "rx_packets"), fits);
	assert_int_equal(json_u64(js, "\"a_to_b\"", "runt"), empty);
	assert_int_equal(json_u64(js, "\"a_to_b\"", "tx_packets"), fits - empty);
	assert_int_equal(json_u64(js, "\"b_to_a\"", "rx_packets"), fits);
	assert_int_equal(json_u64(js, "\"b_to_a\"", "tx_packets"), fits - empty);
	assert_int_equal(json_u64(js, "\"b_to_a\"", "too_long"), 0);
	assert_int_equal(json_u64(js, "\"b_to_a\"", "tx_full"), 0);
	free(js);
	assert_int_equal(pa.rx_oversize, all.n - fits);
	assert_int_equal(pb.rx_oversize, all.n - fits);
	assert_int_equal(cap_read(&out_a, oa, NULL), 0);
	assert_int_equal(cap_read(&out_b, ob, NULL), 0);
	compare_sendable(&out_b, &all);
	compare_sendable(&out_a, &all);
	print_message("%u frames each way: %u forwarded unchanged (%s), %u empty counted as "
		      "runt, %u over %d bytes counted as rx_oversize by pktiod\n", all.n, out_b.n,
		      zc ? "without a copy" : "copied", empty, all.n - fits, MAX_FRAME);
	if (zc) /* every buffer back in its pool */
		assert_int_equal(pa.mbuf_in_use + pb.mbuf_in_use, 0);
	cap_free(&out_a);
	cap_free(&out_b);
}

static void
test_fwd_l2_captures(void **state)
{
	(void)state;
	l2_captures(false);
}

static void
test_fwd_l2_captures_zerocopy(void **state)
{
	(void)state;
	l2_captures(true);
}

static void
l2_rewrite(bool zc)
{
	static const uint8_t NEW_DST[6] = { 2, 0, 0, 0, 0xb, 0xb };
	static const uint8_t NEW_SRC[6] = { 2, 0, 0, 0, 0xb, 1 };
	struct capture in_a = { 0 }, in_b = { 0 }, out_a = { 0 }, out_b = { 0 };
	struct test_pktiod d;
	struct fwd_run r;
	char ports[2048], conf[512], ia[256], ib[256], oa[256], ob[256];
	uint8_t f[1514] = { 0 };
	unsigned int i;
	char *js;

	cap_add(&in_a, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 64, IPPROTO_UDP, 1, 26));
	cap_add(&in_a, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 64, IPPROTO_UDP, 2, 1480));
	cap_add(&in_a, f, 13);                  /* no room for the MAC addresses */
	cap_add(&in_b, f, ipv4(f, R1_MAC, H2_MAC, IP(2, 2), IP(1, 2), 64, IPPROTO_UDP, 3, 100));
	snprintf(ia, sizeof(ia), "%s/rw_in_a.pcap", test_dir());
	snprintf(ib, sizeof(ib), "%s/rw_in_b.pcap", test_dir());
	snprintf(oa, sizeof(oa), "%s/rw_out_a.pcap", test_dir());
	snprintf(ob, sizeof(ob), "%s/rw_out_b.pcap", test_dir());
	cap_write(&in_a, ia);
	cap_write(&in_b, ib);
	snprintf(ports, sizeof(ports),
		 "[port a]\ndevice = net_pcap0,rx_pcap=%s,tx_pcap=%s\npoll_idle = no\n"
		 "zerocopy = %s\n\n"
		 "[port b]\ndevice = net_pcap1,rx_pcap=%s,tx_pcap=%s\npoll_idle = no\n"
		 "zerocopy = %s\n", ia, oa, zc ? "yes" : "no", ib, ob, zc ? "yes" : "no");
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	snprintf(conf, sizeof(conf), "[fwd]\nmode = l2\nsocket = %s\nbusy_poll = yes\n\n"
		 "[xconnect x]\na = a\nb = b\nb_dst_mac = 02:00:00:00:0b:0b\nb_src_mac = 02:00:00:00:0b:01\n", d.sock);
	fwd_start(&r, "rewrite", conf, "-c", "4", NULL);
	assert_int_equal(fwd_wait(&r), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);

	js = slurp(r.json);
	assert_non_null(strstr(js, zc ? "\"zerocopy\": true" : "\"zerocopy\": false"));
	assert_int_equal(json_u64(js, NULL, "tx_in_place"), zc ? 3 : 0);
	assert_int_equal(json_u64(js, "\"a_to_b\"", "rx_packets"), 3);
	assert_int_equal(json_u64(js, "\"a_to_b\"", "runt"), 1);
	assert_int_equal(json_u64(js, "\"a_to_b\"", "tx_packets"), 2);
	assert_int_equal(json_u64(js, "\"b_to_a\"", "tx_packets"), 1);
	free(js);
	assert_int_equal(cap_read(&out_b, ob, NULL), 0);
	assert_int_equal(cap_read(&out_a, oa, NULL), 0);
	assert_int_equal(out_b.n, 2);
	for (i = 0; i < 2; i++) {       /* leaving b: new addresses, nothing else changed */
		assert_int_equal(out_b.p[i].len, in_a.p[i].len);
		assert_memory_equal(out_b.p[i].data, NEW_DST, 6);
		assert_memory_equal(out_b.p[i].data + 6, NEW_SRC, 6);
		assert_memory_equal(out_b.p[i].data + 12, in_a.p[i].data + 12, in_a.p[i].len - 12);
	}
	assert_int_equal(out_a.n, 1);   /* leaving a: no rewrite configured */
	assert_int_equal(out_a.p[0].len, in_b.p[0].len);
	assert_memory_equal(out_a.p[0].data, in_b.p[0].data, in_b.p[0].len);
	cap_free(&in_a);
	cap_free(&in_b);
	cap_free(&out_a);
	cap_free(&out_b);
}

static void
test_fwd_l2_rewrite(void **state)
{
	(void)state;
	l2_rewrite(false);
}

static void
test_fwd_l2_rewrite_zerocopy(void **state)
{
	(void)state;
	l2_rewrite(true);
}

/* ---- router ---- */

/* i0 198.18.1.1/24 on r0, i1 198.18.2.1/24 on r1; static routes; tight ARP and ICMP. */
static const char router_conf[] =
	"[fwd]\nmode = router\nsocket = %s\ntx_wait_us = 1000000\n\n"
	"[router]\narp_retries = 2\narp_retry_ms = 200\narp_pending = 2\n"
	"icmp_rate = 1\nicmp_burst = 3\n"
	"route = 198.18.3.0/24 via 198.18.2.2\n"
	"route = 198.18.4.0/24 via 198.18.1.9\n"
	"route = 198.18.5.0/24 via 198.18.1.10\n%s\n"
	"[interface i0]\nport = r0\naddress = 198.18.1.1/24\nmac = 02:00:00:00:01:01\n"
	"arp = 198.18.1.2 02:00:00:00:01:02\n\n"
	"[interface i1]\nport = r1\naddress = 198.18.2.1/24\nmac = 02:00:00:00:02:01\n"
	"arp = 198.18.2.2 02:00:00:00:02:02\n";

/* A valid IPv4 header at @p ip (the sum of the header with its checksum is 0xffff). */
static void
assert_ipv4_ok(const uint8_t *ip)
{
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(cksum(ip, 20), 0);
}

/* The routed frames from @p in (by IP id) must be in @p out: TTL - 1, good checksum, MACs. */
static void
assert_routed(const struct capture *out, const uint8_t *in, uint32_t in_len,
	      const uint8_t *dmac, const uint8_t *smac)
{
	uint32_t tot = get16(in + 16);
	unsigned int i;

	for (i = 0; i < out->n; i++) {
		const uint8_t *o = out->p[i].data;

		if (out->p[i].len < 34 || get16(o + 12) != 0x0800 || get16(o + 18) != get16(in + 18) ||
		    get32(o + 26) != get32(in + 26))
			continue;
		assert_int_equal(out->p[i].len, 14 + tot);      /* Ethernet padding dropped */
		assert_true(in_len >= 14 + tot);
		assert_memory_equal(o, dmac, 6);
		assert_memory_equal(o + 6, smac, 6);
		assert_ipv4_ok(o + 14);
		assert_int_equal(o[22], in[22] - 1);
		assert_memory_equal(o + 23, in + 23, 1);        /* protocol */
		assert_memory_equal(o + 26, in + 26, tot - 12); /* addresses and payload */
		return;
	}
	fail_msg("routed packet id %u to %08x not found", get16(in + 18), get32(in + 30));
}

/* How many frames of @p out are ICMP of @p type/@p code from @p src to @p dst. */
static unsigned int
count_icmp(const struct capture *out, uint8_t type, uint8_t code, uint32_t src, uint32_t dst,
	   const uint8_t *dmac, const uint8_t *smac)
{
	unsigned int i, n = 0;

	for (i = 0; i < out->n; i++) {
		const uint8_t *o = out->p[i].data;
		uint32_t len = out->p[i].len;

		if (len < 42 || get16(o + 12) != 0x0800 || o[23] != IPPROTO_ICMP ||
		    o[34] != type || o[35] != code || get32(o + 26) != src || get32(o + 30) != dst)
			continue;
		assert_memory_equal(o, dmac, 6);
		assert_memory_equal(o + 6, smac, 6);
		assert_ipv4_ok(o + 14);
		assert_int_equal(len, 14 + get16(o + 16));
		assert_int_equal(cksum(o + 34, len - 34), 0);
		n++;
	}
	return n;
}

/* How many frames of @p out are ARP @p op with sender @p sip and target @p tip. */
static unsigned int
count_arp(const struct capture *out, uint16_t op, uint32_t sip, uint32_t tip)
{
	unsigned int i, n = 0;

	for (i = 0; i < out->n; i++) {
		const uint8_t *o = out->p[i].data;

		n += out->p[i].len >= 42 && get16(o + 12) == 0x0806 && get16(o + 20) == op &&
		     get32(o + 28) == sip && get32(o + 38) == tip;
	}
	return n;
}

static void
router_frames(bool zc)
{
	struct capture in0 = { 0 }, in1 = { 0 }, out0 = { 0 }, out1 = { 0 };
	struct test_pktiod d;
	struct fwd_run r;
	char ports[2048], conf[2048], i0[256], i1[256], o0[256], o1[256];
	uint8_t f[1514] = { 0 };
	uint32_t len;
	unsigned int i, n;
	uint64_t frames = 0;
	char *js = NULL;
	static const uint8_t ttls[] = { 2, 64, 128, 255 };
	static const uint8_t OTHER[6] = { 2, 0, 0, 0, 9, 9 };

	/* on i0, from 198.18.1.2 */
	for (i = 0; i < 4; i++) {       /* forwardable, to a connected host; the first padded */
		len = ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), ttls[i], IPPROTO_UDP, 100 + i,
			   i == 0 ? 8 : 200 * i);
		cap_add(&in0, f, i == 0 ? 60 : len);
	}
	cap_add(&in0, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(3, 7), 64, IPPROTO_UDP, 104, 64));
	cap_add(&in0, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 1, IPPROTO_UDP, 200, 64));
	cap_add(&in0, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), 0xc6130909, 64, IPPROTO_UDP, 201, 64));
	cap_add(&in0, f, icmp(f, R0_MAC, IP(1, 2), IP(2, 2), 1, 3, 202, 36)); /* about an error */
	cap_add(&in0, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 1, IPPROTO_UDP, 203, 64));
	cap_add(&in0, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 1, IPPROTO_UDP, 204, 64));
	len = ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 64, IPPROTO_UDP, 300, 64);
	f[24] ^= 0x40;                          /* bad checksum */
	cap_add(&in0, f, len);
	len = ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 64, IPPROTO_UDP, 301, 64);
	f[14] = 0x44;                           /* header length 16 */
	cap_add(&in0, f, len);
	len = ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 64, IPPROTO_UDP, 302, 64);
	cap_add(&in0, f, len - 10);             /* total length beyond the frame */
	len = ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 64, IPPROTO_UDP, 303, 64);
	f[14] = 0x65;                           /* version 6 */
	cap_add(&in0, f, len);
	cap_add(&in0, f, 24);                   /* shorter than an IPv4 header */
	cap_add(&in0, f, 10);                   /* runt */
	cap_add(&in0, f, ipv4(f, OTHER, H1_MAC, IP(1, 2), IP(2, 2), 64, IPPROTO_UDP, 304, 64));
	len = ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(2, 2), 64, IPPROTO_UDP, 305, 64);
	put16(f + 12, 0x86dd);                  /* IPv6: unsupported */
	cap_add(&in0, f, len);
	cap_add(&in0, f, arp(f, BCAST, 1, H1_MAC, IP(1, 2), ZERO, IP(1, 1)));
	cap_add(&in0, f, icmp(f, R0_MAC, IP(1, 2), IP(1, 1), 64, 8, 400, 64));
	cap_add(&in0, f, icmp(f, R0_MAC, IP(1, 2), IP(2, 1), 64, 8, 401, 64));
	len = icmp(f, R0_MAC, IP(1, 2), IP(1, 1), 64, 8, 402, 64);
	f[40] ^= 1;                             /* bad ICMP checksum */
	cap_add(&in0, f, len);
	cap_add(&in0, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(1, 255), 64, IPPROTO_UDP, 403, 64));
	cap_add(&in0, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(1, 1), 64, IPPROTO_UDP, 404, 64));
	cap_add(&in0, f, ipv4(f, R0_MAC, H1_MAC, IP(1, 2), IP(4, 5), 64, IPPROTO_UDP, 500, 64));
	cap_add(&in0, f, arp(f, R0_MAC, 2, G9_MAC, IP(1, 9), R0_MAC, IP(1, 1)));
	/* on i1, from 198.18.2.2 */
	cap_add(&in1, f, ipv4(f, R1_MAC, H2_MAC, IP(2, 2), IP(1, 2), 5, IPPROTO_UDP, 600, 64));
	for (i = 0; i < 3; i++)         /* via 198.18.1.10, which never answers */
		cap_add(&in1, f, ipv4(f, R1_MAC, H2_MAC, IP(2, 2), IP(5, 1 + i), 64, IPPROTO_UDP,
				      601 + i, 64));

	snprintf(i0, sizeof(i0), "%s/rt_in0.pcap", test_dir());
	snprintf(i1, sizeof(i1), "%s/rt_in1.pcap", test_dir());
	snprintf(o0, sizeof(o0), "%s/rt_out0.pcap", test_dir());
	snprintf(o1, sizeof(o1), "%s/rt_out1.pcap", test_dir());
	cap_write(&in0, i0);
	cap_write(&in1, i1);
	snprintf(ports, sizeof(ports),
		 "[port r0]\ndevice = net_pcap0,rx_pcap=%s,tx_pcap=%s\npoll_idle = no\n"
		 "zerocopy = %s\n\n"
		 "[port r1]\ndevice = net_pcap1,rx_pcap=%s,tx_pcap=%s\npoll_idle = no\n"
		 "zerocopy = %s\n", i0, o0, zc ? "yes" : "no", i1, o1, zc ? "yes" : "no");
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	snprintf(conf, sizeof(conf), router_conf, d.sock, "");
	fwd_start(&r, "router", conf, NULL);
	/* every frame read, and the next hop that never answers given up on (2 x 200 ms) */
	for (i = 0; i < 2000; i++) {
		free(js);
		js = fwd_json_now(&r);
		frames = json_u64(js, NULL, "rx_frames");
		if (frames == in0.n + in1.n && json_u64(js, DROPS, "arp_unresolved") == 2)
			break;
		poll(NULL, 0, 10);
	}
	free(js);
	assert_int_equal(fwd_stop(&r), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);
	js = slurp(r.json);
	assert_non_null(strstr(js, zc ? "\"zerocopy\": true" : "\"zerocopy\": false"));
	assert_null(strstr(js, zc ? "\"zerocopy\": false" : "\"zerocopy\": true"));
	/* in place: the routed frames whose next hop was known when they came */
	assert_int_equal(json_u64(js, NULL, "tx_in_place"), zc ? 6 : 0);
	assert_int_equal(json_u64(js, NULL, "rx_frames"), in0.n + in1.n);
	assert_int_equal(json_u64(js, "\"router\"", "routed"), 10);
	assert_int_equal(json_u64(js, "\"router\"", "pending"), 0);
	assert_int_equal(json_u64(js, DROPS, "runt"), 1);
	assert_int_equal(json_u64(js, DROPS, "other_host"), 1);
	assert_int_equal(json_u64(js, DROPS, "unsupported"), 1);
	assert_int_equal(json_u64(js, DROPS, "bad_header"), 4);
	assert_int_equal(json_u64(js, DROPS, "bad_checksum"), 2);
	assert_int_equal(json_u64(js, DROPS, "not_routable"), 1);
	assert_int_equal(json_u64(js, DROPS, "ttl_exceeded"), 4);
	assert_int_equal(json_u64(js, DROPS, "no_route"), 1);
	assert_int_equal(json_u64(js, DROPS, "local"), 1);
	assert_int_equal(json_u64(js, DROPS, "arp_pending_overflow"), 1);
	assert_int_equal(json_u64(js, DROPS, "arp_unresolved"), 2);
	assert_int_equal(json_u64(js, DROPS, "too_long"), 0);
	assert_int_equal(json_u64(js, DROPS, "tx_full"), 0);
	assert_int_equal(json_u64(js, ARP, "requests_in"), 1);
	assert_int_equal(json_u64(js, ARP, "replies_in"), 1);
	assert_int_equal(json_u64(js, ARP, "replies_out"), 1);
	assert_int_equal(json_u64(js, ARP, "requests_out"), 3);
	assert_int_equal(json_u64(js, ARP, "learned"), 1);
	assert_int_equal(json_u64(js, ICMP, "echo_replies"), 2);
	assert_int_equal(json_u64(js, ICMP, "time_exceeded"), 2);
	assert_int_equal(json_u64(js, ICMP, "unreachable"), 2);
	assert_int_equal(json_u64(js, ICMP, "rate_limited"), 1);
	assert_int_equal(json_u64(js, ICMP, "suppressed"), 1);
	free(js);

	assert_int_equal(cap_read(&out0, o0, NULL), 0);
	assert_int_equal(cap_read(&out1, o1, NULL), 0);
	/* out of i1: the forwarded ones, and the unreachable host error to 198.18.2.2 */
	for (i = 0; i < 5; i++)
		assert_routed(&out1, in0.p[i].data, in0.p[i].len, H2_MAC, R1_MAC);
	assert_int_equal(count_icmp(&out1, 3, 1, IP(2, 1), IP(2, 2), H2_MAC, R1_MAC), 1);
	assert_int_equal(out1.n, 6);
	/* out of i0 */
	assert_routed(&out0, in0.p[in0.n - 2].data, in0.p[in0.n - 2].len, G9_MAC, R0_MAC);
	assert_routed(&out0, in1.p[0].data, in1.p[0].len, H1_MAC, R0_MAC);
	assert_int_equal(count_icmp(&out0, 11, 0, IP(1, 1), IP(1, 2), H1_MAC, R0_MAC), 2);
	assert_int_equal(count_icmp(&out0, 3, 0, IP(1, 1), IP(1, 2), H1_MAC, R0_MAC), 1);
	assert_int_equal(count_icmp(&out0, 0, 0, IP(1, 1), IP(1, 2), H1_MAC, R0_MAC), 1);
	assert_int_equal(count_icmp(&out0, 0, 0, IP(2, 1), IP(1, 2), H1_MAC, R0_MAC), 1);
	assert_int_equal(count_arp(&out0, 2, IP(1, 1), IP(1, 2)), 1);
	assert_int_equal(count_arp(&out0, 1, IP(1, 1), IP(1, 9)), 1);
	assert_int_equal(count_arp(&out0, 1, IP(1, 1), IP(1, 10)), 2);
	assert_int_equal(out0.n, 11);
	for (i = 0, n = 0; i < out0.n; i++) {   /* ARP from the router: its MAC, right sizes */
		const uint8_t *o = out0.p[i].data;

		if (get16(o + 12) != 0x0806)
			continue;
		assert_int_equal(out0.p[i].len, 42);
		assert_memory_equal(o + 6, R0_MAC, 6);
		assert_memory_equal(o + 22, R0_MAC, 6);
		assert_memory_equal(o, get16(o + 20) == 1 ? BCAST : H1_MAC, 6);
		n++;
	}
	assert_int_equal(n, 4);
	cap_free(&in0);
	cap_free(&in1);
	cap_free(&out0);
	cap_free(&out1);
}

static void
test_fwd_router_frames(void **state)
{
	(void)state;
	router_frames(false);
}

/* The same frames read in place: the routed ones leave in their own buffers. */
static void
test_fwd_router_frames_zerocopy(void **state)
{
	(void)state;
	router_frames(true);
}

/*
 * Every capture, addressed to the router's MAC so that the IPv4 and ARP parsers see them,
 * with a default route: nothing crashes, every frame ends under exactly one counter, and
 * what goes out is well-formed IPv4.
 */
static void
router_captures(bool zc)
{
	struct capture in = { 0 }, out = { 0 };
	struct test_pktiod d;
	struct fwd_run r;
	char ports[2048], conf[2048], ip[256], op[256], o2[256], cnt[16];
	unsigned int i, fits = 0;
	uint64_t sum, r1_tx;
	char *js;

	for (i = 0; i < all.n; i++) {
		cap_add(&in, all.p[i].data, all.p[i].len);
		if (in.p[i].len >= 6)
			memcpy(in.p[i].data, R0_MAC, 6);
		fits += in.p[i].len <= 1522;
	}
	snprintf(ip, sizeof(ip), "%s/rc_in.pcap", test_dir());
	snprintf(op, sizeof(op), "%s/rc_out0.pcap", test_dir());
	snprintf(o2, sizeof(o2), "%s/rc_out1.pcap", test_dir());
	cap_write(&in, ip);
	snprintf(ports, sizeof(ports),
		 "[port r0]\ndevice = net_pcap0,rx_pcap=%s,tx_pcap=%s\nring_size = 4096\n"
		 "poll_idle = no\nzerocopy = %s\n\n[port r1]\ndevice = net_pcap1,tx_pcap=%s\n"
		 "zerocopy = %s\n", ip, op, zc ? "yes" : "no", o2, zc ? "yes" : "no");
	assert_int_equal(test_pktiod_start(&d, ports), 0);
	snprintf(conf, sizeof(conf), router_conf, d.sock, "route = 0.0.0.0/0 via 198.18.2.2\n");
	snprintf(cnt, sizeof(cnt), "%u", fits);
	fwd_start(&r, "captures", conf, "-c", cnt, NULL);
	assert_int_equal(fwd_wait(&r), 0);
	assert_int_equal(test_pktiod_stop(&d), 0);

	js = slurp(r.json);
	assert_non_null(strstr(js, zc ? "\"zerocopy\": true" : "\"zerocopy\": false"));
	if (zc) /* the routed frames of the captures, all out of one next hop, known */
		assert_int_equal(json_u64(js, NULL, "tx_in_place"),
				 json_u64(js, "\"router\"", "routed"));
	else
		assert_int_equal(json_u64(js, NULL, "tx_in_place"), 0);
	assert_int_equal(json_u64(js, NULL, "rx_frames"), fits);
	sum = json_u64(js, "\"router\"", "routed") + json_u64(js, ARP, "requests_in") +
	      json_u64(js, ARP, "replies_in") + json_u64(js, ICMP, "echo_requests");
	for (i = 0; i < 9; i++) {       /* the receive-side drop reasons */
		static const char *const rx_drops[] = {
			"runt", "other_host", "unsupported", "bad_header", "bad_checksum",
			"not_routable", "ttl_exceeded", "no_route", "local",
		};

		sum += json_u64(js, DROPS, rx_drops[i]);
	}
	assert_int_equal(sum, fits);
	assert_true(json_u64(js, "\"router\"", "routed") > 0);
	r1_tx = json_u64(js, "\"r1\"", "tx_packets");
	free(js);
	assert_int_equal(cap_read(&out, o2, NULL), 0);
	assert_int_equal(out.n, r1_tx); /* all that pktio-fwd sent reached the wire */
	for (i = 0; i < out.n; i++) {
		const uint8_t *o = out.p[i].data;

		assert_true(out.p[i].len >= 34);
		assert_memory_equal(o, H2_MAC, 6);
		assert_memory_equal(o + 6, R1_MAC, 6);
		assert_int_equal(get16(o + 12), 0x0800);
		assert_true((o[14] >> 4) == 4 && (o[14] & 0xf) >= 5);
		assert_int_equal(cksum(o + 14, (o[14] & 0xf) * 4), 0);
		assert_int_equal(out.p[i].len, 14 + get16(o + 16));
	}
	print_message("%u of %u frames routed out of i1 (%s), all with a good IPv4 header\n",
		      out.n, fits, zc ? "without a copy" : "copied");
	cap_free(&in);
	cap_free(&out);
}

static void
test_fwd_router_captures(void **state)
{
	(void)state;
	router_captures(false);
}

static void
test_fwd_router_captures_zerocopy(void **state)
{
	(void)state;
	router_captures(true);
}

/* The shipped configurations pass --check; a wrong one names its file and line. */
static void
test_fwd_config_check(void **state)
{
	const char *src = getenv("PKTIO_SOURCE");
	static const char *const files[] = { "l2.conf", "router.conf" };
	char path[512], log[256], bad[256];
	char *argv[] = { (char *)test_bin("app/pktio-fwd/pktio-fwd"), "--check", "-f", path,
			 NULL };
	char *pktiod[] = { (char *)test_bin("app/pktiod/pktiod"), "--check", "-f", path, NULL };
	unsigned int i;
	char *out;
	FILE *f;

	(void)state;
	snprintf(log, sizeof(log), "%s/check.log", test_dir());
	for (i = 0; src != NULL && i < 2; i++) {
		snprintf(path, sizeof(path), "%s/config/fwd/%s", src, files[i]);
		assert_int_equal(test_run(argv, log, WAIT_MS), 0);
	}
	if (src != NULL) {
		snprintf(path, sizeof(path), "%s/config/fwd/pktiod.conf", src);
		assert_int_equal(test_run(pktiod, log, WAIT_MS), 0);
	}
	snprintf(bad, sizeof(bad), "%s/bad.conf", test_dir());
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("[fwd]\nmode = router\n\n[interface i0]\nport = p0\naddress = 198.18.1.1/24\n"
	      "mac = 02:00:00:00:01:01\nmtu = 1500\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s", bad);
	assert_int_equal(test_run(argv, log, WAIT_MS), 1);
	out = slurp(log);
	snprintf(path, sizeof(path), "%s:8: unknown key 'mtu'", bad);
	if (strstr(out, path) == NULL)
		fail_msg("expected '%s' in: %s", path, out);
	free(out);
}

static int
teardown_test(void **state)
{
	(void)state;
	kill_running();
	if (running != NULL && running->pid > 0)
		test_wait_pid(running->pid, 5000);
	running = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fwd_config_check, teardown_test),
		cmocka_unit_test_teardown(test_fwd_l2_captures, teardown_test),
		cmocka_unit_test_teardown(test_fwd_l2_rewrite, teardown_test),
		cmocka_unit_test_teardown(test_fwd_l2_captures_zerocopy, teardown_test),
		cmocka_unit_test_teardown(test_fwd_l2_rewrite_zerocopy, teardown_test),
		cmocka_unit_test_teardown(test_fwd_router_frames, teardown_test),
		cmocka_unit_test_teardown(test_fwd_router_captures, teardown_test),
		cmocka_unit_test_teardown(test_fwd_router_frames_zerocopy, teardown_test),
		cmocka_unit_test_teardown(test_fwd_router_captures_zerocopy, teardown_test),
	};

	atexit(kill_running);
	return cmocka_run_group_tests(tests, setup, NULL);
}
