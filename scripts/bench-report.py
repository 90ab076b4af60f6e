#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The pktio authors
"""Turn scripts/bench results (JSON lines) into docs/BENCHMARKS.md and gnuplot PNGs.

    bench-report.py RESULTS OUTDIR SECS RUNS QUICK   (scripts/bench, right after a run)
    bench-report.py --redraw [OUTDIR] [--machine TEXT]

The first form describes the run from this machine and the results file's time. --redraw
draws the page and plots again from OUTDIR/bench-results.jsonl (default docs) without running
anything; what the results do not hold (the date, the machine, seconds per case and runs) it
reads from the page that run wrote, OUTDIR/BENCHMARKS.md. A {"meta": {"date": ..., "machine":
...}} line in the results overrides both; --machine overrides the machine.

Every series keeps one colour, line and marker in every plot (STYLES); IMIX is drawn apart
from the size axis; the titles name the traffic source, the machine and the date of the run.
"""

import datetime
import hashlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys

FWD_NOTE = ("Forwarding between two ports, both directions, frames sent per second. pktio-fwd "
            "runs on core 0 and pktiod's worker on core 1: two cores, where testpmd forwards "
            "on one (core 1); per core, halve the pktio-fwd rows. The sources are net_pcap "
            "ports looping UDP frames addressed to the router.\n\n")
SIZES = ["64", "128", "256", "512", "1024", "1518", "imix"]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    hv = sh("lscpu | sed -n 's/^Hypervisor vendor: *//p'")
    dpdk = sh("dpkg-query -W -f='${Version}' libdpdk-dev")
    mem = sh("awk '/MemTotal/ { printf \"%.0f\", $2 / 1048576 }' /proc/meminfo")
    vm = f", VM ({hv})" if hv else ""
    return (f"{cpu}, {os.cpu_count()} cores{vm}, {mem} GiB, Linux {platform.release()}, "
            f"DPDK {dpdk} (Debian)")


def machine_short(m):
    """'AMD EPYC, 2-core VM' from machine()'s line, for the plot titles."""
    cores = re.search(r"(\d+) cores", m)
    kind = "VM" if re.search(r"\bVM\b", m) else "machine"
    return m.split(",")[0].strip() + (f", {cores.group(1)}-core {kind}" if cores else "")


