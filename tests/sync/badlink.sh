#!/bin/sh
# The network link over a bad link, two ways:
# 1. always (CI included): a loopback proxy (cutproxy) that drops the first
#    connections, delays everything and cuts every connection at a random
#    byte; push and pull must complete with every block applied once and the
#    download fetched byte for byte once;
# 2. where the machine allows (root, `ip netns add`): the test's own two
#    network namespaces joined by a veth pair, the stand-in node in one and
#    jaring-sync in the other, with tc netem loss and delay if the kernel has
#    it (said so, and replaced by a tbf rate limit, if not) and link cuts
#    (the veth set down for 3 s in the middle of a transfer). Refused: the
#    test says so and skips that part. Namespaces are removed on exit.
#   badlink.sh JARING-SYNC SYNC-FIXTURE NET-FIXTURE CUTPROXY SERVER STANDIN
sync=$1 fixture=$2 netfix=$3 proxy=$4 server=$5 standin=$6
# shellcheck source=net_lib.sh
. "$(dirname "$0")/net_lib.sh"
N=${JR_NET_BLOCKS:-300}
spool=$kiosk/spool
nsS=jrs$$ nsC=jrc$$ vS=jrvs$$ vC=jrvc$$
netns_made=""
cleanup() {
	base_cleanup
	for n in $netns_made; do ip netns del "$n" 2>/dev/null; done
}
trap cleanup EXIT INT TERM

# A clean push first, for the state every later push must reach.
start_server clean 127.0.0.1:0 || exit 1
push "$url" --blocks-per-bundle 100
[ "$rc" -eq 0 ] || fail "clean push: $(cat "$tmp/push.err")"
kid=$(jget "$out" kiosk)
h=$(health "$url")
clean_tree=$(jget "$h" tree_size) clean_hash=$(jget "$h" state_hash)
stop "$spid"

# --- 1. the loopback proxy ------------------------------------------------------
rm -rf "$spool"
start_server lossy 127.0.0.1:0 || exit 1
start_proxy "$port" --drop-first 2 --delay-ms 5 --cut-up 40000 --cut-down 60000 --cuts 0 --jitter
push "$purl" --blocks-per-bundle 100 --retries 6 --timeout 5
[ "$rc" -eq 0 ] && [ "$(jget "$out" complete)" = true ] ||
	fail "push over the lossy proxy: rc $rc, $out $(cat "$tmp/push.err")"
expect_state "push over the lossy proxy" "$(health "$url")"
ups=$(proxy_cuts)
[ "$ups" -ge 2 ] || fail "the proxy cut only $ups connections: the test is blind"
if is_standin; then
	d=$tmp/lossy/down/$kid.jrb
	"$netfix" down "$kiosk/consortium.key" "$kiosk/kiosk.key" "$d" 3 "$N" 2000 || fail "net_fixture"
	size=$(stat -c %s "$d")
	pull "$purl" --retries 6 --timeout 5
	[ "$rc" -eq 0 ] && [ "$(jget "$out" received)" = "$size" ] && cmp -s "$spool/$(jget "$out" file)" "$d" ||
		fail "pull over the lossy proxy: rc $rc, $out $(cat "$tmp/pull.err")"
fi
echo "ok over a proxy that drops, delays and cuts every connection ($(cut -d' ' -f1 "$tmp/proxy.count") connections, $(proxy_cuts) cut): push and pull complete, every block applied once, every byte fetched once"
stop "$ppid"
stop "$spid"

# --- 2. network namespaces -------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP namespaces: not root; the loopback proxy above ran instead"
	[ "$fails" -eq 0 ] || exit 1
	exit 0
fi
if ! ip netns add "$nsS" 2>"$tmp/netns.err"; then
	echo "SKIP namespaces: this machine refuses 'ip netns add' ($(head -n 1 "$tmp/netns.err")); the loopback proxy above ran instead"
	[ "$fails" -eq 0 ] || exit 1
	exit 0
