#!/bin/sh
# The network link over loopback (docs/sync.md "Network link", docs/http.md):
# push and pull; the same bundles pushed twice; uploads cut mid-transfer by a
# proxy and by killing the server, each resumed with every block applied
# exactly once; the client interrupted and resumed; the server down (backoff,
# message, exit 3) and then up; a follower's 307; a bundle the node refuses
# (422); downstream resumed in one run and across runs, replaced mid-way
# (If-Range), for another kiosk, for a kiosk not on the roster.
#   net.sh JARING-SYNC SYNC-FIXTURE NET-FIXTURE CUTPROXY SERVER STANDIN
sync=$1 fixture=$2 netfix=$3 proxy=$4 server=$5 standin=$6
# shellcheck source=net_lib.sh
. "$(dirname "$0")/net_lib.sh"
trap base_cleanup EXIT INT TERM
BPB="--blocks-per-bundle 100"
N=${JR_NET_BLOCKS:-300}
NB=$(((N + 99) / 100))
spool=$kiosk/spool

# --- push and pull over loopback ---------------------------------------
start_server clean 127.0.0.1:0 || exit 1
push "$url" $BPB
[ "$rc" -eq 0 ] || fail "push exits $rc: $(cat "$tmp/push.err")"
[ "$(jget "$out" complete)" = true ] && [ "$(jget "$out" pushed)" = "$NB" ] &&
	[ "$(jget "$out" blocks_applied)" = "$N" ] && [ "$(jget "$out" acked_height)" = "$N" ] ||
	fail "push counts: $out"
kid=$(jget "$out" kiosk)
h=$(health "$url") || fail "health: $h"
clean_tree=$(jget "$h" tree_size) clean_hash=$(jget "$h" state_hash)
[ -n "$clean_tree" ] && [ "$clean_tree" -gt "$N" ] || fail "health after a push: $h"
echo "ok push: $N blocks in $NB bundles applied, acknowledged height $N, log of $clean_tree leaves"

# --- the same bundles twice ------------------------------------------------
push "$url" $BPB
[ "$rc" -eq 0 ] && [ "$(jget "$out" already)" = "$NB" ] && [ "$(jget "$out" pushed)" = 0 ] &&
	[ "$(jget "$out" sent)" = 0 ] && [ "$(jget "$out" blocks_applied)" = 0 ] &&
	[ "$(jget "$out" complete)" = true ] || fail "second push: rc $rc, $out"
expect_state "second push" "$(health "$url")"
# The same blocks in new bundles (new ids): every block known, nothing changes.
rm -rf "$spool"
push "$url" $BPB
[ "$rc" -eq 0 ] && [ "$(jget "$out" pushed)" = "$NB" ] && [ "$(jget "$out" blocks_known)" = "$N" ] &&
	[ "$(jget "$out" blocks_applied)" = 0 ] || fail "re-exported push: rc $rc, $out"
expect_state "re-exported push" "$(health "$url")"
echo "ok the same bundles pushed twice: nothing sent, state unchanged; new bundles of the same blocks: $N known, state unchanged"

# --- pull ------------------------------------------------------------------
if is_standin; then
	"$netfix" down "$kiosk/consortium.key" "$kiosk/kiosk.key" "$tmp/clean/down/$kid.jrb" 3 "$N" 2000 ||
		fail "net_fixture down"
fi
pull "$url"
[ "$rc" -eq 0 ] || fail "pull exits $rc: $(cat "$tmp/pull.err")"
f=$(jget "$out" file)
[ -n "$f" ] && [ -s "$spool/$f" ] || fail "pull kept no file: $out"
[ "$(jget "$out" received)" = "$(jget "$out" bytes)" ] || fail "pull received other than the bundle: $out"
[ -z "$(find "$spool" -name '*.TMP')" ] || fail "pull left a .TMP"
if is_standin; then
	cmp -s "$spool/$f" "$tmp/clean/down/$kid.jrb" || fail "pulled bytes differ from the node's"
	[ "$(jget "$out" statuses)" = 2000 ] && [ "$(jget "$out" acks)" = 1 ] || fail "pull counts: $out"
fi
echo "ok pull: $(jget "$out" bytes) bytes, $(jget "$out" items) items, kept as $f"
stop "$spid"
if is_standin; then
	c=$(centre clean)
	[ "$(jget "$c" head)" = "$N" ] && [ "$(jget "$c" pending)" = 0 ] && [ "$(jget "$c" refusals)" = 0 ] &&
		[ "$(jget "$c" entries)" = $((1 + NB * 2)) ] || fail "centre after clean pushes: $c"
fi

