"""Prometheus metrics, all named rustfs_operator_*.

A registry of its own (not the client's global one) so a process, or a test,
exposes exactly these series.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

STATES = ("Ready", "Reconciling", "Degraded", "Blocked", "NotReady", "Unknown")
# Outcomes the RustFS operator counts as result="success": its reconcile returned Ok. A blocked
# tenant is an error there: what blocks it is an error of its reconcile, turned into the status.
SUCCESS_OUTCOMES = frozenset({"succeeded", "rollback-succeeded"})


def result_of(outcome: str) -> str:
    """The RustFS operator's `result` label for one of our outcomes."""
    return "success" if outcome in SUCCESS_OUTCOMES else "error"


class _TenantStates(Collector):
    """Tenants by status.currentState, counted at scrape time from the watch cache."""

    def __init__(self, source: Callable[[], Mapping[str, int]]) -> None:
        self.source = source

    def collect(self) -> list[GaugeMetricFamily]:
        family = GaugeMetricFamily("rustfs_operator_tenants", "Tenants by status.currentState", labels=["state"])
        counts = dict.fromkeys(STATES, 0)
        counts.update(self.source())
        for state, count in sorted(counts.items()):
            family.add_metric([state], count)
        return [family]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        # `result` as the RustFS operator labels these two (success, error), so its dashboards and
        # alerts work here; `outcome` is ours, the finer word (succeeded, blocked, failed, timeout).
        self.reconciles = Counter(
            "rustfs_operator_reconcile_total",
            "Total number of Tenant reconcile attempts by result (a batched run counts each tenant)",
            ["result", "outcome"],
            registry=r,
        )
        self.duration = Histogram(
            "rustfs_operator_reconcile_duration_seconds",
            "Wall time of the playbook run that reconciled a tenant, by result",
            ["result", "outcome"],
            buckets=(1, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 60, 120, 300),
            registry=r,
        )
        self.errors = Counter("rustfs_operator_errors_total", "Errors by category", ["category"], registry=r)
        self.skipped = Counter(
            "rustfs_operator_runs_skipped_total", "Checks that found nothing to do and ran no playbook", registry=r
        )
        self.status_updates = Counter(
            "rustfs_operator_status_updates_total",
            "Status writes by the operator itself, by reason",
            ["reason"],
            registry=r,
        )
        self.in_flight = Gauge(
            "rustfs_operator_runs_in_flight", "Playbook runs (processes) in progress; a batch is one", registry=r
        )
        self.waiting = Gauge("rustfs_operator_runs_waiting", "Tenants waiting for a free worker", registry=r)
        self.batch_size = Histogram(
            "rustfs_operator_run_batch_size",
            "Tenants per reconcile playbook run (1: a single-tenant run)",
            buckets=(1, 2, 4, 8, 16, 32),
            registry=r,
        )
        self.leader = Gauge("rustfs_operator_leader", "1 while this replica holds the Lease", registry=r)
        self.up = Gauge("rustfs_operator_ready", "1 once the watches have listed every resource", registry=r)
        # The API server as the active replica sees it (connectivity.py).
        self.api_reachable = Gauge(
            "rustfs_operator_api_reachable", "1 while the API server answers (its /readyz is 200)", registry=r
        )
        self.api_outages = Counter(
            "rustfs_operator_api_outages_total", "Times the API server stopped answering", registry=r
        )
        self.events_dropped = Counter(
            "rustfs_operator_events_dropped_total",
            "Events not posted because the API server did not answer (not one error each)",
            registry=r,
        )

    def reconciled(self, outcome: str, duration: float | None = None) -> None:
        """Count one reconcile (and its wall time) that ended with OUTCOME."""
        labels = (result_of(outcome), outcome)
        self.reconciles.labels(*labels).inc()
        if duration is not None:
            self.duration.labels(*labels).observe(duration)

    def watch_tenant_states(self, source: Callable[[], Mapping[str, int]]) -> None:
        self.registry.register(_TenantStates(source))
