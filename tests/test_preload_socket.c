/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * AF_PACKET sockets on pktio ports under pktio-run, the way programs use them: bind and
 * names, what each socket sees (every socket every frame; OUTGOING copies for ETH_P_ALL
 * sockets of what others send, none of its own; protocol-bound sockets their ethertype
 * only), SOCK_DGRAM headers, filters with their snap length, truncation, non-blocking
 * modes and timeouts, control messages, batches, readiness through poll/ppoll/select/
 * pselect/epoll with a pipe and a timerfd, dup, statistics, threads sharing a socket, fork,
 * exec keeping the preload, and pktiod going away (POLLERR, ENETDOWN, ifindex -1).
 * The ports are net_ring loopbacks: what is sent on p0 comes back on p0.
 */

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "test_preload_common.h"

#define PORTS "[port p0]\ndevice = net_ring0\nring_size = 4096\n\n" \
	      "[port p1]\ndevice = net_ring1\nring_size = 4096\n"
#define TYPE_A 0x88b5
#define TYPE_B 0x88b6
#define TYPE_C 0x88b7
#define PID_ENV "PKTIO_TEST_PKTIOD_PID"

static struct test_pktiod d;

/* ---- child helpers ---- */

static const uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t src_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

/* An Ethernet frame of @p len bytes, ethertype @p type, a sequence number at 14. */
static void
frame_make(uint8_t *f, size_t len, uint16_t type, uint32_t seq)
{
	uint16_t t = htons(type);
	size_t i;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	memcpy(f + 12, &t, 2);
	memcpy(f + 14, &seq, 4);
	for (i = 18; i < len; i++)
		f[i] = (uint8_t)i;
}

static uint32_t
frame_seq(const uint8_t *f)
{
	uint32_t seq;

	memcpy(&seq, f + 14, 4);
	return seq;
}

static int
sock_on(int type, uint16_t proto, const char *port)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = (int)if_nametoindex(port),
	};
	int fd = socket(AF_PACKET, type, htons(proto));

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_frame(int fd, size_t len, uint16_t type, uint32_t seq)
{
	uint8_t f[2048];

	frame_make(f, len, type, seq);
	return send(fd, f, len, 0) == (ssize_t)len ? 0 : -1;
}

/* Receive until a frame of ethertype @p type and @p seq comes (others are skipped).
 * @return its length, or -1 (timeout, error). */
static ssize_t
recv_seq(int fd, uint16_t type, uint32_t seq, int ms, uint8_t *buf, size_t len,
	 struct sockaddr_ll *from)
{
	uint64_t end = preload_ms() + (uint64_t)ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	socklen_t sl;
	ssize_t n;

	for (;;) {
		int left = (int)(end - preload_ms());

		if (left <= 0 || poll(&pfd, 1, left) != 1)
			return -1;
		sl = sizeof(*from);
		n = recvfrom(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)from, &sl);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0)
			return -1;
		if (n >= 18 && buf[12] == type >> 8 && buf[13] == (type & 0xff) &&
		    frame_seq(buf) == seq)
			return n;
	}
}

/* Nothing more for @p fd within @p ms? */
static bool
quiet(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 0;
}

/* ---- child cases ---- */

static int
child_send_recv(void)
{
	int a = sock_on(SOCK_RAW, ETH_P_ALL, "p0"), b = sock_on(SOCK_RAW, ETH_P_ALL, "p0");
	uint8_t f[128], buf[256];
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	bool outgoing = false, host = false;
	int i;

	CHECK(a >= 0 && b >= 0);
	CHECK(getsockname(a, (struct sockaddr *)&sll, &sl) == 0);
	CHECK(sl == offsetof(struct sockaddr_ll, sll_addr) + 6);
	CHECK(sll.sll_family == AF_PACKET && sll.sll_protocol == htons(ETH_P_ALL));
	CHECK(sll.sll_ifindex == (int)if_nametoindex("p0") && sll.sll_halen == 6);
	frame_make(f, 100, TYPE_A, 1);
	CHECK(send(a, f, 100, 0) == 100);
	/* b: the copy of what a sent (OUTGOING), and the frame back from the loop */
	for (i = 0; i < 2; i++) {
		CHECK(recv_seq(b, TYPE_A, 1, 5000, buf, sizeof(buf), &sll) == 100);
		CHECK(memcmp(buf, f, 100) == 0);
		CHECK(sll.sll_ifindex == (int)if_nametoindex("p0"));
		CHECK(sll.sll_protocol == htons(TYPE_A) && sll.sll_hatype == 1);
		CHECK(memcmp(sll.sll_addr, src_mac, 6) == 0);
		outgoing |= sll.sll_pkttype == PACKET_OUTGOING;
		host |= sll.sll_pkttype == PACKET_OTHERHOST;
	}
	CHECK(outgoing && host);
	/* a: the looped frame only, never its own OUTGOING copy */
	CHECK(recv_seq(a, TYPE_A, 1, 5000, buf, sizeof(buf), &sll) == 100);
	CHECK(sll.sll_pkttype == PACKET_OTHERHOST);
	CHECK(quiet(a, 200) && quiet(b, 50));
	close(a);
	close(b);
	return 0;
}

