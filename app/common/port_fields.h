/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_PORT_FIELDS_H
#define PKTIO_PORT_FIELDS_H

/*
 * The numbers of struct pktio_port_info by name, in the order the reports list them:
 * pktioctl's JSON and pktiod's telemetry both walk this one table, so a counter added to
 * the struct is added here once.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pktio.h"

struct port_field {
	const char *name;
	uint16_t off;
	uint8_t size;
	bool flag;               /* 0 or 1: JSON says false or true */
};

#define PORT_FIELD(f, flag) \
	{ #f, offsetof(struct pktio_port_info, f), sizeof(((struct pktio_port_info *)0)->f), flag }

static const struct port_field port_fields[] = {
	PORT_FIELD(index, false), PORT_FIELD(nb_rxq, false), PORT_FIELD(nb_txq, false),
	PORT_FIELD(nb_clients, false), PORT_FIELD(max_frame, false), PORT_FIELD(ring_size, false),
	PORT_FIELD(rx_packets, false), PORT_FIELD(rx_bytes, false), PORT_FIELD(tx_packets, false),
	PORT_FIELD(tx_bytes, false), PORT_FIELD(rx_missed, false), PORT_FIELD(rx_errors, false),
	PORT_FIELD(tx_errors, false), PORT_FIELD(rx_no_client, false),
	PORT_FIELD(rx_oversize, false), PORT_FIELD(tx_full, false), PORT_FIELD(tx_nombuf, false),
	PORT_FIELD(tx_invalid, false), PORT_FIELD(mbuf_in_use, false),
	PORT_FIELD(detach_closed, false), PORT_FIELD(detach_violation, false),
	PORT_FIELD(detach_protocol, false), PORT_FIELD(rx_zerocopy, true),
	PORT_FIELD(tx_zerocopy, true), PORT_FIELD(worker_rx_packets, false),
	PORT_FIELD(worker_rx_cycles, false), PORT_FIELD(worker_tx_packets, false),
	PORT_FIELD(worker_tx_cycles, false), PORT_FIELD(tsc_hz, false),
};

/** The value of field @p f of @p pi, whatever its width. */
static inline uint64_t
port_field_get(const struct pktio_port_info *pi, const struct port_field *f)
{
	const char *p = (const char *)pi + f->off;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	switch (f->size) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		memcpy(&v16, p, sizeof(v16));
		return v16;
	case 4:
		memcpy(&v32, p, sizeof(v32));
		return v32;
	default:
		memcpy(&v64, p, sizeof(v64));
		return v64;
	}
}

#endif /* PKTIO_PORT_FIELDS_H */
