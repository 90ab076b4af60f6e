/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktio-dump: capture the packets of a pktiod port to a pcap file, or print them. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
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

#define PROG "pktio-dump"
#define BATCH 32
#define SNAPLEN 262144
#define ETH_HLEN 14

enum { OPT_FANOUT = 0x100, OPT_MIRROR };

struct opts {
	const char *port;
	const char *sock;
	const char *file;        /* -w; NULL: print one line per packet */
	unsigned int queue;
	unsigned int mode;       /* PKTIO_F_EXCLUSIVE, _FANOUT or _MIRROR */
	uint64_t count;          /* 0: no limit */
	bool verbose;
};

struct capture {
	struct pktio_port *p;
	unsigned char *buf;      /* BATCH slots of slot_size bytes */
	size_t slot_size;
	struct iovec iov[BATCH];
	pcap_t *pd;
	pcap_dumper_t *dump;
	uint64_t captured;
};


static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -i PORT [-q QUEUE] [-w FILE] [-c COUNT] [-s SOCK]\n"
		"                  [--fanout|--mirror] [-v]\n"
		"\n"
		"Capture the packets received on a pktiod port, like tcpdump.\n"
		"\n"
		"Options:\n"
		"  -i, --interface=PORT  port to attach to (a name from pktiod's configuration)\n"
		"  -q, --queue=QUEUE     receive queue, or 'any' for every queue (default: any)\n"
		"  -w, --write=FILE      write a pcap file ('-': standard output) instead of\n"
		"                        printing one line per packet\n"
		"  -c, --count=COUNT     stop after COUNT packets (default: until interrupted)\n"
		"  -s, --socket=SOCK     pktiod control socket (default: $" PKTIO_SOCKET_ENV
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
		"\n"
		"Stops on SIGINT or SIGTERM. Exit status: 0 success, 1 error, 2 usage error.\n");
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

/* One option; @return -1 to go on, else the exit status. */
static int
parse_opt(int c, const char *arg, struct opts *o)
{
	switch (c) {
	case 'i':
		o->port = arg;
		break;
	case 'q':
		if (parse_queue(arg, &o->queue) < 0)
			return cli_usage_error("bad queue '%s'", arg);
		break;
	case 'w':
		o->file = arg;
		break;
	case 'c':
		if (cli_parse_u64(arg, 1, UINT64_MAX, &o->count) < 0)
			return cli_usage_error("bad count '%s'", arg);
		break;
	case 's':
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
		{ "queue", required_argument, NULL, 'q' },
		{ "write", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "fanout", no_argument, NULL, OPT_FANOUT },
		{ "mirror", no_argument, NULL, OPT_MIRROR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, "i:q:w:c:s:vh", longopts, NULL)) != -1) {
		rc = parse_opt(c, optarg, o);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->port == NULL)
		return cli_usage_error("no port given (-i PORT)");
	return -1;
}

static const char *
mode_name(unsigned int mode)
{
	return mode == PKTIO_F_FANOUT ? "fanout" : mode == PKTIO_F_MIRROR ? "mirror" : "exclusive";
}

static int
output_open(const struct opts *o, struct capture *c)
{
	if (o->file == NULL)
		return 0;
	c->pd = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (c->pd == NULL) {
		fprintf(stderr, PROG ": %s: cannot set up pcap output\n", o->file);
		return -ENOMEM;
	}
	c->dump = pcap_dump_open(c->pd, o->file);
	if (c->dump == NULL) {
		fprintf(stderr, PROG ": %s\n", pcap_geterr(c->pd));
		goto close_pcap;
	}
	return 0;

close_pcap:
	pcap_close(c->pd);
	return -EIO;
}

/* Flush and close the output. @return 0, or -errno when data was lost. */
static int
output_close(const struct opts *o, struct capture *c)
{
	int rc = 0;

	if (o->file == NULL) {
		if (fflush(stdout) != 0)
			rc = -errno;
		return rc;
	}
	errno = 0;
	if (pcap_dump_flush(c->dump) < 0 || ferror(pcap_dump_file(c->dump)))
		rc = errno != 0 ? -errno : -EIO;
	pcap_dump_close(c->dump);
	pcap_close(c->pd);
	return rc;
}

