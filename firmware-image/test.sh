#!/usr/bin/env bash
# Builds the appliance and boots it under qemu (TCG, OVMF): the boot test.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)

usage() {
  cat <<'HELP'
firmware-image/test.sh: builds the kiosk appliance image and boots it under
qemu-system-x86_64 (TCG, no KVM needed) with OVMF, reading the serial
console and qemu's monitor, and checks that:
  - the kiosk draws its first frame (console marker; a screendump is kept);
  - the boot report says: slot A, version 1, root read-only, no failed unit,
    and the data partition grew into the rest of a disk 512 MiB larger
    than the image;
  - the appliance has a TPM 2.0 (swtpm, qemu's tpm-tis) and the seeded
    kiosk's key is sealed to it;
  - an officer's USB drive (vfat, qemu-xhci + usb-storage) hot-plugged
    through the monitor is mounted and the kiosk asks for the officer's PIN;
    before the right PIN (a wrong one typed first) nothing is on the drive;
    the PIN, typed through the monitor's sendkey, starts the kiosk's visit:
    the kiosk's bundle is on the drive afterwards and verifies with the
    consortium key (jaring-sync verify); after the stand-in centre's import
    on the host, the next visit (the PIN again) says "Sync complete";
  - of the update bundles on a second drive (no officer's key: no sync), a
    foreign, an older and a tampered one are refused and a signed newer one
    installs into slot B;
  - the next boot runs slot B, version 2, and blesses its boot entry;
  - slot A is byte-identical to the image built;
  - a restored old whole-disk image: the kiosk moved on (one more
    registration, its TPM counter with it), then its disk is put back from
    the image taken before; booted again, the kiosk refuses to sign.
  - the same without a TPM: a kiosk with a plain key, in an image of its
    own, on a board without one (boot report tpm=none key=plain), moves on
    by one registration that the centre acknowledges; booted from its old
    disk, the officer's visit brings that acknowledgement and the kiosk
    finds its shard behind it and stops registering.
Needs root (build.sh does). Takes about 9-12 minutes on 2 cores.

With --long, instead, the longer job (not in CI; about 25 minutes here):
  - a failed boot falls back: a signed v3 bundle whose kiosk cannot start
    installs into slot B; each trial boot of B is judged bad (the kiosk dies
    without a frame) and reboots, systemd-boot counts the tries down, and
    with none left slot A boots again, its kiosk up;
  - a power-cut loop: a test image (build.sh --test-load) registers synthetic
    workers in a loop while an officer's drive syncs; qemu is killed at
    random moments and booted again, each time the whole chain verifies
    (every signature), no acknowledged registration is lost, and at the end
    the root slot is byte-identical to the image built;
  - a hung kernel: a test drive makes the test image panic without
    rebooting itself, and the board's hardware watchdog (armed by systemd
    at 60 s) resets it; the registrations start again.

usage: firmware-image/test.sh [--out DIR] [--build DIR] [--kvm] [--keep] [--long]
       firmware-image/test.sh --help
options:
  --out DIR    work folder (default firmware-image/out); the image, bundles,
               drive, serial log, screendumps and timings.txt stay there
  --build DIR  the project's cmake build folder (default SRC/build)
  --kvm        use KVM if /dev/kvm exists (faster; CI uses TCG)
  --keep       leave qemu running at the end (for a look)
  --long       run the longer job above instead (JR_POWERCUTS=N cuts, default
               6; JR_LONG_PARTS="fallback powercut bench watchdog" to choose parts)
  -h, --help   print this help and exit

exit status:
  0   every check passed
  1   a check failed (the message names it; the serial log's tail follows)
  2   usage error
  77  skipped: not root
HELP
}

OUT=$HERE/out BUILD=$SRC/build KVM=0 KEEP=0 LONG=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --out|--build)
      [ $# -ge 2 ] || { echo "test.sh: option '$1' needs a folder; see --help" >&2; exit 2; }
      [ "$1" = --out ] && OUT=$2 || BUILD=$2; shift 2 ;;
    --kvm) KVM=1; shift ;;
    --keep) KEEP=1; shift ;;
    --long) LONG=1; shift ;;
    *) echo "test.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then echo "test.sh: skipped: needs root (mmdebstrap sets file owners)"; exit 77; fi

