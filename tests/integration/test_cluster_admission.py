"""The API server enforces what a real one does: CRD CEL validation rules and
Pod Security admission."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import kube
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

pytestmark = pytest.mark.integration


@pytest.fixture
def widget_crd(api: client.ApiClient) -> Iterator[tuple[str, str]]:
    """A namespaced CRD with CEL rules; a unique group, since CRDs are
    cluster-scoped and a reused cluster may hold earlier runs' CRDs."""
    group = f"t{uuid.uuid4().hex[:8]}.it.rustfs-operator.test"
    name = f"widgets.{group}"
    kube.apply(
        api,
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": name},
            "spec": {
                "group": group,
                "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {
                                    "spec": {
                                        "type": "object",
                                        "required": ["replicas", "minReplicas", "pool"],
                                        "properties": {
                                            "replicas": {"type": "integer"},
                                            "minReplicas": {"type": "integer"},
                                            "pool": {
                                                "type": "string",
                                                "x-kubernetes-validations": [
                                                    {"rule": "self == oldSelf", "message": "pool is immutable"}
                                                ],
                                            },
                                        },
                                        "x-kubernetes-validations": [
                                            {
                                                "rule": "self.minReplicas <= self.replicas",
                                                "message": "minReplicas must not exceed replicas",
                                            }
                                        ],
                                    }
                                },
                            }
                        },
                    }
                ],
            },
        },
    )
    ext = client.ApiextensionsV1Api(api)
    kube.wait_for(
        lambda: any(
            c.type == "Established" and c.status == "True"
            for c in ext.read_custom_resource_definition(name).status.conditions or []
        ),
        timeout=30,
        what=f"CRD {name} established",
    )
    yield group, name
    ext.delete_custom_resource_definition(name)


def test_crd_cel_rules_reject_bad_objects(api: client.ApiClient, namespace: str, widget_crd: tuple[str, str]) -> None:
    group, _ = widget_crd
    co = client.CustomObjectsApi(api)

    def widget(name: str, replicas: int, min_replicas: int, pool: str = "p0") -> dict:
        return {
            "apiVersion": f"{group}/v1",
            "kind": "Widget",
            "metadata": {"name": name},
            "spec": {"replicas": replicas, "minReplicas": min_replicas, "pool": pool},
        }

    # The new CRD's endpoint may lag its Established condition by a moment.
    kube.wait_for(
        lambda: co.create_namespaced_custom_object(group, "v1", namespace, "widgets", widget("good", 4, 2)),
        timeout=30,
        what="valid Widget accepted",
    )

    with pytest.raises(ApiException) as bad:
        co.create_namespaced_custom_object(group, "v1", namespace, "widgets", widget("bad", 1, 3))
    assert bad.value.status == 422
    assert "minReplicas must not exceed replicas" in json.loads(bad.value.body)["message"]

    # Transition rule (oldSelf): checked on update only.
    with pytest.raises(ApiException) as moved:
        co.patch_namespaced_custom_object(group, "v1", namespace, "widgets", "good", {"spec": {"pool": "p1"}})
    assert moved.value.status == 422
    assert "pool is immutable" in json.loads(moved.value.body)["message"]
    co.patch_namespaced_custom_object(group, "v1", namespace, "widgets", "good", {"spec": {"replicas": 5}})


def test_restricted_namespace_rejects_a_privileged_pod(api: client.ApiClient) -> None:
    ns = kube.create_namespace(api, "it-psa", labels={"pod-security.kubernetes.io/enforce": "restricted"})
    core = client.CoreV1Api(api)
    try:
        privileged = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "privileged"},
            "spec": {
                "containers": [
                    {"name": "main", "image": "registry.invalid/none:0", "securityContext": {"privileged": True}}
                ]
            },
        }
        with pytest.raises(ApiException) as denied:
            core.create_namespaced_pod(ns, privileged)
        assert denied.value.status == 403
        message = json.loads(denied.value.body)["message"]
        assert 'violates PodSecurity "restricted:latest"' in message
        assert "privileged" in message

        # The same namespace admits a pod that meets the restricted profile,
        # so the label (not something else) caused the refusal.
        compliant = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "compliant"},
            "spec": {
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": 1000,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [
                    {
                        "name": "main",
                        "image": "registry.invalid/none:0",
                        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                    }
                ],
            },
        }
        core.create_namespaced_pod(ns, compliant)
    finally:
        kube.delete_namespace(api, ns)
