#!/usr/bin/env bash
# jaring-admin against a running one-node jaring-node: official keys made with
# keygen, the roster (a kiosk and officials of every verification agency, the
# Bupati of Kab. Tegal, a funder) posted, an upstream bundle uploaded, every
# required agency approving, role violations refused with exit 1, an
# allocation, a decree and payments, a comment and policy versions, each
# checked through the node's answers and the contract's statuses on the log.
#   admin_node.sh ADMIN_BIN NODE_BIN FIXTURE_BIN WORKDIR
set -euo pipefail
adm=$1 bin=$2 fix=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true' EXIT
fails=0
fail() { echo "FAIL admin_node: $*"; fails=$((fails + 1)); }
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# one kiosk, one bundle of 1 block of 8 registrations (district 332801)
"$fix" "$work" 1 1 1 8 >/dev/null
start_node "$bin" "$work"

# Keys: the PIN from a file for one, from JARING_PIN for the rest.
printf '135790\n' >"$work/pin"
"$adm" keygen --role official --out "$work/disnaker.key" --pin-file "$work/pin" >/dev/null
export JARING_PIN=135790
for a in dpmd dukcapil bpjstk bupati funder; do
  "$adm" keygen --role official --out "$work/$a.key" >/dev/null
done
if "$adm" keygen --role official --out "$work/dpmd.key" 2>"$work/err"; then
  fail "keygen overwrote a key file"
fi
rc=0; "$adm" keygen --role mayor --out "$work/x.key" 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown role 'mayor'" "$work/err" || fail "keygen --role mayor: $rc $(cat "$work/err")"

# The roster, serial 1, signed by the consortium key.
rev="approve+return+comment+view"
"$adm" roster --consortium "$work/consortium.key" --serial 1 --out "$work/roster.jr" \
  --member "kiosk:$work/kiosk-0.pub:diskominfo:3328012001:upload" \
  --member "official:$work/disnaker.key.pub:disnaker:3328:$rev" \
  --member "official:$work/dpmd.key.pub:dpmd:3328:$rev" \
  --member "official:$work/dukcapil.key.pub:dukcapil:3328:$rev,decree" \
  --member "official:$work/bpjstk.key.pub:bpjstk:3328:$rev" \
  --member "official:$work/bupati.key.pub:bupati:3328:decree+allocate+pay+policy" \
  --member "official:$work/funder.key.pub:funder:3328:allocate+pay" >/dev/null
rc=0; "$adm" roster --consortium "$work/consortium.key" --serial 1 --out "$work/x" \
  --member "official:$work/dpmd.key.pub:dpmd:3328:approve+frobnicate" 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown permission 'frobnicate'" "$work/err" ||
  fail "a bad permission: $rc $(cat "$work/err")"
"$adm" submit --node "$base" --json "$work/roster.jr" >"$work/ans" || fail "roster: $(cat "$work/ans")"
grep -q '"outcome":"applied"' "$work/ans" || fail "roster answer: $(cat "$work/ans")"

# The kiosk's bundle.
read -r id len f _ < <(sed -n 1p "$work/bundles.txt")
curl -s -o "$work/body" -X PUT --data-binary @"$f" -H "Upload-Offset: 0" -H "Upload-Length: $len" \
  "$base/v1/bundles/$id"
grep -q '"state":"applied"' "$work/body" || fail "bundle: $(cat "$work/body")"
curl -s "$base/v1/stats" >"$work/stats"
grep -q '"registrations":8' "$work/stats" || fail "stats after the bundle: $(cat "$work/stats")"
grep -q '"district":332801,"outcome":1,"count":8' "$work/stats" ||
  fail "8 accepted in district 332801: $(cat "$work/stats")"

# Role violations, refused by the contract: exit 1, the reason printed.
# A funder approving; a Dukcapil official signing a decree (its roster entry
# even gives it the decree permission: the agency decides).
rc=0; "$adm" approve --key "$work/funder.key" --regs-file "$work/regids.txt" --node "$base" \
  >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "refused by the contract: NOT_PERMITTED" "$work/err" ||
  fail "a funder's approval: exit $rc: $(cat "$work/err" "$work/out")"
