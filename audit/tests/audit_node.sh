#!/usr/bin/env bash
# jaring-audit against a real export of a real run: a one-node jaring-node on
# loopback takes a roster, a kiosk's bundle of 10 registrations, the approvals
# of every required agency for 8 of them, a refused approval (a funder's), a
# view, a comment, an allocation, a decree and two payments (all made with
# jaring-admin); `jaring-node export` writes the export twice (so the history
# has two checkpoints). Then:
#   - the clean export passes, in text and JSON; with the node's state file
#     and keys the replay reaches the node's own state hash; the kiosk's
#     receipt is proved included;
#   - every way an insider might tamper is caught and named: a leaf dropped
#     from its bundle, a payment's bytes altered, an act's bytes removed, the
#     checkpoint signed by a key outside the policy, and, with the log's and
#     the witness's own keys (a cluster gone bad), a recipient added to the
#     decree by the regional head's key, a payment over the decree, an act by
#     a key not on the roster, a leaf dropped and re-signed, history rewritten
#     behind an old checkpoint;
#   - privacy: no synthetic NIK, name, phone, birth date or address of the
#     run appears in any byte of the export or of any public HTTP answer.
#   audit_node.sh AUDIT ADMIN NODE FIXTURE TAMPER WORKDIR
set -euo pipefail
aud=$1 adm=$2 bin=$3 fix=$4 tamper=$5 work=$6
rm -rf "$work" && mkdir -p "$work"
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true' EXIT
fails=0
fail() { echo "FAIL audit_node: $*"; fails=$((fails + 1)); }
# shellcheck source=../../node/tests/one_node.sh
. "$(dirname "$0")/../../node/tests/one_node.sh"
read -r rp hp < <(free_ports 2)
base=http://127.0.0.1:$hp
"$fix" "$work" 1 1 1 10 >/dev/null
head -8 "$work/regids.txt" >"$work/regs8.txt"
one_node_init "$bin" "$work" audit 127.0.0.1 "$rp" "$hp"
one_node_start "$bin" "$work" "$work/log" || { echo "FAIL audit_node: no leader"; tail "$work/log"; exit 1; }
pid=$one_pid
# Waits until the cosigned checkpoint covers the whole tree.
cosigned() {
  [ "$(one_node_settle "$base" "$work")" -gt 0 ] || fail "no checkpoint"
  python3 -c "import json,sys; h=json.load(open(sys.argv[1]))
sys.exit(0 if h['checkpoint_size'] == h['tree_size'] else 1)" "$work/health.json" ||
    fail "the checkpoint never caught up with the tree"
}

export JARING_PIN=135790
for a in disnaker dpmd dukcapil bpjstk bupati funder; do
  "$adm" keygen --role official --out "$work/$a.key" >/dev/null
done
rev="approve+return+comment+view"
"$adm" roster --consortium "$work/consortium.key" --serial 1 --out "$work/roster.jr" \
  --member "kiosk:$work/kiosk-0.pub:diskominfo:3328012001:upload" \
  --member "official:$work/disnaker.key.pub:disnaker:3328:$rev" \
  --member "official:$work/dpmd.key.pub:dpmd:3328:$rev" \
  --member "official:$work/dukcapil.key.pub:dukcapil:3328:$rev" \
  --member "official:$work/bpjstk.key.pub:bpjstk:3328:$rev" \
  --member "official:$work/bupati.key.pub:bupati:3328:decree+allocate+pay+policy" \
  --member "official:$work/funder.key.pub:funder:3328:allocate+pay" >/dev/null
"$adm" submit --node "$base" "$work/roster.jr" >/dev/null || fail "roster"
read -r id len f _ < <(sed -n 1p "$work/bundles.txt")
curl -s -o "$work/body" -X PUT --data-binary @"$f" -H "Upload-Offset: 0" -H "Upload-Length: $len" \
  "$base/v1/bundles/$id"
grep -q '"state":"applied"' "$work/body" || fail "bundle: $(cat "$work/body")"
cosigned
"$bin" export --config "$work/n.conf" --out "$work/export" >/dev/null || fail "first export"

