# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154 # runs inside test.sh: its variables and helpers
# The longer job of the appliance (firmware-image/test.sh --long), sourced
# by test.sh after its helpers (fail, say, swtpm_vm, boot_qemu, wait_for,
# line, mon, bundle, officer_drive, centre_answer). Three parts:
#   1. a failed boot of a newly installed slot falls back to the old one;
#   2. a power-cut loop during registrations and syncs;
#   3. the benchmark: drive insertion, through the officer's PIN, to the end
#      of the kiosk's visit for a kiosk of 1,000 registrations (1,000 blocks
#      out), and after the centre's answer the next visit's drive insertion
#      to "Sync complete" (1,000 statuses back);
#   4. a hung kernel: the board's hardware watchdog resets it.
# Everything it keeps is in OUT/test-long (serial logs per boot, timings).

NCUTS=${JR_POWERCUTS:-6}
# JR_LONG_PARTS: which parts to run (default all four).
PARTS=" ${JR_LONG_PARTS:-fallback powercut bench watchdog} "
part() { case "$PARTS" in *" $1 "*) return 0 ;; esac; return 1; }
tl=$SECONDS
fallback_s=- pc_s=- wd_s=- sync1000_s=- pin1000_s=- done1000_s=- pindone1000_s=- bench_s=- syncs=0 h=-

# ---- images: v1 (as the boot test's), a v3 root whose kiosk cannot start,
# and a test-load image (same packages: its rootfs is a hard-linked copy) ----
: > "$T/build.log"
if part fallback; then
"$HERE/build.sh" --build "$BUILD" --seed-demo "$OUT" >> "$T/build.log" 2>&1 ||
  fail "build.sh failed: $(tail -n 3 "$T/build.log")"
"$HERE/build.sh" --build "$BUILD" --root-only --version 3 "$OUT" >> "$T/build.log" 2>&1 ||
  fail "build.sh --root-only --version 3 failed: $(tail -n 3 "$T/build.log")"
# The v3 kiosk exits at once: written into the ext4 image with debugfs (no
# mount), the rest of v3 is a whole, signed, newer firmware.
printf '#!/bin/sh\necho "jaring-kiosk: broken on purpose (test.sh --long)" >&2\nexit 1\n' > "$T/broken-kiosk"
debugfs -w -R "rm /usr/bin/jaring-kiosk" "$OUT/root-3.ext4" >/dev/null 2>&1
debugfs -w -R "write $T/broken-kiosk /usr/bin/jaring-kiosk" "$OUT/root-3.ext4" >/dev/null 2>&1
debugfs -w -R "set_inode_field /usr/bin/jaring-kiosk mode 0100755" "$OUT/root-3.ext4" >/dev/null 2>&1
debugfs -R "cat /usr/bin/jaring-kiosk" "$OUT/root-3.ext4" 2>/dev/null | grep -q 'broken on purpose' ||
  fail "could not put the broken kiosk into root-3.ext4"
fi
L=$OUT/long
mkdir -p "$L"
if [ ! -f "$L/rootfs/.jaring-packages" ] ||
   [ "$(cat "$L/rootfs/.jaring-packages")" != "$(cat "$OUT/rootfs/.jaring-packages")" ]; then
  rm -rf "$L/rootfs"; cp -al "$OUT/rootfs" "$L/rootfs"
fi
ln -sfn ../demo "$L/demo"
if part powercut || part watchdog; then
"$HERE/build.sh" --build "$BUILD" --seed-demo --test-load "$L" >> "$T/build.log" 2>&1 ||
  fail "build.sh --test-load failed: $(tail -n 3 "$T/build.log")"
fi
say "long job: images built in $((SECONDS - tl)) s"

