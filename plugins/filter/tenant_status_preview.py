# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tenant_status_preview: the status a Tenant would get, computed without the API."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tenant_status_preview
short_description: Compute the status of a RustFS Tenant from state already read
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Computes the status M(rustfs.operator.tenant_status) would write, from a Tenant and its StatefulSets
    as read by M(rustfs.operator.tenant_info). Timestamps of unchanged conditions are kept, so comparing
    the result with the Tenant's current status tells whether a status write is needed at all.
options:
  _input:
    description: The Tenant resource as stored (with C(metadata.generation) and C(status)).
    type: dict
    required: true
  live_statefulsets:
    description: The tenant's StatefulSets.
    type: list
    elements: dict
    default: []
  problems:
    description: User-fixable problems of this run.
    type: list
    elements: dict
    default: []
  certificates:
    description: The C(status.certificates.tls) observed in this run (see M(rustfs.operator.tenant_status)).
    type: dict
"""

EXAMPLES = r"""
- name: Write the status only when it would change
  rustfs.operator.tenant_status:
    name: "{{ tenant.metadata.name }}"
    namespace: "{{ tenant.metadata.namespace }}"
  when: (live.tenant | rustfs.operator.tenant_status_preview(live.statefulsets)) != live.tenant.status
"""

RETURN = r"""
_value:
  description: The status.
  type: dict
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.status import tenant_status


def tenant_status_preview(
    tenant: dict[str, Any],
    live_statefulsets: list[dict[str, Any]] | None = None,
    problems: list[dict[str, Any]] | None = None,
    certificates: dict[str, Any] | None = None,
) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return tenant_status(
        parse_tenant(tenant),
        live_statefulsets or [],
        problems or [],  # type: ignore[arg-type]
        tenant.get("status") or {},
        now,
        certificates or None,
    )


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tenant_status_preview": tenant_status_preview}
