# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Fixed values of the Tenant API contract.

They live in one place because the RustFS operator and this collection must
produce byte-identical objects; a value changed here changes every mode.
"""

from __future__ import annotations

API_GROUP = "rustfs.com"
API_VERSION = "v1alpha1"
TENANT_API_VERSION = f"{API_GROUP}/{API_VERSION}"
TENANT_KIND = "Tenant"

DEFAULT_IMAGE = "rustfs/rustfs:1.0.0-beta.10"
DEFAULT_CLUSTER_DOMAIN = "cluster.local"
FIELD_MANAGER = "rustfs-operator"
MANAGED_BY = "rustfs-operator"

S3_PORT = 9000
CONSOLE_PORT = 9001
DEFAULT_DATA_PATH = "/data"
DEFAULT_VOLUME_SIZE = "10Gi"
DEFAULT_LOG_VOLUME_SIZE = "5Gi"
DEFAULT_LOG_MOUNT_PATH = "/logs"
DEFAULT_TLS_MOUNT_PATH = "/var/run/rustfs/tls"

# Tenant names leave room for the "-console" Service suffix.
MAX_TENANT_NAME_LENGTH = 55
MAX_DNS_LABEL_LENGTH = 63
# The StatefulSet controller labels pods controller-revision-hash=<name>-<10-char hash>,
# and a label value is at most 63 characters: longer names never get pods
# (measured on kube-apiserver 1.34; the Tenant API's own rule allows up to 61).
MAX_STATEFULSET_NAME_LENGTH = 52

LABEL_NAME = "app.kubernetes.io/name"
LABEL_INSTANCE = "app.kubernetes.io/instance"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL_COMPONENT = "app.kubernetes.io/component"
LABEL_TENANT = "rustfs.tenant"
LABEL_POOL = "rustfs.pool"

ANNOTATION_TLS_HASH = "operator.rustfs.com/tls-hash"
ANNOTATION_IMAGE_ACK = "operator.rustfs.com/runtime-default-image-ack"
# Digest of what this collection last applied to an object: lets an unchanged
# object be recognised without sending it (see module_utils/server_apply.py).
ANNOTATION_APPLIED = "operator.rustfs.com/applied-digest"

CONTAINER_NAME = "rustfs"
LOGS_VOLUME = "logs"

# Security context defaults (spec 6.6): Pod Security "restricted" compatible.
RUSTFS_UID = 10001
