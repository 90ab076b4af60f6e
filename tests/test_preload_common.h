/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef TEST_PRELOAD_COMMON_H
#define TEST_PRELOAD_COMMON_H

/*
 * What the pktio-run tests share. Each test program is also its own subject: run as
 * `test_preload_x --child CASE` under pktio-run (so that libpktio-preload.so is under it),
 * it runs one case and exits 0, or 1 after printing the failed check. The cmocka side
 * starts pktiod, runs each case that way and checks the exit status.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* A check inside a child case: print where and why, and fail the case. */
#define CHECK(cond) do {								\
	if (!(cond)) {									\
		fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", __FILE__,	\
			__LINE__, #cond, errno, strerror(errno));			\
		return 1;								\
	}										\
} while (0)

struct preload_case {
	const char *name;
	int (*fn)(void);
};

/* argv = { self, "--child", CASE }: run that case. @return its status, or -1 if not child */
static inline int
preload_child(const struct preload_case *cases, int argc, char **argv)
{
	const struct preload_case *c;

	if (argc < 3 || strcmp(argv[1], "--child") != 0)
		return -1;
	setvbuf(stdout, NULL, _IONBF, 0);
	for (c = cases; c->name != NULL; c++)
		if (strcmp(c->name, argv[2]) == 0)
			return c->fn();
	fprintf(stderr, "no case %s\n", argv[2]);
	return 2;
}

/* This program's path, for running it under pktio-run. */
static inline const char *
preload_self(void)
{
	static char self[PATH_MAX];

	if (self[0] == '\0' && realpath("/proc/self/exe", self) == NULL)
		snprintf(self, sizeof(self), "/proc/self/exe");
	return self;
}

static inline const char *
preload_run_bin(void)
{
	return test_bin("app/pktio-run/pktio-run");
}

/* Run case @p name under pktio-run on @p d's ports. @return its exit status; its output
 * is printed when it failed. */
static inline int
preload_run_case(const struct test_pktiod *d, const char *name)
{
	static char out[65536];
	char *argv[] = { (char *)preload_run_bin(), (char *)"-q", (char *)"-s", (char *)d->sock,
			 (char *)"--", (char *)preload_self(), (char *)"--child", (char *)name,
			 NULL };
	int rc = test_run_capture(argv, out, sizeof(out), 60000);

	if (rc != 0)
		fprintf(stderr, "---- case %s: status %d ----\n%s\n", name, rc, out);
	return rc;
}

/* Is @p prog on $PATH? */
static inline int
preload_have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

static inline uint64_t
preload_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

#endif /* TEST_PRELOAD_COMMON_H */