# ---- 1. a failed boot of the new slot falls back to the old one ----
tf=$SECONDS
if part fallback; then
bundle 5-broken 3 "$OUT/root-3.ext4" "$K"
drive=$T/drive-v3.vfat
truncate -s $(( $(stat -c %s "$T/5-broken.raucb") / 1048576 + 64 ))M "$drive"
mkfs.vfat -F 32 -n OFFICER "$drive" >/dev/null
mmd -i "$drive" ::/JARING ::/JARING/UPDATE
mcopy -i "$drive" "$T/5-broken.raucb" ::/JARING/UPDATE/5-broken.raucb
cp --sparse=always "$OUT/jaring-kiosk.img" "$T/fallback.img"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars-fallback.fd"
cp -a "$OUT/demo-tpm" "$T/tpm-fallback"
swtpm_vm "$T/tpm-fallback" "$T/swtpm.sock"
SERIAL=$T/serial-fallback.log MONSOCK=$T/monitor-fallback.sock
boot_qemu "$T/fallback.img" "$T/vars-fallback.fd" "$T/swtpm.sock"
wait_for 'jaring-boot: report:' 600 || fail "fallback: no boot report of slot A"
case "$(line 'jaring-boot: report:')" in *"slot=A version=1 "*"kiosk=up"*) ;; *) fail "fallback: the first boot is not slot A v1 with its kiosk up" ;; esac
plug "$drive" stick
wait_for 'jaring-update: (rebooting|.*5-broken.raucb: refused)' 600 || fail "fallback: the v3 update did not finish within 600 s"
[ -n "$(line 'jaring-update: rebooting')" ] || fail "fallback: the v3 bundle was refused: $(line 'jaring-update: 5-broken')"
say "fallback: v3 (kiosk broken on purpose) installed into slot B; rebooting"
# BOOT_TRIES trial boots of B, each judged bad and rebooted; then A.
n=$((BOOT_TRIES + 2))
wait_for 'jaring-boot: report:' 1800 "$n" || fail "fallback: slot A did not come back within 30 minutes"
i=2
while [ $i -le $n ]; do
  r=$(line 'jaring-boot: report:' $i)
  say "fallback boot $((i - 1)): ${r#*report: }"
  if [ $i -lt $n ]; then
    case "$r" in *"slot=B version=3 "*"kiosk=DOWN"*) ;; *) fail "fallback: trial boot $((i - 1)) is not slot B v3 with its kiosk down" ;; esac
  else
    case "$r" in *"slot=A version=1 "*"kiosk=up"*) ;; *) fail "fallback: after $BOOT_TRIES bad tries slot A v1 did not boot with its kiosk up" ;; esac
  fi
  i=$((i + 1))
done
trials=$(tr -d '\r' < "$SERIAL" | grep -c 'on trial .*rebooting' || true)
[ "$trials" -eq "$BOOT_TRIES" ] || fail "fallback: expected $BOOT_TRIES trial reboots, saw $trials"
# The drive is still in: back on slot A, the bundle that failed is not
# installed again (else the kiosk would spend its trial boots on it forever).
wait_for 'jaring-update: 5-broken.raucb: (refused: bundle version 3 failed to boot|installed)' 600 2 ||
  fail "fallback: back on slot A, the failed bundle was not refused as failed: $(line 'jaring-update: 5-broken.raucb: (refused|installed)' | tail -n 1)"
l=$(line 'jaring-update: 5-broken.raucb: (refused: bundle version 3 failed to boot|installed)' 2)
case "$l" in *refused*) ;; *) fail "fallback: back on slot A, the bundle that failed was installed again" ;; esac
say "fallback: back on slot A: ${l#*jaring-update: }"
sleep 5
mon "system_powerdown" 1
for _ in $(seq 1 60); do kill -0 "$QPID" 2>/dev/null || break; sleep 1; done
kill "$QPID" 2>/dev/null || true
QPID=
vm_tpm_down
dd if="$T/fallback.img" of="$T/esp-fallback.vfat" bs=1M skip=1 count="$ESP_MIB" status=none
entries=$(mdir -b -i "$T/esp-fallback.vfat" ::/loader/entries | sed 's|.*/||' | tr '\n' ' ')
say "fallback: boot entries $entries"
case "$entries" in *"-b+0-$BOOT_TRIES.conf"*) ;; *) fail "fallback: slot B's entry does not show $BOOT_TRIES failed tries" ;; esac
fallback_s=$((SECONDS - tf))
fi

