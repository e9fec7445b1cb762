# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""What one reconcile will apply, and what it must refuse, decided before any write.

Roles call this once per run: a refusal found here means nothing is applied,
so a blocked tenant is left exactly as it was running.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions, render_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.safety import check_changes
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec


class Plan(TypedDict):
    objects: list[JSON]
    statefulsets: list[JSON]
    problems: list[dict[str, Any]]


def plan_tenant(
    document: Any,
    live_statefulsets: Sequence[Mapping[str, Any]] = (),
    tenant_status: Mapping[str, Any] | None = None,
    options: RenderOptions | None = None,
) -> Plan:
    result = render_tenant(document, options)
    if result.errors:
        return {"objects": [], "statefulsets": [], "problems": [dict(e) for e in result.errors]}
    tenant = parse_tenant(pruned_spec(drop_nulls(dict(document))))
    statefulsets = [o for o in result.objects if o["kind"] == "StatefulSet"]
    refusals = check_changes(tenant, statefulsets, [dict(s) for s in live_statefulsets], tenant_status)
    return {
        "objects": [o for o in result.objects if o["kind"] != "StatefulSet"],
        "statefulsets": statefulsets,
        "problems": [dict(r) for r in refusals],
    }
