/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * pktiod's configuration file (app/pktiod/config.c): values, defaults, and an error
 * message "file:line: problem" pointing at the right line for each kind of mistake.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pktiod.h"

static char dir[] = "/tmp/pktio-test-config.XXXXXX";
static char path[256];
static char err[512];
static struct pktiod_conf conf;

static int
dir_create(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
dir_remove(void **state)
{
	(void)state;
	return rmdir(dir);
}

/* Write @p text to <dir>/<name>.conf and load it. */
static int
load(const char *name, const char *text)
{
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	memset(err, 0, sizeof(err));
	rc = pktiod_conf_load(&conf, path, err, sizeof(err));
	unlink(path);
	return rc;
}

/* Loading fails with -EINVAL and "path:line: ...word...". */
static void
expect_error(const char *name, const char *text, unsigned int line, const char *word)
{
	char where[300];
	size_t len;
	int rc = load(name, text);

	if (rc != -EINVAL)
		fail_msg("%s: returned %d, expected -EINVAL (message '%s')", name, rc, err);
	len = snprintf(where, sizeof(where), "%s:%u: ", path, line);
	if (strncmp(err, where, len) != 0)
		fail_msg("%s: message '%s' does not start with '%s'", name, err, where);
	if (strcasestr(err + len, word) == NULL)
		fail_msg("%s: message '%s' does not say '%s'", name, err, word);
}

static void
test_config_good_file(void **state)
{
	static const char text[] =
		"; pktiod test configuration\n"
		"[pktiod]\n"
		"socket = /tmp/pktio-test.sock\n"
		"eal = -l 0-1 --no-huge   ; inline comment\n"
		"mbufs = 4095\n"
		"idle_spins = 10\n"
		"idle_sleep_us = 0\n"
		"\n"
		"[port p0]\n"
		"device = net_null0,size=64\n"
		"rx_queues = 2\n"
		"tx_queues = 3\n"
		"ring_size = 256\n"
		"max_frame = 9000\n"
		"rx_desc = 512\n"
		"lcore = 2\n"
		"poll_idle = no\n"
		"allow_uid = 0, 1000\n"
		"allow_gid = 27\n"
		"\n"
		"[port p1]   ; all defaults\n"
		"device = 0000:01:00.0\n"
		"\n"
		"  [ port second ]  \n"
		"   device   =   net_tap0,iface=x   \n"
		"poll_idle = yes\n"
		"allow_uid = 1,2 3\n";
	const struct pktiod_port_conf *p;

	(void)state;
	if (load("good", text) != 0)
		fail_msg("good config rejected: %s", err);
	assert_string_equal(conf.path, path);
	assert_string_equal(conf.socket, "/tmp/pktio-test.sock");
	assert_string_equal(conf.eal, "-l 0-1 --no-huge");
	assert_int_equal(conf.mbufs, 4095);
	assert_int_equal(conf.idle_spins, 10);
	assert_int_equal(conf.idle_sleep_us, 0);
	assert_int_equal(conf.nb_ports, 3);

	p = &conf.ports[0];
	assert_string_equal(p->name, "p0");
	assert_string_equal(p->device, "net_null0,size=64");
	assert_int_equal(p->nb_rxq, 2);
	assert_int_equal(p->nb_txq, 3);
	assert_int_equal(p->ring_size, 256);
	assert_int_equal(p->max_frame, 9000);
	assert_int_equal(p->nb_desc, 512);
	assert_int_equal(p->lcore, 2);
	assert_false(p->poll_idle);
	assert_int_equal(p->nb_uid, 2);
	assert_int_equal(p->allow_uid[0], 0);
	assert_int_equal(p->allow_uid[1], 1000);
	assert_int_equal(p->nb_gid, 1);
	assert_int_equal(p->allow_gid[0], 27);

	p = &conf.ports[1];
	assert_string_equal(p->name, "p1");
	assert_string_equal(p->device, "0000:01:00.0");
	assert_int_equal(p->nb_rxq, 1);
	assert_int_equal(p->nb_txq, 1);
	assert_int_equal(p->ring_size, 1024);
	assert_int_equal(p->max_frame, 1522);
	assert_int_equal(p->nb_desc, 1024);
	assert_int_equal(p->lcore, -1);
	assert_true(p->poll_idle);
	assert_int_equal(p->nb_uid, 0);
	assert_int_equal(p->nb_gid, 0);

	p = &conf.ports[2];
	assert_string_equal(p->name, "second");
	assert_string_equal(p->device, "net_tap0,iface=x");
	assert_true(p->poll_idle);
	assert_int_equal(p->nb_uid, 3);
	assert_int_equal(p->allow_uid[0], 1);
	assert_int_equal(p->allow_uid[1], 2);
	assert_int_equal(p->allow_uid[2], 3);
}

static void
test_config_defaults(void **state)
{
	(void)state;
	if (load("defaults", "[port p0]\ndevice = net_null0\n") != 0)
		fail_msg("minimal config rejected: %s", err);
	assert_string_equal(conf.socket, PKTIO_SOCKET_DEFAULT);
	assert_string_equal(conf.eal, "");
	assert_int_equal(conf.mbufs, 8191);
	assert_int_equal(conf.idle_spins, 2000);
	assert_int_equal(conf.idle_sleep_us, 100);
	assert_int_equal(conf.nb_ports, 1);
	assert_string_equal(conf.ports[0].name, "p0");
	assert_int_equal(conf.ports[0].ring_size, 1024);
	assert_int_equal(conf.ports[0].max_frame, 1522);
	assert_int_equal(conf.ports[0].lcore, -1);
	assert_true(conf.ports[0].poll_idle);
}

static void
test_config_range_bounds_accepted(void **state)
{
	static const char text[] =
		"[pktiod]\n"
		"mbufs = 1023\n"
		"idle_sleep_us = 100000\n"
		"[port p0]\n"
		"device = d\n"
		"rx_queues = 64\n"
		"tx_queues = 1\n"
		"ring_size = 32\n"
		"max_frame = 9216\n"
		"rx_desc = 16384\n"
		"lcore = 1023\n"
		"poll_idle = 0\n"
		"allow_uid = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
		"allow_gid = 4294967294\n";

	(void)state;
	if (load("bounds", text) != 0)
		fail_msg("config at the bounds rejected: %s", err);
	assert_int_equal(conf.mbufs, 1023);
	assert_int_equal(conf.idle_sleep_us, 100000);
	assert_int_equal(conf.ports[0].nb_rxq, 64);
	assert_int_equal(conf.ports[0].ring_size, 32);
	assert_int_equal(conf.ports[0].max_frame, 9216);
	assert_int_equal(conf.ports[0].nb_desc, 16384);
	assert_int_equal(conf.ports[0].lcore, 1023);
	assert_false(conf.ports[0].poll_idle);
	assert_int_equal(conf.ports[0].nb_uid, PKTIOD_MAX_IDS);
	assert_int_equal(conf.ports[0].allow_uid[15], 16);
	assert_int_equal(conf.ports[0].nb_gid, 1);
	assert_int_equal(conf.ports[0].allow_gid[0], 4294967294u);
}

static void
test_config_unknown_key(void **state)
{
	(void)state;
	expect_error("unknown_port_key",
		     "; pktiod\n"
		     "[pktiod]\n"
		     "mbufs = 2047\n"
		     "\n"
		     "[port p0]\n"
		     "device = net_null0\n"
		     "rx_queue = 2\n", 7, "unknown key 'rx_queue'");
	expect_error("unknown_main_key",
		     "[pktiod]\n"
		     "socket = /tmp/s\n"
		     "idle_sleep = 5\n"
		     "[port p0]\n"
		     "device = x\n", 3, "unknown key 'idle_sleep'");
}

static void
test_config_bad_number(void **state)
{
	(void)state;
	expect_error("rx_queues_abc",
		     "[port p0]\n"
		     "device = net_null0\n"
		     "; rx_queues = 4\n"
		     "rx_queues = abc\n", 4, "rx_queues: 'abc' is not a number");
	/* the key of the second port, not the same key of the first */
	expect_error("max_frame_20000",
		     "[port p0]\n"
		     "device = net_null0\n"
		     "max_frame = 9000\n"
		     "\n"
		     "[port p1]\n"
		     "device = net_null1\n"
		     "max_frame = 20000\n", 7, "max_frame: '20000' is not a number");
	expect_error("rx_queues_0", "[port p0]\ndevice = d\nrx_queues = 0\n", 3, "number");
	expect_error("tx_queues_65", "[port p0]\ndevice = d\ntx_queues = 65\n", 3, "number");
	expect_error("ring_size_neg", "[port p0]\ndevice = d\nring_size = -1\n", 3, "number");
	expect_error("ring_size_31", "[port p0]\ndevice = d\nring_size = 31\n", 3, "number");
	expect_error("rx_desc_junk", "[port p0]\ndevice = d\nrx_desc = 512x\n", 3, "number");
	expect_error("lcore_0", "[port p0]\ndevice = d\nlcore = 0\n", 3, "number");
	expect_error("lcore_huge", "[port p0]\ndevice = d\nlcore = 99999999999999999999\n", 3,
		     "number");
	expect_error("mbufs_small", "[port p0]\ndevice = d\n[pktiod]\nmbufs = 5\n", 4,
		     "mbufs");
}

static void
test_config_port_without_device(void **state)
{
	(void)state;
	expect_error("no_device",
		     "[pktiod]\n"
		     "mbufs = 2047\n"
		     "[port p0]\n"
		     "device = a\n"
		     "[port p1]\n"
		     "rx_queues = 2\n", 5, "device");
}

static void
test_config_syntax_error(void **state)
{
	(void)state;
	expect_error("no_equals",
		     "[port p0]\n"
		     "device = net_null0\n"
		     "rx_queues 2\n"
		     "tx_queues = 1\n", 3, "key = value");
	expect_error("no_key",
		     "[port p0]\n"
		     "device = net_null0\n"
		     "\n"
		     "= 2\n", 4, "key = value");
	expect_error("unterminated_section",
		     "[pktiod]\n"
		     "mbufs = 2047\n"
		     "[port x\n"
		     "device = y\n", 3, "section");
	expect_error("empty_section",
		     "[port p0]\n"
		     "device = y\n"
		     "[]\n", 3, "section");
}

static void
test_config_duplicate_port(void **state)
{
	(void)state;
	/* the same name spelt differently: two rte_cfgfile sections */
	expect_error("duplicate_spaced",
		     "[port a]\n"
		     "device = net_null0\n"
		     "\n"
		     "[port b]\n"
		     "device = net_null1\n"
		     "\n"
		     "[port  a]\n"
		     "device = net_null2\n", 7, "twice");
	/* the same section header twice: the message points at the second */
	expect_error("duplicate_same",
		     "[port a]\n"
		     "device = net_null0\n"
		     "\n"
		     "[port b]\n"
		     "device = net_null1\n"
		     "\n"
		     "[port a]\n"
		     "device = net_null2\n", 7, "twice");
}

static void
test_config_unknown_section(void **state)
{
	(void)state;
	expect_error("unknown_section",
		     "[port p0]\n"
		     "device = x\n"
		     "; a typo\n"
		     "[ports p1]\n"
		     "device = y\n", 4, "unknown section");
	expect_error("unknown_section_global",
		     "[global]\n"
		     "mbufs = 2047\n"
		     "[port p0]\n"
		     "device = x\n", 1, "unknown section");
}

static void
test_config_no_port(void **state)
{
	(void)state;
	expect_error("no_port", "[pktiod]\nmbufs = 2047\n", 0, "port");
	expect_error("empty", "; nothing\n\n", 0, "port");
}

static void
test_config_bad_bool(void **state)
{
	(void)state;
	expect_error("bad_bool",
		     "[port p0]\n"
		     "device = x\n"
		     "lcore = 3\n"
		     "poll_idle = maybe\n", 4, "poll_idle: 'maybe' is not yes or no");
}

static void
test_config_bad_ids(void **state)
{
	(void)state;
	expect_error("too_many_uids",
		     "[port p0]\n"
		     "device = x\n"
		     "allow_uid = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n", 3, "ids");
	expect_error("bad_gid",
		     "[port p0]\n"
		     "device = x\n"
		     "allow_uid = 0\n"
		     "allow_gid = 1000,wheel\n", 4, "allow_gid");
	expect_error("gid_minus_one",
		     "[port p0]\n"
		     "device = x\n"
		     "allow_gid = -1\n", 3, "ids");
}

static void
test_config_bad_port_name(void **state)
{
	(void)state;
	expect_error("name_colon", "[port shm:p0]\ndevice = x\n", 1, "name");
	/* rte_cfgfile strips "[port   ]" to [port]: not a port section at all */
	expect_error("name_empty", "[port p0]\ndevice = x\n[port   ]\ndevice = y\n", 3,
		     "section [port]");
	expect_error("name_long",
		     "[port p0]\ndevice = x\n[port abcdefghijklmnopqrstuvwxyz0123456]\n"
		     "device = y\n", 3, "name");
}

static void
test_config_missing_file(void **state)
{
	int rc;

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.conf", dir);
	memset(err, 0, sizeof(err));
	rc = pktiod_conf_load(&conf, path, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	if (strstr(err, path) == NULL)
		fail_msg("message '%s' does not name %s", err, path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_good_file),
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_range_bounds_accepted),
		cmocka_unit_test(test_config_unknown_key),
		cmocka_unit_test(test_config_bad_number),
		cmocka_unit_test(test_config_port_without_device),
		cmocka_unit_test(test_config_syntax_error),
		cmocka_unit_test(test_config_duplicate_port),
		cmocka_unit_test(test_config_unknown_section),
		cmocka_unit_test(test_config_no_port),
		cmocka_unit_test(test_config_bad_bool),
		cmocka_unit_test(test_config_bad_ids),
		cmocka_unit_test(test_config_bad_port_name),
		cmocka_unit_test(test_config_missing_file),
	};

	return cmocka_run_group_tests(tests, dir_create, dir_remove);
}
