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
#include <time.h>
#include <unistd.h>

#include "pktio_msg.h"
#include "pktiod.h"
#include "service.h"

/* How often the control plane looks again at detached clients whose zero-copy tx slots a
 * device still holds (attach.c). */
#define ZOMBIE_MS 10

/* One connection; epoll's data points at it. */
struct conn {
	int fd;
	struct pktiod_att *att;  /* once attached */
	struct pktiod_cred cred; /* taken at accept */
	uint64_t deadline;       /* ms: closed if it has sent nothing by then */
	struct conn *prev, *next;/* the silent ones, oldest first */
};

/* Open connections of one uid. */
struct uid_count {
	uid_t uid;
	uint32_t n;
};

static struct conn listen_conn = { .fd = -1 };
static struct conn signal_conn = { .fd = -1 };
static struct conn kick_conn = { .fd = -1 };
static struct conn *silent_head, *silent_tail;
static struct uid_count *uids;
static unsigned int nb_uids;
static int reserve_fd = -1;      /* given up to accept-and-close when out of fds */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static bool
privileged(const struct pktiod_cred *cr)
{
	return cr->uid == 0 || cr->uid == geteuid();
}

/* The count of @p uid's connections, created when @p add. */
static uint32_t *
uid_slot(uid_t uid, bool add)
{
	struct uid_count *u;
	unsigned int i;

	for (i = 0; i < nb_uids; i++)
		if (uids[i].uid == uid)
			return &uids[i].n;
	if (!add)
		return NULL;
	for (i = 0; i < nb_uids; i++)
		if (uids[i].n == 0) {
			uids[i].uid = uid;
			return &uids[i].n;
		}
	u = realloc(uids, (nb_uids + 1) * sizeof(*u));
	if (u == NULL)
		return NULL;
	uids = u;
	uids[nb_uids] = (struct uid_count){ .uid = uid };
	return &uids[nb_uids++].n;
}

static void
silent_unlink(struct conn *c)
{
	if (c->deadline == 0)
		return;
	*(c->prev != NULL ? &c->prev->next : &silent_head) = c->next;
	*(c->next != NULL ? &c->next->prev : &silent_tail) = c->prev;
	c->prev = c->next = NULL;
	c->deadline = 0;
}

static void
silent_append(struct conn *c, uint64_t deadline)
{
	c->deadline = deadline;
	c->prev = silent_tail;
	c->next = NULL;
	*(silent_tail != NULL ? &silent_tail->next : &silent_head) = c;
	silent_tail = c;
}

static void
conn_free(struct conn *c)
{
	uint32_t *n = uid_slot(c->cred.uid, false);

	if (n != NULL && *n > 0)
		(*n)--;
	silent_unlink(c);
	free(c);
}

static int
ctl_listen(const struct pktiod_conf *conf)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = conf->socket;
	char dir[sizeof(sa.sun_path)];
	mode_t old;
	int fd, rc;

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
	old = umask(0177); /* nobody else may connect before the mode below is set */
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || (conf->socket_gid >= 0 && chown(path, -1, conf->socket_gid) < 0) ||
	    chmod(path, conf->socket_mode) < 0 || listen(fd, 64) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static void
