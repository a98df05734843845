#!/usr/bin/env bash
# Installs every Debian 12 package Jaring builds, tests, fuzzes and runs with.
# Non-interactive; does nothing when everything is already installed.
set -euo pipefail

case "${1:-}" in
  -h|--help)
    cat <<'HELP'
scripts/deps.sh: installs, with apt-get, every Debian 12 package Jaring builds,
tests, fuzzes and runs with (only those missing; nothing else is downloaded).
Run as root or with sudo. ./make.sh calls it first.

usage: scripts/deps.sh
       scripts/deps.sh --help

exit status:
  0  everything is installed
  1  apt-get failed (its message says why)
  2  usage error: an unknown option or argument
HELP
    exit 0 ;;
  ?*) echo "deps.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
esac

PKGS=(
  build-essential cmake pkg-config clang clang-tidy libclang-rt-14-dev llvm shellcheck
  libsodium-dev libsqlite3-dev sqlite3 libcbor-dev libqrencode-dev
  libzbar-dev zbar-tools libpng-dev libcmocka-dev
  libraft-dev libuv1-dev libmicrohttpd-dev libcurl4-openssl-dev iproute2 curl
  libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev fonts-noto-core gettext
  libtss2-dev swtpm swtpm-tools
  dosfstools mtools groff-base man-db python3 librsvg2-bin libxml2-utils
)

# shellcheck source=apt-lib.sh
. "$(dirname "$0")/apt-lib.sh"
apt_install "${PKGS[@]}"
# The appliance image's build and boot test (mmdebstrap, qemu, OVMF, RAUC, ...)
# has its own list, installed the same way.
"$(dirname "$0")/../firmware-image/deps.sh"
# Headless Chromium for the public page's browser test, the same way.
"$(dirname "$0")/deps-browser.sh"
