/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * A pcapng writer for the one layout pktio-dump needs (libpcap 1.10 reads pcapng but does
 * not write it; DPDK's rte_pcapng wants mbufs and EAL): a section header block, one
 * interface description block (EN10MB, the snapshot length, the port's name, if_tsresol),
 * then an enhanced packet block per packet. Blocks are in host byte order, as the format
 * allows (the section's byte-order magic tells readers which).
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dump.h"

#define BT_SHB 0x0A0D0D0AU
#define BT_IDB 0x00000001U
#define BT_EPB 0x00000006U
#define BYTE_ORDER_MAGIC 0x1A2B3C4DU
#define OPT_ENDOFOPT 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define PAD4(n) (((n) + 3U) & ~3U)
#define OPT_MAX 256 /* longest option value written (names are cut there) */

/* A block under construction: header, body, options; the total length is set at the end. */
struct block {
	uint8_t b[64 + 3 * (4 + OPT_MAX)];
	size_t len;
};

static void
put(struct block *k, const void *v, size_t n)
{
	memcpy(k->b + k->len, v, n);
	k->len += n;
}

static void
put32(struct block *k, uint32_t v)
{
	put(k, &v, sizeof(v));
}

static void
put16(struct block *k, uint16_t v)
{
	put(k, &v, sizeof(v));
}

static void
put_opt(struct block *k, uint16_t code, const void *v, size_t n)
{
	static const uint8_t zero[4];

	if (n > OPT_MAX)
		n = OPT_MAX;
	put16(k, code);
	put16(k, (uint16_t)n);
	put(k, v, n);
	put(k, zero, PAD4(n) - n);
}

/* End the options, append the trailing length, patch the leading one, write. */
static size_t
block_write(FILE *f, struct block *k)
{
	uint32_t total;

	put16(k, OPT_ENDOFOPT);
	put16(k, 0);
	total = (uint32_t)k->len + 4;
	put32(k, total);
	memcpy(k->b + 4, &total, sizeof(total));
	return fwrite(k->b, 1, k->len, f) == k->len ? k->len : 0;
}

size_t
dump_pcapng_header(FILE *f, const char *port, unsigned int snaplen, bool nano)
{
	static const char appl[] = PROG " (pktio) " PKTIO_VERSION;
	uint8_t tsresol = nano ? 9 : 6; /* 10^-9 or 10^-6 s */
	struct block k = { .len = 0 };
	size_t n, m;

	put32(&k, BT_SHB);
	put32(&k, 0);
	put32(&k, BYTE_ORDER_MAGIC);
	put16(&k, 1); /* version 1.0 */
	put16(&k, 0);
	put32(&k, UINT32_MAX); /* section length: not given (-1) */
	put32(&k, UINT32_MAX);
	put_opt(&k, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	n = block_write(f, &k);
	if (n == 0)
		return 0;

	k.len = 0;
	put32(&k, BT_IDB);
	put32(&k, 0);
	put16(&k, DLT_EN10MB);
	put16(&k, 0); /* reserved */
	put32(&k, snaplen);
	put_opt(&k, OPT_IF_NAME, port, strlen(port));
	put_opt(&k, OPT_IF_TSRESOL, &tsresol, 1);
	m = block_write(f, &k);
	return m == 0 ? 0 : n + m;
}

size_t
dump_pcapng_packet(FILE *f, const struct dump_rec *r, bool nano)
{
	static const uint8_t zero[4];
	uint64_t ts = nano ? r->ns : r->ns / 1000;
	uint32_t pad = PAD4(r->caplen) - r->caplen;
	uint32_t total = 32 + r->caplen + pad; /* 28 bytes of header, data, trailing length */
	uint32_t h[7] = {
		BT_EPB, total, 0 /* interface */, (uint32_t)(ts >> 32), (uint32_t)ts,
		r->caplen, r->len,
	};

	if (fwrite(h, sizeof(h), 1, f) != 1 ||
	    (r->caplen != 0 && fwrite(r->data, r->caplen, 1, f) != 1) ||
	    (pad != 0 && fwrite(zero, pad, 1, f) != 1) ||
	    fwrite(&total, sizeof(total), 1, f) != 1)
		return 0;
	return total;
}
