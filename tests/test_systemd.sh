#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The pktio authors
#
# pktiod as a systemd service, without needing systemd as PID 1: a harness plays the
# service manager (a NOTIFY_SOCKET datagram socket, as sd_notify(3) writes to) and the journal
# ($JOURNAL_STREAM naming pktiod's stderr). Checks:
#  - READY=1 comes once the control socket serves: pktiod has logged "serving", and a query
#    (pktioctl) and an attach (pktio-bench) made right then succeed; MAINPID is pktiod's pid,
#    STATUS= counts the ports; SIGTERM brings STOPPING=1 and exit status 0;
#  - a pktiod that fails to start says no READY=1 (and exits 1);
#  - with stderr the journal, every line carries its priority ("<6>pktiod: serving ...",
#    "<3>" for a start-up error); on a plain file, none does.
# Where systemd is PID 1, the same pktiod also runs as a transient Type=notify unit.
# Exit 77 (skipped, reason printed) without python3, or for the sd_notify part when pktiod
# was built without libsystemd (the journal part runs first either way).

set -euo pipefail

BUILD=${PKTIO_BUILD:?PKTIO_BUILD is not set}
PKTIOD=$BUILD/app/pktiod/pktiod
CTL=$BUILD/app/pktioctl/pktioctl
BENCH=$BUILD/app/pktio-bench/pktio-bench
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

command -v python3 >/dev/null || skip "no python3"
for b in "$PKTIOD" "$CTL" "$BENCH"; do
	[ -x "$b" ] || skip "no $b (build first)"
done

DIR=$(mktemp -d /tmp/pktio-systemd.XXXXXX)
PID=
UNIT=

cleanup()
{
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "$UNIT" ] && systemctl stop "$UNIT" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

# conf NAME [DEVICE]: a one-port configuration with a socket and file prefix of its own.
conf()
{
	cat >"$DIR/$1.conf" <<EOF
[pktiod]
socket = $DIR/$1.sock
eal = -l 0-1 --no-pci --no-huge -m 256 --no-shconf --file-prefix pktio-sd-$$-$1 --log-level=lib.eal:info
idle_sleep_us = 100

[port lo]
device = ${2:-net_ring0}
EOF
}

# start NAME: pktiod on NAME.conf, stderr appended to NAME.log, in the caller's environment;
# back once pktiod wrote READY to its --notify-fd. PID: its pid.
start()
{
	local ready=

	: >>"$DIR/$1.log"
	mkfifo "$DIR/$1.ready"
	"$PKTIOD" -f "$DIR/$1.conf" --notify-fd 3 3>"$DIR/$1.ready" 2>>"$DIR/$1.log" &
	PID=$!
	read -r -t $WAIT ready <"$DIR/$1.ready" || true
	[ "$ready" = READY ] || fail "pktiod ($1) never became ready: $(cat "$DIR/$1.log")"
}

# stop: SIGTERM, and a clean exit.
stop()
{
	kill -TERM "$PID"
	wait "$PID" || fail "pktiod exited with status $? after SIGTERM"
	PID=
}

# ---- journal priorities ---------------------------------------------------------------
echo "== journal priorities"
conf j
: >"$DIR/j.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$DIR/j.log") start j
stop
sed 's/^/  | /' "$DIR/j.log"
grep -q '^<6>pktiod: serving 1 port(s) on ' "$DIR/j.log" ||
	fail "no '<6>pktiod: serving' line (INFO is priority 6)"
grep -q '^<[0-7]>EAL: ' "$DIR/j.log" || fail "EAL's lines carry no priority"
bad=$(grep -v '^<[0-7]>' "$DIR/j.log" | grep -v '^$' || true)
[ -z "$bad" ] || fail "lines without a priority prefix: $bad"

# A start-up error (pktiod's own fprintf) is an error to the journal.
printf '[pktiod]\nsocket = %s/e.sock\nbogus = 1\n' "$DIR" >"$DIR/e.conf"
: >"$DIR/e.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$DIR/e.log") "$PKTIOD" -f "$DIR/e.conf" 2>>"$DIR/e.log" &&
	fail "pktiod accepted a bad configuration"
sed 's/^/  | /' "$DIR/e.log"
grep -q "^<3>pktiod: $DIR/e.conf" "$DIR/e.log" || fail "the configuration error is not <3>"

# Standard error that is not the journal (a terminal, a file; JOURNAL_STREAM inherited from
# a parent that the journal does log): plain lines.
conf p
JOURNAL_STREAM=1:1 start p
stop
grep -q '^pktiod: serving 1 port(s)' "$DIR/p.log" || fail "plain log has no 'pktiod: serving'"
! grep -q '^<[0-7]>' "$DIR/p.log" || fail "priority prefixes outside the journal"
echo "journal priorities: OK"

