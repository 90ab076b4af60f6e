/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * libpktio-preload's front file: every libc function the shim intercepts is defined here,
 * and only here. Each one passes straight to libc (pktio_preload_libc.c) unless it names
 * something the shim emulates: a descriptor in the table (an AF_PACKET socket bound to a
 * pktio port, or an hpio device), a port's name or interface index, /dev/hpio/<port>, or
 * a new AF_PACKET socket. The work is done in the preload_*.c files; this is the one place
 * that turns their -errno into errno and -1.
 */

/* Both the plain and the 64 names are defined here (open and open64, mmap and mmap64...):
 * without this, the headers would rename the plain ones to the 64 ones (LP64: same types). */
#undef _FILE_OFFSET_BITS

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload_libc.h"
#include "preload_private.h"

#define EXPORT __attribute__((visibility("default")))

/* glibc's; the fortified wrappers call it on overflow as libc's own do */
extern void __chk_fail(void) __attribute__((noreturn));

static inline int
ret_err(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

static inline ssize_t
ret_errs(ssize_t rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

/* The object at @p fd, referenced; NULL for the shim's own calls and for other fds. */
static inline struct preload_file *
file_get(int fd)
{
	if (preload_inside != 0 || !preload_fd_busy(fd))
		return NULL;
	return preload_fd_get(fd);
}

/* An emulated socket at @p fd: NULL (and nothing held) when the fd is not one, or when the
 * kernel socket under it still does the work; *other set for an hpio device. */
static struct preload_sock *
sock_get(int fd, struct preload_file **other)
{
	struct preload_file *f = file_get(fd);

	*other = NULL;
	if (f == NULL)
		return NULL;
	if (f->kind != PRELOAD_SOCK) {
		*other = f;
		return NULL;
	}
	if (preload_sock_kernel((struct preload_sock *)f)) {
		preload_file_put(f);
		return NULL;
	}
	return (struct preload_sock *)f;
}

/* Drop our reference, then set errno: the put may close descriptors. */
static inline ssize_t
put_ret(struct preload_file *f, ssize_t rc)
{
	preload_file_put(f);
	return ret_errs(rc);
}

/* ---- sockets ---- */

EXPORT int
socket(int domain, int type, int protocol)
{
	if (preload_inside == 0 && domain == AF_PACKET &&
	    ((type & 0xf) == SOCK_RAW || (type & 0xf) == SOCK_DGRAM) && preload_nb_ports() > 0)
		return ret_err(preload_sock_create(domain, type, protocol));
	return libc_socket(domain, type, protocol);
}

EXPORT int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct preload_file *f = file_get(fd);

	if (f == NULL)
		return libc_bind(fd, sa, len);
	if (f->kind != PRELOAD_SOCK)
		return put_ret(f, -ENOTSOCK);
	return put_ret(f, preload_sock_bind((struct preload_sock *)f, fd, sa, len));
}

EXPORT int
getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_getsockname(fd, sa, len);
	return put_ret(&s->f, preload_sock_getname(s, sa, len));
}

EXPORT int
getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_getpeername(fd, sa, len);
	return put_ret(&s->f, -ENOTCONN);
}

EXPORT int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_connect(fd, sa, len);
	return put_ret(&s->f, -EOPNOTSUPP);
}

EXPORT int
listen(int fd, int backlog)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_listen(fd, backlog);
	return put_ret(&s->f, -EOPNOTSUPP);
}

EXPORT int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_accept(fd, sa, len);
	return put_ret(&s->f, -EOPNOTSUPP);
}

EXPORT int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_accept4(fd, sa, len, flags);
	return put_ret(&s->f, -EOPNOTSUPP);
}

EXPORT int
shutdown(int fd, int how)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_shutdown(fd, how);
	return put_ret(&s->f, -EOPNOTSUPP); /* as a packet socket */
}

