#!/usr/bin/env bash
# jaring-audit across a consortium key rotation (docs/audit.md "With a node's
# state file"): audit_rotation builds a node's state in which roster 2,
# signed by K1, names K2, a registration is sealed to K2, and roster 3 is
# signed by K2, and exports it. Then:
#   - the public audit of the export passes;
#   - --db with both key files, in either order, replays the K2-sealed record
#     and reaches the node's own state hash;
#   - --db with K1 alone fails at roster 2, naming the key it rotates to;
#   - --db without the genesis key, or with a key given twice, cannot run and
#     says which.
#   audit_rotation.sh AUDIT GENERATOR WORKDIR
set -euo pipefail
aud=$1 gen=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fails=0
fail() { echo "FAIL audit_rotation: $*"; fails=$((fails + 1)); }
"$gen" "$work" || { echo "FAIL audit_rotation: the generator"; exit 1; }
pol="$work/policy" ex="$work/export" db="$work/d/state.db"
k1="$work/consortium-1.key" k2="$work/consortium-2.key" pk="$work/pseudonym.key"
want=$(cat "$work/node_state_hash")

"$aud" --policy "$pol" "$ex" >"$work/public.txt" ||
  fail "the public audit: $(cat "$work/public.txt")"
grep -q "Result: PASSED" "$work/public.txt" || fail "no PASSED: $(cat "$work/public.txt")"
grep -q "The rosters rotated the consortium key 1 time; the latest roster names" \
  "$work/public.txt" || fail "the rotation in the report: $(grep -i roster "$work/public.txt")"

# both keys, in both orders: the node's state hash
for order in "$k1 $k2" "$k2 $k1"; do
  set -- $order
  "$aud" --policy "$pol" --db "$db" --consortium-key "$1" --consortium-key "$2" \
    --pseudonym-key "$pk" --json "$ex" >"$work/db.json" 2>"$work/db.err" ||
    fail "--db with $(basename "$1") then $(basename "$2"): $(cat "$work/db.err")"
  python3 - "$work/db.json" "$want" <<'PY' || fail "the JSON of --db: $(cat "$work/db.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] and r["failure"] is None, r["failure"]
assert r["state_hash"] == sys.argv[2] and r["node_state_hash"] == sys.argv[2], r
assert r["rosters"] == 3 and r["registrations_by_outcome"][0] == 4, r
assert r["consortium_rotations"] == 1 and r["consortium_key"] != r["genesis_key"], r
PY
done
echo "rotation: --db with K1 and K2 (either order) reaches the node's state hash ${want:0:16}…"

# expect NAME EXIT PATTERN ARGS...: jaring-audit exits EXIT, stderr matches
expect() {
  local name=$1 code=$2 pat=$3 rc=0
  shift 3
  "$aud" --policy "$pol" --db "$db" "$@" --pseudonym-key "$pk" "$ex" >"$work/t.out" \
    2>"$work/t.err" || rc=$?
  [ "$rc" = "$code" ] && grep -qE "$pat" "$work/t.err" ||
    fail "$name: exit $rc: $(cat "$work/t.err")"
  echo "rotation: $name: $(sed 's/^jaring-audit: //' "$work/t.err" | head -1 | cut -c1-220)"
}
expect "K1 alone" 1 "leaf [0-9]+ \(roster serial 2 .*APPLIED\) rotates to consortium key [0-9a-f]{16}…, which none of the --consortium-key files is" \
  --consortium-key "$k1"
expect "K2 alone" 3 "none of the 1 --consortium-key files is the export's genesis consortium key" \
  --consortium-key "$k2"
expect "K1 twice" 3 "consortium key [0-9a-f]{16}… is given twice" \
  --consortium-key "$k1" --consortium-key "$k2" --consortium-key "$k1"

[ "$fails" = 0 ] && echo "audit rotation: ok"
[ "$fails" = 0 ]