# --- an upload cut mid-transfer by the link ------------------------------------
rm -rf "$spool"
start_server cut 127.0.0.1:0 || exit 1
start_proxy "$port" --cut-up 25000 --cuts 6 --jitter
push "$purl" $BPB --retries 4
[ "$rc" -eq 0 ] && [ "$(jget "$out" complete)" = true ] && [ "$(jget "$out" blocks_applied)" = "$N" ] ||
	fail "push through cuts: rc $rc, $out $(cat "$tmp/push.err")"
cuts=$(proxy_cuts)
[ "$cuts" -ge 1 ] || fail "the proxy cut nothing: the test is blind"
grep -q "retrying in" "$tmp/push.err" || fail "no retry was reported"
expect_state "after $cuts cuts" "$(health "$url")"
stop "$ppid"
stop "$spid"
if is_standin; then
	c=$(centre cut)
	[ "$(jget "$c" head)" = "$N" ] && [ "$(jget "$c" entries)" = $((1 + NB)) ] &&
		[ "$(jget "$c" refusals)" = 0 ] || fail "centre after cuts: $c"
fi
echo "ok $cuts uploads cut mid-transfer, resumed from the node's offset: each block applied once ($(jget "$out" sent) bytes sent for $(jget "$out" bytes))"

# --- the server killed mid-upload, restarted ---------------------------------
rm -rf "$spool"
start_server kill 127.0.0.1:0 || exit 1
kport=$port
start_proxy "$kport" --delay-ms 40
"$sync" push --url "$purl" --shard "$kiosk/shard.db" --key "$kiosk/kiosk.key" \
	--consortium "$kiosk/consortium.pub" --json --blocks-per-bundle "$N" --retries 12 --timeout 3 \
	>"$tmp/kill.out" 2>"$tmp/kill.err" &
cpid=$!
i=0
while [ "$i" -lt 200 ]; do
	part=$(find "$tmp/kill" -name '*.part' -size +1k 2>/dev/null | head -n 1)
	[ -n "$part" ] && break
	sleep 0.02
	i=$((i + 1))
done
[ -n "$part" ] || note "the upload was never caught part-way"
kill -9 "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
had=$(stat -c %s "$part" 2>/dev/null || echo 0)
sleep 0.5
start_server kill "127.0.0.1:$kport" || exit 1
wait "$cpid"
rc=$?
out=$(cat "$tmp/kill.out")
[ "$rc" -eq 0 ] && [ "$(jget "$out" complete)" = true ] || fail "push across a server restart: rc $rc, $out $(cat "$tmp/kill.err")"
expect_state "after the server restart" "$(health "$url")"
stop "$ppid"
stop "$spid"
if is_standin; then
	c=$(centre kill)
	[ "$(jget "$c" head)" = "$N" ] && [ "$(jget "$c" entries)" = 2 ] || fail "centre after the restart: $c"
fi
echo "ok the server killed with $had bytes of the upload in, restarted: the push resumed and every block is applied once"

# --- the client interrupted (SIGTERM) and run again -------------------------
rm -rf "$spool"
start_server intr 127.0.0.1:0 || exit 1
start_proxy "$port" --delay-ms 40
"$sync" push --url "$purl" --shard "$kiosk/shard.db" --key "$kiosk/kiosk.key" \
	--consortium "$kiosk/consortium.pub" --json --blocks-per-bundle "$N" >"$tmp/intr.out" 2>"$tmp/intr.err" &
cpid=$!
i=0
while [ "$i" -lt 200 ] && [ -z "$(find "$tmp/intr" -name '*.part' -size +1k 2>/dev/null)" ]; do
	sleep 0.02
	i=$((i + 1))
done
kill -TERM "$cpid"
wait "$cpid"
rc=$?
[ "$rc" -eq 4 ] || fail "an interrupted push exits $rc, not 4: $(cat "$tmp/intr.err")"
grep -q "cancelled" "$tmp/intr.err" || fail "interrupted push message: $(cat "$tmp/intr.err")"
push "$url"
[ "$rc" -eq 0 ] && [ "$(jget "$out" complete)" = true ] || fail "push after the interruption: rc $rc, $out $(cat "$tmp/push.err") $(tail -n 5 "$tmp/intr.log")"
stop "$ppid"
stop "$spid"
is_standin && { c=$(centre intr); [ "$(jget "$c" head)" = "$N" ] && [ "$(jget "$c" entries)" = 2 ] ||
	fail "centre after the interruption: $c"; }
echo "ok a push interrupted by SIGTERM exits 4 and the next push completes it"

# --- the server down: backoff, message, exit code; then up ------------------
rm -rf "$spool"
start_server down 127.0.0.1:0 || exit 1
dport=$port
stop "$spid"
t0=$(date +%s)
push "http://127.0.0.1:$dport" --retries 3 --timeout 2
t1=$(date +%s)
[ "$rc" -eq 3 ] || fail "push to a server that is down exits $rc, not 3"
grep -q "gave up after 4 attempts" "$tmp/push.err" && grep -q "nothing was lost" "$tmp/push.err" ||
	fail "server-down message: $(cat "$tmp/push.err")"
