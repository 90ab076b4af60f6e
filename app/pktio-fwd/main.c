/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-fwd: a forwarding appliance over pktiod's ports. The main thread reads the
 * configuration, builds the router's tables, starts one worker per queue pair and then only
 * waits for signals (SIGUSR1: statistics; SIGINT, SIGTERM: stop) and for the workers to say
 * they are done (--count) or failed.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fwd.h"

#define DEFAULT_CONF "/etc/pktio/pktio-fwd.conf"

struct opts {
	const char *conf;
	const char *sock;
	const char *stats_json;
	uint64_t count;
	double duration;
	int notify_fd;
	bool check;
};

static struct fwd fwd;

uint64_t
fwd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " FWD_PROG " [-f FILE] [-s SOCK] [-c COUNT] [-d SEC] [-j FILE]\n"
		"                 [--notify-fd FD] [--check] [--version]\n"
		"\n"
		"Forward between pktiod ports: an L2 cross-connect or an IPv4 router.\n"
		"\n"
		"  -f, --config=FILE      configuration (default " DEFAULT_CONF ")\n"
		"  -s, --socket=SOCK      pktiod control socket (overrides the socket key)\n"
		"  -c, --count=COUNT      stop after receiving COUNT frames (all ports together)\n"
		"  -d, --duration=SEC     stop after SEC seconds (fractions allowed); the final\n"
		"                         counters include the rates over the run\n"
		"  -j, --json=FILE        write the counters as JSON to FILE on SIGUSR1 and at\n"
		"                         exit ('-': standard output, the text then going to\n"
		"                         standard error; default: the stats_json key)\n"
		"      --notify-fd=FD     write READY to FD once every port is attached\n"
		"      --check            check the configuration and exit\n"
		"      --version          print the version and exit\n"
		"  -h, --help             print this help and exit\n"
		"\n"
		"Signals: SIGUSR1 prints the counters (and writes --json); SIGINT and\n"
		"SIGTERM stop cleanly. Exit status: 0 success, 1 error, 2 usage error.\n");
}

static int
parse_duration(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno != 0 || end == s || *end != '\0' || !(*v > 0 && *v <= 1e6) ? -EINVAL : 0;
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

/* @return -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "notify-fd", required_argument, NULL, 'n' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":f:s:c:d:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->conf = optarg;
			break;
		case 's':
			o->sock = optarg;
			break;
		case 'c':
			if (cli_parse_u64(optarg, 1, UINT64_MAX, &o->count) < 0)
				return cli_usage_error("bad count '%s' (1 or more)", optarg);
			break;
		case 'd':
			if (parse_duration(optarg, &o->duration) < 0)
				return cli_usage_error("bad duration '%s' (seconds, 0 to 1e6)",
						       optarg);
			break;
		case 'j':
			o->stats_json = optarg;
			break;
		case 'n':
			o->notify_fd = atoi(optarg);
			break;
		case 'k':
			o->check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			cli_version();
			return 0;
		default:
			return bad_option(c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

static void
notify_ready(int fd)
{
	if (fd < 0)
		return;
	if (write(fd, "READY\n", 6) != 6)
		fprintf(stderr, FWD_PROG ": notify-fd %d: %s\n", fd, strerror(errno));
	close(fd);
}

static int
signals_block(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	/* before any thread exists (EAL's, the workers): they all inherit the mask */
	return -pthread_sigmask(SIG_BLOCK, sigs, NULL);
}

static void
stats_dump(struct fwd *f)
{
	/* JSON on standard output (-j -) keeps it to itself: the text goes to stderr then */
	bool json_out = f->stats_json != NULL && strcmp(f->stats_json, "-") == 0;
	FILE *text = json_out ? stderr : stdout;
	int rc;

	fwd_stats_print(f, text);
	fflush(text);
	rc = f->stats_json != NULL ? fwd_stats_json(f, f->stats_json) : 0;
	if (rc < 0)
		fprintf(stderr, FWD_PROG ": %s: %s\n", f->stats_json, strerror(-rc));
}

/* Milliseconds to the end of --duration, for poll(): -1 without one, 0 once past it. */
static int
time_left_ms(const struct fwd *f)
{
	uint64_t now = fwd_now_ns();

	if (f->end_ns == 0)
		return -1;
	return now >= f->end_ns ? 0 : (int)((f->end_ns - now + 999999) / 1000000);
}

/*
 * Sleep until SIGINT/SIGTERM, the end of --duration or a worker's word (--count reached, or
 * an error); SIGUSR1 prints the counters meanwhile.
 */
