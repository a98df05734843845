#!/usr/bin/env bash
# The HTTP API of one jaring-node (a cluster of one) against docs/http.md:
# a resumable upload in two pieces, idempotent repeats, every refusal a JSON
# error that changes nothing, tiles, a consistency proof, the checkpoint,
# and the caps.
#   http_api.sh NODE_BIN FIXTURE_BIN WORKDIR SYNC_BIN
set -euo pipefail
bin=$1 fix=$2 work=$3 sync=$4
rm -rf "$work" && mkdir -p "$work"
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true' EXIT
fails=0
fail() { echo "FAIL http_api: $*"; fails=$((fails + 1)); }
# shellcheck source=one_node.sh
. "$(dirname "$0")/one_node.sh"
read -r rp hp < <(free_ports 2)
base=http://127.0.0.1:$hp
"$fix" "$work" 1 2 4 8
one_node_init "$bin" "$work" http 127.0.0.1 "$rp" "$hp" "max_connections = 8
idle_timeout_s = 2"
one_node_start "$bin" "$work" "$work/log" || { echo "FAIL http_api: no leader"; tail "$work/log"; exit 1; }
pid=$one_pid

# expect STATUS CODE curl-args...: the status, and a JSON error code (or "-")
expect() {
  local want=$1 code=$2 got; shift 2
  got=$(curl -s -o "$work/body" -w '%{http_code}' "$@")
  [ "$got" = "$want" ] || fail "$* answered $got, not $want: $(head -c 300 "$work/body")"
  if [ "$code" != - ]; then
    grep -q "\"error\":\"$code\"" "$work/body" || fail "$*: no error '$code': $(head -c 300 "$work/body")"
    grep -q '"message":"' "$work/body" || [ "$code" = bad-offset ] || fail "$*: no message"
  fi
}
read -r id len f _ < <(sed -n 1p "$work/bundles.txt")
read -r id2 len2 f2 _ < <(sed -n 2p "$work/bundles.txt")
half=$((len / 2))
head -c "$half" "$f" >"$work/first"
tail -c +$((half + 1)) "$f" >"$work/rest"

expect 200 - -X POST --data-binary @"$work/roster.entry" "$base/v1/acts"
grep -q '"outcome":"applied"' "$work/body" || fail "roster: $(cat "$work/body")"
cp "$work/body" "$work/roster-answer"
expect 200 - -X POST --data-binary @"$work/roster.entry" "$base/v1/acts"
cmp -s "$work/body" "$work/roster-answer" ||
  fail "the roster again does not answer its first outcome: $(cat "$work/body")"
expect 422 refused -X POST --data-binary "not an entry" "$base/v1/acts"
head -c 4194305 /dev/zero >"$work/big" # one byte over JR_HTTP_ACT_MAX
expect 413 too-large -X POST --data-binary @"$work/big" "$base/v1/acts"
expect 405 method -X DELETE "$base/v1/health"
expect 404 not-found "$base/v1/nothing"
expect 400 bad-id "$base/v1/bundles/ABC"
expect 400 bad-id "$base/v1/bundles/$(echo "$id" | tr a-f A-F)"
expect 404 - -I "$base/v1/bundles/$id"
expect 404 not-found "$base/v1/kiosks/0123456789abcdef0123456789abcdef/downstream"
expect 409 bad-offset -X PUT --data-binary @"$work/rest" -H "Upload-Offset: $half" \
  -H "Upload-Length: $len" "$base/v1/bundles/$id"
grep -q '"expected":0' "$work/body" || fail "bad offset does not name 0: $(cat "$work/body")"
expect 400 bad-request -X PUT --data-binary @"$work/first" "$base/v1/bundles/$id"
expect 422 refused -X PUT --data-binary @"$work/first" -H "Upload-Offset: 0" \
  -H "Upload-Length: $len" "$base/v1/bundles/$id2"