static int
child_dgram(void)
{
	int dg = sock_on(SOCK_DGRAM, TYPE_B, "p0"), raw = sock_on(SOCK_RAW, ETH_P_ALL, "p0");
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_protocol = htons(TYPE_B),
		.sll_ifindex = (int)if_nametoindex("p0"), .sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	}, from;
	uint8_t payload[46], buf[256];
	uint32_t seq = 7;
	struct ifreq ifr = { .ifr_name = "p0" };
	socklen_t sl = sizeof(from);
	ssize_t n;

	CHECK(dg >= 0 && raw >= 0);
	CHECK(ioctl(raw, SIOCGIFHWADDR, &ifr) == 0);
	memset(payload, 0x5a, sizeof(payload));
	memcpy(payload, &seq, 4);
	CHECK(sendto(dg, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)) ==
	      sizeof(payload));
	/* the raw socket sees the header the shim built */
	for (;;) {
		n = recv(raw, buf, sizeof(buf), 0);
		CHECK(n > 0);
		if (buf[12] == TYPE_B >> 8 && buf[13] == (TYPE_B & 0xff))
			break;
	}
	CHECK(n == 14 + (ssize_t)sizeof(payload));
	CHECK(memcmp(buf, to.sll_addr, 6) == 0);
	CHECK(memcmp(buf + 6, ifr.ifr_hwaddr.sa_data, 6) == 0);
	CHECK(memcmp(buf + 14, payload, sizeof(payload)) == 0);
	/* the dgram socket gets the payload of the looped frame, broadcast */
	n = recvfrom(dg, buf, sizeof(buf), 0, (struct sockaddr *)&from, &sl);
	CHECK(n == sizeof(payload) && memcmp(buf, payload, sizeof(payload)) == 0);
	CHECK(from.sll_pkttype == PACKET_BROADCAST && from.sll_protocol == htons(TYPE_B));
	/* send() on a dgram socket has no destination */
	CHECK(send(dg, payload, sizeof(payload), 0) < 0 && errno == EINVAL);
	close(dg);
	close(raw);
	return 0;
}

static int
child_protocol(void)
{
	int arp = sock_on(SOCK_RAW, ETH_P_ARP, "p0"), tx = sock_on(SOCK_RAW, 0, "p0");
	uint8_t buf[256];
	struct sockaddr_ll sll;

	CHECK(arp >= 0 && tx >= 0);
	CHECK(send_frame(tx, 60, ETH_P_IP, 1) == 0);
	CHECK(send_frame(tx, 60, ETH_P_ARP, 2) == 0);
	CHECK(recv_seq(arp, ETH_P_ARP, 2, 5000, buf, sizeof(buf), &sll) == 60);
	CHECK(sll.sll_pkttype != PACKET_OUTGOING); /* protocol sockets see no outgoing */
	CHECK(quiet(arp, 200));
	close(arp);
	close(tx);
	return 0;
}

