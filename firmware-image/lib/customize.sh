#!/usr/bin/env bash
# Puts the project on the packaged root STAGE: binaries, translations,
# icons, the overlay (units, rules, configuration), keys, the kiosk's user,
# the enabled and disabled units. No chroot beyond useradd; no mounts.
#   customize.sh STAGE SRC BUILD VERSION CONSORTIUM VILLAGE CA [ROSTER]
set -euo pipefail
S=$1 SRC=$2 B=$3 V=$4 CONS=$5 VILLAGE=$6 CA=$7 ROSTER=${8:-}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=layout.sh
. "$HERE/layout.sh"

install -D -m 0755 "$B/kiosk/jaring-kiosk" "$S/usr/bin/jaring-kiosk"
install -D -m 0755 "$B/bin/jaring-sync" "$S/usr/bin/jaring-sync"
strip --strip-unneeded "$S/usr/bin/jaring-kiosk" "$S/usr/bin/jaring-sync"
install -d "$S/usr/share/jaring/i18n" "$S/usr/share/jaring/icons" "$S/usr/share/doc/jaring"
install -m 0644 "$SRC"/assets/i18n/*.po "$S/usr/share/jaring/i18n/"
install -m 0644 "$B"/kiosk/icons/*.png "$S/usr/share/jaring/icons/"
[ -f "$SRC/docs/firmware.md" ] && install -m 0644 "$SRC/docs/firmware.md" "$S/usr/share/doc/jaring/"

cp -a --no-preserve=ownership "$HERE/../overlay/." "$S/"
install -m 0644 "$HERE/layout.sh" "$S/usr/lib/jaring/layout.sh"
for f in etc/fstab etc/rauc/system.conf usr/share/jaring/kiosk.conf; do
  sed -i -e "s/@ESP_UUID@/$ESP_UUID/g; s/@ROOTA_UUID@/$ROOTA_UUID/g" \
         -e "s/@ROOTB_UUID@/$ROOTB_UUID/g; s/@DATA_UUID@/$DATA_UUID/g" \
         -e "s/@VILLAGE@/$VILLAGE/g" "$S/$f"
done
install -m 0644 "$CONS" "$S/usr/share/jaring/consortium.pub"
install -m 0644 "$CA" "$S/etc/rauc/keyring.pem"
# The roster the kiosk trusts before its first sync (kiosk.conf: roster).
[ -z "$ROSTER" ] || install -m 0644 "$ROSTER" "$S/usr/share/jaring/roster.jrr"
printf 'VERSION=%s\n' "$V" > "$S/etc/jaring-release"

grep -q '^jaring:' "$S/etc/passwd" ||
  chroot "$S" useradd --system --user-group --home-dir /var/lib/jaring/kiosk \
    --no-create-home --shell /usr/sbin/nologin --groups video,input,render,tss jaring
# One machine id for the image: the journal keeps one folder across boots
# (a fresh id per boot would leave every old folder behind, uncapped).
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$S/etc/machine-id"; echo >> "$S/etc/machine-id"
echo jaring-kiosk > "$S/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 jaring-kiosk\n' > "$S/etc/hosts"
ln -sf /etc/machine-id "$S/var/lib/dbus/machine-id"
install -d "$S/media/jaring-officer" "$S/efi" "$S/var/lib/jaring" "$S/var/log/journal"

systemctl --root="$S" enable jaring-kiosk.service jaring-firstboot.service jaring-boot-ok.service >/dev/null 2>&1
# Nothing on a read-only appliance that expects to write the root or to
# reach a network; no login on the display or the serial line.
systemctl --root="$S" disable apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
  e2scrub_all.timer e2scrub_reap.service fstrim.timer remote-fs.target >/dev/null 2>&1 || true
systemctl --root="$S" mask getty@tty1.service serial-getty@ttyS0.service >/dev/null 2>&1
rm -f "$S/etc/systemd/system/getty.target.wants/getty@tty1.service"
# build.sh --debug: a root shell on the serial line, for development only.
if [ "${JARING_DEBUG:-0}" = 1 ]; then
  systemctl --root="$S" unmask serial-getty@ttyS0.service >/dev/null 2>&1
  install -d "$S/etc/systemd/system/serial-getty@ttyS0.service.d"
  printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200 %%I $TERM\n' \
    > "$S/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
  ln -sf /usr/lib/systemd/system/serial-getty@.service "$S/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service"
fi
