/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The ports the shim answers for: their names and interface indexes come from the
 * environment pktio-run sets ($PKTIO_PORTS, $PKTIO_IFINDEX_BASE), so that they are known
 * even while pktiod is away (the interface is then down) and are the same in every process
 * of the program. What pktiod says of them (MAC, MTU, link) is asked for when needed and
 * kept a second. Also: keeping the preload across exec, and opening handles.
 */

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "preload_libc.h"
#include "preload_private.h"

#define INFO_TTL_NS 1000000000ull
#define QUERY_MAX 256

static pthread_once_t conf_once = PTHREAD_ONCE_INIT;
static struct preload_port ports[PRELOAD_MAX_PORTS];
static unsigned int nb_ports;
static char sock_path[256];

/* what pktiod said, and when */
static pthread_mutex_t info_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pktio_port_info info[PRELOAD_MAX_PORTS];
static bool info_found[PRELOAD_MAX_PORTS];
static int info_rc = -ENETDOWN;
static uint64_t info_at;

/* the variables exec and posix_spawn carry over */
static const char *const keep_vars[] = {
	PKTIO_SOCKET_ENV, PRELOAD_ENV_PORTS, PRELOAD_ENV_IFINDEX, PRELOAD_ENV_HPIO_MODE,
	PRELOAD_ENV_DEBUG,
};
#define NB_KEEP (sizeof(keep_vars) / sizeof(keep_vars[0]))
static char *keep[NB_KEEP];      /* "NAME=value" as at start, or NULL */
static char self_path[512];      /* this library, for LD_PRELOAD */

uint64_t
preload_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void
log_stderr(int level, const char *msg)
{
	(void)level;
	fprintf(stderr, "pktio-preload: %s\n", msg);
}

static void
port_add(const char *name, size_t len, int base)
{
	unsigned int i;

	if (len == 0 || len >= sizeof(ports[0].name) || nb_ports == PRELOAD_MAX_PORTS)
		return;
	for (i = 0; i < nb_ports; i++)
		if (strlen(ports[i].name) == len && strncmp(ports[i].name, name, len) == 0)
			return;
	memcpy(ports[nb_ports].name, name, len);
	ports[nb_ports].name[len] = '\0';
	ports[nb_ports].ifindex = base + (int)nb_ports;
	nb_ports++;
}

/* Without $PKTIO_PORTS (the library preloaded by hand): every port pktiod has. */
static void
ports_from_pktiod(int base)
{
	struct pktio_port_info *pi = calloc(QUERY_MAX, sizeof(*pi));
	unsigned int n = QUERY_MAX, i;

	if (pi == NULL)
		return;
	PRELOAD_ENTER();
	if (pktio_query(preload_sock(), pi, &n, NULL, NULL) == 0)
		for (i = 0; i < n; i++)
			port_add(pi[i].name, strnlen(pi[i].name, sizeof(pi[i].name)), base);
	PRELOAD_LEAVE();
	free(pi);
}

static void
keep_init(void)
{
	Dl_info dl;
	unsigned int i;

	for (i = 0; i < NB_KEEP; i++) {
		const char *v = getenv(keep_vars[i]);

		if (v != NULL && asprintf(&keep[i], "%s=%s", keep_vars[i], v) < 0)
			keep[i] = NULL;
	}
	if (dladdr((void *)&preload_conf_init, &dl) != 0 && dl.dli_fname != NULL &&
	    dl.dli_fname[0] == '/')
		snprintf(self_path, sizeof(self_path), "%s", dl.dli_fname);
}

static void
conf_load(void)
{
	const char *env = getenv(PRELOAD_ENV_PORTS), *s;
	long base = PRELOAD_IFINDEX_BASE;
	char *end;

	PRELOAD_ENTER();
	s = getenv(PKTIO_SOCKET_ENV);
	if (s != NULL && s[0] != '\0')
		snprintf(sock_path, sizeof(sock_path), "%s", s);
	s = getenv(PRELOAD_ENV_IFINDEX);
	if (s != NULL && s[0] >= '0' && s[0] <= '9') {
		base = strtol(s, &end, 0);
		if (*end != '\0' || base <= 0 || base > 0x7fff0000)
			base = PRELOAD_IFINDEX_BASE;
	}
	s = getenv(PRELOAD_ENV_DEBUG);
	if (s != NULL && s[0] == '1')
		pktio_log_set(log_stderr, LOG_DEBUG);
	if (env != NULL) {
		while (*env != '\0') {
			size_t len = strcspn(env, ",");

			port_add(env, len, (int)base);
			env += len;
			if (*env == ',')
				env++;
		}
	} else {
		ports_from_pktiod((int)base);
	}
	keep_init();
	PRELOAD_LEAVE();
}

void
preload_conf_init(void)
{
	pthread_once(&conf_once, conf_load);
}

unsigned int
preload_nb_ports(void)
{
	preload_conf_init();
	return nb_ports;
}

const struct preload_port *
preload_port(unsigned int i)
{
	return i < nb_ports ? &ports[i] : NULL;
}

int
preload_port_by_name(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -1;
	preload_conf_init();
	for (i = 0; i < nb_ports; i++)
		if (strncmp(ports[i].name, name, sizeof(ports[i].name)) == 0)
			return (int)i;
	return -1;
}

