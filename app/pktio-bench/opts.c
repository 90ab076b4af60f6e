/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktio-bench's command line: --help, and the options read into struct bench_opts. */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum {
	OPT_IO = 0x100, OPT_BURST, OPT_SIZE, OPT_WAIT, OPT_THREADS, OPT_TIME, OPT_PERIOD,
	OPT_JSON, OPT_PEER, OPT_TX_FIRST, OPT_SPIN, OPT_IMMEDIATE, OPT_COPY, OPT_VERSION,
};

static const struct bench_engine *const engines[] = {
	&bench_rxonly_engine, &bench_txonly_engine, &bench_io_engine, &bench_macswap_engine,
	&bench_latency_engine,
};

#define NB_ENGINES (sizeof(engines) / sizeof(engines[0]))

static void
usage_modes(FILE *f)
{
	unsigned int i;

	fprintf(f, "Modes (-m):\n");
	for (i = 0; i < NB_ENGINES; i++)
		fprintf(f, "  %-9s %s\n", engines[i]->name, engines[i]->help);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -i PORT [-s SOCK] [-m MODE] [--io readv|read|zc]\n"
		"                   [--burst N] [--size N|imix] [--wait busy|block]\n"
		"                   [--busy-poll USEC] [--immediate] [--copy]\n"
		"                   [--threads N] [--time SEC] [--period SEC] [--json]\n"
		"                   [--peer PORT] [--tx-first[=N]]\n"
		"\n"
		"Benchmark libpktio on a pktiod port, like testpmd's forwarding modes.\n"
		"\n"
		"Options:\n"
		"  -i, --interface=PORT  port to attach to (a name from pktiod's configuration)\n"
		"  -s, --socket=SOCK     pktiod control socket (default: $" PKTIO_SOCKET_ENV
		", then\n"
		"                        " PKTIO_SOCKET_DEFAULT ")\n"
		"  -m, --mode=MODE       forwarding mode, see below (default: rxonly)\n"
		"      --io=STYLE        readv: pktio_readv/pktio_writev, one iovec per frame\n"
		"                        (default); read: pktio_read/pktio_write, one frame per\n"
		"                        call; zc: the zero-copy pktio_rx_burst/pktio_tx_reserve\n"
		"      --burst=N         frames per call, 1..%u (default: 32)\n"
		"      --size=N|imix     generated frame length in bytes, 64..%u, without\n"
		"                        FCS, or imix: 64, 570 and 1518 bytes in the ratio\n"
		"                        7:4:1 (default: 64); must fit the port's max frame\n"
		"      --wait=STYLE      busy: open with PKTIO_F_NONBLOCK|PKTIO_F_BUSYPOLL and\n"
		"                        spin, no syscall (default); block: blocking calls that\n"
		"                        sleep on the eventfd (zc: pktio_wait)\n"
		"      --busy-poll=USEC  block: poll up to USEC microseconds before each sleep\n"
		"                        (pktio_port_set_busy_poll; default: 0, sleep at once)\n"
		"      --immediate       open with PKTIO_F_IMMEDIATE: frames handed over as they\n"
		"                        arrive (afpacket: a TPACKET_V2 ring, not V3 blocks)\n"
		"      --copy            open with PKTIO_F_COPY: receive through copies where\n"
		"                        pktiod would offer zero-copy receive (for comparison)\n"
		"      --threads=N       N threads, each with its own handle, 1..%u (default: 1);\n"
		"                        receiving handles share the port with PKTIO_F_FANOUT\n"
		"      --time=SEC        run this long, 0 for until interrupted (default: 10)\n"
		"      --period=SEC      print a line this often (default: 1)\n"
		"      --json            print the summary as one JSON object on stdout, the\n"
		"                        periodic lines on stderr\n"
		"      --peer=PORT       latency: receive the pings on PORT (default: -i PORT)\n"
		"      --tx-first[=N]    io, macswap: send N bursts of generated frames first\n"
		"                        (default N: 1), to start traffic round a loopback\n"
		"      --version         print the version and exit\n"
		"  -h, --help            print this help and exit\n"
		"\n", BENCH_BURST_MAX, BENCH_SIZE_MAX, BENCH_THREADS_MAX);
	usage_modes(f);
}

