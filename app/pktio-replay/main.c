/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-replay: send the packets of a pcap file out of a pktiod port, in order, as fast as
 * the port takes them or paced as tcpreplay paces them (--pps, --mbps, --multiplier).
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>

#include <pktio.h>

#include "cli.h"
#include "replay.h"

#define RATE_OPTS "--topspeed, --pps, --mbps or --multiplier"

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -i PORT [-s SOCK] [--loop N] [RATE] [-v] FILE.pcap\n"
		"\n"
		"Send the packets of a pcap file out of a pktiod port, in file order, like\n"
		"tcpreplay. FILE '-' reads standard input (one pass only).\n"
		"\n"
		"Options:\n"
		"  -i, --interface=PORT  port to send on (a name from pktiod's configuration)\n"
		"  -s, --socket=SOCK     pktiod control socket (default: $" PKTIO_SOCKET_ENV
		", then\n"
		"                        " PKTIO_SOCKET_DEFAULT ")\n"
		"  -l, --loop=N          send the file N times (default: 1; 0: until SIGINT)\n"
		"  -v, --verbose         report the attachment, each skipped packet, and\n"
		"                        libpktio's diagnostics\n"
		"  -V, --version         print the version and exit\n"
		"  -h, --help            print this help and exit\n"
		"\n"
		"RATE, one of (decimals allowed):\n"
		"  -t, --topspeed        as fast as the port takes them (the default)\n"
		"  -p, --pps=N           N packets per second\n"
		"  -M, --mbps=N          N Mbit/s of frame bytes (no preamble or gap: tcpreplay)\n"
		"  -x, --multiplier=X    the capture's own timing, X times as fast (1: as it was)\n"
		"\n"
		"Packets that are empty or longer than the port's max frame are skipped and\n"
		"counted. Records the capture cut short (caplen < len) are sent as captured and\n"
		"counted. Attaches transmit-only (PKTIO_F_TXONLY): it takes no traffic from other\n"
		"clients and shares the port with any of them. Stops on SIGINT or SIGTERM.\n"
		"Exit status: 0 success, 1 error or frames dropped by pktiod, 2 usage error.\n");
}

static int
parse_rate(const char *s, double *val)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v <= 0)
		return -EINVAL;
	*val = v;
	return 0;
}

/* A rate option: the first one chooses the mode. @return -1 to go on, else the exit status. */
static int
parse_mode(struct replay_opts *o, enum replay_mode mode, const char *opt, const char *arg)
{
	if (o->mode_opt != NULL && strcmp(o->mode_opt, opt) == 0)
		return cli_usage_error("%s given twice", opt);
	if (o->mode_opt != NULL)
		return cli_usage_error("%s and %s: give one of " RATE_OPTS, o->mode_opt, opt);
	o->mode = mode;
	o->mode_opt = opt;
	if (arg != NULL && parse_rate(arg, &o->rate) < 0)
		return cli_usage_error("bad value for %s: '%s' (a number above 0)", opt, arg);
	return -1;
}

/* One option; @return -1 to go on, else the exit status. */
static int
parse_opt(int c, const char *arg, struct replay_opts *o)
{
	switch (c) {
	case 'i':
		o->port = arg;
		break;
	case 's':
		o->sock = arg;
		break;
	case 'l':
		if (cli_parse_u64(arg, 0, UINT64_MAX, &o->loops) < 0)
			return cli_usage_error("bad loop count '%s'", arg);
		break;
	case 't':
		return parse_mode(o, REPLAY_TOPSPEED, "--topspeed", NULL);
	case 'p':
		return parse_mode(o, REPLAY_PPS, "--pps", arg);
	case 'M':
		return parse_mode(o, REPLAY_MBPS, "--mbps", arg);
	case 'x':
		return parse_mode(o, REPLAY_MULTIPLIER, "--multiplier", arg);
	case 'v':
		o->verbose = true;
		break;
	case 'V':
		cli_version();
		return 0;
	case 'h':
		usage(stdout);
		return 0;
	}
	return -1;
}

/*
 * getopt's own messages are off (opterr = 0) so that a bad option gets one line and the
 * hint. @p arg is the element getopt went past (NULL when it is still inside "-abc").
 */
static int
bad_option(int c, const char *arg)
{
	char name[3] = { '-', (char)optopt, '\0' };
	bool is_long = arg != NULL && strncmp(arg, "--", 2) == 0;

	if (c == ':')
		return cli_usage_error("option '%s' needs a value", is_long ? arg : name);
	if (is_long && optopt != 0)
		return cli_usage_error("option '%s' takes no value", arg);
	if (is_long)
		return cli_usage_error("unknown or ambiguous option '%s'", arg);
	return cli_usage_error("unknown option '%s'", name);
}

