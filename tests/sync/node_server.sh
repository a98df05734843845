#!/bin/sh
# The real node behind the network-link tests (tests/sync/net.sh, badlink.sh):
# a one-node jaring-node cluster taking the stand-in's arguments
# (tests/sync/net_lib.sh), so the same tests run against jaring-node itself.
#   node_server.sh NODE_BIN ADMIN_BIN --state DIR --consortium-key FILE
#                  --kiosk KEYFILE --listen ADDR:PORT --port-file FILE
#                  [--members FILE] [--consortium-added FILE]
# --members: the roster's members, one jaring-admin member spec a line
# (docs/admin.md), instead of the one kiosk with the upload permission.
# --consortium-added: a later consortium key the node holds for a rotation
# (docs/node.md consortium_key_added).
# First run in DIR: the cluster's keys, its config, init, the cosigning
# policy, the node started once to take the roster naming the kiosk. Every
# run then becomes the node itself (exec), so SIGTERM stops it and SIGKILL
# kills it, state kept in DIR as the tests expect.
set -eu
node=$1 admin=$2
shift 2
state='' cons='' kiosk='' listen='' portfile='' members='' added=''
while [ $# -gt 0 ]; do
	case $1 in
	--state) state=$2 ;;
	--consortium-key) cons=$2 ;;
	--kiosk) kiosk=$2 ;;
	--listen) listen=$2 ;;
	--port-file) portfile=$2 ;;
	--members) members=$2 ;;
	--consortium-added) added=$2 ;;
	--follower-of) echo "node_server.sh: --follower-of is the stand-in's" >&2; exit 2 ;;
	*) echo "node_server.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift 2
done
[ -n "$state" ] && [ -n "$cons" ] && [ -n "$kiosk" ] && [ -n "$listen" ] && [ -n "$portfile" ] ||
	{ echo "node_server.sh: --state, --consortium-key, --kiosk, --listen and --port-file are needed" >&2; exit 2; }
host=${listen%:*} port=${listen##*:}
# shellcheck source=../../node/tests/one_node.sh
. "$(dirname "$0")/../../node/tests/one_node.sh"
conf=$state/n.conf
if [ ! -s "$conf" ]; then
	mkdir -p "$state"
	ports=$(free_ports 2 "$host")
	raft=${ports% *}
	[ "$port" = 0 ] && port=${ports#* }
	# One pseudonym key for every server of a test run: the state hashes of
	# two servers given the same blocks must agree (a real cluster's nodes
	# share theirs the same way).
	printf '%s\n' 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a \
		>"$state/pseudonym.key"
	chmod 600 "$state/pseudonym.key"
	one_consortium=$cons
	one_node_init "$node" "$state" net "$host" "$raft" "$port" \
		"${added:+consortium_key_added = $added}" || exit 1
	one_node_start "$node" "$state" "$state/first.log" ||
		{ kill "$one_pid"; echo "node_server.sh: no leader" >&2; exit 1; }
	if [ -n "$members" ]; then
		set -- --members "$members"
	else
		set -- --member "kiosk:$kiosk:diskominfo:0:upload"
	fi
	"$admin" roster --consortium "$cons" --serial 1 "$@" --out "$state/roster.entry" >/dev/null
	"$admin" submit --node "http://$host:$port" "$state/roster.entry" >/dev/null
	kill "$one_pid"
	wait "$one_pid" || true
else
	port=$(sed -n 's/^http_address = .*:\([0-9]*\)$/\1/p' "$conf")
fi
# The node listens as soon as it starts; the client retries until it answers.
printf '%s\n' "$port" >"$portfile.tmp" && mv "$portfile.tmp" "$portfile"
exec "$node" start --config "$conf"
