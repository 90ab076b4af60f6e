/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PRELOAD_LIBC_H
#define PRELOAD_LIBC_H

/*
 * The real libc entry points behind the ones the shim intercepts, each resolved on its
 * first call with dlsym(RTLD_NEXT) (pktio_preload_libc.c). The shim calls these, never the
 * public names, for descriptors it handles itself; a function libc lacks (close_range on an
 * old glibc) fails with ENOSYS.
 */

#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

int libc_socket(int domain, int type, int protocol);
int libc_bind(int fd, const struct sockaddr *sa, socklen_t len);
int libc_connect(int fd, const struct sockaddr *sa, socklen_t len);
int libc_getsockname(int fd, struct sockaddr *sa, socklen_t *len);
int libc_getpeername(int fd, struct sockaddr *sa, socklen_t *len);
int libc_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int libc_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int libc_listen(int fd, int backlog);
int libc_accept(int fd, struct sockaddr *sa, socklen_t *len);
int libc_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);
int libc_shutdown(int fd, int how);

int libc_close(int fd);
int libc_close_range(unsigned int first, unsigned int last, int flags);
void libc_closefrom(int lowfd);
int libc_dup(int fd);
int libc_dup2(int fd, int fd2);
int libc_dup3(int fd, int fd2, int flags);
int libc_fcntl(int fd, int cmd, void *arg);
int libc_ioctl(int fd, unsigned long req, void *arg);

ssize_t libc_read(int fd, void *buf, size_t len);
ssize_t libc_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t libc_recv(int fd, void *buf, size_t len, int flags);
ssize_t libc_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
		      socklen_t *salen);
ssize_t libc_recvmsg(int fd, struct msghdr *msg, int flags);
int libc_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		  struct timespec *timeout);
ssize_t libc_write(int fd, const void *buf, size_t len);
ssize_t libc_writev(int fd, const struct iovec *iov, int iovcnt);
ssize_t libc_send(int fd, const void *buf, size_t len, int flags);
ssize_t libc_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
		    socklen_t salen);
ssize_t libc_sendmsg(int fd, const struct msghdr *msg, int flags);
int libc_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags);

int libc_poll(struct pollfd *fds, nfds_t nfds, int timeout);
int libc_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
	       const sigset_t *sigmask);
int libc_select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv);
int libc_pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
		 const sigset_t *sigmask);
int libc_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int libc_epoll_wait(int epfd, struct epoll_event *ev, int maxevents, int timeout);
int libc_epoll_pwait(int epfd, struct epoll_event *ev, int maxevents, int timeout,
		     const sigset_t *sigmask);

void *libc_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

int libc_getifaddrs(struct ifaddrs **ifap);
void libc_freeifaddrs(struct ifaddrs *ifa);
unsigned int libc_if_nametoindex(const char *name);
char *libc_if_indextoname(unsigned int index, char name[IF_NAMESIZE]);
struct if_nameindex *libc_if_nameindex(void);
void libc_if_freenameindex(struct if_nameindex *ptr);

int libc_open(const char *path, int flags, mode_t mode);
int libc_open64(const char *path, int flags, mode_t mode);
int libc_openat(int dirfd, const char *path, int flags, mode_t mode);
int libc_openat64(int dirfd, const char *path, int flags, mode_t mode);
int libc___open_2(const char *path, int flags);
int libc___open64_2(const char *path, int flags);
int libc___openat_2(int dirfd, const char *path, int flags);
int libc___openat64_2(int dirfd, const char *path, int flags);

int libc_execve(const char *path, char *const argv[], char *const envp[]);
int libc_execvpe(const char *file, char *const argv[], char *const envp[]);
int libc_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		     const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int libc_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		      const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);

#endif /* PRELOAD_LIBC_H */
