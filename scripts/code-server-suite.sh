#!/usr/bin/env bash
# Runs the extension-host mocha suite (test/vscode) in real VS Code served by code-server and opened in headless
# Chromium (test/runners/codeServer.ts). `npm run test:vscode` builds first and wraps this in scripts/with-cluster.sh,
# so KUBECONFIG and SAK_* point at the local cluster and reach the extension host.
# Run directly (after `node esbuild.mjs && node esbuild.mjs --tests`): bash scripts/code-server-suite.sh
# Installs code-server + Node 24 and Chromium on first use (scripts/ensure-*.sh). Logs: test-results/vscode/.
# Env: SAK_SUITE_TIMEOUT_MS (default 300000), SAK_SUITE_VERBOSE=1 (print the workbench console), SAK_TEST_GREP.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s.%N)
bash scripts/ensure-code-server.sh --quiet
bash scripts/ensure-chromium.sh --quiet
for built in dist/extension.js out/test/vscode/index.js out/test/runners/codeServer.js; do
  [[ -f "$built" ]] || { echo "code-server-suite: $built is missing; build first: node esbuild.mjs && node esbuild.mjs --tests" >&2; exit 1; }
done

# The runner stops code-server (its whole process group) and the browser on every exit path, signals included.
status=0
node --enable-source-maps out/test/runners/codeServer.js || status=$?
echo "code-server-suite: $([[ $status -eq 0 ]] && echo passed || echo "FAILED (exit $status)") in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }')"
exit "$status"