static int
serve(struct fwd *f, const sigset_t *sigs)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	uint64_t v;
	int n, sfd = signalfd(-1, sigs, SFD_CLOEXEC);

	if (sfd < 0)
		return -errno;
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = f->done_fd, .events = POLLIN };
	for (;;) {
		n = poll(pfd, 2, time_left_ms(f));
		if ((n < 0 && errno != EINTR) || (n == 0 && time_left_ms(f) == 0))
			break;
		if (pfd[1].revents != 0 && read(f->done_fd, &v, sizeof(v)) == sizeof(v))
			break;
		if (pfd[0].revents == 0 || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGUSR1)
			break;
		stats_dump(f);
	}
	close(sfd);
	return 0;
}

/* Which xconnect or interface each port belongs to. */
static void
port_maps(struct fwd *f)
{
	unsigned int i;

	for (i = 0; i < FWD_MAX_PORTS; i++)
		f->port_if[i] = f->port_xc[i] = -1;
	for (i = 0; i < f->conf.nb_xc; i++) {
		f->port_xc[f->conf.xc[i].port[0]] = i;
		f->port_xc[f->conf.xc[i].port[1]] = i;
	}
	for (i = 0; i < f->conf.nb_if; i++)
		f->port_if[f->conf.ifc[i].port] = i;
}

static int
router_init(struct fwd *f, char *err, size_t errlen)
{
	int rc = fwd_eal_init(f, err, errlen);

	if (rc < 0)
		return rc;
	rc = fwd_route_init(f, err, errlen);
	if (rc < 0)
		return rc;
	rc = fwd_nbr_init(f);
	if (rc < 0)
		snprintf(err, errlen, "neighbour table: %s", strerror(-rc));
	return rc;
}

static void
router_fini(struct fwd *f)
{
	fwd_nbr_free(f);
	fwd_route_free(f);
	fwd_eal_cleanup(f);
}

static int
run(struct fwd *f, const struct opts *o, const sigset_t *sigs)
{
	char err[512] = "";
	int rc = 0, wrc = 0;

	if (f->conf.mode == FWD_MODE_ROUTER)
		rc = router_init(f, err, sizeof(err));
	f->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rc == 0 && f->done_fd < 0)
		rc = -errno, snprintf(err, sizeof(err), "eventfd: %s", strerror(errno));
	if (rc < 0)
		goto fini;
	port_maps(f);
	rc = fwd_workers_start(f);
	if (rc == 0) {
		if (o->duration > 0)
			f->end_ns = f->start_ns + (uint64_t)(o->duration * 1e9);
		notify_ready(o->notify_fd);
		rc = serve(f, sigs);
		wrc = fwd_workers_stop(f);
		stats_dump(f);
	} else {
		fwd_workers_stop(f);
	}
	fwd_workers_free(f);
	rc = rc ?: wrc;
fini:
	if (err[0] != '\0')
		fprintf(stderr, FWD_PROG ": %s\n", err);
	if (f->done_fd >= 0)
		close(f->done_fd);
	if (f->conf.mode == FWD_MODE_ROUTER)
		router_fini(f);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = { .conf = DEFAULT_CONF, .notify_fd = -1 };
	char err[512];
	sigset_t sigs;
	int rc;

	cli_prog = FWD_PROG;
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	/* pktiod's reason for refusing an attach (the holder of a busy queue, the allow list) */
	pktio_log_set(cli_log_stderr, LOG_WARNING);
	if (fwd_conf_load(&fwd.conf, o.conf, err, sizeof(err)) < 0) {
		fprintf(stderr, FWD_PROG ": %s\n", err);
		return 1;
	}
	if (o.check) {
		printf("%s: OK, %s, %u port(s)\n", o.conf,
		       fwd.conf.mode == FWD_MODE_L2 ? "l2" : "router", fwd.conf.nb_ports);
		return 0;
	}
	if (o.sock != NULL)
		snprintf(fwd.conf.socket, sizeof(fwd.conf.socket), "%s", o.sock);
	fwd.stats_json = o.stats_json != NULL ? o.stats_json :
			 fwd.conf.stats_json[0] != '\0' ? fwd.conf.stats_json : NULL;
	fwd.count = o.count;
	fwd.default_nh = -1;
	fwd.done_fd = -1;
	rc = signals_block(&sigs);
	rc = rc ?: run(&fwd, &o, &sigs);
	return rc < 0 ? 1 : 0;
}
