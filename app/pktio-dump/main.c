/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-dump: capture the packets of a pktiod port to a pcap or pcapng file, or print them,
 * as tcpdump does for a kernel interface. Receive a batch, run each frame through the
 * filter, cut it to the snapshot length, write it.
 */

#include <errno.h>
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
#include "dump.h"

struct capture {
	struct pktio_port *p;
	unsigned char *buf;      /* DUMP_BATCH slots of slot_size bytes */
	size_t slot_size;
	struct iovec iov[DUMP_BATCH];
	struct bpf_program prog; /* bf_insns NULL: no filter */
	struct dump_out out;     /* with -w */
	uint64_t received;       /* frames read from pktiod: what the filter saw */
	uint64_t captured;       /* frames that passed it, written or printed */
	uint64_t last_ns;        /* time of the last frame, for frames without one */
	bool done;               /* -G with -W wrote its last file */
};

static const char *
mode_name(unsigned int mode)
{
	return mode == PKTIO_F_FANOUT ? "fanout" : mode == PKTIO_F_MIRROR ? "mirror" : "exclusive";
}

static int
capture_open(const struct dump_opts *o, struct capture *c)
{
	unsigned int max_frame, i;
	int rc;

	c->p = pktio_port_open(o->port, o->queue, o->mode, o->sock);
	if (c->p == NULL) {
		rc = -errno;
		cli_attach_error(o->sock, o->port, -rc);
		return rc;
	}
	/* whole frames: the filter may look past the snapshot length, as in the kernel */
	max_frame = pktio_port_max_frame(c->p);
	if (max_frame == 0 || max_frame > UINT16_MAX)
		max_frame = UINT16_MAX;
	c->slot_size = sizeof(struct pktio_hdr) + max_frame;
	c->buf = malloc(DUMP_BATCH * c->slot_size);
	if (c->buf == NULL) {
		rc = -ENOMEM;
		fprintf(stderr, PROG ": %s\n", strerror(-rc));
		goto close_port;
	}
	for (i = 0; i < DUMP_BATCH; i++) {
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

/* What one batch reads once: the clock, for frames without a time and for -G. */
struct batch {
	uint64_t now_ns;         /* 0 until read */
	bool ticked;             /* -G checked */
};

/* A frame without a receive time gets ours, kept increasing. */
static uint64_t
fallback_ns(struct capture *c, struct batch *b)
{
	struct timespec ts;

	if (b->now_ns == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		b->now_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	}
	return b->now_ns > c->last_ns ? b->now_ns : c->last_ns + 1;
}

/* Write a frame that passed the filter. @return 0, or -errno. */
static int
rec_write(const struct dump_opts *o, struct capture *c, struct batch *b,
	  const struct dump_rec *r)
{
	int rc;

	if (o->file == NULL) {
		dump_print(r, o->nano);
		return 0;
	}
	/* -G looks at the clock when packets arrive, as tcpdump; once a batch */
	if (o->rotate_s != 0 && !b->ticked) {
		b->ticked = true;
		rc = dump_out_tick(&c->out, time(NULL));
		if (rc != 0) {
			c->done = rc > 0;
			return rc > 0 ? 0 : rc;
		}
	}
	return dump_out_write(&c->out, r);
}

/* Filter, cut and write one received frame. @return 0, or -errno. */
static int
frame_out(const struct dump_opts *o, struct capture *c, struct batch *b,
	  const struct pktio_hdr *h, size_t room)
{
	struct dump_rec r = { .data = (const uint8_t *)h + sizeof(*h), .len = h->pktlen };
	uint32_t got = h->pktlen < room ? h->pktlen : (uint32_t)room;
	uint32_t keep = o->snaplen;
	struct pcap_pkthdr ph;
	int rc;

	c->received++;
	if (c->prog.bf_insns != NULL) {
		/* the filter returns the snapshot length to keep, as in libpcap; 0 drops */
		ph.caplen = got;
		ph.len = r.len;
		keep = (uint32_t)pcap_offline_filter(&c->prog, &ph, r.data);
		if (keep == 0)
			return 0;
	}
	r.caplen = got < keep ? got : keep;
	r.ns = h->tstamp != 0 ? h->tstamp : fallback_ns(c, b);
	c->last_ns = r.ns;
	rc = rec_write(o, c, b, &r);
	if (rc < 0 || c->done)
		return rc;
	c->captured++;
	return 0;
}

/* The first @p n frames of the batch. @return 0, or -errno (from the output). */
static int
batch_out(const struct dump_opts *o, struct capture *c, int n)
{
	struct batch b = { 0 };
	int i, rc;

	errno = 0;
	for (i = 0; i < n && !c->done; i++) {
		rc = frame_out(o, c, &b, c->iov[i].iov_base,
			       c->iov[i].iov_len - sizeof(struct pktio_hdr));
		if (rc < 0)
			return rc;
	}
	if (o->file == NULL) {
		if (fflush(stdout) == 0)
			return 0;
		rc = errno != 0 ? -errno : -EIO;
		if (rc != -EPIPE)
			fprintf(stderr, PROG ": stdout: %s\n", strerror(-rc));
		return rc;
	}
	rc = dump_out_error(&c->out);
	if (rc == 0 && c->out.is_stdout)
		rc = dump_out_flush(&c->out);
	return rc;
}

/*
 * Receive until COUNT packets, a signal, the last -G file, or an error.
 * @return 0, or -errno: from the read, or from the output (then *out is set).
 */
static int
capture_loop(const struct dump_opts *o, struct capture *c, bool *out)
{
	uint64_t want;
	int n, rc;

	while (!cli_stop && !c->done) {
		/* never more than COUNT still wants, so no packet is taken and not written */
		want = DUMP_BATCH;
		if (o->count != 0 && o->count - c->captured < want)
			want = o->count - c->captured;
		if (want == 0)
			break;
		n = pktio_readv(c->p, c->iov, (int)want);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0)
			return n;
		rc = batch_out(o, c, n < (int)want ? n : (int)want);
		if (rc < 0) {
			*out = true;
			return rc;
		}
	}
	return 0;
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* tcpdump's three lines, pktiod standing in for the kernel. */
static void
report(const struct dump_opts *o, const struct capture *c)
{
	struct pktio_stats st;

	fprintf(stderr, "%" PRIu64 " packet%s captured\n", c->captured, plural(c->captured));
	fprintf(stderr, "%" PRIu64 " packet%s received by filter\n", c->received,
		plural(c->received));
	if (pktio_stats_get(c->p, &st) < 0)
		return;
	fprintf(stderr, "%" PRIu64 " packet%s dropped by pktiod\n", st.rx_no_slot,
		plural(st.rx_no_slot));
	if (!o->verbose)
		return;
	fprintf(stderr, PROG ": rx_packets %" PRIu64 ", rx_bytes %" PRIu64
		", rx_truncated %" PRIu64 ", wakeups %" PRIu64 "\n",
		st.rx_packets, st.rx_bytes, st.rx_truncated, st.wakeups);
}

/* tcpdump's "listening on" line; with -v, how pktio-dump is attached and what it writes. */
static void
announce(const struct dump_opts *o, const struct capture *c)
{
	char q[16];

	fprintf(stderr, PROG ": listening on %s, link-type EN10MB (Ethernet), snapshot length "
		"%u bytes\n", o->port, o->snaplen);
	if (!o->verbose)
		return;
	if (o->queue == PKTIO_QUEUE_ANY)
		snprintf(q, sizeof(q), "any");
	else
		snprintf(q, sizeof(q), "%u", o->queue);
	fprintf(stderr, PROG ": queue %s, mode %s, max frame %u, filter %s, %s%s%s%s\n", q,
		mode_name(o->mode), pktio_port_max_frame(c->p),
		o->filter != NULL ? o->filter : "none",
		o->file == NULL ? "printing" : "writing ",
		o->file == NULL ? "" : o->format == DUMP_PCAPNG ? "pcapng to " : "pcap to ",
		o->file == NULL ? "" : c->out.name,
		o->nano ? ", nanosecond time stamps" : "");
}

/*
 * Report why the capture ended. The reader of -w - going away (EPIPE) is a normal end, as
 * for tcpdump. @return the exit status.
 */
static int
finish(const struct dump_opts *o, int rc, bool out_err, int close_rc)
{
	if (out_err && rc == -EPIPE)
		return 0;
	if (close_rc == -EPIPE)
		close_rc = 0;
	if (!out_err && rc == -ECONNRESET)
		fprintf(stderr, PROG ": pktiod went away\n");
	else if (!out_err && rc < 0)
		fprintf(stderr, PROG ": read from %s: %s\n", o->port, strerror(-rc));
	return rc < 0 || close_rc < 0 ? 1 : 0;
}

/* Signals: SIGINT and SIGTERM stop; SIGPIPE is ignored, so a write returns EPIPE. */
static int
signals_install(void)
{
	int rc = cli_signals_install();

	if (rc == 0 && signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		rc = -errno;
	if (rc < 0)
		fprintf(stderr, PROG ": sigaction: %s\n", strerror(-rc));
	return rc;
}

static int
run(const struct dump_opts *o, struct capture *c)
{
	bool out_err = false;
	int rc, close_rc = 0;

	if (capture_open(o, c) < 0)
		return 1;
	if (o->file != NULL && dump_out_open(&c->out, o, o->port) < 0)
		goto close_capture;
	announce(o, c);
	rc = capture_loop(o, c, &out_err);
	if (o->file != NULL)
		close_rc = dump_out_close(&c->out);
	else if (!out_err && fflush(stdout) != 0)
		close_rc = -errno;
	rc = finish(o, rc, out_err, close_rc);
	report(o, c);
	capture_close(c);
	return rc;

close_capture:
	capture_close(c);
	return 1;
}

int
main(int argc, char **argv)
{
	struct dump_opts o = {
		.queue = PKTIO_QUEUE_ANY,
		.mode = PKTIO_F_EXCLUSIVE,
		.snaplen = DUMP_MAX_SNAPLEN,
	};
	struct capture c = { 0 };
	int rc;

	cli_prog = PROG;
	rc = dump_parse_args(argc, argv, &o, &c.prog);
	if (rc >= 0)
		goto free_filter;
	pktio_log_set(cli_log_stderr, o.verbose ? LOG_DEBUG : LOG_WARNING);
	rc = signals_install() < 0 ? 1 : run(&o, &c);

free_filter:
	pcap_freecode(&c.prog);
	free(o.filter);
	return rc;
}
