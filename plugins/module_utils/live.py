# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""One read of everything a reconcile must know about a tenant's live state.

Shared by the read-only module tenant_info and the one-shot tenant_reconcile,
so both decide from the same facts. Referenced Secrets are checked here and
only the verdicts leave: a Secret value never reaches a module result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.credentials import (
    KmsSecretRef,
    check_credentials_secret,
    check_kms_secret,
    check_rpc_secret,
)
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    ForbiddenError,
    ResourceNotFoundError,
    UnauthorizedError,
    get_or_none,
    plain,
)


def list_labelled(client: Any, kind: str, api_version: str, namespace: str, tenant: str) -> list[dict[str, Any]]:
    """The tenant's objects of one kind, by the rustfs.tenant label, sorted by name."""
    found = plain(
        client.get(client.resource(kind, api_version), namespace=namespace, label_selector=f"{c.LABEL_TENANT}={tenant}")
    )["items"]
    return sorted(found, key=lambda item: str(item["metadata"]["name"]))


def read_tenant(client: Any, name: str, namespace: str) -> tuple[dict[str, Any] | None, bool]:
    """(the Tenant or None, whether the API server knows the Tenant kind at all)."""
    try:
        return get_or_none(client, c.TENANT_KIND, c.TENANT_API_VERSION, name, namespace), True
    except ResourceNotFoundError:
        return None, False


def read_state(
    client: Any,
    name: str,
    namespace: str,
    credentials_secret: str | None = None,
    rpc_secret: Mapping[str, str] | None = None,
    kms_secret: KmsSecretRef | None = None,
) -> dict[str, Any]:
    """The tenant's live state and the verdicts on the Secrets it references (KMS_SECRET:
    credentials.kms_secret_ref() of its spec)."""
    statefulsets = list_labelled(client, "StatefulSet", "apps/v1", namespace, name)
    claims = list_labelled(client, "PersistentVolumeClaim", "v1", namespace, name)
    problems: list[dict[str, Any]] = []
    if credentials_secret:
        secret = get_or_none(client, "Secret", "v1", credentials_secret, namespace)
        problems += [dict(p) for p in check_credentials_secret(credentials_secret, secret)]
    if rpc_secret:
        secret = get_or_none(client, "Secret", "v1", rpc_secret["name"], namespace)
        problems += [dict(p) for p in check_rpc_secret(rpc_secret["name"], rpc_secret["key"], secret)]
    if kms_secret is not None:
        secret = get_or_none(client, "Secret", "v1", kms_secret.name, namespace)
        problems += [dict(p) for p in check_kms_secret(kms_secret, secret)]
    tenant, crd_installed = read_tenant(client, name, namespace)
    return {
        "crd_installed": crd_installed,
        "tenant": tenant,
        "statefulsets": statefulsets,
        "claims": [str(claim["metadata"]["name"]) for claim in claims],
        "problems": problems,
    }


def list_cluster(client: Any, kind: str, api_version: str) -> list[dict[str, Any]] | None:
    """Every object of a cluster-scoped KIND, or None when this identity may not list them.

    Configuration checks use these facts when they can be read and are skipped
    when they cannot (a namespace-scoped playbook user, an operator without the
    optional read permissions): a check we cannot make is not a refusal.
    """
    try:
        items: list[dict[str, Any]] = plain(client.get(client.resource(kind, api_version)))["items"]
        return items
    except (ForbiddenError, UnauthorizedError, ResourceNotFoundError):
        return None


def list_namespaced(client: Any, kind: str, api_version: str, namespace: str) -> list[dict[str, Any]] | None:
    """Every object of a namespaced KIND in NAMESPACE, or None when this identity may not list them
    (as list_cluster: a check that cannot be made is skipped, not a refusal)."""
    try:
        items: list[dict[str, Any]] = plain(client.get(client.resource(kind, api_version), namespace=namespace))[
            "items"
        ]
        return items
    except (ForbiddenError, UnauthorizedError, ResourceNotFoundError):
        return None
