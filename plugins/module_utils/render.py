# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The desired state of a tenant: every object, in apply order.

This is the single entry point every mode calls (render playbook, roles,
operator), so what a cluster gets and what a reviewer sees in Git are the
same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.disruption import pod_disruption_budgets
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, TenantInvalidError
from ansible_collections.rustfs.operator.plugins.module_utils.exposure import exposure_objects
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.network_policy import network_policies
from ansible_collections.rustfs.operator.plugins.module_utils.rbac import rbac_objects
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec
from ansible_collections.rustfs.operator.plugins.module_utils.services import service_account, services
from ansible_collections.rustfs.operator.plugins.module_utils.tls import TlsInputs, certificate_objects
from ansible_collections.rustfs.operator.plugins.module_utils.validation import validate_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.workloads import statefulset


@dataclass(frozen=True)
class RenderOptions:
    cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN
    default_image: str = c.DEFAULT_IMAGE
    # Without a uid (render mode) no owner reference can be written.
    owner_references: bool = True
    # What the cluster holds for spec.tls (from the tls_info / tls_generated modules); without it
    # (render mode) the pods' tls-hash covers the TLS settings and names only.
    tls: TlsInputs | None = None
    # Render mode for GitOps: the Tenant itself comes first, before its children.
    include_tenant: bool = False


@dataclass
class RenderResult:
    objects: list[JSON] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


def owner_reference(tenant: Tenant) -> JSON | None:
    if not tenant.uid:
        return None
    return {
        "apiVersion": c.TENANT_API_VERSION,
        "kind": c.TENANT_KIND,
        "name": tenant.name,
        "uid": tenant.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def objects_for(tenant: Tenant, options: RenderOptions) -> list[JSON]:
    """Apply order: identity, network (Services, spec.exposure's Ingresses and routes, then NetworkPolicies),
    certificates, disruption budgets, then workloads.

    Pods start with DNS in place, and a pool's PodDisruptionBudget exists before its first pod, so
    no drain can catch a pool unprotected. (plan.py applies every non-StatefulSet object before the
    StatefulSets, so this order is also the order the roles apply in.)
    """
    objects: list[JSON] = []
    account = service_account(tenant)
    if account is not None:
        objects.append(account)
    objects += rbac_objects(tenant)
    objects += services(tenant)
    objects += exposure_objects(tenant)
    objects += network_policies(tenant)
    objects += certificate_objects(tenant, options.cluster_domain)
    objects += pod_disruption_budgets(tenant)
    objects += [statefulset(tenant, index, options.cluster_domain, options.tls) for index in range(len(tenant.pools))]
    reference = owner_reference(tenant) if options.owner_references else None
    if reference is not None:
        for obj in objects:
            obj["metadata"]["ownerReferences"] = [dict(reference)]
    # A JSON round trip unshares nested values taken from the spec, so YAML output
    # has no anchors and a caller mutating one object cannot change another.
    unshared: list[JSON] = json.loads(json.dumps(objects))
    return unshared


# Bookkeeping of `kubectl apply` that a declared Tenant must not carry into Git.
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def tenant_manifest(document: Mapping[str, Any], namespace: str) -> JSON:
    """The Tenant as it is declared: its name, namespace, labels and annotations, and its spec
    without nulls and without the fields the API server would drop; nothing a cluster wrote
    (uid, resourceVersion, status)."""
    metadata = dict(document.get("metadata") or {})
    declared: JSON = {"name": metadata.get("name"), "namespace": namespace}
    for key in ("labels", "annotations"):
        values = {k: v for k, v in dict(metadata.get(key) or {}).items() if k != LAST_APPLIED}
        if values:
            declared[key] = values
    manifest: JSON = {
        "apiVersion": c.TENANT_API_VERSION,
        "kind": c.TENANT_KIND,
        "metadata": declared,
        "spec": pruned_spec(drop_nulls(dict(document)))["spec"],
    }
    unshared: JSON = json.loads(json.dumps(manifest))
    return unshared


def render_tenant(document: Any, options: RenderOptions | None = None) -> RenderResult:
    options = options or RenderOptions()
    errors = validate_tenant(document, default_image=options.default_image)
    if errors:
        return RenderResult(errors=errors)
    if not isinstance(document, Mapping):  # pragma: no cover - validate_tenant refuses anything else
        raise TypeError("a Tenant must be a mapping")
    tenant = parse_tenant(pruned_spec(drop_nulls(dict(document))), default_image=options.default_image)
    objects = objects_for(tenant, options)
    if options.include_tenant:
        objects.insert(0, tenant_manifest(document, tenant.namespace))
    return RenderResult(objects=objects)


def tenant_objects(document: Any, options: RenderOptions | None = None) -> list[JSON]:
    result = render_tenant(document, options)
    if result.errors:
        raise TenantInvalidError(result.errors)
    return result.objects
