/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-replay: when each packet is due. Every mode is one schedule of absolute deadlines
 * from the first packet: packet i is due when the packets (--pps), frame bytes (--mbps) or
 * capture time (--multiplier) before it have had their time at the requested rate. Being
 * late for one packet does not shift the ones after it, so the rate holds over the run.
 */

#include <errno.h>
#include <time.h>

#include "cli.h"
#include "replay.h"

/*
 * The last microseconds before a deadline are spun, not slept: a sleep wakes tens of
 * microseconds late even with a 1 us timer slack (main.c sets it), and a gap that short
 * costs little CPU to spin. Longer gaps sleep, so a slow replay leaves the core free.
 */
#define PACE_SPIN_NS 10000ULL

/* At most this long in one sleep, so that a stop signal is seen within it. */
#define PACE_SLEEP_MAX_NS 200000000ULL

/*
 * Behind by more than this (stopped, or a port slower than the rate), the schedule starts
 * again from now instead of bursting to catch up: a burst is at most 100 ms of packets.
 */
#define PACE_LAG_MAX_NS 100000000ULL

/* Further than any run goes (about 31 years): where a tiny rate's schedule is cut. */
#define PACE_FAR_NS 1e18

#if defined(__x86_64__) || defined(__i386__)
#define pace_relax() __builtin_ia32_pause()
#else
#define pace_relax() do { } while (0)
#endif

uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void
pace_init(struct pace *pc, enum replay_mode mode, double rate)
{
	*pc = (struct pace){ .mode = mode };
	switch (mode) {
	case REPLAY_PPS:
		pc->ns_per_unit = NSEC_PER_SEC / rate;
		break;
	case REPLAY_MBPS: /* 8 bits a byte, 1e6 bits a Mbit */
		pc->ns_per_unit = 8.0 * NSEC_PER_SEC / (rate * 1e6);
		break;
	case REPLAY_MULTIPLIER:
		pc->ns_per_unit = 1.0 / rate;
		break;
	case REPLAY_TOPSPEED:
		break;
	}
}

uint64_t
pace_due(struct pace *pc, const struct pcap_pkthdr *ph, uint64_t now)
{
	uint64_t ts = source_ts(ph), due;
	double off;

	if (!pc->started) {
		pc->started = true;
		pc->origin = now;
		pc->last_ts = ts;
	}
	/* the capture's gaps, never negative: a clock stepped back, or the next pass */
	if (pc->mode == REPLAY_MULTIPLIER) {
		if (ts > pc->last_ts)
			pc->units += ts - pc->last_ts;
		pc->last_ts = ts;
	}
	off = (double)pc->units * pc->ns_per_unit;
	if (off > PACE_FAR_NS) /* a rate so low it would overflow the clock */
		off = PACE_FAR_NS;
	due = pc->origin + (uint64_t)off;
	if (now > due + PACE_LAG_MAX_NS) {
		pc->origin += now - due;
		pc->rebased++;
		due = now;
	}
	if (pc->mode == REPLAY_PPS)
		pc->units++;
	else if (pc->mode == REPLAY_MBPS)
		pc->units += ph->caplen;
	return due;
}

int
pace_wait(uint64_t due)
{
	uint64_t now = mono_ns(), until;
	struct timespec ts;

	while (due > now + PACE_SPIN_NS) {
		if (cli_stop)
			return -EINTR;
		until = due - PACE_SPIN_NS;
		if (until > now + PACE_SLEEP_MAX_NS)
			until = now + PACE_SLEEP_MAX_NS;
		ts.tv_sec = (time_t)(until / NSEC_PER_SEC);
		ts.tv_nsec = (long)(until % NSEC_PER_SEC);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		now = mono_ns();
	}
	while (now < due) {
		if (cli_stop)
			return -EINTR;
		pace_relax();
		now = mono_ns();
	}
	return 0;
}
