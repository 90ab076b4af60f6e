/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktiod's INI configuration, read with librte_cfgfile through the helpers of
 * app/common/conf.h (syntax pass, "file:line: problem" messages, typed getters).
 */

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "conf.h"
#include "pktiod.h"

#define PORT_PREFIX "port "

/* "0, 1000" into ids[], at most @p max of them, each at most UINT32_MAX - 1. */
static int
get_list(struct conf_ctx *x, const char *sec, const char *key, uint32_t *ids, unsigned int *nb,
	 unsigned int max)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);
	char *end;
	unsigned long v;

	if (s == NULL)
		return 0;
	for (*nb = 0; *s != '\0'; s = end) {
		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno != 0 || end == s || v > UINT32_MAX - 1 || *nb == max ||
		    (*end != '\0' && *end != ',' && *end != ' '))
			return conf_error(x, sec, key, "%s: expected a list of at most %u numbers "
					  "(ids or lcores)", key, max);
		ids[(*nb)++] = v;
	}
	return 0;
}

static int
get_ids(struct conf_ctx *x, const char *sec, const char *key, uint32_t *ids, unsigned int *nb)
{
	return get_list(x, sec, key, ids, nb, PKTIOD_MAX_IDS);
}

/*
 * "lcore = 1" or "lcore = 1,2": the worker lcores of the port; rx queue q goes to the
 * (q mod n)th. With more than one, each queue's tx queue must be its own.
 */
static int
get_lcores(struct conf_ctx *x, const char *sec, struct pktiod_port_conf *p)
{
	uint32_t ids[PKTIOD_MAX_RXQ];
	unsigned int i;
	int rc;

	rc = get_list(x, sec, "lcore", ids, &p->nb_lcores, PKTIOD_MAX_RXQ);
	for (i = 0; rc == 0 && i < p->nb_lcores; i++) {
		if (ids[i] < 1 || ids[i] > 1023)
			return conf_error(x, sec, "lcore", "lcore: '%u' is not a number in 1..1023",
					  ids[i]);
		p->lcores[i] = ids[i];
	}
	if (rc == 0 && p->nb_lcores > p->nb_rxq)
		return conf_error(x, sec, "lcore", "lcore: %u lcores for %u rx queue(s)",
				  p->nb_lcores, p->nb_rxq);
	if (rc == 0 && p->nb_lcores > 1 && p->nb_txq < p->nb_rxq)
		return conf_error(x, sec, "lcore", "lcore: with several lcores each rx queue "
				  "needs a tx queue of its own (tx_queues >= rx_queues)");
	return rc;
}

static int
get_zerocopy(struct conf_ctx *x, const char *sec, uint8_t *v)
{
	static const char *const names[] = {
		[PKTIOD_ZC_AUTO] = "auto", [PKTIOD_ZC_YES] = "yes", [PKTIOD_ZC_NO] = "no",
	};
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, "zerocopy");
	uint8_t i;

	for (i = 0; s != NULL && i < RTE_DIM(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*v = i;
			return 0;
		}
	return s == NULL ? 0 : conf_error(x, sec, "zerocopy", "zerocopy: '%s' is not auto, yes "
					  "or no", s);
}

static int
conf_port(struct conf_ctx *x, const char *sec, struct pktiod_port_conf *p)
{
	uint32_t rxq = 1, txq = 1;
	const char *name = sec + strlen(PORT_PREFIX);
	int rc;

	*p = (struct pktiod_port_conf){
		.ring_size = 1024, .max_frame = 1522, .nb_desc = 1024,
		.poll_idle = true, .zerocopy = PKTIOD_ZC_AUTO,
	};
	while (*name == ' ')
		name++;
	if (*name == '\0' || strlen(name) >= sizeof(p->name) || strchr(name, ':') != NULL)
		return conf_error(x, sec, NULL, "port name must be 1..%zu characters, no ':'",
				  sizeof(p->name) - 1);
	strcpy(p->name, name);
	snprintf(p->section, sizeof(p->section), "%s", sec);
	if (!rte_cfgfile_has_entry(x->cfg, sec, "device"))
		return conf_error(x, sec, NULL, "port %s has no device", name);
	rc = conf_get_str(x, sec, "device", p->device, sizeof(p->device));
	rc = rc ?: conf_get_uint(x, sec, "rx_queues", 1, 64, &rxq);
	rc = rc ?: conf_get_uint(x, sec, "tx_queues", 1, 64, &txq);
	rc = rc ?: conf_get_uint(x, sec, "ring_size", 32, 32768, &p->ring_size);
	rc = rc ?: conf_get_uint(x, sec, "max_frame", 64, 9216, &p->max_frame);
	rc = rc ?: conf_get_uint(x, sec, "rx_desc", 64, 16384, &p->nb_desc);
	rc = rc ?: conf_get_bool(x, sec, "poll_idle", &p->poll_idle);
	rc = rc ?: get_zerocopy(x, sec, &p->zerocopy);
	rc = rc ?: get_ids(x, sec, "allow_uid", p->allow_uid, &p->nb_uid);
	rc = rc ?: get_ids(x, sec, "allow_gid", p->allow_gid, &p->nb_gid);
	p->nb_rxq = rxq;
	p->nb_txq = txq;
	return rc ?: get_lcores(x, sec, p);
}

