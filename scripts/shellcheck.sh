#!/usr/bin/env bash
# Runs shellcheck(1) over every shell script of the project, at warning level and
# above (style notes are not findings here), following sourced files as
# their "# shellcheck source=" directives name them (.shellcheckrc). Part of
# ./make.sh lint.
set -euo pipefail

case "${1:-}" in
  -h|--help)
    cat <<'HELP'
scripts/shellcheck.sh: runs shellcheck at warning level over every shell
script in the project: the tracked files ending in .sh, and those whose
first line runs sh or bash (the appliance's scripts have no extension).
./make.sh lint runs it; scripts/deps.sh installs shellcheck.

usage: scripts/shellcheck.sh
       scripts/shellcheck.sh --help

exit status:
  0  no findings
  1  shellcheck found something (each finding names its file and line)
  2  usage error, or not run from a git checkout
HELP
    exit 0 ;;
  ?*) echo "shellcheck.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
  { echo "shellcheck.sh: $PWD is not a git checkout; the scripts are the tracked files" >&2; exit 2; }
scripts=()
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  case "$f" in
    *.sh) scripts+=("$f") ;;
    *) head -n 1 "$f" | grep -Eq '^#!(/usr)?/bin/(env )?(ba)?sh( |$)' && scripts+=("$f") ;;
  esac
done < <(git ls-files -z)
if shellcheck -x -S warning -f gcc "${scripts[@]}"; then
  echo "shellcheck: ${#scripts[@]} scripts, no findings"
else
  echo "shellcheck: findings above (fix them, or disable one with a reason beside it)" >&2
  exit 1
fi
