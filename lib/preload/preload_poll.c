/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Readiness over a mix of kernel and emulated descriptors: poll, ppoll, select, pselect and
 * epoll. The kernel sleeps for all of them: an emulated descriptor is the doorbell of its
 * handle (readable when packets wait in the handle's ring), and its handle's control
 * connection is watched too (a hang-up means pktiod went away). On a wake-up the shim takes
 * the packets, runs the socket's filter, and reports what the program asked for and only
 * that: POLLIN when a read would return a packet, POLLOUT, POLLERR once pktiod is gone. A
 * wake-up for packets the filter dropped goes back to sleep for the time left.
 *
 * epoll: the kernel set holds the emulated fd with a tag (a pointer into our own table of
 * registrations, which the program's data cannot equal) in place of the program's data,
 * and the control descriptor likewise; epoll_wait() turns tagged events back into the
 * program's. Level-triggered only: EPOLLET is treated as level-triggered (extra wake-ups,
 * none lost); EPOLLONESHOT disables the registration after one event, as the kernel does.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "preload_libc.h"
#include "preload_private.h"

#define POLL_STACK 64
#define EP_ITEMS 4096

int
preload_file_poll(struct preload_file *f, short events, bool hup, uint64_t *deadline, int *ctl)
{
	if (f->kind == PRELOAD_SOCK)
		return preload_sock_poll((struct preload_sock *)f, events, hup, deadline, ctl);
	return preload_hpio_poll((struct preload_hpio *)f, events, hup, ctl);
}

/* Milliseconds until @p end (0: none), capped by @p deadline; -1 for no limit. */
static int
wait_ms(uint64_t end, uint64_t deadline)
{
	uint64_t now = preload_now_ns(), until = end;

	if (deadline != 0 && (until == 0 || deadline < until))
		until = deadline;
	if (until == 0)
		return -1;
	if (until <= now)
		return 0;
	return (until - now) / 1000000u > 0x7fffffff ? 0x7fffffff :
	       (int)((until - now + 999999) / 1000000u);
}

struct poll_ctx {
	struct pollfd *k;            /* what the kernel polls: the fds, then the ctl fds */
	struct preload_file **f;     /* per fd: our object or NULL */
	int *ctl_of;                 /* per fd: index of its ctl entry in k, or -1 */
	nfds_t nfds, nk;
};

static void
ctx_free(struct poll_ctx *c, bool small)
{
	nfds_t i;

	for (i = 0; c->f != NULL && i < c->nfds; i++)
		preload_file_put(c->f[i]);
	if (small)
		return;
	free(c->k);
	free(c->f);
	free(c->ctl_of);
}

/*
 * One pass over our objects: their readiness now (without sleeping). @p hup[i] from the
 * last kernel poll. Fills c->k for the next kernel poll. @return how many fds are ready.
 */
static int
poll_scan(struct poll_ctx *c, struct pollfd *fds, const bool *hup, uint64_t *deadline)
{
	nfds_t i;
	int ready = 0;

	c->nk = c->nfds;
	for (i = 0; i < c->nfds; i++) {
		int ctl = -1, rev;

		c->k[i] = (struct pollfd){ .fd = fds[i].fd, .events = fds[i].events };
		c->ctl_of[i] = -1;
		fds[i].revents = 0;
		if (c->f[i] == NULL)
			continue;
		rev = preload_file_poll(c->f[i], fds[i].events, hup != NULL && hup[i], deadline,
					&ctl);
		if (rev < 0) {
			/* a kernel socket: the kernel answers */
			preload_file_put(c->f[i]);
			c->f[i] = NULL;
			continue;
		}
		/* the doorbell (or placeholder) under the fd: readable means "look again" */
		c->k[i].events = fds[i].events & (POLLIN | POLLRDNORM) ? POLLIN : 0;
		fds[i].revents = (short)rev;
		if (rev != 0)
			ready++;
		if (ctl >= 0) {
			c->ctl_of[i] = (int)c->nk;
			c->k[c->nk++] = (struct pollfd){ .fd = ctl, .events = POLLIN };
		}
	}
	return ready;
}

int
preload_poll(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
	     const sigset_t *sigmask, bool use_ppoll)
{
	struct pollfd stack_k[2 * POLL_STACK];
	struct preload_file *stack_f[POLL_STACK];
	int stack_ctl[POLL_STACK];
	bool stack_hup[POLL_STACK];
	struct poll_ctx c = { .nfds = nfds };
	bool small = nfds <= POLL_STACK;
	uint64_t end = 0;
	bool *hup = NULL;
	nfds_t i;
	int rc = 0, ready, n;

	if (ts != NULL)
		end = preload_now_ns() + (uint64_t)ts->tv_sec * 1000000000u +
		      (uint64_t)ts->tv_nsec + 1; /* +1: a zero timeout is not "none" */
	/* no allocation for the usual few descriptors */
	c.k = small ? stack_k : malloc(2 * nfds * sizeof(*c.k));
	c.f = small ? memset(stack_f, 0, sizeof(stack_f)) : calloc(nfds, sizeof(*c.f));
	c.ctl_of = small ? stack_ctl : calloc(nfds, sizeof(*c.ctl_of));
	hup = small ? memset(stack_hup, 0, sizeof(stack_hup)) : calloc(nfds, sizeof(*hup));
	if (c.k == NULL || c.f == NULL || c.ctl_of == NULL || hup == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nfds; i++)
		c.f[i] = preload_fd_get(fds[i].fd);
	for (;;) {
		uint64_t deadline = 0;
		int ms;

		ready = poll_scan(&c, fds, hup, &deadline);
		ms = ready > 0 ? 0 : wait_ms(end, deadline);
		if (use_ppoll) {
			struct timespec t = { ms / 1000, ms % 1000 * 1000000L };

			n = libc_ppoll(c.k, c.nk, ms < 0 ? NULL : &t, sigmask);
		} else {
			n = libc_poll(c.k, c.nk, ms);
		}
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		ready = 0;
		memset(hup, 0, nfds * sizeof(*hup));
		for (i = 0; i < nfds; i++) {
			if (c.f[i] == NULL) {
				fds[i].revents = c.k[i].revents;
			} else if (c.k[i].revents != 0 ||
				   (c.ctl_of[i] >= 0 && c.k[c.ctl_of[i]].revents != 0)) {
				uint64_t dl = 0;
				int ctl, rev;

				hup[i] = c.ctl_of[i] >= 0 && c.k[c.ctl_of[i]].revents != 0;
				rev = preload_file_poll(c.f[i], fds[i].events, hup[i], &dl, &ctl);
				fds[i].revents = rev < 0 ? c.k[i].revents : (short)rev;
			}
			if (fds[i].revents != 0)
				ready++;
		}
		if (ready > 0 || (end != 0 && preload_now_ns() >= end)) {
			rc = ready;
			break;
		}
		/* woken for packets nobody here takes, or a block's retire time: again */
	}
out:
	ctx_free(&c, small);
	if (!small)
		free(hup);
	return rc;
}

int
preload_select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timespec *ts,
	       const sigset_t *sigmask, bool use_pselect)
{
	struct pollfd *pfd;
	uint64_t start = preload_now_ns(), spent;
	int fd, n = 0, i, rc, count = 0;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return -EINVAL;
	pfd = calloc((size_t)nfds + 1, sizeof(*pfd));
	if (pfd == NULL)
		return -ENOMEM;
	for (fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (r != NULL && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (w != NULL && FD_ISSET(fd, w))
			ev |= POLLOUT;
		if (e != NULL && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (ev != 0)
			pfd[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	rc = preload_poll(pfd, (nfds_t)n, ts, sigmask, use_pselect);
	if (rc < 0)
		goto out;
	if (r != NULL)
		FD_ZERO(r);
	if (w != NULL)
		FD_ZERO(w);
	if (e != NULL)
		FD_ZERO(e);
	for (i = 0; i < n; i++) {
		short rev = pfd[i].revents;

		if (rev & POLLNVAL) {
			rc = -EBADF;
			goto out;
		}
		if (r != NULL && (pfd[i].events & POLLIN) && (rev & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(pfd[i].fd, r);
			count++;
		}
		if (w != NULL && (pfd[i].events & POLLOUT) && (rev & (POLLOUT | POLLERR))) {
			FD_SET(pfd[i].fd, w);
			count++;
		}
		if (e != NULL && (pfd[i].events & POLLPRI) && (rev & POLLPRI)) {
			FD_SET(pfd[i].fd, e);
			count++;
		}
	}
	rc = count;
out:
	if (ts != NULL) {
		uint64_t t = (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;

		spent = preload_now_ns() - start;
		t = spent >= t ? 0 : t - spent;
		ts->tv_sec = (time_t)(t / 1000000000u);
		ts->tv_nsec = (long)(t % 1000000000u);
	}
	free(pfd);
	return rc;
}

/* ---- epoll ---- */

struct ep_item {
	bool used;
	bool disabled;            /* EPOLLONESHOT fired */
	int epfd, fd;
	struct preload_file *f;   /* referenced */
	uint32_t events;
	epoll_data_t data;
	int ctl;                  /* control fd registered for it, or -1 */
	unsigned int seen;        /* epoll_wait pass that reported it */
};

static struct ep_item items[EP_ITEMS];
static unsigned int nb_items;
static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int ep_pass;

#define TAG_CTL 1u

static inline uint64_t
tag_of(const struct ep_item *it, bool ctl)
{
	return (uint64_t)(uintptr_t)it | (ctl ? TAG_CTL : 0);
}

static struct ep_item *
item_of_tag(uint64_t tag, bool *ctl)
{
	uintptr_t p = (uintptr_t)(tag & ~(uint64_t)TAG_CTL);

	if (p < (uintptr_t)&items[0] || p >= (uintptr_t)&items[EP_ITEMS] ||
	    (p - (uintptr_t)&items[0]) % sizeof(items[0]) != 0)
		return NULL;
	*ctl = (tag & TAG_CTL) != 0;
	return (struct ep_item *)p;
}

bool
preload_epoll_any(void)
{
	return __atomic_load_n(&nb_items, __ATOMIC_RELAXED) != 0;
}

static struct ep_item *
item_find(int epfd, int fd)
{
	unsigned int i;

	for (i = 0; i < EP_ITEMS; i++)
		if (items[i].used && items[i].epfd == epfd && items[i].fd == fd)
			return &items[i];
	return NULL;
}

/* The control descriptor of @p f's handle, or -1. */
static int
file_ctl(struct preload_file *f)
{
	uint64_t dl = 0;
	int ctl = -1;

	if (preload_file_poll(f, 0, false, &dl, &ctl) < 0)
		return -1;
	return ctl;
}

/* (Re-)register the kernel side of @p it. Under ep_lock. */
static int
item_arm(struct ep_item *it, int ctl)
{
	/* the doorbell only when the program waits for input: else it would keep waking us */
	struct epoll_event ev = {
		.events = it->disabled ? 0 : it->events & EPOLLIN,
		.data.u64 = tag_of(it, false),
	};

	if (libc_epoll_ctl(it->epfd, EPOLL_CTL_ADD, it->fd, &ev) < 0) {
		if (errno != EEXIST)
			return -errno;
		if (libc_epoll_ctl(it->epfd, EPOLL_CTL_MOD, it->fd, &ev) < 0)
			return -errno;
	}
	if (ctl >= 0 && ctl != it->ctl) {
		ev = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP,
					   .data.u64 = tag_of(it, true) };
		if (libc_epoll_ctl(it->epfd, EPOLL_CTL_ADD, ctl, &ev) == 0 || errno == EEXIST)
			it->ctl = ctl;
	}
	return 0;
}

static void
item_drop(struct ep_item *it)
{
	it->used = false;
	preload_file_put(it->f);
	it->f = NULL;
	__atomic_sub_fetch(&nb_items, 1, __ATOMIC_RELAXED);
}

int
preload_epoll_ctl(int epfd, int op, int fd, struct preload_file *f, struct epoll_event *ev)
{
	struct ep_item *it;
	int ctl = file_ctl(f), rc = 0;
	unsigned int i;

	pthread_mutex_lock(&ep_lock);
	it = item_find(epfd, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (ev == NULL) {
			rc = -EFAULT;
			break;
		}
		if (it != NULL) {
			rc = -EEXIST;
			break;
		}
		for (i = 0; i < EP_ITEMS && items[i].used; i++)
			;
		if (i == EP_ITEMS) {
			rc = -ENOSPC;
			break;
		}
		it = &items[i];
		*it = (struct ep_item){ .used = true, .epfd = epfd, .fd = fd, .f = f,
					.events = ev->events, .data = ev->data, .ctl = -1 };
		rc = item_arm(it, ctl);
		if (rc < 0) {
			it->used = false;
			break;
		}
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_ACQ_REL);
		__atomic_add_fetch(&nb_items, 1, __ATOMIC_RELAXED);
		break;
	case EPOLL_CTL_MOD:
		if (ev == NULL) {
			rc = -EFAULT;
			break;
		}
		if (it == NULL) {
			rc = -ENOENT;
			break;
		}
		it->events = ev->events;
		it->data = ev->data;
		it->disabled = false;
		rc = item_arm(it, ctl);
		break;
	case EPOLL_CTL_DEL:
		if (it == NULL) {
			rc = -ENOENT;
			break;
		}
		libc_epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
		if (it->ctl >= 0)
			libc_epoll_ctl(epfd, EPOLL_CTL_DEL, it->ctl, NULL);
		item_drop(it);
		break;
	default:
		rc = -EINVAL;
	}
	pthread_mutex_unlock(&ep_lock);
	return rc;
}

void
preload_epoll_refresh(struct preload_file *f)
{
	unsigned int i;

	if (!preload_epoll_any())
		return;
	pthread_mutex_lock(&ep_lock);
	for (i = 0; i < EP_ITEMS; i++) {
		if (!items[i].used || items[i].f != f)
			continue;
		/* the old doorbell and control fd left the set with their files */
		items[i].ctl = -1;
		item_arm(&items[i], -1);
	}
	pthread_mutex_unlock(&ep_lock);
}

void
preload_epoll_forget(int fd)
{
	unsigned int i;

	if (!preload_epoll_any())
		return;
	pthread_mutex_lock(&ep_lock);
	for (i = 0; i < EP_ITEMS; i++) {
		if (!items[i].used || items[i].fd != fd)
			continue;
		/* the kernel keeps a registration while its file lives (a dup): drop it */
		libc_epoll_ctl(items[i].epfd, EPOLL_CTL_DEL, fd, NULL);
		if (items[i].ctl >= 0)
			libc_epoll_ctl(items[i].epfd, EPOLL_CTL_DEL, items[i].ctl, NULL);
		item_drop(&items[i]);
	}
	pthread_mutex_unlock(&ep_lock);
}

struct ep_snap {
	struct ep_item *it;
	struct preload_file *f;
	uint32_t events;
	epoll_data_t data;
};

/* Readiness of a registration, as the program asked for it. */
static uint32_t
item_ready(struct ep_snap *sn, bool hup, uint64_t *deadline, int *ctl)
{
	int rev = preload_file_poll(sn->f, (short)(sn->events & 0xffff), hup, deadline, ctl);

	if (rev < 0)
		return 0;
	return (uint32_t)rev & (sn->events | EPOLLERR | EPOLLHUP);
}

/* Add an event for @p sn unless this pass reported it already. Under ep_lock. */
static int
item_emit(struct ep_snap *sn, uint32_t rev, struct epoll_event *out, int n, unsigned int pass)
{
	if (rev == 0 || !sn->it->used || sn->it->f != sn->f || sn->it->disabled ||
	    sn->it->seen == pass)
		return n;
	sn->it->seen = pass;
	if (sn->it->events & EPOLLONESHOT) {
		struct epoll_event off = { .events = 0, .data.u64 = tag_of(sn->it, false) };

		sn->it->disabled = true;
		libc_epoll_ctl(sn->it->epfd, EPOLL_CTL_MOD, sn->it->fd, &off);
	}
	out[n].events = rev;
	out[n].data = sn->data;
	return n + 1;
}

/* The registrations of @p epfd, their files referenced, in *out (freed by the caller). */
static unsigned int
snap_items(int epfd, struct ep_snap **out)
{
	unsigned int i, n = 0, max;
	struct ep_snap *sn;

	max = __atomic_load_n(&nb_items, __ATOMIC_RELAXED) + 1;
	sn = calloc(max, sizeof(*sn));
	*out = sn;
	if (sn == NULL)
		return 0;
	pthread_mutex_lock(&ep_lock);
	for (i = 0; i < EP_ITEMS && n < max; i++) {
		if (!items[i].used || items[i].epfd != epfd || items[i].disabled)
			continue;
		sn[n] = (struct ep_snap){ &items[i], items[i].f, items[i].events, items[i].data };
		__atomic_add_fetch(&items[i].f->refs, 1, __ATOMIC_ACQ_REL);
		n++;
	}
	pthread_mutex_unlock(&ep_lock);
	return n;
}

int
preload_epoll_wait(int epfd, struct epoll_event *ev, int maxevents, int timeout,
		   const sigset_t *sigmask)
{
	uint64_t end = timeout >= 0 ? preload_now_ns() + (uint64_t)timeout * 1000000u + 1 : 0;
	struct epoll_event *kev;
	struct ep_snap *sn;
	unsigned int nsn, i, pass;
	int n = 0, k, j, rc = 0;

	if (maxevents <= 0 || maxevents > 1 << 20)
		return -EINVAL;
	kev = calloc((size_t)maxevents, sizeof(*kev));
	nsn = snap_items(epfd, &sn);
	if (kev == NULL || sn == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		uint64_t deadline = 0;
		int ctl, ms;

		pass = __atomic_add_fetch(&ep_pass, 1, __ATOMIC_RELAXED);
		n = 0;
		/* what is ready before sleeping: packets held, POLLOUT, pktiod gone */
		for (i = 0; i < nsn && n < maxevents; i++) {
			uint32_t rev = item_ready(&sn[i], false, &deadline, &ctl);

			pthread_mutex_lock(&ep_lock);
			n = item_emit(&sn[i], rev, ev, n, pass);
			pthread_mutex_unlock(&ep_lock);
		}
		ms = n > 0 ? 0 : wait_ms(end, deadline);
		k = sigmask != NULL ? libc_epoll_pwait(epfd, kev, maxevents - n, ms, sigmask) :
		    libc_epoll_wait(epfd, kev, maxevents - n, ms);
		if (k < 0) {
			rc = n > 0 ? n : -errno;
			goto out;
		}
		for (j = 0; j < k && n < maxevents; j++) {
			struct ep_item *it;
			bool is_ctl;

			it = item_of_tag(kev[j].data.u64, &is_ctl);
			if (it == NULL) {
				ev[n++] = kev[j];
				continue;
			}
			for (i = 0; i < nsn && sn[i].it != it; i++)
				;
			if (i == nsn)
				continue; /* registered after our snapshot: next call */
			{
				uint32_t rev = item_ready(&sn[i], is_ctl, &deadline, &ctl);

				pthread_mutex_lock(&ep_lock);
				n = item_emit(&sn[i], rev, ev, n, pass);
				pthread_mutex_unlock(&ep_lock);
			}
		}
		if (n > 0 || (end != 0 && preload_now_ns() >= end)) {
			rc = n;
			break;
		}
	}
out:
	for (i = 0; sn != NULL && i < nsn; i++)
		preload_file_put(sn[i].f);
	free(sn);
	free(kev);
	return rc;
}
