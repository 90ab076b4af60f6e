/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * DPDK telemetry: pktiod's ports and attachments for dpdk-telemetry.py and anything else
 * that speaks DPDK's telemetry socket (<runtime dir>/dpdk_telemetry.v2).
 *
 *   /pktio/ports             the port names, in index order
 *   /pktio/port,NAME|INDEX   every counter of one port (struct pktio_port_info)
 *   /pktio/clients[,PORT]    the attachments (struct pktio_client_info) in columns, all or
 *                            those of one port
 *   /pktio/client,ID         one attachment
 *
 * Keys and values are those of `pktioctl --json`, but for names outside printable ASCII
 * (see tel_str()).
 *
 * Threads: these callbacks run on DPDK's telemetry threads (one per telemetry connection),
 * while the control plane on the main lcore creates and frees attachments and, at exit,
 * closes the ports. Rather than walk those lists under a lock the control plane would have
 * to take, a callback asks the control plane itself, over pktiod's own socket, exactly as
 * pktioctl does (pktio_query(); pktiod's own uid may always query). The reply is built on
 * the main lcore by the code that builds pktioctl's (pktiod_port_info(),
 * pktiod_att_info()), so it is consistent, it is the same numbers, and a callback touches
 * nothing the control plane owns. Before the control socket listens and after it closes,
 * the commands fail (the reply is null). The cost is one connection per request, on the
 * control plane, never on a worker.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "pktio_msg.h"
#include "pktiod.h"
#include "port_fields.h"

/* The pktiod whose control plane answers; set once, before any command can come. */
static const struct pktiod *tel_pktiod;

/* More than one query reply can hold (PKTIO_MSG_MAX bytes). */
#define TEL_MAX_CLIENTS (PKTIO_MSG_MAX / sizeof(struct pktio_client_info))

/* What the control plane answered. */
struct tel_snap {
	unsigned int nb_ports;
	unsigned int nb_clients;
	struct pktio_port_info ports[PKTIOD_MAX_PORTS];
	struct pktio_client_info clients[TEL_MAX_CLIENTS];
};

/* Ask the control plane. @return a snapshot to free(), or NULL (the command fails). */
static struct tel_snap *
tel_snap_get(void)
{
	struct tel_snap *s = malloc(sizeof(*s));
	int rc;

	if (s == NULL)
		return NULL;
	s->nb_ports = PKTIOD_MAX_PORTS;
	s->nb_clients = TEL_MAX_CLIENTS;
	rc = pktio_query(tel_pktiod->conf.socket, s->ports, &s->nb_ports, s->clients,
			 &s->nb_clients);
	if (rc < 0) {
		PKTIO_LOG(DEBUG, "telemetry: query %s: %s", tel_pktiod->conf.socket,
			  strerror(-rc));
		free(s);
		return NULL;
	}
	return s;
}

/*
 * A name for telemetry, in printable ASCII: bytes outside it, and '\\', as \xHH, the way
 * pktiod's log writes names (pktiod_escape()). DPDK 22.11's JSON string escaper looks bytes
 * up in a table indexed by a signed char, so any byte above 0x7f (UTF-8 included) comes out
 * as garbage that no JSON parser takes; and it drops control characters.
 */
static const char *
tel_str(char buf[RTE_TEL_MAX_STRING_LEN], const char *field, size_t size)
{
	return pktiod_escape(field, size, buf, RTE_TEL_MAX_STRING_LEN);
}

/*
 * The port named @p param (as configured, or as /pktio/ports writes it), or else whose
 * index it is (decimal digits); NULL if none.
 */
static const struct pktio_port_info *
tel_port_find(const struct tel_snap *s, const char *param)
{
	size_t len = param != NULL ? strlen(param) : 0;
	char buf[RTE_TEL_MAX_STRING_LEN];
	unsigned long idx;
	unsigned int i;

	if (len == 0)
		return NULL;
	for (i = 0; i < s->nb_ports; i++)
		if ((strnlen(s->ports[i].name, sizeof(s->ports[i].name)) == len &&
		     memcmp(s->ports[i].name, param, len) == 0) ||
		    strcmp(tel_str(buf, s->ports[i].name, sizeof(s->ports[i].name)), param) == 0)
			return &s->ports[i];
	if (strspn(param, "0123456789") != len)
		return NULL;
	idx = strtoul(param, NULL, 10);
	for (i = 0; i < s->nb_ports; i++)
		if (s->ports[i].index == idx)
			return &s->ports[i];
	return NULL;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[RTE_TEL_MAX_STRING_LEN];
	struct tel_snap *s;
	unsigned int i;

	(void)cmd;
	if (params != NULL && params[0] != '\0')
		return -EINVAL;
	s = tel_snap_get();
	if (s == NULL)
		return -EIO;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (i = 0; i < s->nb_ports; i++)
		rte_tel_data_add_array_string(d, tel_str(buf, s->ports[i].name,
							 sizeof(s->ports[i].name)));
	free(s);
	return 0;
}

