"""An operator told to watch some namespaces serves the Tenants there and no others."""

from __future__ import annotations

import time
from typing import Any

import kube
import pytest
from kubernetes import client
from operator_support import active_operator, label_tenant, wait_until
from support.playbook import example_tenant

pytestmark = pytest.mark.integration


def small(namespace: str, instance: str) -> dict[str, Any]:
    tenant = label_tenant(example_tenant("simple-tenant.yaml", namespace), instance)
    tenant["metadata"]["name"] = "watched"
    tenant["spec"]["pools"] = [{"name": "pool-0", "servers": 2, "persistence": {"volumesPerServer": 1}}]
    return tenant


def current_state(api: client.ApiClient, namespace: str) -> str | None:
    return (kube.read_tenant(api, namespace, "watched").get("status") or {}).get("currentState")


def test_only_the_watched_namespaces_are_served(api: client.ApiClient, namespace: str, operator_home: Any) -> None:
    other = kube.create_namespace(api, "it-op-unwatched")
    try:
        with active_operator(operator_home, "ns", watch_namespaces=f" {namespace} ,") as operator:
            for where in (namespace, other):
                client.CustomObjectsApi(api).create_namespaced_custom_object(
                    "rustfs.com", "v1alpha1", where, "tenants", small(where, operator.instance)
                )
            wait_until(lambda: current_state(api, namespace) == "Ready", timeout=120, what="the watched tenant Ready")
            time.sleep(3)  # the other one was created at the same time: it had every chance
            assert current_state(api, other) is None
            assert client.AppsV1Api(api).list_namespaced_stateful_set(other).items == []
            assert operator.runs() == 1
            tenant = kube.read_tenant(api, other, "watched")
            assert "rustfs.com/finalizer" not in (tenant["metadata"].get("finalizers") or [])
    finally:
        kube.delete_namespace(api, other)
