/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * libFuzzer target: the first message of a control connection (pktiod_msg_parse()) and the
 * escaping of client text for the log (pktiod_escape()), app/pktiod/msg.c linked alone.
 * Every input is a datagram as a client could send it; its first byte also picks the size
 * of the escape buffer. Each buffer is a heap block of exactly its size, so ASan sees any
 * byte written past it. Invariants checked:
 * - parse returns 0, -EPROTO or -EINVAL; on success the message is exactly a query or an
 *   attach, the port is NUL-terminated, mode <= PKTIO_F_MIRROR, the fields are the bytes
 *   sent (the flags this target knows of included); on failure the reason is a non-empty string inside its buffer;
 * - escape leaves an empty buffer alone, NUL-terminates inside the buffer, writes only
 *   printable ASCII with every '\\' starting a \xHH, decodes back to a prefix of the input
 *   (up to its first NUL), and cuts nothing when the buffer holds 4 bytes per input byte.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pktio_msg.h"
#include "pktiod.h"

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Check pktiod_escape() of @p inlen bytes at @p in into a buffer of @p outlen bytes. */
static void
check_escape(const char *in, size_t inlen, size_t outlen)
{
	size_t n = strnlen(in, inlen), i, o = 0;
	char *out = malloc(outlen ? outlen : 1);
	int hi, lo;

	CHECK(out != NULL);
	if (outlen == 0) {
		out[0] = 0x5a;
		CHECK(pktiod_escape(in, inlen, out, 0) == out);
		CHECK(out[0] == 0x5a);
		free(out);
		return;
	}
	CHECK(pktiod_escape(in, inlen, out, outlen) == out);
	CHECK(memchr(out, '\0', outlen) != NULL);
	for (i = 0; out[o] != '\0'; i++) {
		unsigned char c = out[o];

		CHECK(c >= 0x20 && c < 0x7f);
		CHECK(i < n);
		if (c != '\\') {
			CHECK((unsigned char)in[i] == c);
			o++;
			continue;
		}
		CHECK(out[o + 1] == 'x');
		hi = unhex(out[o + 2]);
		CHECK(hi >= 0); /* not the NUL: out[o + 3] is still inside the string */
		lo = unhex(out[o + 3]);
		CHECK(lo >= 0);
		CHECK((unsigned char)in[i] == (hi << 4 | lo));
		/* only what the log cannot show as it is gets escaped */
		CHECK(in[i] == '\\' || (unsigned char)in[i] < 0x20 || (unsigned char)in[i] >= 0x7f);
		o += 4;
	}
	if (outlen >= 4 * n + 1)
		CHECK(i == n); /* room for everything: nothing cut */
	free(out);
}

/* Check pktiod_msg_parse() of the datagram @p buf of @p len bytes (a heap block of @p len). */
static void
check_parse(const uint8_t *buf, size_t len, size_t rlen)
{
	struct pktio_msg_attach a;
	struct pktio_msg_hdr h;
	struct pktiod_msg m;
	char *reason = malloc(rlen);
	int rc;

	CHECK(reason != NULL);
	memset(reason, 0, rlen);
	rc = pktiod_msg_parse(buf, len, &m, reason, rlen);
	CHECK(rc == 0 || rc == -EPROTO || rc == -EINVAL);
	if (rc != 0) {
		CHECK(memchr(reason, '\0', rlen) != NULL);
		CHECK(rlen == 1 || reason[0] != '\0');
		free(reason);
		return;
	}
	free(reason);
	CHECK(len >= sizeof(h));
	memcpy(&h, buf, sizeof(h));
	CHECK(h.version == PKTIO_MSG_VERSION);
	CHECK(m.type == h.type);
	if (m.type == PKTIO_MSG_QUERY) {
		CHECK(len == sizeof(h));
		return;
	}
	CHECK(m.type == PKTIO_MSG_ATTACH);
	CHECK(len == sizeof(a));
	memcpy(&a, buf, sizeof(a));
	CHECK(memchr(m.port, '\0', sizeof(m.port)) != NULL);
	CHECK(strcmp(m.port, a.port) == 0);
	CHECK(m.mode <= PKTIO_F_MIRROR && m.mode == a.mode);
	CHECK(m.queue == a.queue);
	CHECK(m.txonly == ((a.flags & PKTIO_MSG_F_TXONLY) != 0));
	CHECK(m.nowake == ((a.flags & PKTIO_MSG_F_NOWAKE) != 0));
	/* pktiod logs the port name escaped: a name always fits whole in 4 x its size */
	check_escape(m.port, sizeof(m.port), 4 * sizeof(m.port) + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* reason buffers as pktiod has them (a reply's reason[96]), and a tiny one */
	check_parse(data, size, 96);
	check_parse(data, size, 1 + (size ? data[0] % 16 : 0));
	if (size == 0)
		return 0;
	/* the escape buffer's size from the first byte, the text from the rest */
	check_escape((const char *)data + 1, size - 1, data[0] % 80);
	check_escape((const char *)data + 1, size - 1, 4 * (size - 1) + 1);
	return 0;
}
