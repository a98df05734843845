#!/usr/bin/env bash
# Builds the Jaring kiosk appliance disk image (docs/firmware.md).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)

usage() {
  cat <<'HELP'
firmware-image/build.sh: builds the Jaring kiosk appliance: a GPT disk image
with an EFI system partition (systemd-boot), root slots A and B and a data
partition, from Debian 12 packages (mmdebstrap, the archive apt is configured
with) and the project's own binaries. Needs no loop device and mounts nothing.
Layout, sizes and the update keys: docs/firmware.md.

usage: firmware-image/build.sh [options] OUTDIR
       firmware-image/build.sh --help

OUTDIR receives (made if missing; its rootfs/ is reused unless --rebuild):
  jaring-kiosk.img   the whole disk (sparse), ready for dd onto a board or qemu
  root.ext4          the root slot's file system (what an update bundle carries)
  sizes.txt          bytes per partition and what dominates the root
options:
  --build DIR        the project's cmake build folder (default: SRC/build;
                     built with cmake first if jaring-kiosk is missing)
  --version V        the firmware version in the image (default 1); updates
                     to a version that is not newer are refused
  --consortium FILE  the consortium's public key file to install (default:
                     a stand-in key made by jaring-demo in OUTDIR/demo)
  --village CODE     the village code of the first-boot configuration
                     (default 33.28.01.2001); a village binding file on the
                     officer's drive at the first boot takes its place
  --roster FILE      the consortium-signed roster (docs/formats.md "Roster")
                     the kiosk trusts until its first sync brings one: which
                     officers may sync it (default: none, so no officer can
                     until the kiosk is given one)
  --update-ca FILE   the update root certificate(s) the image trusts
                     (PEM; default OUTDIR/keys/ca.cert.pem, made on the first
                     build by keys.sh for tests)
  --seed-demo        put jaring-demo's kiosk (key, shard with 5 synthetic
                     registrations) on the data partition (for tests)
  --test-load        a test image: instead of the kiosk, a unit that registers
                     synthetic workers in a loop (firmware-image/test-overlay/,
                     kiosk_append from the build; test.sh --long)
  --root-only        make only OUTDIR/root-VERSION.ext4 (for update bundles)
  --rebuild          rebuild the root file system from packages
  --debug            a root shell on the serial console (development only:
                     never for a kiosk in the field)
  -h, --help         print this help and exit

exit status:
  0  built
  1  a step failed (its message names it)
  2  usage error
HELP
}

OUT='' BUILD="$SRC/build" VERSION=1 CONSORTIUM='' VILLAGE=33.28.01.2001 CA='' ROSTER=''
SEED=0 ROOT_ONLY=0 REBUILD=0 LOAD=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --build|--version|--consortium|--village|--update-ca|--roster)
      [ $# -ge 2 ] || { echo "build.sh: option '$1' needs a value; see --help" >&2; exit 2; }
      case "$1" in
        --build) BUILD=$2 ;; --version) VERSION=$2 ;; --consortium) CONSORTIUM=$2 ;;
        --village) VILLAGE=$2 ;; --update-ca) CA=$2 ;; --roster) ROSTER=$2 ;;
      esac
      shift 2 ;;
    --seed-demo) SEED=1; shift ;;
    --test-load) LOAD=1; shift ;;
    --root-only) ROOT_ONLY=1; shift ;;
    --rebuild) REBUILD=1; shift ;;
    --debug) export JARING_DEBUG=1; shift ;;
    -*) echo "build.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
    *) [ -z "$OUT" ] || { echo "build.sh: unexpected argument '$1'; see --help" >&2; exit 2; }
       OUT=$1; shift ;;
  esac
