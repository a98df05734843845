#!/bin/sh
# The whole field cycle on real drives (docs/sync.md): a kiosk's visit puts
# its blocks on the drive, the stand-in centre (jaring-sync import) applies
# them and writes the answers, the next visit brings the statuses back and
# says "Sync complete" only when the counts add up. Then what can go wrong:
# bundles arriving out of order, the same drive imported twice, an old answer
# replayed, a damaged or misplaced answer, an unknown kiosk and a roster of
# another consortium, a nearly-full and a read-only drive for the answers,
# and a search of a FAT32 image's every byte (answers included) for the
# synthetic NIKs, names and phones. Drives are vfat loop mounts where the
# kernel allows, small tmpfs mounts otherwise (real ENOSPC and EROFS) with
# the FAT checks through mtools on an image.
#   downstream.sh JARING-SYNC SYNC-FIXTURE
set -u
sync=$1 fixture=$2
drive_tag=down
# shellcheck source=drive_lib.sh
. "$(dirname "$0")/drive_lib.sh"

k=$tmp/kiosk c=$tmp/centre
mkdir -p "$k" "$c"
"$fixture" "$k" 120 || { echo "FAIL: fixture"; exit 1; }
visit() { # DRIVE TIME [options...]
	d=$1 t=$2
	shift 2
	"$sync" visit --drive "$d" --shard "$k/shard.db" --counter "$k/shard.counter" \
		--key "$k/kiosk.key" --consortium "$k/consortium.pub" --store "$k/down.db" \
		--officer "$k/officer.key" --time "$t" "$@"
}
import() { # DRIVE [options...]
	d=$1
	shift
	"$sync" import --drive "$d" --centre "$c/state.db" --key "$k/consortium.key" \
		--roster "$k/roster.jrr" --time 1790003600 "$@"
}
# What the kiosk holds, as status reads it (height, ack, visits, answer,
# statuses): the bytes of its files change when SQLite checkpoints.
store_sum() { "$sync" status --drive "$tmp" --shard "$k/shard.db" --store "$k/down.db" --json |
	sed 's/.*"kiosk"://'; }

# ---- the cycle ----
new_drive d 40960 || skip "this machine allows neither vfat loop mounts nor tmpfs mounts"
out=$(visit "$tmp/d" 1790000000 --blocks-per-bundle 16 --json)
[ $? -eq 1 ] || fail "first visit: not 'not complete' ($out)"
echo "$out" | grep -q '"height":120,"acked_before":0,"out":120,"written":120' ||
	fail "first visit counts: $out"
"$sync" status --drive "$tmp/d" >"$tmp/st1" && fail "status says reconciled before the centre"
grep -q "no answer from the centre reached the kiosk yet" "$tmp/st1" || fail "status 1: $(cat "$tmp/st1")"
out=$(import "$tmp/d" --json) || fail "import: $out"
echo "$out" | grep -q '"bundles":8,"refused":0,"blocks":120,"applied":120' || fail "import counts: $out"
echo "$out" | grep -q '"answers":1,"statuses":120' || fail "import answers: $out"
"$sync" status --drive "$tmp/d" | grep -q "answer [0-9]* (acknowledged 120) waits" ||
	fail "status after import does not show the waiting answer"
out=$(visit "$tmp/d" 1790007200 --json) || fail "second visit not complete: $out"
echo "$out" | grep -q '"acked":120,.*"applied":true,"statuses":120,"registrations":120' ||
	fail "second visit counts: $out"
echo "$out" | grep -q '"complete":true' || fail "second visit: $out"
st=$("$sync" status --drive "$tmp/d" --shard "$k/shard.db" --store "$k/down.db" --json) ||
	fail "status after the cycle: $st"
echo "$st" | grep -q '"reconciled":true' || fail "status not reconciled: $st"
echo "$st" | grep -q '"kiosk":{"height":120,"acked":120,"stale":false,"visits":2,.*"statuses":120,"held":120,"complete":true' ||
	fail "kiosk side: $st"
echo "ok the cycle: 120 blocks out, imported, 120 statuses back, Sync complete on both sides"

