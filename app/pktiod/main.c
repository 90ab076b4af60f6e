/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktiod: the appliance. Owns the NICs, serves clients their packets over shared memory. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_random.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "pktiod.h"
#include "service.h"

#define DEFAULT_CONF "/etc/pktio/pktiod.conf"
#define EAL_ARGS_MAX 128

RTE_LOG_REGISTER_DEFAULT(pktiod_logtype, INFO);

struct pktiod pktiod;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: pktiod [-f FILE] [--check] [--notify-fd FD] [-- EAL-ARGS...]\n"
		"       pktiod --version\n"
		"  -f, --config FILE  configuration (default " DEFAULT_CONF ")\n"
		"  --check            check the configuration and exit\n"
		"  --notify-fd FD     write READY to FD once clients can attach, then close it\n"
		"  --version          print the version and exit\n"
		"  -h, --help         this text\n"
		"EAL arguments come from the [pktiod] eal key, then the command line after --.\n"
		"--no-pci is added unless a port names a PCI device or the arguments allowlist;\n"
		"--file-prefix pktiod-HASH (of the socket path) unless one is given; --huge-unlink\n"
		"unless --in-memory, --no-huge or --huge-unlink is.\n");
}

static bool
is_vdev(const char *dev)
{
	return strncmp(dev, "net_", 4) == 0 || strncmp(dev, "eth_", 4) == 0;
}

/* Is option @p opt among @p argv's words, alone or as "opt=..."? @return its index, or 0. */
static int
eal_has(int argc, char **argv, const char *opt)
{
	size_t n = strlen(opt);
	int i, found = 0;

	for (i = 1; i < argc; i++)
		if (strncmp(argv[i], opt, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
			found = i;
	return found;
}

/* FNV-1a: the default file prefix names the socket, so two sockets never share one. */
static uint32_t
path_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/*
 * argv for rte_eal_init(): conf eal words, command-line extras, ports' devices, then what
 * pktiod adds unless the arguments say otherwise: --no-pci, a --file-prefix of its own,
 * --huge-unlink. @p prefix receives the file prefix EAL will use.
 */
static int
eal_argv(struct pktiod_conf *c, int extra_argc, char **extra, char **argv, char *prefix,
	 size_t plen)
{
	static char words[sizeof(c->eal)], own_prefix[32];
	bool pci = false, listed = false;
	int argc = 0, i;
	char *w, *save;

	argv[argc++] = "pktiod";
	strcpy(words, c->eal);
	for (w = strtok_r(words, " \t", &save); w != NULL && argc < EAL_ARGS_MAX - 8;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	for (i = 0; i < extra_argc && argc < EAL_ARGS_MAX - 8; i++)
		argv[argc++] = extra[i];
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-a") == 0 || strncmp(argv[i], "--allow", 7) == 0 ||
		    strcmp(argv[i], "--no-pci") == 0 || strcmp(argv[i], "-b") == 0)
			listed = true;
	/* the last --file-prefix counts, as in EAL's getopt loop */
	i = eal_has(argc, argv, "--file-prefix");
	if (i == 0) {
		snprintf(own_prefix, sizeof(own_prefix), "pktiod-%08" PRIx32,
			 path_hash(c->socket));
		argv[argc++] = "--file-prefix";
		argv[argc++] = own_prefix;
		snprintf(prefix, plen, "%s", own_prefix);
	} else {
		snprintf(prefix, plen, "%s", argv[i][13] == '=' ? argv[i] + 14 :
			 i + 1 < argc ? argv[i + 1] : "");
	}
	/* hugepage files are unlinked once mapped: none outlives the process, however it ends */
	if (eal_has(argc, argv, "--in-memory") == 0 && eal_has(argc, argv, "--no-huge") == 0 &&
	    eal_has(argc, argv, "--huge-unlink") == 0)
		argv[argc++] = "--huge-unlink";
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
	d->instance = rte_rand() | 1;
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

/* Where EAL 22.11 puts the runtime directory of @p prefix (eal_create_runtime_dir()). */
static void
runtime_dir_path(const char *prefix, char *path, size_t len)
{
	const char *base = "/var/run", *xdg = getenv("XDG_RUNTIME_DIR");
	const char *rd = getenv("RUNTIME_DIRECTORY"); /* systemd's; EAL prefers it too */

	if (rd != NULL && rd[0] != '\0')
		base = rd;
	else if (getuid() != 0)
		base = xdg != NULL ? xdg : "/tmp";
	snprintf(path, len, "%s/dpdk/%s", base, prefix);
}

/* The pid written in a lock file, 0 if none. */
static pid_t
lock_pid(int fd)
{
	char buf[16] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? (pid_t)strtol(buf, NULL, 10) : 0;
}

/*
 * Take "<socket>.lock" (flock, for the process's life) so that one pktiod at a time serves
 * @p sock: the check comes before EAL, which would otherwise create devices and touch the
 * runtime directory of the instance already there. @return the locked fd; -EADDRINUSE
 * (*@p holder: its pid, 0 if unknown) or -errno.
 */
static int
socket_lock(const char *sock, pid_t *holder)
{
	char path[PATH_MAX], dir[PATH_MAX], pid[16];
	struct stat a, b;
	int fd, rc;

	snprintf(path, sizeof(path), "%s.lock", sock);
	snprintf(dir, sizeof(dir), "%s", sock);
	(void)mkdir(dirname(dir), 0755); /* as ctl.c does for the socket */
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 && errno == EACCES) /* another user's pktiod: flock needs no write */
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			rc = errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
			*holder = lock_pid(fd);
			close(fd);
			return rc;
		}
		/* The holder unlinks the file as it leaves: make sure we locked the one there. */
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			break;
		close(fd);
	}
	rc = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, rc, 0) != rc)
		PKTIO_LOG(DEBUG, "%s: cannot write our pid", path); /* only a hint to others */
	return fd;
}

