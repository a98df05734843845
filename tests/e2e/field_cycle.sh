#!/bin/sh
# The programme's whole field cycle under ctest (label e2e): the main job's
# driver (scripts/field-cycle.py) with 60 synthetic workers and the field's
# faults (--faults): a power cut mid-registration, a printer out of paper, a
# drive pulled mid-export, a forged bundle, a link that drops, a kiosk
# restored from an old backup, the leader killed mid-ingest. The driver
# asserts every step (each kiosk session's expect lines, each program's exit
# status and counts, the centre's registrations against the kiosks') and
# fails on the first that does not hold; at the end jaring-audit must accept
# the node's public export. This script then checks what it left in its
# output folder.
#   field_cycle.sh SOURCE_DIR BUILD_DIR
set -u
src=$1 build=$2
out=$build/e2e-cycle
fails=0
fail() { echo "FAIL e2e: $*"; fails=$((fails + 1)); }
skip() { echo "SKIP: $*"; exit 77; }
for t in python3 mkfs.vfat mcopy mdeltree; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed (scripts/deps.sh)"
done
[ -x "$build/kiosk/jaring-kiosk" ] || skip "the kiosk is not built (JR_KIOSK=OFF)"

python3 "$src/scripts/field-cycle.py" "$build" "$out" --workers 60 --faults || {
	echo "FAIL e2e: the field cycle stopped (its files are in $out)"
	exit 1
}
s=$out/summary.txt
[ -s "$s" ] || fail "no summary"
grep -q "registrations in the kiosks      62 " "$s" || fail "62 registrations in the kiosks: $(cat "$s")"
grep -q "registrations at the centre      62 " "$s" || fail "62 at the centre"
grep -q "receipts scanned at the kiosks   57 " "$s" || fail "57 receipts scanned"
grep -q "faults survived                  7" "$s" || fail "7 faults"
grep -q "nodes agreeing on the state hash 3 of 3 (1 distinct hash)" "$s" || fail "the nodes disagree"
grep -q "jaring-audit, the public export  accepted" "$s" || fail "jaring-audit did not accept the public export"
n=$(find "$out/receipts" -maxdepth 1 -name 'kiosk[1-5]-receipt-[0-9][0-9][0-9][0-9][0-9][0-9].png' | wc -l)
[ "$n" = 62 ] || fail "$n receipt PNGs, not 62"
if command -v zbarimg >/dev/null 2>&1; then
	zbarimg -q --raw "$out/receipts/kiosk1-receipt-000001.png" 2>/dev/null | grep -q . ||
		fail "the first receipt PNG does not scan"
fi
for f in decrees.csv payments.csv; do
	head -n 1 "$out/reports/$f" | tr -d '\r' | grep -q '^[a-z0-9_,]*$' || fail "$f has no header row"
done
[ "$(($(wc -l <"$out/reports/decrees.csv") - 1))" = 8 ] || fail "8 decrees"
for shot in kiosk1-day1-printer-out-of-paper.png kiosk3-restored-from-backup-restored-sync.png \
	kiosk2-day2-status-returned.png kiosk4-day1-nik-mistyped.png; do
	[ -s "$out/screens/$shot" ] || fail "no screenshot $shot"
done
# no worker's NIK in any node's log
nik=$(sed -n 2p "$out/workers.csv" | cut -d, -f4)
if grep -rq "$nik" "$out"/cluster/*.log; then fail "a NIK in a node's log"; fi
[ "$fails" = 0 ] && echo "e2e field cycle: ok"
[ "$fails" = 0 ]