/*
 * SO_BINDTODEVICE naming a port on a kernel socket (arping's UDP probe that checks the
 * source address, -s): the port has no kernel addresses, so the socket may bind any address
 * (IP_FREEBIND), as if it were the port's. @return 1 handled, 0 not a port.
 */
static int
bind_to_port(int fd, int level, int name, const void *val, socklen_t len)
{
	char dev[IF_NAMESIZE] = "";
	int on = 1;

	if (preload_inside != 0 || level != SOL_SOCKET || name != SO_BINDTODEVICE || val == NULL ||
	    len == 0)
		return 0;
	memcpy(dev, val, len < sizeof(dev) - 1 ? len : sizeof(dev) - 1);
	if (preload_port_by_name(dev) < 0)
		return 0;
	if (libc_setsockopt(fd, SOL_IP, IP_FREEBIND, &on, sizeof(on)) < 0)
		libc_setsockopt(fd, SOL_IPV6, IPV6_FREEBIND, &on, sizeof(on));
	return 1;
}

EXPORT int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct preload_file *f = file_get(fd);

	if (f == NULL && bind_to_port(fd, level, name, val, len))
		return 0;
	if (f == NULL)
		return libc_setsockopt(fd, level, name, val, len);
	if (f->kind != PRELOAD_SOCK)
		return put_ret(f, -ENOTSOCK);
	return put_ret(f, preload_sock_setopt((struct preload_sock *)f, fd, level, name, val,
					      len));
}

EXPORT int
getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct preload_file *f = file_get(fd);

	if (f == NULL)
		return libc_getsockopt(fd, level, name, val, len);
	if (f->kind != PRELOAD_SOCK)
		return put_ret(f, -ENOTSOCK);
	return put_ret(f, preload_sock_getopt((struct preload_sock *)f, fd, level, name, val,
					      len));
}

/* ---- descriptors ---- */

EXPORT int
close(int fd)
{
	struct preload_file *f;
	int rc;

	if (preload_inside != 0 || !preload_fd_busy(fd) || preload_vforked())
		return libc_close(fd);
	/* off the table first: a socket() racing in another thread may get this number */
	f = preload_fd_remove(fd);
	preload_epoll_forget(fd);
	rc = libc_close(fd);
	if (f != NULL) {
		int err = errno;

		preload_file_put(f);
		errno = err;
	}
	return rc;
}

/* Forget the emulated descriptors in [first, last] that are about to be closed. */
static void
forget_range(unsigned int first, unsigned int last)
{
	unsigned int fd;

	for (fd = first; fd <= last && fd < (1u << 20); fd++) {
		if (!preload_fd_busy((int)fd))
			continue;
		preload_epoll_forget((int)fd);
		preload_file_put(preload_fd_remove((int)fd));
	}
}

EXPORT int
close_range(unsigned int first, unsigned int last, int flags)
{
	/* a vfork child (Python's subprocess) closes the kernel's fds, not the parent's table */
	if (preload_inside == 0 && !(flags & CLOSE_RANGE_CLOEXEC) && !preload_vforked())
		forget_range(first, last);
	return libc_close_range(first, last, flags);
}

EXPORT void
closefrom(int lowfd)
{
	if (preload_inside == 0 && lowfd >= 0 && !preload_vforked())
		forget_range((unsigned int)lowfd, ~0u);
	libc_closefrom(lowfd);
}

/* Descriptor @p nfd now shares @p fd's kernel file: make it share the object too. */
static int
dup_done(struct preload_file *f, int nfd)
{
	int rc;

	if (f == NULL || nfd < 0)
		return nfd;
	rc = preload_fd_install(nfd, f);
	if (rc < 0) {
		libc_close(nfd);
		return rc;
	}
	return nfd;
}

EXPORT int
dup(int fd)
{
	struct preload_file *f = file_get(fd);
	int nfd;

	if (f == NULL)
		return libc_dup(fd);
	nfd = libc_dup(fd);
	return (int)put_ret(f, nfd < 0 ? -errno : dup_done(f, nfd));
}

