#!/usr/bin/env bash
# Joining, removing and divergence with real jaring-node processes:
#   - three founders apply a roster and 12 bundles (snapshots every 8
#     entries, 4 kept behind), so a newcomer cannot catch up from the log;
#   - node 4 starts empty, `jaring-node join` makes it a voter, and it
#     catches up from a snapshot (one appears in its raft directory) to the
#     founders' state hash;
#   - node 5 joins with a different pseudonym key: the snapshot gives it the
#     right state, but the next bundle's pseudonyms differ, so 4 of 5 voters
#     contradict it: it stops, logs DIVERGED and /v1/health answers 503
#     "diverged":true, while the others log a warning and go on;
#   - `jaring-node remove` takes 5 and 4 out again; 3 voters remain.
#   membership.sh NODE_BIN FIXTURE_BIN WORKDIR
set -euo pipefail
bin=$1 fix=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
die() {
  echo "FAIL membership: $*"
  for i in 1 2 3 4 5; do echo "--- node $i"; tail -n 20 "$work/log$i" 2>/dev/null || true; done
  exit 1
}
read -r -a ports < <(python3 -c "import socket
s=[socket.socket() for _ in range(10)]
[x.bind(('127.0.0.1',0)) for x in s]
print(*[x.getsockname()[1] for x in s])")
raft() { echo "127.0.0.1:${ports[$(($1 - 1))]}"; }
http() { echo "127.0.0.1:${ports[$(($1 + 4))]}"; }
"$fix" "$work" 4 4 4 8
cp "$work/pseudonym.key" "$work/pseudonym.good"
printf '%064d\n' 7 >"$work/pseudonym.other"
conf() { # id, pseudonym key file, bootstrap?
  {
    echo "node_id = $1"
    echo "raft_address = $(raft "$1")"
    echo "http_address = $(http "$1")"
    echo "data_dir = $work/d$1"
    echo "consortium_key = $work/consortium.key"
    echo "pseudonym_key = $2"
    echo "log_key = $work/log.key"
    echo "log_origin = tlog.test.jaring.id/membership"
    echo "witness_name = witness.test.jaring.id/node$1"
    echo "cosign_policy = $work/cosign.policy"
    for j in 1 2 3 4 5; do echo "peer = $j $(raft "$j") $(http "$j")"; done
    [ "$3" = yes ] && echo "bootstrap = 1 2 3"
    echo "snapshot_threshold = 8"
    echo "snapshot_trailing = 4"
  } >"$work/n$1.conf"
  "$bin" init --config "$work/n$1.conf" >/dev/null
}
for i in 1 2 3; do conf "$i" "$work/pseudonym.good" yes; done
conf 4 "$work/pseudonym.good" no
conf 5 "$work/pseudonym.other" no
{
  echo "log $(cat "$work/d1/log.vkey")"
  for i in 1 2 3 4 5; do echo "witness n$i $(cat "$work/d$i/witness.vkey")"; done
  echo "group nodes 3 n1 n2 n3 n4 n5"
  echo "quorum nodes"
} >"$work/cosign.policy"
start() { "$bin" start --config "$work/n$1.conf" 2>>"$work/log$1" & pids[$1]=$!; }
field() { curl -s -m 2 "http://$(http "$1")/v1/health" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",]*\).*/\1/p"; }
wait_for() {
  local end=$((SECONDS + $1)) what=$2; shift 2
  until "$@"; do [ $SECONDS -lt $end ] || die "timed out waiting for $what"; sleep 0.2; done
}
has_leader() { for i in 1 2 3; do [ "$(field "$i" role)" = leader ] && return 0; done; return 1; }
upload() { # first line, last line of bundles.txt
  sed -n "$1,$2p" "$work/bundles.txt" | while read -r id len f _; do
    curl -s -f -L -m 30 -o /dev/null -X PUT --data-binary @"$f" -H "Upload-Offset: 0" \
      -H "Upload-Length: $len" "http://$(http 1)/v1/bundles/$id" || die "upload of $id"
  done
}
agree() { # ids...
  local h; h=$(field "$1" state_hash)
  for i in "$@"; do [ "$(field "$i" state_hash)" = "$h" ] || return 1; done
  [ "$(field "$1" state_index)" = "$(field 1 state_index)" ]
}

for i in 1 2 3; do start "$i"; done
wait_for 20 "a leader" has_leader
curl -s -f -L -m 10 -X POST --data-binary @"$work/roster.entry" "http://$(http 1)/v1/acts" >/dev/null ||
  die "roster"
upload 1 12
start 4
"$bin" join --config "$work/n4.conf" >"$work/join4.out" 2>&1 || die "join 4: $(cat "$work/join4.out")"
a4() { agree 1 2 3 4; }
wait_for 30 "node 4 to catch up" a4
ls "$work"/d4/raft/snapshot-* >/dev/null 2>&1 || die "node 4 caught up without a snapshot"
[ "$(field 1 voters)" = 4 ] || die "voters: $(field 1 voters), not 4"
echo "membership: node 4 joined and caught up from a snapshot (state $(field 4 state_hash | cut -c1-16)…)"

# libraft holds only a reference; the state's copy is a file beside it
# (docs/node.md "Snapshots"), fetched from the leader over an authenticated,
# encrypted answer. At most two copies are kept.
for f in "$work"/d4/raft/snapshot-*; do
  case $f in *.meta) continue ;; esac
  [ "$(stat -c %s "$f")" -lt 1024 ] || die "libraft's snapshot $f is $(stat -c %s "$f") bytes, not a reference"
