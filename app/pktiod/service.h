/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIOD_SERVICE_H
#define PKTIOD_SERVICE_H

/*
 * pktiod as a systemd service: readiness and status through sd_notify(3) (a no-op without
 * $NOTIFY_SOCKET, or when pktiod was built without libsystemd), and log lines that carry
 * their syslog priority when standard error is the journal.
 */

struct pktiod;

/**
 * If standard error is the journal ($JOURNAL_STREAM names its device and inode, as
 * systemd sets it for StandardError=journal), prefix every line with its priority as
 * sd-daemon(3) does ("<3>" for an error): DPDK's log lines with the level they were logged
 * at (rte_log_cur_msg_loglevel()), everything else written to stderr with LOG_ERR. On a
 * terminal or a file nothing changes. Call it first thing, before rte_eal_init().
 * @return 1 when the prefixes are on, 0 when standard error is not the journal, -errno.
 */
int pktiod_journal_init(void);

/** READY=1, MAINPID and a STATUS line: the control socket accepts attaches from now on. */
void pktiod_notify_ready(const struct pktiod *d);

/** STATUS=serving N port(s) on SOCKET, M client(s): cheap, for attach and detach. */
void pktiod_notify_status(const struct pktiod *d);

/** STOPPING=1 and a STATUS line: shutdown has begun. */
void pktiod_notify_stopping(const struct pktiod *d);

#endif /* PKTIOD_SERVICE_H */
