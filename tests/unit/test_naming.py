"""naming.py: object names and label sets (tenant-api.md §6.1-§6.4, §9.1 pod FQDN)."""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import naming
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

COMMON = {
    "app.kubernetes.io/name": "rustfs",
    "app.kubernetes.io/instance": "t1",
    "app.kubernetes.io/managed-by": "rustfs-operator",
    "rustfs.tenant": "t1",
}


def test_service_and_workload_names():
    assert naming.io_service_name("t1") == "t1-io"
    assert naming.console_service_name("t1") == "t1-console"
    assert naming.headless_service_name("t1") == "t1-hl"
    assert naming.statefulset_name("t1", "p") == "t1-p"
    assert naming.pod_name("t1", "p", 3) == "t1-p-3"
    assert naming.claim_template_name(0) == "vol-0"
    assert naming.claim_template_name(11) == "vol-11"


def test_claim_name_is_what_kubernetes_derives():
    # §6.4: claims are named vol-<i>-{t}-{p}-<ordinal>.
    assert naming.claim_name("t1", "p", 2, 5) == "vol-2-t1-p-5"


def test_service_account_name(eng):
    assert naming.service_account_name(parse_tenant(eng.tenant("t1"))) == "t1-sa"
    assert naming.service_account_name(parse_tenant(eng.tenant("t1", serviceAccountName="own"))) == "own"


def test_pod_fqdn(eng):
    tenant = parse_tenant(eng.tenant("t1", "ns1", pools=[eng.pool("p", 3, 1)]))
    assert naming.pod_fqdn(tenant, tenant.pools[0], 2, "k8s.example") == "t1-p-2.t1-hl.ns1.svc.k8s.example"


def test_label_sets():
    assert naming.common_labels("t1") == COMMON
    assert naming.pool_labels("t1", "p") == {
        **COMMON,
        "rustfs.pool": "p",
        "app.kubernetes.io/component": "storage",
    }
    assert naming.selector_labels("t1") == {"rustfs.tenant": "t1"}
    assert naming.pool_selector_labels("t1", "p") == {"rustfs.tenant": "t1", "rustfs.pool": "p"}


def test_label_sets_are_fresh_dicts():
    first = naming.pool_labels("t1", "p")
    first["x"] = "y"
    assert "x" not in naming.pool_labels("t1", "p")


@pytest.mark.parametrize(
    ("tenant", "pool", "servers", "expected"),
    [
        ("t", "p", 1, 5),  # digits(0) = 1
        ("t", "p", 10, 5),  # digits(9) = 1
        ("t", "p", 11, 6),  # digits(10) = 2
        ("abc", "pool", 101, 3 + 1 + 4 + 1 + 3),
        ("t", "p", 0, 5),  # invalid S, still counted as one digit
    ],
)
def test_peer_dns_label_length(tenant, pool, servers, expected):
    # §4: len(t)+1+len(p)+1+digits(S-1).
    assert naming.peer_dns_label_length(tenant, pool, servers) == expected