# The node's own answer names the contract's reason (docs/http.md).
grep -q '"outcome":"refused","reason":"NOT_PERMITTED"' "$work/err" ||
  fail "the node's answer to a funder's approval: $(cat "$work/err")"

# Every required agency (the genesis policy: Disnaker, DPMD, Dukcapil, BPJS
# Ketenagakerjaan) approves all 8, the first as a file then submitted.
"$adm" approve --key "$work/disnaker.key" --pin-file "$work/pin" --regs-file "$work/regids.txt" \
  --out "$work/approve.jr" >/dev/null
"$adm" submit --node "$base" "$work/approve.jr" >"$work/out" || fail "disnaker: $(cat "$work/out")"
for a in dpmd dukcapil bpjstk; do
  "$adm" approve --key "$work/$a.key" --regs-file "$work/regids.txt" --node "$base" --json \
    >"$work/ans" || fail "$a approval: $(cat "$work/ans")"
  grep -q '"outcome":"applied","reason":null,"changed":true' "$work/ans" ||
    fail "$a approval answer: $(cat "$work/ans")"
done
# The same act again (same signer, content and second) is the same act: the
# node answers its first outcome, and nothing changes.
"$adm" submit --node "$base" --json "$work/approve.jr" >"$work/ans" || fail "approve again"
grep -q '"outcome":"applied"' "$work/ans" || fail "approve again: $(cat "$work/ans")"
# A new approval of one of them by the same agency: the act is applied, its
# one registration refused (ALREADY_DONE): exit 1, the reason named.
rc=0; "$adm" approve --key "$work/dpmd.key" --reg "$(sed -n 1p "$work/regids.txt")" --node "$base" \
  --json >"$work/ans" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "1 of 1 registrations were refused by the contract: 1 ALREADY_DONE" \
  "$work/err" || fail "a repeated approval: exit $rc: $(cat "$work/err")"
grep -q '"status":"APPLIED","items":1,"items_refused":1,"item_status":"ALREADY_DONE"' \
  "$work/ans" || fail "a repeated approval's JSON: $(cat "$work/ans")"

# The funding: 8 recipients x 6 months x Rp16,800 = Rp806,400.
"$adm" allocate --key "$work/funder.key" --id CSR-2024-1 --sponsor-type csr \
  --sponsor "PT Sintetis Bahari" --amount 1000000 --months 12 --region 3328 --node "$base" \
  >"$work/out" || fail "allocation: $(cat "$work/out")"
rc=0; "$adm" allocate --key "$work/funder.key" --id X --sponsor-type lottery --sponsor Y \
  --amount 1 --months 1 --region 3328 --node "$base" 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown sponsor type 'lottery'" "$work/err" || fail "lottery: $rc"

rc=0; "$adm" decree --key "$work/dukcapil.key" --number 100.3/1/2024 --region 3328 \
  --allocation CSR-2024-1 --start 202407 --months 6 --regs-file "$work/regids.txt" \
  --node "$base" >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "refused by the contract: NOT_PERMITTED" "$work/err" ||
  fail "a Dukcapil official's decree: exit $rc: $(cat "$work/err" "$work/out")"
# more than the allocation can pay: 8 x 12 months x 16,800 > 1,000,000
rc=0; "$adm" decree --key "$work/bupati.key" --number 100.3/0/2024 --region 3328 \
  --allocation CSR-2024-1 --start 202407 --months 12 --regs-file "$work/regids.txt" \
  --node "$base" >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "ALLOCATION_SHORT" "$work/err" ||
  fail "a decree the allocation cannot pay: exit $rc: $(cat "$work/err")"
"$adm" decree --key "$work/bupati.key" --number 100.3/1/2024 --region 3328 \
  --allocation CSR-2024-1 --start 202407 --months 6 --regs-file "$work/regids.txt" \
  --node "$base" --json >"$work/ans" || fail "decree: $(cat "$work/ans")"
grep -q '"outcome":"applied".*"status":"APPLIED"' "$work/ans" || fail "decree answer: $(cat "$work/ans")"

# The first month: 8 x Rp16,800; a wrong amount first.
rc=0; "$adm" pay --key "$work/funder.key" --allocation CSR-2024-1 --month 202407 --amount 134401 \
  --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q AMOUNT_MISMATCH "$work/err" || fail "a payment of the wrong amount: exit $rc: $(cat "$work/err")"