for a in disnaker dpmd dukcapil bpjstk; do
  "$adm" approve --key "$work/$a.key" --regs-file "$work/regs8.txt" --node "$base" >/dev/null ||
    fail "$a approval"
done
"$adm" approve --key "$work/funder.key" --regs-file "$work/regs8.txt" --node "$base" \
  >/dev/null 2>&1 && fail "a funder's approval was not refused"
"$adm" view --key "$work/dukcapil.key" --reg "$(sed -n 2p "$work/regids.txt")" --node "$base" \
  >/dev/null || fail "view"
"$adm" comment --key "$work/bpjstk.key" --reg "$(sed -n 4p "$work/regids.txt")" \
  --text "cek ulang alamat" --node "$base" >/dev/null || fail "comment"
"$adm" allocate --key "$work/funder.key" --id CSR-2024-1 --sponsor-type csr \
  --sponsor "PT Sintetis Bahari" --amount 1000000 --months 12 --region 3328 --node "$base" \
  >/dev/null || fail "allocation"
"$adm" decree --key "$work/bupati.key" --number 100.3/1/2024 --region 3328 \
  --allocation CSR-2024-1 --start 202407 --months 6 --regs-file "$work/regs8.txt" \
  --issued 1718000100 --node "$base" >/dev/null || fail "decree"
"$adm" pay --key "$work/funder.key" --allocation CSR-2024-1 --month 202407 --amount 134400 \
  --issued 1718000200 --node "$base" >/dev/null || fail "payment"
"$adm" pay --key "$work/funder.key" --allocation CSR-2024-1 --month 202408 --amount 50400 \
  --reg "$(sed -n 1p "$work/regids.txt")" --reg "$(sed -n 2p "$work/regids.txt")" \
  --reg "$(sed -n 3p "$work/regids.txt")" --issued 1718000300 --node "$base" >/dev/null ||
  fail "the second month"
cosigned
"$bin" export --config "$work/n.conf" --out "$work/export" --json >"$work/export.json" ||
  fail "second export"
ls "$work/export/checkpoints" | wc -l | grep -qx 2 || fail "two checkpoints in the history"

