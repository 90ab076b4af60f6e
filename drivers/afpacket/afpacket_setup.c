/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* Setup of an afpacket handle: socket, rx ring (TPACKET_V3, or V2 for PKTIO_F_IMMEDIATE),
 * binding, fanout, tx buffers. */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "afpacket_private.h"

static int
sol_packet_int(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_PACKET, opt, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* Discard the error the kernel may have left on the socket. @return it (positive), or 0. */
static int
sock_err_take(int fd)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return 0;
	return err;
}

/* max_frame from the MTU, and whether the link is up. */
static int
link_info(struct pktio_port *p, struct afp_port *s, int fd)
{
	struct ifreq ifr;
	unsigned int frame;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, s->name);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return errno == ENODEV ? -ENOENT : -errno;
	frame = (unsigned int)ifr.ifr_mtu + ETH_HLEN + AFP_VLAN_HLEN;
	p->max_frame = frame < AFP_MAX_FRAME ? frame : AFP_MAX_FRAME;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return errno == ENODEV ? -ENOENT : -errno;
	s->down = !(ifr.ifr_flags & IFF_UP);
	return 0;
}

/* A TPACKET_V2 frame: header, address, room for the tag, the largest frame; a power of two
 * (so that it divides a block). The kernel puts the MAC header at
 * TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + reserve - 14 and cuts what does not fit. */
static uint32_t
v2_frame_size(unsigned int max_frame)
{
	uint32_t need = TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + AFP_VLAN_HLEN + max_frame;
	uint32_t size = 2048;

	while (size < need)
		size <<= 1;
	return size;
}

/* The ring's version and geometry, asked of the kernel. */
static int
rx_ring_req(struct afp_port *s, int fd, bool immediate, unsigned int max_frame)
{
	struct tpacket_req3 req = {
		.tp_block_size = AFP_BLOCK_SIZE,
		.tp_block_nr = AFP_NB_BLOCKS,
		.tp_frame_size = AFP_FRAME_SIZE,
		.tp_frame_nr = AFP_BLOCK_SIZE / AFP_FRAME_SIZE * AFP_NB_BLOCKS,
		.tp_retire_blk_tov = AFP_RETIRE_MS,
		.tp_feature_req_word = TP_FT_REQ_FILL_RXHASH,
	};
	int rc;

	if (immediate) {
		s->frame_size = v2_frame_size(max_frame);
		s->nb_frames = (uint32_t)(AFP_RING_SIZE / s->frame_size);
		s->out = calloc(s->nb_frames, sizeof(s->out[0]));
		if (s->out == NULL)
			return -ENOMEM;
		req.tp_frame_size = s->frame_size;
		req.tp_frame_nr = s->nb_frames;
	}
	rc = sol_packet_int(fd, PACKET_VERSION, immediate ? TPACKET_V2 : TPACKET_V3);
	if (rc == 0)
		rc = sol_packet_int(fd, PACKET_RESERVE, AFP_VLAN_HLEN);
	/* a V2 ring is asked with the first four fields: a struct tpacket_req */
	if (rc == 0 && setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req,
				  immediate ? sizeof(struct tpacket_req) : sizeof(req)) < 0)
		rc = -errno;
	return rc; /* closing the socket frees a ring the kernel made */
}

/*
 * The receive ring. PACKET_RESERVE leaves room in front of each frame for the VLAN tag
 * that the kernel takes out on receive and rx_burst puts back.
 */
static int
rx_ring_map(struct afp_port *s, int fd, bool immediate, unsigned int max_frame)
{
	void *ring;
	int rc;

	rc = rx_ring_req(s, fd, immediate, max_frame);
	if (rc < 0)
		return rc;
	/* Our own sends are not received (Linux >= 4.20); older kernels: rx_burst skips them. */
	s->skip_out = sol_packet_int(fd, PACKET_IGNORE_OUTGOING, 1) < 0;
	ring = mmap(NULL, AFP_RING_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED)
		return -errno;
	(void)madvise(ring, AFP_RING_SIZE, MADV_DONTFORK); /* see fork in pktio.h */
	s->ring = ring;
	return 0;
}

/*
 * Bind to the interface. The socket was made with protocol 0, which receives nothing, so no
 * frame of another interface lands in the ring before this. A transmit-only socket stays at
 * protocol 0. Fanout members share the group numbered after the interface.
 */
