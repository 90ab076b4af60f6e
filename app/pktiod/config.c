/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktiod's INI configuration, read with librte_cfgfile. rte_cfgfile keeps no line numbers,
 * so a first pass over the text checks the syntax and a lookup finds the line of a
 * section or key for the messages about values.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "pktiod.h"

#define COMMENT ';'
#define PORT_PREFIX "port "

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

/* One line with its comment cut and blanks trimmed. */
static char *
clean_line(char *line)
{
	char *c = strchr(line, COMMENT);

	if (c != NULL)
		*c = '\0';
	return trim(line);
}

/*
 * Line number of the @p nth (from 0) [section] (key == NULL), or of key within it; 0 if
 * not found.
 */
static unsigned int
conf_line_nth(const char *path, const char *section, const char *key, unsigned int nth)
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
			in = strcmp(trim(l + 1), section) == 0 && seen++ == nth;
			if (in && key == NULL)
				found = n;
		} else if (in && key != NULL && (eq = strchr(l, '=')) != NULL) {
			*eq = '\0';
			if (strcmp(trim(l), key) == 0)
				found = n;
		}
	}
	fclose(f);
	return found;
}

static unsigned int
conf_line(const char *path, const char *section, const char *key)
{
	return conf_line_nth(path, section, key, 0);
}

static int
conf_verror(struct conf_ctx *x, unsigned int line, const char *fmt, va_list ap)
{
	int off = snprintf(x->err, x->errlen, "%s:%u: ", x->path, line);

	if (off >= 0 && (size_t)off < x->errlen)
		vsnprintf(x->err + off, x->errlen - off, fmt, ap);
	return -EINVAL;
}

/* "file:line: message", the line being that of @p key in [section] (or the section's). */
static int __attribute__((format(printf, 4, 5)))
conf_error(struct conf_ctx *x, const char *section, const char *key, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = conf_verror(x, conf_line(x->path, section, key), fmt, ap);
	va_end(ap);
	return rc;
}

/* The same, at the @p nth occurrence of [section]. */
static int __attribute__((format(printf, 4, 5)))
conf_error_nth(struct conf_ctx *x, const char *section, unsigned int nth, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = conf_verror(x, conf_line_nth(x->path, section, NULL, nth), fmt, ap);
	va_end(ap);
	return rc;
}

/* The syntax pass: sections close their bracket, other lines are key = value. */
static int
conf_syntax(const char *path, char *err, size_t errlen)
{
	/* rte_cfgfile reads lines into a buffer of this size and values into CFG_VALUE_LEN */
	const size_t line_max = CFG_NAME_LEN + CFG_VALUE_LEN + 4;
	char buf[1024], *l, *eq;
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
			rc = -EINVAL, snprintf(err, errlen, "%s:%u: line longer than %zu characters",
					       path, n, line_max - 1);
		l = clean_line(buf);
		if (rc != 0 || l[0] == '\0')
			continue;
		eq = strchr(l, '=');
		if (l[0] == '[') {
			section = true;
			if (l[strlen(l) - 1] != ']' || strlen(l) < 3)
				rc = -EINVAL, snprintf(err, errlen, "%s:%u: bad section header",
						       path, n);
		} else if (eq == NULL || eq == l || *trim(eq + 1) == '\0') {
			rc = -EINVAL, snprintf(err, errlen, "%s:%u: expected key = value", path, n);
		} else if (!section) {
			rc = -EINVAL, snprintf(err, errlen, "%s:%u: key outside a [section]", path, n);
		} else if (strlen(trim(eq + 1)) >= CFG_VALUE_LEN) {
			rc = -EINVAL, snprintf(err, errlen, "%s:%u: value longer than %d characters",
					       path, n, CFG_VALUE_LEN - 1);
		}
	}
	fclose(f);
	return rc;
}

