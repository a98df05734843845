#!/bin/sh
# jaring-node's config file and its exit codes without a running node: an
# unknown key and a bad value are named with their line (exit 1), a config
# without its own peer line is refused, stop and inspect of a node that is
# not running exit 3, keygen refuses to replace a file, init makes the
# witness key and refuses to run twice.
#   node_config.sh JARING_NODE
set -u
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-node-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL jaring-node config: $*"; fails=$((fails + 1)); }
expect() { # rc, label, words-in-stderr, args...
	want=$1 label=$2 words=$3
	shift 3
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "$label: exit $rc, not $want ($(head -n 2 "$tmp/err"))"
	[ -z "$words" ] || grep -qF -- "$words" "$tmp/err" || fail "$label: stderr lacks '$words': $(cat "$tmp/err")"
}
good() {
	cat <<CONF
node_id = 1
raft_address = 127.0.0.1:1
http_address = 127.0.0.1:2
data_dir = $tmp/data
consortium_key = $tmp/consortium.key
pseudonym_key = $tmp/pseudonym.key
log_origin = tlog.test.jaring.id/cli
witness_name = witness.test.jaring.id/one
cosign_policy = $tmp/policy
peer = 1 127.0.0.1:1 127.0.0.1:2
CONF
}
good >"$tmp/ok.conf"
{ good; echo "snapshot_treshold = 5"; } >"$tmp/typo.conf"
{ good; echo "idle_timeout_s = soon"; } >"$tmp/value.conf"
{ good; echo "segment_mib = 2048"; } >"$tmp/segment.conf"
good | grep -v '^peer' >"$tmp/nopeer.conf"
expect 1 "an unknown key" "line 11: unknown key 'snapshot_treshold'" inspect --config "$tmp/typo.conf"
expect 1 "a bad value" "line 11: idle_timeout_s needs a whole number" inspect --config "$tmp/value.conf"
expect 1 "a segment too large" "line 11: segment_mib needs a whole number up to 1024" inspect --config "$tmp/segment.conf"
expect 1 "no own peer line" "no 'peer = 1 ...' line" inspect --config "$tmp/nopeer.conf"
expect 1 "a missing config" "config $tmp/none.conf" inspect --config "$tmp/none.conf"
expect 3 "stop, not running" "not running" stop --config "$tmp/ok.conf"
expect 3 "inspect, not running" "does not answer" inspect --config "$tmp/ok.conf"
expect 0 "keygen consortium" "" keygen --kind consortium --out "$tmp/consortium.key"
[ -f "$tmp/consortium.key.pub" ] || fail "keygen consortium wrote no .pub"
expect 1 "keygen over a file" "" keygen --kind consortium --out "$tmp/consortium.key"
expect 0 "keygen pseudonym" "" keygen --kind pseudonym --out "$tmp/pseudonym.key"
grep -Eq '^[0-9a-f]{64}$' "$tmp/pseudonym.key" || fail "the pseudonym key is not 64 hex digits"
expect 2 "keygen, a bad kind" "--kind is consortium, log or pseudonym" keygen --kind x --out "$tmp/x"
expect 0 "init" "" init --config "$tmp/ok.conf" --json
grep -q '"witness_vkey":"witness.test.jaring.id/one+' "$tmp/out" || fail "init --json: $(cat "$tmp/out")"
[ -f "$tmp/data/witness.key" ] && [ -f "$tmp/data/witness.vkey" ] && [ -f "$tmp/data/log.vkey" ] ||
	fail "init did not write witness.key, witness.vkey and log.vkey"
expect 1 "init twice" "initialised already" init --config "$tmp/ok.conf"
expect 1 "start without a policy" "cosign policy" start --config "$tmp/ok.conf"
[ "$fails" -eq 0 ] && echo "ok jaring-node: config errors, exit codes, init, keygen"
[ "$fails" -eq 0 ]
