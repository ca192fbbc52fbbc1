#!/usr/bin/env bash
# `npm start`: see the extension running in real VS Code against a real cluster.
#   1. builds the extension and packages dist/sa-kubeconfig.vsix
#   2. starts the local control plane (test/cluster/up.sh) — unless you point it at your own kubeconfig
#   3. starts code-server (installed once by scripts/ensure-code-server.sh) with the .vsix installed next to
#      Microsoft's Kubernetes extension and Red Hat's YAML extension (built once from shared/vendor by
#      scripts/ensure-neighbours.sh; --no-neighbours leaves them out) and KUBECONFIG set, on
#      http://127.0.0.1:${PORT:-8080}/, and prints that URL
#   4. on Ctrl-C (or any exit) stops code-server and the cluster it started
#
# Usage: npm start [-- OPTIONS]     or     bash scripts/start.sh [OPTIONS]
#   --kubeconfig PATH   use your own kubeconfig instead of the local cluster (also: SAK_KUBECONFIG=PATH)
#   --port N            port on 127.0.0.1 (also: PORT=N; default 8080)
#   --no-build          use the existing dist/sa-kubeconfig.vsix
#   --no-neighbours     without the Kubernetes and YAML extensions (they stay installed from an earlier run: remove
#                       them in the Extensions view)
#   --check             start, open it in headless Chromium, click the SA Kubeconfig icon, save a screenshot to
#                       test-results/start/clusters.png, then stop everything (exit status: did the view show?)
# code-server listens on loopback only, so it runs without a password (--auth none). From another machine, forward
# the port: ssh -L 8080:127.0.0.1:8080 this-host, then open http://127.0.0.1:8080/ there.
# code-server's settings and extensions live in ${XDG_CACHE_HOME:-~/.cache}/sa-kubeconfig/start/, apart from any
# code-server or VS Code of your own.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

kubeconfig="${SAK_KUBECONFIG:-}"
port="${PORT:-8080}"
build=1
check=0
neighbours=1
while (($#)); do
  case "$1" in
    --kubeconfig) [[ $# -ge 2 ]] || { echo "start: --kubeconfig needs a path" >&2; exit 2; }; kubeconfig="$2"; shift 2 ;;
    --kubeconfig=*) kubeconfig="${1#*=}"; shift ;;
    --port) [[ $# -ge 2 ]] || { echo "start: --port needs a number" >&2; exit 2; }; port="$2"; shift 2 ;;
    --port=*) port="${1#*=}"; shift ;;
    --no-build) build=0; shift ;;
    --check) check=1; shift ;;
    --no-neighbours) neighbours=0; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "start: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  echo "start: port must be a number from 1 to 65535, not '$port'" >&2
  exit 2
fi

say() { echo "[start] $*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
t_all=$(now)

cs_pid=""
cluster_name=""
# shellcheck disable=SC2317  # reached through the EXIT trap
cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  if [[ -n "$cs_pid" ]] && kill -0 "$cs_pid" 2>/dev/null; then
    say "stopping code-server"
    kill -TERM -- "-$cs_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$cs_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$cs_pid" 2>/dev/null || true
  fi
  if [[ -n "$cluster_name" ]]; then
    say "stopping the local cluster"
    bash test/cluster/down.sh --name "$cluster_name" || true
  fi
  say "stopped after $(elapsed "$t_all")"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- the kubeconfig: the user's own, or the local cluster's admin one
if [[ -n "$kubeconfig" ]]; then
  [[ -r "$kubeconfig" ]] || { echo "start: kubeconfig '$kubeconfig' does not exist or is not readable" >&2; exit 1; }
  kubeconfig="$(cd "$(dirname "$kubeconfig")" && pwd)/$(basename "$kubeconfig")"
fi

# --- port free? (code-server would only say EADDRINUSE after everything else started)
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "start: port $port on 127.0.0.1 is in use; choose another with --port N or PORT=N" >&2
  exit 1
fi

t=$(now)
bash scripts/ensure-npm-packages.sh --quiet
bash scripts/ensure-code-server.sh --quiet
# shellcheck source=/dev/null
source "${XDG_CACHE_HOME:-$HOME/.cache}/sa-kubeconfig/code-server-4.139.1/env"
((check)) && bash scripts/ensure-chromium.sh --quiet
neighbour_vsixes=()
if ((neighbours)); then
  line="$(bash scripts/ensure-neighbours.sh --quiet)" || { echo "start: building the Kubernetes/YAML extensions failed (see above); --no-neighbours starts without them" >&2; exit 1; }
  IFS=: read -r -a neighbour_vsixes <<<"${line#SAK_NEIGHBOUR_VSIXES=}"
fi
say "code-server $SAK_CODE_SERVER_VERSION ready to run ($(elapsed "$t"))"

if ((build)); then
  t=$(now)
  say "building and packaging the extension"
  mkdir -p test-results/start
  npm run --silent package >test-results/start/package.log 2>&1 \
    || { tail -n 40 test-results/start/package.log >&2; echo "start: npm run package failed (log: test-results/start/package.log)" >&2; exit 1; }
  say "built dist/sa-kubeconfig.vsix ($(elapsed "$t"))"
fi
[[ -f dist/sa-kubeconfig.vsix ]] || { echo "start: dist/sa-kubeconfig.vsix is missing; run without --no-build" >&2; exit 1; }

if [[ -z "$kubeconfig" ]]; then
  t=$(now)
  say "starting the local Kubernetes control plane (first run builds it from Go modules: minutes)"
  cluster_name="start"
  env_lines="$(bash test/cluster/up.sh --name "$cluster_name")" || { echo "start: the local cluster did not start (see above)" >&2; exit 1; }
  eval "$env_lines"
  kubeconfig="$SAK_ADMIN_KUBECONFIG"
  say "local cluster up at $SAK_API_SERVER ($(elapsed "$t"))"
fi
export KUBECONFIG="$kubeconfig"

# --- code-server with its own settings/extensions folders (kept between runs) and the .vsix installed
state="${XDG_CACHE_HOME:-$HOME/.cache}/sa-kubeconfig/start"
mkdir -p "$state/user-data/User" "$state/extensions" "$state/logs"
[[ -f "$state/user-data/User/settings.json" ]] || cat >"$state/user-data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "security.workspace.trust.enabled": false,
  "chat.disableAIFeatures": true,
  "workbench.tips.enabled": false
}
JSON
if ((neighbours)); then
  # The Kubernetes extension's own settings (one object): the kubectl to use, no Helm/minikube/recommendation
  # prompts. Merged into the settings kept between runs; a value the user set there is left as it is.
  # shellcheck disable=SC2016  # JavaScript, not shell
  SAK_KUBECTL_PATH="${SAK_KUBECTL:-$(command -v kubectl || true)}" node -e '
    const fs = require("fs"); const f = process.argv[1];
    let s; try { s = JSON.parse(fs.readFileSync(f, "utf8")); } catch { console.error(`[start] ${f} is not plain JSON; not adding the Kubernetes extension settings`); process.exit(0); }
    const k = { "vs-kubernetes.kubectl-path": process.env.SAK_KUBECTL_PATH, "vs-kubernetes.suppress-helm-not-found-alerts": true,
      "vs-kubernetes.ignore-recommendations": true, checkForMinikubeUpgrade: false };
    s["vs-kubernetes"] = { ...k, ...(s["vs-kubernetes"] || {}) };
    if (s["redhat.telemetry.enabled"] === undefined) s["redhat.telemetry.enabled"] = false;
    fs.writeFileSync(f, JSON.stringify(s, null, 2) + "\n");' "$state/user-data/User/settings.json"
