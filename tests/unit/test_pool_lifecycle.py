"""pool_lifecycle: the I/O around the decommission plan, against the fake RustFS admin server on
127.0.0.1 and a small in-memory stand-in for the Kubernetes client (the real API server is covered
by tests/integration/test_decommission.py)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError
from support.fake_rustfs import ACCESS, SECRET, FakeRustfs, serving

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils import pool_lifecycle as lc
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

NOW = "2025-01-02T03:04:05Z"


class Cluster:
    """get (404 when absent) and delete, recorded: all pool_lifecycle asks of the client."""

    def __init__(self, *objects: dict[str, Any]) -> None:
        self.objects = {(o["kind"], o["metadata"]["name"]): o for o in objects}
        self.deleted: list[tuple[str, str, dict[str, Any]]] = []

    def resource(self, kind: str, api_version: str) -> Any:
        return SimpleNamespace(kind=kind, api_version=api_version)

    def get(self, resource: Any, name: str, namespace: str) -> dict[str, Any]:
        if (resource.kind, name) not in self.objects:
            raise NotFoundError(ApiException(status=404))
        return self.objects[(resource.kind, name)]

    def delete(self, resource: Any, name: str, namespace: str, body: dict[str, Any]) -> None:
        self.deleted.append((resource.kind, name, body))
        self.objects.pop((resource.kind, name), None)


def secret(name: str = "creds", access: str = ACCESS, secret_key: str = SECRET) -> dict[str, Any]:
    encode = lambda value: base64.b64encode(value.encode()).decode()  # noqa: E731
    return {
        "kind": "Secret",
        "metadata": {"name": name},
        "data": {"accesskey": encode(access), "secretkey": encode(secret_key)},
    }


def statefulset(name: str) -> dict[str, Any]:
    return {"kind": "StatefulSet", "metadata": {"name": name}}


def tenant(eng: Any, requests: list[dict[str, Any]] | None = None, **spec: Any) -> Any:
    document = eng.tenant("demo", "ns", pools=[eng.pool("a", 2, 2), eng.pool("b", 2, 2)], **spec)
    if requests is not None:
        document["spec"]["poolLifecycle"] = {"decommissionRequests": requests}
    return parse_tenant(document)


def start(pool: str = "a", request_id: str = "r1") -> dict[str, Any]:
    return {"poolName": pool, "requestId": request_id, "action": "Start"}


@pytest.fixture()
def rustfs() -> Iterator[tuple[FakeRustfs, str]]:
    fake = FakeRustfs(learn_pools=True)
    with serving(fake) as url:
        yield fake, url


def test_nothing_is_in_play_without_a_request_or_a_pool_in_flight(eng):
    assert not lc.in_play(tenant(eng), None)
    assert not lc.in_play(tenant(eng), {"pools": [{"name": "a", "lifecycleState": "Active"}, {"name": "b"}]})
    assert lc.in_play(tenant(eng, [start()]), None)
    assert lc.in_play(tenant(eng), {"pools": [{"name": "a", "lifecycleState": "Decommissioned"}]})


def test_admin_url_is_the_io_service_unless_an_endpoint_is_given(eng):
    assert lc.admin_url(tenant(eng), "cluster.local") == "http://demo-io.ns.svc.cluster.local:9000"
    tls = tenant(eng, tls={"mode": "certManager", "certManager": {"secretName": "s"}})
    assert lc.admin_url(tls, "example.org") == "https://demo-io.ns.svc.example.org:9000"
    assert lc.admin_url(tenant(eng), "cluster.local", "http://127.0.0.1:9000/") == "http://127.0.0.1:9000"


def test_credentials_come_from_the_secret_then_literal_env_then_rustfs_defaults(eng):
    with_secret = tenant(eng, credsSecret={"name": "creds"})
    found = lc.admin_credentials(Cluster(secret()), with_secret)
    assert (found.access_key, found.secret_key) == (ACCESS, SECRET)
    env = [{"name": "RUSTFS_ACCESS_KEY", "value": "from-env-1"}, {"name": "RUSTFS_SECRET_KEY", "value": "from-env-2"}]
    from_env = lc.admin_credentials(Cluster(), tenant(eng, env=env))
    assert (from_env.access_key, from_env.secret_key) == ("from-env-1", "from-env-2")
    default = lc.admin_credentials(Cluster(), tenant(eng))
    assert (default.access_key, default.secret_key) == lc.DEFAULT_CREDENTIALS


def test_a_secret_that_went_away_is_a_key_error_naming_it_not_its_values(eng):
    with pytest.raises(KeyError) as raised:
        lc.admin_credentials(Cluster(), tenant(eng, credsSecret={"name": "creds"}))
    assert "creds" in str(raised.value)


def test_no_admin_call_and_no_secret_read_when_nothing_is_in_flight(eng):
    cluster = Cluster()  # no Secret: reading it would fail
    result = lc.observe_and_plan(cluster, tenant(eng, credsSecret={"name": "creds"}), None, {"a", "b"}, NOW, "c.l")
    assert result.admin is None and result.plan.actions == [] and result.errors == []


def test_a_start_is_observed_planned_and_carried_out_signed(eng, rustfs):
    fake, url = rustfs
    cluster = Cluster(secret())
    subject = tenant(eng, [start()], credsSecret={"name": "creds"})
    result = lc.observe_and_plan(cluster, subject, None, {"a", "b"}, NOW, "cluster.local", url)
    assert [a.kind for a in result.plan.actions] == ["StartDecommission"]
    assert lc.carry_out(cluster, result, "ns", check_mode=False) == [
        {"kind": "Pool", "name": "a", "action": "decommission-started"}
    ]
    token = result.plan.actions[0].argument
    assert ("POST", "/rustfs/admin/v3/pools/decommission", token) in fake.calls
    assert result.plan.pools["a"].state == "Decommissioning"
    assert result.plan.requeue_seconds == 30


def test_check_mode_reports_without_calling(eng, rustfs):
    fake, url = rustfs
    cluster = Cluster(secret())
    result = lc.observe_and_plan(
        cluster, tenant(eng, [start()], credsSecret={"name": "creds"}), None, {"a"}, NOW, "c", url
    )
    assert lc.carry_out(cluster, result, "ns", check_mode=True) == [
        {"kind": "Pool", "name": "a", "action": "decommission-started"}
    ]
    assert [c for c in fake.calls if c[0] == "POST"] == []


def test_an_unreachable_admin_api_is_reported_on_the_pool_and_concludes_nothing(eng):
    previous = {
        "pools": [
            {"name": "a", "lifecycleState": "Decommissioning", "decommission": {"requestId": "r1", "phase": "Running"}}
        ]
    }
    result = lc.observe_and_plan(Cluster(), tenant(eng, [start()]), previous, {"a"}, NOW, "c", "http://127.0.0.1:1")
    assert result.plan.pools["a"].state == "Decommissioning"
    message = result.plan.pools["a"].decommission["message"]
    assert message.startswith("cannot read the decommission state from RustFS") and "127.0.0.1:1" in message
    assert result.errors == [message]
    assert "rustfsadmin" not in message


def test_a_refused_start_is_reported_and_retried_next_pass(eng, rustfs):
    fake, url = rustfs
    cluster = Cluster(secret())
    result = lc.observe_and_plan(
        cluster, tenant(eng, [start()], credsSecret={"name": "creds"}), None, {"a"}, NOW, "c", url
    )
    fake.fail_with = (400, b"<Error><Code>InvalidRequest</Code><Message>not enough space</Message></Error>")
    assert lc.carry_out(cluster, result, "ns", check_mode=False) == []
    message = result.plan.pools["a"].decommission["message"]
    assert "did not accept" in message and "not enough space" in message
    # What the status gets instead of the plan's "start requested".
    assert result.refused == ["a"]
    [item] = result.refused_items()
    assert item["name"] == "a" and item["decommission"]["message"] == message


def test_a_drained_pool_statefulset_is_deleted_in_the_foreground_and_only_once(eng):
    previous = {
        "pools": [
            {"name": "a", "lifecycleState": "Decommissioned", "decommission": {"requestId": "r1", "phase": "Complete"}}
        ]
    }
    cluster = Cluster(statefulset("demo-a"))
    result = lc.observe_and_plan(cluster, tenant(eng, [start()]), previous, {"a", "b"}, NOW, "c")
    assert result.admin is None  # a Decommissioned pool is never asked about again
    assert lc.carry_out(cluster, result, "ns", check_mode=False) == [
        {"kind": "StatefulSet", "name": "demo-a", "action": "deleted", "pool": "a", "cleanup": "decommissioned"}
    ]
    assert cluster.deleted == [("StatefulSet", "demo-a", {"propagationPolicy": "Foreground"})]
    # Already gone (deleted by someone else meanwhile): nothing to do, nothing reported.
    assert lc.carry_out(cluster, result, "ns", check_mode=False) == []


def test_a_deleted_statefulset_of_a_pool_removed_from_the_spec_says_so(eng):
    previous = {"pools": [{"name": "old", "lifecycleState": "Decommissioned", "decommission": {"requestId": "r1"}}]}
    cluster = Cluster(statefulset("demo-old"))
    result = lc.observe_and_plan(cluster, tenant(eng), previous, {"a", "b", "old"}, NOW, "c")
    assert lc.carry_out(cluster, result, "ns", check_mode=False) == [
        {"kind": "StatefulSet", "name": "demo-old", "action": "deleted", "pool": "old", "cleanup": "removed-from-spec"}
    ]


# --- a TLS tenant: the admin API's certificate is verified against the tenant's CA --------------


@pytest.fixture(scope="module")
def pki() -> dict[str, str]:
    ca_key = certs.generate_private_key("ECDSA")
    ca = certs.create_ca_certificate(ca_key, "tenant CA")
    key = certs.generate_private_key("ECDSA")
    leaf = certs.create_server_certificate(key, ca, ca_key, dns_names=["localhost"])
    return {"ca": ca, "leaf": leaf, "key": key}


def tls_tenant(eng: Any) -> Any:
    return tenant(eng, [start()], tls={"mode": "certManager", "certManager": {"secretName": "srv"}})


def ca_secret(ca: str) -> dict[str, Any]:
    return {"kind": "Secret", "metadata": {"name": "srv"}, "data": {"ca.crt": base64.b64encode(ca.encode()).decode()}}


def test_a_tls_tenant_admin_api_is_trusted_through_its_ca_secret(eng, pki):
    fake = FakeRustfs(access="rustfsadmin", secret="rustfsadmin", learn_pools=True)
    with serving(fake, tls=(pki["leaf"], pki["key"])) as url:
        cluster = Cluster(ca_secret(pki["ca"]))
        result = lc.observe_and_plan(cluster, tls_tenant(eng), None, {"a"}, NOW, "c", url)
        assert result.errors == []
        assert lc.carry_out(cluster, result, "ns", check_mode=False)[0]["action"] == "decommission-started"
    assert [c[0] for c in fake.calls] == ["GET", "POST"]


def test_without_the_tenant_ca_the_admin_api_is_not_trusted(eng, pki):
    fake = FakeRustfs(access="rustfsadmin", secret="rustfsadmin", learn_pools=True)
    with serving(fake, tls=(pki["leaf"], pki["key"])) as url:
        result = lc.observe_and_plan(Cluster(), tls_tenant(eng), None, {"a"}, NOW, "c", url)
    assert fake.calls == []  # nothing, not even the signed request, reached an untrusted server
    assert "CERTIFICATE_VERIFY_FAILED" in result.errors[0] or "certificate verify failed" in result.errors[0]


def test_a_plain_tenant_needs_no_trust(eng):
    assert lc.admin_trust(Cluster(), tenant(eng)) is None
