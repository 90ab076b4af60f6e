/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The public header's ABI (struct pktio_hdr and friends) and the errors pktio_port_open()
 * and pktio_query() give before any appliance is involved. No pktiod runs here.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "pktio.h"

#define NO_SOCKET "/nonexistent/dir/sock"

static char dir[] = "/tmp/pktio-test-hdr.XXXXXX";
static char refused[64];    /* a unix socket file nobody listens on */

static int
sock_create(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(refused, sizeof(refused), "%s/refused.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", refused);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
sock_remove(void **state)
{
	(void)state;
	unlink(refused);
	return rmdir(dir);
}

static void
test_hdr_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct pktio_hdr), 12);
	assert_int_equal(_Alignof(struct pktio_hdr), 1);
	assert_int_equal(offsetof(struct pktio_hdr, version), 0);
	assert_int_equal(offsetof(struct pktio_hdr, hdrlen), 1);
	assert_int_equal(offsetof(struct pktio_hdr, pktlen), 2);
	assert_int_equal(offsetof(struct pktio_hdr, tstamp), 4);
	assert_int_equal(PKTIO_HDR_VERSION, 2);
}

static void
test_hdr_set_fills_fields(void **state)
{
	uint8_t buf[1 + sizeof(struct pktio_hdr) + 1];
	struct pktio_hdr h;
	const uint16_t len = 0xbeef;
	const uint64_t ts = 0x0123456789abcdefull;

	(void)state;
	/* at an odd address: the header is packed, a readv iovec can start anywhere */
	memset(buf, 0xee, sizeof(buf));
	pktio_hdr_set((struct pktio_hdr *)(buf + 1), len, ts);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(buf[sizeof(buf) - 1], 0xee);
	memcpy(&h, buf + 1, sizeof(h));
	assert_int_equal(h.version, PKTIO_HDR_VERSION);
	assert_int_equal(h.hdrlen, 12);
	assert_int_equal(h.pktlen, len);
	assert_true(h.tstamp == ts);
	/* the fields sit where hpio expects them */
	assert_int_equal(buf[1], 2);
	assert_int_equal(buf[2], 12);
	assert_memory_equal(buf + 3, &len, sizeof(len));
	assert_memory_equal(buf + 5, &ts, sizeof(ts));

	pktio_hdr_set(&h, 0, 0);
	assert_int_equal(h.version, PKTIO_HDR_VERSION);
	assert_int_equal(h.hdrlen, sizeof(h));
	assert_int_equal(h.pktlen, 0);
	assert_true(h.tstamp == 0);
}

static void
test_hdr_meta_layout(void **state)
{
	struct pktio_meta m;

	(void)state;
	/* no holes: every member after the one before it */
	assert_int_equal(offsetof(struct pktio_meta, tstamp), 0);
	assert_int_equal(offsetof(struct pktio_meta, len), 8);
	assert_int_equal(offsetof(struct pktio_meta, hash), 12);
	assert_int_equal(offsetof(struct pktio_meta, port), 16);
	assert_int_equal(offsetof(struct pktio_meta, queue), 18);
	assert_int_equal(offsetof(struct pktio_meta, flags), 20);
	assert_int_equal(sizeof(m), 24);
	assert_int_equal(sizeof(m.len), 4);
	assert_int_equal(sizeof(m.flags), 4);
}

static void
test_hdr_pkt_layout(void **state)
{
	struct pktio_pkt p;

	(void)state;
	assert_int_equal(offsetof(struct pktio_pkt, data), 0);
	assert_int_equal(offsetof(struct pktio_pkt, len), sizeof(void *));
	assert_int_equal(offsetof(struct pktio_pkt, cap), offsetof(struct pktio_pkt, len) + 4);
	assert_int_equal(offsetof(struct pktio_pkt, id), offsetof(struct pktio_pkt, cap) + 4);
	assert_int_equal(offsetof(struct pktio_pkt, hash), offsetof(struct pktio_pkt, id) + 4);
	assert_int_equal(offsetof(struct pktio_pkt, tstamp) % 8, 0);
	assert_int_equal(offsetof(struct pktio_pkt, queue), offsetof(struct pktio_pkt, tstamp) + 8);
	assert_int_equal(offsetof(struct pktio_pkt, flags), offsetof(struct pktio_pkt, queue) + 2);
	assert_int_equal(offsetof(struct pktio_pkt, reserved),
			 offsetof(struct pktio_pkt, flags) + 2);
	assert_int_equal(sizeof(p), offsetof(struct pktio_pkt, reserved) + 4);
	assert_int_equal(sizeof(p) % 8, 0);
	if (sizeof(void *) == 8)
		assert_int_equal(sizeof(p), 40);
}

