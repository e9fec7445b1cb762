"""The operator's own writes: Tenant status patches, Kubernetes Events, the last good spec.

Events use the collection's event format (`module_utils.events`), so
`kubectl describe tenant` reads the same whether a playbook or the operator
acted. Every write is counted, so a steady state can be shown to cost none.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import history
from ansible_collections.rustfs.operator.plugins.module_utils.constants import FIELD_MANAGER
from ansible_collections.rustfs.operator.plugins.module_utils.events import EventSpec, event_object
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import with_digest

from rustfs_operator.connectivity import ApiHealth
from rustfs_operator.kubeapi import ApiError, KubeApi, tenant_path
from rustfs_operator.metrics import Metrics
from rustfs_operator.status import now

logger = logging.getLogger(__name__)


class Recorder:
    def __init__(self, api: KubeApi, metrics: Metrics, health: ApiHealth | None = None) -> None:
        self.api = api
        self.metrics = metrics
        self.health = health if health is not None else ApiHealth()

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

    async def remember(self, tenant: Mapping[str, Any], statefulsets: Sequence[Mapping[str, Any]]) -> bool:
        """Record TENANT's spec as its last good one (ConfigMap {t}-history) if every pool runs it.

        The engine decides (module_utils/history.py) and builds the ConfigMap, as the playbook's
        module does; the operator writes it here, between runs, so a rollout that completes
        after its run is recorded without starting another playbook. True when written.
        """
        record = history.last_good_record(tenant, statefulsets, [])
        if record is None:
            return False
        metadata = tenant["metadata"]
        path = f"/api/v1/namespaces/{metadata['namespace']}/configmaps/{history.history_name(metadata['name'])}"
        try:
            existing = await self.api.get(path)
        except ApiError as error:
            if error.status != 404:
                raise
            existing = None
        body = history.history_configmap(tenant, record, existing)
        if body is None:
            return False
        await self.api.request(
            "PATCH",
            path,
            body=with_digest(body),
            params={"fieldManager": FIELD_MANAGER, "force": "true"},
            content_type="application/apply-patch+yaml",
        )
        return True

    async def event(self, tenant: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        await self.events(tenant, [{"type": type_, "reason": reason, "message": message}])

    async def events(self, tenant: Mapping[str, Any], events: list[EventSpec]) -> None:
        """Post events; a lost event is logged, never fatal.

        While the API server does not answer, events are dropped and counted: each attempt
        would fail, count an error and log a warning (an event storm in the error metric).
        """
        namespace = tenant["metadata"]["namespace"]
        timestamp = now()
        for spec in events:
            if not self.health.reachable:
                self.metrics.events_dropped.inc()
                continue
            try:
                await self.api.create(f"/api/v1/namespaces/{namespace}/events", event_object(tenant, spec, timestamp))
            except ApiError as error:
                self.metrics.errors.labels("event").inc()
                logger.warning("could not post event %s: %s", spec["reason"], error)
