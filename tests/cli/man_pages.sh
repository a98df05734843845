#!/bin/sh
# Every man page in docs/man renders with man -l and groff reports no
# warning (bad macro, unknown escape, a line it had to break badly).
#   man_pages.sh DOCS_MAN_DIR
# Exits 77 (ctest: skipped) when groff or man is not installed.
set -u
dir=$1
command -v groff >/dev/null 2>&1 && command -v man >/dev/null 2>&1 || {
	echo "groff or man is not installed: man pages not rendered (apt-get install groff-base man-db)"
	exit 77
}
fails=0 n=0
for page in "$dir"/*.[1-8]; do
	n=$((n + 1))
	warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$warn" ] || { echo "FAIL $page: groff warns: $warn"; fails=$((fails + 1)); }
	text=$(MANWIDTH=80 man -l "$page" 2>&1 </dev/null)
	name=$(basename "$page" | sed 's/\.[1-8]$//')
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS"; do
		printf '%s\n' "$text" | grep -q "^$section" ||
			{ echo "FAIL $page: no $section section when rendered"; fails=$((fails + 1)); }
	done
	printf '%s\n' "$text" | grep -Eq "^ *$name +- " ||
		{ echo "FAIL $page: NAME does not start with '$name - '"; fails=$((fails + 1)); }
done
[ "$n" -gt 0 ] || { echo "FAIL: no man pages in $dir"; exit 1; }
[ "$fails" -eq 0 ] && echo "ok: $n man pages render without warnings"
[ "$fails" -eq 0 ]