# shellcheck source=lib/layout.sh
. "$HERE/lib/layout.sh"
"$HERE/deps.sh"
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
# The boot test and the long job keep their own folders (the bench reads both).
T=$OUT/test
[ "$LONG" = 0 ] || T=$OUT/test-long
rm -rf "$T"; mkdir -p "$T"
export MTOOLS_SKIP_CHECK=1
t0=$SECONDS
say() { printf '[test %4ss] %s\n' "$((SECONDS - t0))" "$*"; }
QPID='' SERIAL=$T/serial.log MONSOCK=$T/monitor.sock
fail() {
  echo "test.sh: FAILED: $*" >&2
  if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null && [ -S "$MONSOCK" ]; then
    (printf 'screendump %s -f png\n' "$T/failed.png"; sleep 2) | socat - UNIX-CONNECT:"$MONSOCK" >/dev/null 2>&1 &&
      echo "--- the screen at the failure: $T/failed.png" >&2
  fi
  [ -f "$SERIAL" ] && { echo "--- last lines of $SERIAL:" >&2; tail -n 30 "$SERIAL" | tr -d '\r' >&2; }
  exit 1
}
SWPID='' VMTPM=''
cleanup() {
  if [ -n "$QPID" ] && [ "$KEEP" = 0 ] && kill -0 "$QPID" 2>/dev/null; then kill "$QPID"; fi
  [ -z "$SWPID" ] || kill "$SWPID" 2>/dev/null
  if [ -n "$VMTPM" ] && [ "$KEEP" = 0 ]; then kill "$VMTPM" 2>/dev/null; fi
  return 0
}
trap cleanup EXIT

# ---- the TPM: swtpm, for host tools on a loopback port and for qemu ----
TPORT='' TCTI=''
swtpm_up() { # STATE: swtpm on 127.0.0.1:TPORT (control on TPORT+1), TCTI for it
  # An even port below the kernel's ephemeral range (32768 up), where the
  # suite's own loopback connections cannot hold it; another if it is taken
  # (seen here once: "Address already in use" while other tests ran).
  local try
  for try in 1 2 3 4 5; do
    TPORT=$((20000 + (RANDOM % 6000) * 2))
    TCTI=swtpm:host=127.0.0.1,port=$TPORT
    swtpm socket --tpm2 --tpmstate dir="$1" --flags not-need-init,startup-clear \
      --server type=tcp,port=$TPORT,bindaddr=127.0.0.1 \
      --ctrl type=tcp,port=$((TPORT + 1)),bindaddr=127.0.0.1 > "$T/swtpm-host.log" 2>&1 &
    SWPID=$!
    # ready when this swtpm (not another program) listens on the port
    for _ in $(seq 1 50); do
      kill -0 "$SWPID" 2>/dev/null || break # it could not bind: try another port
      ss -Htlnp "sport = :$TPORT" 2>/dev/null | grep -q "pid=$SWPID," && return 0
      sleep 0.1
    done
    kill "$SWPID" 2>/dev/null || true; wait "$SWPID" 2>/dev/null || true; SWPID=
  done
  fail "swtpm did not start on 127.0.0.1 after $try ports (the last $TPORT): $(tail -n 2 "$T/swtpm-host.log")"
}
# (swtpm may have ended already: for qemu it ends with its client.)
swtpm_down() { [ -z "$SWPID" ] || { kill "$SWPID" 2>/dev/null || true; wait "$SWPID" 2>/dev/null || true; }; SWPID=; }
swtpm_vm() { # STATE SOCKET: swtpm for qemu (-tpmdev emulator over a unix socket)
  rm -f "$2"
  swtpm socket --tpm2 --tpmstate dir="$1" --ctrl type=unixio,path="$2" \
    --log file="$T/swtpm-vm.log" &
  VMTPM=$!
  for _ in $(seq 1 50); do [ -S "$2" ] && return 0; sleep 0.1; done
  fail "swtpm for qemu did not make $2"
}
vm_tpm_down() { [ -z "$VMTPM" ] || { kill "$VMTPM" 2>/dev/null || true; wait "$VMTPM" 2>/dev/null || true; }; VMTPM=; }
# The seeded kiosk (jaring-demo, 5 registrations) is provisioned as the
# appliance does it: its key sealed to the TPM, whose state is kept with it.
if [ ! -f "$OUT/demo-tpm/tpm2-00.permall" ] || [ ! -f "$OUT/demo/centre/consortium.pub" ]; then
  rm -rf "$OUT/demo" "$OUT/demo-tpm"; mkdir -p "$OUT/demo-tpm"
  [ -x "$BUILD/bin/jaring-demo" ] || cmake --build "$BUILD" -j2 --target jaring-demo >/dev/null
  swtpm_up "$OUT/demo-tpm"
  JARING_TPM=$TCTI "$BUILD/bin/jaring-demo" --out "$OUT/demo" --assets "$SRC/assets" > "$T/demo.log" 2>&1 ||
    fail "jaring-demo with the TPM failed: $(tail -n 3 "$T/demo.log")"
  swtpm_down
fi
[ -x "$BUILD/tests/kiosk_append" ] || cmake --build "$BUILD" -j2 --target kiosk_append >/dev/null
[ "$(od -An -tx1 -N1 "$OUT/demo/kiosk/kiosk.key" | tr -d ' ')" = a9 ] ||
  fail "the seeded kiosk's key is not sealed to the TPM"