# ---- the same drive imported twice; an old answer replayed ----
cp -r "$tmp/d/JARING/DOWN" "$tmp/old-down"
out=$(import "$tmp/d" --json) || fail "second import: $out"
echo "$out" | grep -q '"applied":0,"known":120,' || fail "a second import changed something: $out"
before=$(store_sum)
rm -rf "$tmp/d/JARING/DOWN" && cp -r "$tmp/old-down" "$tmp/d/JARING/DOWN"
out=$(visit "$tmp/d" 1790010800 --json)
echo "$out" | grep -q '"applied":false' || fail "a replayed answer was applied again: $out"
echo "$out" | grep -q '"complete":true' || fail "a replayed answer spoils completeness: $out"
out=$(import "$tmp/d" --json) || fail "third import: $out"
echo "$out" | grep -q '"bundles":0,' || fail "acknowledged bundles stay on the drive: $out"
echo "ok a drive imported twice changes nothing; an answer replayed changes nothing; acknowledged bundles leave the drive"

# ---- out of order: later bundles first, the gap waits ----
k2=$tmp/kiosk2 c2=$tmp/centre2
mkdir -p "$k2" "$c2"
"$fixture" "$k2" 64 500 >/dev/null || fail "fixture 2"
new_drive o 8192 || fail "no drive for the order test"
"$sync" export --drive "$tmp/o" --shard "$k2/shard.db" --key "$k2/kiosk.key" \
	--consortium "$k2/consortium.pub" --blocks-per-bundle 16 >/dev/null || fail "export 2"
kd=$(ls "$tmp/o/JARING/UP")
mkdir -p "$tmp/first"
mv "$tmp/o/JARING/UP/$kd/00000001.JRB" "$tmp/o/JARING/UP/$kd/00000011.JRB" "$tmp/first/"
imp2() { "$sync" import --drive "$tmp/o" --centre "$c2/state.db" --key "$k2/consortium.key" \
	--roster "$k2/roster.jrr" --time 1790003600 --json; }
out=$(imp2) || fail "import of the later bundles: $out"
echo "$out" | grep -q '"applied":0,"known":0,"pending":32' || fail "later bundles do not wait: $out"
mv "$tmp/first/"* "$tmp/o/JARING/UP/$kd/"
out=$(imp2) || fail "import of all: $out"
echo "$out" | grep -q '"applied":64,' || fail "the gap did not fill: $out"
echo "$out" | grep -q '"statuses":64' || fail "answer after the gap: $out"
echo "ok bundles out of order: 32 blocks wait, then all 64 apply once the gap fills"

# ---- refusals: an answer damaged, for another kiosk, an unknown kiosk ----
ans=$(ls "$tmp/o/JARING/DOWN/$kd/")
kd1=$(ls "$tmp/d/JARING/UP")
cp "$tmp/o/JARING/DOWN/$kd/$ans" "$tmp/d/JARING/DOWN/$kd1/FFFFFFF0.JRB"
out=$(visit "$tmp/d" 1790014400 --json)
echo "$out" | grep -q '"applied":false' || fail "another kiosk's answer was applied: $out"
"$sync" status --drive "$tmp/d" --json | grep -q "FFFFFFF0" && fail "status lists a foreign answer as this kiosk's"
rm -f "$tmp/d/JARING/DOWN/$kd1/FFFFFFF0.JRB"
import "$tmp/d" >/dev/null || fail "import for the damage test"
ans=$(ls "$tmp/d/JARING/DOWN/$kd1/")
head -c 900 "$tmp/d/JARING/DOWN/$kd1/$ans" >"$tmp/cut" && cp "$tmp/cut" "$tmp/d/JARING/DOWN/$kd1/$ans"
dsum() { store_sum | sed 's/"visits":[0-9]*,//; s/"complete":[a-z]*//'; }
before=$(dsum)
out=$(visit "$tmp/d" 1790018000 --json)
echo "$out" | grep -q '"applied":false' || fail "a cut answer was applied: $out"
[ "$(dsum)" = "$before" ] || fail "a cut answer changed the store: $before / $(dsum)"
# A kiosk the roster does not name: its bundles are refused, exit 1.
cp -r "$tmp/o/JARING/UP/$kd" "$tmp/d/JARING/UP/"
out=$(import "$tmp/d" --json 2>"$tmp/imp.err")
[ $? -eq 1 ] || fail "an unknown kiosk's bundles did not fail the import"
echo "$out" | grep -q '"refused":4' || fail "unknown kiosk: $out"
grep -q "not on the roster\|no member" "$tmp/imp.err" || grep -q "refused" "$tmp/imp.err" ||
	fail "unknown kiosk message: $(cat "$tmp/imp.err")"