/* The device name of a device string: up to its first ','. */
static size_t
device_name_len(const char *dev)
{
	return strcspn(dev, ",");
}

/* The new port (c->ports[c->nb_ports], section @p sec) must not reuse a device. */
static int
same_device(struct conf_ctx *x, const struct pktiod_conf *c, const char *sec)
{
	const struct pktiod_port_conf *p = &c->ports[c->nb_ports];
	size_t n = device_name_len(p->device);
	unsigned int j;

	for (j = 0; j < c->nb_ports; j++)
		if (device_name_len(c->ports[j].device) == n &&
		    strncmp(c->ports[j].device, p->device, n) == 0)
			return conf_error(x, sec, "device", "device %.*s is already port %s's",
					  (int)n, p->device, c->ports[j].name);
	return 0;
}

static const char *const main_keys[] = {
	"socket", "eal", "mbufs", "idle_spins", "idle_sleep_us", "socket_mode", "socket_group",
	"max_conns_per_uid", "max_clients_per_uid", "hello_timeout_ms", NULL
};
static const char *const port_keys[] = {
	"device", "rx_queues", "tx_queues", "ring_size", "max_frame", "rx_desc", "lcore",
	"poll_idle", "zerocopy", "allow_uid", "allow_gid", NULL
};

static int
conf_sections(struct conf_ctx *x, struct pktiod_conf *c)
{
	int i, j, n = rte_cfgfile_num_sections(x->cfg, NULL, 0);
	unsigned int main_seen = 0;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		char sec[CFG_NAME_LEN];

		if (rte_cfgfile_section_entries_by_index(x->cfg, i, sec, NULL, 0) < 0)
			return -EINVAL;
		if (strcmp(sec, "pktiod") == 0) {
			/* rte_cfgfile keeps both, and lookups only see the first */
			rc = main_seen++ > 0 ?
				conf_error_nth(x, sec, 1, NULL, 0, "[%s] defined twice", sec) :
				conf_keys(x, sec, main_keys, NULL);
			continue;
		}
		if (strncmp(sec, PORT_PREFIX, strlen(PORT_PREFIX)) != 0) {
			rc = conf_error(x, sec, NULL, "unknown section [%s]", sec);
			continue;
		}
		if (c->nb_ports == PKTIOD_MAX_PORTS)
			return conf_error(x, sec, NULL, "more than %d ports", PKTIOD_MAX_PORTS);
		for (j = 0; j < (int)c->nb_ports; j++)
			if (strcmp(c->ports[j].section, sec) == 0)
				return conf_error_nth(x, sec, 1, NULL, 0, "[%s] defined twice",
						      sec);
		rc = conf_keys(x, sec, port_keys, NULL);
		rc = rc ?: conf_port(x, sec, &c->ports[c->nb_ports]);
		for (j = 0; rc == 0 && j < (int)c->nb_ports; j++)
			if (strcmp(c->ports[j].name, c->ports[c->nb_ports].name) == 0)
				rc = conf_error(x, sec, NULL, "port %s defined twice",
						c->ports[j].name);
		rc = rc ?: same_device(x, c, sec);
		c->nb_ports++;
	}
	return rc;
}

/* socket_mode: permission bits, always octal ("660" is 0660). */
static int
get_mode(struct conf_ctx *x, const char *key, uint32_t *mode)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, "pktiod", key);
	unsigned long v;
	char *end;

	if (s == NULL)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno != 0 || s[0] < '0' || s[0] > '7' || *end != '\0' || v > 0777)
		return conf_error(x, "pktiod", key, "%s: '%s' is not octal permission bits "
				  "(0000..0777)", key, s);
	*mode = v;
	return 0;
}