# ---- qemu ----
accel=tcg
cpu=Nehalem
if [ "$KVM" = 1 ] && [ -w /dev/kvm ]; then accel=kvm cpu=host; fi
# Nehalem (SSE4.2, no AVX) under TCG: with -cpu max, Mesa's llvmpipe JIT
# emits AVX2 code that crashed the kiosk (SIGSEGV) under qemu 7.2's TCG.
# ICH9-LPC.noreboot=false: qemu 7.2 straps the chipset's "no reboot" pin
# high by default (8.0 changed that), so the TCO watchdog that systemd arms
# would never reset the board; a real board's strap lets it.
# boot_qemu DISK VARS [TPMSOCK]: starts qemu on SERIAL and MONSOCK, sets
# QPID; without TPMSOCK the board has no TPM.
boot_qemu() {
  local tpm=()
  # shellcheck disable=SC2054 # qemu's own syntax: commas inside one argument
  [ -z "${3:-}" ] || tpm=(-chardev socket,id=chrtpm,path="$3" -tpmdev emulator,id=tpm0,chardev=chrtpm
    -device tpm-tis,tpmdev=tpm0)
  : > "$SERIAL"
  qemu-system-x86_64 -machine q35 -accel $accel -cpu $cpu -m 1024 -smp 2 \
    -global ICH9-LPC.noreboot=false \
    -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
    -drive if=pflash,format=raw,file="$2" \
    -drive file="$1",format=raw,if=virtio \
    -device virtio-vga,xres=800,yres=480 -device qemu-xhci,id=xhci \
    "${tpm[@]}" \
    -display none -serial file:"$SERIAL" \
    -monitor unix:"$MONSOCK",server=on,wait=off > "$T/qemu.log" 2>&1 &
  QPID=$!
}
mon() { (printf '%s\n' "$1"; sleep "${2:-1}") | socat - UNIX-CONNECT:"$MONSOCK" >/dev/null 2>&1; }
# plug FILE ID / unplug ID: a USB drive image in and out (qemu-xhci +
# usb-storage), as an officer plugs a stick into the kiosk.
plug() { mon "drive_add 0 if=none,id=$2,format=raw,file=$1"; mon "device_add usb-storage,bus=xhci.0,drive=$2,id=$2-dev"; }
unplug() { mon "device_del $1-dev" 2; }
# type_keys DIGITS: typed on the kiosk's keyboard (qemu's PS/2 keyboard;
# the kiosk's PIN screen takes digits and Return from a keyboard as from its
# keypad), then Return.
type_keys() {
  local k
  for k in $(printf '%s' "$1" | fold -w1); do mon "sendkey $k" 0.3; done
  mon "sendkey ret" 0.5
}
# The drive image holds no bundle of any kiosk (read on the host).
no_bundle() { ! mdir -i "$1" ::/JARING/UP >/dev/null 2>&1; }
# wait_for PATTERN SECONDS [NTH]: the NTH line (default 1) matching PATTERN.
wait_for() {
  local n=${3:-1} end=$((SECONDS + $2))
  while [ $SECONDS -lt $end ]; do
    [ "$(tr -d '\r' < "$SERIAL" | grep -c -E "$1")" -ge "$n" ] && return 0
    kill -0 "$QPID" 2>/dev/null || fail "qemu stopped (its messages: $(tail -n 3 "$T/qemu.log"))"
    sleep 1
  done
  return 1
}
line() { tr -d '\r' < "$SERIAL" | grep -E "$1" | sed -n "${2:-1}p"; }
# watch_boot PATTERN NTH WHAT NAME: waits for the NTH line matching PATTERN
# (the boot's own, in a serial log that may hold earlier boots') as a board's
# watchdog would. Seen here under TCG: a boot that stopped, for 7 minutes,
# after an update's warm reboot (once after the kernel's first lines, once
# in the firmware's hand-over before them) and at a restored disk's first
# power-on (in the hand-over); each time the same disk booted at once when
# reset (docs/firmware.md "Not done"). A board's watchdog, or the
# officer, would power-cycle it: without PATTERN within 200 s (a healthy
# boot gets there within about 130 s) the screen and the vCPUs' registers
# are kept (stuck-NAME.png, stuck-NAME.regs), the VM is reset once (said,
# and counted in timings.txt), and the next try must get there within 420 s.
resets=0
watch_boot() {
  wait_for "$1" 200 "$2" && return 0
  say "nothing 200 s into $3: resetting the VM once, as a watchdog would"
  mon "screendump $T/stuck-$4.png -f png" 2
  # where the vCPUs are (firmware, boot loader or kernel), for whoever looks
  { printf 'info registers -a\n'; sleep 2; } | socat - UNIX-CONNECT:"$MONSOCK" > "$T/stuck-$4.regs" 2>&1
  mon "system_reset" 1
  resets=$((resets + 1))
  wait_for "$1" 420 "$2" || fail "$3: still nothing 420 s after a reset"
}

