#!/usr/bin/env bash
# The kiosk part of the main job (./make.sh run), after the ledger demo.
#   scripts/kiosk-demo.sh BUILD_DIR OUT_DIR
# Provisions a kiosk configuration in OUT_DIR/kiosk bound to a Kab. Tegal
# village and to the demo's stand-in consortium key (OUT_DIR/demo/centre).
# With a display it opens the kiosk in a window with it (close the window to
# end); without one it plays a whole scripted registration headless, with the
# script's own throw-away kiosk, and keeps a screenshot of every screen; then
# the field visit: a scripted kiosk registers, an officer's drive (a FAT32
# image, through mtools) carries its bundles to the stand-in centre
# (jaring-sync import) and the answer back, and the kiosk's "Cek status"
# shows the centre's status.
set -euo pipefail

usage() {
  cat <<'HELP'
scripts/kiosk-demo.sh: the kiosk part of ./make.sh run, after jaring-demo.

usage: scripts/kiosk-demo.sh BUILD_DIR OUT_DIR
       scripts/kiosk-demo.sh --help

Writes OUT_DIR/kiosk/kiosk.conf (data_dir, counter, receipts under
OUT_DIR/kiosk; village 33.28.10.1008; the consortium key jaring-demo made in
OUT_DIR/demo/centre/consortium.pub) and checks it. With a display (DISPLAY or
WAYLAND_DISPLAY set) it then opens jaring-kiosk in a window with that
configuration; without one it plays tests/ui/complete_registration.script
headless and keeps a screenshot of every screen in OUT_DIR/kiosk-session,
then plays the field visit in OUT_DIR/field: scripts/demo/field_visit_1.script
(two registrations, the officer's first sync), the drive through a FAT32
image to jaring-sync import (the stand-in centre) and back, and
scripts/demo/field_visit_2.script (the statuses back, "Sync complete",
"Cek status").

exit status:
  0  done
  1  a step failed (the kiosk's own message says which)
  2  usage error: an unknown option or a missing argument
HELP
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) echo "kiosk-demo.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
esac
if [ $# -ne 2 ]; then
  echo "kiosk-demo.sh: expected BUILD_DIR and OUT_DIR, got $# argument(s); see --help" >&2
  exit 2
fi
build=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
kiosk="$build/kiosk/jaring-kiosk"
here=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$out/kiosk/data" "$out/kiosk/counter" "$out/kiosk/receipts"
cat > "$out/kiosk/kiosk.conf" <<CONF
# Written by scripts/kiosk-demo.sh for the demo; see assets/kiosk.conf.example.
data_dir = $out/kiosk/data
counter_path = $out/kiosk/counter/kiosk.counter
village = 33.28.10.1008
consortium_pubkey = $out/demo/centre/consortium.pub
printer =
receipts_dir = $out/kiosk/receipts
camera =
screen_width = 800
screen_height = 480
screen_diagonal_in = 7.0
fullscreen = no
language = id
i18n_dir = $here/assets/i18n
CONF
"$kiosk" --check-config "$out/kiosk/kiosk.conf"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "Opening jaring-kiosk in a window (config $out/kiosk/kiosk.conf); close it to end."
  exec "$kiosk" --config "$out/kiosk/kiosk.conf"
fi

session="$out/kiosk-session"
rm -rf "$session"
SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy \
  "$kiosk" --script "$here/tests/ui/complete_registration.script" --out "$session"
echo
echo "No display: the kiosk played a complete registration headless (tests/ui/complete_registration.script)."
echo "A screenshot of every screen it showed is in $session."

# ---- the field visit: kiosk -> drive -> centre -> drive -> kiosk ----
field="$out/field"
sync="$build/bin/jaring-sync"
rm -rf "$field"
mkdir -p "$field/centre"
SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy \
  "$kiosk" --script "$here/scripts/demo/field_visit_1.script" --out "$field/visit1"
# The officer pulls the drive: its JARING folder on a FAT32 image.
if command -v mkfs.vfat >/dev/null 2>&1 && command -v mcopy >/dev/null 2>&1; then
  img="$field/drive.img"
  dd if=/dev/zero of="$img" bs=1M count=40 2>/dev/null
  mkfs.vfat -F 32 -n JARING "$img" >/dev/null
  export MTOOLS_SKIP_CHECK=1
  mcopy -s -i "$img" "$field/visit1/drive/JARING" ::/
  # At the district office: the stand-in centre reads the drive and answers.
  mkdir -p "$field/at-centre"
  mcopy -s -i "$img" ::/JARING "$field/at-centre/"
  "$sync" import --drive "$field/at-centre" --centre "$field/centre/state.db" \
    --key "$field/visit1/consortium.key" --roster "$field/visit1/roster.jrr"
  mdeltree -i "$img" ::/JARING
  mcopy -s -i "$img" "$field/at-centre/JARING" ::/
  # Back at the kiosk.
  mkdir -p "$field/drive"
  mcopy -s -i "$img" ::/JARING "$field/drive/"
  echo "The drive image $img went kiosk -> centre -> kiosk (mtools, FAT32)."
else
  echo "mtools or dosfstools missing: the drive is a plain folder this time."
  cp -r "$field/visit1/drive" "$field/at-centre"
  "$sync" import --drive "$field/at-centre" --centre "$field/centre/state.db" \
    --key "$field/visit1/consortium.key" --roster "$field/visit1/roster.jrr"
  cp -r "$field/at-centre" "$field/drive"
fi
"$sync" status --drive "$field/drive" || true
SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy \
  "$kiosk" --script "$here/scripts/demo/field_visit_2.script" --out "$field/visit2"
"$sync" status --drive "$field/drive" --shard "$field/visit1/data/shard.db"
echo "The field visit: $field/visit1/field-visit-1.png (blocks out), $field/visit2/field-visit-2.png"
echo "(Sync complete) and $field/visit2/status-after-sync.png (Cek status with the centre's status)."
echo "With a display, jaring-kiosk --config $out/kiosk/kiosk.conf opens the kiosk provisioned for the demo."
