#!/usr/bin/env python3
"""Run every benchmark several times and write the one table.

usage: tests/bench/report.py BUILD_DIR [--runs N] [--out FILE]

Runs tests/bench/run.sh BUILD_DIR N times (default 3), reads the table rows
each run prints ("| name | value | unit | goal | met |"), and writes FILE
(default docs/benchmarks.md): the machine, then per benchmark the median of
the runs with their min and max, its goal, and whether the goal was met in
the run that gave the median. Anchors (libsodium's own rate, raw disk
throughput, SQLite's own inserts) are rows of the same runs, measured side
by side with what they anchor. Prints the table to stdout as well.

Exit codes: 0 written, 1 a benchmark run failed, 2 usage error.
"""
import os, platform, re, subprocess, sys, time

ROW = re.compile(r"^\|\s*(.+?)\s*\|\s*([-0-9.]+)\s*\|\s*(.*?)\s*\|\s*(.*?)\s*\|\s*(\S*)\s*\|\s*$")


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1048576)
                break
    except OSError:
        pass
    return "%s, %d cores, %s RAM, Linux %s (%s)" % (
        cpu, os.cpu_count() or 0, mem, platform.release(), platform.machine())


def run_once(build):
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([os.path.join(here, "run.sh"), build], capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stdout[-4000:] + out.stderr[-4000:])
        raise SystemExit(1)
    rows = []
    for line in out.stdout.splitlines():
        m = ROW.match(line)
        if m and not set(m.group(1)) <= set("-"):
            rows.append((m.group(1), float(m.group(2)), m.group(3), m.group(4), m.group(5)))
    return rows


def fmt(v):
    if abs(v) >= 100:
        return "{:,.0f}".format(v)
    return "{:.1f}".format(v)


def main(argv):
    args = argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args else 2
    build, runs, out = args[0], 3, "docs/benchmarks.md"
    i = 1
    while i < len(args):
        if args[i] == "--runs" and i + 1 < len(args) and args[i + 1].isdigit() and int(args[i + 1]) > 0:
            runs = int(args[i + 1]); i += 2
        elif args[i] == "--out" and i + 1 < len(args):
            out = args[i + 1]; i += 2
        else:
            sys.stderr.write("report.py: unknown option or bad value '%s'; see --help\n" % args[i])
            return 2
    order, seen = [], {}
    started = time.time()
    for k in range(runs):
        if sys.stderr.isatty():
            sys.stderr.write("\rbenchmark run %d of %d ..." % (k + 1, runs))
            sys.stderr.flush()
        for name, value, unit, goal, met in run_once(build):
            if name not in seen:
                seen[name] = {"unit": unit, "goal": goal, "runs": []}
                order.append(name)
            seen[name]["runs"].append((value, met))
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    lines = [
        "# Benchmarks",
        "",
        "Written by `./make.sh bench` (tests/bench/report.py): every benchmark of tests/bench, run",
        "%d times on one machine; each figure is the median of the runs, with their min and max." % runs,
        "Anchors (libsodium's own verify rate, raw sequential disk write and read, SQLite's own",
        "insert rate, raw loopback TCP) are rows measured side by side in the same runs. \"met\" is",
        "the goal's verdict in the run that gave the median. Do not edit by hand.",
        "",
        "- machine: %s" % machine(),
        "- date: %s, %d runs, %.0f s in all" % (time.strftime("%Y-%m-%d", time.gmtime()), runs,
                                              time.time() - started),
        "",
        "| benchmark | median | min | max | unit | goal | met |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for name in order:
        r = seen[name]
        vals = sorted(r["runs"], key=lambda x: x[0])
        med = vals[(len(vals) - 1) // 2]
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            name, fmt(med[0]), fmt(vals[0][0]), fmt(vals[-1][0]), r["unit"], r["goal"], med[1]))
    text = "\n".join(lines) + "\n"
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(out + ".tmp", out)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
