/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktio-run: run an unmodified program on pktio ports. It checks that pktiod answers and has
 * the ports, picks interface indexes clear of the kernel's, and execs the program with
 * libpktio-preload.so in LD_PRELOAD and the shim's settings in the environment
 * (docs/pktio-run.md).
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pktio.h>

#include "cli.h"

#define PROG "pktio-run"
#define PRELOAD_NAME "libpktio-preload.so"
#define MAX_PORTS 1024
#define IFINDEX_BASE 0x7000
#define IFINDEX_STEP 0x1000
#define OPT_VERSION 256

struct opts {
	const char *sock;
	const char *ports;     /* --ports, or NULL: all of pktiod's */
	bool quiet;
};

static void
usage(void)
{
	printf("Usage: %s [OPTIONS] [--] PROGRAM [ARGS...]\n"
	       "Run PROGRAM with pktiod's ports as network interfaces: packet sockets and\n"
	       "/dev/hpio/<port> devices on them go through pktio (docs/pktio-run.md).\n\n"
	       "  -s, --socket PATH   pktiod's control socket (default $%s, else %s)\n"
	       "  -p, --ports LIST    the ports to show, comma separated (default: all)\n"
	       "  -q, --quiet         no warnings\n"
	       "  -h, --help          this help\n"
	       "      --version       the version\n", PROG, PKTIO_SOCKET_ENV, PKTIO_SOCKET_DEFAULT);
}

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "ports", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* '+': options end at the program's name */
	while ((c = getopt_long(argc, argv, "+s:p:qh", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->sock = optarg;
			break;
		case 'p':
			o->ports = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage();
			exit(0);
		case OPT_VERSION:
			cli_version();
			exit(0);
		default:
			return cli_usage_error("unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("no program to run");
	return 0;
}

static const char *
sock_path(const struct opts *o)
{
	const char *s = o->sock;

	if (s == NULL || s[0] == '\0')
		s = getenv(PKTIO_SOCKET_ENV);
	return s != NULL && s[0] != '\0' ? s : PKTIO_SOCKET_DEFAULT;
}

static const struct pktio_port_info *
port_find(const struct pktio_port_info *pi, unsigned int n, const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strnlen(pi[i].name, sizeof(pi[i].name)) == len &&
		    strncmp(pi[i].name, name, len) == 0)
			return &pi[i];
	return NULL;
}

static void
port_check_kernel(const struct opts *o, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	if (!o->quiet && access(path, F_OK) == 0)
		fprintf(stderr, "%s: warning: port %s hides the kernel interface of that name\n",
			PROG, name);
}

/* The comma-separated list of ports for $PKTIO_PORTS into @p out. @return 0, or exit status */
static int
ports_pick(const struct opts *o, const char *sock, const struct pktio_port_info *pi,
	   unsigned int n, char *out, size_t size)
{
	size_t used = 0;
	unsigned int i;

	out[0] = '\0';
	if (o->ports == NULL) {
		for (i = 0; i < n; i++) {
			if (strnlen(pi[i].name, sizeof(pi[i].name)) >= IF_NAMESIZE) {
				if (!o->quiet)
					fprintf(stderr, "%s: warning: port %s skipped: an "
						"interface name has at most %d characters\n",
						PROG, pi[i].name, IF_NAMESIZE - 1);
				continue;
			}
			port_check_kernel(o, pi[i].name);
			used += (size_t)snprintf(out + used, size - used, "%s%s",
						 used > 0 ? "," : "", pi[i].name);
		}
	} else {
		const char *s = o->ports;

		while (*s != '\0') {
			size_t len = strcspn(s, ",");

			if (len == 0 || len >= IF_NAMESIZE || port_find(pi, n, s, len) == NULL) {
				fprintf(stderr, "%s: pktiod at %s has no port '%.*s'%s\n", PROG,
					sock, (int)len, s, len >= IF_NAMESIZE ?
					" (an interface name has at most 15 characters)" : "");
				return 1;
			}
			used += (size_t)snprintf(out + used, size - used, "%s%.*s",
						 used > 0 ? "," : "", (int)len, s);
			s += len;
			if (*s == ',')
				s++;
		}
	}
	if (used == 0) {
		fprintf(stderr, "%s: pktiod at %s has no port to show\n", PROG, sock);
		return 1;
	}
	if (used >= size) {
		fprintf(stderr, "%s: too many ports\n", PROG);
		return 1;
	}
	return 0;
}

/* The first index from IFINDEX_BASE up (in steps) with @p n free kernel indexes after it. */
static unsigned int
ifindex_base(unsigned int n)
{
	struct if_nameindex *ni = if_nameindex(), *k;
	unsigned int base = IFINDEX_BASE;
	bool clash;

	do {
		clash = false;
		for (k = ni; k != NULL && k->if_index != 0; k++)
			if (k->if_index >= base && k->if_index < base + n)
				clash = true;
		if (clash)
			base += IFINDEX_STEP;
	} while (clash && base < 0x70000000u);
	if (ni != NULL)
		if_freenameindex(ni);
	return base;
}

static bool
readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* Find libpktio-preload.so: $PKTIO_PRELOAD, beside the installed program, in the build
 * tree, at the configured prefix. */
static int
preload_path(char *out, size_t size)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	const char *env = getenv("PKTIO_PRELOAD");
	ssize_t n;
	char *slash;

	if (env != NULL && env[0] != '\0') {
		if (realpath(env, out) == NULL || !readable(out))
			return -ENOENT;
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL)
			*slash = '\0';
		if (PKTIO_PRELOAD_LIBDIR[0] != '/') {
			snprintf(cand, sizeof(cand), "%s/../%s/%s", exe, PKTIO_PRELOAD_LIBDIR,
				 PRELOAD_NAME);
			if (readable(cand) && realpath(cand, out) != NULL)
				return 0;
		}
		snprintf(cand, sizeof(cand), "%s/../../lib/preload/%s", exe, PRELOAD_NAME);
		if (readable(cand) && realpath(cand, out) != NULL)
			return 0;
	}
	if (readable(PKTIO_PRELOAD_PATH) && size > strlen(PKTIO_PRELOAD_PATH)) {
		strcpy(out, PKTIO_PRELOAD_PATH);
		return 0;
	}
	return -ENOENT;
}

