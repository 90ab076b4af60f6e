/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * INI helpers over librte_cfgfile, shared by the apps: the syntax pass, line lookups for
 * "file:line: problem" messages, typed getters and the unknown key check.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "conf.h"

#define CONF_MAX_ENTRIES 2048  /* keys read per section by conf_keys() */

char *
conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

char *
conf_clean_line(char *line)
{
	char *c = strchr(line, CONF_COMMENT);

	if (c != NULL)
		*c = '\0';
	return conf_trim(line);
}

unsigned int
conf_line(const char *path, const char *section, unsigned int sec_nth, const char *key,
	  unsigned int key_nth)
{
	char buf[1024], *l, *eq;
	unsigned int n = 0, found = 0, sec_seen = 0, key_seen = 0;
	bool in = false;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	while (found == 0 && fgets(buf, sizeof(buf), f) != NULL) {
		n++;
		l = conf_clean_line(buf);
		if (l[0] == '[') {
			l[strlen(l) - 1] = '\0';
			in = strcmp(conf_trim(l + 1), section) == 0 && sec_seen++ == sec_nth;
			if (in && key == NULL)
				found = n;
		} else if (in && key != NULL && (eq = strchr(l, '=')) != NULL) {
			*eq = '\0';
			if (strcmp(conf_trim(l), key) == 0 && key_seen++ == key_nth)
				found = n;
		}
	}
	fclose(f);
	return found;
}

int
conf_verror(struct conf_ctx *x, unsigned int line, const char *fmt, va_list ap)
{
	int off = snprintf(x->err, x->errlen, "%s:%u: ", x->path, line);

	if (off >= 0 && (size_t)off < x->errlen)
		vsnprintf(x->err + off, x->errlen - off, fmt, ap);
	return -EINVAL;
}

int
conf_error(struct conf_ctx *x, const char *sec, const char *key, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = conf_verror(x, conf_line(x->path, sec, 0, key, 0), fmt, ap);
	va_end(ap);
	return rc;
}

int
conf_error_nth(struct conf_ctx *x, const char *sec, unsigned int sec_nth, const char *key,
	       unsigned int key_nth, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = conf_verror(x, conf_line(x->path, sec, sec_nth, key, key_nth), fmt, ap);
	va_end(ap);
	return rc;
}

/* One line of the syntax pass; the reason for refusing it into @p why. */
static int
syntax_line(char *buf, bool *section, char *why, size_t len)
{
	char *l = conf_clean_line(buf), *eq;

	if (l[0] == '\0')
		return 0;
	eq = strchr(l, '=');
	if (l[0] == '[') {
		*section = true;
		if (l[strlen(l) - 1] != ']' || strlen(l) < 3)
			snprintf(why, len, "bad section header");
	} else if (eq == NULL || eq == l || *conf_trim(eq + 1) == '\0') {
		snprintf(why, len, "expected key = value");
	} else if (!*section) {
		snprintf(why, len, "key outside a [section]");
	} else if (strlen(conf_trim(eq + 1)) >= CFG_VALUE_LEN) {
		snprintf(why, len, "value longer than %d characters", CFG_VALUE_LEN - 1);
	}
	return why[0] != '\0' ? -EINVAL : 0;
}

int
conf_syntax(const char *path, char *err, size_t errlen)
{
	/* rte_cfgfile reads lines into a buffer of this size and values into CFG_VALUE_LEN */
	const size_t line_max = CFG_NAME_LEN + CFG_VALUE_LEN + 4;
	char buf[1024], why[64] = "";
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
			snprintf(why, sizeof(why), "line longer than %zu characters",
				 line_max - 1);
		rc = why[0] != '\0' ? -EINVAL : syntax_line(buf, &section, why, sizeof(why));
	}
	if (rc < 0)
		snprintf(err, errlen, "%s:%u: %s", path, n, why);
	fclose(f);
	return rc;
}

int
conf_open(struct conf_ctx *x, const char *path, char *err, size_t errlen)
{
	struct rte_cfgfile_parameters params = { .comment_character = CONF_COMMENT };
	int rc;

	*x = (struct conf_ctx){ .path = path, .err = err, .errlen = errlen };
	rc = conf_syntax(path, err, errlen);
	if (rc < 0)
		return rc;
	x->cfg = rte_cfgfile_load_with_params(path, 0, &params);
	if (x->cfg == NULL) {
		snprintf(err, errlen, "%s: cannot parse", path);
		return -EINVAL;
	}
	return 0;
}

