/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_CLI_H
#define PKTIO_CLI_H

/*
 * Command-line plumbing the tools share (libc only): usage errors worded alike, strict
 * numbers, the stop signal, and a log callback for libpktio.
 */

#include <signal.h>
#include <stdint.h>

/** The tool's name, for messages: set it first thing in main(). */
extern const char *cli_prog;

/** Set by SIGINT or SIGTERM once cli_signals_install() ran. */
extern volatile sig_atomic_t cli_stop;

/**
 * Print "PROG: message" and a pointer to --help on stderr.
 * @return 2, the exit status of a usage error.
 */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * A decimal number (digits only: no sign, no space) in [min, max].
 * @return 0, -EINVAL (not a number) or -ERANGE (out of range).
 */
int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *val);

/**
 * SIGINT and SIGTERM set cli_stop. No SA_RESTART, so a blocking call returns -EINTR;
 * the handler resets itself, so a second signal kills. @return 0, or -errno.
 */
int cli_signals_install(void);

/**
 * Print why pktio_port_open(@p port, ..., @p sock) failed with @p err (a positive errno),
 * in words a user can act on: the socket (@p sock, else $PKTIO_SOCKET, else the default) is
 * always named, and the hint says whether pktiod is missing, the port unknown, the queue
 * busy, or the user not allowed. pktiod's own reason (the holder of a busy queue, the
 * allow list) comes before it through the library's log callback.
 */
void cli_attach_error(const char *sock, const char *port, int err);

/** Print "PROG (pktio) VERSION" on stdout: every tool's --version. */
void cli_version(void);

/** A pktio_log_set() callback: "PROG: message" on stderr. */
void cli_log_stderr(int level, const char *msg);

#endif /* PKTIO_CLI_H */