K=$OUT/keys
bundle() { # bundle NAME VERSION ROOTIMG KEYDIR
  local d=$T/bundle-$1
  rm -rf "$d"; mkdir -p "$d"
  cp --sparse=always "$3" "$d/root.ext4"
  printf '[update]\ncompatible=jaring-kiosk-amd64\nversion=%s\n\n[bundle]\nformat=verity\n\n[image.rootfs]\nfilename=root.ext4\n' \
    "$2" > "$d/manifest.raucm"
  # zstd: ten times faster than the default here; the kernel reads it.
  rauc bundle --cert="$4/signing.cert.pem" --key="$4/signing.key.pem" \
    --mksquashfs-args="-comp zstd -Xcompression-level 3" \
    "$d" "$T/$1.raucb" > "$T/rauc-bundle-$1.log" 2>&1 ||
    fail "rauc bundle $1 failed: $(tail -n 1 "$T/rauc-bundle-$1.log")"
  rm -rf "$d"
}

# ---- the officer: a PIN-sealed key and the roster that names them ----
# The roster (signed by the stand-in consortium) names the officer, who may
# sync kiosks anywhere, and the seeded kiosk, which may upload; the image
# carries it as the roster the kiosk trusts before its first sync.
[ -x "$BUILD/bin/jaring-admin" ] || cmake --build "$BUILD" -j2 --target jaring-admin >/dev/null
PIN=246810
printf '%s\n' "$PIN" > "$T/pin.txt"
"$BUILD/bin/jaring-admin" keygen --role officer --out "$T/OFFICER.KEY" --pin-file "$T/pin.txt" > "$T/admin.log" 2>&1 &&
"$BUILD/bin/jaring-admin" roster --consortium "$OUT/demo/centre/consortium.key" --serial 1 \
  --member "officer:$T/OFFICER.KEY.pub:none:0:sync" --member "kiosk:$OUT/demo/kiosk/kiosk.pub:none:0:upload" \
  --signed-roster --out "$T/roster.jrr" >> "$T/admin.log" 2>&1 || fail "jaring-admin (officer key, roster) failed: $(tail -n 2 "$T/admin.log")"

# officer_drive IMG [KEY]: a fresh 64 MiB FAT32 drive image with a JARING
# folder and, given KEY, that officer's key on it (JARING/OFFICER.KEY).
officer_drive() {
  truncate -s 64M "$1"
  mkfs.vfat -F 32 -n OFFICER "$1" >/dev/null
  mmd -i "$1" ::/JARING
  [ -z "${2:-}" ] || mcopy -i "$1" "$2" ::/JARING/OFFICER.KEY
}
# centre_answer FOLDER IMG DB KEY ROSTER: the stand-in centre (jaring-sync
# import, on the host, state DB) imports the drive's files in FOLDER, and
# its answers (JARING/DOWN) are put onto the drive image IMG.
centre_answer() {
  "$BUILD/bin/jaring-sync" import --drive "$1" --centre "$3" --key "$4" --roster "$5" \
    --time "$(date +%s)" > "$1.import.txt" 2>&1 ||
    fail "the centre's import of $1 failed: $(tail -n 3 "$1.import.txt")"
  mcopy -s -o -i "$2" "$1/JARING/DOWN" ::/JARING/ || fail "could not put the centre's answer onto $2"
}

if [ "$LONG" = 1 ]; then
  # shellcheck source=lib/long.sh
  . "$HERE/lib/long.sh"
  exit 0
fi

# ---- build: the image (v1), a v2 root, the bundles, the drives ----
tb=$SECONDS
"$HERE/build.sh" --build "$BUILD" --seed-demo --roster "$T/roster.jrr" "$OUT"
"$HERE/build.sh" --build "$BUILD" --root-only --version 2 "$OUT" >/dev/null
build_s=$((SECONDS - tb))
say "image built in ${build_s} s"

tb=$SECONDS
bundle 4-good 2 "$OUT/root-2.ext4" "$K"
bundle_s=$((SECONDS - tb))
# The refused ones need no real root: they must never get that far.
mkdir -p "$T/tiny"; head -c 262144 /dev/urandom > "$T/tiny/noise"
mke2fs -q -t ext4 -d "$T/tiny" "$T/tiny.ext4" 4M
bundle 2-older 0.9 "$T/tiny.ext4" "$K"
bundle 1-foreign 3 "$T/tiny.ext4" "$K/foreign"
bundle 3-tampered 3 "$T/tiny.ext4" "$K"
printf 'X' | dd of="$T/3-tampered.raucb" bs=1 seek=4096 conv=notrunc status=none
say "bundles made (the good one, $(( $(stat -c %s "$T/4-good.raucb") / 1048576 )) MiB, in ${bundle_s} s)"

