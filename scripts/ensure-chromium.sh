#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the Playwright-driven tests (playwright-core ships no browser,
# and Playwright's own browser download is not reachable from these machines). Installs it with apt when running as
# root and it is missing; otherwise says what to run. A second run installs nothing.
# Usage: bash scripts/ensure-chromium.sh [--quiet]
set -euo pipefail

quiet=false
[[ "${1:-}" == "--quiet" ]] && quiet=true

chromium=/usr/bin/chromium
say() { echo "[ensure-chromium] $*"; }
die() { echo "[ensure-chromium] ERROR: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

if [[ -x "$chromium" ]]; then
  $quiet || say "already installed: $("$chromium" --version 2>/dev/null || echo "$chromium"); nothing to install"
  exit 0
fi

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  die "Chromium is missing at $chromium. Install Debian's package as root, then run this again:
    sudo apt-get install -y chromium"
fi

t=$(now)
say "installing Debian package chromium (about 300 MB)"
export DEBIAN_FRONTEND=noninteractive
# Try without refreshing the package lists first: that is much faster when they are recent enough.
apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
  || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; } \
  || die "apt-get could not install chromium"
[[ -x "$chromium" ]] || die "apt-get installed chromium but $chromium is not there"
say "installed $("$chromium" --version 2>/dev/null || echo chromium) in $(elapsed "$t")"
