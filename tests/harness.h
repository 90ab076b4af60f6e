/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_TEST_HARNESS_H
#define PKTIO_TEST_HARNESS_H

/*
 * Integration-test harness: run a pktiod with a generated configuration and wait for it
 * by events (its READY line, its pidfd), never by sleeping. Everything started is torn
 * down at exit, also when a test fails.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "pktio.h"

/* Exit status that tells meson the test was skipped. */
#define TEST_SKIP 77

struct test_pktiod {
	pid_t pid;
	int pidfd;
	char dir[64];       /* scratch directory, removed at exit */
	char sock[128];
	char conf[128];
	char log[128];      /* pktiod's stdout+stderr */
};

/** The lcores of the next test_pktiod_start() (EAL words; default "-l 0-1"). */
extern const char *test_lcores;

/** A scratch directory for this test process (created once, removed at exit). */
const char *test_dir(void);

/**
 * Write a configuration (a [pktiod] section for this test, then @p ports verbatim: keys
 * before its first section join [pktiod]; an idle_sleep_us among them replaces the
 * harness's 100 us) and start pktiod on it. Returns 0 once it accepts clients, -1 (with
 * the log printed) if it exited or did not get ready within 30 s.
 */
int test_pktiod_start(struct test_pktiod *d, const char *ports);

/** Start again with the same configuration (same socket). */
int test_pktiod_restart(struct test_pktiod *d);

/** SIGTERM and wait (10 s at most, then SIGKILL). @return its exit status, or -1. */
int test_pktiod_stop(struct test_pktiod *d);

/** true while the process runs. */
bool test_pktiod_alive(const struct test_pktiod *d);

/** Wait for @p pid to exit, at most @p ms. @return its wait status, or -1 on timeout. */
int test_wait_pid(pid_t pid, int ms);

/** Path of a built program: $PKTIO_BUILD/<rel> (meson sets PKTIO_BUILD). */
const char *test_bin(const char *rel);

/** Run argv to completion (stdout/stderr to @p out, if not NULL). @return exit status. */
int test_run(char *const argv[], const char *out, int timeout_ms);

/** Connect a SOCK_SEQPACKET socket to @p path. @return fd, or -1. */
int test_connect(const char *path);

/** Query a port's counters. @return 0 or -errno. */
int test_port_info(const struct test_pktiod *d, const char *port, struct pktio_port_info *pi);

/** Number of attachments pktiod reports. */
int test_nb_clients(const struct test_pktiod *d);

/**
 * Wait until pktiod reports @p n attachments, at most @p ms (a detach follows the client's
 * exit by a moment). @return the count last reported.
 */
int test_wait_clients(const struct test_pktiod *d, int n, int ms);

/**
 * A well-behaved pair on @p port still moves frames: a receiver opened with @p rx_flags
 * and a transmit-only sender exchange 20 frames in order.
 * @return 0, or the first step that failed (1 open, 2 write, 3 read, 4 order).
 */
int test_check_service(const struct test_pktiod *d, const char *port, unsigned int rx_flags);

/** Open file descriptors of process @p pid, or -1. */
int test_nb_fds(pid_t pid);

/** CLOCK_MONOTONIC in milliseconds. */
uint64_t test_now_ms(void);

/** A UDP/IPv4 frame of @p len bytes in @p buf, flow picked by @p sport, seq stamped in. */
void test_frame(void *buf, unsigned int len, uint16_t sport, uint32_t seq);

/** The seq of a test_frame(), its sport in *sport. */
uint32_t test_frame_seq(const void *buf, uint16_t *sport);

/**
 * test_run() with stdout and stderr captured into @p out (NUL-terminated, cut at @p len - 1).
 * @return as test_run(); -1 also when the output cannot be read.
 */
int test_run_capture(char *const argv[], char *out, size_t len, int timeout_ms);

/** CPU time of the calling thread, in milliseconds. */
double test_thread_cpu_ms(void);

/** Is thread @p tid of this process asleep in the kernel (state S)? */
bool test_thread_sleeping(pid_t tid);

#endif /* PKTIO_TEST_HARNESS_H */
