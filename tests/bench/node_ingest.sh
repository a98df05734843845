#!/usr/bin/env bash
# Rows of the benchmark table: end-to-end ingest through a 3-node jaring-node
# cluster on loopback (bundles PUT over HTTP to the leader, 8 at a time by
# one curl process, until every node has applied every entry), and the peak
# RSS of a node through it; then the snapshots: the largest copy of the state a node took
# during the ingest, and a fourth node that joins and installs the leader's
# (its copy fetched over HTTP, then restored), beside a raw write of as many
# bytes with fsync in the same folder.
# TAG, if given, ends the name of every row but the first (whose name holds
# the count), so that two runs at different sizes give rows of their own.
# REGISTRATIONS is rounded up to whole bundles for every kiosk (at least
# 300 x 512 = 153,600; the default 200,000 gives 307,200); the first row
# names the count ingested.
#   tests/bench/node_ingest.sh BUILD_DIR [REGISTRATIONS [TAG]]   (default 200,000)
set -euo pipefail
build=$1 regs=${2:-${JR_BENCH_NODE_REGS:-200000}} tag=${3:-}
bin=$build/bin/jaring-node fix=$build/node/node_fixture
work=$(mktemp -d "${TMPDIR:-/var/tmp}/jaring-node-bench.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
# 300 kiosks, as Tegal's village offices (each kiosk's rows go into the
# state's tables at a place of their own), each bundle 512 blocks of one
# registration (as kiosks sign them and jaring-sync bundles them)
kiosks=300 per=512
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
# One curl process uploads every bundle, 8 at a time (-Z), each transfer
# following a redirect and retrying (an election may be under way); before,
# a bash and a curl per bundle took a sixth of the two cores from the nodes
# (perf, 2026-12-07). Each upload answers only once applied on the leader.
awk -v h="$(http $l)" 'NR > 1 { print "next" } {
  printf "url = \"http://%s/v1/bundles/%s\"\nupload-file = \"%s\"\n", h, $1, $3
  printf "header = \"Upload-Offset: 0\"\nheader = \"Upload-Length: %s\"\nheader = \"Expect:\"\n", $2
  printf "output = \"%s.answer\"\n", $3
  print "location\nfail-with-body\nmax-time = 120\nretry = 10\nretry-all-errors\nretry-delay = 1"
  print "silent\nshow-error\nwrite-out = \"%{http_code} %{url_effective}\\n\""
}' "$work/bundles.txt" >"$work/upload.curl"
t0=$(date +%s.%N)
curl -Z --parallel-max 8 -K "$work/upload.curl" >"$work/upload.codes" 2>"$work/upload.err" || true
bad=$(awk '$1 !~ /^2/' "$work/upload.codes" | head -n 3)
[ "$(wc -l <"$work/upload.codes")" -eq "$(wc -l <"$work/bundles.txt")" ] && [ -z "$bad" ] || {
  echo "node_ingest: bundles were not acknowledged: ${bad:-$(head -n 3 "$work/upload.err")}" >&2
  exit 1
}
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
# The other rows, their names ending in TAG.
row() { printf '| %-44s | %12s | %-10s | %-22s | %-4s |\n' "$1$tag" "${@:2}"; }
row "node peak RSS through that ingest" "$((rss / 1024))" "MiB" "bounded" ""

# The snapshots. Each node logs every copy it takes and every restore.
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
