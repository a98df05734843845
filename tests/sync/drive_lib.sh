# shellcheck shell=sh
# Shared by drive.sh and downstream.sh (sourced, not run): a scratch folder,
# fail/skip, and fresh drives. Drives are vfat loop mounts where the kernel
# allows; otherwise small tmpfs mounts (real ENOSPC and EROFS all the same),
# and the tests copy the files onto a vfat image with mtools for the FAT
# checks. Set drive_tag before sourcing: it names the scratch folder.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-${drive_tag:-drive}.XXXXXX")
mounts=""
fails=0

cleanup() {
	for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
skip() { echo "SKIP: $*"; exit 77; }

for t in mkfs.vfat mcopy mdir; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed (dosfstools, mtools)"
done
[ "$(id -u)" -eq 0 ] || skip "needs root for loop or tmpfs mounts"

# new_drive NAME KB: a fresh, empty drive of KB kilobytes mounted at $tmp/NAME.
mode=""
new_drive() {
	mkdir -p "$tmp/$1"
	if [ "$mode" != tmpfs ]; then
		dd if=/dev/zero of="$tmp/$1.img" bs=1k count="$2" 2>/dev/null
		mkfs.vfat "$tmp/$1.img" >/dev/null 2>&1 || { echo "mkfs.vfat failed"; return 1; }
		if mount -o loop "$tmp/$1.img" "$tmp/$1" 2>/dev/null; then
			mode=vfat mounts="$tmp/$1 $mounts"
			return 0
		fi
		[ "$mode" = vfat ] && return 1
		mode=tmpfs
		echo "note: this kernel refuses vfat loop mounts; drives are tmpfs mounts," \
			"the FAT checks run through mtools on an image"
	fi
	mount -t tmpfs -o size="$2"k tmpfs "$tmp/$1" 2>/dev/null || return 1
	mounts="$tmp/$1 $mounts"
}
