# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Per-tenant Role and RoleBinding, only when `createServiceAccountRbac` asks for them.

RustFS itself needs no API access; the only thing a tenant's pods may ever
need to read are the Secrets the Tenant names, so the Role grants `get` on
exactly those (by resourceName) and nothing else.
"""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict
from ansible_collections.rustfs.operator.plugins.module_utils.naming import common_labels, service_account_name


def role_name(tenant_name: str) -> str:
    return f"{tenant_name}-rustfs"


def referenced_secrets(tenant: Tenant) -> list[str]:
    names = {
        as_dict(tenant.spec.get("credsSecret")).get("name"),
        as_dict(tenant.spec.get("rpcSecret")).get("name"),
    }
    return sorted(str(n) for n in names if n)


def rbac_objects(tenant: Tenant) -> list[JSON]:
    if tenant.spec.get("createServiceAccountRbac") is not True:
        return []
    metadata = {"name": role_name(tenant.name), "namespace": tenant.namespace, "labels": common_labels(tenant.name)}
    secrets = referenced_secrets(tenant)
    rules = (
        [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": secrets, "verbs": ["get"]}] if secrets else []
    )
    return [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": dict(metadata), "rules": rules},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": dict(metadata),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role_name(tenant.name)},
            "subjects": [
                {"kind": "ServiceAccount", "name": service_account_name(tenant), "namespace": tenant.namespace}
            ],
        },
    ]
