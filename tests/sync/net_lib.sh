# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154 # shares variables both ways with net.sh and badlink.sh
# Shared by net.sh and badlink.sh (sourced, not run): the kiosk fixture,
# starting and stopping the server and the proxy, reading JSON fields.
#
# The server command ($server) is the stand-in (tests/sync/standin.c) unless
# CMake's JR_NET_SERVER names another. Whatever it is, it is run as
#   $server --state DIR --consortium-key FILE --kiosk KEYFILE
#           --listen ADDR:PORT --port-file FILE [--follower-of URL]
# and must serve docs/http.md on ADDR:PORT (PORT 0: any; the port it took is
# written to FILE once it serves), keep its state in DIR across a SIGKILL
# and a restart, put the kiosk on its roster, and stop on SIGTERM. Checks
# that only the stand-in can answer (its --check of the centre's state, a
# downstream bundle the test places in DIR/down/, --follower-of) run only
# when $server is the stand-in; the rest read what docs/http.md promises.
set -u
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-net.XXXXXX")
pids=""
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
note() { echo "note: $*"; }

base_cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}

is_standin() { [ "$server" = "$standin" ]; }

# jget JSON KEY: a number, true/false or a string's text.
jget() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p" | head -n 1
}

# wait_file FILE: up to 10 s for it to exist.
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ "$i" -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$1" ]
}

# start_server NAME ADDR:PORT [extra args]: state $tmp/NAME, sets $url,
# $port and $spid. The prefix $netns_exec (empty on loopback) runs it in a
# namespace.
start_server() {
	sname=$1 listen=$2
	shift 2
	rm -f "$tmp/$sname.port"
	${netns_exec:-} "$server" --state "$tmp/$sname" --consortium-key "$kiosk/consortium.key" \
		--kiosk "$kiosk/kiosk.key" --listen "$listen" --port-file "$tmp/$sname.port" "$@" \
		>>"$tmp/$sname.log" 2>&1 &
	spid=$!
	pids="$pids $spid"
	wait_file "$tmp/$sname.port" || { fail "server $sname did not start: $(cat "$tmp/$sname.log")"; return 1; }
	port=$(cat "$tmp/$sname.port")
	url="http://${listen%:*}:$port"
	# Serving is not yet ready: a real node restarting replays its log and
	# elects itself first. Wait until it says it applied all it committed
	# (from here; a server in a namespace is not reachable from here).
	[ -z "${netns_exec:-}" ] || return 0
	i=0
	while [ "$i" -lt 300 ]; do
		h=$(health "$url" 2>/dev/null) || h=
		r=$(jget "$h" role)
		{ [ "$r" = leader ] || [ "$r" = follower ]; } &&
			[ -n "$(jget "$h" applied)" ] && [ "$(jget "$h" applied)" = "$(jget "$h" commit)" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	fail "server $sname did not become ready: $(tail -n 5 "$tmp/$sname.log")"
	return 1
}

stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# start_proxy TO_PORT [cutproxy options]: sets $purl, $ppid.
start_proxy() {
	to=$1
	shift
	rm -f "$tmp/proxy.port" "$tmp/proxy.count"
	"$proxy" --to "127.0.0.1:$to" --port-file "$tmp/proxy.port" --count-file "$tmp/proxy.count" \
		"$@" &
	ppid=$!
	pids="$pids $ppid"
	wait_file "$tmp/proxy.port" || { fail "proxy did not start"; return 1; }
	purl="http://127.0.0.1:$(cat "$tmp/proxy.port")"
}

# proxy_cuts: connections cut so far.
proxy_cuts() { cut -d' ' -f2 "$tmp/proxy.count"; }

# push URL [options]: prints the JSON; $rc is its exit status.
push() {
	u=$1
	shift
	out=$("$sync" push --url "$u" --shard "$kiosk/shard.db" --key "$kiosk/kiosk.key" \
		--consortium "$kiosk/consortium.pub" --json "$@" 2>"$tmp/push.err")
	rc=$?
}

pull() {
	u=$1
	shift
	out=$("$sync" pull --url "$u" --key "$kiosk/kiosk.key" --consortium "$kiosk/consortium.pub" \
		--json "$@" 2>"$tmp/pull.err")
	rc=$?
}

# health URL: the node's /v1/health JSON.
health() { "$netfix" get "$1/v1/health"; }

# centre NAME: the stand-in's own view of its centre (server stopped).
centre() { "$standin" --check "$tmp/$1" --consortium-key "$kiosk/consortium.key" --kiosk "$kiosk/kiosk.key"; }

# expect_state LABEL HEALTH-JSON: the tree and state hash of a clean push of
# the fixture ($clean_tree, $clean_hash), i.e. every block applied once.
expect_state() {
	t=$(jget "$2" tree_size)
	h=$(jget "$2" state_hash)
	[ "$t" = "$clean_tree" ] || fail "$1: the log has $t leaves, a clean push gives $clean_tree"
	[ "$h" = "$clean_hash" ] || fail "$1: the state hash differs from a clean push's"
}

kiosk=$tmp/kiosk
mkdir -p "$kiosk"
"$fixture" "$kiosk" "${JR_NET_BLOCKS:-300}" || { echo "FAIL: fixture"; exit 1; }
