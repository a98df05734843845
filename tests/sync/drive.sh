#!/bin/sh
# Export to real drives (docs/sync.md): a round trip, a drive pulled
# mid-export (SIGKILL at random points, JR_SYNC_KILL_ROUNDS rounds, 20 by
# default; 100 for the issue's figure), a full drive, a read-only drive, and
# a search of a FAT32 image's every byte for the synthetic NIKs, names and
# phones. Drives are vfat loop mounts where the kernel allows; otherwise
# small tmpfs mounts (real ENOSPC and EROFS) and the files are then copied
# onto a vfat image with mtools for the FAT and privacy checks.
#   drive.sh JARING-SYNC SYNC-FIXTURE
set -u
sync=$1 fixture=$2
rounds=${JR_SYNC_KILL_ROUNDS:-20}
drive_tag=drive
# shellcheck source=drive_lib.sh
. "$(dirname "$0")/drive_lib.sh"

kiosk=$tmp/kiosk
mkdir -p "$kiosk"
"$fixture" "$kiosk" 200 || { echo "FAIL: fixture"; exit 1; }
shard_sum() { cat "$kiosk/shard.db" "$kiosk/shard.db-wal" 2>/dev/null | cksum; }
export_to() { # DRIVE [options...]
	d=$1
	shift
	"$sync" export --drive "$d" --shard "$kiosk/shard.db" --key "$kiosk/kiosk.key" \
		--consortium "$kiosk/consortium.pub" "$@"
}
# check_drive DRIVE LABEL: every height 1..200 exactly once, read back whole.
check_drive() {
	out=$("$sync" verify --drive "$1" --key "$kiosk/consortium.key" --json 2>"$tmp/verify.err")
	rc=$?
	echo "$out" | grep -q '"bundles":[1-9][0-9]*,"rejected":0,"blocks":200,"first":1,"last":200,"duplicates":0' ||
		fail "$2: the drive does not hold every height once: $out $(cat "$tmp/verify.err")"
	[ "$rc" -eq 0 ] || fail "$2: verify exits $rc"
	[ -z "$(find "$1" -name '*.TMP')" ] || fail "$2: .TMP files left"
}

new_drive rt 40960 || skip "this machine allows neither vfat loop mounts nor tmpfs mounts"
before=$(shard_sum)
export_to "$tmp/rt" --blocks-per-bundle 16 >"$tmp/rt.out" || fail "round trip: export failed"
grep -q "200 blocks on the drive above it, 200 written now in 13 bundles" "$tmp/rt.out" ||
	fail "round trip: counts $(cat "$tmp/rt.out")"
check_drive "$tmp/rt" "round trip"
"$sync" inspect --drive "$tmp/rt" --json | grep -q '"index":"ok"' || fail "inspect: index not ok"
export_to "$tmp/rt" --json | grep -q '"on_drive":200,"written":0' || fail "second export wrote again"
[ "$(shard_sum)" = "$before" ] || fail "export changed the shard"
echo "ok round trip: export, inspect, verify, re-export writes nothing"

# Leftovers and damaged bundles of this kiosk are cleaned up and replaced.
kd=$(ls "$tmp/rt/JARING/UP")
echo junk >"$tmp/rt/JARING/UP/$kd/00000099.TMP"
head -c 700 "$tmp/rt/JARING/UP/$kd/00000011.JRB" >"$tmp/cut" && cp "$tmp/cut" "$tmp/rt/JARING/UP/$kd/00000011.JRB"
export_to "$tmp/rt" --blocks-per-bundle 16 --json | grep -q '"written":16,"bundles":1,"removed":2' ||
	fail "a leftover and a cut bundle were not replaced"
check_drive "$tmp/rt" "after cleanup"
echo "ok leftovers removed, a cut bundle rewritten"