# ---- sd_notify -------------------------------------------------------------------------
if ! readelf -d "$PKTIOD" 2>/dev/null | grep -q 'libsystemd'; then
	skip "pktiod was built without libsystemd: no sd_notify (apt-get install libsystemd-dev)"
fi

echo "== sd_notify"
conf n
conf f net_nosuchdriver0
python3 - "$PKTIOD" "$CTL" "$BENCH" "$DIR" "$WAIT" <<'PY'
import os, socket, subprocess, sys, time

pktiod, ctl, bench, d, wait = sys.argv[1:5] + [float(sys.argv[5])]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def serve(name):
    """Start pktiod on NAME.conf with a notify socket of our own; the socket and process."""
    path = os.path.join(d, name + ".notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    log = open(os.path.join(d, name + ".log"), "w")
    env = dict(os.environ, NOTIFY_SOCKET=path)
    env.pop("JOURNAL_STREAM", None)
    p = subprocess.Popen([pktiod, "-f", os.path.join(d, name + ".conf")], env=env,
                         stdout=log, stderr=subprocess.STDOUT)
    return s, p


def receive(s, p, until):
    """Messages (dicts) until one has the key UNTIL; None if pktiod exits first."""
    msgs = []
    end = time.monotonic() + wait
    while time.monotonic() < end:
        s.settimeout(0.1)
        try:
            data = s.recv(4096).decode()
        except socket.timeout:
            if p.poll() is not None:
                return msgs, None
            continue
        m = dict(l.split("=", 1) for l in data.split("\n") if "=" in l)
        print("  notify: %r" % data)
        msgs.append(m)
        if until in m:
            return msgs, m
    fail("no %s= within %.0f s" % (until, wait))


def run(args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=wait)
    return r.returncode, r.stdout + r.stderr


sock = os.path.join(d, "n.sock")
s, p = serve("n")
msgs, ready = receive(s, p, "READY")
if ready is None:
    fail("pktiod exited (status %s) without READY=1" % p.returncode)
# At once, before anything else: the socket must serve a query and an attach.
rc, out = run([ctl, "-s", sock, "ports"])
if rc != 0 or "lo" not in out:
    fail("pktioctl right after READY=1: status %d: %s" % (rc, out))
rc, out = run([bench, "-s", sock, "-i", "lo", "-m", "txonly", "--time", "0.5", "--period", "1"])
if rc != 0:
    fail("an attach right after READY=1: status %d: %s" % (rc, out))
print("  pktioctl and an attach right after READY=1: OK")
with open(os.path.join(d, "n.log")) as f:
    if "pktiod: serving 1 port(s) on " + sock not in f.read():
        fail("READY=1 came before pktiod logged that it serves")
if ready.get("READY") != "1":
    fail("READY=%s" % ready.get("READY"))
if ready.get("MAINPID") != str(p.pid):
    fail("MAINPID=%s, pktiod is %d" % (ready.get("MAINPID"), p.pid))
status = [m["STATUS"] for m in msgs if "STATUS" in m]
if not status or "1 port(s)" not in status[-1] or "client(s)" not in status[-1]:
    fail("STATUS= missing or without the counts: %r" % status)
p.terminate()
msgs, stopping = receive(s, p, "STOPPING")
if stopping is None or stopping.get("STOPPING") != "1":
    fail("no STOPPING=1 after SIGTERM")
if p.wait(timeout=wait) != 0:
    fail("pktiod exited with status %d after SIGTERM" % p.returncode)
print("  STOPPING=1 on SIGTERM, exit status 0: OK")

# A pktiod that cannot start (an unknown device) never says READY=1.
s, p = serve("f")
msgs, ready = receive(s, p, "READY")
if ready is not None:
    fail("READY=1 from a pktiod that failed to start")
if p.wait(timeout=wait) != 1:
    fail("failed start: exit status %d, not 1" % p.returncode)
print("  no READY=1 from a failed start (status 1): OK")
PY
echo "sd_notify: OK"

# ---- a real service manager, where there is one ----------------------------------------
if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ -d /run/systemd/system ] &&
   command -v systemd-run >/dev/null; then
	echo "== systemd-run (Type=notify)"
	conf u
	UNIT=pktio-test-$$
	# returns once the unit is started, i.e. once pktiod said READY=1
	systemd-run --quiet --collect --unit="$UNIT" -p Type=notify -p TimeoutStartSec=$WAIT \
		"$PKTIOD" -f "$DIR/u.conf" || fail "systemd-run: the unit did not start"
	"$CTL" -s "$DIR/u.sock" ports >/dev/null || fail "pktioctl right after the unit started"
	systemctl show -p StatusText --value "$UNIT" | grep -q '1 port(s)' ||
		fail "the unit's status text has no port count"
	systemctl stop "$UNIT"
	UNIT=
	echo "systemd-run: OK"
else
	echo "systemd is not PID 1 here: the notify socket harness above stood in for it"
fi
echo "PASS"
exit 0
