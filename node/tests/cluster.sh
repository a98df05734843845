#!/usr/bin/env bash
# jaring-node clusters as real processes on loopback, fed real bundles over
# HTTP (curl), under faults. Starts and stops everything itself.
#
#   cluster.sh NODE_BIN FIXTURE_BIN PROXY WORKDIR NODES [REGISTRATIONS]
#
# NODES=3: kill -9 the leader during the ingest and restart it; later cut
#          the then leader off (raftproxy.py, both directions) and heal it.
# NODES=5: kill -9 two nodes (the leader among them) during the ingest,
#          restart them; cut one off and heal it.
# Afterwards: every acknowledged bundle is applied on every node, every
# node holds every registration, the same state hash and the same
# checkpoint, cosigned by a quorum. REGISTRATIONS (default 20480, or
# $JR_CLUSTER_REGS) is rounded up to whole bundles of 32 blocks x 64.
set -euo pipefail
bin=$1 fix=$2 proxy=$3 work=$4 n=$5
regs=${JR_CLUSTER_REGS:-${6:-20480}}
per_bundle=2048 kiosks=4
nb=$(( (regs + per_bundle * kiosks - 1) / (per_bundle * kiosks) ))
total=$((nb * kiosks * per_bundle))
quorum=$((n / 2 + 1))
rm -rf "$work" && mkdir -p "$work"
pids=() ppid_=
cleanup() {
  for p in "${pids[@]}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  [ -n "$ppid_" ] && kill "$ppid_" 2>/dev/null || true
  [ -n "${upid:-}" ] && kill "$upid" 2>/dev/null || true
}
trap cleanup EXIT
say() { echo "cluster$n: $*"; }
die() {
  echo "FAIL cluster$n: $*"
  for i in $(seq 1 "$n"); do echo "--- node $i"; tail -n 30 "$work/log$i" || true; done
  exit 1
}
t0=$SECONDS

read -r -a ports < <(python3 -c "import socket
s=[socket.socket() for _ in range(3*$n)]
[x.bind(('127.0.0.1',0)) for x in s]
print(*[x.getsockname()[1] for x in s])")
bind() { echo "127.0.0.1:${ports[$(( $1 - 1 ))]}"; }          # the node listens
raft() { echo "127.0.0.1:${ports[$(( n + $1 - 1 ))]}"; }      # peers dial (proxy)
http() { echo "127.0.0.1:${ports[$(( 2 * n + $1 - 1 ))]}"; }

"$fix" "$work" "$kiosks" "$nb" 32 64
say "$total registrations in $((nb * kiosks)) bundles ($(du -sh "$work/bundles" | cut -f1)), fixture $((SECONDS - t0)) s"
boot=$(seq -s ' ' 1 "$n")
for i in $(seq 1 "$n"); do
  {
    echo "node_id = $i"
    echo "raft_address = $(raft "$i")"
    echo "raft_bind = $(bind "$i")"
    echo "http_address = $(http "$i")"
    echo "data_dir = $work/d$i"
    echo "consortium_key = $work/consortium.key"
    echo "pseudonym_key = $work/pseudonym.key"
    echo "log_key = $work/log.key"
    echo "log_origin = tlog.test.jaring.id/cluster"
    echo "witness_name = witness.test.jaring.id/node$i"
    echo "cosign_policy = $work/cosign.policy"
    for j in $(seq 1 "$n"); do echo "peer = $j $(raft "$j") $(http "$j")"; done
    echo "bootstrap = $boot"
    echo "snapshot_threshold = ${JR_CLUSTER_SNAPSHOT:-8}"
    echo "snapshot_trailing = 4"
    [ "$i" != 1 ] || echo "segment_mib = 16" # the others: the default, 64
  } >"$work/n$i.conf"
  "$bin" init --config "$work/n$i.conf" >/dev/null
done
{
  echo "log $(cat "$work/d1/log.vkey")"
  for i in $(seq 1 "$n"); do echo "witness n$i $(cat "$work/d$i/witness.vkey")"; done
  echo "group nodes $quorum $(for i in $(seq 1 "$n"); do printf 'n%s ' "$i"; done)"
  echo "quorum nodes"
} >"$work/cosign.policy"

: >"$work/cut"
routes=()
for i in $(seq 1 "$n"); do routes+=("${ports[$((n + i - 1))]}:${ports[$((i - 1))]}:$i"); done
python3 "$proxy" "$work/cut" "${routes[@]}" >"$work/proxy.log" 2>&1 &
ppid_=$!
say "partitions by loopback proxy (raftproxy.py); ip netns not used"

start() { "$bin" start --config "$work/n$1.conf" 2>>"$work/log$1" & pids[$1]=$!; }
health() { curl -s -m 2 "http://$(http "$1")/v1/health" || true; }
field() { health "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",]*\).*/\1/p"; }
leader() {
  for i in $(seq 1 "$n"); do [ "$(field "$i" role)" = leader ] && { echo "$i"; return; }; done
  echo 0
}
wait_for() { # seconds, what, condition...
  local end=$((SECONDS + $1)) what=$2; shift 2
  until "$@"; do [ $SECONDS -lt $end ] || die "timed out waiting for $what"; sleep 0.2; done
}
has_leader() { [ "$(leader)" != 0 ]; }

