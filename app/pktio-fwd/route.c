/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The routing table: DPDK's rte_lpm (DIR-24-8) mapping prefixes to next-hop indices. Each
 * interface contributes its connected subnet, a /32 for its own address (LOCAL) and one for
 * its subnet's broadcast address (never forwarded). Static routes come from the
 * configuration; the default route (depth 0, which rte_lpm does not take) is kept aside
 * and used when the lookup misses. Built once before the workers start, read-only after.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_memory.h>

#include "fwd.h"

static int
nh_add(struct fwd *f, uint8_t type, uint16_t ifx, uint32_t gw)
{
	f->nh[f->nb_nh] = (struct fwd_nh){ .type = type, .ifx = ifx, .gw = gw };
	return f->nb_nh++;
}

static int
lpm_add(struct fwd *f, uint32_t prefix, uint8_t depth, int nh, char *err, size_t errlen)
{
	int rc = rte_lpm_add(f->lpm, prefix, depth, nh);

	if (rc < 0)
		snprintf(err, errlen, "route %u.%u.%u.%u/%u: rte_lpm_add: %s", prefix >> 24,
			 (prefix >> 16) & 0xff, (prefix >> 8) & 0xff, prefix & 0xff, depth,
			 strerror(-rc));
	return rc;
}

static int
routes_connected(struct fwd *f, char *err, size_t errlen)
{
	unsigned int i;
	uint32_t mask;
	int rc = 0;

	for (i = 0; i < f->conf.nb_if && rc == 0; i++) {
		const struct fwd_if_conf *ifc = &f->conf.ifc[i];

		mask = ~0u << (32 - ifc->plen);
		rc = lpm_add(f, ifc->addr & mask, ifc->plen, nh_add(f, FWD_NH_CONNECTED, i, 0),
			     err, errlen);
		rc = rc ?: lpm_add(f, ifc->addr, 32, nh_add(f, FWD_NH_LOCAL, i, 0), err, errlen);
		rc = rc ?: lpm_add(f, ifc->addr | ~mask, 32, nh_add(f, FWD_NH_BCAST, i, 0), err,
				   errlen);
	}
	return rc;
}

static int
routes_static(struct fwd *f, char *err, size_t errlen)
{
	unsigned int i;
	int rc = 0, nh;

	for (i = 0; i < f->conf.nb_routes && rc == 0; i++) {
		const struct fwd_route_conf *r = &f->conf.route[i];

		nh = nh_add(f, r->via ? FWD_NH_GATEWAY : FWD_NH_CONNECTED, r->ifx, r->gw);
		if (r->depth == 0)
			f->default_nh = nh;
		else
			rc = lpm_add(f, r->prefix, r->depth, nh, err, errlen);
	}
	return rc;
}

int
fwd_route_init(struct fwd *f, char *err, size_t errlen)
{
	unsigned int i, deep = 0, nb = f->conf.nb_routes + 3 * f->conf.nb_if;
	struct rte_lpm_config cfg = { .max_rules = nb + 16 };
	int rc;

	for (i = 0; i < f->conf.nb_routes; i++)
		deep += f->conf.route[i].depth > 24;
	cfg.number_tbl8s = 64 + deep + 2 * f->conf.nb_if;  /* one per prefix longer than /24 */
	f->default_nh = -1;
	f->nh = calloc(nb + 1, sizeof(*f->nh));
	if (f->nh == NULL) {
		snprintf(err, errlen, "routes: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	f->lpm = rte_lpm_create("pktio-fwd", SOCKET_ID_ANY, &cfg);
	if (f->lpm == NULL) {
		snprintf(err, errlen, "rte_lpm_create: %s (eal_memory too small?)",
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = routes_connected(f, err, errlen);
	return rc ?: routes_static(f, err, errlen);
}

void
fwd_route_free(struct fwd *f)
{
	if (f->lpm != NULL)
		rte_lpm_free(f->lpm);
	f->lpm = NULL;
	free(f->nh);
	f->nh = NULL;
}

const struct fwd_nh *
fwd_route_lookup(const struct fwd *f, uint32_t dst)
{
	uint32_t nh;

	if (likely(rte_lpm_lookup(f->lpm, dst, &nh) == 0))
		return &f->nh[nh];
	return f->default_nh >= 0 ? &f->nh[f->default_nh] : NULL;
}
