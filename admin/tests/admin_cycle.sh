#!/usr/bin/env bash
# The programme through jaring-admin commands alone, against a running
# one-node jaring-node, for both jurisdictions: 10,752 registrations in Kab.
# Tegal and 3,584 in Kota Tegal (synthetic) ingested; the review queue and
# show (personal data only behind an applied view act); approve --all-passing
# by each required agency; reference lists from CSV (bad rows refused with
# nothing imported; the wage-earner list re-judging two); every role
# violation refused; Table 1 reproduced by the Bupati of Kab. Tegal's four
# decrees (report sponsors equals assets/reference/table1-bantuan-iuran-2024.csv);
# the Wali Kota of Kota Tegal's decrees (one of the digest form, --all-approved); a month paid and reconciled against
# BPJS Ketenagakerjaan's confirmation (paid, missing, extra); the CSV reports
# checked cell by cell against the node's state file (read with Python's
# sqlite3), and the coverage chart rendered with rsvg-convert.
#   admin_cycle.sh ADMIN_BIN NODE_BIN FIXTURE_BIN ASSETS_DIR WORKDIR
set -euo pipefail
adm=$1 bin=$2 fix=$3 assets=$4 work=$5
rm -rf "$work" && mkdir -p "$work"
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true' EXIT
fails=0
fail() { echo "FAIL admin_cycle: $*"; fails=$((fails + 1)); }
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
t0=$(date +%s.%N)
lap() { printf 'admin_cycle: %-28s %6.1f s\n' "$1" "$(echo "$(date +%s.%N) - $t0" | bc)"; }
# kiosks 0..2 in Kab. Tegal, kiosk 3 in Kota Tegal: one bundle of 56 blocks x 64
# each; serials 0..10751 are Kab. Tegal's, 10752..14335 Kota Tegal's
"$fix" "$work" 4 1 56 64 1 >/dev/null
start_node "$bin" "$work"
st=$work/d/state.db
export JARING_PIN=135790
for a in disnaker dpmd dukcapil bpjstk bupati walikota funder funder2; do
  "$adm" keygen --role official --out "$work/$a.key" >/dev/null
done
rev="approve+return+comment+view"
"$adm" roster --consortium "$work/consortium.key" --serial 1 --out "$work/roster.jr" \
  --member "kiosk:$work/kiosk-0.pub:diskominfo:3328012001:upload" \
  --member "kiosk:$work/kiosk-1.pub:diskominfo:3328012001:upload" \
  --member "kiosk:$work/kiosk-2.pub:diskominfo:3328012001:upload" \
  --member "kiosk:$work/kiosk-3.pub:diskominfo:3376011001:upload" \
  --member "official:$work/disnaker.key.pub:disnaker:0:$rev" \
  --member "official:$work/dpmd.key.pub:dpmd:0:$rev" \
  --member "official:$work/dukcapil.key.pub:dukcapil:0:$rev+reflist+decree" \
  --member "official:$work/bpjstk.key.pub:bpjstk:0:$rev+reflist" \
  --member "official:$work/bupati.key.pub:bupati:3328:decree+allocate+pay+policy" \
  --member "official:$work/walikota.key.pub:bupati:3376:decree+allocate+pay+policy" \
  --member "official:$work/funder.key.pub:funder:0:allocate+pay+approve" \
  --member "official:$work/funder2.key.pub:funder:3376:allocate+pay" >/dev/null
"$adm" submit --node "$base" "$work/roster.jr" >/dev/null || fail "roster"
while read -r id len f _; do
  curl -s -o "$work/body" -X PUT --data-binary @"$f" -H "Upload-Offset: 0" \
    -H "Upload-Length: $len" "$base/v1/bundles/$id"
  grep -q '"state":"applied"' "$work/body" || fail "bundle $f: $(cat "$work/body")"
done <"$work/bundles.txt"
lap "roster and 14,336 ingested"

# ---- the review queue and show --------------------------------------------
now=1718604800 # 2024-06-17: the registrations (2024-06-10) are 7 days old
"$adm" queue --state "$st" --agency dukcapil --now $now --json >"$work/q.json" ||
  fail "queue: $(cat "$work/q.json")"