static int
child_filter(void)
{
	/* ethertype TYPE_C: keep 20 bytes; anything else: drop */
	struct sock_filter code[] = {
		{ BPF_LD | BPF_H | BPF_ABS, 0, 0, 12 },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 1, TYPE_C },
		{ BPF_RET | BPF_K, 0, 0, 20 },
		{ BPF_RET | BPF_K, 0, 0, 0 },
	};
	struct sock_fprog prog = { .len = 4, .filter = code };
	int s = sock_on(SOCK_RAW, ETH_P_ALL, "p0"), tx = sock_on(SOCK_RAW, 0, "p0");
	uint8_t buf[256];
	struct sockaddr_ll sll;
	int dummy = 0;

	CHECK(s >= 0 && tx >= 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == 0);
	CHECK(send_frame(tx, 100, TYPE_A, 1) == 0);
	CHECK(quiet(s, 300)); /* filtered out: never readable */
	CHECK(send_frame(tx, 100, TYPE_C, 2) == 0);
	CHECK(recv_seq(s, TYPE_C, 2, 5000, buf, sizeof(buf), &sll) == 20); /* snap length */
	CHECK(recv_seq(s, TYPE_C, 2, 5000, buf, sizeof(buf), &sll) == 20); /* both copies */
	CHECK(setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy)) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy)) < 0 &&
	      errno == ENOENT);
	CHECK(send_frame(tx, 100, TYPE_A, 3) == 0);
	CHECK(recv_seq(s, TYPE_A, 3, 5000, buf, sizeof(buf), &sll) == 100);
	prog.len = 0;
	CHECK(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 &&
	      errno == EINVAL);
	close(s);
	close(tx);
	return 0;
}

static int
child_trunc(void)
{
	int s = sock_on(SOCK_RAW, TYPE_A, "p0"), tx = sock_on(SOCK_RAW, 0, "p0");
	uint8_t buf[32];
	struct iovec iov = { .iov_base = buf, .iov_len = 18 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	CHECK(s >= 0 && tx >= 0);
	CHECK(send_frame(tx, 100, TYPE_A, 1) == 0);
	CHECK(send_frame(tx, 100, TYPE_A, 2) == 0);
	CHECK(recv(s, buf, 10, 0) == 10);
	CHECK(recv(s, buf, 10, MSG_TRUNC | MSG_PEEK) == 100);
	CHECK(recvmsg(s, &msg, 0) == 18 && (msg.msg_flags & MSG_TRUNC));
	CHECK(frame_seq(buf) == 2);
	close(s);
	close(tx);
	return 0;
}

static int
child_nonblock(void)
{
	struct timeval tv = { .tv_usec = 100000 };
	int s = sock_on(SOCK_RAW, TYPE_B, "p0"), on = 1, off = 0, fl;
	uint8_t buf[64];
	uint64_t t0;

	CHECK(s >= 0);
	CHECK(recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	fl = fcntl(s, F_GETFL);
	CHECK(fl >= 0 && !(fl & O_NONBLOCK));
	CHECK(fcntl(s, F_SETFL, fl | O_NONBLOCK) == 0);
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
	CHECK(recv(s, buf, sizeof(buf), 0) < 0 && errno == EAGAIN);
	CHECK(fcntl(s, F_SETFL, fl) == 0);
	CHECK(ioctl(s, FIONBIO, &on) == 0);
	CHECK(read(s, buf, sizeof(buf)) < 0 && errno == EAGAIN);
	CHECK(ioctl(s, FIONBIO, &off) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	t0 = preload_ms();
	CHECK(recv(s, buf, sizeof(buf), 0) < 0 && errno == EAGAIN);
	CHECK(preload_ms() - t0 >= 90);
	close(s);
	s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(TYPE_B));
	CHECK(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK));
	CHECK(recv(s, buf, sizeof(buf), 0) < 0 && errno == EAGAIN);
	close(s);
	return 0;
}

static int
child_cmsg(void)
{
	int s = sock_on(SOCK_RAW, TYPE_A, "p0"), tx = sock_on(SOCK_RAW, 0, "p0"), on = 1;
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl;
	uint8_t buf[256];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct timespec t0, t1, ts = { 0, 0 };
	struct tpacket_auxdata aux = { 0 };
	struct cmsghdr *c;
	struct timeval tv;
	int seen = 0;

	CHECK(s >= 0 && tx >= 0);
	CHECK(setsockopt(s, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on)) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) == 0);
	CHECK(ioctl(s, SIOCGSTAMP, &tv) < 0 && errno == ENOENT);
	clock_gettime(CLOCK_REALTIME, &t0);
	CHECK(send_frame(tx, 80, TYPE_A, 1) == 0);
	CHECK(recvmsg(s, &msg, 0) == 80);
	clock_gettime(CLOCK_REALTIME, &t1);
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
			CHECK(seen == 0); /* the stamp comes first, as from the kernel */
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			seen |= 1;
		} else if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			seen |= 2;
		}
	}
	CHECK(seen == 3);
	CHECK(ts.tv_sec >= t0.tv_sec && ts.tv_sec <= t1.tv_sec);
	CHECK(aux.tp_len == 80 && aux.tp_snaplen == 80 && aux.tp_net == 14);
	CHECK(aux.tp_status & TP_STATUS_USER);
	CHECK(ioctl(s, SIOCGSTAMP, &tv) == 0 && tv.tv_sec == ts.tv_sec);
	close(s);
	close(tx);
	return 0;
}

