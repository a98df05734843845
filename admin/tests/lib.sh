# Shared by the jaring-admin tests: one jaring-node on loopback ports.
#   start_node NODE_BIN WORK   (the fixture's keys in WORK) sets base, pid, conf
#   stop_node NODE_BIN
start_node() {
  local bin=$1 work=$2 rp hp
  read -r rp hp < <(python3 -c "import socket
s=[socket.socket() for _ in range(2)]
[x.bind(('127.0.0.1',0)) for x in s]
print(*[x.getsockname()[1] for x in s])")
  base=http://127.0.0.1:$hp
  conf=$work/n.conf
  cat >"$conf" <<EOC
node_id = 1
raft_address = 127.0.0.1:$rp
http_address = 127.0.0.1:$hp
data_dir = $work/d
consortium_key = $work/consortium.key
pseudonym_key = $work/pseudonym.key
log_key = $work/log.key
log_origin = tlog.test.jaring.id/admin
witness_name = witness.test.jaring.id/one
cosign_policy = $work/cosign.policy
peer = 1 127.0.0.1:$rp 127.0.0.1:$hp
bootstrap = 1
EOC
  "$bin" init --config "$conf" >/dev/null
  printf 'log %s\nwitness one %s\ngroup g 1 one\nquorum g\n' "$(cat "$work/d/log.vkey")" \
    "$(cat "$work/d/witness.vkey")" >"$work/cosign.policy"
  "$bin" start --config "$conf" 2>"$work/log" &
  pid=$!
  for _ in $(seq 1 100); do curl -s "$base/v1/health" | grep -q '"role":"leader"' && break; sleep 0.1; done
}
stop_node() {
  "$1" stop --config "$conf" >/dev/null || fail "stop"
  wait "$pid" || fail "the node exited with an error"
  pid=
}
