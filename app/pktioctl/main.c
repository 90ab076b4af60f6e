/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktioctl: show the ports and attachments of a running pktiod, as tables or JSON. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pktio.h>

#include "cli.h"
#include "json.h"
#include "port_fields.h"

#define PROG "pktioctl"

/* pktio_query() fills at most what it is given; one reply holds fewer than this. */
#define MAX_PORTS 1024
#define MAX_CLIENTS 1024

#define OPT_VERSION 256 /* long options without a letter */

#define TBL_MAXCOLS 24
#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define TBL_CELLSZ 128

enum cmd {
	CMD_PORTS = 1,
	CMD_CLIENTS = 2,
	CMD_STATS = CMD_PORTS | CMD_CLIENTS,
};

struct opts {
	const char *sock;
	bool json;
	enum cmd cmd;
};

struct snapshot {
	struct pktio_port_info *ports;
	unsigned int nb_ports;
	struct pktio_client_info *clients;
	unsigned int nb_clients;
};

/* A text table: row 0 is the header; @right says which columns hold numbers. */
struct table {
	unsigned int nb_cols;
	unsigned int nb_rows;
	const char *right;
	char (*cells)[TBL_CELLSZ];
};

static const char *const port_cols[] = {
	"PORT", "DEVICE", "RXQ/TXQ", "CLIENTS", "MAX_FRAME", "RX_PKTS", "TX_PKTS",
	"MISSED", "RX_ERR", "NO_CLIENT", "OVERSIZE", "TX_ERR", "TX_FULL", "NO_MBUF",
	"TX_BAD", "MBUFS", "GONE", "EVICTED", "ZEROCOPY", "CYC/RX", "CYC/TX",
};
static const char port_right[] = "llrrrrrrrrrrrrrrrrlrr";

static const char *const client_cols[] = {
	"ID", "PID", "UID", "PORT", "QUEUE", "MODE", "RX_PKTS", "NO_SLOT", "TX_PKTS",
	"TX_DROP", "VIOLATIONS", "ZEROCOPY",
};
static const char client_right[] = "rrrlrlrrrrrl";

_Static_assert(DIM(port_cols) == sizeof(port_right) - 1, "port columns");
_Static_assert(DIM(client_cols) == sizeof(client_right) - 1, "client columns");
_Static_assert(DIM(port_cols) <= TBL_MAXCOLS && DIM(client_cols) <= TBL_MAXCOLS, "columns");

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [-s SOCK] [--json] [ports|clients|stats]\n"
		"\n"
		"Show the ports and attachments of a running pktiod.\n"
		"\n"
		"Commands:\n"
		"  ports              one line per port: device, queues, clients, counters and\n"
		"                     drops by reason (the default)\n"
		"  clients            one line per attachment: process, queue, mode, counters\n"
		"  stats              both tables\n"
		"\n"
		"Options:\n"
		"  -s, --socket=SOCK  pktiod control socket (default: $" PKTIO_SOCKET_ENV
		", then\n"
		"                     " PKTIO_SOCKET_DEFAULT ")\n"
		"  -j, --json         print one JSON object with every field instead of tables:\n"
		"                     {\"ports\": [...], \"clients\": [...]}, whatever the\n"
		"                     command\n"
		"  -h, --help         print this help and exit\n"
		"      --version      print the version and exit\n"
		"\n"
		"Exit status: 0 success, 1 error (pktiod unreachable, this user may not query,\n"
		"a bad reply, stdout not writable), 2 usage error.\n");
}

static int
parse_cmd(const char *word, enum cmd *cmd)
{
	if (strcmp(word, "ports") == 0)
		*cmd = CMD_PORTS;
	else if (strcmp(word, "clients") == 0)
		*cmd = CMD_CLIENTS;
	else if (strcmp(word, "stats") == 0)
		*cmd = CMD_STATS;
	else
		return -EINVAL;
	return 0;
}

/* getopt_long() refused a word (opterr off): say which, once. @return 2. */
static int
bad_option(char **argv, const struct option *longopts)
{
	const struct option *lo;

	/* an unknown long option leaves optopt 0, and optind past its word */
	if (optopt == 0)
		return cli_usage_error("unknown option '%s'", argv[optind - 1]);
	/* a known one: only a long option given an argument it does not take comes here */
	for (lo = longopts; lo->name != NULL; lo++)
		if (lo->val == optopt && lo->has_arg == no_argument)
			return cli_usage_error("option '--%s' takes no argument", lo->name);
	return cli_usage_error("unknown option '-%c'", optopt);
}

