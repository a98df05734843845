#!/bin/sh
# The command-line conventions of jaring-sync push and pull (the program's
# own are checked by conventions.sh): --help says what each is for and lists
# exit statuses 0 to 4; an unknown option, a missing --url and a bad value
# are usage errors (2) that name what is wrong; every option --help lists is
# in the man page, which has a section for each command.
#   sync_net.sh JARING-SYNC MANPAGE
set -u
sync=$1 man=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL jaring-sync $*"; fails=$((fails + 1)); }
sed 's/\\//g' "$man" >"$tmp/man.txt"
for cmd in push pull; do
	shard=""
	[ "$cmd" = push ] && shard="--shard $tmp/none"
	"$sync" "$cmd" --help >"$tmp/help" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] || fail "$cmd --help: exit $rc, stderr $(head -n 1 "$tmp/err")"
	grep -q "^usage: jaring-sync $cmd" "$tmp/help" || fail "$cmd --help has no usage line"
	grep -q "over HTTP" "$tmp/help" || fail "$cmd --help does not say what it is for"
	for code in 0 1 2 3 4; do
		grep -Eq "^ +$code  " "$tmp/help" || fail "$cmd --help does not explain exit status $code"
	done
	for opt in $(grep -oE -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
		grep -qF -- "$opt" "$tmp/man.txt" || fail "$cmd: $man does not describe $opt"
	done
	grep -q "^\.B $cmd" "$man" || fail "$cmd: $man has no entry for the command"
	check() { # label expected-rc expected-text args...
		label=$1 want=$2 text=$3
		shift 3
		"$sync" "$cmd" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
		rc=$?
		[ "$rc" -eq "$want" ] || fail "$cmd $label: exit $rc, not $want"
		grep -qF -- "$text" "$tmp/err" || fail "$cmd $label: stderr lacks '$text': $(head -n 2 "$tmp/err")"
		[ "$want" -ne 2 ] || [ ! -s "$tmp/out" ] || fail "$cmd $label: a usage error writes to stdout"
	}
	check "unknown option" 2 "unknown option '--frobnicate'" --frobnicate
	check "no --url" 2 "missing argument --url URL" --key k --consortium c $shard
	check "no --key" 2 "missing argument --key FILE" --url http://127.0.0.1:1
	check "bad --url" 2 "is not http://host:port" --url ftp://x --key k --consortium c $shard
	check "bad --retries" 2 "--retries 'many' is not 0..1000" --retries many
	check "bad --timeout" 2 "--timeout '0' is not 1..3600" --timeout 0
	check "a missing key file" 1 "reading the kiosk key" --url http://127.0.0.1:1 --key "$tmp/none" \
		--consortium "$tmp/none" $shard
done
[ "$fails" -eq 0 ] && echo "ok jaring-sync push, pull: --help, usage errors, the man page"
[ "$fails" -eq 0 ]
