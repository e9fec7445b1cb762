# Shared settings for up.sh, down.sh, status.sh and run-with-cluster.sh.
# Sourced, not executed. Everything a running cluster needs lives in $RUN.
# shellcheck shell=bash disable=SC2034  # the variables are for the sourcing scripts

CLUSTER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=${RUN:-/tmp/rustfs-operator-kube}
# Ports are overridable so a second cluster (another RUN) can coexist; the
# values a cluster was started with are saved in $RUN/ports.env and win.
ETCD_PORT=${ETCD_PORT:-2379}
ETCD_PEER_PORT=${ETCD_PEER_PORT:-2380}
APISERVER_PORT=${APISERVER_PORT:-6443}
KCM_PORT=${KCM_PORT:-10257}
SCHEDULER_PORT=${SCHEDULER_PORT:-10259}
# shellcheck disable=SC1091
[ -f "$RUN/ports.env" ] && . "$RUN/ports.env"

PKI=$RUN/pki
KUBECONFIG_ADMIN=$RUN/admin.kubeconfig
# Start order; down.sh walks it backwards.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
# Serialises up.sh and down.sh. It sits beside $RUN, not in it, because
# down.sh deletes $RUN while holding it.
OPS_LOCK=$RUN.lock
# run-with-cluster.sh and the pytest fixture hold a shared lock on this file
# while they use a cluster they may have to tear down (see run-with-cluster.sh).
USERS_LOCK=$RUN.users.lock
AUTO_MARK=$RUN/auto-started

log() { printf '[%s %s] %s\n' "${LOG_TAG:-cluster}" "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bin_dir() { "$CLUSTER_DIR/build.sh" bin-dir; }

# pid_of COMPONENT: prints the recorded PID if that process is still ours.
# A PID file can outlive its process (reboot, kill -9) and the PID can be
# reused, so the executable's name must match too.
pid_of() {
  local f=$RUN/$1.pid pid exe
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  exe=${exe% (deleted)}   # the binary may have been rebuilt underneath
  [ "${exe##*/}" = "$1" ] || return 1
  echo "$pid"
}

# True if something already accepts connections on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# curl honours http(s)_proxy: a proxy in the environment would carry even
# 127.0.0.1 probes off the machine. (Go clients already bypass loopback.)
lcurl() { curl --noproxy '*' "$@"; }

apiserver_ready() {
  lcurl -fsS --max-time 3 --cacert "$PKI/ca.crt" "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1
}

