#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The pktio authors
#
# Man pages and versions. The build is installed into a temporary directory (meson install
# --destdir); there:
#  - every page of the manual is installed under share/man/manN: pktiod(8), pktioctl(8),
#    pktio-dump(8), pktio-replay(8), pktio-bench(1), pktio-fwd(8), libpktio(3);
#  - `man -l` renders each, non-empty, with a NAME section whose line names the page, and
#    lexgrog (what mandb reads for whatis/apropos) parses it;
#  - pktiod.service is installed under lib/systemd/system with the installed pktiod's path;
# and every program's --version prints "PROG (pktio) VERSION", VERSION the project's.
# Exit 77 (skipped, reason printed) when the build has no man pages (no go-md2man when it was
# configured) or there is no man-db.

set -euo pipefail

BUILD=${PKTIO_BUILD:?PKTIO_BUILD is not set}
PAGES="pktiod.8 pktioctl.8 pktio-dump.8 pktio-replay.8 pktio-bench.1 pktio-fwd.8 libpktio.3 pktio-run.1"
PROGS="pktiod pktioctl pktio-dump pktio-replay pktio-bench pktio-fwd"

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

TMP=$(mktemp -d /tmp/pktio-man.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# The build's own description of itself: version, prefix, mandir.
meson introspect --projectinfo "$BUILD" >"$TMP/project.json"
meson introspect --buildoptions "$BUILD" >"$TMP/options.json"
read -r VERSION PREFIX MANDIR < <(python3 - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
opts = {o["name"]: o["value"] for o in json.load(open(d + "/options.json"))}
print(json.load(open(d + "/project.json"))["version"], opts["prefix"], opts["mandir"])
PY
)
echo "pktio $VERSION, prefix $PREFIX"

# ---- --version ----------------------------------------------------------------------
for p in $PROGS; do
	bin=$BUILD/app/$p/$p
	[ -x "$bin" ] || fail "no $bin"
	out=$("$bin" --version 2>&1) || fail "$p --version: exit status $?: $out"
	[ "$out" = "$p (pktio) $VERSION" ] || fail "$p --version printed '$out', not '$p (pktio) $VERSION'"
	echo "  $out"
done
echo "--version: OK"

# ---- install -------------------------------------------------------------------------
meson install -C "$BUILD" --no-rebuild --quiet --destdir "$TMP/root" >"$TMP/install.log" 2>&1 ||
	{ cat "$TMP/install.log"; fail "meson install --destdir failed"; }
root=$TMP/root$PREFIX

unit=$root/lib/systemd/system/pktiod.service
[ -f "$unit" ] || fail "pktiod.service is not installed in PREFIX/lib/systemd/system"
grep -qx "ExecStart=$PREFIX/bin/pktiod -f .*/pktio/pktiod.conf" "$unit" ||
	fail "pktiod.service does not start the installed pktiod: $(grep ExecStart "$unit")"
grep -qx 'Type=notify' "$unit" || fail "pktiod.service is not Type=notify"
echo "pktiod.service: OK"

# ---- man pages ------------------------------------------------------------------------
command -v man >/dev/null || skip "no man (apt-get install man-db)"
case $MANDIR in
/*) mandir=$TMP/root$MANDIR ;;
*) mandir=$root/$MANDIR ;;
esac
found=0
for pg in $PAGES; do
	[ -f "$mandir/man${pg##*.}/$pg" ] && found=$((found + 1))
done
if [ $found -eq 0 ]; then
	command -v go-md2man >/dev/null ||
		skip "no man pages: go-md2man is not installed (apt-get install go-md2man)"
	skip "no man pages in this build: it was configured without go-md2man (meson setup --reconfigure $BUILD)"
fi

for pg in $PAGES; do
	name=${pg%.*}
	sec=${pg##*.}
	f=$mandir/man$sec/$pg
	[ -f "$f" ] || fail "$pg is not installed in ${mandir#"$TMP/root"}/man$sec"
	MANWIDTH=80 man -l "$f" >"$TMP/out" 2>"$TMP/err" || fail "man -l $pg: $(cat "$TMP/err")"
	lines=$(wc -l <"$TMP/out")
	[ "$lines" -gt 10 ] || fail "$pg renders $lines lines"
	grep -q '^NAME$' "$TMP/out" || fail "$pg has no NAME section"
	grep -A1 '^NAME$' "$TMP/out" | grep -q "^ *$name - ." || fail "$pg's NAME line is not '$name - ...'"
	head -1 "$TMP/out" | grep -q "^$name($sec) " || fail "$pg's title is not $name($sec)"
	if command -v lexgrog >/dev/null; then
		lexgrog "$f" | grep -q ": \"$name - " || fail "lexgrog cannot read $pg's NAME"
	fi
	echo "  $pg: $lines lines, $(grep -A1 '^NAME$' "$TMP/out" | tail -1 | sed 's/^ *//')"
done
echo "man pages: OK"
echo "PASS"
exit 0
