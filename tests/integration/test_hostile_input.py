"""Hostile Tenants on the real control plane, in playbook and operator mode (SECURITY.md).

A Tenant is written by whoever may create one; its strings must reach the API
exactly as written and never run as templates. Each payload would create a
canary file if Ansible templated it (support/hostile.py). Render mode has the
same tests without a cluster (tests/playbooks/test_hostile_input.py).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import kube
import pytest
import yaml
from kubernetes import client
from operator_support import OperatorProcess, active_operator, label_tenant, wait_until
from support.hostile import assert_carried, hostile_secret, hostile_tenant, payloads, tls_hostile_tenant
from support.playbook import PlaybookRun, run_playbook

from ansible_collections.rustfs.operator.plugins.module_utils.history import (
    ANNOTATION_ROLLBACK,
    ANNOTATION_ROLLBACK_HANDLED,
    history_configmap,
    last_good_record,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crd")]
GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"


def custom(api: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api)


def read_tenant(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = custom(api).get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
    return found


def statefulset(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    found = client.AppsV1Api(api).read_namespaced_stateful_set(name, namespace)
    plain: dict[str, Any] = api.sanitize_for_serialization(found)
    return plain


def tenant_play(tmp_path: Path, *args: str, **extra: Any) -> PlaybookRun:
    return run_playbook("rustfs.operator.tenant", *args, extra_vars=extra or None, tmp_dir=tmp_path)


def assert_clean(canary: Path, output: str) -> None:
    assert not canary.exists(), "a Tenant string was evaluated as a template"
    assert "Traceback" not in output


# --- playbook mode ------------------------------------------------------------------


def test_playbook_mode_applies_jinja_as_data(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    kube.apply(api, hostile_secret("hostile-creds", namespace, canary))
    tenant = hostile_tenant("hostile", namespace, canary, secret="hostile-creds")

    # -e @tenant.json: an extra var, which Ansible would template.
    first = tenant_play(tmp_path, tenant=tenant, wait=True, wait_timeout=120)
    assert first.returncode == 0, first.output
    assert_clean(canary, first.output)
    stored = read_tenant(api, namespace, "hostile")
    for key, value in tenant["metadata"]["annotations"].items():
        assert stored["metadata"]["annotations"][key] == value, key
    assert stored["spec"]["policies"] == tenant["spec"]["policies"]
    assert stored["spec"]["buckets"][0]["region"] == payloads(canary)["expression"]
    assert_carried(tenant, statefulset(api, namespace, "hostile-pool-0"))

    # The same Tenant from a file: nothing to do, so nothing is written.
    source = tmp_path / "tenant.yaml"
    source.write_text(yaml.safe_dump(tenant))
    again = tenant_play(tmp_path, "-e", f"tenant_file={source}")
    assert again.returncode == 0, again.output
    assert again.changed == 0, again.output
    assert_clean(canary, again.output)


def test_a_jinja_host_name_is_refused_as_data(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    tenant = tls_hostile_tenant("hostile-tls", namespace, canary)
    refused = tenant_play(tmp_path, tenant=tenant)
    assert refused.returncode != 0
    assert_clean(canary, refused.output)
    assert "spec.tls.certificates[1].hosts[0]" in refused.output, refused.output
    assert "lookup('ansible.builtin.pipe'" in refused.output, "the message quotes the host as written"
    assert not client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items


def test_rollback_restores_a_jinja_spec_as_data(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    """The last good spec comes back from a ConfigMap: data from the API, never a template."""
    canary = tmp_path / "canary"
    tenant = hostile_tenant("hostile", namespace, canary)
    done = tenant_play(tmp_path, tenant=tenant, wait=True, wait_timeout=120)
    assert done.returncode == 0, done.output
    stored = read_tenant(api, namespace, "hostile")
    live = [statefulset(api, namespace, "hostile-pool-0")]
    record = last_good_record(stored, live, [])
    assert record is not None
    kube.apply(api, history_configmap(stored, record))
    changed = copy.deepcopy(tenant)
    changed["spec"]["env"] = [{"name": "RUST_LOG", "value": "debug"}]
    assert tenant_play(tmp_path, tenant=changed).returncode == 0

    back = run_playbook(
        "rustfs.operator.rollback",
        extra_vars={"tenant_name": "hostile", "tenant_namespace": namespace},
        tmp_dir=tmp_path,
    )
    assert back.returncode == 0, back.output
    assert_clean(canary, back.output)
    assert read_tenant(api, namespace, "hostile")["spec"]["env"] == tenant["spec"]["env"]
    assert_carried(tenant, statefulset(api, namespace, "hostile-pool-0"))


# --- operator mode ------------------------------------------------------------------


@pytest.fixture(scope="module")
def operator(operator_home: Any) -> Any:
    with active_operator(operator_home, "hostile") as process:
        yield process


def create(api: client.ApiClient, tenant: dict[str, Any]) -> None:
    custom(api).create_namespaced_custom_object(GROUP, VERSION, tenant["metadata"]["namespace"], PLURAL, tenant)


def settled(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any] | None:
    """The Tenant once the operator has written its run of the current generation."""
    tenant = read_tenant(api, namespace, name)
    status = tenant.get("status") or {}
    generation = tenant["metadata"]["generation"]
    if status.get("observedGeneration") != generation or (status.get("lastRun") or {}).get("generation") != generation:
        return None
    return tenant


def test_operator_mode_applies_jinja_as_data(
    api: client.ApiClient, namespace: str, operator: OperatorProcess, tmp_path: Path
) -> None:
    canary = tmp_path / "canary"
    kube.apply(api, hostile_secret("hostile-creds", namespace, canary))
    plain = label_tenant(hostile_tenant("hostile", namespace, canary, secret="hostile-creds"), operator.instance)
    tls = label_tenant(tls_hostile_tenant("hostile-tls", namespace, canary), operator.instance)
    # A batch too: two more tenants created at once share a run when the workers are busy.
    others = []
    for index in range(2):
        other = copy.deepcopy(plain)
        other["metadata"]["name"] = f"hostile-{index}"
        others.append(other)
    for tenant in (plain, tls, *others):
        create(api, tenant)

    def workloads_ready() -> bool:
        """Everything applied and running; its policies, users and buckets wait for a RustFS that this
        operator cannot reach (no admin endpoint is set here), which the status says as data."""
        conditions = {
            c["type"]: c for c in (settled(api, namespace, "hostile") or {}).get("status", {}).get("conditions", [])
        }
        provisioning = conditions.get("ProvisioningReady", {})
        return (
            conditions.get("WorkloadsReady", {}).get("status"),
            provisioning.get("status"),
            provisioning.get("reason"),
        ) == (
            "True",
            "Unknown",
            "AdminApiUnreachable",
        )

    wait_until(workloads_ready, timeout=120, what="hostile applied and running")
    assert_carried(plain, statefulset(api, namespace, "hostile-pool-0"))
    for other in others:
        wait_until(lambda o=other: settled(api, namespace, o["metadata"]["name"]), timeout=120, what="others")
        assert_carried(other, statefulset(api, namespace, f"{other['metadata']['name']}-pool-0"))

    blocked = wait_until(lambda: settled(api, namespace, "hostile-tls"), timeout=120, what="tls settled")
    conditions = {c["type"]: c for c in blocked["status"]["conditions"]}
    assert conditions["Ready"]["status"] == "False"
    assert payloads(canary)["expression"] in json.dumps(blocked["status"])

    # A rollback request is a Tenant annotation: it reaches the rollback playbook as data.
    request = payloads(canary)["statement"]
    custom(api).patch_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "hostile", {"metadata": {"annotations": {ANNOTATION_ROLLBACK: request}}}
    )
    wait_until(
        lambda: (
            (read_tenant(api, namespace, "hostile")["metadata"].get("annotations") or {}).get(
                ANNOTATION_ROLLBACK_HANDLED
            )
            == request
        ),
        timeout=120,
        what="the rollback answered, with the request as written",
    )
    assert_clean(canary, operator.output())


def odd_tenants(namespace: str, canary: Path) -> dict[str, dict[str, Any]]:
    """Valid-looking Tenants that test the edges of every parser on the way: named by what they try."""
    p = payloads(canary)

    def tenant(**spec: Any) -> dict[str, Any]:
        pool = {"name": "p", "servers": 1, "persistence": {"volumesPerServer": 1}}
        pool.update(spec.pop("pool", {}))
        return {
            "apiVersion": "rustfs.com/v1alpha1",
            "kind": "Tenant",
            "metadata": {"namespace": namespace, "annotations": spec.pop("annotations", {})},
            "spec": {"pools": [pool], **spec},
        }

    return {
        "image-jinja": tenant(image=p["expression"]),
        "image-digest": tenant(image="registry.example.com:5000/a/b@sha256:" + "0" * 64),
        "image-empty": tenant(image=""),
        "annotation-large": tenant(annotations={"example.com/big": p["expression"] * 4000}),
        "unicode": tenant(
            annotations={"example.com/u": "\u00e9\u2028\U0001f600\u0000\ufeff"},
            env=[{"name": "U", "value": "\u0085\u00a0\U0001f600 {{ 'x' }}"}],
        ),
        "env-duplicate": tenant(env=[{"name": "A", "value": "1"}, {"name": "A", "value": p["statement"]}]),
        "env-reserved": tenant(env=[{"name": "RUSTFS_VOLUMES", "value": p["expression"]}]),
        "env-secret-missing": tenant(
            env=[{"name": "S", "valueFrom": {"secretKeyRef": {"name": "nope", "key": p["tight"]}}}]
        ),
        "env-empty-value": tenant(env=[{"name": "E", "value": ""}, {"name": "F"}]),
        "creds-missing": tenant(credsSecret={"name": "missing-creds"}),
        "rpc-secret-odd": tenant(rpcSecret={"name": "missing-rpc", "key": p["tight"]}),
        "storage-odd": tenant(
            pool={
                "persistence": {
                    "volumesPerServer": 1,
                    "volumeClaimTemplate": {"accessModes": [], "resources": {"requests": {"storage": "1Ei"}}},
                }
            }
        ),
        "storage-class-missing": tenant(
            pool={"persistence": {"volumesPerServer": 1, "volumeClaimTemplate": {"storageClassName": "nope"}}}
        ),
        "path-odd": tenant(pool={"persistence": {"volumesPerServer": 1, "path": "/../../{{ x }}//"}}),
        "resources-odd": tenant(pool={"resources": {"limits": {"memory": "1e3", "cpu": "0.0001"}}}),
        "priority-missing": tenant(priorityClassName=p["tight"][:60].lower()),
        "scheduler-jinja": tenant(scheduler=p["expression"]),
        "node-selector-jinja": tenant(pool={"nodeSelector": {"example.com/x": p["expression"]}}),
        "lifecycle-odd": tenant(lifecycle={"preStop": {"exec": {"command": []}}}),
        "tls-external": tenant(tls={"mode": "external"}),
        "tls-hot-reload": tenant(tls={"mode": "certManager", "rotationStrategy": "HotReload"}),
        "tls-mount-relative": tenant(tls={"mode": "certManager", "mountPath": p["expression"]}),
        "encryption-odd": tenant(
            encryption={"enabled": True, "backend": "vault", "vault": {"endpoint": p["expression"]}}
        ),
        "logging-odd": tenant(logging={"mode": "persistent", "storageSize": "-1Gi"}),
        "lifecycle-pool-missing": tenant(poolLifecycle=[{"name": "gone", "state": "Decommissioned"}]),
        "many-pools": {
            **tenant(),
            "spec": {
                "pools": [{"name": f"p{i}", "servers": 1, "persistence": {"volumesPerServer": 1}} for i in range(32)]
            },
        },
        "rollback-jinja": tenant(annotations={ANNOTATION_ROLLBACK: p["expression"]}),
        "security-context-odd": tenant(
            securityContext={"runAsUser": 0, "runAsNonRoot": True, "seLinuxOptions": {"level": p["expression"]}}
        ),
    }


def test_the_operator_logs_no_traceback_for_hostile_input(
    api: client.ApiClient, namespace: str, operator: OperatorProcess, tmp_path: Path
) -> None:
    """Each Tenant is refused by the CRD, refused with a status reason, or applied: never a crash."""
    canary = tmp_path / "canary"
    created = []
    for name, tenant in odd_tenants(namespace, canary).items():
        tenant["metadata"]["name"] = name
        label_tenant(tenant, operator.instance)
        try:
            create(api, tenant)
        except client.ApiException as error:
            assert error.status == 422, (name, error.status, error.body)  # refused by the CRD
            continue
        created.append(name)
    assert len(created) > 20
    runs = {}
    for name in created:
        found = wait_until(lambda n=name: settled(api, namespace, n), timeout=240, what=f"{name} settled")
        runs[name] = (found["status"]["lastRun"]["result"], found["status"].get("conditions"))
    output = operator.output()
    assert_clean(canary, output)
    assert '"level": "ERROR"' not in output, [line for line in output.splitlines() if '"ERROR"' in line][:3]
    # Applied, or refused with a reason in the status: no run failed.
    failed = {name: run for name, run in runs.items() if run[0] not in ("Succeeded", "Blocked")}
    assert not failed, failed
    reasons = {
        name: next(c["reason"] for c in conditions if c["type"] == "Ready")
        for name, (result, conditions) in runs.items()
        if result == "Blocked"
    }
    # The API server's own refusals of a StatefulSet are named as the RustFS operator names them, on
    # WorkloadsReady; the tenant is Degraded, as there, and nothing more is applied (lastRun Blocked).
    for name in ("storage-odd", "lifecycle-odd"):
        assert reasons[name] == "StatefulSetApplyFailed", (name, runs[name])
        workloads = next(c for c in runs[name][1] if c["type"] == "WorkloadsReady")
        assert (workloads["status"], workloads["reason"]) == ("False", "StatefulSetApplyFailed"), workloads
        assert read_tenant(api, namespace, name)["status"]["currentState"] == "Degraded"
    assert runs["unicode"][0] == "Succeeded", runs["unicode"]
    # Beyond the BMP, NEL and NUL: the apply body (YAML to the API server) keeps every character.
    env = {
        e["name"]: e.get("value")
        for e in statefulset(api, namespace, "unicode-p")["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["U"] == "\u0085\u00a0\U0001f600 {{ 'x' }}"
