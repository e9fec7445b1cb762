"""Module tenant_rollback against a fake API: what it reads, what it writes, when it refuses."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import ForbiddenError, NotFoundError, ResourceNotFoundError

from ansible_collections.rustfs.operator.plugins.module_utils.history import (
    ANNOTATION_ROLLBACK_HANDLED,
    HISTORY_KEY,
    history_configmap,
    last_good_record,
)
from ansible_collections.rustfs.operator.plugins.module_utils.plan import plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import with_digest
from ansible_collections.rustfs.operator.plugins.modules import tenant_rollback
from ansible_collections.rustfs.operator.plugins.modules.tenant_rollback import RollbackFailed, definition_of, rollback

UID = "5f1e8d7c-0000-4000-8000-000000000077"
GOOD = "rustfs/rustfs:1.0.0-beta.10"
BAD = "rustfs/rustfs:1.0.1"


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386, as the API server applies a merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result


class FakeClient:
    """Just what the module calls: resource, get (one or a list), patch (merge), create (events)."""

    def __init__(self, objects: list[dict[str, Any]], forbidden: tuple[str, ...] = (), no_crd: bool = False):
        self.objects = {(o["kind"], o["metadata"]["name"]): copy.deepcopy(o) for o in objects}
        self.forbidden = forbidden
        self.no_crd = no_crd
        self.patches: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def resource(self, kind: str, api_version: str) -> Any:
        if kind == "Tenant" and self.no_crd:
            raise ResourceNotFoundError("no Tenant kind")
        return SimpleNamespace(kind=kind, api_version=api_version)

    def get(self, resource: Any, name: str | None = None, namespace: str | None = None, **params: Any) -> Any:
        if resource.kind in self.forbidden:
            raise ForbiddenError(ApiException(status=403))
        if name is None:
            selector = params.get("label_selector")
            items = [
                copy.deepcopy(o)
                for (kind, _), o in self.objects.items()
                if kind == resource.kind
                and (
                    selector is None
                    or f"rustfs.tenant={o['metadata'].get('labels', {}).get('rustfs.tenant')}" == selector
                )
            ]
            return {"items": items}
        if (resource.kind, name) not in self.objects:
            raise NotFoundError(ApiException(status=404))
        return copy.deepcopy(self.objects[(resource.kind, name)])

    def patch(self, resource: Any, body: dict[str, Any], **params: Any) -> dict[str, Any]:
        self.patches.append({"body": copy.deepcopy(body), **params})
        stored = self.objects[(resource.kind, params["name"])]
        assert body["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
        patched = merge(stored, body)
        patched["metadata"]["resourceVersion"] = str(int(stored["metadata"]["resourceVersion"]) + 1)
        if patched.get("spec") != stored.get("spec"):
            patched["metadata"]["generation"] += 1
        if params.get("dry_run") != "All":
            self.objects[(resource.kind, params["name"])] = patched
        return copy.deepcopy(patched)

    def create(self, resource: Any, body: dict[str, Any], namespace: str) -> dict[str, Any]:
        assert resource.kind == "Event"
        self.events.append(body)
        return body

    @property
    def tenant(self) -> dict[str, Any]:
        return self.objects[("Tenant", "t")]


def tenant_doc(eng, generation, image, annotations=None, pools=None):
    doc = eng.tenant("t", "ns", uid=UID, annotations=annotations, image=image, pools=pools or [eng.pool("a")])
    doc["metadata"].update(generation=generation, resourceVersion="10")
    return doc


def rolled_out(doc):
    live = []
    for desired in plan_tenant(doc)["statefulsets"]:
        statefulset = with_digest(desired)
        replicas = statefulset["spec"]["replicas"]
        statefulset["status"] = {
            "replicas": replicas,
            "readyReplicas": replicas,
            "currentReplicas": replicas,
            "updatedReplicas": replicas,
        }
        live.append(statefulset)
    return live


def cluster(eng, current_image=BAD, annotations=None, record=True, extra=(), **options):
    """A Tenant at generation 4 whose generation 3 (GOOD image) was recorded; its pods still run generation 3."""
    good = tenant_doc(eng, 3, GOOD)
    live = rolled_out(good)
    objects = [tenant_doc(eng, 4, current_image, annotations), *live, *extra]
    if record:
        objects.append(history_configmap(good, last_good_record(good, live, [], "2025-01-01T00:00:00Z")))
    return FakeClient(objects, **options)


def test_a_rollback_restores_the_spec_and_says_so(eng):
    client = cluster(eng)
    result = rollback(client, "t", "ns")
    assert result["changed"] is True and result["rolled_back"] is True
    assert client.tenant["spec"]["image"] == GOOD
    assert client.tenant["metadata"]["generation"] == 5
    (patch,) = client.patches
    assert patch["body"] == {"spec": {"image": GOOD, "pools": [eng.pool("a")]}, "metadata": {"resourceVersion": "10"}}
    assert patch["content_type"] == "application/merge-patch+json"
    assert patch["dry_run"] is None
    assert result["record"] == {
        "generation": 3,
        "time": "2025-01-01T00:00:00Z",
        "digest": last_good_record(tenant_doc(eng, 3, GOOD), rolled_out(tenant_doc(eng, 3, GOOD)), [])["digest"],
    }
    assert result["definition"] == definition_of(client.tenant)
    assert result["definition"]["spec"]["image"] == GOOD
    assert set(result["definition"]["metadata"]) == {"name", "namespace", "uid", "generation"}
    assert result["diff"]["before"]["spec"]["image"] == BAD
    assert result["diff"]["after"]["spec"]["image"] == GOOD
    assert [(e["type"], e["reason"]) for e in client.events] == [("Normal", "RollbackApplied")]
    assert client.events[0]["message"] == "restored the spec of generation 3 (recorded 2025-01-01T00:00:00Z)"
    assert result["problems"] == [] and result["notes"] == []


def test_a_rollback_answers_the_request_in_the_same_patch(eng):
    client = cluster(eng, annotations={"operator.rustfs.com/rollback": "r1"})
    result = rollback(client, "t", "ns", request="r1")
    (patch,) = client.patches
    assert patch["body"]["metadata"]["annotations"] == {ANNOTATION_ROLLBACK_HANDLED: "r1"}
    assert "spec" in patch["body"]
    assert client.tenant["metadata"]["annotations"][ANNOTATION_ROLLBACK_HANDLED] == "r1"
    assert result["definition"]["metadata"]["annotations"][ANNOTATION_ROLLBACK_HANDLED] == "r1"


def test_a_tenant_at_its_last_good_spec_is_left_alone(eng):
    client = cluster(eng, current_image=GOOD)
    result = rollback(client, "t", "ns")
    assert (result["changed"], result["rolled_back"]) == (False, False)
    assert client.patches == [] and client.events == []
    assert result["definition"]["spec"]["image"] == GOOD
    # Asked by a request: only the answer is written.
    client = cluster(eng, current_image=GOOD)
    result = rollback(client, "t", "ns", request="r2")
    assert (result["changed"], result["rolled_back"]) == (True, False)
    assert [p["body"] for p in client.patches] == [
        {"metadata": {"annotations": {ANNOTATION_ROLLBACK_HANDLED: "r2"}, "resourceVersion": "10"}}
    ]
    assert client.events == []
    # A request answered already is not answered again.
    client = cluster(eng, current_image=GOOD, annotations={ANNOTATION_ROLLBACK_HANDLED: "r2"})
    assert rollback(client, "t", "ns", request="r2")["changed"] is False
    assert client.patches == []


def test_check_mode_sends_a_dry_run_and_records_no_event(eng):
    client = cluster(eng)
    result = rollback(client, "t", "ns", request="r1", check_mode=True)
    assert result["changed"] is True and result["rolled_back"] is True
    assert [p["dry_run"] for p in client.patches] == ["All"]
    assert client.tenant["spec"]["image"] == BAD
    assert client.events == []
    assert result["diff"]["after"]["spec"]["image"] == GOOD


def test_no_record_fails_clearly(eng):
    client = cluster(eng, record=False)
    with pytest.raises(RollbackFailed) as failure:
        rollback(client, "t", "ns")
    assert "Cannot roll back tenant ns/t" in str(failure.value)
    assert "RollbackUnavailable" in str(failure.value)
    assert [p["reason"] for p in failure.value.result["problems"]] == ["RollbackUnavailable"]
    assert failure.value.result["changed"] is False
    assert "record" not in failure.value.result
    assert client.patches == [] and client.events == []


def test_a_refused_request_is_answered_so_it_is_not_retried(eng):
    client = cluster(eng, record=False, annotations={"operator.rustfs.com/rollback": "r1"})
    with pytest.raises(RollbackFailed) as failure:
        rollback(client, "t", "ns", request="r1")
    assert failure.value.result["changed"] is True
    assert [p["body"]["metadata"].get("annotations") for p in client.patches] == [{ANNOTATION_ROLLBACK_HANDLED: "r1"}]
    assert "spec" not in client.patches[0]["body"]
    assert [(e["type"], e["reason"]) for e in client.events] == [("Warning", "RollbackRefused")]
    # In check mode nothing is written.
    client = cluster(eng, record=False)
    with pytest.raises(RollbackFailed):
        rollback(client, "t", "ns", request="r1", check_mode=True)
    assert client.patches == [] and client.events == []


def test_an_unreadable_record_fails(eng):
    broken = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "t-history"}, "data": {HISTORY_KEY: "{"}}
    client = cluster(eng, record=False, extra=[broken])
    with pytest.raises(RollbackFailed) as failure:
        rollback(client, "t", "ns")
    assert [p["reason"] for p in failure.value.result["problems"]] == ["RollbackRecordInvalid"]
    assert "is unreadable" in str(failure.value)


def test_an_unsafe_rollback_is_refused_with_the_reason(eng):
    def sized(size):
        claim = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
        return [eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim})]

    good = tenant_doc(eng, 3, GOOD, pools=sized("10Gi"))
    record = last_good_record(good, rolled_out(good), [], "2025-01-01T00:00:00Z")
    grown = tenant_doc(eng, 4, BAD, pools=sized("20Gi"))
    client = FakeClient([grown, *rolled_out(grown), history_configmap(good, record)])
    with pytest.raises(RollbackFailed) as failure:
        rollback(client, "t", "ns")
    assert [p["reason"] for p in failure.value.result["problems"]] == ["StatefulSetUpdateValidationFailed"]
    assert failure.value.result["record"]["generation"] == 3
    assert client.patches == []


def test_storage_classes_that_cannot_be_read_are_no_error(eng):
    client = cluster(eng, forbidden=("StorageClass",))
    assert rollback(client, "t", "ns")["rolled_back"] is True


def test_a_missing_tenant_or_crd_fails(eng):
    with pytest.raises(RollbackFailed, match="Tenant ns/other does not exist"):
        rollback(cluster(eng), "other", "ns")
    with pytest.raises(RollbackFailed, match="CRD"):
        rollback(cluster(eng, no_crd=True), "t", "ns")


def test_the_module_documents_what_it_takes():
    assert "name:" in tenant_rollback.DOCUMENTATION and "request:" in tenant_rollback.DOCUMENTATION
    assert "rolled_back:" in tenant_rollback.RETURN and "definition:" in tenant_rollback.RETURN
