/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktiod: the appliance. Owns the NICs, serves clients their packets over shared memory. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "pktiod.h"

#define DEFAULT_CONF "/etc/pktio/pktiod.conf"
#define EAL_ARGS_MAX 128

RTE_LOG_REGISTER_DEFAULT(pktiod_logtype, INFO);

struct pktiod pktiod;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: pktiod [-f FILE] [--check] [--notify-fd FD] [-- EAL-ARGS...]\n"
		"  -f, --config FILE  configuration (default " DEFAULT_CONF ")\n"
		"  --check            check the configuration and exit\n"
		"  --notify-fd FD     write READY to FD once clients can attach, then close it\n"
		"  -h, --help         this text\n"
		"EAL arguments come from the [pktiod] eal key, then the command line after --.\n"
		"--no-pci is added unless a port names a PCI device or the arguments allowlist.\n");
}

static bool
is_vdev(const char *dev)
{
	return strncmp(dev, "net_", 4) == 0 || strncmp(dev, "eth_", 4) == 0;
}

/* argv for rte_eal_init(): conf eal words, ports' devices, command-line extras. */
static int
eal_argv(struct pktiod_conf *c, int extra_argc, char **extra, char **argv)
{
	static char words[sizeof(c->eal)];
	bool pci = false, listed = false;
	int argc = 0, i;
	char *w, *save;

	argv[argc++] = "pktiod";
	strcpy(words, c->eal);
	for (w = strtok_r(words, " \t", &save); w != NULL && argc < EAL_ARGS_MAX - 4;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	for (i = 0; i < extra_argc && argc < EAL_ARGS_MAX - 4; i++)
		argv[argc++] = extra[i];
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-a") == 0 || strncmp(argv[i], "--allow", 7) == 0 ||
		    strcmp(argv[i], "--no-pci") == 0 || strcmp(argv[i], "-b") == 0)
			listed = true;
	for (i = 0; i < (int)c->nb_ports && argc < EAL_ARGS_MAX - 3; i++) {
		pci = pci || !is_vdev(c->ports[i].device);
		argv[argc++] = is_vdev(c->ports[i].device) ? "--vdev" : "-a";
		argv[argc++] = c->ports[i].device;
	}
	if (!pci && !listed)
		argv[argc++] = "--no-pci"; /* never probe a NIC nobody asked for */
	argv[argc] = NULL;
	return argc;
}

static int
clock_init(struct pktiod *d)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	d->base_tsc = rte_rdtsc();
	d->base_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	d->ns_per_tsc = 1e9 / rte_get_tsc_hz();
	return 0;
}

/* Can regions be hugepage-backed? Try one. */
static bool
hugetlb_works(void)
{
	int fd = memfd_create("pktio-probe", MFD_CLOEXEC | MFD_HUGETLB);
	void *p;

	if (fd < 0)
		return false;
	p = ftruncate(fd, 2u << 20) == 0 ?
		mmap(NULL, 2u << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0) :
		MAP_FAILED;
	close(fd);
	if (p == MAP_FAILED)
		return false;
	munmap(p, 2u << 20);
	return true;
}

/* EAL leaves its runtime directory (/var/run/dpdk/PREFIX) behind: remove ours. */
static void
runtime_dir_remove(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;

	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL)
		if (e->d_type == DT_REG || e->d_type == DT_SOCK)
			unlinkat(dirfd(dir), e->d_name, 0);
	closedir(dir);
	rmdir(path);
}

static int
rcu_init(struct pktiod *d)
{
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);

	d->qs = rte_zmalloc("pktiod_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (d->qs == NULL || rte_rcu_qsbr_init(d->qs, RTE_MAX_LCORE) != 0)
		return -ENOMEM;
	return 0;
}

static int
parse_args(int argc, char **argv, const char **conf, bool *check, int *notify_fd)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'c' },
		{ "notify-fd", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			*conf = optarg;
			break;
		case 'c':
			*check = true;
			break;
		case 'n':
			*notify_fd = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	return optind;
}

int
main(int argc, char **argv)
{
	const char *conf = DEFAULT_CONF;
	char err[512], *eargv[EAL_ARGS_MAX], rundir[PATH_MAX];
	bool check = false;
	int notify_fd = -1, eargc, rc, first;
	unsigned int lcore, wid = 0;
	sigset_t sigs;

	first = parse_args(argc, argv, &conf, &check, &notify_fd);
	rc = pktiod_conf_load(&pktiod.conf, conf, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "pktiod: %s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: OK, %u port(s)\n", conf, pktiod.conf.nb_ports);
		return 0;
	}
	/* Block the signals everywhere (EAL threads inherit the mask); signalfd takes them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	eargc = eal_argv(&pktiod.conf, argc - first, argv + first, eargv);
	if (rte_eal_init(eargc, eargv) < 0) {
		fprintf(stderr, "pktiod: EAL init failed: %s\n", rte_strerror(rte_errno));
		/* Past the config lock (a device or memory failed), the directory is ours;
		 * EAGAIN means another primary holds it. */
		if (rte_errno != EAGAIN && rte_errno != EALREADY)
			runtime_dir_remove(rte_eal_get_runtime_dir());
		return 1;
	}
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	pktiod.kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pktiod.hugetlb = hugetlb_works();
	clock_init(&pktiod);
	rc = pktiod.kick_fd < 0 ? -errno : rcu_init(&pktiod);
	rc = rc ?: pktiod_ports_init(&pktiod);
	if (rc < 0)
		goto cleanup;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(pktiod_worker, (void *)(uintptr_t)wid++, lcore);
	rc = pktiod_ctl_run(&pktiod, notify_fd);
	pktiod.quit = true;
	rte_eal_mp_wait_lcore();
cleanup:
	pktiod_ports_close(&pktiod);
	rte_free(pktiod.qs);
	rte_eal_cleanup(); /* frees our hugepages (no files at all with --in-memory) */
	runtime_dir_remove(rundir);
	return rc < 0 ? 1 : 0;
}