"$adm" pay --key "$work/funder.key" --allocation CSR-2024-1 --month 202407 --amount 134400 \
  --node "$base" --json >"$work/ans" || fail "payment: $(cat "$work/ans")"
grep -q '"outcome":"applied"' "$work/ans" || fail "payment answer: $(cat "$work/ans")"
# the month again, as a new act (another claimed time): nobody is due
rc=0; "$adm" pay --key "$work/funder.key" --allocation CSR-2024-1 --month 202407 --amount 134400 \
  --issued 1718000001 --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "refused by the contract: NOT_DECREED" "$work/err" ||
  fail "the same month paid twice: exit $rc: $(cat "$work/err")"
# the next month, for three named recipients
"$adm" pay --key "$work/funder.key" --allocation CSR-2024-1 --month 202408 --amount 50400 \
  --reg "$(sed -n 1p "$work/regids.txt")" --reg "$(sed -n 2p "$work/regids.txt")" \
  --reg "$(sed -n 3p "$work/regids.txt")" --node "$base" >"$work/out" ||
  fail "the second month for three: $(cat "$work/out")"

# A view act (Dukcapil looked at one person's data).
"$adm" view --key "$work/dukcapil.key" --reg "$(sed -n 2p "$work/regids.txt")" --node "$base" \
  >"$work/out" || fail "view: $(cat "$work/out")"
# A return (reasons by name and number) written to a file, then sent: the
# registration is decreed, no longer in review: NOT_IN_REVIEW, exit 1.
"$adm" return --key "$work/dpmd.key" --reg "$(sed -n 2p "$work/regids.txt")" \
  --reason BIRTH_MISMATCH --reason 209 --out "$work/return.jr" >/dev/null || fail "return file"
rc=0; "$adm" submit --node "$base" "$work/return.jr" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "1 NOT_IN_REVIEW" "$work/err" ||
  fail "a return of a decreed registration: exit $rc: $(cat "$work/err")"
rc=0; "$adm" return --key "$work/dpmd.key" --reg "$(sed -n 2p "$work/regids.txt")" \
  --reason NO_SUCH_REASON --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown reason 'NO_SUCH_REASON'" "$work/err" || fail "a bad reason: $rc"

# A comment; a policy version for Kab. Tegal by the Bupati (the same four
# agencies, DTKS not required), then a stale one refused; Disnaker may not
# sign a policy.
"$adm" comment --key "$work/bpjstk.key" --reg "$(sed -n 4p "$work/regids.txt")" \
  --text "cek ulang alamat" --node "$base" >"$work/out" || fail "comment: $(cat "$work/out")"
"$adm" policy --key "$work/bupati.key" --region 3328 --version 2 \
  --require disnaker,dpmd,dukcapil,bpjstk --node "$base" --json >"$work/ans" ||
  fail "policy: $(cat "$work/ans")"
grep -q '"status":"APPLIED"' "$work/ans" || fail "policy answer: $(cat "$work/ans")"
rc=0; "$adm" policy --key "$work/bupati.key" --region 3328 --version 2 --require dukcapil \
  --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q STALE_POLICY "$work/err" || fail "a stale policy: exit $rc: $(cat "$work/err")"
rc=0; "$adm" policy --key "$work/disnaker.key" --region 3328 --version 3 --require dukcapil \
  --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q NOT_PERMITTED "$work/err" || fail "Disnaker's policy: exit $rc: $(cat "$work/err")"

# A wrong PIN; an unreachable node (exit 3).
rc=0; JARING_PIN=000000 "$adm" view --key "$work/dpmd.key" --reg "$(sed -n 2p "$work/regids.txt")" \
  --node "$base" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "wrong PIN" "$work/err" || fail "a wrong PIN: $rc $(cat "$work/err")"
rc=0; "$adm" submit --node "http://127.0.0.1:1" "$work/approve.jr" 2>"$work/err" || rc=$?
[ "$rc" = 3 ] || fail "an unreachable node: exit $rc, not 3: $(cat "$work/err")"

stop_node "$bin"
[ "$fails" = 0 ] && echo "admin node: ok"
[ "$fails" = 0 ]
