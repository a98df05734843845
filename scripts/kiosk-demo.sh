#!/usr/bin/env bash
# The kiosk part of the main job (./make.sh run), after the ledger demo.
#   scripts/kiosk-demo.sh BUILD_DIR OUT_DIR
# Provisions a kiosk in OUT_DIR/kiosk bound to a Kab. Tegal village and to
# the demo's stand-in consortium key. With a display it opens the kiosk in a
# window (close the window to end); without one it plays a whole scripted
# registration headless and keeps a screenshot of every screen.
set -euo pipefail
build=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
kiosk="$build/kiosk/jaring-kiosk"
here=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
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
  echo "Opening jaring-kiosk in a window (config $out/kiosk/kiosk.conf); close it to end."
  exec "$kiosk" --config "$out/kiosk/kiosk.conf"
fi

session="$out/kiosk-session"
rm -rf "$session"
SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy \
  "$kiosk" --script "$here/tests/ui/complete_registration.script" --out "$session"
echo
echo "No display: the kiosk played a complete registration headless (tests/ui/complete_registration.script)."
echo "A screenshot of every screen it showed is in $session; run with a display to use it by touch or mouse."
