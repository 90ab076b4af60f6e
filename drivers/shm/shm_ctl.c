/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* The client side of pktiod's control protocol: attach handshake and queries. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "pktio_private.h"
#include "pktio_msg.h"
#include "shm_private.h"

static void
msg_hdr_init(struct pktio_msg_hdr *h, uint16_t type)
{
	h->version = PKTIO_MSG_VERSION;
	h->type = type;
	h->status = 0;
}

/* The control socket's timeouts (pktio_sock_connect()) surface as EAGAIN. */
static int
sock_err(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK ? -ETIMEDOUT : -err;
}

static void
fds_close(int *fds, unsigned int nfds)
{
	unsigned int i;

	for (i = 0; i < nfds; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/*
 * Receive one message and up to @p nfds fds; unused fd slots are set to -1. Fds beyond
 * @p nfds are closed, and on error (a malformed message included) so are all of them:
 * the caller owns fds only when this succeeds.
 */
static ssize_t
msg_recv(int sock, void *buf, size_t len, int *fds, unsigned int nfds)
{
	char cbuf[CMSG_SPACE((PKTIO_MSG_NB_FDS + 1) * sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	unsigned int i, got = 0;
	ssize_t n;

	for (i = 0; i < nfds; i++)
		fds[i] = -1;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return sock_err(errno);
	/* fds the control buffer had no room for were closed by the kernel (MSG_CTRUNC) */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (got < nfds)
				fds[got++] = fd;
			else
				close(fd); /* more than asked for: do not leak */
		}
	}
	if (n == 0)
		n = -ECONNRESET;
	else if ((size_t)n < sizeof(struct pktio_msg_hdr) || (mh.msg_flags & MSG_TRUNC))
		n = -EPROTO;
	if (n < 0)
		fds_close(fds, nfds);
	return n;
}

/* Send one request. @return 0, or -errno (-ETIMEDOUT: pktiod does not read). */
static int
msg_send(int sock, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = send(sock, buf, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return sock_err(errno);
	return (size_t)n == len ? 0 : -EPROTO;
}

/* The doorbell fds are the client's own descriptions: make them non-blocking here rather
 * than rely on how pktiod opened them. */
static int
fd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* @return the reply's status (0 or -errno), or -EPROTO for a wrong header or status. */
static int
msg_check(const struct pktio_msg_hdr *h, uint16_t type)
{
	if (h->version != PKTIO_MSG_VERSION || h->type != type || h->status > 0 ||
	    h->status < -4095)
		return -EPROTO;
	return h->status;
}

/* Check an ATTACH_REPLY of @p n bytes and the fds that came with it. @return 0 or -errno. */
static int
attach_reply_check(const char *port, const struct pktio_msg_attach_reply *rep, ssize_t n,
		   const int *fds)
{
	unsigned int i;
	int rc;

	rc = n != sizeof(*rep) ? -EPROTO : msg_check(&rep->hdr, PKTIO_MSG_ATTACH_REPLY);
	if (rc == 0 && rep->nb_fds != 3 && rep->nb_fds != 4)
		rc = -EPROTO;
	for (i = 0; rc == 0 && i < PKTIO_MSG_NB_FDS; i++)
		if ((fds[i] >= 0) != (i < rep->nb_fds))
			rc = -EPROTO;
	if (rc < 0) {
		pktio_log(LOG_ERR, "pktio: attach to %s refused: %.*s", port,
			  (int)sizeof(rep->reason), n == sizeof(*rep) ? rep->reason : "bad reply");
		return rc;
	}
	rc = fd_nonblock(fds[1]);
	return rc < 0 ? rc : fd_nonblock(fds[2]);
}

int
shm_ctl_attach(const char *sock, const char *port, unsigned int queue, unsigned int flags,
	       struct shm_attach *a)
{
	struct pktio_msg_attach req = {
		.queue = queue,
		.mode = flags & PKTIO_F_MODE_MASK,
		.flags = ((flags & PKTIO_F_TXONLY) ? PKTIO_MSG_F_TXONLY : 0) |
			 ((flags & PKTIO_F_BUSYPOLL) ? PKTIO_MSG_F_NOWAKE : 0) |
			 ((flags & PKTIO_F_OUTGOING) ? PKTIO_MSG_F_OUTGOING : 0) |
			 ((flags & PKTIO_F_COPY) ? PKTIO_MSG_F_COPY : 0),
	};
	struct pktio_msg_attach_reply rep;
	int fds[PKTIO_MSG_NB_FDS], fd, rc;
	ssize_t n;

	if (strlen(port) >= sizeof(req.port))
		return -ENAMETOOLONG;
	msg_hdr_init(&req.hdr, PKTIO_MSG_ATTACH);
	strcpy(req.port, port);
	fd = pktio_sock_connect(pktio_sock_path(sock));
	if (fd < 0)
		return fd;
	rc = msg_send(fd, &req, sizeof(req));
	if (rc < 0)
		goto close_sock;
	n = msg_recv(fd, &rep, sizeof(rep), fds, PKTIO_MSG_NB_FDS);
	if (n < 0) {
		rc = n; /* msg_recv() closed what came with it */
		goto close_sock;
	}
	rc = attach_reply_check(port, &rep, n, fds);
	if (rc < 0)
		goto close_fds;
	a->sock = fd;
	a->memfd = fds[0];
	a->bell = fds[1];
	a->bell_wr = fds[2];
	a->pool = fds[3];
	a->id = rep.id;
	a->region_size = rep.region_size;
	return 0;

close_fds:
	fds_close(fds, PKTIO_MSG_NB_FDS);
close_sock:
	close(fd);
	return rc;
}

void
shm_ctl_bye(int sock)
{
	struct pktio_msg_bye bye;
	ssize_t n = msg_recv(sock, &bye, sizeof(bye), NULL, 0);

	if (n == sizeof(bye) && msg_check(&bye.hdr, PKTIO_MSG_BYE) >= 0) {
		bye.reason[sizeof(bye.reason) - 1] = '\0';
		pktio_log(LOG_WARNING, "pktio: pktiod detached us: %s", bye.reason);
	}
}

int
pktio_query(const char *sock, struct pktio_port_info *ports, unsigned int *nb_ports,
	    struct pktio_client_info *clients, unsigned int *nb_clients)
{
	struct pktio_msg_query_reply *rep;
	struct pktio_msg_hdr req;
	size_t need;
	int fd, rc;
	ssize_t n;

	if (nb_ports == NULL || (ports == NULL && *nb_ports > 0))
		return -EINVAL;
	rep = malloc(PKTIO_MSG_MAX);
	if (rep == NULL)
		return -ENOMEM;
	msg_hdr_init(&req, PKTIO_MSG_QUERY);
	fd = pktio_sock_connect(pktio_sock_path(sock));
	if (fd < 0) {
		rc = fd;
		goto free_rep;
	}
	rc = msg_send(fd, &req, sizeof(req));
	if (rc < 0)
		goto close_sock;
	n = msg_recv(fd, rep, PKTIO_MSG_MAX, NULL, 0);
	if (n < 0) {
		rc = n;
		goto close_sock;
	}
	/* an error reply may be a bare header; counts are read only from a full one */
	rc = msg_check(&rep->hdr, PKTIO_MSG_QUERY_REPLY);
	if (rc == 0 && (size_t)n < sizeof(*rep))
		rc = -EPROTO;
	if (rc < 0)
		goto close_sock;
	need = sizeof(*rep) + rep->nb_ports * sizeof(*ports) +
	       rep->nb_clients * sizeof(*clients);
	if ((size_t)n != need) {
		rc = -EPROTO;
		goto close_sock;
	}
	if (*nb_ports > rep->nb_ports)
		*nb_ports = rep->nb_ports;
	if (*nb_ports > 0)
		memcpy(ports, rep + 1, *nb_ports * sizeof(*ports));
	if (nb_clients != NULL) {
		if (*nb_clients > rep->nb_clients)
			*nb_clients = rep->nb_clients;
		if (clients != NULL && *nb_clients > 0)
			memcpy(clients, (char *)(rep + 1) + rep->nb_ports * sizeof(*ports),
			       *nb_clients * sizeof(*clients));
	}
	rc = 0;
close_sock:
	close(fd);
free_rep:
	free(rep);
	return rc;
}