/* Unlink the lock file, then let it go (in this order: see socket_lock()). */
static void
socket_unlock(const char *sock, int fd)
{
	char path[PATH_MAX];

	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "%s.lock", sock);
	unlink(path);
	close(fd);
}

/*
 * Is @p sock served, by a pktiod that took no lock (an older one)? A stale socket file
 * refuses the connection and ctl.c replaces it. @return 0 or -EADDRINUSE (*@p holder: the
 * listener's pid from SO_PEERCRED).
 */
static int
socket_served(const char *sock, pid_t *holder)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cr = { .pid = 0 };
	socklen_t len = sizeof(cr);
	int fd, rc = 0;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* EAGAIN: a listener with a full backlog is alive too */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN) {
		rc = -EADDRINUSE;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0)
			*holder = cr.pid;
	}
	close(fd);
	return rc;
}

/* One pktiod per socket: lock it, and make sure no lock-less pktiod serves it. */
static int
socket_claim(const char *sock)
{
	pid_t holder = 0;
	int fd = socket_lock(sock, &holder), rc = 0;

	if (fd >= 0)
		rc = socket_served(sock, &holder);
	if (fd >= 0 && rc == 0)
		return fd;
	if (fd < 0)
		rc = fd;
	if (rc == -EADDRINUSE && holder > 0)
		fprintf(stderr, "pktiod: socket %s is served by another pktiod (pid %d)\n", sock,
			(int)holder);
	else if (rc == -EADDRINUSE)
		fprintf(stderr, "pktiod: socket %s is served by another pktiod\n", sock);
	else
		fprintf(stderr, "pktiod: socket %s: lock %s.lock: %s\n", sock, sock,
			strerror(-rc));
	socket_unlock(sock, fd);
	return rc;
}

/* Clients and workers each hold fds: allow what the hard limit allows (an unlimited hard
 * limit still stops at the kernel's fs.nr_open). */
static void
nofile_raise(void)
{
	unsigned long nr_open = 1048576;
	struct rlimit rl;
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_max == RLIM_INFINITY) {
		f = fopen("/proc/sys/fs/nr_open", "r");
		if (f != NULL) {
			if (fscanf(f, "%lu", &nr_open) != 1)
				nr_open = 1048576;
			fclose(f);
		}
		rl.rlim_cur = nr_open;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		fprintf(stderr, "pktiod: RLIMIT_NOFILE: %s\n", strerror(errno));
}

/*
 * SIGINT and SIGTERM stay blocked from the start (EAL threads inherit the mask) and pending
 * until ctl.c's signalfd reads them; one that came during start-up is found here instead,
 * between the steps, so that pktiod stops at once rather than after serving.
 */
static bool
stop_pending(void)
{
	sigset_t set;

	if (sigpending(&set) < 0 ||
	    (sigismember(&set, SIGTERM) != 1 && sigismember(&set, SIGINT) != 1))
		return false;
	PKTIO_LOG(NOTICE, "signalled during start-up: stopping");
	return true;
}

