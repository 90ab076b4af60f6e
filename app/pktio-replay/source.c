/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktio-replay: the pcap file, read again for each pass. Every message names the file. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "replay.h"

/* "PROG: FILE: what": libpcap names the file itself in some messages; say it once. */
static void
source_error(const struct source *src, const char *what)
{
	size_t n = strlen(src->file);

	if (strncmp(what, src->file, n) == 0 && strncmp(what + n, ": ", 2) == 0)
		what += n + 2;
	fprintf(stderr, PROG ": %s: %s\n", src->name, what);
}

bool
source_start(struct source *src)
{
	char err[PCAP_ERRBUF_SIZE];

	if (src->failed || (src->loops != 0 && src->pass == src->loops))
		return false;
	if (src->pass > 0 && src->pass_usable == 0)
		return false; /* nothing to send in the file: do not spin on it */
	/* nanoseconds whatever the file holds: the multiplier's timing and the header */
	src->pd = pcap_open_offline_with_tstamp_precision(src->file, PCAP_TSTAMP_PRECISION_NANO,
							  err);
	if (src->pd == NULL) {
		source_error(src, err);
		goto failed;
	}
	if (pcap_datalink(src->pd) != DLT_EN10MB) {
		fprintf(stderr, PROG ": %s: link-layer type %s, not Ethernet\n", src->name,
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

void
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
	if (ph->caplen > 0 && ph->caplen <= src->max_frame) {
		if (ph->caplen < ph->len)
			src->truncated++;
		return true;
	}
	src->skipped++;
	if (src->verbose)
		fprintf(stderr, PROG ": %s: pass %" PRIu64 ", packet %" PRIu64 ": %u bytes, "
			"%s: skipped\n", src->name, src->pass, src->index, ph->caplen,
			ph->caplen == 0 ? "empty" : "over the port's max frame");
	return false;
}

int
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
		source_error(src, pcap_geterr(src->pd));
		src->failed = true;
		return 0;
	}
}