# ---- 2. the power-cut loop ----
# qemu is killed (SIGKILL) at a random moment 3-25 s after the registrations
# started, in every other round while an officer's drive is being synced.
# What a kill loses is what the guest had not yet handed to the disk; the
# host keeps what qemu wrote (its page cache), so this is a power cut of
# the board with a disk that honours flushes, not one that lies about them.
tp=$SECONDS
if part powercut; then
cp --sparse=always "$L/jaring-kiosk.img" "$T/pc.img"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars-pc.fd"
cp -a "$OUT/demo-tpm" "$T/tpm-pc"
pc_root_sum=$(sha256sum < "$L/root.ext4")
pdrive=$T/drive-pc.vfat
officer_drive "$pdrive"
acked=5 syncs=0
round=1
while [ $round -le $((NCUTS + 1)) ]; do
  swtpm_vm "$T/tpm-pc" "$T/swtpm.sock"
  SERIAL=$T/serial-pc-$round.log MONSOCK=$T/monitor-pc-$round.sock
  boot_qemu "$T/pc.img" "$T/vars-pc.fd" "$T/swtpm.sock"
  wait_for 'kiosk_append: chain verified at height|jaring-load: FAILED|kiosk_append: ' 600 ||
    fail "power cut $round: the registrations did not start within 600 s"
  l=$(line 'kiosk_append: ')
  case "$l" in *"chain verified at height "*) ;; *) fail "power cut $round: after the cut: ${l#*kiosk_append: }" ;; esac
  h=${l##*height }; h=${h%% *}
  [ "$h" -ge "$acked" ] || fail "power cut $round: the chain holds height $h, but height $acked was acknowledged before the cut"
  if [ $round -gt "$NCUTS" ]; then
    say "power cut: after $NCUTS cuts the chain verifies at height $h (acknowledged before the last cut: $acked)"
    break
  fi
  if [ $((round % 2)) = 0 ]; then
    plug "$pdrive" stick
    syncs=$((syncs + 1))
  fi
  sleep $((3 + RANDOM % 23))
  kill -9 "$QPID" 2>/dev/null || true; wait "$QPID" 2>/dev/null || true
  QPID=
  vm_tpm_down
  a=$(tr -d '\r' < "$SERIAL" | sed -n 's/.*kiosk_append: acknowledged height \([0-9]*\).*/\1/p' | tail -n 1)
  [ -z "$a" ] || acked=$a
  say "power cut $round: chain verified at $h, killed at acknowledged height $acked$([ $((round % 2)) = 0 ] && echo ' (a sync running)')"
  round=$((round + 1))
done
kill "$QPID" 2>/dev/null || true; wait "$QPID" 2>/dev/null || true
QPID=
vm_tpm_down
sum=$(dd if="$T/pc.img" bs=1M skip=$((1 + ESP_MIB)) count="$ROOT_MIB" status=none | sha256sum)
[ "$sum" = "$pc_root_sum" ] || fail "power cut: the root slot changed on the disk"
say "power cut: the root slot is byte-identical to the image built"
pc_s=$((SECONDS - tp))
fi

# ---- 3. drive insertion to Sync complete, 1,000 registrations ----
# The seeded kiosk moved on to 1,000 registrations with its own key and TPM
# (kiosk_append on the host against a copy of its TPM state), in an image of
# its own; then the time from plugging the officer's drive in (the monitor's
# device_add), through the PIN typed at the kiosk, to the kiosk's line
# saying what its visit carried out (a first visit: "Sync not complete", no
# answer from the centre yet), and the time from the PIN to that line.
tb3=$SECONDS
if part bench; then
B3=$OUT/bench1000
rm -rf "$B3"; mkdir -p "$B3/demo"
cp -al "$OUT/rootfs" "$B3/rootfs"
cp -a "$OUT/demo/." "$B3/demo/"
rm -rf "$T/tpm-bench"; cp -a "$OUT/demo-tpm" "$T/tpm-bench"
swtpm_up "$T/tpm-bench"
JARING_TPM=$TCTI "$BUILD/tests/kiosk_append" "$B3/demo/kiosk/kiosk.key" "$B3/demo/kiosk/shard.db" \
  "$B3/demo/kiosk/shard.counter" "$OUT/demo/centre/consortium.pub" 995 0 > "$T/append-1000.log" 2>&1 ||
  fail "kiosk_append of 995 more registrations failed: $(tail -n 2 "$T/append-1000.log")"
swtpm_down
grep -q 'acknowledged height 1000 ' "$T/append-1000.log" || fail "the bench kiosk did not reach height 1000"
"$HERE/build.sh" --build "$BUILD" --seed-demo --roster "$T/roster.jrr" "$B3" >> "$T/build.log" 2>&1 ||
  fail "build.sh of the 1,000-registration image failed: $(tail -n 3 "$T/build.log")"
bdrive=$T/drive-bench.vfat
officer_drive "$bdrive" "$T/OFFICER.KEY"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars-bench.fd"
swtpm_vm "$T/tpm-bench" "$T/swtpm.sock"
SERIAL=$T/serial-bench.log MONSOCK=$T/monitor-bench.sock
boot_qemu "$B3/jaring-kiosk.img" "$T/vars-bench.fd" "$T/swtpm.sock"
wait_for 'jaring-boot: report:' 600 || fail "bench: no boot report"
case "$(line 'jaring-boot: report:')" in *"kiosk=up"*) ;; *) fail "bench: the kiosk of 1,000 registrations is not up" ;; esac
# Drive in, the PIN screen, the PIN typed (sendkey), the visit's line: the
# officer's whole wait but for their typing.
ti=$SECONDS
plug "$bdrive" bench
wait_for 'jaring-kiosk: officer.s drive inserted' 300 || fail "bench: the kiosk did not ask for the PIN"
type_keys "$PIN"
tp=$SECONDS
wait_for 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)' 600 || fail "bench: no sync within 600 s"
sync1000_s=$((SECONDS - ti)) pin1000_s=$((SECONDS - tp))
l=$(line 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)')
case "$l" in *"blocks out 1000 (1000 copied now)"*) ;; *) fail "bench: ${l#*jaring-kiosk: }" ;; esac
say "bench: drive in to the visit's end for 1,000 registrations: ${sync1000_s} s (from the PIN: ${pin1000_s} s)"
unplug bench
wait_for "jaring-kiosk: officer.s drive removed: officer mode closed" 60 || fail "bench: officer mode did not close when the drive was pulled"
# The centre (the stand-in's import, on the host) answers the 1,000 on the
# drive; the second visit reads 1,000 statuses and the acknowledged head
# back: drive in, the PIN, "Sync complete".
rm -rf "$T/drive-bench"; mkdir -p "$T/drive-bench"
mcopy -s -n -i "$bdrive" ::/JARING "$T/drive-bench/" 2>/dev/null
"$BUILD/bin/jaring-sync" verify --drive "$T/drive-bench" --key "$OUT/demo/centre/consortium.key" \
  > "$T/verify-bench.txt" 2>&1 || fail "bench: the drive does not verify: $(tail -n 2 "$T/verify-bench.txt")"
