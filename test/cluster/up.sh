#!/usr/bin/env bash
# Starts a local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) on 127.0.0.1,
# built from upstream Go modules by build.sh. It has its own data folder, free ports, a generated CA,
# serving and client certificates, RBAC and ServiceAccount token issuing. When ready it writes:
#   $dir/admin.kubeconfig       system:masters
#   $dir/restricted.kubeconfig  user "restricted": manages serviceaccounts, roles and rolebindings in
#                               namespace restricted-ns, lists namespaces; no rights on secrets or pods
#   $dir/env                    the export lines below, for `source`
# and prints the export lines on stdout (everything else goes to stderr).
#
# Usage: up.sh [--name NAME] [-- EXTRA_KUBE_APISERVER_FLAGS...]
#   State lives in ${SAK_CLUSTER_ROOT:-${TMPDIR:-/tmp}/sa-kubeconfig-clusters}/NAME (NAME: default).
#   A cluster of that name that is already up is reused as it is.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name=default
extra=()
while (($#)); do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "up.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$name" =~ ^[a-z0-9][a-z0-9-]*$ ]] || { echo "up.sh: --name must be lower-case letters, digits and '-'" >&2; exit 2; }
root="${SAK_CLUSTER_ROOT:-${TMPDIR:-/tmp}/sa-kubeconfig-clusters}"
dir="$root/$name"
say() { echo "[cluster:$name] $*" >&2; }

export PATH="$PATH:/usr/local/go/bin"
bin="$("$here/build.sh")"
kubectl="$bin/kubectl"

if [[ -f "$dir/env" ]] && "$kubectl" --kubeconfig "$dir/admin.kubeconfig" get --raw /readyz >/dev/null 2>&1; then
  say "already up ($dir)"
  cat "$dir/env"
  exit 0
fi
[[ -d "$dir" ]] && "$here/down.sh" --name "$name" >&2 || true
mkdir -p "$dir"/{pki,logs,pids,etcd}
chmod 700 "$dir"
started=$SECONDS

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
while [[ "$peer_port" == "$etcd_port" ]]; do peer_port=$(free_port); done
while [[ "$api_port" == "$etcd_port" || "$api_port" == "$peer_port" ]]; do api_port=$(free_port); done

# --- certificates -------------------------------------------------------------------------------
pki="$dir/pki"
openssl_quiet() { openssl "$@" 2>/dev/null; }
openssl_quiet req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 30 \
  -subj "/CN=sa-kubeconfig-test-ca" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
sign() { # sign NAME SUBJECT EXTENSIONS
  local n="$1" subj="$2" ext="$3"
  openssl_quiet req -newkey rsa:2048 -nodes -keyout "$pki/$n.key" -out "$pki/$n.csr" -subj "$subj"
  printf '%s\n' "$ext" > "$pki/$n.ext"
  openssl_quiet x509 -req -in "$pki/$n.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -out "$pki/$n.crt" -days 30 -extfile "$pki/$n.ext"
  rm -f "$pki/$n.csr" "$pki/$n.ext"
}
sign apiserver "/CN=kube-apiserver" "$(printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local')"
client_ext="$(printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=clientAuth')"
sign admin "/O=system:masters/CN=sa-kubeconfig-admin" "$client_ext"
sign controller-manager "/CN=system:kube-controller-manager" "$client_ext"
sign restricted "/CN=restricted" "$client_ext"
openssl_quiet genrsa -out "$pki/sa.key" 2048
openssl_quiet rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub"
chmod 600 "$pki"/*.key

server="https://127.0.0.1:$api_port"
write_kubeconfig() { # write_kubeconfig FILE USER CERTNAME
  local file="$1" user="$2" cert="$3"
  KUBECONFIG="$file" "$kubectl" config set-cluster local --server="$server" --certificate-authority="$pki/ca.crt" --embed-certs=true >/dev/null
  KUBECONFIG="$file" "$kubectl" config set-credentials "$user" --client-certificate="$pki/$cert.crt" --client-key="$pki/$cert.key" --embed-certs=true >/dev/null
  KUBECONFIG="$file" "$kubectl" config set-context "$user@local" --cluster=local --user="$user" >/dev/null
  KUBECONFIG="$file" "$kubectl" config use-context "$user@local" >/dev/null
  chmod 600 "$file"
}
write_kubeconfig "$dir/admin.kubeconfig" admin admin
write_kubeconfig "$dir/controller-manager.kubeconfig" controller-manager controller-manager
write_kubeconfig "$dir/restricted.kubeconfig" restricted restricted

# --- processes ----------------------------------------------------------------------------------
fail() {
  say "FAILED: $*"
  for log in "$dir"/logs/*.log; do
    echo "----- last lines of $(basename "$log") -----" >&2
    tail -n 25 "$log" >&2 || true
  done
  echo "(full logs kept in $dir/logs; stop with: bash $here/down.sh --name $name)" >&2
  exit 1
}
start() { # start NAME ARGS... ; detached from this shell so the cluster outlives the script
  local n="$1"; shift
  setsid "$@" >"$dir/logs/$n.log" 2>&1 < /dev/null &
  echo $! > "$dir/pids/$n.pid"
}
alive() { kill -0 "$(cat "$dir/pids/$1.pid")" 2>/dev/null; }

start etcd "$bin/etcd" --name local --data-dir "$dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "local=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level warn
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$etcd_port/health" >/dev/null 2>&1 && break
  alive etcd || fail "etcd exited"
  sleep 0.1
done
curl -sf "http://127.0.0.1:$etcd_port/health" >/dev/null || fail "etcd did not become healthy"

start kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --cert-dir "$dir/apiserver" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" \
  --authorization-mode RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range 10.0.0.0/24 \
  --endpoint-reconciler-type none \
  --profiling=false \
  "${extra[@]}"

start kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig "$dir/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port 0 \
  --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file "$pki/sa.key" \
  --root-ca-file "$pki/ca.crt" \
  --controllers serviceaccount-token-controller,serviceaccount-controller,namespace-controller,root-ca-certificate-publisher-controller,garbage-collector-controller,clusterrole-aggregation-controller

admin=(--kubeconfig "$dir/admin.kubeconfig")
ready=""
for _ in $(seq 1 600); do
  if "$kubectl" "${admin[@]}" get --raw /readyz >/dev/null 2>&1; then ready=1; break; fi
  alive kube-apiserver || fail "kube-apiserver exited"
  alive kube-controller-manager || fail "kube-controller-manager exited"
  sleep 0.1
done
[[ -n "$ready" ]] || fail "kube-apiserver not ready after 60s"
# The serviceaccount controller making `default` shows the controller manager is working.
for _ in $(seq 1 300); do
  "$kubectl" "${admin[@]}" -n default get serviceaccount default >/dev/null 2>&1 && break
  alive kube-controller-manager || fail "kube-controller-manager exited"
  sleep 0.1
done
"$kubectl" "${admin[@]}" -n default get serviceaccount default >/dev/null 2>&1 || fail "controller manager did not create the default service account within 30s"

# The restricted user: may manage service accounts and RBAC in one namespace, but holds no rights on
# secrets or pods, so any attempt to grant those is refused by RBAC's escalation check.
"$kubectl" "${admin[@]}" apply -f - >/dev/null <<YAML || fail "could not create the restricted user's RBAC"
apiVersion: v1
kind: Namespace
metadata: { name: restricted-ns }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: sa-manager, namespace: restricted-ns }
rules:
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [serviceaccounts/token]
  verbs: [create]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: restricted-sa-manager, namespace: restricted-ns }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: sa-manager }
subjects:
- { apiGroup: rbac.authorization.k8s.io, kind: User, name: restricted }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: sa-kubeconfig-test-namespace-reader }
rules:
- apiGroups: [""]
  resources: [namespaces]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: restricted-namespace-reader }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: sa-kubeconfig-test-namespace-reader }
subjects:
- { apiGroup: rbac.authorization.k8s.io, kind: User, name: restricted }
YAML
KUBECONFIG="$dir/restricted.kubeconfig" "$kubectl" config set-context --current --namespace restricted-ns >/dev/null

cat > "$dir/env" <<ENV
export SAK_CLUSTER_NAME='$name'
export SAK_CLUSTER_DIR='$dir'
export SAK_ADMIN_KUBECONFIG='$dir/admin.kubeconfig'
export SAK_RESTRICTED_KUBECONFIG='$dir/restricted.kubeconfig'
export SAK_API_SERVER='$server'
export SAK_KUBECTL='$kubectl'
export SAK_CLUSTER_BIN='$bin'
ENV
say "ready in $((SECONDS - started))s at $server (logs: $dir/logs)"
cat "$dir/env"
