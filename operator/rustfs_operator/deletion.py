"""Graceful deletion of a Tenant, behind the operator's finalizer.

Owned objects (StatefulSets, Services, ServiceAccount, RBAC, PodDisruptionBudgets, Ingresses and routes,
NetworkPolicies) carry owner
references, so garbage collection removes them once the Tenant is gone. The
finalizer exists to make deletion orderly and reported: no playbook run may
still be writing children, and the user is told which PersistentVolumeClaims
were kept. Claims (the data) are deleted only when the Tenant carries the
annotation `rustfs.com/delete-volumes: "true"`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from rustfs_operator.cache import Key
from rustfs_operator.kubeapi import ApiError, KubeApi
from rustfs_operator.reconciler import Memory, Reconciler, State
from rustfs_operator.recorder import Recorder
from rustfs_operator.runner import PlaybookRunner
from rustfs_operator.scheduler import Scheduler

logger = logging.getLogger(__name__)

DELETE_VOLUMES_ANNOTATION = "rustfs.com/delete-volumes"


class Deleter:
    def __init__(
        self,
        api: KubeApi,
        recorder: Recorder,
        reconciler: Reconciler,
        scheduler: Scheduler,
        runner: PlaybookRunner,
        wait_timeout: float,
    ) -> None:
        self.api = api
        self.recorder = recorder
        self.reconciler = reconciler
        self.scheduler = scheduler
        self.runner = runner
        self.wait_timeout = wait_timeout

    async def finalize(self, key: Key, tenant: Mapping[str, Any]) -> str:
        """Stop reconciling KEY, report (or delete) its claims; returns the message posted."""
        namespace, name = key
        self.reconciler.memory.setdefault(key, Memory()).state = State.DELETING
        try:
            await asyncio.wait_for(self.scheduler.wait_idle(key), self.wait_timeout)
        except TimeoutError:
            logger.warning("a playbook run was still going at deletion", extra={"tenant": f"{namespace}/{name}"})
        selector = quote("rustfs.tenant=" + name)
        listing = await self.api.get(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims?labelSelector={selector}")
        claims = sorted(item["metadata"]["name"] for item in listing.get("items") or [])
        annotations = (tenant.get("metadata") or {}).get("annotations") or {}
        purge = str(annotations.get(DELETE_VOLUMES_ANNOTATION, "")).lower() == "true"
        if purge:
            for claim in claims:
                try:
                    await self.api.delete(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/{claim}")
                except ApiError as error:
                    if error.status != 404:
                        raise
            listed = ", ".join(claims) or "(none)"
            message = f"deleted the PersistentVolumeClaims {listed} as {DELETE_VOLUMES_ANNOTATION} asks"
        elif claims:
            message = (
                f"kept the PersistentVolumeClaims {', '.join(claims)} (their data survives; delete them yourself, "
                f"or annotate the Tenant {DELETE_VOLUMES_ANNOTATION}=true before deleting it)"
            )
        else:
            message = "the tenant had no PersistentVolumeClaims"
        await self.recorder.event(
            tenant,
            "Normal",
            "TenantDeleted",
            f"garbage collection removes the StatefulSets, Services, ServiceAccount and PDBs; {message}",
        )
        logger.info("tenant deleted: %s", message, extra={"tenant": f"{namespace}/{name}"})
        self.scheduler.forget(key)
        self.reconciler.forget(key)
        self.runner.forget(namespace, name)
        return message
