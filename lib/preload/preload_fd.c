/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The descriptor table: fd -> file object, two levels (chunks of 4096 entries allocated on
 * first use), read without a lock on the fast path of every wrapper. An object lives while
 * a table entry or a call in progress holds a reference; entries change under table_lock,
 * and a lookup takes its reference under the same lock, so that a close() in another
 * thread cannot free an object a call is using.
 *
 * Order of locks: a file's lock, then table_lock, then the epoll records' lock. Never the
 * other way round.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "preload_libc.h"
#include "preload_private.h"

#define CHUNK_SHIFT 12
#define CHUNK_SIZE (1u << CHUNK_SHIFT)
#define NB_CHUNKS 256u                  /* descriptors below 1M */
#define FD_MAX (CHUNK_SIZE * NB_CHUNKS)

__thread int preload_inside __attribute__((tls_model("initial-exec")));
unsigned int preload_gen;
static pid_t preload_pid;     /* ours: set at load and in each fork child */

static struct preload_file **chunks[NB_CHUNKS];
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;

static inline struct preload_file **
slot(int fd)
{
	struct preload_file **c;

	if (fd < 0 || (unsigned int)fd >= FD_MAX)
		return NULL;
	c = __atomic_load_n(&chunks[(unsigned int)fd >> CHUNK_SHIFT], __ATOMIC_ACQUIRE);
	return c == NULL ? NULL : &c[(unsigned int)fd & (CHUNK_SIZE - 1)];
}

bool
preload_fd_busy(int fd)
{
	struct preload_file **s = slot(fd);

	return s != NULL && __atomic_load_n(s, __ATOMIC_RELAXED) != NULL;
}

struct preload_file *
preload_fd_get(int fd)
{
	struct preload_file **s, *f = NULL;

	if (!preload_fd_busy(fd))
		return NULL;
	pthread_rwlock_rdlock(&table_lock);
	s = slot(fd);
	if (s != NULL) {
		f = *s;
		if (f != NULL)
			__atomic_add_fetch(&f->refs, 1, __ATOMIC_ACQ_REL);
	}
	pthread_rwlock_unlock(&table_lock);
	return f;
}

