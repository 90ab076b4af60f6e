/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The first message of a control connection, checked before anything acts on it, and the
 * escaping of client-chosen text before it reaches the log. No EAL, no state: the fuzz
 * target links this file alone.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pktio_msg.h"
#include "pktiod.h"

#define ATTACH_FLAGS (PKTIO_MSG_F_TXONLY | PKTIO_MSG_F_NOWAKE | PKTIO_MSG_F_OUTGOING | \
		      PKTIO_MSG_F_COPY)

int
pktiod_msg_parse(const void *buf, size_t len, struct pktiod_msg *m, char *reason, size_t rlen)
{
	struct pktio_msg_attach a;
	struct pktio_msg_hdr h;

	memset(m, 0, sizeof(*m));
	if (len >= sizeof(h))
		memcpy(&h, buf, sizeof(h));
	if (len == sizeof(h) && h.version == PKTIO_MSG_VERSION && h.type == PKTIO_MSG_QUERY) {
		m->type = PKTIO_MSG_QUERY;
		return 0;
	}
	if (len != sizeof(a) || h.version != PKTIO_MSG_VERSION || h.type != PKTIO_MSG_ATTACH) {
		snprintf(reason, rlen, "unknown message (%zu bytes, version %u type %u)", len,
			 len >= sizeof(h) ? h.version : 0, len >= sizeof(h) ? h.type : 0);
		return -EPROTO;
	}
	memcpy(&a, buf, sizeof(a));
	if (memchr(a.port, '\0', sizeof(a.port)) == NULL || (a.flags & ~ATTACH_FLAGS) != 0 ||
	    a.mode > PKTIO_F_MIRROR) {
		snprintf(reason, rlen, "malformed attach request");
		return -EINVAL;
	}
	m->type = PKTIO_MSG_ATTACH;
	memcpy(m->port, a.port, sizeof(m->port));
	m->queue = a.queue;
	m->mode = a.mode;
	m->txonly = (a.flags & PKTIO_MSG_F_TXONLY) != 0;
	m->nowake = (a.flags & PKTIO_MSG_F_NOWAKE) != 0;
	m->outgoing = (a.flags & PKTIO_MSG_F_OUTGOING) != 0;
	m->copy = (a.flags & PKTIO_MSG_F_COPY) != 0;
	return 0;
}

const char *
pktiod_escape(const char *in, size_t inlen, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (outlen == 0)
		return out;
	for (i = 0; i < inlen && in[i] != '\0'; i++) {
		unsigned char c = in[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= outlen)
				break;
			out[o++] = c;
		} else {
			if (o + 4 >= outlen)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
	return out;
}
