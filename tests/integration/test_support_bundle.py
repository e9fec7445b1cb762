"""The support bundle (issue 17, item 4): `rustfs.operator.support_bundle` on a real tenant.

A tenant whose Secrets hold planted values (test_planted_secrets.py: admin credentials, RPC secret,
TLS private key, local KMS master key) runs under an operator process of this machine; the bundle is
written with the operator's log file and metrics URL as sources (and its pods' namespace, where no
pod runs, so an unavailable source is recorded), unpacked, and checked: every file of the documented
layout is there and not empty, holds what it should, and no planted value is anywhere in it, raw or
base64, nor in the playbook's -vvv output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client
from operator_support import active_operator, label_tenant, wait_until
from support.playbook import run_playbook
from test_planted_secrets import (
    GROUP,
    PLURAL,
    VERSION,
    Capture,
    Planted,
    assert_checked,
    assert_no_leak,
    b64,
    capture_support_bundle,
    create_secrets,
    custom,
    needles,
    new_planted,
    secrets_for,
    settled,
    support_bundle,
    tenant_doc,
)

from ansible_collections.rustfs.operator.plugins.module_utils import support_bundle as sb

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crd")]

NAME = "bundled"


@pytest.fixture(scope="module")
def planted() -> Planted:
    return new_planted()


def load(root: Path, name: str) -> Any:
    text = (root / name).read_text()
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)


def items(root: Path, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = load(root, name)["items"]
    return found


def test_the_support_bundle_holds_everything_and_no_secret_value(
    api: client.ApiClient, namespace: str, operator_home: Any, planted: Planted, tmp_path: Path
) -> None:
    capture = Capture()
    core = client.CoreV1Api(api)
    with active_operator(operator_home, "bundle") as operator:
        tenant = label_tenant(tenant_doc(namespace, NAME), operator.instance)
        # A copy of a Secret's value where the bundle reads (what kubectl apply of a file holding the
        # Secrets and the Tenant could leave): the bundle must replace the annotation.
        annotation = json.dumps({"stringData": {"secretkey": planted.secret_key}})
        tenant["metadata"]["annotations"] = {sb.DROPPED_ANNOTATIONS[0]: annotation}
        # The provisioned user's Secret only where the tenant names a user (tenant_doc(provisioned=True)).
        secrets = [s for s in secrets_for(planted, tenant) if s["metadata"]["name"] != f"{NAME}-user"]
        ours = create_secrets(api, secrets)
        custom(api).create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, tenant)
        assert_checked(wait_until(lambda: settled(api, namespace, NAME, "Ready"), timeout=120, what=f"{NAME} Ready"))
        # The history is written by a reconcile that finds the tenant running well.
        wait_until(
            lambda: any(m.metadata.name == f"{NAME}-history" for m in core.list_namespaced_config_map(namespace).items),
            timeout=90,
            what="the history ConfigMap",
        )
        # Values where the bundle reads them, as a careless component could leave them: an Event about the
        # Tenant quoting the RPC secret raw and the KMS master key base64-encoded. Scrubbed by value.
        leak = f"rpc {planted.rpc_secret} kms {b64(planted.kms_master_key)}"
        core.create_namespaced_event(
            namespace,
            {
                "metadata": {"generateName": f"{NAME}-leak-"},
                "involvedObject": {"kind": "Tenant", "name": NAME, "namespace": namespace},
                "reason": "PlantedLeak",
                "message": leak,
                "type": "Warning",
            },
        )
        metrics_url = f"http://127.0.0.1:{operator.port}/metrics"
        sources = (
            f"operator_log_file={operator.log}",
            f"operator_metrics_url={metrics_url}",
            f"operator_namespace={operator_home[0]}",  # no operator pod there: recorded as unavailable
        )
        root = capture_support_bundle(capture, tmp_path, namespace, NAME, *sources)

        # Check mode reads everything and writes nothing.
        dest = tmp_path / "check"
        checked = run_playbook(
            "rustfs.operator.support_bundle",
            "--check",
            *("-e", f"tenant_namespace={namespace}", "-e", f"tenant_name={NAME}", "-e", f"dest={dest}"),
        )
        assert checked.returncode == 0 and checked.changed == 0, checked.output[-4000:]
        assert not dest.exists()
    log_text = operator.output()

    # Every file of the documented layout, none empty.
    present = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert present == sorted(sb.FILES)
    assert all((root / name).stat().st_size > 0 for name in sb.FILES)

    # What each holds.
    assert load(root, "tenant.yaml")["kind"] == "Tenant"
    assert load(root, "status.yaml")["currentState"] == "Ready"
    history = load(root, "history.yaml")
    assert history["metadata"]["name"] == f"{NAME}-history" and history["data"]["last-good.json"]["spec"]["pools"]
    for name, kind in (
        ("objects/statefulsets.yaml", "StatefulSet"),
        ("objects/services.yaml", "Service"),
        ("objects/serviceaccounts.yaml", "ServiceAccount"),
        ("objects/persistentvolumeclaims.yaml", "PersistentVolumeClaim"),
        ("objects/pods.yaml", "Pod"),
    ):
        found = items(root, name)
        assert found and {o["kind"] for o in found} == {kind}, name
        assert all("managedFields" not in o["metadata"] for o in found)
    listed = {s["name"]: s for s in items(root, "secrets.yaml")}
    assert set(ours) <= set(listed)
    for name in ours:
        assert listed[name]["data"] and set(listed[name]["data"].values()) == {sb.REDACTED}, listed[name]
    assert set(listed[f"{NAME}-tls"]["data"]) == {"tls.crt", "tls.key", "ca.crt"}
    events = items(root, "events.yaml")
    assert any(e["involvedObject"]["kind"] == "Tenant" for e in events)
    leaked = next(e for e in events if e["reason"] == "PlantedLeak")
    assert leaked["message"] == f"rpc {sb.REDACTED} kms {sb.REDACTED}"
    annotations = load(root, "tenant.yaml")["metadata"]["annotations"]
    assert annotations[sb.DROPPED_ANNOTATIONS[0]] == sb.REDACTED
    assert load(root, "summary.json")["redactions"] >= 2
    layout = load(root, "analysis/erasure-layout.yaml")
    assert layout["valid"] is True and layout["totals"]["drives"] == 1
    checks = load(root, "analysis/configuration-checks.yaml")
    assert checks["validation"] == [] and checks["secrets"] == []
    assert checks["configuration"]["problems"] == []
    logs = (root / "operator/logs.txt").read_text()
    assert f"==> file {operator.log}" in logs and f"{namespace}/{NAME}" in logs
    assert f"{namespace}/{NAME}" in log_text
    assert "no pod in" in logs  # the pods' logs: unavailable, and why
    assert "rustfs_operator_" in (root / "operator/metrics.txt").read_text()
    summary = load(root, "summary.json")
    by_source = {s["source"]: s for s in summary["sources"]}
    assert by_source[f"metrics from {metrics_url}"]["available"] is True
    assert by_source[f"logs from file {operator.log}"]["available"] is True
    pods_source = next(s for name, s in by_source.items() if name.startswith("logs from pods of"))
    assert pods_source["available"] is False and "no pod in" in pods_source["detail"]
    assert summary["files"] == list(sb.FILES) and summary["currentState"] == "Ready"
    readme = (root / "README.md").read_text()
    assert "UNAVAILABLE" in readme and "currentState: Ready" in readme

    # No planted value anywhere: the archive's files and the playbook's -vvv output.
    assert len(capture.texts) == len(sb.FILES) + 1
    assert_no_leak(needles(planted), capture.texts)


def test_a_bundle_of_a_tenant_that_does_not_exist_is_written_and_says_so(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    run, unpacked = support_bundle(tmp_path, namespace, "missing")
    assert run.changed == 1 and "not found" in run.output
    root = unpacked / f"rustfs-support-{namespace}-missing"
    assert all((root / name).stat().st_size > 0 for name in sb.FILES)
    summary = load(root, "summary.json")
    assert summary["tenantExists"] is False
    unavailable = {s["source"] for s in summary["sources"] if not s["available"]}
    assert {"tenant", "logs from pods", "logs from a file", "metrics"} <= unavailable