done
[ -n "$OUT" ] || { echo "build.sh: no OUTDIR given; see --help" >&2; exit 2; }
[[ "$VERSION" =~ ^[0-9]+(\.[0-9]+)*$ ]] || { echo "build.sh: --version '$VERSION' is not numbers and dots (e.g. 2 or 1.4)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "build.sh: run as root: mmdebstrap needs it to set file owners (no mounts or loop devices are used)" >&2; exit 1; }

# shellcheck source=lib/layout.sh
. "$HERE/lib/layout.sh"
"$HERE/deps.sh"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { printf '[build %4ss] %s\n' "$SECONDS" "$*"; }
die() { echo "build.sh: $*" >&2; exit 1; }

# ---- the project's binaries ----
if [ ! -x "$BUILD/kiosk/jaring-kiosk" ] || [ ! -x "$BUILD/bin/jaring-sync" ]; then
  log "building the project in $BUILD"
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j2 --target jaring-kiosk jaring-sync jaring-demo >/dev/null
fi
for b in kiosk/jaring-kiosk bin/jaring-sync bin/jaring-demo; do
  [ -x "$BUILD/$b" ] || die "$BUILD/$b is missing: build the project (cmake --build $BUILD) and run again"
done

# ---- keys for tests: a stand-in consortium key and an update CA ----
if [ -z "$CONSORTIUM" ] || [ "$SEED" = 1 ]; then
  if [ ! -f "$OUT/demo/centre/consortium.pub" ]; then
    rm -rf "$OUT/demo"
    "$BUILD/bin/jaring-demo" --out "$OUT/demo" --assets "$SRC/assets" >/dev/null ||
      die "jaring-demo failed: run it by hand to see why"
  fi
  [ -n "$CONSORTIUM" ] || CONSORTIUM=$OUT/demo/centre/consortium.pub
fi
[ -f "$CONSORTIUM" ] || die "consortium key file $CONSORTIUM does not exist"
if [ -z "$CA" ]; then
  [ -f "$OUT/keys/ca.cert.pem" ] || "$HERE/keys.sh" "$OUT/keys" >/dev/null
  CA=$OUT/keys/ca.cert.pem
fi
[ -f "$CA" ] || die "update certificate file $CA does not exist"
[ -z "$ROSTER" ] || [ -f "$ROSTER" ] || die "roster file $ROSTER does not exist"

# ---- the root file system from packages ----
ROOT=$OUT/rootfs
KEY=$(cat "$HERE/packages.txt" "$HERE/lib/trim.sh" | sha256sum | cut -c1-16)
if [ "$REBUILD" = 1 ] || [ "$(cat "$ROOT/.jaring-packages" 2>/dev/null)" != "$KEY" ]; then
  log "mmdebstrap: Debian 12 minbase + $(grep -v "^#" "$HERE/packages.txt" | wc -w) packages"
  rm -rf "$ROOT" "$ROOT.tmp"
  mkdir -p "$OUT/debs"
  SOURCES=$(mktemp)
  # The archive this machine's apt uses (its Debian entries only).
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$SOURCES.sources"; SOURCES_ARG=$SOURCES.sources
  else
    grep -h '^deb .*debian' /etc/apt/sources.list > "$SOURCES.list"; SOURCES_ARG=$SOURCES.list
  fi
  mmdebstrap --variant=minbase --mode=root --format=directory \
    --include="$(grep -v '^#' "$HERE/packages.txt" | tr -s ' \n' ',' | sed 's/^,//;s/,$//')" \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --skip=download/empty \
    --setup-hook='mkdir -p "$1/var/cache/apt/archives/"' \
    --setup-hook="sync-in '$OUT/debs/' /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives/ '$OUT/debs/'" \
    --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
    --customize-hook="'$HERE/lib/trim.sh' \"\$1\"" \
    bookworm "$ROOT.tmp" "$SOURCES_ARG" > "$OUT/mmdebstrap.log" 2>&1 ||
    { tail -20 "$OUT/mmdebstrap.log" >&2; die "mmdebstrap failed (whole log: $OUT/mmdebstrap.log)"; }
  rm -f "$SOURCES" "$SOURCES_ARG"
  echo "$KEY" > "$ROOT.tmp/.jaring-packages"
  mv "$ROOT.tmp" "$ROOT"
fi

# ---- stage: a copy of the packaged tree, with the project on top ----
STAGE=$OUT/stage RIMG=$OUT/root.ext4
[ "$ROOT_ONLY" = 1 ] && STAGE=$OUT/stage-root-only RIMG=$OUT/root-$VERSION.ext4
log "staging the root (version $VERSION)"
rm -rf "$STAGE"
cp -a "$ROOT" "$STAGE"
rm -f "$STAGE/.jaring-packages"
"$HERE/lib/customize.sh" "$STAGE" "$SRC" "$BUILD" "$VERSION" "$CONSORTIUM" "$VILLAGE" "$CA" "$ROSTER"
if [ "$LOAD" = 1 ]; then
  [ -x "$BUILD/tests/kiosk_append" ] || cmake --build "$BUILD" -j2 --target kiosk_append >/dev/null
  cp -a --no-preserve=ownership "$HERE/test-overlay/." "$STAGE/"
  install -m 0755 "$BUILD/tests/kiosk_append" "$STAGE/usr/lib/jaring/test/kiosk_append"
  systemctl --root="$STAGE" disable jaring-kiosk.service jaring-boot-ok.service >/dev/null 2>&1
  systemctl --root="$STAGE" enable jaring-test-load.service >/dev/null 2>&1
  log "test image: jaring-test-load.service in place of the kiosk"
fi

# ---- file systems ----
# E2FSPROGS_FAKE_TIME and fixed UUIDs/hash seeds keep the images reproducible.
export E2FSPROGS_FAKE_TIME=${SOURCE_DATE_EPOCH:-1700000000}
root_kib=$(du -s --apparent-size -k "$STAGE" | cut -f1)
log "root tree: $((root_kib / 1024)) MiB; slot size $ROOT_MIB MiB"
[ $((root_kib / 1024 * 115 / 100)) -lt "$ROOT_MIB" ] ||
  die "the root tree ($((root_kib / 1024)) MiB) does not fit a $ROOT_MIB MiB slot with 15% to spare: raise ROOT_MIB in firmware-image/lib/layout.sh"
rm -f "$RIMG"
mke2fs -q -t ext4 -L jaring-root -U "$ROOT_FS_UUID" -E "hash_seed=$ROOT_FS_UUID,root_owner=0:0" \
  -O ^has_journal -m 0 -d "$STAGE" "$RIMG" "${ROOT_MIB}M" ||
  die "mke2fs of the root slot failed"
log "$(basename "$RIMG") made"
[ "$ROOT_ONLY" = 1 ] && { rm -rf "$STAGE"; log "done (root only): $RIMG"; exit 0; }

"$HERE/lib/assemble.sh" "$OUT" "$STAGE" "$SEED"
log "done: $OUT/jaring-kiosk.img"