for i in $(seq 1 "$n"); do start "$i"; done
wait_for 20 "a leader" has_leader
curl -s -f -L -m 10 -X POST --data-binary @"$work/roster.entry" \
  -H 'Content-Type: application/octet-stream' "http://$(http 1)/v1/acts" >"$work/roster.out" ||
  die "the roster act was not applied: $(cat "$work/roster.out")"
grep -q '"outcome":"applied"' "$work/roster.out" || die "roster: $(cat "$work/roster.out")"

# Uploads every bundle, resuming and retrying on any node until it is
# acknowledged ("state":"applied"); acknowledged ids go to acked.txt.
upload_all() {
  set +e +o pipefail
  local k=0 id len f r try off code
  while read -r id len f r; do
    k=$((k + 1))
    for try in $(seq 1 200); do
      local node=$(( (k + try) % n + 1 )) url
      url="http://$(http "$node")/v1/bundles/$id"
      off=$(curl -s -L -m 5 -I "$url" | tr -d '\r' | sed -n 's/^Upload-Offset: //p' | tail -n 1)
      off=${off:-0}
      if [ "$off" = "$len" ] && curl -s -L -m 5 "$url" | grep -q '"state":"applied"'; then
        echo "$id" >>"$work/acked.txt"; continue 2
      fi
      # The first piece alone (to exercise resuming), then the rest.
      local end=$len
      [ "$off" = 0 ] && [ $((try % 2)) = 1 ] && end=$((len / 2))
      dd if="$f" of="$work/piece" bs=65536 iflag=skip_bytes,count_bytes skip="$off" \
        count=$((end - off)) status=none
      code=$(curl -s -L -m 30 -o "$work/put.out" -w '%{http_code}' -X PUT \
        --data-binary @"$work/piece" -H "Upload-Offset: $off" -H "Upload-Length: $len" \
        "$url" || echo 000)
      if [ "$code" = 200 ] && grep -q '"state":"applied"' "$work/put.out"; then
        echo "$id" >>"$work/acked.txt"; continue 2
      fi
      [ "$code" = 200 ] || sleep 0.2
    done
    echo "upload of $id never acknowledged" >"$work/upload.failed"
    return 1
  done <"$work/bundles.txt"
}
: >"$work/acked.txt"
t_ingest=$SECONDS
upload_all &
upid=$!
acked() { wc -l <"$work/acked.txt"; }
nbund=$((nb * kiosks))
at_least() { [ "$(acked)" -ge "$1" ] || ! kill -0 "$upid" 2>/dev/null; }

