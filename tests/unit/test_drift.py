"""Drift comparison (module_utils/drift.py): pure, desired against live dicts."""

from __future__ import annotations

import copy
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.drift import (
    drift_report,
    field_differences,
    object_drift,
    summary_lines,
)
from ansible_collections.rustfs.operator.plugins.module_utils.render import tenant_objects

TENANT = {
    "apiVersion": "rustfs.com/v1alpha1",
    "kind": "Tenant",
    "metadata": {"name": "t", "namespace": "ns", "uid": "u-1"},
    "spec": {
        "pools": [
            {
                "name": "p0",
                "servers": 2,
                "persistence": {"volumesPerServer": 2},
                "resources": {"requests": {"memory": "1Gi", "cpu": "500m"}},
            }
        ]
    },
}


def objects() -> list[dict[str, Any]]:
    return tenant_objects(copy.deepcopy(TENANT))


def statefulset() -> dict[str, Any]:
    return next(o for o in objects() if o["kind"] == "StatefulSet")


def as_stored(obj: dict[str, Any]) -> dict[str, Any]:
    """OBJ as the API server returns it: defaults, bookkeeping metadata, status, our digest annotation."""
    live = copy.deepcopy(obj)
    metadata = live["metadata"]
    metadata.update(uid="x", resourceVersion="7", generation=1, creationTimestamp="2026-01-01T00:00:00Z")
    metadata["managedFields"] = [{"manager": c.FIELD_MANAGER, "operation": "Apply"}]
    metadata.setdefault("annotations", {})[c.ANNOTATION_APPLIED] = "abc"
    if live["kind"] == "StatefulSet":
        spec = live["spec"]
        spec["revisionHistoryLimit"] = 10
        spec.setdefault("podManagementPolicy", "OrderedReady")
        pod = spec["template"]["spec"]
        pod.update(dnsPolicy="ClusterFirst", schedulerName="default-scheduler", terminationGracePeriodSeconds=30)
        for container in pod["containers"]:
            container.update(terminationMessagePath="/dev/termination-log", imagePullPolicy="IfNotPresent")
            for port in container.get("ports") or []:
                port.setdefault("protocol", "TCP")
        live["status"] = {"replicas": 2, "readyReplicas": 2}
    if live["kind"] == "Service":
        live["spec"].setdefault("clusterIP", "10.0.0.1")
        live["spec"].update(sessionAffinity="None", internalTrafficPolicy="Cluster")
    return live


def test_defaults_and_bookkeeping_the_api_server_adds_are_no_drift() -> None:
    for obj in objects():
        assert object_drift(obj, as_stored(obj))["state"] == "in-sync", obj["kind"]


def test_an_env_edit_names_the_field_with_desired_and_live_values() -> None:
    desired = statefulset()
    live = as_stored(desired)
    container = live["spec"]["template"]["spec"]["containers"][0]
    env = next(e for e in container["env"] if "value" in e)
    wanted = env["value"]
    env["value"] = "edited"
    entry = object_drift(desired, live)
    assert entry["state"] == "differs"
    assert entry["fields"] == [
        {
            "path": f"spec.template.spec.containers[name=rustfs].env[name={env['name']}].value",
            "desired": wanted,
            "live": "edited",
        }
    ]


def test_env_order_is_no_drift_but_a_removed_variable_is() -> None:
    desired = statefulset()
    live = as_stored(desired)
    container = live["spec"]["template"]["spec"]["containers"][0]
    assert len(container["env"]) > 1
    container["env"].reverse()
    assert object_drift(desired, live)["state"] == "in-sync"
    removed = container["env"].pop(0)
    [diff] = object_drift(desired, live)["fields"]
    assert diff["path"] == f"spec.template.spec.containers[name=rustfs].env[name={removed['name']}]"
    assert diff["live"] is None and diff["desired"] == removed


