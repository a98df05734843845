#!/usr/bin/env bash
# Installs every Debian 12 package Jaring builds, tests, fuzzes and runs with.
# Non-interactive; does nothing when everything is already installed.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang clang-tidy libclang-rt-14-dev llvm
  libsodium-dev libsqlite3-dev sqlite3 libcbor-dev libqrencode-dev
  libzbar-dev zbar-tools libpng-dev libcmocka-dev
  libraft-dev libuv1-dev
  libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev fonts-noto-core gettext
  dosfstools mtools
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
