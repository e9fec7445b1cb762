"""Which waiting tenants share a playbook run, and when it starts.

A single-tenant run costs about 2.3 CPU-seconds, of which the tenant's own
module run is about 0.8: the rest is Ansible starting up and the role's
tasks. With more tenants waiting than there are workers (a burst of new
Tenants, an operator upgrade), a worker that frees up takes up to
`batch_size` of them into one run of the reconcile playbook (`tenants:
[...]`), which costs about the start-up plus 0.8 per tenant. A tenant waiting
alone runs alone, in the single-tenant form, so the latency of an ordinary
edit does not change.

What stays as without batching:

* one reconcile at a time per tenant: each tenant's check awaits its own
  job, and the scheduler never runs two checks of a tenant at once;
* inputs are read when the run is formed, not when the tenant was queued:
  `prepare` returns the latest inputs and digest, or None for a tenant that
  was deleted meanwhile (it is left out of the run);
* each tenant gets its own RunOutcome, so recording and metrics stay per
  tenant;
* a tenant whose last run failed (`solo`), and every rollback (`exclusive`),
  runs alone: a tenant that times out must not take others down with it
  twice.

Metrics: `runs_in_flight` counts playbook runs (processes, a batch is one),
`runs_waiting` counts tenants waiting for a worker, and `run_batch_size`
observes how many tenants each reconcile run carried.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rustfs_operator.cache import Key
from rustfs_operator.metrics import Metrics
from rustfs_operator.runner import RunOutcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A tenant's inputs as read when its run was formed."""

    key: Key
    tenant: Mapping[str, Any]  # the Tenant as the watch showed it then
    inputs: Mapping[str, Any]  # what the playbook receives (digest.tenant_input)
    digest: str
    started: str  # wall clock, for status.lastRun
    started_at: float  # monotonic, for the settle check


@dataclass(frozen=True)
class Dispatched:
    prepared: Prepared
    outcome: RunOutcome


Prepare = Callable[[], Prepared | None]
RunOne = Callable[[Mapping[str, Any]], Awaitable[RunOutcome]]
RunMany = Callable[[int, Sequence[Mapping[str, Any]]], Awaitable[list[RunOutcome]]]


@dataclass(eq=False)
class _Job:
    key: Key
    future: asyncio.Future[Any]
    prepare: Prepare | None = None  # a reconcile
    call: Callable[[], Awaitable[RunOutcome]] | None = None  # an exclusive run (a rollback)
    solo: bool = False

    @property
    def batchable(self) -> bool:
        return self.prepare is not None and not self.solo


class Dispatcher:
    def __init__(self, workers: int, batch_size: int, run_one: RunOne, run_many: RunMany, metrics: Metrics) -> None:
        self.workers = workers
        self.batch_size = max(1, batch_size)
        self.run_one = run_one
        self.run_many = run_many
        self.metrics = metrics
        self._queue: deque[_Job] = deque()
        self._slots = list(range(workers - 1, -1, -1))  # free worker indexes; pop() hands out 0 first
        self._tasks: set[asyncio.Task[None]] = set()  # runs in progress (the loop keeps only weak references)

    async def reconcile(self, key: Key, prepare: Prepare, solo: bool = False) -> Dispatched | None:
        """Run the reconcile playbook for KEY, maybe with others; None if PREPARE found nothing to run."""
        result: Dispatched | None = await self._submit(_Job(key, self._future(), prepare=prepare, solo=solo))
        return result

    async def exclusive(self, key: Key, call: Callable[[], Awaitable[RunOutcome]]) -> RunOutcome:
        """Run CALL (a rollback) on a worker of its own, counted like any run."""
        result: RunOutcome = await self._submit(_Job(key, self._future(), call=call))
        return result

    @staticmethod
    def _future() -> asyncio.Future[Any]:
        return asyncio.get_running_loop().create_future()

    async def _submit(self, job: _Job) -> Any:
        self._queue.append(job)
        self._dispatch()
        try:
            return await job.future
        finally:
            # Cancelled while waiting (the operator stops): leave the queue.
            if job in self._queue:
                self._queue.remove(job)
            self.metrics.waiting.set(len(self._queue))

    def _dispatch(self) -> None:
        while self._slots and self._queue:
            first = self._queue.popleft()
            if first.future.done():
                continue
            group = [first]
            if first.batchable:
                for job in list(self._queue):
                    if len(group) >= self.batch_size:
                        break
                    if job.batchable and not job.future.done():
                        self._queue.remove(job)
                        group.append(job)
            slot = self._slots.pop()
            task = asyncio.create_task(self._execute(slot, group), name=f"run on worker {slot}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self.metrics.waiting.set(len(self._queue))

    async def _execute(self, slot: int, group: list[_Job]) -> None:
        try:
            if group[0].call is not None:
                await self._exclusive(group[0], group[0].call)
            else:
                await self._reconcile(slot, group)
        finally:
            self._slots.append(slot)
            self._dispatch()

    async def _exclusive(self, job: _Job, call: Callable[[], Awaitable[RunOutcome]]) -> None:
        self.metrics.in_flight.inc()
        try:
            outcome = await call()
        except Exception as error:
            _settle(job, error=error)
        else:
            _settle(job, outcome)
        finally:
            self.metrics.in_flight.dec()

    async def _reconcile(self, slot: int, group: list[_Job]) -> None:
        ready: list[tuple[_Job, Prepared]] = []
        for job in group:
            if job.future.done() or job.prepare is None:
                continue
            try:
                prepared = job.prepare()
            except Exception as error:
                _settle(job, error=error)
                continue
            if prepared is None:
                _settle(job, None)  # deleted while waiting: nothing to run
            else:
                ready.append((job, prepared))
        if not ready:
            return
        self.metrics.batch_size.observe(len(ready))
        self.metrics.in_flight.inc()
        try:
            if len(ready) == 1:
                outcomes = [await self.run_one(ready[0][1].inputs)]
            else:
                logger.info(
                    "one playbook run for %d tenants",
                    len(ready),
                    extra={"tenants": [f"{p.key[0]}/{p.key[1]}" for _, p in ready], "batch": len(ready)},
                )
                outcomes = await self.run_many(slot, [p.inputs for _, p in ready])
            if len(outcomes) != len(ready):
                raise RuntimeError(f"{len(outcomes)} outcomes for a run of {len(ready)} tenants")
        except Exception as error:
            for job, _ in ready:
                _settle(job, error=error)
            return
        finally:
            self.metrics.in_flight.dec()
        for (job, prepared), outcome in zip(ready, outcomes, strict=True):  # lengths checked above
            _settle(job, Dispatched(prepared, outcome))


def _settle(job: _Job, value: Any = None, error: BaseException | None = None) -> None:
    """Hand the result to the tenant's check, unless it stopped waiting (cancelled)."""
    if job.future.done():
        return
    if error is not None:
        job.future.set_exception(error)
    else:
        job.future.set_result(value)
