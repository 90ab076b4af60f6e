/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Counters: each worker keeps its own (plain 64-bit words, written by it alone); readers
 * sum them with relaxed loads. Printed as text on SIGUSR1 and at exit, and as JSON in the
 * layout pktioctl uses (one object, arrays of named objects) for --stats-json.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fwd.h"
#include "json.h"

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
json_port_fields(struct json_writer *w, const struct fwd_port_stats *ps)
{
	json_kv_u64(w, "rx_packets", ps->rx_packets);
	json_kv_u64(w, "rx_bytes", ps->rx_bytes);
	json_kv_u64(w, "tx_packets", ps->tx_packets);
	json_kv_u64(w, "tx_bytes", ps->tx_bytes);
	json_kv_u64(w, "runt", ps->runt);
	json_kv_u64(w, "too_long", ps->too_long);
	json_kv_u64(w, "tx_full", ps->tx_full);
}

/* Do port @p p's frames reach port @p o without a copy, on every worker? */
static bool
zerocopy(const struct fwd *f, unsigned int p, unsigned int o)
{
	unsigned int i;

	for (i = 0; i < f->nb_workers; i++)
		if (!(f->w[i]->port[p].zc_to & 1u << o))
			return false;
	return f->nb_workers > 0;
}

/* Does port @p p's every worker read it in place (some output reached without a copy)? */
static bool
read_in_place(const struct fwd *f, unsigned int p)
{
	unsigned int i;

	for (i = 0; i < f->nb_workers; i++)
		if (f->w[i]->port[p].zc_to == 0)
			return false;
	return f->nb_workers > 0;
}

static void
json_ports(struct json_writer *w, const struct fwd *f, const struct fwd_wstats *s)
{
	unsigned int p;

	json_key(w, "ports");
	json_array_begin(w);
	for (p = 0; p < f->conf.nb_ports; p++) {
		json_object_begin(w);
		json_kv_str(w, "name", f->conf.port[p]);
		json_key(w, "zerocopy");
		json_bool(w, read_in_place(f, p));
		json_port_fields(w, &s->port[p]);
		json_object_end(w);
	}
	json_array_end(w);
}

/* One direction: what port @p i received, what port @p o sent of it. */
static void
json_direction(struct json_writer *w, const char *key, const struct fwd *f,
	       const struct fwd_wstats *s, unsigned int i, unsigned int o)
{
	const struct fwd_port_stats *in = &s->port[i], *out = &s->port[o];

	json_key(w, key);
	json_object_begin(w);
	json_key(w, "zerocopy");
	json_bool(w, zerocopy(f, i, o));
	json_kv_u64(w, "rx_packets", in->rx_packets);
	json_kv_u64(w, "rx_bytes", in->rx_bytes);
	json_kv_u64(w, "tx_packets", out->tx_packets);
	json_kv_u64(w, "tx_bytes", out->tx_bytes);
	json_kv_u64(w, "runt", in->runt);
	json_kv_u64(w, "too_long", out->too_long);
	json_kv_u64(w, "tx_full", out->tx_full);
	json_object_end(w);
}

static void
json_xconnects(struct json_writer *w, const struct fwd *f, const struct fwd_wstats *s)
{
	unsigned int i;

	json_key(w, "xconnects");
	json_array_begin(w);
	for (i = 0; i < f->conf.nb_xc; i++) {
		const struct fwd_xc_conf *xc = &f->conf.xc[i];

		json_object_begin(w);
		json_kv_str(w, "name", xc->name);
		json_kv_str(w, "a", f->conf.port[xc->port[0]]);
		json_kv_str(w, "b", f->conf.port[xc->port[1]]);
		json_direction(w, "a_to_b", f, s, xc->port[0], xc->port[1]);
		json_direction(w, "b_to_a", f, s, xc->port[1], xc->port[0]);
		json_object_end(w);
	}
	json_array_end(w);
}

