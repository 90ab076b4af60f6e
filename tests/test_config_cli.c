/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktiod refuses bad configurations with the file and line named, and exits non-zero. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

/* Run pktiod on @p text; @return exit status, its output in @p out. */
static int
run_conf(const char *text, bool check, char *out, size_t len)
{
	char conf[256];
	char *argv[] = { (char *)test_bin("app/pktiod/pktiod"), "-f", conf,
			 check ? "--check" : NULL, NULL };
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/cli.conf", test_dir());
	f = fopen(conf, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return test_run_capture(argv, out, len, 30000);
}

static void
expect_refused(const char *text, const char *where, const char *what)
{
	char out[4096];

	assert_int_equal(run_conf(text, true, out, sizeof(out)), 1);
	print_message("%s", out);
	assert_non_null(strstr(out, where));
	assert_non_null(strstr(out, what));
}

static void
test_config_cli_good(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(run_conf("[pktiod]\nsocket = /tmp/x.sock\n[port a]\ndevice = net_null0\n",
				  true, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "OK, 1 port"));
}

static void
test_config_cli_lines_named(void **state)
{
	(void)state;
	expect_refused("[pktiod]\n; comment\n\n[port a]\ndevice = net_null0\nrx_queues = x\n",
		       "cli.conf:6:", "rx_queues");
	expect_refused("[port a]\ndevice = net_null0\nmax_frme = 9000\n", "cli.conf:3:",
		       "unknown key");
	expect_refused("[port a]\ndevice net_null0\n", "cli.conf:2:", "key = value");
	expect_refused("[port a]\nrx_queues = 1\n", "cli.conf:1:", "no device");
	expect_refused("[pktiod]\nsocket = /tmp/s\n", "cli.conf:0:", "no [port");
	expect_refused("[port a]\ndevice = net_null0\n[port a]\ndevice = net_null1\n",
		       "cli.conf:3:", "defined twice");
	expect_refused("socket = /tmp/s\n[port a]\ndevice = net_null0\n", "cli.conf:1:",
		       "outside a [section]");
	expect_refused("[port a]\ndevice = net_null0\nallow_uid =\n", "cli.conf:3:",
		       "key = value");
}

static void
test_config_cli_value_too_long(void **state)
{
	char text[600];

	(void)state;
	snprintf(text, sizeof(text), "[pktiod]\neal = %0300d\n[port a]\ndevice = net_null0\n", 0);
	expect_refused(text, "cli.conf:2:", "longer than 255");
}

/* Every configuration we ship passes --check. */
static void
test_config_cli_shipped_configs(void **state)
{
	static const char *const files[] = {
		"config/pktiod.conf", "config/examples/null.conf", "config/examples/ring.conf",
		"config/examples/pcap.conf", "config/examples/tap.conf",
		"config/examples/memif.conf",
	};
	const char *src = getenv("PKTIO_SOURCE");
	char path[512];
	unsigned int i;

	(void)state;
	assert_non_null(src);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *argv[] = { (char *)test_bin("app/pktiod/pktiod"), "-f", path, "--check",
				 NULL };

		snprintf(path, sizeof(path), "%s/%s", src, files[i]);
		assert_int_equal(test_run(argv, NULL, 30000), 0);
	}
}

static void
test_config_cli_missing_file(void **state)
{
	char *argv[] = { (char *)test_bin("app/pktiod/pktiod"), "-f", "/nonexistent.conf",
			 "--check", NULL };

	(void)state;
	assert_int_equal(test_run(argv, NULL, 30000), 1);
}

static void
test_config_cli_bad_device(void **state)
{
	char out[8192], text[512];

	(void)state;
	snprintf(text, sizeof(text),
		 "[pktiod]\nsocket = %s/bad.sock\n"
		 "eal = -l 0-1 --no-pci --no-huge -m 128 --no-shconf --file-prefix pktio-cli-%d\n"
		 "[port a]\ndevice = net_nosuchdriver0\n", test_dir(), (int)getpid());
	assert_int_not_equal(run_conf(text, false, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "pktiod"));
}

