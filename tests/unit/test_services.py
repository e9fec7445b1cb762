"""services.py: the ServiceAccount and the three Services (tenant-api.md §6.2, §6.3)."""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.services import (
    s3_port_name,
    service_account,
    services,
)

COMMON = {
    "app.kubernetes.io/name": "rustfs",
    "app.kubernetes.io/instance": "t1",
    "app.kubernetes.io/managed-by": "rustfs-operator",
    "rustfs.tenant": "t1",
}


def _metadata(name):
    return {"name": name, "namespace": "ns1", "labels": COMMON}


def test_default_service_account(eng):
    objects = eng.render(eng.tenant("t1", "ns1"))
    assert eng.only(objects, "ServiceAccount") == {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _metadata("t1-sa"),
        "automountServiceAccountToken": False,
    }


def test_named_service_account_is_used_and_not_created(eng):
    objects = eng.render(eng.tenant("t1", "ns1", serviceAccountName="storage-sa"))
    assert [o for o in objects if o["kind"] == "ServiceAccount"] == []
    assert service_account(parse_tenant(eng.tenant("t1", "ns1", serviceAccountName="storage-sa"))) is None
    for statefulset in eng.statefulsets(objects):
        assert eng.pod_spec(statefulset)["serviceAccountName"] == "storage-sa"


def test_no_role_or_binding_without_create_service_account_rbac(eng):
    # §6.2: no Role or RoleBinding for tenant pods unless the user opts in (issue 4: per-tenant RBAC).
    for flag in (None, False):
        spec = {} if flag is None else {"createServiceAccountRbac": flag}
        for sa in (None, "storage-sa"):
            extra = {} if sa is None else {"serviceAccountName": sa}
            kinds = {o["kind"] for o in eng.render(eng.tenant("t1", "ns1", **spec, **extra))}
            assert kinds <= {"ServiceAccount", "Service", "PodDisruptionBudget", "StatefulSet"}, kinds


def test_create_service_account_rbac_grants_only_get_on_referenced_secrets(eng):
    tenant = eng.tenant(
        "t1", "ns1", credsSecret={"name": "c"}, rpcSecret={"name": "r", "key": "k"}, createServiceAccountRbac=True
    )
    objects = eng.render(tenant)
    rbac = [o for o in objects if o["kind"] in ("Role", "RoleBinding")]
    assert [o["kind"] for o in objects[:3]] == ["ServiceAccount", "Role", "RoleBinding"]
    role, binding = rbac
    assert role["metadata"] == _metadata("t1-rustfs")
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["c", "r"], "verbs": ["get"]}
    ]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "t1-rustfs"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "t1-sa", "namespace": "ns1"}]
    # Everything else is rendered exactly as without the flag.
    plain = eng.render(eng.tenant("t1", "ns1", credsSecret={"name": "c"}, rpcSecret={"name": "r", "key": "k"}))
    assert [o for o in objects if o not in rbac] == plain


def test_create_service_account_rbac_binds_a_named_account_and_grants_nothing_without_secrets(eng):
    objects = eng.render(eng.tenant("t1", "ns1", serviceAccountName="mine", createServiceAccountRbac=True))
    role = next(o for o in objects if o["kind"] == "Role")
    binding = next(o for o in objects if o["kind"] == "RoleBinding")
    assert role["rules"] == []
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "mine", "namespace": "ns1"}]


def test_three_services(eng):
    objects = eng.render(eng.tenant("t1", "ns1"))
    assert [o for o in objects if o["kind"] == "Service"] == [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _metadata("t1-io"),
            "spec": {
                "type": "ClusterIP",
                "selector": {"rustfs.tenant": "t1"},
                "ports": [{"name": "http-rustfs", "port": 9000, "targetPort": 9000}],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _metadata("t1-console"),
            "spec": {
                "type": "ClusterIP",
                "selector": {"rustfs.tenant": "t1"},
                "ports": [{"name": "http-console", "port": 9001, "targetPort": 9001}],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _metadata("t1-hl"),
            "spec": {
                "type": "ClusterIP",
                "clusterIP": "None",
                "publishNotReadyAddresses": True,
                "selector": {"rustfs.tenant": "t1"},
                "ports": [{"name": "http-rustfs", "port": 9000}],
            },
        },
    ]


def test_services_select_every_pool(eng):
    objects = eng.render(eng.tenant("t1", "ns1", pools=[eng.pool("a"), eng.pool("b")]))
    for service in (o for o in objects if o["kind"] == "Service"):
        assert service["spec"]["selector"] == {"rustfs.tenant": "t1"}


def test_s3_port_is_named_https_with_tls(eng):
    tenant = parse_tenant(eng.tenant("t1", "ns1", tls={"mode": "certManager", "certManager": {"secretName": "s"}}))
    assert s3_port_name(tenant) == "https-rustfs"
    io, console, headless = services(tenant)
    assert io["spec"]["ports"] == [{"name": "https-rustfs", "port": 9000, "targetPort": 9000}]
    assert console["spec"]["ports"] == [{"name": "http-console", "port": 9001, "targetPort": 9001}]
    assert headless["spec"]["ports"] == [{"name": "https-rustfs", "port": 9000}]
    assert s3_port_name(parse_tenant(eng.tenant("t1", "ns1", tls={"mode": "disabled"}))) == "http-rustfs"