python3 - "$work/q.json" "$work/regids.txt" <<'PY' || fail "the queue's JSON"
import json, sys
q = json.load(open(sys.argv[1])); ids = open(sys.argv[2]).read().split()
assert q["agency"] == "dukcapil" and q["count"] == 14336 == len(q["items"]), q["count"]
assert [i["regid"] for i in q["items"]] == ids, "not oldest first (intake order)"
leaves = [i["leaf"] for i in q["items"]]
assert leaves == sorted(leaves)
i = q["items"][0]
assert i["rules"] == "passed" and i["passing"] and i["age_days"] == 7 and i["dtks"] == "not-required", i
assert i["approvals"] == "-" and i["required"] == "disnaker+dpmd+dukcapil+bpjstk", i
PY
"$adm" queue --state "$st" --agency dpmd --region 3376 --limit 3 >"$work/q.txt" 2>"$work/err" ||
  fail "queue --region: $(cat "$work/err")"
[ "$(wc -l <"$work/q.txt")" = 4 ] || fail "queue --limit 3: $(cat "$work/q.txt")"
grep -q "3 registrations wait for dpmd" "$work/err" || fail "queue count: $(cat "$work/err")"
rc=0; "$adm" queue --state "$st" --agency bupati 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && grep -q "reviews nothing" "$work/err" || fail "queue of the Bupati: $rc"
rc=0; "$adm" queue --state "$work/nothing.db" --agency dpmd 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "cannot read the node's state" "$work/err" || fail "a missing state: $rc"
r1=$(sed -n 1p "$work/regids.txt")
"$adm" show --state "$st" --reg "$r1" >"$work/show" || fail "show: $(cat "$work/show")"
grep -q "phase review" "$work/show" && ! grep -q "NIK" "$work/show" || fail "show: $(cat "$work/show")"
# personal data: Dukcapil (the team) sees it, the view act on the log first
"$adm" show --state "$st" --reg "$r1" --personal --key "$work/dukcapil.key" --node "$base" \
  --consortium "$work/consortium.key" --json >"$work/show.json" 2>"$work/err" ||
  fail "show --personal: $(cat "$work/err")"
python3 - "$work/show.json" <<'PY' || fail "show --personal's JSON: $(cat "$work/show.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["personal"]["nik"] == "3328014107900001" and s["personal"]["name"] == "Sintetis Pekerja", s
assert s["viewed_by"] == "dukcapil" and s["personal"]["village"] == "33.28.01.2001", s
PY
# a funder may not: its view act is refused and nothing personal is shown
rc=0; "$adm" show --state "$st" --reg "$r1" --personal --key "$work/funder.key" --node "$base" \
  --consortium "$work/consortium.key" >"$work/show" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "NOT_PERMITTED" "$work/err" && [ ! -s "$work/show" ] ||
  fail "a funder's view: exit $rc: $(cat "$work/show" "$work/err")"
"$adm" report backlog --state "$st" --now $now --out "$work/backlog0.csv" || fail "backlog"
lap "queue and show"

# ---- approvals --------------------------------------------------------------
# A funder's approval is refused (even with the approve permission).
rc=0; "$adm" approve --key "$work/funder.key" --reg "$r1" --node "$base" 2>"$work/err" >/dev/null || rc=$?
[ "$rc" = 1 ] && grep -q NOT_PERMITTED "$work/err" || fail "a funder's approval: $rc $(cat "$work/err")"
for a in disnaker dpmd dukcapil bpjstk; do
  "$adm" approve --key "$work/$a.key" --all-passing --state "$st" --node "$base" --batch 2048 \
    >"$work/out" 2>"$work/err" || fail "$a approves all passing: $(cat "$work/err")"
  grep -q "14336 registrations waiting for $a pass every rule" "$work/err" ||
    fail "$a: $(cat "$work/err")"
  [ "$(grep -c "approve: applied, 2048 registrations" "$work/out")" = 7 ] || fail "$a: 7 acts: $(cat "$work/out")"
