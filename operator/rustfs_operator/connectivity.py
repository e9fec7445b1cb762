"""Whether the API server answers: the active replica's readiness and the gate of its runs.

Kopf's watch streams say nothing when they lose the API server: they retry
quietly (handlers.API_RETRY_PAUSES). So the active replica asks the API
server's own `/readyz` (every `api_probe_interval` seconds while it answers,
every second while it does not), and three other signs mark it unreachable at
once: a request of the operator's own without an answer, a Kopf request that
failed and is being retried, and a playbook run that failed.

While the API server is unreachable (or not ready: `/readyz` fails while etcd
is away):
- the operator's `/readyz` answers 503: its watch streams are down, so nothing
  it knows is current, and `rustfs_operator_api_reachable` is 0;
- no playbook run starts: a tenant's check waits for the API server (a run now
  would only fail, count an error, back off and delay the recovery);
- no Event is posted: each would fail and count an error; they are counted in
  `rustfs_operator_events_dropped_total` instead;
- Kopf's "Request attempt ... failed" lines are logged once per outage, not
  once per stream every two seconds.
When `/readyz` answers again, the waiting checks go on, and the streams
reconnect within the longest of API_RETRY_PAUSES (2 s) and list everything,
which asks for a check of every tenant.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from rustfs_operator.metrics import Metrics

logger = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[bool]]
Clock = Callable[[], float]

# Seconds the API server's /readyz may take: it waits for etcd's health check (2 s by default).
PROBE_TIMEOUT = 5.0
# Seconds between probes while the API server does not answer (the worst added delay of a recovery).
DOWN_PROBE_INTERVAL = 1.0
# What Kopf logs for each failed attempt of a request it will retry (kopf/_cogs/clients/api.py).
KOPF_RETRY_PREFIX = "Request attempt"


class ApiHealth:
    """The last word on whether the API server answers, with who said it."""

    def __init__(self, metrics: Metrics | None = None, clock: Clock = time.monotonic) -> None:
        self._metrics = metrics
        self._clock = clock
        self._up = asyncio.Event()
        self._up.set()  # until shown otherwise: at start-up Kopf's first listing decides readiness
        self._wake = asyncio.Event()
        self.outages = 0
        self.lost_at = float("-inf")
        self._probe: Probe | None = None
        if metrics is not None:
            metrics.api_reachable.set(1)

    @property
    def reachable(self) -> bool:
        return self._up.is_set()

    def lost_since(self, moment: float) -> bool:
        """True when the API server is unreachable now or was lost after MOMENT (of the same clock)."""
        return not self.reachable or self.lost_at >= moment

    def lost(self, why: str) -> None:
        """Mark the API server unreachable (idempotent during one outage) and probe it soon."""
        if self._up.is_set():
            self._up.clear()
            self.outages += 1
            self.lost_at = self._clock()
            logger.warning("the API server does not answer (%s): runs and events wait for it", why)
            if self._metrics is not None:
                self._metrics.api_reachable.set(0)
                self._metrics.api_outages.inc()
        self._wake.set()

    def answered(self) -> None:
        if not self._up.is_set():
            logger.info("the API server answers again after %.1f s", self._clock() - self.lost_at)
            self._up.set()
            if self._metrics is not None:
                self._metrics.api_reachable.set(1)

    async def wait(self) -> None:
        """Return once the API server answers (at once when it does)."""
        await self._up.wait()

    async def check_now(self) -> bool:
        """Probe at once (after a failed run: was it the API server?); True when it answers."""
        if self._probe is None:
            return self.reachable
        if await self._probe():
            self.answered()
        else:
            self.lost("/readyz did not answer 200")
        return self.reachable

    async def watch(self, probe: Probe, interval: float, down_interval: float = DOWN_PROBE_INTERVAL) -> None:
        """Probe forever: every INTERVAL seconds while the API answers, every DOWN_INTERVAL while it does not."""
        self._probe = probe
        while True:
            try:
                await self.check_now()
            except Exception as error:  # a probe that breaks must not stop the probing: runs wait on it
                logger.warning("probing the API server failed: %r", error)
                self.lost("its probe failed")
            self._wake.clear()  # after the probe: its own verdict must not cut the pause short
            pause = interval if self.reachable else down_interval
            with contextlib.suppress(TimeoutError):
                # A sign of trouble (lost()) cuts the pause short.
                await asyncio.wait_for(self._wake.wait(), pause)


class KopfRetryFilter(logging.Filter):
    """Turn Kopf's per-attempt retry errors into one sign of an outage and one log line.

    Each of the operator's eight watch streams logs an error for every failed
    attempt, every two seconds at most: a 30 s outage wrote about a hundred lines.
    The first of an outage is kept; the rest are dropped (all kept at DEBUG).
    """

    def __init__(self, health: ApiHealth, verbose: bool = False) -> None:
        super().__init__()
        self.health = health
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("kopf") or record.levelno < logging.ERROR:
            return True
        message = record.getMessage()
        if not message.startswith(KOPF_RETRY_PREFIX) or "failed" not in message:
            return True
        first = self.health.reachable
        self.health.lost("a watch stream lost it")
        return first or self.verbose
