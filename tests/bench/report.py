#!/usr/bin/env python3
"""Run every benchmark several times and write the one table.

usage: tests/bench/report.py BUILD_DIR [--runs N] [--out FILE] [--only NAMES]

Runs tests/bench/run.sh BUILD_DIR N times (default 3), reads the table rows
each run prints ("| name | value | unit | goal | met |"), and writes FILE
(default docs/benchmarks.md): the machine, then per benchmark the median of
the runs with their min and max, its goal, and whether the goal was met in
the run that gave the median. Anchors (libsodium's own rate, raw disk
throughput, SQLite's own inserts) are rows of the same runs, measured side
by side with what they anchor. Prints the table to stdout as well.

--only "bench_sync bench_bundle" runs just those benchmarks (node_ingest
for the cluster's) and updates their rows in FILE in place: each row of
theirs takes the place of the old row of that name, the old rows among
them that they no longer print are dropped, every other row is kept as the
last full run wrote it, and the header says which rows are from when; a
benchmark with no rows in FILE yet (new since the last full run) has its
rows put at the end.

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


def pick_largest(med, prefix):
    """Of the rows whose names start with prefix, the one measured at the
    largest size (the first number in its name), or None."""
    best = None
    for k, v in med.items():
        if k.startswith(prefix):
            m = re.search(r"\d+", k[len(prefix):])
            size = int(m.group(0)) if m else 0
            if best is None or size > best[0]:
                best = (size, v)
    return best[1] if best else None


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
    # the ingest measured nearest the programme's size (and slowest: every
    # node copies a larger state at each snapshot)
    ci = pick_largest(med, "node ingest, 3 nodes")
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


NOTES = [
    "", "## What the rows that miss are made of", "",
    "- **Bundle write / raw write** (bench_bundle) is the bundle writer alone against the page",
    "  cache: the raw write is memory-speed, the writer is bound by libsodium's per-byte crypto",
    "  (XChaCha20-Poly1305 secretstream, about 1.4 GB/s on one core here, and BLAKE2b over the",
    "  ciphertext for the header's body hash, about 1.0 GB/s). The hash runs on a second thread",
    "  beside the encryption and the write (2026-12-03: write 370 -> 530-600 MB/s, read 335 ->",
    "  510-640 MB/s on 1 GiB); with both cores busy the writer's ceiling is about 880 MB/s, half",
    "  of this disk's page-cache write. On a field drive (USB 2.0, 10-30 MB/s) the writer is many",
    "  times faster than the drive, so the ratio is the drive's. The read's ratio depends on the",
    "  machine's disk: on the Xeon VM of 2026-12-07 the raw read from a dropped cache is about",
    "  750 MB/s, and the bundle reader's 617 MB/s meets the goal (84 %); on the AMD EPYC VM of",
    "  2026-12-03 the raw read was 1,773 MB/s and the same reader 34 % of it.",
    "- **Export / raw write** (bench_sync) is the whole export a visit runs, shard to drive:",
    "  blocks read from SQLite, bundles of 512 blocks written atomically, the index. `perf` showed",
    "  per-block shard reads taking SQLite's locks each time (half the CPU): the export now reads in",
    "  one read transaction; each bundle was flushed twice and the index rewritten (two more",
    "  flushes and a re-listing) after every bundle: now one flush per bundle and one index per",
    "  export, and the leftover sweep flushes the folder only when it removed something. What",
    "  remains is the flushes of the atomic-write contract (the new folders on a fresh drive, one",
    "  per bundle, the index and the folder) beside the raw write's single one: on this machine's",
    "  disk each costs milliseconds, so at 1,000 registrations they are most of the export;",
    "  then the crypto above and the block reads (a B-tree lookup each).",
    "- **Drive read + authentication / raw read** (bench_sync) compares like with like: the",
    "  bundle read whole with every chunk's tag, the body hash and the header's signature checked,",
    "  against reading the same files. Checking every block's own Ed25519 signature is the",
    "  centre's chain verification, reported apart (block signature checks, at libsodium's verify",
    "  rate), and applying the blocks is the centre's (whole import). With 1,000 registrations",
    "  the drive holds two bundles of about 300 KB, and each bundle's fixed cost is about 0.2 ms",
    "  (the header's Ed25519 signature 50 us, unsealing its stream key by X25519 32 us, the",
    "  guarded key memory 27 us, the hash thread) against 0.4-0.5 ms of raw read: even free",
    "  per-byte work would stop near two-thirds. The body hash on its own thread and read-ahead",
    "  advice took it from 42 % to 50-65 %; over 1 GiB the reader runs at the raw read's pace",
    "  (bench_bundle: bundle read / raw read).",
    "- **Drive bytes per registration** cannot reach 300: the sealed registration record alone is",
    "  always 438 bytes, because its plaintext is padded to the longest the field bounds allow",
    "  (336 bytes) so that its length tells nothing about the person (docs/decisions.md, \"Sealing",
    "  personal fields\"); a block adds its chain fields and the kiosk's signature (about 140",
    "  bytes with one registration per block). The framing the drive adds is the framing row,",
    "  under 6 bytes per registration. Meeting 300 would mean giving up the fixed size or",
    "  shrinking the field bounds, which is a privacy decision, not a sync one.",
    "- **Centre apply** (bench_centre) applies what kiosks send: one registration a block, as",
    "  a kiosk signs them, and a kiosk's bundle of 512 blocks an entry, in the node's",
    "  configuration (`synchronous=OFF`, group commit every 0.1 s of applying as the node's",
    "  tick). One Ed25519 check per bundle, its head's, authenticates the blocks below it",
    "  (docs/centre.md \"Authenticating a chain\"); checking every block's own signature had held",
    "  this shape at libsodium's verify rate (2026-12-07, 300,000 registrations, same run:",
    "  12,400 -> 38,000 a second; then 43,000 with the log's hashes kept 64 to a row,",
    "  docs/tlog.md \"Storage\", 49,000-54,000 with 16 KiB pages, and 55,000-59,000 with",
    "  the worker claims in 18-byte rows instead of 54, docs/centre.md \"Worker claims\" and",
    "  \"Performance\"; largest / smallest cost 158 -> 137 %; then SHA-256 on the processor's SHA",
    "  extensions, docs/tlog.md \"Hashes\": +4 % against the build before it, same hour, 50,800 ->",
    "  52,700, while this machine ran a sixth slower than at the earlier rows, its anchor too).",
    "  The anchor row is SQLite's own rate for the write that",
    "  dominates, a B-tree insert under a random key, with the same pragmas and page size; a registration",
    "  needs two (its id, its worker). callgrind at 30,000 registrations, before the hashes'",
    "  runs: about 154,000 instructions a registration, half of them in SQLite (the",
    "  registration's row and its two indexes 21,000, the worker's row 8,000, the log's leaf",
    "  and hash rows 27,000, where the runs took about an eighth of the time off, the block's",
    "  row), then the log's SHA-256 18,000 (two leaves a registration: its block's and its own),",
    "  opening the sealed record 16,000, and CBOR decoding with the deterministic-encoding checks",
    "  about 20,000. The goal's budget is 5 us, about 15,000 instructions, a registration: it",
    "  needs a store without per-registration random B-tree writes and the log kept as tiles",
    "  rather than rows (a log-structured or hash-partitioned append store, with its own",
    "  snapshot and reader story); that is",
    "  the redesign still open. The cost grew with the ledger in the descents into the",
    "  random-key B-trees (the registration ids, the worker claims) and in the pages each commit",
    "  rewrote of them; since 2026-12-07 each is a small recent table whose rows move into a main",
    "  table every 65,536 keys, with a filter in memory that rules out the main table for a new",
    "  key (docs/centre.md \"Recent and main tables\"): the same bench, the build before and this,",
    "  at a million 47,900 -> 61,000 a second and largest / smallest 192 -> 116 %, at 300,000",
    "  125 -> 102 %. The row now runs to a million (the goal's range ends there) and each cost",
    "  window is 65,536 registrations, so that each holds one move of each table; what the",
    "  remaining 15 % at a million is made of is not established. The anchor, a single",
    "  random-key B-tree written at that size, falls to about 62,000 rows a second at a million.",
    "  Then (2026-12-07, late) each record decoded and opened once instead of twice (docs/centre.md",
    "  \"Applying upstream blocks\"; callgrind, 20,480 registrations: 128,000 -> 125,300 instructions",
    "  a registration) and CBOR heads read by Jaring's own reader instead of a libcbor call each",
    "  (docs/decisions.md \"Encoding\"; 300,000 registrations, three alternated pairs: 64,700 ->",
    "  68,900 a second): at a million 61,100 -> 65,200 a second. Both took more off the small",
    "  ledger's cost than off the large one's (13.7 / 14.8 / 16.1 us against 14.7 / 15.5 / 17.0),",
    "  so largest / smallest rose from 115 to 118 %: the part that grows, about 2.4 us at a million,",
    "  is the same. Then (2026-12-08) the heads were also written by Jaring's own code (68,500 ->",
    "  71,600 a second, three alternated pairs at 300,000) and the filters' lines prefetched (+1 to",
    "  +3 %, docs/centre.md \"Recent and main tables\"); the rows measured again: 65,200 -> 67,400 a",
    "  second at a million, 13.5 / 14.5 / 15.5 us, largest / smallest 114 %. Since 2026-12-08 the",
    "  entries come from 300 kiosks, as Tegal's village offices, not 8: each kiosk's blocks and its",
    "  registrations' kiosk index go into their tables at a place of their own, so more pages are",
    "  written at each commit. The same build, an hour apart: 63,900 a second (against 67,400),",
    "  14.8 / 15.4 / 16.6 us, largest / smallest 112 %. Tried and not kept",
    "  (2026-12-08): a third table between each recent and main one, whose keys move into the main",
    "  table a slice of their first byte at a time, so that a move rewrites only part of the main",
    "  table. The moves cost as much as before (16.3-17.0 against 16.5-17.3 us at a million, the",
    "  builds alternated): a move is bound by a B-tree descent for each row moved, not by the pages",
    "  it rewrites, and a row now moved twice. The first windows also pay for SQLite's page cache",
    "  filling up (page faults, about 5 % of their samples in `perf`), which the last one does not;",
    "  most of the ratio's swing from run to run (107 to 118 % in this sitting's runs of one build)",
    "  is that. This machine's rates swing by 20 % from run to run.",
    "- **Node ingest** (three nodes on this 2-core machine) applies every registration three",
    "  times, once per node, on two cores, so it cannot exceed two-thirds of the one-node apply",
    "  rate; its bundles are shaped as kiosks send them (512 blocks of one registration) since",
    "  2026-12-07 (before: 32 blocks of 64, which hid the per-block cost). Group commit",
    "  (docs/node.md) keeps one connection for the centre's and the node's tables, so SQLite's",
    "  page cache is not dropped at every entry and a node's memory grows to that cache's cap",
    "  (256 MiB) on a large state, which is what the peak RSS row shows. `perf` of the ingest",
    "  (2026-12-07): a bash and a curl per bundle took a sixth of the two cores from the nodes",
    "  (one curl process uploads them all now, 17,800-18,000 -> 20,700-21,500 a second); closing",
    "  each 8 MiB libraft segment blocked a node's loop 30-60 ms in `io_destroy` (64 MiB segments,",
    "  docs/node.md `segment_mib`: -> 22,600-22,900); SHA-256 on the SHA extensions: -> 23,500.",
    "  The nodes' loops still wait in epoll about 45 % of the time and the cores are a fifth",
    "  idle. libraft's own trace (`LIBRAFT_TRACE=1`, one run, 373 entries) says why: from the",
    "  leader's send of an entry to a follower reading it took 50 ms (median), to that",
    "  follower's disk write being seen done 22 ms more, to a quorum 69 ms, against about 10 ms",
    "  to apply an entry: libraft 0.15 applies committed entries on the loop, several at a",
    "  time, and a follower that is applying reads no appends, so the leader waits on it.",
    "  Tried (not kept): followers queueing entries and applying one per loop turn took the",
    "  send-to-read median to 4 ms and the quorum to 47 ms, the idle share from 23 % to 15 %,",
    "  and not the rate (22,500-23,900): three applies a registration then compete for two",
    "  cores, whose bound is about 27,000 a second here; on nodes of their own it would count.",
    "  At a million registrations each node also copies its whole state every 64 MiB of log",
    "  (`snapshot_log_mib`, about 110,000 registrations; some 20 copies of up to 1.1 GB among",
    "  the three nodes, on the same two cores). A copy is now the state file's bytes when the",
    "  WAL can be emptied at the pin (docs/node.md \"Taking one\"; the snapshot rows of",
    "  bench_centre: 556 -> 686 MB a CPU-second, most of the rest the copy's BLAKE2b digest):",
    "  a million through three nodes went from 10,700 to 11,000 a second (one run each), and a",
    "  node's peak RSS through the 200,704 fell from 349 to 236 MiB (the cause is not established yet).",
    "  Since 2026-12-08 the table also runs the ingest through a million (the rows ending in \"1M\":",
    "  the size at which the issue asks for a node's peak RSS), and the bundles come from 300",
    "  kiosks, as Tegal's village offices, not 8 (so the smaller run is 307,200 registrations, two",
    "  bundles a kiosk). With 8 kiosks, the same build an hour before: 23,959 a second through",
    "  200,704 and 14,381 through 1,003,520, peak RSS 232 and 309 MiB; with 300: 23,040 through",
    "  307,200 and 13,718 through 1,075,200, peak RSS 297 and 355 MiB, bounded as docs/node.md says",
    "  (SQLite's page cache at its 256 MiB cap, libraft's log since the last snapshot). The rate at",
    "  a million is lower because each node copies its whole state, up to a gigabyte, every 64 MiB of",
    "  log, so the copies grow with the square of the ledger; and the node that joins afterwards",
    "  blocks its own loop about 8 s installing a 1.2 GB state (pre-vote keeps it from unseating the",
    "  leader meanwhile, docs/node.md). The model above takes the ingest rate measured at the larger",
    "  size.",
    "- **Audit** (bench_audit) replays every act through the centre's own contracts: its time is",
    "  mostly the nodes' own apply cost (the approvals' per-registration updates, the leaves",
    "  carried over, the decree's walk of every registration). The replay keeps its tree in",
    "  scratch files and no leaf rows, is one transaction with no journal, hashes each leaf",
    "  once, and an approval that passes every check is one statement (docs/audit.md",
    "  \"Memory and time\"). On the AMD EPYC VM of 2026-12-03 the median was at the minute (59.8 s);",
    "  on the Xeon VM of 2026-12-07 it is 33.3 s. The same export audited by the binary before and",
    "  after the CBOR reader of 2026-12-07, alternately, took 37.9 / 34.1 s and 33.8 / 34.4 s: the",
    "  difference between the rows is the machine and the work of the sessions between, not that.",
]


def table_rows(path):
    """(name, line, median) of every row of the table in the file at path."""
    old = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^\| (.+?) \| (-?[0-9][0-9.,]*) \| .*\|$", line.rstrip("\n"))
        if m and m.group(1) != "benchmark":
            old.append((m.group(1), line.rstrip("\n"), float(m.group(2).replace(",", ""))))
        elif old and not line.startswith("|"):
            break
    return old


def merge_rows(old, fresh, bench):
    """old with one benchmark's fresh rows put in: see --only."""
    names = set(n for n, _, _ in fresh)
    hit = [i for i, (n, _, _) in enumerate(old) if n in names]
    if not fresh:
        sys.stderr.write("report.py: %s printed no row; is it built?\n" % bench)
        raise SystemExit(1)
    if not hit:  # a benchmark new since the last full run: its rows at the end
        return old + fresh
    return old[:hit[0]] + fresh + old[hit[-1] + 1:]


