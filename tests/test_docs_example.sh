#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The pktio authors
#
# The example of docs/pktiod.md runs as written: its shell block (the first after
# "## Example") is taken from the page and run from the top of the source tree with bash -e,
# against the installed programs (build/install, as the page says), with no change but the
# variables the block itself reads (PKTIO_BUILD, PKTIO_PCAPS, as meson test sets them).
# Checks: it exits 0, pktio-dump captured its 10 frames, pktioctl showed the port, and it left
# no pktiod behind. Exit 77 (skipped, reason printed) when pktio is not installed.

set -euo pipefail

SOURCE=${PKTIO_SOURCE:?PKTIO_SOURCE is not set}
BUILD=${PKTIO_BUILD:?PKTIO_BUILD is not set}
PCAPS=${PKTIO_PCAPS:?PKTIO_PCAPS is not set}
WAIT=120                                # seconds for the whole example
PAGE=$SOURCE/docs/pktiod.md

skip()
{
	echo "skipped: $*"
	exit 77
}

fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

[ -x "$BUILD/install/bin/pktiod" ] || skip "pktio is not installed in $BUILD/install (run ./scripts/build)"
[ -f "$PCAPS/OSPFv3_broadcast_adjacency.pcap" ] || skip "no shared captures in $PCAPS"

TMP=$(mktemp -d /tmp/pktio-docs-example.XXXXXX)
PID=
cleanup()
{
	# on failure only: the example's processes, all in the session it was started in
	[ -n "$PID" ] && kill -KILL -- "-$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

awk '/^## Example/ { ex = 1; next }
     ex && /^```sh$/ { inb = 1; next }
     inb && /^```$/ { exit }
     inb { print }' "$PAGE" >"$TMP/example.sh"
[ -s "$TMP/example.sh" ] || fail "no sh block after '## Example' in $PAGE"
echo "== the example, from ${PAGE#"$SOURCE"/}:"
sed 's/^/  | /' "$TMP/example.sh"

# its own session, so that a hung example can be stopped whole
(cd "$SOURCE" && exec setsid bash -e "$TMP/example.sh") >"$TMP/out" 2>&1 </dev/null &
PID=$!
end=$((SECONDS + WAIT))
while kill -0 "$PID" 2>/dev/null && [ $SECONDS -lt $end ]; do
	sleep 0.1
done
if kill -0 "$PID" 2>/dev/null; then
	sed 's/^/  > /' "$TMP/out"
	fail "the example did not finish within ${WAIT}s"
fi
rc=0
wait "$PID" || rc=$?
PID=
echo "== its output:"
sed 's/^/  > /' "$TMP/out"
[ "$rc" -eq 0 ] || fail "the example exited with status $rc"
grep -q '10 packets captured' "$TMP/out" || fail "pktio-dump did not report its 10 frames"
grep -qw 'lo' "$TMP/out" || fail "pktioctl stats did not show port lo"
grep -q 'pktiod: serving 1 port(s)' "$TMP/out" || fail "pktiod did not log that it served"
grep -q 'pktiod: shutting down' "$TMP/out" || fail "pktiod did not shut down cleanly"
echo "PASS: docs/pktiod.md's example runs as written"
exit 0