static void
json_interfaces(struct json_writer *w, const struct fwd *f, const struct fwd_wstats *s)
{
	char addr[INET_ADDRSTRLEN + 4], mac[18];
	unsigned int i;

	json_key(w, "interfaces");
	json_array_begin(w);
	for (i = 0; i < f->conf.nb_if; i++) {
		const struct fwd_if_conf *ifc = &f->conf.ifc[i];
		const uint8_t *m = ifc->mac.addr_bytes;

		snprintf(addr, sizeof(addr), "%u.%u.%u.%u/%u", ifc->addr >> 24,
			 (ifc->addr >> 16) & 0xff, (ifc->addr >> 8) & 0xff, ifc->addr & 0xff,
			 ifc->plen);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
			 m[3], m[4], m[5]);
		json_object_begin(w);
		json_kv_str(w, "name", ifc->name);
		json_kv_str(w, "port", f->conf.port[ifc->port]);
		json_kv_str(w, "address", addr);
		json_kv_str(w, "mac", mac);
		json_port_fields(w, &s->port[ifc->port]);
		json_object_end(w);
	}
	json_array_end(w);
}

static void
json_router(struct json_writer *w, struct fwd *f, const struct fwd_wstats *s)
{
	unsigned int i;

	json_key(w, "router");
	json_object_begin(w);
	json_kv_u64(w, "routed", s->routed);
	json_kv_u64(w, "pending", s->pending);
	json_kv_u64(w, "neighbours", fwd_nbr_count(f));
	json_key(w, "drops");
	json_object_begin(w);
	for (i = 0; i < FWD_DROP_MAX; i++)
		json_kv_u64(w, fwd_drop_names[i], s->drop[i]);
	json_object_end(w);
	json_key(w, "arp");
	json_object_begin(w);
	json_kv_u64(w, "requests_in", s->arp_requests_in);
	json_kv_u64(w, "replies_in", s->arp_replies_in);
	json_kv_u64(w, "requests_out", s->arp_requests_out);
	json_kv_u64(w, "replies_out", s->arp_replies_out);
	json_kv_u64(w, "learned", s->arp_learned);
	json_object_end(w);
	json_key(w, "icmp");
	json_object_begin(w);
	json_kv_u64(w, "echo_requests", s->echo_requests);
	json_kv_u64(w, "echo_replies", s->echo_replies);
	json_kv_u64(w, "time_exceeded", s->icmp_time_exceeded);
	json_kv_u64(w, "unreachable", s->icmp_unreachable);
	json_kv_u64(w, "rate_limited", s->icmp_rate_limited);
	json_kv_u64(w, "suppressed", s->icmp_suppressed);
	json_object_end(w);
	json_object_end(w);
}

/* The counters as one JSON object, a line per member, ports and sections inline. @return 0
 * or -errno (@p o could not be written). */
static int
json_write(FILE *o, struct fwd *f)
{
	struct json_writer w;
	struct fwd_wstats s;
	uint64_t ns = uptime_ns(f), rx, tx;

	stats_sum(f, &s);
	rx = total(f, &s, false);
	tx = total(f, &s, true);
	json_init(&w, o, JSON_F_SPACED | JSON_F_PRETTY(2));
	json_object_begin(&w);
	json_kv_str(&w, "mode", f->conf.mode == FWD_MODE_L2 ? "l2" : "router");
	json_kv_u64(&w, "workers", f->nb_workers);
	json_kv_u64(&w, "uptime_ms", ns / 1000000);
	json_kv_bool(&w, "running", f->stop_ns == 0);
	json_kv_u64(&w, "rx_frames", rx);
	json_kv_u64(&w, "tx_frames", tx);
	json_kv_u64(&w, "tx_in_place", s.in_place);
	json_kv_double(&w, "rx_pps", rate(rx, ns), 0);
	json_kv_double(&w, "tx_pps", rate(tx, ns), 0);
	json_ports(&w, f, &s);
	if (f->conf.mode == FWD_MODE_L2) {
		json_xconnects(&w, f, &s);
	} else {
		json_interfaces(&w, f, &s);
		json_router(&w, f, &s);
	}
	json_object_end(&w);
	return json_finish(&w);
}

/* To @p path through a temporary file and rename(): readers never see half of it. */
int
fwd_stats_json(struct fwd *f, const char *path)
{
	char tmp[300];
	FILE *o;
	int rc = 0;

	if (strcmp(path, "-") == 0)
		return json_write(stdout, f);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	o = fopen(tmp, "w");
	if (o == NULL)
		return -errno;
	rc = json_write(o, f);
	if (fclose(o) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}