# ---- privacy: every byte of the export and of every public HTTP answer ----
regid=$(sed -n 1p "$work/regids.txt")
kid=$(cat "$work/kiosk0.id")
read -r size sidx < <(curl -s "$base/v1/health" | python3 -c "import json,sys
h=json.load(sys.stdin); print(h['tree_size'], h['state_index'])")
mkdir -p "$work/http"
i=0
for path in /v1/health /v1/hash/latest "/v1/hash/$sidx" "/v1/bundles/$id" "/v1/kiosks/$kid/downstream" \
  /checkpoint /v1/checkpoint/self /tile/0/000.p/$((size % 256)) /tile/entries/000.p/$((size % 256)) \
  "/v1/proof/registration/$regid" "/v1/proof/consistency?old=1&new=$size" /v1/stats; do
  i=$((i + 1))
  code=$(curl -s -o "$work/http/$i" -w '%{http_code}' "$base$path")
  [ "$code" = 200 ] || fail "GET $path answered $code"
done
curl -s "$base/v1/health" | python3 -c "import json,sys; print(json.load(sys.stdin)['state_hash'])" \
  >"$work/node_state_hash"
python3 - "$work/people.txt" "$work/export" "$work/http" <<'EOF' || fail "privacy search"
import datetime, os, sys
needles = set()
for line in open(sys.argv[1], encoding="utf-8"):
    nik, name, phone, birth, address = line.rstrip("\n").split("\t")
    b = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    for s in (nik, name, phone, phone[1:], "62" + phone[1:], birth, b.isoformat(),
              b.strftime("%d-%m-%Y"), b.strftime("%d/%m/%Y"), address):
        needles.add(s.encode())
files = 0
for root in sys.argv[2:]:
    for d, _, names in os.walk(root):
        for n in names:
            data = open(os.path.join(d, n), "rb").read()
            files += 1
            for s in needles:
                if s in data:
                    print("privacy: %r found in %s" % (s, os.path.join(d, n)))
                    sys.exit(1)
print("privacy: %d files, %d synthetic values, none found" % (files, len(needles)))
EOF

"$bin" stop --config "$work/n.conf" >/dev/null || fail "stop"
wait "$pid" || fail "the node exited with an error"
pid=

# ---- the clean export ----
pol="$work/cosign.policy" ex="$work/export"
"$aud" --policy "$pol" --consortium "$work/consortium.pub" "$ex" >"$work/report.txt" ||
  fail "the clean export: $(cat "$work/report.txt")"
grep -q "Result: PASSED" "$work/report.txt" || fail "no PASSED: $(cat "$work/report.txt")"
grep -q "100.3/1/2024 (region 3328, paid from CSR-2024-1): 8 recipients" "$work/report.txt" ||
  fail "the decree in the report: $(cat "$work/report.txt")"
grep -q "Rp806,400 promised, Rp184,800 paid" "$work/report.txt" ||
  fail "the decree's money: $(grep 100.3 "$work/report.txt")"
"$aud" verify --policy "$pol" --json "$ex" >"$work/report.json" || fail "--json"
python3 - "$work/report.json" <<'EOF' || fail "the JSON report: $(cat "$work/report.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] and r["failure"] is None
assert r["registrations_by_outcome"][0] == 10, r["registrations_by_outcome"]
assert r["approvals_by_agency"][:4] == [8, 8, 8, 8], r["approvals_by_agency"]
assert r["views_by_agency"][2] == 1 and r["comments"] == 1
d = r["decrees"][0]
assert (d["recipients"], d["cost_rp"], d["paid_rp"]) == (8, 806400, 184800), d
a = r["allocations"][0]
assert (a["amount_rp"], a["committed_rp"], a["paid_rp"]) == (1000000, 806400, 184800), a
assert r["by_sponsor_type"][1]["workers"] == 8 and r["total"]["paid_rp"] == 184800
assert r["checkpoints"] == 2 and r["kiosks"][0]["head"] == 1
EOF
"$aud" --policy "$pol" --db "$work/d/state.db" --consortium-key "$work/consortium.key" \
  --pseudonym-key "$work/pseudonym.key" --json "$ex" >"$work/db.json" ||
  fail "the replay from the node's state file: $(cat "$work/db.json")"
grep -q "\"node_state_hash\":\"$(cat "$work/node_state_hash")\"" "$work/db.json" ||
  fail "the node's state hash $(cat "$work/node_state_hash") is not in $(cat "$work/db.json")"
grep -q "\"state_hash\":\"$(cat "$work/node_state_hash")\"" "$work/db.json" ||
  fail "the replay's state hash is not the node's: $(cat "$work/db.json")"
"$aud" receipt --policy "$pol" "$ex" "$work/receipt0.txt" >"$work/receipt.out" ||
  fail "the receipt: $(cat "$work/receipt.out")"
grep -q "Receipt of registration $regid: INCLUDED" "$work/receipt.out" ||
  fail "the receipt's answer: $(cat "$work/receipt.out")"

# ---- tampering: each copy is caught, the failure named ----
# expect NAME PATTERN DIR: jaring-audit exits 1 and its message matches.
expect() {
  local rc=0
  "$aud" --policy "$pol" "$3" >"$work/t.out" 2>"$work/t.err" || rc=$?
  [ "$rc" = 1 ] && grep -qE "$2" "$work/t.err" ||
    fail "$1: exit $rc: $(cat "$work/t.err")"
  echo "tamper $1: caught: $(sed 's/^jaring-audit: //' "$work/t.err" | cut -c1-200)"
}
copy() { rm -rf "${work:?}/$1" && cp -r "$ex" "$work/$1"; }
# A new folder with the export's genesis, rosters, acts and older checkpoints,
# for a log written anew by the insider.
fresh() {
  rm -rf "${work:?}/$1" && mkdir -p "$work/$1/checkpoints"
  cp -r "$ex/genesis" "$ex/roster" "$ex/act" "$work/$1/"
  for c in $(ls "$ex/checkpoints" | sort -n | head -n -1); do
    cp "$ex/checkpoints/$c" "$work/$1/checkpoints/"
  done
}
# the ids of the applied acts of a kind, by what the leaves say
act_of() { "$tamper" act-of "$ex" "$1"; }