/* pktio_port_open() fails with NULL and @p err. */
static void
open_fails(const char *name, unsigned int flags, const char *sock, int err)
{
	struct pktio_port *p;

	errno = 0;
	p = pktio_port_open(name, 0, flags, sock);
	if (p != NULL) {
		pktio_port_close(p);
		fail_msg("open(%s, 0x%x, %s) succeeded", name, flags, sock);
	}
	if (errno != err)
		fail_msg("open(%s, 0x%x, %s): errno %d (%s), expected %d (%s)", name, flags,
			 sock, errno, strerror(errno), err, strerror(err));
}

static void
test_hdr_open_bad_flags(void **state)
{
	(void)state;
	/* checked before the socket: even a reachable one would not change the answer */
	open_fails("p0", PKTIO_F_FANOUT | PKTIO_F_MIRROR, refused, EINVAL);
	open_fails("p0", PKTIO_F_FANOUT | PKTIO_F_MIRROR | PKTIO_F_NONBLOCK, refused, EINVAL);
	open_fails("p0", 0x8000, refused, EINVAL);
	open_fails("p0", 0x0004, refused, EINVAL);
	open_fails("p0", 0x0100, refused, EINVAL);
	open_fails("p0", ~0u, refused, EINVAL);
	open_fails(NULL, 0, refused, EINVAL);
	/* every known flag together is fine: the socket decides */
	open_fails("p0", PKTIO_F_MIRROR | PKTIO_F_NONBLOCK | PKTIO_F_BUSYPOLL, refused,
		   ECONNREFUSED);
	open_fails("p0", PKTIO_F_FANOUT, refused, ECONNREFUSED);
}

static void
test_hdr_open_no_socket(void **state)
{
	(void)state;
	open_fails("p0", 0, NO_SOCKET, ENOENT);
	open_fails("shm:p0", PKTIO_F_NONBLOCK, NO_SOCKET, ENOENT);
}

static void
test_hdr_open_refused(void **state)
{
	(void)state;
	open_fails("p0", 0, refused, ECONNREFUSED);
	open_fails("shm:p0", PKTIO_F_FANOUT, refused, ECONNREFUSED);
}

static void
test_hdr_open_unknown_driver(void **state)
{
	(void)state;
	/* the refused socket shows the driver lookup answered, not the connection */
	open_fails("nosuch:eth0", 0, refused, ENOENT);
	open_fails(":eth0", 0, refused, ENOENT);
	open_fails("sh:p0", 0, refused, ENOENT);
	open_fails("shmx:p0", 0, refused, ENOENT);
}

static void
test_hdr_open_socket_from_env(void **state)
{
	const char *old = getenv(PKTIO_SOCKET_ENV);
	char *saved = old != NULL ? strdup(old) : NULL;

	(void)state;
	assert_int_equal(setenv(PKTIO_SOCKET_ENV, refused, 1), 0);
	open_fails("p0", 0, NULL, ECONNREFUSED);
	open_fails("p0", 0, "", ECONNREFUSED);
	/* an explicit path wins over the environment */
	open_fails("p0", 0, NO_SOCKET, ENOENT);
	assert_int_equal(setenv(PKTIO_SOCKET_ENV, NO_SOCKET, 1), 0);
	open_fails("p0", 0, NULL, ENOENT);
	open_fails("p0", 0, refused, ECONNREFUSED);
	if (saved != NULL)
		setenv(PKTIO_SOCKET_ENV, saved, 1);
	else
		unsetenv(PKTIO_SOCKET_ENV);
	free(saved);
}

static void
test_hdr_query_no_appliance(void **state)
{
	struct pktio_port_info ports[2];
	struct pktio_client_info clients[2];
	unsigned int np = 2, nc = 2;

	(void)state;
	assert_int_equal(pktio_query(NO_SOCKET, ports, &np, clients, &nc), -ENOENT);
	assert_int_equal(pktio_query(refused, ports, &np, NULL, NULL), -ECONNREFUSED);
	assert_int_equal(pktio_query(refused, NULL, NULL, NULL, NULL), -EINVAL);
	np = 1;
	assert_int_equal(pktio_query(refused, NULL, &np, NULL, NULL), -EINVAL);
}

static void
test_hdr_null_handle(void **state)
{
	struct pktio_stats st;

	(void)state;
	assert_int_equal(pktio_port_close(NULL), -EINVAL);
	assert_int_equal(pktio_stats_get(NULL, &st), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_layout),
		cmocka_unit_test(test_hdr_set_fills_fields),
		cmocka_unit_test(test_hdr_meta_layout),
		cmocka_unit_test(test_hdr_pkt_layout),
		cmocka_unit_test(test_hdr_open_bad_flags),
		cmocka_unit_test(test_hdr_open_no_socket),
		cmocka_unit_test(test_hdr_open_refused),
		cmocka_unit_test(test_hdr_open_unknown_driver),
		cmocka_unit_test(test_hdr_open_socket_from_env),
		cmocka_unit_test(test_hdr_query_no_appliance),
		cmocka_unit_test(test_hdr_null_handle),
	};

	return cmocka_run_group_tests(tests, sock_create, sock_remove);
}
