# Sourced by node/tests/public_page.sh and tests/bench/public_page.sh: a
# one-node jaring-node cluster on loopback over the keys a fixture wrote to
# WORK (consortium.key, pseudonym.key, log.key).
#   one_node_start NODE_BIN WORK ORIGIN   sets one_node_base (http://...) and
#                                         one_node_pid, once it is leader
#   one_node_stop
one_node_start() {
  local bin=$1 work=$2 origin=$3 rp hp
  read -r rp hp < <(python3 -c "import socket
s=[socket.socket() for _ in range(2)]
[x.bind(('127.0.0.1',0)) for x in s]
print(*[x.getsockname()[1] for x in s])")
  cat >"$work/n.conf" <<CONF
node_id = 1
raft_address = 127.0.0.1:$rp
http_address = 127.0.0.1:$hp
data_dir = $work/d
consortium_key = $work/consortium.key
pseudonym_key = $work/pseudonym.key
log_key = $work/log.key
log_origin = $origin
witness_name = witness.test.jaring.id/one
cosign_policy = $work/cosign.policy
peer = 1 127.0.0.1:$rp 127.0.0.1:$hp
bootstrap = 1
CONF
  "$bin" init --config "$work/n.conf" >/dev/null
  printf 'log %s\nwitness one %s\ngroup g 1 one\nquorum g\n' "$(cat "$work/d/log.vkey")" \
    "$(cat "$work/d/witness.vkey")" >"$work/cosign.policy"
  "$bin" start --config "$work/n.conf" 2>"$work/log" &
  one_node_pid=$!
  one_node_base=http://127.0.0.1:$hp
  for _ in $(seq 1 100); do
    curl -s "$one_node_base/v1/health" | grep -q '"role":"leader"' && return 0
    sleep 0.1
  done
  echo "one_node: no leader after 10 s: $(tail -c 300 "$work/log")" >&2
  return 1
}

# Waits until the cosigned checkpoint covers the whole log; prints its size.
one_node_settle() {
  local work=$1
  for _ in $(seq 1 200); do
    curl -s "$one_node_base/v1/health" >"$work/health.json"
    python3 -c "import json,sys; h=json.load(open(sys.argv[1]))
sys.exit(0 if h['tree_size'] > 0 and h['checkpoint_size'] == h['tree_size'] else 1)" \
      "$work/health.json" && break
    sleep 0.1
  done
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tree_size'])" "$work/health.json"
}

one_node_stop() {
  [ -n "${one_node_pid:-}" ] || return 0
  kill "$one_node_pid" 2>/dev/null && wait "$one_node_pid" 2>/dev/null || true
  one_node_pid=
}