static void
usage_output(FILE *f)
{
	fprintf(f,
		"\n"
		"Output: every period, a line with the rates over that period:\n"
		"  [t=3.0s]    seconds since the start\n"
		"  Rx-pps      frames received per second, all threads\n"
		"  Tx-pps      frames sent per second (handed to pktiod)\n"
		"  Rx-Gbps     received bits per second / 1e9, counting frame bytes only (L2,\n"
		"              no FCS, preamble or inter-frame gap: add 24 bytes a frame for\n"
		"              the wire rate)\n"
		"  Tx-Gbps     the same, sent\n"
		"  Rx-dropped  frames lost in the period: pktiod had no free buffer for a\n"
		"              handle (rx_no_slot), pktiod could not send (tx_dropped), or\n"
		"              the tool gave up sending a forwarded frame (busy mode)\n"
		"Then a summary: duration; packets, bytes, Mpps, Gbps and drops each way\n"
		"(RX-dropped: rx_no_slot; TX-dropped: pktiod's tx_dropped plus frames not\n"
		"sent); CPU: the threads' CPU time (CLOCK_THREAD_CPUTIME_ID: time asleep is\n"
		"not counted) and Cycles/packet: that time in TSC cycles over max(rx, tx)\n"
		"packets (a busy-polling thread spins between bursts: this counts the\n"
		"spinning); Busy cycles/packet: TSC cycles of the loop iterations that moved\n"
		"packets over those packets, as testpmd's --record-core-cycles counts; for\n"
		"latency, round-trip percentiles in microseconds (log2 histogram, 8\n"
		"sub-buckets: within 12.5%%) and the pings lost (not back within 100 ms).\n");
	fprintf(f,
		"\n"
		"--json keys: mode, io, wait, port, busy_poll_us, immediate, copy, burst, size (a number, or \"imix\"),\n"
		"threads, duration_s, rx_packets, tx_packets, rx_bytes, tx_bytes, rx_mpps,\n"
		"tx_mpps, rx_gbps, tx_gbps, rx_dropped, tx_dropped, tx_unsent, cpu_s, tsc_hz,\n"
		"cycles_per_packet, busy_cycles_per_packet, on a pktiod port pktiod_rx_cycles_per_packet\n"
		"and pktiod_tx_cycles_per_packet (its workers' own TSC counters over the run),\n"
		"and for latency latency_us {p50, p90, p99, p999, max,\n"
		"min, samples, lost}.\n"
		"\n"
		"Stops after --time or on SIGINT or SIGTERM. Exit status: 0 success, 1 error,\n"
		"2 usage error.\n");
}

/* A decimal number in [min, max]. */
static int
parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *val)
{
	uint64_t v;
	int rc = cli_parse_u64(s, min, max, &v);

	if (rc == 0)
		*val = (unsigned int)v;
	return rc;
}

/* Seconds, a decimal fraction allowed, in [min, max]. */
static int
parse_secs(const char *s, double min, double max, double *val)
{
	double v;
	char *end;

	if ((s[0] < '0' || s[0] > '9') && s[0] != '.')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -ERANGE;
	*val = v;
	return 0;
}

