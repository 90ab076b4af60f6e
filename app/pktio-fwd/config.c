/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-fwd's INI configuration, read with librte_cfgfile (no EAL needed) through the
 * helpers of app/common/conf.h (syntax pass, "file:line: problem" messages). Keys that may
 * repeat (route, arp) are read from the section's entry list, in file order.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "conf.h"
#include "fwd.h"

#define XC_PREFIX "xconnect "
#define IF_PREFIX "interface "
#define MAX_ENTRIES 512

static int
parse_mac(const char *s, struct rte_ether_addr *mac)
{
	unsigned int b[6], i;
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac->addr_bytes[i] = b[i];
	}
	return 0;
}

static int
parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

/* "A.B.C.D/LEN" */
static int
parse_prefix(const char *s, uint32_t *ip, uint8_t *len)
{
	char buf[32], *slash, *end;
	unsigned long n;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -EINVAL;
	*slash = '\0';
	n = strtoul(slash + 1, &end, 10);
	if (end == slash + 1 || *end != '\0' || n > 32)
		return -EINVAL;
	*len = n;
	return parse_ip(buf, ip);
}

static uint32_t
prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

static int
get_mac(struct conf_ctx *x, const char *sec, const char *key, struct rte_ether_addr *mac,
	bool *set)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);

	if (s == NULL)
		return 0;
	if (parse_mac(s, mac) < 0)
		return conf_error(x, sec, key, "%s: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)",
				  key, s);
	if (set != NULL)
		*set = true;
	return 0;
}

/* The index of port @p name, added if new; -1 when the table is full. */
static int
port_index(struct fwd_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->nb_ports; i++)
		if (strcmp(c->port[i], name) == 0)
			return i;
	if (c->nb_ports == FWD_MAX_PORTS)
		return -1;
	strcpy(c->port[c->nb_ports], name);
	return c->nb_ports++;
}

/* A port key: a name not used by another xconnect side or interface. */
static int
get_port(struct conf_ctx *x, struct fwd_conf *c, const char *sec, const char *key,
	 uint16_t *port)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);
	unsigned int before = c->nb_ports;
	int i;

	if (s == NULL)
		return conf_error(x, sec, NULL, "[%s] has no %s", sec, key);
	if (strlen(s) >= PKTIO_NAMESIZE)
		return conf_error(x, sec, key, "%s: port name longer than %d characters", key,
				  PKTIO_NAMESIZE - 1);
	i = port_index(c, s);
	if (i < 0)
		return conf_error(x, sec, key, "more than %d ports", FWD_MAX_PORTS);
	if ((unsigned int)i < before)
		return conf_error(x, sec, key, "port %s is used twice", s);
	*port = i;
	return 0;
}

static int
sec_name(struct conf_ctx *x, const char *sec, const char *prefix, char *name)
{
	const char *s = sec + strlen(prefix);

	while (*s == ' ')
		s++;
	if (*s == '\0' || strlen(s) >= FWD_NAMESIZE)
		return conf_error(x, sec, NULL, "[%s]: name must be 1..%d characters", sec,
				  FWD_NAMESIZE - 1);
	strcpy(name, s);
	return 0;
}

static int
conf_xconnect(struct conf_ctx *x, struct fwd_conf *c, const char *sec)
{
	struct fwd_xc_conf *xc = &c->xc[c->nb_xc];
	int rc;

	if (c->nb_xc == FWD_MAX_XCONNECTS)
		return conf_error(x, sec, NULL, "more than %d xconnects", FWD_MAX_XCONNECTS);
	memset(xc, 0, sizeof(*xc));
	rc = sec_name(x, sec, XC_PREFIX, xc->name);
	rc = rc ?: get_port(x, c, sec, "a", &xc->port[0]);
	rc = rc ?: get_port(x, c, sec, "b", &xc->port[1]);
	rc = rc ?: get_mac(x, sec, "a_src_mac", &xc->src[0], &xc->set_src[0]);
	rc = rc ?: get_mac(x, sec, "a_dst_mac", &xc->dst[0], &xc->set_dst[0]);
	rc = rc ?: get_mac(x, sec, "b_src_mac", &xc->src[1], &xc->set_src[1]);
	rc = rc ?: get_mac(x, sec, "b_dst_mac", &xc->dst[1], &xc->set_dst[1]);
	c->nb_xc++;
	return rc;
}

/* "arp = A.B.C.D xx:xx:xx:xx:xx:xx", the @p nth of the section. */
static int
conf_static_arp(struct conf_ctx *x, const char *sec, const char *v, unsigned int nth,
		struct fwd_if_conf *ifc)
{
	char ip[32], mac[32], tail;
	struct fwd_arp_conf *a = &ifc->arp[ifc->nb_arp];
	uint32_t mask = prefix_mask(ifc->plen);

