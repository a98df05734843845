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
mkdir -p "$work/ledger"
JR_BENCH_FAST_DIR="$fast" "$build/tests/bench_ledger" "$work/ledger" "${JR_BENCH_BLOCKS:-100000}"
for b in "$build"/tests/bench_*; do
  name=$(basename "$b")
  [ "$name" = bench_ledger ] && continue
  [ -x "$b" ] || continue
  mkdir -p "$work/$name"
  "$b" "$work/$name"
done
# The appliance, as the last firmware-image/test.sh run measured it.
"$(dirname "$0")/appliance.sh" "$build/firmware-image"
# End-to-end ingest through a 3-node cluster (processes, HTTP, Raft).
[ -x "$build/bin/jaring-node" ] && "$(dirname "$0")/node_ingest.sh" "$build" "${JR_BENCH_NODE_REGS:-200000}"
true
