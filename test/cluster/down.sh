#!/usr/bin/env bash
# Stops a local control plane started by up.sh (by the PIDs it recorded) and removes its data folder.
# Usage: down.sh [--name NAME] [--keep-logs DIR]   (--keep-logs copies the component logs first)
set -euo pipefail
name=default
keep=""
while (($#)); do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --keep-logs) keep="$2"; shift 2 ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "down.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
dir="${SAK_CLUSTER_ROOT:-${TMPDIR:-/tmp}/sa-kubeconfig-clusters}/$name"
[[ -d "$dir" ]] || { echo "[cluster:$name] not running (no $dir)" >&2; exit 0; }
pids=()
# Controller manager first, etcd last, so nothing logs a storm of connection errors on the way down.
for n in kube-controller-manager kube-apiserver etcd; do
  f="$dir/pids/$n.pid"
  [[ -f "$f" ]] || continue
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
done
for _ in $(seq 1 50); do
  any=""
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && any=1; done
  [[ -z "$any" ]] && break
  sleep 0.1
done
for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
if [[ -n "$keep" ]]; then mkdir -p "$keep" && cp "$dir"/logs/*.log "$keep"/ 2>/dev/null || true; fi
rm -rf "$dir"
echo "[cluster:$name] stopped and removed" >&2
