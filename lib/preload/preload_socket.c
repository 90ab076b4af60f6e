/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * AF_PACKET sockets: creation, bind, names, options, ioctls. The data path is in
 * preload_io.c, the mmap ring in preload_ring.c.
 *
 * A socket starts as the real kernel packet socket when the process may open one (so that
 * binding it to a kernel interface, `pktio-run tcpdump -i lo`, works untouched), else as a
 * placeholder eventfd. Binding it to a port with a protocol opens a libpktio mirror handle
 * (PKTIO_F_OUTGOING for ETH_P_ALL, as the kernel shows an ETH_P_ALL socket what others
 * send) and dup3()s the handle's doorbell onto every descriptor of the socket. Sending goes
 * through that handle (so the sender does not see its own frames, as in the kernel), or
 * through a PKTIO_F_TXONLY handle of its own when the socket receives nothing.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "preload_libc.h"
#include "preload_private.h"

#define RCVBUF_DEFAULT 212992
#define RCVBUF_MIN 2304
#define SNDBUF_MIN 4608
#define FILTER_MAX 4096   /* BPF_MAXINSNS */

void
preload_sock_lock(struct preload_sock *s)
{
	pthread_mutex_lock(&s->f.lock);
	if (s->f.gen != preload_gen)
		preload_sock_refork(s);
}

void
preload_sock_unlock(struct preload_sock *s)
{
	pthread_mutex_unlock(&s->f.lock);
}

bool
preload_sock_kernel(struct preload_sock *s)
{
	return __atomic_load_n(&s->backed, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&s->port, __ATOMIC_ACQUIRE) < 0;
}

