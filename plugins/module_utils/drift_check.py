# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The drift check of one tenant: what the engine would apply, against what the cluster holds.

The work of rustfs.operator.drift, and of rustfs.operator.report's drift point (a module may not
import another module). Reads only.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import tls_kube, tls_observe
from ansible_collections.rustfs.operator.plugins.module_utils.drift import drift_report, summary_lines
from ansible_collections.rustfs.operator.plugins.module_utils.errors import ModuleFailure
from ansible_collections.rustfs.operator.plugins.module_utils.kube import ForbiddenError, ResourceNotFoundError
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_labelled, read_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.plan import plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.progress import without_bookkeeping
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions
from ansible_collections.rustfs.operator.plugins.module_utils.rollout import plan_rollout
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import read

# The kinds a tenant owns (by its label) that the report looks for beyond the rendered objects.
OWNED_KINDS = (
    ("ServiceAccount", "v1"),
    ("Role", "rbac.authorization.k8s.io/v1"),
    ("RoleBinding", "rbac.authorization.k8s.io/v1"),
    ("Service", "v1"),
    ("PodDisruptionBudget", "policy/v1"),
    ("Ingress", "networking.k8s.io/v1"),
    ("NetworkPolicy", "networking.k8s.io/v1"),
    ("StatefulSet", "apps/v1"),
)
# Kinds a tenant has only when its spec asks for them (spec.exposure, spec.networkPolicy): a reader not
# allowed to list them sees none (the report's read-only RBAC may leave them out); a spec that asks for
# them still reads each rendered one, which fails loudly without the permission.
OPTIONAL_KINDS = frozenset({"Ingress", "NetworkPolicy"})
TLS_HASH_PATH = f"spec.template.metadata.annotations.{c.ANNOTATION_TLS_HASH}"


def _document(client: Any, params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the Tenant to compare, the Tenant stored in the cluster or None)."""
    definition = params.get("definition")
    if definition:
        document = copy.deepcopy(dict(definition))
        metadata = document.setdefault("metadata", {})
        metadata["namespace"] = metadata.get("namespace") or params["namespace"]
        if not metadata.get("name"):
            raise ModuleFailure("definition.metadata.name is required")
    elif params.get("name"):
        document = {"metadata": {"name": params["name"], "namespace": params["namespace"]}}
    else:
        raise ModuleFailure("give definition (a Tenant) or name (of a Tenant in the cluster)")
    name, namespace = str(document["metadata"]["name"]), str(document["metadata"]["namespace"])
    stored, known = read_tenant(client, name, namespace)
    if not definition:
        if stored is None:
            where = "" if known else " (the Tenant CRD is not installed)"
            raise ModuleFailure(f"Tenant {namespace}/{name} not found{where}")
        document = without_bookkeeping(stored)
        document.pop("status", None)
    elif stored is not None:
        # Its children carry the stored Tenant's uid as their owner.
        document["metadata"]["uid"] = stored["metadata"]["uid"]
    return document, stored


def _tls_inputs(client: Any, document: Mapping[str, Any], domain: str) -> tuple[Any, list[str]]:
    """The certificates' hash the pods would carry (read only), or None and why it is not compared."""
    tls = (document.get("spec") or {}).get("tls") or {}
    if str(tls.get("mode") or "disabled") == "disabled":
        return None, []
    tenant, errors = tls_kube.tenant_from(document)
    result = None if errors else tls_observe.check(tenant, tls_kube.read(client, tenant), domain)
    if result is None or result.inputs is None:
        return None, [f"{TLS_HASH_PATH} of each StatefulSet: the tenant's certificates cannot be read or checked"]
    return result.inputs, []


def _read(client: Any, obj: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        return read(client, obj)
    except ResourceNotFoundError:  # a kind the API server does not know (cert-manager not installed)
        return None


def execute(client: Any, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    del check_mode, diff  # reads only
    document, stored = _document(client, params)
    name, namespace = str(document["metadata"]["name"]), str(document["metadata"]["namespace"])
    statefulsets = [without_bookkeeping(s) for s in list_labelled(client, "StatefulSet", "apps/v1", namespace, name)]
    inputs, not_compared = _tls_inputs(client, document, params["cluster_domain"])
    options = RenderOptions(cluster_domain=params["cluster_domain"], default_image=params["default_image"], tls=inputs)
    plan = plan_tenant(document, statefulsets, (stored or {}).get("status") or {}, options)
    if not plan["objects"] and not plan["statefulsets"]:
        reasons = "; ".join(f"{p.get('field')}: {p.get('message')}" for p in plan["problems"])
        raise ModuleFailure(f"Tenant {namespace}/{name} is invalid, nothing to compare: {reasons}")
    desired = plan["objects"] + plan_rollout(plan["statefulsets"], statefulsets).statefulsets
    by_name = {str(s["metadata"]["name"]): s for s in statefulsets}
    live = {
        (str(o["kind"]), str(o["metadata"]["name"])): (
            by_name.get(str(o["metadata"]["name"])) if o["kind"] == "StatefulSet" else _read(client, o)
        )
        for o in desired
    }
    owned = []
    for kind, api_version in OWNED_KINDS:
        try:
            found = statefulsets if kind == "StatefulSet" else list_labelled(client, kind, api_version, namespace, name)
        except ForbiddenError:
            if kind not in OPTIONAL_KINDS:
                raise
            found = []
        owned += [{**o, "kind": kind} for o in found]
    skip = (lambda path: path == TLS_HASH_PATH) if not_compared else None
    report = drift_report(desired, live, owned, skip)
    tenant = f"{namespace}/{name}"
    return {
        "changed": False,
        "tenant": tenant,
        "drifted": bool(report),
        "objects": report,
        "compared": len(desired),
        "not_compared": not_compared,
        "problems": [dict(p) for p in plan["problems"]],
        "summary": summary_lines(tenant, report),
    }