def test_an_added_variable_is_not_ours_to_compare() -> None:
    desired = statefulset()
    live = as_stored(desired)
    live["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "EXTRA", "value": "1"})
    assert object_drift(desired, live)["state"] == "in-sync"


def test_quantities_compare_as_numbers() -> None:
    desired = statefulset()
    live = as_stored(desired)
    requests = live["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
    requests.update(memory="1024Mi", cpu="0.5")
    assert object_drift(desired, live)["state"] == "in-sync"
    requests["memory"] = "2Gi"
    [diff] = object_drift(desired, live)["fields"]
    assert diff == {
        "path": "spec.template.spec.containers[name=rustfs].resources.requests.memory",
        "desired": "1Gi",
        "live": "2Gi",
    }
    assert field_differences({"resources": {"requests": {"storage": "1Gi"}}}, {"resources": {"requests": {}}}) == [
        {"path": "resources.requests.storage", "desired": "1Gi", "live": None}
    ]


def test_a_hand_scaled_statefulset_and_a_removed_label() -> None:
    desired = statefulset()
    live = as_stored(desired)
    live["spec"]["replicas"] = 5
    del live["metadata"]["labels"][c.LABEL_MANAGED_BY]
    paths = {d["path"]: d for d in object_drift(desired, live)["fields"]}
    assert paths["spec.replicas"] == {"path": "spec.replicas", "desired": 2, "live": 5}
    assert paths[f"metadata.labels.{c.LABEL_MANAGED_BY}"]["live"] is None
    assert len(paths) == 2


def test_atomic_lists_compare_as_a_whole() -> None:
    desired = {"kind": "RoleBinding", "metadata": {"name": "rb"}, "subjects": [{"kind": "ServiceAccount", "name": "a"}]}
    live = copy.deepcopy(desired)
    live["subjects"].append({"kind": "ServiceAccount", "name": "intruder"})
    [diff] = object_drift(desired, live)["fields"]
    assert diff["path"] == "subjects" and len(diff["live"]) == 2
    assert field_differences({"args": ["a", "b"]}, {"args": ["b", "a"]})[0]["path"] == "args"


def test_empty_values_the_api_server_drops_are_no_drift() -> None:
    assert field_differences({"a": {}, "b": [], "c": False, "d": None}, {}) == []
    assert field_differences({"a": 0}, {}) == [{"path": "a", "desired": 0, "live": None}]


def test_the_report_missing_differs_extra_and_never_a_secret() -> None:
    desired = objects()
    live: dict[tuple[str, str], Any] = {(o["kind"], o["metadata"]["name"]): as_stored(o) for o in desired}
    service = next(o for o in desired if o["kind"] == "Service")
    live[("Service", service["metadata"]["name"])] = None
    sts = statefulset()
    live[("StatefulSet", sts["metadata"]["name"])]["spec"]["replicas"] = 3
    owned = [
        *[v for v in live.values() if v is not None],
        {"kind": "Service", "metadata": {"name": "t-old"}},
        {"kind": "Secret", "metadata": {"name": "t-creds"}, "data": {"k": "c2VjcmV0"}},
    ]
    report = drift_report([*desired, {"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "v"}}], live, owned)
    assert [(e["kind"], e["name"], e["state"]) for e in report] == [
        ("Service", service["metadata"]["name"], "missing"),
        ("StatefulSet", sts["metadata"]["name"], "differs"),
        ("Service", "t-old", "unmanaged-extra"),
    ]
    lines = summary_lines("ns/t", report)
    assert lines[0] == "tenant ns/t: 3 object(s) drifted"
    assert "  spec.replicas: desired 2, live 3" in lines
    assert "c2VjcmV0" not in str(report) + str(lines)
    assert summary_lines("ns/t", []) == ["tenant ns/t: no drift, every owned object is as the engine would apply it"]


def test_skipped_paths_are_not_compared() -> None:
    desired = statefulset()
    live = as_stored(desired)
    annotations = live["spec"]["template"]["metadata"].setdefault("annotations", {})
    annotations[c.ANNOTATION_TLS_HASH] = "other"
    path = f"spec.template.metadata.annotations.{c.ANNOTATION_TLS_HASH}"
    if c.ANNOTATION_TLS_HASH in ((desired["spec"]["template"]["metadata"]).get("annotations") or {}):
        assert object_drift(desired, live)["state"] == "differs"
    assert object_drift(desired, live, lambda p: p == path)["state"] == "in-sync"
