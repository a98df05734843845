#!/bin/sh
# jaring-demo checks every input before it writes anything: a wrong --assets
# or --out ends with a message that names it, a non-zero exit, and no output
# folder, half made or otherwise.
#   demo_inputs.sh JARING_DEMO ASSETS_DIR
set -u
demo=$1 assets=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# label, words stderr must hold, output folder that must not appear, args...
expect_refused() {
	label=$1 words=$2 out=$3
	shift 3
	"$demo" "$@" >"$tmp/$label.out" 2>"$tmp/$label.err" </dev/null
	rc=$?
	[ "$rc" -eq 1 ] || fail "$label: exits $rc, not 1"
	grep -qF -- "$words" "$tmp/$label.err" ||
		fail "$label: stderr does not say '$words': $(head -n 2 "$tmp/$label.err")"
	[ -e "$out" ] && fail "$label: $out was made: $(find "$out" | head -n 5 | tr '\n' ' ')"
}

expect_refused no-assets "--assets /nonexistent: cannot read /nonexistent/demo/workers.csv" \
	"$tmp/X" --assets /nonexistent --out "$tmp/X"
expect_refused no-assets-deep "demo/workers.csv" "$tmp/a" \
	--out "$tmp/a/b/c" --assets "$tmp/missing"

# An assets folder whose worker list breaks at line 3: nothing is registered
# from the good lines before it, and nothing written.
mkdir -p "$tmp/bad/demo" "$tmp/empty/demo" "$tmp/long/demo"
head -n 2 "$assets/demo/workers.csv" >"$tmp/bad/demo/workers.csv"
echo "3328015405900001,SYNTHETIC ONLY,F" >>"$tmp/bad/demo/workers.csv"
expect_refused bad-line "workers.csv line 3: expected the 9 fields" "$tmp/Y" \
	--assets "$tmp/bad" --out "$tmp/Y"
printf '# comments only\n\n' >"$tmp/empty/demo/workers.csv"
expect_refused empty-list "no workers in it" "$tmp/Y" --assets "$tmp/empty" --out "$tmp/Y"
head -c 3000 /dev/zero | tr '\0' 'x' >"$tmp/long/demo/workers.csv"
expect_refused long-line "line 1: longer than" "$tmp/Y" --assets "$tmp/long" --out "$tmp/Y"

# --out that cannot be made: under a regular file.
: >"$tmp/file"
expect_refused out-under-file "$tmp/file is not a folder" "$tmp/file/out" \
	--assets "$assets" --out "$tmp/file/out"
expect_refused out-is-file "exists and is not a folder" "$tmp/nothing" \
	--assets "$assets" --out "$tmp/file"

# A folder the demo did not make is neither cleared nor written.
mkdir "$tmp/mine" && echo keep >"$tmp/mine/notes.txt"
expect_refused not-ours "exists and was not made by the demo" "$tmp/mine/kiosk" \
	--assets "$assets" --out "$tmp/mine"
[ "$(ls -A "$tmp/mine")" = notes.txt ] || fail "not-ours: the folder was changed"

# With good inputs it writes the three folders, and a second run reuses its own.
for run in first second; do
	"$demo" --assets "$assets" --out "$tmp/ok/out" >"$tmp/$run.out" 2>"$tmp/$run.err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "$run good run: exits $rc: $(head -n 2 "$tmp/$run.err")"
	for d in kiosk centre receipts; do
		[ -d "$tmp/ok/out/$d" ] || fail "$run good run: no $d/"
	done
done

[ "$fails" -eq 0 ] && echo "ok: every wrong input refused before anything was written"
[ "$fails" -eq 0 ]
