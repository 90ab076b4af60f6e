/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Generated frames: Ethernet / IPv4 / UDP, addresses from the benchmarking range
 * 198.18.0.0/15 (RFC 2544), built once. Buffers for the copying receive calls.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define FRAMES_NB 48            /* distinct frames (flows): a multiple of the IMIX period */
#define IMIX_PERIOD 12
#define ETH_HLEN 14
#define IP_HLEN 20
#define UDP_HLEN 8
#define UDP_SPORT_BASE 1024
#define UDP_DPORT 9             /* discard */

/* 7 x 64, 4 x 570, 1 x 1518, spread out. */
static const uint16_t imix[IMIX_PERIOD] = {
	64, 570, 64, 64, 570, 64, 1518, 64, 570, 64, 64, 570,
};

static const uint8_t src_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t dst_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static size_t
slot_size(unsigned int max_frame)
{
	size_t s = sizeof(struct pktio_hdr) + max_frame;

	return (s + BENCH_CACHE_LINE - 1) & ~(size_t)(BENCH_CACHE_LINE - 1);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* The Internet checksum of an IPv4 header. */
static uint16_t
ip_cksum(const uint8_t *h, unsigned int len)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* One frame of @p len bytes; @p flow varies the UDP source port and the IPv4 id. */
static void
frame_fill(uint8_t *f, unsigned int len, unsigned int flow, unsigned int seed)
{
	uint8_t *ip = f + ETH_HLEN, *udp = ip + IP_HLEN;
	unsigned int i;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;                           /* version 4, 20-byte header */
	ip[1] = 0;
	put16(ip + 2, len - ETH_HLEN);
	put16(ip + 4, flow);                    /* id */
	put16(ip + 6, 0);                       /* no fragment */
	ip[8] = 64;                             /* ttl */
	ip[9] = 17;                             /* UDP */
	put16(ip + 10, 0);
	put32(ip + 12, 0xc6120000u | ((seed + 1) & 0xffff)); /* 198.18.x.y */
	put32(ip + 16, 0xc6130001u);                          /* 198.19.0.1 */
	put16(ip + 10, ip_cksum(ip, IP_HLEN));
	put16(udp, UDP_SPORT_BASE + (seed * FRAMES_NB + flow) % 60000);
	put16(udp + 2, UDP_DPORT);
	put16(udp + 4, len - ETH_HLEN - IP_HLEN);
	put16(udp + 6, 0);                      /* no checksum */
	for (i = BENCH_PAYLOAD_OFF; i < len; i++)
		f[i] = (uint8_t)i;
}

static unsigned int
frame_len(const struct bench_opts *o, unsigned int i)
{
	return o->size == BENCH_SIZE_IMIX ? imix[i % IMIX_PERIOD] : o->size;
}

/*
 * Build FRAMES_NB frames for thread @p seed. The iovec array repeats the pool for one more
 * burst, so that a burst starting at any pos is contiguous; cum[] counts bytes along it.
 */
int
bench_frames_build(struct bench_frames *f, const struct bench_opts *o, unsigned int seed)
{
	unsigned int i, n = FRAMES_NB + BENCH_BURST_MAX, max = o->size ?: BENCH_IMIX_MAX;
	size_t slot = slot_size(max);

	f->nb = FRAMES_NB;
	f->pos = 0;
	f->buf = aligned_alloc(BENCH_CACHE_LINE, FRAMES_NB * slot);
	f->iov = calloc(n, sizeof(*f->iov));
	f->cum = calloc(n + 1, sizeof(*f->cum));
	if (f->buf == NULL || f->iov == NULL || f->cum == NULL)
		goto free_all;
	for (i = 0; i < FRAMES_NB; i++) {
		struct pktio_hdr *h = (void *)(f->buf + i * slot);
		unsigned int len = frame_len(o, i);

		pktio_hdr_set(h, len, 0);
		frame_fill((uint8_t *)(h + 1), len, i, seed);
	}
	for (i = 0; i < n; i++) {
		struct pktio_hdr *h = (void *)(f->buf + (i % FRAMES_NB) * slot);

		f->iov[i].iov_base = h;
		f->iov[i].iov_len = sizeof(*h) + h->pktlen;
		f->cum[i + 1] = f->cum[i] + h->pktlen;
	}
	return 0;

free_all:
	bench_frames_free(f);
	return -ENOMEM;
}

void
bench_frames_free(struct bench_frames *f)
{
	free(f->buf);
	free(f->iov);
	free(f->cum);
	f->buf = NULL;
	f->iov = NULL;
	f->cum = NULL;
}

/* Do the generated frames fit the port? Prints the error. @return 0 or -EMSGSIZE. */
int
bench_size_check(const struct bench_opts *o, struct pktio_port *p, const char *name)
{
	unsigned int max = pktio_port_max_frame(p), need = o->size ?: BENCH_IMIX_MAX;

	if (need <= max)
		return 0;
	if (o->size == BENCH_SIZE_IMIX)
		fprintf(stderr, PROG ": --size imix does not fit port %s (max frame %u)\n", name,
			max);
	else
		fprintf(stderr, PROG ": --size %u does not fit port %s (max frame %u)\n", o->size,
			name, max);
	return -EMSGSIZE;
}

/*
 * Buffers for the copying receive calls: readv gets a burst of them, read one, zc none.
 * Each is a struct pktio_hdr and room for @p max_frame bytes, a cache line apart.
 */
int
bench_rxbufs_alloc(const struct bench_opts *o, struct iovec *iov, unsigned int max_frame)
{
	unsigned int i, n = o->io == BENCH_IO_READV ? o->burst : o->io == BENCH_IO_READ ? 1 : 0;
	size_t slot = slot_size(max_frame);
	unsigned char *buf;

	if (n == 0)
		return 0;
	buf = aligned_alloc(BENCH_CACHE_LINE, n * slot);
	if (buf == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		iov[i].iov_base = buf + i * slot;
		iov[i].iov_len = slot;
	}
	return 0;
}

/* Free what bench_rxbufs_alloc() gave (iov[0] holds the block; NULL when none). */
void
bench_rxbufs_free(struct iovec *iov)
{
	free(iov[0].iov_base);
	iov[0].iov_base = NULL;
}
