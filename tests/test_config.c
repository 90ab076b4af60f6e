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
		"eal = -l 0-2 --no-huge   ; inline comment\n"
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
		"zerocopy = no\n"
		"allow_uid = 0, 1000\n"
		"allow_gid = 27\n"
		"\n"
		"[port p1]   ; all defaults\n"
		"device = 0000:01:00.0\n"
		"\n"
		"  [ port second ]  \n"
		"   device   =   net_tap0,iface=x   \n"
		"poll_idle = yes\n"
		"zerocopy = yes\n"
		"allow_uid = 1,2 3\n";
	const struct pktiod_port_conf *p;

	(void)state;
	if (load("good", text) != 0)
		fail_msg("good config rejected: %s", err);
	assert_string_equal(conf.path, path);
	assert_string_equal(conf.socket, "/tmp/pktio-test.sock");
	assert_string_equal(conf.eal, "-l 0-2 --no-huge");
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
	assert_int_equal(p->nb_lcores, 1);
	assert_int_equal(p->lcores[0], 2);
	assert_false(p->poll_idle);
	assert_int_equal(p->zerocopy, PKTIOD_ZC_NO);
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
	assert_int_equal(p->nb_lcores, 0);
	assert_true(p->poll_idle);
	assert_int_equal(p->zerocopy, PKTIOD_ZC_AUTO);
	assert_int_equal(p->nb_uid, 0);
	assert_int_equal(p->nb_gid, 0);

	p = &conf.ports[2];
	assert_string_equal(p->name, "second");
	assert_string_equal(p->device, "net_tap0,iface=x");
	assert_true(p->poll_idle);
	assert_int_equal(p->zerocopy, PKTIOD_ZC_YES);
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
	assert_int_equal(conf.ports[0].nb_lcores, 0);
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
	assert_int_equal(conf.ports[0].nb_lcores, 1);
	assert_int_equal(conf.ports[0].lcores[0], 1023);
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
	expect_error("bad_zerocopy",
		     "[port p0]\n"
		     "device = x\n"
		     "zerocopy = always\n", 3, "zerocopy: 'always' is not auto, yes or no");
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
test_config_access_defaults(void **state)
{
	(void)state;
	if (load("access_defaults", "[port p0]\ndevice = net_null0\n") != 0)
		fail_msg("minimal config rejected: %s", err);
	assert_int_equal(conf.socket_mode, 0660);
	assert_string_equal(conf.socket_group, "");
	assert_int_equal(conf.socket_gid, -1);
	assert_int_equal(conf.max_conns_per_uid, 64);
	assert_int_equal(conf.max_clients_per_uid, 64);
	assert_int_equal(conf.hello_timeout_ms, 2000);
}

static void
test_config_access_keys(void **state)
{
	(void)state;
	if (load("access", "[pktiod]\nsocket_mode = 0640\nsocket_group = root\n"
		 "max_conns_per_uid = 1\nmax_clients_per_uid = 65536\nhello_timeout_ms = 10\n"
		 "[port p0]\ndevice = net_null0\n") != 0)
		fail_msg("access keys rejected: %s", err);
	assert_int_equal(conf.socket_mode, 0640);
	assert_string_equal(conf.socket_group, "root");
	assert_int_equal(conf.socket_gid, 0);
	assert_int_equal(conf.max_conns_per_uid, 1);
	assert_int_equal(conf.max_clients_per_uid, 65536);
	assert_int_equal(conf.hello_timeout_ms, 10);
	/* the mode is octal even without its leading 0; a group may be a bare number */
	if (load("access2", "[pktiod]\nsocket_mode = 666\nsocket_group = 4242\n"
		 "max_conns_per_uid = 65536\nhello_timeout_ms = 600000\n"
		 "[port p0]\ndevice = net_null0\n") != 0)
		fail_msg("access keys rejected: %s", err);
	assert_int_equal(conf.socket_mode, 0666);
	assert_int_equal(conf.socket_gid, 4242);
	assert_int_equal(conf.max_conns_per_uid, 65536);
	assert_int_equal(conf.hello_timeout_ms, 600000);
}

