/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Counters: each worker keeps its own (plain 64-bit words, written by it alone); readers
 * sum them with relaxed loads. Printed as text on SIGUSR1 and at exit, and as JSON in the
 * layout pktioctl uses (one object, arrays of named objects) for --stats-json.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fwd.h"

const char *const fwd_drop_names[FWD_DROP_MAX] = {
	[FWD_DROP_RUNT] = "runt",
	[FWD_DROP_OTHER_HOST] = "other_host",
	[FWD_DROP_UNSUPPORTED] = "unsupported",
	[FWD_DROP_BAD_HEADER] = "bad_header",
	[FWD_DROP_BAD_CHECKSUM] = "bad_checksum",
	[FWD_DROP_NOT_ROUTABLE] = "not_routable",
	[FWD_DROP_TTL] = "ttl_exceeded",
	[FWD_DROP_NO_ROUTE] = "no_route",
	[FWD_DROP_LOCAL] = "local",
	[FWD_DROP_ARP_OVERFLOW] = "arp_pending_overflow",
	[FWD_DROP_ARP_UNRESOLVED] = "arp_unresolved",
	[FWD_DROP_NO_ROUTE_OUT] = "no_route_out",
	[FWD_DROP_TOO_LONG] = "too_long",
	[FWD_DROP_TX_FULL] = "tx_full",
};

_Static_assert(sizeof(struct fwd_wstats) % sizeof(uint64_t) == 0, "only 64-bit counters");

static void
stats_sum(const struct fwd *f, struct fwd_wstats *s)
{
	const size_t nb = sizeof(*s) / sizeof(uint64_t);
	uint64_t *dst = (uint64_t *)s;
	unsigned int i;
	size_t k;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < f->nb_workers; i++) {
		const uint64_t *src = (const uint64_t *)&f->w[i]->st;

		for (k = 0; k < nb; k++)
			dst[k] += __atomic_load_n(&src[k], __ATOMIC_RELAXED);
	}
}

/* Frames received (@p tx false) or sent on all ports. */
static uint64_t
total(const struct fwd *f, const struct fwd_wstats *s, bool tx)
{
	uint64_t n = 0;
	unsigned int p;

	for (p = 0; p < f->conf.nb_ports; p++)
		n += tx ? s->port[p].tx_packets : s->port[p].rx_packets;
	return n;
}

/* Time the workers ran: until now, or until they were told to stop. */
static uint64_t
uptime_ns(const struct fwd *f)
{
	uint64_t end = f->stop_ns != 0 ? f->stop_ns : fwd_now_ns();

	return end > f->start_ns ? end - f->start_ns : 0;
}

static double
rate(uint64_t n, uint64_t ns)
{
	return ns == 0 ? 0 : n * 1e9 / ns;
}

/* ---- text ---- */

static void
text_ports(FILE *o, const struct fwd *f, const struct fwd_wstats *s)
{
	unsigned int p;

	fprintf(o, "%-16s %12s %14s %12s %14s %8s %8s %8s\n", "PORT", "RX_PKTS", "RX_BYTES",
		"TX_PKTS", "TX_BYTES", "RUNT", "TOO_LONG", "TX_FULL");
	for (p = 0; p < f->conf.nb_ports; p++) {
		const struct fwd_port_stats *ps = &s->port[p];

		fprintf(o, "%-16s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 " %8"
			PRIu64 " %8" PRIu64 " %8" PRIu64 "\n", f->conf.port[p], ps->rx_packets,
			ps->rx_bytes, ps->tx_packets, ps->tx_bytes, ps->runt, ps->too_long,
			ps->tx_full);
	}
}

static void
text_router(FILE *o, struct fwd *f, const struct fwd_wstats *s)
{
	unsigned int i;

	fprintf(o, "routed %" PRIu64 ", pending %" PRIu64 ", neighbours %u\ndrops:", s->routed,
		s->pending, fwd_nbr_count(f));
	for (i = 0; i < FWD_DROP_MAX; i++)
		fprintf(o, "%s %s %" PRIu64, i > 0 ? "," : "", fwd_drop_names[i], s->drop[i]);
	fprintf(o, "\narp: requests in %" PRIu64 ", replies in %" PRIu64 ", requests out %"
		PRIu64 ", replies out %" PRIu64 ", learned %" PRIu64 "\n", s->arp_requests_in,
		s->arp_replies_in, s->arp_requests_out, s->arp_replies_out, s->arp_learned);
	fprintf(o, "icmp: echo requests %" PRIu64 ", echo replies %" PRIu64
		", time exceeded %" PRIu64 ", unreachable %" PRIu64 ", rate limited %" PRIu64
		", suppressed %" PRIu64 "\n", s->echo_requests, s->echo_replies,
		s->icmp_time_exceeded, s->icmp_unreachable, s->icmp_rate_limited,
		s->icmp_suppressed);
}