# A drive pulled mid-export: SIGKILL at random points, then resume.
new_drive kill 40960 || fail "no drive for the kill rounds"
f0=$fails
i=0
while [ "$i" -lt "$rounds" ]; do
	rm -rf "$tmp/kill/JARING"
	# The exporter itself in the background (not a subshell), so the
	# SIGKILL reaches it.
	"$sync" export --drive "$tmp/kill" --shard "$kiosk/shard.db" --key "$kiosk/kiosk.key" \
		--consortium "$kiosk/consortium.pub" --blocks-per-bundle 4 >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$(od -An -N1 -tu1 /dev/urandom | tr -d ' ' | cut -c1)$i" 2>/dev/null || sleep 0.01
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	export_to "$tmp/kill" --blocks-per-bundle 4 >/dev/null || fail "round $i: resume failed"
	check_drive "$tmp/kill" "kill round $i"
	i=$((i + 1))
done
[ "$(shard_sum)" = "$before" ] || fail "the kill rounds changed the shard"
[ "$fails" -eq "$f0" ] && echo "ok $rounds exports killed at random points, each resumed with nothing lost or doubled"

# A full drive: clear message, no partial bundle, shard untouched.
new_drive full 96 || fail "no tiny drive"
export_to "$tmp/full" --blocks-per-bundle 16 >/dev/null 2>"$tmp/full.err"
rc=$?
[ "$rc" -eq 1 ] || fail "full drive: export exits $rc, not 1"
grep -q "is full" "$tmp/full.err" || fail "full drive: message $(cat "$tmp/full.err")"
[ -z "$(find "$tmp/full" -name '*.TMP')" ] || fail "full drive: a .TMP remains"
"$sync" verify --drive "$tmp/full" --key "$kiosk/consortium.key" >/dev/null ||
	fail "full drive: a bundle that remains does not verify"
[ "$(shard_sum)" = "$before" ] || fail "full drive: shard changed"
echo "ok a full drive: $(cut -c1-60 "$tmp/full.err")..."

# A read-only drive.
new_drive ro 4096 || fail "no drive for read-only"
mount -o remount,ro "$tmp/ro" || fail "cannot remount read-only"
export_to "$tmp/ro" >/dev/null 2>"$tmp/ro.err"
rc=$?
[ "$rc" -eq 1 ] || fail "read-only drive: export exits $rc, not 1"
grep -q "read-only" "$tmp/ro.err" || fail "read-only drive: message $(cat "$tmp/ro.err")"
[ "$(shard_sum)" = "$before" ] || fail "read-only drive: shard changed"
echo "ok a read-only drive: $(cut -c1-60 "$tmp/ro.err")..."

# Privacy: every byte of a FAT32 image holding the bundles.
img=$tmp/rt.img
if [ "$mode" = tmpfs ]; then
	dd if=/dev/zero of="$img" bs=1M count=40 2>/dev/null && mkfs.vfat -F 32 "$img" >/dev/null 2>&1
	MTOOLS_SKIP_CHECK=1 mcopy -s -i "$img" "$tmp/rt/JARING" ::/ || fail "mcopy onto the image"
	MTOOLS_SKIP_CHECK=1 mdir -/ -i "$img" ::/JARING >"$tmp/mdir.out" || fail "mdir"
	grep -q "JRB" "$tmp/mdir.out" || fail "the image holds no bundle"
	mkdir -p "$tmp/back" && MTOOLS_SKIP_CHECK=1 mcopy -s -i "$img" ::/JARING "$tmp/back/" &&
		check_drive "$tmp/back" "copied through FAT32 and back"
else
	umount "$tmp/rt" && mounts=$(echo "$mounts" | sed "s|$tmp/rt ||")
fi
n=$(grep -c . "$kiosk/people.txt")
found=$(grep -a -c -F -f "$kiosk/people.txt" "$img")
[ "$found" -eq 0 ] || fail "privacy: the drive image holds a synthetic NIK, name or phone"
grep -a -q -F "JARING" "$img" || fail "privacy check is blind: the image does not hold JARING"
echo "ok privacy: none of $n synthetic NIKs, names and phones in the image's bytes"

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