static int
env_set(const char *lib, const char *sock, const char *ports, unsigned int base)
{
	const char *old = getenv("LD_PRELOAD");
	char *pre, num[16];
	int rc;

	if (old != NULL && old[0] != '\0')
		rc = asprintf(&pre, "%s:%s", lib, old);
	else
		rc = asprintf(&pre, "%s", lib);
	if (rc < 0)
		return -ENOMEM;
	snprintf(num, sizeof(num), "%u", base);
	if (setenv("LD_PRELOAD", pre, 1) < 0 || setenv(PKTIO_SOCKET_ENV, sock, 1) < 0 ||
	    setenv("PKTIO_PORTS", ports, 1) < 0 || setenv("PKTIO_IFINDEX_BASE", num, 1) < 0) {
		free(pre);
		return -errno;
	}
	free(pre);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct pktio_port_info *pi;
	char lib[PATH_MAX], sock[PATH_MAX], ports[4096];
	unsigned int n = MAX_PORTS, count;
	const char *s;
	int rc;

	cli_prog = PROG;
	rc = parse(argc, argv, &o);
	if (rc != 0)
		return rc;
	s = sock_path(&o);
	pi = calloc(MAX_PORTS, sizeof(*pi));
	if (pi == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return 1;
	}
	rc = pktio_query(s, pi, &n, NULL, NULL);
	if (rc < 0) {
		fprintf(stderr, "%s: no pktiod answers on %s: %s\n", PROG, s, strerror(-rc));
		if (rc == -ENOENT || rc == -ECONNREFUSED)
			fprintf(stderr, "%s: start pktiod (pktiod -f CONFIG), or name its socket "
				"with --socket or $%s\n", PROG, PKTIO_SOCKET_ENV);
		else if (rc == -EACCES)
			fprintf(stderr, "%s: this user may not use it (pktiod.conf: allow_uid, "
				"allow_gid, socket_group)\n", PROG);
		free(pi);
		return 1;
	}
	rc = ports_pick(&o, s, pi, n, ports, sizeof(ports));
	free(pi);
	if (rc != 0)
		return rc;
	for (count = 1, s = ports; *s != '\0'; s++)
		count += *s == ',';
	if (preload_path(lib, sizeof(lib)) < 0) {
		fprintf(stderr, "%s: cannot find %s (set $PKTIO_PRELOAD to its path)\n", PROG,
			PRELOAD_NAME);
		return 1;
	}
	/* absolute: the program may change directory */
	if (realpath(sock_path(&o), sock) == NULL)
		snprintf(sock, sizeof(sock), "%s", sock_path(&o));
	rc = env_set(lib, sock, ports, ifindex_base(count));
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", PROG, strerror(-rc));
		return 1;
	}
	execvp(argv[optind], &argv[optind]);
	rc = errno;
	fprintf(stderr, "%s: %s: %s\n", PROG, argv[optind], strerror(rc));
	return rc == ENOENT ? 127 : 126;
}