fi
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$port" >"$state/config.yaml"
cs=("$SAK_NODE24" "$SAK_CODE_SERVER_ENTRY" --config "$state/config.yaml" --user-data-dir "$state/user-data" --extensions-dir "$state/extensions")
# VSCODE_IPC_HOOK_CLI (set inside a VS Code terminal) would make code-server hand over to that instance.
unset VSCODE_IPC_HOOK_CLI VSCODE_IPC_HOOK PASSWORD HASHED_PASSWORD

t=$(now)
: >"$state/logs/install.log"
for vsix in "${neighbour_vsixes[@]}" "$repo/dist/sa-kubeconfig.vsix"; do
  "${cs[@]}" --install-extension "$vsix" --force >>"$state/logs/install.log" 2>&1 \
    || { cat "$state/logs/install.log" >&2; echo "start: installing $vsix into code-server failed" >&2; exit 1; }
done
say "installed the extension$( ((${#neighbour_vsixes[@]})) && echo ' next to the Kubernetes and YAML extensions') ($(elapsed "$t"))"

t=$(now)
log="$state/logs/code-server.log"
# Its own process group (setsid), so that stopping it also stops the extension host and helpers it started.
setsid "${cs[@]}" --bind-addr "127.0.0.1:$port" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  >"$log" 2>&1 &
cs_pid=$!
url="http://127.0.0.1:$port/"
for _ in $(seq 1 300); do
  kill -0 "$cs_pid" 2>/dev/null || { tail -n 30 "$log" >&2; echo "start: code-server exited (log: $log)" >&2; exit 1; }
  node -e "fetch('${url}healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" 2>/dev/null && break
  sleep 0.2
done
node -e "fetch('${url}healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" 2>/dev/null \
  || { tail -n 30 "$log" >&2; echo "start: code-server did not answer ${url}healthz within 60 s" >&2; exit 1; }
say "code-server ready ($(elapsed "$t")); everything up in $(elapsed "$t_all")"

if ((check)); then
  [[ -f out/test/runners/startCheck.js ]] || node esbuild.mjs --tests
  node --enable-source-maps out/test/runners/startCheck.js "$url" "$repo/test-results/start/clusters.png"
  exit $?
fi

cat >&2 <<MSG

  Open  $url  in your browser and click the "SA Kubeconfig" icon in the activity bar.
  KUBECONFIG=$KUBECONFIG$([[ -n "$cluster_name" ]] && echo "  (local cluster's admin; restricted user: $SAK_RESTRICTED_KUBECONFIG)")
  code-server log: $log
  Press Ctrl-C to stop everything.

MSG
status=0
wait "$cs_pid" || status=$?
cs_pid=""
echo "start: code-server exited on its own (status $status); log: $log" >&2
exit 1
