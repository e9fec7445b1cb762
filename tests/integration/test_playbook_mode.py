"""Playbook mode on the real control plane: create, rerun, update, refuse, delete."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from support.playbook import PlaybookRun, example_documents, example_tenant, reconcile_result, run_playbook

pytestmark = pytest.mark.integration

EXAMPLES = ["simple-tenant.yaml", "multi-pool-tenant.yaml", "minimal-dev-tenant.yaml", "secret-credentials-tenant.yaml"]


@pytest.fixture(scope="module", autouse=True)
def tenant_crd(kubeconfig: Path) -> None:
    """Installed by the collection's own playbook, which a second run must leave unchanged."""
    for _ in range(2):
        installed = run_playbook("rustfs.operator.install_crds")
        assert installed.returncode == 0, installed.output
    assert installed.changed == 0, installed.output


def tenant_play(tenant: dict[str, Any], tmp_path: Path, *args: str, **extra: Any) -> PlaybookRun:
    return run_playbook("rustfs.operator.tenant", *args, extra_vars={"tenant": tenant, **extra}, tmp_dir=tmp_path)


def custom(api: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api)


def read_tenant(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    obj: dict[str, Any] = custom(api).get_namespaced_custom_object("rustfs.com", "v1alpha1", namespace, "tenants", name)
    return obj


def statefulsets(api: client.ApiClient, namespace: str) -> dict[str, client.V1StatefulSet]:
    return {s.metadata.name: s for s in client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items}


def resource_versions(api: client.ApiClient, namespace: str) -> dict[str, str]:
    """Every object the collection writes, keyed by kind/name."""
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    versions = {
        f"StatefulSet/{s.metadata.name}": s.metadata.resource_version
        for s in apps.list_namespaced_stateful_set(namespace).items
    }
    versions |= {
        f"Service/{s.metadata.name}": s.metadata.resource_version for s in core.list_namespaced_service(namespace).items
    }
    versions |= {
        f"ServiceAccount/{s.metadata.name}": s.metadata.resource_version
        for s in core.list_namespaced_service_account(namespace).items
    }
    versions |= {
        f"PVC/{c.metadata.name}": c.metadata.resource_version
        for c in core.list_namespaced_persistent_volume_claim(namespace).items
    }
    for tenant in custom(api).list_namespaced_custom_object("rustfs.com", "v1alpha1", namespace, "tenants")["items"]:
        versions[f"Tenant/{tenant['metadata']['name']}"] = tenant["metadata"]["resourceVersion"]
    return versions


def env_of(statefulset: client.V1StatefulSet) -> dict[str, str | None]:
    return {e.name: e.value for e in statefulset.spec.template.spec.containers[0].env}


def create_secret(api: client.ApiClient, namespace: str, name: str, data: dict[str, bytes]) -> None:
    client.CoreV1Api(api).create_namespaced_secret(
        namespace,
        client.V1Secret(
            metadata=client.V1ObjectMeta(name=name), data={k: base64.b64encode(v).decode() for k, v in data.items()}
        ),
    )


def wait_ready(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    """With wait=true the run writes its status after the rollout, so Ready is there at once."""

    def ready() -> dict[str, Any] | None:
        tenant = read_tenant(api, namespace, name)
        return tenant if tenant.get("status", {}).get("currentState") == "Ready" else None

    return kube.wait_for(ready, timeout=60, what=f"tenant {name} Ready")


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_is_created_ready_and_a_rerun_changes_nothing(
    example: str, api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant(example, namespace)
    for doc in example_documents(example):
        if doc["kind"] == "Secret":
            doc["metadata"]["namespace"] = namespace
            kube.apply(api, doc)
    first = tenant_play(tenant, tmp_path, wait=True, wait_timeout=120)
    assert first.returncode == 0, first.output
    assert first.changed > 0

    name = tenant["metadata"]["name"]
    stored = wait_ready(api, namespace, name)
    pools = tenant["spec"]["pools"]
    assert stored["status"]["observedGeneration"] == stored["metadata"]["generation"]
    assert [p["state"] for p in stored["status"]["pools"]] == ["RolloutComplete"] * len(pools)
    sets = statefulsets(api, namespace)
    for pool in pools:
        sts = sets[f"{name}-{pool['name']}"]
        assert sts.status.ready_replicas == pool["servers"]
        owner = sts.metadata.owner_references[0]
        assert (owner.kind, owner.name, owner.uid, owner.controller) == (
            "Tenant",
            name,
            stored["metadata"]["uid"],
            True,
        )
    claims = client.CoreV1Api(api).list_namespaced_persistent_volume_claim(namespace).items
    assert len(claims) == sum(p["servers"] * p["persistence"]["volumesPerServer"] for p in pools)
    assert all(c.status.phase == "Bound" for c in claims)

    before = resource_versions(api, namespace)
    again = tenant_play(tenant, tmp_path)
    assert again.returncode == 0, again.output
    assert again.changed == 0, again.output
    assert resource_versions(api, namespace) == before
    # The operator's entry point on the stored Tenant: nothing to do means no API write at all.
    _, result = reconcile_result(read_tenant(api, namespace, name), tmp_path)
    assert (result["writes"], result["changed"], result["blocked"]) == (0, [], False), result
    assert resource_versions(api, namespace) == before


def test_phases_run_alone_with_a_users_task_between_them(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    """The tenant role's phase files and the pool role, run by hand with a review step between plan and apply."""
    tenant = example_tenant("multi-pool-tenant.yaml", namespace)
    playbook = tmp_path / "phases.yml"
    playbook.write_text(
        """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    tenant_definition: "{{ tenant }}"
    tenant_manage_resource: true
    tenant_wait: true
    tenant_wait_timeout: 120
  tasks:
    - name: Plan (writes nothing)
      ansible.builtin.include_role:
        name: rustfs.operator.tenant
        tasks_from: validate.yml
    - name: Review the plan
      ansible.builtin.assert:
        that:
          - not tenant_progress.blocked
          - tenant_progress.pools == ['pool-0', 'pool-1']
    - name: Shared objects
      ansible.builtin.include_role:
        name: rustfs.operator.tenant
        tasks_from: shared.yml
    - name: Each pool
      ansible.builtin.include_role:
        name: rustfs.operator.pool
      vars:
        pool_name: "{{ item }}"
        pool_progress: "{{ tenant_progress }}"
      loop: "{{ tenant_progress.pools }}"
    - name: Status
      ansible.builtin.include_role:
        name: rustfs.operator.tenant
        tasks_from: status.yml
    - name: Show what this run changed
      ansible.builtin.debug:
        msg: >-
          changed {{ tenant_progress.changes | map(attribute='kind')
          | zip(tenant_progress.changes | map(attribute='name')) | map('join', '/') | join(' ') }}
"""
    )
    first = run_playbook(str(playbook), extra_vars={"tenant": tenant}, tmp_dir=tmp_path)
    assert first.returncode == 0, first.output
    sets = statefulsets(api, namespace)
    assert set(sets) == {"multi-pool-tenant-pool-0", "multi-pool-tenant-pool-1"}, sets
    # The status phase saw both pools' changes: it continued the last pool's record, not the plan's.
    stored = read_tenant(api, namespace, "multi-pool-tenant")
    assert {p["ssName"] for p in stored["status"]["pools"]} == set(sets), stored["status"]
    # The status phase continued the last pool's record (else these changes would be missing from it).
    assert "StatefulSet/multi-pool-tenant-pool-0 " in first.stdout, first.output
    assert "StatefulSet/multi-pool-tenant-pool-1" in first.stdout, first.output
    # Each pool waited for its rollout, so the status the first run wrote is already the settled one.
    assert all(p["state"] == "RolloutComplete" for p in stored["status"]["pools"]), stored["status"]
    settled = resource_versions(api, namespace)
    again = run_playbook(str(playbook), extra_vars={"tenant": tenant}, tmp_dir=tmp_path)
    assert again.returncode == 0 and again.changed == 0, again.output
    assert resource_versions(api, namespace) == settled


def test_tags_pick_phases_and_refusals_still_hold(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    """--tags pools runs the plan and the pools only; a refused change is refused there too."""
    tenant = example_tenant("simple-tenant.yaml", namespace)
    tenant["spec"]["env"] = [{"name": "RUST_LOG", "value": "info"}]
    only_plan = tenant_play(tenant, tmp_path, "--tags", "validate")
    assert only_plan.returncode == 0, only_plan.output
    assert statefulsets(api, namespace) == {}
    assert "Shared objects" not in only_plan.stdout, only_plan.output

    pools = tenant_play(tenant, tmp_path, "--tags", "pools", wait=True, wait_timeout=120)
    assert pools.returncode == 0, pools.output
    assert "Shared objects" not in pools.stdout and "Status |" not in pools.stdout, pools.output
    sts = statefulsets(api, namespace)["example-tenant-primary"]
    assert env_of(sts)["RUST_LOG"] == "info"
    # Settled (the claims bound, the pods ready) before the snapshot: only our writes may move it.
    core = client.CoreV1Api(api)
    kube.wait_for(
        lambda: all(c.status.phase == "Bound" for c in core.list_namespaced_persistent_volume_claim(namespace).items),
        what="the claims bound",
    )

    shrunk = copy.deepcopy(tenant)
    shrunk["spec"]["pools"][0]["servers"] -= 1
    shrunk["spec"]["env"] = [{"name": "RUST_LOG", "value": "debug"}]
    before = resource_versions(api, namespace)
    refused = tenant_play(shrunk, tmp_path, "--tags", "pools")
    assert refused.returncode != 0, refused.output
    assert "servers cannot change" in refused.output, refused.output
    assert resource_versions(api, namespace) == before
    assert env_of(statefulsets(api, namespace)["example-tenant-primary"])["RUST_LOG"] == "info"


def test_env_change_rolls_and_added_pool_updates_every_pool(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant("simple-tenant.yaml", namespace)
    assert tenant_play(tenant, tmp_path).returncode == 0
    sts = statefulsets(api, namespace)["example-tenant-primary"]
    revision = sts.status.update_revision

    tenant["spec"]["env"] = [{"name": "RUST_LOG", "value": "debug"}]
    changed = tenant_play(tenant, tmp_path)
    assert changed.returncode == 0, changed.output
    rolled = kube.wait_for(
        lambda: (s := statefulsets(api, namespace)["example-tenant-primary"]).status.update_revision != revision and s,
        what="a new StatefulSet revision",
    )
    assert env_of(rolled)["RUST_LOG"] == "debug"

    tenant["spec"]["pools"].append({"name": "second", "servers": 2, "persistence": {"volumesPerServer": 1}})
    grown = tenant_play(tenant, tmp_path)
    assert grown.returncode == 0, grown.output
    sets = statefulsets(api, namespace)
    assert set(sets) == {"example-tenant-primary", "example-tenant-second"}
    volumes = {env_of(s)["RUSTFS_VOLUMES"] for s in sets.values()}
    assert len(volumes) == 1
    assert volumes.pop().endswith(
        f"http://example-tenant-second-{{0...1}}.example-tenant-hl.{namespace}.svc.cluster.local:9000/data/rustfs{{0...0}}"
    )


FORBIDDEN: list[tuple[str, Any, str, str]] = [
    (
        "servers",
        lambda t: t["spec"]["pools"][0].update(servers=3),
        "spec.pools[0].servers",
        "StatefulSetUpdateValidationFailed",
    ),
    (
        "volumesPerServer",
        lambda t: t["spec"]["pools"][0]["persistence"].update(volumesPerServer=3),
        "spec.pools[0].persistence.volumesPerServer",
        "StatefulSetUpdateValidationFailed",
    ),
    (
        "storage class",
        lambda t: t["spec"]["pools"][0]["persistence"].update(
            volumeClaimTemplate={
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "other",
                "resources": {"requests": {"storage": "10Gi"}},
            }
        ),
        "storageClassName",
        "StatefulSetUpdateValidationFailed",
    ),
    (
        "smaller size",
        lambda t: t["spec"]["pools"][0]["persistence"].update(
            volumeClaimTemplate={"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}
        ),
        "resources.requests.storage",
        "StatefulSetUpdateValidationFailed",
    ),
    (
        "access modes",
        lambda t: t["spec"]["pools"][0]["persistence"].update(
            volumeClaimTemplate={"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "10Gi"}}}
        ),
        "accessModes",
        "StatefulSetUpdateValidationFailed",
    ),
    ("pool removal", lambda t: t["spec"]["pools"].pop(1), "spec.pools", "PoolDeleteBlocked"),
    (
        "pool rename",
        lambda t: t["spec"]["pools"][1].update(name="renamed"),
        "spec.pools[].name",
        "ImmutableFieldModified",
    ),
]


@pytest.mark.parametrize(("change", "mutate", "field", "reason"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_forbidden_change_is_refused_and_the_cluster_is_unchanged(
    change: str, mutate: Any, field: str, reason: str, api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant("multi-pool-tenant.yaml", namespace)
    tenant["spec"]["pools"] = [
        {"name": "pool-0", "servers": 2, "persistence": {"volumesPerServer": 2}},
        {"name": "pool-1", "servers": 2, "persistence": {"volumesPerServer": 1}},
    ]
    created = tenant_play(tenant, tmp_path, wait=True, wait_timeout=120)
    assert created.returncode == 0, created.output
    wait_ready(api, namespace, "multi-pool-tenant")
    before = resource_versions(api, namespace)
    spec_before = read_tenant(api, namespace, "multi-pool-tenant")["spec"]

    bad = copy.deepcopy(tenant)
    mutate(bad)
    refused = tenant_play(bad, tmp_path)
    assert refused.returncode != 0
    assert field in refused.output and reason in refused.output, refused.output
    assert "nothing was changed" in refused.output

    after = resource_versions(api, namespace)
    assert {k: v for k, v in after.items() if not k.startswith("Tenant/")} == {
        k: v for k, v in before.items() if not k.startswith("Tenant/")
    }
    stored = read_tenant(api, namespace, "multi-pool-tenant")
    assert stored["spec"] == spec_before
    assert stored["status"]["currentState"] == "Blocked"
    ready = next(c for c in stored["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", reason)
    events = client.CoreV1Api(api).list_namespaced_event(namespace).items
    assert any(e.type == "Warning" and e.involved_object.name == "multi-pool-tenant" for e in events)
    if reason == "StatefulSetUpdateValidationFailed":
        # Both Warning events, as the RustFS operator posts them.
        posted = {e.reason for e in events if e.type == "Warning" and e.involved_object.name == "multi-pool-tenant"}
        assert {"StatefulSetUpdateValidationFailed", "StatefulSetUpdateBlocked"} <= posted, posted


CREDENTIAL_CASES = [
    ("missing", None, "CredentialSecretNotFound"),
    ("no secretkey", {"accesskey": b"longenough1"}, "CredentialSecretMissingKey"),
    (
        "not utf-8",
        {"accesskey": b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "secretkey": b"longenough1"},
        "CredentialSecretInvalidEncoding",
    ),
    ("too short", {"accesskey": b"short", "secretkey": b"longenough1"}, "CredentialSecretTooShort"),
]


@pytest.mark.parametrize(("case", "data", "reason"), CREDENTIAL_CASES, ids=[c[0] for c in CREDENTIAL_CASES])
def test_bad_credentials_secret_is_refused_before_anything_is_applied(
    case: str, data: dict[str, bytes] | None, reason: str, api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant("secret-credentials-tenant.yaml", namespace)
    if data is not None:
        create_secret(api, namespace, "rustfs-credentials", data)
    refused = tenant_play(tenant, tmp_path)
    assert refused.returncode != 0
    assert reason in refused.output and "rustfs-credentials" in refused.output, refused.output
    assert statefulsets(api, namespace) == {}
    assert "longenough1" not in refused.output


def test_the_kms_secret_is_checked_before_anything_is_applied(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant("simple-tenant.yaml", namespace)
    tenant["spec"]["encryption"] = {
        "enabled": True,
        "backend": "vault",
        "vault": {"endpoint": "https://vault.example:8200"},
        "kmsSecret": {"name": "vault-kms"},
    }
    token = b"Vault-Planted-Token-5M"
    for data, reason in ((None, "KmsSecretNotFound"), ({"other": token}, "KmsSecretMissingKey")):
        if data is not None:
            create_secret(api, namespace, "vault-kms", data)
        refused = tenant_play(tenant, tmp_path, "-vvv")
        assert refused.returncode != 0
        assert reason in refused.output and "vault-kms" in refused.output, refused.output
        assert token.decode() not in refused.output and base64.b64encode(token).decode() not in refused.output
        assert statefulsets(api, namespace) == {}  # refused before anything is applied, the Tenant included

    client.CoreV1Api(api).delete_namespaced_secret("vault-kms", namespace)
    create_secret(api, namespace, "vault-kms", {"vault-token": token})
    done = tenant_play(tenant, tmp_path, "-vvv")
    assert done.returncode == 0, done.output
    assert token.decode() not in done.output and base64.b64encode(token).decode() not in done.output
    assert statefulsets(api, namespace)
    status = read_tenant(api, namespace, tenant["metadata"]["name"])["status"]
    assert next(c for c in status["conditions"] if c["type"] == "KmsReady")["status"] == "True"

    # Once the Tenant exists, a refusal is in its status too.
    client.CoreV1Api(api).delete_namespaced_secret("vault-kms", namespace)
    create_secret(api, namespace, "vault-kms", {"other": token})
    refused = tenant_play(tenant, tmp_path)
    assert refused.returncode != 0 and "KmsSecretMissingKey" in refused.output, refused.output
    status = read_tenant(api, namespace, tenant["metadata"]["name"])["status"]
    kms = next(c for c in status["conditions"] if c["type"] == "KmsReady")
    assert (status["currentState"], kms["status"], kms["reason"]) == ("Blocked", "False", "KmsSecretMissingKey")
    assert token.decode() not in json.dumps(status)


def test_generated_credentials_are_created_once_and_never_printed(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant("secret-credentials-tenant.yaml", namespace)
    first = tenant_play(tenant, tmp_path, "-vvv", generate_credentials=True)
    assert first.returncode == 0, first.output
    secret = client.CoreV1Api(api).read_namespaced_secret("rustfs-credentials", namespace)
    values = [base64.b64decode(v).decode() for v in secret.data.values()]
    assert all(len(v) >= 20 for v in values)
    assert not any(v in first.output for v in values)
    second = tenant_play(tenant, tmp_path, generate_credentials=True)
    assert second.returncode == 0, second.output
    assert client.CoreV1Api(api).read_namespaced_secret("rustfs-credentials", namespace).data == secret.data


def test_check_mode_changes_nothing(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    tenant = example_tenant("simple-tenant.yaml", namespace)
    dry = tenant_play(tenant, tmp_path, "--check", "--diff")
    assert dry.returncode == 0, dry.output
    assert dry.changed > 0
    assert statefulsets(api, namespace) == {}
    with pytest.raises(ApiException) as missing:
        read_tenant(api, namespace, "example-tenant")
    assert missing.value.status == 404


def test_delete_keeps_volumes_unless_asked(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    tenant = example_tenant("simple-tenant.yaml", namespace)
    assert tenant_play(tenant, tmp_path).returncode == 0
    core = client.CoreV1Api(api)
    claims = {c.metadata.name for c in core.list_namespaced_persistent_volume_claim(namespace).items}
    assert len(claims) == 4

    deleted = tenant_play(tenant, tmp_path, state="absent")
    assert deleted.returncode == 0, deleted.output
    assert "Kept the PersistentVolumeClaims" in deleted.output
    kube.wait_for(lambda: not statefulsets(api, namespace), what="StatefulSets gone")
    assert not [s for s in core.list_namespaced_service(namespace).items if s.metadata.name.startswith("example")]
    assert {c.metadata.name for c in core.list_namespaced_persistent_volume_claim(namespace).items} == claims

    purge = tenant_play(tenant, tmp_path, state="absent", delete_volumes=True)
    assert purge.returncode == 0, purge.output
    kube.wait_for(
        lambda: (
            not [
                c
                for c in core.list_namespaced_persistent_volume_claim(namespace).items
                if c.metadata.deletion_timestamp is None
            ]
        ),
        what="claims deleted",
    )


def test_rendered_pods_are_admitted_under_pod_security_restricted(api: client.ApiClient, tmp_path: Path) -> None:
    namespace = kube.create_namespace(
        api,
        "it-restricted",
        labels={
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
        },
    )
    try:
        tenant = example_tenant("simple-tenant.yaml", namespace)
        assert tenant_play(tenant, tmp_path).returncode == 0
        pods = kube.wait_for(
            lambda: len(items := client.CoreV1Api(api).list_namespaced_pod(namespace).items) == 2 and items,
            what="both pods admitted",
        )
        assert {p.metadata.name for p in pods} == {"example-tenant-primary-0", "example-tenant-primary-1"}
    finally:
        kube.delete_namespace(api, namespace)


def test_check_mode_on_a_running_tenant_shows_the_change_and_writes_nothing(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant("simple-tenant.yaml", namespace)
    assert tenant_play(tenant, tmp_path, wait=True).returncode == 0
    before = resource_versions(api, namespace)
    tenant["spec"]["env"] = [{"name": "RUST_LOG", "value": "trace"}]
    dry = tenant_play(tenant, tmp_path, "--check", "--diff")
    assert dry.returncode == 0, dry.output
    assert "trace" in dry.stdout  # the diff names the new value
    assert resource_versions(api, namespace) == before


def test_reconcile_playbook_reports_a_result_and_does_not_fail_when_blocked(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    """The operator's entry point: a stored Tenant in, owned children and a machine-readable result out."""
    tenant = example_tenant("minimal-dev-tenant.yaml", namespace)
    tenant["spec"]["createServiceAccountRbac"] = True
    tenant["spec"]["credsSecret"] = {"name": "creds"}
    create_secret(api, namespace, "creds", {"accesskey": b"accesskey1", "secretkey": b"secretkey1"})
    kube.apply(api, tenant)
    stored = read_tenant(api, namespace, "dev-minimal")

    done = run_playbook("rustfs.operator.reconcile", extra_vars={"tenant": stored}, tmp_dir=tmp_path)
    assert done.returncode == 0, done.output
    sts = statefulsets(api, namespace)["dev-minimal-dev-pool"]
    assert sts.metadata.owner_references[0].uid == stored["metadata"]["uid"]
    rbac = client.RbacAuthorizationV1Api(api)
    role = rbac.read_namespaced_role("dev-minimal-rustfs", namespace)
    assert [(r.resources, r.resource_names, r.verbs) for r in role.rules] == [(["secrets"], ["creds"], ["get"])]
    binding = rbac.read_namespaced_role_binding("dev-minimal-rustfs", namespace)
    assert [(s.kind, s.name) for s in binding.subjects] == [("ServiceAccount", "dev-minimal-sa")]
    status = read_tenant(api, namespace, "dev-minimal")["status"]
    assert status["observedGeneration"] == stored["metadata"]["generation"]

    client.CoreV1Api(api).delete_namespaced_secret("creds", namespace)
    blocked = run_playbook("rustfs.operator.reconcile", extra_vars={"tenant": stored}, tmp_dir=tmp_path)
    assert blocked.returncode == 0, blocked.output
    assert "CredentialSecretNotFound" in blocked.stdout
    status = read_tenant(api, namespace, "dev-minimal")["status"]
    assert status["currentState"] == "Blocked"
    credentials = next(c for c in status["conditions"] if c["type"] == "CredentialsReady")
    assert (credentials["status"], credentials["reason"]) == ("False", "CredentialSecretNotFound")


def test_a_hand_written_statefulset_with_a_pool_name_is_refused_not_overwritten(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant("minimal-dev-tenant.yaml", namespace)
    name = f"{tenant['metadata']['name']}-{tenant['spec']['pools'][0]['name']}"
    labels = {"app": "hand-written"}
    kube.apply(
        api,
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {
                "replicas": 1,
                "serviceName": "hand-written",
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "rustfs", "image": "rustfs/rustfs:1.0.0-beta.10"}]},
                },
            },
        },
    )
    before = statefulsets(api, namespace)[name].metadata
    refused = tenant_play(tenant, tmp_path)
    assert refused.returncode != 0
    assert f"StatefulSet {name} exists but is not labelled rustfs.tenant=" in refused.output
    assert "StatefulSetUpdateValidationFailed" in refused.output
    after = statefulsets(api, namespace)[name].metadata  # its controller may move the status, nothing else
    assert (after.generation, after.labels) == (before.generation, before.labels)
    assert "rustfs-operator" not in {entry.manager for entry in after.managed_fields}
    assert [s.metadata.name for s in client.CoreV1Api(api).list_namespaced_service(namespace).items] == []


STATUS_PLAY = """
- name: Write a Tenant's status from the live cluster
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the status, with a problem found by the play
      rustfs.operator.tenant_status:
        name: "{{ status_name }}"
        namespace: "{{ status_namespace }}"
        problems:
          - field: spec.pools
            message: checked by hand in this play
            reason: InvalidSpec
"""


def test_tenant_status_writes_what_the_play_found_once(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    """The module (an action plugin): check mode writes nothing, a run writes once, a rerun changes nothing."""
    tenant = example_tenant("minimal-dev-tenant.yaml", namespace)
    created = tenant_play(tenant, tmp_path)
    assert created.returncode == 0, created.output
    name = tenant["metadata"]["name"]
    before = read_tenant(api, namespace, name)
    playbook = tmp_path / "status.yml"
    playbook.write_text(STATUS_PLAY)
    names = {"status_name": name, "status_namespace": namespace}

    checked = run_playbook(str(playbook), "--check", extra_vars=names, tmp_dir=tmp_path)
    assert checked.returncode == 0, checked.output
    assert checked.changed == 1
    assert read_tenant(api, namespace, name)["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]

    written = run_playbook(str(playbook), extra_vars=names, tmp_dir=tmp_path)
    assert written.returncode == 0, written.output
    assert written.changed == 1
    messages = [c.get("message", "") for c in read_tenant(api, namespace, name)["status"]["conditions"]]
    assert any("checked by hand in this play" in m for m in messages), messages

    again = run_playbook(str(playbook), extra_vars=names, tmp_dir=tmp_path)
    assert again.returncode == 0, again.output
    assert again.changed == 0
