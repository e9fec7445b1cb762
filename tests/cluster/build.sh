#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
# and kwok from the Go module proxy into a cache outside the repo, keyed by the
# pinned versions. A second run finds the binaries and returns at once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$here/versions.env"
CACHE=${KUBE_LOCAL_CACHE:-$HOME/.cache/rustfs-operator/kube-local}
KEY="k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
BIN=$CACHE/$KEY/bin
BUILD=$CACHE/build
mkdir -p "$BIN" "$BUILD"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

build_k8s() {
  if [ -x "$BIN/kubectl" ] && [ -x "$BIN/kube-controller-manager" ] && [ -x "$BIN/kube-scheduler" ] &&
     "$BIN/kube-apiserver" --version 2>/dev/null | grep -q "v$K8S_VERSION\$"; then
    log "kubernetes v$K8S_VERSION cached"; return; fi
  local dir=$BUILD/k8s-$K8S_VERSION
  mkdir -p "$dir"
  cp "$here/k8s/go.mod" "$dir/go.mod"
  [ -f "$here/k8s/go.sum" ] && cp "$here/k8s/go.sum" "$dir/go.sum"
  cd "$dir"
  log "resolving kubernetes v$K8S_VERSION modules"
  go mod download
  local minor=${K8S_VERSION#1.}; minor=${minor%%.*}
  local ldf="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldf="$ldf -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
  done
  log "compiling kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (slow when cold)"
  go build -trimpath -tags selinux,notest -ldflags "$ldf" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  log "kubernetes done: $("$BIN/kube-apiserver" --version)"
}

build_etcd() {
  if [ -x "$BIN/etcd" ] && "$BIN/etcd" --version 2>/dev/null | grep -q "$ETCD_VERSION"; then
    log "etcd $ETCD_VERSION cached"; return; fi
  local dir=$BUILD/etcd-$ETCD_VERSION
  mkdir -p "$dir"
  cp "$here/etcd/go.mod" "$dir/go.mod"
  [ -f "$here/etcd/go.sum" ] && cp "$here/etcd/go.sum" "$dir/go.sum"
  cd "$dir"
  log "compiling etcd $ETCD_VERSION"
  go mod download
  go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION" \
    -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  log "etcd done"
}

build_kwok() {
  if [ -x "$BIN/kwok" ] && "$BIN/kwok" --version 2>/dev/null | grep -q "v$KWOK_VERSION "; then
    log "kwok $KWOK_VERSION cached"
  else
    log "compiling kwok $KWOK_VERSION"
    GOBIN=$BIN go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
    log "kwok done"
  fi
  kwok_stages
}

# kwok >= 0.8.0 has no built-in stages: assemble them from the YAMLs in its
# module zip (always, it is cheap, so a changed list takes effect). The
# heartbeat-with-lease stage goes with up.sh's --node-lease-duration-seconds:
# kwok renews node Leases itself and refreshes node status only every ~10
# min, which is what kwokctl selects when leases are on.
kwok_stages() {
  local ks out=$CACHE/$KEY/kwok-stages.yaml tmp f
  ks=$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize/stage
  [ -d "$ks" ] || (cd "$(mktemp -d)" && go mod download "sigs.k8s.io/kwok@v$KWOK_VERSION")
  tmp=$(mktemp)
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    printf -- '---\n' >> "$tmp"; cat "$ks/$f" >> "$tmp"; done
  keep_node_addresses "$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$out"
}

# kwok's node-initialize stage, which runs again whenever a node is not Ready
# (after an outage of kwok or the API server longer than the node Lease),
# writes `addresses` only when one is missing, and kwok's status update then
# drops the ones the node has: the node stays Ready without an InternalIP. Make
# it keep them, as the heartbeat stage does.
keep_node_addresses() {
  python3 - "$1" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
start = text.index("      {{ $hasInternalIP := false }}\n")
end = text.index("      {{ with NodePort }}", start)
keep = """      addresses:
      {{ with .status.addresses }}
      {{ YAML . 1 }}
      {{ else }}
      {{ with NodeIP }}
      - address: {{ . | Quote }}
        type: InternalIP
      {{ end }}
      {{ with NodeName }}
      - address: {{ . | Quote }}
        type: Hostname
      {{ end }}
      {{ end }}

"""
open(path, "w").write(text[:start] + keep + text[end:])
PY
}

case "${1:-all}" in
  all) build_etcd; build_kwok; build_k8s ;;
  etcd) build_etcd ;; kwok) build_kwok ;; k8s) build_k8s ;;
  bin-dir) echo "$BIN" ;;
  *) echo "usage: $0 [all|etcd|kwok|k8s|bin-dir]" >&2; exit 2 ;;
esac