int
preload_port_by_ifindex(int ifindex)
{
	preload_conf_init();
	if (nb_ports == 0 || ifindex < ports[0].ifindex ||
	    ifindex >= ports[0].ifindex + (int)nb_ports)
		return -1;
	return ifindex - ports[0].ifindex;
}

const char *
preload_sock(void)
{
	return sock_path[0] != '\0' ? sock_path : NULL;
}

/*
 * A device without a MAC (net_ring reports 00:00:00:00:00:00) gets a locally administered
 * one, 02:70:6b (for "pk") and three bytes of the port name's hash, so that the interface
 * looks like Ethernet to programs that check (ARP stacks refuse a zero sender address).
 */
static void
mac_fill(uint8_t mac[6], const char *name)
{
	static const uint8_t zero[6];
	uint32_t h = 2166136261u; /* FNV-1a */

	if (memcmp(mac, zero, 6) != 0)
		return;
	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	mac[0] = 0x02;
	mac[1] = 0x70;
	mac[2] = 0x6b;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

/* Ask pktiod for its ports (under info_lock). */
static void
info_refresh(void)
{
	struct pktio_port_info *pi = calloc(QUERY_MAX, sizeof(*pi));
	unsigned int n = QUERY_MAX, i, j;
	int rc;

	if (pi == NULL)
		return;
	PRELOAD_ENTER();
	rc = pktio_query(preload_sock(), pi, &n, NULL, NULL);
	PRELOAD_LEAVE();
	info_at = preload_now_ns();
	info_rc = rc < 0 ? -ENETDOWN : 0;
	for (i = 0; i < nb_ports; i++) {
		info_found[i] = false;
		for (j = 0; rc == 0 && j < n; j++) {
			if (strncmp(pi[j].name, ports[i].name, sizeof(pi[j].name)) == 0) {
				info[i] = pi[j];
				info_found[i] = true;
				mac_fill(info[i].mac, ports[i].name);
				break;
			}
		}
	}
	free(pi);
}

int
preload_port_info(unsigned int i, struct pktio_port_info *pi)
{
	int rc;

	preload_conf_init();
	if (i >= nb_ports)
		return -ENODEV;
	pthread_mutex_lock(&info_lock);
	if (info_at == 0 || preload_now_ns() - info_at > INFO_TTL_NS)
		info_refresh();
	rc = info_rc;
	if (rc == 0 && !info_found[i])
		rc = -ENODEV;
	if (rc == 0)
		*pi = info[i];
	pthread_mutex_unlock(&info_lock);
	return rc;
}

struct pktio_port *
preload_port_open(unsigned int i, unsigned int flags)
{
	struct pktio_port *p;
	int err;

	if (i >= nb_ports) {
		errno = ENODEV;
		return NULL;
	}
	PRELOAD_ENTER();
	p = pktio_port_open(ports[i].name, PKTIO_QUEUE_ANY, flags, preload_sock());
	err = errno;
	PRELOAD_LEAVE();
	errno = err;
	return p;
}

/* ---- exec and posix_spawn keep the preload ---- */

static bool
env_has(char *const envp[], const char *name, const char **val)
{
	size_t n = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++) {
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') {
			if (val != NULL)
				*val = *envp + n + 1;
			return true;
		}
	}
	return false;
}

/* Does LD_PRELOAD's value name this library? */
static bool
preload_listed(const char *v)
{
	size_t n = strlen(self_path);

	while (v != NULL && *v != '\0') {
		size_t len = strcspn(v, ": ");

		if (len == n && strncmp(v, self_path, n) == 0)
			return true;
		v += len;
		v += strspn(v, ": ");
	}
	return false;
}

char **
preload_env_fix(char *const envp[])
{
	const char *pre = NULL;
	size_t n = 0, i, k = 0;
	char **out;
	bool need = false;

	preload_conf_init();
	if (self_path[0] == '\0')
		return (char **)envp;
	if (!env_has(envp, "LD_PRELOAD", &pre) || !preload_listed(pre))
		need = true;
	for (i = 0; i < NB_KEEP; i++)
		if (keep[i] != NULL && !env_has(envp, keep_vars[i], NULL))
			need = true;
	if (!need)
		return (char **)envp;
	while (envp != NULL && envp[n] != NULL)
		n++;
	/* entries, LD_PRELOAD, the kept variables, NULL, and a slot for the string we
	 * allocate (after the NULL, where exec does not look) */
	out = calloc(n + NB_KEEP + 3, sizeof(*out));
	if (out == NULL)
		return (char **)envp;
	for (i = 0; i < n; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11) != 0)
			out[k++] = envp[i];
	if (pre != NULL && preload_listed(pre))
		out[k++] = (char *)pre - strlen("LD_PRELOAD=");
	else if (asprintf(&out[k], "LD_PRELOAD=%s%s%s", self_path, pre != NULL ? ":" : "",
			  pre != NULL ? pre : "") >= 0)
		out[n + NB_KEEP + 2] = out[k++]; /* freed by preload_env_free() */
	for (i = 0; i < NB_KEEP; i++)
		if (keep[i] != NULL && !env_has(envp, keep_vars[i], NULL))
			out[k++] = keep[i];
	out[k] = NULL;
	return out;
}

void
preload_env_free(char **fixed, char *const envp[])
{
	size_t n = 0;

	if (fixed == NULL || fixed == (char **)envp)
		return;
	while (envp != NULL && envp[n] != NULL)
		n++;
	free(fixed[n + NB_KEEP + 2]);
	free(fixed);
}
