#!/usr/bin/env bash
# Installs the Debian 12 packages that firmware-image/build.sh and test.sh use.
set -euo pipefail

case "${1:-}" in
  -h|--help)
    cat <<'HELP'
firmware-image/deps.sh: installs, with apt-get, the Debian 12 packages that
build the kiosk appliance image and boot it under qemu (only those missing).
build.sh and test.sh call it first; scripts/deps.sh or CI may call it too.

usage: firmware-image/deps.sh
       firmware-image/deps.sh --help

exit status:
  0  everything is installed
  1  apt-get failed (its message says why)
  2  usage error
HELP
    exit 0 ;;
  ?*) echo "deps.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
esac

# mmdebstrap builds the root file system from the configured archive;
# systemd-boot-efi gives the boot loader binary; e2fsprogs (mke2fs -d),
# dosfstools + mtools and fdisk (sfdisk) assemble the disk without loop
# devices; rauc + squashfs-tools make and check update bundles; openssl
# makes the update signing keys; qemu-system-x86 + ovmf boot the image,
# socat talks to qemu's monitor; swtpm and tpm2-tools emulate and read a TPM
# (iproute2's ss tells test.sh that its swtpm, not another program, listens).
PKGS=(
  mmdebstrap systemd-boot-efi e2fsprogs dosfstools mtools fdisk
  rauc squashfs-tools openssl
  qemu-system-x86 ovmf socat swtpm swtpm-tools tpm2-tools iproute2
  zstd
)

# shellcheck source=../scripts/apt-lib.sh
. "$(dirname "$0")/../scripts/apt-lib.sh"
apt_install "${PKGS[@]}"
