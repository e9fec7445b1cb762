#!/usr/bin/env bash
# Starts the local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok with fake nodes) from the binaries build.sh made.
# Idempotent: components already running (per their PID files) are kept, so a
# healthy cluster returns at once, a half-dead one is completed and a dead one
# (nothing running, e.g. after a reboot) is started afresh.
# Every listener is on 127.0.0.1. Admin kubeconfig: $RUN/admin.kubeconfig.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
LOG_TAG=up
NODE_COUNT=${NODE_COUNT:-6}   # spread round-robin over zone-a, zone-b, zone-c

BIN=$(bin_dir)
for c in "${COMPONENTS[@]}" kubectl; do
  [ -x "$BIN/$c" ] || die "$BIN/$c missing: run 'make cluster-build' (tests/cluster/build.sh all) first"
done
KUBECTL=("$BIN/kubectl" --kubeconfig="$KUBECONFIG_ADMIN")

exec 8>"$OPS_LOCK"
flock 8   # one up.sh/down.sh at a time per RUN

# A RUN in which nothing runs is a leftover (a reboot, kill -9, a copied
# disk): its etcd still holds the old nodes as Ready with Leases that nobody
# renews, and the objects of old runs. Start a fresh cluster instead.
fresh=0
if [ -d "$RUN" ]; then
  running=0
  for c in "${COMPONENTS[@]}"; do pid_of "$c" >/dev/null && running=1; done
  if [ $running = 0 ]; then
    log "no component of the cluster in $RUN runs: discarding its state and starting afresh"
    rm -rf -- "$RUN/etcd" "$RUN"/*.pid "$AUTO_MARK"
    fresh=1
  fi
else
  fresh=1
fi
mkdir -p "$RUN/log"

# KUBE_LOCAL_AUTO=1 (run-with-cluster.sh, the pytest fixture): a cluster this
# call creates is marked for the last user to stop. Marked before anything
# starts, so a failed start is cleaned up too. A plain `up.sh` (make
# cluster-up) claims the cluster instead: it stays up until down.sh.
if [ "${KUBE_LOCAL_AUTO:-0}" = 1 ]; then
  [ $fresh = 0 ] || : > "$AUTO_MARK"
else
  rm -f "$AUTO_MARK"
fi

healthy=1
for c in "${COMPONENTS[@]}"; do pid_of "$c" >/dev/null || healthy=0; done
if [ $healthy = 1 ] && apiserver_ready; then
  log "already up; KUBECONFIG=$KUBECONFIG_ADMIN"
  exit 0
fi
t0=$SECONDS
log "starting control plane in $RUN (binaries: $BIN)"
[ -f "$RUN/ports.env" ] || printf '%s\n' "ETCD_PORT=$ETCD_PORT" "ETCD_PEER_PORT=$ETCD_PEER_PORT" \
  "APISERVER_PORT=$APISERVER_PORT" "KCM_PORT=$KCM_PORT" "SCHEDULER_PORT=$SCHEDULER_PORT" > "$RUN/ports.env"
"$CLUSTER_DIR/pki.sh"

# start NAME PORT ARGS...: runs BIN/NAME in the background unless it is
# already running, and records its PID. setsid detaches it from the caller's
# process group, so a Ctrl-C or a job kill aimed at make/pytest does not take
# the cluster down half-way; down.sh stops it by PID.
start() {
  local name=$1 port=$2 pid; shift 2
  if pid=$(pid_of "$name"); then log "$name already running (pid $pid)"; return; fi
  rm -f "$RUN/$name.pid"
  if [ -n "$port" ] && port_busy "$port"; then
    die "127.0.0.1:$port is taken by a process not recorded in $RUN; stop it or set the port variables (see lib.sh)"
  fi
  # 8>&- 9>&-: the daemons must not inherit (and so hold forever) the
  # ops lock or run-with-cluster.sh's users lock.
  setsid "$BIN/$name" "$@" >>"$RUN/log/$name.log" 2>&1 </dev/null 8>&- 9>&- &
  echo $! > "$RUN/$name.pid"
  # Until setsid has exec'd the binary, /proc/PID/exe still says setsid.
  local _
  for _ in $(seq 100); do pid_of "$name" >/dev/null && break; sleep 0.02; done
  pid_of "$name" >/dev/null || die "$name did not start; log: $RUN/log/$name.log"
  log "started $name (pid $!)"
}

# await NAME SECONDS CMD...: wait for CMD, but fail fast if NAME died.
# Logs "$what ready" (default: NAME).
await() {
  local name=$1 secs=$2; shift 2
  alive_and() { pid_of "$name" >/dev/null || return 2; "$@"; }
  local deadline=$((SECONDS + secs)) rc
  while :; do
    rc=0; alive_and "$@" >/dev/null 2>&1 || rc=$?
    [ $rc = 0 ] && { log "${what:-$name} ready"; return; }
    if [ $rc = 2 ]; then tail -n 30 "$RUN/log/$name.log" >&2; die "$name exited; log: $RUN/log/$name.log"; fi
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$RUN/log/$name.log" >&2; die "$name not ready after ${secs}s"; }
    sleep 0.5
  done
}

# --unsafe-no-fsync: throw-away test data, and fsync dominates etcd latency.
start etcd "$ETCD_PORT" --name=local --data-dir="$RUN/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="local=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync=true --log-level=warn
await etcd 60 lcurl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

# Default admission plugins stay on (ServiceAccount, DefaultStorageClass,
# PodSecurity, ResourceQuota, ...). --advertise-address: a loopback bind would
# otherwise look for a default route. --endpoint-reconciler-type=none: the
# `kubernetes` Endpoints may not point at 127.0.0.1 (loopback is rejected).
start kube-apiserver "$APISERVER_PORT" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" --advertise-address=127.0.0.1 \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --authorization-mode=Node,RBAC --allow-privileged=true \
  --endpoint-reconciler-type=none \
  --kubelet-preferred-address-types=InternalIP \
  --cert-dir="$RUN/kube-apiserver-certs" --v=1
await kube-apiserver 120 apiserver_ready

# --use-service-account-credentials: each controller acts as its own
# ServiceAccount under the bootstrap RBAC roles, as in kubeadm clusters.
# --enable-hostpath-provisioner: dynamic PVs under /tmp/hostpath_pv for the
# default StorageClass below.
start kube-controller-manager "$KCM_PORT" \
  --kubeconfig="$RUN/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="$RUN/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="$RUN/kube-controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$RUN/kube-controller-manager-certs" \
  --leader-elect=false --controllers='*' --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --service-cluster-ip-range=10.96.0.0/16 --enable-hostpath-provisioner=true --v=1
start kube-scheduler "$SCHEDULER_PORT" \
  --kubeconfig="$RUN/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="$RUN/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="$RUN/kube-scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$RUN/kube-scheduler-certs" \
  --leader-elect=false --v=1
# /healthz is on the always-allow list, so an anonymous probe is fine.
await kube-controller-manager 60 lcurl -fsSk --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
await kube-scheduler 60 lcurl -fsSk --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz"

# Fake nodes: no taint (pods schedule without tolerations); kwok fills in the
# Ready condition and the InternalIP 127.0.0.1. Capacity like a real kubelet.
nodes() {
  local i zones=(zone-a zone-b zone-c)
  for ((i = 0; i < NODE_COUNT; i++)); do cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: {node.alpha.kubernetes.io/ttl: "0", kwok.x-k8s.io/node: fake}
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: ${zones[i % 3]}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
  capacity: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
EOF
  done
}
storageclass() { cat <<'EOF'
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: false
EOF
}
{ nodes; storageclass; } | "${KUBECTL[@]}" apply -f - >/dev/null
log "applied $NODE_COUNT nodes and the default StorageClass 'standard'"

# Lease duration 40 s (kwok renews every 10 s) keeps the nodes Ready for the
# node-lifecycle controller, as kwokctl does; the stages file carries the
# matching heartbeat-with-lease stage. --cidr: fake pod IPs, never dialled.
start kwok "" --kubeconfig="$RUN/kwok.kubeconfig" --config="$(dirname "$BIN")/kwok-stages.yaml" \
  --manage-all-nodes=true --node-ip=127.0.0.1 --cidr=10.244.0.0/16 --node-lease-duration-seconds=40
what="$NODE_COUNT nodes" await kwok 60 "${KUBECTL[@]}" wait --for=condition=Ready node --all --timeout=2s
# leases_fresh: every fake node's Lease was renewed within its 40 s term, so
# the node-lifecycle controller will not mark it NotReady (and taint it) later.
leases_fresh() {
  local now t n=0
  now=$(date +%s)
  while read -r t; do
    [ -n "$t" ] || continue
    [ $((now - $(date -d "$t" +%s))) -lt 40 ] || return 1
    n=$((n + 1))
  done < <("${KUBECTL[@]}" -n kube-node-lease get lease \
    -o jsonpath='{range .items[*]}{.spec.renewTime}{"\n"}{end}')
  [ "$n" -ge "$NODE_COUNT" ]
}
what="node Leases" await kwok 60 leases_fresh
# The default ServiceAccount comes from kube-controller-manager: proof that
# its controllers run, and pods cannot be admitted before it exists.
what="ServiceAccount default/default" \
  await kube-controller-manager 60 "${KUBECTL[@]}" -n default get serviceaccount default

log "cluster up in $((SECONDS - t0))s; KUBECONFIG=$KUBECONFIG_ADMIN"