# The officer's drive: their key, nothing else. The update drive: bundles.
odrive=$T/officer.vfat
officer_drive "$odrive" "$T/OFFICER.KEY"
drive=$T/drive.vfat
truncate -s $(( $(stat -c %s "$T/4-good.raucb") / 1048576 + 64 ))M "$drive"
mkfs.vfat -F 32 -n OFFICER "$drive" >/dev/null
mmd -i "$drive" ::/JARING ::/JARING/UPDATE
for b in 1-foreign 2-older 3-tampered 4-good; do mcopy -i "$drive" "$T/$b.raucb" "::/JARING/UPDATE/$b.raucb"; done

# The appliance's disk is larger than the image, as a card is: the data
# partition must take the rest of it at the first boot.
cp --sparse=always "$OUT/jaring-kiosk.img" "$T/disk.img"
truncate -s +512M "$T/disk.img"
slot_a_sum=$(sha256sum < "$OUT/root.ext4")
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars.fd"
# The appliance's TPM: a copy of the seeded kiosk's (the cache stays as it was).
cp -a "$OUT/demo-tpm" "$T/tpm"
swtpm_vm "$T/tpm" "$T/swtpm.sock"

# ---- boot ----
boot_qemu "$T/disk.img" "$T/vars.fd" "$T/swtpm.sock"
tq=$SECONDS
say "booting under qemu ($accel, OVMF)"
wait_for 'jaring-kiosk: first frame presented' 420 || fail "no first frame of the kiosk within 420 s"
frame_s=$((SECONDS - tq))
say "first frame after ${frame_s} s: $(line 'first frame presented' | sed 's/.*jaring-kiosk: //')"
sleep 2
mon "screendump $T/welcome.png -f png" 2
[ -s "$T/welcome.png" ] && [ "$(stat -c %s "$T/welcome.png")" -gt 8000 ] ||
  fail "the screendump $T/welcome.png is missing or blank"
wait_for 'jaring-boot: report:' 240 || fail "no boot report"
r1=$(line 'jaring-boot: report:')
say "$r1"
case "$r1" in *"slot=A version=1 root=ext4:ro "*) ;; *) fail "first boot: expected slot A, version 1, root ext4 read-only" ;; esac
case "$r1" in *"tpm=tpm2 key=sealed "*) ;; *) fail "first boot: expected a TPM and the kiosk key sealed to it" ;; esac
case "$r1" in *"failed=[]"*) ;; *) fail "first boot: failed units" ;; esac
case "$r1" in *" watchdog=60s "*) ;; *) fail "first boot: the board's watchdog (q35's TCO timer) is not armed at 60 s" ;; esac
dm=$(printf '%s\n' "$r1" | sed -n 's/.* data_mib=\([0-9]*\) .*/\1/p')
[ -n "$dm" ] && [ "$dm" -ge $((DATA_MIB + 400)) ] ||
  fail "first boot: the data partition did not grow into the disk's 512 MiB more (data_mib=${dm:-?}, image ${DATA_MIB} MiB)"
say "$(line 'jaring-firstboot: data partition grown' | sed 's/.*jaring-firstboot: //')"
case "$r1" in *"kiosk=up"*) ;; *) fail "first boot: the kiosk is not up" ;; esac

# ---- the officer's drive: the sync, only after the officer's PIN ----
# Plugged in, it is mounted and the kiosk asks for the PIN; nothing is
# written to it until the right PIN is typed at the kiosk (a wrong one
# neither). The right PIN starts the kiosk's visit, which says on the
# console what went out; a first visit cannot be complete (no answer from
# the centre yet). Then the drive goes to the centre (the stand-in centre's
# jaring-sync import, on the host) and back, and the next visit, after the
# PIN again, is "Sync complete".
ti=$SECONDS
plug "$odrive" officer1
wait_for 'jaring-kiosk: officer.s drive inserted: asking for the officer.s PIN' 120 ||
  fail "the kiosk did not ask for the officer's PIN within 120 s of plugging the drive in"
ask_s=$((SECONDS - ti))
say "$(line 'jaring-drive: an officer.s key is on it' | sed 's/.*jaring-drive: //')"
sleep 3
no_bundle "$odrive" || fail "a bundle is on the officer's drive before the officer typed the PIN"
type_keys 135790
wait_for 'jaring-kiosk: officer mode refused: wrong PIN' 60 || fail "a wrong PIN was not refused"
say "wrong PIN: $(line 'jaring-kiosk: officer mode refused' | sed 's/.*refused: //; s/ for officer key.*//')"
sleep 2
no_bundle "$odrive" || fail "a bundle is on the officer's drive after a wrong PIN"
say "no bundle on the drive before the right PIN"
tp=$SECONDS
type_keys "$PIN"
wait_for 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)' 180 ||
  fail "no sync within 180 s of the right PIN"
