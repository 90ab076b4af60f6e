/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The control plane, on the main lcore: a SOCK_SEQPACKET listener, one connection per
 * client, signals and worker reports, all on one epoll. Never on the data path.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "pktio_msg.h"
#include "pktiod.h"

/* One connection; epoll's data points at it. */
struct conn {
	int fd;
	struct pktiod_att *att;  /* once attached */
};

static struct conn listen_conn = { .fd = -1 };
static struct conn signal_conn = { .fd = -1 };
static struct conn kick_conn = { .fd = -1 };

static int
ctl_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	(void)mkdir(dirname(dir), 0755);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A stale socket of a dead pktiod is replaced; a live one is refused. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 64) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void
send_reply(int fd, const void *msg, size_t len, const int *fds, unsigned int nfds)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)(uintptr_t)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nfds > 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		PKTIO_LOG(WARNING, "reply to client: %s", strerror(errno));
}

static void
reply_hdr(struct pktio_msg_hdr *h, uint16_t type, int status)
{
	h->version = PKTIO_MSG_VERSION;
	h->type = type;
	h->status = status;
}

/* ATTACH: @return true when the connection now belongs to an attachment. */
static bool
on_attach(struct pktiod *d, struct conn *c, const struct pktio_msg_attach *m)
{
	struct pktio_msg_attach_reply rep = { 0 };
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct pktiod_port *p = NULL;
	int memfd = -1, err = 0;

	if (memchr(m->port, '\0', sizeof(m->port)) == NULL || (m->flags & ~(PKTIO_MSG_F_TXONLY | PKTIO_MSG_F_NOWAKE)) ||
	    m->mode > PKTIO_F_MIRROR) {
		err = -EINVAL;
		snprintf(rep.reason, sizeof(rep.reason), "malformed attach request");
	} else if ((p = pktiod_port_find(d, m->port)) == NULL) {
		err = -ENOENT;
		snprintf(rep.reason, sizeof(rep.reason), "no port named '%s'", m->port);
	} else if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0) {
		err = -errno;
		snprintf(rep.reason, sizeof(rep.reason), "no peer credentials");
	} else {
		struct pktiod_attach_req req = {
			.queue = m->queue, .mode = m->mode, .pid = cr.pid, .uid = cr.uid,
			.txonly = (m->flags & PKTIO_MSG_F_TXONLY) != 0,
			.nowake = (m->flags & PKTIO_MSG_F_NOWAKE) != 0,
			.gid = cr.gid, .sock = c->fd,
		};

		c->att = pktiod_attach(d, p, &req, &memfd, &err, rep.reason, sizeof(rep.reason));
	}
	reply_hdr(&rep.hdr, PKTIO_MSG_ATTACH_REPLY, err);
	if (c->att == NULL) {
		send_reply(c->fd, &rep, sizeof(rep), NULL, 0);
		PKTIO_LOG(INFO, "attach to '%.*s' refused: %s", (int)sizeof(m->port), m->port,
			  rep.reason);
		return false;
	}
	c->att->conn = c;
	rep.id = c->att->id;
	rep.region_size = c->att->size;
	send_reply(c->fd, &rep, sizeof(rep), (int[]){ memfd, c->att->efd }, 2);
	close(memfd);
	PKTIO_LOG(INFO, "client %u (pid %d uid %u) attached to %s queue %d mode %u",
		  c->att->id, c->att->pid, c->att->uid, p->conf->name,
		  c->att->queue == PKTIO_QUEUE_ANY ? -1 : c->att->queue, c->att->mode);
	return true;
}

static void
on_query(struct pktiod *d, int fd)
{
	struct pktio_msg_query_reply *rep;
	struct pktio_port_info *pi;
	struct pktio_client_info *ci;
	const struct pktiod_att *a;
	size_t room = (PKTIO_MSG_MAX - sizeof(*rep) - PKTIOD_MAX_PORTS * sizeof(*pi)) /
		      sizeof(*ci);
	unsigned int i;

	rep = calloc(1, PKTIO_MSG_MAX);
	if (rep == NULL)
		return;
	pi = (struct pktio_port_info *)(rep + 1);
	for (i = 0; i < d->nb_ports; i++)
		pktiod_port_info(&d->ports[i], &pi[i]);
	rep->nb_ports = d->nb_ports;
	ci = (struct pktio_client_info *)(pi + d->nb_ports);
	for (i = 0; i < d->nb_ports; i++)
		for (a = d->ports[i].atts; a != NULL && rep->nb_clients < room; a = a->next)
			pktiod_att_info(a, &ci[rep->nb_clients++]);
	reply_hdr(&rep->hdr, PKTIO_MSG_QUERY_REPLY, 0);
	send_reply(fd, rep, (char *)(ci + rep->nb_clients) - (char *)rep, NULL, 0);
	free(rep);
}

