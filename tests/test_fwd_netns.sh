#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The pktio authors
#
# pktio-fwd routing between two real kernel stacks: network namespaces A (198.18.1.2/24)
# and B (198.18.2.2/24), each joined to pktiod by a TAP port, pktio-fwd the router (.1 on
# both). The configurations are the shipped ones (config/fwd/), with names made unique.
# Checks: ping crosses with ARP resolved dynamically on both sides, a 10 Mbit/s UDP iperf3
# run for 3 s loses nothing, a TTL=1 probe gets time-exceeded from the router.
# Exit 77 (skipped, reason printed) where namespaces or TAPs cannot be made. Everything
# started or created is removed on exit, on failure too. Traffic never leaves the namespaces.

set -euo pipefail

BUILD=${PKTIO_BUILD:?PKTIO_BUILD is not set}
SOURCE=${PKTIO_SOURCE:?PKTIO_SOURCE is not set}
PKTIOD=$BUILD/app/pktiod/pktiod
FWD=$BUILD/app/pktio-fwd/pktio-fwd
WAIT=30                                 # seconds, for anything we wait on

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

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, TAP devices)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
for p in ip ping iperf3 python3; do
	command -v "$p" >/dev/null || skip "no $p (scripts/build installs it)"
done
[ -x "$FWD" ] || skip "no $FWD"

ID=$$
NS_A=pktio-fwd-$ID-a
NS_B=pktio-fwd-$ID-b
TAP_A=pfw${ID}a                         # at most 15 characters
TAP_B=pfw${ID}b
PREFIX=pktio-fwdns-$ID
DIR=$(mktemp -d /tmp/pktio-fwd-netns.XXXXXX)
SOCK=$DIR/fwd.sock
PKTIOD_PID=
FWD_PID=
IPERF_PID=

# Wait for process $1 to exit, at most $2 seconds; its status in $REPLY (-1: still there).
wait_exit()
{
	local pid=$1 end=$((SECONDS + $2))

	REPLY=-1
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do
		sleep 0.05
	done
	if ! kill -0 "$pid" 2>/dev/null; then
		REPLY=0
		wait "$pid" || REPLY=$?
	fi
}

# SIGTERM, then SIGKILL after 10 s.
stop()
{
	local pid=$1

	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_exit "$pid" 10
	if [ "$REPLY" = -1 ]; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
}