wait_for 300 "a third of the bundles" at_least $((nbund / 3))
wait_for 30 "a leader mid-ingest" has_leader
l=$(leader)
[ "$l" != 0 ] || die "no leader mid-ingest"
victims=$l
if [ "$n" = 5 ]; then victims="$l $(( l % n + 1 ))"; fi
say "kill -9 node(s) $victims at $(acked) of $nbund bundles acknowledged"
for v in $victims; do kill -9 "${pids[$v]}"; wait "${pids[$v]}" 2>/dev/null || true; pids[$v]=; done
sleep 2
for v in $victims; do start "$v"; done
say "restarted $victims"

wait_for 300 "two thirds of the bundles" at_least $((2 * nbund / 3))
l=$(leader)
[ "$l" != 0 ] || l=1
say "cutting node $l off at $(acked) acknowledged"
echo "$l" >"$work/cut"
sleep 3
cut_role=$(field "$l" role)
: >"$work/cut"
say "healed node $l (it was $cut_role while cut off)"

wait "$upid" || die "uploads failed: $(cat "$work/upload.failed" 2>/dev/null)"
upid=
t_ingest=$((SECONDS - t_ingest))
[ "$(acked)" -eq "$nbund" ] || die "$(acked) of $nbund bundles acknowledged"
say "all $nbund bundles acknowledged in $t_ingest s"

same() {
  local h0 s0 c0 i
  h0=$(field 1 state_hash); s0=$(field 1 tree_size); c0=$(field 1 checkpoint_size)
  [ -n "$h0" ] && [ "$c0" = "$s0" ] || return 1
  for i in $(seq 1 "$n"); do
    [ "$(field "$i" state_hash)" = "$h0" ] && [ "$(field "$i" tree_size)" = "$s0" ] &&
      [ "$(field "$i" checkpoint_size)" = "$c0" ] && [ "$(field "$i" diverged)" = false ] ||
      return 1
  done
}
wait_for 60 "every node to agree" same

regs_on() { curl -s -m 5 "http://$(http "$1")/v1/stats" | sed -n 's/.*"registrations":\([0-9]*\).*/\1/p'; }
for i in $(seq 1 "$n"); do
  [ "$(regs_on "$i")" = "$total" ] || die "node $i holds $(regs_on "$i") of $total registrations"
  curl -s -m 5 "http://$(http "$i")/checkpoint" | head -n 3 >"$work/cp$i"
  cmp -s "$work/cp1" "$work/cp$i" || die "node $i serves another checkpoint"
  missing=0
  while read -r id; do
    curl -s -f -m 5 "http://$(http "$i")/v1/bundles/$id" | grep -q '"state":"applied"' ||
      missing=$((missing + 1))
  done <"$work/acked.txt"
  [ "$missing" = 0 ] || die "node $i is missing $missing acknowledged bundles"
done
cos=$(field 1 checkpoint_cosigned)
[ "$cos" -ge "$quorum" ] || die "checkpoint cosigned by $cos, quorum $quorum"
say "every node: $total registrations, state $(field 1 state_hash | cut -c1-16)…, checkpoint size $(field 1 checkpoint_size) cosigned by $cos of $n"
rss=0
for i in $(seq 1 "$n"); do
  r=$(awk '/VmHWM/ {print $2}' "/proc/${pids[$i]}/status" 2>/dev/null || echo 0)
  [ "${r:-0}" -gt "$rss" ] && rss=$r
done
say "peak RSS of a node: $((rss / 1024)) MiB"
# libraft allocates its open segments at the configured size.
for i in 1 2; do
  want=$(( (i == 1 ? 16 : 64) << 20 ))
  ls -l "$work/d$i/raft" | awk -v w="$want" '$NF ~ /^open-/ && $5 == w {f=1} END {exit !f}' ||
    die "node $i has no open segment of $((want >> 20)) MiB: $(ls -l "$work/d$i/raft"/open-*)"
done

for i in $(seq 1 "$n"); do
  "$bin" stop --config "$work/n$i.conf" --timeout 20 || die "node $i did not stop cleanly"
  wait "${pids[$i]}" 2>/dev/null || die "node $i exited with an error"
  pids[$i]=
done
say "time $((SECONDS - t0)) s"
echo "cluster$n: ok"
