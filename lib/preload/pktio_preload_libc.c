/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The real libc entry points, one wrapper per function, each resolved lazily on its first
 * call with dlsym(RTLD_NEXT) and kept in a static pointer (as VPP's LDP socket wrapper does).
 * Nothing else lives here: the interception logic is in preload.c and the files it calls.
 *
 * A race between two first calls resolves the same address twice, which is harmless; the
 * pointer is read and written with relaxed atomics so that neither sees a torn value.
 * A symbol this libc lacks makes the wrapper fail with ENOSYS (void functions do nothing).
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload_libc.h"

static void *
libc_resolve(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* One resolver per function: LIBC_FN(return type, name, (parameters), (arguments), fail). */
#define LIBC_FN(ret, name, params, args, fail)						\
ret											\
libc_##name params									\
{											\
	static ret (*fn) params;							\
	ret (*f) params = __atomic_load_n(&fn, __ATOMIC_RELAXED);			\
											\
	if (f == NULL) {								\
		f = (ret (*) params)libc_resolve(#name);				\
		if (f == NULL) {							\
			errno = ENOSYS;							\
			return fail;							\
		}									\
		__atomic_store_n(&fn, f, __ATOMIC_RELAXED);				\
	}										\
	return f args;									\
}

#define LIBC_VOID(name, params, args)							\
void											\
libc_##name params									\
{											\
	static void (*fn) params;							\
	void (*f) params = __atomic_load_n(&fn, __ATOMIC_RELAXED);			\
											\
	if (f == NULL) {								\
		f = (void (*) params)libc_resolve(#name);				\
		if (f == NULL)								\
			return;								\
		__atomic_store_n(&fn, f, __ATOMIC_RELAXED);				\
	}										\
	f args;										\
}

/* sockets */
LIBC_FN(int, socket, (int domain, int type, int protocol), (domain, type, protocol), -1)
LIBC_FN(int, bind, (int fd, const struct sockaddr *sa, socklen_t len), (fd, sa, len), -1)
LIBC_FN(int, connect, (int fd, const struct sockaddr *sa, socklen_t len), (fd, sa, len), -1)
LIBC_FN(int, getsockname, (int fd, struct sockaddr *sa, socklen_t *len), (fd, sa, len), -1)
LIBC_FN(int, getpeername, (int fd, struct sockaddr *sa, socklen_t *len), (fd, sa, len), -1)
LIBC_FN(int, setsockopt, (int fd, int level, int name, const void *val, socklen_t len),
	(fd, level, name, val, len), -1)
LIBC_FN(int, getsockopt, (int fd, int level, int name, void *val, socklen_t *len),
	(fd, level, name, val, len), -1)
LIBC_FN(int, listen, (int fd, int backlog), (fd, backlog), -1)
LIBC_FN(int, accept, (int fd, struct sockaddr *sa, socklen_t *len), (fd, sa, len), -1)
LIBC_FN(int, accept4, (int fd, struct sockaddr *sa, socklen_t *len, int flags),
	(fd, sa, len, flags), -1)
LIBC_FN(int, shutdown, (int fd, int how), (fd, how), -1)

/* descriptors */
LIBC_FN(int, close, (int fd), (fd), -1)
LIBC_FN(int, close_range, (unsigned int first, unsigned int last, int flags),
	(first, last, flags), -1)
LIBC_VOID(closefrom, (int lowfd), (lowfd))
LIBC_FN(int, dup, (int fd), (fd), -1)
LIBC_FN(int, dup2, (int fd, int fd2), (fd, fd2), -1)
LIBC_FN(int, dup3, (int fd, int fd2, int flags), (fd, fd2, flags), -1)
/* fcntl and ioctl are variadic; every command passes at most one word, which a void *
 * carries in the same register (x86-64, aarch64). */
LIBC_FN(int, fcntl, (int fd, int cmd, void *arg), (fd, cmd, arg), -1)
LIBC_FN(int, ioctl, (int fd, unsigned long req, void *arg), (fd, req, arg), -1)

/* data */
LIBC_FN(ssize_t, read, (int fd, void *buf, size_t len), (fd, buf, len), -1)
LIBC_FN(ssize_t, readv, (int fd, const struct iovec *iov, int iovcnt), (fd, iov, iovcnt), -1)
LIBC_FN(ssize_t, recv, (int fd, void *buf, size_t len, int flags), (fd, buf, len, flags), -1)
LIBC_FN(ssize_t, recvfrom, (int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
			    socklen_t *salen), (fd, buf, len, flags, sa, salen), -1)
LIBC_FN(ssize_t, recvmsg, (int fd, struct msghdr *msg, int flags), (fd, msg, flags), -1)
LIBC_FN(int, recvmmsg, (int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
			struct timespec *timeout), (fd, vec, vlen, flags, timeout), -1)
LIBC_FN(ssize_t, write, (int fd, const void *buf, size_t len), (fd, buf, len), -1)
LIBC_FN(ssize_t, writev, (int fd, const struct iovec *iov, int iovcnt), (fd, iov, iovcnt), -1)
LIBC_FN(ssize_t, send, (int fd, const void *buf, size_t len, int flags), (fd, buf, len, flags),
	-1)
LIBC_FN(ssize_t, sendto, (int fd, const void *buf, size_t len, int flags,
			  const struct sockaddr *sa, socklen_t salen),
	(fd, buf, len, flags, sa, salen), -1)
LIBC_FN(ssize_t, sendmsg, (int fd, const struct msghdr *msg, int flags), (fd, msg, flags), -1)
LIBC_FN(int, sendmmsg, (int fd, struct mmsghdr *vec, unsigned int vlen, int flags),
	(fd, vec, vlen, flags), -1)

/* readiness */
LIBC_FN(int, poll, (struct pollfd *fds, nfds_t nfds, int timeout), (fds, nfds, timeout), -1)
LIBC_FN(int, ppoll, (struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
		     const sigset_t *sigmask), (fds, nfds, ts, sigmask), -1)
LIBC_FN(int, select, (int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv),
	(nfds, r, w, e, tv), -1)
LIBC_FN(int, pselect, (int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
		       const sigset_t *sigmask), (nfds, r, w, e, ts, sigmask), -1)
LIBC_FN(int, epoll_ctl, (int epfd, int op, int fd, struct epoll_event *ev), (epfd, op, fd, ev),
	-1)
LIBC_FN(int, epoll_wait, (int epfd, struct epoll_event *ev, int maxevents, int timeout),
	(epfd, ev, maxevents, timeout), -1)
LIBC_FN(int, epoll_pwait, (int epfd, struct epoll_event *ev, int maxevents, int timeout,
			   const sigset_t *sigmask), (epfd, ev, maxevents, timeout, sigmask), -1)

/* memory */
LIBC_FN(void *, mmap, (void *addr, size_t len, int prot, int flags, int fd, off_t off),
	(addr, len, prot, flags, fd, off), MAP_FAILED)

/* interfaces */
LIBC_FN(int, getifaddrs, (struct ifaddrs **ifap), (ifap), -1)
LIBC_VOID(freeifaddrs, (struct ifaddrs *ifa), (ifa))
LIBC_FN(unsigned int, if_nametoindex, (const char *name), (name), 0)
LIBC_FN(char *, if_indextoname, (unsigned int index, char name[IF_NAMESIZE]), (index, name),
	NULL)
LIBC_FN(struct if_nameindex *, if_nameindex, (void), (), NULL)
LIBC_VOID(if_freenameindex, (struct if_nameindex *ptr), (ptr))

/* files */
LIBC_FN(int, open, (const char *path, int flags, mode_t mode), (path, flags, mode), -1)
LIBC_FN(int, open64, (const char *path, int flags, mode_t mode), (path, flags, mode), -1)
LIBC_FN(int, openat, (int dirfd, const char *path, int flags, mode_t mode),
	(dirfd, path, flags, mode), -1)
LIBC_FN(int, openat64, (int dirfd, const char *path, int flags, mode_t mode),
	(dirfd, path, flags, mode), -1)
LIBC_FN(int, __open_2, (const char *path, int flags), (path, flags), -1)
LIBC_FN(int, __open64_2, (const char *path, int flags), (path, flags), -1)
LIBC_FN(int, __openat_2, (int dirfd, const char *path, int flags), (dirfd, path, flags), -1)
LIBC_FN(int, __openat64_2, (int dirfd, const char *path, int flags), (dirfd, path, flags), -1)

/* processes */
LIBC_FN(int, execve, (const char *path, char *const argv[], char *const envp[]),
	(path, argv, envp), -1)
LIBC_FN(int, execvpe, (const char *file, char *const argv[], char *const envp[]),
	(file, argv, envp), -1)
/* posix_spawn returns an error number rather than setting errno */
LIBC_FN(int, posix_spawn, (pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[],
			   char *const envp[]), (pid, path, fa, attr, argv, envp), ENOSYS)
LIBC_FN(int, posix_spawnp, (pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[],
			    char *const envp[]), (pid, file, fa, attr, argv, envp), ENOSYS)