done
"$adm" queue --state "$st" --agency bpjstk --json >"$work/q.json"
grep -q '"count":0}' "$work/q.json" || fail "bpjstk's queue after approving: $(tail -c 200 "$work/q.json")"
# nothing waits: --all-passing does nothing and says so
"$adm" approve --key "$work/dpmd.key" --all-passing --state "$st" --node "$base" --json \
  >"$work/out" 2>"$work/err" || fail "an empty --all-passing"
grep -q '"approved":0' "$work/out" || fail "an empty --all-passing: $(cat "$work/out")"
lap "4 agencies x 14,336 approved"

# ---- reference lists from CSV ------------------------------------------------
nik() { python3 -c "import sys
i=int(sys.argv[1]); p='3328' if i < 10752 else '3376'
print(f'{p}01{41+i%28:02d}0790{1+i//28%9999:04d}')" "$1"; }
kab() { echo "$1"; } # the k-th of Kab. Tegal is serial k
size0=$(curl -s "$base/v1/health" | python3 -c "import json,sys; print(json.load(sys.stdin)['tree_size'])")
printf 'nik,nama\n%s,Sintetis\n33280141079000x1,Sintetis\n' "$(nik 5)" >"$work/bad.csv"
rc=0; "$adm" reflist --kind wage-earners --csv "$work/bad.csv" --serial 1 --pseudonym-key \
  "$work/pseudonym.key" --key "$work/bpjstk.key" --node "$base" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "bad.csv row 3, column 'nik': not 16 digits" "$work/err" &&
  grep -q "nothing was imported" "$work/err" || fail "a bad NIK: exit $rc: $(cat "$work/err")"
printf 'nik\n%s\n%s\n%s\n' "$(nik 5)" "$(nik 6)" "$(nik 5)" >"$work/dup.csv"
rc=0; "$adm" reflist --kind wage-earners --csv "$work/dup.csv" --serial 1 --pseudonym-key \
  "$work/pseudonym.key" --key "$work/bpjstk.key" --node "$base" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "dup.csv row 4, column 'nik': the same NIK as row 2" "$work/err" ||
  fail "a repeated NIK: exit $rc: $(cat "$work/err")"
printf 'nik,nama\n"%s","Sintetis, ""Pekerja"""\n"unclosed\n' "$(nik 5)" >"$work/quote.csv"
rc=0; "$adm" reflist --kind dtks --csv "$work/quote.csv" --serial 1 --pseudonym-key \
  "$work/pseudonym.key" --key "$work/dukcapil.key" --node "$base" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "quote.csv row 3: a quoted field is not closed" "$work/err" ||
  fail "an unclosed quote: exit $rc: $(cat "$work/err")"
printf 'name\nx\n' >"$work/nocol.csv"
rc=0; "$adm" reflist --kind dtks --csv "$work/nocol.csv" --serial 1 --pseudonym-key \
  "$work/pseudonym.key" --check 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "no column 'nik'" "$work/err" || fail "no nik column: $rc $(cat "$work/err")"
size1=$(curl -s "$base/v1/health" | python3 -c "import json,sys; print(json.load(sys.stdin)['tree_size'])")
[ "$size0" = "$size1" ] || fail "a refused CSV reached the log: tree size $size0 -> $size1"
# Dukcapil may not sign BPJS Ketenagakerjaan's list
printf 'nik\n%s\n' "$(nik "$(kab 10750)")" >"$work/wage1.csv"
rc=0; "$adm" reflist --kind wage-earners --csv "$work/wage1.csv" --serial 1 --pseudonym-key \
  "$work/pseudonym.key" --key "$work/dukcapil.key" --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q NOT_PERMITTED "$work/err" || fail "Dukcapil's wage-earner list: $rc"
# BPJS Ketenagakerjaan's list names two workers of Kab. Tegal in review: re-judged
printf 'nik,kpj\n%s,11\n%s,12\n3301014107900001,13\n' "$(nik "$(kab 10750)")" \
  "$(nik "$(kab 10751)")" >"$work/wage.csv"
"$adm" reflist --kind wage-earners --csv "$work/wage.csv" --serial 1 --pseudonym-key \
  "$work/pseudonym.key" --key "$work/bpjstk.key" --node "$base" --json >"$work/out" 2>"$work/err" ||
  fail "the wage-earner list: $(cat "$work/err")"
grep -q '"rows":3,"parts":1,"applied":1' "$work/out" || fail "wage list: $(cat "$work/out")"
"$adm" show --state "$st" --reg "$(sed -n "$(( $(kab 10750) + 1 ))p" "$work/regids.txt")" \
  >"$work/show" || fail "show the re-judged"
grep -q "phase rejected" "$work/show" && grep -q "402:WAGE_EARNER" "$work/show" ||
  fail "a wage earner re-judged: $(cat "$work/show")"
printf 'nik\n%s\n%s\n' "$(nik 0)" "$(nik 1)" >"$work/dtks.csv"
"$adm" reflist --kind dtks --csv "$work/dtks.csv" --serial 1 --pseudonym-key "$work/pseudonym.key" \
  --key "$work/dukcapil.key" --node "$base" >/dev/null 2>"$work/err" || fail "DTKS: $(cat "$work/err")"
"$adm" show --state "$st" --reg "$(sed -n 1p "$work/regids.txt")" --json | grep -q '"dtks":"not-required"' ||
  fail "DTKS not required by the policy"
lap "reference lists"

# ---- Table 1: the Bupati of Kab. Tegal's decrees ------------------------------
sed -n '1,10752p' "$work/regids.txt" >"$work/kab.txt"
sed -n '10753,14336p' "$work/regids.txt" >"$work/kota.txt"
python3 - "$assets/reference/table1-bantuan-iuran-2024.csv" "$work" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["no"] != "total"]
types = {"Perusahaan": "csr", "Pemerintah": "apbd", "Desa": "village", "ASN Sertakan": "civil-servant"}
kab = open(sys.argv[2] + "/kab.txt").read().split()
at = 0
with open(sys.argv[2] + "/table1.txt", "w") as out:
    for r in rows:
        n = int(r["workers"])
        open(f"{sys.argv[2]}/t1-{r['no']}.txt", "w").write("\n".join(kab[at:at + n]) + "\n")
        at += n
        out.write(f"{r['no']} {types[r['sponsor_type']]} {r['months']} {r['contribution_rp']}\n")