void
fwd_stats_print(struct fwd *f, FILE *o)
{
	struct fwd_wstats s;
	uint64_t ns = uptime_ns(f), rx, tx;

	stats_sum(f, &s);
	rx = total(f, &s, false);
	tx = total(f, &s, true);
	fprintf(o, FWD_PROG ": %s, %u worker(s), up %" PRIu64 " ms, %" PRIu64 " frames in, %"
		PRIu64 " out (%.0f/s in, %.0f/s out)\n", f->conf.mode == FWD_MODE_L2 ? "l2" :
		"router", f->nb_workers, ns / 1000000, rx, tx, rate(rx, ns), rate(tx, ns));
	text_ports(o, f, &s);
	if (f->conf.mode == FWD_MODE_ROUTER)
		text_router(o, f, &s);
}

/* ---- JSON ---- */

static void
json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(o, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(o, "\\u%04x", *s);
		else
			fputc(*s, o);
	}
	fputc('"', o);
}

static void
json_port_fields(FILE *o, const struct fwd_port_stats *ps)
{
	fprintf(o, "\"rx_packets\": %" PRIu64 ", \"rx_bytes\": %" PRIu64 ", \"tx_packets\": %"
		PRIu64 ", \"tx_bytes\": %" PRIu64 ", \"runt\": %" PRIu64 ", \"too_long\": %"
		PRIu64 ", \"tx_full\": %" PRIu64, ps->rx_packets, ps->rx_bytes, ps->tx_packets,
		ps->tx_bytes, ps->runt, ps->too_long, ps->tx_full);
}

static void
json_ports(FILE *o, const struct fwd *f, const struct fwd_wstats *s)
{
	unsigned int p;

	fputs("  \"ports\": [", o);
	for (p = 0; p < f->conf.nb_ports; p++) {
		fputs(p > 0 ? ",\n    {\"name\": " : "\n    {\"name\": ", o);
		json_str(o, f->conf.port[p]);
		fputs(", ", o);
		json_port_fields(o, &s->port[p]);
		fputc('}', o);
	}
	fputs("\n  ]", o);
}

/* One direction: what @p in received, what @p out sent of it. */
static void
json_direction(FILE *o, const struct fwd_port_stats *in, const struct fwd_port_stats *out)
{
	fprintf(o, "{\"rx_packets\": %" PRIu64 ", \"rx_bytes\": %" PRIu64 ", \"tx_packets\": %"
		PRIu64 ", \"tx_bytes\": %" PRIu64 ", \"runt\": %" PRIu64 ", \"too_long\": %"
		PRIu64 ", \"tx_full\": %" PRIu64 "}", in->rx_packets, in->rx_bytes,
		out->tx_packets, out->tx_bytes, in->runt, out->too_long, out->tx_full);
}

static void
json_xconnects(FILE *o, const struct fwd *f, const struct fwd_wstats *s)
{
	unsigned int i;

	fputs(",\n  \"xconnects\": [", o);
	for (i = 0; i < f->conf.nb_xc; i++) {
		const struct fwd_xc_conf *xc = &f->conf.xc[i];

		fputs(i > 0 ? ",\n    {\"name\": " : "\n    {\"name\": ", o);
		json_str(o, xc->name);
		fputs(", \"a\": ", o);
		json_str(o, f->conf.port[xc->port[0]]);
		fputs(", \"b\": ", o);
		json_str(o, f->conf.port[xc->port[1]]);
		fputs(",\n     \"a_to_b\": ", o);
		json_direction(o, &s->port[xc->port[0]], &s->port[xc->port[1]]);
		fputs(",\n     \"b_to_a\": ", o);
		json_direction(o, &s->port[xc->port[1]], &s->port[xc->port[0]]);
		fputc('}', o);
	}
	fputs("\n  ]", o);
}