/* Unsigned integer in [min, max]; absent keys keep *v. */
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
		return conf_error(x, sec, key, "%s: '%s' is not a number in %u..%u", key, s,
				  min, max);
	*v = n;
	return 0;
}

static int
get_bool(struct conf_ctx *x, const char *sec, const char *key, bool *v)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);

	if (s == NULL)
		return 0;
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*v = true;
	else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*v = false;
	else
		return conf_error(x, sec, key, "%s: '%s' is not yes or no", key, s);
	return 0;
}

static int
get_str(struct conf_ctx *x, const char *sec, const char *key, char *dst, size_t len)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);

	if (s == NULL)
		return 0;
	if (strlen(s) >= len)
		return conf_error(x, sec, key, "%s: longer than %zu characters", key, len - 1);
	strcpy(dst, s);
	return 0;
}

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
	rc = get_str(x, sec, "device", p->device, sizeof(p->device));
	rc = rc ?: get_uint(x, sec, "rx_queues", 1, 64, &rxq);
	rc = rc ?: get_uint(x, sec, "tx_queues", 1, 64, &txq);
	rc = rc ?: get_uint(x, sec, "ring_size", 32, 32768, &p->ring_size);
	rc = rc ?: get_uint(x, sec, "max_frame", 64, 9216, &p->max_frame);
	rc = rc ?: get_uint(x, sec, "rx_desc", 64, 16384, &p->nb_desc);
	rc = rc ?: get_uint(x, sec, "lcore", 1, 1023, &lcore);
	rc = rc ?: get_bool(x, sec, "poll_idle", &p->poll_idle);
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

/* A misspelt key is an error, not a silent default. */
static int
conf_keys(struct conf_ctx *x, const char *sec, const char *const *known)
{
	struct rte_cfgfile_entry e[64];
	int i, j, n = rte_cfgfile_section_entries(x->cfg, sec, e, RTE_DIM(e));

	for (i = 0; i < n; i++) {
		for (j = 0; known[j] != NULL && strcmp(known[j], e[i].name) != 0; j++)
			;
		if (known[j] == NULL)
			return conf_error(x, sec, e[i].name, "unknown key '%s' in [%s]",
					  e[i].name, sec);
	}
	return 0;
}

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
			rc = conf_keys(x, sec, main_keys);
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
				return conf_error_nth(x, sec, 1, "[%s] defined twice", sec);
		rc = conf_keys(x, sec, port_keys);
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
	struct rte_cfgfile_parameters params = { .comment_character = COMMENT };
	struct conf_ctx x = { .path = path, .err = err, .errlen = errlen };
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	strcpy(c->socket, PKTIO_SOCKET_DEFAULT);
	c->mbufs = 8191;
	c->idle_spins = 2000;
	c->idle_sleep_us = 100;
	rc = conf_syntax(path, err, errlen);
	if (rc < 0)
		return rc;
	x.cfg = rte_cfgfile_load_with_params(path, 0, &params);
	if (x.cfg == NULL) {
		snprintf(err, errlen, "%s: cannot parse", path);
		return -EINVAL;
	}
	rc = conf_sections(&x, c);
	rc = rc ?: get_str(&x, "pktiod", "socket", c->socket, sizeof(c->socket));
	rc = rc ?: get_str(&x, "pktiod", "eal", c->eal, sizeof(c->eal));
	rc = rc ?: get_uint(&x, "pktiod", "mbufs", 1023, 1u << 20, &c->mbufs);
	rc = rc ?: get_uint(&x, "pktiod", "idle_spins", 0, 1u << 30, &c->idle_spins);
	rc = rc ?: get_uint(&x, "pktiod", "idle_sleep_us", 0, 100000, &c->idle_sleep_us);
	if (rc == 0 && c->nb_ports == 0)
		rc = -EINVAL, snprintf(err, errlen, "%s:0: no [port NAME] section", path);
	rte_cfgfile_close(x.cfg);
	return rc;
}