static void
test_config_access_refused(void **state)
{
	static const struct {
		const char *line, *word;
	} bad[] = {
		{ "socket_mode = 0680", "octal" },
		{ "socket_mode = 01777", "octal" },
		{ "socket_mode = rw-rw----", "octal" },
		{ "socket_mode = -660", "octal" },
		{ "socket_group = pktio-no-such-group", "no group 'pktio-no-such-group'" },
		{ "socket_group = 12ab", "not a group id" },
		{ "socket_group = 4294967295", "not a group id" },
		{ "max_conns_per_uid = 0", "max_conns_per_uid" },
		{ "max_conns_per_uid = 65537", "max_conns_per_uid" },
		{ "max_clients_per_uid = 0", "max_clients_per_uid" },
		{ "hello_timeout_ms = 9", "hello_timeout_ms" },
		{ "hello_timeout_ms = 600001", "hello_timeout_ms" },
	};
	char text[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[port p0]\ndevice = x\n[pktiod]\nmbufs = 2047\n%s\n",
			 bad[i].line);
		expect_error("access_bad", text, 5, bad[i].word);
	}
}

/* A repeated key used to keep its first value silently; a second [pktiod] was ignored. */
static void
test_config_duplicate_key(void **state)
{
	(void)state;
	expect_error("dup_main",
		     "[pktiod]\n"
		     "mbufs = 2047\n"
		     "idle_spins = 5\n"
		     "mbufs = 4095\n"
		     "[port p0]\n"
		     "device = x\n", 4, "mbufs given twice");
	expect_error("dup_port",
		     "[port p0]\n"
		     "device = x\n"
		     "max_frame = 9000\n"
		     "\n"
		     "max_frame = 1500\n", 5, "max_frame given twice");
	expect_error("dup_device",
		     "[port p0]\n"
		     "device = net_null0\n"
		     "device = net_null1\n", 3, "device given twice");
	expect_error("dup_main_section",
		     "[pktiod]\n"
		     "mbufs = 2047\n"
		     "[port p0]\n"
		     "device = x\n"
		     "[pktiod]\n"
		     "idle_spins = 5\n", 5, "[pktiod] defined twice");
}

/* Numbers are decimal: a leading 0 is not octal, 0x is not hex. */
static void
test_config_decimal_numbers(void **state)
{
	(void)state;
	if (load("decimal", "[pktiod]\nmbufs = 01100\n[port p0]\ndevice = x\nrx_queues = 010\n"
		 "ring_size = 0100\n") != 0)
		fail_msg("leading zeros rejected: %s", err);
	assert_int_equal(conf.mbufs, 1100);
	assert_int_equal(conf.ports[0].nb_rxq, 10);
	assert_int_equal(conf.ports[0].ring_size, 100);
	expect_error("hex", "[port p0]\ndevice = x\nring_size = 0x100\n", 3,
		     "ring_size: '0x100' is not a number");
	expect_error("plus", "[port p0]\ndevice = x\nring_size = +100\n", 3, "not a number");
}

/* Two ports cannot drive one device (its name is what comes before the first ','). */
static void
test_config_same_device(void **state)
{
	(void)state;
	expect_error("same_device",
		     "[port a]\n"
		     "device = net_ring0\n"
		     "[port b]\n"
		     "device = net_null0\n"
		     "[port c]\n"
		     "rx_queues = 2\n"
		     "device = net_ring0,nodeaction=x\n", 7, "net_ring0 is already port a's");
	expect_error("same_pci",
		     "[port a]\ndevice = 0000:01:00.0\n[port b]\ndevice = 0000:01:00.0\n", 4,
		     "already port a's");
	if (load("distinct", "[port a]\ndevice = net_ring0\n[port b]\ndevice = net_ring01\n"
		 "[port c]\ndevice = net_null0,size=64\n[port d]\ndevice = net_null1,size=64\n")
	    != 0)
		fail_msg("distinct devices rejected: %s", err);
	assert_int_equal(conf.nb_ports, 4);
}

