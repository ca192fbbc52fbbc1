#!/usr/bin/env bash
# Installs the project's npm packages from package-lock.json (npm ci) when node_modules is missing or older
# than the lock file; otherwise does nothing. Used by `npm test` and `npm start`, so a fresh clone needs no
# separate `npm install`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -f node_modules/.package-lock.json && ! package-lock.json -nt node_modules/.package-lock.json ]]; then
  [[ "${1:-}" == "--quiet" ]] || echo "node_modules up to date" >&2
  exit 0
fi
t0=$SECONDS
npm ci --no-audit --no-fund >&2
echo "npm packages installed in $((SECONDS - t0))s" >&2
