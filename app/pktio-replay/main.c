/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktio-replay: send the packets of a pcap file out of a pktiod port, in order. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <pcap/pcap.h>
#include <pktio.h>

#include "cli.h"

#define PROG "pktio-replay"
#define BATCH 32
#define NSEC_PER_SEC 1000000000L
#define BURST_MAX 128.0          /* token bucket depth cap, packets */

struct opts {
	const char *port;
	const char *sock;
	const char *file;
	uint64_t loops;          /* 0: until interrupted */
	double pps;              /* 0: as fast as the port takes them */
	bool verbose;
};

/* The pcap file, opened again for each pass. */
struct source {
	const char *file;
	bool verbose;
	pcap_t *pd;
	uint64_t loops;
	uint64_t pass;           /* passes started */
	uint64_t index;          /* packet number in the pass, from 1 */
	uint64_t pass_usable;    /* packets of this pass that fit the port */
	unsigned int max_frame;
	uint64_t skipped;
	bool failed;             /* a read error, already reported */
};

struct bucket {
	double rate;             /* packets per second */
	double depth;            /* most tokens kept */
	double tokens;
	unsigned int target;     /* tokens to wait for before a batch */
	struct timespec last;
};

struct replay {
	struct pktio_port *p;
	unsigned char *buf;      /* BATCH buffers of slot_size bytes */
	size_t slot_size;
	struct iovec iov[BATCH];
	uint64_t sent;
	uint64_t bytes;
	uint64_t refused;        /* skipped by pktio_writev itself */
};


static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -i PORT [-s SOCK] [--loop N] [--pps RATE] [-v] FILE.pcap\n"
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
		"  -p, --pps=RATE        send at most RATE packets per second (decimals allowed;\n"
		"                        default: as fast as the port takes them)\n"
		"  -v, --verbose         report the attachment, each skipped packet, and\n"
		"                        libpktio's diagnostics\n"
		"  -h, --help            print this help and exit\n"
		"\n"
		"Packets that are empty or longer than the port's max frame are skipped and\n"
		"counted. Attaches transmit-only (PKTIO_F_TXONLY): it takes no traffic from other\n"
		"clients and shares the port with any of them. Stops on SIGINT or SIGTERM.\n"
		"Exit status: 0 success, 1 error, 2 usage error.\n");
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

/* One option; @return -1 to go on, else the exit status. */
static int
parse_opt(int c, const char *arg, struct opts *o)
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
	case 'p':
		if (parse_rate(arg, &o->pps) < 0)
			return cli_usage_error("bad rate '%s'", arg);
		break;
	case 'v':
		o->verbose = true;
		break;
	case 'h':
		usage(stdout);
		return 0;
	default:
		return cli_usage_error("bad option");
	}
	return -1;
}

/* @return -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "socket", required_argument, NULL, 's' },
		{ "loop", required_argument, NULL, 'l' },
		{ "pps", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, "i:s:l:p:vh", longopts, NULL)) != -1) {
		rc = parse_opt(c, optarg, o);
		if (rc >= 0)
			return rc;
	}
	if (o->port == NULL)
		return cli_usage_error("no port given (-i PORT)");
	if (argc - optind != 1)
		return cli_usage_error(optind == argc ? "no pcap file given" : "too many arguments");
	o->file = argv[optind];
	if (strcmp(o->file, "-") == 0 && o->loops != 1)
		return cli_usage_error("--loop needs a file, not standard input");
	return -1;
}

/* ---- the pcap file ---- */

/* Open the next pass. @return true, or false when there is none (or on error). */
static bool
source_start(struct source *src)
{
	char err[PCAP_ERRBUF_SIZE];

	if (src->failed || (src->loops != 0 && src->pass == src->loops))
		return false;
	if (src->pass > 0 && src->pass_usable == 0)
		return false; /* nothing to send in the file: do not spin on it */
	src->pd = pcap_open_offline(src->file, err);
	if (src->pd == NULL) {
		fprintf(stderr, PROG ": %s\n", err);
		goto failed;
	}
	if (pcap_datalink(src->pd) != DLT_EN10MB) {
		fprintf(stderr, PROG ": %s: link-layer type %s, not Ethernet\n", src->file,
			pcap_datalink_val_to_name(pcap_datalink(src->pd)));
		goto close_pcap;
	}
	src->pass++;
	src->index = 0;
	src->pass_usable = 0;
	return true;

close_pcap:
	pcap_close(src->pd);
	src->pd = NULL;
failed:
	src->failed = true;
	return false;
}

