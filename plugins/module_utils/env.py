# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The RustFS container environment, in the order of spec 6.5.

The order is part of the contract: a StatefulSet whose env list only changed
order would roll every pod, so both operators must emit the same sequence.
Secret values never appear here, only `secretKeyRef`s.
"""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.tls import tls_env
from ansible_collections.rustfs.operator.plugins.module_utils.volumes import rustfs_volumes

KMS_PREFIX = "RUSTFS_KMS_"
TLS_VARIABLES = (
    "RUSTFS_TLS_PATH",
    "RUSTFS_TRUST_SYSTEM_CA",
    "RUSTFS_TRUST_LEAF_CERT_AS_CA",
    "RUSTFS_SERVER_MTLS_ENABLE",
)


def value_env(name: str, value: str) -> JSON:
    return {"name": name, "value": value}


def secret_env(name: str, secret: str, key: str, optional: bool | None = None) -> JSON:
    reference: JSON = {"name": secret, "key": key}
    if optional is not None:
        reference["optional"] = optional
    return {"name": name, "valueFrom": {"secretKeyRef": reference}}


def default_kms_key_directory(tenant: Tenant) -> str:
    return f"{tenant.pools[0].volume_paths()[0]}/.kms-keys"


def kms_env(tenant: Tenant) -> list[JSON]:
    encryption = tenant.encryption
    if not encryption.get("enabled"):
        return []
    backend = str(encryption.get("backend") or "local")
    env = [value_env("RUSTFS_KMS_ENABLE", "true"), value_env("RUSTFS_KMS_BACKEND", backend)]
    if backend == "vault":
        vault = as_dict(encryption.get("vault"))
        env.append(value_env("RUSTFS_KMS_VAULT_ADDRESS", str(vault.get("endpoint", ""))))
        kms_secret = as_dict(encryption.get("kmsSecret")).get("name")
        if kms_secret:
            env.append(secret_env("RUSTFS_KMS_VAULT_TOKEN", str(kms_secret), "vault-token"))
    else:
        local = as_dict(encryption.get("local"))
        env.append(value_env("RUSTFS_KMS_KEY_DIR", str(local.get("keyDirectory") or default_kms_key_directory(tenant))))
        master = as_dict(local.get("masterKeySecretRef"))
        if master.get("name") and master.get("key"):
            env.append(secret_env("RUSTFS_KMS_LOCAL_MASTER_KEY", str(master["name"]), str(master["key"])))
        if local.get("allowInsecureDevDefaults") is True:
            env.append(value_env("RUSTFS_KMS_ALLOW_INSECURE_DEV_DEFAULTS", "true"))
    if encryption.get("defaultKeyId"):
        env.append(value_env("RUSTFS_KMS_DEFAULT_KEY_ID", str(encryption["defaultKeyId"])))
    return env


def _user_variable_dropped(tenant: Tenant, name: str) -> bool:
    """Variables the operator owns outright; a user value would silently break them."""
    if name.startswith(KMS_PREFIX):
        return True
    if name == "RUSTFS_RPC_SECRET" and tenant.spec.get("rpcSecret"):
        return True
    return tenant.tls_enabled and (name == "RUSTFS_VOLUMES" or name in TLS_VARIABLES)


def container_env(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> list[JSON]:
    env: list[JSON] = [
        value_env("RUSTFS_VOLUMES", rustfs_volumes(tenant, cluster_domain)),
        *(tls_env(tenant) if tenant.tls_enabled else []),
        value_env("RUSTFS_ADDRESS", f"0.0.0.0:{c.S3_PORT}"),
        value_env("RUSTFS_CONSOLE_ADDRESS", f"0.0.0.0:{c.CONSOLE_PORT}"),
        value_env("RUSTFS_CONSOLE_ENABLE", "true"),
    ]
    creds = as_dict(tenant.spec.get("credsSecret")).get("name")
    if creds:
        # `optional: false` as the RustFS operator writes it (the API's default, but stored as given): the
        # pod templates of the two operators must be equal, or moving a tenant between them rolls its pods.
        env.append(secret_env("RUSTFS_ACCESS_KEY", str(creds), "accesskey", optional=False))
        env.append(secret_env("RUSTFS_SECRET_KEY", str(creds), "secretkey", optional=False))
    rpc = as_dict(tenant.spec.get("rpcSecret"))
    if rpc:
        env.append(secret_env("RUSTFS_RPC_SECRET", str(rpc.get("name", "")), str(rpc.get("key", ""))))
    for variable in as_list(tenant.spec.get("env")):
        name = str(as_dict(variable).get("name", ""))
        if _user_variable_dropped(tenant, name):
            continue
        env = [existing for existing in env if existing["name"] != name]
        env.append(dict(variable))
    return env + kms_env(tenant)