/* --notify-fd takes a decimal fd that is open; anything else is a usage error. */
static void
test_config_cli_notify_fd_strict(void **state)
{
	static const char *const bad[] = { "abc", "3x", "-1", "", "99999999999", "1000" };
	char conf[256], out[4096];
	unsigned int i;
	FILE *f;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/notify.conf", test_dir());
	f = fopen(conf, "w");
	assert_non_null(f);
	fputs("[port a]\ndevice = net_null0\n", f);
	fclose(f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { (char *)test_bin("app/pktiod/pktiod"), "-f", conf, "--check",
				 "--notify-fd", (char *)bad[i], NULL };

		assert_int_equal(test_run_capture(argv, out, sizeof(out), 30000), 2);
		assert_non_null(strstr(out, "--notify-fd"));
		assert_non_null(strstr(out, "usage:"));
	}
}

/* What --check used to pass and pktiod then tripped over (or silently ignored). */
static void
test_config_cli_check_refuses(void **state)
{
	(void)state;
	/* no worker lcore: pktiod spun for ever placing ports, signals blocked */
	expect_refused("[pktiod]\neal = -l 0 --no-huge\n[port a]\ndevice = net_null0\n",
		       "cli.conf:2:", "no worker lcore");
	expect_refused("[pktiod]\neal = -c 0x1\n[port a]\ndevice = net_null0\n",
		       "cli.conf:2:", "no worker lcore");
	/* two ports on one device */
	expect_refused("[port a]\ndevice = net_ring0\n[port b]\ndevice = net_ring0,x=1\n",
		       "cli.conf:4:", "already port a's");
	/* a repeated key kept its first value */
	expect_refused("[port a]\ndevice = net_null0\nring_size = 64\nring_size = 128\n",
		       "cli.conf:4:", "given twice");
	/* a word EAL ignores */
	expect_refused("[pktiod]\neal = -l 0-1 no-huge\n[port a]\ndevice = net_null0\n",
		       "cli.conf:2:", "'no-huge'");
	/* a group that does not exist */
	expect_refused("[pktiod]\nsocket_group = pktio-no-such-group\n[port a]\ndevice = x\n",
		       "cli.conf:2:", "no group");
}

/* The eal key cannot tell EAL's lcores (none given), the command line can: refused after
 * EAL init, with a message, not a spin; a stray EAL word is named. */
static void
test_config_cli_runtime_eal_refused(void **state)
{
	char conf[256], out[8192], text[512];
	char *argv[] = { (char *)test_bin("app/pktiod/pktiod"), "-f", conf, "--", "-l", "0",
			 NULL };
	char *argv2[] = { (char *)test_bin("app/pktiod/pktiod"), "-f", conf, "--", "-l", "0-1",
			  "stray", NULL };
	FILE *f;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/rt.conf", test_dir());
	snprintf(text, sizeof(text),
		 "[pktiod]\nsocket = %s/rt.sock\n"
		 "eal = --no-huge -m 128 --no-shconf --file-prefix pktio-cli-rt-%d\n"
		 "[port a]\ndevice = net_null0\n", test_dir(), (int)getpid());
	f = fopen(conf, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(test_run_capture(argv, out, sizeof(out), 30000), 1);
	print_message("%s", out);
	assert_non_null(strstr(out, "needs a worker lcore"));
	assert_int_equal(test_run_capture(argv2, out, sizeof(out), 30000), 1);
	print_message("%s", out);
	assert_non_null(strstr(out, "'stray' is not an option"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_cli_good),
		cmocka_unit_test(test_config_cli_lines_named),
		cmocka_unit_test(test_config_cli_value_too_long),
		cmocka_unit_test(test_config_cli_shipped_configs),
		cmocka_unit_test(test_config_cli_missing_file),
		cmocka_unit_test(test_config_cli_bad_device),
		cmocka_unit_test(test_config_cli_notify_fd_strict),
		cmocka_unit_test(test_config_cli_check_refuses),
		cmocka_unit_test(test_config_cli_runtime_eal_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
