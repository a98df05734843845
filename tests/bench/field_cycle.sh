#!/usr/bin/env bash
# The whole field cycle as benchmark rows (issue 11): scripts/field-cycle.py
# with WORKERS synthetic workers (default 200, as the main job, or
# $JR_BENCH_CYCLE_WORKERS),
# from their registration at the kiosks through the drive, the reviews,
# the decrees and the payments to every status back and every receipt
# scanned; rows in the one table's format (tests/bench/bench.h).
#   field_cycle.sh BUILD_DIR [WORKERS]
set -euo pipefail
build=$1 workers=${2:-${JR_BENCH_CYCLE_WORKERS:-200}}
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/var/tmp}/jaring-bench-cycle.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$here/scripts/field-cycle.py" "$build" "$work/cycle" --workers "$workers" >"$work/log" 2>&1 ||
  { echo "field_cycle.sh: the field cycle failed: $(tail -n 5 "$work/log")" >&2; exit 1; }
python3 - "$work/cycle/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
regs, sec, drive = s["registrations"], s["seconds"], s["drive_bytes"]
def row(name, value, unit, goal="", met=""):
    print("| %-44s | %12s | %-10s | %-22s | %-4s |" % (name, value, unit, goal, met))
row("whole cycle, kiosk to status back (%d regs)" % regs, "%.2f" % (regs / sec), "regs/s",
    "(reported)")
row("whole cycle, wall time for %d workers" % s["workers"], "%.1f" % sec, "s",
    "< 300 (the main job)" if s["workers"] == 200 else "(200 workers: < 300)",
    ("met" if sec < 300 else "MISS") if s["workers"] == 200 else "")
row("whole cycle, registrations per MB of drive", "%.0f" % (regs / (drive / 1e6)), "regs/MB",
    "(reported)")
PY
