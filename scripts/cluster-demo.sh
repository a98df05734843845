#!/usr/bin/env bash
# The central part of the main job (./make.sh run), after jaring-demo: a
# 3-node jaring-node cluster on loopback, the demo kiosk's chain pushed to it
# over HTTP, its answer pulled back, the cosigned checkpoint printed; the
# cluster stopped at the end (and on any failure).
#   scripts/cluster-demo.sh BUILD_DIR OUT_DIR
set -euo pipefail

usage() {
  cat <<'HELP'
scripts/cluster-demo.sh: the cluster part of ./make.sh run, after jaring-demo.

usage: scripts/cluster-demo.sh BUILD_DIR OUT_DIR
       scripts/cluster-demo.sh --help

Starts three jaring-node processes on loopback (data in OUT_DIR/cluster/nodeN,
the cluster's shared keys made with jaring-node keygen, the demo's stand-in
consortium key from OUT_DIR/demo/centre), posts a roster naming the demo
kiosk (jaring-admin roster, submit), pushes the kiosk's blocks
(OUT_DIR/demo/kiosk) with jaring-sync push, pulls the kiosk's answer with
jaring-sync pull, waits until a quorum (2 of 3) cosigned a checkpoint that
holds them, prints it to stdout and writes it to OUT_DIR/cluster/checkpoint,
then stops the nodes.

exit status:
  0  done
  1  a step failed (its message says which; the nodes' logs are in
     OUT_DIR/cluster/nodeN.log)
  2  usage error: an unknown option or a missing argument
HELP
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) echo "cluster-demo.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
esac
if [ $# -ne 2 ]; then
  echo "cluster-demo.sh: expected BUILD_DIR and OUT_DIR, got $# argument(s); see --help" >&2
  exit 2
fi
bin=$(cd "$1/bin" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
demo=$out/demo
c=$out/cluster
for f in "$demo/kiosk/kiosk.key" "$demo/kiosk/kiosk.pub" "$demo/kiosk/shard.db" \
  "$demo/centre/consortium.key" "$demo/centre/consortium.pub"; do
  [ -s "$f" ] || { echo "cluster-demo.sh: $f is missing: run jaring-demo first" >&2; exit 1; }
done
rm -rf "$c" && mkdir -p "$c"
pids=()
stop_all() {
  for i in 1 2 3; do
    [ -s "$c/node$i.conf" ] && "$bin/jaring-node" stop --config "$c/node$i.conf" >/dev/null 2>&1 || true
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap stop_all EXIT
step() { printf 'cluster: %s\n' "$*" >&2; }
die() { echo "cluster-demo.sh: $*" >&2; exit 1; }

# Six free loopback ports (raft and HTTP of three nodes).
read -r -a ports < <(python3 -c "import socket
s=[socket.socket() for _ in range(6)]
[x.bind(('127.0.0.1',0)) for x in s]
print(*[x.getsockname()[1] for x in s])")
"$bin/jaring-node" keygen --kind pseudonym --out "$c/pseudonym.key" >/dev/null
"$bin/jaring-node" keygen --kind log --out "$c/log.key" >/dev/null
peers=""
for i in 1 2 3; do
  peers="${peers}peer = $i 127.0.0.1:${ports[$((2 * i - 2))]} 127.0.0.1:${ports[$((2 * i - 1))]}
"
done
for i in 1 2 3; do
  cat >"$c/node$i.conf" <<CONF
node_id = $i
raft_address = 127.0.0.1:${ports[$((2 * i - 2))]}
http_address = 127.0.0.1:${ports[$((2 * i - 1))]}
data_dir = $c/node$i
consortium_key = $demo/centre/consortium.key
pseudonym_key = $c/pseudonym.key
log_key = $c/log.key
log_origin = tlog.demo.jaring.id/tegal
witness_name = witness.demo.jaring.id/node$i
cosign_policy = $c/cosign.policy
${peers}bootstrap = 1 2 3
CONF
  "$bin/jaring-node" init --config "$c/node$i.conf" >/dev/null
done
{
  printf 'log %s\n' "$(cat "$c/node1/log.vkey")"
  for i in 1 2 3; do printf 'witness node%s %s\n' "$i" "$(cat "$c/node$i/witness.vkey")"; done
  printf 'group agencies 2 node1 node2 node3\nquorum agencies\n'
} >"$c/cosign.policy"
for i in 1 2 3; do
  "$bin/jaring-node" start --config "$c/node$i.conf" 2>"$c/node$i.log" &
  pids+=($!)
done
step "3 nodes started on loopback (HTTP ports ${ports[1]}, ${ports[3]}, ${ports[5]})"
leader=
for _ in $(seq 1 150); do
  for i in 1 2 3; do
    u=http://127.0.0.1:${ports[$((2 * i - 1))]}
    if curl -s --max-time 1 "$u/v1/health" | grep -q '"role":"leader"'; then leader=$u; break 2; fi
  done
  sleep 0.2
done
[ -n "$leader" ] || die "no leader was elected in 30 s (see $c/node*.log)"
step "leader elected: $leader"

"$bin/jaring-admin" roster --consortium "$demo/centre/consortium.key" --serial 1 \
  --member "kiosk:$demo/kiosk/kiosk.pub:diskominfo:0:upload" --out "$c/roster.entry" >/dev/null
"$bin/jaring-admin" submit --node "$leader" "$c/roster.entry" >/dev/null ||
  die "the roster was not applied"
step "roster applied: the demo kiosk may upload"
"$bin/jaring-sync" push --url "$leader" --shard "$demo/kiosk/shard.db" \
  --key "$demo/kiosk/kiosk.key" --consortium "$demo/centre/consortium.pub" \
  --spool "$c/spool" --json >"$c/push.json" || die "push failed: $(cat "$c/push.json")"
step "pushed: $(sed 's/.*"blocks_applied":\([0-9]*\).*/\1/' "$c/push.json") blocks applied on the cluster"
"$bin/jaring-sync" pull --url "$leader" --key "$demo/kiosk/kiosk.key" \
  --consortium "$demo/centre/consortium.pub" --spool "$c/spool" --json >"$c/pull.json" ||
  die "pull failed: $(cat "$c/pull.json")"
step "pulled the kiosk's answer: $(sed 's/.*"statuses":\([0-9]*\).*/\1/' "$c/pull.json") statuses"
size=$(curl -s "$leader/v1/health" | sed -n 's/.*"tree_size":\([0-9]*\).*/\1/p')
for _ in $(seq 1 150); do
  curl -s "$leader/checkpoint" >"$c/checkpoint" 2>/dev/null || true
  got=$(sed -n 2p "$c/checkpoint")
  [ -n "$got" ] && [ "$got" -ge "$size" ] && break
  sleep 0.2
done
[ -n "${got:-}" ] && [ "$got" -ge "$size" ] || die "no checkpoint of $size leaves was cosigned by a quorum"
step "checkpoint of $got leaves, cosigned by a quorum of the nodes:"
cat "$c/checkpoint"
