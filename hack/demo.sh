#!/usr/bin/env bash
# hack/demo.sh up|down: `make demo` and `make demo-down`.
#
# up: the CRD, the operator running locally in the background, an example
# Tenant, a wait until it is Ready (with progress), and a summary. The cluster
# is the one KUBECONFIG points at when it is set, else the local control plane
# of tests/cluster (started if needed). Running it again re-uses what runs.
# down: deletes the demo Tenant (its volumes too) and namespace, stops the
# operator, and stops the local control plane if the demo started it.
#
# Sharing the local control plane: the operator holds a shared lock on
# $USERS_LOCK for as long as it runs, like run-with-cluster.sh does for its
# command, so nobody's run stops the cluster under the demo. `down` then
# leaves like run-with-cluster.sh: an auto-started cluster is stopped by its
# last user (a cluster started by hand, `make cluster-up`, never is).
#
# State (operator pid, port and log, which cluster, whether the demo started
# it) lives in $DEMO_STATE, /tmp/rustfs-operator-demo by default.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/cluster/lib.sh
. "$repo/tests/cluster/lib.sh"
LOG_TAG=demo

STATE=${DEMO_STATE:-/tmp/rustfs-operator-demo}
NAMESPACE=${DEMO_NAMESPACE:-rustfs-demo}
TENANT_FILE=${DEMO_TENANT:-$repo/examples/simple-tenant.yaml}
TIMEOUT=${DEMO_TIMEOUT:-300}
# The demo operator serves only Tenants with this label: on a shared cluster
# it must not reconcile anybody else's.
SELECTOR=rustfs-operator-demo=true
PY=$repo/.venv/bin/python
helper() { "$PY" "$repo/hack/demo_summary.py" "$@"; }

[ -x "$PY" ] || die "$PY missing: run 'make setup' first"

