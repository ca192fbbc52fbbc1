#!/usr/bin/env bash
# Runs a command with the local test cluster up and its variables exported (SAK_ADMIN_KUBECONFIG,
# SAK_RESTRICTED_KUBECONFIG, SAK_API_SERVER, SAK_KUBECTL, ...; KUBECONFIG points at the admin one).
# Reuses the cluster named by SAK_CLUSTER_DIR when it is already up; otherwise starts one and stops
# it again when the command ends, keeping the component logs in test-results/cluster-logs on failure.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
started=""
if [[ -z "${SAK_ADMIN_KUBECONFIG:-}" || ! -f "${SAK_ADMIN_KUBECONFIG}" ]]; then
  # A name of its own: stopping it afterwards must never stop a cluster somebody else started.
  env_lines="$(bash "$repo/test/cluster/up.sh" --name "run-$$")"
  eval "$env_lines"
  started=1
fi
export KUBECONFIG="$SAK_ADMIN_KUBECONFIG"
status=0
"$@" || status=$?
if [[ -n "$started" ]]; then
  keep=()
  ((status != 0)) && keep=(--keep-logs "$repo/test-results/cluster-logs")
  bash "$repo/test/cluster/down.sh" --name "$SAK_CLUSTER_NAME" "${keep[@]}"
fi
exit "$status"