	if (ifc->nb_arp == FWD_MAX_STATIC)
		return conf_error_nth(x, sec, 0, "arp", nth, "more than %d static ARP entries",
				      FWD_MAX_STATIC);
	if (sscanf(v, "%31s %31s %c", ip, mac, &tail) != 2 || parse_ip(ip, &a->ip) < 0 ||
	    parse_mac(mac, &a->mac) < 0 || !rte_is_valid_assigned_ether_addr(&a->mac))
		return conf_error_nth(x, sec, 0, "arp", nth,
				      "arp: expected 'A.B.C.D xx:xx:xx:xx:xx:xx' (unicast MAC)");
	if ((a->ip & mask) != (ifc->addr & mask) || a->ip == ifc->addr)
		return conf_error_nth(x, sec, 0, "arp", nth, "arp: %s is not a neighbour on %s",
				      ip, ifc->name);
	ifc->nb_arp++;
	return 0;
}

static int
conf_if_addr(struct conf_ctx *x, const char *sec, struct fwd_if_conf *ifc)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, "address");
	uint32_t host;

	if (s == NULL)
		return conf_error(x, sec, NULL, "[%s] has no address", sec);
	if (parse_prefix(s, &ifc->addr, &ifc->plen) < 0 || ifc->plen < 8 || ifc->plen > 30)
		return conf_error(x, sec, "address",
				  "address: '%s' is not A.B.C.D/LEN with LEN in 8..30", s);
	host = ifc->addr & ~prefix_mask(ifc->plen);
	if (host == 0 || host == ~prefix_mask(ifc->plen) || (ifc->addr >> 24) == 127 ||
	    (ifc->addr >> 24) == 0 || (ifc->addr >> 24) >= 224)
		return conf_error(x, sec, "address", "address: %s is not a host address", s);
	return 0;
}

/* The repeatable "arp" keys of an interface section. */
static int
conf_if_arps(struct conf_ctx *x, const char *sec, struct fwd_if_conf *ifc)
{
	struct rte_cfgfile_entry *e = calloc(MAX_ENTRIES, sizeof(*e));
	int i, n, rc = 0, nth = 0;

	if (e == NULL)
		return -ENOMEM;
	n = rte_cfgfile_section_entries(x->cfg, sec, e, MAX_ENTRIES);
	for (i = 0; i < n && rc == 0; i++)
		if (strcmp(e[i].name, "arp") == 0)
			rc = conf_static_arp(x, sec, e[i].value, nth++, ifc);
	free(e);
	return rc;
}

static int
conf_interface(struct conf_ctx *x, struct fwd_conf *c, const char *sec)
{
	struct fwd_if_conf *ifc = &c->ifc[c->nb_if];
	bool mac_set = false;
	int rc;

	if (c->nb_if == FWD_MAX_IFACES)
		return conf_error(x, sec, NULL, "more than %d interfaces", FWD_MAX_IFACES);
	memset(ifc, 0, sizeof(*ifc));
	rc = sec_name(x, sec, IF_PREFIX, ifc->name);
	rc = rc ?: get_port(x, c, sec, "port", &ifc->port);
	rc = rc ?: conf_if_addr(x, sec, ifc);
	rc = rc ?: get_mac(x, sec, "mac", &ifc->mac, &mac_set);
	if (rc == 0 && (!mac_set || !rte_is_valid_assigned_ether_addr(&ifc->mac)))
		rc = conf_error(x, sec, mac_set ? "mac" : NULL,
				"[%s] needs a unicast mac = xx:xx:xx:xx:xx:xx", sec);
	rc = rc ?: conf_if_arps(x, sec, ifc);
	c->nb_if++;
	return rc;
}

static int
if_by_name(const struct fwd_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->nb_if; i++)
		if (strcmp(c->ifc[i].name, name) == 0)
			return i;
	return -1;
}

/* The interface whose subnet holds @p ip, or -1. */
static int
if_by_subnet(const struct fwd_conf *c, uint32_t ip)
{
	unsigned int i;
	uint32_t m;

	for (i = 0; i < c->nb_if; i++) {
		m = prefix_mask(c->ifc[i].plen);
		if ((ip & m) == (c->ifc[i].addr & m))
			return i;
	}
	return -1;
}

