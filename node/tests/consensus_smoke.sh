#!/usr/bin/env bash
# Three consensus nodes as real processes on loopback (libuv backend): they
# apply N entries, the leader is killed with SIGKILL and restarted, and in the
# end all three hold the same count and state hash. Starts and stops
# everything itself. Usage: consensus_smoke.sh NODE_BINARY WORKDIR
set -euo pipefail
bin=$1 work=$2 N=300
rm -rf "$work" && mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Three free loopback ports, chosen by the kernel.
read -r p1 p2 p3 < <(python3 -c 'import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
peers="1=127.0.0.1:$p1,2=127.0.0.1:$p2,3=127.0.0.1:$p3"

start() { # id
  mkdir -p "$work/n$1"
  "$bin" "$1" "$work/n$1" "$work/status$1" "$N" "$peers" 2>>"$work/log$1" &
  pids[$1]=$!
}
field() { # id column
  [ -f "$work/status$1" ] && cut -d' ' -f"$2" "$work/status$1" || echo 0
}
wait_for() { # seconds, condition...
  local end=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.1
  done
}
some_applied_half() { for i in 1 2 3; do [ "$(field $i 1)" -ge $((N / 2)) ] && return 0; done; return 1; }
all_agree() {
  for i in 1 2 3; do [ "$(field $i 1)" -ge $N ] || return 1; done
  [ "$(field 1 2)" = "$(field 2 2)" ] && [ "$(field 2 2)" = "$(field 3 2)" ] &&
    [ "$(field 1 1)" = "$(field 2 1)" ] && [ "$(field 2 1)" = "$(field 3 1)" ]
}

for i in 1 2 3; do start $i; done
wait_for 10 some_applied_half || { echo "FAIL: no progress"; cat "$work"/log*; exit 1; }
leader=0
for i in 1 2 3; do [ "$(field $i 3)" = 3 ] && leader=$i; done
[ $leader -ne 0 ] || { echo "FAIL: no leader"; exit 1; }
echo "killing leader $leader at $(field $leader 1) applied"
kill -9 "${pids[$leader]}"
wait "${pids[$leader]}" 2>/dev/null || true
sleep 0.5
start $leader
wait_for 15 all_agree || {
  echo "FAIL: nodes disagree"; for i in 1 2 3; do echo "$i: $(cat "$work/status$i")"; done
  cat "$work"/log*; exit 1; }
for i in 1 2 3; do echo "node $i: $(cat "$work/status$i")"; done
for i in 1 2 3; do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
for i in 1 2 3; do wait "${pids[$i]}" 2>/dev/null || true; done
pids=()
echo "consensus smoke: ok"