cleanup()
{
	local rc=$?

	trap - EXIT
	stop "$IPERF_PID"
	stop "$FWD_PID"
	stop "$PKTIOD_PID"                      # the TAPs go with it
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	ip link del "$TAP_A" 2>/dev/null || true
	ip link del "$TAP_B" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$PREFIX"
	[ -z "$FWD_PID" ] || rm -rf "/var/run/dpdk/pktio-fwd-$FWD_PID"
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		for f in "$DIR"/*.log; do
			[ -f "$f" ] && { echo "---- $f"; tail -n 30 "$f"; } >&2
		done
	fi
	rm -rf "$DIR"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Start "$@" in the background with READY expected on fd 3; its pid in $REPLY.
start_ready()
{
	local log=$1 fifo=$DIR/ready line=

	shift
	rm -f "$fifo"
	mkfifo "$fifo"
	"$@" --notify-fd 3 3>"$fifo" >"$log" 2>&1 &
	REPLY=$!
	read -r -t $WAIT line <"$fifo" || true
	rm -f "$fifo"
	[ "$line" = READY ]
}

ip netns add "$NS_A" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$NS_B" || skip "cannot create network namespaces"

# pktiod: the shipped configuration, with this run's socket, EAL prefix and TAP names.
sed -e "s|^socket = .*|socket = $SOCK|" -e "s|--file-prefix [^ ]*|--file-prefix $PREFIX|" \
	-e "s|iface=fwd0|iface=$TAP_A|" -e "s|iface=fwd1|iface=$TAP_B|" \
	"$SOURCE/config/fwd/pktiod.conf" >"$DIR/pktiod.conf"
if ! start_ready "$DIR/pktiod.log" "$PKTIOD" -f "$DIR/pktiod.conf"; then
	PKTIOD_PID=$REPLY
	grep -qi "tap" "$DIR/pktiod.log" && ! ip link show "$TAP_A" >/dev/null 2>&1 &&
		{ cat "$DIR/pktiod.log"; skip "pktiod could not create its TAP ports"; }
	fail "pktiod did not get ready"
fi
PKTIOD_PID=$REPLY

# Each TAP into its namespace: A 198.18.1.2, B 198.18.2.2, each routing the other via .1.
ns_up()
{
	local ns=$1 tap=$2 addr=$3 other=$4 gw=$5

	ip link set "$tap" netns "$ns" || skip "cannot move a TAP into a namespace"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" 2>/dev/null || true
	ip -n "$ns" addr add "$addr" dev "$tap"
	ip -n "$ns" link set "$tap" up
	ip -n "$ns" route add "$other" via "$gw"
}
ns_up "$NS_A" "$TAP_A" 198.18.1.2/24 198.18.2.0/24 198.18.1.1
ns_up "$NS_B" "$TAP_B" 198.18.2.2/24 198.18.1.0/24 198.18.2.1

# pktio-fwd: the shipped router configuration as it is, on this run's socket.
start_ready "$DIR/fwd.log" "$FWD" -f "$SOURCE/config/fwd/router.conf" -s "$SOCK" \
	-j "$DIR/fwd.json" || { FWD_PID=$REPLY; fail "pktio-fwd did not get ready"; }
FWD_PID=$REPLY

echo "== ping A -> B through the router"
ip netns exec "$NS_A" ping -c 3 -i 0.2 -W $WAIT 198.18.2.2 ||
	fail "ping 198.18.2.2 from $NS_A failed"
ip -n "$NS_A" neigh show 198.18.1.1 | grep -q "lladdr 02:00:00:12:01:01" ||
	fail "$NS_A did not resolve the router (198.18.1.1)"
ip -n "$NS_B" neigh show 198.18.2.1 | grep -q "lladdr 02:00:00:12:02:01" ||
	fail "$NS_B did not resolve the router (198.18.2.1)"

echo "== iperf3 UDP A -> B, 10 Mbit/s for 3 s"
ip netns exec "$NS_B" iperf3 -s -1 -B 198.18.2.2 >"$DIR/iperf3-server.log" 2>&1 &
IPERF_PID=$!
end=$((SECONDS + WAIT))
until ip netns exec "$NS_B" ss -Hltn 'sport = :5201' | grep -q 5201; do
	[ $SECONDS -lt $end ] || fail "iperf3 server did not listen"
	kill -0 "$IPERF_PID" 2>/dev/null || fail "iperf3 server exited"
	sleep 0.05
done
ip netns exec "$NS_A" iperf3 -c 198.18.2.2 -u -b 10M -t 3 --json >"$DIR/iperf3.json" ||
	fail "iperf3 client failed: $(tail -n 5 "$DIR/iperf3.json")"
python3 - "$DIR/iperf3.json" <<'EOF' || fail "iperf3 lost packets"
import json, sys
s = json.load(open(sys.argv[1]))["end"]["sum"]
print(f"   {s['packets']} datagrams, {s['lost_packets']} lost, "
      f"{s['bits_per_second'] / 1e6:.1f} Mbit/s")
sys.exit(0 if s["packets"] > 0 and s["lost_packets"] == 0 else 1)
EOF
wait_exit "$IPERF_PID" $WAIT
IPERF_PID=

echo "== TTL=1 probe A -> B"
out=$(ip netns exec "$NS_A" ping -c 1 -t 1 -W $WAIT 198.18.2.2 2>&1 || true)
echo "$out"
echo "$out" | grep -q "From 198.18.1.1 .*Time to live exceeded" ||
	fail "no time-exceeded from 198.18.1.1"

echo "== pktio-fwd's counters"
kill -TERM "$FWD_PID"
wait_exit "$FWD_PID" $WAIT
[ "$REPLY" = 0 ] || fail "pktio-fwd exited with status $REPLY on SIGTERM"
FWD_PID=
python3 - "$DIR/fwd.json" <<'EOF' || fail "unexpected counters"
import json, sys
j = json.load(open(sys.argv[1]))
r = j["router"]
print(f"   routed {r['routed']} ({j['tx_in_place']} in place), arp {r['arp']}, icmp {r['icmp']}")
print(f"   drops {dict((k, v) for k, v in r['drops'].items() if v)}")
ok = (r["arp"]["requests_out"] >= 1 and r["arp"]["learned"] >= 2 and
      r["arp"]["replies_out"] >= 1 and r["icmp"]["time_exceeded"] >= 1 and
      r["routed"] >= 100 and r["drops"]["tx_full"] == 0 and
      j["tx_in_place"] >= 100 and all(p["zerocopy"] for p in j["ports"]) and
      r["drops"]["arp_pending_overflow"] == 0 and r["drops"]["arp_unresolved"] == 0)
sys.exit(0 if ok else 1)
EOF
echo "ok"
