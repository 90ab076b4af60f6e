/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktiod under systemd: sd_notify(3) readiness and status, and log lines prefixed with their
 * syslog priority when standard error is the journal (sd-daemon(3)'s "<N>" convention), so
 * that `journalctl -p warning` finds pktiod's and DPDK's warnings. Never on the data path.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#ifdef PKTIOD_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <rte_log.h>

#include "pktiod.h"
#include "service.h"

#define JOURNAL_CHUNK 1024

/* One stream into the journal: its lines go out with a priority prefix. */
struct journal_stream {
	int prio;	 /* syslog priority, or -1: the DPDK message's level */
	bool line_start; /* the next byte begins a line */
};

static struct journal_stream dpdk_js = { .prio = -1, .line_start = true };
static struct journal_stream stderr_js = { .prio = LOG_ERR, .line_start = true };

static void
write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(STDERR_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere to say it: the journal is gone */
		p += w;
		n -= w;
	}
}

/* RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8) are syslog's 0 .. 7 plus one. */
static int
dpdk_prio(void)
{
	int level = rte_log_cur_msg_loglevel();

	return level >= (int)RTE_LOG_EMERG && level <= (int)RTE_LOG_DEBUG ? level - 1 : LOG_INFO;
}

/* fopencookie() write: stdio hands us whole lines (line-buffered), in one or more pieces. */
static ssize_t
journal_write(void *cookie, const char *buf, size_t size)
{
	struct journal_stream *js = cookie;
	int prio = js->prio >= 0 ? js->prio : dpdk_prio();
	char out[JOURNAL_CHUNK];
	size_t i, o = 0;

	for (i = 0; i < size; i++) {
		if (o + 4 > sizeof(out)) {
			write_all(out, o);
			o = 0;
		}
		if (js->line_start) {
			out[o++] = '<';
			out[o++] = '0' + prio;
			out[o++] = '>';
		}
		out[o] = buf[i];
		js->line_start = out[o++] == '\n';
	}
	write_all(out, o);
	return size; /* a failed write is not the caller's to retry */
}

static FILE *
journal_open(struct journal_stream *js)
{
	static const cookie_io_functions_t io = { .write = journal_write };
	FILE *f = fopencookie(js, "w", io);

	if (f != NULL)
		setvbuf(f, NULL, _IOLBF, BUFSIZ);
	return f;
}

/* $JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected stdout/stderr to. */
static bool
stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

int
pktiod_journal_init(void)
{
	FILE *dpdk, *err;

	if (!stderr_is_journal())
		return 0;
	dpdk = journal_open(&dpdk_js);
	err = journal_open(&stderr_js);
	if (dpdk == NULL || err == NULL || rte_openlog_stream(dpdk) < 0) {
		if (dpdk != NULL)
			fclose(dpdk);
		if (err != NULL)
			fclose(err);
		return -ENOMEM;
	}
	/*
	 * glibc's stderr is an ordinary variable: pktiod's own messages (start-up errors) go
	 * out as errors. DPDK's default stream would also copy each line to syslog, which
	 * the journal reads too: its lines would show twice; this one writes stderr only.
	 */
	stderr = err;
	return 1;
}

/* Attachments over every port. */
static unsigned int
nb_clients(const struct pktiod *d)
{
	unsigned int i, n = 0;

	for (i = 0; i < d->nb_ports; i++)
		n += d->ports[i].nb_atts;
	return n;
}

#ifdef PKTIOD_SYSTEMD
void
pktiod_notify_ready(const struct pktiod *d)
{
	sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=serving %u port(s) on %s, %u client(s)",
		   (int)getpid(), d->nb_ports, d->conf.socket, nb_clients(d));
}

void
pktiod_notify_status(const struct pktiod *d)
{
	sd_notifyf(0, "STATUS=serving %u port(s) on %s, %u client(s)", d->nb_ports, d->conf.socket,
		   nb_clients(d));
}

void
pktiod_notify_stopping(const struct pktiod *d)
{
	sd_notifyf(0, "STOPPING=1\nSTATUS=shutting down: detaching %u client(s)", nb_clients(d));
}
#else /* built without libsystemd: nothing to tell */
void
pktiod_notify_ready(const struct pktiod *d)
{
	(void)nb_clients(d);
}

void
pktiod_notify_status(const struct pktiod *d)
{
	(void)d;
}

void
pktiod_notify_stopping(const struct pktiod *d)
{
	(void)d;
}
#endif
