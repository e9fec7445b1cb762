#!/usr/bin/env bash
# Stops the local control plane by the PIDs up.sh recorded, in reverse start
# order, and deletes its state ($RUN and the hostPath PV directories it made).
# Never matches processes by name: another cluster or build may be running.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
LOG_TAG=down

[ -d "$RUN" ] || { log "nothing to stop ($RUN does not exist)"; exit 0; }
# Users of run-with-cluster.sh or the pytest fixture hold a shared lock; do
# not pull the cluster from under them. (They set KUBE_LOCAL_USERS_LOCK_HELD
# when the last of them stops it.)
if [ "${KUBE_LOCAL_USERS_LOCK_HELD:-0}" != 1 ] && [ "${FORCE:-0}" != 1 ]; then
  exec 7>"$USERS_LOCK"
  flock -n -x 7 || die "the cluster is in use by a test run (lock $USERS_LOCK); wait, or FORCE=1 $0"
fi
exec 8>"$OPS_LOCK"
flock 8

# The hostPath provisioner puts PVs in /tmp/hostpath_pv/<uuid>, shared by all
# clusters on the machine: remove only the directories of our own PVs.
pv_dirs=()
if pid_of kube-apiserver >/dev/null && apiserver_ready; then
  mapfile -t pv_dirs < <("$(bin_dir)/kubectl" --kubeconfig="$KUBECONFIG_ADMIN" get pv \
    -o jsonpath='{range .items[*]}{.spec.hostPath.path}{"\n"}{end}' 2>/dev/null | grep '^/tmp/hostpath_pv/.' || true)
fi

for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
  c=${COMPONENTS[i]}
  if pid=$(pid_of "$c"); then
    kill -TERM "$pid" 2>/dev/null || true
    # Not `kill -0`: an exited daemon stays a zombie until init reaps it,
    # which can take seconds; a zombie has no /proc/PID/exe.
    for _ in $(seq 100); do readlink "/proc/$pid/exe" >/dev/null 2>&1 || break; sleep 0.1; done
    if readlink "/proc/$pid/exe" >/dev/null 2>&1; then
      log "$c (pid $pid) ignored SIGTERM for 10s; killing"; kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $c (pid $pid)"
  fi
  rm -f "$RUN/$c.pid"
done

for d in "${pv_dirs[@]}"; do rm -rf -- "$d"; done
rm -rf -- "$RUN"
log "removed $RUN"
