#!/usr/bin/env bash
# The kiosk part of the main job (./make.sh run), after the ledger demo.
#   scripts/kiosk-demo.sh BUILD_DIR OUT_DIR
# Provisions a kiosk configuration in OUT_DIR/kiosk bound to a Kab. Tegal
# village and to the demo's stand-in consortium key (OUT_DIR/demo/centre).
# With a display it opens the kiosk in a window with it (close the window to
# end); without one it plays a whole scripted registration headless, with the
# script's own throw-away kiosk, and keeps a screenshot of every screen.
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
headless and keeps a screenshot of every screen in OUT_DIR/kiosk-session.

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
echo "With a display, jaring-kiosk --config $out/kiosk/kiosk.conf opens the kiosk provisioned for the demo."
