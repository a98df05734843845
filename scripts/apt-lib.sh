# shellcheck shell=bash
# Sourced by the dependency scripts (scripts/deps.sh, scripts/deps-browser.sh,
# firmware-image/deps.sh), not run.
#   apt_install PKG...   installs with apt-get (non-interactive, without
#                        recommends) those of the packages not installed yet;
#                        does nothing, offline, when every one is; fails with
#                        apt-get's status and message when apt-get fails.
apt_install() {
  local missing=() p sudo=
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
