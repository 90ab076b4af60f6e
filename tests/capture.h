/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_TEST_CAPTURE_H
#define PKTIO_TEST_CAPTURE_H

/* Packets of pcap files in memory, for the tests that compare what went in and came out. */

#include <stdint.h>
#include <pcap/pcap.h>

struct pkt {
	uint32_t len;
	uint8_t *data;
};

struct capture {
	struct pkt *p;
	unsigned int n, cap;
	unsigned int files, unreadable; /* cap_load_shared(): files read, and not */
};

/** Append a copy of @p len bytes at @p data. */
void cap_add(struct capture *c, const uint8_t *data, uint32_t len);

void cap_free(struct capture *c);

/**
 * Append every packet of the file @p path (also to @p out, if not NULL).
 * @return 0, or -1 when libpcap cannot read it or it is not Ethernet.
 */
int cap_read(struct capture *c, const char *path, pcap_dumper_t *out);

/** Write @p c to a new file @p path. */
void cap_write(const struct capture *c, const char *path);

/**
 * Every capture in $PKTIO_PCAPS (../shared/pcaps), in name order, into @p c and into one
 * file @p merged. Exits with TEST_SKIP and the reason when there are none.
 */
void cap_load_shared(struct capture *c, const char *merged);

#endif /* PKTIO_TEST_CAPTURE_H */
