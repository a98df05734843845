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


# The programme's scale (the source paper: 541,148 informal workers in Kab. and
# Kota Tegal; ~300 village kiosks; 43 million informal workers nationally, one
# cluster per regency or city, 514 of them).
TEGAL_WORKERS = 541148
TEGAL_KIOSKS = 300
NATION_WORKERS = 43000000
REGENCIES = 514
# Leaves per registration on the log: its block's leaf (shared by the block's
# registrations, at most 1), its own outcome leaf, and one act per agency
# that reviews it (4); decrees and payments are acts over lists, a few per
# month per sponsor, so they round to nothing per worker.
LEAVES_PER_REG = 6
BYTES_PER_LEAF = 120   # a leaf is 60..130 bytes of CBOR (docs/centre.md)
HASH_BYTES_PER_LEAF = 2 * 32  # stored subtree hashes: about 2 per leaf


def pick(med, *names):
    """The first of names that this run measured, or None."""
    for n in names:
        for k, v in med.items():
            if k.startswith(n):
                return v
    return None


def scale(med):
    """A simulation, on paper and in code, of what each part costs at Tegal's
    full size and at the national one, from this run's medians."""
    out = ["", "## At the programme's scale", "",
           "Computed by tests/bench/report.py from the medians above (a row not measured in this run",
           "says so). The model, on paper: every worker registers once at one of ~300 village kiosks;",
           "each registration travels once upstream on a drive (its share of a block and bundle) and",
           "once downstream as a status; on the log it costs about %d leaves (its block, its outcome, one" % LEAVES_PER_REG,
           "review act per agency); decrees and payments are acts over lists and add almost nothing per",
           "worker. Nationally there is one cluster per regency or city (%d), each as Tegal's." % REGENCIES,
           "", "| quantity | Tegal (541,148 workers, 300 kiosks) | national (43 M, %d clusters; per cluster) |" % REGENCIES,
           "| --- | --- | --- |"]
    per_cluster = NATION_WORKERS / REGENCIES

    def row(what, f, unit, need):
        if need is None:
            out.append("| %s | not measured in this run | not measured in this run |" % what)
        else:
            out.append("| %s | %s %s | %s %s |" % (what, fmt(f(TEGAL_WORKERS)), unit,
                                                 fmt(f(per_cluster)), unit))

    bpr = pick(med, "sync: drive bytes per registration")
    # kiosks scale with workers: one per ~1,800, as in Tegal
    row("registrations per kiosk", lambda n: TEGAL_WORKERS / TEGAL_KIOSKS, "", 1)
    row("drive bytes, all registrations upstream", lambda n: n * (bpr or 0) / 1e6, "MB", bpr)
    wr = pick(med, "bundle write (", "export")
    row("drive write time for all of them", lambda n: n * (bpr or 0) / 1e6 / (wr or 1), "s",
        wr if bpr else None)
    ap = pick(med, "centre apply")
    row("one node applying every registration", lambda n: n / (ap or 1), "s", ap)
    ci = pick(med, "node ingest, 3 nodes")
    row("3-node cluster ingest of every registration", lambda n: n / (ci or 1), "s", ci)
    row("log leaves", lambda n: n * LEAVES_PER_REG / 1e6, "M", 1)
    row("log storage (leaves + hashes)",
        lambda n: n * LEAVES_PER_REG * (BYTES_PER_LEAF + HASH_BYTES_PER_LEAF) / 1e6, "MB", 1)
    ta = pick(med, "tlog append")
    row("rebuilding the whole tree (an audit's hashing)",
        lambda n: n * LEAVES_PER_REG / (ta or 1), "s", ta)
    au = pick(med, "audit: registrations per CPU-second")
    row("jaring-audit of the whole public export (CPU time)", lambda n: n / (au or 1), "s", au)
    ip = pick(med, "tlog inclusion proof")
    row("inclusion proofs for every worker once", lambda n: n / (ip or 1), "s", ip)
    fv = pick(med, "chain verify, every signature")
    row("verifying every kiosk chain's signatures (1 registration per block)",
        lambda n: n / (fv or 1), "s", fv)
    out += ["", "Nationally the clusters are independent, so the national cost is the per-cluster figure",
            "in wall time and %d times it in machine time; one auditor checking every cluster's log" % REGENCIES,
            "hashes %s M leaves." % fmt(NATION_WORKERS * LEAVES_PER_REG / 1e6)]
    return out


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
    lines += scale(dict((n, sorted(v[0] for v in seen[n]["runs"])[(len(seen[n]["runs"]) - 1) // 2])
                        for n in order))
    text = "\n".join(lines) + "\n"
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(out + ".tmp", out)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