int
conf_get_uint(struct conf_ctx *x, const char *sec, const char *key, uint32_t min, uint32_t max,
	      uint32_t *v)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);
	unsigned long n;
	char *end;

	if (s == NULL)
		return 0;
	/* decimal only: "0100" is 100, not 64; no sign, no blank, no "0x" */
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || !isdigit((unsigned char)s[0]) || *end != '\0' || n < min || n > max)
		return conf_error(x, sec, key, "%s: '%s' is not a number in %u..%u", key, s,
				  min, max);
	*v = n;
	return 0;
}

int
conf_get_bool(struct conf_ctx *x, const char *sec, const char *key, bool *v)
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

int
conf_get_str(struct conf_ctx *x, const char *sec, const char *key, char *dst, size_t len)
{
	const char *s = rte_cfgfile_get_entry(x->cfg, sec, key);

	if (s == NULL)
		return 0;
	if (strlen(s) >= len)
		return conf_error(x, sec, key, "%s: longer than %zu characters", key, len - 1);
	strcpy(dst, s);
	return 0;
}

static bool
conf_listed(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

int
conf_keys(struct conf_ctx *x, const char *sec, const char *const *known,
	  const char *const *repeatable)
{
	struct rte_cfgfile_entry *e = calloc(CONF_MAX_ENTRIES, sizeof(*e));
	int i, k, n, rc = 0;

	if (e == NULL)
		return -ENOMEM;
	n = rte_cfgfile_section_entries(x->cfg, sec, e, CONF_MAX_ENTRIES);
	for (i = 0; i < n && rc == 0; i++) {
		if (!conf_listed(known, e[i].name))
			rc = conf_error(x, sec, e[i].name, "unknown key '%s' in [%s]",
					e[i].name, sec);
		if (repeatable != NULL && conf_listed(repeatable, e[i].name))
			continue;
		for (k = 0; rc == 0 && k < i; k++)
			if (strcmp(e[k].name, e[i].name) == 0)
				rc = conf_error_nth(x, sec, 0, e[i].name, 1, "%s given twice",
						    e[i].name);
	}
	free(e);
	return rc;
}

/* ---- EAL arguments ---- */

#define EAL_BLANKS " \t"

/* Read a decimal lcore id at *p. @return it, or -1. */
static int
lcore_id(const char **p)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno != 0 || v >= CONF_MAX_LCORE)
		return -1;
	*p = end;
	return (int)v;
}

/* N or N-M (either order, as EAL) at *p into @p set (NULL: just skip it). @return 0 or -1. */
static int
lcore_range(const char **p, struct conf_lcores *set)
{
	int a = lcore_id(p), b = a, i;

	if (a < 0)
		return -1;
	if (**p == '-') {
		(*p)++;
		b = lcore_id(p);
		if (b < 0)
			return -1;
	}
	for (i = a < b ? a : b; set != NULL && i <= (a < b ? b : a); i++)
		set->set[i / 64] |= 1ull << (i % 64);
	return 0;
}

/* A list of ranges "1,3-5" up to @p stop (a NUL or ')'). @return 0 or -1. */
static int
lcore_list(const char **p, char stop, struct conf_lcores *set)
{
	for (;;) {
		if (lcore_range(p, set) < 0)
			return -1;
		if (**p != ',')
			break;
		(*p)++;
	}
	return **p == stop ? 0 : -1;
}

/* One set of an --lcores map: a range or a "(list)". */
static int
lcore_group(const char **p, struct conf_lcores *set)
{
	if (**p != '(')
		return lcore_range(p, set);
	(*p)++;
	if (lcore_list(p, ')', set) < 0)
		return -1;
	(*p)++;
	return 0;
}

/* --lcores: LCORES[@CPUS],... where each side is a range or a (list). */
static int
lcore_map(const char *p, struct conf_lcores *set)
{
	for (;;) {
		if (lcore_group(&p, set) < 0)
			return -1;
		if (*p == '@' && (p++, lcore_group(&p, NULL) < 0))
			return -1;
		if (*p != ',')
			break;
		p++;
	}
	return *p == '\0' ? 0 : -1;
}