centre_answer "$T/drive-bench" "$bdrive" "$T/centre-bench.db" "$OUT/demo/centre/consortium.key" "$T/roster.jrr"
ti=$SECONDS
plug "$bdrive" bench2
wait_for 'jaring-kiosk: officer.s drive inserted' 300 2 || fail "bench: the kiosk did not ask for the PIN at the second visit"
type_keys "$PIN"
tp=$SECONDS
wait_for 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)' 600 2 || fail "bench: no second sync within 600 s"
done1000_s=$((SECONDS - ti)) pindone1000_s=$((SECONDS - tp))
l=$(line 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)' 2)
case "$l" in *"Sync complete: visit 2, "*"acknowledged 1000, "*) ;; *) fail "bench: the second visit: ${l#*jaring-kiosk: }" ;; esac
say "bench: ${l#*jaring-kiosk: }"
say "bench: drive in to Sync complete, 1,000 statuses back: ${done1000_s} s (from the PIN: ${pindone1000_s} s)"
kill "$QPID" 2>/dev/null || true; wait "$QPID" 2>/dev/null || true
QPID=
vm_tpm_down
bench_s=$((SECONDS - tb3))
fi

# ---- 4. a hung kernel: the board's watchdog resets it ----
# The test-load image boots, and a drive with JARING/TEST/HANG makes its
# test-only drive hook hang the kernel: a panic with kernel.panic=0, so the
# kernel itself never reboots. The drive is pulled at once (a USB unplug
# needs nothing of the guest). Only the hardware watchdog that systemd arms
# (q35's TCO timer, RuntimeWatchdogSec=60s) can reset the board; the
# registrations must start again ('jaring-load: started' a second time), and
# the chain verify.
if part watchdog; then
cp --sparse=always "$L/jaring-kiosk.img" "$T/wd.img"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars-wd.fd"
cp -a "$OUT/demo-tpm" "$T/tpm-wd"
wdrive=$T/drive-wd.vfat
officer_drive "$wdrive"
mmd -i "$wdrive" ::/JARING/TEST
printf 'hang\n' > "$T/HANG"
mcopy -i "$wdrive" "$T/HANG" ::/JARING/TEST/HANG
swtpm_vm "$T/tpm-wd" "$T/swtpm.sock"
SERIAL=$T/serial-wd.log MONSOCK=$T/monitor-wd.sock
boot_qemu "$T/wd.img" "$T/vars-wd.fd" "$T/swtpm.sock"
wait_for 'jaring-load: started' 600 || fail "watchdog: the registrations did not start within 600 s"
plug "$wdrive" stick
wait_for 'jaring-drive: test: hanging the kernel' 120 || fail "watchdog: the drive hook did not hang the kernel"
th=$SECONDS
unplug stick
wait_for 'Kernel panic' 30 || fail "watchdog: the kernel did not panic"
wait_for 'jaring-load: started' 300 2 || fail "watchdog: the hung board was not reset within 300 s"
wait_for 'kiosk_append: chain verified at height' 120 "$(( $(tr -d '\r' < "$SERIAL" | grep -c 'kiosk_append: chain verified at height') + 1 ))" ||
  fail "watchdog: after the reset the chain did not verify"
