/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktio-replay: the attachment, and the packets through it in file order. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pktio.h>

#include "cli.h"
#include "replay.h"

int
replay_open(const struct replay_opts *o, struct replay *r, unsigned int *max_frame)
{
	unsigned int i;
	int rc;

	/* transmit only: takes no traffic from other clients, conflicts with none */
	r->p = pktio_port_open(o->port, PKTIO_QUEUE_ANY, PKTIO_F_TXONLY, o->sock);
	if (r->p == NULL) {
		rc = -errno;
		cli_attach_error(o->sock, o->port, -rc);
		return rc;
	}
	*max_frame = pktio_port_max_frame(r->p);
	if (*max_frame > UINT16_MAX) /* pktio_hdr.pktlen is 16 bits */
		*max_frame = UINT16_MAX;
	r->slot_size = sizeof(struct pktio_hdr) + *max_frame;
	r->buf = malloc(REPLAY_BATCH * r->slot_size);
	if (r->buf == NULL) {
		rc = -ENOMEM;
		fprintf(stderr, PROG ": %s\n", strerror(-rc));
		goto close_port;
	}
	for (i = 0; i < REPLAY_BATCH; i++)
		r->iov[i].iov_base = r->buf + i * r->slot_size;
	return 0;

close_port:
	pktio_port_close(r->p);
	return rc;
}

/* Copy one packet into buffer @p i: the header, then the captured bytes. */
static void
slot_fill(struct replay *r, unsigned int i, const struct pcap_pkthdr *ph, const u_char *data)
{
	struct pktio_hdr *h = r->iov[i].iov_base;

	pktio_hdr_set(h, (uint16_t)ph->caplen, source_ts(ph));
	memcpy(h + 1, data, ph->caplen);
	r->iov[i].iov_len = sizeof(*h) + ph->caplen;
}

static void
account(struct replay *r, int first, int n)
{
	int i;

	for (i = first; i < first + n; i++)
		r->bytes += ((const struct pktio_hdr *)r->iov[i].iov_base)->pktlen;
	r->sent += n;
}

/* Send the @p n filled buffers, in order. @return 0, or -errno (pktio). */
static int
send_all(struct replay *r, int n)
{
	int done = 0, rc;

	while (done < n) {
		rc = pktio_writev(r->p, &r->iov[done], n - done);
		if (rc == -EMSGSIZE || rc == -EINVAL) { /* refused: a failed send, go on */
			r->failed++;
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

/* Send what is in the buffers, and note the time. @return as send_all(). */
static int
flush(struct replay *r, unsigned int *n)
{
	int rc;

	if (*n == 0)
		return 0;
	if (r->t_first == 0)
		r->t_first = mono_ns();
	rc = send_all(r, (int)*n);
	r->t_last = mono_ns();
	*n = 0;
	return rc;
}

int
replay_run(const struct replay_opts *o, struct replay *r, struct source *src)
{
	struct pcap_pkthdr *ph;
	const u_char *data;
	struct pace pc;
	unsigned int n = 0;
	uint64_t now, due;
	int rc = 0;

	pace_init(&pc, o->mode, o->rate);
	while (!cli_stop && source_next(src, &ph, &data) > 0) {
		if (o->mode != REPLAY_TOPSPEED) {
			now = mono_ns();
			due = pace_due(&pc, ph, now);
			/* not due yet: what is due goes now, then sleep until this one is */
			if (due > now) {
				rc = flush(r, &n);
				if (rc < 0 || pace_wait(due) < 0)
					break;
			}
		}
		slot_fill(r, n++, ph, data);
		if (n == REPLAY_BATCH && (rc = flush(r, &n)) < 0)
			break;
	}
	if (rc == 0)
		rc = flush(r, &n);
	if (o->verbose && pc.rebased > 0)
		fprintf(stderr, PROG ": fell behind the schedule by over 100 ms %" PRIu64
			" times: it restarted from there each time\n", pc.rebased);
	return rc;
}

int
replay_close(struct replay *r, struct pktio_stats *st, bool drain)
{
	const struct timespec ms = { .tv_nsec = 1000000 };
	int i, rc;

	/* pktio_port_close() frees the handle: wait for the appliance's counts before it */
	for (i = 0; drain && i < 1000; i++) {
		if (pktio_stats_get(r->p, st) < 0 || st->tx_sent + st->tx_dropped >= st->tx_packets)
			break;
		nanosleep(&ms, NULL);
	}
	pktio_stats_get(r->p, st);
	rc = pktio_port_close(r->p);
	free(r->buf);
	r->p = NULL;
	r->buf = NULL;
	return rc;
}
