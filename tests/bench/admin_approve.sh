#!/usr/bin/env bash
# Rows of the benchmark table: batch approval through jaring-admin against a
# running one-node jaring-node. ~100,000 synthetic registrations are
# ingested, then each of the four required agencies runs
#   jaring-admin approve --all-passing --state DATA_DIR/state.db --node URL
# (its queue read from the node's state file, acts of --batch registrations
# signed and posted one after another, each answered once applied).
#   tests/bench/admin_approve.sh BUILD_DIR [REGISTRATIONS] [BATCH]
set -euo pipefail
build=$1 regs=${2:-${JR_BENCH_ADMIN_REGS:-100000}} batch=${3:-4096}
adm=$build/bin/jaring-admin bin=$build/bin/jaring-node fix=$build/node/node_fixture
work=$(mktemp -d "${TMPDIR:-/var/tmp}/jaring-admin-bench.XXXXXX")
pid=
fail() { echo "admin_approve: $*" >&2; exit 1; }
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
# shellcheck source=../../admin/tests/lib.sh
. "$(dirname "$0")/../../admin/tests/lib.sh"
kiosks=8 per=1792 # 28 blocks of 64 per bundle
nb=$(( (regs + per * kiosks - 1) / (per * kiosks) ))
total=$((nb * kiosks * per))
"$fix" "$work" "$kiosks" "$nb" 28 64 >/dev/null
start_node "$bin" "$work"
export JARING_PIN=135790
members=()
for k in $(seq 0 $((kiosks - 1))); do members+=(--member "kiosk:$work/kiosk-$k.pub:diskominfo:3328012001:upload"); done
for a in disnaker dpmd dukcapil bpjstk; do
  "$adm" keygen --role official --out "$work/$a.key" >/dev/null
  members+=(--member "official:$work/$a.key.pub:$a:0:approve")
done
"$adm" roster --consortium "$work/consortium.key" --serial 1 --out "$work/roster.jr" "${members[@]}" >/dev/null
"$adm" submit --node "$base" "$work/roster.jr" >/dev/null || fail "roster"
awk '{print $1, $2, $3}' "$work/bundles.txt" | xargs -P 4 -n 3 sh -c \
  'curl -s -f -o /dev/null -X PUT --data-binary @"$3" -H "Upload-Offset: 0" -H "Upload-Length: $2" "$0/v1/bundles/$1"' "$base" ||
  fail "ingest"
acts=0
t0=$(date +%s.%N)
for a in disnaker dpmd dukcapil bpjstk; do
  "$adm" approve --key "$work/$a.key" --all-passing --state "$work/d/state.db" --node "$base" \
    --batch "$batch" >"$work/out" 2>"$work/err" || fail "$a: $(tail -3 "$work/err")"
  grep -q "$total registrations waiting for $a pass every rule" "$work/err" || fail "$a: $(cat "$work/err")"
  acts=$((acts + $(grep -c "approve: applied" "$work/out")))
done
t1=$(date +%s.%N)
"$adm" queue --state "$work/d/state.db" --agency bpjstk --json | grep -q '"count":0}' || fail "bpjstk's queue is not empty"
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
row() { printf '| %-44s | %12s | %-10s | %-22s | %-4s |\n' "$@"; }
row "admin approve --all-passing, 4 x $total regs" \
  "$(python3 -c "print(f'{4 * $total / ($t1 - $t0):.1f}')")" "regs/s" ">= 6,667 (100k x4 / min)" \
  "$(python3 -c "print('met' if 4 * $total / ($t1 - $t0) >= 4 * 100000 / 60 else 'MISS')")"
row "admin approve: acts of $batch regs posted" "$(python3 -c "print(f'{$acts / ($t1 - $t0):.1f}')")" \
  "acts/s" "" ""
row "node peak RSS through the approvals" "$((rss / 1024))" "MiB" "bounded" ""
"$bin" stop --config "$conf" >/dev/null || true
wait "$pid" 2>/dev/null || true
pid=
