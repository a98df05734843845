# shellcheck shell=sh
# shellcheck disable=SC2034 # one_pid: for the scripts that source this
# A jaring-node cluster of one, for the tests that need a real node beside
# them (sourced by sh and bash scripts alike; not run): its config, init,
# the cosigning policy its own witness key satisfies, and its start.
#
#   free_ports N [HOST]             N free TCP ports of HOST, space separated
#   one_node_init BIN DIR ORIGIN HOST RAFT_PORT HTTP_PORT [EXTRA]
#       writes DIR/n.conf (data in DIR/d; EXTRA: more config lines), inits
#       the node and writes DIR/cosign.policy. Keys: $one_consortium,
#       $one_pseudonym and $one_log name them (defaults DIR/consortium.key,
#       DIR/pseudonym.key, DIR/log.key); a missing log key is made.
#   one_node_start BIN DIR LOG      starts it in the background, sets
#       $one_pid, and waits (10 s at most) until it leads; 1 if it did not.
#   one_node_wait URL               the wait alone, for a node started otherwise

free_ports() {
	python3 -c "import socket
s=[socket.socket() for _ in range($1)]
[x.bind(('${2:-127.0.0.1}',0)) for x in s]
print(*[x.getsockname()[1] for x in s])"
}

one_node_init() {
	_b=$1 _d=$2 _o=$3 _h=$4 _rp=$5 _hp=$6
	_log=${one_log:-$_d/log.key}
	[ -s "$_log" ] || "$_b" keygen --kind log --out "$_log" >/dev/null || return 1
	cat >"$_d/n.conf" <<CONF
node_id = 1
raft_address = $_h:$_rp
http_address = $_h:$_hp
data_dir = $_d/d
consortium_key = ${one_consortium:-$_d/consortium.key}
pseudonym_key = ${one_pseudonym:-$_d/pseudonym.key}
log_key = $_log
log_origin = tlog.test.jaring.id/$_o
witness_name = witness.test.jaring.id/one
cosign_policy = $_d/cosign.policy
peer = 1 $_h:$_rp $_h:$_hp
bootstrap = 1
${7:-}
CONF
	"$_b" init --config "$_d/n.conf" >/dev/null || return 1
	printf 'log %s\nwitness one %s\ngroup g 1 one\nquorum g\n' "$(cat "$_d/d/log.vkey")" \
		"$(cat "$_d/d/witness.vkey")" >"$_d/cosign.policy"
}

one_node_start() {
	"$1" start --config "$2/n.conf" 2>>"$3" &
	one_pid=$!
	one_node_wait "http://$(sed -n 's/^http_address = //p' "$2/n.conf")"
}

#   one_node_wait URL               waits (10 s at most) until the node at URL
#       leads; 1 if it did not
one_node_wait() {
	_i=0
	until curl -s --max-time 1 "$1/v1/health" | grep -q '"role":"leader"'; do
		_i=$((_i + 1))
		[ "$_i" -lt 100 ] || return 1
		sleep 0.1
	done
}

#   one_node_settle URL DIR         waits (20 s at most) until the cosigned
#       checkpoint covers the whole log; prints the log's size
one_node_settle() {
	_i=0
	while [ "$_i" -lt 200 ]; do
		curl -s "$1/v1/health" >"$2/health.json"
		python3 -c "import json,sys; h=json.load(open(sys.argv[1]))
sys.exit(0 if h['tree_size'] > 0 and h['checkpoint_size'] == h['tree_size'] else 1)" \
			"$2/health.json" && break
		_i=$((_i + 1))
		sleep 0.1
	done
	python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tree_size'])" "$2/health.json"
}
