#!/usr/bin/env bash
# run-with-cluster.sh CMD...: runs CMD with KUBECONFIG pointing at the local
# control plane, starting it first if needed, and exits with CMD's status.
#
# Sharing: several runs (two engineers, or CI next to a developer) may use one
# cluster. Each holds a shared lock on $USERS_LOCK while CMD runs. A cluster
# that such a run started is marked $AUTO_MARK (see up.sh); whoever leaves
# last (gets the lock exclusively) stops it. A cluster started by hand (make
# cluster-up) is never stopped here. tests/integration/kube.py
# (local_cluster) follows the same protocol.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
LOG_TAG=run-with-cluster
[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

# shellcheck disable=SC2317  # invoked by the EXIT trap
leave() {
  local rc=$?
  # flock converts shared -> exclusive; -n: other users remain, leave it up.
  if flock -n -x 9 && [ -f "$AUTO_MARK" ]; then
    log "last user of an auto-started cluster: stopping it"
    KUBE_LOCAL_USERS_LOCK_HELD=1 "$CLUSTER_DIR/down.sh" || true
  fi
  exit "$rc"
}

exec 9>"$USERS_LOCK"
flock -s 9
trap leave EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$CLUSTER_DIR/status.sh" -q || KUBE_LOCAL_AUTO=1 "$CLUSTER_DIR/up.sh"

export KUBECONFIG=$KUBECONFIG_ADMIN
set +e
"$@"
rc=$?
set -e
exit "$rc"