static void
source_end(struct source *src)
{
	if (src->pd != NULL)
		pcap_close(src->pd);
	src->pd = NULL;
}

/* Whether the port can carry this packet; count and report it when not. */
static bool
source_fits(struct source *src, const struct pcap_pkthdr *ph)
{
	src->index++;
	if (ph->caplen > 0 && ph->caplen <= src->max_frame)
		return true;
	src->skipped++;
	if (src->verbose)
		fprintf(stderr, PROG ": %s: pass %" PRIu64 ", packet %" PRIu64 ": %u bytes, "
			"%s: skipped\n", src->file, src->pass, src->index, ph->caplen,
			ph->caplen == 0 ? "empty" : "over the port's max frame");
	return false;
}

/* The next packet that fits the port, across passes. @return 1, or 0 at the end. */
static int
source_next(struct source *src, struct pcap_pkthdr **ph, const u_char **data)
{
	int rc;

	for (;;) {
		if (src->pd == NULL && !source_start(src))
			return 0;
		rc = pcap_next_ex(src->pd, ph, data);
		if (rc == 1 && source_fits(src, *ph)) {
			src->pass_usable++;
			return 1;
		}
		if (rc == 1)
			continue;
		if (rc == PCAP_ERROR_BREAK) {
			source_end(src);
			continue;
		}
		fprintf(stderr, PROG ": %s: %s\n", src->file, pcap_geterr(src->pd));
		src->failed = true;
		return 0;
	}
}

/* ---- rate limit ---- */

static double
ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (double)(a->tv_nsec - b->tv_nsec) / NSEC_PER_SEC;
}

/* About 10 ms of packets per batch, between 1 and BATCH: smooth at low rates. */
static void
bucket_init(struct bucket *b, double pps)
{
	b->rate = pps;
	b->depth = pps / 100 < 1 ? 1 : pps / 100 > BURST_MAX ? BURST_MAX : pps / 100;
	b->target = b->depth < BATCH ? (unsigned int)b->depth : BATCH;
	b->tokens = b->target; /* the first batch goes at once */
	clock_gettime(CLOCK_MONOTONIC, &b->last);
}

static void
bucket_refill(struct bucket *b)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	b->tokens += ts_diff(&now, &b->last) * b->rate;
	if (b->tokens > b->depth)
		b->tokens = b->depth;
	b->last = now;
}

