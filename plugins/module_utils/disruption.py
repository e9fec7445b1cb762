# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""One PodDisruptionBudget per pool, sized by the erasure layout (issue 7, item 5).

Why: a node drain or cluster upgrade evicts pods through the eviction API, which
honours PodDisruptionBudgets. RustFS stays readable and writable only while every
erasure set keeps its write quorum, and a lost server costs each of its sets several
drives at once; so the number of a pool's pods that may be down together is exactly
the number of whole servers the pool survives (erasure.py), never a percentage
guessed from the replica count. A pool that survives no server loss gets
`maxUnavailable: 0`: drains then wait instead of taking the pool's data offline, and
`disruption_warnings` says so. A layout RustFS refuses also gets 0 (conservative:
its pods are not serving, and nothing is gained by allowing evictions to count down).

Each pool has its own budget because each object lives in exactly one pool: losing
one server in each of two pools costs neither pool its quorum.
"""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils.erasure import PoolLayout, tenant_layout
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant
from ansible_collections.rustfs.operator.plugins.module_utils.naming import (
    pool_labels,
    pool_selector_labels,
    statefulset_name,
)
from ansible_collections.rustfs.operator.plugins.module_utils.services import object_metadata

PDB_API_VERSION = "policy/v1"
PDB_KIND = "PodDisruptionBudget"
REASON_DRAIN_BLOCKED = "PodDisruptionBudgetBlocksDrain"


def max_unavailable(layout: PoolLayout) -> int:
    """Whole servers the pool loses while staying readable and writable (0 for a refused layout)."""
    return layout.server_loss_tolerated if layout.valid else 0


def pod_disruption_budget(tenant: Tenant, layout: PoolLayout) -> JSON:
    """The budget of one pool: named like its StatefulSet, selecting exactly its pods."""
    return {
        "apiVersion": PDB_API_VERSION,
        "kind": PDB_KIND,
        "metadata": object_metadata(
            tenant, statefulset_name(tenant.name, layout.name), pool_labels(tenant.name, layout.name)
        ),
        "spec": {
            "maxUnavailable": max_unavailable(layout),
            "selector": {"matchLabels": pool_selector_labels(tenant.name, layout.name)},
        },
    }


def pod_disruption_budgets(tenant: Tenant) -> list[JSON]:
    """One budget per pool, in spec.pools order; pure (the caller adds owner references)."""
    return [pod_disruption_budget(tenant, layout) for layout in tenant_layout(tenant).pools]


def disruption_warnings(tenant: Tenant) -> list[FieldError]:
    """One warning per pool whose budget allows no eviction: its nodes cannot be drained unattended."""
    warnings: list[FieldError] = []
    for index, layout in enumerate(tenant_layout(tenant).pools):
        if max_unavailable(layout) > 0:
            continue
        name = statefulset_name(tenant.name, layout.name)
        because = (
            f"pool {layout.name} cannot lose a server and stay writable"
            if layout.valid
            else f"RustFS refuses the layout of pool {layout.name}"
        )
        warnings.append(
            field_error(
                f"spec.pools[{index}]",
                f"PodDisruptionBudget {name} sets maxUnavailable 0 because {because} (see the erasure layout); "
                f"draining a node that runs a {name} pod (kubectl drain, a cluster upgrade) is refused until an "
                "administrator deletes that pod and accepts the outage",
                REASON_DRAIN_BLOCKED,
            )
        )
    return warnings