static int
capture_open(const struct opts *o, struct capture *c)
{
	unsigned int max_frame, i;
	int rc;

	c->p = pktio_port_open(o->port, o->queue, o->mode, o->sock);
	if (c->p == NULL) {
		rc = -errno;
		fprintf(stderr, PROG ": cannot attach to %s: %s%s\n", o->port, strerror(-rc),
			rc == -EBUSY ? " (try --fanout or --mirror)" : "");
		return rc;
	}
	max_frame = pktio_port_max_frame(c->p);
	if (max_frame == 0 || max_frame > UINT16_MAX)
		max_frame = UINT16_MAX;
	c->slot_size = sizeof(struct pktio_hdr) + max_frame;
	c->buf = malloc(BATCH * c->slot_size);
	if (c->buf == NULL) {
		rc = -ENOMEM;
		fprintf(stderr, PROG ": %s\n", strerror(-rc));
		goto close_port;
	}
	for (i = 0; i < BATCH; i++) {
		c->iov[i].iov_base = c->buf + i * c->slot_size;
		c->iov[i].iov_len = c->slot_size;
	}
	return 0;

close_port:
	pktio_port_close(c->p);
	return rc;
}

static void
capture_close(struct capture *c)
{
	pktio_port_close(c->p); /* -ECONNRESET when pktiod has gone: already reported */
	free(c->buf);
}

static struct timeval
pkt_time(uint64_t tstamp)
{
	struct timeval tv;
	struct timespec now;

	if (tstamp == 0) { /* no receive time: take ours */
		clock_gettime(CLOCK_REALTIME, &now);
		tstamp = (uint64_t)now.tv_sec * 1000000000u + now.tv_nsec;
	}
	tv.tv_sec = tstamp / 1000000000u;
	tv.tv_usec = tstamp % 1000000000u / 1000u;
	return tv;
}

static const char *
ether_type_name(unsigned int type)
{
	switch (type) {
	case 0x0800: return "IPv4";
	case 0x0806: return "ARP";
	case 0x8035: return "Reverse ARP";
	case 0x86dd: return "IPv6";
	case 0x8100: return "802.1Q";
	case 0x88a8: return "802.1Q-QinQ";
	case 0x8847: return "MPLS unicast";
	case 0x8848: return "MPLS multicast";
	case 0x8863: return "PPPoE D";
	case 0x8864: return "PPPoE S";
	case 0x888e: return "EAPOL";
	case 0x88cc: return "LLDP";
	case 0x88f7: return "PTP";
	default: return "Unknown";
	}
}

/* One line like tcpdump -e -q: time, MACs, ethertype, length. */
static void
print_packet(const struct timeval *tv, const unsigned char *d, size_t caplen, unsigned int len)
{
	struct tm tm;
	time_t sec = tv->tv_sec;
	unsigned int type;

	localtime_r(&sec, &tm);
	printf("%02d:%02d:%02d.%06ld ", tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv->tv_usec);
	if (caplen < ETH_HLEN) {
		printf("[|ether], length %u\n", len);
		return;
	}
	type = (unsigned int)d[12] << 8 | d[13];
	printf("%02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x, ",
	       d[6], d[7], d[8], d[9], d[10], d[11], d[0], d[1], d[2], d[3], d[4], d[5]);
	if (type <= 1500)
		printf("802.3, length %u\n", len);
	else
		printf("ethertype %s (0x%04x), length %u\n", ether_type_name(type), type, len);
}