static int
child_mmsg(void)
{
	int s = sock_on(SOCK_RAW, TYPE_A, "p0"), tx = sock_on(SOCK_RAW, 0, "p0");
	uint8_t f[16][128], r[16][128];
	struct mmsghdr v[16];
	struct iovec iov[16];
	unsigned int got = 0, seen = 0, i;
	int n;

	CHECK(s >= 0 && tx >= 0);
	for (i = 0; i < 16; i++) {
		frame_make(f[i], 64 + i, TYPE_A, 100 + i);
		iov[i] = (struct iovec){ f[i], 64 + i };
		v[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	CHECK(sendmmsg(tx, v, 16, 0) == 16);
	while (got < 16) {
		for (i = 0; i < 16; i++) {
			iov[i] = (struct iovec){ r[i], sizeof(r[i]) };
			v[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i],
							      .msg_iovlen = 1 } };
		}
		n = recvmmsg(s, v, 16, MSG_WAITFORONE, NULL);
		CHECK(n > 0);
		for (i = 0; i < (unsigned int)n; i++) {
			uint32_t k = frame_seq(r[i]) - 100;

			CHECK(k < 16 && v[i].msg_len == 64 + k && !(seen & (1u << k)));
			seen |= 1u << k;
		}
		got += (unsigned int)n;
	}
	CHECK(seen == 0xffff);
	close(s);
	close(tx);
	return 0;
}