static int
dup_to(int fd, int fd2, int flags, bool three)
{
	struct preload_file *f = NULL, *old = NULL;
	int rc;

	if (preload_inside != 0 || (preload_fd_busy(fd2) && preload_vforked()))
		return three ? libc_dup3(fd, fd2, flags) : libc_dup2(fd, fd2);
	if (fd == fd2)
		return three ? libc_dup3(fd, fd2, flags) : libc_dup2(fd, fd2);
	f = file_get(fd);
	if (preload_fd_busy(fd2)) {
		old = preload_fd_remove(fd2);
		preload_epoll_forget(fd2);
	}
	rc = three ? libc_dup3(fd, fd2, flags) : libc_dup2(fd, fd2);
	rc = rc < 0 ? -errno : dup_done(f, rc);
	preload_file_put(old);
	if (f != NULL)
		return (int)put_ret(f, rc);
	return ret_err(rc);
}

EXPORT int
dup2(int fd, int fd2)
{
	return dup_to(fd, fd2, 0, false);
}

EXPORT int
dup3(int fd, int fd2, int flags)
{
	return dup_to(fd, fd2, flags, true);
}

static int
fcntl_common(int fd, int cmd, void *arg)
{
	struct preload_file *f = file_get(fd);
	bool kernel;
	int rc;

	if (f == NULL)
		return libc_fcntl(fd, cmd, arg);
	kernel = f->kind == PRELOAD_SOCK && preload_sock_kernel((struct preload_sock *)f);
	switch (cmd) {
	case F_GETFL:
		rc = kernel ? libc_fcntl(fd, cmd, arg) : __atomic_load_n(&f->status,
									 __ATOMIC_RELAXED);
		return (int)put_ret(f, rc < 0 ? -errno : rc);
	case F_SETFL:
		/* the kernel file under an emulated fd is a doorbell: it keeps its flags */
		rc = kernel ? libc_fcntl(fd, cmd, arg) : 0;
		if (rc == 0) {
			int fl = __atomic_load_n(&f->status, __ATOMIC_RELAXED);

			fl = (fl & ~O_NONBLOCK) | ((int)(long)arg & O_NONBLOCK);
			__atomic_store_n(&f->status, fl, __ATOMIC_RELAXED);
		}
		return (int)put_ret(f, rc < 0 ? -errno : 0);
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		rc = libc_fcntl(fd, cmd, arg);
		return (int)put_ret(f, rc < 0 ? -errno : dup_done(f, rc));
	default:
		rc = libc_fcntl(fd, cmd, arg);
		return (int)put_ret(f, rc < 0 ? -errno : rc);
	}
}

EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(fd, cmd, arg);
}

EXPORT int
fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(fd, cmd, arg);
}

/* A netdevice ioctl (SIOCGIF*) on an emulated fd, about a kernel interface: the kernel file
 * under the fd is not a socket, so ask through a socket of our own. */
static int
ioctl_kernel_if(unsigned long req, void *arg)
{
	int s, rc;

	s = libc_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	rc = libc_ioctl(s, req, arg);
	rc = rc < 0 ? -errno : rc;
	libc_close(s);
	return rc;
}

EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	struct preload_file *f;
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (preload_inside != 0)
		return libc_ioctl(fd, req, arg);
	if (preload_if_ioctl(req, arg, &rc))
		return ret_err(rc);
	f = file_get(fd);
	if (f == NULL)
		return libc_ioctl(fd, req, arg);
	if (f->kind == PRELOAD_SOCK) {
		struct preload_sock *s = (struct preload_sock *)f;

		if (preload_sock_kernel(s)) {
			preload_file_put(f);
			return libc_ioctl(fd, req, arg);
		}
		rc = preload_sock_ioctl(s, req, arg);
	} else {
		rc = req == FIONBIO ? 0 : -ENOTTY;
		if (req == FIONBIO && arg != NULL) {
			int fl = __atomic_load_n(&f->status, __ATOMIC_RELAXED);

			fl = *(int *)arg ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
			__atomic_store_n(&f->status, fl, __ATOMIC_RELAXED);
		}
	}
	if (rc == -ENOTTY && req >= 0x8900 && req <= 0x89ff)
		rc = ioctl_kernel_if(req, arg);
	return (int)put_ret(f, rc);
}