rm -rf "$tmp/d/JARING/UP/$kd"
# A roster signed by another consortium key.
out=$("$sync" import --drive "$tmp/d" --centre "$c/state.db" --key "$k/consortium.key" \
	--roster "$k2/roster.jrr" 2>&1)
[ $? -eq 1 ] || fail "a foreign roster was taken: $out"
echo "ok refused: another kiosk's answer, a cut answer, an unknown kiosk, a foreign roster"

# ---- a nearly-full and a read-only drive for the answers ----
new_drive full 100 || fail "no tiny drive"
mkdir -p "$tmp/full/JARING/UP"
cp -r "$tmp/d/JARING/UP/$kd1" "$tmp/full/JARING/UP/" 2>/dev/null
dd if=/dev/zero of="$tmp/full/FILLER" bs=1k count=200 2>/dev/null
out=$(import "$tmp/full" 2>&1)
[ $? -eq 1 ] || fail "full drive: import exits 0: $out"
echo "$out" | grep -q "is full" || fail "full drive message: $out"
[ -z "$(find "$tmp/full" -name '*.TMP')" ] || fail "full drive: a .TMP remains"
new_drive ro 4096 || fail "no drive for read-only"
cp -r "$tmp/d/JARING" "$tmp/ro/" && mount -o remount,ro "$tmp/ro" || fail "cannot remount read-only"
out=$(import "$tmp/ro" 2>&1)
[ $? -eq 1 ] || fail "read-only drive: import exits 0"
echo "$out" | grep -q "read-only" || fail "read-only drive message: $out"
before=$(store_sum)
visit "$tmp/ro" 1790021600 >/dev/null 2>"$tmp/ro.err"
[ $? -eq 1 ] || fail "read-only drive: visit exits 0"
grep -q "read-only" "$tmp/ro.err" || fail "read-only visit message: $(cat "$tmp/ro.err")"
[ "$(store_sum)" = "$before" ] || fail "a read-only drive changed the kiosk: $before / $(store_sum)"
echo "ok a full and a read-only drive: clear messages, nothing half-written, the kiosk untouched"

# ---- privacy: every byte of a FAT32 image holding bundles and answers ----
img=$tmp/d.img
if [ "$mode" = tmpfs ]; then
	img=$tmp/priv.img
	dd if=/dev/zero of="$img" bs=1M count=40 2>/dev/null && mkfs.vfat -F 32 "$img" >/dev/null 2>&1
	MTOOLS_SKIP_CHECK=1 mcopy -s -i "$img" "$tmp/d/JARING" ::/ || fail "mcopy onto the image"
else
	umount "$tmp/d" && mounts=$(echo "$mounts" | sed "s|$tmp/d ||")
fi
MTOOLS_SKIP_CHECK=1 mdir -/ -i "$img" ::/JARING/DOWN >"$tmp/mdir.out" 2>&1 || fail "mdir: $(cat "$tmp/mdir.out")"
grep -q "JRB" "$tmp/mdir.out" || fail "the image holds no answer"
cat "$k/people.txt" "$k2/people.txt" >"$tmp/people.txt"
n=$(grep -c . "$tmp/people.txt")
found=$(grep -a -c -F -f "$tmp/people.txt" "$img")
[ "$found" -eq 0 ] || fail "privacy: the drive image holds a synthetic NIK, name or phone"
grep -a -q -F "JRBUNDLE" "$img" || fail "privacy check is blind: no bundle in the image"
echo "ok privacy: none of $n synthetic NIKs, names and phones in the image's bytes, answers included"

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
