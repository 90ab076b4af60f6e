/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_REPLAY_H
#define PKTIO_REPLAY_H

/*
 * pktio-replay's parts: the pcap file (source.c), the schedule that paces it (pace.c), and
 * the sending through libpktio (send.c); main.c parses the options and prints the summary.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <pcap/pcap.h>

#define PROG "pktio-replay"
#define REPLAY_BATCH 32
#define NSEC_PER_SEC 1000000000L

/** How fast to send: one mode, chosen by exactly one rate option. */
enum replay_mode {
	REPLAY_TOPSPEED,   /* as fast as the port takes them (the default) */
	REPLAY_PPS,        /* packets per second */
	REPLAY_MBPS,       /* Mbit/s of frame bytes */
	REPLAY_MULTIPLIER, /* the capture's own timing, sped up */
};

struct replay_opts {
	const char *port;
	const char *sock;
	const char *file;
	uint64_t loops;          /* 0: until interrupted */
	enum replay_mode mode;
	const char *mode_opt;    /* the option that chose it, for messages */
	double rate;             /* pps, Mbit/s or multiplier; 0 for top speed */
	bool verbose;
};

/* ---- source.c: the pcap file, opened again for each pass ---- */

struct source {
	const char *file;        /* as given; "-" is standard input */
	const char *name;        /* for messages */
	bool verbose;
	pcap_t *pd;
	uint64_t loops;
	uint64_t pass;           /* passes started */
	uint64_t index;          /* packet number in the pass, from 1 */
	uint64_t pass_usable;    /* packets of this pass that fit the port */
	unsigned int max_frame;
	uint64_t skipped;        /* empty, or over max_frame */
	uint64_t truncated;      /* returned with caplen < len (sent as captured) */
	bool failed;             /* a read error, already reported */
};

/** Open the next pass. @return true, or false when there is none (or on error, reported). */
bool source_start(struct source *src);

/** Close the current pass, if open. */
void source_end(struct source *src);

/**
 * The next packet that fits the port, across passes; the pointers stay valid until the
 * next call. @return 1, or 0 at the end (src->failed tells an error from the end).
 */
int source_next(struct source *src, struct pcap_pkthdr **ph, const u_char **data);

/** A record's capture time, in ns (the file is opened at nanosecond precision). */
static inline uint64_t
source_ts(const struct pcap_pkthdr *ph)
{
	return (uint64_t)ph->ts.tv_sec * NSEC_PER_SEC + (uint64_t)ph->ts.tv_usec;
}

/* ---- pace.c: when each packet is due ---- */

struct pace {
	enum replay_mode mode;
	double ns_per_unit;      /* a packet (pps), a byte (mbps), a capture ns (multiplier) */
	uint64_t origin;         /* CLOCK_MONOTONIC ns where the schedule starts */
	uint64_t units;          /* packets, bytes or capture ns before the next packet */
	uint64_t last_ts;        /* capture time of the previous packet (multiplier) */
	bool started;
	uint64_t rebased;        /* times the schedule restarted after falling behind */
};

/** CLOCK_MONOTONIC in ns. */
uint64_t mono_ns(void);

/** Set up the schedule for @p mode at @p rate (pps, Mbit/s or multiplier). */
void pace_init(struct pace *pc, enum replay_mode mode, double rate);

/**
 * The CLOCK_MONOTONIC time at which the packet @p ph is due, and count it in the schedule.
 * The first packet is due now.
 */
uint64_t pace_due(struct pace *pc, const struct pcap_pkthdr *ph, uint64_t now);

/**
 * Sleep until @p due: clock_nanosleep() to an absolute deadline, then a spin of the last
 * few microseconds. @return 0, or -EINTR when told to stop (cli_stop).
 */
int pace_wait(uint64_t due);

/* ---- send.c: the attachment ---- */

struct pktio_port;
struct pktio_stats;

struct replay {
	struct pktio_port *p;
	unsigned char *buf;      /* REPLAY_BATCH buffers of slot_size bytes */
	size_t slot_size;
	struct iovec iov[REPLAY_BATCH];
	uint64_t sent;           /* handed to pktiod */
	uint64_t bytes;          /* their frame bytes */
	uint64_t failed;         /* refused by pktio_writev() */
	uint64_t t_first;        /* CLOCK_MONOTONIC ns before the first send */
	uint64_t t_last;         /* after the last */
};

/** Attach transmit-only and allocate the buffers. @return 0, or -errno (reported). */
int replay_open(const struct replay_opts *o, struct replay *r, unsigned int *max_frame);

/** Send the file as @p o says until its end, an error or a stop signal. @return 0 or -errno. */
int replay_run(const struct replay_opts *o, struct replay *r, struct source *src);

/**
 * Wait (at most 1 s) until pktiod accounted for every packet sent, read the handle's
 * counters into @p st, detach and free. @return 0, or -ECONNRESET when pktiod had gone.
 */
int replay_close(struct replay *r, struct pktio_stats *st, bool drain);

#endif /* PKTIO_REPLAY_H */