static int
child_poll(void)
{
	int s = sock_on(SOCK_RAW, TYPE_A, "p0"), tx = sock_on(SOCK_RAW, 0, "p0"), p[2];
	struct pollfd pfd[2];
	struct timespec ts = { 1, 0 };
	struct timeval tv = { 1, 0 };
	fd_set r, w;
	uint8_t buf[256];

	CHECK(s >= 0 && tx >= 0 && pipe(p) == 0);
	pfd[0] = (struct pollfd){ .fd = s, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	CHECK(poll(pfd, 2, 0) == 0);
	CHECK(poll(pfd, 2, 100) == 0);
	CHECK(send_frame(tx, 64, TYPE_A, 1) == 0);
	CHECK(poll(pfd, 2, 5000) == 1 && pfd[0].revents == POLLIN && pfd[1].revents == 0);
	pfd[0].events = POLLIN | POLLOUT;
	CHECK(poll(pfd, 1, 0) == 1 && pfd[0].revents == (POLLIN | POLLOUT));
	pfd[0].events = POLLOUT;
	CHECK(poll(pfd, 1, 0) == 1 && pfd[0].revents == POLLOUT);
	pfd[0].events = POLLIN;
	CHECK(ppoll(pfd, 2, &ts, NULL) == 1 && pfd[0].revents == POLLIN);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(s, &r);
	FD_SET(p[0], &r);
	FD_SET(s, &w);
	CHECK(select((s > p[0] ? s : p[0]) + 1, &r, &w, NULL, &tv) == 2);
	CHECK(FD_ISSET(s, &r) && FD_ISSET(s, &w) && !FD_ISSET(p[0], &r));
	CHECK(recv(s, buf, sizeof(buf), 0) == 64);
	FD_ZERO(&r);
	FD_SET(s, &r);
	FD_SET(p[0], &r);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK(pselect((s > p[0] ? s : p[0]) + 1, &r, NULL, NULL, &ts, NULL) == 1);
	CHECK(!FD_ISSET(s, &r) && FD_ISSET(p[0], &r));
	close(s);
	close(tx);
	close(p[0]);
	close(p[1]);
	return 0;
}

static int
child_epoll(void)
{
	int s = sock_on(SOCK_RAW, TYPE_A, "p0"), tx = sock_on(SOCK_RAW, 0, "p0"), p[2];
	int ep = epoll_create1(EPOLL_CLOEXEC), tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = { .it_value = { 0, 50000000 } };
	struct epoll_event ev, out[8];
	uint8_t buf[256];
	uint64_t ticks;

	CHECK(s >= 0 && tx >= 0 && pipe(p) == 0 && ep >= 0 && tfd >= 0);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 0xabc };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) < 0 && errno == EEXIST);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 2 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 3 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == 0);
	CHECK(epoll_wait(ep, out, 8, 0) == 0);
	CHECK(timerfd_settime(tfd, 0, &its, NULL) == 0);
	CHECK(epoll_wait(ep, out, 8, 5000) == 1 && out[0].data.u64 == 3);
	CHECK(read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks));
	CHECK(send_frame(tx, 64, TYPE_A, 1) == 0);
	CHECK(epoll_wait(ep, out, 8, 5000) == 1 && out[0].data.u64 == 0xabc);
	CHECK(out[0].events == EPOLLIN);
	CHECK(recv(s, buf, sizeof(buf), 0) == 64);
	CHECK(epoll_wait(ep, out, 8, 100) == 0); /* level-triggered, and read */
	CHECK(write(p[1], "x", 1) == 1);
	CHECK(epoll_wait(ep, out, 8, 5000) == 1 && out[0].data.u64 == 2);
	CHECK(read(p[0], buf, 1) == 1);
	/* one-shot: one event, then none until re-armed */
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 0xabd };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev) == 0);
	CHECK(send_frame(tx, 64, TYPE_A, 2) == 0);
	CHECK(send_frame(tx, 64, TYPE_A, 3) == 0);
	CHECK(epoll_wait(ep, out, 8, 5000) == 1 && out[0].data.u64 == 0xabd);
	CHECK(recv(s, buf, sizeof(buf), 0) == 64);
	CHECK(epoll_wait(ep, out, 8, 100) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev) == 0);
	CHECK(epoll_wait(ep, out, 8, 5000) == 1 && out[0].data.u64 == 0xabd);
	CHECK(recv(s, buf, sizeof(buf), 0) == 64);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL) == 0);
	CHECK(send_frame(tx, 64, TYPE_A, 4) == 0);
	CHECK(epoll_wait(ep, out, 8, 200) == 0);
	close(ep);
	close(tfd);
	close(s);
	close(tx);
	close(p[0]);
	close(p[1]);
	return 0;
}

/* Attachments pktiod has for this process. */
static int
my_attachments(void)
{
	struct pktio_port_info ports[8];
	struct pktio_client_info c[64];
	unsigned int np = 8, nc = 64, i;
	int n = 0;

	if (pktio_query(NULL, ports, &np, c, &nc) < 0)
		return -1;
	for (i = 0; i < nc; i++)
		n += c[i].pid == getpid();
	return n;
}

static int
child_dup(void)
{
	int s = sock_on(SOCK_RAW, TYPE_A, "p0"), tx = sock_on(SOCK_RAW, 0, "p0"), s2, s3;
	uint8_t buf[256];
	struct sockaddr_ll sll;
	uint64_t end;

	CHECK(s >= 0 && tx >= 0);
	s2 = dup(s);
	s3 = fcntl(s, F_DUPFD_CLOEXEC, 100);
	CHECK(s2 >= 0 && s3 >= 100 && dup2(s, 90) == 90 && dup3(s, 91, O_CLOEXEC) == 91);
	CHECK(fcntl(91, F_GETFD) & FD_CLOEXEC);
	close(s);
	CHECK(send_frame(tx, 64, TYPE_A, 1) == 0);
	CHECK(recv_seq(s2, TYPE_A, 1, 5000, buf, sizeof(buf), &sll) == 64);
	CHECK(send_frame(tx, 64, TYPE_A, 2) == 0);
	CHECK(recv_seq(90, TYPE_A, 2, 5000, buf, sizeof(buf), &sll) == 64);
	CHECK(my_attachments() == 2); /* s (one handle, four fds) and tx */
	close(s2);
	close(s3);
	close(90);
	CHECK(send_frame(tx, 64, TYPE_A, 3) == 0);
	CHECK(recv_seq(91, TYPE_A, 3, 5000, buf, sizeof(buf), &sll) == 64);
	close(91);
	close(tx);
	/* the last descriptor closed detaches: pktiod sees the connection go */
	end = preload_ms() + 5000;
	while (my_attachments() != 0 && preload_ms() < end)
		usleep(1000);
	CHECK(my_attachments() == 0);
	return 0;
}