void
preload_file_put(struct preload_file *f)
{
	if (f == NULL || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	switch (f->kind) {
	case PRELOAD_SOCK:
		preload_sock_destroy((struct preload_sock *)f);
		break;
	case PRELOAD_HPIO:
		preload_hpio_destroy((struct preload_hpio *)f);
		break;
	}
}

void
preload_file_init(struct preload_file *f, enum preload_kind kind, int status)
{
	f->kind = kind;
	f->refs = 1;
	f->status = status;
	f->gen = preload_gen;
	pthread_mutex_init(&f->lock, NULL);
}

int
preload_fd_install(int fd, struct preload_file *f)
{
	struct preload_file **c, *old = NULL;
	unsigned int ci;

	if (fd < 0 || (unsigned int)fd >= FD_MAX)
		return -EBADF;
	ci = (unsigned int)fd >> CHUNK_SHIFT;
	pthread_rwlock_wrlock(&table_lock);
	c = chunks[ci];
	if (c == NULL) {
		c = calloc(CHUNK_SIZE, sizeof(*c));
		if (c == NULL) {
			pthread_rwlock_unlock(&table_lock);
			return -ENOMEM;
		}
		__atomic_store_n(&chunks[ci], c, __ATOMIC_RELEASE);
	}
	/* a stale entry: the fd was closed behind our back (a raw syscall) */
	old = c[fd & (CHUNK_SIZE - 1)];
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&c[fd & (CHUNK_SIZE - 1)], f, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(&table_lock);
	preload_file_put(old);
	return 0;
}

struct preload_file *
preload_fd_remove(int fd)
{
	struct preload_file **s, *f = NULL;

	if (!preload_fd_busy(fd))
		return NULL;
	pthread_rwlock_wrlock(&table_lock);
	s = slot(fd);
	if (s != NULL) {
		f = *s;
		__atomic_store_n(s, NULL, __ATOMIC_RELEASE);
	}
	pthread_rwlock_unlock(&table_lock);
	return f;
}

/* Under table_lock (read). */
static unsigned int
fds_of(const struct preload_file *f, int *fds, unsigned int max)
{
	unsigned int ci, i, n = 0;

	for (ci = 0; ci < NB_CHUNKS; ci++) {
		struct preload_file **c = chunks[ci];

		for (i = 0; c != NULL && i < CHUNK_SIZE; i++) {
			if (c[i] != f)
				continue;
			if (n < max)
				fds[n] = (int)(ci * CHUNK_SIZE + i);
			n++;
		}
	}
	return n;
}

unsigned int
preload_file_fds(const struct preload_file *f, int *fds, unsigned int max)
{
	unsigned int n;

	pthread_rwlock_rdlock(&table_lock);
	n = fds_of(f, fds, max);
	pthread_rwlock_unlock(&table_lock);
	return n;
}

int
preload_file_retarget(struct preload_file *f, int src)
{
	int fds[64], rc = 0;
	unsigned int n, i;

	/* held across the dup3s: a close() of one of them waits, then closes ours */
	pthread_rwlock_rdlock(&table_lock);
	n = fds_of(f, fds, 64);
	for (i = 0; i < n && i < 64; i++) {
		int fl = libc_fcntl(fds[i], F_GETFD, NULL);

		if (libc_dup3(src, fds[i], fl > 0 && (fl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
			rc = -errno;
	}
	pthread_rwlock_unlock(&table_lock);
	return rc;
}

void
preload_file_park(struct preload_file *f)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (efd < 0)
		return;
	preload_file_retarget(f, efd);
	libc_close(efd);
}

void
preload_handle_forget(struct pktio_port *p)
{
	/* The child's copies of the handle's descriptors; its mapping was not inherited
	 * (MADV_DONTFORK), so the library must not touch it. The struct and the doorbell's
	 * write end stay: libpktio has no call that frees a handle without detaching. */
	if (p == NULL)
		return;
	libc_close(pktio_port_fd(p));
	libc_close(pktio_port_ctl_fd(p));
}

void
preload_rx_close(struct preload_rx *rx, unsigned int gen)
{
	if (rx->p == NULL)
		return;
	PRELOAD_ENTER();
	if (gen != preload_gen) {
		preload_handle_forget(rx->p);
	} else {
		while (rx->nb > 0) {
			pktio_rx_release(rx->p, &rx->held[rx->head], 1);
			rx->head = (rx->head + 1) % PRELOAD_HELD;
			rx->nb--;
		}
		pktio_port_close(rx->p);
	}
	PRELOAD_LEAVE();
	rx->p = NULL;
	rx->head = 0;
	rx->nb = 0;
}

int
preload_wait(int fd, int ctl, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = ctl, .events = POLLIN },
	};
	int rc;

	rc = libc_poll(pfd, ctl >= 0 ? 2 : 1, timeout_ms);
	if (rc < 0)
		return -errno;
	if (rc > 0 && ctl >= 0 && pfd[1].revents != 0)
		return -ECONNRESET;
	return rc > 0 ? 1 : 0;
}

int
preload_timeout_ms(const struct timeval *tv)
{
	uint64_t ms;

	if (tv->tv_sec == 0 && tv->tv_usec == 0)
		return -1;
	ms = (uint64_t)tv->tv_sec * 1000 + (uint64_t)(tv->tv_usec + 999) / 1000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* fork(): the child's handles are the parent's; they are re-opened (or given up) on first
 * use, see preload_gen. table_lock is held across the fork so that the child's copy is
 * consistent and unlocked. */
static void
fork_prepare(void)
{
	pthread_rwlock_wrlock(&table_lock);
}

static void
fork_parent(void)
{
	pthread_rwlock_unlock(&table_lock);
}

bool
preload_vforked(void)
{
	return getpid() != __atomic_load_n(&preload_pid, __ATOMIC_RELAXED);
}

static void
fork_child(void)
{
	__atomic_store_n(&preload_pid, getpid(), __ATOMIC_RELAXED);
	pthread_rwlock_init(&table_lock, NULL);
	__atomic_add_fetch(&preload_gen, 1, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void
preload_fd_init(void)
{
	preload_pid = getpid();
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}
