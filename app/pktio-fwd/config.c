/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-fwd's INI configuration, read with librte_cfgfile (no EAL needed). rte_cfgfile keeps
 * no line numbers, so a first pass over the text checks the syntax and a lookup finds the
 * line of a section or key for the messages about values. Keys that may repeat (route, arp)
 * are read from the section's entry list, in file order.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "fwd.h"

#define COMMENT ';'
#define XC_PREFIX "xconnect "
#define IF_PREFIX "interface "
#define MAX_ENTRIES 512

struct conf_ctx {
	const char *path;
	struct rte_cfgfile *cfg;
	char *err;
	size_t errlen;
};

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static char *
clean_line(char *line)
{
	char *c = strchr(line, COMMENT);

	if (c != NULL)
		*c = '\0';
	return trim(line);
}

/* Line of [section] (key == NULL), or of the @p nth (from 0) @p key in it; 0 if not found. */
static unsigned int
conf_line(const char *path, const char *section, const char *key, unsigned int nth)
{
	char buf[1024], *l, *eq;
	unsigned int n = 0, found = 0, seen = 0;
	bool in = false;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	while (found == 0 && fgets(buf, sizeof(buf), f) != NULL) {
		n++;
		l = clean_line(buf);
		if (l[0] == '[') {
			l[strlen(l) - 1] = '\0';
			in = strcmp(trim(l + 1), section) == 0;
			if (in && key == NULL)
				found = n;
		} else if (in && key != NULL && (eq = strchr(l, '=')) != NULL) {
			*eq = '\0';
			if (strcmp(trim(l), key) == 0 && seen++ == nth)
				found = n;
		}
	}
	fclose(f);
	return found;
}

/* "file:line: message" at the @p nth @p key of [sec] (the section's line if key is NULL). */
static int __attribute__((format(printf, 5, 6)))
conf_error(struct conf_ctx *x, const char *sec, const char *key, unsigned int nth,
	   const char *fmt, ...)
{
	int off = snprintf(x->err, x->errlen, "%s:%u: ", x->path,
			   conf_line(x->path, sec, key, nth));
	va_list ap;

	va_start(ap, fmt);
	if (off >= 0 && (size_t)off < x->errlen)
		vsnprintf(x->err + off, x->errlen - off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int
syntax_line(char *buf, bool *section, const char **why)
{
	char *l = clean_line(buf), *eq;

	if (l[0] == '\0')
		return 0;
	eq = strchr(l, '=');
	if (l[0] == '[') {
		*section = true;
		if (l[strlen(l) - 1] != ']' || strlen(l) < 3)
			*why = "bad section header";
	} else if (eq == NULL || eq == l || *trim(eq + 1) == '\0') {
		*why = "expected key = value";
	} else if (!*section) {
		*why = "key outside a [section]";
	} else if (strlen(trim(eq + 1)) >= CFG_VALUE_LEN) {
		*why = "value too long";
	}
	return *why != NULL ? -EINVAL : 0;
}

/* The syntax pass: sections close their bracket, other lines are key = value. */
static int
conf_syntax(const char *path, char *err, size_t errlen)
{
	const size_t line_max = CFG_NAME_LEN + CFG_VALUE_LEN + 4;
	const char *why = NULL;
	char buf[1024];
	unsigned int n = 0;
	bool section = false;
	int rc = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (rc == 0 && fgets(buf, sizeof(buf), f) != NULL) {
		n++;
		if ((strchr(buf, '\n') == NULL && !feof(f)) || strlen(buf) >= line_max)
			why = "line too long";
		rc = why != NULL ? -EINVAL : syntax_line(buf, &section, &why);
	}
	if (rc < 0)
		snprintf(err, errlen, "%s:%u: %s", path, n, why);
	fclose(f);
	return rc;
}

static int
get_uint(struct conf_ctx *x, const char *sec, const char *key, uint32_t min, uint32_t max,
	 uint32_t *v)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);
	unsigned long n;
	char *end;

	if (s == NULL)
		return 0;
	errno = 0;
	n = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || n < min || n > max)
		return conf_error(x, sec, key, 0, "%s: '%s' is not a number in %u..%u", key, s,
				  min, max);
	*v = n;
	return 0;
}

static int
get_str(struct conf_ctx *x, const char *sec, const char *key, char *dst, size_t len)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);

	if (s == NULL)
		return 0;
	if (strlen(s) >= len)
		return conf_error(x, sec, key, 0, "%s: longer than %zu characters", key, len - 1);
	strcpy(dst, s);
	return 0;
}

