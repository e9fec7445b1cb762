#!/usr/bin/env bash
# promtool (Prometheus's rule checker and rule unit-test runner), built from the Go
# module proxy into a cache outside the repository keyed by its version, as
# tests/cluster/build.sh caches the control plane. tests/unit/test_monitoring.py runs
# it on operator/deploy/monitoring; `make promtool` (a prerequisite of `make unit`)
# builds it: minutes when cold, at once when cached.
#
#   hack/promtool.sh build   build promtool unless cached
#   hack/promtool.sh path    print where promtool is (built or not)
#   hack/promtool.sh ARGS... run promtool ARGS (building it first if needed)
set -euo pipefail
# shellcheck source=go_install.sh
. "$(dirname "$0")/go_install.sh"
# github.com/prometheus/prometheus v0.316.0 is Prometheus 3.16.0.
PROMETHEUS_MODULE_VERSION=0.316.0
CACHE=${PROMTOOL_CACHE:-$HOME/.cache/rustfs-operator/promtool}
DIR=$CACHE/v$PROMETHEUS_MODULE_VERSION
PROMTOOL=$DIR/bin/promtool

cached() {
  [ -x "$PROMTOOL" ] && "$PROMTOOL" --version >/dev/null 2>&1
}

build() {
  # remove_all_sd leaves out the service-discovery plugins (cloud SDKs, most of a cold build):
  # checking and unit-testing rules needs none of them.
  go_install_cached promtool "promtool (prometheus v$PROMETHEUS_MODULE_VERSION)" "$DIR" cached \
    -tags remove_all_sd -ldflags "-s -w" "github.com/prometheus/prometheus/cmd/promtool@v$PROMETHEUS_MODULE_VERSION"
}

case "${1:-}" in
  build) build ;;
  path) echo "$PROMTOOL" ;;
  "") sed -n '2,11p' "$0" >&2; exit 2 ;;
  *) cached || build; exec "$PROMTOOL" "$@" ;;
esac
