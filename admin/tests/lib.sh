# shellcheck shell=bash
# shellcheck disable=SC2034 # base, pid, conf: for the scripts that source this
# Shared by the jaring-admin tests: one jaring-node on loopback ports
# (node/tests/one_node.sh).
#   start_node NODE_BIN WORK   (the fixture's keys in WORK) sets base, pid, conf
#   stop_node NODE_BIN
# shellcheck source=../../node/tests/one_node.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../node/tests/one_node.sh"
start_node() {
  local bin=$1 work=$2 rp hp
  read -r rp hp < <(free_ports 2)
  base=http://127.0.0.1:$hp
  conf=$work/n.conf
  one_node_init "$bin" "$work" admin 127.0.0.1 "$rp" "$hp"
  one_node_start "$bin" "$work" "$work/log" || { echo "FAIL: no leader: $(tail -n 5 "$work/log")"; exit 1; }
  pid=$one_pid
}
stop_node() {
  "$1" stop --config "$conf" >/dev/null || fail "stop"
  wait "$pid" || fail "the node exited with an error"
  pid=
}