/* ---- receiving ---- */

static ssize_t
sock_recv(struct preload_sock *s, void *buf, size_t len, int flags, struct sockaddr *sa,
	  socklen_t *salen)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = sa,
		.msg_namelen = sa != NULL && salen != NULL ? *salen : 0,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t rc = preload_sock_recvmsg(s, &msg, flags);

	if (rc >= 0 && sa != NULL && salen != NULL)
		*salen = msg.msg_namelen;
	return rc;
}

EXPORT ssize_t
read(int fd, void *buf, size_t len)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, preload_hpio_read((struct preload_hpio *)o, buf, len));
	if (s == NULL)
		return libc_read(fd, buf, len);
	return put_ret(&s->f, sock_recv(s, buf, len, 0, NULL, NULL));
}

EXPORT ssize_t
__read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return read(fd, buf, len);
}

EXPORT ssize_t
readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };

	if (o != NULL)
		return put_ret(o, preload_hpio_readv((struct preload_hpio *)o, iov, iovcnt));
	if (s == NULL)
		return libc_readv(fd, iov, iovcnt);
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return put_ret(&s->f, -EINVAL);
	return put_ret(&s->f, preload_sock_recvmsg(s, &msg, 0));
}

EXPORT ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_recv(fd, buf, len, flags);
	return put_ret(&s->f, sock_recv(s, buf, len, flags, NULL, NULL));
}

EXPORT ssize_t
__recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		__chk_fail();
	return recv(fd, buf, len, flags);
}

EXPORT ssize_t
recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa, socklen_t *salen)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_recvfrom(fd, buf, len, flags, sa, salen);
	return put_ret(&s->f, sock_recv(s, buf, len, flags, sa, salen));
}

EXPORT ssize_t
__recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, struct sockaddr *sa,
	       socklen_t *salen)
{
	if (len > buflen)
		__chk_fail();
	return recvfrom(fd, buf, len, flags, sa, salen);
}

EXPORT ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_recvmsg(fd, msg, flags);
	return put_ret(&s->f, preload_sock_recvmsg(s, msg, flags));
}

EXPORT int
recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);
	uint64_t end = 0;
	unsigned int i;
	ssize_t rc = 0;

	if (o != NULL)
		return (int)put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_recvmmsg(fd, vec, vlen, flags, timeout);
	if (timeout != NULL)
		end = preload_now_ns() + (uint64_t)timeout->tv_sec * 1000000000u +
		      (uint64_t)timeout->tv_nsec;
	for (i = 0; i < vlen; i++) {
		/* after the first: what is there already (MSG_WAITFORONE), or until timeout */
		int fl = flags & ~MSG_WAITFORONE;

		if (i > 0 && ((flags & MSG_WAITFORONE) || (end != 0 && preload_now_ns() >= end)))
			fl |= MSG_DONTWAIT;
		rc = preload_sock_recvmsg(s, &vec[i].msg_hdr, fl);
		if (rc < 0)
			break;
		vec[i].msg_len = (unsigned int)rc;
	}
	return (int)put_ret(&s->f, i > 0 ? (ssize_t)i : rc);
}

/* ---- sending ---- */

static ssize_t
sock_send(struct preload_sock *s, const void *buf, size_t len, int flags,
	  const struct sockaddr *sa, socklen_t salen)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)sa,
		.msg_namelen = sa != NULL ? salen : 0,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	return preload_sock_sendmsg(s, &msg, flags);
}

EXPORT ssize_t
write(int fd, const void *buf, size_t len)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, preload_hpio_write((struct preload_hpio *)o, buf, len));
	if (s == NULL)
		return libc_write(fd, buf, len);
	return put_ret(&s->f, sock_send(s, buf, len, 0, NULL, 0));
}