static void
conn_close(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* A message (or hang-up) on a client connection. */
static void
on_conn(struct pktiod *d, int ep, struct conn *c)
{
	union {
		struct pktio_msg_hdr hdr;
		struct pktio_msg_attach attach;
	} m;
	ssize_t n = recv(c->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (c->att != NULL) {
		/* an attached client only ever closes; anything else is a protocol error */
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		pktiod_detach(d, c->att, n > 0 ? "unexpected message after attach" : NULL);
		free(c); /* pktiod_detach closed the socket */
		return;
	}
	if (n == (ssize_t)sizeof(m.attach) && m.hdr.version == PKTIO_MSG_VERSION &&
	    m.hdr.type == PKTIO_MSG_ATTACH) {
		if (on_attach(d, c, &m.attach))
			return;
	} else if (n == (ssize_t)sizeof(m.hdr) && m.hdr.version == PKTIO_MSG_VERSION &&
		   m.hdr.type == PKTIO_MSG_QUERY) {
		on_query(d, c->fd);
	} else if (n > 0) {
		struct pktio_msg_attach_reply rep = { 0 };

		reply_hdr(&rep.hdr, PKTIO_MSG_ATTACH_REPLY, -EPROTO);
		snprintf(rep.reason, sizeof(rep.reason), "unknown message (version %u type %u)",
			 n >= 4 ? m.hdr.version : 0, n >= 4 ? m.hdr.type : 0);
		send_reply(c->fd, &rep, sizeof(rep), NULL, 0);
	}
	conn_close(ep, c);
}

static void
on_accept(int ep, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c;
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
		}
	}
}

/* Detach the clients a worker flagged. */
static void
on_kick(struct pktiod *d)
{
	struct pktiod_att *a, *next;
	eventfd_t v;
	unsigned int i;

	(void)eventfd_read(kick_conn.fd, &v);
	for (i = 0; i < d->nb_ports; i++) {
		for (a = d->ports[i].atts; a != NULL; a = next) {
			next = a->next;
			if (!__atomic_load_n(&a->bad, __ATOMIC_ACQUIRE))
				continue;
			PKTIO_LOG(WARNING, "client %u (pid %d): %s", a->id, a->pid, a->reason);
			free(a->conn);
			pktiod_detach(d, a, a->reason); /* closing the socket takes it off epoll */
		}
	}
}

static int
ep_add(int ep, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Tell every client we are going, and close. */
static void
ctl_shutdown(struct pktiod *d, int ep)
{
	struct pktiod_att *a;
	unsigned int i;

	for (i = 0; i < d->nb_ports; i++)
		while ((a = d->ports[i].atts) != NULL) {
			epoll_ctl(ep, EPOLL_CTL_DEL, a->sock, NULL);
			free(a->conn);
			pktiod_detach(d, a, "pktiod shutting down");
		}
}

int
pktiod_ctl_run(struct pktiod *d, int notify_fd)
{
	struct epoll_event ev[16];
	sigset_t sigs;
	int ep, i, n, rc;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	signal_conn.fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	kick_conn.fd = d->kick_fd;
	listen_conn.fd = ctl_listen(d->conf.socket);
	if (listen_conn.fd < 0) {
		PKTIO_LOG(ERR, "socket %s: %s", d->conf.socket, strerror(-listen_conn.fd));
		return listen_conn.fd;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || signal_conn.fd < 0 || ep_add(ep, &listen_conn) < 0 ||
	    ep_add(ep, &signal_conn) < 0 || ep_add(ep, &kick_conn) < 0) {
		rc = -errno;
		goto out;
	}
	PKTIO_LOG(INFO, "serving %u port(s) on %s", d->nb_ports, d->conf.socket);
	if (notify_fd >= 0) {
		(void)!write(notify_fd, "READY\n", 6);
		close(notify_fd);
	}
	for (rc = 0; rc == 0; ) {
		n = epoll_wait(ep, ev, RTE_DIM(ev), -1);
		for (i = 0; i < n && rc == 0; i++) {
			struct conn *c = ev[i].data.ptr;

			if (c == &listen_conn)
				on_accept(ep, c->fd);
			else if (c == &signal_conn)
				rc = 1;
			else if (c == &kick_conn)
				break; /* after the batch: it may free conns listed in it */
			else
				on_conn(d, ep, c);
		}
		if (i < n)
			on_kick(d); /* level-triggered: the rest of the batch comes again */
	}
	PKTIO_LOG(INFO, "shutting down");
	rc = 0;
	ctl_shutdown(d, ep);
out:
	close(listen_conn.fd);
	unlink(d->conf.socket);
	if (ep >= 0)
		close(ep);
	if (signal_conn.fd >= 0)
		close(signal_conn.fd);
	return rc;
}