static int
sock_bind(struct afp_port *s, int fd, unsigned int flags)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = flags & PKTIO_F_TXONLY ? 0 : htons(ETH_P_ALL),
		.sll_ifindex = s->ifindex,
	};
	int rc;

	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return errno == ENODEV ? -ENOENT : -errno;
	(void)sock_err_take(fd); /* ENETDOWN when the link is down: it may come up later */
	if ((flags & (PKTIO_F_MODE_MASK | PKTIO_F_TXONLY)) == PKTIO_F_FANOUT) {
		rc = sol_packet_int(fd, PACKET_FANOUT,
				    (s->ifindex & 0xffff) | PACKET_FANOUT_HASH << 16);
		if (rc < 0)
			return rc == -EINVAL && s->down ? -ENETDOWN : rc;
	}
	/* Past the qdisc: shorter path, and a full device queue pushes back (ENOBUFS) at once.
	 * Not supported before Linux 3.14: the qdisc path works as well. */
	(void)sol_packet_int(fd, PACKET_QDISC_BYPASS, 1);
	return 0;
}

static int
tx_pool_alloc(struct pktio_port *p, struct afp_port *s)
{
	uint32_t i;

	s->buf_size = (p->max_frame + 63u) & ~63u;
	s->bufs = aligned_alloc(64, (size_t)s->buf_size * AFP_NB_TX);
	if (s->bufs == NULL)
		return -ENOMEM;
	for (i = 0; i < AFP_NB_TX; i++)
		s->free[i] = AFP_NB_TX - 1 - i;
	s->nb_free = AFP_NB_TX;
	for (i = 0; i < AFP_TX_BATCH; i++) {
		s->msg[i].msg_hdr.msg_iov = &s->iov[i];
		s->msg[i].msg_hdr.msg_iovlen = 1; /* no msg_name: to the bound interface */
	}
	return 0;
}

int
afp_setup(struct pktio_port *p, const char *name, unsigned int queue, unsigned int flags)
{
	struct afp_port *s;
	int fd, rc;

	if (queue != 0 && queue != PKTIO_QUEUE_ANY)
		return -EINVAL;
	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	strcpy(s->name, name);
	s->ifindex = (int)if_nametoindex(name);
	if (s->ifindex == 0) {
		rc = -ENOENT;
		goto free_state;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		goto free_state;
	}
	rc = link_info(p, s, fd);
	if (rc == 0 && !(flags & PKTIO_F_TXONLY))
		rc = rx_ring_map(s, fd, flags & PKTIO_F_IMMEDIATE, p->max_frame);
	if (rc < 0)
		goto close_sock;
	rc = sock_bind(s, fd, flags);
	if (rc == 0)
		rc = tx_pool_alloc(p, s);
	if (rc < 0)
		goto unmap_ring;
	p->fd = fd;
	p->ctl_fd = -1;
	p->port_index = (uint16_t)s->ifindex;
	p->priv = s;
	return 0;

unmap_ring:
	if (s->ring != NULL)
		munmap(s->ring, AFP_RING_SIZE);
close_sock:
	close(fd);
free_state:
	free(s->out);
	free(s);
	return rc;
}

void
afp_teardown(struct pktio_port *p)
{
	struct afp_port *s = afp(p);

	free(s->bufs);
	free(s->out);
	if (s->ring != NULL)
		munmap(s->ring, AFP_RING_SIZE);
	close(p->fd);
	free(s);
}

/* Is the interface still there (same index), and up? */
static void
link_state(struct pktio_port *p, struct afp_port *s)
{
	struct sockaddr_ll sll;
	socklen_t len = sizeof(sll);
	struct ifreq ifr;

	/* The kernel unbinds (ifindex -1) the sockets of an interface it unregisters. */
	if (getsockname(p->fd, (struct sockaddr *)&sll, &len) == 0 &&
	    sll.sll_ifindex != s->ifindex) {
		s->dead = true;
		return;
	}
	/* It is unlisted (by name) before the sockets are unbound: the name tells first. */
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, s->name);
	if (ioctl(p->fd, SIOCGIFINDEX, &ifr) < 0 || ifr.ifr_ifindex != s->ifindex) {
		s->dead = true;
		return;
	}
	if (ioctl(p->fd, SIOCGIFFLAGS, &ifr) == 0)
		s->down = !(ifr.ifr_flags & IFF_UP);
}

int
afp_link_check(struct pktio_port *p)
{
	struct afp_port *s = afp(p);

	/* ENETDOWN is all the kernel says, for a link going down and for one deleted. */
	if (sock_err_take(p->fd) != 0 || s->down)
		link_state(p, s);
	return s->dead ? -ECONNRESET : 0;
}