static int
tel_port(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[RTE_TEL_MAX_STRING_LEN];
	const struct pktio_port_info *pi;
	struct tel_snap *s;
	unsigned int i;

	(void)cmd;
	s = tel_snap_get();
	if (s == NULL)
		return -EIO;
	pi = tel_port_find(s, params);
	if (pi == NULL) {
		free(s);
		return -EINVAL;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", tel_str(buf, pi->name, sizeof(pi->name)));
	rte_tel_data_add_dict_string(d, "device", tel_str(buf, pi->device, sizeof(pi->device)));
	for (i = 0; i < RTE_DIM(port_fields); i++)
		rte_tel_data_add_dict_u64(d, port_fields[i].name,
					  port_field_get(pi, &port_fields[i]));
	free(s);
	return 0;
}

/* /pktio/client,ID: one attachment, every field. */
static int
tel_client(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct pktio_client_info *ci = NULL;
	char buf[RTE_TEL_MAX_STRING_LEN];
	struct tel_snap *s;
	unsigned long id;
	unsigned int i;

	(void)cmd;
	if (params == NULL || params[0] == '\0' || strspn(params, "0123456789") != strlen(params))
		return -EINVAL;
	id = strtoul(params, NULL, 10);
	s = tel_snap_get();
	if (s == NULL)
		return -EIO;
	for (i = 0; i < s->nb_clients && ci == NULL; i++)
		if (s->clients[i].id == id)
			ci = &s->clients[i];
	if (ci == NULL) {
		free(s);
		return -EINVAL;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", ci->id);
	rte_tel_data_add_dict_int(d, "pid", ci->pid);
	rte_tel_data_add_dict_u64(d, "uid", ci->uid);
	rte_tel_data_add_dict_string(d, "port", tel_str(buf, ci->port, sizeof(ci->port)));
	rte_tel_data_add_dict_u64(d, "queue", ci->queue);
	rte_tel_data_add_dict_u64(d, "mode", ci->mode);
	rte_tel_data_add_dict_string(d, "mode_name", pktio_mode_name(ci->mode));
	rte_tel_data_add_dict_u64(d, "rx_packets", ci->rx_packets);
	rte_tel_data_add_dict_u64(d, "rx_no_slot", ci->rx_no_slot);
	rte_tel_data_add_dict_u64(d, "tx_packets", ci->tx_packets);
	rte_tel_data_add_dict_u64(d, "tx_dropped", ci->tx_dropped);
	rte_tel_data_add_dict_u64(d, "violations", ci->violations);
	free(s);
	return 0;
}

/*
 * /pktio/clients answers in columns: DPDK 22.11 nests only arrays of numbers or strings in
 * a reply, not dicts. Entry i of every column is attachment i.
 */
enum tel_col {
	COL_ID, COL_PID, COL_UID, COL_PORT, COL_QUEUE, COL_MODE, COL_MODE_NAME, COL_RX_PACKETS,
	COL_RX_NO_SLOT, COL_TX_PACKETS, COL_TX_DROPPED, COL_VIOLATIONS, COL_MAX
};

/* Each column's key and type. */
static const struct {
	const char *name;
	enum rte_tel_value_type type;
} tel_cols[COL_MAX] = {
	[COL_ID] = { "id", RTE_TEL_U64_VAL },
	[COL_PID] = { "pid", RTE_TEL_INT_VAL },
	[COL_UID] = { "uid", RTE_TEL_U64_VAL },
	[COL_PORT] = { "port", RTE_TEL_STRING_VAL },
	[COL_QUEUE] = { "queue", RTE_TEL_U64_VAL },
	[COL_MODE] = { "mode", RTE_TEL_U64_VAL },
	[COL_MODE_NAME] = { "mode_name", RTE_TEL_STRING_VAL },
	[COL_RX_PACKETS] = { "rx_packets", RTE_TEL_U64_VAL },
	[COL_RX_NO_SLOT] = { "rx_no_slot", RTE_TEL_U64_VAL },
	[COL_TX_PACKETS] = { "tx_packets", RTE_TEL_U64_VAL },
	[COL_TX_DROPPED] = { "tx_dropped", RTE_TEL_U64_VAL },
	[COL_VIOLATIONS] = { "violations", RTE_TEL_U64_VAL },
};

/*
 * DPDK 22.11 writes a reply of at most 16 KB (the max_output_len of its handshake) and
 * silently leaves out whatever does not fit: a whole column. The columns take at most this
 * much, which leaves room for their names and the rest.
 */
#define TEL_COLS_BUDGET (16384 - 1024)

static size_t
tel_digits(uint64_t v)
{
	size_t n = 1;

	for (; v >= 10; v /= 10)
		n++;
	return n;
}

/* Bytes of @p s as a JSON string in DPDK's reply: quotes, '"' and '\\' escaped. */
static size_t
tel_json_len(const char *s)
{
	size_t n = 2;

	for (; *s != '\0'; s++)
		n += *s == '"' || *s == '\\' ? 2 : 1;
	return n;
}

/* What attachment @p ci adds to the columns: each value and the ", " after it. */
static size_t
tel_row_len(const struct pktio_client_info *ci, const char *port)
{
	return 2 * COL_MAX + tel_digits(ci->id) + tel_digits((uint32_t)ci->pid) +
	       tel_digits(ci->uid) + tel_json_len(port) + tel_digits(ci->queue) +
	       tel_digits(ci->mode) + tel_json_len(pktio_mode_name(ci->mode)) +
	       tel_digits(ci->rx_packets) + tel_digits(ci->rx_no_slot) +
	       tel_digits(ci->tx_packets) + tel_digits(ci->tx_dropped) +
	       tel_digits(ci->violations);
}

static void
tel_row_add(struct rte_tel_data **col, const struct pktio_client_info *ci, const char *port)
{
	rte_tel_data_add_array_u64(col[COL_ID], ci->id);
	rte_tel_data_add_array_int(col[COL_PID], ci->pid);
	rte_tel_data_add_array_u64(col[COL_UID], ci->uid);
	rte_tel_data_add_array_string(col[COL_PORT], port);
	rte_tel_data_add_array_u64(col[COL_QUEUE], ci->queue);
	rte_tel_data_add_array_u64(col[COL_MODE], ci->mode);
	rte_tel_data_add_array_string(col[COL_MODE_NAME], pktio_mode_name(ci->mode));
	rte_tel_data_add_array_u64(col[COL_RX_PACKETS], ci->rx_packets);
	rte_tel_data_add_array_u64(col[COL_RX_NO_SLOT], ci->rx_no_slot);
	rte_tel_data_add_array_u64(col[COL_TX_PACKETS], ci->tx_packets);
	rte_tel_data_add_array_u64(col[COL_TX_DROPPED], ci->tx_dropped);
	rte_tel_data_add_array_u64(col[COL_VIOLATIONS], ci->violations);
}

/* Empty columns, each of its type. @return 0 or -ENOMEM (none left allocated). */
static int
tel_cols_alloc(struct rte_tel_data **col)
{
	unsigned int c;

	for (c = 0; c < COL_MAX; c++) {
		col[c] = rte_tel_data_alloc();
		if (col[c] == NULL)
			goto free_cols;
		rte_tel_data_start_array(col[c], tel_cols[c].type);
	}
	return 0;

free_cols:
	while (c-- > 0)
		rte_tel_data_free(col[c]);
	return -ENOMEM;
}

/*
 * /pktio/clients[,PORT]: {"nb_clients": N, "id": [...], "pid": [...], ...}. nb_clients
 * counts them all; the columns hold as many as fit the reply (a hundred or more). A port
 * names its own; /pktio/client,ID shows one.
 */
static int
tel_clients(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct pktio_port_info *pi = NULL;
	struct rte_tel_data *col[COL_MAX];
	char port[RTE_TEL_MAX_STRING_LEN];
	unsigned int i, c, nb = 0, rows = 0;
	size_t used = 0, len;
	struct tel_snap *s;

	(void)cmd;
	s = tel_snap_get();
	if (s == NULL)
		return -EIO;
	if (params != NULL && params[0] != '\0') {
		pi = tel_port_find(s, params);
		if (pi == NULL) {
			free(s);
			return -EINVAL;
		}
	}
	if (tel_cols_alloc(col) < 0) {
		free(s);
		return -ENOMEM;
	}
	for (i = 0; i < s->nb_clients; i++) {
		const struct pktio_client_info *ci = &s->clients[i];

		if (pi != NULL && strncmp(ci->port, pi->name, sizeof(pi->name)) != 0)
			continue;
		nb++;
		tel_str(port, ci->port, sizeof(ci->port));
		len = tel_row_len(ci, port);
		if (rows == nb - 1 && rows < RTE_TEL_MAX_ARRAY_ENTRIES &&
		    used + len <= TEL_COLS_BUDGET) {
			tel_row_add(col, ci, port);
			used += len;
			rows++;
		}
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "nb_clients", nb);
	for (c = 0; c < COL_MAX; c++)   /* keep 0: freed with d */
		if (rte_tel_data_add_dict_container(d, tel_cols[c].name, col[c], 0) < 0)
			rte_tel_data_free(col[c]);
	free(s);
	return 0;
}

int
pktiod_telemetry_init(struct pktiod *d)
{
	int rc;

	tel_pktiod = d;
	rc = rte_telemetry_register_cmd("/pktio/ports", tel_ports,
			"Names of pktiod's ports, in index order. Takes no parameters");
	rc = rc ?: rte_telemetry_register_cmd("/pktio/port", tel_port,
			"Counters of a port, as pktioctl shows them. Parameters: port name or index");
	rc = rc ?: rte_telemetry_register_cmd("/pktio/clients", tel_clients,
			"Attachments and their counters, in columns. Parameters: none (all), or "
			"a port name or index");
	rc = rc ?: rte_telemetry_register_cmd("/pktio/client", tel_client,
			"One attachment and its counters. Parameters: its id");
	if (rc < 0)
		PKTIO_LOG(ERR, "telemetry: cannot register commands: %s", strerror(-rc));
	return rc;
}
