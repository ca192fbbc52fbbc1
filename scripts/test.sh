#!/usr/bin/env bash
# `npm test`: installs what is missing, builds, then runs every test layer against real parts:
#   unit         pure logic, no cluster
#   cluster      core and CLI against the local control plane, checked with a real kubectl
#   vscode       the mocha suite inside VS Code's extension host (code-server), against the cluster
#   e2e          Playwright driving code-server in Chromium, against the cluster
# It stops everything it started (also on failure), prints each phase's time and each layer's counts,
# ends with a line "N passed, N failed", and exits non-zero on any failure.
# SAK_TEST_LAYERS="unit cluster" runs only some layers.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export PATH="$PATH:/usr/local/go/bin"
layers="${SAK_TEST_LAYERS:-unit cluster vscode e2e}"
results="$repo/test-results"
mkdir -p "$results/logs"

phase_names=(); phase_secs=()
layer_rows=()
total_passed=0; total_failed=0; total_pending=0
failed_any=0
cluster_started=""

phase() { # phase NAME CMD... : runs a setup phase, records its time, aborts the run on failure
  local name="$1"; shift
  local t0=$SECONDS
  echo "==> $name" >&2
  if ! "$@"; then
    echo "==> $name FAILED" >&2
    phase_names+=("$name (failed)"); phase_secs+=($((SECONDS - t0)))
    finish 1
  fi
  phase_names+=("$name"); phase_secs+=($((SECONDS - t0)))
}

layer() { # layer NAME CMD... : runs a test layer, teeing its output and reading mocha's counts
  local name="$1"; shift
  [[ " $layers " == *" $name "* ]] || return 0
  local t0=$SECONDS log="$results/logs/$name.log" status=0
  echo "==> test layer: $name" >&2
  "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  local plain passed failed pending
  plain="$(sed 's/\x1b\[[0-9;]*m//g' "$log")"
  passed=$(grep -Eo '^ *[0-9]+ passing' <<<"$plain" | awk '{s+=$1} END {print s+0}')
  failed=$(grep -Eo '^ *[0-9]+ failing' <<<"$plain" | awk '{s+=$1} END {print s+0}')
  pending=$(grep -Eo '^ *[0-9]+ pending' <<<"$plain" | awk '{s+=$1} END {print s+0}')
  # A layer that crashed before mocha could count, or that ran no test at all, is a failure.
  if ((status != 0 && failed == 0)); then failed=1; fi
  if ((status == 0 && passed == 0)); then echo "layer $name ran no test" >&2; failed=$((failed + 1)); fi
  ((status != 0 || failed > 0)) && failed_any=1
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed)); total_pending=$((total_pending + pending))
  layer_rows+=("$(printf '%-8s %4d passed %3d failed %3d pending %5ds' "$name" "$passed" "$failed" "$pending" $((SECONDS - t0)))")
  phase_names+=("test: $name"); phase_secs+=($((SECONDS - t0)))
}

finish() {
  local forced="${1:-0}"
  if [[ -n "$cluster_started" ]]; then
    local keep=()
    ((failed_any || forced)) && keep=(--keep-logs "$results/cluster-logs")
    bash test/cluster/down.sh --name "$SAK_CLUSTER_NAME" "${keep[@]}" || true
    cluster_started=""
  fi
  echo
  echo "---- phases ----"
  for i in "${!phase_names[@]}"; do printf '%-34s %5ds\n' "${phase_names[$i]}" "${phase_secs[$i]}"; done
  echo "---- test layers ----"
  for row in "${layer_rows[@]}"; do echo "$row"; done
  ((forced)) && echo "setup failed before all layers ran"
  echo "${total_passed} passed, $((total_failed + forced)) failed, ${total_pending} skipped"
  ((forced || failed_any)) && exit 1
  exit 0
}
trap 'echo "interrupted" >&2; failed_any=1; finish 1' INT TERM

phase "npm packages" bash scripts/ensure-npm-packages.sh
if [[ " $layers " == *" vscode "* || " $layers " == *" e2e "* ]]; then
  phase "chromium" bash scripts/ensure-chromium.sh
  phase "code-server + node 24" bash scripts/ensure-code-server.sh
  # Microsoft's Kubernetes extension and its YAML dependency, built from shared/vendor once per archive.
  # shellcheck disable=SC2317  # called through phase
  ensure_neighbours() {
    local line
    line="$(bash scripts/ensure-neighbours.sh)" || return 1
    export "${line?}"
  }
  phase "neighbour extensions (.vsix)" ensure_neighbours
fi
if [[ " $layers " != " unit " ]]; then
  phase "control plane binaries" bash test/cluster/build.sh
fi
phase "build (extension, cli, webview)" node esbuild.mjs
phase "build tests" node esbuild.mjs --tests
# Three TypeScript worlds: Node without DOM (tsconfig.json), the wizard page with DOM and no Node, Playwright e2e.
phase "typecheck" npm run --silent typecheck
phase "lint" npm run --silent lint

layer unit npx mocha --config test/.mocharc.unit.json

if [[ " $layers " == *" cluster "* || " $layers " == *" vscode "* || " $layers " == *" e2e "* ]]; then
  start_cluster() {
    local lines
    lines="$(bash test/cluster/up.sh --name "npm-test-$$")" || return 1
    eval "$lines"
    export KUBECONFIG="$SAK_ADMIN_KUBECONFIG"
    cluster_started=1
  }
  phase "cluster up" start_cluster
fi
layer cluster npx mocha --config test/.mocharc.integration.json
if [[ " $layers " == *" vscode "* ]]; then
  layer vscode bash scripts/code-server-suite.sh
fi
if [[ " $layers " == *" e2e "* ]]; then
  phase "package .vsix" npm run --silent package
  layer e2e bash scripts/e2e.sh
fi
finish 0
