/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktio-dump's command line, with tcpdump's letters, and the capture filter. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pktio.h>

#include "cli.h"
#include "dump.h"

enum {
	OPT_FANOUT = 0x100,
	OPT_MIRROR,
	OPT_SOCKET,
	OPT_VERSION,
	OPT_MICRO,
	OPT_NANO,
	OPT_PRECISION,
	OPT_PCAPNG,
};

static const struct option longopts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "queue", required_argument, NULL, 'q' },
	{ "write", required_argument, NULL, 'w' },
	{ "count", required_argument, NULL, 'c' },
	{ "snapshot-length", required_argument, NULL, 's' },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "fanout", no_argument, NULL, OPT_FANOUT },
	{ "mirror", no_argument, NULL, OPT_MIRROR },
	{ "micro", no_argument, NULL, OPT_MICRO },
	{ "nano", no_argument, NULL, OPT_NANO },
	{ "time-stamp-precision", required_argument, NULL, OPT_PRECISION },
	{ "pcapng", no_argument, NULL, OPT_PCAPNG },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -i PORT [-q QUEUE] [-w FILE] [-c COUNT] [-s SNAPLEN]\n"
		"                  [-C FILE_SIZE] [-G SECONDS] [-W FILECOUNT] [--nano] [--pcapng]\n"
		"                  [--fanout|--mirror] [--socket PATH] [-v] [expression]\n"
		"\n"
		"Capture the packets received on a pktiod port, like tcpdump.\n"
		"\n"
		"Options:\n"
		"  -i, --interface=PORT  port to attach to (a name from pktiod's configuration)\n"
		"  -q, --queue=QUEUE     receive queue, or 'any' for every queue (default: any)\n"
		"  -w, --write=FILE      write the packets to FILE ('-': standard output) instead\n"
		"                        of printing one line per packet\n"
		"  -c, --count=COUNT     stop after COUNT packets (default: until interrupted)\n"
		"  -s, --snapshot-length=SNAPLEN\n"
		"                        keep at most SNAPLEN bytes of each packet (0: 262144,\n"
		"                        the default)\n"
		"  -C FILE_SIZE          before writing a packet, start a new file when this one\n"
		"                        is over FILE_SIZE million bytes (suffix k, m or g: KiB,\n"
		"                        MiB, GiB); the files are FILE, FILE1, FILE2...\n"
		"  -G SECONDS            start a new file every SECONDS; FILE may hold\n"
		"                        strftime(3) conversions (%%Y%%m%%d-%%H%%M%%S)\n"
		"  -W FILECOUNT          with -C, a ring of FILECOUNT files (FILE0, FILE1...);\n"
		"                        with -G alone, stop after FILECOUNT files\n"
		"      --time-stamp-precision=micro|nano, --micro, --nano\n"
		"                        time stamp precision (default: micro for pcap, nano\n"
		"                        for pcapng)\n"
		"      --pcapng          write pcapng (also chosen by a FILE ending in .pcapng)\n"
		"      --socket=PATH     pktiod control socket (default: $" PKTIO_SOCKET_ENV
		", then\n"
		"                        " PKTIO_SOCKET_DEFAULT ")\n"
		"      --fanout          share the queue(s) with other fanout clients; each flow\n"
		"                        goes to one of them\n"
		"      --mirror          receive a copy of every packet, leaving the other\n"
		"                        clients undisturbed\n"
		"                        (default: exclusive, the sole receiver of the queue(s))\n"
		"  -v, --verbose         report the attachment on start, all counters on exit,\n"
		"                        and libpktio's diagnostics\n"
		"  -h, --help            print this help and exit\n"
		"      --version         print the version and exit\n"
		"\n"
		"expression: a capture filter in pcap-filter(7) syntax, e.g. 'udp and port 53'.\n"
		"Stops on SIGINT or SIGTERM, or when the reader of -w - goes away.\n"
		"Exit status: 0 success, 1 error, 2 usage error.\n");
}

static int
parse_queue(const char *s, unsigned int *queue)
{
	uint64_t v;

	if (strcmp(s, "any") == 0) {
		*queue = PKTIO_QUEUE_ANY;
		return 0;
	}
	if (cli_parse_u64(s, 0, PKTIO_QUEUE_ANY - 1, &v) < 0)
		return -EINVAL;
	*queue = (unsigned int)v;
	return 0;
}