EXPORT ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };

	if (o != NULL)
		return put_ret(o, preload_hpio_writev((struct preload_hpio *)o, iov, iovcnt));
	if (s == NULL)
		return libc_writev(fd, iov, iovcnt);
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return put_ret(&s->f, -EINVAL);
	return put_ret(&s->f, preload_sock_sendmsg(s, &msg, 0));
}

EXPORT ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get(fd, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_send(fd, buf, len, flags);
	return put_ret(&s->f, sock_send(s, buf, len, flags, NULL, 0));
}

/* A sockaddr_ll naming a port: an unbound kernel packet socket sends there through us. */
static bool
names_port(const void *sa, socklen_t len)
{
	const struct sockaddr_ll *sll = sa;

	return sa != NULL && len >= offsetof(struct sockaddr_ll, sll_addr) &&
	       sll->sll_family == AF_PACKET && preload_port_by_ifindex(sll->sll_ifindex) >= 0;
}

/* sock_get() for sending to @p sa: an unbound kernel socket sending to a port is ours. */
static struct preload_sock *
sock_get_to(int fd, const void *sa, socklen_t len, struct preload_file **other)
{
	struct preload_file *f;

	if (!names_port(sa, len))
		return sock_get(fd, other);
	*other = NULL;
	f = file_get(fd);
	if (f != NULL && f->kind != PRELOAD_SOCK)
		*other = f;
	return f != NULL && f->kind == PRELOAD_SOCK ? (struct preload_sock *)f : NULL;
}

EXPORT ssize_t
sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
       socklen_t salen)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get_to(fd, sa, salen, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_sendto(fd, buf, len, flags, sa, salen);
	return put_ret(&s->f, sock_send(s, buf, len, flags, sa, salen));
}

EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct preload_file *o;
	struct preload_sock *s = sock_get_to(fd, msg->msg_name, msg->msg_namelen, &o);

	if (o != NULL)
		return put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_sendmsg(fd, msg, flags);
	return put_ret(&s->f, preload_sock_sendmsg(s, msg, flags));
}

EXPORT int
sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	struct preload_file *o;
	struct preload_sock *s = vlen > 0 ? sock_get_to(fd, vec[0].msg_hdr.msg_name,
						       vec[0].msg_hdr.msg_namelen, &o) :
				 sock_get(fd, &o);
	unsigned int i;
	ssize_t rc = 0;

	if (o != NULL)
		return (int)put_ret(o, -ENOTSOCK);
	if (s == NULL)
		return libc_sendmmsg(fd, vec, vlen, flags);
	for (i = 0; i < vlen; i++) {
		rc = preload_sock_sendmsg(s, &vec[i].msg_hdr, flags);
		if (rc < 0)
			break;
		vec[i].msg_len = (unsigned int)rc;
	}
	return (int)put_ret(&s->f, i > 0 ? (ssize_t)i : rc);
}

/* ---- readiness ---- */

static bool
pollfds_ours(const struct pollfd *fds, nfds_t nfds)
{
	nfds_t i;

	if (preload_inside != 0)
		return false;
	for (i = 0; i < nfds; i++)
		if (preload_fd_busy(fds[i].fd))
			return true;
	return false;
}

EXPORT int
poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct timespec ts = { .tv_sec = timeout / 1000, .tv_nsec = timeout % 1000 * 1000000L };

	if (!pollfds_ours(fds, nfds))
		return libc_poll(fds, nfds, timeout);
	return ret_err(preload_poll(fds, nfds, timeout < 0 ? NULL : &ts, NULL, false));
}

EXPORT int
__poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return poll(fds, nfds, timeout);
}

EXPORT int
ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *ts, const sigset_t *sigmask)
{
	if (!pollfds_ours(fds, nfds))
		return libc_ppoll(fds, nfds, ts, sigmask);
	return ret_err(preload_poll(fds, nfds, ts, sigmask, true));
}