# operator_pid: the recorded operator PID, if that process is still ours.
operator_pid() {
  local pid
  pid=$(cat "$STATE/operator.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  grep -qa rustfs_operator "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

save_state() {
  printf '%s=%q\n' MODE "$MODE" DEMO_KUBECONFIG "$KUBECONFIG" STARTED_CLUSTER "$STARTED_CLUSTER" \
    DEMO_RUN "$RUN" DEMO_NAMESPACE "$NAMESPACE" TENANT_NAME "${TENANT_NAME:-}" > "$STATE/demo.env"
}

# --- up ------------------------------------------------------------------------------

choose_cluster() {
  MODE=local STARTED_CLUSTER=0
  if [ -f "$STATE/demo.env" ]; then
    # shellcheck disable=SC1091
    STARTED_CLUSTER=$(. "$STATE/demo.env" && echo "$STARTED_CLUSTER")
  fi
  if [ -n "${KUBECONFIG:-}" ] && [ "$KUBECONFIG" != "$KUBECONFIG_ADMIN" ]; then
    MODE=external
    log "using the current kube context of KUBECONFIG=$KUBECONFIG"
    helper ping || die "the cluster of KUBECONFIG=$KUBECONFIG does not answer"
    return
  fi
  "$CLUSTER_DIR/build.sh" all
  # Become a user of the cluster before looking at it: whoever stops it needs
  # this lock exclusively. The operator started below inherits it (fd 9).
  exec 9>"$USERS_LOCK"
  flock -s 9
  if "$CLUSTER_DIR/status.sh" -q; then
    log "local control plane already running ($RUN)"
  else
    log "starting the local control plane ($RUN, about 10 s)"
    KUBE_LOCAL_AUTO=1 "$CLUSTER_DIR/up.sh"
    STARTED_CLUSTER=1
  fi
  export KUBECONFIG=$KUBECONFIG_ADMIN
}

install_crd() {
  log "installing the Tenant CRD (playbook rustfs.operator.install_crds)"
  if ! (cd "$repo" && "$repo/.venv/bin/ansible-playbook" rustfs.operator.install_crds) >"$STATE/install_crds.log" 2>&1; then
    cat "$STATE/install_crds.log" >&2
    die "installing the CRD failed"
  fi
}

start_operator() {
  local pid port t0=$SECONDS
  if pid=$(operator_pid); then
    log "operator already running (pid $pid, log $STATE/operator.log)"
    return
  fi
  port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$STATE/work"
  # setsid: a Ctrl-C aimed at make does not stop it; `down` stops it by PID.
  # fd 9 (the users lock, local mode) is inherited on purpose, fd 8 is not.
  (
    cd "$STATE"
    exec env -u ANSIBLE_CONFIG \
      PYTHONPATH="$repo/operator" \
      RUSTFS_OPERATOR_COLLECTIONS_PATH="$repo/.ansible/collections" \
      RUSTFS_OPERATOR_TENANT_SELECTOR="$SELECTOR" \
      RUSTFS_OPERATOR_LEADER_ELECTION=false \
      RUSTFS_OPERATOR_HTTP_PORT="$port" \
      RUSTFS_OPERATOR_WORK_DIR="$STATE/work" \
      setsid "$PY" -m rustfs_operator >>"$STATE/operator.log" 2>&1 </dev/null 8>&-
  ) &
  echo $! > "$STATE/operator.pid"
  echo "$port" > "$STATE/operator.port"
  log "started the operator (pid $!, http 127.0.0.1:$port, log $STATE/operator.log)"
  while ! lcurl -fsS --max-time 2 "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    if ! operator_pid >/dev/null; then
      tail -n 20 "$STATE/operator.log" >&2
      die "the operator exited; log: $STATE/operator.log"
    fi
    [ $((SECONDS - t0)) -lt 60 ] || die "the operator is not ready after 60 s; log: $STATE/operator.log"
    sleep 0.5
  done
  log "operator ready after $((SECONDS - t0)) s: watching Tenants labelled $SELECTOR"
}

up() {
  local t0=$SECONDS
  mkdir -p "$STATE"
  choose_cluster
  if [ -f "$STATE/demo.env" ]; then
    local previous
    # shellcheck disable=SC1091
    previous=$(. "$STATE/demo.env" && echo "$DEMO_KUBECONFIG")
    [ "$previous" = "$KUBECONFIG" ] || die "a demo runs on KUBECONFIG=$previous: 'make demo-down' it first"
  fi
  save_state
  install_crd
  start_operator
  TENANT_NAME=$(helper apply "$TENANT_FILE" "$NAMESPACE" "$SELECTOR" | tail -n 1)
  save_state
  log "waiting until Tenant $NAMESPACE/$TENANT_NAME is Ready (timeout ${TIMEOUT} s)"
  if ! helper wait "$NAMESPACE" "$TENANT_NAME" --timeout "$TIMEOUT" --operator-pid "$(operator_pid || echo 0)"; then
    tail -n 20 "$STATE/operator.log" >&2
    helper summary "$NAMESPACE" "$TENANT_NAME" || true
    die "the Tenant did not become Ready; operator log: $STATE/operator.log"
  fi
  echo
  helper summary "$NAMESPACE" "$TENANT_NAME"
  echo
  log "done in $((SECONDS - t0)) s"
  local kubectl=kubectl
  if ! command -v kubectl >/dev/null && [ "$MODE" = local ]; then kubectl=$(bin_dir)/kubectl; fi
  cat <<EOF

Explore:
  export KUBECONFIG=$KUBECONFIG
  $kubectl get tenants,statefulsets,pods,pvc,services -n $NAMESPACE
  .venv/bin/python hack/demo_summary.py summary $NAMESPACE $TENANT_NAME
  operator log (JSON lines): $STATE/operator.log
Change it, and watch the operator roll the pods:
  $kubectl -n $NAMESPACE patch tenant $TENANT_NAME --type=merge -p '{"spec":{"env":[{"name":"RUST_LOG","value":"debug"}]}}'
  .venv/bin/python hack/demo_summary.py wait $NAMESPACE $TENANT_NAME
Clean up: make demo-down
EOF
}

# --- down ----------------------------------------------------------------------------

stop_operator() {
  local pid
  if ! pid=$(operator_pid); then
    if [ -f "$STATE/operator.pid" ]; then log "operator stopped"; else log "operator not running"; fi
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do operator_pid >/dev/null || break; sleep 0.2; done
  if operator_pid >/dev/null; then
    log "operator (pid $pid) ignored SIGTERM for 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  log "stopped the operator (pid $pid)"
}

down() {
  local t0=$SECONDS MODE="" DEMO_KUBECONFIG="" STARTED_CLUSTER=0 DEMO_RUN="" DEMO_NAMESPACE="" TENANT_NAME=""
  if [ ! -f "$STATE/demo.env" ]; then
    log "no demo running ($STATE/demo.env does not exist)"
    stop_operator
    rm -f "$STATE/operator.pid" "$STATE/operator.port"
    rmdir "$STATE" 2>/dev/null || true
    return
  fi
  # shellcheck disable=SC1091
  . "$STATE/demo.env"
  # The cluster the demo ran on, whatever RUN says now (lib.sh derives the rest from it).
  if [ "$MODE" = local ] && [ -n "$DEMO_RUN" ] && [ "$DEMO_RUN" != "$RUN" ]; then
    exec env RUN="$DEMO_RUN" "$0" down
  fi
  export KUBECONFIG=$DEMO_KUBECONFIG
  local reachable=1 failed=0
  if [ "$MODE" = local ]; then
    exec 9>"$USERS_LOCK"
    flock -s 9
    "$CLUSTER_DIR/status.sh" -q || reachable=0
  fi
  if [ $reachable = 1 ]; then
    # TENANT_NAME is empty when `up` stopped before applying it: the namespace goes all the same.
    if ! helper delete "$DEMO_NAMESPACE" "$TENANT_NAME" --timeout 120 --operator-pid "$(operator_pid || echo 0)"; then
      log "deleting the demo's objects did not finish: run 'make demo-down' again (or remove $STATE to forget the demo)"
      failed=1
    fi
  else
    log "the local control plane is not running: nothing to delete"
  fi
  stop_operator
  if [ "$MODE" = local ]; then
    # As run-with-cluster.sh leaves: the last user stops an auto-started cluster.
    if flock -n -x 9 && [ -f "$AUTO_MARK" ]; then
      log "stopping the local control plane (auto-started, no other user)"
      KUBE_LOCAL_USERS_LOCK_HELD=1 "$CLUSTER_DIR/down.sh"
    elif [ "$STARTED_CLUSTER" = 1 ]; then
      log "leaving the local control plane running: another user holds it, or it was claimed with make cluster-up"
    else
      log "leaving the local control plane running (the demo did not start it)"
    fi
  fi
  [ $failed = 0 ] || exit 1
  rm -rf "$STATE"
  log "demo removed in $((SECONDS - t0)) s"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