sync1_s=$((SECONDS - tp))
l=$(line 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)')
say "${l#*jaring-kiosk: }"
case "$l" in *"Sync not complete: visit 1, "*"blocks out 5 (5 copied now)"*"no answer from the centre"*) ;;
  *) fail "the first visit did not carry the 5 blocks out (or claims an answer)" ;; esac
unplug officer1
wait_for 'jaring-drive: sd[a-z]+ unmounted' 60 || fail "the officer's drive was not unmounted when pulled"
wait_for "jaring-kiosk: officer.s drive removed: officer mode closed" 60 ||
  fail "the kiosk did not close officer mode when the drive was pulled"
# The drive, read back on the host: the kiosk's bundle, verified whole,
# and its signed visit entry.
rm -rf "$T/drive"; mkdir -p "$T/drive"
mcopy -s -n -i "$odrive" ::/JARING "$T/drive/" 2>/dev/null
ls "$T"/drive/JARING/UP/*/00000001.JRB >/dev/null 2>&1 || fail "no bundle JARING/UP/*/00000001.JRB on the drive"
ls "$T"/drive/JARING/UP/*/VISIT.JRV >/dev/null 2>&1 || fail "no visit entry JARING/UP/*/VISIT.JRV on the drive"
"$BUILD/bin/jaring-sync" verify --drive "$T/drive" --key "$OUT/demo/centre/consortium.key" > "$T/verify.txt" 2>&1 ||
  fail "jaring-sync verify of the drive failed: $(tail -n 3 "$T/verify.txt")"
say "drive: $(cd "$T/drive" && ls JARING/UP/*/* | tr '\n' ' ')verified with the consortium key"
# At the centre: the import answers the kiosk on the drive.
centre_answer "$T/drive" "$odrive" "$T/centre.db" "$OUT/demo/centre/consortium.key" "$T/roster.jrr"
plug "$odrive" officer2
wait_for 'jaring-kiosk: officer.s drive inserted: asking for the officer.s PIN' 120 2 ||
  fail "the kiosk did not ask for the PIN at the second visit"
sleep 1
tp=$SECONDS
type_keys "$PIN"
wait_for 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)' 180 2 ||
  fail "no second sync within 180 s of the right PIN"
sync2_s=$((SECONDS - tp))
l=$(line 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)' 2)
say "${l#*jaring-kiosk: }"
case "$l" in *"Sync complete: visit 2, "*"acknowledged 5, "*) ;;
  *) fail "the second visit, with the centre's answer, is not Sync complete with height 5 acknowledged" ;; esac
sleep 2
mon "screendump $T/sync-complete.png -f png" 2
unplug officer2
wait_for 'jaring-drive: sd[a-z]+ unmounted' 60 2 || fail "the officer's drive was not unmounted the second time"
wait_for "jaring-kiosk: officer.s drive removed: officer mode closed" 60 2 ||
  fail "the kiosk did not close officer mode when the drive was pulled the second time"

# ---- the update drive ----
tu=$SECONDS
plug "$drive" update
wait_for 'jaring-update: (rebooting|.*4-good.raucb: refused)' 600 || fail "the update did not finish within 600 s"
update_s=$((SECONDS - tu))
for b in 1-foreign 2-older 3-tampered; do
  l=$(line "jaring-update: $b.raucb: (refused|installed)")
  say "${l#*jaring-update: }"
  case "$l" in *refused*) ;; *) fail "$b.raucb was not refused" ;; esac
done
l=$(line 'jaring-update: 4-good.raucb: (refused|installed)')
say "${l#*jaring-update: }"
case "$l" in *installed*) ;; *) fail "the signed v2 bundle was not installed" ;; esac
case "$(line 'jaring-update: 2-older.raucb: refused')" in *"not newer"*) ;; *) fail "the older bundle was refused, but not as older" ;; esac
no_bundle "$drive" || fail "a drive with no officer's key got a bundle"
for b in 1-foreign 2-older 3-tampered 4-good; do
  mtype -i "$drive" "::/JARING/UPDATE/$b.raucb.txt" >/dev/null 2>&1 || fail "no result file $b.raucb.txt on the drive"
done
unplug update

