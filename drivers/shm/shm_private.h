/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef SHM_PRIVATE_H
#define SHM_PRIVATE_H

#include <stdint.h>

/** What a successful attach handshake hands over. */
struct shm_attach {
	int sock;              /**< control connection, kept open while attached */
	int memfd;             /**< the region */
	int bell;              /**< doorbell pipe, read end: what the user polls */
	int bell_wr;           /**< a write end of that pipe, the client's own */
	int pool;              /**< zero-copy receive: the rx queue's pool, read-only; or -1 */
	uint32_t id;
	uint64_t region_size;
};

/**
 * Attach to @p port of the pktiod at @p sock. On success every fd of @p a is open and
 * the caller owns it; on failure none is left open.
 * @return 0, or -errno (-ETIMEDOUT when pktiod does not answer in time).
 */
int shm_ctl_attach(const char *sock, const char *port, unsigned int queue, unsigned int flags,
		   struct shm_attach *a);

/** Read (and log) the BYE that pktiod sends before closing an attachment. */
void shm_ctl_bye(int sock);

#endif /* SHM_PRIVATE_H */
