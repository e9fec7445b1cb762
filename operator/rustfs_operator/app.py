"""The process: probes and metrics first, then the Lease, then Kopf.

A standby replica serves /healthz, /readyz and /metrics and waits for the
Lease; it opens no watch and writes nothing. The active replica runs Kopf
and a drift ticker, and renews the Lease; if renewal fails it stops at once
and exits non-zero, so its supervisor restarts it as a standby (crash-only:
no half-active state to reason about).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping

import kopf

from rustfs_operator import __version__, collection
from rustfs_operator.cache import ClusterView
from rustfs_operator.config import Config
from rustfs_operator.connectivity import PROBE_TIMEOUT, ApiHealth, KopfRetryFilter
from rustfs_operator.deletion import Deleter
from rustfs_operator.handlers import operator_settings, register
from rustfs_operator.http import Probes
from rustfs_operator.http import start as start_http
from rustfs_operator.kubeapi import KubeApi, default_login
from rustfs_operator.lease import LeadershipLost, LeaseElector
from rustfs_operator.metrics import Metrics
from rustfs_operator.reconciler import Reconciler
from rustfs_operator.recorder import Recorder
from rustfs_operator.runner import PlaybookRunner
from rustfs_operator.scheduler import Scheduler
from rustfs_operator.snapshots import Snapshotter

logger = logging.getLogger(__name__)


def settings_fingerprint(config: Config, env: Mapping[str, str]) -> str:
    """Everything besides the Tenant that changes what a run would do."""
    return "|".join(
        [
            __version__,
            collection.version(config),
            config.playbook,
            config.cluster_domain,
            config.default_image,
        ]
    )


class Operator:
    """The active replica's parts, wired together."""

    def __init__(self, config: Config, api: KubeApi, metrics: Metrics, probes: Probes) -> None:
        self.config = config
        self.api = api
        self.metrics = metrics
        self.probes = probes
        env = collection.runner_environment(config)
        self.view = ClusterView()
        self.health = ApiHealth(metrics)
        api.on_no_answer = self.health.lost
        probes.api_reachable = lambda: self.health.reachable
        self.runner = PlaybookRunner(config, env)
        self.recorder = Recorder(api, metrics, self.health)
        self.reconciler = Reconciler(
            config, self.view, self.runner, self.recorder, metrics, settings_fingerprint(config, env), self.health
        )
        self.scheduler = Scheduler(self.reconciler.check, error_delay=config.backoff_min)
        self.reconciler.request = self.scheduler.request
        self.reconciler.snapshots = Snapshotter(api, self.recorder)
        # A run may carry up to batch_size tenants, each with its own share of the timeout.
        wait = config.run_timeout * config.batch_size + 30
        self.deleter = Deleter(api, self.recorder, self.reconciler, self.scheduler, self.runner, wait)
        self.registry = kopf.OperatorRegistry()
        register(
            self.registry,
            view=self.view,
            request=self.scheduler.request,
            forget=self._forget,
            deleter=self.deleter,
            login=default_login,
            on_started=self._started,
        )
        metrics.watch_tenant_states(self.view.state_counts)
        metrics.watch_tenants(lambda: list(self.view.tenants.values()))

    def _forget(self, key: tuple[str, str]) -> None:
        self.scheduler.forget(key)
        self.reconciler.forget(key)
        self.runner.forget(*key)

    def _started(self) -> None:
        self.probes.synced = True
        self.metrics.up.set(1)

    async def drift_ticker(self) -> None:
        """Compare every tenant with the cluster now and then (in memory: no API call, no run)."""
        while True:
            await asyncio.sleep(self.config.drift_interval)
            for key in list(self.view.tenants):
                self.scheduler.request(key, "drift check")

    async def run(self, stop: asyncio.Event) -> bool:
        """Run Kopf until STOP is set or Kopf stops (on SIGTERM); False when Kopf failed."""
        kopf_stop = asyncio.Event()
        kopf_task = asyncio.create_task(
            kopf.operator(
                registry=self.registry,
                settings=operator_settings(self.config),
                # Exact names only: namespace globs would need Kopf's namespace scanning (disabled).
                clusterwide=not self.config.namespaces(),
                namespaces=self.config.namespaces(),
                stop_flag=kopf_stop,
            ),
            name="kopf",
        )
        ticker = asyncio.create_task(self.drift_ticker(), name="drift ticker")
        prober = asyncio.create_task(
            self.health.watch(lambda: self.api.answers(timeout=PROBE_TIMEOUT), self.config.api_probe_interval),
            name="API server probe",
        )
        quiet = KopfRetryFilter(self.health, verbose=logging.getLogger().isEnabledFor(logging.DEBUG))
        for handler in logging.getLogger().handlers:
            handler.addFilter(quiet)
        stopper = asyncio.create_task(stop.wait(), name="stop")
        try:
            await asyncio.wait({kopf_task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.probes.role = "stopping"
            self.runner.stop()
            await self.scheduler.close()
            kopf_stop.set()
            for task in (ticker, prober, stopper):
                task.cancel()
            for handler in logging.getLogger().handlers:
                handler.removeFilter(quiet)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(kopf_task), 20)
        return not (kopf_task.done() and not kopf_task.cancelled() and kopf_task.exception() is not None)


async def main(config: Config) -> int:
    metrics, probes = Metrics(), Probes()
    api = KubeApi()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    http = await start_http(config.http_host, config.http_port, probes, metrics, alive=lambda: True)
    elector: LeaseElector | None = None
    exit_code = 0
    try:
        if config.leader_election:
            elector = LeaseElector(
                api,
                config.lease_namespace,
                config.lease_name,
                config.effective_identity(),
                config.lease_duration,
                config.lease_renew_interval,
                config.lease_retry_interval,
            )
            probes.role = "standby"
            probes.api_reachable = lambda: elector is not None and elector.reachable
            acquiring = asyncio.create_task(elector.acquire(), name="lease acquire")
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({acquiring, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                acquiring.cancel()
                return 0
            stopper.cancel()
        probes.role = "active"
        metrics.leader.set(1)
        operator = Operator(config, api, metrics, probes)
        holding = asyncio.create_task(elector.hold() if elector else asyncio.Event().wait(), name="lease hold")
        running = asyncio.create_task(operator.run(stop), name="operator")
        done, _ = await asyncio.wait({holding, running}, return_when=asyncio.FIRST_COMPLETED)
        if holding in done:
            error = holding.exception()
            if isinstance(error, LeadershipLost):
                logger.error("lost the lease (%s); stopping", error)
                exit_code = 1
            stop.set()
            await running
        else:
            holding.cancel()
            if not running.result():
                logger.error("Kopf failed; exiting with an error")
                exit_code = 1
    finally:
        metrics.leader.set(0)
        if elector is not None:
            await elector.release()
        await http.cleanup()
        await api.close()
    return exit_code