static int
child_stats(void)
{
	int s = sock_on(SOCK_RAW, ETH_P_ALL, "p1"), tx = sock_on(SOCK_RAW, 0, "p1"), i;
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	unsigned int count[5] = { 0 };
	uint8_t buf[256];

	CHECK(s >= 0 && tx >= 0);
	CHECK(getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0);
	for (i = 0; i < 5; i++)
		CHECK(send_frame(tx, 64, TYPE_A, (uint32_t)i) == 0);
	for (i = 0; i < 10; i++) {
		/* each twice: OUTGOING copy and looped frame */
		CHECK(recv(s, buf, sizeof(buf), 0) == 64 && frame_seq(buf) < 5);
		count[frame_seq(buf)]++;
	}
	for (i = 0; i < 5; i++)
		CHECK(count[i] == 2);
	len = sizeof(st);
	CHECK(getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0);
	CHECK(len == sizeof(st) && st.tp_packets == 10 && st.tp_drops == 0);
	CHECK(getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0);
	CHECK(st.tp_packets == 0); /* reset by the read */
	close(s);
	close(tx);
	return 0;
}

struct rx_arg {
	int fd;
	int got;
};

static void *
rx_thread(void *arg)
{
	struct rx_arg *a = arg;
	uint8_t buf[256];
	struct sockaddr_ll sll;

	a->got = (int)recv_seq(a->fd, TYPE_B, 42, 10000, buf, sizeof(buf), &sll);
	return NULL;
}

struct tx_arg {
	int fd;
	uint32_t base;
	int sent;
};

static void *
tx_thread(void *arg)
{
	struct tx_arg *a = arg;
	uint32_t i;

	for (i = 0; i < 200; i++)
		a->sent += send_frame(a->fd, 64, TYPE_C, a->base + i) == 0;
	return NULL;
}