copy drop
"$tamper" drop-bytes "$work/drop" 12 >/dev/null || fail "drop-bytes"
expect "a leaf dropped from its bundle" "tile/entries/000.p/[0-9]+" "$work/drop"

copy altered
pay=$(act_of 8 | head -1)
python3 - "$work/altered/act/$pay" <<'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.find(bytes([0x06, 0x1a, 0x00, 0x02, 0x0d, 0x00]))  # key 6: amount 134400
assert i > 0, "amount not found"
b[i + 4] = 0x0e  # Rp134,400 -> Rp199,936
open(p, "wb").write(bytes(b))
EOF
expect "a payment's bytes altered" "act/$pay: its bytes are another act" "$work/altered"

copy missing
dec=$(act_of 6 | head -1)
rm "$work/missing/act/$dec"
expect "a decree's bytes removed" "decree act .* APPLIED.*signed bytes are missing" "$work/missing"

fresh foreign
"$tamper" resign "$ex" "$work/foreign" --origin tlog.test.jaring.id/audit \
  --log-key "$work/consortium.key" --witness-key "$work/d/witness.key" \
  --witness witness.test.jaring.id/one >/dev/null || fail "resign with a foreign key"
expect "the checkpoint signed by a key outside the policy" "checkpoint.*not a checkpoint the trusted policy accepts" "$work/foreign"

# The insider holds the log key and the witness key: the Merkle checks alone
# pass; the replay of the contracts catches what was done.
insider() {
  local op=$1 name=$2
  shift 2
  fresh "$name"
  "$tamper" "$op" "$ex" "$work/$name" "$@" --origin tlog.test.jaring.id/audit \
    --log-key "$work/log.key" --witness-key "$work/d/witness.key" \
    --witness witness.test.jaring.id/one >/dev/null || fail "tamper $op $*"
}
"$adm" decree --key "$work/bupati.key" --number 100.3/1/2024 --region 3328 \
  --allocation CSR-2024-1 --start 202407 --months 6 --regs-file "$work/regids.txt" \
  --issued 1718000100 --out "$work/forged-decree.jr" >/dev/null || fail "forged decree"
insider replace-act recipient "$dec" "$work/forged-decree.jr" 10
expect "a recipient added to the decree" "decree act .* APPLIED, count 10.*NOT_APPROVED" "$work/recipient"

"$adm" pay --key "$work/funder.key" --allocation CSR-2024-1 --month 202407 --amount 168000 \
  --issued 1718000200 --out "$work/forged-pay.jr" >/dev/null || fail "forged payment"
insider replace-act overpaid "$pay" "$work/forged-pay.jr" 8
expect "a payment altered and re-signed by the funder" "payment act .* APPLIED.*AMOUNT_MISMATCH" "$work/overpaid"

"$adm" keygen --role official --out "$work/stranger.key" >/dev/null
"$adm" pay --key "$work/stranger.key" --allocation CSR-2024-1 --month 202409 --amount 134400 \
  --issued 1718000400 --out "$work/stranger-pay.jr" >/dev/null || fail "stranger's payment"
insider append-act stranger "$work/stranger-pay.jr" 0
expect "a payment signed by a key not on the roster" "payment act .* APPLIED.*UNKNOWN_KEY" "$work/stranger"

insider drop-leaf dropped 14
expect "a leaf dropped and the log re-signed" "leaf 14: the log says" "$work/dropped"

insider rewrite-leaf history 3
expect "history rewritten behind an old checkpoint" "checkpoints/[0-9]+" "$work/history"

[ "$fails" = 0 ] && echo "audit node: ok"
[ "$fails" = 0 ]
