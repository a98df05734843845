# shellcheck shell=sh
# shellcheck disable=SC2034 # every value is for the scripts that source this
# The disk layout shared by build.sh, assemble.sh, test.sh and the image's
# own scripts (docs/firmware.md "Layout"). Sizes in MiB.
ESP_MIB=96
ROOT_MIB=600
DATA_MIB=128
# GPT partition GUIDs: fixed, so that loader entries, fstab and RAUC's
# system.conf name the partitions without probing.
ESP_UUID=4a415249-4e47-4000-8000-000000000e5f
ROOTA_UUID=4a415249-4e47-4000-8000-00000000000a
ROOTB_UUID=4a415249-4e47-4000-8000-00000000000b
DATA_UUID=4a415249-4e47-4000-8000-00000000000d
# File system UUIDs (the root's is the same in both slots: the same image).
ROOT_FS_UUID=4a415249-4e47-4000-8000-0000000000f5
DATA_FS_UUID=4a415249-4e47-4000-8000-0000000000fd
# GPT type GUIDs: EFI system; root (x86-64) of the Discoverable Partitions
# Specification; Linux data.
TYPE_ESP=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
TYPE_ROOT=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
TYPE_DATA=0FC63DAF-8483-4772-8E79-3D69D8477DE4
# Tries a newly installed slot gets before systemd-boot falls back.
BOOT_TRIES=3
CMDLINE="ro rootwait quiet console=tty1 console=ttyS0,115200 systemd.gpt_auto=0 panic=10"