static int
child_threads(void)
{
	int s = sock_on(SOCK_RAW, ETH_P_ALL, "p0"), r = sock_on(SOCK_RAW, TYPE_C, "p0");
	struct rx_arg ra = { .fd = s };
	struct tx_arg ta[2] = { { .fd = s, .base = 0 }, { .fd = s, .base = 1000 } };
	struct timeval tv = { 10, 0 };
	uint8_t seen[2][200] = { { 0 } }, buf[256];
	pthread_t t, tt[2];
	int i, got = 0;

	CHECK(s >= 0 && r >= 0);
	/* one thread waits in recv while another sends on the same socket (scapy's sr) */
	CHECK(pthread_create(&t, NULL, rx_thread, &ra) == 0);
	usleep(50000);
	CHECK(send_frame(s, 64, TYPE_B, 42) == 0);
	CHECK(pthread_join(t, NULL) == 0 && ra.got == 64);
	/* two threads sending on one socket: every frame goes out once */
	CHECK(setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	for (i = 0; i < 2; i++)
		CHECK(pthread_create(&tt[i], NULL, tx_thread, &ta[i]) == 0);
	while (got < 400) {
		ssize_t n = recv(r, buf, sizeof(buf), 0);
		uint32_t q;

		CHECK(n == 64);
		q = frame_seq(buf);
		CHECK(q % 1000 < 200 && !seen[q / 1000][q % 1000]);
		seen[q / 1000][q % 1000] = 1;
		got++;
	}
	for (i = 0; i < 2; i++)
		CHECK(pthread_join(tt[i], NULL) == 0 && ta[i].sent == 200);
	close(s);
	close(r);
	return 0;
}

static int
child_fork(void)
{
	int s = sock_on(SOCK_RAW, TYPE_A, "p0"), tx = sock_on(SOCK_RAW, 0, "p0"), p[2], st;
	uint8_t buf[256];
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	pid_t pid;
	char c;

	CHECK(s >= 0 && tx >= 0 && pipe(p) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* the child's first use attaches it anew; the parent's handle is not touched */
		if (getsockname(s, (struct sockaddr *)&sll, &sl) < 0 ||
		    write(p[1], "r", 1) != 1 ||
		    recv_seq(s, TYPE_A, 5, 5000, buf, sizeof(buf), &sll) != 64 ||
		    send_frame(s, 64, TYPE_A, 6) < 0)
			_exit(1);
		close(s);
		_exit(0);
	}
	CHECK(read(p[0], &c, 1) == 1);
	CHECK(send_frame(tx, 64, TYPE_A, 5) == 0);
	CHECK(recv_seq(s, TYPE_A, 5, 5000, buf, sizeof(buf), &sll) == 64);
	CHECK(recv_seq(s, TYPE_A, 6, 5000, buf, sizeof(buf), &sll) == 64);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* the parent's socket still works */
	CHECK(send_frame(tx, 64, TYPE_A, 7) == 0);
	CHECK(recv_seq(s, TYPE_A, 7, 5000, buf, sizeof(buf), &sll) == 64);
	close(s);
	close(tx);
	return 0;
}

static int
child_exec_target(void)
{
	const char *pre = getenv("LD_PRELOAD");

	CHECK(pre != NULL && strstr(pre, "libpktio-preload.so") != NULL);
	CHECK(getenv("PKTIO_PORTS") != NULL && if_nametoindex("p0") != 0);
	return 0;
}

static int
child_exec(void)
{
	char *argv[] = { (char *)preload_self(), (char *)"--child", (char *)"exec_target", NULL };
	char *envp[] = { (char *)"FOO=bar", NULL };
	int st;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		execve(argv[0], argv, envp); /* an environment without the preload */
		_exit(127);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

static int
child_rebind(void)
{
	int s = sock_on(SOCK_RAW, TYPE_A, "p0"), t0 = sock_on(SOCK_RAW, 0, "p0");
	int t1 = sock_on(SOCK_RAW, 0, "p1");
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(TYPE_B),
				   .sll_ifindex = (int)if_nametoindex("p1") };
	uint8_t buf[256];

	CHECK(s >= 0 && t0 >= 0 && t1 >= 0);
	CHECK(bind(s, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	CHECK(send_frame(t0, 64, TYPE_B, 1) == 0);
	CHECK(send_frame(t1, 64, TYPE_A, 2) == 0);
	CHECK(send_frame(t1, 64, TYPE_B, 3) == 0);
	CHECK(recv_seq(s, TYPE_B, 3, 5000, buf, sizeof(buf), &sll) == 64);
	CHECK(quiet(s, 200));
	/* a port nobody has: as the kernel, ENODEV */
	sll.sll_ifindex = 0x7ffffff0;
	CHECK(bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0 && errno == ENODEV);
	close(s);
	close(t0);
	close(t1);
	return 0;
}

/* sendto() naming a port from a socket never bound (a kernel socket when root). */
static int
child_unbound_sendto(void)
{
	int u = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), r = sock_on(SOCK_RAW, TYPE_C, "p1");
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_ifindex = (int)if_nametoindex("p1") }, from;
	uint8_t f[64], buf[256];

	CHECK(u >= 0 && r >= 0);
	frame_make(f, sizeof(f), TYPE_C, 9);
	CHECK(sendto(u, f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) == sizeof(f));
	CHECK(recv_seq(r, TYPE_C, 9, 5000, buf, sizeof(buf), &from) == sizeof(f));
	CHECK(memcmp(buf, f, sizeof(f)) == 0);
	close(u);
	close(r);
	return 0;
}

static int
child_pktiod_gone(void)
{
	const char *env = getenv(PID_ENV);
	int s = sock_on(SOCK_RAW, ETH_P_ALL, "p0"), ep = epoll_create1(0), err = 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 }, out[2];
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	struct sockaddr_ll sll;
	socklen_t len = sizeof(err), sl = sizeof(sll);
	uint8_t buf[64];

	CHECK(env != NULL && s >= 0 && ep >= 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0);
	CHECK(poll(&pfd, 1, 0) == 0);
	CHECK(kill((pid_t)atoi(env), SIGKILL) == 0);
	/* as a vanished interface: POLLERR, SO_ERROR ENETDOWN, index -1, no hang */
	CHECK(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLERR));
	CHECK(epoll_wait(ep, out, 2, 10000) == 1 && (out[0].events & EPOLLERR));
	CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ENETDOWN);
	CHECK(recv(s, buf, sizeof(buf), 0) < 0 && errno == ENETDOWN);
	CHECK(send_frame(s, 64, TYPE_A, 1) < 0 && errno == ENETDOWN);
	CHECK(getsockname(s, (struct sockaddr *)&sll, &sl) == 0 && sll.sll_ifindex == -1);
	close(ep);
	close(s);
	return 0;
}