/* -C: millions of bytes, or KiB/MiB/GiB with a suffix (as tcpdump 4.99.4). */
static int
parse_file_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "kKmMgG";
	static const uint64_t mult[] = { 1ULL << 10, 1ULL << 10, 1ULL << 20, 1ULL << 20,
					 1ULL << 30, 1ULL << 30 };
	uint64_t unit = 1000000, v;
	char num[24];
	size_t n = strlen(s);
	const char *u;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	u = strchr(units, num[n - 1]);
	if (u != NULL && *u != '\0') {
		unit = mult[u - units];
		num[n - 1] = '\0';
	}
	if (cli_parse_u64(num, 1, UINT64_MAX / unit, &v) < 0)
		return -EINVAL;
	*bytes = v * unit;
	return 0;
}

static int
parse_snaplen(const char *arg, unsigned int *snaplen)
{
	uint64_t v;

	if (cli_parse_u64(arg, 0, DUMP_MAX_SNAPLEN, &v) < 0) {
		if (strchr(arg, '/') != NULL)
			return cli_usage_error("bad snapshot length '%s' (-s is the snapshot "
					       "length, as tcpdump; the socket is --socket)", arg);
		return cli_usage_error("bad snapshot length '%s' (0 to %d)", arg,
				       DUMP_MAX_SNAPLEN);
	}
	*snaplen = v == 0 ? DUMP_MAX_SNAPLEN : (unsigned int)v;
	return -1;
}

static int
parse_uint(const char *arg, const char *what, unsigned int *val)
{
	uint64_t v;

	if (cli_parse_u64(arg, 1, INT32_MAX, &v) < 0)
		return cli_usage_error("bad %s '%s'", what, arg);
	*val = (unsigned int)v;
	return -1;
}

/* The options that select and shape the output. @return -1 to go on, else the status. */
static int
parse_out_opt(int c, const char *arg, struct dump_opts *o)
{
	switch (c) {
	case 'w':
		o->file = arg;
		return -1;
	case 's':
		return parse_snaplen(arg, &o->snaplen);
	case 'C':
		if (parse_file_size(arg, &o->file_size) < 0)
			return cli_usage_error("bad file size '%s'", arg);
		return -1;
	case 'G':
		return parse_uint(arg, "rotation period", &o->rotate_s);
	case 'W':
		return parse_uint(arg, "file count", &o->nb_files);
	case OPT_MICRO:
	case OPT_NANO:
		o->nano = c == OPT_NANO;
		o->precision_set = true;
		return -1;
	case OPT_PRECISION:
		if (strcmp(arg, "micro") != 0 && strcmp(arg, "nano") != 0)
			return cli_usage_error("bad time stamp precision '%s' (micro or nano)",
					       arg);
		o->nano = strcmp(arg, "nano") == 0;
		o->precision_set = true;
		return -1;
	case OPT_PCAPNG:
		o->format = DUMP_PCAPNG;
		o->format_set = true;
		return -1;
	}
	return -2;
}

/* One option; @return -1 to go on, else the exit status. */
static int
parse_opt(int c, const char *arg, struct dump_opts *o)
{
	int rc = parse_out_opt(c, arg, o);

	if (rc != -2)
		return rc;
	switch (c) {
	case 'i':
		o->port = arg;
		break;
	case 'q':
		if (parse_queue(arg, &o->queue) < 0)
			return cli_usage_error("bad queue '%s'", arg);
		break;
	case 'c':
		if (cli_parse_u64(arg, 1, UINT64_MAX, &o->count) < 0)
			return cli_usage_error("bad count '%s'", arg);
		break;
	case OPT_SOCKET:
		o->sock = arg;
		break;
	case OPT_FANOUT:
	case OPT_MIRROR:
		if (o->mode != PKTIO_F_EXCLUSIVE)
			return cli_usage_error("--fanout and --mirror exclude each other");
		o->mode = c == OPT_FANOUT ? PKTIO_F_FANOUT : PKTIO_F_MIRROR;
		break;
	case 'v':
		o->verbose = true;
		break;
	case 'h':
		usage(stdout);
		return 0;
	case OPT_VERSION:
		cli_version();
		return 0;
	}
	return -1;
}