def table(rows, mode, sizes, refs=()):
    """Mpps per label and size; ratio rows of pktio's against each label in refs."""
    by = {}
    for r in rows:
        if r["mode"] == mode:
            by.setdefault(r["label"], {})[r["size"]] = r
    if not by:
        return ""
    cols = [s for s in sizes if any(s in v for v in by.values())]
    out = ["| " + mode + " (Mpps) | " + " | ".join(cols) + " |",
           "|---|" + "---:|" * len(cols)]
    for label, v in by.items():
        out.append("| " + label + " | " +
                   " | ".join(f"{v[s]['mpps']:.2f}" if s in v else "–" for s in cols) + " |")
    for ref in (r for r in refs if r in by):
        for label, v in by.items():
            if label == ref or not label.startswith("pktio") or "afpacket" in label:
                continue
            cells = []
            for s in cols:
                a, b = v.get(s), by[ref].get(s)
                cells.append(f"{a['mpps'] / b['mpps']:.2f}x" if a and b and b["mpps"] else "–")
            out.append(f"| {label} / {ref} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def tools(rows):
    """tcpreplay and tcpdump on a pktiod port (pktio-run) beside a kernel veth, and the ratio."""
    by = {r["label"]: r for r in rows if r["mode"] == "tools"}
    if not by:
        return ""
    out = ["| unmodified tool, 64 B | pktiod port (pktio-run) | kernel veth | ratio |",
           "|---|---:|---:|---:|"]
    for tool, what in (("tcpreplay", "sends, --topspeed (Mpps)"),
                       ("tcpdump", "captures to /dev/null (Mpps)")):
        a, b = by.get(f"{tool}, pktiod port"), by.get(f"{tool}, kernel veth")
        cells = [f"{x['mpps']:.2f}" if x else "–" for x in (a, b)]
        ratio = f"{a['mpps'] / b['mpps']:.1f}x" if a and b and b["mpps"] else "–"
        out.append(f"| {tool} {what} | {cells[0]} | {cells[1]} | {ratio} |")
    for tool in ("tcpdump",):
        cells = []
        for where in ("pktiod port", "kernel veth"):
            r = by.get(f"{tool}, {where}")
            cells.append(f"{r.get('dropped', 0) / max(r.get('received', 0), 1):.0%} of "
                         f"{r.get('received', 0) / 1e6:.1f} M" if r else "–")
        out.append(f"| {tool}: dropped | {cells[0]} | {cells[1]} | |")
    return "\n".join(out) + "\n"


def cycles(rows, mode):
    out = []
    for r in rows:
        if r["mode"] == mode and r.get("cpp") and r["size"] == "64":
            worker = (f"; pktiod's worker {r['pktiod_cpp']:.0f} cycles per frame (its own TSC "
                      f"counters)" if r.get("pktiod_cpp") else "")
            out.append(f"- {r['label']}, 64 bytes: {r['busy_cpp']:.0f} busy cycles per packet "
                       f"(testpmd's definition: the iterations that moved packets), "
                       f"{r['cpp']:.0f} client CPU cycles per packet (spinning included)"
                       + worker)
        elif r["mode"] == mode and r.get("testpmd_cpp") and r["size"] == "64":
            out.append(f"- {r['label']}, 64 bytes: {r['testpmd_cpp']:.0f} cycles per packet on "
                       f"its forwarding lcore (--record-core-cycles)")
    return "\n".join(out) + ("\n" if out else "")


def gbps(rows, mode):
    out = []
    for r in rows:
        if r["mode"] == mode and r["size"] == "1518" and r.get("gbps"):
            out.append(f"- {r['label']}, 1518 bytes: {r['gbps']:.2f} Gbit/s of frames")
    return "\n".join(out) + ("\n" if out else "")


def latency(rows):
    lat = [r for r in rows if r["mode"] == "latency" and r.get("latency")]
    if not lat:
        return ""
    out = ["| round trip (µs) | p50 | p90 | p99 | p99.9 | max | samples |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in lat:
        v = r["latency"]
        out.append(f"| {r['label']} | {v['p50']:.1f} | {v['p90']:.1f} | {v['p99']:.1f} | "
                   f"{v['p999']:.1f} | {v['max']:.1f} | {v['samples']} |")
    return "\n".join(out) + "\n"


# One look per series in every plot: colour (Okabe-Ito, safe for colour-blind readers), dash
# type and marker (gnuplot pt: 5/7/9/11/13 filled square/circle/triangle/inverted/diamond,
# 4/6/8/10/12 their hollow twins). A series that only differs by one knob shares its family's
# colour and is told apart by the dashes and the hollow marker.
STYLES = {
    "pktio readv (busy)": ("#0072B2", 1, 7),
    "pktio writev (busy)": ("#0072B2", 1, 7),
    "pktio io readv/writev": ("#0072B2", 1, 7),
    "pktio zero-copy (busy)": ("#E69F00", 1, 5),
    "pktio readv, copied (busy)": ("#0072B2", 2, 6),
    "pktio zero-copy, copied (busy)": ("#E69F00", 2, 4),
    "testpmd in-process": ("#000000", 2, 9),
    "testpmd -> memif -> testpmd": ("#009E73", 1, 11),
    "pktio afpacket (veth)": ("#D55E00", 1, 13),
    "pktio busy-poll": ("#0072B2", 1, 7),
    "pktio blocking (eventfd)": ("#56B4E9", 1, 5),
    "pktio blocking + 50 µs poll": ("#CC79A7", 1, 9),
    "pktio afpacket (veth), busy": ("#D55E00", 1, 13),
    "pktio afpacket (veth), block": ("#D55E00", 2, 12),
    "pktio afpacket (veth), busy immediate": ("#882255", 1, 11),
    "pktio afpacket (veth), block immediate": ("#882255", 2, 8),
}
SPARE_COLOURS = ["#332288", "#117733", "#999933", "#44AA99", "#AA4499", "#661100", "#6699CC"]
IMIX_X = 3000      # where IMIX stands, apart from the sizes on the log2 axis
IMIX_SPLIT = 2134  # the dotted line between them (geometric middle of 1518 and 3000)
# Where each mode's traffic comes from, when the commands do not say (pktio-bench -i p0).
SOURCE_DEFAULT = {"latency": "pktiod port on net_ring", "io": "net_ring"}


def style(label):
    """The fixed look of a series; a label not in STYLES gets a colour from its name."""
    if label in STYLES:
        return STYLES[label]
    h = int(hashlib.md5(label.encode()).hexdigest(), 16)
    return SPARE_COLOURS[h % len(SPARE_COLOURS)], 1 + h // 7 % 3, 4 + h // 21 % 10


def gp_str(text):
    """A gnuplot double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def source(rows, mode):
    """The traffic source of a mode's rows, from their commands: 'net_null; IMIX: net_pcap'."""
    fixed, imix, veth = [], [], False
    for r in rows:
        if r["mode"] != mode:
            continue
        cmd = r.get("cmd", "")
        veth = veth or "afpacket:" in cmd
        for v in re.findall(r"--vdev (net_[a-z]+)", cmd):
            if v == "net_memif":
                continue
            dest = imix if r["size"] == "imix" else fixed
            if v not in dest:
                dest.append(v)
    parts = [", ".join(fixed)] if fixed else [SOURCE_DEFAULT.get(mode, "")]
    if imix and imix != fixed:
        parts.append("IMIX: " + ", ".join(imix))
    if veth:
        parts.append("afpacket: veth pair")
    return "; ".join(p for p in parts if p)


def title(what, rows, mode, info):
    return gp_str(f"{what}\n{source(rows, mode)} · {info['machine_short']} · "
                  f"run of {info['date'][:10]}")


def gnuplot(cmds, path):
    subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, check=False)
    return os.path.exists(path)


def terminal(path):
    """pngcairo (antialiased, UTF-8) where gnuplot has it, else the plain png terminal."""
    cairo = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"], capture_output=True,
                           check=False).returncode == 0
    term = "pngcairo size 960,680 font 'Sans,11'" if cairo else "png size 960,680"
    # noenhanced: 'net_null' is a name, not n with a subscript
    return [f"set terminal {term} noenhanced", f"set output '{path}'"]