PY
while read -r no type months rp; do
  "$adm" allocate --key "$work/funder.key" --id "T1-$no" --sponsor-type "$type" \
    --sponsor "Sponsor $no" --amount "$rp" --months "$months" --region 3328 --node "$base" \
    >/dev/null 2>"$work/err" || fail "allocation $no: $(cat "$work/err")"
done <"$work/table1.txt"
# role violations: Dukcapil cannot decree, the Wali Kota cannot decree in Kab. Tegal
rc=0; "$adm" decree --key "$work/dukcapil.key" --number 400/1/2024 --region 3328 --allocation T1-1 \
  --start 202407 --months 6 --regs-file "$work/t1-1.txt" --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q NOT_PERMITTED "$work/err" || fail "Dukcapil's decree: $rc $(cat "$work/err")"
rc=0; "$adm" decree --key "$work/walikota.key" --number 400/1/2024 --region 3328 --allocation T1-1 \
  --start 202407 --months 6 --regs-file "$work/t1-1.txt" --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q OUT_OF_REGION "$work/err" || fail "the Wali Kota in Kab. Tegal: $rc $(cat "$work/err")"
rc=0; "$adm" allocate --key "$work/disnaker.key" --id X --sponsor-type apbd --sponsor X --amount 1 \
  --months 1 --region 3328 --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q NOT_PERMITTED "$work/err" || fail "Disnaker's allocation: $rc"
while read -r no type months rp; do
  "$adm" decree --key "$work/bupati.key" --number "400.3/$no/2024" --region 3328 \
    --allocation "T1-$no" --start 202407 --months "$months" --regs-file "$work/t1-$no.txt" \
    --node "$base" >/dev/null 2>"$work/err" || fail "decree $no: $(cat "$work/err")"
