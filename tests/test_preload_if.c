/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-run, and the ports as network interfaces under it: getifaddrs, if_nametoindex and
 * friends, netdevice ioctls by name on any socket, indexes clear of the kernel's, kernel
 * interfaces passed through untouched; pktio-run's own errors (no pktiod, unknown port,
 * unknown program) and tcpdump -D listing the ports.
 */

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "test_preload_common.h"

#define PORTS "[port p0]\ndevice = net_ring0\n\n[port p1]\ndevice = net_ring1\n"

static struct test_pktiod d;

/* ---- child cases: run under pktio-run ---- */

static int
child_names(void)
{
	struct if_nameindex *ni, *k;
	unsigned int i0 = if_nametoindex("p0"), i1 = if_nametoindex("p1"), seen = 0;
	char name[IF_NAMESIZE];

	CHECK(i0 != 0 && i1 == i0 + 1);
	CHECK(if_indextoname(i0, name) != NULL && strcmp(name, "p0") == 0);
	CHECK(if_indextoname(i1, name) != NULL && strcmp(name, "p1") == 0);
	CHECK(if_nametoindex("lo") != 0); /* the kernel's still there */
	errno = 0;
	CHECK(if_nametoindex("nosuchif0") == 0 && errno == ENODEV);
	ni = if_nameindex();
	CHECK(ni != NULL);
	for (k = ni; k->if_name != NULL; k++) {
		if (strcmp(k->if_name, "p0") == 0 && k->if_index == i0)
			seen |= 1;
		else if (strcmp(k->if_name, "p1") == 0 && k->if_index == i1)
			seen |= 2;
		else
			CHECK(k->if_index != i0 && k->if_index != i1); /* no collision */
	}
	if_freenameindex(ni);
	CHECK(seen == 3);
	return 0;
}

static int
child_getifaddrs(void)
{
	struct ifaddrs *ifa, *i;
	unsigned int seen = 0;

	CHECK(getifaddrs(&ifa) == 0);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		const struct sockaddr_ll *sll = (const void *)i->ifa_addr;

		if (strcmp(i->ifa_name, "p0") != 0 && strcmp(i->ifa_name, "p1") != 0)
			continue;
		CHECK(sll != NULL && sll->sll_family == AF_PACKET);
		CHECK(sll->sll_hatype == ARPHRD_ETHER && sll->sll_halen == 6);
		CHECK(sll->sll_ifindex == (int)if_nametoindex(i->ifa_name));
		CHECK((i->ifa_flags & (IFF_UP | IFF_RUNNING | IFF_BROADCAST)) ==
		      (IFF_UP | IFF_RUNNING | IFF_BROADCAST));
		CHECK(i->ifa_broadaddr != NULL && i->ifa_data != NULL);
		seen |= i->ifa_name[1] == '0' ? 1 : 2;
	}
	freeifaddrs(ifa);
	CHECK(seen == 3);
	return 0;
}

static int
ioctl_checks(int fd)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
	struct ethtool_cmd ecmd = { .cmd = ETHTOOL_GSET };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "p1");
	CHECK(ioctl(fd, SIOCGIFINDEX, &ifr) == 0 && ifr.ifr_ifindex == (int)if_nametoindex("p1"));
	memset(ifr.ifr_name, 0, sizeof(ifr.ifr_name));
	CHECK(ioctl(fd, SIOCGIFNAME, &ifr) == 0 && strcmp(ifr.ifr_name, "p1") == 0);
	CHECK(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0);
	CHECK((ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING));
	CHECK(ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER);
	CHECK(ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 1500);
	CHECK(ioctl(fd, SIOCGIFADDR, &ifr) < 0 && errno == EADDRNOTAVAIL);
	ifr.ifr_data = (void *)&ev;
	CHECK(ioctl(fd, SIOCETHTOOL, &ifr) == 0 && ev.data == 1);
	ifr.ifr_data = (void *)&ecmd;
	CHECK(ioctl(fd, SIOCETHTOOL, &ifr) < 0 && errno == EOPNOTSUPP); /* not ENODEV */
	/* a kernel interface, and none */
	strcpy(ifr.ifr_name, "lo");
	CHECK(ioctl(fd, SIOCGIFINDEX, &ifr) == 0 && ifr.ifr_ifindex == (int)if_nametoindex("lo"));
	strcpy(ifr.ifr_name, "nosuchif0");
	CHECK(ioctl(fd, SIOCGIFINDEX, &ifr) < 0 && errno == ENODEV);
	return 0;
}

static int
child_ioctl(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fds[3], i;

	fds[0] = socket(AF_INET, SOCK_DGRAM, 0);
	fds[1] = socket(AF_UNIX, SOCK_DGRAM, 0);
	fds[2] = socket(AF_PACKET, SOCK_RAW, 0);
	for (i = 0; i < 3; i++)
		CHECK(fds[i] >= 0);
	/* and on a packet socket bound to a port, whose kernel file is no socket */
	sll.sll_ifindex = (int)if_nametoindex("p0");
	CHECK(bind(fds[2], (struct sockaddr *)&sll, sizeof(sll)) == 0);
	for (i = 0; i < 3; i++) {
		if (ioctl_checks(fds[i]) != 0) {
			fprintf(stderr, "on fd %d\n", i);
			return 1;
		}
		close(fds[i]);
	}
	return 0;
}

