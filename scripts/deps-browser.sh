#!/usr/bin/env bash
# Installs the Debian 12 browser the public page's test opens its pages in.
set -euo pipefail

case "${1:-}" in
  -h|--help)
    cat <<'HELP'
scripts/deps-browser.sh: installs, with apt-get, Debian's chromium (only if it
is missing): the real browser node/tests/public_page.sh opens the node's
public page in, headless, to take its screenshots. Large (about 100 MB), so
it has its own list; scripts/deps.sh calls it, CI may call it alone.

usage: scripts/deps-browser.sh
       scripts/deps-browser.sh --help

exit status:
  0  chromium is installed
  1  apt-get failed (its message says why)
  2  usage error
HELP
    exit 0 ;;
  ?*) echo "deps-browser.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
esac

# chromium runs headless (--headless --screenshot, --dump-dom); the page's
# font is Noto Sans from fonts-noto-core, which scripts/deps.sh installs.
PKGS=(chromium fonts-noto-core)

# shellcheck source=apt-lib.sh
. "$(dirname "$0")/apt-lib.sh"
apt_install "${PKGS[@]}"