grep -q "another id" "$work/body" || fail "a bundle under another id: $(cat "$work/body")"
expect 404 - -I "$base/v1/bundles/$id2"
head -c $((5 * 1024 * 1024)) /dev/zero >"$work/huge"
expect 413 too-large -X PUT --data-binary @"$work/huge" -H "Upload-Offset: 0" \
  -H "Upload-Length: $((5 * 1024 * 1024))" "$base/v1/bundles/$id"
# the resumable upload: a piece, HEAD, the rest
expect 200 - -X PUT --data-binary @"$work/first" -H "Upload-Offset: 0" -H "Upload-Length: $len" \
  "$base/v1/bundles/$id"
grep -q "\"state\":\"partial\",\"offset\":$half" "$work/body" || fail "partial: $(cat "$work/body")"
curl -s -I "$base/v1/bundles/$id" | tr -d '\r' >"$work/head"
grep -q "^Upload-Offset: $half$" "$work/head" || fail "HEAD mid-upload: $(cat "$work/head")"
grep -q "^Upload-Length: $len$" "$work/head" || fail "HEAD mid-upload: $(cat "$work/head")"
expect 409 bad-offset -X PUT --data-binary @"$work/first" -H "Upload-Offset: 0" \
  -H "Upload-Length: $len" "$base/v1/bundles/$id"
grep -q "\"expected\":$half" "$work/body" || fail "bad offset mid-upload: $(cat "$work/body")"
# An empty PUT completes only a whole bundle; here it is refused, nothing changed.
expect 400 bad-request -X PUT -H "Content-Length: 0" -H "Upload-Offset: $half" \
  -H "Upload-Length: $len" "$base/v1/bundles/$id"
# The node stopped and started again mid-upload: the bytes it had are kept.
"$bin" stop --config "$work/n.conf" >/dev/null || fail "stop mid-upload"
wait "$pid" || fail "the node exited with an error when stopped mid-upload"
ls "$work/d/uploads/$id.$len.part" >/dev/null 2>&1 || fail "the upload's file is gone after a stop"
one_node_start "$bin" "$work" "$work/log" || fail "no leader after the restart"
pid=$one_pid
curl -s -I "$base/v1/bundles/$id" | tr -d '\r' >"$work/head"
grep -q "^Upload-Offset: $half$" "$work/head" || fail "HEAD after a restart: $(cat "$work/head")"
expect 200 - -X PUT --data-binary @"$work/rest" -H "Upload-Offset: $half" -H "Upload-Length: $len" \
  "$base/v1/bundles/$id"
grep -q '"state":"applied".*"blocks":4,"blocks_applied":4' "$work/body" ||
  fail "completed upload: $(cat "$work/body")"
cp "$work/body" "$work/first-answer"
expect 200 - -X PUT --data-binary @"$work/first" -H "Upload-Offset: 0" -H "Upload-Length: $len" \
  "$base/v1/bundles/$id"
cmp -s "$work/body" "$work/first-answer" || fail "a repeated PUT answers otherwise: $(cat "$work/body")"
expect 200 - "$base/v1/bundles/$id"
cmp -s "$work/body" "$work/first-answer" || fail "GET answers otherwise: $(cat "$work/body")"
curl -s -I "$base/v1/bundles/$id" | tr -d '\r' | grep -q '^Bundle-State: applied$' ||
  fail "HEAD of an applied bundle"
# a bundle whose body is damaged after a good header: refused whole
cp "$f2" "$work/bad"
printf 'XXXX' | dd of="$work/bad" bs=1 seek=2000 conv=notrunc status=none
expect 422 refused -X PUT --data-binary @"$work/bad" -H "Upload-Offset: 0" -H "Upload-Length: $len2" \
  "$base/v1/bundles/$id2"
