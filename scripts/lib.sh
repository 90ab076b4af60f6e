# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The pktio authors
#
# Helpers shared by scripts/build, scripts/test and scripts/demo. Source it, do not run it:
#
#	. "$(dirname "$0")/lib.sh"
#
# It sets ROOT (the repository root, a physical path), BUILD and PREFIX, and cds to ROOT.
# Every helper is idempotent and safe under `set -euo pipefail`.

ROOT=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD=$ROOT/build
PREFIX=$BUILD/install
export ROOT BUILD PREFIX
cd "$ROOT" || return 1

PKTIO_PACKAGES=(
	dpdk dpdk-dev libdpdk-dev meson ninja-build libnuma-dev python3-pyelftools
	libcmocka-dev pkg-config libpcap-dev tcpdump iproute2 iputils-ping iperf3 gnuplot-nox
	libsystemd-dev go-md2man man-db dpkg-dev tshark tcpreplay iputils-arping python3-scapy
)
# scripts/test's fuzz stage: clang and its runtime (libFuzzer, ASan, UBSan) from Debian 12.
# The sanitizer stage uses gcc's own libasan/libubsan, which gcc already depends on.
# shellcheck disable=SC2034 # used by scripts/test
PKTIO_FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)
# shellcheck disable=SC2034
PKTIO_FUZZ_CC=clang-14

pktio_log()
{
	printf '==> %s\n' "$*" >&2
}

