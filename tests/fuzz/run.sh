#!/bin/sh
# Runs every libFuzzer target in BUILD_DIR/tests for SECONDS each.
#
#   CC=clang cmake -S . -B build-fuzz -DJR_FUZZ=ON -DJR_KIOSK=OFF
#   cmake --build build-fuzz -j2
#   tests/fuzz/run.sh build-fuzz 60
#
# Target fuzz_<name> starts from the seeds in tests/fuzz/corpus/<name>/,
# copied to a scratch directory so the repository is never modified. A new
# target needs no change here: build it and give it a corpus directory.
# Crash inputs are kept in BUILD_DIR/fuzz-artifacts/<target>/. Exits non-zero
# if any target crashes, leaks, times out or runs out of memory.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
fi
build=$1
secs=$2
case $secs in
'' | *[!0-9]*)
	echo "$0: SECONDS must be a whole number, not '$secs'" >&2
	exit 2
	;;
esac
if [ ! -d "$build/tests" ]; then
	echo "$0: $build/tests does not exist; build the fuzz targets first" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/jaring-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

ran=0
failed=0
for bin in "$build"/tests/fuzz_*; do
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		continue
	fi
	target=${bin##*/}
	name=${target#fuzz_}
	corpus=$work/corpus-$name
	log=$work/$target.log
	artifacts=$build/fuzz-artifacts/$target
	mkdir -p "$corpus" "$artifacts"
	if [ -d "$here/corpus/$name" ]; then
		cp -R "$here/corpus/$name/." "$corpus/"
	else
		echo "$target: no seed corpus in tests/fuzz/corpus/$name/, starting empty" >&2
	fi
	seeds=$(find "$corpus" -type f | wc -l)
	ran=$((ran + 1))
	status=ok
	if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" \
		"$corpus" >"$log" 2>&1; then
		status=FAILED
		failed=$((failed + 1))
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	grown=$(find "$corpus" -type f | wc -l)
	printf '%-14s %-6s %ss  %s execs  cov %s  corpus %s -> %s\n' \
		"$target" "$status" "$secs" "${execs:-?}" "${cov:-?}" "$seeds" "$grown"
	if [ $status != ok ]; then
		echo "--- $target: last lines of its log; inputs in $artifacts/" >&2
		tail -n 40 "$log" >&2
	else
		rmdir "$artifacts" 2>/dev/null || true
	fi
done

if [ $ran -eq 0 ]; then
	echo "$0: no fuzz_* binaries in $build/tests; configure with" \
		"CC=clang cmake -DJR_FUZZ=ON and build first" >&2
	exit 2
fi
if [ $failed -ne 0 ]; then
	echo "$failed of $ran fuzz targets failed" >&2
	exit 1
fi
echo "all $ran fuzz targets ran $secs s each without a crash"