expect 404 - -I "$base/v1/bundles/$id2"
size=$(curl -s "$base/v1/health" | sed -n 's/.*"tree_size":\([0-9]*\).*/\1/p')
[ "$size" = 37 ] || fail "tree size $size, not 37 (roster, 4 blocks, 32 registrations)"
expect 200 - "$base/tile/0/000.p/$size"
[ "$(wc -c <"$work/body")" = $((32 * size)) ] || fail "tile of $size hashes is $(wc -c <"$work/body") bytes"
expect 404 not-found "$base/tile/0/000.p/$((size + 1))"
expect 200 - "$base/tile/entries/000.p/$size"
expect 400 bad-id "$base/tile/0/0.p/5"
expect 200 - "$base/v1/proof/consistency?old=1&new=$size"
grep -q '"proof":\["' "$work/body" || fail "consistency proof: $(cat "$work/body")"
expect 400 bad-request "$base/v1/proof/consistency?old=9&new=2"
expect 404 not-found "$base/v1/proof/registration/0123456789abcdef0123456789abcdef"
for _ in $(seq 1 50); do curl -s "$base/checkpoint" | sed -n 2p | grep -qx "$size" && break; sleep 0.1; done
curl -s "$base/checkpoint" | sed -n 2p | grep -qx "$size" || fail "no checkpoint of size $size"
expect 200 - "$base/v1/proof/registration/$(sed -n 3p "$work/regids.txt")"
{ read -r l1; read -r l2; } <"$work/body"
[ "$l1" = c2sp.org/tlog-proof@v1 ] && case $l2 in "index "*) true ;; *) false ;; esac ||
  fail "registration proof: $(head -c 300 "$work/body")"
curl -s "$base/checkpoint" >"$work/cp"
tail -c "$(wc -c <"$work/cp")" "$work/body" | cmp -s - "$work/cp" ||
  fail "the proof does not end in the cosigned checkpoint"
expect 200 - "$base/v1/stats"
# The first kiosk's downstream bundle: fetched whole, then resumed from the
# middle against its ETag (206), and read whole by jaring-sync pull with the
# kiosk's key: 32 statuses (the registrations of the bundle applied), the ack.
kiosk_hex=$(cat "$work/kiosk0.id")
curl -s -D "$work/dh" -o "$work/down" "$base/v1/kiosks/$kiosk_hex/downstream"
tr -d '\r' <"$work/dh" | grep -q '^HTTP/1.1 200' || fail "downstream: $(head -c 300 "$work/down")"
etag=$(tr -d '\r' <"$work/dh" | sed -n 's/^ETag: //p')
dlen=$(wc -c <"$work/down")
curl -s -D "$work/dh2" -o "$work/down2" -H "Range: bytes=$((dlen / 2))-" -H "If-Range: $etag" \
  "$base/v1/kiosks/$kiosk_hex/downstream"
tr -d '\r' <"$work/dh2" | grep -q '^HTTP/1.1 206' || fail "downstream resume: $(cat "$work/dh2")"
tail -c +$((dlen / 2 + 1)) "$work/down" | cmp -s - "$work/down2" || fail "the resumed part differs"
"$sync" pull --url "$base" --key "$work/kiosk0.key" --consortium "$work/consortium.pub" \
  --spool "$work/spool" --json >"$work/pull.json" 2>"$work/pull.err" ||
  fail "jaring-sync pull from the node: $(cat "$work/pull.err")"
grep -q '"statuses":32' "$work/pull.json" || fail "pull: $(cat "$work/pull.json")"
# Caps: 8 idle connections fill the node; a 9th request is turned away; the
# idle ones are closed after 2 s and the node answers again.
python3 - "$hp" >"$work/caps" <<'PY' &
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(8)]
print("open", flush=True)
time.sleep(6)
PY
hold=$!
for _ in $(seq 1 50); do grep -q open "$work/caps" && break; sleep 0.1; done
sleep 0.3
code=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "$base/v1/health" || true)
[ "$code" = 000 ] || fail "a 9th connection was served ($code) with 8 idle ones open"
sleep 3
code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$base/v1/health" || true)
[ "$code" = 200 ] || fail "after the idle timeout the node answers $code, not 200"
kill "$hold" 2>/dev/null || true
grep -q '"registrations":32' "$work/body" || fail "stats: $(cat "$work/body")"
"$bin" stop --config "$work/n.conf" >/dev/null || fail "stop"
wait "$pid" || fail "the node exited with an error"
pid=
[ "$fails" = 0 ] && echo "http api: ok"
[ "$fails" = 0 ]
