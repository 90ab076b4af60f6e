#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The pktio authors
"""Turn scripts/bench results (JSON lines) into docs/BENCHMARKS.md and gnuplot PNGs."""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

FWD_NOTE = ("Forwarding between two ports, both directions, frames sent per second. pktio-fwd "
            "runs on core 0 and pktiod's worker on core 1: two cores, where testpmd forwards "
            "on one (core 1); per core, halve the pktio-fwd rows. The sources are net_pcap "
            "ports looping UDP frames addressed to the router.\n\n")
SIZES = ["64", "128", "256", "512", "1024", "1518", "imix"]
IMIX_AVG = (7 * 64 + 4 * 570 + 1518) / 12


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    dpdk = sh("dpkg-query -W -f='${Version}' libdpdk-dev")
    mem = sh("awk '/MemTotal/ { printf \"%.0f\", $2 / 1048576 }' /proc/meminfo")
    return (f"{cpu}, {os.cpu_count()} cores, {mem} GiB, Linux {platform.release()}, "
            f"DPDK {dpdk} (Debian)")


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


def cycles(rows, mode):
    out = []
    for r in rows:
        if r["mode"] == mode and r.get("cpp") and r["size"] == "64":
            out.append(f"- {r['label']}, 64 bytes: {r['busy_cpp']:.0f} busy cycles per packet "
                       f"(testpmd's definition: the iterations that moved packets), "
                       f"{r['cpp']:.0f} client CPU cycles per packet (spinning included)")
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


def plot(rows, mode, path):
    labels = []
    data = path + ".dat"
    with open(data, "w") as f:
        for label in dict.fromkeys(r["label"] for r in rows if r["mode"] == mode):
            labels.append(label)
            pts = sorted((IMIX_AVG if r["size"] == "imix" else float(r["size"]), r["mpps"])
                         for r in rows if r["mode"] == mode and r["label"] == label)
            f.writelines(f"{x} {y}\n" for x, y in pts)
            f.write("\n\n")
    if not labels:
        return False
    cmds = [f"set terminal png size 900,500", f"set output '{path}'",
            f"set title '{mode}: packets per second by frame size'",
            "set xlabel 'frame size (bytes; IMIX at its mean)'", "set ylabel 'Mpps'",
            "set logscale y", "set key outside right", "set grid"]
    plots = [f"'{data}' index {i} with linespoints title '{l}'" for i, l in enumerate(labels)]
    cmds.append("plot " + ", ".join(plots))
    subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, check=False)
    os.unlink(data)
    return os.path.exists(path)


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
        groups.setdefault((r["label"], r["mode"], r["size"]), []).append(r)
    rows = []
    for g in groups.values():
        row = dict(g[-1])
        for k in ("mpps", "gbps", "cpp", "busy_cpp"):
            if k in row:
                row[k] = statistics.median(x[k] for x in g)
        rows.append(row)
    return rows


def plot_latency(rows, path):
    """Round-trip percentiles per transport, one line each, log scale."""
    lat = [r for r in rows if r["mode"] == "latency" and r.get("latency")]
    if not lat:
        return False
    data = path + ".dat"
    keys = ("p50", "p90", "p99", "p999", "max")
    with open(data, "w") as f:
        for i, k in enumerate(keys):
            f.write(f'"{k}" ' + " ".join(str(r["latency"][k]) for r in lat) + "\n")
    plots = [f"'{data}' using {i + 2}:xtic(1) with linespoints title '{r['label']}'"
             for i, r in enumerate(lat)]
    cmds = ["set terminal png size 900,500", f"set output '{path}'",
            "set title 'round-trip latency percentiles, 64-byte frames'",
            "set ylabel 'microseconds'", "set logscale y", "set key outside right",
            "set grid", "plot " + ", ".join(plots)]
    subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, check=False)
    os.unlink(data)
    return os.path.exists(path)


def main():
    results, outdir, secs, runs, quick = sys.argv[1:6]
    rows = merge(json.loads(l) for l in open(results) if l.strip())
    # when the results were measured, not when this page was drawn
    now = datetime.datetime.fromtimestamp(os.path.getmtime(results),
                                          datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cmd = "./scripts/bench" + (" --quick" if quick == "1" else "")
    md = [f"# pktio benchmarks\n",
          f"Generated by `{cmd}` on {now}: {secs} s per case, median of {runs} run(s).\n",
          f"Machine: {machine()}.\n",
          "Everything below was measured side by side in this one run. Absolute numbers drift "
          "on shared virtual machines; compare rows of a table, not runs. pktiod's worker has "
          "core 1 and the client core 0 (with pktiod's idle control plane); testpmd likewise "
          "runs its forwarding lcore on core 1. Gbit/s count frame bytes only.\n"]
    kernel = "pktio afpacket (veth)"
    for mode, refs in (("rxonly", ("testpmd -> memif -> testpmd", kernel)),
                       ("txonly", (kernel,)), ("io", ()), ("fwd", ("testpmd macswap",))):
        t = table(rows, mode, SIZES, refs)
        if not t:
            continue
        md.append(f"## {mode}\n\n" + FWD_NOTE * (mode == "fwd") + t)
        png = f"bench-{mode}.png"
        if mode in ("rxonly", "txonly") and plot(rows, mode, os.path.join(outdir, png)):
            md.append(f"\n![{mode}]({png})\n")
        md.append("\n" + cycles(rows, mode) + gbps(rows, mode))
    lat = latency(rows)
    if lat:
        md.append("## latency\n\n64-byte frames, one in flight: pktio through a net_ring port "
                  "of pktiod (client -> pktiod -> ring -> pktiod -> client), and the kernel "
                  "driver from one end of the veth pair to the other.\n\n" + lat)
        if plot_latency(rows, os.path.join(outdir, "bench-latency.png")):
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
