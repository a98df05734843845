#!/usr/bin/env bash
# Rows of the benchmark table: end-to-end ingest through a 3-node jaring-node
# cluster on loopback (bundles PUT over HTTP to the leader, 8 at a time:
# with 4 a fifth of the CPU stayed idle, the pipeline waiting on itself;
# until every node has applied every entry), and the peak RSS of a node
# through it; then the snapshots: the largest copy of the state a node took
# during the ingest, and a fourth node that joins and installs the leader's
# (its copy fetched over HTTP, then restored), beside a raw write of as many
# bytes with fsync in the same folder.
#   tests/bench/node_ingest.sh BUILD_DIR [REGISTRATIONS]   (default 200,000)
set -euo pipefail
build=$1 regs=${2:-${JR_BENCH_NODE_REGS:-200000}}
bin=$build/bin/jaring-node fix=$build/node/node_fixture
work=$(mktemp -d "${TMPDIR:-/var/tmp}/jaring-node-bench.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
kiosks=8 per=512 # a kiosk's bundle: 512 blocks of one registration (as kiosks sign)
nb=$(( (regs + per * kiosks - 1) / (per * kiosks) ))
total=$((nb * kiosks * per))
"$fix" "$work" "$kiosks" "$nb" 512 1
read -r -a ports < <(python3 -c "import socket
s=[socket.socket() for _ in range(8)]
[x.bind(('127.0.0.1',0)) for x in s]
print(*[x.getsockname()[1] for x in s])")
for i in 1 2 3 4; do
  {
    echo "node_id = $i"
    echo "raft_address = 127.0.0.1:${ports[$((i - 1))]}"
    echo "http_address = 127.0.0.1:${ports[$((i + 3))]}"
    echo "data_dir = $work/d$i"
    echo "consortium_key = $work/consortium.key"
    echo "pseudonym_key = $work/pseudonym.key"
    echo "log_key = $work/log.key"
    echo "log_origin = tlog.bench.jaring.id/node"
    echo "witness_name = witness.bench.jaring.id/node$i"
    echo "cosign_policy = $work/cosign.policy"
    for j in 1 2 3 4; do
      echo "peer = $j 127.0.0.1:${ports[$((j - 1))]} 127.0.0.1:${ports[$((j + 3))]}"
    done
    [ "$i" = 4 ] || echo "bootstrap = 1 2 3"
  } >"$work/n$i.conf"
  "$bin" init --config "$work/n$i.conf" >/dev/null
done
{
  echo "log $(cat "$work/d1/log.vkey")"
  for i in 1 2 3; do echo "witness n$i $(cat "$work/d$i/witness.vkey")"; done
  echo "group nodes 2 n1 n2 n3"
  echo "quorum nodes"
} >"$work/cosign.policy"
for i in 1 2 3; do "$bin" start --config "$work/n$i.conf" 2>"$work/log$i" & pids[$i]=$!; done
http() { echo "127.0.0.1:${ports[$(($1 + 3))]}"; }
field() { curl -s -m 2 "http://$(http "$1")/v1/health" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",]*\).*/\1/p"; }
for _ in $(seq 1 100); do
  l=0; for i in 1 2 3; do [ "$(field "$i" role)" = leader ] && l=$i; done
  [ $l != 0 ] && break; sleep 0.2
done
[ $l != 0 ] || { echo "node_ingest: no leader" >&2; exit 1; }
curl -s -f -m 10 -X POST --data-binary @"$work/roster.entry" "http://$(http $l)/v1/acts" >/dev/null
put() { # id len file: follows a redirect, retries (an election may be under way)
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    curl -s -S -L -m 120 --fail-with-body -o "/tmp/put.$1" -X PUT --data-binary @"$3" -H "Upload-Offset: 0" \
      -H "Upload-Length: $2" "http://$(http $l)/v1/bundles/$1" && return 0
    sleep 0.5
  done
  echo "node_ingest: bundle $1 was not acknowledged: $(cat "/tmp/put.$1" 2>/dev/null)" >&2
  return 1
}
export -f put http
export l ports_s="${ports[*]}"
t0=$(date +%s.%N)
# xargs runs 8 uploads at once; each answers only once applied on the leader.
awk '{print $1, $2, $3}' "$work/bundles.txt" |
  xargs -P 8 -n 3 bash -c 'ports=($ports_s); put "$@"' _
want=$(field $l state_index)
for _ in $(seq 1 600); do
  ok=1; for i in 1 2 3; do [ "$(field "$i" state_index)" -ge "$want" ] || ok=0; done
  [ $ok = 1 ] && break; sleep 0.05
done
t1=$(date +%s.%N)
rss=0
for i in 1 2 3; do
  r=$(awk '/VmHWM/ {print $2}' "/proc/${pids[$i]}/status"); [ "$r" -gt "$rss" ] && rss=$r
done
rate=$(python3 -c "print(f'{$total / ($t1 - $t0):.1f}')")
met=$(python3 -c "print('met' if $total / ($t1 - $t0) >= 100000 else 'MISS')")
printf '| %-44s | %12s | %-10s | %-22s | %-4s |\n' \
  "node ingest, 3 nodes, $total regs over HTTP" "$rate" "regs/s" ">= 100,000" "$met"
printf '| %-44s | %12s | %-10s | %-22s | %-4s |\n' \
  "node peak RSS through that ingest" "$((rss / 1024))" "MiB" "bounded" ""

# The snapshots. Each node logs every copy it takes and every restore.
row() { printf '| %-44s | %12s | %-10s | %-22s | %-4s |\n' "$@"; }
mbps() { python3 -c "print(f'{$1 / 1e6 / max($2, 1) * 1000:.0f}')"; }
read -r cbytes cms < <(grep -h -o 'the state copied to data_dir/snapshots ([0-9]* bytes) in [0-9]* ms' \
  "$work"/log1 "$work"/log2 "$work"/log3 | sed 's/.*(\([0-9]*\) bytes) in \([0-9]*\) ms/\1 \2/' |
  sort -n | tail -n1)
if [ -n "${cbytes:-}" ]; then
  raw_ms=$(python3 - "$work/raw" "$cbytes" <<'PY'
import os, sys, time
path, n = sys.argv[1], int(sys.argv[2])
buf = os.urandom(1 << 20)
t = time.monotonic()
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
left = n
while left > 0:
    left -= os.write(fd, buf[:min(left, len(buf))])
os.fsync(fd); os.close(fd)
print(int((time.monotonic() - t) * 1000)); os.unlink(path)
PY
)
  row "node snapshot: the largest state copy" "$((cbytes >> 20))" "MiB" "" ""
  row "node: raw sequential write + fsync, same bytes" "$(mbps "$cbytes" "$raw_ms")" "MB/s" "(reference)" ""
  row "node snapshot: state copied (worker thread)" "$(mbps "$cbytes" "$cms")" "MB/s" "(apply goes on)" ""
fi
"$bin" start --config "$work/n4.conf" 2>"$work/log4" & pids[4]=$!
for _ in $(seq 1 50); do [ -n "$(field 4 role)" ] && break; sleep 0.2; done
"$bin" join --config "$work/n4.conf" >"$work/join4.out" 2>&1 ||
  { echo "node_ingest: join of node 4 failed: $(cat "$work/join4.out")" >&2; exit 1; }
line=""
for _ in $(seq 1 600); do
  line=$(grep -o 'installed the snapshot at entry [0-9]* ([0-9]* bytes): fetched from node [0-9]* in [0-9]* ms, restored in [0-9]* ms' "$work/log4" || true)
  [ -n "$line" ] && break; sleep 0.1
done
[ -n "$line" ] || { echo "node_ingest: node 4 installed no snapshot: $(tail -n 5 "$work/log4")" >&2; exit 1; }
read -r ibytes fms rms < <(echo "$line" | sed 's/.*(\([0-9]*\) bytes).* in \([0-9]*\) ms, restored in \([0-9]*\) ms/\1 \2 \3/')
row "snapshot install: state fetched" "$((ibytes >> 20))" "MiB" "" ""
row "snapshot install: fetch from the leader" "$(mbps "$ibytes" "$fms")" "MB/s" "(MAC, secretstream)" ""
row "snapshot install: restore into state.db" "$(mbps "$ibytes" "$rms")" "MB/s" "" ""
row "snapshot install: loop blocked in all" "$((fms + rms))" "ms" "" ""
r4=$(awk '/VmHWM/ {print $2}' "/proc/${pids[4]}/status")
row "peak RSS of the node that installed it" "$((r4 / 1024))" "MiB" "bounded" ""
for i in 1 2 3 4; do "$bin" stop --config "$work/n$i.conf" >/dev/null || true; done
