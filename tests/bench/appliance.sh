#!/usr/bin/env bash
# Rows of the benchmark table for the kiosk appliance, read from what the
# last firmware-image/test.sh run measured (an image build and TCG boots
# take minutes, so the bench does not run them again): the image's size by
# partition (OUT/sizes.txt), boot to first frame, the officer's PIN to "Sync
# complete" and drive insertion to the end of a visit (OUT/test/timings.txt,
# test-long/timings-long.txt of test.sh --long).
# Prints nothing for what no run measured.
#   tests/bench/appliance.sh FIRMWARE_OUT   (default BUILD_DIR/firmware-image)
set -euo pipefail
out=${1:-build/firmware-image}
row() { printf '| %-44s | %12.1f | %-10s | %-22s | %-4s |\n' "$1" "$2" "$3" "${4:-}" "${5:-}"; }
if [ -f "$out/sizes.txt" ]; then
  while read -r part size used _; do
    case "$part" in
      esp|root-a|data) row "appliance: $part used (of $size MiB)" "$(awk -v u="$used" 'BEGIN { print u / 1024 }')" MiB ;;
      disk) row "appliance: disk file allocated (sparse)" "$(awk -v u="$used" 'BEGIN { print u / 1024 }')" MiB ;;
    esac
  done < <(sed 's/^disk file/disk/' "$out/sizes.txt")
fi
t=$out/test/timings.txt
if [ -f "$t" ]; then
  v=$(sed -n 's/^qemu start to first frame *\([0-9]*\) s.*/\1/p' "$t")
  [ -z "$v" ] || row "appliance: qemu start to first frame (TCG)" "$v" s "under 180 s" "$([ "$v" -lt 180 ] && echo met || echo MISS)"
  v=$(sed -n 's/^PIN to Sync complete *\([0-9]*\) s.*/\1/p' "$t")
  [ -z "$v" ] || row "appliance: officer's PIN to Sync complete, 5 regs" "$v" s
fi
t=$out/test-long/timings-long.txt
if [ -f "$t" ]; then
  v=$(sed -n "s/^drive in to the visit's end, 1,000 registrations *\([0-9]*\) s.*/\1/p" "$t")
  [ -z "$v" ] || row "appliance: drive, PIN, visit end, 1,000 regs" "$v" s "under 60 s" "$([ "$v" -lt 60 ] && echo met || echo MISS)"
  v=$(sed -n "s/^drive in to Sync complete, 1,000 statuses back *\([0-9]*\) s.*/\1/p" "$t")
  [ -z "$v" ] || row "appliance: drive in to Sync complete, 1,000 back" "$v" s "under 60 s" "$([ "$v" -lt 60 ] && echo met || echo MISS)"
fi
true