/* -c: a hexadecimal mask, lcore 0 its lowest bit. */
static int
lcore_mask(const char *p, struct conf_lcores *set)
{
	size_t n, i;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	n = strlen(p);
	if (n == 0 || n > CONF_MAX_LCORE / 4)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)p[n - 1 - i]))
			return -1;
		d = isdigit((unsigned char)p[n - 1 - i]) ? p[n - 1 - i] - '0' :
			tolower((unsigned char)p[n - 1 - i]) - 'a' + 10;
		set->set[i / 16] |= (uint64_t)d << (i % 16 * 4);
	}
	return 0;
}

/* The value of option @p w (short "-x" or long "--name"): attached, after '=', or the next
 * word. @return it, or NULL when @p w is not that option. */
static const char *
eal_value(char *w, const char *opt, char **save)
{
	size_t n = strlen(opt);

	if (strncmp(w, opt, n) != 0)
		return NULL;
	if (w[n] == '\0')
		return strtok_r(NULL, EAL_BLANKS, save);
	if (opt[1] == '-')
		return w[n] == '=' ? w + n + 1 : NULL;
	return w + n;
}

unsigned int
conf_eal_lcores(const char *eal, struct conf_lcores *lc)
{
	char words[CFG_VALUE_LEN], *w, *save;
	const char *v, *main_lcore = NULL;
	unsigned int nb_opts = 0, i;
	int rc = 0;

	memset(lc, 0, sizeof(*lc));
	snprintf(words, sizeof(words), "%s", eal);
	for (w = strtok_r(words, EAL_BLANKS, &save); w != NULL && rc == 0;
	     w = strtok_r(NULL, EAL_BLANKS, &save)) {
		if ((v = eal_value(w, "-l", &save)) != NULL)
			nb_opts++, rc = lcore_list(&v, '\0', lc);
		else if ((v = eal_value(w, "-c", &save)) != NULL)
			nb_opts++, rc = lcore_mask(v, lc);
		else if ((v = eal_value(w, "--lcores", &save)) != NULL)
			nb_opts++, rc = lcore_map(v, lc);
		else if ((v = eal_value(w, "--main-lcore", &save)) != NULL)
			main_lcore = v;
	}
	if (rc < 0 || nb_opts != 1)
		return 0;
	for (i = 0; i < CONF_MAX_LCORE; i++)
		if (conf_lcore_enabled(lc, i) && lc->count++ == 0)
			lc->main_lcore = i;
	if (main_lcore != NULL) {
		i = lcore_id(&main_lcore);
		if (*main_lcore != '\0' || i >= CONF_MAX_LCORE || !conf_lcore_enabled(lc, i))
			return 0;
		lc->main_lcore = i;
	}
	return lc->count;
}

bool
conf_lcore_enabled(const struct conf_lcores *lc, unsigned int id)
{
	return id < CONF_MAX_LCORE && (lc->set[id / 64] >> (id % 64) & 1) != 0;
}

/* EAL's options that take no value (DPDK 22.11), and those whose value is optional
 * (given only as --opt=value). */
static const char *const eal_flags[] = {
	"help", "version", "no-pci", "no-huge", "no-shconf", "no-hpet", "in-memory",
	"legacy-mem", "single-file-segments", "match-allocations", "create-uio-dev",
	"vmware-tsc-map", "telemetry", "no-telemetry", "huge-unlink", "syslog", NULL
};

bool
conf_eal_stray(const char *eal, char *word, size_t len)
{
	char words[CFG_VALUE_LEN], *w, *save;
	bool value = false;

	snprintf(words, sizeof(words), "%s", eal);
	for (w = strtok_r(words, EAL_BLANKS, &save); w != NULL;
	     w = strtok_r(NULL, EAL_BLANKS, &save)) {
		if (value) {
			value = false;
		} else if (w[0] != '-' || w[1] == '\0' || strcmp(w, "--") == 0) {
			snprintf(word, len, "%s", w);
			return true;
		} else if (w[1] == '-') {
			value = strchr(w, '=') == NULL && !conf_listed(eal_flags, w + 2);
		} else {
			value = w[2] == '\0' && w[1] != 'h' && w[1] != 'v';
		}
	}
	return false;
}