/* rte_eal_init() parsed @p parsed arguments; getopt moved the words it did not take last. */
static int
eal_leftovers(int argc, char **argv, int parsed)
{
	if (parsed + 1 >= argc)
		return 0;
	fprintf(stderr, "pktiod: EAL argument '%s' is not an option%s (check the eal key of %s "
		"and the arguments after --)\n", argv[parsed + 1],
		parsed + 2 < argc ? ", nor what follows it" : "", pktiod.conf.path);
	return -EINVAL;
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

/* --notify-fd: a decimal fd that is open. Anything else is a usage error. */
static int
parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || s[0] == '+' ||
	    v > INT_MAX) {
		fprintf(stderr, "pktiod: --notify-fd: '%s' is not a file descriptor\n", s);
		usage(stderr);
		exit(2);
	}
	if (fcntl((int)v, F_GETFD) < 0) {
		fprintf(stderr, "pktiod: --notify-fd: %ld: %s\n", v, strerror(errno));
		usage(stderr);
		exit(2);
	}
	return (int)v;
}

static int
parse_args(int argc, char **argv, const char **conf, bool *check, int *notify_fd)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'c' },
		{ "notify-fd", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
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
			*notify_fd = parse_fd(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("pktiod (pktio) %s\n", PKTIO_VERSION); /* as cli_version() */
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
	char err[512], *eargv[EAL_ARGS_MAX], rundir[PATH_MAX], prefix[256];
	bool check = false, existed;
	int notify_fd = -1, eargc, rc, first, lock, parsed;
	unsigned int lcore, wid = 0;
	sigset_t sigs;

	/* first: start-up errors too go to the journal with their priority */
	if (pktiod_journal_init() < 0)
		fprintf(stderr, "pktiod: journal log stream: %s\n", strerror(ENOMEM));
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
	nofile_raise();
	lock = socket_claim(pktiod.conf.socket);
	if (lock < 0)
		return 1;
	rc = 0;
	if (stop_pending())
		goto unlock;
	eargc = eal_argv(&pktiod.conf, argc - first, argv + first, eargv, prefix, sizeof(prefix));
	runtime_dir_path(prefix, rundir, sizeof(rundir));
	existed = access(rundir, F_OK) == 0;
	parsed = rte_eal_init(eargc, eargv);
	if (parsed < 0) {
		rc = rte_errno > 0 ? -rte_errno : -EINVAL;
		fprintf(stderr, "pktiod: EAL init failed: %s\n", rte_strerror(rte_errno));
		/* Ours only if this attempt created it: never another instance's. */
		if (!existed)
			runtime_dir_remove(rundir);
		goto unlock;
	}
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	PKTIO_LOG(INFO, "EAL file prefix %s, runtime directory %s", prefix, rundir);
	rc = eal_leftovers(eargc, eargv, parsed);
	if (rc == 0 && rte_lcore_count() < 2) {
		fprintf(stderr, "pktiod: EAL runs on %u lcore: pktiod needs a worker lcore besides "
			"the main one (e.g. eal = -l 0-1)\n", rte_lcore_count());
		rc = -EINVAL;
	}
	if (rc < 0 || stop_pending())
		goto eal_cleanup;
	pktiod.kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pktiod.hugetlb = hugetlb_works();
	clock_init(&pktiod);
	rc = pktiod.kick_fd < 0 ? -errno : rcu_init(&pktiod);
	rc = rc ?: pktiod_ports_init(&pktiod);
	rc = rc ?: pktiod_telemetry_init(&pktiod);
	if (rc < 0 || stop_pending())
		goto cleanup;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(pktiod_worker, (void *)(uintptr_t)wid++, lcore);
	rc = pktiod_ctl_run(&pktiod, notify_fd);
	pktiod.quit = true;
	rte_eal_mp_wait_lcore();
cleanup:
	pktiod_ports_close(&pktiod);
	pktiod_zombies_reap(&pktiod, true); /* the devices, closed, read no slot any more */
	rte_free(pktiod.qs);
eal_cleanup:
	rte_eal_cleanup();
	runtime_dir_remove(rundir);
unlock:
	socket_unlock(pktiod.conf.socket, lock);
	return rc < 0 ? 1 : 0;
}
