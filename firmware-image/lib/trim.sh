#!/usr/bin/env bash
# Trims the packaged root ROOT (mmdebstrap's customize hook, with ROOT's
# /proc mounted): kernel modules the kiosk cannot use, tools needed only
# while packages install; then the module index and the initrd again.
# Measured effect: docs/firmware.md "What the image weighs".
set -euo pipefail
R=$1
HERE=$(cd "$(dirname "$0")" && pwd)
for kdir in "$R"/usr/lib/modules/*/; do
  K=$kdir/kernel
  # No network, no sound, no exotic buses or file systems on a kiosk.
  rm -rf "$K/net" "$K/sound"
  for d in net infiniband iio staging comedi target mtd isdn atm bluetooth \
           media/dvb-frontends media/dvb-core media/pci media/i2c media/tuners \
           media/radio media/rc media/platform media/test-drivers media/cec \
           media/spi media/firewire media/mmc media/common/siano media/common/b2c2 \
           gpu/drm/amd gpu/drm/radeon gpu/drm/nouveau gpu/drm/vmwgfx gpu/drm/gma500 \
           w1 fpga misc/cxl thunderbolt ntb pcmcia firewire parport ssb bcma leds \
           power/supply net/wireless vdpa vfio xen hv; do
    rm -rf "${K:?}/drivers/$d"
  done
  # media/usb: only the UVC camera (the status check's QR reader).
  find "$K/drivers/media/usb" -mindepth 1 -maxdepth 1 ! -name uvc -exec rm -rf {} + 2>/dev/null || true
  # SCSI: the core, disks and USB storage stay; host adapters go.
  find "$K/drivers/scsi" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
  for fs in btrfs xfs ocfs2 nfs nfsd nfs_common cifs smbfs_common ksmbd ceph gfs2 jfs \
            reiserfs f2fs nilfs2 ntfs3 udf dlm orangefs afs coda 9p ubifs jffs2 \
            hfs hfsplus befs bfs efs minix omfs qnx4 qnx6 sysv ufs romfs erofs \
            cachefiles fscache netfs lockd exfat zonefs gfs2 isofs; do
    rm -rf "${K:?}/fs/$fs"
  done
  v=$(basename "$kdir")
  chroot "$R" depmod -a "$v"
done
# Fonts: the kiosk draws with Noto Sans regular and bold only.
find "$R/usr/share/fonts/truetype/noto" -type f ! -name NotoSans-Regular.ttf ! -name NotoSans-Bold.ttf -delete
# usrmerge (and the perl it pulls in) only matters while packages install.
chroot "$R" dpkg --purge --force-depends usrmerge libfile-find-rule-perl libnumber-compare-perl libtext-glob-perl >/dev/null
chroot "$R" dpkg --purge --force-depends perl libperl5.36 perl-modules-5.36 >/dev/null 2>&1 || true
install -D -m 0644 "$HERE/../overlay/etc/initramfs-tools/conf.d/jaring" "$R/etc/initramfs-tools/conf.d/jaring"
chroot "$R" update-initramfs -u -k all >/dev/null