done
copies=$(ls "$work"/d4/snapshots/*.db 2>/dev/null | wc -l)
[ "$copies" -ge 1 ] && [ "$copies" -le 2 ] || die "node 4 keeps $copies snapshot copies, not 1 or 2"
for i in 1 2 3; do
  n=$(ls "$work/d$i"/snapshots/*.db 2>/dev/null | wc -l)
  [ "$n" -ge 1 ] && [ "$n" -le 2 ] || die "node $i keeps $n snapshot copies, not 1 or 2"
done
copy=$(basename "$(ls "$work"/d1/snapshots/*.db | head -n1)" .db)
zero=$(printf '%064d' 0)
code=$(curl -s -o "$work/snap403.json" -w '%{http_code}' \
  "http://$(http 1)/v1/snapshots/$copy?nonce=$zero&mac=$zero")
[ "$code" = 403 ] && grep -q '"forbidden"' "$work/snap403.json" ||
  die "a snapshot asked for without the consortium key: $code $(cat "$work/snap403.json")"
code=$(curl -s -o "$work/snap400.json" -w '%{http_code}' "http://$(http 1)/v1/snapshots/$copy")
[ "$code" = 400 ] || die "a snapshot asked for without nonce and mac: $code, not 400"
echo "membership: libraft's snapshots are references; copies kept: $copies on node 4; a request without the key is refused (403)"

start 5
"$bin" join --config "$work/n5.conf" >"$work/join5.out" 2>&1 || die "join 5: $(cat "$work/join5.out")"
upload 13 16
d5() { [ "$(field 5 diverged)" = true ] && grep -q DIVERGED "$work/log5"; }
wait_for 30 "node 5 to stop as diverged" d5
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$(http 5)/v1/health")
[ "$code" = 503 ] || die "a diverged node's /v1/health answers $code, not 503"
# node 5 may learn it diverged before a healthy node has asked it
warned() { grep -q "WARNING: node 5 reports state" "$work/log1" "$work/log2" "$work/log3"; }
wait_for 10 "a healthy node to warn about node 5" warned
a4() { agree 1 2 3 4; }
wait_for 30 "nodes 1-4 to agree" a4
echo "membership: node 5 (another pseudonym key) stopped: $(grep -m1 DIVERGED "$work/log5" | cut -c1-160)"

"$bin" remove --config "$work/n1.conf" --id 5 >/dev/null || die "remove 5"
"$bin" remove --config "$work/n1.conf" --id 4 >/dev/null || die "remove 4"
v3() { [ "$(field 1 voters)" = 3 ]; }
wait_for 20 "3 voters" v3
sed -n '1p' "$work/bundles.txt" | while read -r id len f _; do
  curl -s -f -L -m 10 "http://$(http 2)/v1/bundles/$id" | grep -q '"state":"applied"' ||
    die "bundle 1 not applied on node 2"
done
for i in 1 2 3 4 5; do "$bin" stop --config "$work/n$i.conf" >/dev/null || die "stop $i"; done
pids=()

# A restart restores from the node's own copy, without asking anyone (its
# peers are stopped); a damaged copy stops the start with what to do.
start 1
restored() { grep -q "restored the snapshot at entry [0-9]* ([0-9]* bytes) from data_dir/snapshots" "$work/log1"; }
wait_for 20 "node 1 to restore its snapshot from its own copy" restored
"$bin" stop --config "$work/n1.conf" >/dev/null || die "stop 1 again"
pids=()
for f in "$work"/d4/snapshots/*.db; do
  printf '\377' | dd of="$f" bs=1 seek=4096 conv=notrunc status=none
done
if timeout 60 "$bin" start --config "$work/n4.conf" 2>"$work/log4.damaged"; then
  die "node 4 started on a damaged snapshot copy"
fi
grep -q "is damaged" "$work/log4.damaged" || die "a damaged copy was not named: $(tail -n 3 "$work/log4.damaged")"
echo "membership: restart from the own copy; a damaged copy refused: $(grep -m1 -o 'snapshot [^ ]* is damaged' "$work/log4.damaged" | cut -c1-60)…"
echo "membership: ok"
