#!/usr/bin/env bash
# Builds, once per archive, the neighbouring extensions that users run next to sa-kubeconfig, from the sources
# vendored in shared/vendor (see its README): Microsoft's Kubernetes extension and Red Hat's YAML extension (a
# declared extensionDependencies of the former). Neither is on npm and no marketplace is reachable here.
# The .vsix files go into a cache outside the work tree, keyed by archive name and sha256:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/sa-kubeconfig/neighbours/<archive-name>/<sha256 prefix>/extension.vsix
#   (next to it: .built, written last; build.log, npm and vsce output of the build)
# A changed archive (new sha256) builds anew; an unchanged one builds nothing. Each build runs in a temp folder
# (the vendor folder may be read-only), reaches only the npm registry, and moves the result into the cache
# atomically; concurrent runs wait on a lock.
# Prints, on stdout, one line for `eval`:  SAK_NEIGHBOUR_VSIXES=<yaml.vsix>:<kubernetes-tools.vsix>
# (install order: the dependency first). Progress and errors go to stderr.
# Usage: bash scripts/ensure-neighbours.sh [--quiet]
# Env: SAK_VENDOR_DIR (default: the first of <repo>/../shared/vendor, <repo>/../../shared/vendor, /work/shared/vendor
#      that exists).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

quiet=false
[[ "${1:-}" == "--quiet" ]] && quiet=true

say() { $quiet || echo "[ensure-neighbours] $*" >&2; }
shout() { echo "[ensure-neighbours] $*" >&2; }
die() { echo "[ensure-neighbours] ERROR: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

vendor="${SAK_VENDOR_DIR:-}"
if [[ -z "$vendor" ]]; then
  for candidate in "$repo/../shared/vendor" "$repo/../../shared/vendor" /work/shared/vendor; do
    [[ -d "$candidate" ]] && { vendor="$(cd "$candidate" && pwd)"; break; }
  done
fi
[[ -n "$vendor" && -d "$vendor" ]] \
  || die "no vendor folder found (looked for shared/vendor beside the repository); set SAK_VENDOR_DIR to the
  folder holding vscode-kubernetes-tools-*.tar.gz and vscode-yaml-*.tar.gz"

find_archive() { # find_archive PREFIX: the one archive PREFIX-<version>-<commit>.tar.gz in the vendor folder
  local matches=("$vendor/$1"-[0-9]*.tar.gz)
  [[ -f "${matches[0]}" ]] || die "no $1-*.tar.gz in $vendor"
  ((${#matches[@]} == 1)) || die "more than one $1-*.tar.gz in $vendor (${matches[*]##*/}); keep one"
  echo "${matches[0]}"
}

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/sa-kubeconfig/neighbours"

# Removes npm_* variables inherited from an outer `npm test`/`npm run` (they would configure the inner npm),
# keeping network settings.
clean_npm_env() {
  while read -r var; do unset "$var"; done < <(compgen -e | grep -i '^npm_' \
    | grep -viE '^npm_config_(registry|proxy|https_proxy|noproxy|cafile|strict_ssl|cache)$')
}

# prepare_yaml SRC: vscode-yaml's lockfile pins an unpublished prerelease of yaml-language-server; use the
# published 1.x line instead (shared/vendor/README.md).
prepare_yaml() {
  rm -f "$1/package-lock.json"
  node -e '
    const fs = require("fs"); const f = process.argv[1];
    const p = JSON.parse(fs.readFileSync(f, "utf8"));
    if (!p.dependencies?.["yaml-language-server"]) throw new Error("no yaml-language-server dependency");
    p.dependencies["yaml-language-server"] = "^1.19.0";
    fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$1/package.json"
}

# ensure ARCHIVE SRC_DIR INSTALL: builds ARCHIVE (whose top folder is SRC_DIR) unless cached; prints the .vsix path.
ensure() {
  local archive="$1" src_dir="$2" install="$3"
  local name sha dir vsix marker
  name="$(basename "$archive" .tar.gz)"
  sha="$(sha256sum "$archive" | cut -c1-16)"
  dir="$cache_root/$name/$sha"
  vsix="$dir/extension.vsix"
  marker="$dir/.built"
  if [[ -f "$marker" && -f "$vsix" ]]; then
    say "$name: cached ($vsix, built $(cat "$marker"))"
    echo "$vsix"; return 0
  fi
  mkdir -p "$cache_root/$name"
  exec 8>"$cache_root/$name/.lock"
  if ! flock -n 8; then
    shout "$name: another build is running; waiting for its lock ($cache_root/$name/.lock)"
    flock 8
  fi
  if [[ -f "$marker" && -f "$vsix" ]]; then
    exec 8>&-; echo "$vsix"; return 0
  fi

  local t tmp log
  t=$(now)
  # Left-overs of failed or interrupted builds of this archive (kept for a look); nobody else builds: we hold the lock.
  rm -rf "$cache_root/$name"/.build-* "$cache_root/$name"/.staged-*
  tmp="$(mktemp -d "$cache_root/$name/.build-XXXXXX")"
  log="$tmp/build.log"
  shout "$name: building $(basename "$vsix") from $archive (a few minutes; log: $log)"
  tar -xzf "$archive" -C "$tmp" || die "$name: could not unpack $archive"
  [[ -f "$tmp/$src_dir/package.json" ]] || die "$name: $archive has no $src_dir/package.json"
  chmod -R u+w "$tmp/$src_dir"
  (
    cd "$tmp/$src_dir"
    clean_npm_env
    [[ "$install" == install ]] && prepare_yaml "$PWD"
    echo "== npm $install" >>"$log"
    npm "$install" --no-audit --no-fund --ignore-scripts >>"$log" 2>&1 \
      || { tail -n 30 "$log" >&2; echo "npm $install failed in $PWD" >&2; exit 1; }
    echo "== vsce package" >>"$log"
    npx --yes @vscode/vsce@2 package --allow-missing-repository --skip-license -o "$tmp/extension.vsix" >>"$log" 2>&1 \
      || { tail -n 30 "$log" >&2; echo "vsce package failed in $PWD" >&2; exit 1; }
  ) || die "$name: build failed (log: $log; the temp folder $tmp is kept for a look, remove it when done)"
  [[ -s "$tmp/extension.vsix" ]] || die "$name: vsce reported success but wrote no .vsix (log: $log)"

  # Into the cache atomically: a finished folder is renamed into place, never filled in place.
  local staged="$cache_root/$name/.staged-$sha-$$"
  mkdir -p "$staged"
  mv "$tmp/extension.vsix" "$log" "$staged/"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$staged/.built"
  rm -rf "$dir"
  mv -T "$staged" "$dir"
  rm -rf "$tmp"
  shout "$name: built $(du -h "$vsix" | cut -f1) .vsix in $(elapsed "$t") -> $vsix"
  exec 8>&-
  echo "$vsix"
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  die "node and npm are not on PATH; install Node.js 20 first"
fi
command -v flock >/dev/null || die "flock (util-linux) is missing; install it (Debian: apt-get install -y util-linux)"
mkdir -p "$cache_root"

t_all=$(now)
yaml_archive="$(find_archive vscode-yaml)"
k8s_archive="$(find_archive vscode-kubernetes-tools)"
yaml="$(ensure "$yaml_archive" vscode-yaml install)"
k8s="$(ensure "$k8s_archive" vscode-kubernetes-tools ci)"
say "ready in $(elapsed "$t_all")"
echo "SAK_NEIGHBOUR_VSIXES=$yaml:$k8s"
