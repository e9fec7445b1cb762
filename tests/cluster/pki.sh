#!/usr/bin/env bash
# Creates the CA, serving and client certificates, the service-account key
# pair and one kubeconfig per client in $RUN. Leaves existing files alone, so
# a restart keeps the identities (and tokens) it had.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
LOG_TAG=pki

mkdir -p "$PKI"
cd "$PKI"
umask 077
# ECDSA P-256 everywhere: RSA-2048 key generation alone took 2 s of a 10 s
# start-up here, and every component (and Python's ssl) accepts EC keys.
EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)

if [ ! -f ca.crt ]; then
  log "creating CA and certificates in $PKI"
  openssl req -x509 "${EC[@]}" -nodes -sha256 -days 3650 -subj /CN=rustfs-operator-kube-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature \
    -keyout ca.key -out ca.crt 2>/dev/null
fi

# cert NAME SUBJECT EXTFILE-LINES...: a key and a CA-signed certificate.
cert() {
  local name=$1 subj=$2; shift 2
  [ -f "$name.crt" ] && return
  # Key identifiers: Python 3.13+ ssl (VERIFY_X509_STRICT) rejects leaves without an AKI.
  printf '%s\n' basicConstraints=CA:FALSE keyUsage=critical,digitalSignature,keyEncipherment \
    subjectKeyIdentifier=hash authorityKeyIdentifier=keyid "$@" > "$name.ext"
  openssl req "${EC[@]}" -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj" 2>/dev/null
  openssl x509 -req -sha256 -days 3650 -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

# 10.96.0.1 is the `kubernetes` Service IP: in-cluster clients would verify it,
# though nothing here ever dials it.
cert apiserver /CN=kube-apiserver extendedKeyUsage=serverAuth \
  'subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1'
# The controllers run under their own bootstrap RBAC identities, as with
# kubeadm, so RBAC mistakes in the cluster setup surface here too. kwok plays
# every kubelet at once, which no Node-authorizer identity allows: admin.
cert admin /O=system:masters/CN=rustfs-operator-admin extendedKeyUsage=clientAuth
cert kube-controller-manager /CN=system:kube-controller-manager extendedKeyUsage=clientAuth
cert kube-scheduler /CN=system:kube-scheduler extendedKeyUsage=clientAuth
cert kwok /O=system:masters/CN=kwok extendedKeyUsage=clientAuth

if [ ! -f sa.key ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out sa.key 2>/dev/null   # tokens: ES256
  openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
fi

b64() { base64 -w0 < "$1"; }
for user in admin kube-controller-manager kube-scheduler kwok; do
  kc=$RUN/$user.kubeconfig
  [ -f "$kc" ] && continue
  cat > "$kc.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: rustfs-operator-kube
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(b64 ca.crt)
users:
- name: $user
  user:
    client-certificate-data: $(b64 "$user.crt")
    client-key-data: $(b64 "$user.key")
contexts:
- name: rustfs-operator-kube
  context: {cluster: rustfs-operator-kube, user: $user, namespace: default}
current-context: rustfs-operator-kube
EOF
  mv "$kc.tmp" "$kc"
done