/* The option getopt refused, as the user wrote it: "-x", or "--name" without "=value". */
static void
bad_opt_name(char **argv, int c, char *buf, size_t len)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	size_t n = strcspn(arg, "=");
	int i;

	/* getopt has stepped past a long option; a short one may sit inside a cluster */
	if (strncmp(arg, "--", 2) == 0 && n > 2) {
		for (i = 0; c != 0 && longopts[i].name != NULL; i++)
			if (longopts[i].val == c &&
			    strncmp(longopts[i].name, arg + 2, n - 2) == 0)
				break;
		if (c == 0 || longopts[i].name != NULL) {
			snprintf(buf, len, "%.*s", (int)n, arg);
			return;
		}
	}
	snprintf(buf, len, "-%c", c);
}

/* One line for what getopt refused (its own messages are off). @return 2. */
static int
bad_opt(char **argv, int c)
{
	char name[64];

	bad_opt_name(argv, optopt, name, sizeof(name));
	if (c == ':')
		return cli_usage_error("option '%s' needs an argument", name);
	if (optopt >= OPT_FANOUT || (optopt != 0 && strncmp(name, "--", 2) == 0))
		return cli_usage_error("option '%s' takes no argument", name);
	return cli_usage_error("unknown option '%s'", name);
}

/* The trailing arguments, joined by spaces as tcpdump does. NULL when there are none. */
static char *
join_args(int argc, char **argv)
{
	size_t len = 0;
	char *s;
	int i;

	for (i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len == 0)
		return NULL;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	s[0] = '\0';
	for (i = optind; i < argc; i++) {
		strcat(s, argv[i]);
		if (i + 1 < argc)
			strcat(s, " ");
	}
	return s;
}

/* Compile o->filter for Ethernet at o->snaplen. @return -1 to go on, else the status. */
static int
compile_filter(const struct dump_opts *o, struct bpf_program *prog)
{
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, (int)o->snaplen);
	int rc = -1;

	if (pd == NULL) {
		fprintf(stderr, PROG ": cannot compile the filter: out of memory\n");
		return 1;
	}
	if (pcap_compile(pd, prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		rc = cli_usage_error("bad filter '%s': %s", o->filter, pcap_geterr(pd));
	pcap_close(pd);
	return rc;
}

/* What the options mean together. @return -1 to go on, else the exit status. */
static int
check_opts(struct dump_opts *o)
{
	bool to_stdout = o->file != NULL && strcmp(o->file, "-") == 0;
	size_t n;

	if (o->port == NULL)
		return cli_usage_error("no port given (-i PORT)");
	if (o->file == NULL && (o->file_size != 0 || o->rotate_s != 0 || o->nb_files != 0 ||
				o->format_set))
		return cli_usage_error("-C, -G, -W and --pcapng need -w FILE");
	if (to_stdout && (o->file_size != 0 || o->rotate_s != 0))
		return cli_usage_error("-C and -G need a file name, not -w -");
	if (o->nb_files != 0 && o->file_size == 0 && o->rotate_s == 0)
		return cli_usage_error("-W needs -C or -G");
	if (o->file != NULL && !o->format_set) {
		n = strlen(o->file);
		if (n > 7 && strcmp(o->file + n - 7, ".pcapng") == 0)
			o->format = DUMP_PCAPNG;
	}
	if (!o->precision_set)
		o->nano = o->file != NULL && o->format == DUMP_PCAPNG;
	return -1;
}

int
dump_parse_args(int argc, char **argv, struct dump_opts *o, struct bpf_program *prog)
{
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:q:w:c:s:C:G:W:vh", longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_opt(argv, c);
		rc = parse_opt(c, optarg, o);
		if (rc >= 0)
			return rc;
	}
	rc = check_opts(o);
	if (rc >= 0)
		return rc;
	o->filter = join_args(argc, argv);
	if (o->filter == NULL && optind < argc) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	if (o->filter != NULL && o->filter[strspn(o->filter, " \t")] == '\0') {
		free(o->filter);
		o->filter = NULL;
	}
	prog->bf_insns = NULL;
	prog->bf_len = 0;
	return o->filter != NULL ? compile_filter(o, prog) : -1;
}
