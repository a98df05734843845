#!/bin/sh
# jaring-admin's subcommands keep the conventions: COMMAND --help exits 0 on
# stdout with a usage line and the exit status, every option it lists is in
# the man page; an unknown option is named (exit 2); a missing option is
# named (exit 2); bad names (role, agency, permission, sponsor type, reason)
# are named with what is allowed; no PIN without a terminal is a usage error.
#   admin_commands.sh JARING_ADMIN MANPAGE
set -u
bin=$1 man=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jaring-admin-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL jaring-admin: $*"; fails=$((fails + 1)); }
expect() { # rc, label, words-in-stderr, args...
	want=$1 label=$2 words=$3
	shift 3
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	[ "$rc" -eq "$want" ] || fail "$label: exit $rc, not $want ($(head -n 2 "$tmp/err"))"
	[ -z "$words" ] || grep -qF -- "$words" "$tmp/err" || fail "$label: stderr lacks '$words': $(cat "$tmp/err")"
}
sed 's/\\//g' "$man" >"$tmp/man.txt"
for c in roster keygen village-binding approve return comment view policy allocate decree pay submit queue show \
	reflist report chart; do
	"$bin" "$c" --help >"$tmp/help" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "$c --help exits $rc"
	[ -s "$tmp/err" ] && fail "$c --help writes to stderr"
	grep -q '^usage: ' "$tmp/help" || fail "$c --help has no usage line"
	grep -qi 'exit status' "$tmp/help" || fail "$c --help lists no exit status"
	for opt in $(grep -oE -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
		grep -qF -- "$opt" "$tmp/man.txt" || fail "$man does not describe $opt ($c)"
	done
	expect 2 "$c --frobnicate" "unknown option '--frobnicate'" "$c" --frobnicate
done
id=0123456789abcdef0123456789abcdef
expect 2 "unknown command" "unknown command 'frob'" frob
expect 2 "approve without a key" "missing option --key" approve --reg $id --out "$tmp/a"
expect 2 "approve without a target" "missing option --out FILE or --node URL" approve --key k --reg $id
expect 2 "approve without ids" "missing option --reg" approve --key k --out "$tmp/a"
expect 2 "a short id" "is not 32 hex digits" approve --key k --reg abc --out "$tmp/a"
expect 2 "return without a reason" "missing option --reason" return --key k --reg $id --out "$tmp/a"
expect 2 "a bad reason" "unknown reason 'FOO'" return --key k --reg $id --reason FOO --out "$tmp/a"
expect 2 "a bad sponsor type" "unknown sponsor type 'bank'" allocate --key k --id A \
	--sponsor-type bank --sponsor S --amount 1 --months 1 --region 0 --out "$tmp/a"
expect 2 "a bad month" "is not a month YYYYMM" pay --key k --allocation A --month 202413 \
	--amount 1 --out "$tmp/a"
expect 2 "a bad agency to require" "unknown agency 'kpu'" policy --key k --region 3328 \
	--version 2 --require disnaker,kpu --out "$tmp/a"
expect 2 "decree without recipients" "missing option --regs-file" decree --key k --number N \
	--region 3328 --allocation A --start 202407 --months 6 --out "$tmp/a"
expect 2 "a bad role" "unknown role 'mayor'" roster --member mayor:x:none:0:upload
expect 2 "a bad agency" "unknown agency 'kpu'" roster --member official:x:kpu:0:approve
expect 2 "a bad permission" "unknown permission 'rule'" roster --member official:x:dpmd:0:approve+rule
expect 2 "roster without members" "missing option --member" roster --consortium c --serial 1 --out o
expect 2 "a binding to a district" "is not a village of the region table" village-binding \
	--consortium c --village 33.28.01 --out o
expect 2 "a binding without a village" "missing option --village" village-binding --consortium c --out o
expect 2 "submit without a file" "missing argument FILE" submit --node http://127.0.0.1:1
expect 2 "queue without an agency" "missing option --agency" queue --state "$tmp/s"
expect 2 "queue of a non-reviewer" "reviews nothing" queue --state "$tmp/s" --agency funder
expect 2 "show --personal without a key" "--personal needs --key" show --state s --reg $id --personal
expect 2 "an unknown report" "unknown report 'foo'" report foo --state s
expect 2 "reconciliation without a month" "needs --month" report reconciliation --state s
expect 2 "an unknown list kind" "unknown list kind 'pkh'" reflist --kind pkh --csv c --pseudonym-key p
expect 2 "payments with a serial" "payments take --month" reflist --kind payments --csv c \
	--pseudonym-key p --serial 3
expect 2 "--all-passing without --state" "needs --state" approve --key k --all-passing --node http://x
expect 2 "a batch of 0" "--batch must be" approve --key k --reg $id --batch 0 --node http://x
expect 1 "submit of a missing file" "cannot read" submit --node http://127.0.0.1:1 "$tmp/none"
# keygen with no PIN source and no terminal
env -u JARING_PIN "$bin" keygen --role official --out "$tmp/k" >/dev/null 2>"$tmp/err" </dev/null
rc=$?
[ "$rc" -eq 2 ] && grep -qF "no PIN" "$tmp/err" || fail "keygen without a PIN: exit $rc"
printf '123\n' >"$tmp/pin"
expect 1 "a short PIN" "the PIN is 3 bytes" keygen --role official --out "$tmp/k" --pin-file "$tmp/pin"
[ "$fails" -eq 0 ] && echo "ok jaring-admin: every command's --help, options, names and PINs"
[ "$fails" -eq 0 ]