def plot(rows, mode, path, info):
    """Mpps by frame size, one line per series; IMIX as its own point right of the sizes."""
    what = {"rxonly": "rxonly: packets received per second, by frame size",
            "txonly": "txonly: packets sent per second, by frame size"}[mode]
    labels = list(dict.fromkeys(r["label"] for r in rows if r["mode"] == mode))
    if not labels:
        return False
    data = path + ".dat"
    plots, blocks = [], 0
    with open(data, "w") as f:

        def block(lines):
            """Write a data block; @return its gnuplot index (blank pairs separate them)."""
            nonlocal blocks
            f.writelines(lines)
            f.write("\n\n")
            blocks += 1
            return blocks - 1

        for k, label in enumerate(labels):
            mine = [r for r in rows if r["mode"] == mode and r["label"] == label]
            pts = sorted((float(r["size"]), r["mpps"]) for r in mine if r["size"] != "imix")
            imix = [r["mpps"] for r in mine if r["size"] == "imix"]
            # side by side rather than on top of each other: a step of 4% a series
            x = IMIX_X * 1.04 ** (k - (len(labels) - 1) / 2)
            colour, dt, pt = style(label)
            look = f"lc rgb '{colour}' pt {pt} ps 1.4"
            t = gp_str(label)
            if pts:
                i = block(f"{a} {b}\n" for a, b in pts)
                plots.append(f"'{data}' index {i} with linespoints lw 2 dt {dt} {look} "
                             f"title {t}")
            if imix:
                i = block(f"{x} {v}\n" for v in imix)
                plots.append(f"'{data}' index {i} with points {look} "
                             + ("notitle" if pts else f"title {t}"))
    xtics = ", ".join(f'"{s}" {s}' for s in SIZES if s != "imix")
    cmds = terminal(path) + [
        f"set title {title(what, rows, mode, info)}",
        "set xlabel 'frame size (bytes); IMIX = 7 × 64, 4 × 570, 1 × 1518 bytes, shown apart'",
        "set ylabel 'Mpps (log scale)'", "set logscale x 2", "set logscale y 10",
        f"set xrange [54:{IMIX_X * 1.35}]", f"set xtics ({xtics}, \"IMIX\" {IMIX_X})",
        "set mytics 10", "set grid xtics ytics mytics lc rgb '#dddddd'",
        f"set arrow from {IMIX_SPLIT}, graph 0 to {IMIX_SPLIT}, graph 1 nohead dt 3 "
        "lc rgb '#888888'",
        "set key below center horizontal Left reverse maxrows 3 width 3 spacing 1.4 samplen 4",
        "plot " + ", ".join(plots)]
    ok = gnuplot(cmds, path)
    os.unlink(data)
    return ok


