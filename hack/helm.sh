#!/usr/bin/env bash
# helm, built from the Go module proxy (helm.sh/helm/v4) into a cache outside the
# repository keyed by its version, as tests/cluster/build.sh caches the control plane.
# A cold build takes minutes (docs/development.md), so `make test` starts it in the
# background first and every later use waits for it.
#
#   hack/helm.sh build               build helm unless cached
#   hack/helm.sh build --background  the same, detached (log: $CACHE/v$HELM_VERSION.log); returns at once
#   hack/helm.sh bin                 print helm's path (waits for a build in progress; builds if needed)
#   hack/helm.sh ARGS...             run helm ARGS
set -euo pipefail
# shellcheck source=go_install.sh
. "$(dirname "$0")/go_install.sh"
HELM_VERSION=4.3.2
CACHE=${HELM_LOCAL_CACHE:-$HOME/.cache/rustfs-operator/helm}
DIR=$CACHE/v$HELM_VERSION
HELM=$DIR/bin/helm

cached() {
  [ -x "$HELM" ] && [ "$("$HELM" version --template '{{.Version}}' 2>/dev/null)" = "v$HELM_VERSION" ]
}

build() {
  go_install_cached helm "helm v$HELM_VERSION" "$DIR" cached \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=v$HELM_VERSION" \
    "helm.sh/helm/v4/cmd/helm@v$HELM_VERSION"
}

case "${1:-}" in
  build)
    if [ "${2:-}" = --background ]; then
      cached && exit 0
      mkdir -p "$CACHE"
      # Detached, with no descriptor of the caller's (a pipe held open would keep a
      # reader of make's output waiting for the build).
      setsid "$0" build </dev/null >"$DIR.log" 2>&1 &
      echo "[helm] building helm v$HELM_VERSION in the background (log: $DIR.log)" >&2
      exit 0
    fi
    build
    ;;
  bin)
    cached || build
    echo "$HELM"
    ;;
  "")
    echo "usage: $0 build [--background] | bin | HELM-ARGS..." >&2
    exit 2
    ;;
  *)
    cached || build
    exec "$HELM" "$@"
    ;;
esac