static const struct preload_case cases[] = {
	{ "send_recv", child_send_recv },
	{ "dgram", child_dgram },
	{ "protocol", child_protocol },
	{ "filter", child_filter },
	{ "trunc", child_trunc },
	{ "nonblock", child_nonblock },
	{ "cmsg", child_cmsg },
	{ "mmsg", child_mmsg },
	{ "poll", child_poll },
	{ "epoll", child_epoll },
	{ "dup", child_dup },
	{ "stats", child_stats },
	{ "threads", child_threads },
	{ "fork", child_fork },
	{ "exec", child_exec },
	{ "exec_target", child_exec_target },
	{ "rebind", child_rebind },
	{ "unbound_sendto", child_unbound_sendto },
	{ "pktiod_gone", child_pktiod_gone },
	{ NULL, NULL },
};

/* ---- cmocka side ---- */

static int
setup(void **state)
{
	(void)state;
	return test_pktiod_start(&d, PORTS);
}

static int
teardown(void **state)
{
	(void)state;
	if (d.pid <= 0)
		return 0;
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

#define CASE(name)								\
static void									\
test_preload_socket_##name(void **state)					\
{										\
	(void)state;								\
	assert_int_equal(preload_run_case(&d, #name), 0);			\
}

CASE(send_recv)
CASE(dgram)
CASE(protocol)
CASE(filter)
CASE(trunc)
CASE(nonblock)
CASE(cmsg)
CASE(mmsg)
CASE(poll)
CASE(epoll)
CASE(dup)
CASE(stats)
CASE(threads)
CASE(fork)
CASE(exec)
CASE(rebind)
CASE(unbound_sendto)

static void
test_preload_socket_pktiod_gone(void **state)
{
	char pid[16];

	(void)state;
	snprintf(pid, sizeof(pid), "%d", (int)d.pid);
	setenv(PID_ENV, pid, 1);
	assert_int_equal(preload_run_case(&d, "pktiod_gone"), 0);
	unsetenv(PID_ENV);
	test_wait_pid(d.pid, 10000);
	d.pid = 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preload_socket_send_recv),
		cmocka_unit_test(test_preload_socket_dgram),
		cmocka_unit_test(test_preload_socket_protocol),
		cmocka_unit_test(test_preload_socket_filter),
		cmocka_unit_test(test_preload_socket_trunc),
		cmocka_unit_test(test_preload_socket_nonblock),
		cmocka_unit_test(test_preload_socket_cmsg),
		cmocka_unit_test(test_preload_socket_mmsg),
		cmocka_unit_test(test_preload_socket_poll),
		cmocka_unit_test(test_preload_socket_epoll),
		cmocka_unit_test(test_preload_socket_dup),
		cmocka_unit_test(test_preload_socket_stats),
		cmocka_unit_test(test_preload_socket_threads),
		cmocka_unit_test(test_preload_socket_fork),
		cmocka_unit_test(test_preload_socket_exec),
		cmocka_unit_test(test_preload_socket_rebind),
		cmocka_unit_test(test_preload_socket_unbound_sendto),
		cmocka_unit_test(test_preload_socket_pktiod_gone), /* last: kills pktiod */
	};
	int rc = preload_child(cases, argc, argv);

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, setup, teardown);
}
