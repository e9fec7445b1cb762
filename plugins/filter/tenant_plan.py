# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tenant_plan: desired objects plus the changes that must be refused."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tenant_plan
short_description: Plan a reconcile of a RustFS Tenant against its live StatefulSets
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Validates and renders the Tenant (as P(rustfs.operator.tenant_objects#filter) does), then compares
    each pool's StatefulSet with the live one and refuses what cannot change safely - servers,
    volumes per server, claim templates, storage size, access modes, storage class, a removed pool (unless
    decommissioned) and a renamed pool.
  - A larger storage request is allowed when the claims' StorageClass allows volume expansion, which
    needs O(storage_classes); the plan then lists the claims to grow (C(expansions)) and the StatefulSets
    to recreate (C(recreate)), which the caller must carry out before applying the StatefulSets
    (M(rustfs.operator.tenant_reconcile) does). Shrinking is always refused.
  - Never fails for bad input; problems are returned so the caller can record them in the Tenant status.
options:
  _input:
    description: The Tenant, as a dictionary (with C(metadata.uid) to get owner references).
    type: dict
    required: true
  live_statefulsets:
    description: The tenant's StatefulSets as they are in the cluster (see M(rustfs.operator.tenant_info)).
    type: list
    elements: dict
    default: []
  tenant_status:
    description: The Tenant's current status, used to know which pools are decommissioned.
    type: dict
    default: {}
  cluster_domain:
    description: The cluster DNS domain.
    type: str
    default: cluster.local
  default_image:
    description: The RustFS image used when C(spec.image) is unset.
    type: str
    default: rustfs/rustfs:1.0.0-beta.10
  tls:
    description:
      - The TLS inputs read from the cluster (C(inputs) of M(rustfs.operator.tls_info) or
        M(rustfs.operator.tls_generated)) - the C(operator.rustfs.com/tls-hash) of the pods and whether a
        C(ca.crt) is mounted. Without them the hash covers the TLS settings and names only.
    type: dict
  storage_classes:
    description:
      - The cluster's StorageClasses (C(storage.k8s.io/v1) objects, for example the C(resources) of
        M(kubernetes.core.k8s_info)), to know which allow volume expansion.
      - Omitted, a larger storage request is refused because it cannot be checked.
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Plan the reconcile
  ansible.builtin.set_fact:
    plan: "{{ tenant | rustfs.operator.tenant_plan(live.statefulsets, live.tenant.status | default({})) }}"
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    objects:
      description: Objects other than StatefulSets (ServiceAccount, RBAC, Services), in apply order.
      type: list
      elements: dict
    statefulsets:
      description: One StatefulSet per pool, in pool order.
      type: list
      elements: dict
    problems:
      description:
        - Validation errors or refused changes, each with C(field), C(message), C(reason) and, for
          refusals, the owning C(condition) and the C(event) reason. Nothing may be applied when not empty.
      type: list
      elements: dict
    expansions:
      description:
        - Pools whose claims grow, each with C(pool), C(statefulset) and C(claims) (C(template), the claim
          template name, and C(size), the new request). The claims to patch are named
          C(<template>-<statefulset>-<ordinal>). Empty while C(problems) is not.
      type: list
      elements: dict
    recreate:
      description:
        - StatefulSets to delete with C(propagationPolicy=Orphan) (pods and claims kept) and apply again,
          because their claim templates changed. Empty while C(problems) is not.
      type: list
      elements: str
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.plan import Plan, plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions
from ansible_collections.rustfs.operator.plugins.module_utils.tls import inputs_from


def tenant_plan(
    tenant: Any,
    live_statefulsets: list[dict[str, Any]] | None = None,
    tenant_status: dict[str, Any] | None = None,
    cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN,
    default_image: str = c.DEFAULT_IMAGE,
    tls: dict[str, Any] | None = None,
    storage_classes: list[dict[str, Any]] | None = None,
) -> Plan:
    options = RenderOptions(
        cluster_domain=str(cluster_domain), default_image=str(default_image), tls=inputs_from(tls)
    )
    facts = None if storage_classes is None else ClusterFacts.from_api(storage_classes=storage_classes)
    return plan_tenant(tenant, live_statefulsets or [], tenant_status or {}, options, facts)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tenant_plan": tenant_plan}