[ "$(grep -c 'retrying in' "$tmp/push.err")" -eq 3 ] || fail "not 3 retries: $(cat "$tmp/push.err")"
[ "$(jget "$out" error)" = unreachable ] && [ "$(jget "$out" retries)" = 3 ] || fail "server-down JSON: $out"
[ $((t1 - t0)) -le 6 ] || fail "3 retries took $((t1 - t0)) s, above 0.25+0.5+1 s of backoff"
push "http://127.0.0.1:$dport" --retries 1000 --max-time 2
t2=$(date +%s)
[ "$rc" -eq 3 ] && grep -q "time limit of 2 s" "$tmp/push.err" && [ $((t2 - t1)) -le 4 ] ||
	fail "--max-time 2: rc $rc after $((t2 - t1)) s: $(cat "$tmp/push.err")"
"$sync" inspect --drive "$spool" --json | grep -q "\"blocks\":$N" || fail "the spool lost bundles"
start_server down "127.0.0.1:$dport" || exit 1
push "$url"
[ "$rc" -eq 0 ] && [ "$(jget "$out" complete)" = true ] || fail "push once the server is up: rc $rc, $out"
echo "ok server down: 3 retries in $((t1 - t0)) s, then exit 3 with a message; --max-time bounds it; once up, the same push completes"
stop "$spid"

# --- a follower's 307 to the leader -------------------------------------------
if is_standin; then
	rm -rf "$spool"
	start_server lead 127.0.0.1:0 || exit 1
	lurl=$url lpid=$spid
	start_server foll 127.0.0.1:0 --follower-of "$lurl" || exit 1
	push "$url" $BPB
	[ "$rc" -eq 0 ] && [ "$(jget "$out" complete)" = true ] && [ "$(jget "$out" url)" = "$lurl" ] &&
		[ "$(jget "$out" redirects)" -ge 1 ] || fail "push through a follower: rc $rc, $out"
	expect_state "pushed through a follower" "$(health "$lurl")"
	stop "$spid"
	stop "$lpid"
	echo "ok a follower's 307 followed once: the push went to the leader ($(jget "$out" redirects) redirects)"
fi

# --- a bundle the node refuses (422) -------------------------------------------
rm -rf "$spool"
mkdir -p "$spool"
start_server bad 127.0.0.1:0 || exit 1
"$sync" export --drive "$spool" --shard "$kiosk/shard.db" --key "$kiosk/kiosk.key" \
	--consortium "$kiosk/consortium.pub" $BPB >/dev/null || fail "export to the spool"
b=$(find "$spool/JARING/UP" -name '*.JRB' | sort | head -n 1)
# One byte of the body changed: the header still verifies, the body does not.
byte=$(od -An -tu1 -j 2000 -N1 "$b" | tr -d ' ')
[ "$byte" = 0 ] && new='\001' || new='\000'
printf "$new" | dd of="$b" bs=1 seek=2000 conv=notrunc 2>/dev/null
before=$(health "$url")
push "$url" $BPB
[ "$rc" -eq 1 ] && grep -q "refused" "$tmp/push.err" && grep -q "removed from the spool" "$tmp/push.err" ||
	fail "a damaged bundle: rc $rc, $(cat "$tmp/push.err")"
[ "$(jget "$(health "$url")" tree_size)" = "$(jget "$before" tree_size)" ] ||
	fail "a refused bundle changed the node"
push "$url" $BPB
[ "$rc" -eq 0 ] && [ "$(jget "$out" complete)" = true ] || fail "push after a refusal: rc $rc, $out"
expect_state "after a refused bundle" "$(health "$url")"
echo "ok a bundle whose body was damaged is refused (422, exit 1), dropped, rewritten by the next push"
# A kiosk of this centre that is not on the roster; one of another centre.
other=$tmp/other alien=$tmp/alien
mkdir -p "$other" "$alien"
cp "$kiosk/consortium.key" "$kiosk/officer.key" "$other/" && "$fixture" "$other" 3 >/dev/null && "$fixture" "$alien" 3 >/dev/null ||
	fail "fixtures"
for k in other alien; do
	"$sync" push --url "$url" --shard "$tmp/$k/shard.db" --key "$tmp/$k/kiosk.key" \
		--consortium "$tmp/$k/consortium.pub" >/dev/null 2>"$tmp/$k.err"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q "422 refused" "$tmp/$k.err" || fail "$k kiosk: rc $rc, $(cat "$tmp/$k.err")"