/* Write or print the first @n packets of the batch. @return 0, or -errno (output). */
static int
batch_out(const struct opts *o, struct capture *c, int n)
{
	struct pcap_pkthdr ph;
	int i;

	errno = 0;
	for (i = 0; i < n; i++) {
		const struct pktio_hdr *h = c->iov[i].iov_base;
		const unsigned char *data = (const unsigned char *)h + sizeof(*h);
		size_t room = c->iov[i].iov_len - sizeof(*h);

		ph.ts = pkt_time(h->tstamp);
		ph.len = h->pktlen;
		ph.caplen = h->pktlen < room ? h->pktlen : (bpf_u_int32)room;
		if (o->file != NULL)
			pcap_dump((u_char *)c->dump, &ph, data);
		else
			print_packet(&ph.ts, data, ph.caplen, ph.len);
	}
	c->captured += n;
	if (o->file == NULL)
		return fflush(stdout) == 0 ? 0 : -errno;
	if (strcmp(o->file, "-") == 0 && pcap_dump_flush(c->dump) < 0)
		return errno != 0 ? -errno : -EIO;
	return ferror(pcap_dump_file(c->dump)) ? (errno != 0 ? -errno : -EIO) : 0;
}

/*
 * Receive until COUNT packets, a signal, or an error.
 * @return 0, or -errno: from the read, or from the output (then *out is set).
 */
static int
capture_loop(const struct opts *o, struct capture *c, bool *out)
{
	int n, want, rc;

	while (!cli_stop) {
		want = BATCH;
		if (o->count != 0 && o->count - c->captured < BATCH)
			want = (int)(o->count - c->captured);
		if (want == 0)
			break;
		n = pktio_readv(c->p, c->iov, want);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0)
			return n;
		rc = batch_out(o, c, n < want ? n : want);
		if (rc < 0) {
			*out = true;
			return rc;
		}
	}
	return 0;
}

static void
report(const struct opts *o, const struct capture *c)
{
	struct pktio_stats st;

	fprintf(stderr, "%" PRIu64 " packets captured\n", c->captured);
	if (pktio_stats_get(c->p, &st) < 0)
		return;
	fprintf(stderr, "%" PRIu64 " dropped by pktiod (no free slot)\n", st.rx_no_slot);
	if (!o->verbose)
		return;
	fprintf(stderr, PROG ": rx_packets %" PRIu64 ", rx_bytes %" PRIu64
		", rx_truncated %" PRIu64 ", wakeups %" PRIu64 "\n",
		st.rx_packets, st.rx_bytes, st.rx_truncated, st.wakeups);
}

static void
announce(const struct opts *o, const struct capture *c)
{
	char q[8];

	if (o->queue == PKTIO_QUEUE_ANY)
		snprintf(q, sizeof(q), "any");
	else
		snprintf(q, sizeof(q), "%u", o->queue);
	fprintf(stderr, PROG ": listening on %s, queue %s, mode %s, max frame %u, %s%s\n",
		o->port, q, mode_name(o->mode), pktio_port_max_frame(c->p),
		o->file != NULL ? "writing to " : "printing",
		o->file == NULL ? "" : strcmp(o->file, "-") == 0 ? "stdout" : o->file);
}

/* Report why the capture ended. @return the exit status. */
static int
finish(const struct opts *o, int rc, bool out_err, int close_rc)
{
	const char *what = o->file == NULL || strcmp(o->file, "-") == 0 ? "stdout" : o->file;

	if (out_err)
		fprintf(stderr, PROG ": %s: %s\n", what, strerror(-rc));
	else if (rc == -ECONNRESET)
		fprintf(stderr, PROG ": pktiod went away\n");
	else if (rc < 0)
		fprintf(stderr, PROG ": read from %s: %s\n", o->port, strerror(-rc));
	if (close_rc < 0 && !out_err)
		fprintf(stderr, PROG ": %s: %s\n", what, strerror(-close_rc));
	return rc < 0 || close_rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .queue = PKTIO_QUEUE_ANY, .mode = PKTIO_F_EXCLUSIVE };
	struct capture c = { 0 };
	bool out_err = false;
	int rc, close_rc;

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
	if (capture_open(&o, &c) < 0)
		return 1;
	if (output_open(&o, &c) < 0)
		goto close_capture;
	if (o.verbose)
		announce(&o, &c);
	rc = capture_loop(&o, &c, &out_err);
	close_rc = output_close(&o, &c);
	rc = finish(&o, rc, out_err, close_rc);
	report(&o, &c);
	capture_close(&c);
	return rc;

close_capture:
	capture_close(&c);
	return 1;
}
