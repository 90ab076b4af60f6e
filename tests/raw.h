/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_TEST_RAW_H
#define PKTIO_TEST_RAW_H

/*
 * A client that speaks pktiod's protocol by hand, written against pktio_msg.h and
 * pktio_shm.h as a hostile one would be: it keeps every fd pktiod gives it and maps the
 * region itself. Static inline functions: each test program that includes it gets its own.
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "pktio_msg.h"
#include "pktio_shm.h"

struct raw {
	int sock;
	int memfd;       /* the region */
	int bell_rd;     /* doorbell: what the library polls */
	int bell_wr;     /* doorbell: the client's own write end */
	int pool;        /* zero-copy receive: the rx queue's pool, read-only; or -1 */
	struct pktio_shm_hdr *h;
	uint64_t size;
	const char *rx_pool; /* its mapping, or NULL */
	uint64_t pool_size;
	char reason[96]; /* of a refusal */
};

/*
 * Attach @p x to @p port through @p sock. No cmocka assertion: forked children (another
 * uid) call it too. @return 0, the refusal's status, or -EPROTO for a broken exchange.
 */
static inline int
raw_attach_to(const char *sock, struct raw *x, const char *port, uint16_t queue,
	      uint16_t mode, uint32_t flags)
{
	struct pktio_msg_attach req = {
		.hdr = { .version = PKTIO_MSG_VERSION, .type = PKTIO_MSG_ATTACH },
		.queue = queue, .mode = mode, .flags = flags,
	};
	struct pktio_msg_attach_reply rep;
	char cbuf[CMSG_SPACE(PKTIO_MSG_NB_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	int fds[PKTIO_MSG_NB_FDS];

	memset(x, 0, sizeof(*x));
	snprintf(req.port, sizeof(req.port), "%s", port);
	x->sock = test_connect(sock);
	if (x->sock < 0)
		return -errno;
	if (send(x->sock, &req, sizeof(req), 0) != sizeof(req) ||
	    recvmsg(x->sock, &mh, 0) != sizeof(rep) || rep.hdr.type != PKTIO_MSG_ATTACH_REPLY)
		goto broken;
	if (rep.hdr.status != 0) {
		memcpy(x->reason, rep.reason, sizeof(x->reason));
		x->reason[sizeof(x->reason) - 1] = '\0';
		close(x->sock);
		return rep.hdr.status;
	}
	if (CMSG_FIRSTHDR(&mh) == NULL || (rep.nb_fds != 3 && rep.nb_fds != 4) ||
	    CMSG_FIRSTHDR(&mh)->cmsg_len != CMSG_LEN(rep.nb_fds * sizeof(int)))
		goto broken;
	fds[3] = -1;
	memcpy(fds, CMSG_DATA(CMSG_FIRSTHDR(&mh)), rep.nb_fds * sizeof(int));
	x->memfd = fds[0];
	x->bell_rd = fds[1];
	x->bell_wr = fds[2];
	x->pool = fds[3];
	x->size = rep.region_size;
	x->h = mmap(NULL, x->size, PROT_READ | PROT_WRITE, MAP_SHARED, x->memfd, 0);
	if (x->h == MAP_FAILED)
		goto broken;
	if (x->pool >= 0) {
		struct stat st;

		if (fstat(x->pool, &st) < 0)
			goto broken;
		x->pool_size = st.st_size;
		x->rx_pool = mmap(NULL, x->pool_size, PROT_READ, MAP_SHARED, x->pool, 0);
		if (x->rx_pool == MAP_FAILED)
			goto broken;
	}
	if (pktio_shm_check(x->h, x->size, x->pool_size) != 0)
		goto broken;
	return 0;

broken:
	close(x->sock);
	return -EPROTO;
}

static inline void
raw_close(struct raw *x)
{
	munmap(x->h, x->size);
	if (x->rx_pool != NULL)
		munmap((void *)x->rx_pool, x->pool_size);
	if (x->pool >= 0)
		close(x->pool);
	close(x->sock);
	close(x->memfd);
	close(x->bell_rd);
	close(x->bell_wr);
}

/* pktiod must say BYE with a reason and close, within 5 s. */
static inline void
raw_expect_bye(struct raw *x)
{
	struct pktio_msg_bye bye;
	struct pollfd pfd = { .fd = x->sock, .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(recv(x->sock, &bye, sizeof(bye), 0), sizeof(bye));
	assert_int_equal(bye.hdr.type, PKTIO_MSG_BYE);
	print_message("detached: %s\n", bye.reason);
	assert_true(strlen(bye.reason) > 0);
	assert_int_equal(recv(x->sock, &bye, sizeof(bye), 0), 0);
	assert_int_equal(x->h->state, PKTIO_SHM_GONE);
	raw_close(x);
}

#endif /* PKTIO_TEST_RAW_H */