done
grep -q "not a kiosk on the roster\|not on the roster" "$tmp/other.err" || fail "unknown kiosk message: $(cat "$tmp/other.err")"
grep -q "not for this consortium\|encrypted to another key than\|none of this cluster.s consortium keys" "$tmp/alien.err" || fail "other centre message: $(cat "$tmp/alien.err")"
[ "$(jget "$(health "$url")" tree_size)" = "$clean_tree" ] || fail "refused kiosks changed the node"
echo "ok a kiosk not on the roster, and one of another centre: refused (422) at the header, exit 1, node unchanged"
stop "$spid"

# --- downstream: resumed, replaced, wrong recipient, not on the roster ------------
if is_standin; then
	start_server dl 127.0.0.1:0 || exit 1
	d=$tmp/dl/down/$kid.jrb
	"$netfix" down "$kiosk/consortium.key" "$kiosk/kiosk.key" "$d" 5 "$N" 3000 || fail "net_fixture"
	size=$(stat -c %s "$d")
	rm -rf "$spool"
	start_proxy "$port" --cut-down 150000 --cuts 3 --jitter
	pull "$purl"
	[ "$rc" -eq 0 ] && [ "$(jget "$out" received)" = "$size" ] && [ "$(jget "$out" resumed_from)" -gt 0 ] ||
		fail "pull through cuts: rc $rc, $out $(cat "$tmp/pull.err")"
	cmp -s "$spool/$(jget "$out" file)" "$d" || fail "pull through cuts: bytes differ"
	echo "ok a download cut $(proxy_cuts) times resumed with Range: $size bytes received for $size"
	stop "$ppid"
	# Across runs: the first gives up with part of it, the second resumes.
	rm -rf "$spool"
	start_proxy "$port" --cut-down 100000 --cuts 1
	pull "$purl" --retries 0
	[ "$rc" -eq 3 ] || fail "pull cut with --retries 0 exits $rc"
	got=$(jget "$out" received)
	pull "$purl"
	[ "$rc" -eq 0 ] && [ "$(jget "$out" resumed_from)" = "$got" ] &&
		[ $((got + $(jget "$out" received))) -eq "$size" ] || fail "pull resumed across runs: $got, $out"
	echo "ok a pull that gave up at byte $got resumed there in the next run, nothing fetched twice"
	stop "$ppid"
	# Replaced between the runs: If-Range does not match, the new one comes whole.
	rm -rf "$spool"
	start_proxy "$port" --cut-down 100000 --cuts 1
	pull "$purl" --retries 0
	[ "$rc" -eq 3 ] || fail "pull cut with --retries 0 exits $rc"
	"$netfix" down "$kiosk/consortium.key" "$kiosk/kiosk.key" "$d" 6 "$N" 10 || fail "net_fixture"
	pull "$purl"
	[ "$rc" -eq 0 ] && [ "$(jget "$out" replaced)" = true ] && [ "$(jget "$out" sequence)" = 6 ] &&
		cmp -s "$spool/$(jget "$out" file)" "$d" || fail "pull of a replaced bundle: rc $rc, $out"
	echo "ok a downstream bundle replaced mid-way: If-Range missed, the new one fetched whole"
	stop "$ppid"
	# For another kiosk: refused as soon as its header is in, nothing kept.
	"$netfix" down "$kiosk/consortium.key" "$other/kiosk.key" "$d" 7 "$N" 10 || fail "net_fixture"
	rm -rf "$spool"
	pull "$url"
	[ "$rc" -eq 1 ] && grep -q "for another kiosk" "$tmp/pull.err" || fail "a bundle for another kiosk: rc $rc, $(cat "$tmp/pull.err")"
	[ -z "$(find "$spool" -type f)" ] || fail "a bundle for another kiosk left files"
	# Signed by someone else: pull fetches it (whether a sender is a key the
	# kiosk may take is decided when the kiosk applies the bundle, through the
	# roster chain it carries: after a key rotation the sender is the new key;
	# tests/unit/test_downstream.c refuses a stranger's there).
	"$netfix" down "$alien/consortium.key" "$kiosk/kiosk.key" "$d" 7 "$N" 10 || fail "net_fixture"
	pull "$url"
	[ "$rc" -eq 0 ] || fail "a bundle from another sender: pull exits $rc: $(cat "$tmp/pull.err")"
	# Not on the roster.
	"$sync" pull --url "$url" --key "$other/kiosk.key" --consortium "$other/consortium.pub" \
		>/dev/null 2>"$tmp/pull.err"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q "not on the centre's roster" "$tmp/pull.err" || fail "pull for an unknown kiosk: rc $rc"
	echo "ok downstream for another kiosk, for a kiosk not on the roster: refused, nothing kept; from another signer: fetched, for the kiosk to judge"
	stop "$spid"
fi

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
