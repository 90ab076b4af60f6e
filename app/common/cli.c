/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktio.h"

#include "cli.h"

const char *cli_prog = "pktio";
volatile sig_atomic_t cli_stop;

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", cli_prog);
	return 2;
}

int
cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno != 0 || v < min || v > max)
		return -ERANGE;
	*val = v;
	return 0;
}

static void
on_stop(int sig)
{
	(void)sig;
	cli_stop = 1;
}

int
cli_signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	return 0;
}

void
cli_log_stderr(int level, const char *msg)
{
	(void)level;
	fprintf(stderr, "%s: %s\n", cli_prog, msg);
}

void
cli_attach_error(const char *sock, const char *port, int err)
{
	const char *hint = "";

	if (strncmp(port, "afpacket:", 9) == 0) {
		fprintf(stderr, "%s: cannot open %s: %s%s\n", cli_prog, port, strerror(err),
			err == ENOENT || err == ENODEV ? " (no such interface)" :
			err == EPERM ? " (needs CAP_NET_RAW)" : "");
		return;
	}
	if (sock == NULL || sock[0] == '\0')
		sock = getenv(PKTIO_SOCKET_ENV);
	if (sock == NULL || sock[0] == '\0')
		sock = PKTIO_SOCKET_DEFAULT;
	if (err == ENOENT && access(sock, F_OK) == 0)
		hint = " (pktiod has no port of that name: pktioctl ports lists them)";
	else if (err == ENOENT || err == ECONNREFUSED)
		hint = " (no pktiod listening there: is it running, with this socket?)";
	else if (err == EBUSY)
		hint = " (the queue is taken: a mirror or a transmit-only attachment always fits)";
	else if (err == EACCES && access(sock, R_OK | W_OK) != 0)
		hint = " (no permission on the socket: pktiod's socket_mode and socket_group)";
	else if (err == EACCES)
		hint = " (this user may not attach to the port: pktiod's allow_uid and allow_gid)";
	else if (err == EUSERS)
		hint = " (this user holds too many: max_conns_per_uid, max_clients_per_uid)";
	else if (err == ETIMEDOUT)
		hint = " (pktiod did not answer)";
	else if (err == EPROTO)
		hint = " (pktiod speaks another protocol version)";
	fprintf(stderr, "%s: cannot attach to %s via %s: %s%s\n", cli_prog, port, sock,
		strerror(err), hint);
}

void
cli_version(void)
{
	printf("%s (pktio) %s\n", cli_prog, PKTIO_VERSION);
}