def collect(build, runs, order, seen):
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


def rows_of(order, seen):
    out = []
    for name in order:
        r = seen[name]
        vals = sorted(r["runs"], key=lambda x: x[0])
        med = vals[(len(vals) - 1) // 2]
        out.append((name, "| %s | %s | %s | %s | %s | %s | %s |" % (
            name, fmt(med[0]), fmt(vals[0][0]), fmt(vals[-1][0]), r["unit"], r["goal"], med[1]),
            med[0]))
    return out


def main(argv):
    args = argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args else 2
    build, runs, out, only = args[0], 3, "docs/benchmarks.md", None
    i = 1
    while i < len(args):
        if args[i] == "--runs" and i + 1 < len(args) and args[i + 1].isdigit() and int(args[i + 1]) > 0:
            runs = int(args[i + 1]); i += 2
        elif args[i] == "--out" and i + 1 < len(args):
            out = args[i + 1]; i += 2
        elif args[i] == "--only" and i + 1 < len(args) and args[i + 1].strip():
            only = args[i + 1].split(); i += 2
        else:
            sys.stderr.write("report.py: unknown option or bad value '%s'; see --help\n" % args[i])
            return 2
    started = time.time()
    if only:
        table = table_rows(out)
        for bench in only:
            order, seen = [], {}
            os.environ["JR_BENCH_ONLY"] = bench
            collect(build, runs, order, seen)
            table = merge_rows(table, rows_of(order, seen), bench)
    else:
        order, seen = [], {}
        collect(build, runs, order, seen)
        table = rows_of(order, seen)
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
    if only:
        old_head = open(out, encoding="utf-8").read().split("\n")
        if len(old_head) > 3 and "times on one machine" in old_head[3]:
            lines[3] = old_head[3]  # the full run's count, which the other rows keep
        old_machine = next((l for l in old_head if l.startswith("- machine: ")), None)
        if old_machine is not None and old_machine != lines[8]:
            # the other rows were measured there; say so, and where these were
            lines[8] = old_machine + " (the rows of %s: %s)" % (
                ", ".join(only), lines[8][len("- machine: "):])
        lines[9] = "- date: the rows of %s from %s (%d run%s, %.0f s), the others from the last full run" % (
            ", ".join(only), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), runs,
            "" if runs == 1 else "s", time.time() - started)
    lines += [line for _, line, _ in table]
    meds = dict((n, v) for n, _, v in table)
    lines += scale(meds)
    lines += NOTES
    text = "\n".join(lines) + "\n"
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(out + ".tmp", out)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
