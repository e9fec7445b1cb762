"""The operator's own writes: Tenant status patches and Kubernetes Events.

Events use the collection's event format (`module_utils.events`), so
`kubectl describe tenant` reads the same whether a playbook or the operator
acted. Every write is counted, so a steady state can be shown to cost none.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.events import EventSpec, event_object

from rustfs_operator.kubeapi import ApiError, KubeApi, tenant_path
from rustfs_operator.metrics import Metrics
from rustfs_operator.status import now

logger = logging.getLogger(__name__)


class Recorder:
    def __init__(self, api: KubeApi, metrics: Metrics) -> None:
        self.api = api
        self.metrics = metrics

    async def patch_status(
        self, tenant: Mapping[str, Any], fields: Mapping[str, Any], reason: str
    ) -> dict[str, Any] | None:
        """Merge FIELDS into the status; returns the updated Tenant, None when it is gone."""
        metadata = tenant["metadata"]
        try:
            updated: dict[str, Any] = await self.api.merge_patch(
                tenant_path(metadata["namespace"], metadata["name"], "status"), {"status": dict(fields)}
            )
        except ApiError as error:
            if error.status == 404:
                return None
            self.metrics.errors.labels("api").inc()
            raise
        self.metrics.status_updates.labels(reason).inc()
        return updated

    async def event(self, tenant: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        await self.events(tenant, [{"type": type_, "reason": reason, "message": message}])

    async def events(self, tenant: Mapping[str, Any], events: list[EventSpec]) -> None:
        """Post events; a lost event is logged, never fatal."""
        namespace = tenant["metadata"]["namespace"]
        timestamp = now()
        for spec in events:
            try:
                await self.api.create(f"/api/v1/namespaces/{namespace}/events", event_object(tenant, spec, timestamp))
            except ApiError as error:
                self.metrics.errors.labels("event").inc()
                logger.warning("could not post event %s: %s", spec["reason"], error)