/* "route = A.B.C.D/LEN via GW" or "route = A.B.C.D/LEN dev IFNAME" */
static int
conf_route(struct conf_ctx *x, struct fwd_conf *c, const char *v, unsigned int nth)
{
	char pfx[32], kw[8], arg[FWD_NAMESIZE], tail;
	struct fwd_route_conf *r = &c->route[c->nb_routes];
	int ifx;

	if (c->nb_routes == FWD_MAX_ROUTES)
		return conf_error_nth(x, "router", 0, "route", nth, "more than %d routes",
				      FWD_MAX_ROUTES);
	if (sscanf(v, "%31s %7s %31s %c", pfx, kw, arg, &tail) != 3 ||
	    parse_prefix(pfx, &r->prefix, &r->depth) < 0 ||
	    (strcmp(kw, "via") != 0 && strcmp(kw, "dev") != 0))
		return conf_error_nth(x, "router", 0, "route", nth,
				      "route: expected 'A.B.C.D/LEN via GATEWAY' or "
				      "'A.B.C.D/LEN dev INTERFACE'");
	if ((r->prefix & ~prefix_mask(r->depth)) != 0)
		return conf_error_nth(x, "router", 0, "route", nth, "route: %s has host bits set",
				      pfx);
	r->via = strcmp(kw, "via") == 0;
	if (r->via && parse_ip(arg, &r->gw) < 0)
		return conf_error_nth(x, "router", 0, "route", nth, "route: bad gateway '%s'", arg);
	ifx = r->via ? if_by_subnet(c, r->gw) : if_by_name(c, arg);
	if (ifx < 0)
		return conf_error_nth(x, "router", 0, "route", nth, r->via ?
				      "route: gateway %s is on no interface's subnet" :
				      "route: no interface named %s", arg);
	r->ifx = ifx;
	if (r->depth == 0) {
		if (c->default_route >= 0)
			return conf_error_nth(x, "router", 0, "route", nth,
					      "route: second default route");
		c->default_route = c->nb_routes;
	}
	c->nb_routes++;
	return 0;
}

static int
conf_routes(struct conf_ctx *x, struct fwd_conf *c)
{
	struct rte_cfgfile_entry *e = calloc(MAX_ENTRIES * 4, sizeof(*e));
	int i, n, rc = 0, nth = 0;

	if (e == NULL)
		return -ENOMEM;
	n = rte_cfgfile_section_entries(x->cfg, "router", e, MAX_ENTRIES * 4);
	for (i = 0; i < n && rc == 0; i++)
		if (strcmp(e[i].name, "route") == 0)
			rc = conf_route(x, c, e[i].value, nth++);
	free(e);
	return rc;
}

static const char *const fwd_keys[] = {
	"socket", "mode", "queues", "burst", "busy_poll", "tx_wait_us", "eal_memory", "eal",
	"stats_json", NULL
};
static const char *const xc_keys[] = {
	"a", "b", "a_src_mac", "a_dst_mac", "b_src_mac", "b_dst_mac", NULL
};
static const char *const router_keys[] = {
	"arp_timeout", "arp_retries", "arp_retry_ms", "arp_pending", "arp_entries",
	"icmp_rate", "icmp_burst", "route", NULL
};
static const char *const if_keys[] = { "port", "address", "mac", "arp", NULL };

static const char *const repeatable_keys[] = { "route", "arp", NULL };

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
conf_section(struct conf_ctx *x, struct fwd_conf *c, const char *sec)
{
	int rc;

	if (strcmp(sec, "fwd") == 0)
		return conf_keys(x, sec, fwd_keys, repeatable_keys);
	if (strcmp(sec, "router") == 0)
		return conf_keys(x, sec, router_keys, repeatable_keys);
	if (has_prefix(sec, XC_PREFIX)) {
		rc = conf_keys(x, sec, xc_keys, repeatable_keys);
		return rc ?: conf_xconnect(x, c, sec);
	}
	if (has_prefix(sec, IF_PREFIX)) {
		rc = conf_keys(x, sec, if_keys, repeatable_keys);
		return rc ?: conf_interface(x, c, sec);
	}
	return conf_error(x, sec, NULL, "unknown section [%s]", sec);
}

static int
conf_sections(struct conf_ctx *x, struct fwd_conf *c)
{
	int i, j, n = rte_cfgfile_num_sections(x->cfg, NULL, 0);
	char sec[CFG_NAME_LEN], prev[CFG_NAME_LEN];
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (rte_cfgfile_section_entries_by_index(x->cfg, i, sec, NULL, 0) < 0)
			return -EINVAL;
		for (j = 0; j < i && rc == 0; j++)
			if (rte_cfgfile_section_entries_by_index(x->cfg, j, prev, NULL, 0) >= 0 &&
			    strcmp(prev, sec) == 0)
				rc = conf_error(x, sec, NULL, "[%s] defined twice", sec);
		rc = rc ?: conf_section(x, c, sec);
	}
	return rc;
}