def merge(runs):
    """One row per (label, mode, size): medians over its runs; pktio-bench's JSON unpacked."""
    groups = {}
    for r in runs:
        b = r.pop("bench", None)
        if b is not None:
            rx = r["mode"] in ("rxonly", "latency")
            r["mpps"] = b["rx_mpps"] if rx else b["tx_mpps"]
            r["gbps"] = max(b["rx_gbps"], b["tx_gbps"])
            r["cpp"] = b["cycles_per_packet"]
            r["busy_cpp"] = b["busy_cycles_per_packet"]
            r["latency"] = b.get("latency_us")
            pktiod = b.get("pktiod_rx_cycles_per_packet" if rx else "pktiod_tx_cycles_per_packet")
            if pktiod:
                r["pktiod_cpp"] = pktiod
        groups.setdefault((r["label"], r["mode"], r["size"]), []).append(r)
    rows = []
    for g in groups.values():
        row = dict(g[-1])
        for k in ("mpps", "gbps", "cpp", "busy_cpp", "pktiod_cpp", "testpmd_cpp"):
            if k in row:
                row[k] = statistics.median(x[k] for x in g)
        rows.append(row)
    return rows


def plot_latency(rows, path, info):
    """Round-trip percentiles, one line per transport; series set slightly apart on x."""
    lat = [r for r in rows if r["mode"] == "latency" and r.get("latency")]
    if not lat:
        return False
    data = path + ".dat"
    keys = ("p50", "p90", "p99", "p999", "max")
    plots = []
    with open(data, "w") as f:
        for k, r in enumerate(lat):
            dx = 0.05 * (k - (len(lat) - 1) / 2)
            f.writelines(f"{i + dx} {r['latency'][key]}\n" for i, key in enumerate(keys))
            f.write("\n\n")
            colour, dt, pt = style(r["label"])
            plots.append(f"'{data}' index {k} with linespoints lw 2 dt {dt} lc rgb '{colour}' "
                         f"pt {pt} ps 1.4 title {gp_str(r['label'])}")
    xtics = ", ".join(f'"{key.replace("p999", "p99.9")}" {i}' for i, key in enumerate(keys))
    what = "round-trip latency percentiles, 64-byte frames, one in flight"
    cmds = terminal(path) + [
        f"set title {title(what, rows, 'latency', info)}",
        "set ylabel 'microseconds (log scale)'", "set logscale y 10", "set mytics 10",
        f"set xrange [-0.4:{len(keys) - 0.6}]", f"set xtics ({xtics})",
        "set grid xtics ytics mytics lc rgb '#dddddd'",
        "set key below center horizontal Left reverse maxrows 4 width 3 spacing 1.4 samplen 4",
        "plot " + ", ".join(plots)]
    ok = gnuplot(cmds, path)
    os.unlink(data)
    return ok


def page_info(outdir):
    """What the page of the run said about it: its command, date, seconds, runs and machine."""
    try:
        text = open(os.path.join(outdir, "BENCHMARKS.md")).read()
    except OSError as e:
        sys.exit(f"bench-report.py: --redraw needs the run's page: {e}")
    gen = re.search(r"Generated by `([^`]*)` on (.+? UTC): (\S+) s per case, median of (\d+) "
                    r"run", text)
    mach = re.search(r"^Machine: (.*)\.$", text, re.M)
    if gen is None or mach is None:
        sys.exit(f"bench-report.py: {outdir}/BENCHMARKS.md: no 'Generated by' or 'Machine:' "
                 "line to take the run's description from")
    return {"cmd": gen.group(1), "date": gen.group(2), "secs": gen.group(3),
            "runs": gen.group(4), "machine": mach.group(1)}


