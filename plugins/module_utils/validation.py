# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Every rule a Tenant must pass before anything is rendered or applied.

Three layers, in the order a user would want to hear about them: the document
shape (the CRD schema), the CEL admission rules (re-checked here because render
mode and playbooks may never meet an API server), and the reconcile-time rules
of spec 4 that the RustFS operator enforces only after admission. The result is
a list of field errors; nothing here raises at the user.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.erasure import (
    REASON_INVALID,
    tenant_layout,
    volumes_overridden,
)
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.exposure import validate_exposure
from ansible_collections.rustfs.operator.plugins.module_utils.model import Tenant, as_dict, as_list, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.naming import peer_dns_label_length, statefulset_name
from ansible_collections.rustfs.operator.plugins.module_utils.network_policy import network_policy_errors
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec, schema_errors
from ansible_collections.rustfs.operator.plugins.module_utils.security import security_errors
from ansible_collections.rustfs.operator.plugins.module_utils.snapshots import validate_snapshots
from ansible_collections.rustfs.operator.plugins.module_utils.tls_validation import validate_tls

DNS_1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS_1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IPV4_LIKE = re.compile(r"^(\d+\.){3}\d+$")
FORBIDDEN_DATA_KMS_DIR = "/data/kms-keys"


def validate_identity(document: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    if document.get("apiVersion") != c.TENANT_API_VERSION:
        errors.append(field_error("apiVersion", f"must be {c.TENANT_API_VERSION}", "InvalidSpec"))
    if document.get("kind") != c.TENANT_KIND:
        errors.append(field_error("kind", f"must be {c.TENANT_KIND}", "InvalidSpec"))
    name = as_dict(document.get("metadata")).get("name")
    if not isinstance(name, str) or not name:
        errors.append(field_error("metadata.name", "is required", "InvalidTenantName"))
    elif len(name) > c.MAX_TENANT_NAME_LENGTH:
        errors.append(
            field_error(
                "metadata.name",
                f"must be at most {c.MAX_TENANT_NAME_LENGTH} characters (room for the -console suffix)",
                "InvalidTenantName",
            )
        )
    elif not DNS_1035_LABEL.match(name):
        errors.append(
            field_error(
                "metadata.name",
                "must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter "
                "and ending with a letter or digit",
                "InvalidTenantName",
            )
        )
    return errors


def validate_pools(tenant: Tenant) -> list[FieldError]:
    errors: list[FieldError] = []
    if not tenant.pools:
        return [field_error("spec.pools", "must have at least one pool", "InvalidPoolSpec")]
    seen: set[str] = set()
    for index, pool in enumerate(tenant.pools):
        field = f"spec.pools[{index}]"
        if not DNS_1123_LABEL.match(pool.name) or len(pool.name) > c.MAX_DNS_LABEL_LENGTH:
            errors.append(
                field_error(
                    f"{field}.name",
                    "must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit",
                    "InvalidPoolSpec",
                )
            )
        if pool.name in seen:
            errors.append(field_error(f"{field}.name", f"duplicates pool name {pool.name}", "InvalidPoolSpec"))
        seen.add(pool.name)
        if pool.servers <= 0:
            errors.append(field_error(f"{field}.servers", "servers must be greater than 0", "InvalidPoolSpec"))
        if pool.persistence.volumes_per_server <= 0:
            errors.append(
                field_error(
                    f"{field}.persistence.volumesPerServer",
                    "volumesPerServer must be greater than 0",
                    "InvalidPoolSpec",
                )
            )
        if as_dict(pool.spec.get("persistence")).get("path") == "":
            errors.append(
                field_error(f"{field}.persistence.path", "path must be not empty when specified", "InvalidPoolSpec")
            )
        length = peer_dns_label_length(tenant.name, pool.name, pool.servers)
        if tenant.name and length > c.MAX_DNS_LABEL_LENGTH:
            errors.append(
                field_error(
                    f"{field}.name",
                    f"pod names {tenant.name}-{pool.name}-<ordinal> would be {length} characters; "
                    f"a peer DNS label allows {c.MAX_DNS_LABEL_LENGTH}: shorten the tenant or pool name",
                    "InvalidPoolSpec",
                )
            )
        elif tenant.name and len(statefulset_name(tenant.name, pool.name)) > c.MAX_STATEFULSET_NAME_LENGTH:
            errors.append(
                field_error(
                    f"{field}.name",
                    f"StatefulSet name {statefulset_name(tenant.name, pool.name)} is "
                    f"{len(statefulset_name(tenant.name, pool.name))} characters; Kubernetes cannot create the "
                    f"pods of a StatefulSet named longer than {c.MAX_STATEFULSET_NAME_LENGTH} (its pods' "
                    "controller-revision-hash label adds 11): shorten the tenant or pool name",
                    "InvalidPoolSpec",
                )
            )
    return errors


def validate_env(tenant: Tenant) -> list[FieldError]:
    errors = []
    for index, variable in enumerate(as_list(tenant.spec.get("env"))):
        name = str(as_dict(variable).get("name", ""))
        if name.startswith("RUSTFS_KMS_"):
            errors.append(
                field_error(
                    f"spec.env[{index}].name",
                    f"{name}: KMS settings are managed through spec.encryption, not env",
                    "KmsConfigInvalid",
                )
            )
    return errors


def validate_secret_references(tenant: Tenant) -> list[FieldError]:
    errors = []
    creds = tenant.spec.get("credsSecret")
    if creds is not None and not str(as_dict(creds).get("name") or "").strip():
        errors.append(field_error("spec.credsSecret.name", "must not be empty", "CredentialSecretNotFound"))
    rpc = tenant.spec.get("rpcSecret")
    if rpc is not None:
        for key in ("name", "key"):
            if not str(as_dict(rpc).get(key) or "").strip():
                errors.append(field_error(f"spec.rpcSecret.{key}", "must not be blank", "RpcSecretInvalidReference"))
    return errors


def _inside(path: str, parent: str) -> bool:
    """Strictly below `parent` once `.` and `..` are resolved (the path is absolute here)."""
    return posixpath.normpath(path).startswith(parent.rstrip("/") + "/")


def validate_encryption(tenant: Tenant) -> list[FieldError]:
    encryption = tenant.encryption
    if not encryption.get("enabled"):
        return []
    errors: list[FieldError] = []
    backend = encryption.get("backend") or "local"
    if backend == "vault":
        if not str(as_dict(encryption.get("vault")).get("endpoint") or "").strip():
            errors.append(field_error("spec.encryption.vault.endpoint", "must not be empty", "KmsConfigInvalid"))
        if not str(as_dict(encryption.get("kmsSecret")).get("name") or "").strip():
            # The RustFS operator's reason for it: a reference to fix, not a Secret to create.
            errors.append(
                field_error(
                    "spec.encryption.kmsSecret.name",
                    "is required for the vault backend: name a Secret with the key vault-token",
                    "KmsConfigInvalid",
                )
            )
        return errors
    local = as_dict(encryption.get("local"))
    if not (local.get("masterKeySecretRef") or local.get("allowInsecureDevDefaults") is True):
        errors.append(
            field_error(
                "spec.encryption.local",
                "the local backend needs masterKeySecretRef or allowInsecureDevDefaults: true",
                "KmsConfigInvalid",
            )
        )
    servers = sum(pool.servers for pool in tenant.pools)
    if servers != 1:
        errors.append(
            field_error(
                "spec.encryption.backend",
                f"the local backend keeps keys on one server's disk; this tenant has {servers} servers: use vault",
                "KmsConfigInvalid",
            )
        )
    directory = local.get("keyDirectory")
    if directory is not None:
        mounts = [path for pool in tenant.pools for path in pool.volume_paths()]
        if not str(directory).startswith("/"):
            errors.append(field_error("spec.encryption.local.keyDirectory", "must be absolute", "KmsConfigInvalid"))
        elif str(directory).rstrip("/") == FORBIDDEN_DATA_KMS_DIR:
            errors.append(
                field_error(
                    "spec.encryption.local.keyDirectory", f"must not be {FORBIDDEN_DATA_KMS_DIR}", "KmsConfigInvalid"
                )
            )
        elif not any(_inside(str(directory), mount) for mount in mounts):
            errors.append(
                field_error(
                    "spec.encryption.local.keyDirectory",
                    f"must be inside a data volume ({', '.join(mounts)})",
                    "KmsConfigInvalid",
                )
            )
    master = local.get("masterKeySecretRef")
    if master is not None and not all(str(as_dict(master).get(k) or "").strip() for k in ("name", "key")):
        errors.append(
            field_error(
                "spec.encryption.local.masterKeySecretRef", "name and key must not be empty", "KmsConfigInvalid"
            )
        )
    return errors


def validate_provisioning(tenant: Tenant) -> list[FieldError]:
    errors: list[FieldError] = []
    users = as_list(tenant.spec.get("users"))
    secret_names = [str(as_dict(u.get("credsSecret")).get("name") or u.get("name")) for u in users]
    for index, user in enumerate(users):
        if not as_list(user.get("policies")):
            errors.append(
                field_error(f"spec.users[{index}].policies", "every user needs at least one policy", "InvalidSpec")
            )
        if secret_names.count(secret_names[index]) > 1:
            errors.append(
                field_error(
                    f"spec.users[{index}].credsSecret",
                    f"Secret {secret_names[index]} is used by more than one user",
                    "InvalidSpec",
                )
            )
    for index, bucket in enumerate(as_list(tenant.spec.get("buckets"))):
        name = str(bucket.get("name", ""))
        if (
            not BUCKET_NAME.match(name)
            or name == "rustfs"
            or IPV4_LIKE.match(name)
            or any(bad in name for bad in ("..", ".-", "-."))
        ):
            errors.append(
                field_error(
                    f"spec.buckets[{index}].name",
                    "must be a valid S3 bucket name (3-63 characters, not 'rustfs', not an IP address, "
                    "no '..', '.-' or '-.')",
                    "InvalidSpec",
                )
            )
    return errors


def validate_erasure_layout(tenant: Tenant) -> list[FieldError]:
    """Layouts RustFS refuses at start-up (erasure.py): refused here, so nothing is applied.

    RustFS would otherwise crash-loop every pod of the tenant with the reason only in its log.
    Pools without a positive shape are left to validate_pools (one error per mistake). When spec.env
    replaces RUSTFS_VOLUMES, RustFS does not use the pools' drives: only the layout variables
    themselves (spec.env) can be refused then.
    """
    if any(pool.servers <= 0 or pool.persistence.volumes_per_server <= 0 for pool in tenant.pools):
        return []
    refused = [warning for warning in tenant_layout(tenant).warnings if warning["reason"] == REASON_INVALID]
    if volumes_overridden(tenant):
        refused = [warning for warning in refused if warning["field"].startswith("spec.env")]
    return refused


def validate_tenant(
    document: Any, default_image: str = c.DEFAULT_IMAGE, erasure_layout: bool = True
) -> list[FieldError]:
    """`default_image` is the image used when spec.image is unset: the image gate checks it.

    `erasure_layout=False` leaves out the refusal of layouts RustFS does not start
    (`ErasureLayoutInvalid`), for the erasure_layout filter, which reports them itself.
    """
    if not isinstance(document, Mapping):
        return [field_error("<document>", "a Tenant must be a mapping", "InvalidSpec")]
    document = drop_nulls(dict(document))
    shape = schema_errors(document)
    errors = validate_identity(document) + shape
    if shape:
        # Semantic rules assume the shapes the schema guarantees.
        return errors
    tenant = parse_tenant(pruned_spec(document), default_image=default_image)
    for rule in (
        validate_pools,
        validate_env,
        validate_secret_references,
        validate_encryption,
        validate_provisioning,
        validate_tls,
        validate_exposure,
        security_errors,
        network_policy_errors,
        validate_snapshots,
    ):
        errors += rule(tenant)
    if erasure_layout:
        errors += validate_erasure_layout(tenant)
    return errors
