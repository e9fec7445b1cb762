"""Per-tenant serialisation and coalescing of reconcile requests.

Every watch event, timer tick and retry becomes a `request(key)`. Requests
for a tenant that is already being processed only mark it dirty, so a burst
of events costs one extra check, not one per event, and a tenant is never
processed twice at once. Checks are cheap (digest comparisons in memory);
playbook runs additionally wait for a slot of the runner's bounded pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from rustfs_operator.cache import Key

logger = logging.getLogger(__name__)

# The processing function returns seconds until the tenant must be checked
# again (a backoff, a settle deadline), or None.
Process = Callable[[Key], Awaitable[float | None]]


@dataclass
class _Entry:
    task: asyncio.Task[None] | None = None
    dirty: bool = False
    timer: asyncio.TimerHandle | None = None
    timer_due: float = 0.0
    reasons: set[str] = field(default_factory=set)


class Scheduler:
    def __init__(self, process: Process, error_delay: float = 5.0) -> None:
        self._process = process
        self._entries: dict[Key, _Entry] = {}
        self._error_delay = error_delay
        self._closed = False

    def request(self, key: Key, reason: str) -> None:
        if self._closed:
            return
        entry = self._entries.setdefault(key, _Entry())
        entry.reasons.add(reason)
        if entry.task is not None and not entry.task.done():
            entry.dirty = True
            return
        entry.dirty = False
        entry.task = asyncio.create_task(self._drive(key, entry), name=f"tenant {key[0]}/{key[1]}")

    def request_later(self, key: Key, delay: float, reason: str) -> None:
        """At most one pending timer per tenant: the earliest wins."""
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        entry = self._entries.setdefault(key, _Entry())
        now = loop.time()
        due = now + delay
        # A timer that has fired is no longer pending (a fired handle is not "cancelled"):
        # keeping it would drop every later timer of the tenant.
        pending = entry.timer is not None and not entry.timer.cancelled() and entry.timer_due > now
        if pending and entry.timer_due <= due:
            return
        if entry.timer is not None:
            entry.timer.cancel()
        entry.timer_due = due
        entry.timer = loop.call_at(due, self.request, key, reason)

    def reasons(self, key: Key) -> set[str]:
        """The reasons gathered since the last call (for logs), cleared."""
        entry = self._entries.get(key)
        if entry is None:
            return set()
        found, entry.reasons = entry.reasons, set()
        return found

    async def _drive(self, key: Key, entry: _Entry) -> None:
        while True:
            entry.dirty = False
            try:
                delay = await self._process(key)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("processing tenant %s/%s failed", *key, extra={"tenant": "/".join(key)})
                delay = self._error_delay
            if delay is not None:
                self.request_later(key, delay, "retry")
            if not entry.dirty or self._closed:
                return

    async def wait_idle(self, key: Key) -> None:
        """Wait until the tenant's current processing (a run, maybe) has finished."""
        entry = self._entries.get(key)
        if entry is not None and entry.task is not None and not entry.task.done():
            await asyncio.shield(entry.task)

    def forget(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None and entry.timer is not None:
            entry.timer.cancel()

    def keys(self) -> list[Key]:
        return list(self._entries)

    async def close(self) -> None:
        self._closed = True
        tasks = [e.task for e in self._entries.values() if e.task is not None and not e.task.done()]
        for entry in self._entries.values():
            if entry.timer is not None:
                entry.timer.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