/* @return -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct replay_opts *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "socket", required_argument, NULL, 's' },
		{ "loop", required_argument, NULL, 'l' },
		{ "topspeed", no_argument, NULL, 't' },
		{ "pps", required_argument, NULL, 'p' },
		{ "mbps", required_argument, NULL, 'M' },
		{ "multiplier", required_argument, NULL, 'x' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc, before;

	opterr = 0;
	for (;;) {
		before = optind;
		c = getopt_long(argc, argv, ":i:s:l:tp:M:x:vVh", longopts, NULL);
		if (c == -1)
			break;
		if (c == '?' || c == ':')
			return bad_option(c, optind > before ? argv[optind - 1] : NULL);
		rc = parse_opt(c, optarg, o);
		if (rc >= 0)
			return rc;
	}
	if (o->port == NULL)
		return cli_usage_error("no port given (-i PORT)");
	if (argc - optind != 1)
		return cli_usage_error(optind == argc ? "no pcap file given" :
				       "too many arguments");
	o->file = argv[optind];
	if (strcmp(o->file, "-") == 0 && o->loops != 1)
		return cli_usage_error("--loop needs a file, not standard input");
	return -1;
}

/* ---- the end ---- */

static void
stat_line(const char *label, uint64_t v)
{
	printf("\t%-40s%" PRIu64 "\n", label, v);
}

static void
summary(const struct replay_opts *o, const struct replay *r, const struct source *src,
	const struct pktio_stats *st)
{
	double secs = r->t_last > r->t_first ? (double)(r->t_last - r->t_first) / 1e9 : 0;
	uint64_t pending = st->tx_packets - st->tx_sent - st->tx_dropped;
	char label[64];

	/* tcpreplay's first two lines, word for word */
	printf("Actual: %" PRIu64 " packets (%" PRIu64 " bytes) sent in %.6f seconds\n",
	       r->sent, r->bytes, secs);
	printf("Rated: %.1f Bps, %.3f Mbps, %.2f pps\n", secs > 0 ? r->bytes / secs : 0,
	       secs > 0 ? r->bytes * 8 / secs / 1e6 : 0, secs > 0 ? r->sent / secs : 0);
	printf("Statistics for port %s:\n", o->port);
	stat_line("Accepted by the device (tx_sent):", st->tx_sent);
	stat_line("Dropped by pktiod (tx_dropped):", st->tx_dropped);
	if (st->tx_packets >= st->tx_sent + st->tx_dropped && pending > 0)
		stat_line("Not yet taken at detach:", pending);
	stat_line("Failed sends:", r->failed);
	snprintf(label, sizeof(label), "Skipped (empty or over %u bytes):", src->max_frame);
	stat_line(label, src->skipped);
	stat_line("Truncated records (sent as captured):", src->truncated);
	fflush(stdout);
}

/* What went wrong on the way, once each, with counts. @return true if frames were lost. */
static bool
warnings(const struct replay_opts *o, const struct replay *r, const struct source *src,
	 const struct pktio_stats *st)
{
	if (src->skipped > 0)
		fprintf(stderr, PROG ": %s: skipped %" PRIu64 " packets: empty or over the port's "
			"max frame (%u bytes)\n", src->name, src->skipped, src->max_frame);
	if (src->truncated > 0)
		fprintf(stderr, PROG ": %s: %" PRIu64 " truncated records (caplen < len): sent as "
			"captured, shorter than on the wire\n", src->name, src->truncated);
	if (r->failed > 0)
		fprintf(stderr, PROG ": %" PRIu64 " packets refused by pktio_writev() on %s\n",
			r->failed, o->port);
	if (st->tx_dropped > 0)
		fprintf(stderr, PROG ": pktiod dropped %" PRIu64 " of the packets sent on %s "
			"(device full or no mbuf: tx_dropped)\n", st->tx_dropped, o->port);
	return r->failed > 0 || st->tx_dropped > 0;
}

/* Detach and report. @return the exit status. */
static int
finish(const struct replay_opts *o, struct replay *r, const struct source *src, int rc)
{
	struct pktio_stats st = { 0 };
	bool lost;

	if (replay_close(r, &st, rc != -ECONNRESET) == -ECONNRESET && rc == 0)
		rc = -ECONNRESET;
	if (rc == -ECONNRESET)
		fprintf(stderr, PROG ": pktiod went away\n");
	else if (rc < 0)
		fprintf(stderr, PROG ": send on %s: %s\n", o->port, strerror(-rc));
	summary(o, r, src, &st);
	lost = warnings(o, r, src, &st);
	return rc < 0 || src->failed || lost ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct replay_opts o = { .loops = 1 };
	struct source src = { 0 };
	struct replay r = { 0 };
	int rc;

	cli_prog = PROG;
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	pktio_log_set(cli_log_stderr, o.verbose ? LOG_DEBUG : LOG_WARNING);
	rc = cli_signals_install();
	if (rc < 0) {
		fprintf(stderr, PROG ": sigaction: %s\n", strerror(-rc));
		return 1;
	}
	/* the pacing sleeps end within 1 us of their deadline, not the default 50 us */
	if (o.mode != REPLAY_TOPSPEED)
		prctl(PR_SET_TIMERSLACK, 1000UL);
	src = (struct source){ .file = o.file, .loops = o.loops, .verbose = o.verbose,
			       .name = strcmp(o.file, "-") == 0 ? "standard input" : o.file };
	if (!source_start(&src)) /* a bad file fails before attaching */
		return 1;
	if (replay_open(&o, &r, &src.max_frame) < 0)
		goto close_source;
	if (o.verbose)
		fprintf(stderr, PROG ": sending %s on %s, max frame %u\n", src.name, o.port,
			src.max_frame);
	rc = replay_run(&o, &r, &src);
	source_end(&src);
	return finish(&o, &r, &src, rc);

close_source:
	source_end(&src);
	return 1;
}
