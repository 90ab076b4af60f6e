/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_MSG_H
#define PKTIO_MSG_H

/**
 * @file
 * Control protocol between clients and pktiod, over a SOCK_SEQPACKET unix socket.
 *
 * One message per datagram, each starting with struct pktio_msg_hdr. A client connects and
 * sends either ATTACH or QUERY:
 *
 *  - ATTACH -> ATTACH_REPLY. On success the reply carries three or four fds (SCM_RIGHTS,
 *    reply.nb_fds), in this order: the region memfd (sealed: it can neither shrink nor
 *    grow), the read end of the doorbell pipe, a write end of that pipe opened for the
 *    client alone, and, for zero-copy receive, the rx queue's buffer pool opened read-only
 *    (pktio_shm.h). pktiod
 *    rings through a write end of its own, a file description the client never holds, so
 *    nothing the client does to its descriptors (O_NONBLOCK, filling the pipe) can make
 *    pktiod block. The connection then stays open for the attachment's life; its closing
 *    (exit, crash, SIGKILL) is the detach.
 *  - QUERY -> QUERY_REPLY: counts, then the port and client arrays (public structs).
 *
 * pktiod sends BYE on a live attachment when it shuts down or detaches the client (with a
 * reason), then closes.
 */

#include <stdint.h>
#include "pktio.h"

#define PKTIO_MSG_VERSION 3
#define PKTIO_MSG_MAX     (64 * 1024)
#define PKTIO_MSG_NB_FDS  4 /**< fds of a successful ATTACH_REPLY, at most */

enum pktio_msg_type {
	PKTIO_MSG_ATTACH = 1,
	PKTIO_MSG_ATTACH_REPLY = 2,
	PKTIO_MSG_QUERY = 3,
	PKTIO_MSG_QUERY_REPLY = 4,
	PKTIO_MSG_BYE = 5,
};

struct pktio_msg_hdr {
	uint16_t version;  /**< PKTIO_MSG_VERSION */
	uint16_t type;     /**< pktio_msg_type */
	int32_t status;    /**< replies: 0 or -errno */
};

#define PKTIO_MSG_F_TXONLY 0x1u /**< the client receives nothing */
#define PKTIO_MSG_F_NOWAKE 0x2u /**< the client busy-polls: never ring its doorbell */
#define PKTIO_MSG_F_OUTGOING 0x4u /**< copies of what the port's other clients send */
#define PKTIO_MSG_F_COPY 0x8u /**< receive through copies even where zero-copy is offered */

struct pktio_msg_attach {
	struct pktio_msg_hdr hdr;
	char port[PKTIO_NAMESIZE];
	uint16_t queue;    /**< rx queue or PKTIO_QUEUE_ANY */
	uint16_t mode;     /**< PKTIO_F_EXCLUSIVE, _FANOUT or _MIRROR */
	uint32_t flags;    /**< PKTIO_MSG_F_* */
};

struct pktio_msg_attach_reply {
	struct pktio_msg_hdr hdr;
	uint32_t id;               /**< attachment id */
	uint32_t nb_fds;           /**< fds sent with it: 3, or 4 with an rx pool */
	uint64_t region_size;      /**< bytes to map from the memfd */
	char reason[96];           /**< why, when status != 0 */
};

struct pktio_msg_bye {
	struct pktio_msg_hdr hdr;
	char reason[96];
};

struct pktio_msg_query_reply {
	struct pktio_msg_hdr hdr;
	uint32_t nb_ports;
	uint32_t nb_clients;
	/* then nb_ports struct pktio_port_info, then nb_clients struct pktio_client_info */
};

_Static_assert(sizeof(struct pktio_msg_hdr) == 8, "msg hdr");
_Static_assert(sizeof(struct pktio_msg_attach) == 48, "attach msg");
_Static_assert(sizeof(struct pktio_msg_attach_reply) == 120, "attach reply");
_Static_assert(sizeof(struct pktio_msg_query_reply) == 16, "query reply");

#endif /* PKTIO_MSG_H */