static void
json_interfaces(FILE *o, const struct fwd *f, const struct fwd_wstats *s)
{
	unsigned int i;

	fputs(",\n  \"interfaces\": [", o);
	for (i = 0; i < f->conf.nb_if; i++) {
		const struct fwd_if_conf *ifc = &f->conf.ifc[i];
		const uint8_t *m = ifc->mac.addr_bytes;

		fputs(i > 0 ? ",\n    {\"name\": " : "\n    {\"name\": ", o);
		json_str(o, ifc->name);
		fputs(", \"port\": ", o);
		json_str(o, f->conf.port[ifc->port]);
		fprintf(o, ", \"address\": \"%u.%u.%u.%u/%u\", \"mac\": "
			"\"%02x:%02x:%02x:%02x:%02x:%02x\", ", ifc->addr >> 24,
			(ifc->addr >> 16) & 0xff, (ifc->addr >> 8) & 0xff, ifc->addr & 0xff,
			ifc->plen, m[0], m[1], m[2], m[3], m[4], m[5]);
		json_port_fields(o, &s->port[ifc->port]);
		fputc('}', o);
	}
	fputs("\n  ]", o);
}

static void
json_router(FILE *o, struct fwd *f, const struct fwd_wstats *s)
{
	unsigned int i;

	fprintf(o, ",\n  \"router\": {\"routed\": %" PRIu64 ", \"pending\": %" PRIu64
		", \"neighbours\": %u,\n    \"drops\": {", s->routed, s->pending,
		fwd_nbr_count(f));
	for (i = 0; i < FWD_DROP_MAX; i++)
		fprintf(o, "%s\"%s\": %" PRIu64, i > 0 ? ", " : "", fwd_drop_names[i],
			s->drop[i]);
	fprintf(o, "},\n    \"arp\": {\"requests_in\": %" PRIu64 ", \"replies_in\": %" PRIu64
		", \"requests_out\": %" PRIu64 ", \"replies_out\": %" PRIu64 ", \"learned\": %"
		PRIu64 "},\n", s->arp_requests_in, s->arp_replies_in, s->arp_requests_out,
		s->arp_replies_out, s->arp_learned);
	fprintf(o, "    \"icmp\": {\"echo_requests\": %" PRIu64 ", \"echo_replies\": %" PRIu64
		", \"time_exceeded\": %" PRIu64 ", \"unreachable\": %" PRIu64
		", \"rate_limited\": %" PRIu64 ", \"suppressed\": %" PRIu64 "}}",
		s->echo_requests, s->echo_replies, s->icmp_time_exceeded, s->icmp_unreachable,
		s->icmp_rate_limited, s->icmp_suppressed);
}

static void
json_write(FILE *o, struct fwd *f)
{
	struct fwd_wstats s;
	uint64_t ns = uptime_ns(f), rx, tx;

	stats_sum(f, &s);
	rx = total(f, &s, false);
	tx = total(f, &s, true);
	fprintf(o, "{\n  \"mode\": \"%s\", \"workers\": %u, \"uptime_ms\": %" PRIu64
		", \"running\": %s,\n  \"rx_frames\": %" PRIu64 ", \"tx_frames\": %" PRIu64
		", \"rx_pps\": %.0f, \"tx_pps\": %.0f,\n", f->conf.mode == FWD_MODE_L2 ? "l2" :
		"router", f->nb_workers, ns / 1000000, f->stop_ns == 0 ? "true" : "false", rx, tx,
		rate(rx, ns), rate(tx, ns));
	json_ports(o, f, &s);
	if (f->conf.mode == FWD_MODE_L2) {
		json_xconnects(o, f, &s);
	} else {
		json_interfaces(o, f, &s);
		json_router(o, f, &s);
	}
	fputs("\n}\n", o);
}

/* To @p path through a temporary file and rename(): readers never see half of it. */
int
fwd_stats_json(struct fwd *f, const char *path)
{
	char tmp[300];
	FILE *o;
	int rc = 0;

	if (strcmp(path, "-") == 0) {
		json_write(stdout, f);
		return fflush(stdout) == 0 ? 0 : -errno;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	o = fopen(tmp, "w");
	if (o == NULL)
		return -errno;
	json_write(o, f);
	if (fclose(o) != 0 || rename(tmp, path) != 0)
		rc = -errno;
	return rc;
}