/* The main lcore polls no port: an eal key that leaves no other lcore is refused. */
static void
test_config_no_worker_lcore(void **state)
{
	static const char *const refused[] = {
		"-l 0", "-l0 --no-huge", "-l 3", "-c 1", "-c 0x10", "--lcores 0@0",
		"--lcores=(2)@(0-1)",
	};
	static const char *const accepted[] = {
		"-l 0-1", "-l 1,3", "-l 5-4", "-c 3", "-c 0xA", "--lcores (0-1)@0",
		"--lcores=0@0,1@1", "-l 0-1 --main-lcore 1",
		"--no-huge -m 512",       /* no lcore option: EAL takes the CPUs, main.c checks */
		"-l 0 -c 3",              /* two options: EAL refuses them itself */
		"-l 0-x",                 /* not readable here: EAL says what is wrong */
	};
	char text[512];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(text, sizeof(text), "[pktiod]\n; lcores\neal = %s\n[port p0]\ndevice = x\n",
			 refused[i]);
		expect_error("no_worker", text, 3, "no worker lcore");
	}
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		snprintf(text, sizeof(text), "[pktiod]\neal = %s\n[port p0]\ndevice = x\n",
			 accepted[i]);
		if (load("worker", text) != 0)
			fail_msg("eal = %s rejected: %s", accepted[i], err);
	}
	/* a port's lcore must be one of the workers */
	expect_error("port_lcore_main",
		     "[pktiod]\neal = -l 1-2\n[port p0]\ndevice = x\nlcore = 2\n"
		     "[port p1]\ndevice = y\nlcore = 1\n", 8, "1 is not a worker lcore");
	expect_error("port_lcore_absent",
		     "[pktiod]\neal = -c 0x7\n[port p0]\ndevice = x\nlcore = 3\n", 5,
		     "3 is not a worker lcore");
	expect_error("port_lcore_main_moved",
		     "[pktiod]\neal = -l 0-2 --main-lcore 2\n[port p0]\ndevice = x\nlcore = 2\n",
		     5, "2 is not a worker lcore");
}

/* Words EAL would not take as options were silently ignored. */
static void
test_config_eal_stray_word(void **state)
{
	(void)state;
	expect_error("stray", "[port p0]\ndevice = x\n[pktiod]\neal = -l 0-1 no-pci\n", 4,
		     "'no-pci' is not an EAL option");
	expect_error("stray_after_flag",
		     "[pktiod]\neal = -l 0-1 --no-huge 512\n[port p0]\ndevice = x\n", 2, "'512'");
	expect_error("stray_dashes", "[pktiod]\neal = -l 0-1 -- -m 5\n[port p0]\ndevice = x\n",
		     2, "'--'");
	if (load("eal_ok", "[pktiod]\neal = -l 0-1 --no-huge -m 512 --no-shconf --file-prefix p "
		 "--log-level=lib.eal:error --log-level pmd:info --huge-unlink=never -a 0000:01:00.0 "
		 "--vdev net_null9 --in-memory\n[port p0]\ndevice = x\n") != 0)
		fail_msg("EAL options rejected: %s", err);
}

/* A port's rx queues over several lcores: queue q to the (q mod n)th; tx queues of their own. */
static void
test_config_lcore_list(void **state)
{
	const struct pktiod_port_conf *p = &conf.ports[0];

	(void)state;
	assert_int_equal(load("lcores", "[pktiod]\neal = -l 0-3\n[port p0]\ndevice = x\n"
			      "rx_queues = 4\ntx_queues = 4\nlcore = 1, 2,3\n"), 0);
	assert_int_equal(p->nb_lcores, 3);
	assert_int_equal(p->lcores[0], 1);
	assert_int_equal(p->lcores[2], 3);
	expect_error("lcores_txq", "[port p0]\ndevice = x\nrx_queues = 2\nlcore = 1,2\n", 4,
		     "tx queue of its own");
	expect_error("lcores_many", "[port p0]\ndevice = x\nrx_queues = 2\ntx_queues = 2\n"
		     "lcore = 1,2,3\n", 5, "3 lcores for 2 rx queue(s)");
	expect_error("lcores_main", "[pktiod]\neal = -l 0-2\n[port p0]\ndevice = x\n"
		     "rx_queues = 2\ntx_queues = 2\nlcore = 1,0\n", 7, "number");
	expect_error("lcores_absent", "[pktiod]\neal = -l 0-2\n[port p0]\ndevice = x\n"
		     "rx_queues = 2\ntx_queues = 2\nlcore = 1,5\n", 7, "not a worker lcore");
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
		cmocka_unit_test(test_config_lcore_list),
		cmocka_unit_test(test_config_access_defaults),
		cmocka_unit_test(test_config_access_keys),
		cmocka_unit_test(test_config_access_refused),
		cmocka_unit_test(test_config_duplicate_key),
		cmocka_unit_test(test_config_decimal_numbers),
		cmocka_unit_test(test_config_same_device),
		cmocka_unit_test(test_config_no_worker_lcore),
		cmocka_unit_test(test_config_eal_stray_word),
	};

	return cmocka_run_group_tests(tests, dir_create, dir_remove);
}
