#!/bin/sh
# An officer's FAT32 drive at a real jaring-node (docs/sync.md "At the
# centre"): two kiosks' visits put their bundles on the drive, `jaring-sync
# import --node` uploads them to a one-node cluster and writes each kiosk's
# answer back onto the drive, and each kiosk's next visit applies it: the
# statuses it holds are one per registration, as the node acknowledged, and
# "Sync complete". Then: the same drive imported twice, a kiosk the node's
# roster does not name, the node down, a read-only drive.
#
# The drive is a real vfat image (mkfs.vfat -F 32). Where the kernel mounts
# it (loop), every side works on the mount; where it refuses (containers),
# each side works on a folder that is copied from the image when the drive
# is plugged in and back onto it when it is pulled out (mtools), so every
# byte a side reads came off the FAT32 image and every name passed mtools.
#   node_import.sh JARING-SYNC SYNC-FIXTURE NODE-SERVER
set -u
# shellcheck source=../../node/tests/one_node.sh
. "$(dirname "$0")/../../node/tests/one_node.sh"
sync=$1 fixture=$2 server=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-nodeimp.XXXXXX")
pids="" mounts="" fails=0
export MTOOLS_SKIP_CHECK=1

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
skip() { echo "SKIP: $*"; exit 77; }
# jget JSON KEY: a top-level number or word (the per-kiosk array cut off).
jget() { printf '%s\n' "$1" | sed 's/,"kiosks":.*//' |
	sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p" | head -n 1; }
for t in mkfs.vfat mcopy mdir; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed (dosfstools, mtools)"
done

# ---- the drive: a FAT32 image ----
img=$tmp/drive.img d=$tmp/drive
dd if=/dev/zero of="$img" bs=1M count=34 2>/dev/null
mkfs.vfat -F 32 -n JARING "$img" >/dev/null 2>&1 || skip "mkfs.vfat cannot make a FAT32 image"
mkdir -p "$d"
if [ "$(id -u)" -eq 0 ] && mount -o loop "$img" "$d" 2>/dev/null; then
	mounts=$d mode=mount
else
	mode=copy
	echo "note: no vfat loop mount here; each side copies the drive off the image and back (mtools)"
fi
plug_in() { # the drive inserted: $d shows what the image holds
	[ "$mode" = mount ] && return 0
	rm -rf "$d" && mkdir -p "$d"
	if mdir -i "$img" ::/JARING >/dev/null 2>&1; then
		mcopy -s -n -i "$img" ::/JARING "$d/" || fail "mcopy off the image"
	fi
}
plug_out() { # the drive pulled: the image holds what $d holds, nothing else
	[ "$mode" = mount ] && { sync; return 0; }
	mdir -i "$img" ::/JARING >/dev/null 2>&1 && { mdeltree -i "$img" ::/JARING >/dev/null || fail "mdeltree"; }
	[ -d "$d/JARING" ] && { mcopy -s -i "$img" "$d/JARING" ::/ || fail "mcopy onto the image"; }
	return 0
}

# ---- two kiosks of one programme, and a third no roster names ----
k1=$tmp/k1 k2=$tmp/k2 k3=$tmp/k3
mkdir -p "$k1" "$k2" "$k3"
"$fixture" "$k1" 40 >/dev/null || { echo "FAIL: fixture 1"; exit 1; }
cp "$k1/consortium.key" "$k1/officer.key" "$k1/kiosks.txt" "$k2/"
"$fixture" "$k2" 30 41 >/dev/null || { echo "FAIL: fixture 2"; exit 1; }
cp "$k1/consortium.key" "$k1/officer.key" "$k3/"
"$fixture" "$k3" 5 900 >/dev/null || { echo "FAIL: fixture 3"; exit 1; }
cat >"$tmp/members" <<EOF
kiosk:$k1/kiosk.key:diskominfo:0:upload
kiosk:$k2/kiosk.key:diskominfo:0:upload
officer:$k1/officer.key:dpmd:3328:sync
EOF

# ---- the node ----
start_node() {
	rm -f "$tmp/node.port"
	"$server" --state "$tmp/node" --consortium-key "$k1/consortium.key" --kiosk "$k1/kiosk.key" \
		--listen 127.0.0.1:0 --port-file "$tmp/node.port" --members "$tmp/members" \
		>>"$tmp/node.log" 2>&1 &
	npid=$!
	pids="$pids $npid"
	i=0
	while [ ! -s "$tmp/node.port" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$tmp/node.port" ] || { echo "FAIL: the node did not start: $(tail -5 "$tmp/node.log")"; exit 1; }
	url=http://127.0.0.1:$(cat "$tmp/node.port")
	one_node_wait "$url" || { echo "FAIL: the node has no leader: $(tail -5 "$tmp/node.log")"; exit 1; }
}
start_node

visit() { # KIOSK TIME
	"$sync" visit --drive "$d" --shard "$1/shard.db" --counter "$1/shard.counter" \
		--key "$1/kiosk.key" --consortium "$1/consortium.pub" --store "$1/down.db" \
		--officer "$1/officer.key" --time "$2" --blocks-per-bundle 16 --json
}
import() { "$sync" import --node "$url" --drive "$d" --consortium "$k1/consortium.pub" "$@"; }

# ---- the cycle: kiosks -> drive -> node -> drive -> kiosks ----
plug_in
out=$(visit "$k1" 1790000000) && fail "kiosk 1's first visit says complete: $out"
echo "$out" | grep -q '"height":40,"acked_before":0,"out":40,"written":40' || fail "kiosk 1 out: $out"
out=$(visit "$k2" 1790000100) && fail "kiosk 2's first visit says complete: $out"
echo "$out" | grep -q '"height":30,"acked_before":0,"out":30,"written":30' || fail "kiosk 2 out: $out"
plug_out
mdir -/ -i "$img" ::/JARING/UP >"$tmp/mdir.up" 2>&1 || fail "mdir UP: $(cat "$tmp/mdir.up")"
[ "$(grep -c ' JRB' "$tmp/mdir.up")" -ge 7 ] || fail "the image does not hold both kiosks' bundles: $(cat "$tmp/mdir.up")"

plug_in
out=$(import --json 2>"$tmp/imp.err") || fail "import --node: $out $(cat "$tmp/imp.err")"
[ "$(jget "$out" bundles)" = 5 ] && [ "$(jget "$out" blocks)" = 70 ] && [ "$(jget "$out" applied)" = 70 ] ||
	fail "import --node counts: $out"
[ "$(jget "$out" refused)" = 0 ] && [ "$(jget "$out" answers)" = 2 ] && [ "$(jget "$out" unanswered)" = 0 ] ||
	fail "import --node answers: $out"
echo "$out" | grep -q '"top":40,"answer":[0-9]*,"acked":40,"items":[0-9]*,"complete":true' || fail "kiosk 1 at the node: $out"
echo "$out" | grep -q '"top":30,"answer":[0-9]*,"acked":30,"items":[0-9]*,"complete":true' || fail "kiosk 2 at the node: $out"
[ -z "$(find "$d" -name '*.TMP')" ] || fail "import --node left a .TMP: $(find "$d" -name '*.TMP')"
plug_out
mdir -/ -i "$img" ::/JARING/DOWN >"$tmp/mdir.down" 2>&1 || fail "mdir DOWN: $(cat "$tmp/mdir.down")"
[ "$(grep -c ' JRB' "$tmp/mdir.down")" -eq 2 ] || fail "the image does not hold two answers: $(cat "$tmp/mdir.down")"
echo "ok drive -> node: 5 bundles, 70 blocks applied; two answers on the FAT32 image"

plug_in
out=$(visit "$k1" 1790007200) || fail "kiosk 1's second visit is not complete: $out"
echo "$out" | grep -q '"acked":40,.*"applied":true,"statuses":40,"registrations":40' || fail "kiosk 1 back: $out"
out=$(visit "$k2" 1790007300) || fail "kiosk 2's second visit is not complete: $out"
echo "$out" | grep -q '"acked":30,.*"applied":true,"statuses":30,"registrations":30' || fail "kiosk 2 back: $out"
for k in "$k1" "$k2"; do
	st=$("$sync" status --drive "$d" --shard "$k/shard.db" --store "$k/down.db" --json) ||
		fail "status of $(basename "$k"): $st"
	n=$([ "$k" = "$k1" ] && echo 40 || echo 30)
	echo "$st" | grep -q "\"kiosk\":{\"height\":$n,\"acked\":$n,\"stale\":false,.*\"statuses\":$n,\"held\":$n,\"complete\":true" ||
		fail "the kiosk's statuses do not match the node's ack: $st"
done
plug_out
cat "$k1/people.txt" "$k2/people.txt" >"$tmp/people.txt"
[ "$(grep -a -c -F -f "$tmp/people.txt" "$img")" -eq 0 ] ||
	fail "privacy: the drive image holds a synthetic NIK, name or phone"
grep -a -q -F "JRBUNDLE" "$img" || fail "privacy check is blind: no bundle in the image"
echo "ok node -> drive -> kiosks: 40 and 30 statuses applied, Sync complete on both; no NIK, name or phone in the image"

# ---- the same drive again: every bundle applied before (the kiosks' next
# export prunes them: the ack reached the kiosks after their export) ----
plug_in
out=$(import --json) || fail "second import: $out"
[ "$(jget "$out" applied)" = 0 ] && [ "$(jget "$out" answers)" = 2 ] || fail "second import changed something: $out"
[ "$(jget "$out" bundles)" = "$(jget "$out" before)" ] || fail "second import re-sent a bundle: $out"
echo "ok the drive imported again: nothing applied, nothing sent twice, the answers written again"

# ---- a kiosk the node's roster does not name ----
"$sync" export --drive "$d" --shard "$k3/shard.db" --key "$k3/kiosk.key" \
	--consortium "$k3/consortium.pub" >/dev/null || fail "kiosk 3's export"
out=$(import --json 2>"$tmp/imp3.err")
[ $? -eq 1 ] || fail "an unknown kiosk's bundle did not fail the import: $out"
[ "$(jget "$out" refused)" = 1 ] && [ "$(jget "$out" answers)" = 2 ] || fail "unknown kiosk counts: $out"
grep -q "refused" "$tmp/imp3.err" || fail "unknown kiosk message: $(cat "$tmp/imp3.err")"
echo "$out" | grep -q '"bundles":1,"refused":1,"top":5,"answer":0,"acked":0,"items":0,"complete":false' ||
	fail "kiosk 3 not reported: $out"
rm -rf "$d/JARING/UP/$(echo "$out" | sed -n 's/.*"folder":"\([0-9A-F]*\)","kiosk":"[0-9a-f]*","bundles":1,"refused":1.*/\1/p')"
echo "ok a kiosk the roster does not name: its bundle refused and named, exit 1, the others answered"

# ---- two clients asking for one kiosk's answer at once ----
# The log grew (kiosk 3's refusal), so neither finds a bundle built: both
# wait on a build in a worker, and both get the same bytes (the first
# build of a size wins; docs/http.md "Downstream").
kid=$(printf '%s\n' "$out" | sed -n 's/.*"kiosk":"\([0-9a-f]*\)","bundles":[0-9]*,"refused":0,"top":40,.*/\1/p')
if [ -z "$kid" ]; then
	fail "kiosk 1's id is not in the import's answer: $out"
else
	for i in 1 2 3; do
		curl -s -f -m 20 -D "$tmp/ds$i.h" -o "$tmp/ds$i.jrb" "$url/v1/kiosks/$kid/downstream" &
		eval "dpid$i=\$!"
	done
	ok=1
	for i in 1 2 3; do eval "wait \$dpid$i" || ok=0; done
	if [ "$ok" = 1 ]; then
		e1=$(tr -d '\r' <"$tmp/ds1.h" | sed -n 's/^[Ee][Tt]ag: //p')
		for i in 2 3; do
			cmp -s "$tmp/ds1.jrb" "$tmp/ds$i.jrb" || fail "two clients at once got different downstream bytes"
			[ "$(tr -d '\r' <"$tmp/ds$i.h" | sed -n 's/^[Ee][Tt]ag: //p')" = "$e1" ] ||
				fail "two clients at once got different ETags"
		done
		[ -n "$e1" ] && [ "$(stat -c %s "$tmp/ds1.jrb")" -gt 512 ] || fail "the downstream answer is empty"
		[ -z "$(find "$tmp" -path '*downstream/.*.tmp')" ] || fail "a build left its temporary file"
		echo "ok three clients asking at once for one kiosk's answer got the same bundle ($e1)"
	else
		# a third while two build is 503 busy with Retry-After: allowed
		grep -q '^HTTP/1.1 503' "$tmp/ds3.h" "$tmp/ds2.h" "$tmp/ds1.h" ||
			fail "a downstream GET at once with others failed: $(cat "$tmp"/ds*.h)"
		echo "ok three clients at once: one was told 503 busy (two builds run at most)"
	fi
fi

# ---- the node down; a read-only drive ----
kill "$npid" && wait "$npid" 2>/dev/null
out=$(import --retries 1 --max-time 3 2>"$tmp/down.err")
[ $? -eq 3 ] || fail "node down: not exit 3: $out $(cat "$tmp/down.err")"
grep -q "nothing was lost" "$tmp/down.err" || fail "node down message: $(cat "$tmp/down.err")"
start_node
if [ "$(id -u)" -eq 0 ] && mkdir -p "$tmp/ro" && mount -t tmpfs -o size=4m tmpfs "$tmp/ro" 2>/dev/null; then
	mounts="$tmp/ro $mounts"
	cp -r "$d/JARING" "$tmp/ro/" && rm -rf "$tmp/ro/JARING/DOWN" && mount -o remount,ro "$tmp/ro" ||
		fail "cannot make a read-only drive"
	out=$("$sync" import --node "$url" --drive "$tmp/ro" --consortium "$k1/consortium.pub" 2>&1)
	[ $? -eq 1 ] || fail "read-only drive: not exit 1: $out"
	echo "$out" | grep -q "read-only" || fail "read-only drive message: $out"
	echo "ok the node down: exit 3, nothing lost; a read-only drive: exit 1, said so"
else
	echo "ok the node down: exit 3, nothing lost (no tmpfs mount here for the read-only drive)"
fi

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "all node import checks passed"