wd_s=$((SECONDS - th))
if tr -d '\r' < "$SERIAL" | grep -q 'Rebooting in'; then fail "watchdog: the kernel rebooted itself (kernel.panic), not the watchdog"; fi
n=$(tr -d '\r' < "$SERIAL" | grep -c 'BdsDxe: starting')
[ "$n" -ge 2 ] || fail "watchdog: the board did not start its firmware again"
l=$(tr -d '\r' < "$SERIAL" | grep 'kiosk_append: chain verified at height' | tail -n 1)
say "watchdog: the hung kernel's board was reset by its watchdog; ${wd_s} s later the registrations ran again: ${l#*kiosk_append: }"
kill "$QPID" 2>/dev/null || true; wait "$QPID" 2>/dev/null || true
QPID=
vm_tpm_down
fi

{
  echo "long job: images               $((tf - tl)) s"
  echo "failed-boot fallback           ${fallback_s} s ($BOOT_TRIES bad tries of B, then A)"
  echo "power-cut loop                 ${pc_s} s ($NCUTS cuts, $syncs during a sync, final height $h)"
  echo "drive in to the visit's end, 1,000 registrations  ${sync1000_s} s (PIN to the visit's end ${pin1000_s} s)"
  echo "drive in to Sync complete, 1,000 statuses back  ${done1000_s} s (PIN to Sync complete ${pindone1000_s} s; part ${bench_s} s)"
  echo "hung kernel to the watchdog's reset and the registrations again  ${wd_s} s"
  echo "whole long job                 $((SECONDS - t0)) s"
} | tee "$T/timings-long.txt"
echo "parts run: $PARTS"
echo "1 passed, 0 failed"