done <"$work/table1.txt"
"$adm" report sponsors --state "$st" --out "$work/sponsors.csv" || fail "report sponsors"
tr -d '\r' <"$work/sponsors.csv" | diff - "$assets/reference/table1-bantuan-iuran-2024.csv" >"$work/diff" ||
  fail "Table 1 not reproduced: $(cat "$work/diff")"

# ---- Kota Tegal: the Wali Kota's decree ----------------------------------------
head -100 "$work/kota.txt" >"$work/kota100.txt"
head -101 "$work/kota.txt" >"$work/kota101.txt"
"$adm" allocate --key "$work/funder2.key" --id KOTA-APBD-2024 --sponsor-type apbd \
  --sponsor "APBD Kota Tegal" --amount 20160000 --months 12 --region 3376 --node "$base" \
  >/dev/null || fail "Kota allocation"
rc=0; "$adm" decree --key "$work/walikota.key" --number 100.3/7/2024 --region 3376 \
  --allocation KOTA-APBD-2024 --start 202407 --months 12 --regs-file "$work/kota101.txt" \
  --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q ALLOCATION_SHORT "$work/err" || fail "a decree beyond its allocation: $rc"
rc=0; "$adm" decree --key "$work/bupati.key" --number 100.3/7/2024 --region 3376 \
  --allocation KOTA-APBD-2024 --start 202407 --months 12 --regs-file "$work/kota100.txt" \
  --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q OUT_OF_REGION "$work/err" || fail "the Bupati in Kota Tegal: $rc $(cat "$work/err")"
"$adm" decree --key "$work/walikota.key" --number 100.3/7/2024 --region 3376 \
  --allocation KOTA-APBD-2024 --start 202407 --months 12 --regs-file "$work/kota100.txt" \
  --node "$base" >/dev/null 2>"$work/err" || fail "the Wali Kota's decree: $(cat "$work/err")"
lap "decrees: Table 1 and Kota Tegal"

# ---- the first month paid and reconciled ---------------------------------------
rc=0; "$adm" pay --key "$work/dpmd.key" --allocation T1-1 --month 202407 --amount 40320000 \
  --node "$base" >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q NOT_PERMITTED "$work/err" || fail "DPMD paying: $rc"
while read -r no type months rp; do
  n=$(wc -l <"$work/t1-$no.txt")
  "$adm" pay --key "$work/funder.key" --allocation "T1-$no" --month 202407 \
    --amount $((n * 16800)) --node "$base" >/dev/null 2>"$work/err" || fail "pay $no: $(cat "$work/err")"
done <"$work/table1.txt"
"$adm" pay --key "$work/walikota.key" --allocation KOTA-APBD-2024 --month 202407 \
  --amount 1680000 --node "$base" >/dev/null 2>"$work/err" || fail "pay Kota: $(cat "$work/err")"
# BPJS Ketenagakerjaan confirms every recipient but the first of Kab. Tegal,
# and one worker who is on no decree (the extra)
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
def nik(i):
    p = '3328' if i < 10752 else '3376'
    return f"{p}01{41 + i % 28:02d}0790{1 + i // 28 % 9999:04d}"
kab = list(range(0, 10752))
kota = list(range(10752, 14336))
with open(w + "/confirm.csv", "w") as f:
    f.write("nik,month,amount_rp\r\n")
    for i in kab[1:10648] + kota[:100] + [kab[10700]]:
        f.write(f"{nik(i)},202407,16800\r\n")
PY
printf 'nik,month,amount_rp\n%s,202408,16800\n' "$(nik 3)" >"$work/badmonth.csv"
rc=0; "$adm" reflist --kind payments --csv "$work/badmonth.csv" --month 202407 --pseudonym-key \
  "$work/pseudonym.key" --check 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "row 2, column 'month'" "$work/err" || fail "another month: $rc $(cat "$work/err")"
"$adm" reflist --kind payments --csv "$work/confirm.csv" --month 202407 --pseudonym-key \
  "$work/pseudonym.key" --key "$work/bpjstk.key" --node "$base" >/dev/null 2>"$work/err" ||
  fail "the confirmations: $(cat "$work/err")"
