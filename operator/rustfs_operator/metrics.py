"""Prometheus metrics, all named rustfs_operator_*.

A registry of its own (not the client's global one) so a process, or a test,
exposes exactly these series.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

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


def _timestamp(value: object) -> float | None:
    """Seconds since the epoch of an RFC 3339 time the status holds, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class _TenantDetails(Collector):
    """Per tenant, from the statuses in the watch cache at scrape time: what alerts need to name one.

    The counts of `rustfs_operator_tenants` cannot say which tenant is degraded, whose
    certificate expires or which drain stopped moving; these series can. One series per
    tenant (and per certificate, per draining pool): a small, bounded set.
    """

    def __init__(self, source: Callable[[], Iterable[Mapping[str, Any]]]) -> None:
        self.source = source

    def collect(self) -> list[GaugeMetricFamily]:
        state = GaugeMetricFamily(
            "rustfs_operator_tenant_state",
            "1 for the tenant's status.currentState",
            labels=["namespace", "tenant", "state"],
        )
        expiry = GaugeMetricFamily(
            "rustfs_operator_tenant_certificate_expiry_timestamp_seconds",
            "When the tenant's serving certificate (default) or its generated CA (ca) expires, from its status",
            labels=["namespace", "tenant", "certificate"],
        )
        migrated = GaugeMetricFamily(
            "rustfs_operator_pool_decommission_bytes_migrated",
            "Bytes a decommissioning pool has moved to the other pools, as RustFS last reported",
            labels=["namespace", "tenant", "pool", "phase"],
        )
        for tenant in self.source():
            metadata = tenant.get("metadata") or {}
            where = [str(metadata.get("namespace")), str(metadata.get("name"))]
            status = tenant.get("status") or {}
            state.add_metric([*where, str(status.get("currentState") or "Unknown")], 1)
            tls = (status.get("certificates") or {}).get("tls") or {}
            for certificate, field in (("default", "notAfter"), ("ca", "caNotAfter")):
                moment = _timestamp(tls.get(field))
                if moment is not None:
                    expiry.add_metric([*where, certificate], moment)
            for pool in status.get("pools") or []:
                record = pool.get("decommission") or {}
                progress = record.get("progress") or {}
                if record.get("phase") and progress.get("bytesMigrated") is not None:
                    labels = [*where, str(pool.get("name") or pool.get("ssName")), str(record["phase"])]
                    migrated.add_metric(labels, float(progress["bytesMigrated"]))
        return [state, expiry, migrated]


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
        self.drift_detected = Counter(
            "rustfs_operator_drift_detected_total",
            "Times the operator saw a tenant's owned objects changed outside it (each new drift counted once)",
            ["namespace", "tenant"],
            registry=r,
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

    def watch_tenants(self, source: Callable[[], Iterable[Mapping[str, Any]]]) -> None:
        """Per-tenant series (state, certificate expiry, drain progress) from SOURCE at scrape time."""
        self.registry.register(_TenantDetails(source))
