#!/bin/sh
# The command-line conventions every Jaring program keeps (docs/architecture.md,
# "Programs"), checked on one program:
#   --help and -h print what it is for, its usage and its exit codes to stdout,
#   nothing to stderr, and exit 0;
#   an unknown option is named on stderr, with a pointer to --help, exit 2;
#   a missing argument is named on stderr, exit 2;
#   every long option --help lists is in the man page, if it has one.
#
#   conventions.sh PROGRAM PURPOSE MANPAGE|- NAMED|- [ARGS...]
#
# PURPOSE: words --help must contain. NAMED: what stderr must name when the
# program runs with ARGS, an argument missing (- : no such case).
set -u
prog=$1 purpose=$2 man=$3 named=$4
shift 4
name=$(basename "$prog")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL $name: $*"
	fails=$((fails + 1))
}

run() { # label, args... -> $tmp/label.out, $tmp/label.err, $rc
	label=$1
	shift
	"$prog" "$@" >"$tmp/$label.out" 2>"$tmp/$label.err" </dev/null
	rc=$?
}

run help --help
[ "$rc" -eq 0 ] || fail "--help exits $rc, not 0"
[ -s "$tmp/help.err" ] && fail "--help writes to stderr: $(head -n 2 "$tmp/help.err")"
grep -qF -- "$purpose" "$tmp/help.out" || fail "--help does not say what it is for ('$purpose')"
grep -q '^usage: ' "$tmp/help.out" || fail "--help has no 'usage: ' line"
grep -qi 'exit status' "$tmp/help.out" || fail "--help does not list the exit status"
for code in 0 1 2; do
	grep -Eq "^ +$code  " "$tmp/help.out" || fail "--help does not explain exit status $code"
done

run h -h
[ "$rc" -eq 0 ] || fail "-h exits $rc, not 0"
cmp -s "$tmp/help.out" "$tmp/h.out" || fail "-h does not print the same as --help"

run unknown --frobnicate
[ "$rc" -eq 2 ] || fail "an unknown option exits $rc, not 2"
grep -qF -- "unknown option '--frobnicate'" "$tmp/unknown.err" ||
	fail "an unknown option is not named on stderr: $(head -n 2 "$tmp/unknown.err")"
grep -qF -- "--help" "$tmp/unknown.err" || fail "the unknown-option error does not point to --help"
[ -s "$tmp/unknown.out" ] && fail "an unknown option writes to stdout"

if [ "$named" != - ]; then
	run missing "$@"
	[ "$rc" -eq 2 ] || fail "'$*' (an argument missing) exits $rc, not 2"
	grep -qF -- "$named" "$tmp/missing.err" ||
		fail "'$*' does not name $named on stderr: $(head -n 2 "$tmp/missing.err")"
fi

if [ "$man" != - ]; then
	if [ ! -r "$man" ]; then
		fail "no man page $man"
	else
		# roff writes "--out" as "\-\-out"; compare without the backslashes.
		sed 's/\\//g' "$man" >"$tmp/man.txt"
		for opt in $(grep -oE -- '--[a-z][a-z-]*' "$tmp/help.out" | sort -u); do
			grep -qF -- "$opt" "$tmp/man.txt" || fail "$man does not describe $opt"
		done
		grep -q '^\.SH "*EXIT STATUS' "$man" || fail "$man has no EXIT STATUS section"
		man_note=", the man page"
	fi
fi

[ "$fails" -eq 0 ] && echo "ok $name: --help, -h, an unknown option, a missing argument${man_note:-}"
[ "$fails" -eq 0 ]
