"""Moving a tenant between rustfs.operator and the RustFS operator (issue 14), on the real API server.

Both apply with the field manager `rustfs-operator`. A tenant reconciled here is then applied as the
RustFS operator applies it (tests/fixtures/parity: its objects, written from its source), and then
reconciled here again: in neither direction may a pod template change (a new StatefulSet generation
would roll every pod), an apply be refused (volumeClaimTemplates are immutable), or a claim change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kube
import pytest
import yaml
from kubernetes import client
from support.playbook import example_documents, example_tenant, run_playbook

pytestmark = pytest.mark.integration

PARITY = Path(__file__).resolve().parents[1] / "fixtures" / "parity"
GOLDEN_UID = "0b5c6a36-8a5e-4c4b-9a43-5c0f4c1e2d11"  # the Tenant uid the golden files were written with
FIELD_MANAGER = "rustfs-operator"  # both operators'
EXAMPLES = ["simple-tenant.yaml", "multi-pool-tenant.yaml", "minimal-dev-tenant.yaml", "secret-credentials-tenant.yaml"]


def as_the_rustfs_operator_applies(filename: str, namespace: str, uid: str) -> list[dict[str, Any]]:
    """The golden objects of FILENAME for this Tenant: its uid, and NAMESPACE wherever the example's is."""
    original = example_tenant(filename)["metadata"].get("namespace") or "default"
    text = (PARITY / filename).read_text().replace(GOLDEN_UID, uid)
    # The namespace is in metadata and in the peers' DNS names of RUSTFS_VOLUMES.
    text = text.replace(f"namespace: {original}", f"namespace: {namespace}")
    text = text.replace(f".{original}.svc", f".{namespace}.svc")
    objects: list[dict[str, Any]] = yaml.safe_load(text)
    assert all(o["metadata"]["namespace"] == namespace for o in objects)
    return objects


def snapshot(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    """What a switch must leave alone: each StatefulSet's generation, pod template and claim templates,
    each claim's uid."""
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    state: dict[str, Any] = {}
    for sts in apps.list_namespaced_stateful_set(namespace).items:
        raw = api.sanitize_for_serialization(sts)
        state[f"StatefulSet/{sts.metadata.name}"] = (
            sts.metadata.generation,
            raw["spec"]["template"],
            raw["spec"].get("volumeClaimTemplates"),
        )
    for claim in core.list_namespaced_persistent_volume_claim(namespace).items:
        state[f"PersistentVolumeClaim/{claim.metadata.name}"] = claim.metadata.uid
    return state


@pytest.mark.parametrize("filename", EXAMPLES)
def test_switching_operators_changes_no_pod_template_and_no_claim(
    api: client.ApiClient, namespace: str, crd: None, tmp_path: Path, filename: str
) -> None:
    for doc in example_documents(filename):
        if doc["kind"] == "Secret":
            doc["metadata"]["namespace"] = namespace
            kube.apply(api, doc)
    tenant = example_tenant(filename, namespace)
    first = run_playbook("rustfs.operator.tenant", extra_vars={"tenant": tenant}, tmp_dir=tmp_path)
    assert first.returncode == 0, first.output
    stored = kube.read_tenant(api, namespace, tenant["metadata"]["name"])
    # The StatefulSet controller makes the claims after the run: wait for all of them.
    claims = sum(p["servers"] * p["persistence"]["volumesPerServer"] for p in tenant["spec"]["pools"])
    ours = kube.wait_for(
        lambda: (
            (s := snapshot(api, namespace)) and sum(k.startswith("PersistentVolumeClaim/") for k in s) == claims and s
        ),
        timeout=60,
        what=f"{claims} claims",
    )
    assert any(k.startswith("StatefulSet/") for k in ours)

    # To the RustFS operator: its apply of the same Tenant, with the same field manager.
    theirs = as_the_rustfs_operator_applies(filename, namespace, stored["metadata"]["uid"])
    kube.apply(api, theirs, field_manager=FIELD_MANAGER)
    assert snapshot(api, namespace) == ours, "the RustFS operator's apply changed a StatefulSet or a claim"

    # And back: a run here takes the objects over again (their apply dropped our digest annotations).
    back = run_playbook("rustfs.operator.tenant", extra_vars={"tenant": tenant}, tmp_dir=tmp_path)
    assert back.returncode == 0, back.output
    assert snapshot(api, namespace) == ours, "the switch back changed a StatefulSet or a claim"
    managers = {
        entry.manager
        for sts in client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items
        for entry in sts.metadata.managed_fields
        if entry.operation == "Apply"
    }
    assert managers == {FIELD_MANAGER}
