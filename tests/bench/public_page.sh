#!/usr/bin/env bash
# Rows of the benchmark table: the public page of a one-node jaring-node
# holding REGISTRATIONS registrations (default 100,000; node_fixture's 8
# kiosks): how long its first build takes (the figures read off the loop and
# both languages rendered), then its latency under load from a bounded local
# client (tests/bench/page_load.c: 32 keep-alive connections, 20,000
# requests) for the page and for its chart; then, the same way, the log's
# serving: the cosigned checkpoint, inclusion proofs of 4,096 registrations
# (c2sp.org/tlog-proof, each against that checkpoint, from the receipt's
# registration id) and consistency proofs from 4,096 older sizes.
#   tests/bench/public_page.sh BUILD_DIR [REGISTRATIONS]
set -euo pipefail
build=$1 regs=${2:-${JR_BENCH_PAGE_REGS:-100000}}
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=$build/bin/jaring-node fix=$build/node/node_fixture load=$build/tests/page_load
work=$(mktemp -d "${TMPDIR:-/var/tmp}/jaring-page-bench.XXXXXX")
# shellcheck source=../../node/tests/one_node.sh
. "$src/node/tests/one_node.sh"
one_pid=
trap '[ -n "$one_pid" ] && kill -9 "$one_pid" 2>/dev/null; rm -rf "$work"' EXIT
kiosks=8 per=2048
nb=$(( (regs + per * kiosks - 1) / (per * kiosks) ))
total=$((nb * kiosks * per))
"$fix" "$work" "$kiosks" "$nb" 32 64
read -r rp hp < <(free_ports 2)
base=http://127.0.0.1:$hp
one_node_init "$bin" "$work" bench-page 127.0.0.1 "$rp" "$hp"
one_node_start "$bin" "$work" "$work/log" || { echo "public_page: no leader" >&2; exit 1; }
curl -s -f -m 10 -X POST --data-binary @"$work/roster.entry" "$base/v1/acts" >/dev/null
export base
awk '{print $1, $2, $3}' "$work/bundles.txt" | xargs -P 4 -n 3 sh -c \
  'curl -s -f -m 300 -o /dev/null -X PUT --data-binary @"$3" -H "Upload-Offset: 0" \
     -H "Upload-Length: $2" "$base/v1/bundles/$1"' _
one_node_settle "$base" "$work" >/dev/null
# No page was asked for yet, so this first request waits for the whole
# build: the figures of every registration read and both languages rendered.
build_s=$(curl -s -o /dev/null -w '%{time_total}' "$base/public")
printf '| %-44s | %12s | %-10s | %-22s | %-4s |\n' \
  "public page build, $total regs" "$(python3 -c "print(f'{$build_s * 1000:.1f}')")" "ms" \
  "< 2,000 ms" "$(python3 -c "print('met' if $build_s < 2 else 'MISS')")"
"$load" 127.0.0.1 "$hp" /public 32 20000 "public page under load"
"$load" 127.0.0.1 "$hp" "/public/coverage.svg?lang=en" 32 20000 "public chart under load"
# The log, as kiosks, workers and auditors ask for it: any registration's
# proof (a sample spread over the whole log, the same each run), any old size.
size=$(curl -s -f "$base/checkpoint" | sed -n 2p)
python3 - "$work/regids.txt" "$size" "$work/proofs.txt" "$work/consistency.txt" <<'PY'
import random, sys
ids = [l.strip() for l in open(sys.argv[1]) if l.strip()]
size = int(sys.argv[2])
rnd = random.Random(7)
with open(sys.argv[3], "w") as f:
    for i in rnd.sample(ids, min(4096, len(ids))):
        f.write("/v1/proof/registration/%s\n" % i)
with open(sys.argv[4], "w") as f:
    for _ in range(4096):
        f.write("/v1/proof/consistency?old=%d&new=%d\n" % (rnd.randrange(1, size), size))
PY
"$load" 127.0.0.1 "$hp" /checkpoint 32 20000 "checkpoint (cosigned) under load"
"$load" 127.0.0.1 "$hp" "@$work/proofs.txt" 32 20000 "inclusion proof under load"
"$load" 127.0.0.1 "$hp" "@$work/consistency.txt" 32 20000 "consistency proof under load"
kill "$one_pid" && wait "$one_pid" || true
one_pid=