static int
conf_mode(struct conf_ctx *x, struct fwd_conf *c)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, "fwd", "mode");

	if (s == NULL)
		return conf_error(x, "fwd", NULL, "[fwd] needs mode = l2 or mode = router");
	if (strcmp(s, "l2") == 0)
		c->mode = FWD_MODE_L2;
	else if (strcmp(s, "router") == 0)
		c->mode = FWD_MODE_ROUTER;
	else
		return conf_error(x, "fwd", "mode", "mode: '%s' is not l2 or router", s);
	if (c->mode == FWD_MODE_L2 && (c->nb_if > 0 || rte_cfgfile_has_section(x->cfg, "router")))
		return conf_error(x, "fwd", "mode", "mode l2 takes no [router] or [interface]");
	if (c->mode == FWD_MODE_ROUTER && c->nb_xc > 0)
		return conf_error(x, "fwd", "mode", "mode router takes no [xconnect]");
	if (c->mode == FWD_MODE_L2 && c->nb_xc == 0)
		return conf_error(x, "fwd", "mode", "mode l2 needs an [xconnect NAME] section");
	if (c->mode == FWD_MODE_ROUTER && c->nb_if == 0)
		return conf_error(x, "fwd", "mode", "mode router needs [interface NAME] sections");
	return 0;
}

/* Interfaces' subnets must not overlap: a connected route names one interface. */
static int
conf_subnets(struct conf_ctx *x, const struct fwd_conf *c)
{
	unsigned int i, j;
	uint32_t m;

	for (i = 0; i < c->nb_if; i++)
		for (j = 0; j < i; j++) {
			m = prefix_mask(RTE_MIN(c->ifc[i].plen, c->ifc[j].plen));
			if ((c->ifc[i].addr & m) == (c->ifc[j].addr & m)) {
				char sec[CFG_NAME_LEN];

				snprintf(sec, sizeof(sec), IF_PREFIX "%s", c->ifc[i].name);
				return conf_error(x, sec, "address",
						  "address: subnet overlaps interface %s's",
						  c->ifc[j].name);
			}
		}
	return 0;
}

static int
conf_globals(struct conf_ctx *x, struct fwd_conf *c)
{
	int rc;

	rc = conf_get_str(x, "fwd", "socket", c->socket, sizeof(c->socket));
	rc = rc ?: conf_get_uint(x, "fwd", "queues", 1, FWD_MAX_WORKERS, &c->queues);
	rc = rc ?: conf_get_uint(x, "fwd", "burst", 1, FWD_BURST_MAX, &c->burst);
	rc = rc ?: conf_get_bool(x, "fwd", "busy_poll", &c->busy_poll);
	rc = rc ?: conf_get_uint(x, "fwd", "tx_wait_us", 0, 1000000, &c->tx_wait_us);
	rc = rc ?: conf_get_uint(x, "fwd", "eal_memory", 80, 4096, &c->eal_mem);
	rc = rc ?: conf_get_str(x, "fwd", "eal", c->eal, sizeof(c->eal));
	rc = rc ?: conf_get_str(x, "fwd", "stats_json", c->stats_json, sizeof(c->stats_json));
	rc = rc ?: conf_get_uint(x, "router", "arp_timeout", 1, 86400, &c->arp_timeout_s);
	rc = rc ?: conf_get_uint(x, "router", "arp_retries", 1, 100, &c->arp_retries);
	rc = rc ?: conf_get_uint(x, "router", "arp_retry_ms", 10, 600000, &c->arp_retry_ms);
	rc = rc ?: conf_get_uint(x, "router", "arp_pending", 1, FWD_ARP_PENDING_MAX,
				 &c->arp_pending);
	rc = rc ?: conf_get_uint(x, "router", "arp_entries", 16, 1u << 20, &c->arp_entries);
	rc = rc ?: conf_get_uint(x, "router", "icmp_rate", 0, 1000000, &c->icmp_rate);
	rc = rc ?: conf_get_uint(x, "router", "icmp_burst", 1, 1000000, &c->icmp_burst);
	return rc;
}

static void
conf_defaults(struct fwd_conf *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->queues = 1;
	c->burst = 32;
	c->tx_wait_us = 1000;
	c->eal_mem = 128;
	c->default_route = -1;
	c->arp_timeout_s = 300;
	c->arp_retries = 3;
	c->arp_retry_ms = 1000;
	c->arp_pending = 8;
	c->arp_entries = 1024;
	c->icmp_rate = 100;
	c->icmp_burst = 10;
}

int
fwd_conf_load(struct fwd_conf *c, const char *path, char *err, size_t errlen)
{
	struct conf_ctx x;
	int rc;

	conf_defaults(c, path);
	rc = conf_open(&x, path, err, errlen);
	if (rc < 0)
		return rc;
	if (!rte_cfgfile_has_section(x.cfg, "fwd"))
		rc = -EINVAL, snprintf(err, errlen, "%s:0: no [fwd] section", path);
	rc = rc ?: conf_sections(&x, c);
	rc = rc ?: conf_mode(&x, c);
	rc = rc ?: conf_globals(&x, c);
	rc = rc ?: conf_subnets(&x, c);
	rc = rc ?: conf_routes(&x, c);
	rte_cfgfile_close(x.cfg);
	return rc;
}