# ---- the next boot: slot B ----
tr2=$SECONDS
watch_boot 'jaring-boot: report:' 2 "the update's reboot" after-update
reboot_s=$((SECONDS - tr2))
r2=$(line 'jaring-boot: report:' 2)
say "$r2"
case "$r2" in *"slot=B version=2 root=ext4:ro "*) ;; *) fail "after the update: expected slot B, version 2" ;; esac
case "$r2" in *"failed=[]"*) ;; *) fail "after the update: failed units" ;; esac
case "$r2" in *" watchdog=60s "*) ;; *) fail "after the update: the watchdog is not armed at 60 s" ;; esac
sleep 5
mon "screendump $T/after-update.png -f png" 2
if [ "$KEEP" = 1 ]; then say "qemu left running (pid $QPID, monitor $T/monitor.sock)"; exit 0; fi
mon "system_powerdown" 1
for _ in $(seq 1 60); do kill -0 "$QPID" 2>/dev/null || break; sleep 1; done
kill -0 "$QPID" 2>/dev/null && { kill "$QPID"; sleep 1; }
QPID=
vm_tpm_down

# ---- after: boot entries, slot A untouched ----
dd if="$T/disk.img" of="$T/esp.vfat" bs=1M skip=1 count="$ESP_MIB" status=none
entries=$(mdir -b -i "$T/esp.vfat" ::/loader/entries | sed 's|.*/||' | tr '\n' ' ')
say "boot entries: $entries"
case "$entries" in *"jaring-000002-b.conf"*) ;; *) fail "slot B's entry was not blessed (no jaring-000002-b.conf)" ;; esac
sum=$(dd if="$T/disk.img" bs=1M skip=$((1 + ESP_MIB)) count="$ROOT_MIB" status=none | sha256sum)
[ "$sum" = "$slot_a_sum" ] || fail "slot A changed on the disk"
say "slot A is byte-identical to root.ext4"

# ---- a restored old whole-disk image: the kiosk refuses to sign ----
# The kiosk moves on after the image was taken: one more registration with
# its own key and TPM (kiosk_append, the kiosk's registrar, on the host
# against the appliance's swtpm state), which advances the TPM's counter to
# height 6. Then the disk is put back from the image of height 5: its shard
# and its counter file agree with each other, and only the TPM knows better.
tr3=$SECONDS
cp -a "$OUT/demo/kiosk" "$T/kiosk-moved-on"
swtpm_up "$T/tpm"
JARING_TPM=$TCTI "$BUILD/tests/kiosk_append" "$T/kiosk-moved-on/kiosk.key" \
  "$T/kiosk-moved-on/shard.db" "$T/kiosk-moved-on/shard.counter" \
  "$OUT/demo/centre/consortium.pub" 1 1 > "$T/kiosk-append.log" 2>&1 ||
  fail "kiosk_append failed: $(tail -n 2 "$T/kiosk-append.log")"
swtpm_down
say "the kiosk moved on: $(tail -n 1 "$T/kiosk-append.log" | sed 's/^kiosk_append: //')"
cp --sparse=always "$OUT/jaring-kiosk.img" "$T/restored.img"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars-restored.fd"
swtpm_vm "$T/tpm" "$T/swtpm.sock"
SERIAL=$T/serial-restored.log MONSOCK=$T/monitor-restored.sock
boot_qemu "$T/restored.img" "$T/vars-restored.fd" "$T/swtpm.sock"
watch_boot 'jaring-kiosk: cannot start:' 1 "the restored disk's boot" restored
l=$(line 'jaring-kiosk: cannot start:')
case "$l" in *"TPM counter says it already signed height 6"*) ;; *) fail "the restored kiosk stopped, but not for its TPM counter: $l" ;; esac
say "restored disk: ${l#*jaring-kiosk: }"
wait_for 'jaring-kiosk: first frame presented: screen setup' 120 ||
  fail "the restored kiosk did not show why it cannot start"
sleep 2
mon "screendump $T/restored.png -f png" 2
restore_s=$((SECONDS - tr3))
kill "$QPID" 2>/dev/null || true; wait "$QPID" 2>/dev/null || true
QPID=
vm_tpm_down

# ---- without a TPM: a restored old whole-disk image, caught by the ack ----
# A board without a TPM has only the counter file, which a restored disk
# brings back with its shard; what catches it is the centre's signed
# acknowledged head (docs/sync.md). A kiosk with a plain key (jaring-demo
# without a TPM, a consortium of its own) in an image of its own, on a
# board with no TPM: it says so in its boot report. It moved on (one more
# registration, on the host) and the centre acknowledged height 6; booted
# from its old disk (height 5), the officer's visit brings that answer and
# the kiosk refuses to register: its shard is behind the centre's ack.
tn=$SECONDS
P=$OUT/plain
if [ "$(od -An -tx1 -N1 "$P/demo/kiosk/kiosk.key" 2>/dev/null | tr -d ' ')" != a6 ]; then
  rm -rf "$P/demo"; mkdir -p "$P"
  JARING_TPM=none "$BUILD/bin/jaring-demo" --out "$P/demo" --assets "$SRC/assets" > "$T/demo-plain.log" 2>&1 ||
    fail "jaring-demo without a TPM failed: $(tail -n 3 "$T/demo-plain.log")"