/* A packet socket on a kernel interface is the kernel's: a frame over lo comes back. */
static int
child_kernel_lo(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(0x88b5) };
	uint8_t frame[64] = { 0 }, buf[128];
	struct pollfd pfd;
	int fd = socket(AF_PACKET, SOCK_RAW, htons(0x88b5));
	ssize_t n;

	if (fd < 0 && errno == EPERM)
		return 0; /* needs CAP_NET_RAW, as without pktio-run */
	CHECK(fd >= 0);
	sll.sll_ifindex = (int)if_nametoindex("lo");
	CHECK(bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	frame[12] = 0x88;
	frame[13] = 0xb5;
	memcpy(frame + 14, "pktio-kernel-lo", 15);
	CHECK(send(fd, frame, sizeof(frame), 0) == sizeof(frame));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		CHECK(poll(&pfd, 1, 5000) == 1);
		n = recv(fd, buf, sizeof(buf), 0);
		CHECK(n > 0);
		if (n == sizeof(frame) && memcmp(buf, frame, sizeof(frame)) == 0)
			break;
	}
	close(fd);
	return 0;
}

static int
child_only_p1(void)
{
	struct ifaddrs *ifa, *i;
	bool p0 = false, p1 = false;

	CHECK(getifaddrs(&ifa) == 0);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		p0 |= strcmp(i->ifa_name, "p0") == 0;
		p1 |= strcmp(i->ifa_name, "p1") == 0;
	}
	freeifaddrs(ifa);
	CHECK(!p0 && p1);
	CHECK(if_nametoindex("p0") == 0);
	return 0;
}

static const struct preload_case cases[] = {
	{ "names", child_names },
	{ "getifaddrs", child_getifaddrs },
	{ "ioctl", child_ioctl },
	{ "kernel_lo", child_kernel_lo },
	{ "only_p1", child_only_p1 },
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
	return test_pktiod_stop(&d) == 0 ? 0 : -1;
}

static void
test_preload_if_names(void **state)
{
	(void)state;
	assert_int_equal(preload_run_case(&d, "names"), 0);
}

static void
test_preload_if_getifaddrs(void **state)
{
	(void)state;
	assert_int_equal(preload_run_case(&d, "getifaddrs"), 0);
}

static void
test_preload_if_ioctl(void **state)
{
	(void)state;
	assert_int_equal(preload_run_case(&d, "ioctl"), 0);
}

static void
test_preload_if_kernel_passthrough(void **state)
{
	(void)state;
	assert_int_equal(preload_run_case(&d, "kernel_lo"), 0);
}

static void
test_preload_if_ports_option(void **state)
{
	char out[4096];
	char *argv[] = { (char *)preload_run_bin(), (char *)"-s", d.sock, (char *)"--ports",
			 (char *)"p1", (char *)"--", (char *)preload_self(), (char *)"--child",
			 (char *)"only_p1", NULL };
	char *bad[] = { (char *)preload_run_bin(), (char *)"-s", d.sock, (char *)"-p",
			(char *)"p1,nope", (char *)"true", NULL };

	(void)state;
	assert_int_equal(test_run_capture(argv, out, sizeof(out), 30000), 0);
	assert_int_equal(test_run_capture(bad, out, sizeof(out), 30000), 1);
	assert_non_null(strstr(out, "has no port 'nope'"));
}

static void
test_preload_if_no_pktiod(void **state)
{
	char out[4096], sock[256];
	char *argv[] = { (char *)preload_run_bin(), (char *)"-s", sock, (char *)"true", NULL };

	(void)state;
	snprintf(sock, sizeof(sock), "%s/none.sock", test_dir());
	assert_int_equal(test_run_capture(argv, out, sizeof(out), 30000), 1);
	assert_non_null(strstr(out, "no pktiod answers on"));
	assert_non_null(strstr(out, sock));
}

static void
test_preload_if_no_program(void **state)
{
	char out[4096];
	char *argv[] = { (char *)preload_run_bin(), (char *)"-s", d.sock,
			 (char *)"/nonexistent/program", NULL };
	char *none[] = { (char *)preload_run_bin(), (char *)"-s", d.sock, NULL };

	(void)state;
	assert_int_equal(test_run_capture(argv, out, sizeof(out), 30000), 127);
	assert_non_null(strstr(out, "/nonexistent/program"));
	assert_int_equal(test_run_capture(none, out, sizeof(out), 30000), 2);
}

static void
test_preload_if_tcpdump_list(void **state)
{
	char out[16384];
	char *argv[] = { (char *)preload_run_bin(), (char *)"-s", d.sock, (char *)"tcpdump",
			 (char *)"-D", NULL };

	(void)state;
	if (!preload_have("tcpdump"))
		skip();
	assert_int_equal(test_run_capture(argv, out, sizeof(out), 30000), 0);
	assert_non_null(strstr(out, ".p0 [Up, Running, Connected]"));
	assert_non_null(strstr(out, ".p1 [Up, Running, Connected]"));
	assert_non_null(strstr(out, ".lo [Up, Running, Loopback]"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preload_if_names),
		cmocka_unit_test(test_preload_if_getifaddrs),
		cmocka_unit_test(test_preload_if_ioctl),
		cmocka_unit_test(test_preload_if_kernel_passthrough),
		cmocka_unit_test(test_preload_if_ports_option),
		cmocka_unit_test(test_preload_if_no_pktiod),
		cmocka_unit_test(test_preload_if_no_program),
		cmocka_unit_test(test_preload_if_tcpdump_list),
	};
	int rc = preload_child(cases, argc, argv);

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests(tests, setup, teardown);
}
