#!/usr/bin/env bash
# Benchmark: one `sa-kubeconfig create` of the tutorial's request against the tutorial's kubectl steps,
# on the same cluster in the same run, alternating, ROUNDS times each (default 5). Reports the median
# wall time and the number of API requests of each, and their ratios.
#   kubectl steps: create namespace, serviceaccount, role (pods get/watch/list/create + pods/exec create),
#   rolebinding, token; then config set-cluster (CA embedded) / set-credentials / set-context /
#   use-context — the hand-made kubeconfig, without any check of what it can do.
#   sa-kubeconfig: the same objects plus server-side dry run, escalation pre-check, and (unless
#   --no-verify) verification of the new credential with itself.
# Run with a cluster up: `bash scripts/with-cluster.sh bash bench/create.sh [ROUNDS]` (needs `npm run build`).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-5}"
: "${SAK_ADMIN_KUBECONFIG:?run through scripts/with-cluster.sh}"
kubectl="$SAK_KUBECTL"
export KUBECONFIG="$SAK_ADMIN_KUBECONFIG"
work="$(mktemp -d)"; chmod 700 "$work"
trap 'rm -rf "$work"' EXIT
run_id="b$$"
ca="$work/ca.crt"
"$kubectl" config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > "$ca"
server="$("$kubectl" config view --minify -o jsonpath='{.clusters[0].cluster.server}')"

now_ms() { date +%s%3N; }
# kubectl -v=6 logs one "Response" line per API request.
count_kubectl() { grep -c 'Response.*status=' "$1" || true; }

kubectl_tutorial() { # NAMESPACE LOG
  local ns="$1" log="$2" out="$work/$1.kubeconfig" k=("$kubectl" -v=6)
  {
    "${k[@]}" create namespace "$ns"
    "${k[@]}" -n "$ns" create serviceaccount myexample-sa
    "${k[@]}" -n "$ns" create role myexample-role --verb=get,watch,list,create --resource=pods
    "${k[@]}" -n "$ns" create role myexample-exec --verb=create --resource=pods/exec
    "${k[@]}" -n "$ns" create rolebinding myexample-rb --role=myexample-role --serviceaccount="$ns:myexample-sa"
    "${k[@]}" -n "$ns" create rolebinding myexample-exec-rb --role=myexample-exec --serviceaccount="$ns:myexample-sa"
    token="$("${k[@]}" -n "$ns" create token myexample-sa --duration 24h 2>>"$log")"
    KUBECONFIG="$out" "$kubectl" config set-cluster local --server="$server" --certificate-authority="$ca" --embed-certs=true
    KUBECONFIG="$out" "$kubectl" config set-credentials myexample-sa --token="$token"
    KUBECONFIG="$out" "$kubectl" config set-context myexample --cluster=local --user=myexample-sa --namespace="$ns"
    KUBECONFIG="$out" "$kubectl" config use-context myexample
    chmod 600 "$out"
  } >/dev/null 2>>"$log"
}

sak_create() { # NAMESPACE LOG [EXTRA FLAGS]
  local ns="$1" log="$2"; shift 2
  node "$repo/dist/cli.js" create -n "$ns" --create-namespace -s myexample-sa \
    --rule pods:get,watch,list,create --rule pods/exec:create --duration 24h \
    --out "$work/$ns.sak.kubeconfig" --yes --verbose "$@" >/dev/null 2>>"$log"
}
count_sak() { grep -cE '^debug: (GET|POST|PUT|PATCH|DELETE) \S+ -> ' "$1" || true; }

declare -a t_kubectl t_sak t_sak_nv r_kubectl r_sak r_sak_nv
for i in $(seq 1 "$rounds"); do
  log="$work/k$i.log"; : > "$log"; s=$(now_ms); kubectl_tutorial "$run_id-k$i" "$log"; t_kubectl+=($(( $(now_ms) - s ))); r_kubectl+=("$(count_kubectl "$log")")
  log="$work/s$i.log"; : > "$log"; s=$(now_ms); sak_create "$run_id-s$i" "$log"; t_sak+=($(( $(now_ms) - s ))); r_sak+=("$(count_sak "$log")")
  log="$work/n$i.log"; : > "$log"; s=$(now_ms); sak_create "$run_id-n$i" "$log" --no-verify; t_sak_nv+=($(( $(now_ms) - s ))); r_sak_nv+=("$(count_sak "$log")")
done
# The generated kubeconfigs must work, or the timing means nothing.
KUBECONFIG="$work/$run_id-k1.kubeconfig" "$kubectl" get pods >/dev/null
KUBECONFIG="$work/$run_id-s1.sak.kubeconfig" "$kubectl" get pods >/dev/null

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
mk=$(median "${t_kubectl[@]}"); ms=$(median "${t_sak[@]}"); mn=$(median "${t_sak_nv[@]}")
rk=$(median "${r_kubectl[@]}"); rs=$(median "${r_sak[@]}"); rn=$(median "${r_sak_nv[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b ? a / b : 0) }'; }
echo "rounds: $rounds (alternating, same cluster: $server)"
printf '%-34s %8s %9s %12s %12s\n' "" "median" "requests" "time ratio" "req. ratio"
printf '%-34s %6sms %9s %12s %12s\n' "kubectl tutorial steps" "$mk" "$rk" "1.00" "1.00"
printf '%-34s %6sms %9s %12s %12s\n' "sa-kubeconfig create (verified)" "$ms" "$rs" "$(ratio "$ms" "$mk")" "$(ratio "$rs" "$rk")"
printf '%-34s %6sms %9s %12s %12s\n' "sa-kubeconfig create --no-verify" "$mn" "$rn" "$(ratio "$mn" "$mk")" "$(ratio "$rn" "$rk")"
echo "all times (ms): kubectl ${t_kubectl[*]} | sak ${t_sak[*]} | sak --no-verify ${t_sak_nv[*]}"
for i in $(seq 1 "$rounds"); do
  "$kubectl" delete namespace "$run_id-k$i" "$run_id-s$i" "$run_id-n$i" --wait=false >/dev/null 2>&1 || true
done