send_reply(int fd, const void *msg, size_t len, const int *fds, unsigned int nfds)
{
	char cbuf[CMSG_SPACE(PKTIO_MSG_NB_FDS * sizeof(int))] = { 0 };
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
on_attach(struct pktiod *d, struct conn *c, const struct pktiod_msg *m)
{
	struct pktio_msg_attach_reply rep = { 0 };
	char name[4 * PKTIO_NAMESIZE], q[8];
	struct pktiod_port *p;
	int fds[PKTIO_MSG_NB_FDS], err = 0, i;
	struct pktiod_attach_req req = {
		.queue = m->queue, .mode = m->mode, .txonly = m->txonly, .nowake = m->nowake,
		.outgoing = m->outgoing, .copy = m->copy,
		.cred = &c->cred, .sock = c->fd,
	};

	pktiod_escape(m->port, sizeof(m->port), name, sizeof(name));
	p = pktiod_port_find(d, m->port);
	if (p == NULL) {
		err = -ENOENT;
		snprintf(rep.reason, sizeof(rep.reason), "no port named '%.40s'", name);
	} else {
		c->att = pktiod_attach(d, p, &req, fds, &err, rep.reason, sizeof(rep.reason));
	}
	reply_hdr(&rep.hdr, PKTIO_MSG_ATTACH_REPLY, err);
	if (c->att == NULL) {
		send_reply(c->fd, &rep, sizeof(rep), NULL, 0);
		PKTIO_LOG(INFO, "pid %d uid %u: attach to '%s' refused: %s", c->cred.pid,
			  c->cred.uid, name, rep.reason);
		return false;
	}
	c->att->conn = c;
	rep.id = c->att->id;
	rep.region_size = c->att->size;
	rep.nb_fds = fds[3] >= 0 ? 4 : 3;
	send_reply(c->fd, &rep, sizeof(rep), fds, rep.nb_fds);
	for (i = 0; i < (int)rep.nb_fds; i++)
		close(fds[i]);
	snprintf(q, sizeof(q), "%u", c->att->queue);
	PKTIO_LOG(INFO, "client %u (pid %d uid %u) attached to %s queue %s mode %s%s",
		  c->att->id, c->att->pid, c->att->uid, p->conf->name,
		  c->att->queue == PKTIO_QUEUE_ANY ? "any" : q,
		  pktio_mode_name(m->mode | (m->txonly ? PKTIO_F_TXONLY : 0)),
		  c->att->zc != NULL ? ", zero-copy receive" : "");
	pktiod_notify_status(d);
	return true;
}

/* Who may query: whoever may attach to some port. */
static bool
may_query(const struct pktiod *d, const struct pktiod_cred *cr)
{
	unsigned int i;

	for (i = 0; i < d->nb_ports; i++)
		if (pktiod_may_attach(d->ports[i].conf, cr))
			return true;
	return false;
}

static void
on_query(struct pktiod *d, struct conn *c)
{
	struct pktio_msg_query_reply *rep;
	struct pktio_port_info *pi;
	struct pktio_client_info *ci;
	const struct pktiod_att *a;
	size_t room = (PKTIO_MSG_MAX - sizeof(*rep) - PKTIOD_MAX_PORTS * sizeof(*pi)) /
		      sizeof(*ci);
	unsigned int i;

	if (!may_query(d, &c->cred)) {
		struct pktio_msg_hdr h;

		reply_hdr(&h, PKTIO_MSG_QUERY_REPLY, -EACCES);
		send_reply(c->fd, &h, sizeof(h), NULL, 0);
		return;
	}
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
	send_reply(c->fd, rep, (char *)(ci + rep->nb_clients) - (char *)rep, NULL, 0);
	free(rep);
}

static void
conn_close(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	conn_free(c);
}

/* The end of an attachment; pktiod_detach() closes the socket, which takes it off epoll. */
static void
conn_detach(struct pktiod *d, struct conn *c, enum pktiod_detach why, const char *reason)
{
	pktiod_detach(d, c->att, why, reason);
	conn_free(c);
	pktiod_notify_status(d);
}

/* A message (or hang-up) on a client connection. */
static void
on_conn(struct pktiod *d, int ep, struct conn *c)
{
	struct pktio_msg_attach buf;
	struct pktiod_msg m;
	ssize_t n = recv(c->fd, &buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	int rc;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (c->att != NULL) {
		/* an attached client only ever closes; anything else is a protocol error */
		if (n > 0)
			conn_detach(d, c, PKTIOD_DETACH_PROTOCOL, "unexpected message after attach");
		else
			conn_detach(d, c, PKTIOD_DETACH_CLOSED, NULL);
		return;
	}
	silent_unlink(c);
	if (n > 0) {
		struct pktio_msg_attach_reply rep = { 0 };

		rc = pktiod_msg_parse(&buf, n, &m, rep.reason, sizeof(rep.reason));
		if (rc == 0 && m.type == PKTIO_MSG_ATTACH) {
			if (on_attach(d, c, &m))
				return;
		} else if (rc == 0) {
			on_query(d, c);
		} else {
			reply_hdr(&rep.hdr, PKTIO_MSG_ATTACH_REPLY, rc);
			send_reply(c->fd, &rep, sizeof(rep), NULL, 0);
		}
	}
	conn_close(ep, c);
}

/*
 * Out of fds: free the reserve, take the next connection off the queue and close it.
 * accept() fails with EMFILE before it looks at the queue, so only this one tells
 * whether anything is waiting. @return true when one was shed.
 */
static bool
accept_shed(int lfd)
{
	static uint64_t last;
	int fd;

	if (reserve_fd >= 0)
		close(reserve_fd);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && now_ms() - last >= 1000) {
		last = now_ms();
		PKTIO_LOG(WARNING, "out of file descriptors: connections refused");
	}
	return fd >= 0;
}

/* A new connection: credentials now, a limit per uid, a deadline for its first message. */
static void
conn_open(struct pktiod *d, int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred uc;
	socklen_t len = sizeof(uc);
	gid_t gids[PKTIOD_MAX_GIDS];
	struct conn *c = calloc(1, sizeof(*c));
	uint32_t *n;

	if (c == NULL || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		goto close_fd;
	c->fd = fd;
	c->cred.pid = uc.pid;
	c->cred.uid = uc.uid;
	c->cred.gids[0] = uc.gid;
	len = sizeof(gids);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids, &len) < 0)
		len = 0; /* a very long group list: the primary group only */
	c->cred.nb_gids = 1 + RTE_MIN(len / sizeof(gid_t), RTE_DIM(gids) - 1);
	memcpy(&c->cred.gids[1], gids, (c->cred.nb_gids - 1) * sizeof(gid_t));
	n = uid_slot(uc.uid, true);
	if (n == NULL)
		goto close_fd;
	if (!privileged(&c->cred) && *n >= d->conf.max_conns_per_uid) {
		struct pktio_msg_attach_reply rep = { 0 };

		reply_hdr(&rep.hdr, PKTIO_MSG_ATTACH_REPLY, -EUSERS);
		snprintf(rep.reason, sizeof(rep.reason),
			 "uid %u has %u connections (max_conns_per_uid)", uc.uid, *n);
		send_reply(fd, &rep, sizeof(rep), NULL, 0);
		goto close_fd;
	}
	(*n)++;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		conn_free(c);
		close(fd);
		return;
	}
	silent_append(c, now_ms() + d->conf.hello_timeout_ms);
	return;