/* The index of @p s in @p names, or -1. */
static int
pick(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int
parse_mode(const char *s, struct bench_opts *o)
{
	unsigned int i;

	for (i = 0; i < NB_ENGINES; i++) {
		if (strcmp(s, engines[i]->name) == 0) {
			o->eng = engines[i];
			return -1;
		}
	}
	return cli_usage_error("unknown mode '%s' (rxonly, txonly, io, macswap, latency)", s);
}

static int
parse_size(const char *s, struct bench_opts *o)
{
	if (strcmp(s, "imix") == 0) {
		o->size = BENCH_SIZE_IMIX;
		return -1;
	}
	if (parse_uint(s, BENCH_SIZE_MIN, BENCH_SIZE_MAX, &o->size) < 0)
		return cli_usage_error("bad size '%s' (%u..%u or imix)", s, BENCH_SIZE_MIN,
				   BENCH_SIZE_MAX);
	return -1;
}

/* The options with a word for a value. @return -1 to go on, else the exit status. */
static int
parse_word(int c, const char *arg, struct bench_opts *o)
{
	static const char *const ios[] = { "readv", "read", "zc" };
	static const char *const waits[] = { "busy", "block" };
	int i;

	switch (c) {
	case 'm':
		return parse_mode(arg, o);
	case OPT_IO:
		i = pick(arg, ios, 3);
		if (i < 0)
			return cli_usage_error("bad --io '%s' (readv, read or zc)", arg);
		o->io = (enum bench_io)i;
		return -1;
	case OPT_WAIT:
		i = pick(arg, waits, 2);
		if (i < 0)
			return cli_usage_error("bad --wait '%s' (busy or block)", arg);
		o->block = i == 1;
		return -1;
	default:
		return parse_size(arg, o);
	}
}

/* The options with a number for a value. */
static int
parse_number(int c, const char *arg, struct bench_opts *o)
{
	switch (c) {
	case OPT_BURST:
		if (parse_uint(arg, 1, BENCH_BURST_MAX, &o->burst) < 0)
			return cli_usage_error("bad burst '%s' (1..%u)", arg, BENCH_BURST_MAX);
		break;
	case OPT_THREADS:
		if (parse_uint(arg, 1, BENCH_THREADS_MAX, &o->threads) < 0)
			return cli_usage_error("bad thread count '%s' (1..%u)", arg, BENCH_THREADS_MAX);
		break;
	case OPT_TIME:
		if (parse_secs(arg, 0, 1e7, &o->time_s) < 0)
			return cli_usage_error("bad time '%s' (seconds, 0 for no limit)", arg);
		break;
	case OPT_PERIOD:
		if (parse_secs(arg, 0.01, 1e7, &o->period_s) < 0)
			return cli_usage_error("bad period '%s' (seconds, at least 0.01)", arg);
		break;
	case OPT_SPIN:
		if (parse_uint(arg, 0, PKTIO_BUSY_POLL_MAX_US, &o->busy_poll_us) < 0)
			return cli_usage_error("bad --busy-poll '%s' (0..%u microseconds)", arg,
					   PKTIO_BUSY_POLL_MAX_US);
		break;
	default: /* OPT_TX_FIRST */
		if (arg == NULL)
			o->tx_first = 1;
		else if (parse_uint(arg, 1, 1 << 20, &o->tx_first) < 0)
			return cli_usage_error("bad --tx-first count '%s'", arg);
		break;
	}
	return -1;
}

/* One option; @return -1 to go on, else the exit status. */
static int
parse_opt(int c, const char *arg, struct bench_opts *o)
{
	switch (c) {
	case 'i':
		o->port = arg;
		return -1;
	case 's':
		o->sock = arg;
		return -1;
	case OPT_PEER:
		o->peer = arg;
		return -1;
	case OPT_JSON:
		o->json = true;
		return -1;
	case OPT_IMMEDIATE:
		o->immediate = true;
		return -1;
	case OPT_COPY:
		o->copy = true;
		return -1;
	case 'm':
	case OPT_IO:
	case OPT_WAIT:
	case OPT_SIZE:
		return parse_word(c, arg, o);
	case OPT_BURST:
	case OPT_THREADS:
	case OPT_TIME:
	case OPT_PERIOD:
	case OPT_TX_FIRST:
	case OPT_SPIN:
		return parse_number(c, arg, o);
	case 'h':
		usage(stdout);
		usage_output(stdout);
		return 0;
	case OPT_VERSION:
		cli_version();
		return 0;
	default:
		return -1; /* not reached: bench_parse_args() took the rest */
	}
}

/* getopt said '?' or ':' (silenced by the ':' leading the short options): one message. */
static int
bad_option(int c, char *const argv[])
{
	const char *word = argv[optind - 1];

	if (c == ':')
		return cli_usage_error("option '%s' needs a value", word);
	if (strncmp(word, "--", 2) != 0)
		return cli_usage_error("unknown option '-%c'", optopt);
	if (optopt != 0)
		return cli_usage_error("option '%s' takes no argument", word);
	return cli_usage_error("unknown or ambiguous option '%s'", word);
}

/* What the options say together. @return -1 to go on, else the exit status. */
static int
check_opts(const struct bench_opts *o)
{
	bool latency = o->eng == &bench_latency_engine;
	bool fwd = o->eng == &bench_io_engine || o->eng == &bench_macswap_engine;

	if (o->port == NULL)
		return cli_usage_error("no port given (-i PORT)");
	if (o->peer != NULL && !latency)
		return cli_usage_error("--peer is for the latency mode");
	if (o->tx_first > 0 && !fwd)
		return cli_usage_error("--tx-first is for the io and macswap modes");
	if (o->busy_poll_us > 0 && !o->block)
		return cli_usage_error("--busy-poll is for --wait block (busy never sleeps)");
	if (latency && o->threads > 1)
		return cli_usage_error("the latency mode runs one thread");
	if (latency && o->size == BENCH_SIZE_IMIX)
		return cli_usage_error("the latency mode sends one size: --size N");
	return -1;
}

/* @return -1 to go on, else the exit status. */
int
bench_parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "socket", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "io", required_argument, NULL, OPT_IO },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "period", required_argument, NULL, OPT_PERIOD },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "peer", required_argument, NULL, OPT_PEER },
		{ "tx-first", optional_argument, NULL, OPT_TX_FIRST },
		{ "busy-poll", required_argument, NULL, OPT_SPIN },
		{ "immediate", no_argument, NULL, OPT_IMMEDIATE },
		{ "copy", no_argument, NULL, OPT_COPY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, ":i:s:m:h", longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_option(c, argv);
		rc = parse_opt(c, optarg, o);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	return check_opts(o);
}

