"""One active replica at a time, through a coordination.k8s.io Lease.

Kopf's peering lets replicas of equal priority run side by side (it only
warns), so it cannot guarantee a single writer. A Lease can: the replica
holding it runs Kopf; the others wait and take over when the holder stops
renewing. As in client-go, expiry is judged by the local clock from when the
record last changed, so clock skew between nodes does not matter.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from rustfs_operator.kubeapi import ApiError, KubeApi

logger = logging.getLogger(__name__)


class LeadershipLost(Exception):
    """The Lease could not be renewed in time, or another replica holds it."""


def _micro_time() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaseElector:
    def __init__(
        self,
        api: KubeApi,
        namespace: str,
        name: str,
        identity: str,
        duration: float,
        renew_interval: float,
        retry_interval: float,
    ) -> None:
        self.api = api
        self.path = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"
        self.collection = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
        self.namespace, self.name, self.identity = namespace, name, identity
        self.duration, self.renew_interval, self.retry_interval = duration, renew_interval, retry_interval
        self.leading = False
        # Whether the last attempt got an answer from the API (standby readiness).
        self.reachable = False
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0

    def _spec(self, transitions: int, acquired: str | None = None) -> dict[str, Any]:
        now = _micro_time()
        return {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": max(1, round(self.duration)),
            "acquireTime": acquired or now,
            "renewTime": now,
            "leaseTransitions": transitions,
        }

    async def try_acquire(self) -> bool:
        """One attempt: create, renew or take over the Lease. True when we hold it."""
        try:
            lease = await self.api.get(self.path)
        except ApiError as error:
            if error.status != 404:
                raise
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": self._spec(0),
            }
            try:
                await self.api.create(self.collection, body)
            except ApiError as conflict:
                if conflict.status == 409:
                    return False
                raise
            return True
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        record = (holder, spec.get("renewTime"), spec.get("leaseDurationSeconds"))
        now = time.monotonic()
        if record != self._observed:
            self._observed, self._observed_at = record, now
        duration = float(spec.get("leaseDurationSeconds") or self.duration)
        expired = not holder or now - self._observed_at > duration
        if holder != self.identity and not expired:
            return False
        transitions = int(spec.get("leaseTransitions") or 0) + (0 if holder == self.identity else 1)
        lease["spec"] = self._spec(transitions, spec.get("acquireTime") if holder == self.identity else None)
        try:
            updated = await self.api.replace(self.path, lease)
        except ApiError as conflict:
            if conflict.status == 409:
                return False
            raise
        new = updated.get("spec") or {}
        self._observed = (new.get("holderIdentity"), new.get("renewTime"), new.get("leaseDurationSeconds"))
        self._observed_at = time.monotonic()
        return True

    async def acquire(self) -> None:
        """Wait until this replica holds the Lease."""
        announced = False
        while True:
            try:
                acquired = await self.try_acquire()
                self.reachable = True
                if acquired:
                    self.leading = True
                    logger.info("acquired the lease; this replica is active", extra={"identity": self.identity})
                    return
            except ApiError as error:
                self.reachable = False
                logger.warning("lease check failed: %s", error, extra={"identity": self.identity})
            if not announced:
                logger.info(
                    "another replica holds lease %s/%s; standing by",
                    self.namespace,
                    self.name,
                    extra={"identity": self.identity},
                )
                announced = True
            await asyncio.sleep(self.retry_interval)

    async def hold(self) -> None:
        """Renew until renewal fails for longer than the lease lasts; then raise LeadershipLost."""
        last_renewal = time.monotonic()
        while True:
            await asyncio.sleep(self.renew_interval)
            try:
                if await self.try_acquire():
                    last_renewal = time.monotonic()
                    continue
                self.leading = False
                raise LeadershipLost("another replica took the lease")
            except ApiError as error:
                logger.warning("lease renewal failed: %s", error, extra={"identity": self.identity})
            # Stop acting before another replica may consider the lease expired.
            if time.monotonic() - last_renewal > self.duration - self.renew_interval:
                self.leading = False
                raise LeadershipLost("could not renew the lease in time")

    async def release(self) -> None:
        """On a clean shutdown, hand over at once instead of after expiry."""
        if not self.leading:
            return
        self.leading = False
        try:
            lease = await self.api.get(self.path)
            if (lease.get("spec") or {}).get("holderIdentity") != self.identity:
                return
            lease["spec"]["holderIdentity"] = None
            lease["spec"]["leaseDurationSeconds"] = 1
            await self.api.replace(self.path, lease)
        except ApiError as error:
            logger.warning("could not release the lease: %s", error)
