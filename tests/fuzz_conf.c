/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * libFuzzer target: pktiod's configuration parser, pktiod_conf_load() (app/pktiod/config.c
 * over app/common/conf.c and librte_cfgfile; no EAL). Each input is the whole file. The
 * parser takes a path, so the input goes into a memfd read back as /proc/self/fd/N: no
 * file on disk, nothing to clean up. Invariants checked:
 * - a refusal is a negative errno with a message "FILE:..." inside the error buffer;
 * - an accepted file has 1..PKTIOD_MAX_PORTS ports, each with a non-empty name without
 *   ':', unique, a device, at least one queue each way, no more worker lcores than its
 *   lcores[] holds and at most PKTIOD_MAX_IDS ids; every string is NUL-terminated inside
 *   its field;
 * - nothing is left open: after every input the file is open once, as our memfd (LSan,
 *   through libFuzzer, checks that nothing is left allocated). Not "the lowest free fd is
 *   the same": libFuzzer's RSS thread opens /proc/self/status now and then, at any time.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>

#include "fuzz.h"
#include "pktiod.h"

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

int LLVMFuzzerInitialize(int *argc, char ***argv);
static int memfd = -1;
static struct stat memfd_st;  /* its device and inode */
static char path[64];
static struct pktiod_conf conf;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* librte_cfgfile logs every refused line; the parser's verdict is what we check */
	rte_log_set_global_level(RTE_LOG_EMERG);
	memfd = memfd_create("fuzz_conf", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	CHECK(fstat(memfd, &memfd_st) == 0);
	return 0;
}

/* How many descriptors of this process have the input file open (ours included). */
static unsigned int
nb_opened(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	struct stat st;
	unsigned int n = 0;
	int fd;

	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL) {
		fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd == dirfd(d) || fstat(fd, &st) < 0)
			continue;
		n += st.st_dev == memfd_st.st_dev && st.st_ino == memfd_st.st_ino;
	}
	closedir(d);
	return n;
}

static void
check_port(const struct pktiod_port_conf *p, unsigned int index)
{
	unsigned int i;

	CHECK(TERMINATED(p->name) && p->name[0] != '\0' && strchr(p->name, ':') == NULL);
	CHECK(TERMINATED(p->section) && TERMINATED(p->device) && p->device[0] != '\0');
	CHECK(p->nb_rxq >= 1 && p->nb_txq >= 1);
	CHECK(p->nb_uid <= PKTIOD_MAX_IDS && p->nb_gid <= PKTIOD_MAX_IDS);
	CHECK(p->nb_lcores <= sizeof(p->lcores) / sizeof(p->lcores[0]));
	for (i = 0; i < index; i++)
		CHECK(strcmp(conf.ports[i].name, p->name) != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t errlen = 512, plen = strlen(path);
	char *err = malloc(errlen);
	unsigned int i;
	int rc;

	CHECK(err != NULL);
	memset(err, 0, errlen);
	CHECK(ftruncate(memfd, 0) == 0);
	CHECK(size == 0 || pwrite(memfd, data, size, 0) == (ssize_t)size);

	rc = pktiod_conf_load(&conf, path, err, errlen);
	if (rc != 0) {
		CHECK(rc < 0 && rc > -4096);
		CHECK(memchr(err, '\0', errlen) != NULL);
		CHECK(strncmp(err, path, plen) == 0 && err[plen] == ':');
	} else {
		CHECK(conf.nb_ports >= 1 && conf.nb_ports <= PKTIOD_MAX_PORTS);
		CHECK(TERMINATED(conf.path) && TERMINATED(conf.socket) && TERMINATED(conf.eal) &&
		      TERMINATED(conf.socket_group));
		for (i = 0; i < conf.nb_ports; i++)
			check_port(&conf.ports[i], i);
	}
	free(err);
	CHECK(nb_opened() == 1); /* the parser closed every FILE it opened on it */
	return 0;
}