/* Sleep until a batch may go. @return its size (1 to BATCH), or 0 when told to stop. */
static unsigned int
bucket_take(struct bucket *b)
{
	struct timespec until;
	double wait;

	bucket_refill(b);
	while (b->tokens < b->target) {
		if (cli_stop)
			return 0;
		wait = (b->target - b->tokens) / b->rate * NSEC_PER_SEC + 1;
		if (wait > NSEC_PER_SEC) /* at most 1 s at a time; the loop goes on */
			wait = NSEC_PER_SEC;
		until = b->last;
		until.tv_nsec += (long)wait;
		if (until.tv_nsec >= NSEC_PER_SEC) {
			until.tv_sec++;
			until.tv_nsec -= NSEC_PER_SEC;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
		bucket_refill(b);
	}
	return b->tokens < BATCH ? (unsigned int)b->tokens : BATCH;
}

/* ---- sending ---- */

static int
replay_open(const struct opts *o, struct replay *r, unsigned int *max_frame)
{
	unsigned int i;
	int rc;

	/* transmit only: takes no traffic from other clients, conflicts with none */
	r->p = pktio_port_open(o->port, PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, o->sock);
	if (r->p == NULL) {
		rc = -errno;
		fprintf(stderr, PROG ": cannot attach to %s: %s\n", o->port, strerror(-rc));
		return rc;
	}
	*max_frame = pktio_port_max_frame(r->p);
	if (*max_frame > UINT16_MAX) /* pktio_hdr.pktlen is 16 bits */
		*max_frame = UINT16_MAX;
	r->slot_size = sizeof(struct pktio_hdr) + *max_frame;
	r->buf = malloc(BATCH * r->slot_size);
	if (r->buf == NULL) {
		rc = -ENOMEM;
		fprintf(stderr, PROG ": %s\n", strerror(-rc));
		goto close_port;
	}
	for (i = 0; i < BATCH; i++)
		r->iov[i].iov_base = r->buf + i * r->slot_size;
	return 0;

close_port:
	pktio_port_close(r->p);
	return rc;
}

/* Copy up to @want packets into the buffer pool. @return how many (0: no more). */
static int
fill(struct replay *r, struct source *src, unsigned int want)
{
	struct pcap_pkthdr *ph;
	const u_char *data;
	unsigned int n;

	for (n = 0; n < want; n++) {
		struct pktio_hdr *h = r->iov[n].iov_base;

		if (source_next(src, &ph, &data) <= 0)
			break;
		pktio_hdr_set(h, (uint16_t)ph->caplen, (uint64_t)ph->ts.tv_sec * NSEC_PER_SEC +
			      (uint64_t)ph->ts.tv_usec * 1000);
		memcpy(h + 1, data, ph->caplen);
		r->iov[n].iov_len = sizeof(*h) + ph->caplen;
	}
	return (int)n;
}

static void
account(struct replay *r, int first, int n)
{
	int i;

	for (i = first; i < first + n; i++)
		r->bytes += ((const struct pktio_hdr *)r->iov[i].iov_base)->pktlen;
	r->sent += n;
}

/* Send the @n filled buffers, in order. @return 0, or -errno (pktio). */
static int
send_all(struct replay *r, int n)
{
	int done = 0, rc;

	while (done < n) {
		rc = pktio_writev(r->p, &r->iov[done], n - done);
		if (rc == -EMSGSIZE || rc == -EINVAL) { /* refused: skip that one */
			r->refused++;
			done++;
			continue;
		}
		if (rc == -EINTR || rc == -EAGAIN || rc == 0) {
			if (cli_stop)
				return 0;
			continue;
		}
		if (rc < 0)
			return rc;
		account(r, done, rc);
		done += rc;
	}
	return 0;
}

static int
replay_loop(const struct opts *o, struct replay *r, struct source *src)
{
	struct bucket b;
	unsigned int want = BATCH;
	int n, rc;

	if (o->pps > 0)
		bucket_init(&b, o->pps);
	while (!cli_stop) {
		if (o->pps > 0 && (want = bucket_take(&b)) == 0)
			break;
		n = fill(r, src, want);
		if (n == 0)
			break;
		rc = send_all(r, n);
		if (rc < 0)
			return rc;
		if (o->pps > 0)
			b.tokens -= n;
	}
	return 0;
}

/* pktio_port_close() frees the handle: wait for the appliance's counts before it. */
static void
drain(struct replay *r, struct pktio_stats *st)
{
	const struct timespec ms = { .tv_nsec = 1000000 };
	int i;

	for (i = 0; i < 1000; i++) {
		if (pktio_stats_get(r->p, st) < 0 || st->tx_sent + st->tx_dropped >= st->tx_packets)
			return;
		nanosleep(&ms, NULL);
	}
}

static void
summary(const struct replay *r, const struct source *src, const struct pktio_stats *st)
{
	uint64_t skipped = src->skipped + r->refused;

	printf("%" PRIu64 " packets sent, %" PRIu64 " bytes, %" PRIu64 " skipped\n",
	       r->sent, r->bytes, skipped);
	printf("%" PRIu64 " accepted by the device (tx_sent), %" PRIu64
	       " dropped by pktiod (tx_dropped)\n", st->tx_sent, st->tx_dropped);
	fflush(stdout);
	if (skipped > 0)
		fprintf(stderr, PROG ": skipped %" PRIu64 " oversize (over %u bytes) or empty\n",
			skipped, src->max_frame);
}

/* Detach and report. @return the exit status. */
static int
finish(const struct opts *o, struct replay *r, const struct source *src, int rc)
{
	struct pktio_stats st = { 0 };

	if (rc != -ECONNRESET)
		drain(r, &st);
	pktio_stats_get(r->p, &st);
	if (pktio_port_close(r->p) == -ECONNRESET && rc == 0)
		rc = -ECONNRESET;
	free(r->buf);
	if (rc == -ECONNRESET)
		fprintf(stderr, PROG ": pktiod went away\n");
	else if (rc < 0)
		fprintf(stderr, PROG ": send on %s: %s\n", o->port, strerror(-rc));
	summary(r, src, &st);
	return rc < 0 || src->failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .loops = 1 };
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
	src = (struct source){ .file = o.file, .loops = o.loops, .verbose = o.verbose };
	if (!source_start(&src)) /* a bad file fails before attaching */
		return 1;
	if (replay_open(&o, &r, &src.max_frame) < 0)
		goto close_source;
	if (o.verbose)
		fprintf(stderr, PROG ": sending %s on %s, max frame %u\n", o.file, o.port,
			src.max_frame);
	rc = replay_loop(&o, &r, &src);
	source_end(&src);
	return finish(&o, &r, &src, rc);

close_source:
	source_end(&src);
	return 1;
}