static int
get_bool(struct conf_ctx *x, const char *sec, const char *key, bool *v)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);

	if (s == NULL)
		return 0;
	if (strcmp(s, "yes") != 0 && strcmp(s, "no") != 0)
		return conf_error(x, sec, key, 0, "%s: '%s' is not yes or no", key, s);
	*v = strcmp(s, "yes") == 0;
	return 0;
}

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
		return conf_error(x, sec, key, 0, "%s: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)",
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
		return conf_error(x, sec, NULL, 0, "[%s] has no %s", sec, key);
	if (strlen(s) >= PKTIO_NAMESIZE)
		return conf_error(x, sec, key, 0, "%s: port name longer than %d characters", key,
				  PKTIO_NAMESIZE - 1);
	i = port_index(c, s);
	if (i < 0)
		return conf_error(x, sec, key, 0, "more than %d ports", FWD_MAX_PORTS);
	if ((unsigned int)i < before)
		return conf_error(x, sec, key, 0, "port %s is used twice", s);
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
		return conf_error(x, sec, NULL, 0, "[%s]: name must be 1..%d characters", sec,
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
		return conf_error(x, sec, NULL, 0, "more than %d xconnects", FWD_MAX_XCONNECTS);
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
		return conf_error(x, sec, "arp", nth, "more than %d static ARP entries",
				  FWD_MAX_STATIC);
	if (sscanf(v, "%31s %31s %c", ip, mac, &tail) != 2 || parse_ip(ip, &a->ip) < 0 ||
	    parse_mac(mac, &a->mac) < 0 || !rte_is_valid_assigned_ether_addr(&a->mac))
		return conf_error(x, sec, "arp", nth,
				  "arp: expected 'A.B.C.D xx:xx:xx:xx:xx:xx' (unicast MAC)");
	if ((a->ip & mask) != (ifc->addr & mask) || a->ip == ifc->addr)
		return conf_error(x, sec, "arp", nth, "arp: %s is not a neighbour on %s", ip,
				  ifc->name);
	ifc->nb_arp++;
	return 0;
}

static int
conf_if_addr(struct conf_ctx *x, const char *sec, struct fwd_if_conf *ifc)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, "address");
	uint32_t host;

	if (s == NULL)
		return conf_error(x, sec, NULL, 0, "[%s] has no address", sec);
	if (parse_prefix(s, &ifc->addr, &ifc->plen) < 0 || ifc->plen < 8 || ifc->plen > 30)
		return conf_error(x, sec, "address", 0,
				  "address: '%s' is not A.B.C.D/LEN with LEN in 8..30", s);
	host = ifc->addr & ~prefix_mask(ifc->plen);
	if (host == 0 || host == ~prefix_mask(ifc->plen) || (ifc->addr >> 24) == 127 ||
	    (ifc->addr >> 24) == 0 || (ifc->addr >> 24) >= 224)
		return conf_error(x, sec, "address", 0, "address: %s is not a host address", s);
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
		return conf_error(x, sec, NULL, 0, "more than %d interfaces", FWD_MAX_IFACES);
	memset(ifc, 0, sizeof(*ifc));
	rc = sec_name(x, sec, IF_PREFIX, ifc->name);
	rc = rc ?: get_port(x, c, sec, "port", &ifc->port);
	rc = rc ?: conf_if_addr(x, sec, ifc);
	rc = rc ?: get_mac(x, sec, "mac", &ifc->mac, &mac_set);
	if (rc == 0 && (!mac_set || !rte_is_valid_assigned_ether_addr(&ifc->mac)))
		rc = conf_error(x, sec, mac_set ? "mac" : NULL, 0,
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
		return conf_error(x, "router", "route", nth, "more than %d routes",
				  FWD_MAX_ROUTES);
	if (sscanf(v, "%31s %7s %31s %c", pfx, kw, arg, &tail) != 3 ||
	    parse_prefix(pfx, &r->prefix, &r->depth) < 0 ||
	    (strcmp(kw, "via") != 0 && strcmp(kw, "dev") != 0))
		return conf_error(x, "router", "route", nth,
				  "route: expected 'A.B.C.D/LEN via GATEWAY' or "
				  "'A.B.C.D/LEN dev INTERFACE'");
	if ((r->prefix & ~prefix_mask(r->depth)) != 0)
		return conf_error(x, "router", "route", nth, "route: %s has host bits set", pfx);
	r->via = strcmp(kw, "via") == 0;
	if (r->via && parse_ip(arg, &r->gw) < 0)
		return conf_error(x, "router", "route", nth, "route: bad gateway '%s'", arg);
	ifx = r->via ? if_by_subnet(c, r->gw) : if_by_name(c, arg);
	if (ifx < 0)
		return conf_error(x, "router", "route", nth, r->via ?
				  "route: gateway %s is on no interface's subnet" :
				  "route: no interface named %s", arg);
	r->ifx = ifx;
	if (r->depth == 0) {
		if (c->default_route >= 0)
			return conf_error(x, "router", "route", nth, "route: second default route");
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

/* A misspelt key is an error, not a silent default; only route and arp may repeat. */
static int
conf_keys(struct conf_ctx *x, const char *sec, const char *const *known)
{
	struct rte_cfgfile_entry *e = calloc(MAX_ENTRIES * 4, sizeof(*e));
	int i, j, k, n, rc = 0;

	if (e == NULL)
		return -ENOMEM;
	n = rte_cfgfile_section_entries(x->cfg, sec, e, MAX_ENTRIES * 4);
	for (i = 0; i < n && rc == 0; i++) {
		for (j = 0; known[j] != NULL && strcmp(known[j], e[i].name) != 0; j++)
			;
		if (known[j] == NULL)
			rc = conf_error(x, sec, e[i].name, 0, "unknown key '%s' in [%s]",
					e[i].name, sec);
		for (k = 0; rc == 0 && k < i; k++)
			if (strcmp(e[k].name, e[i].name) == 0 && strcmp(e[i].name, "route") != 0 &&
			    strcmp(e[i].name, "arp") != 0)
				rc = conf_error(x, sec, e[i].name, 1, "%s given twice", e[i].name);
	}
	free(e);
	return rc;
}

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
		return conf_keys(x, sec, fwd_keys);
	if (strcmp(sec, "router") == 0)
		return conf_keys(x, sec, router_keys);
	if (has_prefix(sec, XC_PREFIX)) {
		rc = conf_keys(x, sec, xc_keys);
		return rc ?: conf_xconnect(x, c, sec);
	}
	if (has_prefix(sec, IF_PREFIX)) {
		rc = conf_keys(x, sec, if_keys);
		return rc ?: conf_interface(x, c, sec);
	}
	return conf_error(x, sec, NULL, 0, "unknown section [%s]", sec);
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
				rc = conf_error(x, sec, NULL, 0, "[%s] defined twice", sec);
		rc = rc ?: conf_section(x, c, sec);
	}
	return rc;
}

