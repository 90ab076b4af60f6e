#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The pktio authors
#
# A program outside the tree builds against the installed libpktio with pkg-config alone,
# and inherits none of DPDK's flags (Debian's libdpdk.pc forces -march and -include).
set -euo pipefail
prefix=${PKTIO_BUILD:?}/install
pc=$prefix/lib/pkgconfig
if [ ! -f "$pc/libpktio.pc" ]; then
	echo "skipped: libpktio is not installed in $prefix (run ./scripts/build)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=$(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs libpktio)
echo "pkg-config: $flags"
case "$flags" in
*rte_config* | *-march* | *dpdk* | *rte_*)
	echo "FAIL: DPDK flags leak into libpktio's pkg-config"
	exit 1
	;;
esac
# The example of docs/API.md, compiled and linked as a user would.
sed -n '/^```c$/,/^```$/p' "${PKTIO_SOURCE:?}/docs/API.md" | sed '1d;$d' >"$tmp/app.c"
# shellcheck disable=SC2086
cc -std=c99 -Wall -Wextra -Werror -o "$tmp/app" "$tmp/app.c" $flags
# It runs: with no appliance, open fails cleanly with ENOENT.
out=$(PKTIO_SOCKET="$tmp/none.sock" "$tmp/app" 2>&1 || true)
echo "run: $out"
case "$out" in
*"No such file or directory"*) echo "OK" ;;
*) echo "FAIL: unexpected output"; exit 1 ;;
esac
