#!/bin/sh
# A consortium key rotation through a real node and two kiosks
# (docs/keys.md "How it is rotated"): the node holds the genesis key K1 and,
# from its config, the new key K2 (consortium_key_added). Roster 2, signed by
# K1, names K2; a kiosk whose records are sealed to K2 uploads a bundle
# encrypted to K2 and every record opens; roster 3 must be signed by K2 (one
# signed by K1 is refused); and both kiosks, which pinned K1, take every
# answer the node signs with the key the latest roster names: Sync complete.
# The drive is a folder here (tests/sync/node_import.sh runs the same commands
# on a FAT32 image).
#   rotation.sh JARING-SYNC SYNC-FIXTURE NODE-SERVER JARING-ADMIN JARING-NODE
set -u
# shellcheck source=../../node/tests/one_node.sh
. "$(dirname "$0")/../../node/tests/one_node.sh"
sync=$1 fixture=$2 server=$3 admin=$4 nodebin=$5
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-rotation.XXXXXX")
pid="" fails=0
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
jget() { printf '%s\n' "$1" | sed 's/,"kiosks":.*//' |
	sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p" | head -n 1; }

# ---- kiosk A sealing to K1, kiosk B sealing to K2, one officer ----
ka=$tmp/ka kb=$tmp/kb d=$tmp/drive
mkdir -p "$ka" "$kb" "$d"
"$fixture" "$ka" 12 >/dev/null || { echo "FAIL: fixture A"; exit 1; }
"$nodebin" keygen --kind consortium --out "$kb/consortium.key" >/dev/null ||
	{ echo "FAIL: keygen K2"; exit 1; }
cp "$ka/officer.key" "$ka/kiosks.txt" "$kb/"
"$fixture" "$kb" 12 100 >/dev/null || { echo "FAIL: fixture B"; exit 1; }
cmp -s "$ka/consortium.pub" "$kb/consortium.pub" && { echo "FAIL: B seals to K1"; exit 1; }
k1=$ka/consortium.key k1pub=$ka/consortium.pub k2=$kb/consortium.key k2pub=$kb/consortium.pub
cat >"$tmp/members" <<MEMBERS
kiosk:$ka/kiosk.key:diskominfo:0:upload
kiosk:$kb/kiosk.key:diskominfo:0:upload
officer:$ka/officer.key:dpmd:3328:sync
MEMBERS

# ---- the node, holding K1 and K2; roster 1 signed by K1 ----
rm -f "$tmp/node.port"
"$server" --state "$tmp/node" --consortium-key "$k1" --consortium-added "$k2" \
	--kiosk "$ka/kiosk.key" --members "$tmp/members" --listen 127.0.0.1:0 \
	--port-file "$tmp/node.port" >>"$tmp/node.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/node.port" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$tmp/node.port" ] || { echo "FAIL: the node did not start: $(tail -5 "$tmp/node.log")"; exit 1; }
url=http://127.0.0.1:$(cat "$tmp/node.port")
one_node_wait "$url" || { echo "FAIL: no leader: $(tail -5 "$tmp/node.log")"; exit 1; }
grep -q "consortium_key_added = $k2" "$tmp/node/n.conf" || fail "the node's config lacks K2"

visit() { # KIOSK TIME: the kiosk pinned K1 and never re-pins it on the command line
	"$sync" visit --drive "$d" --shard "$1/shard.db" --counter "$1/shard.counter" \
		--key "$1/kiosk.key" --consortium "$k1pub" --store "$1/down.db" \
		--officer "$ka/officer.key" --time "$2" --json 2>>"$tmp/visit.err"
}
import() { "$sync" import --node "$url" --drive "$d" --consortium "$k1pub" --json 2>>"$tmp/imp.err"; }
roster() { # SERIAL SIGNER [NEXT]: a roster of the same members
	"$admin" roster --consortium "$2" --serial "$1" ${3:+--next-consortium "$3"} \
		--members "$tmp/members" --out "$tmp/roster$1.entry" >/dev/null &&
		"$admin" submit --node "$url" "$tmp/roster$1.entry"
}
outcomes() { sqlite3 "$tmp/node/d/state.db" \
	"SELECT outcome, count(*) FROM registration GROUP BY outcome ORDER BY outcome" | tr '\n' ' '; }

# ---- before the rotation: A's 12 registrations, answered ----
visit "$ka" 1790000000 >/dev/null
out=$(import) || fail "import before the rotation: $out $(cat "$tmp/imp.err")"
[ "$(jget "$out" applied)" = 12 ] || fail "A's blocks: $out"
out=$(visit "$ka" 1790000600) || fail "A's visit before the rotation: $out"
echo "$out" | grep -q '"statuses":12' || fail "A's statuses: $out"
echo "ok before the rotation: kiosk A's 12 registrations applied and answered under K1"

# ---- roster 2, signed by K1, names K2 ----
out=$(roster 2 "$k1" "$k2pub" 2>&1) || fail "roster 2 (K1 naming K2): $out"
out=$(import) || fail "import after roster 2: $out $(cat "$tmp/imp.err")"
[ "$(jget "$out" answers)" = 1 ] || fail "no answer for A after roster 2: $out $(cat "$tmp/imp.err")"
out=$(visit "$ka" 1790001200) || fail "A does not take the answer after roster 2: $out $(tail -3 "$tmp/visit.err")"
echo "ok roster 2 (signed by K1, naming K2): applied; kiosk A takes the node's answer, Sync complete"

# ---- kiosk B: records sealed to K2, its bundle encrypted to K2 ----
"$sync" export --drive "$d" --shard "$kb/shard.db" --key "$kb/kiosk.key" \
	--consortium "$k2pub" >/dev/null || fail "B's export to K2"
out=$(import) || fail "import of B's K2 bundle: $out $(cat "$tmp/imp.err")"
[ "$(jget "$out" applied)" = 12 ] && [ "$(jget "$out" refused)" = 0 ] || fail "B's blocks: $out"
[ "$(outcomes)" = "1|24 " ] || fail "not every record opened and was accepted: $(outcomes)"
out=$(visit "$kb" 1790001800) || fail "B does not take the answer: $out $(tail -3 "$tmp/visit.err")"
echo "$out" | grep -q '"statuses":12' || fail "B's statuses: $out"
echo "ok kiosk B's bundle encrypted to K2, its records sealed to K2: all 24 registrations accepted; B answered"

# ---- roster 3: K1 may no longer sign one, K2 must ----
out=$(roster 3 "$k1" 2>&1) && fail "roster 3 signed by K1 was applied: $out"
echo "$out" | grep -q "BAD_SIGNATURE\|refused" || fail "roster 3 by K1: $out"
out=$(roster 3 "$k2" 2>&1) || fail "roster 3 signed by K2: $out"
out=$(import) || fail "import after roster 3: $out $(cat "$tmp/imp.err")"
[ "$(jget "$out" answers)" = 2 ] || fail "answers after roster 3: $out"
grep -q "signed by consortium key" "$tmp/imp.err" || fail "import did not note the new signer: $(cat "$tmp/imp.err")"
for k in "$ka" "$kb"; do
	out=$(visit "$k" 1790002400) || fail "$(basename "$k") after roster 3: $out $(tail -3 "$tmp/visit.err")"
done
echo "ok roster 3: refused signed by K1, applied signed by K2; both kiosks take answers signed by K2"

[ "$fails" -eq 0 ] || { echo "$fails failures"; tail -20 "$tmp/node.log"; exit 1; }
echo "all rotation checks passed"
