# shellcheck shell=bash
# Sourced by hack/helm.sh and hack/promtool.sh: a tool built with `go install` from the Go
# module proxy into a cache directory of its own (keyed by version by the caller).
#
#   go_install_cached LABEL WHAT DIR CACHED_FN GO_INSTALL_ARGS...
#
# builds into DIR/bin unless CACHED_FN (a function of the caller) says it is there. One build
# at a time, through a lock beside DIR: whoever comes second waits, then finds it cached.
go_install_cached() {
  local label=$1 what=$2 dir=$3 cached_fn=$4 go start
  shift 4
  mkdir -p "$dir"
  exec 9>"$dir.lock"
  flock 9
  "$cached_fn" && return 0
  go=$(command -v go || echo /usr/local/go/bin/go)
  start=$(date +%s)
  echo "[$label] building $what into $dir/bin (minutes when cold)" >&2
  GOBIN=$dir/bin CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$go" install -trimpath "$@" >&2
  "$cached_fn" || { echo "[$label] the build did not give $what" >&2; return 1; }
  echo "[$label] built in $(($(date +%s) - start)) s" >&2
}
