#!/bin/sh
# jaring-kiosk run with no configuration says so and tells a newcomer the way
# on: copy assets/kiosk.conf.example, set data_dir, village and
# consortium_pubkey (docs/kiosk.md), or run the demo, which makes one.
#   kiosk_no_config.sh JARING_KIOSK
set -u
kiosk=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

expect_guidance() { # label, path named, args...
	label=$1 path=$2
	shift 2
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy "$kiosk" "$@" \
		>"$tmp/$label.out" 2>"$tmp/$label.err" </dev/null
	rc=$?
	[ "$rc" -eq 1 ] || fail "$label: exits $rc, not 1"
	for words in "no configuration file at $path" assets/kiosk.conf.example docs/kiosk.md \
		data_dir village consortium_pubkey "--check-config" "./make.sh run" \
		out/cycle/kiosks/kiosk1/kiosk.conf; do
		grep -qF -- "$words" "$tmp/$label.err" || fail "$label: the message does not say '$words'"
	done
	[ -s "$tmp/$label.out" ] && fail "$label: writes to stdout"
}

expect_guidance given "$tmp/none/kiosk.conf" --config "$tmp/none/kiosk.conf"
expect_guidance check "$tmp/none.conf" --check-config "$tmp/none.conf"
[ -e "$tmp/none" ] && fail "the kiosk made $tmp/none"

# The default path, when this machine has no kiosk set up.
if [ -e /etc/jaring/kiosk.conf ]; then
	echo "note: /etc/jaring/kiosk.conf exists here; the default-path case is not run"
else
	expect_guidance default /etc/jaring/kiosk.conf
	grep -qF -- "the default; --config FILE names another" "$tmp/default.err" ||
		fail "default: the message does not say the path is the default"
fi

# A file that is there but wrong gets the loader's own message, not this one.
printf 'village = 33.28.01.2001\nfrobnicate = 1\n' >"$tmp/bad.conf"
"$kiosk" --config "$tmp/bad.conf" >/dev/null 2>"$tmp/bad.err" </dev/null
rc=$?
[ "$rc" -eq 1 ] || fail "bad configuration: exits $rc, not 1"
grep -qF 'line 2: unknown key "frobnicate"' "$tmp/bad.err" ||
	fail "bad configuration: not named by line: $(cat "$tmp/bad.err")"
grep -qF 'no configuration file' "$tmp/bad.err" && fail "bad configuration: called missing"

[ "$fails" -eq 0 ] && echo "ok: no configuration is explained, given, checked and default"
[ "$fails" -eq 0 ]