pktio_die()
{
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# Install the Debian packages pktio needs (or those named), only those missing; apt runs
# only when one is.
pktio_deps()
{
	local installed missing=() p log pkgs=("$@")

	[ ${#pkgs[@]} -gt 0 ] || pkgs=("${PKTIO_PACKAGES[@]}")
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' \
		"${pkgs[@]}" 2>/dev/null || true)
	for p in "${pkgs[@]}"; do
		grep -qx "$p installed" <<<"$installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0

	if [ "$(id -u)" -ne 0 ]; then
		printf 'error: missing packages: %s\n' "${missing[*]}" >&2
		printf '       install them with: sudo apt-get install -y %s\n' "${missing[*]}" >&2
		return 1
	fi

	pktio_log "installing ${missing[*]}"
	log=$(mktemp)
	if ! { DEBIAN_FRONTEND=noninteractive apt-get -q update &&
	       DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
			"${missing[@]}"; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		pktio_die "apt-get failed to install: ${missing[*]}"
	fi
	rm -f "$log"
}

# Best effort: reserve 512 x 2 MiB hugepages and mount hugetlbfs. Never fails.
# Exports PKTIO_HUGE=1 when EAL can have 512 MiB of hugepages, else 0 (use --no-huge).
# PKTIO_HUGE=0 in the environment forces --no-huge and leaves the system alone.
pktio_hugepages()
{
	local want=512 nr free size_kb mb

	if [ "${PKTIO_HUGE:-}" = 0 ]; then
		echo "hugepages: none (running with --no-huge)"
		return 0
	fi

	nr=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
	if [ "${nr:-0}" -lt "$want" ]; then
		{ echo "$want" >/proc/sys/vm/nr_hugepages; } 2>/dev/null || true
	fi
	if ! mountpoint -q /dev/hugepages 2>/dev/null; then
		{ mkdir -p /dev/hugepages &&
		  mount -t hugetlbfs nodev /dev/hugepages; } >/dev/null 2>&1 || true
	fi

	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo 2>/dev/null)
	size_kb=$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo 2>/dev/null)
	free=${free:-0}
	size_kb=${size_kb:-2048}
	mb=$((size_kb / 1024))
	# The demo asks EAL for -m 512: only use hugepages when that much is free and mounted.
	if [ "$free" -gt 0 ] && [ $((free * size_kb)) -ge $((512 * 1024)) ] &&
	   mountpoint -q /dev/hugepages 2>/dev/null; then
		export PKTIO_HUGE=1
		echo "hugepages: $free x $mb MiB"
	else
		export PKTIO_HUGE=0
		echo "hugepages: none (running with --no-huge)"
	fi
}

# Print "name=value" for each meson option of the configured build directory.
pktio_meson_opts()
{
	meson introspect "$BUILD" --buildoptions 2>/dev/null | python3 -c '
import json, sys
for o in json.load(sys.stdin):
    v = o["value"]
    print("%s=%s" % (o["name"], str(v).lower() if isinstance(v, bool) else v))
'
}

# Configure build/ (once) and install into build/install. --werror when CI=true.
pktio_build()
{
	local werror=false log opts=() cur o
	[ "${CI:-}" = true ] && werror=true
	log=$BUILD/pktio-build.log

	if [ ! -f "$BUILD/build.ninja" ] || [ ! -f "$BUILD/meson-private/coredata.dat" ]; then
		local args=(--prefix="$PREFIX" --libdir lib -Dtests=enabled)
		[ "$werror" = true ] && args+=(--werror)
		# A setup that failed half-way leaves coredata behind: redo it in place.
		[ -f "$BUILD/meson-private/coredata.dat" ] && args+=(--reconfigure)
		pktio_log "configuring $BUILD"
		mkdir -p "$BUILD"
		if ! meson setup "$BUILD" "${args[@]}" >"$log.setup" 2>&1; then
			cat "$log.setup" >&2
			pktio_die "meson setup failed (log: $log.setup)"
		fi
	else
		# Already configured: ninja regenerates by itself; only fix options that differ
		# (a build/ set up by hand, or CI toggling --werror).
		cur=$(pktio_meson_opts || true)
		for o in "prefix=$PREFIX" libdir=lib tests=enabled "werror=$werror"; do
			grep -qxF -- "$o" <<<"$cur" || opts+=("-D$o")
		done
		if [ ${#opts[@]} -gt 0 ]; then
			pktio_log "meson configure ${opts[*]}"
			meson configure "$BUILD" "${opts[@]}" >/dev/null ||
				pktio_die "meson configure ${opts[*]} failed"
		fi
	fi

	pktio_log "building and installing into $PREFIX"
	pktio_ninja "$BUILD" install
}

# ninja -C DIR TARGET..., its output in DIR/pktio-build.log; shows compiler diagnostics only
# (no progress or install chatter), everything but the progress on failure (then it exits).
pktio_ninja()
{
	local dir=$1 log=$1/pktio-build.log

	shift
	if ! ninja -C "$dir" "$@" >"$log" 2>&1; then
		# Everything but ninja's progress lines and meson's install chatter.
		grep -vE '^\[[0-9]+/[0-9]+\] |^Installing |^Install |^Running custom install|^ninja: Entering' \
			"$log" >&2 || true
		pktio_die "build failed (full log: $log)"
	fi
	# Success: still show compiler diagnostics (warnings), but no progress or install chatter.
	awk '/^\[[0-9]+\/[0-9]+\] / { show = ($0 ~ / (Compiling|Linking) /); next }
	     /^ninja: |^Installing |^Install |^Running custom install/ { show = 0; next }
	     show' "$log" >&2
}

# Configure DIR as a build of its own with `meson setup DIR ARG...`, the compiler from $CC
# (default cc), once: a DIR set up with other arguments or another compiler is set up anew.
# Builds nothing (see pktio_ninja); never --werror (sanitizers make compilers warn more).
pktio_setup_dir()
{
	local dir=$1 want stamp

	shift
	stamp=$dir/pktio-setup-args
	want="CC=${CC:-cc} $*"
	if [ -f "$dir/build.ninja" ] && [ -f "$dir/meson-private/coredata.dat" ] &&
	   [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	pktio_log "configuring $dir ($want)"
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! meson setup "$dir" "$@" >"$dir/pktio-setup.log" 2>&1; then
		cat "$dir/pktio-setup.log" >&2
		pktio_die "meson setup of $dir failed (log: $dir/pktio-setup.log)"
	fi
	printf '%s\n' "$want" >"$stamp"
}

# EAL memory arguments for this machine (after pktio_hugepages).
pktio_eal_mem()
{
	if [ "${PKTIO_HUGE:-0}" = 1 ]; then
		echo "--in-memory -m ${1:-512}"
	else
		# --no-huge implies legacy memory, which --in-memory refuses
		echo "--no-huge --no-shconf -m ${1:-512}"
	fi
}

# Start pktiod on CONF, output to LOG; returns once it accepts clients (READY on a fifo,
# 30 s at most). Sets PKTIOD_PID.
pktio_start_pktiod()
{
	local conf=$1 log=$2 fifo line st=0

	fifo=$(mktemp -u "${TMPDIR:-/tmp}/pktiod-ready.XXXXXX")
	mkfifo "$fifo"
	"$PREFIX/bin/pktiod" -f "$conf" --notify-fd 3 3>"$fifo" >"$log" 2>&1 &
	PKTIOD_PID=$!
	# pktiod writes READY and closes fd 3: end of file without it means it died.
	line=$(timeout 30 head -n 1 "$fifo") || st=$?
	rm -f "$fifo"
	if [ "$line" != READY ]; then
		[ "$st" -eq 124 ] && echo "error: pktiod not ready within 30 s:" >&2 ||
			echo "error: pktiod exited before it was ready:" >&2
		sed 's/^/    /' "$log" >&2
		return 1
	fi
}

# SIGTERM pktiod (SIGKILL after 10 s); returns its exit status.
pktio_stop_pktiod()
{
	local pid=${PKTIOD_PID:-} rc=0

	[ -n "$pid" ] || return 0
	PKTIOD_PID=
	kill -TERM "$pid" 2>/dev/null || true
	if ! timeout 10 tail -s 0.05 --pid="$pid" -f /dev/null 2>/dev/null; then
		echo "pktiod did not exit on SIGTERM: killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}