rc=0; "$adm" report reconciliation --state "$st" --month 202407 --json --out "$work/recon.csv" \
  2>"$work/recon.json" || rc=$?
[ "$rc" = 1 ] || fail "reconciliation with a missing and an extra payment: exit $rc"
grep -q '"promised":10748,"recorded_paid":10748,"paid":10747,"missing":1,"extra":1' "$work/recon.json" ||
  fail "reconciliation totals: $(cat "$work/recon.json")"
lap "paid and reconciled"

# ---- reports, cell by cell against the state ----------------------------------
printf 'code,informal_workers\n33.28.01,100000\n33.76.01,20000\n3328,400000\n3376,141148\n' \
  >"$work/workforce.csv"
"$adm" report coverage --state "$st" --workforce "$work/workforce.csv" --out "$work/coverage.csv" ||
  fail "report coverage"
"$adm" report recipients --state "$st" --consortium "$work/consortium.key" \
  --out "$work/recipients.csv" || fail "report recipients"
"$adm" report backlog --state "$st" --now $now --out "$work/backlog.csv" || fail "report backlog"
"$adm" chart coverage --state "$st" --workforce "$work/workforce.csv" --out "$work/coverage.svg" ||
  fail "chart coverage"
python3 - "$work" "$st" <<'PY' || fail "the reports against the state"
import csv, hashlib, sqlite3, sys
w, st = sys.argv[1], sys.argv[2]
db = sqlite3.connect(f"file:{st}?mode=ro", uri=True)
def rows(name):
    raw = open(f"{w}/{name}", "rb").read()
    assert raw.endswith(b"\r\n") and raw.decode("utf-8"), name
    return list(csv.DictReader(raw.decode("utf-8").splitlines()))
# coverage: recipients per district = distinct decreed registrations there
want = dict(db.execute("SELECT r.district, count(DISTINCT p.regid) FROM recipient p"
                       " JOIN registration r ON r.regid = p.regid GROUP BY r.district"))
cov = rows("coverage.csv")
assert len(cov) == 22 + 3, len(cov)
for r in cov[:22]:
    code = int(r["district_code"].replace(".", ""))
    assert int(r["recipients"]) == want.get(code, 0), (r, want)
m = {r["district_code"]: r for r in cov}
assert m["33.28.01"]["coverage_pct"] == "10.65" and m["33.76.01"]["coverage_pct"] == "0.50", m["33.28.01"]
kab, kota, tot = cov[22], cov[23], cov[24]
assert (kab["recipients"], kab["informal_workers"], kab["coverage_pct"], kab["paper_bpu_coverage_pct"]) == ("10648", "400000", "2.66", "9.90"), kab
assert (kota["recipients"], kota["coverage_pct"], kota["paper_bpu_coverage_pct"]) == ("100", "0.07", "13.44"), kota
assert (tot["recipients"], tot["informal_workers"]) == ("10748", "541148"), tot
# recipients by district, village and sponsor
want = {}
for d, t, s in db.execute("SELECT r.district, a.type, a.sponsor FROM recipient p JOIN registration r"
                          " ON r.regid = p.regid JOIN allocation a ON a.id = p.allocation"):
    want[(d, t, s)] = want.get((d, t, s), 0) + 1
names = {1: "Pemerintah", 2: "Perusahaan", 3: "Desa", 4: "ASN Sertakan"}
rec = rows("recipients.csv")
assert len(rec) == len(want), (rec, want)
for r in rec:
    d = int(r["district_code"].replace(".", ""))
    t = [k for k, v in names.items() if v == r["sponsor_type"]][0]
    assert int(r["recipients"]) == want[(d, t, r["sponsor"])], r
    assert r["village_code"] == ("33.28.01.2001" if d == 332801 else "33.76.01.1001"), r
    assert int(r["promised_rp"]) == int(r["recipients"]) * 16800 * (12 if t == 1 else 6), r
