# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""What one reconcile will apply, and what it must refuse, decided before any write.

Roles call this once per run: a refusal found here means nothing is applied,
so a blocked tenant is left exactly as it was running.

Besides the objects to apply, a plan names the volume expansions to carry out
first (issue 7): claims of a pool whose storage request grew, on a
StorageClass that allows it, are patched to the new size, and the pool's
StatefulSet is recreated because its claim templates are immutable:

1. patch every claim of `expansions[].claims` to its size (claims_to_patch()
   picks them from the tenant's PersistentVolumeClaims);
2. delete each StatefulSet of `recreate` with propagationPolicy Orphan (its
   pods and claims stay and keep serving) and wait until it is gone;
3. apply the StatefulSets as usual: the new one adopts the pods.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.decommission import active_document
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, as_dict, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.quantity import parse_quantity
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions, render_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.safety import Expansion, check_changes, expansions
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec
from ansible_collections.rustfs.operator.plugins.module_utils.status import rollout_deadline_errors


class Plan(TypedDict):
    objects: list[JSON]
    statefulsets: list[JSON]
    problems: list[dict[str, Any]]
    # Volume expansions to make before the StatefulSets are applied; empty while there are problems.
    expansions: list[Expansion]
    # Names of StatefulSets to delete with propagationPolicy Orphan before they are applied again.
    recreate: list[str]


def plan_tenant(
    document: Any,
    live_statefulsets: Sequence[Mapping[str, Any]] = (),
    tenant_status: Mapping[str, Any] | None = None,
    options: RenderOptions | None = None,
    facts: ClusterFacts | None = None,
) -> Plan:
    """FACTS: the cluster's StorageClasses (checks.ClusterFacts); without them no claim may grow.

    Pools TENANT_STATUS shows Decommissioned are left out (decommission.active_document()).
    """
    if isinstance(document, Mapping):
        document = active_document(document, tenant_status)
    result = render_tenant(document, options)
    if result.errors:
        return {
            "objects": [],
            "statefulsets": [],
            "problems": [dict(e) for e in result.errors],
            "expansions": [],
            "recreate": [],
        }
    tenant = parse_tenant(pruned_spec(drop_nulls(dict(document))))
    statefulsets = [o for o in result.objects if o["kind"] == "StatefulSet"]
    live = [dict(s) for s in live_statefulsets]
    problems: list[dict[str, Any]] = [dict(e) for e in rollout_deadline_errors(tenant)]
    problems += [dict(r) for r in check_changes(tenant, statefulsets, live, tenant_status, facts)]
    growing = [] if problems else expansions(tenant, statefulsets, live)
    return {
        "objects": [o for o in result.objects if o["kind"] != "StatefulSet"],
        "statefulsets": statefulsets,
        "problems": problems,
        "expansions": growing,
        "recreate": [item["statefulset"] for item in growing],
    }


def _requested(claim: Mapping[str, Any]) -> Any:
    return as_dict(as_dict(as_dict(claim.get("spec")).get("resources")).get("requests")).get("storage")


def claims_to_patch(expansion: Mapping[str, Any], claims: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The claims of EXPANSION (an item of Plan.expansions) still smaller than their new size.

    CLAIMS: the tenant's PersistentVolumeClaims (any list; others are ignored). A claim belongs to a
    growing template when it carries the pool's rustfs.pool label and is named
    `<template>-<statefulset>-<ordinal>`, the name the StatefulSet controller gives it. Claims
    already at the size (a run that stopped half-way) are left out, so repeating is harmless.
    Each item: {"name", "size" (the new request), "from" (the current request)}.
    """
    wanted = []
    for growth in expansion["claims"]:
        pattern = re.compile(rf"^{re.escape(growth['template'])}-{re.escape(expansion['statefulset'])}-[0-9]+$")
        size = parse_quantity(growth["size"])
        for claim in claims:
            metadata = as_dict(claim.get("metadata"))
            name = str(metadata.get("name", ""))
            if as_dict(metadata.get("labels")).get(c.LABEL_POOL) != expansion["pool"] or not pattern.match(name):
                continue
            current = _requested(claim)
            try:
                smaller = parse_quantity(current) < size
            except ValueError:
                smaller = True
            if smaller:
                wanted.append({"name": name, "size": growth["size"], "from": str(current)})
    return sorted(wanted, key=lambda item: item["name"])
