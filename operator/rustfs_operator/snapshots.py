"""Scheduled snapshot sets of the tenants with spec.snapshots.enabled, taken by the operator when due.

The engine (module_utils/snapshots.py) decides when a set is due and what it is, as for
rustfs.operator.snapshot; this executes it through the operator's own API client, without a playbook:
a pass is a few requests (list the claims and VolumeSnapshots, create one per claim, delete the
pruned), far less than a playbook run's start. Between sets it costs nothing: the due time is kept
in memory, computed once from one list of the tenant's VolumeSnapshots (at start, and when the
schedule changes), and the tenant's check asks to be looked at again then. A cluster without the
snapshot CRDs, or an operator without the RBAC for them, gets one Warning Event and a retry an hour
later; reconciles carry on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import snapshots as engine

from rustfs_operator.cache import Key
from rustfs_operator.kubeapi import ApiError, KubeApi
from rustfs_operator.recorder import Recorder

logger = logging.getLogger(__name__)

# Seconds before trying again when a set could not be taken (claims not Bound, an API error) ...
RETRY = 300.0
# ... and when the cluster does not serve VolumeSnapshots or the operator may not use them.
RETRY_UNAVAILABLE = 3600.0


@dataclass
class _Known:
    fingerprint: tuple[str, ...]
    due: float | None  # wall-clock seconds; None: never (disabled or an invalid schedule)
    warned: str | None = None  # the last warning posted, so a repeated failure posts it once
    retry_at: float = 0.0  # wall-clock seconds: after a failure, nothing is tried before


def _fingerprint(tenant: Mapping[str, Any]) -> tuple[str, ...]:
    config = engine.settings(tenant.get("spec") or {})
    created = str((tenant.get("metadata") or {}).get("creationTimestamp") or "")
    return (str(config.enabled), config.schedule, created)


def _path(namespace: str, plural: str) -> str:
    if plural == engine.PLURAL:
        return f"/apis/{engine.API_VERSION}/namespaces/{namespace}/{plural}"
    return f"/api/v1/namespaces/{namespace}/{plural}"


class Snapshotter:
    def __init__(self, api: KubeApi, recorder: Recorder, wall: Callable[[], float] = time.time) -> None:
        self.api = api
        self.recorder = recorder
        self.wall = wall
        self.known: dict[Key, _Known] = {}

    def forget(self, key: Key) -> None:
        self.known.pop(key, None)

    async def check(self, key: Key, tenant: Mapping[str, Any]) -> float | None:
        """Take the tenant's set if one is due; the seconds until the next is due, or None."""
        fingerprint = _fingerprint(tenant)
        if not engine.settings(tenant.get("spec") or {}).enabled:
            self.known.pop(key, None)
            return None
        known = self.known.get(key)
        if known is not None and known.retry_at > self.wall():
            return known.retry_at - self.wall()
        if known is None or known.fingerprint != fingerprint:
            known = _Known(fingerprint, None, known.warned if known else None)
            self.known[key] = known
            try:
                known.due = self._due(tenant, await self._list(key, engine.PLURAL))
            except ApiError as error:
                return await self._failed(key, tenant, known, error)
        if known.due is None:
            return None
        now = self.wall()
        if now < known.due:
            return known.due - now
        return await self._take(key, tenant, known)

    def _due(self, tenant: Mapping[str, Any], live: list[dict[str, Any]]) -> float | None:
        when = engine.next_due(tenant, live)
        return when.timestamp() if when is not None else None

    async def _list(self, key: Key, plural: str) -> list[dict[str, Any]]:
        params = {"labelSelector": f"{c.LABEL_TENANT}={key[1]}"}
        answer = await self.api.request("GET", _path(key[0], plural), params=params)
        return list((answer or {}).get("items") or [])

    async def _take(self, key: Key, tenant: Mapping[str, Any], known: _Known) -> float | None:
        namespace = key[0]
        try:
            claims = await self._list(key, "persistentvolumeclaims")
            live = await self._list(key, engine.PLURAL)
            at = datetime.fromtimestamp(self.wall(), UTC).replace(microsecond=0)
            result = engine.plan(tenant, claims, live, at, "scheduled")
            for obj in result.create:
                await self.api.request(
                    "POST", _path(namespace, engine.PLURAL), body=obj, params={"fieldManager": c.FIELD_MANAGER}
                )
            for name in result.delete:
                try:
                    await self.api.delete(f"{_path(namespace, engine.PLURAL)}/{name}")
                except ApiError as error:
                    if error.status != 404:  # deleted meanwhile: what retention wanted
                        raise
        except ApiError as error:
            return await self._failed(key, tenant, known, error)
        posted = engine.events(result)
        if result.blocked and result.blocked == known.warned:  # said already: not once per retry
            posted = [e for e in posted if e["type"] != "Warning"]
        await self.recorder.events(tenant, posted)
        summary = result.status()
        status = tenant.get("status") or {}
        if summary is not None and status and status.get("snapshots") != summary:
            try:
                await self.recorder.patch_status(tenant, {"snapshots": summary}, "snapshots")
            except ApiError as error:  # the sets are taken; the summary is written at the next pass
                logger.warning("snapshots: status not written: %s", error, extra={"tenant": "/".join(key)})
        for line in engine.summary(result):
            logger.info("snapshots: %s", line, extra={"tenant": "/".join(key)})
        if result.blocked:
            # Claims still binding, most often: tried again in RETRY, or at the next scheduled time if sooner.
            known.warned = result.blocked
            scheduled = engine.next_time(tenant, at)
            delay = RETRY if scheduled is None else min(RETRY, max(1.0, scheduled.timestamp() - self.wall()))
            known.retry_at = self.wall() + delay
            return delay
        known.warned = None
        # The next time after the set just taken (or, when none was due after all, as before).
        known.due = self._due(tenant, [*live, *result.create])
        return None if known.due is None else max(1.0, known.due - self.wall())

    async def _failed(self, key: Key, tenant: Mapping[str, Any], known: _Known, error: ApiError) -> float:
        """A Warning Event (once per distinct failure) and a retry; the tenant's reconciles are not affected."""
        unavailable = error.status in (403, 404)
        message = engine.CRDS_MISSING if error.status == 404 else f"snapshot set failed: {error}"
        # The due time is computed again at the retry (from a fresh list).
        known.fingerprint = ("retry",)
        delay = RETRY_UNAVAILABLE if unavailable else RETRY
        known.retry_at = self.wall() + delay
        if message != known.warned:
            known.warned = message
            await self.recorder.event(tenant, "Warning", "SnapshotFailed", message[:600])
        logger.warning("snapshots: %s", message, extra={"tenant": "/".join(key)})
        return delay