int
preload_sock_create(int domain, int type, int protocol)
{
	int base = type & 0xf, fd, rc;
	struct preload_sock *s;
	bool backed = true;

	if ((type & ~(0xf | SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0 || protocol < 0 ||
	    protocol > 0xffff)
		return -EINVAL;
	fd = libc_socket(domain, type, protocol);
	if (fd < 0) {
		if (errno != EPERM && errno != EACCES)
			return -errno;
		/* no CAP_NET_RAW: a placeholder holds the number */
		fd = eventfd(0, EFD_NONBLOCK | ((type & SOCK_CLOEXEC) ? EFD_CLOEXEC : 0));
		if (fd < 0)
			return -errno;
		backed = false;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		libc_close(fd);
		return -ENOMEM;
	}
	preload_file_init(&s->f, PRELOAD_SOCK, O_RDWR | ((type & SOCK_NONBLOCK) ? O_NONBLOCK : 0));
	s->type = base;
	s->proto = (uint16_t)protocol;
	s->port = -1;
	s->tx_port = -1;
	s->backed = backed;
	s->version = TPACKET_V1;
	s->rcvbuf = RCVBUF_DEFAULT;
	s->sndbuf = RCVBUF_DEFAULT;
	rc = preload_fd_install(fd, &s->f);
	preload_file_put(&s->f); /* the table's reference keeps it */
	if (rc < 0) {
		libc_close(fd);
		return rc;
	}
	return fd;
}

/* What a failed pktio_port_open() means for a packet socket. */
static int
open_error(int port, int err)
{
	struct pktio_port_info pi;

	switch (err) {
	case ENOENT:
		/* no socket, or no such port: ask which */
		return preload_port_info((unsigned int)port, &pi) == -ENODEV ? -ENODEV : -ENETDOWN;
	case ECONNREFUSED:
	case ECONNRESET:
	case ETIMEDOUT:
	case EPROTO:
		return -ENETDOWN;
	default:
		return -err;
	}
}

static void
tx_close(struct preload_sock *s)
{
	if (s->tx == NULL)
		return;
	PRELOAD_ENTER();
	if (s->f.gen != preload_gen)
		preload_handle_forget(s->tx);
	else
		pktio_port_close(s->tx);
	PRELOAD_LEAVE();
	s->tx = NULL;
	s->tx_port = -1;
}

/* Open the receiver for @p port and @p proto and put its doorbell under the fds. */
static int
rx_open(struct preload_sock *s, int port, uint16_t proto)
{
	unsigned int flags = PKTIO_F_MIRROR | PKTIO_F_NONBLOCK;
	struct pktio_port_info pi;
	struct pktio_port *p;
	int rc;

	if (proto == htons(ETH_P_ALL))
		flags |= PKTIO_F_OUTGOING;
	p = preload_port_open((unsigned int)port, flags);
	if (p == NULL && errno == EINVAL && (flags & PKTIO_F_OUTGOING))
		p = preload_port_open((unsigned int)port, flags & ~PKTIO_F_OUTGOING);
	if (p == NULL)
		return open_error(port, errno);
	rc = preload_file_retarget(&s->f, pktio_port_fd(p));
	if (rc < 0) {
		PRELOAD_ENTER();
		pktio_port_close(p);
		PRELOAD_LEAVE();
		return rc;
	}
	preload_rx_close(&s->rx, s->f.gen);
	tx_close(s);
	s->rx.p = p;
	__atomic_store_n(&s->backed, false, __ATOMIC_RELEASE);
	if (preload_port_info((unsigned int)port, &pi) == 0)
		memcpy(s->mac, pi.mac, sizeof(s->mac));
	return 0;
}

/* Stop receiving: close the handle and put a placeholder under the fds. */
static void
rx_stop(struct preload_sock *s)
{
	if (s->rx.p == NULL)
		return;
	preload_file_park(&s->f);
	preload_rx_close(&s->rx, s->f.gen);
}

int
preload_sock_refork(struct preload_sock *s)
{
	int rc = 0;

	/* The parent's handles: their memory is not ours (MADV_DONTFORK), forget them. */
	if (s->rx.p != NULL)
		preload_handle_forget(s->rx.p);
	s->rx.p = NULL;
	s->rx.nb = 0;
	s->rx.head = 0;
	if (s->tx != NULL)
		preload_handle_forget(s->tx);
	s->tx = NULL;
	s->tx_port = -1;
	s->f.gen = preload_gen;
	if (s->ring != NULL) {
		/* the ring's pages are shared with the parent, which fills them */
		s->dead = true;
		return -ENETDOWN;
	}
	if (s->port >= 0 && s->proto != 0 && !s->dead) {
		rc = rx_open(s, s->port, s->proto);
		if (rc < 0)
			s->dead = true;
	}
	preload_epoll_refresh(&s->f);
	return rc;
}

/* Bind to a kernel interface: the socket becomes (again) a real kernel socket. */
static int
bind_kernel(struct preload_sock *s, int fd, const struct sockaddr *sa, socklen_t len)
{
	int k, rc;

	if (!s->backed) {
		if (s->port < 0 && ((const struct sockaddr_ll *)sa)->sll_ifindex == 0)
			return 0; /* "every interface": there is nothing to receive */
		/* a socket on a port moving to a kernel interface needs a kernel socket */
		k = libc_socket(AF_PACKET, s->type | SOCK_CLOEXEC, s->proto);
		if (k < 0)
			return -errno;
		rc = libc_bind(k, sa, len);
		if (rc == 0)
			rc = preload_file_retarget(&s->f, k);
		else
			rc = -errno;
		libc_close(k);
		if (rc < 0)
			return rc;
		rx_stop(s);
		tx_close(s);
		s->port = -1;
		__atomic_store_n(&s->backed, true, __ATOMIC_RELEASE);
		preload_epoll_refresh(&s->f);
		return 0;
	}
	rc = libc_bind(fd, sa, len);
	return rc < 0 ? -errno : 0;
}

int
preload_sock_bind(struct preload_sock *s, int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_ll *sll = (const struct sockaddr_ll *)sa;
	uint16_t proto;
	int port, rc = 0;

	if (sa == NULL || len < sizeof(*sll) || sll->sll_family != AF_PACKET)
		return -EINVAL;
	preload_sock_lock(s);
	proto = sll->sll_protocol != 0 ? sll->sll_protocol : s->proto;
	port = preload_port_by_ifindex(sll->sll_ifindex);
	if (port < 0) {
		rc = bind_kernel(s, fd, sa, len);
		if (rc == 0)
			s->proto = proto;
		goto unlock;
	}
	if (proto != 0 && (s->rx.p == NULL || port != s->port || proto != s->proto || s->dead)) {
		rc = rx_open(s, port, proto);
		if (rc < 0)
			goto unlock;
		s->dead = false;
		preload_epoll_refresh(&s->f);
	} else if (proto == 0 && s->rx.p != NULL) {
		rx_stop(s);
		preload_epoll_refresh(&s->f);
	}
	if (port != s->port) {
		struct pktio_port_info pi;

		memset(s->mac, 0, sizeof(s->mac));
		if (preload_port_info((unsigned int)port, &pi) == 0)
			memcpy(s->mac, pi.mac, sizeof(s->mac));
	}
	s->proto = proto;
	__atomic_store_n(&s->port, port, __ATOMIC_RELEASE);
unlock:
	preload_sock_unlock(s);
	return rc;
}

int
preload_sock_getname(struct preload_sock *s, struct sockaddr *sa, socklen_t *len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	socklen_t n;

	if (len == NULL || (int)*len < 0)
		return -EINVAL;
	preload_sock_lock(s);
	sll.sll_protocol = s->proto;
	if (s->port >= 0) {
		/* a port whose pktiod went away is a vanished interface: index -1 */
		sll.sll_ifindex = s->dead ? -1 : preload_port((unsigned int)s->port)->ifindex;
		sll.sll_hatype = ARPHRD_ETHER;
		sll.sll_halen = 6;
		memcpy(sll.sll_addr, s->mac, 6);
	}
	preload_sock_unlock(s);
	n = offsetof(struct sockaddr_ll, sll_addr) + sll.sll_halen;
	if (sa != NULL)
		memcpy(sa, &sll, *len < n ? *len : n);
	*len = n;
	return 0;
}

/* ---- options ---- */

static int
opt_int(const void *val, socklen_t len, int *out)
{
	if (val == NULL || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int
filter_attach(struct preload_sock *s, const void *val, socklen_t len)
{
	struct sock_fprog prog;
	struct sock_filter *insns;
	int rc;

	if (val == NULL || len < sizeof(prog))
		return -EINVAL;
	memcpy(&prog, val, sizeof(prog));
	if (prog.len == 0 || prog.len > FILTER_MAX || prog.filter == NULL)
		return -EINVAL;
	if (s->filter_locked)
		return -EPERM;
	insns = malloc(prog.len * sizeof(*insns));
	if (insns == NULL)
		return -ENOMEM;
	memcpy(insns, prog.filter, prog.len * sizeof(*insns));
	rc = preload_bpf_check(insns, prog.len);
	if (rc < 0) {
		free(insns);
		return rc;
	}
	free(s->filter);
	s->filter = insns;
	s->filter_len = prog.len;
	return 0;
}

static int
setopt_packet(struct preload_sock *s, int name, const void *val, socklen_t len)
{
	int v = 0, rc;

	switch (name) {
	case PACKET_ADD_MEMBERSHIP:
	case PACKET_DROP_MEMBERSHIP:
		/* a mirror sees every frame already: promiscuous and multicast are moot */
		return val == NULL || len < sizeof(struct packet_mreq) ? -EINVAL : 0;
	case PACKET_RX_RING:
		return preload_ring_setup(s, val, len);
	case PACKET_TX_RING:
	case PACKET_FANOUT:
	case PACKET_FANOUT_DATA:
	case PACKET_VNET_HDR:
		return -ENOPROTOOPT;
	}
	rc = opt_int(val, len, &v);
	if (rc < 0)
		return rc;
	switch (name) {
	case PACKET_AUXDATA:
		s->auxdata = v != 0;
		return 0;
	case PACKET_ORIGDEV:
		s->origdev = v != 0;
		return 0;
	case PACKET_IGNORE_OUTGOING:
		s->ignore_outgoing = v != 0;
		return 0;
	case PACKET_VERSION:
		if (s->ring != NULL)
			return -EBUSY;
		if (v != TPACKET_V1 && v != TPACKET_V2 && v != TPACKET_V3)
			return -EINVAL;
		s->version = v;
		return 0;
	case PACKET_RESERVE:
		if (s->ring != NULL)
			return -EBUSY;
		if (v < 0 || v > 0x7fffffff / 2)
			return -EINVAL;
		s->reserve = (unsigned int)v;
		return 0;
	case PACKET_TIMESTAMP:
	case PACKET_LOSS:
	case PACKET_COPY_THRESH:
	case PACKET_QDISC_BYPASS:
		return 0; /* software stamps, no tx ring, no qdisc: nothing to change */
	default:
		return -ENOPROTOOPT;
	}
}

static int
setopt_timeout(struct timeval *dst, const void *val, socklen_t len)
{
	struct timeval tv;

	if (val == NULL || len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0)
		tv = (struct timeval){ 0, 0 };
	*dst = tv;
	return 0;
}

static int
setopt_socket(struct preload_sock *s, int name, const void *val, socklen_t len)
{
	int v = 0, rc;

	switch (name) {
	case SO_ATTACH_FILTER:
		return filter_attach(s, val, len);
	case SO_DETACH_FILTER:
		if (s->filter_locked)
			return -EPERM;
		if (s->filter == NULL)
			return -ENOENT;
		free(s->filter);
		s->filter = NULL;
		s->filter_len = 0;
		return 0;
	case SO_ATTACH_BPF:
	case SO_ATTACH_REUSEPORT_CBPF:
	case SO_ATTACH_REUSEPORT_EBPF:
		return -EOPNOTSUPP;
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		return setopt_timeout(&s->rcvtimeo, val, len);
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		return setopt_timeout(&s->sndtimeo, val, len);
	case SO_BINDTODEVICE:
		return 0;
	}
	rc = opt_int(val, len, &v);
	if (rc < 0)
		return rc;
	switch (name) {
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		s->rcvbuf = v < RCVBUF_MIN / 2 ? RCVBUF_MIN : v > 0x3fffffff ? 0x7fffffff : v * 2;
		return 0;
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		s->sndbuf = v < SNDBUF_MIN / 2 ? SNDBUF_MIN : v > 0x3fffffff ? 0x7fffffff : v * 2;
		return 0;
	case SO_TIMESTAMP_OLD:
	case SO_TIMESTAMP_NEW:
		s->ts_us = v != 0;
		if (v)
			s->ts_ns = false;
		return 0;
	case SO_TIMESTAMPNS_OLD:
	case SO_TIMESTAMPNS_NEW:
		s->ts_ns = v != 0;
		if (v)
			s->ts_us = false;
		return 0;
	case SO_LOCK_FILTER:
		if (s->filter_locked && !v)
			return -EPERM;
		s->filter_locked = v != 0;
		return 0;
	case SO_PRIORITY:
		s->prio = v;
		return 0;
	case SO_MARK:
		s->mark = v;
		return 0;
	case SO_BROADCAST:
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_KEEPALIVE:
	case SO_DONTROUTE:
	case SO_TIMESTAMPING_OLD:
	case SO_TIMESTAMPING_NEW:
	case SO_BUSY_POLL:
	case SO_RCVLOWAT:
	case SO_PASSCRED:
	case SO_ZEROCOPY:
	case SO_INCOMING_CPU:
	case SO_NO_CHECK:
	case SO_SELECT_ERR_QUEUE:
	case SO_RXQ_OVFL:
	case SO_WIFI_STATUS:
	case SO_PREFER_BUSY_POLL:
	case SO_BUSY_POLL_BUDGET:
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/* An option about a port (scapy sets promiscuous mode before it binds): the kernel socket
 * still under the fd knows no such interface, so it is ours alone. */
static bool
opt_names_port(int level, int name, const void *val, socklen_t len)
{
	char dev[IF_NAMESIZE] = "";

	if (val == NULL)
		return false;
	if (level == SOL_PACKET && (name == PACKET_ADD_MEMBERSHIP ||
				    name == PACKET_DROP_MEMBERSHIP) &&
	    len >= sizeof(struct packet_mreq))
		return preload_port_by_ifindex(((const struct packet_mreq *)val)->mr_ifindex) >= 0;
	if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
		memcpy(dev, val, len < sizeof(dev) - 1 ? len : sizeof(dev) - 1);
		return preload_port_by_name(dev) >= 0;
	}
	return false;
}

int
preload_sock_setopt(struct preload_sock *s, int fd, int level, int name, const void *val,
		    socklen_t len)
{
	int rc;

	preload_sock_lock(s);
	if (preload_sock_kernel(s) && !opt_names_port(level, name, val, len)) {
		/* the kernel socket still answers: it has the last word, and its own ring */
		rc = libc_setsockopt(fd, level, name, val, len) < 0 ? -errno : 0;
		if (rc < 0 || (level == SOL_PACKET && (name == PACKET_RX_RING ||
						       name == PACKET_TX_RING)))
			goto unlock;
	}
	if (level == SOL_PACKET)
		rc = setopt_packet(s, name, val, len);
	else if (level == SOL_SOCKET)
		rc = setopt_socket(s, name, val, len);
	else
		rc = -ENOPROTOOPT;
	if (preload_sock_kernel(s))
		rc = 0; /* what the kernel took, we keep as far as we understand it */
unlock:
	preload_sock_unlock(s);
	return rc;
}

static int
getopt_copy(void *val, socklen_t *len, const void *src, size_t n)
{
	if (len == NULL || (int)*len < 0)
		return -EINVAL;
	if (*len < n)
		n = *len;
	if (val != NULL)
		memcpy(val, src, n);
	*len = (socklen_t)n;
	return 0;
}

static int
getopt_int(void *val, socklen_t *len, int v)
{
	return getopt_copy(val, len, &v, sizeof(v));
}

/* PACKET_STATISTICS: since the last read, which resets them. */
static int
getopt_stats(struct preload_sock *s, void *val, socklen_t *len)
{
	struct tpacket_stats_v3 st = { 0 };
	struct pktio_stats ps;

	if (s->rx.p != NULL) {
		PRELOAD_ENTER();
		if (pktio_stats_get(s->rx.p, &ps) == 0) {
			/* frames pktiod could not hand over: the program was too slow */
			s->st_drops += ps.rx_no_slot - s->no_slot_seen;
			s->no_slot_seen = ps.rx_no_slot;
		}
		PRELOAD_LEAVE();
	}
	st.tp_packets = (unsigned int)(s->st_packets + s->st_drops);
	st.tp_drops = (unsigned int)s->st_drops;
	s->st_packets = 0;
	s->st_drops = 0;
	return getopt_copy(val, len, &st, s->version == TPACKET_V3 ? sizeof(st) :
			   sizeof(struct tpacket_stats));
}

static int
getopt_packet(struct preload_sock *s, int name, void *val, socklen_t *len)
{
	int v;

	switch (name) {
	case PACKET_STATISTICS:
		return getopt_stats(s, val, len);
	case PACKET_HDRLEN:
		if (val == NULL || len == NULL || *len < sizeof(int))
			return -EINVAL;
		memcpy(&v, val, sizeof(v));
		switch (v) {
		case TPACKET_V1:
			return getopt_int(val, len, sizeof(struct tpacket_hdr));
		case TPACKET_V2:
			return getopt_int(val, len, sizeof(struct tpacket2_hdr));
		case TPACKET_V3:
			return getopt_int(val, len, sizeof(struct tpacket3_hdr));
		default:
			return -EINVAL;
		}
	case PACKET_VERSION:
		return getopt_int(val, len, s->version);
	case PACKET_RESERVE:
		return getopt_int(val, len, (int)s->reserve);
	case PACKET_AUXDATA:
		return getopt_int(val, len, s->auxdata);
	case PACKET_ORIGDEV:
		return getopt_int(val, len, s->origdev);
	case PACKET_IGNORE_OUTGOING:
		return getopt_int(val, len, s->ignore_outgoing);
	case PACKET_LOSS:
	case PACKET_TIMESTAMP:
	case PACKET_VNET_HDR:
	case PACKET_QDISC_BYPASS:
	case PACKET_FANOUT:
		return getopt_int(val, len, 0);
	default:
		return -ENOPROTOOPT;
	}
}

static int
getopt_socket(struct preload_sock *s, int name, void *val, socklen_t *len)
{
	switch (name) {
	case SO_ERROR:
		/* a vanished interface: reported for as long as it stays gone */
		return getopt_int(val, len, s->dead ? ENETDOWN : 0);
	case SO_TYPE:
		return getopt_int(val, len, s->type);
	case SO_DOMAIN:
		return getopt_int(val, len, AF_PACKET);
	case SO_PROTOCOL:
		return getopt_int(val, len, s->proto);
	case SO_RCVBUF:
		return getopt_int(val, len, s->rcvbuf);
	case SO_SNDBUF:
		return getopt_int(val, len, s->sndbuf);
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		return getopt_copy(val, len, &s->rcvtimeo, sizeof(s->rcvtimeo));
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		return getopt_copy(val, len, &s->sndtimeo, sizeof(s->sndtimeo));
	case SO_TIMESTAMP_OLD:
	case SO_TIMESTAMP_NEW:
		return getopt_int(val, len, s->ts_us);
	case SO_TIMESTAMPNS_OLD:
	case SO_TIMESTAMPNS_NEW:
		return getopt_int(val, len, s->ts_ns);
	case SO_LOCK_FILTER:
		return getopt_int(val, len, s->filter_locked);
	case SO_PRIORITY:
		return getopt_int(val, len, s->prio);
	case SO_MARK:
		return getopt_int(val, len, s->mark);
	case SO_GET_FILTER:
		if (len == NULL)
			return -EINVAL;
		if (*len == 0) {
			*len = s->filter_len;
			return 0;
		}
		if (*len < s->filter_len)
			return -EINVAL;
		return getopt_copy(val, len, s->filter, s->filter_len * sizeof(*s->filter));
	case SO_BPF_EXTENSIONS:
		/* VLAN tags stay in the frame: libpcap then filters them inline */
		return -ENOPROTOOPT;
	case SO_ACCEPTCONN:
	case SO_BROADCAST:
	case SO_REUSEADDR:
	case SO_KEEPALIVE:
	case SO_DONTROUTE:
	case SO_BUSY_POLL:
		return getopt_int(val, len, 0);
	case SO_RCVLOWAT:
		return getopt_int(val, len, 1);
	default:
		return -ENOPROTOOPT;
	}
}

int
preload_sock_getopt(struct preload_sock *s, int fd, int level, int name, void *val,
		    socklen_t *len)
{
	int rc;

	preload_sock_lock(s);
	if (preload_sock_kernel(s)) {
		rc = libc_getsockopt(fd, level, name, val, len) < 0 ? -errno : 0;
		goto unlock;
	}
	if (level == SOL_PACKET)
		rc = getopt_packet(s, name, val, len);
	else if (level == SOL_SOCKET)
		rc = getopt_socket(s, name, val, len);
	else
		rc = -ENOPROTOOPT;
unlock:
	preload_sock_unlock(s);
	return rc;
}

/* ---- ioctl ---- */

int
preload_sock_ioctl(struct preload_sock *s, unsigned long req, void *arg)
{
	int rc = 0, fl;

	preload_sock_lock(s);
	switch (req) {
	case FIONBIO:
		if (arg == NULL) {
			rc = -EFAULT;
			break;
		}
		fl = s->f.status;
		fl = *(int *)arg ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
		__atomic_store_n(&s->f.status, fl, __ATOMIC_RELAXED);
		break;
	case FIONREAD: { /* SIOCINQ: the next packet's length */
		int n = 0;

		if (s->ring == NULL && preload_sock_pump(s) > 0)
			n = (int)s->rx.snap[s->rx.head];
		if (arg != NULL)
			memcpy(arg, &n, sizeof(n));
		break;
	}
	case TIOCOUTQ: { /* SIOCOUTQ */
		int n = 0;

		if (arg != NULL)
			memcpy(arg, &n, sizeof(n));
		break;
	}
	case SIOCGSTAMP_OLD:
	case SIOCGSTAMP_NEW:
	case SIOCGSTAMPNS_OLD:
	case SIOCGSTAMPNS_NEW: {
		struct timespec ts = {
			.tv_sec = (time_t)(s->last_ns / 1000000000u),
			.tv_nsec = (long)(s->last_ns % 1000000000u),
		};

		if (s->last_ns == 0) {
			rc = -ENOENT;
		} else if (req == SIOCGSTAMP_OLD || req == SIOCGSTAMP_NEW) {
			struct timeval tv = { ts.tv_sec, ts.tv_nsec / 1000 };

			memcpy(arg, &tv, sizeof(tv));
		} else {
			memcpy(arg, &ts, sizeof(ts));
		}
		break;
	}
	default:
		rc = -ENOTTY;
	}
	preload_sock_unlock(s);
	return rc;
}

void
preload_sock_destroy(struct preload_sock *s)
{
	preload_rx_close(&s->rx, s->f.gen);
	tx_close(s);
	if (s->ring != NULL)
		preload_ring_destroy(s->ring);
	free(s->filter);
	pthread_mutex_destroy(&s->f.lock);
	free(s);
}
