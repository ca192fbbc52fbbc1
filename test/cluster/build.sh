#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager, kubectl) from the
# upstream Go modules pinned in go.mod, into a cache folder keyed by the Kubernetes version, outside the
# work tree. A second run, or CI's fresh clone on the same machine, finds the binaries and builds nothing.
# Prints the bin folder on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '($1=="k8s.io/kubernetes" || $2=="k8s.io/kubernetes") && $0 !~ /=>/ && $1 !~ /^\/\//  {print $NF}' "$here/go.mod" | head -n1)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sa-kubeconfig/kubernetes-$version"
bin="$cache/bin"
want=(etcd kube-apiserver kube-controller-manager kubectl)
# The recipe (this script and the module's pins) is part of the cache key: a change rebuilds everything.
recipe="$(cat "$here/build.sh" "$here/go.mod" "$here/go.sum" "$here/cmd/etcd/main.go" | sha256sum | cut -c1-16)"
missing=()
if [[ "$(cat "$bin/.recipe" 2>/dev/null)" != "$recipe" ]]; then
  missing=("${want[@]}")
else
  for b in "${want[@]}"; do [[ -x "$bin/$b" ]] || missing+=("$b"); done
fi
if ((${#missing[@]} == 0)); then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "error: Go is needed to build the local cluster (/usr/local/go/bin on these machines); install Go 1.26+ or put it on PATH" >&2; exit 1; }
mkdir -p "$bin"
cd "$here"
# Stamp the version the way upstream's release build does, so servers and kubectl report v1.x.y
# (an unstamped build says v0.0.0-master, which kubectl refuses to parse).
minor="${version#v1.}"; minor="${minor%%.*}"
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
rm -f "$bin/.recipe"
for b in "${missing[@]}"; do
  case "$b" in
    etcd) pkg=./cmd/etcd ;;
    *) pkg="k8s.io/kubernetes/cmd/$b" ;;
  esac
  echo "building $b ($version) ..." >&2
  start=$SECONDS
  # -trimpath and stripped symbols keep the cache small; CGO off gives static binaries like upstream's.
  CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w$stamp" -o "$bin/$b.tmp" "$pkg" >&2
  mv "$bin/$b.tmp" "$bin/$b"
  echo "built $b in $((SECONDS - start))s" >&2
done
echo "$recipe" > "$bin/.recipe"
echo "$bin"