EXPORT int
__ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
	    const sigset_t *sigmask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return ppoll(fds, nfds, ts, sigmask);
}

static bool
fdset_ours(int nfds, const fd_set *r, const fd_set *w, const fd_set *e)
{
	int fd;

	if (preload_inside != 0)
		return false;
	for (fd = 0; fd < nfds && fd < FD_SETSIZE; fd++) {
		if (!preload_fd_busy(fd))
			continue;
		if ((r != NULL && FD_ISSET(fd, r)) || (w != NULL && FD_ISSET(fd, w)) ||
		    (e != NULL && FD_ISSET(fd, e)))
			return true;
	}
	return false;
}

EXPORT int
select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	struct timespec ts;
	int rc;

	if (!fdset_ours(nfds, r, w, e))
		return libc_select(nfds, r, w, e, tv);
	if (tv != NULL) {
		if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000) {
			errno = EINVAL;
			return -1;
		}
		ts.tv_sec = tv->tv_sec;
		ts.tv_nsec = tv->tv_usec * 1000;
	}
	rc = preload_select(nfds, r, w, e, tv != NULL ? &ts : NULL, NULL, false);
	if (tv != NULL) { /* Linux reports the time left */
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return ret_err(rc);
}

EXPORT int
pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
	const sigset_t *sigmask)
{
	struct timespec t;

	if (!fdset_ours(nfds, r, w, e))
		return libc_pselect(nfds, r, w, e, ts, sigmask);
	if (ts != NULL)
		t = *ts;
	return ret_err(preload_select(nfds, r, w, e, ts != NULL ? &t : NULL, sigmask, true));
}

EXPORT int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct preload_file *f = file_get(fd);

	if (f == NULL)
		return libc_epoll_ctl(epfd, op, fd, ev);
	return put_ret(f, preload_epoll_ctl(epfd, op, fd, f, ev));
}

EXPORT int
epoll_wait(int epfd, struct epoll_event *ev, int maxevents, int timeout)
{
	if (preload_inside != 0 || !preload_epoll_any())
		return libc_epoll_wait(epfd, ev, maxevents, timeout);
	return ret_err(preload_epoll_wait(epfd, ev, maxevents, timeout, NULL));
}

EXPORT int
epoll_pwait(int epfd, struct epoll_event *ev, int maxevents, int timeout,
	    const sigset_t *sigmask)
{
	if (preload_inside != 0 || !preload_epoll_any())
		return libc_epoll_pwait(epfd, ev, maxevents, timeout, sigmask);
	return ret_err(preload_epoll_wait(epfd, ev, maxevents, timeout, sigmask));
}

/* ---- memory: the emulated PACKET_RX_RING ---- */

static void *
mmap_common(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct preload_file *f;
	void *p;
	int err;

	if (preload_inside != 0 || (flags & MAP_ANONYMOUS) || !preload_fd_busy(fd))
		return libc_mmap(addr, len, prot, flags, fd, off);
	f = preload_fd_get(fd);
	if (f == NULL)
		return libc_mmap(addr, len, prot, flags, fd, off);
	if (f->kind != PRELOAD_SOCK || preload_sock_kernel((struct preload_sock *)f)) {
		preload_file_put(f);
		return libc_mmap(addr, len, prot, flags, fd, off);
	}
	p = preload_ring_mmap((struct preload_sock *)f, addr, len, prot, flags, off);
	err = errno;
	preload_file_put(f);
	errno = err;
	return p;
}

EXPORT void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_common(addr, len, prot, flags, fd, off);
}

EXPORT void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_common(addr, len, prot, flags, fd, off);
}

/* ---- interfaces ---- */

EXPORT int
getifaddrs(struct ifaddrs **ifap)
{
	if (preload_inside != 0 || preload_nb_ports() == 0)
		return libc_getifaddrs(ifap);
	return ret_err(preload_getifaddrs(ifap));
}

