/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * A private, minimal EAL, only for the memory rte_lpm lives in: one lcore, no PCI probing,
 * no hugepages, no shared configuration, no telemetry, a file prefix of our own. Packets
 * never go through it; they go through pktio.h.
 */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "fwd.h"

#define EAL_ARGS_MAX 64

static char eal_runtime_dir[PATH_MAX];

static unsigned int
first_cpu(const cpu_set_t *set)
{
	unsigned int i;

	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, set))
			return i;
	return 0;
}

/* argv for rte_eal_init(): the fixed minimal set, then the eal key's words. */
static int
eal_argv(struct fwd *f, unsigned int lcore, char **argv)
{
	static char lc[16], mem[16], prefix[64], words[FWD_EAL_LEN];
	char *w, *save;
	int argc = 0;

	snprintf(lc, sizeof(lc), "%u", lcore);
	snprintf(mem, sizeof(mem), "%u", f->conf.eal_mem);
	snprintf(prefix, sizeof(prefix), "pktio-fwd-%d", (int)getpid());
	argv[argc++] = FWD_PROG;
	argv[argc++] = "-l";
	argv[argc++] = lc;
	argv[argc++] = "--no-pci";     /* never probe a NIC: pktiod owns them */
	argv[argc++] = "--no-huge";
	argv[argc++] = "-m";
	argv[argc++] = mem;            /* rte_lpm's tbl24 alone is 64 MiB */
	argv[argc++] = "--no-shconf";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = "--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = "--log-level=lib.eal:error";
	strcpy(words, f->conf.eal);
	for (w = strtok_r(words, " \t", &save); w != NULL && argc < EAL_ARGS_MAX - 1;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	return argc;
}

int
fwd_eal_init(struct fwd *f, char *err, size_t errlen)
{
	char *argv[EAL_ARGS_MAX];
	cpu_set_t set;
	int argc, rc;

	rc = -pthread_getaffinity_np(pthread_self(), sizeof(set), &set);
	if (rc < 0) {
		snprintf(err, errlen, "CPU affinity: %s", strerror(-rc));
		return rc;
	}
	/* the main thread only sleeps: any CPU it may run on will do */
	argc = eal_argv(f, first_cpu(&set), argv);
	optind = 1;
	if (rte_eal_init(argc, argv) < 0) {
		snprintf(err, errlen, "EAL init failed: %s", rte_strerror(rte_errno));
		return -EINVAL;
	}
	f->eal = true;
	snprintf(eal_runtime_dir, sizeof(eal_runtime_dir), "%s", rte_eal_get_runtime_dir());
	/* EAL pinned this thread to its lcore; the workers it starts float as before */
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	return 0;
}

/* EAL leaves its runtime directory behind; it is ours alone (file prefix with our pid). */
static void
runtime_dir_remove(const char *dir)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void
fwd_eal_cleanup(struct fwd *f)
{
	if (!f->eal)
		return;
	rte_eal_cleanup();
	if (eal_runtime_dir[0] != '\0' && strstr(eal_runtime_dir, "pktio-fwd-") != NULL)
		runtime_dir_remove(eal_runtime_dir);
	f->eal = false;
}