static int
conf_mode(struct conf_ctx *x, struct fwd_conf *c)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, "fwd", "mode");

	if (s == NULL)
		return conf_error(x, "fwd", NULL, 0, "[fwd] needs mode = l2 or mode = router");
	if (strcmp(s, "l2") == 0)
		c->mode = FWD_MODE_L2;
	else if (strcmp(s, "router") == 0)
		c->mode = FWD_MODE_ROUTER;
	else
		return conf_error(x, "fwd", "mode", 0, "mode: '%s' is not l2 or router", s);
	if (c->mode == FWD_MODE_L2 && (c->nb_if > 0 || rte_cfgfile_has_section(x->cfg, "router")))
		return conf_error(x, "fwd", "mode", 0, "mode l2 takes no [router] or [interface]");
	if (c->mode == FWD_MODE_ROUTER && c->nb_xc > 0)
		return conf_error(x, "fwd", "mode", 0, "mode router takes no [xconnect]");
	if (c->mode == FWD_MODE_L2 && c->nb_xc == 0)
		return conf_error(x, "fwd", "mode", 0, "mode l2 needs an [xconnect NAME] section");
	if (c->mode == FWD_MODE_ROUTER && c->nb_if == 0)
		return conf_error(x, "fwd", "mode", 0, "mode router needs [interface NAME] sections");
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
				return conf_error(x, sec, "address", 0,
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

	rc = get_str(x, "fwd", "socket", c->socket, sizeof(c->socket));
	rc = rc ?: get_uint(x, "fwd", "queues", 1, FWD_MAX_WORKERS, &c->queues);
	rc = rc ?: get_uint(x, "fwd", "burst", 1, FWD_BURST_MAX, &c->burst);
	rc = rc ?: get_bool(x, "fwd", "busy_poll", &c->busy_poll);
	rc = rc ?: get_uint(x, "fwd", "tx_wait_us", 0, 1000000, &c->tx_wait_us);
	rc = rc ?: get_uint(x, "fwd", "eal_memory", 80, 4096, &c->eal_mem);
	rc = rc ?: get_str(x, "fwd", "eal", c->eal, sizeof(c->eal));
	rc = rc ?: get_str(x, "fwd", "stats_json", c->stats_json, sizeof(c->stats_json));
	rc = rc ?: get_uint(x, "router", "arp_timeout", 1, 86400, &c->arp_timeout_s);
	rc = rc ?: get_uint(x, "router", "arp_retries", 1, 100, &c->arp_retries);
	rc = rc ?: get_uint(x, "router", "arp_retry_ms", 10, 600000, &c->arp_retry_ms);
	rc = rc ?: get_uint(x, "router", "arp_pending", 1, FWD_ARP_PENDING_MAX, &c->arp_pending);
	rc = rc ?: get_uint(x, "router", "arp_entries", 16, 1u << 20, &c->arp_entries);
	rc = rc ?: get_uint(x, "router", "icmp_rate", 0, 1000000, &c->icmp_rate);
	rc = rc ?: get_uint(x, "router", "icmp_burst", 1, 1000000, &c->icmp_burst);
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
	struct rte_cfgfile_parameters params = { .comment_character = COMMENT };
	struct conf_ctx x = { .path = path, .err = err, .errlen = errlen };
	int rc;

	conf_defaults(c, path);
	rc = conf_syntax(path, err, errlen);
	if (rc < 0)
		return rc;
	x.cfg = rte_cfgfile_load_with_params(path, 0, &params);
	if (x.cfg == NULL) {
		snprintf(err, errlen, "%s: cannot parse", path);
		return -EINVAL;
	}
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
