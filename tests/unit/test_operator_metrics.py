"""The operator's reconcile metrics read as the RustFS operator's do (issue 14: tools and alerts
written for one work on the other), with our finer outcome as an extra label."""

from __future__ import annotations

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from rustfs_operator.metrics import Metrics


@pytest.mark.parametrize(
    ("outcome", "result"),
    [
        ("succeeded", "success"),
        ("blocked", "error"),
        ("failed", "error"),
        ("timeout", "error"),
        ("rollback-succeeded", "success"),
        ("rollback-failed", "error"),
    ],
)
def test_each_outcome_counts_under_the_rustfs_operators_result(outcome: str, result: str) -> None:
    metrics = Metrics()
    metrics.reconciled(outcome, 1.5)
    labels = {"result": result, "outcome": outcome}
    assert metrics.registry.get_sample_value("rustfs_operator_reconcile_total", labels) == 1
    assert metrics.registry.get_sample_value("rustfs_operator_reconcile_duration_seconds_count", labels) == 1
    assert metrics.registry.get_sample_value("rustfs_operator_reconcile_duration_seconds_sum", labels) == 1.5


def test_a_query_written_for_the_rustfs_operator_finds_the_series() -> None:
    """`rustfs_operator_reconcile_total{result="error"}` and the duration's _count and _sum by result."""
    metrics = Metrics()
    metrics.reconciled("succeeded", 2.0)
    metrics.reconciled("blocked", 1.0)
    metrics.reconciled("failed", 3.0)
    samples = [
        sample
        for family in text_string_to_metric_families(generate_latest(metrics.registry).decode())
        for sample in family.samples
    ]

    def total(name: str, result: str) -> float:
        return sum(s.value for s in samples if s.name == name and s.labels.get("result") == result)

    assert total("rustfs_operator_reconcile_total", "error") == 2
    assert total("rustfs_operator_reconcile_total", "success") == 1
    assert total("rustfs_operator_reconcile_duration_seconds_sum", "error") == 4.0
    assert total("rustfs_operator_reconcile_duration_seconds_count", "success") == 1
    assert {s.labels["result"] for s in samples if s.name == "rustfs_operator_reconcile_total"} == {"success", "error"}


DRAINING_TLS_TENANT = {
    "metadata": {"namespace": "team-a", "name": "store"},
    "status": {
        "currentState": "Reconciling",
        "certificates": {"tls": {"notAfter": "2027-03-01T12:00:00Z", "caNotAfter": "2036-01-01T00:00:00Z"}},
        "pools": [
            {"name": "pool-0", "ssName": "store-pool-0"},
            {
                "name": "old",
                "ssName": "store-old",
                "decommission": {"phase": "Running", "progress": {"bytesMigrated": 4096, "percent": 40}},
            },
        ],
    },
}


def test_per_tenant_series_name_the_tenant_for_alerts() -> None:
    """State, certificate expiry and drain progress per tenant, read from the statuses at scrape time."""
    tenants = [DRAINING_TLS_TENANT, {"metadata": {"namespace": "team-b", "name": "new"}}]
    metrics = Metrics()
    metrics.watch_tenants(lambda: tenants)
    sample = metrics.registry.get_sample_value
    assert sample("rustfs_operator_tenant_state", {"namespace": "team-a", "tenant": "store", "state": "Reconciling"})
    assert sample("rustfs_operator_tenant_state", {"namespace": "team-b", "tenant": "new", "state": "Unknown"}) == 1
    expiry = "rustfs_operator_tenant_certificate_expiry_timestamp_seconds"
    assert sample(expiry, {"namespace": "team-a", "tenant": "store", "certificate": "default"}) == 1_803_902_400
    assert sample(expiry, {"namespace": "team-a", "tenant": "store", "certificate": "ca"}) == 2_082_758_400
    assert sample(expiry, {"namespace": "team-b", "tenant": "new", "certificate": "default"}) is None
    migrated = "rustfs_operator_pool_decommission_bytes_migrated"
    assert sample(migrated, {"namespace": "team-a", "tenant": "store", "pool": "old", "phase": "Running"}) == 4096
    assert sample(migrated, {"namespace": "team-a", "tenant": "store", "pool": "pool-0", "phase": "Running"}) is None
    tenants.pop(0)  # deleted: its series go with it
    assert (
        sample("rustfs_operator_tenant_state", {"namespace": "team-a", "tenant": "store", "state": "Reconciling"})
        is None
    )


def test_an_unreadable_expiry_is_left_out_not_guessed() -> None:
    tenant = {"metadata": {"namespace": "n", "name": "t"}, "status": {"certificates": {"tls": {"notAfter": "soon"}}}}
    metrics = Metrics()
    metrics.watch_tenants(lambda: [tenant])
    text = generate_latest(metrics.registry).decode()
    assert "rustfs_operator_tenant_certificate_expiry_timestamp_seconds{" not in text