# reconciliation: the first Kab. recipient missing, one extra, the rest paid
key = bytes([0x5a]) * 32
def ps(nik):
    return hashlib.blake2b(b"jaring/pseudonym/v1\x00" + nik.encode(), digest_size=32, key=key).hexdigest()
conf = {ps(r["nik"]) for r in csv.DictReader(open(f"{w}/confirm.csv"))}
promised = {bytes(a).hex(): bytes(b).hex() for a, b in db.execute(
    "SELECT p.regid, r.pseudonym FROM recipient p JOIN registration r ON r.regid = p.regid")}
rc = rows("recon.csv")
assert len(rc) == len(promised) + 1
for r in rc:
    if r["status"] == "extra":
        assert r["regid"] == "" and r["pseudonym"] in conf and r["pseudonym"] not in promised.values(), r
        continue
    assert promised[r["regid"]] == r["pseudonym"], r
    assert r["status"] == ("paid" if r["pseudonym"] in conf else "missing"), r
    assert r["recorded_paid"] == "yes" and r["rate_rp"] == "16800", r
missing = [r["regid"] for r in rc if r["status"] == "missing"]
assert missing == [open(f"{w}/kab.txt").readline().strip()], missing
# backlog: before the approvals every registration waited for the four agencies
for name, n in (("backlog0.csv", 14336), ("backlog.csv", None)):
    b = {r["agency"]: r for r in rows(name)}
    for a, bit in (("disnaker", 1), ("dpmd", 2), ("dukcapil", 3), ("bpjstk", 4)):
        if n is None:
            n2 = db.execute("SELECT count(*) FROM registration WHERE phase = 1 AND held = 0"
                            " AND corrected_by IS NULL AND (approvals & ?) = 0", (1 << bit,)).fetchone()[0]
        else:
            n2 = n
        assert int(b[a]["days_0_7"]) == n2 and int(b[a]["total"]) == n2, (name, b[a], n2)
    assert b["diskominfo"]["total"] == "0"
PY
xmllint --noout "$work/coverage.svg" 2>"$work/err" || fail "the chart is not well-formed XML: $(cat "$work/err")"
grep -q "Margasari" "$work/coverage.svg" && grep -q "10.65 %" "$work/coverage.svg" ||
  fail "the chart's labels"
if command -v rsvg-convert >/dev/null; then
  rsvg-convert -o "$work/coverage.png" "$work/coverage.svg" || fail "rsvg-convert"
  python3 -c "import sys; d=open(sys.argv[1],'rb').read(24); assert d[:8]==b'\x89PNG\r\n\x1a\n' and int.from_bytes(d[16:20],'big')>600" \
    "$work/coverage.png" || fail "the chart's PNG"
fi
for c in queue show reflist report chart approve; do
  "$adm" $c --help >/dev/null || fail "$c --help"
done
rc=0; "$adm" report frobnicate --state "$st" 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown report 'frobnicate'" "$work/err" || fail "an unknown report: $rc"
rc=0; "$adm" queue --state "$st" --agency dpmd --bogus 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown option '--bogus'" "$work/err" || fail "an unknown option: $rc"
lap "reports"
# The Wali Kota decrees everyone else approved in Kota Tegal from 2025 (the
# digest form, computed from the state), paid by a second allocation.
"$adm" allocate --key "$work/funder2.key" --id KOTA-2025 --sponsor-type village \
  --sponsor "Dana Desa Kota Tegal" --amount $((3484 * 6 * 16800)) --months 6 --region 3376 \
  --node "$base" >/dev/null || fail "the 2025 allocation"
"$adm" decree --key "$work/walikota.key" --number 100.3/1/2025 --region 3376 --allocation KOTA-2025 \
  --start 202501 --months 6 --all-approved --state "$st" --node "$base" --json >"$work/out" \
  2>"$work/err" || fail "decree --all-approved: $(cat "$work/err")"
grep -q "3484 registrations may be decreed" "$work/err" && grep -q '"status":"APPLIED"' "$work/out" ||
  fail "decree --all-approved: $(cat "$work/err" "$work/out")"

stop_node "$bin"
[ "$fails" = 0 ] && echo "admin cycle: ok"
[ "$fails" = 0 ]
