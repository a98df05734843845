#!/usr/bin/env bash
# Assembles OUT/jaring-kiosk.img from OUT/root.ext4 and the staged root:
# the ESP with mkfs.vfat + mtools, the data partition with mke2fs -d, the
# GPT with sfdisk on the file, every partition dd'ed in. No loop device, no
# mount, so it runs in a container.
#   assemble.sh OUT STAGE SEED(0|1)
set -euo pipefail
OUT=$1 S=$2 SEED=$3
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=layout.sh
. "$HERE/layout.sh"
export MTOOLS_SKIP_CHECK=1
W=$OUT/work
rm -rf "$W"; mkdir -p "$W"
V=$(sed -n 's/^VERSION=//p' "$S/etc/jaring-release")

# ---- ESP: systemd-boot, slot A's kernel and initrd, its entry ----
esp=$W/esp.vfat
truncate -s "${ESP_MIB}M" "$esp"
mkfs.vfat -F 32 -n JARING-ESP -i 4a415249 "$esp" >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/systemd ::/loader ::/loader/entries ::/jaring ::/jaring/A
mcopy -i "$esp" "$S/usr/lib/systemd/boot/efi/systemd-bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$S/usr/lib/systemd/boot/efi/systemd-bootx64.efi" ::/EFI/systemd/systemd-bootx64.efi
kernel=$(ls "$S"/boot/vmlinuz-* | sort -V | tail -n 1)
initrd=$(ls "$S"/boot/initrd.img-* | sort -V | tail -n 1)
mcopy -i "$esp" "$kernel" ::/jaring/A/vmlinuz
mcopy -i "$esp" "$initrd" ::/jaring/A/initrd.img
# No menu, no editor (a kiosk's command line is not for passers-by).
printf 'timeout 0\neditor no\nauto-entries no\nauto-firmware no\nconsole-mode keep\n' > "$W/loader.conf"
mcopy -i "$esp" "$W/loader.conf" ::/loader/loader.conf
JARING_LAYOUT=$HERE/layout.sh "$S/usr/lib/jaring/rauc-bootloader" entry A "$V" > "$W/entry.conf"
mcopy -i "$esp" "$W/entry.conf" ::/loader/entries/jaring-000001-a.conf

# ---- data partition: the folders, and for tests a provisioned kiosk ----
d=$W/data
uid=$(awk -F: '$1=="jaring"{print $3}' "$S/etc/passwd")
gid=$(awk -F: '$1=="jaring"{print $4}' "$S/etc/passwd")
jgid=$(awk -F: '$1=="systemd-journal"{print $3}' "$S/etc/group")
install -d -m 0755 "$d" "$d/etc" "$d/system" "$d/system/systemd" "$d/rauc"
install -d -m 2755 -g "$jgid" "$d/system/journal"
install -d -m 0700 -o "$uid" -g "$gid" "$d/kiosk" "$d/counter"
if [ "$SEED" = 1 ]; then
  install -m 0600 -o "$uid" -g "$gid" "$OUT/demo/kiosk/kiosk.key" "$OUT/demo/kiosk/shard.db" "$d/kiosk/"
  install -m 0600 -o "$uid" -g "$gid" "$OUT/demo/kiosk/shard.counter" "$d/counter/kiosk.counter"
fi
rm -f "$W/data.ext4"
mke2fs -q -t ext4 -L jaring-data -U "$DATA_FS_UUID" -E "hash_seed=$DATA_FS_UUID" -m 1 \
  -d "$d" "$W/data.ext4" "${DATA_MIB}M"

# ---- GPT and the partitions, in one file ----
img=$OUT/jaring-kiosk.img
s_esp=2048 n_esp=$((ESP_MIB * 2048)) n_root=$((ROOT_MIB * 2048)) n_data=$((DATA_MIB * 2048))
s_a=$((s_esp + n_esp)) s_b=$((s_esp + n_esp + n_root)) s_d=$((s_esp + n_esp + 2 * n_root))
rm -f "$img"
truncate -s $(( (s_d + n_data + 2048) * 512 )) "$img"
sfdisk --quiet --no-reread --no-tell-kernel "$img" <<SFDISK
label: gpt
label-id: 4A415249-4E47-4000-8000-000000000000
unit: sectors
first-lba: 2048
start=$s_esp, size=$n_esp, type=$TYPE_ESP, uuid=$ESP_UUID, name="esp"
start=$s_a, size=$n_root, type=$TYPE_ROOT, uuid=$ROOTA_UUID, name="root-a"
start=$s_b, size=$n_root, type=$TYPE_ROOT, uuid=$ROOTB_UUID, name="root-b"
start=$s_d, size=$n_data, type=$TYPE_DATA, uuid=$DATA_UUID, name="jaring-data"
SFDISK
dd if="$esp" of="$img" bs=512 seek=$s_esp conv=notrunc,sparse status=none
dd if="$OUT/root.ext4" of="$img" bs=1M seek=$((s_a / 2048)) conv=notrunc,sparse status=none
dd if="$W/data.ext4" of="$img" bs=1M seek=$((s_d / 2048)) conv=notrunc,sparse status=none

# ---- what it weighs ----
used() { du -k "$1" | cut -f1; }
{
  echo "partition    size_MiB  used_KiB (allocated in its image)"
  printf 'esp          %8s  %8s\n' "$ESP_MIB" "$(used "$esp")"
  printf 'root-a       %8s  %8s\n' "$ROOT_MIB" "$(used "$OUT/root.ext4")"
  printf 'root-b       %8s  %8s\n' "$ROOT_MIB" 0
  printf 'data         %8s  %8s\n' "$DATA_MIB" "$(used "$W/data.ext4")"
  printf 'disk file    %8s  %8s\n' "$(( $(stat -c %s "$img") / 1048576 ))" "$(used "$img")"
  echo
  echo "root tree, largest parts (KiB, apparent):"
  for p in usr/lib/modules usr/lib/x86_64-linux-gnu/libLLVM-*.so.1 \
           usr/lib/x86_64-linux-gnu/libicudata.so.*.* usr/lib/x86_64-linux-gnu/libz3.so.4 \
           usr/lib/x86_64-linux-gnu/dri boot usr/share/fonts usr/bin usr/sbin usr/share \
           usr/lib/x86_64-linux-gnu usr/lib/systemd; do
    for f in "$S"/$p; do [ -e "$f" ] && printf '%8s  /%s\n' "$(du -s --apparent-size -k "$f" | cut -f1)" "${f#"$S"/}"; done
  done
  printf '%8s  (whole root)\n' "$(du -s --apparent-size -k "$S" | cut -f1)"
  echo
  echo "ESP files (bytes):"
  printf '%10s  EFI/BOOT/BOOTX64.EFI (and EFI/systemd/, the same)\n' "$(stat -c %s "$S/usr/lib/systemd/boot/efi/systemd-bootx64.efi")"
  printf '%10s  jaring/A/vmlinuz\n%10s  jaring/A/initrd.img\n' "$(stat -c %s "$kernel")" "$(stat -c %s "$initrd")"
} > "$OUT/sizes.txt"
