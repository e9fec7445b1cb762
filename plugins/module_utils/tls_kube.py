# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""API reads and writes of the TLS modules (tls_info, tls_generated), through kubernetes.core's client.

Secrets are read here and handed to tls_observe / tls_generated as plain dicts; nothing read here is
returned to Ansible, only what those modules derive from it. Modules run from a zip, without the CRD
file, so the Tenant is parsed here without schema validation (the tenant role validated it) and only
the TLS rules are re-checked (`tenant_from`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import tls
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    NotFoundError,
    ResourceNotFoundError,
    get_or_none,
    plain,
)
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.naming import common_labels
from ansible_collections.rustfs.operator.plugins.module_utils.tls_observe import Readings
from ansible_collections.rustfs.operator.plugins.module_utils.tls_validation import validate_tls


def tenant_from(document: Mapping[str, Any]) -> tuple[Tenant, list[FieldError]]:
    """The Tenant a module was given, and what its TLS settings break (the static rules of spec 9.1)."""
    tenant = parse_tenant(_without_nulls(dict(document)))
    return tenant, validate_tls(tenant)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def read_crd_installed(client: Any) -> bool:
    resource = client.resource("CustomResourceDefinition", "apiextensions.k8s.io/v1")
    try:
        client.get(resource, name=tls.CERTIFICATE_CRD)
    except NotFoundError:
        return False
    return True


def _get_namespaced_or_cluster(client: Any, kind: str, name: str, namespace: str | None) -> JSON | None:
    try:
        resource = client.resource(kind, tls.CERT_MANAGER_API_VERSION)
    except ResourceNotFoundError:
        return None
    try:
        found: JSON = plain(client.get(resource, name=name, namespace=namespace))
        return found
    except NotFoundError:
        return None


def read(client: Any, tenant: Tenant, prerequisites_only: bool = False) -> Readings:
    """Everything tls_observe.check needs: referenced Secrets and, with managed certificates, cert-manager."""
    managed = [entry for entry in tls.entries(tenant) if entry.managed]
    crd = read_crd_installed(client) if managed else True
    issuers: dict[str, bool] = {}
    certificates: dict[str, JSON | None] = {}
    if managed and crd:
        for entry in managed:
            ref = tls.issuer_ref(entry)
            cluster = ref["kind"] == "ClusterIssuer"
            issuers[f"{ref['kind']}/{ref['name']}"] = (
                _get_namespaced_or_cluster(client, ref["kind"], ref["name"], None if cluster else tenant.namespace)
                is not None
            )
            if not prerequisites_only:
                name = tls.certificate_name(tenant, entry)
                certificates[name] = _get_namespaced_or_cluster(client, tls.CERTIFICATE_KIND, name, tenant.namespace)
    secrets: dict[str, JSON | None] = {}
    if not prerequisites_only:
        for name in tls.referenced_secrets(tenant):
            secrets[name] = get_or_none(client, "Secret", "v1", name, tenant.namespace)
    return Readings(secrets=secrets, certificates=certificates, crd_installed=crd, issuers=issuers)


def stale_certificates(client: Any, tenant: Tenant) -> list[str]:
    """Our Certificates (owned by this Tenant) that no managed entry asks for any more.

    Without cert-manager, or without the right to look (an operator whose RBAC leaves cert-manager out
    and a tenant that never used it), there is nothing to clean up.
    """
    try:
        if not tenant.uid or not read_crd_installed(client):
            return []
        resource = client.resource(tls.CERTIFICATE_KIND, tls.CERT_MANAGER_API_VERSION)
        found = plain(
            client.get(resource, namespace=tenant.namespace, label_selector=f"{c.LABEL_TENANT}={tenant.name}")
        )
    except ResourceNotFoundError:
        return []
    except Exception as error:
        if getattr(error, "status", None) == 403 and not any(e.managed for e in tls.entries(tenant)):
            return []
        raise
    desired = {tls.certificate_name(tenant, e) for e in tls.entries(tenant) if e.managed and tenant.tls_enabled}
    stale = []
    for item in as_list(as_dict(found).get("items")):
        metadata = as_dict(as_dict(item).get("metadata"))
        owned = any(
            as_dict(ref).get("kind") == c.TENANT_KIND and as_dict(ref).get("uid") == tenant.uid
            for ref in as_list(metadata.get("ownerReferences"))
        )
        if owned and metadata.get("name") not in desired:
            stale.append(str(metadata["name"]))
    return sorted(stale)


def live_statefulsets(client: Any, tenant: Tenant) -> list[JSON]:
    found = plain(
        client.get(
            client.resource("StatefulSet", "apps/v1"),
            namespace=tenant.namespace,
            label_selector=f"{c.LABEL_TENANT}={tenant.name}",
        )
    )
    return [as_dict(item) for item in as_list(as_dict(found).get("items"))]


def decoded(secret: Mapping[str, Any] | None, keys: tuple[str, ...]) -> dict[str, str]:
    """The PEM text of the given keys of a Secret (keys that are absent or not text are left out)."""
    data = as_dict(as_dict(secret).get("data"))
    values = {}
    for key in keys:
        if key in data:
            try:
                values[key] = base64.b64decode(str(data[key])).decode("ascii")
            except (ValueError, UnicodeDecodeError):
                continue
    return values


def generated_secret(tenant: Tenant, name: str, role: str, values: Mapping[str, str], version: str = "") -> JSON:
    """A Secret we generate: type kubernetes.io/tls, common labels plus our marker, owned by the Tenant."""
    metadata: JSON = {
        "name": name,
        "namespace": tenant.namespace,
        "labels": {**common_labels(tenant.name), tls.GENERATED_LABEL: role},
    }
    if tenant.uid:
        metadata["ownerReferences"] = [
            {
                "apiVersion": c.TENANT_API_VERSION,
                "kind": c.TENANT_KIND,
                "name": tenant.name,
                "uid": tenant.uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    if version:
        metadata["resourceVersion"] = version
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": metadata,
        "data": {key: base64.b64encode(value.encode("ascii")).decode("ascii") for key, value in values.items()},
    }


def owned_by_us(secret: Mapping[str, Any] | None, tenant: Tenant, role: str) -> bool:
    labels = as_dict(as_dict(as_dict(secret).get("metadata")).get("labels"))
    return labels.get(tls.GENERATED_LABEL) == role and labels.get(c.LABEL_TENANT) == tenant.name


def write_secret(client: Any, body: JSON, exists: bool) -> JSON:
    """Create, or replace at the resource version read (a concurrent writer makes this fail, not clobber)."""
    resource = client.resource("Secret", "v1")
    namespace = body["metadata"]["namespace"]
    if exists:
        written: JSON = plain(client.replace(resource, body, name=body["metadata"]["name"], namespace=namespace))
    else:
        written = plain(client.create(resource, body, namespace=namespace))
    return written