EXPORT void
freeifaddrs(struct ifaddrs *ifa)
{
	if (preload_inside != 0 || preload_nb_ports() == 0)
		libc_freeifaddrs(ifa);
	else
		preload_freeifaddrs(ifa);
}

EXPORT unsigned int
if_nametoindex(const char *name)
{
	int i;

	if (preload_inside != 0)
		return libc_if_nametoindex(name);
	i = preload_port_by_name(name);
	if (i < 0)
		return libc_if_nametoindex(name);
	return (unsigned int)preload_port((unsigned int)i)->ifindex;
}

EXPORT char *
if_indextoname(unsigned int index, char name[IF_NAMESIZE])
{
	int i;

	if (preload_inside != 0 || index > 0x7fffffff)
		return libc_if_indextoname(index, name);
	i = preload_port_by_ifindex((int)index);
	if (i < 0)
		return libc_if_indextoname(index, name);
	return strncpy(name, preload_port((unsigned int)i)->name, IF_NAMESIZE);
}

EXPORT struct if_nameindex *
if_nameindex(void)
{
	if (preload_inside != 0 || preload_nb_ports() == 0)
		return libc_if_nameindex();
	return preload_if_nameindex();
}

EXPORT void
if_freenameindex(struct if_nameindex *ptr)
{
	/* ours are built as glibc's are: one array, each name allocated */
	libc_if_freenameindex(ptr);
}

/* ---- hpio devices ---- */

static int
open_hpio(const char *path, int flags, int *fd)
{
	if (preload_inside != 0 || path == NULL || strncmp(path, "/dev/hpio/", 10) != 0)
		return 0;
	return preload_hpio_open(path, flags, fd);
}

static mode_t
open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE ?
	       (mode_t)va_arg(ap, int) : 0;
}

EXPORT int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (open_hpio(path, flags, &fd))
		return ret_err(fd);
	return libc_open(path, flags, mode);
}

EXPORT int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (open_hpio(path, flags, &fd))
		return ret_err(fd);
	return libc_open64(path, flags, mode);
}

EXPORT int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (open_hpio(path, flags, &fd))
		return ret_err(fd);
	return libc_openat(dirfd, path, flags, mode);
}

EXPORT int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (open_hpio(path, flags, &fd))
		return ret_err(fd);
	return libc_openat64(dirfd, path, flags, mode);
}

EXPORT int
__open_2(const char *path, int flags)
{
	int fd;

	if (open_hpio(path, flags, &fd))
		return ret_err(fd);
	return libc___open_2(path, flags);
}

EXPORT int
__open64_2(const char *path, int flags)
{
	int fd;

	if (open_hpio(path, flags, &fd))
		return ret_err(fd);
	return libc___open64_2(path, flags);
}

EXPORT int
__openat_2(int dirfd, const char *path, int flags)
{
	int fd;

	if (open_hpio(path, flags, &fd))
		return ret_err(fd);
	return libc___openat_2(dirfd, path, flags);
}

EXPORT int
__openat64_2(int dirfd, const char *path, int flags)
{
	int fd;

	if (open_hpio(path, flags, &fd))
		return ret_err(fd);
	return libc___openat64_2(dirfd, path, flags);
}

/* ---- processes: an environment a program builds keeps the preload ---- */

EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	char **env = preload_env_fix(envp);
	int rc = libc_execve(path, argv, env);
	int err = errno;

	preload_env_free(env, envp);
	errno = err;
	return rc;
}

EXPORT int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	char **env = preload_env_fix(envp);
	int rc = libc_execvpe(file, argv, env);
	int err = errno;

	preload_env_free(env, envp);
	errno = err;
	return rc;
}

EXPORT int
posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
	    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char **env = preload_env_fix(envp);
	int rc = libc_posix_spawn(pid, path, fa, attr, argv, env);

	preload_env_free(env, envp);
	return rc;
}

EXPORT int
posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
	     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char **env = preload_env_fix(envp);
	int rc = libc_posix_spawnp(pid, file, fa, attr, argv, env);

	preload_env_free(env, envp);
	return rc;
}
