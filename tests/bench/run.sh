#!/usr/bin/env bash
# Runs every benchmark and prints one table. Not part of the test suite.
#   tests/bench/run.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/jaring-bench.XXXXXX")
fast=$(mktemp -d /dev/shm/jaring-bench.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work" "$fast"' EXIT

echo "Jaring benchmarks on $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
echo
echo "| benchmark                                    |        value | unit       | goal                   |      |"
echo "|----------------------------------------------|--------------|------------|------------------------|------|"
# JR_BENCH_ONLY="bench_sync bench_bundle": just those (report.py --only).
only=" ${JR_BENCH_ONLY:-} "
wanted() { [ "$only" = "  " ] || case $only in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if wanted bench_ledger; then
  mkdir -p "$work/ledger"
  JR_BENCH_FAST_DIR="$fast" "$build/tests/bench_ledger" "$work/ledger" "${JR_BENCH_BLOCKS:-100000}"
fi
for b in "$build"/tests/bench_*; do
  name=$(basename "$b")
  [ "$name" = bench_ledger ] && continue
  [ -x "$b" ] || continue
  wanted "$name" || continue
  mkdir -p "$work/$name"
  "$b" "$work/$name"
done
# The appliance, as the last firmware-image/test.sh run measured it.
"$(dirname "$0")/appliance.sh" "$build/firmware-image"
# End-to-end ingest through a 3-node cluster (processes, HTTP, Raft), then
# again through a million (the issue's size for a node's peak RSS; about
# 2.5 minutes here; JR_BENCH_NODE_REGS_LARGE=0 skips it).
if wanted node_ingest && [ -x "$build/bin/jaring-node" ]; then
  "$(dirname "$0")/node_ingest.sh" "$build" "${JR_BENCH_NODE_REGS:-200000}"
  large=${JR_BENCH_NODE_REGS_LARGE:-1000000}
  if [ "$large" -gt 0 ]; then
    # its rows' names end in its size: ", 1M" for a million
    if [ $((large % 1000000)) = 0 ]; then tag=", $((large / 1000000))M"; else tag=", $large"; fi
    "$(dirname "$0")/node_ingest.sh" "$build" "$large" "$tag"
  fi
fi
# The public page of a node under load from a bounded local client.
if wanted public_page && [ -x "$build/bin/jaring-node" ]; then
  "$(dirname "$0")/public_page.sh" "$build" "${JR_BENCH_PAGE_REGS:-100000}"
fi
# The whole field cycle: kiosks to decrees to statuses back (scripts/field-cycle.py).
if wanted field_cycle && [ -x "$build/kiosk/jaring-kiosk" ] && [ -x "$build/bin/jaring-node" ]; then
  "$(dirname "$0")/field_cycle.sh" "$build" "${JR_BENCH_CYCLE_WORKERS:-200}"
fi
# Batch approval through jaring-admin against one node (~100,000 x 4 agencies).
if wanted admin_approve && [ -x "$build/bin/jaring-admin" ]; then
  "$(dirname "$0")/admin_approve.sh" "$build" "${JR_BENCH_ADMIN_REGS:-100000}"
fi
true