/* @return -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0; /* one message per mistake: ours */
	while ((c = getopt_long(argc, argv, ":s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->sock = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			cli_version();
			return 0;
		case ':':
			return cli_usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return bad_option(argv, longopts);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("too many arguments");
	if (optind < argc && parse_cmd(argv[optind], &o->cmd) < 0)
		return cli_usage_error("unknown command '%s'", argv[optind]);
	return -1;
}

/* The socket pktio_query() will use, for messages. */
static const char *
sock_path(const char *sock)
{
	if (sock != NULL && sock[0] != '\0')
		return sock;
	sock = getenv(PKTIO_SOCKET_ENV);
	return sock != NULL && sock[0] != '\0' ? sock : PKTIO_SOCKET_DEFAULT;
}

static int
snapshot_get(const char *sock, struct snapshot *s)
{
	int rc;

	s->ports = calloc(MAX_PORTS, sizeof(*s->ports));
	if (s->ports == NULL)
		return -ENOMEM;
	s->clients = calloc(MAX_CLIENTS, sizeof(*s->clients));
	if (s->clients == NULL) {
		rc = -ENOMEM;
		goto free_ports;
	}
	s->nb_ports = MAX_PORTS;
	s->nb_clients = MAX_CLIENTS;
	rc = pktio_query(sock, s->ports, &s->nb_ports, s->clients, &s->nb_clients);
	if (rc < 0)
		goto free_clients;
	return 0;

free_clients:
	free(s->clients);
free_ports:
	free(s->ports);
	return rc;
}

static void
snapshot_free(struct snapshot *s)
{
	free(s->clients);
	free(s->ports);
}

/* ---- tables ---- */

static int
table_init(struct table *t, const char *const *hdr, const char *right, unsigned int nb_cols,
	   unsigned int nb_items)
{
	unsigned int c;

	t->nb_cols = nb_cols;
	t->nb_rows = nb_items + 1;
	t->right = right;
	t->cells = calloc((size_t)t->nb_rows * nb_cols, sizeof(*t->cells));
	if (t->cells == NULL)
		return -ENOMEM;
	for (c = 0; c < nb_cols; c++)
		snprintf(t->cells[c], TBL_CELLSZ, "%s", hdr[c]);
	return 0;
}

/* Set a cell of item @row (0-based, below the header); control characters become '?'. */
static void __attribute__((format(printf, 4, 5)))
table_set(struct table *t, unsigned int row, unsigned int col, const char *fmt, ...)
{
	char *cell = t->cells[(size_t)(row + 1) * t->nb_cols + col];
	va_list ap;
	char *q;

	va_start(ap, fmt);
	vsnprintf(cell, TBL_CELLSZ, fmt, ap);
	va_end(ap);
	for (q = cell; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
}

static void
table_print(const struct table *t, FILE *f)
{
	size_t width[TBL_MAXCOLS] = { 0 };
	unsigned int r, c;
	const char *cell;

	for (r = 0; r < t->nb_rows; r++)
		for (c = 0; c < t->nb_cols; c++) {
			size_t len = strlen(t->cells[(size_t)r * t->nb_cols + c]);

			if (len > width[c])
				width[c] = len;
		}
	for (r = 0; r < t->nb_rows; r++) {
		for (c = 0; c < t->nb_cols; c++) {
			cell = t->cells[(size_t)r * t->nb_cols + c];
			if (t->right[c] == 'r')
				fprintf(f, "%s%*s", c > 0 ? "  " : "", (int)width[c], cell);
			else if (c + 1 < t->nb_cols)
				fprintf(f, "%s%-*s", c > 0 ? "  " : "", (int)width[c], cell);
			else
				fprintf(f, "%s%s", c > 0 ? "  " : "", cell);
		}
		fputc('\n', f);
	}
}

/* Which directions go without a copy: "rx+tx", "rx", "tx" or "no". */
static const char *
zc_name(bool rx, bool tx)
{
	return rx && tx ? "rx+tx" : rx ? "rx" : tx ? "tx" : "no";
}

static double
per_packet(uint64_t cycles, uint64_t packets)
{
	return packets > 0 ? (double)cycles / packets : 0;
}

static void
port_row(struct table *t, unsigned int row, const struct pktio_port_info *pi)
{
	table_set(t, row, 0, "%.*s", (int)strnlen(pi->name, sizeof(pi->name)), pi->name);
	table_set(t, row, 1, "%.*s", (int)strnlen(pi->device, sizeof(pi->device)), pi->device);
	table_set(t, row, 2, "%u/%u", pi->nb_rxq, pi->nb_txq);
	table_set(t, row, 3, "%u", pi->nb_clients);
	table_set(t, row, 4, "%" PRIu32, pi->max_frame);
	table_set(t, row, 5, "%" PRIu64, pi->rx_packets);
	table_set(t, row, 6, "%" PRIu64, pi->tx_packets);
	table_set(t, row, 7, "%" PRIu64, pi->rx_missed);
	table_set(t, row, 8, "%" PRIu64, pi->rx_errors);
	table_set(t, row, 9, "%" PRIu64, pi->rx_no_client);
	table_set(t, row, 10, "%" PRIu64, pi->rx_oversize);
	table_set(t, row, 11, "%" PRIu64, pi->tx_errors);
	table_set(t, row, 12, "%" PRIu64, pi->tx_full);
	table_set(t, row, 13, "%" PRIu64, pi->tx_nombuf);
	table_set(t, row, 14, "%" PRIu64, pi->tx_invalid);
	table_set(t, row, 15, "%" PRIu64, pi->mbuf_in_use);
	table_set(t, row, 16, "%" PRIu64, pi->detach_closed);
	table_set(t, row, 17, "%" PRIu64, pi->detach_violation + pi->detach_protocol);
	table_set(t, row, 18, "%s", zc_name(pi->rx_zerocopy, pi->tx_zerocopy));
	table_set(t, row, 19, "%.0f", per_packet(pi->worker_rx_cycles, pi->worker_rx_packets));
	table_set(t, row, 20, "%.0f", per_packet(pi->worker_tx_cycles, pi->worker_tx_packets));
}

static void
client_row(struct table *t, unsigned int row, const struct pktio_client_info *ci)
{
	table_set(t, row, 0, "%" PRIu32, ci->id);
	table_set(t, row, 1, "%" PRId32, ci->pid);
	table_set(t, row, 2, "%" PRIu32, ci->uid);
	table_set(t, row, 3, "%.*s", (int)strnlen(ci->port, sizeof(ci->port)), ci->port);
	if (ci->queue == PKTIO_QUEUE_ANY)
		table_set(t, row, 4, "any");
	else
		table_set(t, row, 4, "%u", ci->queue);
	table_set(t, row, 5, "%s", pktio_mode_name(ci->mode));
	table_set(t, row, 6, "%" PRIu64, ci->rx_packets);
	table_set(t, row, 7, "%" PRIu64, ci->rx_no_slot);
	table_set(t, row, 8, "%" PRIu64, ci->tx_packets);
	table_set(t, row, 9, "%" PRIu64, ci->tx_dropped);
	table_set(t, row, 10, "%" PRIu64, ci->violations);
	table_set(t, row, 11, "%s", zc_name(ci->mode & PKTIO_F_ZEROCOPY,
					     ci->mode & PKTIO_F_ZEROCOPY_TX));
}

static int
print_tables(const struct snapshot *s, enum cmd cmd)
{
	struct table t;
	unsigned int i;

	if (cmd & CMD_PORTS) {
		if (table_init(&t, port_cols, port_right, DIM(port_cols), s->nb_ports) < 0)
			return -ENOMEM;
		for (i = 0; i < s->nb_ports; i++)
			port_row(&t, i, &s->ports[i]);
		table_print(&t, stdout);
		free(t.cells);
	}
	if (cmd == CMD_STATS)
		putchar('\n');
	if (cmd & CMD_CLIENTS) {
		if (table_init(&t, client_cols, client_right, DIM(client_cols),
			       s->nb_clients) < 0)
			return -ENOMEM;
		for (i = 0; i < s->nb_clients; i++)
			client_row(&t, i, &s->clients[i]);
		table_print(&t, stdout);
		free(t.cells);
	}
	return 0;
}

/* ---- JSON ---- */

static void
port_json(struct json_writer *w, const struct pktio_port_info *pi)
{
	unsigned int i;

	json_object_begin(w);
	json_kv_strn(w, "name", pi->name, sizeof(pi->name));
	json_kv_strn(w, "device", pi->device, sizeof(pi->device));
	for (i = 0; i < DIM(port_fields); i++) {
		const struct port_field *f = &port_fields[i];

		if (f->flag)
			json_kv_bool(w, f->name, port_field_get(pi, f) != 0);
		else
			json_kv_u64(w, f->name, port_field_get(pi, f));
	}
	json_object_end(w);
}

static void
client_json(struct json_writer *w, const struct pktio_client_info *ci)
{
	json_object_begin(w);
	json_kv_u64(w, "id", ci->id);
	json_kv_i64(w, "pid", ci->pid);
	json_kv_u64(w, "uid", ci->uid);
	json_kv_strn(w, "port", ci->port, sizeof(ci->port));
	json_kv_u64(w, "queue", ci->queue);
	json_kv_u64(w, "mode", ci->mode);
	json_kv_str(w, "mode_name", pktio_mode_name(ci->mode));
	json_kv_u64(w, "rx_packets", ci->rx_packets);
	json_kv_u64(w, "rx_no_slot", ci->rx_no_slot);
	json_kv_u64(w, "tx_packets", ci->tx_packets);
	json_kv_u64(w, "tx_dropped", ci->tx_dropped);
	json_kv_u64(w, "violations", ci->violations);
	json_object_end(w);
}

/*
 * The whole snapshot, whatever the command: {"ports": [...], "clients": [...]}, one port or
 * client a line. @return 0 or -errno (stdout could not be written).
 */
static int
print_json(const struct snapshot *s)
{
	struct json_writer w;
	unsigned int i;

	json_init(&w, stdout, JSON_F_SPACED | JSON_F_PRETTY(2));
	json_object_begin(&w);
	json_key(&w, "ports");
	json_array_begin(&w);
	for (i = 0; i < s->nb_ports; i++)
		port_json(&w, &s->ports[i]);
	json_array_end(&w);
	json_key(&w, "clients");
	json_array_begin(&w);
	for (i = 0; i < s->nb_clients; i++)
		client_json(&w, &s->clients[i]);
	json_array_end(&w);
	json_object_end(&w);
	return json_finish(&w);
}

/*
 * Why pktio_query() failed, in the words of cli_attach_error(): the socket named, and what
 * to look at for each refusal.
 */
static void
query_error(const char *sock, int err)
{
	const char *hint = "";

	if (err == ENOENT || err == ECONNREFUSED)
		hint = " (no pktiod listening there: is it running, with this socket?)";
	else if (err == EACCES && access(sock, R_OK | W_OK) != 0)
		hint = " (no permission on the socket: pktiod's socket_mode and socket_group)";
	else if (err == EACCES)
		hint = " (this user may not query: only users who may attach to some port may; "
		       "pktiod's allow_uid and allow_gid)";
	else if (err == EUSERS)
		hint = " (this user holds too many connections: max_conns_per_uid)";
	else if (err == ETIMEDOUT)
		hint = " (pktiod did not answer)";
	else if (err == EPROTO)
		hint = " (a bad reply: pktiod speaks another protocol version)";
	else if (err == ENAMETOOLONG)
		hint = " (a unix socket path has at most 107 bytes)";
	fprintf(stderr, PROG ": cannot query pktiod via %s: %s%s\n", sock, strerror(err), hint);
}

int
main(int argc, char **argv)
{
	struct opts o = { .cmd = CMD_PORTS };
	struct snapshot s;
	const char *sock;
	int rc;

	cli_prog = PROG;
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	sock = sock_path(o.sock);
	rc = snapshot_get(sock, &s);
	if (rc < 0) {
		query_error(sock, -rc);
		return 1;
	}
	if (o.json) {
		rc = print_json(&s);
		snapshot_free(&s);
		if (rc < 0)
			goto stdout_error;
		return 0;
	}
	rc = print_tables(&s, o.cmd);
	snapshot_free(&s);
	if (rc < 0) {
		fprintf(stderr, PROG ": %s\n", strerror(-rc));
		return 1;
	}
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	rc = errno != 0 ? -errno : -EIO;
stdout_error:
	fprintf(stderr, PROG ": stdout: %s\n", strerror(-rc));
	return 1;
}