def run_info(args):
    """(results path, output directory, description of the run) from the command line."""
    machine_opt = None
    if "--machine" in args:
        i = args.index("--machine")
        machine_opt = args[i + 1]
        del args[i:i + 2]
    if args and args[0] == "--redraw":
        outdir = args[1] if len(args) > 1 else "docs"
        results = os.path.join(outdir, "bench-results.jsonl")
        info = page_info(outdir)
        info["redrawn"] = True
    else:
        results, outdir, secs, runs, quick = args[:5]
        # when the results were measured, not when this page was drawn
        date = datetime.datetime.fromtimestamp(os.path.getmtime(results),
                                               datetime.timezone.utc)
        info = {"cmd": "./scripts/bench" + (" --quick" if quick == "1" else ""),
                "date": date.strftime("%Y-%m-%d %H:%M UTC"), "secs": secs, "runs": runs,
                "machine": machine()}
    if machine_opt:
        info["machine"] = machine_opt
    return results, outdir, info


def main():
    results, outdir, info = run_info(sys.argv[1:])
    records = [json.loads(l) for l in open(results) if l.strip()]
    for r in records:
        info.update((k, v) for k, v in r.get("meta", {}).items() if k in ("date", "machine"))
    info["machine_short"] = machine_short(info["machine"])
    rows = merge(r for r in records if "meta" not in r)
    md = [f"# pktio benchmarks\n",
          f"Generated by `{info['cmd']}` on {info['date']}: {info['secs']} s per case, "
          f"median of {info['runs']} run(s).\n",
          f"Machine: {info['machine']}.\n",
          "Everything below was measured side by side in this one run. Absolute numbers drift "
          "on shared virtual machines; compare rows of a table, not runs. pktiod's worker has "
          "core 1 and the client core 0 (with pktiod's idle control plane); testpmd likewise "
          "runs its forwarding lcore on core 1. Gbit/s count frame bytes only.\n"]
    if info.get("redrawn"):
        md.append("Tables and plots redrawn from the stored results, bench-results.jsonl, by "
                  "`scripts/bench-report.py --redraw`; nothing was measured again.\n")
    kernel = "pktio afpacket (veth)"
    for mode, refs in (("rxonly", ("testpmd -> memif -> testpmd", kernel)),
                       ("txonly", (kernel,)), ("io", ()), ("fwd", ("testpmd macswap",))):
        t = table(rows, mode, SIZES, refs)
        if not t:
            continue
        md.append(f"## {mode}\n\n" + FWD_NOTE * (mode == "fwd") + t)
        png = f"bench-{mode}.png"
        if mode in ("rxonly", "txonly") and plot(rows, mode, os.path.join(outdir, png), info):
            md.append(f"\n![{mode}]({png})\n")
        md.append("\n" + cycles(rows, mode) + gbps(rows, mode))
    t = tools(rows)
    if t:
        md.append("## unmodified tools\n\ntcpreplay and tcpdump run unchanged: on a pktiod port "
                  "through `pktio-run` (the LD_PRELOAD shim), and on a veth pair of the kernel. "
                  "tcpreplay sends a 64-byte pcap, looped, as fast as it can into a port that "
                  "takes everything; tcpdump writes to /dev/null what a source sends as fast as "
                  "it can: net_null's generator for pktiod, pktio-bench sending through "
                  "AF_PACKET on the other core for the veth (so the kernel's tcpdump is offered "
                  "only what one core's sender makes, and drops nothing of it). Rates are the "
                  "tools' own: tcpreplay's \"Rated\" line, tcpdump's frames captured over the "
                  "run's seconds.\n\n" + t)
    lat = latency(rows)
    if lat:
        md.append("## latency\n\n64-byte frames, one in flight: pktio through a net_ring port "
                  "of pktiod (client -> pktiod -> ring -> pktiod -> client), and the kernel "
                  "driver from one end of the veth pair to the other.\n\n" + lat)
        if plot_latency(rows, os.path.join(outdir, "bench-latency.png"), info):
            md.append("\n![latency](bench-latency.png)\n")
    md.append("## Commands\n")
    for r in rows:
        md.append(f"- {r['label']} ({r['mode']}, {r['size']}): `{r.get('cmd', '')}`")
    md.append("")
    extra = os.path.join(outdir, "BENCHMARKS.notes.md")
    if os.path.exists(extra):
        md.append(open(extra).read())
    with open(os.path.join(outdir, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