close_fd:
	free(c);
	close(fd);
}

static void
on_accept(struct pktiod *d, int ep, int lfd)
{
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0)
			conn_open(d, ep, fd);
		else if (errno == EMFILE || errno == ENFILE) {
			if (!accept_shed(lfd))
				return;
		} else if (errno != EINTR && errno != ECONNABORTED) {
			return; /* EAGAIN: all taken */
		}
	}
}

/* Close the connections that said nothing in time; @return ms to the next deadline. */
static int
expire_silent(int ep)
{
	uint64_t now = now_ms();

	while (silent_head != NULL && silent_head->deadline <= now)
		conn_close(ep, silent_head);
	return silent_head == NULL ? -1 : (int)(silent_head->deadline - now);
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
			conn_detach(d, a->conn, PKTIOD_DETACH_VIOLATION, a->reason);
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
		while ((a = d->ports[i].atts) != NULL)
			conn_detach(d, a->conn, PKTIOD_DETACH_SHUTDOWN, "pktiod shutting down");
	while (silent_head != NULL)
		conn_close(ep, silent_head);
}

int
pktiod_ctl_run(struct pktiod *d, int notify_fd)
{
	struct epoll_event ev[16];
	sigset_t sigs;
	int ep, i, n, rc, timeout;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	signal_conn.fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	kick_conn.fd = d->kick_fd;
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	listen_conn.fd = ctl_listen(&d->conf);
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
	/* listening and on epoll: a connect from now on is served (--notify-fd, sd_notify) */
	if (notify_fd >= 0) {
		(void)!write(notify_fd, "READY\n", 6);
		close(notify_fd);
	}
	pktiod_notify_ready(d);
	for (rc = 0; rc == 0; ) {
		timeout = expire_silent(ep);
		if (pktiod_zombies_reap(d, false) > 0 && (timeout < 0 || timeout > ZOMBIE_MS))
			timeout = ZOMBIE_MS;
		n = epoll_wait(ep, ev, RTE_DIM(ev), timeout);
		for (i = 0; i < n && rc == 0; i++) {
			struct conn *c = ev[i].data.ptr;

			if (c == &listen_conn)
				on_accept(d, ep, c->fd);
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
	pktiod_notify_stopping(d);
	rc = 0;
	ctl_shutdown(d, ep);
out:
	close(listen_conn.fd);
	unlink(d->conf.socket);
	if (ep >= 0)
		close(ep);
	if (signal_conn.fd >= 0)
		close(signal_conn.fd);
	if (reserve_fd >= 0)
		close(reserve_fd);
	free(uids);
	return rc;
}
