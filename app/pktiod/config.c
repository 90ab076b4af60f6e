/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktiod's INI configuration, read with librte_cfgfile through the helpers of
 * app/common/conf.h (syntax pass, "file:line: problem" messages, typed getters).
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "conf.h"
#include "pktiod.h"

#define PORT_PREFIX "port "

/* "0, 1000" into ids[]. */
static int
get_ids(struct conf_ctx *x, const char *sec, const char *key, uint32_t *ids, unsigned int *nb)
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
		if (errno != 0 || end == s || v > UINT32_MAX - 1 || *nb == PKTIOD_MAX_IDS ||
		    (*end != '\0' && *end != ',' && *end != ' '))
			return conf_error(x, sec, key, "%s: expected up to %d numeric ids", key,
					  PKTIOD_MAX_IDS);
		ids[(*nb)++] = v;
	}
	return 0;
}

static int
conf_port(struct conf_ctx *x, const char *sec, struct pktiod_port_conf *p)
{
	uint32_t rxq = 1, txq = 1, lcore = UINT32_MAX;
	const char *name = sec + strlen(PORT_PREFIX);
	int rc;

	*p = (struct pktiod_port_conf){
		.ring_size = 1024, .max_frame = 1522, .nb_desc = 1024, .lcore = -1,
		.poll_idle = true,
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
	rc = rc ?: conf_get_uint(x, sec, "lcore", 1, 1023, &lcore);
	rc = rc ?: conf_get_bool(x, sec, "poll_idle", &p->poll_idle);
	rc = rc ?: get_ids(x, sec, "allow_uid", p->allow_uid, &p->nb_uid);
	rc = rc ?: get_ids(x, sec, "allow_gid", p->allow_gid, &p->nb_gid);
	p->nb_rxq = rxq;
	p->nb_txq = txq;
	p->lcore = lcore == UINT32_MAX ? -1 : (int)lcore;
	return rc;
}

static const char *const main_keys[] = {
	"socket", "eal", "mbufs", "idle_spins", "idle_sleep_us", NULL
};
static const char *const port_keys[] = {
	"device", "rx_queues", "tx_queues", "ring_size", "max_frame", "rx_desc", "lcore",
	"poll_idle", "allow_uid", "allow_gid", NULL
};

static int
conf_sections(struct conf_ctx *x, struct pktiod_conf *c)
{
	int i, j, n = rte_cfgfile_num_sections(x->cfg, NULL, 0);
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		char sec[CFG_NAME_LEN];

		if (rte_cfgfile_section_entries_by_index(x->cfg, i, sec, NULL, 0) < 0)
			return -EINVAL;
		if (strcmp(sec, "pktiod") == 0) {
			rc = conf_keys(x, sec, main_keys, NULL);
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
		c->nb_ports++;
	}
	return rc;
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
	rc = conf_open(&x, path, err, errlen);
	if (rc < 0)
		return rc;
	rc = conf_sections(&x, c);
	rc = rc ?: conf_get_str(&x, "pktiod", "socket", c->socket, sizeof(c->socket));
	rc = rc ?: conf_get_str(&x, "pktiod", "eal", c->eal, sizeof(c->eal));
	rc = rc ?: conf_get_uint(&x, "pktiod", "mbufs", 1023, 1u << 20, &c->mbufs);
	rc = rc ?: conf_get_uint(&x, "pktiod", "idle_spins", 0, 1u << 30, &c->idle_spins);
	rc = rc ?: conf_get_uint(&x, "pktiod", "idle_sleep_us", 0, 100000, &c->idle_sleep_us);
	if (rc == 0 && c->nb_ports == 0)
		rc = -EINVAL, snprintf(err, errlen, "%s:0: no [port NAME] section", path);
	rte_cfgfile_close(x.cfg);
	return rc;
}
