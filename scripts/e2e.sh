#!/usr/bin/env bash
# Browser tests (test/e2e/*.e2e.ts): code-server with the built .vsix installed into a throw-away extensions folder,
# driven in headless Debian Chromium with Playwright, through mocha (test/.mocharc.e2e.json).
# `npm run test:e2e` packages the .vsix, builds the tests and wraps this in scripts/with-cluster.sh, so KUBECONFIG
# points at the local cluster's admin kubeconfig. Run directly (KUBECONFIG unset: the views show their welcome text):
#   npm run package && node esbuild.mjs --tests && bash scripts/e2e.sh [mocha args, e.g. --grep "activity bar"]
# Screenshots and code-server/VS Code logs: test-results/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s.%N)
bash scripts/ensure-code-server.sh --quiet
bash scripts/ensure-chromium.sh --quiet
[[ -f dist/sa-kubeconfig.vsix ]] || { echo "e2e: dist/sa-kubeconfig.vsix is missing; build it: npm run package" >&2; exit 1; }
compgen -G 'out/test/e2e/*.e2e.js' >/dev/null || { echo "e2e: no out/test/e2e/*.e2e.js; build the tests: node esbuild.mjs --tests" >&2; exit 1; }
if [[ dist/sa-kubeconfig.vsix -ot dist/extension.js ]]; then
  echo "e2e: warning: dist/sa-kubeconfig.vsix is older than dist/extension.js; the tests use the .vsix (npm run package)" >&2
fi
rm -rf test-results/e2e
mkdir -p test-results/e2e

# Each test file's harness stops its code-server (process group) and browser in after(), and on exit or signals.
status=0
npx mocha --config test/.mocharc.e2e.json "$@" || status=$?
echo "e2e: $([[ $status -eq 0 ]] && echo passed || echo "FAILED (exit $status)") in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'); screenshots in test-results/e2e/"
exit "$status"
