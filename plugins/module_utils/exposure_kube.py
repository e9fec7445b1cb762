# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""What spec.exposure needs of the cluster: served Gateway API kinds, IngressClasses, and our objects.

Service layer (reads and deletes); the rules are in exposure.py. A Gateway API kind counts as served
only when a list of it succeeds: a client's discovery cache may still show a kind whose CRD was
deleted, and the API server's answer is the one that decides whether an apply can work.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import exposure
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    ForbiddenError,
    NotFoundError,
    ResourceNotFoundError,
    UnauthorizedError,
    plain,
    served_resource,
)
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_cluster
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list

# The kind is not served (no CRD, or a discovery cache that is out of date).
NOT_SERVED = "not served"


def _list(client: Any, kind: str, api_version: str, tenant: Tenant) -> list[JSON] | str | None:
    """Objects of KIND labelled with TENANT in its namespace; NOT_SERVED; None when not allowed to list."""
    try:
        resource = served_resource(client, kind, api_version)
        if resource is None:
            return NOT_SERVED
        found = plain(
            client.get(resource, namespace=tenant.namespace, label_selector=f"{c.LABEL_TENANT}={tenant.name}")
        )
    except (ResourceNotFoundError, NotFoundError):
        return NOT_SERVED
    except (ForbiddenError, UnauthorizedError):
        return None
    items = []
    for item in as_list(as_dict(found).get("items")):
        item = dict(as_dict(item))
        item.setdefault("kind", kind)
        item.setdefault("apiVersion", api_version)
        items.append(item)
    return items


def with_exposure_facts(client: Any, facts: ClusterFacts, tenant: Tenant) -> ClusterFacts:
    """FACTS with the Gateway API kinds and IngressClasses TENANT's exposure names (read only when it names some)."""
    gateway_kinds: frozenset[str] | None = facts.gateway_kinds
    wanted = {kind for _field, kind in exposure.required_gateway_kinds(tenant)}
    if wanted and gateway_kinds is None:
        listed = {kind: _list(client, kind, exposure.GATEWAY_API_VERSION, tenant) for kind in sorted(wanted)}
        unknown = any(found is None for found in listed.values())
        gateway_kinds = None if unknown else frozenset(k for k, found in listed.items() if found != NOT_SERVED)
    ingress_classes: frozenset[str] | None = facts.ingress_classes
    if exposure.ingress_classes_named(tenant) and ingress_classes is None:
        items = list_cluster(client, "IngressClass", exposure.INGRESS_API_VERSION)
        if items is not None:
            ingress_classes = frozenset(str(as_dict(i.get("metadata")).get("name", "")) for i in items)
    return dataclasses.replace(facts, gateway_kinds=gateway_kinds, ingress_classes=ingress_classes)


def stale_objects(client: Any, tenant: Tenant) -> list[JSON]:
    """Our Ingresses and routes of TENANT that spec.exposure no longer asks for (kind, apiVersion, name).

    A kind that is not served, or that this identity may not list while the tenant uses none of it
    (a namespace-scoped playbook user, a tenant without exposure), has nothing of ours to delete.
    """
    found: list[JSON] = []
    for kind, api_version in exposure.KINDS:
        listed = _list(client, kind, api_version, tenant)
        if isinstance(listed, list):
            found += listed
    return exposure.stale(tenant, found)


def delete_stale(client: Any, tenant: Tenant, dry_run: bool) -> list[dict[str, str]]:
    """Delete the stale objects (in check mode, only report them); each is a change of the run."""
    changes: list[dict[str, str]] = []
    for obj in stale_objects(client, tenant):
        if not dry_run:
            try:
                client.delete(
                    client.resource(obj["kind"], obj["apiVersion"]), name=obj["name"], namespace=tenant.namespace
                )
            except NotFoundError:
                continue  # gone since it was listed
        changes.append({"kind": str(obj["kind"]), "name": str(obj["name"]), "action": "deleted"})
    return changes
