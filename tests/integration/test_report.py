"""The compliance report (rustfs.operator.report) on the real control plane.

Three tenants in three namespaces that enforce different Pod Security levels: one with credentials and
a recorded successful operator run, one with TLS from a user Secret, one blocked because its RPC secret
is the RustFS default. The report runs as a ServiceAccount that may only get and list, so any write
would fail it; the resourceVersions of everything in the namespaces are unchanged afterwards, and no
credential value appears in its output or file.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import kube
import pytest
import yaml
from kubernetes import client
from support.playbook import run_playbook
from test_tls import make_ca, make_leaf, put_secret, tls_secret_data

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils import tls_names
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crd")]

ACCESS_KEY = "report-access-7f3a91c2"
SECRET_KEY = "report-secret-5be0d4a8e1"
LAST_RUN = "2026-12-01T10:00:00Z"
READ_ONLY = [
    {"apiGroups": ["rustfs.com"], "resources": ["tenants"], "verbs": ["get", "list"]},
    {
        "apiGroups": [""],
        "resources": ["namespaces", "secrets", "services", "serviceaccounts"],
        "verbs": ["get", "list"],
    },
    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["get", "list"]},
    # What the drift check compares.
    {"apiGroups": ["apps"], "resources": ["statefulsets"], "verbs": ["get", "list"]},
    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["get", "list"]},
]


def tenant_doc(name: str, namespace: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"pools": [{"name": "p", "servers": 2, "persistence": {"volumesPerServer": 1}}], **spec},
    }


def put_opaque(api: client.ApiClient, namespace: str, name: str, values: dict[str, str]) -> None:
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    client.CoreV1Api(api).create_namespaced_secret(
        namespace, client.V1Secret(metadata=client.V1ObjectMeta(name=name), data=data)
    )


def reconcile(api: client.ApiClient, tenant: dict[str, Any], tmp_path: Path) -> int:
    """The Tenant resource first (a blocked run applies nothing, but writes its status), then a playbook run."""
    kube.apply(api, tenant)
    done = run_playbook("rustfs.operator.tenant", extra_vars={"tenant": tenant, "wait": True}, tmp_dir=tmp_path)
    return done.returncode


def versions(api: client.ApiClient, namespaces: list[str]) -> dict[str, str]:
    """resourceVersion of every object a report could touch, by kind/namespace/name."""
    core, apps, policy = client.CoreV1Api(api), client.AppsV1Api(api), client.PolicyV1Api(api)
    rbac, custom = client.RbacAuthorizationV1Api(api), client.CustomObjectsApi(api)
    found: dict[str, str] = {}
    for ns in namespaces:
        found[f"Namespace/{ns}"] = core.read_namespace(ns).metadata.resource_version
        listers = {
            "StatefulSet": apps.list_namespaced_stateful_set,
            "Service": core.list_namespaced_service,
            "Secret": core.list_namespaced_secret,
            "ConfigMap": core.list_namespaced_config_map,
            "ServiceAccount": core.list_namespaced_service_account,
            "PersistentVolumeClaim": core.list_namespaced_persistent_volume_claim,
            "PodDisruptionBudget": policy.list_namespaced_pod_disruption_budget,
            "Role": rbac.list_namespaced_role,
            "RoleBinding": rbac.list_namespaced_role_binding,
        }
        for kind, lister in listers.items():
            for item in lister(ns).items:
                found[f"{kind}/{ns}/{item.metadata.name}"] = item.metadata.resource_version
        for item in custom.list_namespaced_custom_object("rustfs.com", "v1alpha1", ns, "tenants")["items"]:
            found[f"Tenant/{ns}/{item['metadata']['name']}"] = item["metadata"]["resourceVersion"]
    return found


def settled(api: client.ApiClient, namespaces: list[str]) -> dict[str, str]:
    """The versions once two reads a second apart agree (controllers finish their own writes first)."""
    previous: dict[str, str] = {}

    def probe() -> dict[str, str] | None:
        nonlocal previous
        current = versions(api, namespaces)
        same = current == previous
        previous = current
        if not same:
            time.sleep(1)
        return current if same else None

    return kube.wait_for(probe, timeout=60, what="the namespaces to settle")


@pytest.fixture
def namespaces(api: client.ApiClient) -> Any:
    made = [
        kube.create_namespace(api, f"it-report-{level}", labels={"pod-security.kubernetes.io/enforce": level})
        for level in ("restricted", "baseline", "privileged")
    ]
    yield made
    for name in made:
        kube.delete_namespace(api, name)


def test_the_report_judges_each_tenant_and_writes_nothing(
    api: client.ApiClient, namespaces: list[str], sa_kubeconfig: kube.SaKubeconfig, tmp_path: Path
) -> None:
    restricted, baseline, privileged = namespaces

    # 1. Credentials, restricted namespace, 4 servers; then an operator run recorded as Succeeded.
    put_opaque(api, restricted, "creds", {"accesskey": ACCESS_KEY, "secretkey": SECRET_KEY})
    creds = tenant_doc(
        "creds",
        restricted,
        credsSecret={"name": "creds"},
        pools=[{"name": "p", "servers": 4, "persistence": {"volumesPerServer": 1}}],
    )
    assert reconcile(api, creds, tmp_path) == 0
    client.CustomObjectsApi(api).patch_namespaced_custom_object_status(
        "rustfs.com",
        "v1alpha1",
        restricted,
        "tenants",
        "creds",
        {"status": {"lastRun": {"result": "Succeeded", "startedAt": LAST_RUN, "generation": 1}}},
    )

    # 2. TLS from a user Secret, baseline namespace.
    tls = tenant_doc("tls", baseline, tls={"mode": "certManager", "certManager": {"secretName": "own-tls"}})
    ca = make_ca()
    crt, key = make_leaf(ca, tls_names.tenant_dns_names(parse_tenant(tls)))
    put_secret(api, baseline, "own-tls", tls_secret_data(crt, key, ca[0]))
    assert reconcile(api, tls, tmp_path) == 0

    # 3. Blocked: its RPC secret is the RustFS default; its pods may escalate privileges (baseline).
    put_opaque(api, privileged, "rpc", {"rpc-secret": "rustfsadmin"})
    blocked = tenant_doc(
        "blocked",
        privileged,
        rpcSecret={"name": "rpc", "key": "rpc-secret"},
        containerSecurityContext={"allowPrivilegeEscalation": True},
    )
    assert reconcile(api, blocked, tmp_path) != 0

    reader = sa_kubeconfig(restricted, "report-reader", cluster_rules=READ_ONLY)
    before = settled(api, namespaces)
    dest = tmp_path / "report.yaml"
    vars_ = ["-e", f"namespaces={','.join(namespaces)}", "-e", f"kubeconfig={reader}"]
    written = run_playbook("rustfs.operator.report", *vars_, "-e", f"dest={dest}")
    assert written.returncode == 0, written.output
    assert written.changed == 1  # the file, nothing else
    table = run_playbook("rustfs.operator.report", *vars_)
    assert table.returncode == 0, table.output
    assert table.changed == 0
    again = run_playbook("rustfs.operator.report", *vars_, "-e", f"dest={dest}", "-e", "format=yaml")
    assert again.returncode == 0 and again.changed == 0, again.output
    assert "NAMESPACE" in table.stdout and "DEFAULT CREDS" in table.stdout, table.stdout
    assert "refused (blocked)" in table.stdout, table.stdout
    assert versions(api, namespaces) == before

    text = dest.read_text()
    for output in (written.output, table.output, again.output, text):
        for value in (ACCESS_KEY, SECRET_KEY, "rustfsadmin"):
            assert value not in output
            assert base64.b64encode(value.encode()).decode() not in output
        assert "PRIVATE KEY" not in output
    reports = {(r["namespace"], r["name"]): r for r in yaml.safe_load(text)["tenants"]}
    assert set(reports) == {(restricted, "creds"), (baseline, "tls"), (privileged, "blocked")}
    now = datetime.now(UTC)

    first = reports[(restricted, "creds")]
    assert first["state"] == "Ready"
    assert first["pod_security"] == {
        "namespace_enforce": "restricted",
        "pods": "restricted",
        "violations": [],
        "admitted": True,
    }
    assert first["tls"] == {"enabled": False}
    assert first["credentials"]["secret"] == "creds" and first["credentials"]["age_days"] == 0
    assert set(first["credentials"]) == {"secret", "created", "age_days"}
    assert first["default_credentials"] == {"state": "passed", "blocked": False, "reasons": []}
    assert first["pdbs"] == {"state": "complete", "pools": [{"pool": "p", "name": "creds-p", "present": True}]}
    (pool,) = first["erasure"]["pools"]
    assert (pool["set_drive_count"], pool["parity"], pool["servers_tolerated"], pool["drives_tolerated"]) == (
        4,
        2,
        1,
        1,
    )
    assert first["drift"] == {"state": "in-sync", "objects": []}
    assert first["last_reconcile"] == {"state": "succeeded", "at": LAST_RUN, "generation": 1}

    second = reports[(baseline, "tls")]
    assert second["pod_security"]["namespace_enforce"] == "baseline"
    assert (second["pod_security"]["pods"], second["pod_security"]["admitted"]) == ("restricted", True)
    not_after = certs.certificate_info(crt)["not_after"]
    expected_days = (datetime.fromisoformat(not_after) - now).days
    assert second["tls"]["enabled"] is True and second["tls"]["not_after"] == not_after
    assert second["tls"]["days_left"] in (expected_days, expected_days + 1)  # a day may turn between the two
    assert second["credentials"] == {"secret": None, "age_days": None, "why": "the Tenant names no spec.credsSecret"}
    assert second["default_credentials"]["state"] == "builtin"
    assert second["erasure"]["pools"][0]["servers_tolerated"] == 0
    assert second["drift"]["state"] == "in-sync", second["drift"]
    assert second["last_reconcile"]["state"] == "unknown" and "lastRun" in second["last_reconcile"]["why"]

    third = reports[(privileged, "blocked")]
    assert third["state"] == "Blocked"
    assert third["pod_security"]["namespace_enforce"] == "privileged"
    assert (third["pod_security"]["pods"], third["pod_security"]["admitted"]) == ("baseline", True)
    assert any("allowPrivilegeEscalation" in v for v in third["pod_security"]["violations"])
    defaults = third["default_credentials"]
    assert (defaults["state"], defaults["blocked"]) == ("refused", True)
    assert [(r["condition"], r["reason"]) for r in defaults["reasons"]] == [("RpcAuthReady", "RpcSecretInvalidValue")]
    # Blocked before any write: no PodDisruptionBudget, and every object the engine would apply is missing.
    assert third["pdbs"]["state"] == "missing"
    assert third["drift"]["state"] == "drifted"
    assert {"kind": "StatefulSet", "name": "blocked-p", "state": "missing"} in third["drift"]["objects"]


def test_an_unreadable_point_is_unknown_with_why(
    api: client.ApiClient, namespaces: list[str], sa_kubeconfig: kube.SaKubeconfig, tmp_path: Path
) -> None:
    restricted = namespaces[0]
    put_opaque(api, restricted, "creds", {"accesskey": ACCESS_KEY, "secretkey": SECRET_KEY})
    kube.apply(api, tenant_doc("unread", restricted, credsSecret={"name": "creds"}))
    # May read Tenants only: no namespace, no Secret, no PodDisruptionBudget.
    reader = sa_kubeconfig(
        restricted,
        "tenants-only",
        cluster_rules=[{"apiGroups": ["rustfs.com"], "resources": ["tenants"], "verbs": ["get", "list"]}],
    )
    done = run_playbook(
        "rustfs.operator.report",
        "-e",
        f"namespaces={restricted}",
        "-e",
        f"kubeconfig={reader}",
        "-e",
        "format=json",
        "-e",
        f"dest={tmp_path / 'report.json'}",
    )
    assert done.returncode == 0, done.output
    (report,) = yaml.safe_load((tmp_path / "report.json").read_text())["tenants"]
    assert report["pod_security"]["namespace_enforce"] == "unknown"
    assert report["pod_security"]["admitted"] == "unknown"
    assert "may not read namespace" in report["pod_security"]["why"]
    assert report["pdbs"]["state"] == "unknown" and "may not read" in report["pdbs"]["why"]
    assert (
        report["credentials"]["age_days"] == "unknown" and "may not read Secret creds" in report["credentials"]["why"]
    )
    assert report["default_credentials"]["state"] == "unknown"
    assert report["drift"]["state"] == "unknown" and "may not read" in report["drift"]["why"]
    assert report["state"] == "unknown"