fi
netns_made=$nsS
ip netns add "$nsC" && netns_made="$nsS $nsC" || fail "second namespace"
ip link add "$vS" type veth peer name "$vC" && ip link set "$vS" netns "$nsS" &&
	ip link set "$vC" netns "$nsC" &&
	ip -n "$nsS" addr add 10.199.77.1/30 dev "$vS" && ip -n "$nsC" addr add 10.199.77.2/30 dev "$vC" &&
	ip -n "$nsS" link set "$vS" up && ip -n "$nsC" link set "$vC" up &&
	ip -n "$nsS" link set lo up && ip -n "$nsC" link set lo up || fail "veth between the namespaces"
if ip netns exec "$nsS" tc qdisc add dev "$vS" root netem delay 40ms 10ms loss 2% 2>"$tmp/tc.err" &&
   ip netns exec "$nsC" tc qdisc add dev "$vC" root netem delay 40ms 10ms loss 2% 2>>"$tmp/tc.err"; then
	shape="netem: 40±10 ms each way, 2% loss"
else
	echo "note: tc netem is refused here ($(head -n 1 "$tmp/tc.err")): no loss or delay emulation;" \
		"the namespaces get a tbf rate limit of 1 Mbit/s and link cuts instead"
	ip netns exec "$nsS" tc qdisc add dev "$vS" root tbf rate 1mbit burst 16kb latency 400ms &&
		ip netns exec "$nsC" tc qdisc add dev "$vC" root tbf rate 1mbit burst 16kb latency 400ms ||
		fail "tbf on the veth"
	shape="tbf 1 Mbit/s"
fi
# cut_link_after S: the client's veth down for 3 s, S seconds from now
# (longer than --timeout 1, so the transfer notices rather than TCP
# simply retransmitting).
cut_link_after() {
	( sleep "$1"; ip -n "$nsC" link set "$vC" down; sleep 3; ip -n "$nsC" link set "$vC" up ) &
	cutter=$!
}
rm -rf "$spool"
netns_exec="ip netns exec $nsS"
start_server ns 10.199.77.1:0 || exit 1
netns_exec=""
cut_link_after 0.4
ip netns exec "$nsC" "$sync" push --url "$url" --shard "$kiosk/shard.db" --key "$kiosk/kiosk.key" \
	--consortium "$kiosk/consortium.pub" --json --blocks-per-bundle 100 --timeout 1 --retries 10 \
	>"$tmp/ns.out" 2>"$tmp/ns.err"
rc=$?
wait "$cutter"
out=$(cat "$tmp/ns.out")
[ "$rc" -eq 0 ] && [ "$(jget "$out" complete)" = true ] || fail "push across namespaces: rc $rc, $out $(cat "$tmp/ns.err")"
grep -q "retrying in" "$tmp/ns.err" || note "the link cut came after the push finished (no retry)"
expect_state "push across namespaces" "$(ip netns exec "$nsC" "$netfix" get "$url/v1/health")"
retries=$(jget "$out" retries)
if is_standin; then
	d=$tmp/ns/down/$kid.jrb
	"$netfix" down "$kiosk/consortium.key" "$kiosk/kiosk.key" "$d" 3 "$N" 1000 || fail "net_fixture"
	size=$(stat -c %s "$d")
	cut_link_after 0.5
	ip netns exec "$nsC" "$sync" pull --url "$url" --key "$kiosk/kiosk.key" \
		--consortium "$kiosk/consortium.pub" --json --timeout 1 --retries 10 >"$tmp/ns.out" 2>"$tmp/ns.err"
	rc=$?
	wait "$cutter"
	out=$(cat "$tmp/ns.out")
	[ "$rc" -eq 0 ] && [ "$(jget "$out" received)" = "$size" ] && cmp -s "$spool/$(jget "$out" file)" "$d" ||
		fail "pull across namespaces: rc $rc, $out $(cat "$tmp/ns.err")"
	retries="$retries, pull $(jget "$out" retries)"
fi
stop "$spid"
echo "ok across two network namespaces ($shape, the link cut for 3 s mid-transfer): push and pull complete, every block applied once (retries: push $retries)"
[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