fi
if [ ! -f "$P/rootfs/.jaring-packages" ] ||
   [ "$(cat "$P/rootfs/.jaring-packages")" != "$(cat "$OUT/rootfs/.jaring-packages")" ]; then
  rm -rf "$P/rootfs"; cp -al "$OUT/rootfs" "$P/rootfs"
fi
"$BUILD/bin/jaring-admin" roster --consortium "$P/demo/centre/consortium.key" --serial 1 \
  --member "officer:$T/OFFICER.KEY.pub:none:0:sync" --member "kiosk:$P/demo/kiosk/kiosk.pub:none:0:upload" \
  --signed-roster --out "$T/roster-plain.jrr" >> "$T/admin.log" 2>&1 || fail "jaring-admin roster (no TPM) failed: $(tail -n 2 "$T/admin.log")"
"$HERE/build.sh" --build "$BUILD" --seed-demo --roster "$T/roster-plain.jrr" --update-ca "$K/ca.cert.pem" "$P" \
  > "$T/build-plain.log" 2>&1 || fail "build.sh of the no-TPM image failed: $(tail -n 3 "$T/build-plain.log")"
cp -a "$P/demo/kiosk" "$T/plain-moved-on"
JARING_TPM=none "$BUILD/tests/kiosk_append" "$T/plain-moved-on/kiosk.key" "$T/plain-moved-on/shard.db" \
  "$T/plain-moved-on/shard.counter" "$P/demo/centre/consortium.pub" 1 1 > "$T/plain-append.log" 2>&1 ||
  fail "kiosk_append (no TPM) failed: $(tail -n 2 "$T/plain-append.log")"
rm -rf "$T/plain-drive"; mkdir -p "$T/plain-drive"
"$BUILD/bin/jaring-sync" export --drive "$T/plain-drive" --shard "$T/plain-moved-on/shard.db" \
  --key "$T/plain-moved-on/kiosk.key" --consortium "$P/demo/centre/consortium.pub" > "$T/plain-export.txt" 2>&1 ||
  fail "the moved-on kiosk's export failed: $(tail -n 2 "$T/plain-export.txt")"
pdrive=$T/officer-plain.vfat
officer_drive "$pdrive" "$T/OFFICER.KEY"
centre_answer "$T/plain-drive" "$pdrive" "$T/centre-plain.db" "$P/demo/centre/consortium.key" "$T/roster-plain.jrr"
cp --sparse=always "$P/jaring-kiosk.img" "$T/plain.img"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars-plain.fd"
SERIAL=$T/serial-plain.log MONSOCK=$T/monitor-plain.sock
boot_qemu "$T/plain.img" "$T/vars-plain.fd"
watch_boot 'jaring-boot: report:' 1 "the boot without a TPM" plain
r3=$(line 'jaring-boot: report:')
say "no TPM: $r3"
case "$r3" in *"tpm=none key=plain watchdog=60s failed=[]"*"kiosk=up"*) ;; *) fail "no TPM: expected tpm=none key=plain, the watchdog armed, no failed unit, the kiosk up" ;; esac
plug "$pdrive" plain
wait_for 'jaring-kiosk: officer.s drive inserted: asking for the officer.s PIN' 120 ||
  fail "no TPM: the kiosk did not ask for the PIN"
sleep 1
type_keys "$PIN"
wait_for 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)' 180 || fail "no TPM: no sync within 180 s of the PIN"
l=$(line 'jaring-kiosk: (Sync complete|Sync not complete|sync stopped)')
say "no TPM: ${l#*jaring-kiosk: }"
case "$l" in *"Sync not complete: "*"the shard is behind the centre's ack"*) ;;
  *) fail "no TPM: the restored kiosk did not find its shard behind the centre's ack of height 6" ;; esac
sleep 2
mon "screendump $T/plain-stale.png -f png" 2
nontpm_s=$((SECONDS - tn))
kill "$QPID" 2>/dev/null || true; wait "$QPID" 2>/dev/null || true
QPID=

{
  echo "build (image v1 + root v2)   ${build_s} s"
  echo "RAUC bundle (v2)             ${bundle_s} s"
  echo "qemu start to first frame    ${frame_s} s ($accel)"
  echo "drive in to the PIN screen   ${ask_s} s"
  echo "PIN to the first visit's end ${sync1_s} s (5 blocks out; PIN typed through the monitor)"
  echo "PIN to Sync complete         ${sync2_s} s (second visit, the centre's answer in)"
  echo "update drive in to installed ${update_s} s"
  echo "reboot to report (slot B)    ${reboot_s} s"
  echo "restored disk to refusal     ${restore_s} s"
  echo "no TPM: image, boot, refusal ${nontpm_s} s"
  echo "VM resets by the watchdog    ${resets}"
  echo "whole test                   $((SECONDS - t0)) s"
} | tee "$T/timings.txt"
echo "1 passed, 0 failed"
