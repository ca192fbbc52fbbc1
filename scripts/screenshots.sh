#!/usr/bin/env bash
# `npm run screenshots`: refreshes the README's pictures in media/screenshots/ from the e2e suite's screenshots.
# Runs the browser tests that take them (wizard, Quick create, the Kubernetes extension's Cluster Explorer, the tree)
# against the local cluster (scripts/with-cluster.sh), then copies the chosen ones under stable names, shrunk to a
# README's width, and builds quick-create.gif from the Quick create frames. The harness masks credential lines in
# every screenshot (magenta bars); LOOK at each picture before committing it anyway.
# Needs ImageMagick (Debian: apt-get install -y imagemagick; installed here when run as root).
# Usage: npm run screenshots    or    bash scripts/screenshots.sh [--no-run]   (--no-run: only copy what
#        test-results/e2e/ holds from an earlier run)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
say() { echo "[screenshots] $*" >&2; }
die() { echo "[screenshots] ERROR: $*" >&2; exit 1; }

run=1
[[ "${1:-}" == "--no-run" ]] && run=0

if [[ ! -x /usr/bin/convert ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing ImageMagick (Debian package imagemagick)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends imagemagick >/dev/null 2>&1 \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends imagemagick >/dev/null; } \
      || die "apt-get could not install imagemagick"
  else
    die "ImageMagick's /usr/bin/convert is missing; install it (Debian/Ubuntu: sudo apt-get install -y imagemagick)"
  fi
fi

shots=test-results/e2e
if ((run)); then
  bash scripts/ensure-code-server.sh --quiet
  bash scripts/ensure-chromium.sh --quiet
  line="$(bash scripts/ensure-neighbours.sh --quiet)"
  export "${line?}"
  say "packaging the extension and building the tests"
  npm run --silent package >/dev/null
  node esbuild.mjs --tests >/dev/null
  rm -rf "$shots"
  mkdir -p "$shots"
  config="$(mktemp --suffix=.json)"
  trap 'rm -f "$config"' EXIT
  cat >"$config" <<'JSON'
{
  "spec": ["out/test/e2e/activityBar.e2e.js", "out/test/e2e/wizard.e2e.js", "out/test/e2e/quickCreate.e2e.js",
           "out/test/e2e/kubernetesTools.e2e.js"],
  "timeout": 120000, "reporter": "spec", "enable-source-maps": true, "require": ["test/mocha.setup.mjs"]
}
JSON
  bash scripts/with-cluster.sh npx mocha --config "$config" || die "the e2e tests failed; media/screenshots left as it was"
fi

out=media/screenshots
mkdir -p "$out"
# shot SRC DEST [CROP]: a window screenshot (1400x900), cropped to the part that matters (ImageMagick geometry,
# e.g. 760x520+0+0) or else shrunk to 1000 px wide; 256 colours (flat UI pictures stay small and sharp).
shot() {
  local src
  src="$(compgen -G "$shots/$1" | head -n1)" || true
  [[ -n "$src" && -f "$src" ]] || die "no $shots/$1 (did the tests that take it run?)"
  if [[ -n "${3:-}" ]]; then
    convert "$src" -crop "$3" +repage -strip -colors 256 "PNG8:$out/$2"
  else
    convert "$src" -resize 1000x -strip -colors 256 "PNG8:$out/$2"
  fi
  say "$out/$2 <- $src ($(du -k "$out/$2" | cut -f1) KB)"
}
shot 'wizard-2-permissions-dark.png' wizard-permissions.png
shot 'wizard-9-escalation-refused.png' wizard-review-escalation-refused.png
shot 'wizard-7-result.png' wizard-result-verified.png
shot 'wizard-8-kubeconfig-editor.png' kubeconfig-tab-token-masked.png
# The side bar and the menu opened on it.
shot 'kubernetes-tools-*-namespace-menu.png' kubernetes-cluster-explorer-menu.png 760x520+0+0
shot 'quick-create-*-tree-after.png' tree.png 760x420+0+0

# Quick create as a short animation: its frames in order (not the Save as… test's), 1.6 s each, the last longer.
mapfile -t frames < <(printf '%s\n' "$shots"/quick-create-*.png | grep -v -- '-save' | sort -V)
((${#frames[@]} >= 2)) || die "fewer than two Quick create frames in $shots"
convert -delay 160 "${frames[@]:0:${#frames[@]}-1}" -delay 320 "${frames[-1]}" -resize 800x -layers Optimize -colors 128 \
  -loop 0 "$out/quick-create.gif"
say "$out/quick-create.gif <- ${#frames[@]} frames ($(du -k "$out/quick-create.gif" | cut -f1) KB)"
say "done; now LOOK at every picture in $out before committing (no token or key may be readable)"