/* socket_group: a group name, or a number (which needs no entry in the group database). */
static int
get_group(struct conf_ctx *x, const char *key, struct pktiod_conf *c)
{
	const struct group *g;
	unsigned long v;
	char *end;
	int rc = conf_get_str(x, "pktiod", key, c->socket_group, sizeof(c->socket_group));

	if (rc < 0 || c->socket_group[0] == '\0')
		return rc;
	if (isdigit((unsigned char)c->socket_group[0])) {
		errno = 0;
		v = strtoul(c->socket_group, &end, 10);
		if (errno != 0 || *end != '\0' || v >= UINT32_MAX)
			return conf_error(x, "pktiod", key, "%s: '%s' is not a group id", key,
					  c->socket_group);
		c->socket_gid = v;
		return 0;
	}
	g = getgrnam(c->socket_group);
	if (g == NULL)
		return conf_error(x, "pktiod", key, "%s: no group '%s'", key, c->socket_group);
	c->socket_gid = g->gr_gid;
	return 0;
}

/* Who may reach the control socket, and how much of pktiod one uid may hold. */
static int
conf_access(struct conf_ctx *x, struct pktiod_conf *c)
{
	int rc = get_mode(x, "socket_mode", &c->socket_mode);

	rc = rc ?: get_group(x, "socket_group", c);
	rc = rc ?: conf_get_uint(x, "pktiod", "max_conns_per_uid", 1, 65536,
				 &c->max_conns_per_uid);
	rc = rc ?: conf_get_uint(x, "pktiod", "max_clients_per_uid", 1, 65536,
				 &c->max_clients_per_uid);
	rc = rc ?: conf_get_uint(x, "pktiod", "hello_timeout_ms", 10, 600000,
				 &c->hello_timeout_ms);
	return rc;
}

/*
 * The main lcore runs the control plane only: the eal key must leave a worker lcore, and a
 * port's lcore must be one. When the arguments do not say, EAL decides and main.c checks.
 */
static int
conf_lcores(struct conf_ctx *x, const struct pktiod_conf *c)
{
	struct conf_lcores lc;
	const struct pktiod_port_conf *p;
	char word[CFG_VALUE_LEN];
	unsigned int i, j;

	if (conf_eal_stray(c->eal, word, sizeof(word)))
		return conf_error(x, "pktiod", "eal", "eal: '%s' is not an EAL option (EAL "
				  "would ignore it and what follows)", word);
	if (conf_eal_lcores(c->eal, &lc) == 0)
		return 0;
	if (lc.count < 2)
		return conf_error(x, "pktiod", "eal", "eal: no worker lcore (lcore %u is the "
				  "main lcore, it runs no port): give EAL two, e.g. -l 0-1",
				  lc.main_lcore);
	for (i = 0; i < c->nb_ports; i++) {
		p = &c->ports[i];
		for (j = 0; j < p->nb_lcores; j++)
			if (!conf_lcore_enabled(&lc, p->lcores[j]) ||
			    p->lcores[j] == lc.main_lcore)
				return conf_error(x, p->section, "lcore", "lcore: %u is not a "
						  "worker lcore of eal '%s'", p->lcores[j],
						  c->eal);
	}
	return 0;
}

int
pktiod_conf_load(struct pktiod_conf *c, const char *path, char *err, size_t errlen)
{
	struct conf_ctx x;
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	strcpy(c->socket, PKTIO_SOCKET_DEFAULT);
	c->mbufs = 8191;
	c->idle_spins = 2000;
	c->idle_sleep_us = 100;
	c->socket_mode = 0660;
	c->socket_gid = -1;
	c->max_conns_per_uid = 64;
	c->max_clients_per_uid = 64;
	c->hello_timeout_ms = 2000;
	rc = conf_open(&x, path, err, errlen);
	if (rc < 0)
		return rc;
	rc = conf_sections(&x, c);
	rc = rc ?: conf_get_str(&x, "pktiod", "socket", c->socket, sizeof(c->socket));
	rc = rc ?: conf_get_str(&x, "pktiod", "eal", c->eal, sizeof(c->eal));
	rc = rc ?: conf_get_uint(&x, "pktiod", "mbufs", 1023, 1u << 20, &c->mbufs);
	rc = rc ?: conf_get_uint(&x, "pktiod", "idle_spins", 0, 1u << 30, &c->idle_spins);
	rc = rc ?: conf_get_uint(&x, "pktiod", "idle_sleep_us", 0, 100000, &c->idle_sleep_us);
	rc = rc ?: conf_access(&x, c);
	rc = rc ?: conf_lcores(&x, c);
	if (rc == 0 && c->nb_ports == 0)
		rc = -EINVAL, snprintf(err, errlen, "%s:0: no [port NAME] section", path);
	rte_cfgfile_close(x.cfg);
	return rc;
}
